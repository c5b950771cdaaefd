package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// table renders a two-host trace as text that reads like a ladder
// diagram: the left host's column, the segments between, the right host's
// column. Each segment is one line, at the time it was sent, showing each
// host's state after it (the sender's after sending, the receiver's after
// processing it); application calls and timers are lines on their host's
// side; the state changes each line caused are listed under it with the
// RFC rule behind them.
type table struct {
	command     string
	left, right *sim.Host
	delay       time.Duration
	seed        uint64
	vars        bool // print the TCB variables under each line
	ascii       bool // draw the diagram with ASCII only
	udp         bool // the run is UDP only: no states, no sequence numbers

	// Learned by learnISNs.
	isn    [2]uint32
	hasISN [2]bool
	tcb    [2]*tcpstate.TCB // each side's latest snapshot, for vars
}

const (
	stateWidth  = 13 // "SYN-RECEIVED*"
	middleWidth = 52
)

type rowKind uint8

const (
	rowSegment rowKind = iota
	rowCall
	rowTimer
	rowNotes // state changes nothing else explains
)

// row is one line of the diagram and the state changes listed under it.
type row struct {
	kind       rowKind
	side       int             // the sender's side, or the call's or timer's
	first      *sim.TraceEvent // the send, call or timer
	recv, drop *sim.TraceEvent
	notes      []*sim.TraceEvent
}

func (l *table) side(h *sim.Host) int {
	if h == l.right {
		return 1
	}
	return 0
}

// rows groups the events into lines. A segment's send, recv or drop share
// its line. A state change goes under the line of its cause: the segment
// received, the timer that expired, or the application call (traced right
// after the change it made).
func (l *table) rows(events []sim.TraceEvent) []*row {
	var rows []*row
	byPacket := make(map[uint64]*row) // only looked up: rows keeps the order
	var timer [2]*row                 // each side's latest timer row
	var pending [2][]*sim.TraceEvent  // changes made by a call not yet traced
	for i := range events {
		e := &events[i]
		s := l.side(e.Host)
		switch e.Kind {
		case sim.TraceSegment, sim.TraceDatagram, sim.TraceICMP:
			r := byPacket[e.Packet]
			if r == nil {
				r = &row{kind: rowSegment, side: s, first: e}
				byPacket[e.Packet] = r
				rows = append(rows, r)
			}
			switch e.Event {
			case sim.Recv:
				r.recv = e
			case sim.Drop:
				r.drop = e
			}
		case sim.TraceState:
			switch r := byPacket[e.Packet]; {
			case e.Cause == sim.TraceSegment && r != nil:
				r.notes = append(r.notes, e)
			case e.Cause == sim.TraceTimer && timer[s] != nil:
				timer[s].notes = append(timer[s].notes, e)
			default:
				pending[s] = append(pending[s], e)
			}
		case sim.TraceCall:
			rows = append(rows, &row{kind: rowCall, side: s, first: e, notes: pending[s]})
			pending[s] = nil
		case sim.TraceTimer:
			timer[s] = &row{kind: rowTimer, side: s, first: e}
			rows = append(rows, timer[s])
		}
	}
	for s := range pending {
		if len(pending[s]) > 0 {
			rows = append(rows, &row{kind: rowNotes, side: s, first: pending[s][0], notes: pending[s]})
		}
	}
	return rows
}

// write renders the events.
func (l *table) write(w io.Writer, events []sim.TraceEvent) error {
	var b strings.Builder
	b.WriteString(l.header(events))
	for _, r := range l.rows(events) {
		l.writeRow(&b, r)
	}
	l.writeSummary(&b, events)
	_, err := io.WriteString(w, b.String())
	return err
}

// learnISNs finds each side's ISN: the sequence number of its first SYN.
// It also notes whether the run was UDP only.
func (l *table) learnISNs(events []sim.TraceEvent) {
	segments, datagrams := false, false
	defer func() { l.udp = datagrams && !segments }()
	for i := range events {
		e := &events[i]
		segments = segments || e.Kind == sim.TraceSegment
		datagrams = datagrams || e.Kind == sim.TraceDatagram
		s := l.side(e.Host)
		if e.Kind == sim.TraceSegment && e.Event == sim.Send && e.Segment.Flags&tcpstate.SYN != 0 && !l.hasISN[s] {
			l.isn[s], l.hasISN[s] = uint32(e.Segment.Seq), true
		}
	}
}

