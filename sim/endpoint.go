package sim

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// endpoint is the world's side of one tcpstate.Conn: where its segments
// come from and go to, its timer in the agenda, and the application
// above it. Endpoints are recycled; gen tells incarnations apart, so that
// stale handles and superseded timers are recognized.
type endpoint struct {
	w    *World
	idx  uint32 // in World.endpoints
	host *Host
	tcp  *tcpstate.Conn
	gen  uint32

	handler    Handler
	listener   *Listener // a passively opened connection not yet accepted
	isListener bool      // the connection in LISTEN a Listener holds
	appClosed  bool      // the application closed (or aborted) its handle
	key        fourTuple // its entry in host.conns, when inTable
	inTable    bool
	busy       bool  // flush is running: calls from callbacks only queue work
	dirty      bool  // an application call during flush: Poll again
	muted      bool  // drop tcpstate's observations for now
	deadline   int64 // the connection's NextTimeout; 0 if none
	queued     int64 // the time of its timer event in the agenda; 0 if none

	// Made once per endpoint and kept across incarnations, so that a
	// recycled endpoint configures its connection without allocating.
	isn     seqnum.Value
	isnFunc tcpstate.ISNFunc
	trace   func(tcpstate.TraceEvent)
	spare   *tcpstate.Conn // the previous incarnation's connection, to Reset
	next    *endpoint      // free list
}

// newEndpoint returns an endpoint on host h with a fresh connection,
// configured from h's template. The world draws what tcpstate leaves to
// drivers: the ISN (unless the template fixes one) and the Secret that
// keys the timestamp offset (RFC 7323 §5.4) and RFC 6528 ISNs.
func (w *World) newEndpoint(h *Host) (*endpoint, error) {
	ep := w.freeEndpoints
	if ep != nil {
		w.freeEndpoints = ep.next
		ep.next = nil
	} else {
		ep = &endpoint{w: w, idx: uint32(len(w.endpoints))}
		w.endpoints = append(w.endpoints, ep)
		ep.isnFunc = ep.drawnISN
	}
	ep.host = h
	cfg := h.tcp
	if cfg.ISN == nil {
		ep.isn = seqnum.Value(w.rng.Uint32())
		cfg.ISN = ep.isnFunc
	}
	if cfg.Secret == ([16]byte{}) {
		binary.LittleEndian.PutUint64(cfg.Secret[:8], w.rng.Uint64())
		binary.LittleEndian.PutUint64(cfg.Secret[8:], w.rng.Uint64())
	}
	cfg.Trace = nil
	if w.cfg.Trace != nil {
		if ep.trace == nil { // made once, and only for a traced world
			ep.trace = ep.onTrace
		}
		cfg.Trace = ep.trace
	}
	// A recycled endpoint resets its connection, keeping its buffers: a
	// steady stream of connections then allocates nothing.
	if ep.spare == nil {
		c, err := tcpstate.NewConn(cfg)
		if err != nil {
			ep.release()
			return nil, err
		}
		ep.tcp = c
	} else if err := ep.spare.Reset(cfg); err != nil {
		ep.release()
		return nil, err
	} else {
		ep.tcp, ep.spare = ep.spare, nil
	}
	return ep, nil
}

// drawnISN is the ISNFunc of a connection whose ISN the world drew.
func (ep *endpoint) drawnISN(time.Time, netip.AddrPort, netip.AddrPort) seqnum.Value {
	return ep.isn
}

// input hands an arriving segment to the connection, then pulls what it
// has to say.
func (ep *endpoint) input(seg *tcpstate.Segment) {
	ep.handle(seg)
	ep.flush()
}

// handle runs HandleSegment, noting the segment as the cause of what it
// traces.
func (ep *endpoint) handle(seg *tcpstate.Segment) {
	w := ep.w
	w.cause, w.causePacket = TraceSegment, w.delivering
	ep.tcp.HandleSegment(w.Now(), *seg)
	w.cause, w.causePacket = 0, 0
}

// fire runs the connection's timers: its deadline came.
func (ep *endpoint) fire() {
	w := ep.w
	w.cause = TraceTimer
	ep.tcp.HandleTimeout(w.Now())
	w.cause = 0
	ep.flush()
}

// flush pulls the connection's outputs after an input, as tcpstate's
// driver loop asks: every segment Poll has, then the application events,
// one at a time, each callback free to call Write, Read or Close. Those
// calls do not flush again (busy): this loop polls after each callback,
// so their segments leave in order and callbacks never nest. Then the
// deadline is rescheduled and a finished connection is retired.
func (ep *endpoint) flush() {
	if ep.busy {
		ep.dirty = true
		return
	}
	ep.busy = true
	w := ep.w
	now := w.Now()
	ep.dirty = true
	for {
		if ep.dirty { // only inputs and application calls make segments
			ep.dirty = false
			for {
				seg, ok := ep.tcp.Poll(now)
				if !ok {
					break
				}
				w.transmit(ep.host, &seg)
			}
		}
		ev, ok := ep.tcp.PollEvent()
		if !ok {
			break
		}
		ep.dispatch(ev)
	}
	ep.busy = false
	ep.settle()
}

