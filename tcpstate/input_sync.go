package tcpstate

import (
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// inSynchronized handles a segment in SYN-RECEIVED and every later state:
// RFC 9293 §3.10.7.4, "Otherwise", with its checks in the RFC's order.
func (c *Conn) inSynchronized(now time.Time, seg *Segment) Verdict {
	// RFC 7323 §3.2: once both SYNs carried TSopt, "If a non-<RST> segment
	// is received without a TSopt, a TCP SHOULD silently drop the segment."
	if c.tsOK && seg.Flags&RST == 0 && !seg.Options.HasTimestamps {
		return Dropped
	}

	if c.isSimultaneousSynAck(seg) {
		return c.simultaneousSynAck(now, seg)
	}

	// RFC 7323 §5.3 R1, before the sequence number check: "If there is a
	// Timestamps option in the arriving segment, SEG.TSval < TS.Recent,
	// TS.Recent is valid (see later discussion), and the RST bit is not
	// set, then treat the arriving segment as not acceptable".
	if c.pawsRejects(now, seg) {
		if seg.Len() > 0 || !c.throttled(now) {
			c.ackPending = true
		}
		return DroppedPAWS
	}

	// First, check the sequence number.
	ok, controlOnly := c.acceptable(seg)
	if !ok {
		// "If an incoming segment is not acceptable, an acknowledgment
		// should be sent in reply (unless the RST bit is set, if so drop
		// the segment and return)."
		switch {
		case seg.Flags&RST != 0:
			return DroppedRST
		case c.state == TimeWait && seg.Flags&FIN != 0 && seg.End() == c.rcvNxt:
			// §3.10.7.4 eighth check, TIME-WAIT: "Remain in the TIME-WAIT
			// state. Restart the 2 MSL time-wait timeout." The retransmitted
			// FIN lies just below RCV.NXT, so it is only seen here.
			c.setTimer(TimerTimeWait, now.Add(2*c.cfg.MSL))
		case c.state == SynReceived && seg.Flags&(SYN|ACK) == SYN && seg.Seq == c.irs:
			// The peer sent its SYN again: our SYN-ACK was lost. The
			// acknowledgment it needs is the SYN-ACK itself, since a peer
			// in SYN-SENT drops a bare ACK (§3.10.7.3, fifth step). Linux
			// answers the same way.
			c.retransmitFrom(c.iss)
			return DroppedUnacceptable
		case seg.Len() == 0 && c.throttled(now):
			return DroppedUnacceptable
		}
		c.ackPending = true
		return DroppedUnacceptable
	}
	c.updateTSRecent(now, seg)

	// Second, check the RST bit (RFC 5961 §3.2 as adopted by RFC 9293).
	if seg.Flags&RST != 0 {
		return c.inRST(now, seg)
	}

	// Third, security and compartment: not implemented (RFC 9293 §3.9.1
	// makes it optional).

	// Fourth, check the SYN bit.
	if seg.Flags&SYN != 0 {
		if c.state == SynReceived && c.passive {
			// "If the SYN bit is set in SYN-RECEIVED state and the
			// connection was initiated with a passive OPEN, then return
			// this connection to the LISTEN state and return."
			c.returnToListen(now, "RFC 9293 §3.10.7.4: SYN in SYN-RECEIVED (passive OPEN)")
			return ReturnedToListen
		}
		// RFC 5961 §4.2: "the TCP MUST send an ACK (challenge ACK) to
		// the remote peer: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>" and drop
		// the segment.
		c.ackPending = true
		return ChallengeACK
	}

	// Fifth, check the ACK field.
	if seg.Flags&ACK == 0 {
		// "if the ACK bit is off, drop the segment and return"
		return DroppedNoACK
	}
	// RFC 5961 §5.2, adopted by RFC 9293 before the per-state processing:
	// "the ACK value is acceptable only if it is in the range of ((SND.UNA
	// - MAX.SND.WND) =< SEG.ACK =< SND.NXT). All incoming segments whose
	// ACK value doesn't satisfy the above condition MUST be discarded and
	// an ACK sent back." This includes "If the ACK acks something not yet
	// sent (SEG.ACK > SND.NXT), then send an ACK, drop the segment, and
	// return."
	if !seg.Ack.InRange(c.sndUna.Sub(seqnum.Size(c.maxSndWnd)), c.sndNxt.Add(1)) {
		c.ackPending = true
		return DroppedUnacceptableACK
	}
	c.probesOut = 0 // the peer answers: keep probing as long as it does (RFC 1122 §4.2.2.17)
	if c.state == SynReceived {
		// "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED state
		// and continue processing with the variables below set to:
		// SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK.
		// If the segment acknowledgment is not acceptable, form a reset
		// segment <SEQ=SEG.ACK><CTL=RST> and send it."
		if !seg.Ack.InRange(c.sndUna.Add(1), c.sndNxt.Add(1)) {
			c.resetAt(seg)
			return AnsweredRST
		}
		c.takeWindow(seg, uint32(seg.Window)<<c.sndShift)
		c.enterEstablished(now, "RFC 9293 §3.10.7.4: ACK of our SYN in SYN-RECEIVED")
	}
	dup, flight, una := c.isDupAck(seg), c.flightSize(), c.sndUna
	c.ackSent(now, seg)
	c.updateSendWindow(seg)
	c.onCongestionAck(now, seg, int(una.Size(c.sndUna)), dup, flight)
	finAcked := c.finSent && c.sndUna == c.finSeq.Add(1)
	switch c.state {
	case FinWait1:
		// "In addition to the processing for the ESTABLISHED state, if the
		// FIN segment is now acknowledged, then enter FIN-WAIT-2."
		if finAcked {
			c.setState(now, FinWait2, "RFC 9293 §3.10.7.4: our FIN acknowledged in FIN-WAIT-1")
		}
	case Closing:
		// "if the ACK acknowledges our FIN, then enter the TIME-WAIT
		// state; otherwise, ignore the segment."
		if finAcked {
			c.setState(now, TimeWait, "RFC 9293 §3.10.7.4: our FIN acknowledged in CLOSING")
		}
		return Accepted
	case LastAck:
		// "The only thing that can arrive in this state is an
		// acknowledgment of our FIN. If our FIN is now acknowledged,
		// delete the TCB, enter the CLOSED state, and return."
		if finAcked {
			c.setState(now, Closed, "RFC 9293 §3.10.7.4: our FIN acknowledged in LAST-ACK")
		}
		return Accepted
	}

	// Sixth, check the URG bit: the urgent pointer is not implemented; URG
	// data is delivered in line as ordinary data (RFC 6093 §5 recommends
	// that new applications not use it).

	if controlOnly {
		// The window is zero: the ACK and control bits were honoured, the
		// text and FIN cannot be taken (§3.10.7.4: "special allowance
		// should be made to accept valid ACKs, URGs, and RSTs").
		c.ackPending = true
		return DataOutsideWindow
	}

	// Seventh and eighth: segment text, then the FIN bit.
	return c.processText(now, seg)
}

// throttled reports whether an ACK answering an unacceptable bare ACK must
// be held back, and otherwise notes that one is sent now (RFC 5961 §7).
// Only bare ACKs are throttled: they are what two ends trade in an ACK
// war, since the answer is itself a bare ACK.
func (c *Conn) throttled(now time.Time) bool {
	if c.cfg.InvalidACKInterval == 0 {
		return false
	}
	aux := c.extra() // rarely needed: most connections never see an unacceptable ACK
	if aux.lastInvalidACK != 0 && time.Duration(instantOf(now)-aux.lastInvalidACK) < c.cfg.InvalidACKInterval {
		return true
	}
	aux.lastInvalidACK = instantOf(now)
	return false
}

// acceptable is the sequence number test of RFC 9293 §3.10.7.4 "First":
//
//	Segment Length  Receive Window  Test
//	0               0               SEG.SEQ = RCV.NXT
//	0               >0              RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
//	>0              0               not acceptable
//	>0              >0              RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
//	                                or RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND
//
// "If the RCV.WND is zero, no segments will be acceptable, but special
// allowance should be made to accept valid ACKs, URGs, and RSTs": a
// segment with text starting exactly at RCV.NXT into a zero window is let
// through with controlOnly set, so its ACK and control bits count while
// its text and FIN are left out.
//
// One departure, for zero-length segments: SEG.SEQ = RCV.NXT+RCV.WND is
// accepted too. A peer that has filled our window sends its ACKs with
// SEQ=SND.NXT, exactly our right edge; refusing them answers each with an
// ACK, and when both ends have filled each other's window the two trade
// ACKs for ever. RFC 9293 Appendix A.2 notes that the validation rules can
// "prevent ACK fields from being processed" in such cases and leaves the
// mitigation to implementations; Linux and the BSDs accept the edge.
func (c *Conn) acceptable(seg *Segment) (ok, controlOnly bool) {
	wnd := c.rcvNxt.Size(c.rcvAdv)
	n := seg.Len()
	switch {
	case n == 0 && wnd == 0:
		return seg.Seq == c.rcvNxt, false
	case n == 0:
		return seg.Seq.InWindow(c.rcvNxt, wnd+1), false
	case wnd == 0:
		return seg.Seq == c.rcvNxt, true
	}
	return seg.Seq.InWindow(c.rcvNxt, wnd) || seg.Seq.Add(n-1).InWindow(c.rcvNxt, wnd), false
}

// isSimultaneousSynAck recognizes the peer's SYN-ACK in a simultaneous
// open (RFC 9293 §3.5 Figure 7, line 6): in SYN-RECEIVED reached from
// SYN-SENT it starts one before RCV.NXT, so the acceptability test would
// refuse it, a case RFC 9293 Appendix A.2 leaves to implementations. Like
// Linux, take it when it acknowledges exactly our SYN.
func (c *Conn) isSimultaneousSynAck(seg *Segment) bool {
	return c.state == SynReceived && !c.passive &&
		seg.Flags&(SYN|ACK|RST|FIN) == SYN|ACK && len(seg.Payload) == 0 &&
		seg.Seq.Add(1) == c.rcvNxt && seg.Ack == c.sndNxt
}

// simultaneousSynAck processes that SYN-ACK as the ACK of our SYN. Its
// window is not scaled: "The window field in a segment where the SYN bit
// is set ... MUST NOT be scaled" (RFC 7323 §2.2).
func (c *Conn) simultaneousSynAck(now time.Time, seg *Segment) Verdict {
	c.updateTSRecent(now, seg)
	c.takeWindow(seg, uint32(seg.Window))
	c.enterEstablished(now, "RFC 9293 §3.5 Figure 7: SYN-ACK of a simultaneous open acknowledges our SYN")
	c.ackSent(now, seg)
	return Accepted
}

// enterEstablished moves from SYN-RECEIVED to ESTABLISHED, then on to
// FIN-WAIT-1 if the application closed meanwhile (RFC 9293 §3.10.4: the
// CLOSE is "queued for processing after entering ESTABLISHED state").
func (c *Conn) enterEstablished(now time.Time, rule string) {
	c.setState(now, Established, rule)
	c.rfc6298SynRule()
	if c.finQueued {
		c.setState(now, FinWait1, "RFC 9293 §3.10.4: CLOSE queued in SYN-RECEIVED, FIN queued")
	}
}

// takeWindow sets SND.WND <- SEG.WND (wnd, already scaled as it must be),
// SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK, and tracks MAX.SND.WND.
func (c *Conn) takeWindow(seg *Segment, wnd uint32) {
	c.sndWnd = wnd
	c.maxSndWnd = max(c.maxSndWnd, wnd)
	c.sndWL1, c.sndWL2 = seg.Seq, seg.Ack
}

// inRST handles an acceptable RST (RFC 5961 §3.2): exactly at RCV.NXT it
// resets the connection, anywhere else in the window it earns a challenge
// ACK.
func (c *Conn) inRST(now time.Time, seg *Segment) Verdict {
	// "If the RST bit is set and the sequence number is outside the current
	// receive window, silently drop the segment." The acceptability test
	// let through a RST whose text reaches into the window; its sequence
	// number itself must be inside.
	if wnd := c.rcvNxt.Size(c.rcvAdv); seg.Seq != c.rcvNxt && !seg.Seq.InWindow(c.rcvNxt, wnd) {
		return DroppedRST
	}
	if seg.Seq != c.rcvNxt {
		// "If the RST bit is set and the sequence number does not exactly
		// match the next expected sequence value, yet is within the
		// current receive window, TCP MUST send an acknowledgment
		// (challenge ACK): <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>"
		c.ackPending = true
		return ChallengeACK
	}
	switch c.state {
	case SynReceived:
		if c.passive {
			// "If this connection was initiated with a passive OPEN (i.e.,
			// came from the LISTEN state), then return this connection to
			// LISTEN state and return."
			c.returnToListen(now, "RFC 9293 §3.10.7.4: RST in SYN-RECEIVED (passive OPEN)")
			return ReturnedToListen
		}
		// "If this connection was initiated with an active OPEN (i.e.,
		// came from SYN-SENT state), then the connection was refused;
		// signal the user 'connection refused'."
		c.fail(now, ErrRefused, "RFC 9293 §3.10.7.4: RST in SYN-RECEIVED (active OPEN): refused")
	case Established, FinWait1, FinWait2, CloseWait:
		// "any outstanding RECEIVEs and SEND should receive 'reset'
		// responses. All segment queues should be flushed. Users should
		// also receive an unsolicited general 'connection reset' signal.
		// Enter the CLOSED state, delete the TCB, and return."
		c.rcvBuf.Discard(c.rcvBuf.Len())
		c.fail(now, ErrReset, "RFC 9293 §3.10.7.4: RST in a synchronized state (connection reset)")
	default:
		// CLOSING, LAST-ACK, TIME-WAIT: "If the RST bit is set, then enter
		// the CLOSED state, delete the TCB, and return."
		c.setState(now, Closed, "RFC 9293 §3.10.7.4: RST while closing")
	}
	return Reset
}

// listenAddr is the address the passive OPEN listened on: the local
// address, or the unspecified one of its family if it listened on any.
func (c *Conn) listenAddr() netip.AddrPort {
	if !c.listenAny {
		return c.local
	}
	if c.local.Addr().Is4() {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), c.local.Port())
	}
	return netip.AddrPortFrom(netip.IPv6Unspecified(), c.local.Port())
}

