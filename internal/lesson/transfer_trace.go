package lesson

import (
	"time"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// TransferSegment is a data segment the client sent.
type TransferSegment struct {
	At         time.Duration // virtual time since the start
	Seq        int64         // relative sequence number: 0 is the first data byte (ISS+1)
	Len        int           // bytes of data
	Retransmit bool          // some of its range had been sent before
}

// TransferAck is an acknowledgment the client received.
type TransferAck struct {
	At  time.Duration
	Ack int64  // relative acknowledgment number
	Win uint32 // window offered, scaled (RFC 7323 §2.3)
}

// CwndSample is the client's congestion state at one moment.
type CwndSample struct {
	At       time.Duration
	Cwnd     int64
	Ssthresh int64
}

// transferStats are counted from the trace, on the sending side.
type transferStats struct {
	// DataSegments counts the data segments the client sent, first
	// transmissions and retransmissions.
	DataSegments int
	// Retransmissions counts the data segments the client sent whose
	// sequence range had, at least in part, been sent before.
	Retransmissions int
	// Timeouts counts the expiries of the client's retransmission timer
	// (RFC 6298 §5.4), its SYN's included.
	Timeouts int
	// DupAcks counts the duplicate acknowledgments the client received,
	// as RFC 5681 §2 defines them: data outstanding, no data, neither SYN
	// nor FIN, the acknowledgment equal to the greatest received so far
	// and the window equal to the last one advertised.
	DupAcks int
	// FastRetransmits counts retransmissions triggered by duplicate ACKs
	// (RFC 5681 §3.2), as the client's TCB counts them.
	FastRetransmits int

	// The time–sequence graph's input: every data segment the client
	// sent and every ACK it received (relative numbers, no payload).
	Segments []TransferSegment
	Acks     []TransferAck
	// Cwnd is the client's congestion window each time it changed, and
	// FinalCwnd its last value (nil if it never sent data).
	Cwnd      []CwndSample
	FinalCwnd *int64
}

// cwndOf returns the congestion window and slow-start threshold in a TCB
// snapshot, and false before the connection sent data (RFC 5681 §3.1:
// they start with the first transmission).
func cwndOf(t tcpstate.TCB) (cwnd, ssthresh int64, ok bool) {
	return int64(t.Cwnd), int64(t.Ssthresh), t.Cwnd != 0
}

// traceCounter holds what observe needs between events.
type traceCounter struct {
	started bool         // the client's SYN was sent: its ISS is known
	base    seqnum.Value // ISS+1: relative sequence number 0
	lastRaw seqnum.Value // the last sequence number unwrapped...
	lastRel int64        // ...and its relative value
	sndMax  int64        // highest relative sequence sent, plus one
	haveAck bool
	lastAck int64  // greatest relative ACK received
	lastWnd uint16 // last window field received, as sent
	sndUna  seqnum.Value
	sndNxt  seqnum.Value // the client's, after the last event: outstanding data is SndNxt != SndUna
}

// rel unwraps sequence number v to a relative number: the 32-bit
// difference from the last one unwrapped (RFC 9293 §3.4 compares
// sequence numbers modulo 2^32) added to its relative value.
func (tc *traceCounter) rel(v seqnum.Value) int64 {
	tc.lastRel += int64(int32(uint32(v) - uint32(tc.lastRaw)))
	tc.lastRaw = v
	return tc.lastRel
}

// observe is the world's trace callback: it counts and samples, and keeps
// nothing the event points to.
func (t *transfer) observe(e sim.TraceEvent) {
	tc := &t.trace
	at := e.Time.Sub(sim.Epoch())
	if e.Kind == sim.TraceState && e.To == tcpstate.Closed {
		t.closedAt = max(t.closedAt, at)
	}
	if e.Host != t.client {
		return
	}
	s := &t.res.transferStats
	if !tc.started && e.Kind == sim.TraceSegment && e.Event == sim.Send && e.Segment.Flags&tcpstate.SYN != 0 {
		// The SYN carries the ISS; the first data byte is ISS+1.
		tc.started = true
		tc.base = e.Segment.Seq.Add(1)
		tc.lastRaw, tc.lastRel = tc.base, 0
	}
	switch {
	case e.Kind == sim.TraceTimer && e.Timer == tcpstate.TimerRetransmit:
		s.Timeouts++
	case e.Kind == sim.TraceSegment && e.Event == sim.Send && len(e.Segment.Payload) > 0 && tc.started:
		seq := tc.rel(e.Segment.Seq)
		n := int64(len(e.Segment.Payload))
		re := seq < tc.sndMax
		tc.sndMax = max(tc.sndMax, seq+n)
		s.DataSegments++
		if re {
			s.Retransmissions++
		}
		s.Segments = append(s.Segments, TransferSegment{At: at, Seq: seq, Len: int(n), Retransmit: re})
	case e.Kind == sim.TraceSegment && e.Event == sim.Recv && e.Segment.Flags&tcpstate.ACK != 0 && tc.started:
		t.observeAck(e, at)
	}
	if e.HasTCB {
		tc.sndUna, tc.sndNxt = e.TCB.SndUna, e.TCB.SndNxt
		s.FastRetransmits = max(s.FastRetransmits, e.TCB.FastRetransmits)
		if cwnd, ssthresh, ok := cwndOf(e.TCB); ok {
			n := len(s.Cwnd)
			if n == 0 || s.Cwnd[n-1].Cwnd != cwnd || s.Cwnd[n-1].Ssthresh != ssthresh {
				s.Cwnd = append(s.Cwnd, CwndSample{At: at, Cwnd: cwnd, Ssthresh: ssthresh})
			}
		}
	}
}

// observeAck samples an ACK the client received and counts it as a
// duplicate when RFC 5681 §2 says it is one.
func (t *transfer) observeAck(e sim.TraceEvent, at time.Duration) {
	tc, s, seg := &t.trace, &t.res.transferStats, &e.Segment
	ack := tc.rel(seg.Ack)
	if tc.haveAck &&
		tc.sndNxt != tc.sndUna && // (a) outstanding data
		len(seg.Payload) == 0 && // (b) no data
		seg.Flags&(tcpstate.SYN|tcpstate.FIN) == 0 && // (c) neither SYN nor FIN
		ack == tc.lastAck && // (d) the greatest acknowledgment received
		seg.Window == tc.lastWnd { // (e) the same window as the last
		s.DupAcks++
	}
	win := uint32(seg.Window)
	if seg.Flags&tcpstate.SYN == 0 { // RFC 7323 §2.2: a SYN's window is never scaled
		win <<= e.TCB.SndWndShift
	}
	s.Acks = append(s.Acks, TransferAck{At: at, Ack: ack, Win: win})
	tc.haveAck = true
	tc.lastAck = max(tc.lastAck, ack)
	tc.lastWnd = seg.Window
}
