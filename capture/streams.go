package capture

import (
	"net/netip"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// Streams numbers the TCP connections of a capture as Wireshark's
// tcp.stream field does (checked against tshark 4.0): from 0, in the order
// of their first packet, one number for both directions. A SYN starts a
// new stream on a 4-tuple already seen when its ISN differs from the
// first SYN of that end, or when that end sent no SYN and the connection
// ended (a RST, or a FIN each way).
type Streams struct {
	byTuple map[tuplePair]*stream
	n       int
}

// tuplePair is a connection's two endpoints, lower first, so that both
// directions find the same entry.
type tuplePair struct{ lo, hi netip.AddrPort }

// pairOf is the tuplePair of a packet from a to b.
func pairOf(a, b netip.AddrPort) tuplePair {
	if b.Compare(a) < 0 {
		a, b = b, a
	}
	return tuplePair{a, b}
}

// stream is what Streams keeps of the last connection on a 4-tuple.
type stream struct {
	id     int
	origin netip.AddrPort // the source of its first packet
	synSeq [2]seqnum.Value
	syn    [2]bool // a SYN was seen from origin (0) or the other end (1)
	fin    [2]bool
	rst    bool
}

// NewStreams returns an empty numbering.
func NewStreams() *Streams { return &Streams{byTuple: make(map[tuplePair]*stream)} }

// Len is how many streams have been numbered.
func (s *Streams) Len() int { return s.n }

// Add numbers seg's connection and tells whether seg goes the way of the
// stream's first packet (forward) or back.
func (s *Streams) Add(seg *tcpstate.Segment) (id int, forward bool) {
	key := pairOf(seg.Src, seg.Dst)
	st := s.byTuple[key]
	dir := 0
	if st != nil && seg.Src != st.origin {
		dir = 1
	}
	if st != nil && seg.Flags&(tcpstate.SYN|tcpstate.ACK) == tcpstate.SYN &&
		(st.syn[dir] && st.synSeq[dir] != seg.Seq || !st.syn[dir] && st.ended()) {
		// A new connection on an old 4-tuple: a SYN with another ISN than
		// this end's first, or the first SYN from this end after the
		// connection ended. (A SYN with the same ISN is a retransmission.)
		st = nil
	}
	if st == nil {
		st = &stream{id: s.n, origin: seg.Src}
		s.byTuple[key] = st
		s.n++
		dir = 0
	}
	switch {
	case seg.Flags&tcpstate.RST != 0:
		st.rst = true
	case seg.Flags&tcpstate.SYN != 0 && !st.syn[dir]:
		st.syn[dir], st.synSeq[dir] = true, seg.Seq
	}
	if seg.Flags&tcpstate.FIN != 0 {
		st.fin[dir] = true
	}
	return st.id, dir == 0
}

// ended tells whether the connection is over: reset, or closed both ways.
func (st *stream) ended() bool { return st.rst || st.fin[0] && st.fin[1] }