// returnToListen forgets everything learned since LISTEN and listens again.
func (c *Conn) returnToListen(now time.Time, rule string) {
	keep := Conn{
		cfg: c.cfg, state: c.state, opened: true,
		local: c.listenAddr(), listenAny: c.listenAny,
		deferring: c.deferring, aux: c.aux, cong: c.cong,
		sndBuf: c.sndBuf, rcvBuf: c.rcvBuf,
	}
	keep.sndBuf.Discard(keep.sndBuf.Len())
	keep.rcvBuf.Discard(keep.rcvBuf.Len())
	if keep.aux != nil {
		keep.aux.forget(c.cfg.RecvBuffer)
	}
	*c = keep
	c.setState(now, Listen, rule)
}

// ackSent processes SEG.ACK acknowledging new data: "If SND.UNA < SEG.ACK
// =< SND.NXT, then set SND.UNA <- SEG.ACK. Any segments on the
// retransmission queue that are thereby entirely acknowledged are removed."
// A duplicate ACK (SEG.ACK =< SND.UNA) changes nothing here.
func (c *Conn) ackSent(now time.Time, seg *Segment) {
	ack := seg.Ack
	if !ack.GreaterThan(c.sndUna) {
		return
	}
	if acked := seqnum.Min(ack, c.dataEnd()); acked.GreaterThan(c.sndBufSeq) {
		c.sndBuf.Discard(int(c.sndBufSeq.Size(acked)))
		c.sndBufSeq = acked
		c.events |= EventWritable
	}
	c.sndUna = ack
	c.synAcked = true // the SYN is the first sequence number: anything acknowledged covers it
	if c.inRtx {
		// RFC 5681 §3.1 slow start after a timeout: each ACK of new data
		// lets the acknowledged segment's place and one more go.
		c.rtxNxt = seqnum.Max(c.rtxNxt, ack)
		c.rtxBudget += 2
	}
	c.retransmits = 0
	if rtt, ok := c.echoedRTT(now, seg); ok {
		c.rto.timing = false
		c.rto.sample(rtt, c.cfg.MinRTO, c.cfg.MaxRTO)
	} else {
		c.rto.onAck(now, ack, c.cfg.MinRTO, c.cfg.MaxRTO)
	}
	// RFC 6298 §5.2: "When all outstanding data has been acknowledged,
	// turn off the retransmission timer." §5.3: "When an ACK is received
	// that acknowledges new data, restart the retransmission timer so that
	// it will expire after RTO seconds."
	if c.sndUna == c.sndNxt {
		c.stopTimer(TimerRetransmit)
	} else {
		c.setTimer(TimerRetransmit, now.Add(c.rto.rto))
	}
}

