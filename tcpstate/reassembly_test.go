package tcpstate

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// rsmFill returns n copies of c.
func rsmFill(c byte, n int) []byte { return bytes.Repeat([]byte{c}, n) }

// rsmRanges lists the queue's ranges as [start, end) pairs.
func rsmRanges(r *reassembly) [][2]seqnum.Value {
	var out [][2]seqnum.Value
	for _, g := range r.ranges {
		out = append(out, [2]seqnum.Value{g.start, g.end})
	}
	return out
}

// rsmByteAt reads the held byte with sequence number s straight from the ring.
func rsmByteAt(r *reassembly, s seqnum.Value) byte {
	return r.buf[(r.head+r.off(s))%len(r.buf)]
}

// rsmTakeAll takes everything ready at rcvNxt and returns it with the new RCV.NXT.
func rsmTakeAll(r *reassembly, rcvNxt seqnum.Value) ([]byte, seqnum.Value) {
	a, b := r.Take(rcvNxt, math.MaxInt)
	out := append(append([]byte(nil), a...), b...)
	return out, rcvNxt.Add(seqnum.Size(len(out)))
}

// TestReassemblyOverlaps inserts a segment of 'n' bytes against a queue
// holding 'o' bytes at [1100, 1200) with RCV.NXT 1000 and a window ending at
// 2000. Expected ranges and counts are worked out by hand: a segment merges
// with every range it overlaps or touches; its bytes replace held ones
// (newest wins); the part below RCV.NXT or past the window is trimmed
// (RFC 9293 §3.10.7.4).
func TestReassemblyOverlaps(t *testing.T) {
	const rcvNxt, wndEnd = seqnum.Value(1000), seqnum.Value(2000)
	type rng = [2]seqnum.Value
	cases := []struct {
		name       string
		seq        seqnum.Value
		n          int
		fresh      int
		ranges     []rng
		newFirst   seqnum.Value // first sequence number holding an 'n' byte
		newEnd     seqnum.Value // one past the last
		ready      int
		readyBytes byte
	}{
		{"left overlap", 1050, 100, 50, []rng{{1050, 1200}}, 1050, 1150, 0, 0},
		{"right overlap", 1150, 100, 50, []rng{{1100, 1250}}, 1150, 1250, 0, 0},
		{"inside", 1120, 60, 0, []rng{{1100, 1200}}, 1120, 1180, 0, 0},
		{"covering", 1050, 200, 100, []rng{{1050, 1250}}, 1050, 1250, 0, 0},
		{"duplicate", 1100, 100, 0, []rng{{1100, 1200}}, 1100, 1200, 0, 0},
		{"adjacent left", 1050, 50, 50, []rng{{1050, 1200}}, 1050, 1100, 0, 0},
		{"adjacent right", 1200, 50, 50, []rng{{1100, 1250}}, 1200, 1250, 0, 0},
		{"disjoint above", 1300, 50, 50, []rng{{1100, 1200}, {1300, 1350}}, 1300, 1350, 0, 0},
		{"disjoint below", 1010, 50, 50, []rng{{1010, 1060}, {1100, 1200}}, 1010, 1060, 0, 0},
		{"at RCV.NXT", 1000, 50, 50, []rng{{1000, 1050}, {1100, 1200}}, 1000, 1050, 50, 'n'},
		{"fills the hole", 1000, 100, 100, []rng{{1000, 1200}}, 1000, 1100, 200, 'n'},
		{"starts below RCV.NXT", 950, 100, 50, []rng{{1000, 1050}, {1100, 1200}}, 1000, 1050, 50, 'n'},
		{"all below RCV.NXT", 900, 100, 0, []rng{{1100, 1200}}, 0, 0, 0, 0},
		{"past the window end", 1950, 100, 50, []rng{{1100, 1200}, {1950, 2000}}, 1950, 2000, 0, 0},
		{"wholly past the window", 2000, 10, 0, []rng{{1100, 1200}}, 0, 0, 0, 0},
		{"empty", 1300, 0, 0, []rng{{1100, 1200}}, 0, 0, 0, 0},
		{"bridges two", 1190, 120, 10, nil, 0, 0, 0, 0}, // set below
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newReassembly(1<<16, 0)
			require.Equal(t, 100, r.Insert(1100, rsmFill('o', 100), rcvNxt, wndEnd))
			if c.name == "bridges two" {
				// A second range [1300, 1400): the segment [1190, 1310) touches
				// both and fills only [1200, 1300), 100 new bytes.
				require.Equal(t, 100, r.Insert(1300, rsmFill('o', 100), rcvNxt, wndEnd))
				c.fresh, c.ranges, c.newFirst, c.newEnd = 100, []rng{{1100, 1400}}, 1190, 1310
			}
			got := r.Insert(c.seq, rsmFill('n', c.n), rcvNxt, wndEnd)
			assert.Equal(t, c.fresh, got, "new bytes")
			assert.Equal(t, c.ranges, rsmRanges(r))
			want := 0
			for _, g := range c.ranges {
				want += int(g[0].Size(g[1]))
			}
			assert.Equal(t, want, r.Len(), "Len is the sum of the ranges")
			for _, g := range c.ranges {
				for s := g[0]; s != g[1]; s++ {
					w := byte('o')
					if s.InRange(c.newFirst, c.newEnd) {
						w = 'n'
					}
					require.Equal(t, w, rsmByteAt(r, s), "byte %d", s)
				}
			}
			assert.Equal(t, c.ready, r.Ready(rcvNxt))
			if c.ready > 0 {
				out, _ := rsmTakeAll(r, rcvNxt)
				assert.Equal(t, c.ready, len(out))
				assert.Equal(t, c.readyBytes, out[0])
			}
		})
	}
}

