// Package tcpstate is one TCP connection's state machine (RFC 9293), with
// no I/O of its own ("sans-I/O"): it takes segments, timer expiries and
// application calls, each with an explicit time, and hands back the
// segments to send, its next deadline and application events. It never
// reads a clock, starts a goroutine or draws a random number, so the same
// code runs in a simulator in virtual time, against capture files and over
// a real network device.
//
// A driver feeds inputs and then pulls outputs:
//
//	c.HandleSegment(now, seg)       // or c.HandleTimeout(now), c.Write(p)...
//	for seg, ok := c.Poll(now); ok; seg, ok = c.Poll(now) {
//		send(seg)
//	}
//	for ev, ok := c.PollEvent(); ok; ev, ok = c.PollEvent() {
//		notify(ev)
//	}
//	wakeAt(c.NextTimeout())
//
// Times passed in must not go backwards, and must lie within the range of
// int64 nanoseconds since 1970 (the years 1678 to 2262): a connection
// keeps its deadlines that way to stay small.
package tcpstate
