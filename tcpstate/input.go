package tcpstate

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// HandleSegment processes one arriving segment (RFC 9293 §3.10.7) and says
// what it did with it. Replies are queued for Poll; nothing is sent here.
// The segment must be addressed to this connection: demultiplexing by
// 4-tuple is the driver's job.
func (c *Conn) HandleSegment(now time.Time, seg Segment) Verdict {
	from := c.state
	c.deferring = c.cfg.Trace != nil
	in := seg // the handlers may trim their copy; the trace shows seg as it came
	var v Verdict
	switch c.state {
	case Closed:
		v = c.inClosed(&in)
	case Listen:
		v = c.inListen(now, &in)
	case SynSent:
		v = c.inSynSent(now, &in)
	default:
		v = c.inSynchronized(now, &in)
		c.armKeepalive(now) // something was received: the connection is not idle
	}
	if c.deferring {
		c.deferring = false
		c.trace(now, TraceEvent{Kind: TraceSegmentIn, Segment: seg, Verdict: v, From: from, To: c.state})
		if x := c.aux; x != nil {
			for _, ev := range x.deferred {
				c.cfg.Trace(ev)
			}
			x.deferred = x.deferred[:0]
		}
	}
	return v
}

// ResetFor returns the reset that answers seg when no connection exists
// for it (RFC 9293 §3.10.7.1, "If the state is CLOSED"), and false when
// seg is itself a reset, which is never answered:
//
//	ACK off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
//	ACK on:  <SEQ=SEG.ACK><CTL=RST>
func ResetFor(seg *Segment) (Segment, bool) {
	if seg.Flags&RST != 0 {
		return Segment{}, false
	}
	r := Segment{Src: seg.Dst, Dst: seg.Src, Flags: RST}
	if seg.Flags&ACK != 0 {
		r.Seq = seg.Ack
	} else {
		r.Ack = seg.End()
		r.Flags |= ACK
	}
	return r, true
}

// reply queues a segment that is not part of this connection's sequence
// space (a reset answering a stray segment). If the queue is full the reply
// is dropped, as a busy host would.
func (c *Conn) reply(r *Segment) {
	if q := &c.extra().replies; q.n < len(q.r) {
		q.r[q.n] = reply{src: r.Src, dst: r.Dst, seq: r.Seq, ack: r.Ack, flags: r.Flags}
		q.n++
	}
}

// resetAt queues <SEQ=SEG.ACK><CTL=RST> for seg.
func (c *Conn) resetAt(seg *Segment) {
	c.reply(&Segment{Src: seg.Dst, Dst: seg.Src, Seq: seg.Ack, Flags: RST})
}

// inClosed: RFC 9293 §3.10.7.1. "all data in the incoming segment is
// discarded. An incoming segment containing a RST is discarded. An
// incoming segment not containing a RST causes a RST to be sent."
func (c *Conn) inClosed(seg *Segment) Verdict {
	r, ok := ResetFor(seg)
	if !ok {
		return DroppedRST
	}
	c.reply(&r)
	return AnsweredRST
}

// inListen: RFC 9293 §3.10.7.2.
func (c *Conn) inListen(now time.Time, seg *Segment) Verdict {
	switch {
	case seg.Flags&RST != 0:
		// "First, check for a RST: An incoming RST segment could not be
		// valid since it could not have been sent in response to anything
		// sent by this incarnation of the connection. ... should be ignored."
		return DroppedRST
	case seg.Flags&ACK != 0:
		// "Second, check for an ACK: Any acknowledgment is bad if it
		// arrives on a connection still in the LISTEN state. An acceptable
		// reset segment should be formed for any arriving ACK-bearing
		// segment. The RST should be formatted as follows: <SEQ=SEG.ACK><CTL=RST>"
		c.resetAt(seg)
		return AnsweredRST
	case seg.Flags&SYN == 0:
		// "Fourth, other data or control: ... drop the segment and return."
		return Dropped
	}
	// "Third, check for a SYN: ... Set RCV.NXT to SEG.SEQ+1, IRS is set to
	// SEG.SEQ, and any other control or text should be queued for
	// processing later. ISS should be selected and a SYN segment sent of
	// the form: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. SND.NXT is set to
	// ISS+1 and SND.UNA to ISS. The connection state should be changed to
	// SYN-RECEIVED."
	// Data carried on the SYN is not acknowledged here; the peer sends it
	// again once the connection is established (as Linux does without
	// TCP Fast Open).
	c.passive = true
	c.remote = seg.Src
	if c.local.Addr().IsUnspecified() {
		c.local = seg.Dst
	}
	c.initSend(now)
	c.initReceive(seg)
	c.setState(now, SynReceived, "RFC 9293 §3.10.7.2: SYN in LISTEN, SYN-ACK queued")
	return Accepted
}

