package sim

import (
	"fmt"
	"net/netip"
	"time"
)

// Path is one direction of a link, described in the vocabulary of Linux
// netem (tc-netem(8)). The zero Path is perfect: it delivers every
// segment, in order, at once; Delay alone delivers each after exactly
// Delay. Probabilities are fractions between 0 and 1 (netem's 10% is
// 0.1).
//
// Each segment entering the path goes through these steps, in this
// order, and draws its random numbers from the world's generator in the
// same order, only for the impairments that are set: scripted Faults,
// MTU, Duplicate, Loss or Burst, Corrupt, Limit, Reorder, Jitter, then
// Rate (see impair.go).
type Path struct {
	// Delay is the one-way propagation delay (netem "delay TIME").
	Delay time.Duration
	// Jitter varies the delay of each segment (netem "delay TIME
	// JITTER"): by default uniformly within Delay±Jitter, like netem when
	// no distribution table is given; see JitterDist. A delay never goes
	// below zero. Segments whose delays differ may overtake each other,
	// as in netem, unless InOrder is set.
	Jitter time.Duration
	// JitterDist is the distribution of the jitter: Uniform (the default)
	// or Normal (standard deviation Jitter, netem "distribution normal").
	JitterDist Distribution
	// InOrder keeps segments in the order they entered the path whatever
	// their jitter: a segment is never delivered before the one sent
	// ahead of it. netem behaves this way when a rate is set (its queue
	// serializes). It cannot be combined with Reorder.
	InOrder bool

	// Loss is the probability that a segment is lost, each independently
	// (netem "loss random PERCENT").
	Loss float64
	// Burst, when its P is set, loses segments in bursts with the
	// Gilbert-Elliott model instead (netem "loss gemodel p r 1-h 1-k").
	// It cannot be combined with Loss.
	Burst GilbertElliott

	// Reorder is the probability that a segment skips the delay and is
	// sent at once, overtaking those ahead of it (netem "delay TIME
	// reorder PERCENT", with netem's default gap of 1). It needs a Delay.
	Reorder float64
	// Duplicate is the probability that a segment is sent twice (netem
	// "duplicate PERCENT"). The copy goes through the rest of the path
	// on its own: it may be lost, corrupted or delayed differently.
	Duplicate float64
	// Corrupt is the probability that a segment has one bit flipped
	// (netem "corrupt PERCENT"). It still arrives, fails its checksum and
	// is dropped by the receiving host with reason DropCorrupt (RFC 9293
	// §3.1: a segment with a bad checksum is discarded).
	Corrupt float64

	// Rate is the path's bandwidth in bits per second (netem "rate"); 0
	// means unlimited. A segment takes size*8/Rate to serialize, its size
	// being its IP header (20 bytes for IPv4, 40 for IPv6), TCP header,
	// options and data; segments wait for those ahead of them.
	Rate int64
	// Limit is how many segments the path holds at once, waiting to be
	// serialized or in flight (netem "limit PACKETS"); a segment that
	// finds it full is dropped (tail drop, DropQueue). 0 means no limit.
	Limit int
	// MTU is the largest IP packet the path carries; a segment that would
	// make a larger one is dropped (DropMTU). 0 means no limit. Hosts size
	// their segments from their own tcpstate.Config.MTU, so a drop here
	// shows a misconfiguration.
	MTU int

	// Faults are scripted impairments: drop or delay the Nth segment
	// sent on the path, or those matching a predicate.
	Faults []Fault
}

// Distribution is the shape of a path's jitter.
type Distribution uint8

// The jitter distributions.
const (
	// Uniform: every delay in Delay±Jitter is equally likely (netem's
	// behaviour without a distribution table).
	Uniform Distribution = iota
	// Normal: the delay is normally distributed around Delay with
	// standard deviation Jitter (netem "distribution normal").
	Normal
)

// GilbertElliott is a two-state burst loss model, as in netem's "loss
// gemodel p r 1-h 1-k". The path is either in the good state or in the
// bad one. For each segment it first moves (good to bad with probability
// P, bad to good with probability R), then loses the segment with the
// loss probability of the state it was in: LossGood (netem's 1-k) or
// LossBad (netem's 1-h). With LossGood 0 and LossBad 1 (the
// Gilbert model) bursts last 1/R segments on average and the loss rate
// is P/(P+R).
type GilbertElliott struct {
	P, R              float64
	LossBad, LossGood float64
}

// enabled reports whether the model is in use.
func (g GilbertElliott) enabled() bool { return g != GilbertElliott{} }

// Link joins two hosts, with one Path in each direction.
type Link struct {
	a, b   *Host
	ab, ba pathState
}

// route is one way out of a host: across link, on path, to peer.
type route struct {
	peer *Host
	path *pathState
}

// AddLink joins hosts a and b: segments from a to b take path ab, those
// from b to a take path ba. The hosts must have addresses of the same
// family. Each path is checked with Validate.
func (w *World) AddLink(a, b *Host, ab, ba Path) (*Link, error) {
	switch {
	case a == nil || b == nil || a.w != w || b.w != w:
		return nil, fmt.Errorf("%w: link between hosts of another world", ErrInvalid)
	case a == b:
		return nil, fmt.Errorf("%w: link from host %s to itself", ErrInvalid, a.name)
	case a.addr.Is4() != b.addr.Is4():
		return nil, fmt.Errorf("%w: link %s-%s: hosts %v and %v are not of the same address family",
			ErrInvalid, a.name, b.name, a.addr, b.addr)
	case a.route(b.addr) != nil:
		return nil, fmt.Errorf("%w: hosts %s and %s are already linked", ErrAddrInUse, a.name, b.name)
	}
	if err := ab.validate(); err != nil {
		return nil, fmt.Errorf("%w: link %s->%s: %v", ErrInvalid, a.name, b.name, err)
	}
	if err := ba.validate(); err != nil {
		return nil, fmt.Errorf("%w: link %s->%s: %v", ErrInvalid, b.name, a.name, err)
	}
	l := &Link{a: a, b: b}
	l.ab.init(ab)
	l.ba.init(ba)
	a.routes = append(a.routes, route{peer: b, path: &l.ab})
	b.routes = append(b.routes, route{peer: a, path: &l.ba})
	w.links = append(w.links, l)
	return l, nil
}

// Hosts returns the two ends of the link.
func (l *Link) Hosts() (a, b *Host) { return l.a, l.b }

// Paths returns the path from a to b and the path from b to a.
func (l *Link) Paths() (ab, ba Path) { return l.ab.cfg, l.ba.cfg }

// route finds the way to dst: the host at dst must be linked to h.
func (h *Host) route(dst netip.Addr) *route {
	for i := range h.routes {
		if h.routes[i].peer.addr == dst {
			return &h.routes[i]
		}
	}
	return nil
}
