package tsg

import "time"

// Segment is one data segment as the sender sent it.
type Segment struct {
	At         time.Duration // when it was sent, from the start
	Seq        int64         // relative sequence number of its first byte
	Len        int64         // bytes of data
	Retransmit bool          // some of its range had been sent before
}

// Ack is one acknowledgment as the sender received it.
type Ack struct {
	At  time.Duration // when it arrived, from the start
	Ack int64         // relative cumulative acknowledgment number
	Win int64         // window offered, in bytes (scaled): the right edge is Ack+Win
}

// CwndSample is the sender's congestion state at one moment.
type CwndSample struct {
	At       time.Duration
	Cwnd     int64 // congestion window, bytes
	Ssthresh int64 // slow-start threshold, bytes; 0 when unknown
}

// Graph is what WriteSVG draws.
type Graph struct {
	Title    string
	Segments []Segment
	Acks     []Ack
	Cwnd     []CwndSample
	// CwndNote is written in the lower panel when Cwnd is empty, e.g.
	// "cwnd: not tracked yet".
	CwndNote string
}
