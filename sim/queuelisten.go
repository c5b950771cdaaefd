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
	w.drop(h, seg, w.delivering, DropListenOverflow)
	if !h.overflowReset {
		return
	}
	if r, ok := tcpstate.ResetFor(seg); ok {
		h.SendRaw(r)
	}
}
