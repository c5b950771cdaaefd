// Package seqnum implements TCP's 32-bit modular sequence number arithmetic
// (RFC 9293 §3.4, "Sequence Numbers").
//
// Sequence numbers live in a space of 2^32 values that wraps around, so
// comparisons are only meaningful between numbers less than 2^31 apart: a is
// "less than" b when the distance from a forward to b is between 1 and 2^31-1.
// Value is a point in that space; Size is a distance or a length (a number of
// sequence numbers). Keeping them as distinct types makes the compiler reject
// mixing points and lengths by accident.
package seqnum

// Value is a TCP sequence or acknowledgment number.
type Value uint32

// Size is a count of sequence numbers: a segment length, a window, a
// distance between two Values.
type Size uint32

// LessThan reports whether v comes before w in sequence space
// (RFC 9293 §3.4: "<" is modulo 2^32).
func (v Value) LessThan(w Value) bool {
	return int32(v-w) < 0
}

// LessThanEq reports whether v is w or comes before it.
func (v Value) LessThanEq(w Value) bool {
	return int32(v-w) <= 0
}

// GreaterThan reports whether v comes after w.
func (v Value) GreaterThan(w Value) bool {
	return int32(v-w) > 0
}

// GreaterThanEq reports whether v is w or comes after it.
func (v Value) GreaterThanEq(w Value) bool {
	return int32(v-w) >= 0
}

// InRange reports whether first <= v < end, the half-open interval used by
// the RFC 9293 §3.10.7.4 acceptability test ("RCV.NXT =< SEG.SEQ <
// RCV.NXT+RCV.WND"). The interval may cross the wrap; an empty interval
// (first == end) contains nothing.
func (v Value) InRange(first, end Value) bool {
	return uint32(v-first) < uint32(end-first)
}

// InWindow reports whether v lies in the window of size n that starts at
// first: first <= v < first+n.
func (v Value) InWindow(first Value, n Size) bool {
	return uint32(v-first) < uint32(n)
}

// Add returns v advanced by n, wrapping modulo 2^32.
func (v Value) Add(n Size) Value {
	return v + Value(n)
}

// Sub returns v moved back by n, wrapping modulo 2^32.
func (v Value) Sub(n Size) Value {
	return v - Value(n)
}

// Size returns the distance from v forward to w. It is meaningful only when
// v.LessThanEq(w).
func (v Value) Size(w Value) Size {
	return Size(w - v)
}

// Max returns whichever of v and w comes later in sequence space.
func Max(v, w Value) Value {
	if v.LessThan(w) {
		return w
	}
	return v
}

// Min returns whichever of v and w comes earlier in sequence space.
func Min(v, w Value) Value {
	if v.LessThan(w) {
		return v
	}
	return w
}
