package tcpstate

import "time"

// armKeepalive restarts the idle clock of keep-alives (Config.KeepAlive):
// "if no data or acknowledgement packets have been received for the
// connection within an interval" (RFC 1122 §4.2.3.6), a probe is sent.
func (c *Conn) armKeepalive(now time.Time) {
	if c.cfg.KeepAlive > 0 && (c.state == Established || c.state == CloseWait) {
		c.setTimer(TimerKeepalive, now.Add(c.cfg.KeepAlive))
	}
}

// onKeepalive sends a probe, or gives up after KeepAliveProbes unanswered
// ones. While data or a FIN is outstanding or waiting, the retransmission
// or persist timer watches the peer instead.
func (c *Conn) onKeepalive(now time.Time) {
	if c.sndUna != c.sndNxt || c.sndBuf.Len() > 0 || c.finQueued && !c.finSent {
		c.armKeepalive(now)
		return
	}
	if int(c.probesOut) >= c.cfg.KeepAliveProbes {
		c.fail(now, ErrTimedOut, "RFC 1122 §4.2.3.6: keep-alive probes unanswered, connection timed out")
		return
	}
	c.probesOut++
	c.keepalivePending = true
	c.setTimer(TimerKeepalive, now.Add(c.cfg.KeepAliveInterval))
}
