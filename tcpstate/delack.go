package tcpstate

import "time"

// ackInOrder asks for the ACK of n bytes of new in-order data. With
// Config.DelayedACK the ACK waits, to be piggybacked on data or to cover
// more segments (RFC 1122 §4.2.3.2, RFC 9293 §3.8.6.3): "an ACK SHOULD be
// generated for at least every second full-sized segment" and the delay
// "MUST be less than 0.5 seconds". With Config.QuickACK it waits only
// while the connection is interactive. Out-of-order data and old segments
// are acknowledged at once elsewhere (RFC 5681 §4.2).
func (c *Conn) ackInOrder(now time.Time, n int) {
	if c.cfg.QuickACK {
		a := c.extra()
		a.lastDataIn = instantOf(now)
		if !a.interactive {
			c.ackPending = true
			return
		}
	}
	if c.cfg.DelayedACK == 0 {
		c.ackPending = true
		return
	}
	if n >= int(c.sndMSS()) {
		c.fullSegs++
	}
	if c.fullSegs >= 2 {
		c.ackPending = true
		return
	}
	c.delayACK(now)
}

// ackFIN asks for the ACK of the peer's FIN (RFC 9293 §3.10.7.4, eighth:
// "send an acknowledgment for the FIN"). It is sent at once, except by a
// QuickACK connection entering CLOSE-WAIT: that one becomes interactive
// and delays it as it would data, so that the application's answer, or
// its own FIN, may ride on it. Linux does so: the ACK of a FIN came 43 ms
// late in recording linux.pcap (frame 9), and in the twin scenarios where
// the application closes at once (handshake, "data with the FIN") Linux's
// FIN carries it, even on a connection that had exchanged no data.
func (c *Conn) ackFIN(now time.Time, to State) {
	if c.cfg.QuickACK && c.cfg.DelayedACK > 0 && to == CloseWait {
		c.extra().interactive = true
		c.delayACK(now)
		return
	}
	c.ackPending = true
}

// delayACK starts the delayed-ACK timer unless it runs already.
func (c *Conn) delayACK(now time.Time) {
	if c.timers[TimerDelayedACK] == 0 {
		c.setTimer(TimerDelayedACK, now.Add(c.cfg.DelayedACK))
	}
}

// onDelayedACKTimeout sends the delayed ACK. With QuickACK no data came
// to carry it in time: the connection is no longer interactive.
func (c *Conn) onDelayedACKTimeout() {
	c.ackPending = true
	if c.cfg.QuickACK && c.aux != nil {
		c.aux.interactive = false
	}
}

// dataSent notes that new data leaves. With QuickACK, data sent less than
// DelayedACK after data arrived makes the connection interactive: it
// answers what it receives, so its ACKs may wait for the answers.
func (c *Conn) dataSent(now time.Time) {
	if !c.cfg.QuickACK || c.aux == nil || c.aux.lastDataIn == 0 {
		return
	}
	if instantOf(now)-c.aux.lastDataIn < instant(c.cfg.DelayedACK) {
		c.aux.interactive = true
	}
}

// ackSentNow forgets a delayed ACK once any segment has carried the
// acknowledgment.
func (c *Conn) ackSentNow() {
	c.fullSegs = 0
	c.stopTimer(TimerDelayedACK)
}
