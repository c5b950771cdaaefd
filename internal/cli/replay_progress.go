package cli

import (
	"fmt"
	"io"
	"os"
	"time"
)

// replayProgress reads the capture for tcpsim replay and, on a terminal,
// shows how much of it has been read once the reading has taken more
// than a moment.
type replayProgress struct {
	r       io.Reader
	read    int64
	packets int
	bar     *progressBar
	start   time.Time // the wall clock: this is the command line
}

// progressAfter is how long a replay runs before its bar appears: small
// captures are done before then and draw nothing.
const progressAfter = 500 * time.Millisecond

// newReplayProgress reads f, drawing on w when w is a terminal and no
// packet list is being written, which the bar would break into.
func newReplayProgress(f *os.File, w io.Writer, listing bool) *replayProgress {
	p := &replayProgress{r: f}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && !listing {
		p.bar = newProgressBar(w, fi.Size())
	}
	if p.bar != nil {
		p.start = time.Now()
	}
	return p
}

func (p *replayProgress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read += int64(n)
	return n, err
}

// tick counts a packet; every few thousand it updates the bar.
func (p *replayProgress) tick() {
	p.packets++
	if p.bar == nil || p.packets%4096 != 0 || time.Since(p.start) < progressAfter {
		return
	}
	if p.bar.changed(p.read) {
		p.bar.draw(fmt.Sprintf("%d packets", p.packets))
	}
}

// done erases the bar before the report is written.
func (p *replayProgress) done() { p.bar.clear() }
