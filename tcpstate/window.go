package tcpstate

import "github.com/tcpsim/tcpsim/tcpstate/seqnum"

// synWindow is the window offered in our SYN or SYN-ACK: never scaled
// (RFC 7323 §2.2), so at most 65535; with Config.SYNWindowSegments,
// rounded down to whole segments.
func (c *Conn) synWindow() uint16 {
	w := min(c.cfg.RecvBuffer, 65535)
	if c.cfg.SYNWindowSegments {
		// In SYN-SENT nothing is agreed yet: whole segments of the MSS we
		// announce. Answering a SYN, the timestamps every segment will
		// carry are known (RFC 7323 §3.2 and RFC 6691 §2: the option space
		// comes out of the segment).
		seg := int(c.rcvMSS)
		if c.state != SynSent && c.tsOK {
			seg -= 12
		}
		if seg > 0 && w >= seg {
			w -= w % seg
		}
	}
	return uint16(w)
}

// freeRight is where the receive window's right edge could be now: RCV.NXT
// plus the free buffer space, and with Config.WindowGrowth no more than
// the window grown so far.
func (c *Conn) freeRight() seqnum.Value {
	free := c.freeSpace()
	if c.cfg.WindowGrowth && c.aux != nil && c.aux.rcvSSThresh > 0 {
		free = min(free, int(c.aux.rcvSSThresh))
	}
	return c.rcvNxt.Add(seqnum.Size(free))
}

// freeSpace is the part of RecvBuffer that received data does not fill.
func (c *Conn) freeSpace() int {
	return max(c.cfg.RecvBuffer-c.rcvBuf.Len(), 0)
}

// growWindow raises the window Config.WindowGrowth allows when a segment
// of n bytes arrives, as Linux's tcp_grow_window does: by two segments, or
// twice the segment if larger, but never past the free space. A segment in
// order grows it only if full-sized (Linux grows it also for somewhat
// smaller ones when their memory cost allows, which a model counting
// bytes cannot tell); one out of order, with SACK, grows it whatever its
// size, so that the sender's fast retransmit is not held by the window
// (twin "lost segment": the 104 bytes after the hole raise the window).
func (c *Conn) growWindow(n int, inOrder bool) {
	if c.aux == nil || c.aux.rcvSSThresh == 0 {
		return
	}
	seg := c.peerSegment()
	if inOrder && n < seg || !inOrder && !c.sackOK {
		return
	}
	room := c.freeSpace() - int(c.aux.rcvSSThresh)
	if room <= 0 {
		return
	}
	c.aux.rcvSSThresh += uint32(min(room, max(2*seg, 2*n)))
	c.aux.rcvGrown = true
}

// peerSegment is the size of the peer's full-sized segments: the smaller
// of the MSS we announced and the one it did (its path's), less the
// option space of timestamps (RFC 9293 §3.7.1, RFC 7323 §3.2).
func (c *Conn) peerSegment() int {
	seg := int(min(c.rcvMSS, c.peerMSS))
	if c.tsOK {
		seg -= 12 // nop,nop,TS
	}
	return seg
}

// windowField computes the window to put in a non-SYN segment and records
// the right edge it advertises.
//
// RFC 9293 §3.8.6.2.2 (receiver's silly window syndrome avoidance): the
// right edge moves only when it can move by at least min(RecvBuffer/2,
// Eff.snd.MSS). The free-space edge never moves left (data arriving in the
// window takes exactly the space it was offered), so the window is never
// shrunk, except in appearance by the scaling: RFC 7323 §2.3 shifts the
// field right by Rcv.Wind.Shift, rounding down, which can announce an edge
// up to 2^shift-1 below one announced before. §2.4: "The receiver MUST
// honor, as in window, any segment that would have been in window for any
// <ACK> sent by the receiver" and "SHOULD track the actual maximum window
// sequence number": rcvAdv is that maximum, and what the acceptability
// test uses.
func (c *Conn) windowField() uint16 {
	field, edge := c.offered()
	c.rcvAdv = edge
	return uint16(field)
}

