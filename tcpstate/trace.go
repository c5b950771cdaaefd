package tcpstate

import "time"

// TraceKind says what a TraceEvent records.
type TraceKind uint8

// The trace kinds.
const (
	// TraceSegmentIn: a segment was handled; Segment and Verdict are set.
	TraceSegmentIn TraceKind = iota
	// TraceSegmentOut: a segment left through Poll; Segment is set.
	TraceSegmentOut
	// TraceState: the state changed; From, To and Rule are set.
	TraceState
	// TraceTimer: a timer expired; Timer is set.
	TraceTimer
)

// TraceEvent is one observation of a connection, with the TCB as it was
// right after it. Segment.Payload is only valid during the callback.
type TraceEvent struct {
	Time    time.Time
	Kind    TraceKind
	Segment Segment
	Verdict Verdict
	From    State
	To      State
	// Rule names the RFC section behind a state change or verdict, such as
	// "RFC 9293 §3.10.7.3".
	Rule  string
	Timer Timer
	TCB   TCB
}
