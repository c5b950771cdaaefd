package sim

import (
	"fmt"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// rawWorld returns a world with hosts a and b joined by path ab from a to
// b and a perfect path back, traced into the returned log.
func rawWorld(t testing.TB, seed uint64, ab Path) (*World, *Host, *Host, *log) {
	t.Helper()
	lg := &log{}
	w := New(Config{Seed: seed, Trace: lg.record})
	a, err := w.AddHost(HostConfig{Name: "a", Addr: clientAddr})
	require.NoError(t, err)
	b, err := w.AddHost(HostConfig{Name: "b", Addr: serverAddr})
	require.NoError(t, err)
	_, err = w.AddLink(a, b, ab, Path{})
	require.NoError(t, err)
	return w, a, b, lg
}

// blast sends n bare RSTs from a to b's port 9, payload bytes of data
// each, one every gap (all at once if gap is 0), and runs the world dry.
// A RST to a closed port is silently discarded (RFC 9293 §3.10.7.1), so
// nothing comes back: the trace has exactly the path's doings. Segment i
// (from 0) has sequence number i.
func blast(w *World, a, b *Host, n, payload int, gap time.Duration) {
	data := make([]byte, payload)
	for i := range n {
		a.SendRaw(tcpstate.Segment{
			Src: netip.AddrPortFrom(a.Addr(), 1000), Dst: netip.AddrPortFrom(b.Addr(), 9),
			Seq: seqnum.Value(i), Flags: tcpstate.RST, Payload: data,
		})
		if gap > 0 {
			w.RunFor(gap)
		}
	}
	w.Run()
}

// segEvents returns the segment events of the given kind, in order.
func segEvents(lg *log, ev SegmentEvent) []TraceEvent {
	var out []TraceEvent
	for _, e := range lg.events {
		if e.Kind == TraceSegment && e.Event == ev {
			out = append(out, e)
		}
	}
	return out
}

// countDrops counts the drops with reason r.
func countDrops(lg *log, r DropReason) int {
	n := 0
	for _, e := range segEvents(lg, Drop) {
		if e.Reason == r {
			n++
		}
	}
	return n
}

// binomialBounds returns mean ± 5 standard deviations of the number of
// successes in n trials of probability p: a correct implementation falls
// outside with probability below 1e-6.
func binomialBounds(n int, p float64) (lo, hi int) {
	mean := float64(n) * p
	sd := math.Sqrt(float64(n) * p * (1 - p))
	return int(math.Floor(mean - 5*sd)), int(math.Ceil(mean + 5*sd))
}

// requireBinomial fails unless got is within binomialBounds(n, p).
func requireBinomial(t *testing.T, what string, got, n int, p float64) {
	t.Helper()
	lo, hi := binomialBounds(n, p)
	require.Truef(t, got >= lo && got <= hi, "%s: %d of %d, want within [%d, %d] (p=%v)", what, got, n, lo, hi, p)
}

// fullText renders every trace event with every field, the path's ones
// (Reason, Original) included, to compare runs byte for byte.
func fullText(lg *log) string {
	var b strings.Builder
	b.WriteString(lg.text())
	for _, e := range lg.events {
		fmt.Fprintf(&b, "%d %v %v %d\n", e.Packet, e.Event, e.Reason, e.Original)
	}
	return b.String()
}
