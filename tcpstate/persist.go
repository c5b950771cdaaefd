package tcpstate

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// swsOverride is the sender's silly window syndrome override timeout: RFC
// 9293 §3.8.6.2.1 says it "should be in the range 0.1 - 1.0 seconds".
const swsOverride = 200 * time.Millisecond

// swsAllows decides whether n new bytes may leave now, of the queued
// unsent bytes, by the sender's SWS avoidance rules of RFC 9293
// §3.8.6.2.1 (MUST-38). All written data counts as pushed and Nagle's
// bracketed condition is not applied. Send when:
//
//	(1) a maximum-sized segment can be sent,
//	(2) all queued data can be sent now,
//	(3) at least half of the largest window the peer offered can be sent,
//	(4) or the override timeout fired.
func (c *Conn) swsAllows(n int, queued seqnum.Size) bool {
	return n >= int(c.sndMSS()) || seqnum.Size(n) >= queued ||
		uint32(n) >= c.maxSndWnd/2 || c.override
}

// wndEnd is the right edge of the peer's window: SND.UNA+SND.WND (RFC
// 9293 §3.8.6.2.1).
func (c *Conn) wndEnd() seqnum.Value { return c.sndUna.Add(seqnum.Size(c.sndWnd)) }

// dataEnd is the sequence number after the last byte written.
func (c *Conn) dataEnd() seqnum.Value { return c.sndBufSeq.Add(seqnum.Size(c.sndBuf.Len())) }

// usableWindow is how much new data the peer's window admits:
// SND.UNA+SND.WND-SND.NXT, or 0.
func (c *Conn) usableWindow() seqnum.Size {
	end := c.wndEnd()
	if !c.sndNxt.LessThan(end) {
		return 0
	}
	return c.sndNxt.Size(end)
}

// sendsData tells whether a connection in state s may send data and a
// FIN: from ESTABLISHED until its FIN is acknowledged (RFC 9293 §3.3.2).
func sendsData(s State) bool {
	switch s {
	case Established, CloseWait, FinWait1, Closing, LastAck:
		return true
	}
	return false
}

// armPersist starts the persist timer when data (or a FIN) waits, nothing
// is in flight to bring an ACK back, and the window is closed or too small
// to send into (RFC 9293 §3.8.6.1 and §3.8.6.2.1).
func (c *Conn) armPersist(now time.Time) {
	if c.timers[TimerPersist] != 0 || c.timers[TimerRetransmit] != 0 || c.sndUna != c.sndNxt {
		return
	}
	if !sendsData(c.state) {
		return
	}
	if !c.sndNxt.LessThan(c.dataEnd()) && (!c.finQueued || c.finSent) {
		return // nothing waits
	}
	if c.usableWindow() > 0 {
		c.setTimer(TimerPersist, now.Add(swsOverride))
		return
	}
	// "The transmitting host SHOULD send the first zero-window probe when
	// a zero window has existed for the retransmission timeout period
	// (SHLD-29) ... and SHOULD increase exponentially the interval between
	// successive probes (SHLD-30)."
	d := c.rto.rto
	for i := int32(0); i < c.persistShift && d < c.cfg.MaxRTO; i++ {
		d *= 2
	}
	c.setTimer(TimerPersist, now.Add(min(d, c.cfg.MaxRTO)))
}

// onPersistTimeout sends what fits if the window is open but small (the
// SWS override), or else a zero-window probe: one octet of new data (or,
// with Config.EmptyWindowProbes, an empty segment). The octet is then
// retransmitted on the retransmission timer, with its backoff; a peer
// that answers probes may keep its window closed for ever (RFC 9293
// §3.8.6.1 MUST-37: the sender "MUST allow the connection to stay open"),
// one that stops answering is given up on after DataRetries.
func (c *Conn) onPersistTimeout(now time.Time) {
	if c.usableWindow() > 0 {
		c.override = true
		c.persistShift++
		return
	}
	if c.cfg.EmptyWindowProbes {
		// Linux's probe carries no data and is not retransmitted: the
		// persist timer sends the next one, twice as late.
		if int(c.probesOut) >= c.cfg.DataRetries {
			c.fail(now, ErrTimedOut, "RFC 1122 §4.2.2.17: zero-window probes unanswered, connection timed out")
			return
		}
		c.probesOut++
		c.persistShift++
		c.keepalivePending = true
		return
	}
	c.probePending = true
}
