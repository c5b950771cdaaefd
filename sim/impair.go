package sim

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// pathState is a Path and what the world remembers about it between
// segments.
type pathState struct {
	cfg  Path
	sent uint64 // segments that entered the path (for Fault.Nth)
	hits []int  // per fault: the segments it picked (for Fault.Count)
	bad  bool   // Gilbert-Elliott: in the bad state
	held int    // segments waiting to be serialized or in flight (for Limit)
	free int64  // when the transmitter has serialized what it holds (for Rate)
	last int64  // the latest arrival scheduled (for InOrder)

	scratch tcpstate.Segment // the copy of a segment a Fault.Match looks at
}

func (ps *pathState) init(p Path) {
	p.Faults = append([]Fault(nil), p.Faults...) // the caller's slice may change
	ps.cfg = p
	if len(p.Faults) > 0 {
		ps.hits = make([]int, len(p.Faults))
	}
}

// chance draws one number and reports whether an event of probability p
// happens. Impairments that are not set draw nothing.
func chance(rng *rand.Rand, p float64) bool { return rng.Float64() < p }

// lose decides whether the path loses the segment: independently with
// probability Loss (netem "loss random"), or with the Gilbert-Elliott
// model (netem "loss gemodel"), which first moves between its states and
// then loses with the probability of the state it was in, as netem does.
func (ps *pathState) lose(rng *rand.Rand) bool {
	c := &ps.cfg
	if c.Loss > 0 {
		return chance(rng, c.Loss)
	}
	g := &c.Burst
	if !g.enabled() {
		return false
	}
	if ps.bad {
		if chance(rng, g.R) {
			ps.bad = false
		}
		return chance(rng, g.LossBad)
	}
	if chance(rng, g.P) {
		ps.bad = true
	}
	return chance(rng, g.LossGood)
}

// propagation returns the segment's one-way delay: none for a segment
// netem's reordering sends at once, else Delay varied by Jitter (uniform
// in Delay±Jitter, or normal), never below zero.
func (ps *pathState) propagation(rng *rand.Rand) time.Duration {
	c := &ps.cfg
	if c.Reorder > 0 && chance(rng, c.Reorder) {
		return 0
	}
	d := c.Delay
	if c.Jitter > 0 {
		j := int64(c.Jitter)
		switch c.JitterDist {
		case Normal:
			d += time.Duration(rng.NormFloat64() * float64(j))
		default:
			d += time.Duration(rng.Int64N(2*j+1) - j)
		}
	}
	return max(d, 0)
}

// ipSize returns the size of the IP packet that carries seg: the IP
// header, the TCP header (20 bytes, RFC 9293 §3.1) with its options, and
// the data.
func ipSize(seg *tcpstate.Segment) int {
	return ipHeaderLen(seg.Dst.Addr()) + 20 + seg.Options.Len() + len(seg.Payload)
}

// ipHeaderLen is the size of the header of an IP packet to or from addr:
// 20 bytes for IPv4 (RFC 791), 40 for IPv6 (RFC 8200), extension headers
// and options aside. An IPv4-mapped address is IPv4.
func ipHeaderLen(addr netip.Addr) int {
	if addr.Unmap().Is4() {
		return ipv4HeaderLen
	}
	return ipv6HeaderLen
}

// serialize returns when the last bit of a packet of size bytes handed to
// the path at now has left: after those ahead of it, at Rate bits per
// second. Without a Rate it leaves at once.
func (ps *pathState) serialize(now int64, size int) int64 {
	if ps.cfg.Rate == 0 {
		return now
	}
	start := max(now, ps.free)
	// bits * 1e9 / rate, rounded up to the next nanosecond; 128-bit
	// intermediate not needed: size < 2^17 bytes, 8e9*2^17 < 2^63.
	ns := (int64(size)*8*int64(time.Second) + ps.cfg.Rate - 1) / ps.cfg.Rate
	ps.free = start + ns
	return ps.free
}

// admit runs a packet of size bytes (needed only with a Rate) through path ps after its faults,
// MTU check and duplication: loss, corruption, the path's limit, then its
// delays. It returns why the path drops it, or when it arrives (after
// serialization, propagation and a fault's extra delay) and whether it
// arrives corrupted. An admitted packet is held by the path until it is
// delivered (deliver releases it). TCP segments and UDP datagrams share
// it, so that they meet the same impairments with the same draws.
func (w *World) admit(ps *pathState, size int, extra time.Duration) (at int64, corrupt bool, reason DropReason) {
	c := &ps.cfg
	if ps.lose(w.rng) {
		return 0, false, DropLoss
	}
	corrupt = c.Corrupt > 0 && chance(w.rng, c.Corrupt)
	if c.Limit > 0 && ps.held >= c.Limit {
		return 0, false, DropQueue // netem: tail drop once "limit" packets are held
	}
	prop := ps.propagation(w.rng)
	sent := w.now
	if c.Rate > 0 {
		sent = ps.serialize(w.now, size)
	}
	at = sent + int64(prop+extra)
	if c.InOrder {
		at = max(at, ps.last)
	}
	ps.last = max(ps.last, at)
	ps.held++
	return at, corrupt, 0
}