// offered is the window field windowField would send now, and the right
// edge it would announce, without recording them.
func (c *Conn) offered() (field uint32, edge seqnum.Value) {
	right := c.freeRight()
	switch {
	case c.windowGrown():
		right = c.grownRight(right)
	case right.GreaterThan(c.rcvAdv) && c.rcvAdv.Size(right) < c.swsThreshold():
		right = c.rcvAdv
	}
	wnd := uint32(c.rcvNxt.Size(seqnum.Max(right, c.rcvAdv)))
	field = wnd >> c.rcvShift
	if c.cfg.WindowRoundUp {
		// Linux rounds the window up to a whole scale unit, but never
		// past the free space rounded up, which the buffer's slack holds
		// (initSend): a receiver that does not read still closes its
		// window.
		up := func(n uint32) uint32 { return (n + 1<<c.rcvShift - 1) >> c.rcvShift }
		free := uint32(0)
		if fr := c.freeRight(); fr.GreaterThan(c.rcvNxt) {
			free = uint32(c.rcvNxt.Size(fr))
		}
		field = max(field, min(up(wnd), up(free)))
	}
	field = min(field, 65535)
	return field, seqnum.Max(c.rcvAdv, c.rcvNxt.Add(seqnum.Size(field<<c.rcvShift)))
}

// windowGrown tells whether Config.WindowGrowth has grown the window:
// Linux then moves the right edge with the free space, not only once it
// can move by an MSS (recording, port 47077: 637 units after each
// segment read at once, where the RFC rule alternates between 626 and
// 637); see grownRight.
func (c *Conn) windowGrown() bool {
	return c.cfg.WindowGrowth && c.aux != nil && c.aux.rcvGrown
}

// grownRight is where a grown window's right edge goes, right being the
// free space's: Linux's receiver silly window syndrome avoidance
// (__tcp_select_window; RFC 9293 §3.8.6.2.2, MUST-39) works on the free
// space. With at least half the buffer free the edge follows it; with
// less, the free space counts rounded down to the scale unit, and if that
// is less than a segment or a sixteenth of the buffer the edge stays.
func (c *Conn) grownRight(right seqnum.Value) seqnum.Value {
	free := c.freeSpace()
	if free >= c.cfg.RecvBuffer/2 {
		return right
	}
	free &^= 1<<c.rcvShift - 1
	if free < c.cfg.RecvBuffer/16 || free < c.peerSegment() {
		return c.rcvAdv
	}
	return seqnum.Min(right, c.rcvNxt.Add(seqnum.Size(free)))
}

// swsThreshold is min(Fr*RCV.BUFF, Eff.snd.MSS) with Fr = 1/2: "the
// receiver must use its own Eff.snd.MSS" (RFC 9293 §3.8.6.2.2).
func (c *Conn) swsThreshold() seqnum.Size {
	return seqnum.Size(min(c.cfg.RecvBuffer/2, int(c.sndMSS())))
}

// maybeWindowUpdate asks for an ACK after the application read, when the
// window can open by enough to be worth announcing (RFC 9293 §3.8.6.2.2).
func (c *Conn) maybeWindowUpdate() {
	switch c.state {
	case Established, FinWait1, FinWait2:
	default:
		return // no more data will come
	}
	if c.cfg.WindowGrowth {
		// Linux (tcp_cleanup_rbuf) announces a read only when the window
		// left is at most half the buffer and the one it would send now
		// is at least twice it: a receiver that keeps up sends no window
		// updates.
		var left seqnum.Size
		if c.rcvAdv.GreaterThan(c.rcvNxt) {
			left = c.rcvNxt.Size(c.rcvAdv)
		}
		field, _ := c.offered()
		now := seqnum.Size(field) << c.rcvShift
		if 2*int(left) <= c.cfg.RecvBuffer && now > left && now >= 2*left {
			c.ackPending = true
		}
		return
	}
	if c.freeRight().GreaterThan(c.rcvAdv) && c.rcvAdv.Size(c.freeRight()) >= c.swsThreshold() {
		c.ackPending = true
	}
}
