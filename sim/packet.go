package sim

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// packet is a segment in flight. It owns its payload: the Payload Poll
// returns aliases the sending connection's buffer, so it is copied into
// buf, which is kept when the packet is recycled.
type packet struct {
	idx     uint32 // in World.packets
	id      uint64 // the number of the transmission, from 1
	seg     tcpstate.Segment
	to      *Host
	path    *pathState // the path it is on, which holds it until delivery
	corrupt bool       // a bit was flipped on the way: the receiver drops it
	udp     *udpMsg    // a UDP datagram or ICMP message instead of seg, when set and udp.kind is (udp_link.go)
	buf     []byte
	next    *packet // free list
}

func (w *World) newPacket() *packet {
	p := w.freePackets
	if p == nil {
		p = &packet{idx: uint32(len(w.packets))}
		w.packets = append(w.packets, p)
		return p
	}
	w.freePackets = p.next
	p.next = nil
	return p
}

// freePacket recycles p. Its segment is left as it is, to be overwritten:
// it refers only to p's own buffer and to hosts, which live as long as the
// world.
func (w *World) freePacket(p *packet) {
	p.next = w.freePackets
	w.freePackets = p
}

// transmit sends seg from host from: it is routed to the host that owns
// the destination address and goes through the path's impairments
// (impair.go), or is dropped when there is no route. Its send was
// already traced.
func (w *World) transmit(from *Host, seg *tcpstate.Segment) {
	w.stats.Segments++
	id := w.stats.Segments
	r := from.route(seg.Dst.Addr())
	if r == nil {
		w.drop(from, seg, id, DropNoRoute)
		return
	}
	ps := r.path
	ps.sent++
	extra, faulty := time.Duration(0), false
	if len(ps.cfg.Faults) > 0 {
		extra, faulty = ps.applyFaults(seg)
	}
	if faulty {
		w.drop(from, seg, id, DropFault)
		return
	}
	if ps.cfg.MTU > 0 && ipSize(seg) > ps.cfg.MTU {
		w.drop(from, seg, id, DropMTU)
		return
	}
	// netem decides on duplication first; the copy then goes through the
	// rest of the path on its own.
	dup := ps.cfg.Duplicate > 0 && chance(w.rng, ps.cfg.Duplicate)
	w.enqueue(from, r, seg, id, extra)
	if dup {
		w.stats.Segments++
		w.stats.Duplicated++
		copyID := w.stats.Segments
		w.traceDuplicate(from, seg, copyID, id)
		w.enqueue(from, r, seg, copyID, extra)
	}
}

// enqueue puts transmission id of seg on route r, unless the path loses it
// or is full, and schedules its arrival (see pathState.admit).
func (w *World) enqueue(from *Host, r *route, seg *tcpstate.Segment, id uint64, extra time.Duration) {
	size := 0
	if r.path.cfg.Rate > 0 { // only serialization needs the size
		size = ipSize(seg)
	}
	at, corrupt, reason := w.admit(r.path, size, extra)
	if reason != 0 {
		w.drop(from, seg, id, reason)
		return
	}
	p := w.newPacket()
	p.id, p.to, p.seg, p.path, p.corrupt = id, r.peer, *seg, r.path, corrupt
	p.seg.Payload = nil
	if len(seg.Payload) > 0 {
		p.buf = append(p.buf[:0], seg.Payload...)
		p.seg.Payload = p.buf
	}
	w.agenda.push(evDeliver, event{at: at, idx: p.idx})
}

// deliver hands an arriving packet to its host and recycles it. A
// corrupted packet fails its checksum and the host discards it (RFC 9293
// §3.1, MUST-3: the receiver checks the checksum; §3.8: a segment failing
// it is lost, and retransmission recovers it).
func (w *World) deliver(p *packet) {
	if p.udp != nil && p.udp.kind != udpNone {
		w.deliverUDP(p)
		return
	}
	p.path.held--
	if p.corrupt {
		w.drop(p.to, &p.seg, p.id, DropCorrupt)
		w.freePacket(p)
		return
	}
	w.stats.Delivered++
	w.delivering = p.id
	p.to.input(&p.seg)
	w.delivering = 0
	w.freePacket(p)
}

// drop discards a segment at host h and traces why.
func (w *World) drop(h *Host, seg *tcpstate.Segment, id uint64, reason DropReason) {
	w.stats.Dropped++
	if w.cfg.Trace != nil {
		local, remote := seg.Src, seg.Dst // dropped on the way out
		if seg.Dst.Addr() == h.addr {
			local, remote = seg.Dst, seg.Src // dropped on arrival
		}
		w.cfg.Trace(TraceEvent{
			Time: w.Now(), Kind: TraceSegment, Host: h, Event: Drop, Packet: id,
			Local: local, Remote: remote, Segment: *seg, Reason: reason,
		})
	}
}
