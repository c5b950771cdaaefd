package ladder

import (
	"fmt"
	"strconv"
	"time"
)

// Side names a lifeline.
type Side uint8

const (
	// Left is the left lifeline, usually the client (the active opener).
	Left Side = iota
	// Right is the right lifeline, usually the server.
	Right
)

func (s Side) String() string {
	switch s {
	case Left:
		return "left"
	case Right:
		return "right"
	}
	return "side(" + strconv.Itoa(int(s)) + ")"
}

func (s Side) other() Side { return 1 - s }

// Diagram is what a ladder shows: the names of the two hosts and the
// events between them.
//
// Events are listed in the order they began: a segment where it was sent,
// a state change or a note where it happened. Times are virtual, measured
// from the simulation's epoch. Events at the same time keep the list's
// order; a segment's arrival is placed right after its sending among the
// events of its arrival time, so the state changes it caused (listed after
// it) are drawn after it.
type Diagram struct {
	Left, Right string // host names (and addresses), shown above the lifelines
	Events      []Event
}

// Event is one of Segment, Datagram, Arrival, State or Note.
type Event interface{ ladderEvent() }

// Segment is a TCP segment crossing from one lifeline to the other.
type Segment struct {
	From Side
	// Sent is when the sender put it on the link; Arrived when it reached
	// the receiver or, if Dropped, when it was lost (equal to Sent for a
	// segment lost as it was sent).
	Sent, Arrived time.Duration
	// Label is what the arrow says, e.g. "S. seq 0 ack 1 win 65535 len 0"
	// (see SegmentLabel).
	Label   string
	Dropped bool
	Reason  string // why it was dropped, e.g. "loss"
}

// Datagram is a UDP datagram; it is drawn like a Segment with a dashed
// line.
type Datagram Segment

// Arrival marks where, in the order of the events, the segment or
// datagram at index Of of the list reached its receiver (its time is the
// segment's Arrived). It is optional: it matters only when several things
// happen at the same virtual time on the receiver, e.g. an ACK and a FIN
// arriving together, each changing the state.
type Arrival struct{ Of int }

// State is a change of a host's TCP state, e.g. SYN-SENT to ESTABLISHED.
type State struct {
	Side     Side
	At       time.Duration
	From, To string // RFC 9293 spelling, e.g. "SYN-SENT"
	Rule     string // why, e.g. "RFC 9293 §3.10.7.3"; shown as the SVG tooltip
}

// Note is something the application did, e.g. `connect` or
// `send "hello"`, written beside its host's lifeline.
type Note struct {
	Side Side
	At   time.Duration
	Text string
}

func (Segment) ladderEvent()  {}
func (Datagram) ladderEvent() {}
func (Arrival) ladderEvent()  {}
func (State) ladderEvent()    {}
func (Note) ladderEvent()     {}

// MaxEvents bounds the size of a diagram: past a few thousand events a
// ladder is no longer readable, and the drawing grows with the count.
const MaxEvents = 10000

// validate rejects what cannot be drawn, with a one-line error.
func (d *Diagram) validate() error {
	if len(d.Events) > MaxEvents {
		return fmt.Errorf("ladder: %d events is more than a ladder can show (at most %d)", len(d.Events), MaxEvents)
	}
	arrived := make(map[int]int) // segment index → its Arrival's index; only looked up
	for i, e := range d.Events {
		var side Side
		switch e := e.(type) {
		case Segment:
			if err := e.validTimes(i, "segment"); err != nil {
				return err
			}
			side = e.From
		case Datagram:
			if err := Segment(e).validTimes(i, "datagram"); err != nil {
				return err
			}
			side = e.From
		case Arrival:
			if err := d.validArrival(i, e.Of); err != nil {
				return err
			}
			if j, ok := arrived[e.Of]; ok {
				return fmt.Errorf("ladder: event %d: second arrival of event %d (first at event %d)", i, e.Of, j)
			}
			arrived[e.Of] = i
			continue
		case State:
			side = e.Side
		case Note:
			side = e.Side
		default:
			return fmt.Errorf("ladder: event %d: unknown event type %T", i, e)
		}
		if side > Right {
			return fmt.Errorf("ladder: event %d: %v is neither left nor right", i, side)
		}
	}
	return nil
}

// validTimes checks that a segment (or datagram) does not arrive, or get
// dropped, before it is sent.
func (s Segment) validTimes(i int, what string) error {
	if s.Arrived >= s.Sent {
		return nil
	}
	verb := "arrives"
	if s.Dropped {
		verb = "is dropped"
	}
	return fmt.Errorf("ladder: event %d: %s %s at %v, before it is sent at %v", i, what, verb, s.Arrived, s.Sent)
}

// validArrival checks that the Arrival at index i names an earlier
// delivered segment or datagram.
func (d *Diagram) validArrival(i, of int) error {
	if of < 0 || of >= i {
		return fmt.Errorf("ladder: event %d: arrival of event %d, which is not an earlier event", i, of)
	}
	var dropped bool
	switch e := d.Events[of].(type) {
	case Segment:
		dropped = e.Dropped
	case Datagram:
		dropped = e.Dropped
	default:
		return fmt.Errorf("ladder: event %d: arrival of event %d, which is a %T, not a segment", i, of, e)
	}
	if dropped {
		return fmt.Errorf("ladder: event %d: arrival of event %d, which was dropped", i, of)
	}
	return nil
}

// SegmentLabel formats a TCP segment the way the arrows show it: flags in
// tcpdump's notation (S, S., ., P., F., R), then seq, ack (only when the
// ACK flag is set), window and payload length, e.g.
// "S. seq 0 ack 1 win 65535 len 0".
func SegmentLabel(flags string, seq uint32, ack uint32, hasACK bool, win uint32, length int) string {
	s := flags + " seq " + strconv.FormatUint(uint64(seq), 10)
	if hasACK {
		s += " ack " + strconv.FormatUint(uint64(ack), 10)
	}
	return s + " win " + strconv.FormatUint(uint64(win), 10) + " len " + strconv.Itoa(length)
}
