package sim

// eventKind says what an event does when its time comes. Events are typed
// values rather than closures so that scheduling one allocates nothing.
type eventKind uint8

const (
	// evDeliver: a packet reaches the far end of its link.
	evDeliver eventKind = iota + 1
	// evTimer: a connection's deadline, as NextTimeout said when it was
	// scheduled. Timer events are never removed from the heap (lazy
	// deletion): see endpoint.schedule and endpoint.due.
	evTimer
	// evWake: a process may be runnable (it starts, its Sleep or its
	// Select timeout ends); see scheduler.due and scheduler.runReady.
	evWake
)

// event is one entry of the world's agenda. It holds no pointers, only
// indexes into the world's tables of endpoints and packets, so that the
// heap moves it with a plain copy (no GC write barrier).
// The kind shares a word with the insertion number, so that an event
// takes 24 bytes, not 32: the heap moves less memory.
type event struct {
	at    int64  // virtual nanoseconds since Epoch
	order uint64 // insertion number << 2 | kind: the tie-breaker, then the kind
	gen   uint32 // evTimer: the endpoint generation it was armed for
	idx   uint32 // evTimer: World.endpoints index; evDeliver: World.packets index
}

// kind tells what the event is.
func (e *event) kind() eventKind { return eventKind(e.order & 3) }

// before orders events by time, then by insertion: events scheduled for
// the same instant run in the order they were scheduled.
func (e *event) before(f *event) bool {
	if e.at != f.at {
		return e.at < f.at
	}
	return e.order < f.order
}

// agenda is a binary min-heap of events. It is written out rather than
// built on container/heap, whose interface boxes every pushed value.
type agenda struct {
	h   []event
	seq uint64
}

func (a *agenda) Len() int { return len(a.h) }

// push schedules e, an event of kind k, stamping it with the next
// insertion number.
func (a *agenda) push(k eventKind, e event) {
	a.seq++
	e.order = a.seq<<2 | uint64(k)
	a.h = append(a.h, e)
	// Sift up through a hole: parents move down until e's place is found.
	h, i := a.h, len(a.h)-1
	for i > 0 {
		p := (i - 1) / 2
		if !e.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

// peek returns the earliest event; the agenda must not be empty.
func (a *agenda) peek() *event { return &a.h[0] }

// pop removes and returns the earliest event; the agenda must not be empty.
func (a *agenda) pop() event {
	top := a.h[0]
	n := len(a.h) - 1
	last := a.h[n]
	a.h = a.h[:n]
	// Sift the last event down from the root through a hole: children
	// move up until its place is found, so it is written once.
	h, i := a.h, 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].before(&h[l]) {
			m = r
		}
		if !h[m].before(&last) {
			break
		}
		h[i] = h[m]
		i = m
	}
	if n > 0 {
		h[i] = last
	}
	return top
}
