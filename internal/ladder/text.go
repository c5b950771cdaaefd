package ladder

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// TextOptions configure WriteText.
type TextOptions struct {
	// Width is the number of columns; 0 means DefaultWidth.
	Width int
	// ASCII draws with plain ASCII (| - > < X :) instead of Unicode
	// box-drawing characters, for terminals and files that lack them.
	ASCII bool
}

// DefaultWidth is the width of a text ladder when TextOptions.Width is 0.
const DefaultWidth = 100

// MaxWidth is the widest text ladder WriteText draws.
const MaxWidth = 1000

// maxCells bounds the memory of a text drawing (4 bytes a cell).
const maxCells = 1 << 24

// minMiddle is the narrowest space between the lifelines that still
// leaves room for an arrow and its label.
const minMiddle = 24

// glyphs are the characters a text ladder is drawn with.
type glyphs struct {
	life, dotted, line, dashed, right, left, cross, vdots rune
	ellipsis                                              string
}

var (
	unicodeGlyphs = glyphs{'│', '┊', '─', '┄', '▶', '◀', 'X', '⋮', "…"}
	asciiGlyphs   = glyphs{'|', ':', '-', '~', '>', '<', 'X', ':', "..."}
)

// WriteText draws the diagram for a terminal: a header with the two
// names, then one line per row, with the time of each moment in the left
// margin, states and notes outside the lifelines and the arrows between
// them.
func (d Diagram) WriteText(w io.Writer, opt TextOptions) error {
	if err := d.validate(); err != nil {
		return err
	}
	width := opt.Width
	if width == 0 {
		width = DefaultWidth
	}
	g := unicodeGlyphs
	if opt.ASCII {
		g = asciiGlyphs
	}
	d = d.cleaned(opt.ASCII)
	if width < 0 || width > MaxWidth {
		return fmt.Errorf("ladder: width %d is out of range (at most %d columns)", width, MaxWidth)
	}
	l := layOut(&d)
	if l.rows*width > maxCells {
		return fmt.Errorf("ladder: %d rows of %d columns is too large a drawing (at most %d cells)", l.rows, width, maxCells)
	}
	c, err := textColumns(&l, width)
	if err != nil {
		return err
	}
	t := newTextGrid(g, c, max(l.rows, 1), width)
	t.drawBreaks(l.breaks)
	for i := range l.arrows {
		t.drawLine(&l.arrows[i])
	}
	t.drawBreakTexts(l.breaks)
	for i := range l.arrows {
		t.drawLabel(&l.arrows[i])
	}
	for i := range l.arrows {
		t.drawEnd(&l.arrows[i])
	}
	for _, m := range l.times {
		s := seconds(m.at)
		t.put(m.row, c.margin-utf8.RuneCountInString(s), s)
	}
	for _, s := range l.texts {
		if s.side == Left {
			text := truncate(s.text, c.leftText, g)
			t.put(s.row, c.left-1-utf8.RuneCountInString(text), text)
		} else {
			t.put(s.row, c.right+2, truncate(s.text, c.rightText, g))
		}
	}
	var b strings.Builder
	b.WriteString(t.header(d.Left, d.Right, width))
	for _, row := range t.cells {
		b.WriteString(strings.TrimRight(string(row), " "))
		b.WriteByte('\n')
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// columns place the parts of a line: the time margin [0, margin), a
// space, the left texts (leftText wide, right-aligned), a space, the left
// lifeline, mid columns between the lifelines, the right lifeline, a
// space, the right texts (rightText wide).
type columns struct {
	margin, leftText, rightText int
	left, right, mid            int // lifeline columns and the width between them
}

func textColumns(l *layout, width int) (columns, error) {
	var c columns
	for _, m := range l.times {
		c.margin = max(c.margin, len(seconds(m.at)))
	}
	for _, s := range l.texts {
		n := utf8.RuneCountInString(s.text)
		if s.side == Left {
			c.leftText = max(c.leftText, n)
		} else {
			c.rightText = max(c.rightText, n)
		}
	}
	room := width - c.margin - 5 - minMiddle // for the texts beside the lifelines
	if room < 0 {
		return c, fmt.Errorf("ladder: width %d is too narrow (at least %d columns)", width, width-room)
	}
	if c.leftText+c.rightText > room {
		// Share the room, giving what one side does not need to the other.
		l, r := min(c.leftText, room/2), min(c.rightText, room/2)
		c.leftText, c.rightText = min(c.leftText, room-r), min(c.rightText, room-l)
	}
	c.left = c.margin + 1 + c.leftText + 1
	c.mid = width - c.margin - c.leftText - c.rightText - 5
	c.right = c.left + c.mid + 1
	return c, nil
}

type textGrid struct {
	g      glyphs
	c      columns
	cells  [][]rune
	labels [][]bool // cells between the lifelines taken by a label
}

// newTextGrid is rows empty lines of the given width with the lifelines.
func newTextGrid(g glyphs, c columns, rows, width int) *textGrid {
	t := &textGrid{g: g, c: c, cells: make([][]rune, rows), labels: make([][]bool, rows)}
	for r := range t.cells {
		t.cells[r] = []rune(strings.Repeat(" ", width))
		t.cells[r][c.left], t.cells[r][c.right] = g.life, g.life
		t.labels[r] = make([]bool, c.mid)
	}
	return t
}

// put writes s from column col of row r, clipped to the line.
func (t *textGrid) put(r, col int, s string) {
	for _, ch := range s {
		if col >= 0 && col < len(t.cells[r]) {
			t.cells[r][col] = ch
		}
		col++
	}
}

// at returns the line's column for cell c between the lifelines, counted
// from the sender: arrows from the right are mirrored.
func (t *textGrid) at(a *arrow, c int) int {
	if a.from == Right {
		c = t.c.mid - 1 - c
	}
	return t.c.left + 1 + c
}

// run is the cells [c0, c1) of the arrow's line in row r, counted from the
// sender: the row's share of the straight line from the sender's lifeline
// at r0 to the receiver's at r1, each row covering half a row either side
// of it.
func (t *textGrid) run(a *arrow, r int) (c0, c1 int) {
	m := float64(t.c.mid)
	if a.r1 == a.r0 {
		return 0, t.c.mid
	}
	d := float64(a.r1 - a.r0)
	lo := max(0, (float64(r-a.r0)-0.5)/d)
	hi := min(a.frac(), (float64(r-a.r0)+0.5)/d)
	return int(math.Round(lo * m)), int(math.Round(hi * m))
}

func (t *textGrid) drawLine(a *arrow) {
	ch := t.g.line
	if a.datagram {
		ch = t.g.dashed
	}
	for r := a.r0; r <= a.end; r++ {
		c0, c1 := t.run(a, r)
		for c := c0; c < c1; c++ {
			if col := t.at(a, c); t.cells[r][col] == ' ' {
				t.cells[r][col] = ch
			}
		}
	}
}

// drawEnd draws the arrowhead at the receiver's lifeline, or the X where a
// dropped segment was lost.
func (t *textGrid) drawEnd(a *arrow) {
	if a.dropped {
		_, c1 := t.run(a, a.end)
		c := min(c1, t.c.mid-1)
		t.cells[a.end][t.at(a, c)] = t.g.cross
		// The reason goes on past the X, towards the receiver.
		// It stops two cells short of the lifeline, clear of arrowheads.
		reason := truncate(a.reason, t.c.mid-c-4, t.g)
		if n := utf8.RuneCountInString(reason); n > 0 {
			col := t.at(a, c+2)
			if a.from == Right {
				col -= n - 1
			}
			t.put(a.end, col-1, " "+reason+" ")
		}
		return
	}
	head := t.g.right
	if a.from == Right {
		head = t.g.left
	}
	t.cells[a.r1][t.at(a, t.c.mid-1)] = head
}

// drawLabel writes the arrow's label beside its line: in the first row
// where it does not cover another label, right after the part of the line
// in that row (inside the line for an arrow within one row).
func (t *textGrid) drawLabel(a *arrow) {
	if a.label == "" {
		return
	}
	want := utf8.RuneCountInString(a.label)
	last := max(a.r0, a.end-1)
	for r := a.r0; r <= last; r++ {
		start, n := t.labelRoom(a, r)
		if n >= min(want, 8) && t.free(a, r, start, min(want, n)) {
			t.placeLabel(a, r, start, truncate(a.label, n, t.g))
			return
		}
	}
	// Every row is crowded: keep what fits before the next label.
	start, n := t.labelRoom(a, a.r0)
	k := 0
	for k < n && t.free(a, a.r0, start, k+1) {
		k++
	}
	if k >= 4 {
		t.placeLabel(a, a.r0, start, truncate(a.label, k, t.g))
	}
}

// labelRoom is where a label may start in row r, counted from the sender,
// and how many cells it may take.
func (t *textGrid) labelRoom(a *arrow, r int) (start, n int) {
	_, c1 := t.run(a, r)
	start, end := c1+1, t.c.mid-1
	if a.r0 == a.r1 {
		start, end = 3, t.c.mid-3
	}
	return start, end - start
}

// free reports whether n cells from start (counted from the sender), with
// a space either side, hold no label.
func (t *textGrid) free(a *arrow, r, start, n int) bool {
	for c := start - 1; c <= start+n; c++ {
		if c >= 0 && c < t.c.mid && t.labels[r][t.at(a, c)-t.c.left-1] {
			return false
		}
	}
	return true
}

func (t *textGrid) placeLabel(a *arrow, r, start int, text string) {
	n := utf8.RuneCountInString(text)
	col := t.at(a, start) // the first cell from the sender
	if a.from == Right {
		col -= n - 1 // text still runs left to right
	}
	padded := []rune(" " + text + " ")
	for i, ch := range padded {
		c := col - 1 + i
		if c > t.c.left && c < t.c.right {
			t.cells[r][c] = ch
			t.labels[r][c-t.c.left-1] = true
		}
	}
}

// drawBreaks dots the lifelines through each break.
func (t *textGrid) drawBreaks(breaks []gapBreak) {
	for _, b := range breaks {
		for r := b.row; r < b.row+breakRows && r < len(t.cells); r++ {
			t.cells[r][t.c.left], t.cells[r][t.c.right] = t.g.dotted, t.g.dotted
		}
	}
}

// drawBreakTexts writes in the middle of each break how long it lasted,
// over any arrow still in flight.
func (t *textGrid) drawBreakTexts(breaks []gapBreak) {
	for _, b := range breaks {
		text := " " + string(t.g.vdots) + " " + gapText(b.gap) + " "
		n := utf8.RuneCountInString(text)
		t.put(b.row+1, t.c.left+1+max(t.c.mid-n, 0)/2, truncate(text, t.c.mid, t.g))
	}
}

// header heads the time margin and centres each name over its lifeline,
// each in its half of the line.
func (t *textGrid) header(left, right string, width int) string {
	line := []rune(strings.Repeat(" ", width))
	half := (t.c.left + t.c.right) / 2
	put := func(name string, centre, from, to int) {
		name = truncate(name, to-from, t.g)
		n := utf8.RuneCountInString(name)
		col := min(max(centre-n/2, from), to-n)
		for _, ch := range name {
			line[col] = ch
			col++
		}
	}
	from := 0
	if t.c.margin >= 4 {
		copy(line, []rune("time"))
		from = 5
	}
	put(left, t.c.left, from, half-1)
	put(right, t.c.right, half+1, width)
	return strings.TrimRight(string(line), " ") + "\n"
}

// truncate shortens s to n characters, ending in an ellipsis when cut.
func truncate(s string, n int, g glyphs) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	e := utf8.RuneCountInString(g.ellipsis)
	if n <= e {
		return string([]rune(s)[:max(n, 0)])
	}
	return string([]rune(s)[:n-e]) + g.ellipsis
}
