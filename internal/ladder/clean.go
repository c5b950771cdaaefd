package ladder

import (
	"strings"
	"unicode"
)

// cleaned returns a copy of the diagram whose text can be drawn one rune
// per column: control characters (a newline would break the drawing) and
// invalid UTF-8 become U+FFFD, or '?' when ascii is set, as do all
// non-ASCII characters then. Wide characters (CJK, emoji) still take two
// columns in most terminals; the layout counts them as one.
func (d Diagram) cleaned(ascii bool) Diagram {
	c := func(s string) string { return cleanText(s, ascii) }
	out := Diagram{Left: c(d.Left), Right: c(d.Right), Events: make([]Event, len(d.Events))}
	for i, e := range d.Events {
		switch e := e.(type) {
		case Segment:
			e.Label, e.Reason = c(e.Label), c(e.Reason)
			out.Events[i] = e
		case Datagram:
			e.Label, e.Reason = c(e.Label), c(e.Reason)
			out.Events[i] = e
		case State:
			e.From, e.To, e.Rule = c(e.From), c(e.To), c(e.Rule)
			out.Events[i] = e
		case Note:
			e.Text = c(e.Text)
			out.Events[i] = e
		default:
			out.Events[i] = e
		}
	}
	return out
}

func cleanText(s string, ascii bool) string {
	ok := func(r rune) bool {
		return r != unicode.ReplacementChar && !unicode.IsControl(r) && (!ascii || r < unicode.MaxASCII)
	}
	clean := true
	for _, r := range s {
		clean = clean && ok(r)
	}
	if clean {
		return s
	}
	bad := "\uFFFD"
	if ascii {
		bad = "?"
	}
	return strings.Map(func(r rune) rune {
		if ok(r) {
			return r
		}
		return []rune(bad)[0]
	}, s)
}
