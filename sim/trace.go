package sim

import (
	"errors"
	"io"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/udp"
)

// TraceKind says what a TraceEvent records.
type TraceKind uint8

// The trace kinds.
const (
	// TraceSegment: a segment was sent, received or dropped.
	TraceSegment TraceKind = iota + 1
	// TraceState: a connection changed state.
	TraceState
	// TraceCall: the application called the stack.
	TraceCall
	// TraceTimer: a connection's timer expired.
	TraceTimer
	// TraceDatagram: a UDP datagram was sent, received or dropped
	// (udp_trace.go).
	TraceDatagram
	// TraceICMP: an ICMP error message was sent, received or dropped.
	TraceICMP
)

var traceKindNames = [...]string{
	TraceSegment: "segment", TraceState: "state", TraceCall: "call", TraceTimer: "timer",
	TraceDatagram: "datagram", TraceICMP: "icmp",
}

// String returns "segment", "state", "call", "timer", "datagram" or "icmp".
func (k TraceKind) String() string { return name(traceKindNames[:], int(k), "kind") }

// SegmentEvent says what happened to a segment.
type SegmentEvent uint8

// The segment events.
const (
	// Send: the segment left the host (Poll returned it, or the host
	// answered for a connection that does not exist).
	Send SegmentEvent = iota + 1
	// Recv: the segment arrived and was handled; Verdict says how.
	Recv
	// Drop: the segment was discarded before reaching a connection;
	// Reason says why.
	Drop
	// Duplicate: a link duplicated the segment (Path.Duplicate): Packet
	// is the copy's own transmission number, Original the one copied.
	// Host is the sender; the copy then arrives or drops on its own.
	Duplicate
)

var segmentEventNames = [...]string{Send: "send", Recv: "recv", Drop: "drop", Duplicate: "dup"}

// String returns "send", "recv", "drop" or "dup".
func (e SegmentEvent) String() string { return name(segmentEventNames[:], int(e), "event") }

// DropReason names why the world dropped a segment.
type DropReason uint8

// The drop reasons.
const (
	// DropNoRoute: no link leads to the destination address.
	DropNoRoute DropReason = iota + 1
	// DropListenOverflow: a SYN for a listener whose queue of connections
	// not yet accepted is full.
	DropListenOverflow
	// DropLoss: the path lost the segment (Path.Loss or Path.Burst).
	DropLoss
	// DropCorrupt: the segment arrived with a bit flipped by the path
	// (Path.Corrupt) and failed its checksum at the receiver.
	DropCorrupt
	// DropQueue: the path was full (Path.Limit): tail drop.
	DropQueue
	// DropMTU: the segment was larger than the path's MTU.
	DropMTU
	// DropFault: a scripted fault of the path dropped it (Path.Faults).
	DropFault
	// DropPortUnreachable: a datagram for a UDP port no socket is bound
	// to (or whose socket is connected to another remote); the host
	// answers with an ICMP port unreachable (udp_stack.go).
	DropPortUnreachable
	// DropRcvBuf: a datagram for a socket whose receive queue is full.
	DropRcvBuf
)

var dropReasonNames = [...]string{
	DropNoRoute: "no-route", DropListenOverflow: "listen-overflow", DropLoss: "loss",
	DropCorrupt: "checksum", DropQueue: "queue", DropMTU: "mtu", DropFault: "fault",
	DropPortUnreachable: "port-unreachable", DropRcvBuf: "rcvbuf",
}

// String returns the reason's stable name, e.g. "no-route".
func (r DropReason) String() string { return name(dropReasonNames[:], int(r), "reason") }

// Call names an application call.
type Call uint8

// The application calls (RFC 9293 §3.9.1 user commands, in socket terms).
const (
	CallListen  Call = iota + 1 // passive OPEN
	CallConnect                 // active OPEN
	CallAccept                  // a passively opened connection handed to the application
	CallSend                    // SEND
	CallRecv                    // RECEIVE
	CallClose                   // CLOSE
	CallAbort                   // ABORT
)

var callNames = [...]string{
	CallListen: "listen", CallConnect: "connect", CallAccept: "accept", CallSend: "send",
	CallRecv: "recv", CallClose: "close", CallAbort: "abort",
}

// String returns the call's name: "listen", "connect", "accept", "send",
// "recv", "close", "abort".
func (c Call) String() string { return name(callNames[:], int(c), "call") }

func name(names []string, i int, what string) string {
	if i > 0 && i < len(names) {
		return names[i]
	}
	return what + "-unknown"
}

