package cli

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestProgressBarNotOnATerminal(t *testing.T) {
	var b bytes.Buffer
	assert.Nil(t, newProgressBar(&b, 100), "a buffer is not a terminal")
	var none *progressBar
	none.clear() // a nil bar draws nothing and does not crash
}

// TestProgressBarDraws: the bar is redrawn in place (\r) when the whole
// percentage changes, 40 characters for 100 %, and erased at the end.
func TestProgressBarDraws(t *testing.T) {
	var b bytes.Buffer
	bar := &progressBar{w: &b, total: 1000, percent: -1}
	bar.update(500, 1500*time.Millisecond)
	assert.Equal(t, "\r[####################....................]  50%  1.500 s virtual", b.String())
	b.Reset()
	bar.update(509, 2*time.Second)
	assert.Empty(t, b.String(), "still 50 %: not redrawn")
	bar.update(1000, 3*time.Second)
	assert.Equal(t, "\r[########################################] 100%  3.000 s virtual", b.String())
	b.Reset()
	bar.clear()
	assert.Equal(t, "\r\x1b[2K", b.String())
}

// A replay draws its bar from the bytes read, every 4096 packets, once it
// has run for longer than progressAfter; it erases it before the report.
func TestReplayProgressDraws(t *testing.T) {
	var b bytes.Buffer
	p := &replayProgress{r: bytes.NewReader(make([]byte, 1000)), bar: &progressBar{w: &b, total: 1000, percent: -1},
		start: time.Now().Add(-time.Second)}
	buf := make([]byte, 500)
	n, err := p.Read(buf)
	assert.NoError(t, err)
	assert.Equal(t, 500, n)
	for range 4095 {
		p.tick()
	}
	assert.Empty(t, b.String(), "not before 4096 packets")
	p.tick()
	assert.Equal(t, "\r[####################....................]  50%  4096 packets", b.String())
	b.Reset()
	p.done()
	assert.Equal(t, "\r\x1b[2K", b.String())

	// Not yet half a second: nothing drawn.
	b.Reset()
	q := &replayProgress{r: bytes.NewReader(nil), bar: &progressBar{w: &b, total: 1000, percent: -1}, start: time.Now()}
	for range 4096 {
		q.tick()
	}
	assert.Empty(t, b.String())
}
