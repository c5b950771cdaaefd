package ladder

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Rows are the unit of both renderers: the text renderer draws one line
// per row, the SVG one a fixed height per row.
const (
	// rowsPerDelay is how many rows the typical one-way delay spans, so a
	// segment's arrow has a visible slope.
	rowsPerDelay = 4
	// breakRatio: a gap up to this many typical delays is drawn to scale
	// (up to breakRatio×rowsPerDelay rows); a longer one becomes a break.
	breakRatio = 3
	// breakRows is the height of a break: dotted lifelines with the length
	// of the gap written in the middle one.
	breakRows = 3
	// dropRows is how far down a dropped segment's arrow runs before its X:
	// two thirds of the way a delivered one would go, "lost in the network".
	dropRows = 3
)

type pointKind uint8

const (
	pDepart pointKind = iota
	pArrive
	pText
)

// point is one moment drawn on a lifeline: a segment leaving or arriving,
// a state change or a note.
type point struct {
	at   time.Duration
	key  int // order among points at the same time: 2×event index, +1 for an arrival
	kind pointKind
	side Side
	ev   int
	// dropped: a departure whose arrow ends in an X dropRows below it.
	dropped bool
}

// arrow is a segment or datagram laid out in rows.
type arrow struct {
	from     Side
	r0, r1   int // rows of the send and of the arrival (for a drop, of a notional arrival)
	end      int // last row drawn: r1, or the row of the drop's X
	dropped  bool
	datagram bool
	label    string
	reason   string // why it was dropped, written beside the X
	title    string // times, for the SVG tooltip
}

// frac is the fraction of the way across the arrow goes.
func (a *arrow) frac() float64 {
	if a.r1 == a.r0 {
		return 1
	}
	return float64(a.end-a.r0) / float64(a.r1-a.r0)
}

// sideText is a state or a note written beside a lifeline.
type sideText struct {
	row   int
	side  Side
	text  string
	state bool
	title string
}

type timeMark struct {
	row int
	at  time.Duration
}

// gapBreak is an idle gap not drawn to scale: rows row to row+breakRows-1.
type gapBreak struct {
	row int
	gap time.Duration
}

type layout struct {
	rows   int
	times  []timeMark
	breaks []gapBreak
	arrows []arrow
	texts  []sideText
}

// rowUse records what the current row already holds on each side, so two
// things that would overlap get separate rows.
type rowUse struct{ depart, arrive, text [2]bool }

func (u *rowUse) conflicts(p point) bool {
	switch p.kind {
	case pDepart, pArrive:
		// An arrow's end and another's start on the same side would draw
		// over each other near the lifeline.
		return u.depart[p.side] || u.arrive[p.side]
	}
	return u.text[p.side]
}

func (u *rowUse) mark(p point) {
	switch p.kind {
	case pDepart:
		u.depart[p.side] = true
	case pArrive:
		u.arrive[p.side] = true
	default:
		u.text[p.side] = true
	}
}

// layOut assigns rows to the diagram's events. d must be valid.
func layOut(d *Diagram) layout {
	points := collectPoints(d)
	base := typicalDelay(d, points)
	var l layout
	depart := make([]int, len(d.Events))
	arrive := make([]int, len(d.Events))
	cur, last := -1, time.Duration(0)
	dropEnd := 0 // the last row of the drops drawn so far
	var use rowUse
	for _, p := range points {
		switch {
		case cur < 0:
			cur = 0
			l.times = append(l.times, timeMark{cur, p.at})
		case p.at != last:
			gap := p.at - last
			if ratio := float64(gap) / float64(base); ratio > breakRatio {
				// The break starts below the X of any drop before it.
				from := max(cur, dropEnd) + 1
				l.breaks = append(l.breaks, gapBreak{from, gap})
				cur = from + breakRows
			} else {
				cur += max(1, int(math.Round(ratio*rowsPerDelay)))
			}
			use = rowUse{}
			l.times = append(l.times, timeMark{cur, p.at})
		case use.conflicts(p):
			cur++
			use = rowUse{}
		}
		last = p.at
		use.mark(p)
		switch p.kind {
		case pDepart:
			depart[p.ev] = cur
			if p.dropped {
				dropEnd = max(dropEnd, cur+dropRows)
			}
		case pArrive:
			arrive[p.ev] = cur
		default:
			l.texts = append(l.texts, textOf(d.Events[p.ev], cur))
		}
	}
	l.rows = cur + 1
	for i, e := range d.Events {
		s, ok := asSegment(e)
		if !ok {
			continue
		}
		a := arrow{from: s.From, r0: depart[i], r1: arrive[i], end: arrive[i], dropped: s.Dropped, label: s.Label}
		_, a.datagram = e.(Datagram)
		a.title = fmt.Sprintf("sent %s, arrived %s", seconds(s.Sent), seconds(s.Arrived))
		if s.Dropped {
			a.r1, a.end = a.r0+rowsPerDelay, a.r0+dropRows
			a.reason = s.Reason
			a.title = fmt.Sprintf("sent %s, dropped at %s", seconds(s.Sent), seconds(s.Arrived))
			if s.Reason != "" {
				a.title += ": " + s.Reason
			}
			l.rows = max(l.rows, a.end+1)
		}
		l.arrows = append(l.arrows, a)
	}
	return l
}

