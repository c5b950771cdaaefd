package ladder

import (
	"testing"
	"time"
)

// rowOfText finds the row where a state or note with this text is written.
func rowOfText(t *testing.T, l layout, side Side, text string) int {
	t.Helper()
	for _, s := range l.texts {
		if s.side == side && s.text == text {
			return s.row
		}
	}
	t.Fatalf("no %v text %q", side, text)
	return -1
}

func TestLayoutDemo(t *testing.T) {
	d := demo()
	l := layOut(&d)
	// Rows computed by hand: the typical delay is 50 ms, rowsPerDelay rows.
	// t=0: "listen" row 0; LISTEN and "connect" row 1; SYN-SENT and the SYN
	// row 2. t=50ms: 4 rows after the last row of t=0.
	want := []struct {
		name          string
		r0, r1, end   int
		dropped       bool
		from          Side
		labelContains string
	}{
		{"SYN", 2, 6, 6, false, Left, "S seq 0"},
		{"SYN-ACK, a row after the SYN's arrival", 7, 11, 11, false, Right, "S. seq 0 ack 1"},
		{"ACK of the handshake", 12, 17, 17, false, Left, ". seq 1 ack 1"},
		{"lost data: X three rows down", 13, 17, 16, true, Left, "P. seq 1"},
		// 0.150 s at row 17, "accept" row 18, a break (0.95 s is 19
		// delays) rows 19-21, 1.100 s at row 22.
		{"retransmission", 22, 26, 26, false, Left, "P. seq 1"},
	}
	for i, w := range want {
		a := l.arrows[i]
		if a.r0 != w.r0 || a.r1 != w.r1 || a.end != w.end || a.dropped != w.dropped || a.from != w.from {
			t.Errorf("%s: rows %d→%d end %d dropped %v from %v; want %d→%d end %d dropped %v from %v",
				w.name, a.r0, a.r1, a.end, a.dropped, a.from, w.r0, w.r1, w.end, w.dropped, w.from)
		}
	}
	if len(l.breaks) != 2 || l.breaks[0] != (gapBreak{19, 950 * ms}) || l.breaks[1].gap != 239950*ms {
		t.Errorf("breaks %v; want one of 0.95 s at row 19 and one of 239.95 s", l.breaks)
	}
	if r := rowOfText(t, l, Right, "SYN-RECEIVED"); r != l.arrows[0].r1 {
		t.Errorf("SYN-RECEIVED at row %d, not where the SYN arrives (%d)", r, l.arrows[0].r1)
	}
}

// The ACK and the FIN of the passive close arrive at the client at the
// same time; the Arrival events put each state change at the row of the
// segment that caused it (RFC 9293 §3.10.7.4: FIN-WAIT-1 → FIN-WAIT-2 on
// the ACK of our FIN, FIN-WAIT-2 → TIME-WAIT on the FIN).
func TestLayoutArrivalOrder(t *testing.T) {
	d := demo()
	l := layOut(&d)
	ack, fin := l.arrows[7], l.arrows[8]
	if got := rowOfText(t, l, Left, "FIN-WAIT-2"); got != ack.r1 {
		t.Errorf("FIN-WAIT-2 at row %d, the ACK arrives at row %d", got, ack.r1)
	}
	if got := rowOfText(t, l, Left, "TIME-WAIT"); got != fin.r1 {
		t.Errorf("TIME-WAIT at row %d, the FIN arrives at row %d", got, fin.r1)
	}
	if fin.r1 != ack.r1+1 {
		t.Errorf("FIN arrives at row %d, want the row after the ACK (%d)", fin.r1, ack.r1+1)
	}
}

// A gap gets rowsPerDelay rows per typical one-way delay (here the one
// segment's 40 ms), at least one, and becomes a break past breakRatio
// delays.
func TestLayoutGapRows(t *testing.T) {
	for _, tc := range []struct {
		gap     time.Duration
		rows    int
		isBreak bool
	}{
		{10 * ms, 1, false},   // a quarter of a delay
		{1 * ms, 1, false},    // never less than one row
		{60 * ms, 6, false},   // 1.5 delays
		{120 * ms, 12, false}, // 3 delays, the longest gap drawn to scale
		{121 * ms, breakRows + 1, true},
	} {
		d := Diagram{Events: []Event{
			Segment{From: Left, Sent: 0, Arrived: 40 * ms, Label: "."},
			Note{Right, 40*ms + tc.gap, "later"},
		}}
		l := layOut(&d)
		if l.arrows[0].r1 != rowsPerDelay {
			t.Fatalf("the 40 ms segment spans %d rows; want %d", l.arrows[0].r1, rowsPerDelay)
		}
		got := l.texts[0].row - l.arrows[0].r1
		if got != tc.rows || (len(l.breaks) == 1) != tc.isBreak {
			t.Errorf("gap %v: %d rows, breaks %v; want %d rows, a break: %v", tc.gap, got, l.breaks, tc.rows, tc.isBreak)
		}
		if tc.isBreak && l.breaks[0] != (gapBreak{rowsPerDelay + 1, tc.gap}) {
			t.Errorf("gap %v: break %v; want rows from %d, %v", tc.gap, l.breaks[0], rowsPerDelay+1, tc.gap)
		}
	}
}

func TestGapText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		240 * time.Second:      "240 s later",
		950 * ms:               "0.95 s later",
		1500 * ms:              "1.5 s later",
		250 * time.Microsecond: "250 µs later",
	} {
		if got := gapText(d); got != want {
			t.Errorf("gapText(%v) = %q; want %q", d, got, want)
		}
	}
}

// A capture sees each segment at one moment: without delays the unit is
// the median gap between moments, so that a ladder of a capture breaks
// only at its long pauses, not at every gap above the shortest.
func TestLayoutCaptureTimes(t *testing.T) {
	us := time.Microsecond
	var d Diagram
	for i, at := range []time.Duration{0, 10 * us, 210 * us, 410 * us, 610 * us, 2 * time.Second} {
		d.Events = append(d.Events, Segment{From: Side(i % 2), Sent: at, Arrived: at, Label: "."})
	}
	l := layOut(&d)
	if len(l.breaks) != 1 || l.breaks[0].gap != 2*time.Second-610*us {
		t.Errorf("breaks %v; want one, before the segment 2 s in", l.breaks)
	}
}
