package sim

import (
	"math"
	"net"
	"slices"
	"sync"
	"time"
)

// Network runs a World on a goroutine of its own and lets ordinary
// goroutine code use it through net.Conn and net.Listener: the Go face of
// the simulator, for testing code written against package net.
//
// The network's goroutine owns the world. Application goroutines never
// touch it: each call (dial, listen, accept, read, write, close, set a
// deadline) is a request sent over a channel, which the world's goroutine
// carries out between events. A call that cannot complete yet (a Read
// with nothing to read, a Write with a full send buffer, an Accept with
// no connection) waits there until an event lets it finish or its
// deadline passes; its caller stays blocked on a channel meanwhile.
//
// Between requests the world's goroutine runs the events that are due and
// then sleeps on a timer until the next event (or deadline). The world's
// clock follows the goroutine's clock: an event scheduled d after Epoch
// runs when time.Since(start) reaches d, start being the instant
// NewNetwork was called (the world's clock then stood where it stood).
//
// Inside a testing/synctest bubble, whose fake clock starts at Epoch and
// moves only when every goroutine of the bubble is durably blocked, that
// timer fires at once when everything else waits for the network: the
// simulation runs in virtual time, as fast as the machine allows, and the
// world's Now and the bubble's time.Now agree at every event. Deadlines
// and context timeouts are in that same time. This is how tests should
// use it:
//
//	func TestEcho(t *testing.T) {
//		synctest.Test(t, func(t *testing.T) {
//			w := sim.New(sim.Config{Seed: 1})
//			client, _ := w.AddHost(...)
//			server, _ := w.AddHost(...)
//			w.AddLink(client, server, path, path)
//			n := sim.NewNetwork(w, sim.NetworkConfig{Settle: synctest.Wait})
//			defer n.Close()
//			l, _ := n.Host(server).Listen("tcp", ":7")
//			go serve(l) // ordinary code: Accept, Read, Write, Close
//			c, _ := n.Host(client).Dial("tcp", "server:7")
//			...
//		})
//	}
//
// Outside a bubble the world runs against the wall clock, one virtual
// second per real second: it works (the package's example does so) but a
// 200 ms round trip then takes 200 ms.
//
// The world is deterministic given the order of requests. Goroutines
// that make requests at the same instant reach the network in the order
// the Go scheduler runs them, which varies from run to run; with
// NetworkConfig.Settle set to synctest.Wait, the network waits for all of
// them and carries their requests out in a fixed order, so that a test
// gives the same trace every time (TestNetworkDeterminism checks it with
// net/http's client and server).
//
// NewNetwork must be called inside the bubble (its goroutine and channels
// belong to the bubble that creates them), and Close must be called
// before the bubble ends, or the network's goroutine outlives it.
type Network struct {
	w      *World
	settle func()
	reqs   chan ncRequest
	quit   chan struct{}
	done   chan struct{}
	stop   sync.Once

	// The clock: the world's elapsed time is w0 + time.Since(t0).
	t0 time.Time
	w0 int64

	// Owned by the world's goroutine.
	parked []*NetConn  // connections with calls waiting
	batch  []ncRequest // the requests being carried out
	lastID uint64      // the last id given to a NetConn or NetListener
}

// NetworkConfig sets up a Network.
type NetworkConfig struct {
	// Settle, when set, is called by the network's goroutine each time it
	// wakes up, before it takes requests: inside a synctest bubble, pass
	// synctest.Wait. The network then takes every request made at that
	// instant together and carries them out in a fixed order (by
	// connection, then by call), rather than in the order the Go scheduler
	// happened to run their goroutines, so that the same program gives
	// the same trace, run after run. synctest.Wait must then not be
	// called by another goroutine of the bubble while the network runs
	// (two Waits at once panic); Network's blocking calls make it
	// unneeded. Leave it nil outside a bubble.
	Settle func()
}

// noDeadline stands for the zero time.Time of SetDeadline: none.
const noDeadline = math.MaxInt64

// NewNetwork starts running w on a goroutine of its own. From then on,
// only the network touches w (use Do to reach it) until Close returns.
func NewNetwork(w *World, cfg NetworkConfig) *Network {
	n := &Network{
		w:      w,
		settle: cfg.Settle,
		reqs:   make(chan ncRequest),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
		t0:     time.Now(),
		w0:     w.now,
	}
	go n.loop()
	return n
}

// Close stops the network's goroutine and waits for it to end. Calls
// waiting in the network, and any made later, fail with net.ErrClosed.
// The world stays as it was at that instant, for the caller to inspect
// or run further by itself. Close is idempotent.
func (n *Network) Close() error {
	n.stop.Do(func() { close(n.quit) })
	<-n.done
	return nil
}

// Do runs f on the network's goroutine, with the world's clock brought up
// to the present, and waits for it: the way to read the world's state
// (Stats, a Conn's TCB) or change it (AddHost, AddLink) while the network
// runs. f must not call the network's own methods (they would wait for
// the goroutine f runs on). It reports net.ErrClosed if the network was
// closed.
func (n *Network) Do(f func(w *World)) error {
	r := n.exec(ncRequest{op: opDo}, func(reply chan<- ncResult) {
		f(n.w)
		reply <- ncResult{}
	})
	return r.err
}

// ncResult is what a request answers.
type ncResult struct {
	n    int
	err  error
	conn *NetConn
}