// TestReassemblyFillingHoleDeliversAllContiguous: three segments above a
// hole, one of them further up; filling the hole makes the first two
// contiguous, and only they are delivered.
func TestReassemblyFillingHoleDeliversAllContiguous(t *testing.T) {
	r := newReassembly(1<<16, 0)
	const wnd = seqnum.Value(65535)
	r.Insert(100, rsmFill('b', 100), 0, wnd)
	r.Insert(200, rsmFill('c', 100), 0, wnd)
	r.Insert(400, rsmFill('e', 100), 0, wnd)
	assert.Equal(t, 0, r.Ready(0), "nothing at RCV.NXT yet")
	a, b := r.Take(0, 1000)
	assert.Empty(t, a)
	assert.Empty(t, b)

	r.Insert(0, rsmFill('a', 100), 0, wnd)
	out, nxt := rsmTakeAll(r, 0)
	assert.Equal(t, append(append(rsmFill('a', 100), rsmFill('b', 100)...), rsmFill('c', 100)...), out)
	assert.Equal(t, seqnum.Value(300), nxt)
	assert.Equal(t, [][2]seqnum.Value{{400, 500}}, rsmRanges(r))
	assert.Equal(t, 100, r.Len())
	assert.Equal(t, 0, r.Ready(nxt))

	r.Insert(300, rsmFill('d', 100), nxt, wnd)
	out, nxt = rsmTakeAll(r, nxt)
	assert.Equal(t, append(rsmFill('d', 100), rsmFill('e', 100)...), out)
	assert.Equal(t, seqnum.Value(500), nxt)
	assert.True(t, r.Empty())
	assert.Equal(t, 0, r.Len())
}

// TestReassemblyTakeInParts: Take honours its byte limit and the rest stays
// ready.
func TestReassemblyTakeInParts(t *testing.T) {
	r := newReassembly(1<<16, 0)
	data := []byte("0123456789")
	r.Insert(5, data, 5, 100)
	a, b := r.Take(5, 4)
	assert.Equal(t, "0123", string(a)+string(b))
	assert.Equal(t, 6, r.Ready(9))
	out, _ := rsmTakeAll(r, 9)
	assert.Equal(t, "456789", string(out))
	a, b = r.Take(15, 0)
	assert.Empty(t, a)
	assert.Empty(t, b)
}

