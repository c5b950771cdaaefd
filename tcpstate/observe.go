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
// text only moves RCV.NXT. Its receive window is the one the end
// advertised, so that a segment the end would have refused as outside its
// window is refused here too. The zero value is not ready: call Reset.
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
		// The peer acknowledges what the capture never showed the end
		// send (the capture began late or dropped packets); the end sent
		// it, or the peer could not acknowledge it.
		c.sndNxt = seg.Ack
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

// Sent processes a segment the end sent.
func (o *Observer) Sent(now time.Time, seg *Segment) {
	c := &o.c
	switch {
	case seg.Flags&RST != 0:
		// RFC 9293 §3.10.5: an end sends a RST of its own when it aborts,
		// and it is then CLOSED. A RST answering a segment with no
		// connection (§3.10.7.1) leaves an end that had none CLOSED too.
		if c.state != Closed {
			c.fail(now, ErrAborted, "RFC 9293 §3.10.5: the end sent a RST")
		}
		return
	case seg.Flags&SYN != 0:
		o.synWnd = seg.Window
		c.sentSYN(now, seg)
	case c.state == SynReceived && c.sndNxt == c.iss:
		// The end's SYN-ACK is not in the capture (lost or reordered
		// before the capture point), yet the end sends in sequence
		// space: its SYN took the number before this segment.
		c.setISS(seg.Seq.Sub(1))
	}
	if c.state == Closed || c.state == Listen {
		return
	}
	if end := seg.End(); end.GreaterThan(c.sndNxt) {
		c.sndNxt = end
	}
	if seg.Flags&FIN != 0 && !c.finSent {
		c.sentFIN(now, seg)
	}
	if seg.Flags&ACK != 0 {
		if c.state.Synchronized() && seg.Ack.GreaterThan(c.rcvNxt) {
			// The end acknowledges what the capture never showed it
			// receive (the capture began late or dropped packets).
			c.rcvNxt = seg.Ack
		}
		c.advertised(seg)
	}
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

// Synchronize starts the observer in ESTABLISHED from the first segment
// of a connection whose opening the capture lacks; sent tells whether the
// end sent seg or received it. seg gives both ends' positions in sequence
// space: the sender's next byte, and the next byte the sender expects. A
// receiver is taken to have had everything before seg: data it held out
// of order from before the capture cannot be seen. The window scale the
// ends agreed is unknown: windows are taken at the largest scale (RFC 7323
// §2.3), so that nothing the end could have accepted is refused. Call
// Sent or Received with seg afterwards.
func (o *Observer) Synchronize(now time.Time, seg *Segment, sent bool) {
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
