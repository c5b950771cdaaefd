package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progressBar shows a transfer's progress on a terminal, from the bytes
// the receiver has read, with the virtual time reached.
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
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progressBar{w: w, total: total, percent: -1}
}

// update redraws the bar when the whole percentage changed, so that a
// large transfer writes at most a hundred lines.
func (b *progressBar) update(received int64, elapsed time.Duration) {
	p := int(received * 100 / b.total)
	if p == b.percent {
		return
	}
	b.percent = p
	done := progressWidth * p / 100
	fmt.Fprintf(b.w, "\r[%s%s] %3d%%  %.3f s virtual",
		strings.Repeat("#", done), strings.Repeat(".", progressWidth-done), p, elapsed.Seconds())
}

// clear erases the bar's line; on a nil bar it does nothing.
func (b *progressBar) clear() {
	if b != nil && b.percent >= 0 {
		io.WriteString(b.w, "\r\x1b[2K")
	}
}