// header returns the lines above the table. learnISNs must have run.
func (l *table) header(events []sim.TraceEvent) string {
	var addr [2]string
	for i := range events {
		e := &events[i]
		if s := l.side(e.Host); e.Kind == sim.TraceCall && addr[s] == "" {
			addr[s] = e.Local.String()
		}
	}
	for s, h := range [2]*sim.Host{l.left, l.right} {
		if addr[s] == "" { // it made no call: its address, at least
			addr[s] = h.Addr().String()
		}
	}
	var b strings.Builder
	names := [2]string{l.left.Name(), l.right.Name()}
	fmt.Fprintf(&b, "%s: %s %s → %s %s, one-way delay %v, seed %d\n",
		l.command, names[0], addr[0], names[1], addr[1], l.delay, l.seed)
	if l.udp {
		b.WriteString("UDP (RFC 768) has no connection: no states, no sequence numbers, no acknowledgments.\n")
		b.WriteString("Each line is a datagram, with the time it arrived, or an application call.\n")
		fmt.Fprintf(&b, "\n%8s  %-*s  %-*s  %-*s  %s\n", "time", stateWidth, names[0], middleWidth, "", stateWidth, names[1], "arrives")
		return b.String()
	}
	fmt.Fprintf(&b, "ISNs: %s %s, %s %s. seq and ack are relative to them, as in Wireshark (-o json has absolute numbers).\n",
		names[0], isnText(l.isn[0], l.hasISN[0]), names[1], isnText(l.isn[1], l.hasISN[1]))
	b.WriteString("Flags as tcpdump prints them: S SYN, . ACK, P PSH, F FIN, R RST. win: the window field as sent; len: bytes of data.\n")
	b.WriteString("A host's state is the one after the line (the sender's after sending, the receiver's after processing);\n")
	b.WriteString("* marks a change, explained under the line with the RFC rule that made it.\n")
	if l.vars {
		b.WriteString("Under each line, each host's send and receive variables after it (RFC 9293 §3.3.1), relative like seq and ack.\n")
	}
	fmt.Fprintf(&b, "\n%8s  %-*s  %-*s  %-*s  %s\n", "time", stateWidth, names[0], middleWidth, "", stateWidth, names[1], "arrives  options")
	return b.String()
}

