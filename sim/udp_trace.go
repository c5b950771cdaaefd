package sim

import "net/netip"

// traceUDP records event ev of transmission id, a datagram or an ICMP
// message, at host h: Local and Remote are the datagram's addresses as h
// sees them (for an ICMP message, those of the datagram it quotes).
func (w *World) traceUDP(h *Host, m *udpMsg, ev SegmentEvent, id uint64, reason DropReason, original uint64) {
	if w.cfg.Trace == nil {
		return
	}
	e := TraceEvent{Time: w.Now(), Host: h, Event: ev, Packet: id, Reason: reason, Original: original}
	switch m.kind {
	case udpDatagram:
		e.Kind, e.Datagram = TraceDatagram, m.dgram
		e.Local, e.Remote = m.dgram.Src, m.dgram.Dst
		if ev != Send && ev != Duplicate && m.dgram.Dst.Addr() == h.addr {
			e.Local, e.Remote = m.dgram.Dst, m.dgram.Src
		}
	case udpICMP:
		e.Kind, e.ICMP = TraceICMP, m.icmp
		e.Local, e.Remote = m.icmp.Original.Src, m.icmp.Original.Dst
		if h.addr == m.icmp.Original.Dst.Addr() {
			e.Local, e.Remote = m.icmp.Original.Dst, m.icmp.Original.Src
		}
	default:
		return
	}
	w.cfg.Trace(e)
}

// traceUDPCall records an application call on a UDP socket. N is the
// bytes sent or read, Data those bytes, Remote the peer of the call (the
// destination of a send, the source of a read) when it has one.
func (w *World) traceUDPCall(s *udpSocket, call Call, remote netip.AddrPort, n int, data []byte, err error) {
	if w.cfg.Trace == nil {
		return
	}
	w.cfg.Trace(TraceEvent{
		Time: w.Now(), Kind: TraceCall, Host: s.host,
		Local: s.ep.LocalAddr(), Remote: remote,
		Call: call, N: n, Data: data, Err: err,
	})
}
