package tcpstate

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// congestion is a connection's sender-side congestion state: the
// algorithm (Config.CongestionControl) and the bookkeeping of fast
// retransmit and fast recovery around it (RFC 5681 §3.2, RFC 6582). It is
// made when the connection first sends data, so an idle connection does
// not carry it.
type congestion struct {
	cc              CongestionControl
	recover         seqnum.Value // RFC 6582 "recover": SND.NXT when recovery began
	recoverSet      bool
	dupAcks         int
	fastRetransmits int
	limited         int // bytes sent by limited transmit since the last new ACK

	// With SACK (both SYNs offered it), loss recovery follows RFC 6675
	// on the scoreboard instead of NewReno's duplicate ACK counting.
	useSACK bool
	sb      Scoreboard
}

// congestionState returns the connection's congestion state, making it at
// the first call: cwnd starts at the initial window (RFC 5681 §3.1, RFC
// 6928), or one segment if the SYN or SYN-ACK had to be retransmitted
// (RFC 5681 §3.1: "the initial window used by a sender after a correctly
// transmitted SYN MUST be one segment" when it was not).
//
// A connection reused with Reset keeps the memory of its congestion state
// and initializes it again here.
func (c *Conn) congestionState() *congestion {
	if c.congReady {
		return c.cong
	}
	g := c.cong
	if g == nil || g.cc.Name() != c.cfg.CongestionControl {
		cc, err := CongestionControlByName(c.cfg.CongestionControl)
		if err != nil {
			cc = NewNewReno() // Config.check refused unknown names
		}
		g = &congestion{cc: cc}
	}
	iw := c.cfg.InitialWindow * int(c.sndMSS())
	if c.synRetried() {
		iw = int(c.sndMSS())
	}
	g.cc.Init(int(c.sndMSS()), iw)
	sb := g.sb
	*g = congestion{cc: g.cc, sb: sb, useSACK: c.sackOK}
	g.sb.Reset(c.sndUna, seqnum.Size(c.sndMSS()))
	c.cong, c.congReady = g, true
	return g
}

// flightSize is the data sent and not yet acknowledged (RFC 5681 §2).
func (c *Conn) flightSize() int { return int(c.sndUna.Size(c.sndNxt)) }

// cwndRoom is how many more bytes of new data the congestion window
// admits: "the TCP MUST NOT send data with a sequence number higher than
// the sum of the highest acknowledged sequence number and the minimum of
// cwnd and rwnd" (RFC 5681 §3.1); rwnd is checked apart. During SACK loss
// recovery what is in the network is the pipe of RFC 6675 instead.
func (c *Conn) cwndRoom() int {
	g := c.congestionState()
	if g.useSACK && g.sb.InRecovery() {
		return max(g.cc.CWnd()-int(g.sb.Pipe()), 0)
	}
	return max(g.cc.CWnd()+g.limitedTransmit()*int(c.sndMSS())-c.flightSize(), 0)
}

// limitedTransmit is how many segments of new data beyond cwnd the
// duplicate ACKs before recovery admit: "On the first and second duplicate
// ACKs received at a sender, a TCP SHOULD send a segment of previously
// unsent data" while "the total FlightSize would remain less than or equal
// to cwnd plus 2*SMSS" (RFC 5681 §3.2 step 1, RFC 3042 §2). With SACK the
// duplicates counted are those that SACK new data ("MUST NOT send new data
// unless the incoming duplicate acknowledgment contains new SACK
// information").
func (g *congestion) limitedTransmit() int {
	if g.cc.InRecovery() || g.useSACK && g.sb.InRecovery() {
		return 0
	}
	if g.useSACK {
		return min(g.sb.DupAcks(), 2)
	}
	return min(g.dupAcks, 2)
}

// noteLimited records how far FlightSize runs above cwnd after new data
// went out: the bytes limited transmit sent, which "MUST NOT be included"
// when ssthresh is set on the third duplicate ACK (RFC 5681 §3.2 step 2).
func (c *Conn) noteLimited() {
	g := c.cong
	if g.limitedTransmit() > 0 {
		g.limited = max(g.limited, c.flightSize()-g.cc.CWnd())
	}
}

// isDupAck tells whether seg is a duplicate ACK as RFC 5681 §2 defines
// it: data is outstanding, the segment carries no data and neither SYN
// nor FIN, acknowledges SND.UNA and leaves the window as it was.
func (c *Conn) isDupAck(seg *Segment) bool {
	return c.sndUna != c.sndNxt && len(seg.Payload) == 0 && seg.Flags&(SYN|FIN) == 0 &&
		seg.Ack == c.sndUna && uint32(seg.Window)<<c.sndShift == c.sndWnd
}

