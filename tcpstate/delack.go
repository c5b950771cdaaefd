package tcpstate

import "time"

// ackInOrder asks for the ACK of n bytes of new in-order data. With
// Config.DelayedACK the ACK waits, to be piggybacked on data or to cover
// more segments (RFC 1122 §4.2.3.2, RFC 9293 §3.8.6.3): "an ACK SHOULD be
// generated for at least every second full-sized segment" and the delay
// "MUST be less than 0.5 seconds". Out-of-order data, FINs and old
// segments are acknowledged at once elsewhere (RFC 5681 §4.2).
func (c *Conn) ackInOrder(now time.Time, n int) {
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
	if c.timers[TimerDelayedACK] == 0 {
		c.setTimer(TimerDelayedACK, now.Add(c.cfg.DelayedACK))
	}
}

// ackSentNow forgets a delayed ACK once any segment has carried the
// acknowledgment.
func (c *Conn) ackSentNow() {
	c.fullSegs = 0
	c.stopTimer(TimerDelayedACK)
}