// echoedRTT is the round trip an ACK's echoed timestamp measures, RFC
// 7323 §4.1 (RTTM): the echo dates the segment this ACK answers, so every
// ACK of new data gives a sample, even for a retransmitted segment (which
// Karn's algorithm must otherwise skip). The samples feed RFC 6298
// unscaled, as Linux does, rather than with the per-window weights of RFC
// 7323 Appendix G. Without negotiated timestamps there is none, and the
// timestamp clock is not read. A zero echo, or one from the future, is no
// echo of ours (§3.2: an invalid TSecr is zero): Linux ignores those too.
func (c *Conn) echoedRTT(now time.Time, seg *Segment) (time.Duration, bool) {
	if !c.tsOK || !seg.Options.HasTimestamps || seg.Options.TSEcr == 0 {
		return 0, false
	}
	ticks := int32(c.tsVal(now) - seg.Options.TSEcr)
	if ticks < 0 {
		return 0, false
	}
	return time.Duration(ticks) * c.cfg.TSClock, true
}

// updateSendWindow: "If SND.UNA =< SEG.ACK =< SND.NXT, the send window
// should be updated. If (SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and
// SND.WL2 =< SEG.ACK)), set SND.WND <- SEG.WND, set SND.WL1 <- SEG.SEQ,
// and set SND.WL2 <- SEG.ACK." The window is scaled (RFC 7323 §2.3).
func (c *Conn) updateSendWindow(seg *Segment) {
	if seg.Ack.LessThan(c.sndUna) {
		return
	}
	if c.sndWL1.LessThan(seg.Seq) || (c.sndWL1 == seg.Seq && c.sndWL2.LessThanEq(seg.Ack)) {
		closed := c.sndWnd == 0
		c.takeWindow(seg, uint32(seg.Window)<<c.sndShift)
		if closed && c.sndWnd > 0 && c.sndUna != c.sndNxt {
			// The window reopened with a probe octet unacknowledged: send
			// it again, now inside the window, rather than wait for its
			// retransmission timer.
			c.retransmitFrom(c.sndUna)
		}
	}
}

