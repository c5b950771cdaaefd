package ladder

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// genDiagram draws a valid diagram: events in time order, segments with a
// delay from 0 to 300 ms, some dropped, some with an Arrival.
func genDiagram(t *rapid.T) Diagram {
	n := rapid.IntRange(0, 40).Draw(t, "n")
	var d Diagram
	d.Left = rapid.StringN(0, 30, -1).Draw(t, "left")
	d.Right = rapid.StringN(0, 30, -1).Draw(t, "right")
	now := time.Duration(0)
	for range n {
		now += time.Duration(rapid.IntRange(0, 3000).Draw(t, "gap")) * time.Millisecond / 10
		side := Side(rapid.IntRange(0, 1).Draw(t, "side"))
		// Labels without the glyphs that the checks count (escaping has
		// its own test).
		label := rapid.StringMatching(`[a-z .&"0-9]{0,70}`).Draw(t, "label")
		switch rapid.IntRange(0, 4).Draw(t, "kind") {
		case 0, 1:
			s := Segment{From: side, Sent: now, Label: label}
			s.Arrived = now + time.Duration(rapid.IntRange(0, 300).Draw(t, "delay"))*time.Millisecond
			s.Dropped = rapid.IntRange(0, 3).Draw(t, "drop") == 0
			if s.Dropped {
				s.Reason = rapid.StringMatching(`[a-z-]{0,20}`).Draw(t, "reason")
			}
			if rapid.Bool().Draw(t, "datagram") {
				d.Events = append(d.Events, Datagram(s))
			} else {
				d.Events = append(d.Events, s)
			}
		case 2:
			d.Events = append(d.Events, State{side, now, "A", rapid.StringMatching(`[A-WYZ-]{1,14}`).Draw(t, "state"), label})
		case 3:
			d.Events = append(d.Events, Note{side, now, label})
		case 4:
			// An Arrival for an earlier delivered segment not yet marked.
			for j := len(d.Events) - 1; j >= 0; j-- {
				if s, ok := d.Events[j].(Segment); ok && !s.Dropped && !hasArrival(d.Events, j) {
					d.Events = append(d.Events, Arrival{j})
					break
				}
			}
		}
	}
	return d
}

func hasArrival(events []Event, of int) bool {
	for _, e := range events {
		if a, ok := e.(Arrival); ok && a.Of == of {
			return true
		}
	}
	return false
}

// Any valid diagram renders: lines within the width, one arrowhead for
// each delivered segment and one X for each dropped one, and a
// well-formed SVG with an arrow group for each.
func TestRenderProperties(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		d := genDiagram(rt)
		width := rapid.IntRange(40, 160).Draw(rt, "width")
		ascii := rapid.Bool().Draw(rt, "ascii")
		var b strings.Builder
		if err := d.WriteText(&b, TextOptions{Width: width, ASCII: ascii}); err != nil {
			rt.Fatal(err)
		}
		out := b.String()
		g := unicodeGlyphs
		if ascii {
			g = asciiGlyphs
		}
		var delivered, dropped int
		for _, e := range d.Events {
			s, ok := asSegment(e)
			if !ok {
				continue
			}
			if s.Dropped {
				dropped++
			} else {
				delivered++
			}
		}
		var heads, xs int
		for i, line := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(line); n > width {
				rt.Fatalf("line %d is %d columns wide, more than %d:\n%s", i+1, n, width, out)
			}
			if i == 0 {
				continue // the names may hold anything
			}
			for _, c := range line {
				switch c {
				case g.right, g.left:
					heads++
				case g.cross:
					xs++
				}
			}
		}
		if heads != delivered || xs != dropped {
			rt.Fatalf("%d arrowheads and %d X for %d delivered and %d dropped:\n%s", heads, xs, delivered, dropped, out)
		}
		b.Reset()
		if err := d.WriteSVG(&b); err != nil {
			rt.Fatal(err)
		}
		if err := wellFormed(b.String()); err != nil {
			rt.Fatalf("SVG not well-formed: %v", err)
		}
		if n := strings.Count(b.String(), `<g class="arrow">`); n != delivered+dropped {
			rt.Fatalf("%d arrow groups for %d segments", n, delivered+dropped)
		}
	})
}
