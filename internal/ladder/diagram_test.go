package ladder

import (
	"io"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	seg := Segment{From: Left, Sent: 10 * ms, Arrived: 20 * ms}
	for _, tc := range []struct {
		name   string
		events []Event
		want   string
	}{
		{"arrives before sent", []Event{Segment{From: Left, Sent: 20 * ms, Arrived: 10 * ms}},
			"ladder: event 0: segment arrives at 10ms, before it is sent at 20ms"},
		{"datagram arrives before sent", []Event{Datagram{From: Right, Sent: 20 * ms, Arrived: 10 * ms}},
			"ladder: event 0: datagram arrives at 10ms, before it is sent at 20ms"},
		{"dropped before sent", []Event{Segment{From: Left, Sent: 20 * ms, Arrived: 10 * ms, Dropped: true}},
			"ladder: event 0: segment is dropped at 10ms, before it is sent at 20ms"},
		{"bad side", []Event{Note{Side(2), 0, "x"}}, "ladder: event 0: side(2) is neither left nor right"},
		{"nil event", []Event{nil}, "ladder: event 0: unknown event type <nil>"},
		{"arrival of a later event", []Event{Arrival{1}, seg}, "ladder: event 0: arrival of event 1, which is not an earlier event"},
		{"arrival of a note", []Event{Note{Left, 0, "x"}, Arrival{0}}, "ladder: event 1: arrival of event 0, which is a ladder.Note, not a segment"},
		{"arrival of a drop", []Event{Segment{Dropped: true}, Arrival{0}}, "ladder: event 1: arrival of event 0, which was dropped"},
		{"two arrivals", []Event{seg, Arrival{0}, Arrival{0}}, "ladder: event 2: second arrival of event 0 (first at event 1)"},
		{"too many", make([]Event, MaxEvents+1), "ladder: 10001 events is more than a ladder can show (at most 10000)"},
	} {
		d := Diagram{Events: tc.events}
		for name, render := range map[string]func() error{
			"text": func() error { return d.WriteText(io.Discard, TextOptions{}) },
			"svg":  func() error { return d.WriteSVG(io.Discard) },
		} {
			if err := render(); err == nil || err.Error() != tc.want {
				t.Errorf("%s, %s: err = %v; want %q", tc.name, name, err, tc.want)
			}
		}
	}
}

func TestSegmentLabel(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{SegmentLabel("S", 0, 0, false, 65535, 0), "S seq 0 win 65535 len 0"},
		{SegmentLabel("P.", 1, 4294967295, true, 512, 5), "P. seq 1 ack 4294967295 win 512 len 5"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q; want %q", tc.got, tc.want)
		}
	}
	if s := Left.String() + " " + Right.String() + " " + Side(7).String(); !strings.EqualFold(s, "left right side(7)") {
		t.Errorf("sides print as %q", s)
	}
}
