package cli

import (
	"fmt"
	"strings"

	"github.com/tcpsim/tcpsim/capture"
	"github.com/tcpsim/tcpsim/sim"
)

// writeCapture writes every segment and datagram sent in a recorded run
// to f (ICMP messages are left out), as a
// capture taken at the sender would see it: each transmission once, at the
// time it left, including those the link then lost. In pcapng each packet
// carries a comment saying what became of it: the state changes its
// arrival caused, the receiver's verdict when it was not accepted, or why
// it was dropped.
func writeCapture(f *capture.File, events []sim.TraceEvent) error {
	fate := make(map[uint64][]string) // only looked up: events keep the order
	for i := range events {
		e := &events[i]
		switch {
		case (e.Kind == sim.TraceSegment || e.Kind == sim.TraceDatagram) && e.Event == sim.Drop:
			fate[e.Packet] = append(fate[e.Packet], "dropped by "+dropPlace(e)+": "+e.Reason.String())
		case e.Kind == sim.TraceSegment && e.Event == sim.Recv && e.Verdict.String() != "accepted":
			fate[e.Packet] = append(fate[e.Packet], fmt.Sprintf("%s: %s", e.Host.Name(), e.Verdict))
		case e.Kind == sim.TraceState && e.Cause == sim.TraceSegment:
			fate[e.Packet] = append(fate[e.Packet], fmt.Sprintf("%s %v -> %v", e.Host.Name(), e.From, e.To))
		}
	}
	for i := range events {
		e := &events[i]
		comment := strings.Join(fate[e.Packet], "; ")
		if e.Event == sim.Duplicate {
			comment = strings.TrimPrefix(fmt.Sprintf("%s; duplicated by link (copy of packet %d)", comment, e.Original), "; ")
		}
		switch {
		case e.Kind == sim.TraceSegment && (e.Event == sim.Send || e.Event == sim.Duplicate):
			f.WriteSegment(e.Time, e.Segment, comment)
		case e.Kind == sim.TraceDatagram && (e.Event == sim.Send || e.Event == sim.Duplicate):
			d := &e.Datagram
			f.WriteDatagram(e.Time, d.Src, d.Dst, d.Payload, comment)
		}
	}
	return f.Close()
}

// dropPlace says where a segment was lost: on the link, or at the host
// that refused it.
func dropPlace(e *sim.TraceEvent) string {
	if e.Segment.Dst.Addr() == e.Host.Addr() {
		return e.Host.Name()
	}
	return "link"
}