// collectPoints lists the moments to draw in drawing order: by time, then
// by the order of the events, a segment's arrival right after its send.
func collectPoints(d *Diagram) []point {
	arrivedAt := make(map[int]int) // segment index → index of its Arrival; only looked up
	for i, e := range d.Events {
		if a, ok := e.(Arrival); ok {
			arrivedAt[a.Of] = i
		}
	}
	var points []point
	for i, e := range d.Events {
		switch e := e.(type) {
		case Segment:
			points = appendSegment(points, i, e, arrivedAt)
		case Datagram:
			points = appendSegment(points, i, Segment(e), arrivedAt)
		case State:
			points = append(points, point{at: e.At, key: 2 * i, kind: pText, side: e.Side, ev: i})
		case Note:
			points = append(points, point{at: e.At, key: 2 * i, kind: pText, side: e.Side, ev: i})
		}
	}
	slices.SortStableFunc(points, func(a, b point) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.key, b.key))
	})
	return points
}

func appendSegment(points []point, i int, s Segment, arrivedAt map[int]int) []point {
	points = append(points, point{at: s.Sent, key: 2 * i, kind: pDepart, side: s.From, ev: i, dropped: s.Dropped})
	if !s.Dropped {
		key := 2*i + 1
		if j, ok := arrivedAt[i]; ok {
			key = 2 * j
		}
		points = append(points, point{at: s.Arrived, key: key, kind: pArrive, side: s.From.other(), ev: i})
	}
	return points
}

// typicalDelay is the median one-way delay of the delivered segments (the
// lower one of an even count), the unit that gaps are measured in. Without
// delays (a capture sees each segment at one moment) it is the median gap
// between two moments, else one second.
func typicalDelay(d *Diagram, points []point) time.Duration {
	var delays []time.Duration
	for _, e := range d.Events {
		s, ok := asSegment(e)
		if !ok {
			continue
		}
		if !s.Dropped && s.Arrived > s.Sent {
			delays = append(delays, s.Arrived-s.Sent)
		}
	}
	if len(delays) > 0 {
		slices.Sort(delays)
		return delays[(len(delays)-1)/2]
	}
	var gaps []time.Duration
	for i := 1; i < len(points); i++ {
		if g := points[i].at - points[i-1].at; g > 0 {
			gaps = append(gaps, g)
		}
	}
	if len(gaps) == 0 {
		return time.Second
	}
	slices.Sort(gaps)
	return gaps[(len(gaps)-1)/2]
}

func textOf(e Event, row int) sideText {
	switch e := e.(type) {
	case State:
		title := e.From + " → " + e.To
		if e.Rule != "" {
			title += " (" + e.Rule + ")"
		}
		return sideText{row: row, side: e.Side, text: e.To, state: true, title: title}
	case Note:
		return sideText{row: row, side: e.Side, text: e.Text}
	}
	return sideText{row: row}
}

// seconds formats a virtual time as the margin shows it: "0.050s".
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3fs", d.Seconds())
}

// gapText says how long a break lasted: "240 s later", "0.95 s later",
// and below a millisecond "250 µs later".
func gapText(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%d µs later", d.Round(time.Microsecond)/time.Microsecond)
	}
	s := fmt.Sprintf("%.3f", d.Seconds())
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s + " s later"
}

// asSegment returns a Segment or Datagram event as a Segment (they share
// their fields), and false for any other event.
func asSegment(e Event) (Segment, bool) {
	switch e := e.(type) {
	case Segment:
		return e, true
	case Datagram:
		return Segment(e), true
	}
	return Segment{}, false
}
