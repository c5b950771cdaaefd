package tsg

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func render(t *testing.T, g *Graph) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, g.WriteSVG(&b))
	return b.String()
}

// wellFormed decodes every token and returns the root element's name.
func wellFormed(t *testing.T, svg string) string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return root
		}
		require.NoError(t, err, "well-formed XML")
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
}

// small is a window of four 1000-byte segments, the second lost: the
// receiver acknowledges the first, then repeats that ACK for the third
// and fourth; the retransmission of the second fills the hole.
func small() *Graph {
	ms := time.Millisecond
	return &Graph{
		Title: "four segments, one lost",
		Segments: []Segment{
			{At: 100 * ms, Seq: 0, Len: 1000},
			{At: 100 * ms, Seq: 1000, Len: 1000},
			{At: 100 * ms, Seq: 2000, Len: 1000},
			{At: 100 * ms, Seq: 3000, Len: 1000},
			{At: 1300 * ms, Seq: 1000, Len: 1000, Retransmit: true},
		},
		Acks: []Ack{
			{At: 0, Ack: 0, Win: 4000},
			{At: 300 * ms, Ack: 1000, Win: 4000},
			{At: 300 * ms, Ack: 1000, Win: 4000},
			{At: 300 * ms, Ack: 1000, Win: 4000},
			{At: 1500 * ms, Ack: 4000, Win: 4000},
		},
		CwndNote: "cwnd: not tracked yet",
	}
}

func TestSVGOneTickPerSegment(t *testing.T) {
	svg := render(t, small())
	assert.Equal(t, "svg", wellFormed(t, svg))
	assert.Equal(t, 4, strings.Count(svg, `<path class="seg"`), "first transmissions")
	assert.Equal(t, 1, strings.Count(svg, `<path class="rexmit"`), "the retransmission")
	assert.Contains(t, svg, `stroke="`+colourRexmit+`"`)
	assert.Equal(t, 1, strings.Count(svg, `<path class="ack"`))
	assert.Equal(t, 1, strings.Count(svg, `<path class="window"`))
	assert.Contains(t, svg, ">cwnd: not tracked yet</text>")
	assert.NotContains(t, svg, `class="cwnd"`)
}

// TestSVGCoordinates checks one tick and the ACK line against positions
// worked out by hand. The last event is at 1.5 s: about ten x ticks make
// a step of 0.2 s (1.5/10 = 0.15, rounded up to 2×10^-1), the axis ends
// at 1.6 s, and x(t) = 90 + 840·t/1.6. The highest point is the window
// edge 4000+4000 = 8000: about eight y ticks make a step of 1000, and
// y(v) = 480 - 420·v/8000.
func TestSVGCoordinates(t *testing.T) {
	svg := render(t, small())
	// The retransmission at 1.3 s: x = 90 + 840·1.3/1.6 = 772.5; from
	// 1000 (y = 427.5) to 2000 (y = 375).
	assert.Contains(t, svg, `<path class="rexmit" stroke="#d62728" d="M772.5 427.5V375.0M770.0 427.5h5.0M770.0 375.0h5.0"/>`)
	// The ACK line: 0 from t = 0 (x = 90, y = 480); 1000 from 0.3 s
	// (x = 247.5, y = 427.5), three times; 4000 from 1.5 s (x = 877.5,
	// y = 270), held to the end of the axis (x = 930).
	assert.Contains(t, svg, `d="M90.0 480.0H247.5V427.5H247.5V427.5H247.5V427.5H877.5V270.0H930.0"`)
	// Tick labels: 0.2 s steps with one decimal; bytes below 10^4 in bytes.
	assert.Contains(t, svg, `>1.6</text>`)
	assert.Contains(t, svg, `>8000</text>`)
	assert.Contains(t, svg, "relative sequence number (bytes)")
}

func TestSVGCwndPanel(t *testing.T) {
	g := small()
	g.Cwnd = []CwndSample{
		{At: 0, Cwnd: 4000, Ssthresh: 1 << 40}, // ssthresh "arbitrarily high" at first (RFC 5681 §3.1)
		{At: 1300 * time.Millisecond, Cwnd: 1000, Ssthresh: 2000},
		{At: 1500 * time.Millisecond, Cwnd: 2000, Ssthresh: 2000},
	}
	svg := render(t, g)
	wellFormed(t, svg)
	assert.NotContains(t, svg, "not tracked yet")
	// cwnd peaks at 4000; the panel goes to 4000·1.1 = 4400, rounded up to
	// steps of 2000 (4400/4 = 1100 → 2000): 6000, and y = 700 - 140·v/6000.
	// 4000 → 606.7, 1000 → 676.7, 2000 → 653.3 at x = 90, 772.5, 877.5.
	assert.Contains(t, svg, `<path class="cwnd" stroke="#1f77b4" stroke-width="1.5" fill="none" d="M90.0 606.7H772.5V676.7H877.5V653.3H930.0"/>`)
	// ssthresh is left out while it is above the panel, then drawn.
	assert.Contains(t, svg, `d="M772.5 653.3H877.5V653.3H930.0"/>`)
}

func TestSVGEmptyAndEscaped(t *testing.T) {
	svg := render(t, &Graph{Title: `a <b> & "c"`})
	assert.Equal(t, "svg", wellFormed(t, svg))
	assert.Contains(t, svg, "a &lt;b&gt; &amp; &#34;c&#34;")
	assert.Contains(t, svg, ">no cwnd samples</text>")
	assert.NotContains(t, svg, "NaN")
	assert.NotContains(t, svg, "Inf")
}

func TestSVGDeterministic(t *testing.T) {
	assert.Equal(t, render(t, small()), render(t, small()))
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestSVGWriteError(t *testing.T) {
	assert.EqualError(t, small().WriteSVG(failingWriter{}), "disk full")
}

// TestSVGGolden keeps the small graph's rendering; it was checked by eye
// (rsvg-convert to PNG): four black ticks at 0.1 s, a red one at 1.3 s,
// the green ACK line stepping 0 → 1000 → 4000, the yellow edge 4000 above it.
func TestSVGGolden(t *testing.T) {
	svg := render(t, small())
	path := filepath.Join("testdata", "small.svg")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(svg), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), svg)
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct{ raw, want float64 }{
		{0.15, 0.2}, {1, 1}, {1.01, 2}, {3, 5}, {7, 10}, {500, 500}, {1100, 2000}, {0.001, 0.001},
	} {
		assert.InDelta(t, tc.want, niceStep(tc.raw), tc.want*1e-9, "niceStep(%v)", tc.raw)
	}
}
