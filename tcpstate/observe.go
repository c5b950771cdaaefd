package tcpstate

import (
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// Observer follows one end of a connection it does not run: a capture shows
// the segments that end sent and those it received, and the observer keeps
// the end's RFC 9293 state from them. What the end received goes through
// the same arrival processing as a Conn's (RFC 9293 §3.10.7); what it sent
// moves its send variables and, for SYN, FIN and RST, its state, as the
// user calls that made those segments would have (OPEN, CLOSE, ABORT,
// §3.10.1-3.10.5).
//
// An observer never sends, never runs timers, and keeps no data: received
// text only moves RCV.NXT, and text out of order is held as ranges of
// sequence numbers. Its receive window is the one the end advertised, so
// that a segment the end would have refused as outside its window is
// refused here too; before the end has advertised one, the largest it
// could. The zero value is not ready: call Reset.
//
// A capture sees segments at one place, and some histories look alike
// from there; the observer takes the likely one. An acknowledgment beyond
// what the capture showed means segments it missed, within the window
// (Received, Sent). An end that sends a FIN not acknowledging the peer's
// crossed it (simultaneous close). An end whose SYN-ACK the capture
// lacks, or whose peer's SYN-ACK it lacks, is taken to have sent or
// received it when its other segments say so. A RST that answers a
// segment (in SYN-SENT, LISTEN, or SYN-RECEIVED out of sequence) leaves
// the end where it was; any other is an ABORT.
type Observer struct {
	c      Conn
	synWnd uint16 // the window of the end's SYN, its first receive window
}

// observerBuffer is the largest window an end can advertise (RFC 7323
// §2.3: 2^30 less a scaled unit); the observer's bounds are the ones the
// end announces, so its own must not be smaller.
const observerBuffer = 65535 << MaxWindowShift

// Reset makes o an observer of an end that has not opened yet.
func (o *Observer) Reset() {
	cfg := DefaultConfig()
	// Until the end's SYN shows what it offers, it is taken to offer
	// everything: negotiation then keeps what the peer offered (RFC 7323
	// §2.2, §3.2; RFC 2018 §2), and the end's own SYN narrows it.
	cfg.WindowScale, cfg.SACKPermitted, cfg.Timestamps = true, true, true
	cfg.RecvBuffer, cfg.SendBuffer = observerBuffer, observerBuffer
	cfg.InvalidACKInterval = 0
	cfg.ISN = observedISN
	cfg.observing = true
	if err := o.c.Reset(cfg); err != nil {
		panic("tcpstate: observer config: " + err.Error()) // the config above is fixed
	}
	o.synWnd = 65535 // until the end's SYN shows its window
}

// observedISN is a placeholder until the end's SYN or SYN-ACK shows its
// real ISS.
func observedISN(time.Time, netip.AddrPort, netip.AddrPort) seqnum.Value { return 0 }

// State returns the end's state as far as the segments show.
func (o *Observer) State() State { return o.c.state }

// Err returns why the end's connection ended abnormally, as Conn.Err.
func (o *Observer) Err() error { return o.c.Err() }

// TCB returns a snapshot of the end's variables as observed.
func (o *Observer) TCB() TCB { return o.c.TCB() }

// Listen puts the end in LISTEN on local (RFC 9293 §3.10.1, passive OPEN):
// call it before the end receives a SYN.
func (o *Observer) Listen(now time.Time, local netip.AddrPort) error {
	return o.c.Listen(now, local)
}

// Received processes a segment that arrived at the end, as Conn.HandleSegment.
// A payload shorter than the segment was on the wire (cut by the capture's
// snap length) must be given at its full length: only its length matters.
func (o *Observer) Received(now time.Time, seg *Segment) Verdict {
	c := &o.c
	if seg.Flags&ACK != 0 && c.state.Synchronized() && seg.Ack.GreaterThan(c.sndNxt) {
		c.missedSends(seg.Ack)
	}
	if c.state == SynReceived && c.sndNxt == c.iss && seg.Flags&(SYN|ACK|RST) == ACK {
		// The end's SYN-ACK is not in the capture, and the peer's ACK
		// of it says where it was: one before what it acknowledges.
		c.setISS(seg.Ack.Sub(1))
	}
	from := c.state
	v := c.HandleSegment(now, *seg)
	if from == SynSent && c.state != SynSent && c.state != Closed {
		// The peer's SYN opened the receive window: the one the end's
		// own SYN offered (RFC 9293 §3.10.7.3).
		c.rcvAdv = c.rcvNxt.Add(seqnum.Size(o.synWnd))
	}
	o.c.forgetOwed()
	return v
}

// missedSends takes an acknowledgment beyond what the capture showed the
// end send: the capture began late or dropped packets, and the end sent
// them, or the peer could not acknowledge them. Only what the peer's
// window let the end send counts (RFC 5961 §5.2: an ACK beyond is
// dropped), and nothing after the end's FIN.
func (c *Conn) missedSends(ack seqnum.Value) {
	if ack.GreaterThan(c.sndUna.Add(seqnum.Size(c.maxSndWnd))) {
		return
	}
	if c.finSent && ack.GreaterThan(c.finSeq.Add(1)) {
		return
	}
	c.sndNxt = ack
}

// Sent processes a segment the end sent.
func (o *Observer) Sent(now time.Time, seg *Segment) {
	c := &o.c
	switch {
	case seg.Flags&RST != 0:
		c.sentRST(now, seg)
		return
	case seg.Flags&SYN != 0:
		o.synWnd = seg.Window
		c.sentSYN(now, seg)
	case c.state == SynReceived && c.sndNxt == c.iss && seg.Flags&ACK != 0 && seg.Ack == c.rcvNxt:
		// The end's SYN-ACK is not in the capture (lost or reordered
		// before the capture point), yet the end sends in sequence space,
		// acknowledging the peer's SYN: its own SYN took the number
		// before this segment.
		c.setISS(seg.Seq.Sub(1))
	case c.state == SynSent && seg.Flags&ACK != 0:
		// An ACK from an end in SYN-SENT: the peer's SYN-ACK reached it,
		// though not the capture (RFC 9293 §3.10.7.3: "If SND.UNA > ISS
		// (our SYN has been ACKed), change the connection state to
		// ESTABLISHED").
		c.establishedUnseen(now, seg)
	}
	if c.state == Closed || c.state == Listen {
		return
	}
	if end := seg.End(); end.GreaterThan(c.sndNxt) {
		c.sndNxt = end
	}
	if seg.Flags&FIN != 0 && !c.finSent {
		switch c.state {
		case SynReceived, Established, CloseWait:
			c.sentFIN(now, seg)
		}
	}
	if seg.Flags&ACK != 0 {
		if c.state.Synchronized() && seg.Ack.GreaterThan(c.rcvNxt) {
			c.missedArrivals(now, seg.Ack)
		}
		c.advertised(seg)
	}
}

// sentRST: an end sends a RST when it aborts (RFC 9293 §3.10.5), and is
// then CLOSED; but also in answer to a segment it cannot take, staying
// where it was: in SYN-SENT to an unacceptable ACK (§3.10.7.3, where an
// ABORT sends nothing), in LISTEN or SYN-RECEIVED to a bad ACK
// (§3.10.7.2, §3.10.7.4), with the sequence number that ACK carried. A
// RST from an end whose SYN-ACK was never sent refuses the connection: it
// had none, and is CLOSED.
func (c *Conn) sentRST(now time.Time, seg *Segment) {
	switch c.state {
	case Closed, SynSent:
	case Listen:
	case SynReceived:
		switch {
		case c.sndNxt == c.iss:
			c.setState(now, Closed, "RFC 9293 §3.10.7.1: the end refused the connection with a RST")
		case seg.Seq == c.sndNxt:
			c.fail(now, ErrAborted, "RFC 9293 §3.10.5: the end sent a RST (ABORT)")
		}
	default:
		c.fail(now, ErrAborted, "RFC 9293 §3.10.5: the end sent a RST (ABORT)")
	}
}

// establishedUnseen puts an end in SYN-SENT in ESTABLISHED on its ACK of a
// SYN-ACK the capture lacks: IRS is one before what it acknowledges. What
// the peer offered is unknown: windows are taken at the largest scale if
// the end offered scaling, as Synchronize does.
func (c *Conn) establishedUnseen(now time.Time, seg *Segment) {
	c.irs = seg.Ack.Sub(1)
	c.rcvNxt, c.lastAckSent = seg.Ack, seg.Ack
	c.sndUna = c.iss.Add(1)
	c.synAcked = true
	if c.wscaleOK = c.cfg.WindowScale; c.wscaleOK {
		c.sndShift = MaxWindowShift
	}
	c.sackOK, c.tsOK = c.cfg.SACKPermitted, c.cfg.Timestamps && seg.Options.HasTimestamps
	c.peerMSS = 536
	c.rcvAdv = c.rcvNxt.Add(65535 << MaxWindowShift)
	c.takeWindow(seg, 65535<<MaxWindowShift)
	c.setState(now, Established, "RFC 9293 §3.10.7.3: the end acknowledged a SYN-ACK the capture lacks")
}

// missedArrivals takes an acknowledgment beyond what the capture showed
// the end receive (the capture began late or dropped packets): RCV.NXT
// moves there, past any data held out of order, and a FIN held with it
// counts as received. Nothing can have arrived beyond the window the end
// offered, nor after the peer's FIN.
func (c *Conn) missedArrivals(now time.Time, ack seqnum.Value) {
	if c.finRcvd || ack.GreaterThan(c.rcvAdv) {
		return
	}
	if x := c.aux; x != nil && x.finHeld && x.finAt.LessThan(ack) {
		x.finHeld = false
		c.rcvNxt = x.finAt // the queue forgets what lies below as RCV.NXT passes it
		c.finReceived(now)
		return
	}
	c.rcvNxt = ack
}

// sentSYN opens the end. A SYN from an end not yet open is an active OPEN
// (§3.10.1): SYN-SENT. A SYN-ACK answers the peer's SYN (§3.10.7.2, or
// §3.10.7.3 in a simultaneous open). A bare SYN from an end that took the
// peer's SYN in LISTEN shows it had opened actively: the SYNs crossed
// (§3.5 Figure 7). Either way the segment gives the ISS, and its options
// what the end offered.
func (c *Conn) sentSYN(now time.Time, seg *Segment) {
	ack := seg.Flags&ACK != 0
	switch {
	case !ack && c.state == Closed && !c.opened:
		c.opened = true
		c.local, c.remote = seg.Src, seg.Dst
		c.initSend(now)
		c.setISS(seg.Seq)
		c.offer(seg)
		c.setState(now, SynSent, "RFC 9293 §3.10.1: the end sent a SYN (active OPEN)")
	case !ack && c.state == SynReceived && c.passive && !c.synAcked && c.sndNxt == c.iss:
		c.passive = false
		c.setISS(seg.Seq)
		c.offer(seg)
		c.rcvAdv = c.rcvNxt.Add(seqnum.Size(seg.Window))
	case ack && c.state == SynReceived && c.sndNxt == c.iss:
		c.setISS(seg.Seq)
		c.offer(seg)
	case ack && seg.Seq == c.iss && c.state != SynSent && c.state != Closed && c.state != Listen:
		// A SYN-ACK seen late, after segments that followed it, or the
		// one of a simultaneous open: its offer still narrows what was
		// negotiated.
		c.offer(seg)
	}
	if ack && seg.Seq == c.iss {
		// The window the SYN-ACK offers, unscaled (RFC 7323 §2.2).
		c.rcvAdv = seg.Ack.Add(seqnum.Size(seg.Window))
	}
}

// setISS takes the ISS the end chose; its SYN occupies it.
func (c *Conn) setISS(iss seqnum.Value) {
	c.iss, c.sndUna, c.sndNxt = iss, iss, iss.Add(1)
	c.sndBufSeq = iss.Add(1)
}

// offer narrows what the end negotiates to what its SYN, seg, offered (RFC
// 7323 §2.2-2.3 and §3.2, RFC 2018 §2, RFC 9293 §3.7.1). Before the peer's
// SYN is seen the offer is kept in the config, which negotiation reads.
func (c *Conn) offer(seg *Segment) {
	o := &seg.Options
	c.cfg.WindowScale, c.cfg.SACKPermitted, c.cfg.Timestamps = o.HasWindowScale, o.SACKPermitted, o.HasTimestamps
	c.rcvShift = 0
	if o.HasWindowScale {
		c.rcvShift = min(o.WindowScale, MaxWindowShift)
	}
	if o.HasMSS {
		c.rcvMSS = o.MSS
	}
	if c.state == Closed || c.state == SynSent {
		return // the peer's SYN is still to come
	}
	if !o.HasWindowScale || !c.wscaleOK {
		c.wscaleOK, c.sndShift, c.rcvShift = false, 0, 0
	}
	c.sackOK = c.sackOK && o.SACKPermitted
	c.tsOK = c.tsOK && o.HasTimestamps
}

// sentFIN: the end's user called CLOSE (RFC 9293 §3.10.4) and the FIN went
// out after the data.
func (c *Conn) sentFIN(now time.Time, seg *Segment) {
	c.finQueued, c.finSent = true, true
	c.finSeq = seg.End().Sub(1)
	switch c.state {
	case SynReceived, Established:
		c.setState(now, FinWait1, "RFC 9293 §3.10.4: the end sent a FIN (CLOSE)")
	case CloseWait:
		if seg.Flags&ACK != 0 && seg.Ack.LessThan(c.rcvNxt) {
			// The FIN does not acknowledge the peer's: the end sent it
			// before the peer's FIN reached it, which the capture saw
			// first. The FINs crossed (RFC 9293 §3.6, simultaneous
			// close): the end went FIN-WAIT-1, then CLOSING.
			c.setState(now, Closing, "RFC 9293 §3.6: the end's FIN crossed the peer's (simultaneous close)")
			return
		}
		c.setState(now, LastAck, "RFC 9293 §3.10.4: the end sent a FIN in CLOSE-WAIT (CLOSE)")
	}
}

// advertised takes the receive window the end announced: its right edge,
// SEG.ACK+SEG.WND, scaled except on a SYN (RFC 7323 §2.2), never moves
// left (RFC 9293 §3.8.6: shrinking the window is discouraged, and a
// receiver must accept what fits the window it offered before).
func (c *Conn) advertised(seg *Segment) {
	wnd := seqnum.Size(seg.Window)
	if seg.Flags&SYN == 0 {
		wnd <<= c.rcvShift
	}
	if edge := seg.Ack.Add(wnd); edge.GreaterThan(c.rcvAdv) {
		c.rcvAdv = edge
	}
	c.lastAckSent = seg.Ack
}

// forgetOwed drops what the connection would send in answer: an observed
// end's answers are in the capture, if it sent any.
func (c *Conn) forgetOwed() {
	c.ackPending, c.rstPending = false, false
	if c.aux != nil {
		c.aux.replies.n = 0
	}
	c.events = 0
}

// Synchronize resets the observer and starts it in ESTABLISHED from the
// first segment of a connection whose opening the capture lacks; sent
// tells whether the end sent seg or received it. seg gives both ends'
// positions in sequence space: the sender's next byte, and the next byte
// the sender expects. A receiver is taken to have had everything before
// seg: data it held out of order from before the capture cannot be seen.
// The window scale the ends agreed is unknown: windows are taken at the
// largest scale (RFC 7323 §2.3), so that nothing the end could have
// accepted is refused. Call Sent or Received with seg afterwards.
func (o *Observer) Synchronize(now time.Time, seg *Segment, sent bool) {
	o.Reset()
	c := &o.c
	own, peer := seg.Seq, seg.Ack // sent: our next byte, and the peer's
	c.local, c.remote = seg.Src, seg.Dst
	if !sent {
		own, peer = seg.Ack, seg.Seq
		c.local, c.remote = seg.Dst, seg.Src
	}
	c.opened = true
	c.initSend(now)
	c.setISS(own.Sub(1))
	c.sndUna = own
	c.irs, c.rcvNxt = peer.Sub(1), peer
	c.lastAckSent = peer
	c.wscaleOK, c.sndShift, c.rcvShift = true, MaxWindowShift, MaxWindowShift
	c.rcvAdv = peer.Add(65535 << MaxWindowShift)
	c.sndWnd = 65535 << MaxWindowShift
	c.sndWL1, c.sndWL2 = peer, own
	c.maxSndWnd = c.sndWnd
	c.sackOK = true
	c.tsOK = seg.Options.HasTimestamps
	c.synAcked = true
	if c.tsOK {
		// TS.Recent is the peer's latest TSval (RFC 7323 §4.3): on a
		// segment the end sent, the one it echoes.
		c.tsRecent, c.tsRecentAt = seg.Options.TSVal, instantOf(now)
		if sent {
			c.tsRecent = seg.Options.TSEcr
		}
	}
	c.setState(now, Established, "RFC 9293 §3.10.7.4: segments of a connection already ESTABLISHED")
}
