package sim

import (
	"net"
)

// NetListener is a net.Listener over a Listener of a Network.
type NetListener struct {
	n    *Network
	id   uint64 // set before the application sees the NetListener
	addr *net.TCPAddr

	// Owned by the world's goroutine.
	l       *Listener
	ready   []*NetConn        // established, not yet accepted, oldest first
	accepts []chan<- ncResult // Accepts waiting, oldest first
	closed  bool
}

var _ net.Listener = (*NetListener)(nil)

// accept is the Listener's accept function: it wraps each established
// connection and hands it to the oldest waiting Accept, or queues it.
func (nl *NetListener) accept(c Conn) Handler {
	nc := nl.n.newNetConn()
	nc.id = nl.n.newID()
	nc.c = c
	nc.setAddrs()
	if len(nl.accepts) > 0 {
		nl.accepts[0] <- ncResult{conn: nc}
		nl.accepts[0] = nil
		nl.accepts = nl.accepts[1:]
	} else {
		nl.ready = append(nl.ready, nc)
	}
	return nc.handler()
}

// Accept waits for the next connection that completes its handshake
// (RFC 9293 §3.10.1, passive OPEN) and returns it, a *NetConn. After
// Close it fails with net.ErrClosed.
func (nl *NetListener) Accept() (net.Conn, error) {
	r := nl.n.exec(ncRequest{id: nl.id, op: opAccept}, func(reply chan<- ncResult) {
		switch {
		case nl.closed:
			reply <- ncResult{err: net.ErrClosed}
		case len(nl.ready) > 0:
			reply <- ncResult{conn: nl.ready[0]}
			nl.ready[0] = nil
			nl.ready = nl.ready[1:]
		default:
			nl.accepts = append(nl.accepts, reply)
		}
	})
	if r.err != nil {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: nl.addr, Err: r.err}
	}
	return r.conn, nil
}

// Close stops listening (RFC 9293 §3.10.4, CLOSE in LISTEN): waiting
// Accepts fail with net.ErrClosed, connections still in the handshake
// are reset by the Listener, and established ones nobody accepted are
// aborted (RFC 9293 §3.10.5), as BSD and Linux stacks reset the
// connections left in a closed socket's accept queue.
func (nl *NetListener) Close() error {
	r := nl.n.exec(ncRequest{id: nl.id, op: opClose}, func(reply chan<- ncResult) {
		if nl.closed {
			reply <- ncResult{err: net.ErrClosed}
			return
		}
		nl.closed = true
		err := nl.l.Close()
		for _, nc := range nl.ready {
			nc.closed = true
			nc.c.Abort()
		}
		nl.ready = nil
		for _, a := range nl.accepts {
			a <- ncResult{err: net.ErrClosed}
		}
		nl.accepts = nil
		reply <- ncResult{err: err}
	})
	if r.err != nil {
		return &net.OpError{Op: "close", Net: "tcp", Addr: nl.addr, Err: r.err}
	}
	return nil
}

// Addr returns the address listened on, a *net.TCPAddr.
func (nl *NetListener) Addr() net.Addr { return nl.addr }
