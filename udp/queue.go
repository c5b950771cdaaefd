package udp

import "net/netip"

// queue is an endpoint's receive queue: datagrams in arrival order, each
// with its own copy of the payload, bounded in count and in bytes of
// payload. Buffers of datagrams read are kept for later ones.
type queue struct {
	items            []queued // a ring: head is the oldest
	head, n          int
	bytes            int
	maxItems, maxLen int
}

type queued struct {
	from netip.AddrPort
	data []byte
}

func newQueue(maxItems, maxBytes int) queue {
	return queue{maxItems: maxItems, maxLen: maxBytes}
}

// fits reports whether a datagram of size bytes of payload can be queued.
func (q *queue) fits(size int) bool {
	return q.n < q.maxItems && q.bytes+size <= q.maxLen
}

// push queues a copy of data; the caller checked fits.
func (q *queue) push(from netip.AddrPort, data []byte) {
	if q.n == len(q.items) {
		q.grow()
	}
	it := &q.items[(q.head+q.n)%len(q.items)]
	it.from = from
	it.data = append(it.data[:0], data...)
	q.n++
	q.bytes += len(data)
}

// grow doubles the ring (up to maxItems), keeping the order.
func (q *queue) grow() {
	size := min(max(2*len(q.items), 4), q.maxItems)
	items := make([]queued, size)
	for i := range q.n {
		items[i] = q.items[(q.head+i)%len(q.items)]
	}
	q.items, q.head = items, 0
}

// front returns the oldest datagram; the queue must not be empty.
func (q *queue) front() *queued { return &q.items[q.head] }

// pop removes the oldest datagram; the queue must not be empty.
func (q *queue) pop() {
	q.bytes -= len(q.items[q.head].data)
	q.head = (q.head + 1) % len(q.items)
	q.n--
}
