package ladder

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// SVG geometry, in pixels. Text is 12 px monospace, about 7.2 px a
// character.
const (
	svgRow      = 18  // height of a row
	svgTop      = 56  // room for the names above the first row
	svgBottom   = 24  // room below the last row
	svgMargin   = 80  // the time axis
	svgMiddle   = 480 // between the lifelines
	svgCharW    = 7.2
	svgTextMax  = 28 // characters of a state or note before it is cut
	svgLabelMax = 60 // characters of an arrow's label before it is cut
	svgLabelGap = 14 // from the sender's lifeline to its label
)

const svgStyle = `
text { font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; fill: #222; }
.name { font-weight: bold; font-size: 13px; }
.lifeline { stroke: #333; stroke-width: 2; }
.lifeline.gap { stroke-dasharray: 2 4; }
.axis { stroke: #999; stroke-width: 1; }
.time { fill: #666; text-anchor: end; }
.gaptext { fill: #666; font-style: italic; text-anchor: middle; }
.seg { stroke: #1f5fa8; stroke-width: 1.5; fill: none; }
.seg.dgram { stroke: #7a3fa0; stroke-dasharray: 6 4; }
.seg.lost { stroke: #c00; stroke-dasharray: 4 3; }
.label { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.x { stroke: #c00; stroke-width: 2.5; fill: none; }
.reason { fill: #c00; }
.state rect { fill: #fff8dc; stroke: #b8860b; stroke-width: 1; }
.note { fill: #555; font-style: italic; }
`

// WriteSVG writes the diagram as a standalone SVG 1.1 document, the same
// layout as WriteText: lifelines, slanted arrows with arrowheads, labels
// along them, states in boxes beside the lifelines, notes, red X for
// drops and a time axis on the left. Hovering over an arrow or a state
// shows its times or the rule behind it.
func (d Diagram) WriteSVG(w io.Writer) error {
	if err := d.validate(); err != nil {
		return err
	}
	l := layOut(&d)
	s := &svg{l: &l}
	for _, t := range l.texts {
		px := textPx(truncate(t.text, svgTextMax, unicodeGlyphs)) + 16
		if t.side == Left {
			s.leftW = max(s.leftW, px)
		} else {
			s.rightW = max(s.rightW, px)
		}
	}
	s.leftW = max(s.leftW, 80)
	s.rightW = max(s.rightW, 80)
	s.xL = svgMargin + s.leftW
	s.xR = s.xL + svgMiddle
	s.width = s.xR + s.rightW + 8
	s.height = svgTop + max(l.rows-1, 0)*svgRow + svgBottom

	b := &s.b
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n",
		s.width, s.height, s.width, s.height)
	fmt.Fprintf(b, "<title>%s</title>\n", esc("ladder: "+d.Left+" and "+d.Right))
	b.WriteString("<style>" + svgStyle + "</style>\n")
	b.WriteString(`<defs>` + "\n")
	s.marker("head", "#1f5fa8")
	s.marker("headdgram", "#7a3fa0")
	b.WriteString(`</defs>` + "\n")
	s.names(d.Left, d.Right)
	s.axis()
	s.lifelines()
	for i := range l.arrows {
		s.arrow(&l.arrows[i])
	}
	for _, t := range l.texts {
		s.text(t)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

type svg struct {
	l                     *layout
	b                     strings.Builder
	leftW, rightW         int
	xL, xR, width, height int
}

func (s *svg) y(row int) int { return svgTop + row*svgRow }

func (s *svg) marker(id, colour string) {
	fmt.Fprintf(&s.b, `<marker id="%s" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto">`+
		`<path d="M 0 0 L 10 5 L 0 10 z" fill="%s"/></marker>`+"\n", id, colour)
}

func (s *svg) names(left, right string) {
	fmt.Fprintf(&s.b, `<text class="name" x="%d" y="20" text-anchor="middle">%s</text>`+"\n", s.xL, esc(left))
	fmt.Fprintf(&s.b, `<text class="name" x="%d" y="20" text-anchor="middle">%s</text>`+"\n", s.xR, esc(right))
}

// axis draws the time axis with a tick and a label at each moment.
func (s *svg) axis() {
	x := svgMargin - 8
	bottom := s.height - svgBottom + 8
	fmt.Fprintf(&s.b, `<text class="time" x="%d" y="%d">time</text>`+"\n", x-4, svgTop-20)
	fmt.Fprintf(&s.b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`+"\n", x, svgTop-8, x, bottom)
	for _, m := range s.l.times {
		y := s.y(m.row)
		fmt.Fprintf(&s.b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, x-3, y, x+3, y)
		fmt.Fprintf(&s.b, `<text class="time" x="%d" y="%d">%s</text>`+"\n", x-6, y+4, seconds(m.at))
	}
}

// lifelines draws both lifelines, dotted through each break, with the
// length of the break written between them.
func (s *svg) lifelines() {
	from := svgTop - 8
	bottom := s.height - svgBottom + 8
	segment := func(class string, y0, y1 int) {
		for _, x := range []int{s.xL, s.xR} {
			fmt.Fprintf(&s.b, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d"/>`+"\n", class, x, y0, x, y1)
		}
	}
	for _, g := range s.l.breaks {
		top, end := s.y(g.row)-svgRow/2, s.y(g.row+breakRows-1)+svgRow/2
		segment("lifeline", from, top)
		segment("lifeline gap", top, end)
		fmt.Fprintf(&s.b, `<text class="gaptext" x="%d" y="%d">%s</text>`+"\n",
			(s.xL+s.xR)/2, s.y(g.row+1)+4, esc("⋮ "+gapText(g.gap)))
		from = end
	}
	segment("lifeline", from, bottom)
}

