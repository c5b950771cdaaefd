package tsg

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// The layout, in pixels.
const (
	width      = 960
	height     = 760
	left       = 90 // room for the y labels
	right      = width - 30
	seqTop     = 60 // the time–sequence panel
	seqBottom  = 480
	cwndTop    = 560 // the cwnd panel
	cwndBottom = 700
	serif      = 2.5 // half the width of a segment tick's ends
)

// Colours, after tcptrace's: data black, retransmissions red, the ACK
// line green, the window's right edge yellow.
const (
	colourData     = "#000000"
	colourRexmit   = "#d62728"
	colourAck      = "#2ca02c"
	colourWindow   = "#d4a017"
	colourCwnd     = "#1f77b4"
	colourSsthresh = "#ff7f0e"
	colourGrid     = "#e6e6e6"
)

// WriteSVG draws the graph as a standalone SVG document.
func (g *Graph) WriteSVG(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := &painter{w: bw}
	p.f(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	p.f(`<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	p.f(`<text x="%d" y="30" font-size="16" font-weight="bold">%s</text>`+"\n", left, escape(g.Title))

	x := newAxis(g.end().Seconds(), 10, left, right)
	g.drawSequence(p, x)
	g.drawCwnd(p, x)
	p.f("</svg>\n")
	return bw.Flush() // bufio keeps the first write error
}

// end is the latest time in the graph.
func (g *Graph) end() time.Duration {
	var t time.Duration
	for _, s := range g.Segments {
		t = max(t, s.At)
	}
	for _, a := range g.Acks {
		t = max(t, a.At)
	}
	for _, c := range g.Cwnd {
		t = max(t, c.At)
	}
	return t
}

// drawSequence draws the upper panel: segments, ACK line, window edge.
func (g *Graph) drawSequence(p *painter, x axis) {
	var top int64
	for _, s := range g.Segments {
		top = max(top, s.Seq+s.Len)
	}
	for _, a := range g.Acks {
		top = max(top, a.Ack+a.Win)
	}
	unit, unitName := byteUnit(float64(top))
	y := newAxis(float64(top), 8, seqBottom, seqTop)
	frame(p, x, y, unit, "relative sequence number ("+unitName+")", seqBottom+40)

	// The ACK line and the window's right edge (RFC 9293 §3.3.1: the
	// window offered runs from the acknowledgment for SND.WND bytes).
	p.stepLine("ack", colourAck, x, y, len(g.Acks), func(i int) (time.Duration, int64) {
		return g.Acks[i].At, g.Acks[i].Ack
	})
	p.stepLine("window", colourWindow, x, y, len(g.Acks), func(i int) (time.Duration, int64) {
		return g.Acks[i].At, g.Acks[i].Ack + g.Acks[i].Win
	})

	// One tick per data segment, from its first byte to the byte after
	// its last, with short ends as tcptrace draws them.
	p.f(`<g stroke-width="1" fill="none">` + "\n")
	for _, s := range g.Segments {
		class, colour := "seg", colourData
		if s.Retransmit {
			class, colour = "rexmit", colourRexmit
		}
		px, y0, y1 := num(x.px(s.At.Seconds())), y.px(float64(s.Seq)), y.px(float64(s.Seq+s.Len))
		p.f(`<path class="%s" stroke="%s" d="M%s %sV%sM%s %sh%sM%s %sh%s"/>`+"\n",
			class, colour, px, num(y0), num(y1),
			num(x.px(s.At.Seconds())-serif), num(y0), num(2*serif),
			num(x.px(s.At.Seconds())-serif), num(y1), num(2*serif))
	}
	p.f("</g>\n")

	legend(p, seqTop+16, []legendItem{
		{"data segment", colourData, ""}, {"retransmission", colourRexmit, ""},
		{"cumulative ACK", colourAck, ""}, {"window right edge (ACK + window)", colourWindow, ""},
	})
}

// drawCwnd draws the lower panel: cwnd and ssthresh over time, or the
// note saying why there are none.
func (g *Graph) drawCwnd(p *painter, x axis) {
	var top int64
	for _, c := range g.Cwnd {
		top = max(top, c.Cwnd)
	}
	unit, unitName := byteUnit(float64(top))
	y := newAxis(float64(top)*1.1, 4, cwndBottom, cwndTop)
	if len(g.Cwnd) > 0 {
		frame(p, x, y, unit, "cwnd ("+unitName+")", cwndBottom+40)
	}
	if len(g.Cwnd) == 0 {
		frame(p, x, y, 0, "cwnd", cwndBottom+40)
		note := g.CwndNote
		if note == "" {
			note = "no cwnd samples"
		}
		p.f(`<text class="note" x="%d" y="%d" text-anchor="middle" fill="#666666">%s</text>`+"\n",
			(left+right)/2, (cwndTop+cwndBottom)/2, escape(note))
		return
	}
	p.stepLine("cwnd", colourCwnd, x, y, len(g.Cwnd), func(i int) (time.Duration, int64) {
		return g.Cwnd[i].At, g.Cwnd[i].Cwnd
	})
	// ssthresh starts "arbitrarily high" (RFC 5681 §3.1): only the part
	// within the panel is drawn.
	p.f(`<path class="ssthresh" stroke="%s" stroke-dasharray="4 3" fill="none" d="`, colourSsthresh)
	pen := false
	for i, c := range g.Cwnd {
		inside := c.Ssthresh > 0 && float64(c.Ssthresh) <= y.max
		switch {
		case inside && pen:
			p.f("H%sV%s", num(x.px(c.At.Seconds())), num(y.px(float64(c.Ssthresh))))
		case inside:
			p.f("M%s %s", num(x.px(c.At.Seconds())), num(y.px(float64(c.Ssthresh))))
		}
		if inside && i == len(g.Cwnd)-1 {
			p.f("H%s", num(x.hi))
		}
		pen = inside
	}
	p.f(`"/>` + "\n")
	legend(p, cwndTop+16, []legendItem{{"cwnd", colourCwnd, ""}, {"ssthresh", colourSsthresh, "4 3"}})
}

// frame draws a panel's grid, axes and labels; the x axis is titled at
// baseline xTitle. A unit of 0 leaves the y axis without ticks: the
// panel has no data to scale it.
func frame(p *painter, x, y axis, unit float64, yTitle string, xTitle int) {
	p.f(`<g class="grid" stroke="%s">`+"\n", colourGrid)
	for _, t := range x.ticks() {
		p.f(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", num(x.px(t)), num(y.lo), num(x.px(t)), num(y.hi))
	}
	for _, v := range y.ticks() {
		if unit == 0 {
			break // no data, no scale
		}
		p.f(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", num(x.lo), num(y.px(v)), num(x.hi), num(y.px(v)))
	}
	p.f("</g>\n")
	p.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#000000"/>`+"\n",
		num(x.lo), num(y.hi), num(x.hi-x.lo), num(y.lo-y.hi))
	for _, t := range x.ticks() {
		p.f(`<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", num(x.px(t)), num(y.lo+16), x.label(t, 1))
	}
	for _, v := range y.ticks() {
		if unit == 0 {
			break // no data, no scale
		}
		p.f(`<text x="%s" y="%s" text-anchor="end">%s</text>`+"\n", num(x.lo-6), num(y.px(v)+4), y.label(v, unit))
	}
	p.f(`<text x="%s" y="%d" text-anchor="middle">time (s)</text>`+"\n", num((x.lo+x.hi)/2), xTitle)
	p.f(`<text transform="translate(20 %s) rotate(-90)" text-anchor="middle">%s</text>`+"\n",
		num((y.lo+y.hi)/2), escape(yTitle))
}

type legendItem struct{ label, colour, dash string }

// legend lists items at the top left of a panel, inside it: the sequence
// graph climbs from bottom left to top right, leaving that corner free.
func legend(p *painter, top int, items []legendItem) {
	p.f(`<g class="legend">` + "\n")
	for i, it := range items {
		yy := top + 16*i
		dash := ""
		if it.dash != "" {
			dash = ` stroke-dasharray="` + it.dash + `"`
		}
		p.f(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>`+"\n", left+10, yy-4, left+30, yy-4, it.colour, dash)
		p.f(`<text x="%d" y="%d">%s</text>`+"\n", left+36, yy, escape(it.label))
	}
	p.f("</g>\n")
}

// painter writes SVG text; bufio.Writer keeps the first error.
type painter struct{ w *bufio.Writer }

func (p *painter) f(format string, args ...any) { fmt.Fprintf(p.w, format, args...) }

// stepLine draws n points as a step line: the value holds until the next
// point, and the last one holds to the right end of the time axis.
func (p *painter) stepLine(class, colour string, x, y axis, n int, at func(int) (time.Duration, int64)) {
	if n == 0 {
		return
	}
	p.f(`<path class="%s" stroke="%s" stroke-width="1.5" fill="none" d="`, class, colour)
	for i := range n {
		t, v := at(i)
		if i == 0 {
			p.f("M%s %s", num(x.px(t.Seconds())), num(y.px(float64(v))))
			continue
		}
		p.f("H%sV%s", num(x.px(t.Seconds())), num(y.px(float64(v))))
	}
	p.f(`H%s"/>`+"\n", num(x.hi))
}

func escape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