// dispatch runs the application's callback for ev.
func (ep *endpoint) dispatch(ev tcpstate.Event) {
	c := Conn{ep: ep, gen: ep.gen}
	h := &ep.handler
	switch ev {
	case tcpstate.EventEstablished:
		if l := ep.listener; l != nil {
			l.accepted(ep)
			return
		}
		if h.Established != nil {
			h.Established(c)
		}
	case tcpstate.EventReadable:
		if h.Readable != nil {
			h.Readable(c)
		}
	case tcpstate.EventWritable:
		if h.Writable != nil {
			h.Writable(c)
		}
	case tcpstate.EventPeerClosed:
		if h.PeerClosed != nil {
			h.PeerClosed(c)
		}
	case tcpstate.EventClosed:
		if h.Closed != nil {
			h.Closed(c, ep.tcp.Err())
		}
	}
}

// settle schedules the connection's next deadline, or retires it once it
// is over: a connection in CLOSED leaves the host's table (its 4-tuple and
// port become free) and is recycled once the application has closed its
// handle too; a passive one that went back to LISTEN (RFC 9293 §3.10.7.4,
// RST or SYN in SYN-RECEIVED) is simply forgotten, its listener listens on.
func (ep *endpoint) settle() {
	if ep.isListener {
		if ep.tcp.State() == tcpstate.Closed {
			ep.release()
		}
		return
	}
	switch ep.tcp.State() {
	case tcpstate.Closed:
	case tcpstate.Listen:
		if ep.listener == nil {
			return
		}
	default:
		ep.schedule()
		return
	}
	if ep.inTable {
		delete(ep.host.conns, ep.key)
		if ep.host.last == ep {
			ep.host.last = nil
		}
		ep.host.ports.unref(ep.key.local.Port())
		ep.inTable = false
	}
	ep.deadline = 0
	if l := ep.listener; l != nil {
		l.forget(ep)
		ep.release()
		return
	}
	if ep.appClosed {
		ep.release()
	}
}

// schedule records the connection's next deadline and makes sure a timer
// event comes no later than it. Events are never removed: when the
// deadline goes away or moves later, the event already queued stays and
// due sorts it out when it comes; only a deadline earlier than the queued
// event needs a new one. A retransmission timer restarted at every ACK
// thus costs one event per RTO, not one per ACK.
func (ep *endpoint) schedule() {
	next := ep.tcp.NextTimeout()
	if next.IsZero() {
		ep.deadline = 0
		return
	}
	ep.deadline = max(ep.w.at(next), ep.w.now)
	if ep.queued == 0 || ep.deadline < ep.queued {
		ep.queue(ep.deadline)
	}
}

func (ep *endpoint) queue(at int64) {
	ep.queued = at
	ep.w.agenda.push(evTimer, event{at: at, idx: ep.idx, gen: ep.gen})
}

// due reports whether timer event e should run the connection's timers
// now. An event of an earlier incarnation, or superseded by an earlier
// one, is ignored; one that comes before the deadline (it moved later)
// queues another at the deadline; one that finds no deadline is dropped.
func (ep *endpoint) due(e *event) bool {
	if e.gen != ep.gen || e.at != ep.queued {
		return false
	}
	ep.queued = 0
	switch {
	case ep.deadline == 0:
		return false
	case ep.deadline > e.at:
		ep.queue(ep.deadline)
		return false
	}
	return true
}

// enter puts the connection in its host's table under its 4-tuple.
func (ep *endpoint) enter() {
	ep.key = fourTuple{local: ep.tcp.LocalAddr(), remote: ep.tcp.RemoteAddr()}
	ep.host.conns[ep.key] = ep
	ep.host.ports.ref(ep.key.local.Port())
	ep.inTable = true
}

// release ends the endpoint's incarnation and recycles it: handles and
// timers of this generation go stale.
func (ep *endpoint) release() {
	w := ep.w
	ep.gen++
	if ep.tcp != nil {
		ep.spare = ep.tcp // kept for the next connection: Reset reuses its buffers
	}
	ep.host, ep.tcp, ep.listener = nil, nil, nil
	ep.handler = Handler{}
	ep.isListener, ep.appClosed, ep.inTable = false, false, false
	ep.busy, ep.dirty, ep.muted = false, false, false
	ep.deadline, ep.queued = 0, 0
	ep.next = w.freeEndpoints
	w.freeEndpoints = ep
}
