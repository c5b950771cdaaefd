package tcpstate

import "time"

// Timer names one entry of the connection's fixed timer table.
type Timer uint8

// The timers, in the order HandleTimeout walks them.
const (
	// TimerRetransmit is the RFC 6298 retransmission timer; it also
	// retransmits SYN and SYN-ACK.
	TimerRetransmit Timer = iota
	// TimerPersist probes a zero window (RFC 9293 §3.8.6.1) and ends the
	// sender's silly window syndrome wait (§3.8.6.2.1 override timeout).
	TimerPersist
	// TimerDelayedACK sends a delayed ACK (Config.DelayedACK).
	TimerDelayedACK
	// TimerKeepalive probes an idle connection (Config.KeepAlive).
	TimerKeepalive
	// TimerTimeWait ends TIME-WAIT after 2×MSL (RFC 9293 §3.10.8).
	TimerTimeWait
	numTimers
)

var timerNames = [...]string{
	TimerRetransmit: "retransmit",
	TimerPersist:    "persist",
	TimerDelayedACK: "delayed-ack",
	TimerKeepalive:  "keepalive",
	TimerTimeWait:   "time-wait",
}

// String names the timer: "retransmit", "time-wait".
func (t Timer) String() string {
	if int(t) < len(timerNames) {
		return timerNames[t]
	}
	return "timer-unknown"
}

// NextTimeout returns the earliest armed deadline, or the zero Time when
// no timer is armed. The driver calls HandleTimeout at (or after) it.
func (c *Conn) NextTimeout() time.Time {
	var next instant
	for _, d := range c.timers {
		if d != 0 && (next == 0 || d < next) {
			next = d
		}
	}
	return next.time()
}

// HandleTimeout fires every timer whose deadline is at or before now, in
// the table's order. Calling it early does nothing.
func (c *Conn) HandleTimeout(now time.Time) {
	for t := range numTimers {
		if d := c.timers[t]; d == 0 || d > instantOf(now) {
			continue
		}
		c.timers[t] = 0
		if c.cfg.Trace != nil {
			c.trace(now, TraceEvent{Kind: TraceTimer, Timer: t})
		}
		switch t {
		case TimerRetransmit:
			c.onRetransmitTimeout(now)
		case TimerPersist:
			c.onPersistTimeout(now)
		case TimerDelayedACK:
			c.onDelayedACKTimeout()
		case TimerKeepalive:
			c.onKeepalive(now)
		case TimerTimeWait:
			// RFC 9293 §3.10.8: "If the time-wait timeout expires on a
			// connection, delete the TCB, enter the CLOSED state, and return."
			c.setState(now, Closed, "RFC 9293 §3.10.8: time-wait timeout (2×MSL)")
		}
	}
}

func (c *Conn) setTimer(t Timer, at time.Time) { c.timers[t] = instantOf(at) }
func (c *Conn) stopTimer(t Timer)              { c.timers[t] = 0 }
