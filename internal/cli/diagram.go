package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/tcpsim/tcpsim/internal/ladder"
	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// diagram turns a recorded two-host trace into a ladder diagram: one arrow
// per segment sent (ending in an X when dropped), each host's state
// changes on its lifeline, and the application's calls and timer expiries
// as notes. Sequence numbers are relative to the ISNs, as in the table;
// learnISNs must have run.
func (l *table) diagram(events []sim.TraceEvent) ladder.Diagram {
	d := ladder.Diagram{
		Left:  l.left.Name() + " " + l.left.Addr().String(),
		Right: l.right.Name() + " " + l.right.Addr().String(),
	}
	at := func(t time.Time) time.Duration { return t.Sub(sim.Epoch()) }
	byPacket := make(map[uint64]int) // only looked up: d.Events keeps the order
	datagrams := make(map[int]bool)  // the events that are UDP datagrams
	for i := range events {
		e := &events[i]
		s := ladder.Side(l.side(e.Host))
		switch e.Kind {
		case sim.TraceSegment, sim.TraceDatagram:
			switch e.Event {
			case sim.Send, sim.Duplicate:
				byPacket[e.Packet] = len(d.Events)
				var label string
				if e.Kind == sim.TraceDatagram {
					datagrams[len(d.Events)] = true
					label = fmt.Sprintf("UDP len %d", len(e.Datagram.Payload))
				} else {
					seg := &e.Segment
					label = ladder.SegmentLabel(seg.Flags.String(), l.rel(uint32(seg.Seq), int(s)),
						l.rel(uint32(seg.Ack), 1-int(s)), seg.Flags&tcpstate.ACK != 0,
						uint32(seg.Window), len(seg.Payload))
				}
				if e.Event == sim.Duplicate {
					label += " (copy)"
				}
				d.Events = append(d.Events, &ladder.Segment{From: s, Sent: at(e.Time), Arrived: at(e.Time), Label: label})
			case sim.Recv:
				if i, ok := byPacket[e.Packet]; ok {
					d.Events[i].(*ladder.Segment).Arrived = at(e.Time)
					d.Events = append(d.Events, ladder.Arrival{Of: i})
				}
			case sim.Drop:
				if i, ok := byPacket[e.Packet]; ok {
					seg := d.Events[i].(*ladder.Segment)
					seg.Dropped, seg.Arrived, seg.Reason = true, at(e.Time), e.Reason.String()
				}
			}
		case sim.TraceState:
			d.Events = append(d.Events, ladder.State{Side: s, At: at(e.Time),
				From: e.From.String(), To: e.To.String(), Rule: e.Rule})
		case sim.TraceCall:
			text := l.callText(e)
			if l.ascii {
				text = strings.ReplaceAll(text, "→", "->")
			}
			d.Events = append(d.Events, ladder.Note{Side: s, At: at(e.Time), Text: text})
		case sim.TraceTimer:
			d.Events = append(d.Events, ladder.Note{Side: s, At: at(e.Time), Text: e.Timer.String() + " timer expires"})
		}
	}
	// The model holds segments by value; they were filled in through
	// pointers so that arrivals and drops could complete them.
	for i, ev := range d.Events {
		if seg, ok := ev.(*ladder.Segment); ok {
			if datagrams[i] {
				d.Events[i] = ladder.Datagram(*seg)
			} else {
				d.Events[i] = *seg
			}
		}
	}
	return d
}