// rel makes a sequence number of side s relative to its ISN.
func (l *table) rel(v uint32, s int) uint32 {
	if l.hasISN[s] {
		return v - l.isn[s]
	}
	return v
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func isnText(v uint32, ok bool) string {
	if !ok {
		return "none (it sent no SYN)"
	}
	return strconv.FormatUint(uint64(v), 10)
}

func (l *table) writeRow(b *strings.Builder, r *row) {
	rel := l.rel
	// A side the line changed shows the state its last change led to.
	var changed [2]bool
	var after [2]tcpstate.State
	for _, n := range r.notes {
		s := l.side(n.Host)
		changed[s], after[s] = true, n.To
	}
	stateText := func(e *sim.TraceEvent, s int) string {
		if changed[s] {
			return after[s].String() + "*"
		}
		if e.HasTCB {
			return e.TCB.State.String()
		}
		if l.udp {
			return "" // UDP has no connection state
		}
		return tcpstate.Closed.String() // no connection: CLOSED (RFC 9293 §3.10.7.1)
	}
	var cols [2]string
	var middle, extra string
	switch r.kind {
	case rowSegment:
		s := r.side
		cols[s] = stateText(r.first, s)
		seg := &r.first.Segment
		var body string
		switch r.first.Kind {
		case sim.TraceDatagram:
			// UDP has no state: its columns show the protocol instead.
			cols[s] = "UDP"
			d := &r.first.Datagram
			body = fmt.Sprintf("UDP %d > %d len %d", d.Src.Port(), d.Dst.Port(), len(d.Payload))
		case sim.TraceICMP:
			cols[s] = "ICMP"
			body = "ICMP " + r.first.ICMP.String()
		default:
			ack := ""
			if seg.Flags&tcpstate.ACK != 0 {
				ack = strconv.FormatUint(uint64(rel(uint32(seg.Ack), 1-s)), 10)
			}
			body = fmt.Sprintf("%-3s seq %-6d ack %-6s win %-5d len %d",
				seg.Flags, rel(uint32(seg.Seq), s), ack, seg.Window, len(seg.Payload))
		}
		if r.first.Event == sim.Duplicate {
			body += fmt.Sprintf(" (copy of #%d)", r.first.Original)
		}
		middle = arrow(body, s == 0)
		switch {
		case r.recv != nil && r.first.Kind != sim.TraceSegment:
			cols[1-s] = cols[s]
			extra = fmt.Sprintf("%7s", seconds(r.recv.Time))
		case r.recv != nil:
			cols[1-s] = stateText(r.recv, 1-s)
			extra = fmt.Sprintf("%7s", seconds(r.recv.Time))
			if r.recv.Verdict != tcpstate.Accepted {
				extra += " [" + r.recv.Verdict.String() + "]"
			}
		case r.drop != nil:
			extra = "dropped (" + r.drop.Reason.String() + ")"
		default:
			extra = "in flight"
		}
		if r.first.Kind == sim.TraceSegment && !seg.Options.IsZero() {
			extra += "  " + seg.Options.String()
		}
	case rowCall, rowTimer:
		cols[r.side] = stateText(r.first, r.side)
		text := l.callText(r.first)
		if r.kind == rowTimer {
			text = r.first.Timer.String() + " timer expires"
		}
		if r.side == 0 {
			middle = text
		} else {
			middle = strings.Repeat(" ", max(middleWidth-utf8.RuneCountInString(text), 0)) + text
		}
	}
	line := fmt.Sprintf("%8s  %-*s  %s  %-*s  %s", seconds(r.first.Time), stateWidth, cols[0],
		pad(middle, middleWidth), stateWidth, cols[1], extra)
	b.WriteString(strings.TrimRight(line, " "))
	b.WriteByte('\n')
	indent := strings.Repeat(" ", 8+2+stateWidth+2)
	for _, n := range r.notes {
		fmt.Fprintf(b, "%s↳ %s %v → %v (%s)\n", indent, n.Host.Name(), n.From, n.To, n.Rule)
	}
	if l.vars {
		l.writeVars(b, r, indent)
	}
}

// writeVars prints, for each host with a connection, its TCB variables
// after the line: SND.UNA, SND.NXT, SND.WND, RCV.NXT, RCV.WND (RFC 9293
// §3.3.1), sequence numbers relative to the ISNs.
func (l *table) writeVars(b *strings.Builder, r *row, indent string) {
	take := func(e *sim.TraceEvent) {
		if e != nil && e.HasTCB {
			t := e.TCB
			l.tcb[l.side(e.Host)] = &t
		}
	}
	take(r.first)
	for _, n := range r.notes {
		take(n)
	}
	take(r.recv)
	names := [2]string{l.left.Name(), l.right.Name()}
	for s, t := range l.tcb {
		if t == nil || t.State == tcpstate.Listen || (t.State == tcpstate.Closed && t.ISS == 0) {
			continue
		}
		rcvNxt := "-" // not known before the peer's SYN
		if t.State != tcpstate.SynSent {
			rcvNxt = strconv.FormatUint(uint64(l.rel(uint32(t.RcvNxt), 1-s)), 10)
		}
		fmt.Fprintf(b, "%s  %-6s SND.UNA %-6d SND.NXT %-6d SND.WND %-6d RCV.NXT %-6s RCV.WND %d\n",
			indent, names[s], l.rel(uint32(t.SndUna), s), l.rel(uint32(t.SndNxt), s), t.SndWnd,
			rcvNxt, t.RcvWnd)
	}
}

// arrow draws a segment between the columns, pointing at the receiver.
func arrow(body string, rightward bool) string {
	fill := strings.Repeat("─", max(middleWidth-utf8.RuneCountInString(body)-5, 1))
	if rightward {
		return "── " + body + " " + fill + "▶"
	}
	return "◀" + fill + " " + body + " ──"
}

// callText describes an application call and its result.
func (l *table) callText(e *sim.TraceEvent) string {
	if l.udp && e.Call == sim.CallClose {
		return "close → " + e.Result() // a UDP socket, not a listener
	}
	return callText(e)
}

func callText(e *sim.TraceEvent) string {
	res := e.Result()
	switch e.Call {
	case sim.CallListen:
		return fmt.Sprintf("listen :%d → %s", e.Local.Port(), res)
	case sim.CallConnect:
		return fmt.Sprintf("connect %v → %s", e.Remote, res)
	case sim.CallAccept:
		return fmt.Sprintf("accept %v → %s", e.Remote, res)
	case sim.CallSend:
		if e.Err != nil {
			return fmt.Sprintf("send → %s", res)
		}
		return fmt.Sprintf("send %s → %d bytes", quote(e.Data), e.N)
	case sim.CallRecv:
		if e.Err != nil {
			return fmt.Sprintf("recv → %s", res)
		}
		return fmt.Sprintf("recv → %s (%d bytes)", quote(e.Data), e.N)
	case sim.CallClose:
		if !e.Remote.IsValid() {
			return fmt.Sprintf("close listener :%d → %s", e.Local.Port(), res)
		}
		return "close → " + res
	}
	return e.Call.String() + " → " + res
}

// quote shows data as a Go string literal, shortened past 24 bytes.
func quote(p []byte) string {
	if len(p) > 24 {
		return strconv.Quote(string(p[:24])) + "…"
	}
	return strconv.Quote(string(p))
}

func seconds(t time.Time) string {
	return fmt.Sprintf("%.3fs", t.Sub(sim.Epoch()).Seconds())
}

func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(width-utf8.RuneCountInString(s), 0))
}

