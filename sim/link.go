package sim

import (
	"fmt"
	"net/netip"
	"time"
)

// Path is one direction of a link. A perfect path delivers every segment,
// in order, after exactly Delay. (Loss, jitter and reordering will be
// properties of a Path.)
type Path struct {
	// Delay is the one-way propagation delay.
	Delay time.Duration
}

// Link joins two hosts, with one Path in each direction.
type Link struct {
	a, b   *Host
	ab, ba Path
}

// route is one way out of a host: across link, on path, to peer.
type route struct {
	peer *Host
	path *Path
}

// AddLink joins hosts a and b: segments from a to b take path ab, those
// from b to a take path ba.
func (w *World) AddLink(a, b *Host, ab, ba Path) (*Link, error) {
	switch {
	case a == nil || b == nil || a.w != w || b.w != w:
		return nil, fmt.Errorf("%w: link between hosts of another world", ErrInvalid)
	case a == b:
		return nil, fmt.Errorf("%w: link from host %s to itself", ErrInvalid, a.name)
	case ab.Delay < 0 || ba.Delay < 0:
		return nil, fmt.Errorf("%w: link %s-%s: negative delay", ErrInvalid, a.name, b.name)
	case a.route(b.addr) != nil:
		return nil, fmt.Errorf("%w: hosts %s and %s are already linked", ErrAddrInUse, a.name, b.name)
	}
	l := &Link{a: a, b: b, ab: ab, ba: ba}
	a.routes = append(a.routes, route{peer: b, path: &l.ab})
	b.routes = append(b.routes, route{peer: a, path: &l.ba})
	w.links = append(w.links, l)
	return l, nil
}

// Hosts returns the two ends of the link.
func (l *Link) Hosts() (a, b *Host) { return l.a, l.b }

// Paths returns the path from a to b and the path from b to a.
func (l *Link) Paths() (ab, ba Path) { return l.ab, l.ba }

// route finds the way to dst: the host at dst must be linked to h.
func (h *Host) route(dst netip.Addr) *route {
	for i := range h.routes {
		if h.routes[i].peer.addr == dst {
			return &h.routes[i]
		}
	}
	return nil
}
