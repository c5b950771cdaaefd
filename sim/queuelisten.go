package sim

import "github.com/tcpsim/tcpsim/tcpstate"

// overflow handles a SYN that finds the listener's backlog full. It is
// traced as a drop (DropListenOverflow); with HostConfig.OverflowReset
// the host then refuses the connection with a RST as if no one listened
// (RFC 9293 §3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>), like
// Linux with net.ipv4.tcp_abort_on_overflow. Dropped, the SYN is
// retransmitted by the client until the backlog has room or it gives up.
func (l *Listener) overflow(seg *tcpstate.Segment) {
	h, w := l.host, l.host.w
	if h.cookies != nil {
		l.sendCookie(seg)
		return
	}
	w.drop(h, seg, w.delivering, DropListenOverflow)
	if !h.overflowReset {
		return
	}
	if r, ok := tcpstate.ResetFor(seg); ok {
		h.SendRaw(r)
	}
}

// sendCookie answers a SYN beyond the backlog with a SYN-ACK whose ISN is
// a SYN cookie, keeping nothing (RFC 4987 §3.6).
func (l *Listener) sendCookie(seg *tcpstate.Segment) {
	h := l.host
	h.traceSegment(Recv, seg, tcpstate.Accepted)
	cfg := h.tcp
	cfg.Secret[0] |= 1 // a valid config; the cookie fixes the ISN
	if synAck, ok := h.cookies.Reply(h.w.Now(), cfg, *seg); ok {
		h.SendRaw(synAck)
	}
}

// cookieACK opens a connection for an ACK that returns a SYN cookie
// (tcpstate.SYNCookies.Open) and hands it the ACK, which establishes it.
// It reports false, leaving the ACK to the listener, for any other
// segment.
func (l *Listener) cookieACK(seg *tcpstate.Segment) bool {
	h, w := l.host, l.host.w
	if h.cookies == nil || seg.Flags&(tcpstate.SYN|tcpstate.ACK|tcpstate.RST) != tcpstate.ACK {
		return false
	}
	ep, err := w.newEndpoint(h)
	if err != nil {
		return false
	}
	ep.muted = true // the rebuilt handshake is not traced
	err = h.cookies.Open(w.Now(), ep.tcp, *seg)
	ep.muted = false
	if err != nil {
		ep.release()
		return false
	}
	ep.listener = l
	ep.enter()
	ep.handle(seg)
	ep.flush()
	return true
}
