package sim

import (
	"math"
	"math/rand/v2"
	"time"
)

var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Epoch returns the instant every World starts at, 2000-01-01 00:00:00
// UTC: the epoch of testing/synctest bubbles, so that traces line up with
// goroutine-based code tested in one.
func Epoch() time.Time { return epoch }

// pcgStream is the second word of the PCG state; the seed is the first.
// Any constant would do: it only has to be fixed.
const pcgStream = 0x7463_7073_696d // "tcpsim"

// Config sets up a World.
type Config struct {
	// Seed seeds the world's one pseudo-random generator, from which every
	// random choice is drawn (ISNs, secrets; loss and jitter later). The
	// same seed and the same inputs give the same run.
	Seed uint64
	// Trace, when set, is called synchronously for every observation:
	// segments sent, received and dropped, state changes, timer expiries
	// and application calls, in the order they happen. Setting it makes
	// connections snapshot their TCB at each observation; leave it nil
	// when nothing watches.
	Trace func(TraceEvent)
}

// Stats counts what happened in a World.
type Stats struct {
	Events     uint64 // events run (superseded timers excluded)
	Segments   uint64 // segments sent, copies made by links included
	Delivered  uint64 // segments that reached the far end of a link
	Dropped    uint64 // segments dropped (no route, listen queue full, link impairments)
	Duplicated uint64 // copies made by links (Path.Duplicate)
}

// World is a simulation: a virtual clock, an agenda of events, hosts and
// links. It is not safe for concurrent use; everything in it runs on the
// goroutine that calls Step or Run, callbacks included.
type World struct {
	cfg    Config
	now    int64     // virtual nanoseconds since Epoch
	nowT   time.Time // the same as a time, for tcpstate's calls
	rng    *rand.Rand
	agenda agenda
	hosts  []*Host // in creation order
	links  []*Link // in creation order
	stats  Stats

	// Every endpoint and packet the world has made, recycled through free
	// lists, so that a world in steady state allocates nothing of its own.
	// Events refer to them by index.
	endpoints     []*endpoint
	packets       []*packet
	freeEndpoints *endpoint
	freePackets   *packet

	// For the trace: the packet being delivered, and the input a
	// connection is handling (a segment or a timer; 0 for an
	// application call).
	delivering  uint64
	cause       TraceKind
	causePacket uint64

	// Processes and sockets (process.go, socket.go); nil until used.
	procs *scheduler
}

// New returns an empty world at Epoch.
func New(cfg Config) *World {
	return &World{cfg: cfg, nowT: epoch, rng: rand.New(rand.NewPCG(cfg.Seed, pcgStream))}
}

// Now returns the virtual time.
func (w *World) Now() time.Time { return w.nowT }

// setNow moves the clock to at.
func (w *World) setNow(at int64) {
	if at != w.now {
		w.now, w.nowT = at, epoch.Add(time.Duration(at))
	}
}

// Elapsed returns the virtual time since Epoch.
func (w *World) Elapsed() time.Duration { return time.Duration(w.now) }

// Stats returns the world's counters.
func (w *World) Stats() Stats { return w.stats }

// Hosts returns the hosts in the order they were added.
func (w *World) Hosts() []*Host { return append([]*Host(nil), w.hosts...) }

// Pending reports whether events are scheduled (superseded timers may be
// among them: Step can still return false).
func (w *World) Pending() bool { return w.agenda.Len() > 0 }

// Step runs the next event, moving the clock to its time, and reports
// whether there was one.
func (w *World) Step() bool { return w.step(math.MaxInt64) }

// Run runs events until none is left. A world whose connections all
// reach CLOSED runs dry once their last timer (TIME-WAIT) has fired; an
// idle ESTABLISHED connection has no timer either. A connection that
// waits on a timer forever (probing a window that never opens) keeps the
// world going: bound such runs with RunUntil.
func (w *World) Run() {
	for w.step(math.MaxInt64) {
	}
}

// RunUntil runs every event due at or before t, then sets the clock to t
// (if it is later than now).
func (w *World) RunUntil(t time.Time) {
	end := int64(t.Sub(epoch))
	for w.step(end) {
	}
	if end > w.now {
		w.setNow(end)
	}
}

// RunFor runs the world for d of virtual time.
func (w *World) RunFor(d time.Duration) { w.RunUntil(w.Now().Add(d)) }

// step runs the earliest live event due at or before limit. Timer events
// that turn out to have nothing to do are handled on the way (see
// endpoint.schedule).
func (w *World) step(limit int64) bool {
	for w.agenda.Len() > 0 && w.agenda.peek().at <= limit {
		e := w.agenda.pop()
		switch e.kind() {
		case evDeliver:
			w.setNow(e.at)
			w.deliver(w.packets[e.idx])
		case evTimer:
			ep := w.endpoints[e.idx]
			if !ep.due(&e) {
				continue
			}
			w.setNow(e.at)
			ep.fire()
		case evWake:
			if !w.procs.due(&e) {
				continue // the process it would wake already went on
			}
			w.setNow(e.at) // a process starts, or its sleep or select timeout ends
		}
		w.stats.Events++
		w.procs.runReady() // resume the processes the event made runnable
		return true
	}
	return false
}

var epochNano = epoch.UnixNano()

// at converts a tcpstate deadline to the world's clock.
func (w *World) at(t time.Time) int64 { return t.UnixNano() - epochNano }
