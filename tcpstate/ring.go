package tcpstate

// ring is a byte queue over a circular buffer that grows by doubling up to
// a limit. It backs the send and receive buffers so that steady-state
// traffic allocates nothing. Its counters are int32 (buffers are at most
// 2^30 bytes, Config.check) to keep connections small.
type ring struct {
	buf   []byte
	head  int32 // index of the first byte
	n     int32 // bytes queued
	limit int32 // most bytes it may hold
}

func (r *ring) Len() int          { return int(r.n) }
func (r *ring) Free() int         { return int(r.limit - r.n) }
func (r *ring) setLimit(n int)    { r.limit = int32(n) }
func (r *ring) index(off int) int { return (int(r.head) + off) % max(len(r.buf), 1) }

// grow makes room for at least need bytes in total.
func (r *ring) grow(need int) {
	if need <= len(r.buf) {
		return
	}
	size := max(len(r.buf)*2, 256)
	for size < need {
		size *= 2
	}
	size = min(size, max(int(r.limit), need))
	nb := make([]byte, size)
	r.peek(0, nb[:r.n])
	r.buf, r.head = nb, 0
}

// Write appends as much of p as fits under the limit and returns how much.
func (r *ring) Write(p []byte) int {
	n := min(len(p), r.Free())
	if n <= 0 {
		return 0
	}
	r.grow(r.Len() + n)
	tail := r.index(r.Len())
	c := copy(r.buf[tail:], p[:n])
	copy(r.buf, p[c:n])
	r.n += int32(n)
	return n
}

// peek copies bytes starting off bytes into the queue into p, without
// removing them, and returns how many it copied.
func (r *ring) peek(off int, p []byte) int {
	if off >= r.Len() {
		return 0
	}
	n := min(len(p), r.Len()-off)
	start := r.index(off)
	c := copy(p[:n], r.buf[start:])
	copy(p[c:n], r.buf)
	return n
}

// contiguous returns up to n bytes starting off bytes into the queue, in
// place, and false if they wrap around the end of the buffer.
func (r *ring) contiguous(off, n int) ([]byte, bool) {
	n = min(n, r.Len()-off)
	if n <= 0 {
		return nil, true
	}
	start := r.index(off)
	if start+n <= len(r.buf) {
		return r.buf[start : start+n : start+n], true
	}
	return nil, false
}

// copyTo copies up to n bytes starting off bytes into the queue into
// scratch, grown if need be, and returns them.
func (r *ring) copyTo(off, n int, scratch *[]byte) []byte {
	n = min(n, r.Len()-off)
	if n <= 0 {
		return nil
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
	n = min(n, r.Len())
	r.n -= int32(n)
	if r.n == 0 {
		r.head = 0
		return
	}
	r.head = int32(r.index(n))
}

// Read moves up to len(p) bytes into p.
func (r *ring) Read(p []byte) int {
	n := r.peek(0, p)
	r.Discard(n)
	return n
}
