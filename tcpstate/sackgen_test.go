package tcpstate

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// sackGenReceiver is a minimal receiver around a reassembly queue: every
// segment goes through Insert, everything contiguous is taken, and the ACK
// it would send is RCV.NXT plus the SACK blocks.
type sackGenReceiver struct {
	q      *reassembly
	rcvNxt seqnum.Value
	wnd    seqnum.Size
}

// arrive processes one segment and returns the ACK it triggers, written as
// the RFC 2018 §7 tables write it: "ACK left right left right ...".
func (s *sackGenReceiver) arrive(seq seqnum.Value, n, maxBlocks int) string {
	s.q.Insert(seq, make([]byte, n), s.rcvNxt, s.rcvNxt.Add(s.wnd))
	for {
		a, b := s.q.Take(s.rcvNxt, 1<<20)
		if len(a)+len(b) == 0 {
			break
		}
		s.rcvNxt = s.rcvNxt.Add(seqnum.Size(len(a) + len(b)))
	}
	var sb [MaxSACKBlocks]SACKBlock
	k := s.q.SACKBlocks(s.rcvNxt, sb[:maxBlocks])
	out := fmt.Sprint(s.rcvNxt)
	for _, b := range sb[:k] {
		out += fmt.Sprintf(" %d %d", b.Left, b.Right)
	}
	return out
}

// TestSACKRFC2018Case1: the first 4 of 8 segments of 500 bytes arrive, the
// last 4 are dropped: a plain ACK of 7000, no SACK option (RFC 2018 §7).
func TestSACKRFC2018Case1(t *testing.T) {
	r := &sackGenReceiver{q: newReassembly(1<<16, 0), rcvNxt: 5000, wnd: 1 << 16}
	want := []string{"5500", "6000", "6500", "7000"}
	for i, w := range want {
		assert.Equal(t, w, r.arrive(seqnum.Value(5000+500*i), 500, 3))
	}
}

// TestSACKRFC2018Case2: the first segment is dropped, the other 7 arrive;
// each ACK acknowledges 5000 and carries one growing block (RFC 2018 §7).
func TestSACKRFC2018Case2(t *testing.T) {
	r := &sackGenReceiver{q: newReassembly(1<<16, 0), rcvNxt: 5000, wnd: 1 << 16}
	want := []string{
		"5000 5500 6000",
		"5000 5500 6500",
		"5000 5500 7000",
		"5000 5500 7500",
		"5000 5500 8000",
		"5000 5500 8500",
		"5000 5500 9000",
	}
	for i, w := range want {
		assert.Equal(t, w, r.arrive(seqnum.Value(5500+500*i), 500, 3), "segment %d", 5500+500*i)
	}
}

// TestSACKRFC2018Case3: the 2nd, 4th, 6th and 8th segments are dropped.
// The tables of RFC 2018 §7, including the later arrival of the 4th and
// then the 2nd segment.
func TestSACKRFC2018Case3(t *testing.T) {
	r := &sackGenReceiver{q: newReassembly(1<<16, 0), rcvNxt: 5000, wnd: 1 << 16}
	steps := []struct {
		seq  seqnum.Value
		want string
	}{
		{5000, "5500"},
		{6000, "5500 6000 6500"},
		{7000, "5500 7000 7500 6000 6500"},
		{8000, "5500 8000 8500 7000 7500 6000 6500"},
		// "Suppose at this point, the 4th packet is received out of order."
		{6500, "5500 6000 7500 8000 8500"},
		// "Suppose at this point, the 2nd segment is received."
		{5500, "7500 8000 8500"},
	}
	for _, s := range steps {
		assert.Equal(t, s.want, r.arrive(s.seq, 500, 3), "segment %d", s.seq)
	}
}

// TestSACKMostRecentFirstAndLimit: five isolated blocks, four slots: the
// first is the block of the newest segment, the rest go from the most to
// the least recently changed, and the oldest one is left out (RFC 2018 §4).
// A duplicate inside an old block makes it the newest again, since it is the
// block "containing the segment which triggered this ACK".
func TestSACKMostRecentFirstAndLimit(t *testing.T) {
	r := &sackGenReceiver{q: newReassembly(1<<16, 0), rcvNxt: 0, wnd: 1 << 16}
	for _, seq := range []seqnum.Value{100, 300, 500, 700, 900} {
		r.arrive(seq, 50, 4)
	}
	assert.Equal(t, "0 900 950 700 750 500 550 300 350", r.arrive(900, 0, 4), "an empty segment changes nothing")
	assert.Equal(t, "0 100 150 900 950 700 750 500 550", r.arrive(120, 10, 4), "duplicate data in the oldest block")
	assert.Equal(t, "0 300 360 100 150 900 950", r.arrive(350, 10, 3), "three slots when timestamps are on")
	assert.Equal(t, "0", r.arrive(0, 0, 0), "no slots, no blocks")
}

// TestSACKNoBlockForDroppedSegment: a segment dropped for lack of space is
// not reported; the previous newest block stays first (this queue never
// reneges, so RFC 2018 §8's rules for discarded data do not arise).
func TestSACKNoBlockForDroppedSegment(t *testing.T) {
	r := &sackGenReceiver{q: newReassembly(1000, 0), rcvNxt: 0, wnd: 1 << 16}
	r.arrive(100, 100, 4)
	r.arrive(500, 100, 4)
	assert.Equal(t, "0 500 600 100 200", r.arrive(2000, 100, 4))
}
