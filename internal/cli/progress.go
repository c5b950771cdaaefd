package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progressBar shows on a terminal how far a long run is: a transfer from
// the bytes the receiver has read, a replay from the bytes of the capture
// read.
type progressBar struct {
	w       io.Writer
	total   int64
	percent int // last drawn; -1 before the first
}

// progressWidth is the bar's length in characters.
const progressWidth = 40

// newProgressBar returns a bar drawing on w, or nil when w is not a
// terminal (a file, a pipe, a test's buffer): nothing is drawn then.
func newProgressBar(w io.Writer, total int64) *progressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) || total <= 0 {
		return nil
	}
	return &progressBar{w: w, total: total, percent: -1}
}

// update shows a transfer's progress, with the virtual time reached.
func (b *progressBar) update(received int64, elapsed time.Duration) {
	if b.changed(received) {
		b.draw(fmt.Sprintf("%.3f s virtual", elapsed.Seconds()))
	}
}

// changed tells whether done moves the bar by a whole percent, so that a
// long run writes at most a hundred lines.
func (b *progressBar) changed(done int64) bool {
	p := int(min(done, b.total) * 100 / b.total)
	if p == b.percent {
		return false
	}
	b.percent = p
	return true
}

// draw redraws the bar at its percentage, followed by note.
func (b *progressBar) draw(note string) {
	done := progressWidth * b.percent / 100
	fmt.Fprintf(b.w, "\r[%s%s] %3d%%  %s",
		strings.Repeat("#", done), strings.Repeat(".", progressWidth-done), b.percent, note)
}

// clear erases the bar's line; on a nil bar it does nothing.
func (b *progressBar) clear() {
	if b != nil && b.percent >= 0 {
		io.WriteString(b.w, "\r\x1b[2K")
	}
}
