package sim

import (
	"net/netip"

	"github.com/tcpsim/tcpsim/udp"
)

// udpStack is a host's UDP: its sockets by local port and its ports.
// UDP ports are a space of their own, apart from TCP's (RFC 768 and RFC
// 9293 each define their ports; IANA registers them per protocol).
type udpStack struct {
	h     *Host
	socks map[uint16]*udpSocket
	ports portTable
	quote []byte // scratch for the payload an ICMP message quotes
}

// udpStack returns h's UDP stack, making it on first use.
func (h *Host) udpStack() *udpStack {
	if h.udp == nil {
		h.udp = &udpStack{h: h, socks: make(map[uint16]*udpSocket), ports: newPortTable()}
	}
	return h.udp
}

// lookup finds the socket a datagram from src to dst goes to: the one
// bound to dst's port, unless it is connected to another remote. Linux
// does the same (a connected socket only matches its remote), so a
// datagram from a stranger to a connected socket's port is answered with
// a port unreachable rather than silently dropped.
func (u *udpStack) lookup(dst, src netip.AddrPort) *udpSocket {
	s := u.socks[dst.Port()]
	if s == nil || dst.Addr() != u.h.addr {
		return nil
	}
	if s.ep.Connected() && s.ep.RemoteAddr() != src {
		return nil
	}
	return s
}

// inputDatagram takes datagram d, transmission id, that arrived for the
// host, queues it on its socket and tells the application; with no
// socket, the host answers with an ICMP port unreachable: RFC 1122
// §4.1.3.1, "If a datagram arrives addressed to a UDP port for which
// there is no pending LISTEN call, UDP SHOULD send an ICMP Port
// Unreachable message".
func (u *udpStack) inputDatagram(id uint64, d *udp.Datagram) {
	w := u.h.w
	m := udpMsg{kind: udpDatagram, dgram: *d}
	s := u.lookup(d.Dst, d.Src)
	if s == nil {
		w.stats.Dropped++
		w.traceUDP(u.h, &m, Drop, id, DropPortUnreachable, 0)
		u.sendPortUnreachable(d)
		return
	}
	switch s.ep.Deliver(*d) {
	case udp.Queued:
		w.traceUDP(u.h, &m, Recv, id, 0, 0)
		if s.handler.Readable != nil {
			s.handler.Readable(UDPSocket{s: s})
		}
	case udp.DroppedQueueFull:
		w.stats.Dropped++
		w.traceUDP(u.h, &m, Drop, id, DropRcvBuf, 0)
	default: // lookup only returns sockets that accept d
		w.stats.Dropped++
		w.traceUDP(u.h, &m, Drop, id, DropPortUnreachable, 0)
	}
}

// sendPortUnreachable answers d with an ICMP port unreachable (RFC 792
// type 3 code 3; ICMPv6 type 1 code 4, RFC 4443 §3.1). The world only
// has unicast addresses, and never answers an ICMP error with another,
// so the exceptions of RFC 1122 §3.2.2 (no ICMP error about an ICMP
// error, a broadcast or a multicast) do not arise. ICMP rate limiting
// (RFC 1812 §4.3.2.8, RFC 4443 §2.4(f)) is not modelled.
func (u *udpStack) sendPortUnreachable(d *udp.Datagram) {
	m := udpMsg{kind: udpICMP, icmp: portUnreachable(u.h.addr, d, u.quote)}
	if p := m.icmp.Original.Payload; p != nil {
		u.quote = p[:0]
	}
	w := u.h.w
	w.traceUDP(u.h, &m, Send, w.stats.Segments+1, 0, 0)
	w.transmitUDP(u.h, &m)
}

// inputICMP takes an ICMP error that arrived for the host and passes it
// to the socket that sent the datagram it quotes: RFC 1122 §4.1.3.3,
// "UDP MUST pass to the application layer all ICMP error messages that it
// receives from the IP layer". The socket keeps it for its next call only
// if it is connected to the datagram's destination (udp.Endpoint.HandleICMP),
// and then the application's Error callback runs.
func (u *udpStack) inputICMP(id uint64, m *ICMPMessage) {
	w := u.h.w
	w.traceUDP(u.h, &udpMsg{kind: udpICMP, icmp: *m}, Recv, id, 0, 0)
	if !m.IsPortUnreachable() || m.Original.Src.Addr() != u.h.addr {
		return
	}
	s := u.socks[m.Original.Src.Port()]
	if s == nil || !s.ep.HandleICMP(m.Original.Dst, udp.ErrRefused) {
		return
	}
	if s.handler.Error != nil {
		s.handler.Error(UDPSocket{s: s}, udp.ErrRefused)
	}
}
