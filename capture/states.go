package capture

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// endStates follows both ends of a conversation, client [0] and server
// [1], with tcpstate observers: every segment is sent by one and received
// by the other, at the time the capture saw it.
type endStates struct {
	ends    [2]tcpstate.Observer
	started bool
}

// follow feeds seg, sent in direction dir (0 from the client) with n
// payload bytes on the wire, to both observers.
func (e *endStates) follow(now time.Time, dir int, seg *tcpstate.Segment, n int) {
	if n > len(seg.Payload) {
		s := *seg
		s.Payload = zeroes[:min(n, len(zeroes))] // an observer needs the length, not the bytes
		seg = &s
	}
	if !e.started {
		e.start(now, dir, seg)
	}
	e.ends[dir].Sent(now, seg)
	e.ends[1-dir].Received(now, seg)
}

// start sets the observers up from the conversation's first segment: a
// SYN opens it (the server was listening); a SYN-ACK shows a SYN the
// capture lacks, which is put back; anything else finds it already
// ESTABLISHED (RFC 9293 §3.5).
func (e *endStates) start(now time.Time, dir int, seg *tcpstate.Segment) {
	e.started = true
	client, server := &e.ends[0], &e.ends[1]
	client.Reset()
	server.Reset()
	switch seg.Flags & (tcpstate.SYN | tcpstate.ACK | tcpstate.RST) {
	case tcpstate.SYN:
		server.Listen(now, seg.Dst)
	case tcpstate.SYN | tcpstate.ACK:
		// The server sent this: its SYN-ACK acknowledges the client's
		// ISN+1, and carries only options the client offered (RFC 7323
		// §1.3, RFC 2018 §2), though not their values: the client's
		// TSval is the one echoed, its window and shift are unknown and
		// taken at the largest, as for a capture without a SYN.
		o := seg.Options
		syn := tcpstate.Segment{Src: seg.Dst, Dst: seg.Src, Seq: seg.Ack.Sub(1), Flags: tcpstate.SYN, Window: 65535,
			Options: tcpstate.Options{SACKPermitted: o.SACKPermitted, HasTimestamps: o.HasTimestamps, TSVal: o.TSEcr,
				HasWindowScale: o.HasWindowScale, WindowScale: tcpstate.MaxWindowShift}}
		server.Listen(now, seg.Src)
		client.Sent(now, &syn)
		server.Received(now, &syn)
	default:
		e.ends[dir].Synchronize(now, seg, true)
		e.ends[1-dir].Synchronize(now, seg, false)
	}
}

// states returns the client's and the server's state.
func (e *endStates) states() (client, server tcpstate.State) {
	if !e.started {
		return tcpstate.Closed, tcpstate.Closed
	}
	return e.ends[0].State(), e.ends[1].State()
}