// initReceive takes what a SYN tells: IRS, RCV.NXT, the peer's window and
// its options (RFC 9293 §3.10.7.2 and §3.10.7.3).
func (c *Conn) initReceive(seg *Segment) {
	c.irs = seg.Seq
	c.rcvNxt = seg.Seq.Add(1)
	c.lastAckSent = c.rcvNxt
	// RFC 7323 §2.2: "The window field in a segment where the SYN bit is
	// set (i.e., a <SYN> or <SYN,ACK>) MUST NOT be scaled."
	c.takeWindow(seg, uint32(seg.Window))
	c.negotiate(&seg.Options)
	// After negotiate: the SYN-ACK's window may depend on the options.
	c.rcvAdv = c.rcvNxt.Add(seqnum.Size(c.synWindow()))
}

// negotiate settles the options from the peer's SYN against our own.
func (c *Conn) negotiate(o *Options) {
	// RFC 9293 §3.7.1: without an MSS option, assume 536 for IPv4 or
	// 1220 for IPv6 (MUST-15).
	switch {
	case o.HasMSS && o.MSS > 0:
		c.peerMSS = o.MSS
	case c.ipHeaderLen() == 20:
		c.peerMSS = 536
	default:
		c.peerMSS = 1220
	}
	// RFC 7323 §2.2-2.3: scaling is used only when both SYNs carry the
	// option; a shift above 14 is taken as 14.
	c.wscaleOK = c.cfg.WindowScale && o.HasWindowScale
	if c.wscaleOK {
		c.sndShift = min(o.WindowScale, MaxWindowShift)
	} else {
		c.sndShift, c.rcvShift = 0, 0
	}
	// RFC 2018 §2: SACK-permitted on both SYNs.
	c.sackOK = c.cfg.SACKPermitted && o.SACKPermitted
	// RFC 7323 §3.2: timestamps when both SYNs carry TSopt.
	c.tsOK = c.cfg.Timestamps && o.HasTimestamps
	if c.tsOK {
		c.tsRecent, c.tsRecentAt = o.TSVal, c.tsEpoch // the SYN came now: the open's time
	}
}

// inSynSent: RFC 9293 §3.10.7.3.
func (c *Conn) inSynSent(now time.Time, seg *Segment) Verdict {
	ackOK := false
	if seg.Flags&ACK != 0 {
		// "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless
		// the RST bit is set, if so drop the segment and return)
		// <SEQ=SEG.ACK><CTL=RST> and discard the segment. Return."
		if seg.Ack.LessThanEq(c.iss) || seg.Ack.GreaterThan(c.sndNxt) {
			if seg.Flags&RST != 0 {
				return DroppedRST
			}
			c.resetAt(seg)
			return AnsweredRST
		}
		// "If SND.UNA < SEG.ACK =< SND.NXT, then the ACK is acceptable."
		ackOK = c.sndUna.LessThan(seg.Ack)
	}
	if seg.Flags&RST != 0 {
		// RFC 5961 §3.2 (as RFC 9293 adopts it): in SYN-SENT a RST is
		// acceptable if its ACK field acknowledges the SYN. "If the ACK
		// was acceptable, then signal to the user 'error: connection
		// reset', drop the segment, enter CLOSED state ... Otherwise (no
		// ACK), drop the segment and return."
		if !ackOK {
			return DroppedRST
		}
		c.fail(now, ErrRefused, "RFC 9293 §3.10.7.3: RST acknowledging our SYN (connection refused)")
		return Reset
	}
	if seg.Flags&SYN == 0 {
		// "If neither of the SYN or RST bits is set, then drop the
		// segment and return."
		return Dropped
	}
	c.initReceive(seg)
	if !ackOK {
		// Simultaneous open: "Otherwise, enter SYN-RECEIVED, form a SYN,ACK
		// segment <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and send it." Its
		// text waits for ESTABLISHED; here it is dropped and will be
		// retransmitted by the peer.
		c.setState(now, SynReceived, "RFC 9293 §3.10.7.3: SYN without ACK in SYN-SENT (simultaneous open)")
		c.retransmitFrom(c.iss)
		return Accepted
	}
	// "If SND.UNA > ISS (our SYN has been ACKed), change the connection
	// state to ESTABLISHED, form an ACK segment <SEQ=SND.NXT><ACK=RCV.NXT>
	// <CTL=ACK> and send it."
	c.ackSent(now, seg)
	c.setState(now, Established, "RFC 9293 §3.10.7.3: SYN-ACK acknowledges our SYN")
	c.rfc6298SynRule()
	c.ackPending = true
	// "If there are other controls or text in the segment, then continue
	// processing at the sixth step under Section 3.10.7.4."
	return c.processText(now, seg)
}

// rfc6298SynRule: RFC 6298 §5.7, "If the timer expires awaiting the ACK of
// a SYN segment and the TCP implementation is using an RTO less than 3
// seconds, the RTO MUST be re-initialized to 3 seconds when data
// transmission begins."
//
// "Using an RTO less than 3 seconds" refers to the initial RTO (RFC 6298
// lowered it from 3 s to 1 s); the RTO backed off during the handshake is
// replaced by 3 s too.
func (c *Conn) rfc6298SynRule() {
	if c.synRetried() && !c.rto.measured && c.cfg.InitialRTO < 3*time.Second {
		c.rto.rto = 3 * time.Second
	}
}
