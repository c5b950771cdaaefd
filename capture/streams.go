package capture

import (
	"encoding/binary"
	"hash/maphash"
	"net/netip"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// Streams numbers the TCP connections of a capture as Wireshark's
// tcp.stream field does (checked against tshark 4.0): from 0, in the order
// of their first packet, one number for both directions. A SYN starts a
// new stream on a 4-tuple already seen when its sequence number differs
// from that end's base: the sequence number of its first segment (less
// one unless a SYN), or else the other end's first acknowledgment less
// one (Wireshark's base_seq, from which it counts relative numbers).
type Streams struct {
	// An open-addressing hash table: index holds 1 + the position in
	// entries of each 4-tuple's latest connection, 0 for an empty slot;
	// it is kept at most half full. A map would hash the 40-byte key
	// with a generic function and follow a pointer to the entry.
	index   []int32
	bits    uint   // len(index) is 1<<bits
	seed    uint64 // secret, random: see hash
	entries []streamEntry
	n       int
	// The last packet's endpoints and 1 + the position of its entry (0:
	// none): the packets of a connection tend to come together, and they
	// then skip the hash.
	lastSrc, lastDst netip.AddrPort
	last             int32
}

// streamEntry is a 4-tuple and its latest connection.
type streamEntry struct {
	key tuplePair
	st  stream
}

// tuplePair is a connection's two endpoints, lower first, so that both
// directions find the same entry. It is plain memory, every field a
// number and no padding, so that it hashes and compares as a block of 40
// bytes.
type tuplePair struct {
	loHi, loLo, hiHi, hiLo uint64 // the addresses, as 16 bytes each (IPv4 mapped)
	loPort, hiPort         uint16
	v6                     uint32 // 1 for IPv6 (IPv4-mapped included), 0 for IPv4: they are not one stream
}

// pairOf is the tuplePair of a packet from a to b.
func pairOf(a, b netip.AddrPort) tuplePair {
	a16, b16 := a.Addr().As16(), b.Addr().As16()
	ah, al := binary.BigEndian.Uint64(a16[:8]), binary.BigEndian.Uint64(a16[8:])
	bh, bl := binary.BigEndian.Uint64(b16[:8]), binary.BigEndian.Uint64(b16[8:])
	ap, bp := a.Port(), b.Port()
	if bh < ah || bh == ah && (bl < al || bl == al && bp < ap) {
		ah, al, ap, bh, bl, bp = bh, bl, bp, ah, al, ap
	}
	k := tuplePair{loHi: ah, loLo: al, hiHi: bh, hiLo: bl, loPort: ap, hiPort: bp}
	if !a.Addr().Is4() {
		k.v6 = 1
	}
	return k
}

// stream is what Streams keeps of the last connection on a 4-tuple.
type stream struct {
	id      int
	origin  netip.AddrPort  // the source of its first packet
	base    [2]seqnum.Value // each end's base: origin's (0) and the other's (1)
	baseSet [2]bool
}

// NewStreams returns an empty numbering.
func NewStreams() *Streams {
	return &Streams{index: make([]int32, 1<<10), bits: 10, seed: maphash.Bytes(maphash.MakeSeed(), nil)}
}

// hash is a 4-tuple's table position: each field is mixed in by a
// multiply and a shift (splitmix64's steps) from a random seed drawn for
// each table, so that no capture can be made whose tuples all collide in
// every run. The numbering does not depend on it.
func (s *Streams) hash(k *tuplePair) uint64 {
	h := s.seed
	for _, v := range [...]uint64{k.loHi, k.loLo, k.hiHi, k.hiLo, uint64(k.loPort)<<32 | uint64(k.hiPort)<<16 | uint64(k.v6)} {
		h ^= v
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 31
	}
	h *= 0x94d049bb133111eb
	return h >> (64 - s.bits)
}

// find returns the entry of key, or nil, and the slot where it is or
// would go.
func (s *Streams) find(key *tuplePair) (*streamEntry, int) {
	mask := len(s.index) - 1
	for i := int(s.hash(key)); ; i = (i + 1) & mask {
		e := s.index[i]
		if e == 0 {
			return nil, i
		}
		if s.entries[e-1].key == *key {
			return &s.entries[e-1], i
		}
	}
}

// insert adds a new 4-tuple, growing the table to keep it half empty.
func (s *Streams) insert(key *tuplePair, slot int) *streamEntry {
	if 2*(len(s.entries)+1) > len(s.index) {
		s.index, s.bits = make([]int32, 2*len(s.index)), s.bits+1
		for i := range s.entries {
			_, at := s.find(&s.entries[i].key)
			s.index[at] = int32(i + 1)
		}
		_, slot = s.find(key)
	}
	s.entries = append(s.entries, streamEntry{key: *key})
	s.index[slot] = int32(len(s.entries))
	return &s.entries[len(s.entries)-1]
}

// Len is how many streams have been numbered.
func (s *Streams) Len() int { return s.n }

// Add numbers seg's connection and tells whether seg goes the way of the
// stream's first packet (forward) or back.
func (s *Streams) Add(seg *tcpstate.Segment) (id int, forward bool) {
	var key tuplePair
	var e *streamEntry
	slot := 0
	if s.last > 0 && (seg.Src == s.lastSrc && seg.Dst == s.lastDst || seg.Src == s.lastDst && seg.Dst == s.lastSrc) {
		e = &s.entries[s.last-1]
	} else {
		key = pairOf(seg.Src, seg.Dst)
		if e, slot = s.find(&key); e != nil {
			s.last = s.index[slot]
		}
	}
	var st *stream
	if e != nil {
		st = &e.st
	}
	dir := 0
	if st != nil && seg.Src != st.origin {
		dir = 1
	}
	if st != nil && seg.Flags&(tcpstate.SYN|tcpstate.ACK) == tcpstate.SYN && st.baseSet[dir] && st.base[dir] != seg.Seq {
		// A new connection on an old 4-tuple: a SYN with another ISN than
		// this end's. (A SYN at the base is a retransmission.)
		st = nil
	}
	if st == nil {
		if e == nil {
			e = s.insert(&key, slot)
			s.last = int32(len(s.entries))
		}
		e.st = stream{id: s.n, origin: seg.Src}
		st = &e.st
		s.n++
		dir = 0
	}
	s.lastSrc, s.lastDst = seg.Src, seg.Dst
	if !st.baseSet[dir] {
		st.base[dir], st.baseSet[dir] = seg.Seq, true
		if seg.Flags&tcpstate.SYN == 0 {
			st.base[dir] = seg.Seq.Sub(1)
		}
	}
	if seg.Flags&tcpstate.ACK != 0 && !st.baseSet[1-dir] {
		st.base[1-dir], st.baseSet[1-dir] = seg.Ack.Sub(1), true
	}
	return st.id, dir == 0
}
