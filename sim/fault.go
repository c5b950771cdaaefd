package sim

import (
	"fmt"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// Fault is a scripted impairment of a Path, so that a lesson can say
// "lose the third ACK": it drops or delays either the Nth segment that
// enters the path, or the segments a predicate matches. A dropped segment
// is traced with reason DropFault. Faults act before every other
// impairment of the path and draw no random number.
type Fault struct {
	// Nth picks the Nth segment sent on the path, counting from 1 (every
	// segment that enters it, including those later lost). Set Nth or
	// Match, not both.
	Nth uint64
	// Match picks the segments for which it returns true. It is called,
	// in order, for every segment entering the path while the fault is
	// not spent, so it may count or look at state; it must not keep seg.
	Match func(seg *tcpstate.Segment) bool
	// Count is how many segments Match may pick: 0 for every one, 1 for
	// the first only (once). Unused with Nth, which picks one segment.
	Count int
	// Delay is how much later than the path would deliver it the picked
	// segment arrives; 0 drops it.
	Delay time.Duration
	// Shared, with Nth, counts the packets (segments and datagrams)
	// entering every path that holds this Fault together, in *Shared,
	// instead of the path's own count: put the same Fault on both paths of
	// a link to pick the Nth packet sent by either host.
	Shared *uint64
}

// DropNth returns a Fault that drops the nth segment sent on the path,
// counting from 1.
func DropNth(n uint64) Fault { return Fault{Nth: n} }

// DelayNth returns a Fault that delivers the nth segment sent on the path
// d later than the path would.
func DelayNth(n uint64, d time.Duration) Fault { return Fault{Nth: n, Delay: d} }

// DropMatching returns a Fault that drops the first count segments match
// picks (every one if count is 0).
func DropMatching(match func(*tcpstate.Segment) bool, count int) Fault {
	return Fault{Match: match, Count: count}
}

// DelayMatching returns a Fault that delays by d the first count segments
// match picks (every one if count is 0).
func DelayMatching(match func(*tcpstate.Segment) bool, count int, d time.Duration) Fault {
	return Fault{Match: match, Count: count, Delay: d}
}

// validate checks the fault's fields.
func (f *Fault) validate() error {
	switch {
	case f.Nth == 0 && f.Match == nil:
		return fmt.Errorf("fault needs Nth (from 1) or Match")
	case f.Nth != 0 && f.Match != nil:
		return fmt.Errorf("fault sets both Nth and Match")
	case f.Nth != 0 && f.Count != 0:
		return fmt.Errorf("fault Count %d is for Match faults (Nth picks one segment)", f.Count)
	case f.Shared != nil && f.Nth == 0:
		return fmt.Errorf("fault Shared counts for Nth faults only")
	case f.Count < 0:
		return fmt.Errorf("fault Count %d is negative", f.Count)
	case f.Delay < 0:
		return fmt.Errorf("fault Delay %v is negative", f.Delay)
	}
	return nil
}

// nth is the number of the packet entering ps, counted by the path or, for
// a Shared fault, across all its paths.
func (f *Fault) nth(ps *pathState) uint64 {
	if f.Shared == nil {
		return ps.sent
	}
	*f.Shared++
	return *f.Shared
}

// applyFaults runs the path's faults on seg, the ps.sent-th packet to
// enter it. It reports whether a fault drops it, or else the extra delay
// the faults add (their sum, if several pick it). A nil seg is a UDP
// datagram or ICMP message: only Nth faults apply to those.
func (ps *pathState) applyFaults(seg *tcpstate.Segment) (extra time.Duration, drop bool) {
	for i := range ps.cfg.Faults {
		f := &ps.cfg.Faults[i]
		if f.Nth != 0 {
			if f.nth(ps) != f.Nth {
				continue
			}
		} else {
			if seg == nil {
				continue
			}
			if f.Count != 0 && ps.hits[i] >= f.Count {
				continue
			}
			// Match sees a copy kept in the path: handing it seg itself
			// would make every segment escape to the heap.
			ps.scratch = *seg
			hit := f.Match(&ps.scratch)
			ps.scratch.Payload = nil // keep no connection's buffer alive
			if !hit {
				continue
			}
			ps.hits[i]++
		}
		if f.Delay == 0 {
			drop = true
		}
		extra += f.Delay
	}
	return extra, drop
}

// DropNthOfAll returns a Fault that counts the segments entering every
// path it is put on, together, and drops the nth (from 1): put the same
// Fault on both paths of a link to drop the nth segment sent by either
// host, as "tcpsim --drop N" does. Segments copied by Duplicate are not
// counted; they were not sent by a host.
func DropNthOfAll(n uint64) Fault {
	return Fault{Nth: n, Shared: new(uint64)}
}