// TestReassemblyCallerAdvancesRCVNXT: the caller delivers in-order data
// itself (fast path) past part of a queued range; the queue forgets the
// covered bytes and hands over only the rest (RFC 9293 §3.10.7.4: no byte
// is delivered twice).
func TestReassemblyCallerAdvancesRCVNXT(t *testing.T) {
	r := newReassembly(1<<16, 0)
	r.Insert(100, []byte("ABCDEFGHIJ"), 0, 1000)
	r.Insert(200, []byte("xyz"), 0, 1000)
	// The caller received [0, 105) in order and delivered it itself.
	out, nxt := rsmTakeAll(r, 105)
	assert.Equal(t, "FGHIJ", string(out))
	assert.Equal(t, seqnum.Value(110), nxt)
	assert.Equal(t, 3, r.Len())
	// Then [110, 250) in order: the queue drops [200, 203) unreported.
	var sb [MaxSACKBlocks]SACKBlock
	assert.Equal(t, 0, r.SACKBlocks(250, sb[:]))
	assert.True(t, r.Empty())
	assert.Equal(t, 0, r.Len())
}

// TestReassemblyRCVNXTBackwards: a caller that moves RCV.NXT back gets an
// empty queue, never stale bytes at the wrong place.
func TestReassemblyRCVNXTBackwards(t *testing.T) {
	r := newReassembly(1<<16, 0)
	r.Insert(1100, rsmFill('x', 10), 1000, 2000)
	assert.Equal(t, 0, r.Ready(900))
	assert.True(t, r.Empty())
	assert.Equal(t, 0, r.Len())
	r.Insert(900, []byte("ok"), 900, 2000)
	out, _ := rsmTakeAll(r, 900)
	assert.Equal(t, "ok", string(out))
}

// TestReassemblyWraparound: RCV.NXT 150 below 2^32; the held data and the
// window cross the wrap, and so does the ring's head after several takes.
func TestReassemblyWraparound(t *testing.T) {
	r := newReassembly(4096, 0)
	nxt := seqnum.Value(math.MaxUint32 - 149) // 2^32 - 150
	wnd := func() seqnum.Value { return nxt.Add(4096) }
	var want, got []byte
	// 40 rounds of 3 segments of 100 bytes, the first arriving last; the
	// stream crosses 2^32 in round 0 and the ring wraps many times.
	for round := 0; round < 40; round++ {
		base := nxt
		seg := func(k int) []byte { return rsmFill(byte('a'+(round*3+k)%26), 100) }
		assert.Equal(t, 100, r.Insert(base.Add(200), seg(2), nxt, wnd()))
		assert.Equal(t, 100, r.Insert(base.Add(100), seg(1), nxt, wnd()))
		if round == 0 {
			assert.Equal(t, [][2]seqnum.Value{{math.MaxUint32 - 49, 150}}, rsmRanges(r), "one range across 2^32")
			var sb [MaxSACKBlocks]SACKBlock
			require.Equal(t, 1, r.SACKBlocks(nxt, sb[:]))
			assert.Equal(t, SACKBlock{Left: math.MaxUint32 - 49, Right: 150}, sb[0])
		}
		assert.Equal(t, 0, r.Ready(nxt))
		assert.Equal(t, 100, r.Insert(base, seg(0), nxt, wnd()))
		var out []byte
		out, nxt = rsmTakeAll(r, nxt)
		got = append(got, out...)
		want = append(append(append(want, seg(0)...), seg(1)...), seg(2)...)
	}
	assert.Equal(t, want, got)
	assert.Equal(t, seqnum.Value(math.MaxUint32-149).Add(12000), nxt)
	assert.LessOrEqual(t, len(r.buf), 4096)
}

