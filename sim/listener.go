package sim

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// DefaultBacklog bounds the connections a listener holds before they are
// accepted (in SYN-RECEIVED) when HostConfig.Backlog is 0; SYNs beyond it
// are dropped (or reset: HostConfig.OverflowReset).
const DefaultBacklog = 128

// Listener is a passive OPEN on one port of a host. It holds a connection
// in LISTEN, which answers what arrives for the port without a connection
// of its own (RFC 9293 §3.10.7.2: a RST is ignored, an ACK answered with
// a RST); each SYN gets a fresh connection of its own.
type Listener struct {
	host    *Host
	ep      *endpoint
	addr    netip.AddrPort
	accept  func(Conn) Handler
	pending []*endpoint // passive connections not yet accepted, in arrival order
	closed  bool
}

// Listen opens port for connections (a passive OPEN, RFC 9293 §3.10.1).
// accept runs when one reaches ESTABLISHED and returns the Handler for
// it; nil accepts connections and ignores their events.
func (h *Host) Listen(port uint16, accept func(Conn) Handler) (*Listener, error) {
	w := h.w
	if port == 0 {
		return nil, fmt.Errorf("%w: listen on port 0", ErrInvalid)
	}
	if h.listeners[port] != nil {
		return nil, fmt.Errorf("sim: host %s: listen on port %d: %w", h.name, port, ErrAddrInUse)
	}
	ep, err := w.newEndpoint(h)
	if err != nil {
		return nil, err
	}
	addr := netip.AddrPortFrom(h.addr, port)
	err = ep.tcp.Listen(w.Now(), addr)
	w.traceCall(ep, CallListen, 0, nil, err)
	if err != nil {
		ep.release()
		return nil, err
	}
	ep.isListener = true
	l := &Listener{host: h, ep: ep, addr: addr, accept: accept}
	h.listeners[port] = l
	h.ports.ref(port)
	return l, nil
}

// Addr returns the address the listener listens on.
func (l *Listener) Addr() netip.AddrPort { return l.addr }

// Close stops listening (RFC 9293 §3.10.4: CLOSE in LISTEN). Connections
// not yet accepted are reset (§3.10.5 ABORT in SYN-RECEIVED); accepted
// ones are not affected.
func (l *Listener) Close() error {
	if l.closed {
		return ErrClosed
	}
	l.closed = true
	h, w := l.host, l.host.w
	delete(h.listeners, l.addr.Port())
	h.ports.unref(l.addr.Port())
	err := l.ep.tcp.Close(w.Now())
	for _, ep := range l.pending {
		ep.tcp.Abort(w.Now())
	}
	w.traceCall(l.ep, CallClose, 0, nil, err)
	for len(l.pending) > 0 {
		l.pending[0].flush() // sends its RST and retires it, removing it from pending
	}
	l.ep.flush()
	return err
}

// input handles a segment for the listening port that matches no
// connection. RFC 9293 §3.10.1 and §3.10.7.2: a SYN starts a connection of
// its own, a fresh one put in LISTEN and handed the SYN; anything else is
// the LISTEN connection's to answer.
func (l *Listener) input(seg *tcpstate.Segment) {
	h, w := l.host, l.host.w
	if seg.Flags&tcpstate.SYN == 0 {
		if !l.cookieACK(seg) {
			l.ep.input(seg)
		}
		return
	}
	if len(l.pending) >= h.backlog {
		l.overflow(seg)
		return
	}
	ep, err := w.newEndpoint(h)
	if err != nil {
		w.drop(h, seg, w.delivering, DropListenOverflow)
		return
	}
	// The fresh connection's own passive OPEN is not traced: for the
	// observer, the listener's LISTEN is what the SYN arrives in.
	ep.muted = true
	err = ep.tcp.Listen(w.Now(), l.addr)
	ep.muted = false
	if err != nil { // cannot happen: the listener's address was usable
		ep.release()
		return
	}
	ep.listener = l
	l.pending = append(l.pending, ep)
	ep.handle(seg)
	if st := ep.tcp.State(); st != tcpstate.Listen && st != tcpstate.Closed {
		ep.enter()
	}
	ep.flush() // sends the SYN-ACK, or retires ep if the SYN was refused
}

// accepted hands a passive connection that reached ESTABLISHED to the
// application.
func (l *Listener) accepted(ep *endpoint) {
	l.forget(ep)
	c := Conn{ep: ep, gen: ep.gen}
	ep.w.traceCall(ep, CallAccept, 0, nil, nil)
	if l.accept != nil {
		ep.handler = l.accept(c)
	} else {
		ep.appClosed = true // no application holds it
	}
}

// forget removes ep from the connections waiting to be accepted.
func (l *Listener) forget(ep *endpoint) {
	ep.listener = nil
	if i := slices.Index(l.pending, ep); i >= 0 {
		l.pending = slices.Delete(l.pending, i, i+1)
	}
}