// updateTSRecent: RFC 7323 §4.3 (2), "If SEG.TSval >= TS.Recent and
// SEG.SEQ =< Last.ACK.sent, then SEG.TSval is copied to TS.Recent". A RST
// never updates it (§5.2: its timestamps "MUST NOT be used to update
// connection state information"). An invalid TS.Recent (§5.5) is replaced
// whatever the new value: "rule R3 updates TS.Recent with the TSval from
// the new segment".
func (c *Conn) updateTSRecent(now time.Time, seg *Segment) {
	if c.tsOK && seg.Flags&RST == 0 && seg.Options.HasTimestamps &&
		(int32(seg.Options.TSVal-c.tsRecent) >= 0 || !c.tsRecentValid(now)) &&
		seg.Seq.LessThanEq(c.lastAckSent) {
		c.tsRecent, c.tsRecentAt = seg.Options.TSVal, instantOf(now)
	}
}

// tsRecentValid: "If TS.Recent is more than 24 days old, it is invalid"
// (RFC 7323 §5.5).
func (c *Conn) tsRecentValid(now time.Time) bool {
	return time.Duration(instantOf(now)-c.tsRecentAt) <= pawsIdle
}

// pawsIdle is how long TS.Recent stays valid without being updated: RFC
// 7323 §5.5, "If TS.Recent is more than 24 days old, it is invalid".
const pawsIdle = 24 * 24 * time.Hour

// pawsRejects applies PAWS (RFC 7323 §5.3 R1): a non-RST segment whose
// timestamp is older than TS.Recent is an old duplicate.
func (c *Conn) pawsRejects(now time.Time, seg *Segment) bool {
	return c.tsOK && seg.Flags&RST == 0 && seg.Options.HasTimestamps &&
		int32(seg.Options.TSVal-c.tsRecent) < 0 && c.tsRecentValid(now)
}
