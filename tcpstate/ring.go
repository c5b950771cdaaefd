package tcpstate

// ring is a byte queue over a circular buffer that grows by doubling up to
// a limit. It backs the send and receive buffers so that steady-state
// traffic allocates nothing.
type ring struct {
	buf   []byte
	head  int // index of the first byte
	n     int // bytes queued
	limit int // most bytes it may hold
}

func (r *ring) Len() int  { return r.n }
func (r *ring) Free() int { return r.limit - r.n }

// grow makes room for at least need bytes in total.
func (r *ring) grow(need int) {
	if need <= len(r.buf) {
		return
	}
	size := max(len(r.buf)*2, 256)
	for size < need {
		size *= 2
	}
	size = min(size, max(r.limit, need))
	nb := make([]byte, size)
	r.peek(0, nb[:r.n])
	r.buf, r.head = nb, 0
}

// Write appends as much of p as fits under the limit and returns how much.
func (r *ring) Write(p []byte) int {
	n := min(len(p), r.limit-r.n)
	if n <= 0 {
		return 0
	}
	r.grow(r.n + n)
	tail := (r.head + r.n) % len(r.buf)
	c := copy(r.buf[tail:], p[:n])
	copy(r.buf, p[c:n])
	r.n += n
	return n
}

// peek copies bytes starting off bytes into the queue into p, without
// removing them, and returns how many it copied.
func (r *ring) peek(off int, p []byte) int {
	if off >= r.n {
		return 0
	}
	n := min(len(p), r.n-off)
	start := (r.head + off) % max(len(r.buf), 1)
	c := copy(p[:n], r.buf[start:])
	copy(p[c:n], r.buf)
	return n
}

// slice returns up to n bytes starting off bytes into the queue without
// copying when they are contiguous; otherwise it copies them into scratch.
func (r *ring) slice(off, n int, scratch *[]byte) []byte {
	n = min(n, r.n-off)
	if n <= 0 {
		return nil
	}
	start := (r.head + off) % len(r.buf)
	if start+n <= len(r.buf) {
		return r.buf[start : start+n : start+n]
	}
	if cap(*scratch) < n {
		*scratch = make([]byte, n)
	}
	s := (*scratch)[:n]
	r.peek(off, s)
	return s
}

// Discard removes the first n bytes.
func (r *ring) Discard(n int) {
	n = min(n, r.n)
	r.n -= n
	if r.n == 0 {
		r.head = 0
		return
	}
	r.head = (r.head + n) % len(r.buf)
}

// Read moves up to len(p) bytes into p.
func (r *ring) Read(p []byte) int {
	n := r.peek(0, p)
	r.Discard(n)
	return n
}