// ncRequest is a call for the world's goroutine to carry out: run, and
// the key that orders it among requests made at the same instant.
type ncRequest struct {
	id  uint64 // the NetConn or NetListener called; 0 for none
	op  ncOp
	arg string // for Dial and Listen: the host's address and the address
	run func()
}

// ncOp names a request; requests on one connection made at the same
// instant run in this order.
type ncOp uint8

const (
	opDo ncOp = iota
	opListen
	opDial
	opCancel
	opDeadline
	opLinger
	opWrite
	opRead
	opCloseWrite
	opClose
	opAccept
)

// before orders requests made at the same instant (with a Settle).
func (r *ncRequest) before(s *ncRequest) bool {
	if r.id != s.id {
		return r.id < s.id
	}
	if r.op != s.op {
		return r.op < s.op
	}
	return r.arg < s.arg
}

// exec sends a request to the world's goroutine and waits for its
// answer. The request receives a reply channel with room for one answer,
// so that the world never blocks on a caller.
func (n *Network) exec(key ncRequest, req func(reply chan<- ncResult)) ncResult {
	reply := make(chan ncResult, 1)
	key.run = func() { req(reply) }
	select {
	case n.reqs <- key:
	case <-n.done:
		return ncResult{err: net.ErrClosed}
	}
	return n.await(reply)
}

// await waits for the answer to a request already sent.
func (n *Network) await(reply <-chan ncResult) ncResult {
	select {
	case r := <-reply:
		return r
	case <-n.done:
		select { // answered just before the end: the answer stands
		case r := <-reply:
			return r
		default:
			return ncResult{err: net.ErrClosed}
		}
	}
}

// loop is the world's goroutine: run what is due, carry out the requests
// made, or sleep until the next event or deadline.
func (n *Network) loop() {
	defer close(n.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		n.advance()
		var wake <-chan time.Time
		if at, ok := n.next(); ok {
			timer.Reset(time.Duration(at - n.clock()))
			wake = timer.C
		} else {
			timer.Stop()
		}
		select {
		case req := <-n.reqs:
			n.batch = append(n.batch, req)
		case <-wake:
		case <-n.quit:
			n.shutdown()
			return
		}
		n.serve()
	}
}

// serve takes the requests made by now and carries them out, after the
// events due. With a Settle, every goroutine has made its request (or
// blocked otherwise) by the time it returns, so that the batch is the
// same from run to run, and it is sorted into a fixed order: the
// world's events first, then the requests by connection and call.
func (n *Network) serve() {
	if n.settle != nil {
		n.settle()
	}
	for more := true; more; {
		select {
		case req := <-n.reqs:
			n.batch = append(n.batch, req)
		default:
			more = false
		}
	}
	n.advance()
	if n.settle != nil {
		slices.SortStableFunc(n.batch, func(a, b ncRequest) int {
			switch {
			case a.before(&b):
				return -1
			case b.before(&a):
				return 1
			}
			return 0
		})
	}
	for i := range n.batch {
		n.batch[i].run()
		n.batch[i] = ncRequest{}
	}
	n.batch = n.batch[:0]
}

// clock returns the world's time as the goroutine's clock says it is now.
func (n *Network) clock() int64 { return n.w0 + int64(time.Since(n.t0)) }

// toWorld converts a deadline of the goroutines' clock to the world's.
func (n *Network) toWorld(t time.Time) int64 {
	if t.IsZero() {
		return noDeadline
	}
	d := t.Sub(n.t0) // saturates for times far away
	if d > 0 && n.w0 > math.MaxInt64-int64(d) {
		return noDeadline
	}
	return n.w0 + int64(d)
}

// advance runs the events due by now, sets the world's clock to now and
// fails the calls whose deadline has passed.
func (n *Network) advance() {
	now := n.clock()
	w := n.w
	for w.step(now) {
	}
	if now > w.now {
		w.setNow(now)
	}
	n.expire()
}

// next returns the time of the next event or deadline, if any.
func (n *Network) next() (int64, bool) {
	at, ok := int64(noDeadline), false
	if n.w.agenda.Len() > 0 {
		at, ok = n.w.agenda.peek().at, true
	}
	for _, c := range n.parked {
		if d := c.deadline(); d < at {
			at, ok = d, true
		}
	}
	return at, ok
}

// park notes that c has calls waiting, so that their deadlines are
// watched.
func (n *Network) park(c *NetConn) {
	if !c.parked && c.waiting() {
		c.parked = true
		n.parked = append(n.parked, c)
	}
}

// expire fails the waiting calls whose deadline has passed and forgets
// the connections left with none.
func (n *Network) expire() {
	now := n.w.now
	kept := n.parked[:0]
	for _, c := range n.parked {
		c.expire(now)
		if c.waiting() {
			kept = append(kept, c)
		} else {
			c.parked = false
		}
	}
	clear(n.parked[len(kept):])
	n.parked = kept
}

// newID returns the id of a new NetConn or NetListener: the order the
// world made them in, which orders their requests.
func (n *Network) newID() uint64 {
	n.lastID++
	return n.lastID
}

// shutdown fails every waiting call as the network stops.
func (n *Network) shutdown() {
	for _, c := range n.parked {
		c.failAll(net.ErrClosed)
		c.parked = false
	}
	n.parked = nil
}
