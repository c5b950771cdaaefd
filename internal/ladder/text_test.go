package ladder

import (
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func text(t *testing.T, d Diagram, opt TextOptions) string {
	t.Helper()
	var b strings.Builder
	if err := d.WriteText(&b, opt); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTextGolden(t *testing.T) {
	golden(t, "demo.golden.txt", []byte(text(t, demo(), TextOptions{})))
	golden(t, "udp.golden.txt", []byte(text(t, udpDemo(), TextOptions{Width: 80})))
	golden(t, "demo-ascii.golden.txt", []byte(text(t, demo(), TextOptions{ASCII: true, Width: 80})))
}

func svgOf(t *testing.T, d Diagram) string {
	t.Helper()
	var b strings.Builder
	if err := d.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSVGGolden(t *testing.T) {
	golden(t, "demo.golden.svg", []byte(svgOf(t, demo())))
	golden(t, "udp.golden.svg", []byte(svgOf(t, udpDemo())))
}

// middle returns what lies strictly between the two lifelines on each
// line after the header (the lifeline glyph is given).
func middles(out string, life rune) []string {
	var rows []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n")[1:] {
		r := []rune(line)
		first, last := -1, -1
		for i, c := range r {
			if c == life || c == '┊' || (life == '|' && c == ':') {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first >= 0 && last > first {
			rows = append(rows, string(r[first+1:last]))
		}
	}
	return rows
}

func TestTextMarks(t *testing.T) {
	d := demo()
	out := text(t, d, TextOptions{})
	var heads, xs int
	for _, m := range middles(out, '│') {
		heads += strings.Count(m, "▶") + strings.Count(m, "◀")
		xs += strings.Count(m, "X")
	}
	// 10 segments in the demo, one of them lost.
	if heads != 9 || xs != 1 {
		t.Errorf("%d arrowheads and %d X; want 9 and 1", heads, xs)
	}
	if !strings.Contains(out, "X loss") {
		t.Error("the drop's reason is not beside its X")
	}
	for i, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > DefaultWidth {
			t.Errorf("line %d is %d columns wide, more than %d", i+1, n, DefaultWidth)
		}
	}
	if !strings.Contains(out, "⋮ 239.95 s later") {
		t.Error("TIME-WAIT's 2×MSL is not drawn as a break")
	}
}

func TestTextASCII(t *testing.T) {
	out := text(t, demo(), TextOptions{ASCII: true, Width: 80})
	for i, c := range []byte(out) {
		if c >= 0x80 {
			t.Fatalf("byte %d of the ASCII ladder is %#x", i, c)
		}
	}
	for i, line := range strings.Split(out, "\n") {
		if len(line) > 80 {
			t.Errorf("line %d is %d columns wide, more than 80", i+1, len(line))
		}
	}
	if strings.Count(out, "X") != 1 || strings.Count(out, ">|")+strings.Count(out, "|<") != 9 {
		t.Errorf("ASCII ladder lacks its 9 arrowheads and 1 X:\n%s", out)
	}
}

func TestTextNoEvents(t *testing.T) {
	out := text(t, Diagram{Left: "a", Right: "b"}, TextOptions{})
	// No time margin and no texts: lifelines at columns 2 and 98 of 100,
	// each name centred over its own.
	want := "  a" + strings.Repeat(" ", 95) + "b\n" +
		"  │" + strings.Repeat(" ", 95) + "│\n"
	if out != want {
		t.Errorf("got\n%q\nwant\n%q", out, want)
	}
}

// A client whose SYNs are all lost: only the left lifeline has anything,
// and without a delivered segment the median gap (1 s, the lower of two)
// is the unit.
func TestTextOneSideOnly(t *testing.T) {
	d := Diagram{Left: "client", Right: "server", Events: []Event{
		State{Left, 0, "CLOSED", "SYN-SENT", ""},
		Segment{From: Left, Sent: 0, Arrived: 0, Label: "S seq 0", Dropped: true, Reason: "loss"},
		Segment{From: Left, Sent: 1 * time.Second, Arrived: 1 * time.Second, Label: "S seq 0", Dropped: true, Reason: "loss"},
		Segment{From: Left, Sent: 3 * time.Second, Arrived: 3 * time.Second, Label: "S seq 0", Dropped: true, Reason: "loss"},
	}}
	out := text(t, d, TextOptions{})
	if n := strings.Count(out, "X loss"); n != 3 {
		t.Errorf("%d X; want 3:\n%s", n, out)
	}
	if strings.ContainsAny(out, "▶◀⋮") {
		t.Errorf("arrowheads or breaks in a ladder of lost SYNs:\n%s", out)
	}
	l := layOut(&d)
	if r := []int{l.arrows[0].r0, l.arrows[1].r0, l.arrows[2].r0}; r[1]-r[0] != rowsPerDelay || r[2]-r[1] != 2*rowsPerDelay {
		t.Errorf("sends at rows %v; want 1 s apart = %d rows, then 2 s = %d rows", r, rowsPerDelay, 2*rowsPerDelay)
	}
}

// Simultaneous close (RFC 9293 §3.6, Figure 13): both FINs leave at the
// same time and cross. Both labels must be readable in full.
func TestTextSimultaneous(t *testing.T) {
	finL := "F. seq 100 ack 300 win 65535 len 0"
	finR := "F. seq 300 ack 100 win 65535 len 0"
	d := Diagram{Left: "A", Right: "B", Events: []Event{
		State{Left, 0, "ESTABLISHED", "FIN-WAIT-1", ""},
		Segment{From: Left, Sent: 0, Arrived: 50 * ms, Label: finL},
		State{Right, 0, "ESTABLISHED", "FIN-WAIT-1", ""},
		Segment{From: Right, Sent: 0, Arrived: 50 * ms, Label: finR},
		State{Left, 50 * ms, "FIN-WAIT-1", "CLOSING", ""},
		State{Right, 50 * ms, "FIN-WAIT-1", "CLOSING", ""},
	}}
	l := layOut(&d)
	if l.arrows[0].r0 != 0 || l.arrows[1].r0 != 0 {
		t.Errorf("FINs sent at rows %d and %d; both belong on row 0", l.arrows[0].r0, l.arrows[1].r0)
	}
	for _, w := range []int{100, 60} {
		out := text(t, d, TextOptions{Width: w})
		l, r := finL, finR
		if w == 60 {
			// 29 columns between the lifelines: cut, but each still shown.
			l, r = finL[:10], finR[:10]
		}
		if !strings.Contains(out, l) || !strings.Contains(out, r) {
			t.Errorf("width %d: a label is covered:\n%s", w, out)
		}
		if strings.Count(out, "CLOSING") != 2 {
			t.Errorf("width %d: both sides should show CLOSING:\n%s", w, out)
		}
	}
}

func TestTextLongLabel(t *testing.T) {
	long := strings.Repeat("P. seq 1 ack 1 win 65535 len 5 ", 10)
	d := Diagram{Left: strings.Repeat("client", 30), Right: "server", Events: []Event{
		Segment{From: Left, Sent: 0, Arrived: 50 * ms, Label: long},
		Note{Right, 50 * ms, strings.Repeat("recv ", 40)},
	}}
	for _, opt := range []TextOptions{{}, {Width: 50}, {Width: 50, ASCII: true}} {
		out := text(t, d, opt)
		ell := "…"
		if opt.ASCII {
			ell = "..."
		}
		if strings.Count(out, ell) < 3 {
			t.Errorf("%+v: the long label, note and name should each end in %q:\n%s", opt, ell, out)
		}
		width := opt.Width
		if width == 0 {
			width = DefaultWidth
		}
		for i, line := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(line); n > width {
				t.Errorf("%+v: line %d is %d columns wide", opt, i+1, n)
			}
		}
	}
}

func TestTextTooNarrow(t *testing.T) {
	var b strings.Builder
	err := demo().WriteText(&b, TextOptions{Width: 30})
	if err == nil || !strings.HasPrefix(err.Error(), "ladder: width 30 is too narrow") {
		t.Errorf("err = %v; want the width named", err)
	}
	if b.Len() != 0 {
		t.Error("wrote output despite the error")
	}
}

func TestTextTooLarge(t *testing.T) {
	for _, tc := range []struct {
		opt  TextOptions
		want string
	}{
		{TextOptions{Width: -1}, "ladder: width -1 is out of range (at most 1000 columns)"},
		{TextOptions{Width: 1001}, "ladder: width 1001 is out of range (at most 1000 columns)"},
	} {
		if err := demo().WriteText(io.Discard, tc.opt); err == nil || err.Error() != tc.want {
			t.Errorf("%+v: err = %v; want %q", tc.opt, err, tc.want)
		}
	}
	// 10,000 notes 0.1 s apart, 4 typical delays of 25 ms: a break of 4
	// rows apiece, 40,000 rows of 1000 columns, over the bound on cells.
	var d Diagram
	for i := range MaxEvents {
		d.Events = append(d.Events, Note{Left, time.Duration(i) * 100 * ms, "x"})
	}
	d.Events[1] = Segment{From: Left, Sent: 100 * ms, Arrived: 100*ms + 25*ms, Label: "."}
	err := d.WriteText(io.Discard, TextOptions{Width: 1000})
	if err == nil || !strings.Contains(err.Error(), "too large a drawing") {
		t.Errorf("err = %v; want the drawing refused as too large", err)
	}
}

func TestTextDeterministic(t *testing.T) {
	a, b := text(t, demo(), TextOptions{}), text(t, demo(), TextOptions{})
	if a != b {
		t.Error("two renderings of the same diagram differ")
	}
}

func splitLines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