// writeSummary tells how the run ended: segments, final states, and the
// time each host spent in TIME-WAIT.
func (l *table) writeSummary(b *strings.Builder, events []sim.TraceEvent) {
	var sent, dropped, datagrams, datagramsLost int
	final := [2]tcpstate.State{}
	twStart := map[*sim.Host]time.Time{}
	var tw []string
	for i := range events {
		e := &events[i]
		if e.HasTCB {
			final[l.side(e.Host)] = e.TCB.State
		}
		switch {
		case e.Kind == sim.TraceSegment && e.Event == sim.Send:
			sent++
		case e.Kind == sim.TraceSegment && e.Event == sim.Drop:
			dropped++
		case e.Kind == sim.TraceDatagram && e.Event == sim.Send:
			datagrams++
		case e.Kind == sim.TraceDatagram && e.Event == sim.Drop:
			datagramsLost++
		case e.Kind == sim.TraceState && e.To == tcpstate.TimeWait:
			twStart[e.Host] = e.Time
		case e.Kind == sim.TraceState && e.From == tcpstate.TimeWait:
			start := twStart[e.Host]
			tw = append(tw, fmt.Sprintf("%s was in TIME-WAIT for %v, from %s to %s",
				e.Host.Name(), e.Time.Sub(start), seconds(start), seconds(e.Time)))
		}
	}
	if sent > 0 {
		fmt.Fprintf(b, "\n%d segments sent, %d dropped. Final states: %s %v, %s %v.\n",
			sent, dropped, l.left.Name(), final[0], l.right.Name(), final[1])
	}
	if datagrams > 0 {
		fmt.Fprintf(b, "\n%d datagram%s sent, %d lost. UDP keeps no connection: nothing was opened, acknowledged,\n",
			datagrams, plural(datagrams), datagramsLost)
		b.WriteString("sent again or closed (RFC 768); a lost datagram is simply gone.\n")
	}
	for _, t := range tw {
		b.WriteString(t + ": 2×MSL, to be sure the peer got the last ACK and that delayed\n")
		b.WriteString("segments of this connection die out before its 4-tuple is used again (RFC 9293 §3.3.2).\n")
	}
}
