package sim

import (
	"errors"
	"io"
	"net"
	"os"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// NetConn is a net.Conn over a simulated TCP connection of a Network.
// Its methods may be called from any goroutines at once, as net.Conn
// requires: concurrent Reads are served in the order they arrive, and so
// are concurrent Writes.
type NetConn struct {
	n             *Network
	id            uint64       // set before the application sees the NetConn
	local, remote *net.TCPAddr // set before the application sees the NetConn

	// Owned by the world's goroutine.
	c        Conn
	closed   bool        // the application closed it
	reads    []*ncWaiter // Reads waiting for data, oldest first
	writes   []*ncWaiter // Writes waiting for send buffer space, oldest first
	dial     *ncWaiter   // the Dial waiting for the handshake
	rdl, wdl int64       // read and write deadlines in world time; noDeadline if none
	abort    bool        // SetLinger(0): Close resets
	parked   bool        // in Network.parked
}

// ncWaiter is a call waiting in the world: its buffer, the bytes done so
// far and where to answer.
type ncWaiter struct {
	p     []byte
	done  int
	reply chan<- ncResult
}

var _ net.Conn = (*NetConn)(nil)

// newNetConn returns a NetConn not yet bound to a connection: the world's
// goroutine sets its id and its Conn, made with the Handler of handler().
func (n *Network) newNetConn() *NetConn {
	return &NetConn{n: n, rdl: noDeadline, wdl: noDeadline}
}

// handler returns the callbacks through which the connection's events
// serve the calls waiting on it. They run inside the world's Step.
func (c *NetConn) handler() Handler {
	return Handler{
		Established: func(Conn) { c.serveDial() },
		Readable:    func(Conn) { c.serveReads() },
		Writable:    func(Conn) { c.serveWrites() },
		PeerClosed:  func(Conn) { c.serveReads() }, // io.EOF; tcpstate raises Readable too

		Closed: func(Conn, error) {
			c.serveDial()
			c.serveReads()
			c.serveWrites()
		},
	}
}

// setAddrs records the connection's addresses, once known.
func (c *NetConn) setAddrs() {
	c.local = net.TCPAddrFromAddrPort(c.c.LocalAddr())
	c.remote = net.TCPAddrFromAddrPort(c.c.RemoteAddr())
}

// Read reads data the peer sent, waiting until some arrives. It returns
// io.EOF once the peer has closed its side (its FIN) and every byte
// before it was read; after a reset, an error matching both
// tcpstate.ErrReset and syscall.ECONNRESET (errors.Is); after the read
// deadline, os.ErrDeadlineExceeded; after Close, net.ErrClosed. Errors
// other than io.EOF are *net.OpError.
func (c *NetConn) Read(p []byte) (int, error) {
	r := c.n.exec(ncRequest{id: c.id, op: opRead}, func(reply chan<- ncResult) {
		switch {
		case c.closed:
			reply <- ncResult{err: net.ErrClosed}
		case c.rdl <= c.n.w.now:
			reply <- ncResult{err: os.ErrDeadlineExceeded}
		case len(p) == 0:
			reply <- ncResult{}
		default:
			c.reads = append(c.reads, &ncWaiter{p: p, reply: reply})
			c.serveReads()
			c.n.park(c)
		}
	})
	if r.err != nil && r.err != io.EOF {
		r.err = c.opError("read", r.err)
	}
	return r.n, r.err
}

// Write queues p for sending, waiting while the send buffer is full, and
// returns when every byte is queued (RFC 9293 §3.10.2 SEND), or with the
// count queued so far and an error: the write deadline passed
// (os.ErrDeadlineExceeded), the connection closed or was reset.
func (c *NetConn) Write(p []byte) (int, error) {
	r := c.n.exec(ncRequest{id: c.id, op: opWrite}, func(reply chan<- ncResult) {
		switch {
		case c.closed:
			reply <- ncResult{err: net.ErrClosed}
		case c.wdl <= c.n.w.now:
			reply <- ncResult{err: os.ErrDeadlineExceeded}
		case len(p) == 0:
			reply <- ncResult{}
		default:
			c.writes = append(c.writes, &ncWaiter{p: p, reply: reply})
			c.serveWrites()
			c.n.park(c)
		}
	})
	if r.err != nil {
		r.err = c.opError("write", r.err)
	}
	return r.n, r.err
}

// Close closes the connection: a FIN follows the data already queued
// (RFC 9293 §3.10.4 CLOSE), and calls waiting on it fail with
// net.ErrClosed. Data the peer sends afterwards is acknowledged and
// dropped (the simulator does not answer it with a reset as RFC 1122
// §4.2.2.13 suggests).
func (c *NetConn) Close() error {
	r := c.n.exec(ncRequest{id: c.id, op: opClose}, func(reply chan<- ncResult) {
		if c.closed {
			reply <- ncResult{err: net.ErrClosed}
			return
		}
		c.closed = true
		if c.abort {
			c.c.Abort()
		} else {
			c.c.Close() // ErrClosing after CloseWrite: the FIN is already queued
		}
		c.failAll(net.ErrClosed)
		reply <- ncResult{}
	})
	if r.err != nil {
		r.err = c.opError("close", r.err)
	}
	return r.err
}

// SetLinger sets what Close does, like (*net.TCPConn).SetLinger: with
// sec 0, Close resets the connection (RFC 9293 §3.10.5 ABORT: a RST is
// sent and queued data is discarded); with any other value, Close sends
// a FIN after the queued data (the default; the simulator never makes
// Close wait).
func (c *NetConn) SetLinger(sec int) error {
	r := c.n.exec(ncRequest{id: c.id, op: opLinger}, func(reply chan<- ncResult) {
		if c.closed {
			reply <- ncResult{err: net.ErrClosed}
			return
		}
		c.abort = sec == 0
		reply <- ncResult{}
	})
	if r.err != nil {
		r.err = c.opError("set", r.err)
	}
	return r.err
}

// CloseWrite shuts down the sending side only, like (*net.TCPConn).CloseWrite:
// a FIN follows the queued data (RFC 9293 §3.10.4 CLOSE, which closes
// only the direction the application sends in) and Read goes on until
// the peer closes too. Close must still be called.
func (c *NetConn) CloseWrite() error {
	r := c.n.exec(ncRequest{id: c.id, op: opCloseWrite}, func(reply chan<- ncResult) {
		if c.closed {
			reply <- ncResult{err: net.ErrClosed}
			return
		}
		reply <- ncResult{err: c.c.closeSend()}
	})
	if r.err != nil {
		r.err = c.opError("close", r.err)
	}
	return r.err
}

// LocalAddr returns the local address, a *net.TCPAddr.
func (c *NetConn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the peer's address, a *net.TCPAddr.
func (c *NetConn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets both the read and the write deadline.
func (c *NetConn) SetDeadline(t time.Time) error { return c.setDeadline(t, true, true) }

// SetReadDeadline sets the instant after which Read fails with
// os.ErrDeadlineExceeded, waiting Reads included; the zero time means
// none. Inside a synctest bubble it is in the bubble's (virtual) time.
func (c *NetConn) SetReadDeadline(t time.Time) error { return c.setDeadline(t, true, false) }

// SetWriteDeadline sets the instant after which Write fails with
// os.ErrDeadlineExceeded, waiting Writes included; the zero time means
// none.
func (c *NetConn) SetWriteDeadline(t time.Time) error { return c.setDeadline(t, false, true) }

func (c *NetConn) setDeadline(t time.Time, read, write bool) error {
	r := c.n.exec(ncRequest{id: c.id, op: opDeadline}, func(reply chan<- ncResult) {
		if c.closed {
			reply <- ncResult{err: net.ErrClosed}
			return
		}
		at := c.n.toWorld(t)
		if read {
			c.rdl = at
		}
		if write {
			c.wdl = at
		}
		c.expire(c.n.w.now)
		reply <- ncResult{}
	})
	if r.err != nil {
		r.err = c.opError("set", r.err)
	}
	return r.err
}

// Sim returns the simulator's handle on the connection, for Network.Do.
func (c *NetConn) Sim() Conn { return c.c }

// serveReads completes the waiting Reads that can complete, in order.
func (c *NetConn) serveReads() {
	for len(c.reads) > 0 {
		wt := c.reads[0]
		n, err := c.c.Read(wt.p)
		if errors.Is(err, tcpstate.ErrWouldBlock) {
			return
		}
		wt.reply <- ncResult{n: n, err: connError(err)}
		c.reads[0] = nil
		c.reads = c.reads[1:]
	}
}

// serveWrites queues what fits of the waiting Writes, in order, and
// completes those fully queued.
func (c *NetConn) serveWrites() {
	for len(c.writes) > 0 {
		wt := c.writes[0]
		var err error
		for wt.done < len(wt.p) {
			var n int
			n, err = c.c.Write(wt.p[wt.done:])
			wt.done += n
			if errors.Is(err, tcpstate.ErrWouldBlock) {
				return
			}
			if err != nil {
				break
			}
		}
		wt.reply <- ncResult{n: wt.done, err: connError(err)}
		c.writes[0] = nil
		c.writes = c.writes[1:]
	}
}

// serveDial answers a Dial waiting for the handshake: done when the
// connection is established (or went past it), failed when it closed.
func (c *NetConn) serveDial() {
	wt := c.dial
	if wt == nil {
		return
	}
	switch st := c.c.State(); st {
	case tcpstate.SynSent, tcpstate.SynReceived:
		return
	case tcpstate.Closed:
		err := c.c.Err()
		if err == nil {
			err = tcpstate.ErrNotConnected
		}
		c.closed = true
		c.c.Close() // gives up the handle
		wt.reply <- ncResult{err: connError(err)}
	default:
		c.setAddrs()
		wt.reply <- ncResult{conn: c}
	}
	c.dial = nil
}

// waiting reports whether calls wait on c.
func (c *NetConn) waiting() bool { return len(c.reads) > 0 || len(c.writes) > 0 }

// deadline returns the earliest deadline of the calls waiting on c.
func (c *NetConn) deadline() int64 {
	d := int64(noDeadline)
	if len(c.reads) > 0 {
		d = c.rdl
	}
	if len(c.writes) > 0 {
		d = min(d, c.wdl)
	}
	return d
}

// expire fails the waiting calls whose deadline is at or before now.
func (c *NetConn) expire(now int64) {
	if c.rdl <= now {
		c.reads = failWaiters(c.reads, os.ErrDeadlineExceeded)
	}
	if c.wdl <= now {
		c.writes = failWaiters(c.writes, os.ErrDeadlineExceeded)
	}
}

// failAll fails every waiting call with err.
func (c *NetConn) failAll(err error) {
	c.reads = failWaiters(c.reads, err)
	c.writes = failWaiters(c.writes, err)
}

// fail answers each ncWaiter with err (and the bytes it already moved) and
// returns the emptied list.
func failWaiters(ws []*ncWaiter, err error) []*ncWaiter {
	for i, wt := range ws {
		wt.reply <- ncResult{n: wt.done, err: err}
		ws[i] = nil
	}
	return ws[:0]
}

func (c *NetConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.local, Addr: c.remote, Err: err}
}