// TestReassemblyMemoryBound: nothing beyond RCV.NXT+limit is kept, the cut
// is at exactly that byte, and the buffer never exceeds the limit.
func TestReassemblyMemoryBound(t *testing.T) {
	r := newReassembly(1000, 0)
	const wnd = seqnum.Value(1 << 20) // a window far larger than the limit
	assert.Equal(t, 100, r.Insert(900, rsmFill('x', 200), 0, wnd), "[900,1000) kept, [1000,1100) dropped")
	assert.Equal(t, 0, r.Insert(1000, rsmFill('y', 10), 0, wnd))
	assert.Equal(t, 0, r.Insert(5000, rsmFill('y', 10), 0, wnd))
	assert.Equal(t, [][2]seqnum.Value{{900, 1000}}, rsmRanges(r))
	assert.Equal(t, 1000, len(r.buf), "buffer capped at the limit")
	// The bound moves with RCV.NXT: after taking [0, 1000) there is room.
	r.Insert(0, rsmFill('a', 900), 0, wnd)
	out, nxt := rsmTakeAll(r, 0)
	assert.Len(t, out, 1000)
	assert.Equal(t, 10, r.Insert(1000, rsmFill('y', 10), nxt, wnd))
	assert.Equal(t, 1000, len(r.buf))

	// A zero limit keeps nothing at all, and allocates nothing.
	z := newReassembly(0, 0)
	assert.Equal(t, 0, z.Insert(0, rsmFill('a', 10), 0, wnd))
	assert.Equal(t, 0, z.Mem())
	// A negative or absurd limit is clamped, never allocated up front.
	assert.Equal(t, 0, newReassembly(-5, 0).limit)
	assert.Equal(t, 1<<30, newReassembly(math.MaxInt, 0).limit)
	assert.Equal(t, 0, newReassembly(math.MaxInt, 0).Mem())
}

// TestReassemblyRangeBound: with room for 2 ranges, a third isolated
// segment is dropped, but one that touches a range, or one at RCV.NXT, is
// kept.
func TestReassemblyRangeBound(t *testing.T) {
	r := newReassembly(1<<16, 2)
	const wnd = seqnum.Value(1 << 16)
	r.Insert(100, rsmFill('a', 10), 0, wnd)
	r.Insert(200, rsmFill('b', 10), 0, wnd)
	assert.Equal(t, 0, r.Insert(300, rsmFill('c', 10), 0, wnd), "a third range is refused")
	assert.Equal(t, 10, r.Insert(110, rsmFill('a', 10), 0, wnd), "extending a range is fine")
	assert.Equal(t, 10, r.Insert(0, rsmFill('z', 10), 0, wnd), "data at RCV.NXT is always kept")
	assert.Equal(t, [][2]seqnum.Value{{0, 10}, {100, 120}, {200, 210}}, rsmRanges(r))
	out, nxt := rsmTakeAll(r, 0)
	assert.Equal(t, rsmFill('z', 10), out)
	assert.Equal(t, 0, r.Insert(300, rsmFill('c', 10), nxt, wnd), "still two ranges held")
	// Filling [10, 100) makes [10, 120) deliverable; one range is left.
	assert.Equal(t, 90, r.Insert(10, rsmFill('y', 90), nxt, wnd))
	out, nxt = rsmTakeAll(r, nxt)
	assert.Len(t, out, 110)
	assert.Equal(t, 10, r.Insert(300, rsmFill('c', 10), nxt, wnd), "after the take there is room again")
	assert.Equal(t, 0, r.Insert(400, rsmFill('d', 10), nxt, wnd))
}

// TestReassemblyZeroWindow: with RCV.WND 0 (or a window end behind RCV.NXT)
// nothing is queued (RFC 9293 §3.10.7.4: no segment text is acceptable).
func TestReassemblyZeroWindow(t *testing.T) {
	r := newReassembly(1<<16, 0)
	assert.Equal(t, 0, r.Insert(100, rsmFill('a', 10), 100, 100))
	assert.Equal(t, 0, r.Insert(100, rsmFill('a', 10), 100, 50))
	assert.True(t, r.Empty())
}

// TestReassemblyResetAndMem: Reset empties the queue and keeps its memory.
func TestReassemblyResetAndMem(t *testing.T) {
	r := newReassembly(1<<16, 0)
	r.Insert(10, rsmFill('a', 10), 0, 1000)
	m := r.Mem()
	assert.GreaterOrEqual(t, m, reassemblyFirstBuf)
	r.Reset()
	assert.True(t, r.Empty())
	assert.Equal(t, 0, r.Len())
	assert.Equal(t, m, r.Mem())
	r.Insert(5, []byte("hi"), 5, 1000)
	out, _ := rsmTakeAll(r, 5)
	assert.Equal(t, "hi", string(out))
}