// arrow draws a segment or datagram: a line from the sender's lifeline at
// its send row to the receiver's at its arrival row, or stopping at the X
// of a drop, with the label along it.
func (s *svg) arrow(a *arrow) {
	x0, x1 := float64(s.xL), float64(s.xR)
	if a.from == Right {
		x0, x1 = x1, x0
	}
	y0, y1 := float64(s.y(a.r0)), float64(s.y(a.r1))
	f := a.frac()
	xe, ye := x0+f*(x1-x0), y0+f*(y1-y0)
	class, head := "seg", "head"
	if a.datagram {
		class, head = "seg dgram", "headdgram"
	}
	b := &s.b
	b.WriteString(`<g class="arrow">`)
	fmt.Fprintf(b, `<title>%s</title>`, esc(a.title))
	if a.dropped {
		fmt.Fprintf(b, `<line class="%s lost" x1="%s" y1="%s" x2="%s" y2="%s"/>`, class, num(x0), num(y0), num(xe), num(ye))
		fmt.Fprintf(b, `<path class="x" d="M %s %s L %s %s M %s %s L %s %s"/>`,
			num(xe-6), num(ye-6), num(xe+6), num(ye+6), num(xe-6), num(ye+6), num(xe+6), num(ye-6))
		if a.reason != "" {
			anchor, dx := "start", 10.0
			if a.from == Right {
				anchor, dx = "end", -10
			}
			fmt.Fprintf(b, `<text class="reason" x="%s" y="%s" text-anchor="%s">%s</text>`,
				num(xe+dx), num(ye+4), anchor, esc(truncate(a.reason, svgTextMax, unicodeGlyphs)))
		}
	} else {
		fmt.Fprintf(b, `<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s" marker-end="url(#%s)"/>`,
			class, num(x0), num(y0), num(xe), num(ye), head)
	}
	s.label(a, x0, y0, xe, ye)
	b.WriteString("</g>\n")
}

// label writes the arrow's label along its line, above it, starting next
// to the sender's lifeline as in the text ladder (so labels of arrows
// sent one after the other do not overlap), reading left to right
// whichever way the arrow points, cut to the line's length.
func (s *svg) label(a *arrow, x0, y0, x1, y1 float64) {
	if a.label == "" {
		return
	}
	dx, dy := x1-x0, y1-y0
	length := math.Hypot(dx, dy)
	n := min(svgLabelMax, int((length-2*svgLabelGap)/svgCharW))
	text := truncate(a.label, n, unicodeGlyphs)
	if text == "" {
		return
	}
	px, py := x0+dx/length*svgLabelGap, y0+dy/length*svgLabelGap
	anchor := "start"
	if dx < 0 {
		anchor, dx, dy = "end", -dx, -dy
	}
	deg := math.Atan2(dy, dx) * 180 / math.Pi
	fmt.Fprintf(&s.b, `<text class="label" x="%s" y="%s" text-anchor="%s" transform="rotate(%s %s %s)">%s</text>`,
		num(px), num(py-4), anchor, num(deg), num(px), num(py), esc(text))
}

// text draws a state in a box, or a note, beside its lifeline, on the
// outer side.
func (s *svg) text(t sideText) {
	text := truncate(t.text, svgTextMax, unicodeGlyphs)
	y := s.y(t.row)
	w := textPx(text) + 8
	x, anchor := s.xR+6, "start"
	if t.side == Left {
		x, anchor = s.xL-6, "end"
	}
	if !t.state {
		fmt.Fprintf(&s.b, `<text class="note" x="%d" y="%d" text-anchor="%s">%s</text>`+"\n", x, y+4, anchor, esc(text))
		return
	}
	rx := x
	if t.side == Left {
		rx = x - w
	}
	tx := rx + 4
	fmt.Fprintf(&s.b, `<g class="state"><title>%s</title><rect x="%d" y="%d" width="%d" height="14" rx="3"/>`+
		`<text x="%d" y="%d">%s</text></g>`+"\n", esc(t.title), rx, y-7, w, tx, y+4, esc(text))
}

// textPx is the width of s in pixels, rounded up.
func textPx(s string) int {
	return int(math.Ceil(float64(utf8.RuneCountInString(s)) * svgCharW))
}

// num formats a coordinate with one decimal, the same on every platform.
func num(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	if s == "-0.0" {
		s = "0.0"
	}
	return strings.TrimSuffix(s, ".0")
}

// esc escapes text for XML character data and attribute values; invalid
// UTF-8 and characters XML cannot hold become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // never fails writing to a Builder
	return b.String()
}
