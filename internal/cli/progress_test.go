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
