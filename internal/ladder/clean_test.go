package ladder

import "testing"

func TestCleanText(t *testing.T) {
	for _, tc := range []struct {
		in    string
		ascii bool
		want  string
	}{
		{"send \"hi\"", false, "send \"hi\""},
		{"a\nb\tc", false, "a\uFFFDb\uFFFDc"},
		{"bad \xff byte", false, "bad \uFFFD byte"},
		{"2×MSL → CLOSED", false, "2×MSL → CLOSED"},
		{"2×MSL → CLOSED", true, "2?MSL ? CLOSED"},
		{"del\x7f", true, "del?"},
	} {
		if got := cleanText(tc.in, tc.ascii); got != tc.want {
			t.Errorf("cleanText(%q, ascii %v) = %q; want %q", tc.in, tc.ascii, got, tc.want)
		}
	}
}

// A newline in a name or a label must not break the drawing into extra
// lines.
func TestTextNewlines(t *testing.T) {
	d := Diagram{Left: "a\nb", Right: "c", Events: []Event{
		Segment{From: Left, Sent: 0, Arrived: 0, Label: "x\ny"},
		Note{Right, 0, "p\nq"},
	}}
	out := text(t, d, TextOptions{Width: 60})
	// The header and one row: the segment leaves and arrives at once, and
	// the note shares the row.
	if n := len(splitLines(out)); n != 2 {
		t.Errorf("%d lines; want 2 (header, one row):\n%s", n, out)
	}
}
