package tcpstate

import "github.com/tcpsim/tcpsim/tcpstate/seqnum"

// SACKBlocks fills dst with the SACK blocks a receiver holding this queue
// reports in its next ACK, given RCV.NXT, and returns how many it wrote
// (at most len(dst); pass a slice of MaxSACKBlocks, or 3 when the segment
// also carries timestamps, RFC 2018 §3). Each block is a run of held bytes
// whose neighbours on both sides are missing (RFC 2018 §3: "contiguous and
// isolated").
//
// Order (RFC 2018 §4): the first block is the one containing the segment
// most recently inserted, unless that segment advanced RCV.NXT (then its
// bytes are no longer held and no block contains it); the others follow
// from the most to the least recently changed, which repeats the first
// blocks of the previous SACK options when the receiver acknowledges every
// segment. A block never covers data at or below RCV.NXT: once data is
// acknowledged cumulatively it is no longer reported. A range starting at
// RCV.NXT is not reported either, since it is not isolated (the ACK itself
// should cover it: call Take first). No blocks means the ACK covers the
// highest sequence number held, and RFC 2018 §4 asks for a SACK option only
// when it does not.
func (r *reassembly) SACKBlocks(rcvNxt seqnum.Value, dst []SACKBlock) int {
	r.advance(rcvNxt)
	n := 0
	var below uint64 = ^uint64(0) // stamps already reported are >= below
	for n < len(dst) {
		best := -1
		for i, g := range r.ranges {
			if g.start == rcvNxt || g.stamp >= below {
				continue
			}
			if best < 0 || g.stamp > r.ranges[best].stamp {
				best = i
			}
		}
		if best < 0 {
			break
		}
		g := r.ranges[best]
		dst[n] = SACKBlock{Left: g.start, Right: g.end}
		below = g.stamp
		n++
	}
	return n
}