// rsmModel is the reference the property test checks the queue against: a
// map from sequence number to the byte held there, with the same trimming
// and dropping rules written naively.
type rsmModel struct {
	nxt       seqnum.Value
	held      map[seqnum.Value]byte
	limit     int
	maxRanges int
	last      SACKBlock // the bytes the latest segment kept, if any (RFC 2018 §4)
}

// runs returns the model's held runs, in sequence order.
func (m *rsmModel) runs() []SACKBlock {
	var out []SACKBlock
	for off := 0; off <= m.limit; off++ {
		s := m.nxt.Add(seqnum.Size(off))
		_, ok := m.held[s]
		switch {
		case ok && (len(out) == 0 || out[len(out)-1].Right != s):
			out = append(out, SACKBlock{Left: s, Right: s + 1})
		case ok:
			out[len(out)-1].Right++
		}
	}
	return out
}

// insert applies the rules documented on reassembly.Insert and returns the
// expected count of new bytes.
func (m *rsmModel) insert(off int, data []byte, wnd int) int {
	span := min(wnd, m.limit)
	first, end := max(off, 0), min(off+len(data), span)
	if first >= end {
		return 0
	}
	touches := false
	for o := first - 1; o <= end; o++ {
		if _, ok := m.held[m.nxt.Add(seqnum.Size(o))]; ok && o >= 0 {
			touches = true
		}
	}
	if !touches && first != 0 && len(m.runs()) >= m.maxRanges {
		return 0
	}
	m.last = SACKBlock{Left: m.nxt.Add(seqnum.Size(first)), Right: m.nxt.Add(seqnum.Size(end))}
	fresh := 0
	for o := first; o < end; o++ {
		s := m.nxt.Add(seqnum.Size(o))
		if _, ok := m.held[s]; !ok {
			fresh++
		}
		m.held[s] = data[o-off]
	}
	return fresh
}

// take delivers up to most contiguous bytes at RCV.NXT.
func (m *rsmModel) take(most int) []byte {
	var out []byte
	for len(out) < most {
		c, ok := m.held[m.nxt]
		if !ok {
			break
		}
		out = append(out, c)
		delete(m.held, m.nxt)
		m.nxt++
	}
	return out
}

// TestReassemblyMatchesModel drives the queue and the model with the same
// random inserts (overlapping, duplicate, partly outside the window or the
// limit, across 2^32), takes, and in-order deliveries done by the caller
// itself; they must agree on every byte delivered, in order and once, on
// what is held, and on the SACK blocks.
//
// Run more cases with: go test ./tcpstate -run TestReassemblyMatchesModel -rapid.checks=20000
func TestReassemblyMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		limit := rapid.IntRange(1, 300).Draw(t, "limit")
		maxRanges := rapid.IntRange(1, 6).Draw(t, "maxRanges")
		nxt := seqnum.Value(math.MaxUint32 - rapid.IntRange(0, 600).Draw(t, "belowWrap"))
		r := newReassembly(limit, maxRanges)
		m := &rsmModel{nxt: nxt, held: map[seqnum.Value]byte{}, limit: limit, maxRanges: maxRanges}
		for step := 0; step < 60; step++ {
			switch rapid.IntRange(0, 9).Draw(t, "op") {
			default: // insert, the most common
				off := rapid.IntRange(-40, limit+40).Draw(t, "off")
				n := rapid.IntRange(0, 80).Draw(t, "n")
				data := rapid.SliceOfN(rapid.Byte(), n, n).Draw(t, "data")
				wnd := rapid.IntRange(0, limit+50).Draw(t, "wnd")
				seq := m.nxt.Add(seqnum.Size(off)) // a negative off wraps to below RCV.NXT
				want := m.insert(off, data, wnd)
				got := r.Insert(seq, data, m.nxt, m.nxt.Add(seqnum.Size(wnd)))
				if got != want {
					t.Fatalf("Insert(off %d, %d bytes, wnd %d) = %d new bytes, want %d", off, n, wnd, got, want)
				}
			case 0, 1: // take
				most := rapid.IntRange(0, 120).Draw(t, "most")
				a, b := r.Take(m.nxt, most)
				got := append(append([]byte(nil), a...), b...)
				want := m.take(most)
				if !bytes.Equal(got, want) {
					t.Fatalf("Take(%d) = %v, want %v", most, got, want)
				}
			case 2: // the caller receives in-order data itself
				d := rapid.IntRange(1, 60).Draw(t, "delivered")
				for k := 0; k < d; k++ {
					delete(m.held, m.nxt)
					m.nxt++
				}
			}
			if r.Ready(m.nxt) != rsmReadyModel(m) || r.Len() != len(m.held) {
				t.Fatalf("Ready %d Len %d, model ready %d held %d", r.Ready(m.nxt), r.Len(), rsmReadyModel(m), len(m.held))
			}
			if len(r.buf) > limit {
				t.Fatalf("buffer %d bytes over the limit %d", len(r.buf), limit)
			}
			rsmCheckBlocks(t, r, m)
		}
	})
}

