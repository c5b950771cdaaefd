package tcpstate

import "github.com/tcpsim/tcpsim/tcpstate/seqnum"

// The connection's use of its reassembly queue. The queue lives in the
// connection's aux part and is made at the first segment that arrives out
// of order.

// holdOutOfOrder keeps the part of seg, whose data starts at dataSeq
// beyond RCV.NXT, that lies in the window; a FIN after data kept whole is
// remembered, to be processed when RCV.NXT reaches it.
func (c *Conn) holdOutOfOrder(dataSeq seqnum.Value, seg *Segment) {
	x := c.extra()
	if x.reasm == nil {
		x.reasm = newReassembly(c.cfg.RecvBuffer, 0)
		x.reasm.rangesOnly = c.cfg.observing
	}
	// What the receive buffer may hold, a window rounded up included
	// (initSend): data that was offered a place is kept (RFC 7323 §2.4).
	if l := int(c.rcvBuf.limit); x.reasm.limit != min(l, maxReassemblyLimit) {
		x.reasm.setLimits(l, 0)
	}
	x.reasm.Insert(dataSeq, seg.Payload, c.rcvNxt, c.rcvAdv)
	if seg.Flags&FIN == 0 {
		return
	}
	end := dataSeq.Add(seqnum.Size(len(seg.Payload)))
	// The FIN counts only if all its data was kept (it lies in the window)
	// and the FIN itself is in the window.
	if end.LessThan(c.rcvAdv) && (len(seg.Payload) == 0 || x.reasm.Holds(dataSeq, end)) {
		x.finHeld, x.finAt = true, end
	}
}

// takeHeld moves the data the queue holds at RCV.NXT into the receive
// buffer (an observer's only moves RCV.NXT past it) and reports whether
// there was any.
func (c *Conn) takeHeld() bool {
	if c.aux == nil || c.aux.reasm == nil || c.aux.reasm.Ready(c.rcvNxt) == 0 {
		return false
	}
	var n int
	if c.cfg.observing {
		n = c.aux.reasm.Skip(c.rcvNxt, c.rcvBuf.Free())
	} else {
		a, b := c.aux.reasm.Take(c.rcvNxt, c.rcvBuf.Free())
		n = c.keep(a)
		n += c.keep(b)
	}
	c.rcvNxt = c.rcvNxt.Add(seqnum.Size(n))
	c.events |= EventReadable
	return n > 0
}

// heldFINReached reports whether a FIN held with out-of-order data is now
// next in sequence, and forgets it if so.
func (c *Conn) heldFINReached() bool {
	if c.aux == nil || !c.aux.finHeld || c.aux.finAt != c.rcvNxt {
		return false
	}
	c.aux.finHeld = false
	return true
}

// heldBytes is how much data the queue holds.
func (c *Conn) heldBytes() int {
	if c.aux == nil || c.aux.reasm == nil {
		return 0
	}
	return c.aux.reasm.Len()
}

// sackBlocks fills the SACK option of a bare ACK (RFC 2018 §4: "a data
// receiver SHOULD include a SACK option in all ACKs which do not ACK the
// highest sequence number in the data receiver's queue"): at most 4
// blocks, or 3 beside timestamps (§3). Segments with data go without: so
// the option never takes room from the data (RFC 6691 §2), at the cost of
// fewer SACKs when both ends send.
func (c *Conn) sackBlocks(o *Options) {
	if !c.sackOK || c.heldBytes() == 0 {
		return
	}
	most := MaxSACKBlocks
	if c.tsOK {
		most = 3
	}
	o.NumSACK = uint8(c.aux.reasm.SACKBlocks(c.rcvNxt, o.SACKBlocks[:most]))
}

// Holds reports whether the queue holds every byte of [start, end).
func (r *reassembly) Holds(start, end seqnum.Value) bool {
	for _, rg := range r.ranges {
		if rg.start.LessThanEq(start) && end.LessThanEq(rg.end) {
			return true
		}
	}
	return false
}
