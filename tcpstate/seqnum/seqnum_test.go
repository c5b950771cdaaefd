package seqnum

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"
)

// TestLessThanAcrossWrap walks every value of the 2^32 space in steps that
// cover each byte position and checks the comparisons against a reference
// computed with 64-bit arithmetic on the unwrapped distance.
func TestLessThanAcrossWrap(t *testing.T) {
	deltas := []uint32{1, 2, 255, 256, 65535, 65536, 1 << 24, 1<<31 - 1}
	for v := uint64(0); v <= math.MaxUint32; v += 65521 { // a prime stride visits every low-byte pattern
		a := Value(v)
		for _, d := range deltas {
			b := a + Value(d) // b is d ahead of a, possibly across the wrap
			if !a.LessThan(b) || !b.GreaterThan(a) || !a.LessThanEq(b) || !b.GreaterThanEq(a) {
				t.Fatalf("%d should be before %d (distance %d)", a, b, d)
			}
			if b.LessThan(a) || a.GreaterThan(b) || b.LessThanEq(a) || a.GreaterThanEq(b) {
				t.Fatalf("%d should not be before %d", b, a)
			}
		}
		if a.LessThan(a) || a.GreaterThan(a) || !a.LessThanEq(a) || !a.GreaterThanEq(a) {
			t.Fatalf("%d compared with itself", a)
		}
	}
}

func TestWrapBoundary(t *testing.T) {
	var max Value = math.MaxUint32
	assert.True(t, max.LessThan(0), "2^32-1 < 0 across the wrap")
	assert.True(t, max.LessThan(5))
	assert.Equal(t, Value(4), max.Add(5))
	assert.Equal(t, max, Value(4).Sub(5))
	assert.Equal(t, Size(6), max.Size(5))
	assert.Equal(t, Value(5), Max(max, 5))
	assert.Equal(t, max, Min(max, 5))
	assert.Equal(t, Value(3), Max(3, 3))
}

func TestInRangeAndInWindow(t *testing.T) {
	cases := []struct {
		v, first Value
		n        Size
		want     bool
	}{
		{100, 100, 10, true},
		{109, 100, 10, true},
		{110, 100, 10, false},
		{99, 100, 10, false},
		{100, 100, 0, false},                          // an empty window holds nothing
		{math.MaxUint32, math.MaxUint32 - 1, 4, true}, // straddles the wrap
		{0, math.MaxUint32 - 1, 4, true},
		{1, math.MaxUint32 - 1, 4, true},
		{2, math.MaxUint32 - 1, 4, false},
		{math.MaxUint32 - 2, math.MaxUint32 - 1, 4, false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.v.InWindow(c.first, c.n), "%d in [%d,+%d)", c.v, c.first, c.n)
		assert.Equal(t, c.want, c.v.InRange(c.first, c.first.Add(c.n)), "%d in [%d,%d)", c.v, c.first, c.first.Add(c.n))
	}
}

// TestProperties checks the arithmetic laws on random values anywhere in
// the space, so every wrap position is exercised.
func TestProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := Value(rapid.Uint32().Draw(t, "a"))
		d := Size(rapid.Uint32Range(1, 1<<31-1).Draw(t, "d"))
		n := Size(rapid.Uint32Range(0, 1<<31-1).Draw(t, "n"))
		b := a.Add(d)
		if !a.LessThan(b) {
			t.Fatalf("%d + %d not after %d", a, d, a)
		}
		if a.Size(b) != d || b.Sub(d) != a {
			t.Fatalf("Size/Sub do not invert Add: %d %d", a, d)
		}
		// InWindow agrees with its definition by distances.
		x := Value(rapid.Uint32().Draw(t, "x"))
		want := uint64(uint32(x-a)) < uint64(n)
		if x.InWindow(a, n) != want {
			t.Fatalf("%d in window [%d,+%d): got %v", x, a, n, !want)
		}
		if Max(a, b) != b || Min(a, b) != a {
			t.Fatalf("Max/Min of %d,%d", a, b)
		}
	})
}