// onCongestionAck runs fast retransmit and fast recovery (RFC 5681 §3.2
// with RFC 6582's NewReno changes) and cwnd growth for an ACK that
// acknowledged acked bytes (0 for none), dup if it was a duplicate, with
// flight the FlightSize before it.
func (c *Conn) onCongestionAck(now time.Time, seg *Segment, acked int, dup bool, flight int) {
	if !c.congReady {
		return // no data sent yet
	}
	g := c.cong
	if g.useSACK {
		c.onSACKAck(now, seg, acked, flight)
		return
	}
	switch {
	case acked > 0 && g.cc.InRecovery():
		g.dupAcks = 0
		if !c.sndUna.LessThan(g.recover) {
			// RFC 6582 §3.2 step 3, full acknowledgment: "Exit the fast
			// recovery procedure" with cwnd deflated.
			g.cc.OnRecoveryExit(now, c.flightSize())
			return
		}
		// Partial acknowledgment: "retransmit the first unacknowledged
		// segment", deflate cwnd by the amount acknowledged.
		g.cc.OnPartialAck(now, acked)
		c.retransmitOne()
	case acked > 0:
		g.dupAcks, g.limited = 0, 0
		g.cc.OnAck(now, acked, c.rto.srtt, flight)
	case dup:
		g.dupAcks++
		switch {
		case g.cc.InRecovery():
			// RFC 5681 §3.2 step 4: "For each additional duplicate ACK
			// received (after the third), cwnd MUST be incremented by SMSS."
			g.cc.OnDupAck(now)
		case g.dupAcks == 3 && (!g.recoverSet || c.sndUna.GreaterThan(g.recover)):
			// RFC 6582 §3.2 step 2: on the third duplicate ACK, if the
			// Cumulative Acknowledgment field covers more than recover,
			// record the highest sequence number transmitted in recover,
			// set ssthresh and cwnd (RFC 5681 §3.2 steps 2-3), and
			// retransmit the lost segment.
			g.recover, g.recoverSet = c.sndNxt, true
			g.cc.OnFastRetransmit(now, flight-g.limited, 3)
			g.limited = 0
			g.fastRetransmits++
			c.retransmitOne()
		}
	}
}

// onCongestionTimeout: RFC 5681 §3.1, after a retransmission timeout
// cwnd is one segment and ssthresh is reduced; RFC 6582 §3.2 step 4
// ("After a retransmit timeout, record the highest sequence number
// transmitted in the variable recover").
func (c *Conn) onCongestionTimeout(now time.Time) {
	if !c.congReady {
		return
	}
	g := c.cong
	g.cc.OnTimeout(now, c.flightSize())
	g.recover, g.recoverSet, g.dupAcks = c.sndNxt, true, 0
	if g.useSACK {
		g.sb.OnRTO()
	}
}

// onSACKAck is the ACK processing of RFC 6675 §5 on the scoreboard: loss
// recovery starts when DupThresh duplicate ACKs have come or IsLost says
// the first unacknowledged segment is lost, and ends when RecoveryPoint is
// acknowledged; in between, segments leave while pipe < cwnd (see
// sackNext).
func (c *Conn) onSACKAck(now time.Time, seg *Segment, acked, flight int) {
	g := c.cong
	u := g.sb.Update(seg.Ack, seg.Options.SACKBlocks[:min(seg.Options.NumSACK, MaxSACKBlocks)])
	switch {
	case u.EnteredRecovery:
		// (4.2) "ssthresh = cwnd = (FlightSize / 2)" through the
		// algorithm's reduction, without NewReno's inflation; (4.3)
		// retransmit the first segment presumed lost.
		g.cc.OnFastRetransmit(now, flight-g.limited, 0)
		g.fastRetransmits++
		g.limited = 0
		c.retransmitRange(u.Retransmit.Start, u.Retransmit.End)
	case u.ExitedRecovery:
		g.cc.OnRecoveryExit(now, c.flightSize())
	case acked > 0 && !g.sb.InRecovery():
		g.limited = 0
		g.cc.OnAck(now, acked, c.rto.srtt, flight)
	}
}

// sackNext, during SACK loss recovery with room in cwnd, picks the next
// segment with NextSeg (RFC 6675 §5 step C) and sets up its
// retransmission; new data (rule 2) is left to the normal sending path.
func (c *Conn) sackNext() {
	if !c.congReady || !c.cong.useSACK || c.inRtx {
		return
	}
	g := c.cong
	if !g.sb.InRecovery() || g.cc.CWnd()-int(g.sb.Pipe()) < int(c.sndMSS()) {
		return // (C) "while (cwnd - pipe) >= 1 SMSS"
	}
	var newData seqnum.Size
	if dataEnd := c.dataEnd(); c.sndNxt.LessThan(dataEnd) {
		newData = min(c.sndNxt.Size(dataEnd), c.usableWindow())
	}
	seg, ok := g.sb.NextSeg(newData)
	if !ok || seg.Rule == RecoveryNewData || seg.Rule == RecoveryRescue {
		// New data goes by the normal path. The rescue retransmission
		// (rule 4) is left out: it may resend the tail that just left,
		// and the retransmission timer covers what it is for.
		return
	}
	g.sb.Transmitted(seg)
	c.retransmitRange(seg.Start, seg.End)
}

// validCongestionControl checks a name without making an algorithm (a
// Config is checked at every Reset, which must not allocate).
func validCongestionControl(name string) bool {
	return name == "newreno" || name == "cubic"
}

// sackSent tells the scoreboard about new data [start, end) going out:
// during recovery it counts in the pipe (RFC 6675 §5 step C.3).
func (c *Conn) sackSent(start, end seqnum.Value) {
	sb := &c.cong.sb
	if sb.InRecovery() {
		sb.Transmitted(RecoverySeg{Start: start, End: end, Rule: RecoveryNewData})
		return
	}
	sb.Sent(end)
}
