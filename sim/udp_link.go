package sim

import (
	"time"

	"github.com/tcpsim/tcpsim/udp"
)

// udpKind says what a packet carries instead of a TCP segment.
type udpKind uint8

const (
	udpNone     udpKind = iota // a TCP segment: packet.seg
	udpDatagram                // a UDP datagram: udpMsg.dgram
	udpICMP                    // an ICMP error: udpMsg.icmp
)

// udpMsg is what a packet carries when it is not a TCP segment. The
// datagram's payload, or the ICMP message's quote, lives in the packet's
// buf.
type udpMsg struct {
	kind  udpKind
	dgram udp.Datagram
	icmp  ICMPMessage
}

// size returns the size of the IP packet that carries m: the IP header,
// then the UDP datagram or the ICMP message.
func (m *udpMsg) size() int {
	if m.kind == udpICMP {
		return ipHeaderLen(m.icmp.Src) + m.icmp.Len()
	}
	return ipHeaderLen(m.dgram.Src.Addr()) + m.dgram.Len()
}

// transmitUDP sends m from host from over the same paths as TCP
// segments, with the same impairments in the same order (see Path and
// transmit): scripted Nth faults (Match faults look at TCP segments and
// pass datagrams by), MTU, Duplicate, Loss or Burst, Corrupt, Limit,
// Reorder, Jitter, Rate. Its send was already traced.
func (w *World) transmitUDP(from *Host, m *udpMsg) {
	w.stats.Segments++ // transmissions share one numbering
	id := w.stats.Segments
	dst := m.dgram.Dst.Addr()
	if m.kind == udpICMP {
		dst = m.icmp.Dst
	}
	r := from.route(dst)
	if r == nil {
		w.dropUDP(from, m, id, DropNoRoute)
		return
	}
	ps := r.path
	ps.sent++
	extra, faulty := ps.applyFaults(nil)
	switch {
	case faulty:
		w.dropUDP(from, m, id, DropFault)
		return
	case ps.cfg.MTU > 0 && m.size() > ps.cfg.MTU:
		// No fragmentation in the world: a datagram larger than the path
		// MTU is lost, as with DF set.
		w.dropUDP(from, m, id, DropMTU)
		return
	}
	dup := ps.cfg.Duplicate > 0 && chance(w.rng, ps.cfg.Duplicate)
	w.enqueueUDP(from, r, m, id, extra)
	if dup {
		w.stats.Segments++
		w.stats.Duplicated++
		copyID := w.stats.Segments
		w.traceUDP(from, m, Duplicate, copyID, 0, id)
		w.enqueueUDP(from, r, m, copyID, extra)
	}
}

// enqueueUDP is enqueue for datagrams and ICMP messages: the same
// impairments through admit, then a packet that owns its bytes.
func (w *World) enqueueUDP(from *Host, r *route, m *udpMsg, id uint64, extra time.Duration) {
	ps := r.path
	at, corrupt, reason := w.admit(ps, m.size(), extra)
	if reason != 0 {
		w.dropUDP(from, m, id, reason)
		return
	}
	p := w.newPacket()
	p.id, p.to, p.path, p.corrupt = id, r.peer, ps, corrupt
	// The message is kept with the packet when it is recycled, so that
	// packets carrying TCP segments pay one pointer for it.
	if p.udp == nil {
		p.udp = new(udpMsg)
	}
	*p.udp = *m
	// The packet owns its bytes: the sender's buffer may change.
	switch m.kind {
	case udpDatagram:
		p.buf = append(p.buf[:0], m.dgram.Payload...)
		p.udp.dgram.Payload = p.buf
	case udpICMP:
		p.buf = append(p.buf[:0], m.icmp.Original.Payload...)
		p.udp.icmp.Original.Payload = p.buf
	}
	w.agenda.push(evDeliver, event{at: at, idx: p.idx})
}

// deliverUDP hands an arriving datagram or ICMP message to its host and
// recycles the packet. A corrupted one fails its checksum and is
// discarded: RFC 1122 §4.1.3.4, "If a UDP datagram is received with a
// checksum that is non-zero and invalid, UDP MUST silently discard the
// datagram" (the world always sends a checksum); RFC 1122 §3.2.2 and
// RFC 4443 §2.4 likewise for ICMP, whose checksum is mandatory.
func (w *World) deliverUDP(p *packet) {
	p.path.held--
	m := p.udp
	switch {
	case p.corrupt:
		w.dropUDP(p.to, m, p.id, DropCorrupt)
	case m.kind == udpDatagram:
		w.stats.Delivered++
		p.to.udpStack().inputDatagram(p.id, &m.dgram)
	case m.kind == udpICMP:
		w.stats.Delivered++
		p.to.udpStack().inputICMP(p.id, &m.icmp)
	}
	*m = udpMsg{}
	w.freePacket(p)
}

// dropUDP discards m at host h and traces why.
func (w *World) dropUDP(h *Host, m *udpMsg, id uint64, reason DropReason) {
	w.stats.Dropped++
	w.traceUDP(h, m, Drop, id, reason, 0)
}
