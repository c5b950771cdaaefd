package sim

import "github.com/tcpsim/tcpsim/tcpstate"

// packet is a segment in flight. It owns its payload: the Payload Poll
// returns aliases the sending connection's buffer, so it is copied into
// buf, which is kept when the packet is recycled.
type packet struct {
	idx  uint32 // in World.packets
	id   uint64 // the number of the transmission, from 1
	seg  tcpstate.Segment
	to   *Host
	buf  []byte
	next *packet // free list
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
// the destination address and delivered after the path's delay, or
// dropped when there is no route. Its send was already traced.
func (w *World) transmit(from *Host, seg *tcpstate.Segment) {
	w.stats.Segments++
	id := w.stats.Segments
	r := from.route(seg.Dst.Addr())
	if r == nil {
		w.drop(from, seg, id, DropNoRoute)
		return
	}
	p := w.newPacket()
	p.id, p.to, p.seg = id, r.peer, *seg
	p.seg.Payload = nil
	if len(seg.Payload) > 0 {
		p.buf = append(p.buf[:0], seg.Payload...)
		p.seg.Payload = p.buf
	}
	w.agenda.push(event{at: w.now + int64(r.path.Delay), kind: evDeliver, idx: p.idx})
}

// deliver hands an arriving packet to its host and recycles it.
func (w *World) deliver(p *packet) {
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
