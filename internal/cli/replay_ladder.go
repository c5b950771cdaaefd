package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/tcpsim/tcpsim/capture"
	"github.com/tcpsim/tcpsim/internal/ladder"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// streamLadder builds the ladder diagram of one connection of a capture,
// the same drawing as tcpsim handshake's: the client on the left, the
// server on the right, an arrow per segment and each end's state changes
// on its lifeline. A capture sees each segment once, at one point: the
// arrows are drawn flat, at the time the capture saw them.
type streamLadder struct {
	stream  int
	d       ladder.Diagram
	first   time.Duration // when the capture first saw the connection
	last    [2]tcpstate.State
	started bool
	tooMany bool // more events than a ladder shows
}

// add draws one segment of the capture; segments of other streams, and
// every call on a nil ladder, are ignored.
func (l *streamLadder) add(p *capture.Packet, si capture.SegmentInfo) {
	if l == nil || si.Stream != l.stream || l.tooMany {
		return
	}
	if len(l.d.Events) > ladder.MaxEvents-3 {
		l.tooMany = true
		return
	}
	seg := &p.Segment
	from := ladder.Left
	if si.FromServer {
		from = ladder.Right
	}
	at := si.At - l.first
	if !l.started {
		l.started, l.first, at = true, si.At, 0
		// Before the first segment: a SYN finds the client CLOSED and
		// the server in LISTEN; without one, the capture starts in the
		// middle and both are taken to be ESTABLISHED.
		l.last = [2]tcpstate.State{tcpstate.Closed, tcpstate.Listen}
		if seg.Flags&(tcpstate.SYN|tcpstate.ACK) != tcpstate.SYN {
			l.last = [2]tcpstate.State{tcpstate.Established, tcpstate.Established}
			for _, s := range []ladder.Side{ladder.Left, ladder.Right} {
				l.d.Events = append(l.d.Events, ladder.Note{Side: s, Text: "ESTABLISHED before the capture"})
			}
		}
	}
	label := ladder.SegmentLabel(seg.Flags.String(), si.RelSeq, si.RelAck, seg.Flags&tcpstate.ACK != 0, si.Window, p.Len)
	if si.Anomaly != 0 {
		label += " [" + strings.ReplaceAll(si.Anomaly.String(), "|", ", ") + "]"
	}
	l.d.Events = append(l.d.Events, ladder.Segment{From: from, Sent: at, Arrived: at, Label: label})
	for side, now := range [2]tcpstate.State{si.ClientState, si.ServerState} {
		if now != l.last[side] {
			l.d.Events = append(l.d.Events, ladder.State{Side: ladder.Side(side), At: at,
				From: l.last[side].String(), To: now.String(), Rule: "as the segments show"})
			l.last[side] = now
		}
	}
}

// write draws the ladder of conversation c into f.
func (l *streamLadder) write(f *outputFile, c *capture.Conversation) error {
	if l.tooMany {
		return fmt.Errorf("--svg: stream %d has too many segments for a ladder diagram (it shows at most %d events)",
			l.stream, ladder.MaxEvents)
	}
	l.d.Left, l.d.Right = "client "+c.Client.String(), "server "+c.Server.String()
	return f.commit(l.d.WriteSVG)
}