// rsmReadyModel counts the model's contiguous bytes at RCV.NXT.
func rsmReadyModel(m *rsmModel) int {
	n := 0
	for {
		if _, ok := m.held[m.nxt.Add(seqnum.Size(n))]; !ok {
			return n
		}
		n++
	}
}

// rsmCheckBlocks checks SACKBlocks against the model's isolated runs: every
// block is one of them, none repeats, as many are reported as fit, and the
// first is the run holding the latest segment's bytes, if any are still
// held in an isolated run (RFC 2018 §4).
func rsmCheckBlocks(t *rapid.T, r *reassembly, m *rsmModel) {
	var isolated []SACKBlock
	for _, g := range m.runs() {
		if g.Left != m.nxt {
			isolated = append(isolated, g)
		}
	}
	var sb [MaxSACKBlocks]SACKBlock
	k := r.SACKBlocks(m.nxt, sb[:])
	if k != min(len(isolated), MaxSACKBlocks) {
		t.Fatalf("%d blocks %v, model runs %v", k, sb[:k], isolated)
	}
	for i, b := range sb[:k] {
		if !slices.Contains(isolated, b) || slices.Contains(sb[:i], b) {
			t.Fatalf("block %v not an isolated run %v (or repeated)", b, isolated)
		}
	}
	for _, g := range isolated {
		if m.last.Left.LessThan(g.Right) && g.Left.LessThan(m.last.Right) && sb[0] != g {
			t.Fatalf("first block %v, but the latest segment %v is in %v", sb[0], m.last, g)
		}
	}
}

// BenchmarkReassemblyOneHole: a window of 16 segments of 1460 bytes whose
// first segment arrives last, again and again; each operation is one
// segment inserted (and, for the hole, the whole window taken and copied
// out). Steady state must allocate nothing.
func BenchmarkReassemblyOneHole(b *testing.B) {
	const mss, burst = 1460, 16
	r := newReassembly(1<<20, 0)
	seg := make([]byte, mss)
	sink := make([]byte, burst*mss)
	nxt := seqnum.Value(math.MaxUint32 - 100000) // crosses 2^32 within the run
	wnd := seqnum.Size(1 << 20)
	step := func(i int) {
		k := i % burst
		if k < burst-1 {
			r.Insert(nxt.Add(seqnum.Size((k+1)*mss)), seg, nxt, nxt.Add(wnd))
			return
		}
		r.Insert(nxt, seg, nxt, nxt.Add(wnd))
		a, c := r.Take(nxt, math.MaxInt)
		n := copy(sink, a)
		n += copy(sink[n:], c)
		if n != burst*mss {
			b.Fatalf("took %d bytes, want %d", n, burst*mss)
		}
		nxt = nxt.Add(seqnum.Size(n))
	}
	for i := 0; i < 4*burst; i++ { // warm up: the buffer and range list reach their size
		step(i)
	}
	b.SetBytes(mss)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step(i)
	}
}
