package tcpstate

import (
	"cmp"
	"slices"
	"unsafe"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// Reassembly limits. The caller normally sets the byte limit to the receive
// buffer size, so that the queue can never hold more than the window it
// advertised.
const (
	// maxReassemblyLimit caps the byte limit at the largest window a peer
	// may use with window scaling (RFC 7323 §2.3: 2^30), which also keeps
	// every held byte less than 2^31 from RCV.NXT so that sequence
	// comparisons stay meaningful (RFC 9293 §3.4).
	maxReassemblyLimit = 1 << 30
	// defaultReassemblyRanges is how many separate blocks (holes + 1) a
	// queue holds when the caller sets no other bound. 1024 blocks of
	// 1460 bytes with a 1460-byte hole after each span about 3 MB.
	defaultReassemblyRanges = 1024
	// reassemblyFirstBuf is the first buffer size, doubled as needed.
	reassemblyFirstBuf = 4096
)

// reassembly is a receiver's out-of-order queue: it holds data that arrived
// above RCV.NXT until the hole in front of it is filled (RFC 9293
// §3.10.7.4: "Segments with higher beginning sequence numbers SHOULD be held
// for later processing", SHLD-31).
//
// The caller owns RCV.NXT and passes it to every method; the queue forgets
// whatever lies below it, so data delivered in order by the caller itself
// (the fast path when the queue is empty or the segment starts at RCV.NXT)
// simply moves RCV.NXT past queued copies of the same bytes. RCV.NXT must
// never move backwards; if it does, the queue empties itself rather than
// return wrong bytes.
//
// Storage is one circular buffer indexed by distance from RCV.NXT: the byte
// with sequence number s sits at buf[(head + s - base) mod len(buf)], where
// base is RCV.NXT as last seen. Which bytes are present is a sorted list of
// disjoint, non-adjacent ranges. The buffer grows by doubling up to the byte
// limit and is then reused, so a steady stream of reordered segments
// allocates nothing.
//
// Bounded memory, deterministically:
//   - only bytes in [RCV.NXT, min(RCV.NXT+limit, window end)) are kept; the
//     part of a segment beyond that is dropped;
//   - at most maxRanges separate ranges are held; a segment that would open
//     one more is dropped whole, unless it starts at RCV.NXT (it is then
//     ready to be taken at once, so it cannot pin memory).
//
// The queue never discards data it holds before delivery on its own (no
// reneging, RFC 2018 §8), so every SACK block reported stays true until
// cumulatively acknowledged; only Reset and a backwards RCV.NXT empty it.
//
// Overlaps: where a segment covers bytes already held, its bytes replace
// them. RFC 9293 §3.10 ("we reconstruct the segment to contain just the new
// data") leaves either copy valid, and from a correct peer they are equal.
// "Newest wins" matches the in-order fast path, which delivers the arriving
// segment's bytes and makes the queue forget its copies below the new
// RCV.NXT.
type reassembly struct {
	buf    []byte
	head   int          // index in buf of the byte at base
	base   seqnum.Value // RCV.NXT as last seen
	ranges []oooRange   // held data, sorted, disjoint and not adjacent
	held   int          // sum of the ranges' lengths

	limit     int // most bytes above RCV.NXT the queue keeps
	maxRanges int // most separate ranges the queue keeps
	// rangesOnly: the queue keeps which bytes it holds, not the bytes
	// (an Observer's: only their sequence numbers matter). It then
	// allocates no buffer; Skip, not Take, moves past them.
	rangesOnly bool

	clock uint64 // counts inserts; stamps the range each one lands in
}

// oooRange is one contiguous run of held bytes [start, end).
type oooRange struct {
	start, end seqnum.Value
	// stamp is the clock value of the last segment that landed in this
	// range: the higher, the more recently it changed (RFC 2018 §4 order).
	stamp uint64
}

// newReassembly returns an empty queue that keeps at most limit bytes above
// RCV.NXT in at most maxRanges separate ranges. limit is clamped to
// [0, 2^30]; maxRanges < 1 means defaultReassemblyRanges. Nothing is
// allocated until the first out-of-order byte arrives.
func newReassembly(limit, maxRanges int) *reassembly {
	r := &reassembly{}
	r.setLimits(limit, maxRanges)
	return r
}

// setLimits changes the bounds. Bytes already held stay held even if they
// now exceed the limit; new ones obey it.
func (r *reassembly) setLimits(limit, maxRanges int) {
	r.limit = min(max(limit, 0), maxReassemblyLimit)
	if maxRanges < 1 {
		maxRanges = defaultReassemblyRanges
	}
	r.maxRanges = maxRanges
}

// Len returns how many bytes the queue holds.
func (r *reassembly) Len() int { return r.held }

// Empty reports whether the queue holds nothing.
func (r *reassembly) Empty() bool { return len(r.ranges) == 0 }

// Mem returns the bytes of memory the queue has allocated (its buffer and
// its range list), for per-connection accounting.
func (r *reassembly) Mem() int {
	return cap(r.buf) + cap(r.ranges)*int(unsafe.Sizeof(oooRange{}))
}

// Reset empties the queue, keeping its memory for reuse.
func (r *reassembly) Reset() {
	r.ranges = r.ranges[:0]
	r.held = 0
	r.head = 0
}

// off returns the distance from base to v.
func (r *reassembly) off(v seqnum.Value) int { return int(r.base.Size(v)) }

// advance moves base to rcvNxt, forgetting the bytes below it.
func (r *reassembly) advance(rcvNxt seqnum.Value) {
	if rcvNxt == r.base {
		return
	}
	if len(r.ranges) == 0 {
		r.base, r.head = rcvNxt, 0
		return
	}
	if rcvNxt.LessThan(r.base) {
		// RCV.NXT never moves back (RFC 9293 §3.3.1); a caller that does
		// this has lost track, and the held offsets mean nothing now.
		r.Reset()
		r.base = rcvNxt
		return
	}
	// Drop whole ranges below rcvNxt and trim one that straddles it.
	i := 0
	for i < len(r.ranges) && r.ranges[i].end.LessThanEq(rcvNxt) {
		r.held -= int(r.ranges[i].start.Size(r.ranges[i].end))
		i++
	}
	r.ranges = slices.Delete(r.ranges, 0, i)
	if len(r.ranges) > 0 && r.ranges[0].start.LessThan(rcvNxt) {
		r.held -= int(r.ranges[0].start.Size(rcvNxt))
		r.ranges[0].start = rcvNxt
	}
	d := r.base.Size(rcvNxt)
	r.base = rcvNxt
	if len(r.ranges) == 0 {
		r.head = 0
		return
	}
	if len(r.buf) > 0 {
		r.head = int((uint64(r.head) + uint64(d)) % uint64(len(r.buf)))
	}
}

// Insert queues the segment text data that starts at sequence number seq,
// given the receiver's RCV.NXT and the end of the window it offered
// (RCV.NXT+RCV.WND). It keeps only the part in [rcvNxt, wndEnd) and within
// the byte limit (RFC 9293 §3.10.7.4: trim what lies outside the window),
// and returns how many of the kept bytes were not held before (0 for a
// duplicate or a dropped segment).
//
// Insert accepts a segment at RCV.NXT too; Take then returns it along with
// whatever it made contiguous.
func (r *reassembly) Insert(seq seqnum.Value, data []byte, rcvNxt, wndEnd seqnum.Value) int {
	r.advance(rcvNxt)
	// Usable span: the window, cut to the byte limit.
	span := 0
	if rcvNxt.LessThan(wndEnd) {
		span = min(int(rcvNxt.Size(wndEnd)), r.limit)
	}
	// Trim the left part already received (RFC 9293 §3.10.7.4).
	s := 0
	if seq.LessThan(rcvNxt) {
		skip := int(seq.Size(rcvNxt))
		if skip >= len(data) {
			return 0
		}
		data = data[skip:]
	} else {
		s = int(rcvNxt.Size(seq))
	}
	if s >= span || len(data) == 0 {
		return 0
	}
	data = data[:min(len(data), span-s)] // trim the right part beyond the window or limit
	e := s + len(data)

	// ranges[i:j] are the ranges the segment overlaps or touches.
	i, _ := slices.BinarySearchFunc(r.ranges, s, func(g oooRange, s int) int {
		return cmp.Compare(r.off(g.end), s) // first range whose end >= s
	})
	j := i
	for j < len(r.ranges) && r.off(r.ranges[j].start) <= e {
		j++
	}
	if i == j && len(r.ranges) >= r.maxRanges && s != 0 {
		return 0 // one range too many: drop it, it will be retransmitted
	}

	if !r.rangesOnly {
		r.grow(e)
		r.write(s, data)
	}

	fresh := len(data)
	merged := oooRange{start: rcvNxt.Add(seqnum.Size(s)), end: rcvNxt.Add(seqnum.Size(e))}
	for _, g := range r.ranges[i:j] {
		gs, ge := r.off(g.start), r.off(g.end)
		if ov := min(ge, e) - max(gs, s); ov > 0 {
			fresh -= ov
		}
		merged.start = seqnum.Min(merged.start, g.start)
		merged.end = seqnum.Max(merged.end, g.end)
	}
	r.clock++
	merged.stamp = r.clock
	if i == j {
		r.ranges = slices.Insert(r.ranges, i, merged)
	} else {
		r.ranges[i] = merged
		r.ranges = slices.Delete(r.ranges, i+1, j)
	}
	r.held += fresh
	return fresh
}

// Ready returns how many bytes starting at rcvNxt the queue can deliver now.
func (r *reassembly) Ready(rcvNxt seqnum.Value) int {
	r.advance(rcvNxt)
	if len(r.ranges) == 0 || r.ranges[0].start != rcvNxt {
		return 0
	}
	return int(rcvNxt.Size(r.ranges[0].end))
}

// Take removes up to most contiguous bytes starting at rcvNxt and returns
// them as two slices of the queue's buffer (b is non-empty only when the
// bytes wrap around its end). They stay valid until the next Insert. The
// caller appends a then b to the receive buffer and advances
// RCV.NXT by len(a)+len(b) (RFC 9293 §3.10.7.4: the held segments are now
// processed in order).
func (r *reassembly) Take(rcvNxt seqnum.Value, most int) (a, b []byte) {
	n := min(r.Ready(rcvNxt), most)
	if n <= 0 {
		return nil, nil
	}
	end := min(r.head+n, len(r.buf))
	a = r.buf[r.head:end:end]
	b = r.buf[: n-len(a) : n-len(a)]
	r.advance(rcvNxt.Add(seqnum.Size(n)))
	return a, b
}

// grow makes the buffer hold at least need bytes from base, unrolling the
// ring so that base lands at index 0.
// Skip moves past the bytes held at rcvNxt, at most most of them, as Take
// does without returning them, and says how many there were.
func (r *reassembly) Skip(rcvNxt seqnum.Value, most int) int {
	n := min(r.Ready(rcvNxt), most)
	if n <= 0 {
		return 0
	}
	r.advance(rcvNxt.Add(seqnum.Size(n)))
	return n
}

func (r *reassembly) grow(need int) {
	if need <= len(r.buf) {
		return
	}
	size := max(len(r.buf)*2, reassemblyFirstBuf)
	for size < need {
		size *= 2
	}
	size = max(min(size, r.limit), need)
	nb := make([]byte, size)
	c := copy(nb, r.buf[r.head:])
	copy(nb[c:], r.buf[:r.head])
	r.buf, r.head = nb, 0
}

// write copies p into the ring at distance off from base.
func (r *reassembly) write(off int, p []byte) {
	at := (r.head + off) % len(r.buf)
	c := copy(r.buf[at:], p)
	copy(r.buf, p[c:])
}