// TraceEvent is one observation of the world. Which fields are set
// depends on Kind. Slices (Segment.Payload, Data) are only valid during
// the callback.
type TraceEvent struct {
	Time time.Time // virtual time
	Kind TraceKind
	Host *Host
	// Local and Remote are the connection's addresses as the host sees
	// them; Remote is invalid for a listener.
	Local, Remote netip.AddrPort

	// TraceSegment.
	Event    SegmentEvent
	Packet   uint64 // the transmission's number: its send, recv and drop (and the state changes it causes) share it
	Segment  tcpstate.Segment
	Verdict  tcpstate.Verdict // Recv
	Reason   DropReason       // Drop
	Original uint64           // Duplicate: the transmission copied

	// TraceState. Rule names the RFC rule behind the change, as tcpstate
	// states it ("RFC 9293 §3.10.7.2: SYN in LISTEN, SYN-ACK queued").
	// Cause says which input made it: TraceSegment (the segment Packet
	// received), TraceTimer (the timer traced just before), or TraceCall
	// (the application call traced just after).
	From, To tcpstate.State
	Rule     string
	Cause    TraceKind

	// TraceTimer.
	Timer tcpstate.Timer

	// TraceDatagram: Event, Packet, Reason (Drop) and Original
	// (Duplicate) as for segments; Local and Remote as the host sees
	// them. Datagram.Payload is only valid during the callback.
	Datagram udp.Datagram
	// TraceICMP: the ICMP error message; Event, Packet and Reason as for
	// segments.
	ICMP ICMPMessage

	// TraceCall. N is the bytes sent or received; Data those bytes; Err
	// the call's error (io.EOF for a recv at the end of the stream).
	Call Call
	N    int
	Data []byte
	Err  error

	// TCB is the connection's state right after the event, when HasTCB.
	// It is false for segments no connection handled (answered by the
	// host, dropped by the world).
	TCB    tcpstate.TCB
	HasTCB bool
}

// Result names the outcome of a call with a stable word: "ok", "eof",
// "would-block", "refused", "reset", "timed-out", "aborted", "closing",
// "not-connected", "exists", "invalid-address", "closed", "in-use",
// "no-ports"; any other error's text.
func (e *TraceEvent) Result() string { return resultName(e.Err) }

var resultNames = [...]struct {
	err  error
	name string
}{
	{io.EOF, "eof"},
	{tcpstate.ErrWouldBlock, "would-block"},
	{tcpstate.ErrRefused, "refused"},
	{tcpstate.ErrReset, "reset"},
	{tcpstate.ErrTimedOut, "timed-out"},
	{tcpstate.ErrAborted, "aborted"},
	{tcpstate.ErrClosing, "closing"},
	{tcpstate.ErrNotConnected, "not-connected"},
	{tcpstate.ErrConnectionExists, "exists"},
	{tcpstate.ErrInvalidAddress, "invalid-address"},
	{ErrClosed, "closed"},
	{ErrAddrInUse, "in-use"},
	{ErrNoPorts, "no-ports"},
	{udp.ErrWouldBlock, "would-block"},
	{udp.ErrRefused, "refused"},
	{udp.ErrNotConnected, "not-connected"},
	{udp.ErrClosed, "closed"},
}

func resultName(err error) string {
	if err == nil {
		return "ok"
	}
	for _, r := range resultNames {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return err.Error()
}

// onTrace turns one of tcpstate's observations of ep's connection into
// a TraceEvent.
func (ep *endpoint) onTrace(te tcpstate.TraceEvent) {
	if ep.muted {
		return
	}
	w := ep.w
	ev := TraceEvent{
		Time: te.Time, Host: ep.host, TCB: te.TCB, HasTCB: true,
		Local: ep.tcp.LocalAddr(), Remote: ep.tcp.RemoteAddr(),
	}
	switch te.Kind {
	case tcpstate.TraceSegmentIn:
		ev.Kind, ev.Event, ev.Packet = TraceSegment, Recv, w.delivering
		ev.Segment, ev.Verdict = te.Segment, te.Verdict
		ev.Local, ev.Remote = te.Segment.Dst, te.Segment.Src
	case tcpstate.TraceSegmentOut:
		// Poll returns the segment right after tracing it, and the
		// driver transmits it at once: it will be the next transmission.
		ev.Kind, ev.Event, ev.Packet = TraceSegment, Send, w.stats.Segments+1
		ev.Segment = te.Segment
		ev.Local, ev.Remote = te.Segment.Src, te.Segment.Dst
	case tcpstate.TraceState:
		ev.Kind, ev.From, ev.To, ev.Rule = TraceState, te.From, te.To, te.Rule
		ev.Cause = TraceCall
		if w.cause != 0 {
			ev.Cause, ev.Packet = w.cause, w.causePacket
		}
	case tcpstate.TraceTimer:
		ev.Kind, ev.Timer = TraceTimer, te.Timer
	default:
		return
	}
	w.cfg.Trace(ev)
}

// traceCall records an application call on ep's connection.
func (w *World) traceCall(ep *endpoint, call Call, n int, data []byte, err error) {
	if w.cfg.Trace == nil {
		return
	}
	w.cfg.Trace(TraceEvent{
		Time: w.Now(), Kind: TraceCall, Host: ep.host,
		Local: ep.tcp.LocalAddr(), Remote: ep.tcp.RemoteAddr(),
		Call: call, N: n, Data: data, Err: err,
		TCB: ep.tcp.TCB(), HasTCB: true,
	})
}

// traceDuplicate records that the path from host h made copy, a copy of
// transmission original of seg.
func (w *World) traceDuplicate(h *Host, seg *tcpstate.Segment, copy, original uint64) {
	if w.cfg.Trace == nil {
		return
	}
	w.cfg.Trace(TraceEvent{
		Time: w.Now(), Kind: TraceSegment, Host: h, Event: Duplicate, Packet: copy, Original: original,
		Local: seg.Src, Remote: seg.Dst, Segment: *seg,
	})
}
