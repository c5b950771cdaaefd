package sim

import (
	"fmt"
	"net/netip"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// Handler is an application: the functions the world calls when its
// connection raises an event. Any of them may be nil. They run inside the
// world's Step and may call the Conn's methods (and any other handle's);
// segments they cause leave when the callback returns.
type Handler struct {
	// Established: an active open (Dial) reached ESTABLISHED. A passive
	// connection is announced by its listener's accept function instead.
	Established func(c Conn)
	// Readable: data (or the end of the stream) is ready to Read.
	Readable func(c Conn)
	// Writable: send buffer space was freed.
	Writable func(c Conn)
	// PeerClosed: the peer sent FIN; after the data already received,
	// Read returns io.EOF.
	PeerClosed func(c Conn)
	// Closed: the connection reached CLOSED. err says why when it did not
	// end by a normal close (tcpstate.ErrReset, ErrRefused, ErrTimedOut).
	Closed func(c Conn, err error)
}

// Conn is the application's handle on a connection, like a file
// descriptor: it stays valid until the application has closed it and the
// connection has reached CLOSED (after TIME-WAIT, for the end that closed
// first). Then its methods return ErrClosed. The zero Conn is not valid.
type Conn struct {
	ep  *endpoint
	gen uint32
}

func (c Conn) live() (*endpoint, bool) {
	if c.ep == nil || c.ep.gen != c.gen || c.ep.tcp == nil {
		return nil, false
	}
	return c.ep, true
}

// Valid reports whether the handle still refers to a connection.
func (c Conn) Valid() bool {
	_, ok := c.live()
	return ok
}

// Dial opens a connection from h to remote (an active OPEN, RFC 9293
// §3.10.1) from the next free ephemeral port. The SYN leaves at once;
// hd.Established runs when the handshake completes, hd.Closed if it fails.
func (h *Host) Dial(remote netip.AddrPort, hd Handler) (Conn, error) {
	port, ok := h.ports.ephemeral()
	if !ok {
		return Conn{}, fmt.Errorf("sim: host %s: %w", h.name, ErrNoPorts)
	}
	return h.connect(netip.AddrPortFrom(h.addr, port), remote, hd)
}

// connect opens a connection from local to remote: a new endpoint, its
// traced Connect, and the SYN sent at once.
func (h *Host) connect(local, remote netip.AddrPort, hd Handler) (Conn, error) {
	w := h.w
	ep, err := w.newEndpoint(h)
	if err != nil {
		return Conn{}, err
	}
	err = ep.tcp.Connect(w.Now(), local, remote)
	w.traceCall(ep, CallConnect, 0, nil, err)
	if err != nil {
		ep.release()
		return Conn{}, err
	}
	ep.handler = hd
	ep.enter()
	c := Conn{ep: ep, gen: ep.gen}
	ep.flush()
	return c, nil
}

// Write queues p for sending (RFC 9293 §3.10.2 SEND) and returns how many
// bytes fit in the send buffer (tcpstate.ErrWouldBlock if none).
func (c Conn) Write(p []byte) (int, error) {
	ep, ok := c.live()
	if !ok {
		return 0, ErrClosed
	}
	n, err := ep.tcp.Write(p)
	ep.w.traceCall(ep, CallSend, n, p[:n], err)
	ep.flush()
	return n, err
}

// Read moves received data into p (RFC 9293 §3.10.3 RECEIVE). It returns
// tcpstate.ErrWouldBlock when nothing is ready, io.EOF after the peer's
// FIN and the data before it.
func (c Conn) Read(p []byte) (int, error) {
	ep, ok := c.live()
	if !ok {
		return 0, ErrClosed
	}
	n, err := ep.tcp.Read(p)
	ep.w.traceCall(ep, CallRecv, n, p[:n], err)
	ep.flush()
	return n, err
}

// Close tells the connection the application has nothing more to send
// (RFC 9293 §3.10.4 CLOSE: a FIN follows the queued data; data from the
// peer keeps arriving until it closes too) and gives up the handle: it
// goes stale once the connection reaches CLOSED. Closing a connection
// that already ended (reset, refused, timed out) only gives up the handle.
func (c Conn) Close() error {
	ep, ok := c.live()
	if !ok {
		return ErrClosed
	}
	if ep.appClosed {
		return tcpstate.ErrClosing
	}
	var err error
	if ep.tcp.State() != tcpstate.Closed {
		err = ep.tcp.Close(ep.w.Now())
	}
	ep.appClosed = true
	ep.w.traceCall(ep, CallClose, 0, nil, err)
	ep.flush()
	return err
}

// Abort resets the connection (RFC 9293 §3.10.5 ABORT: a RST is sent in
// the synchronized states) and gives up the handle.
func (c Conn) Abort() error {
	ep, ok := c.live()
	if !ok {
		return ErrClosed
	}
	ep.tcp.Abort(ep.w.Now())
	ep.appClosed = true
	ep.w.traceCall(ep, CallAbort, 0, nil, nil)
	ep.flush()
	return nil
}

// State returns the connection's state; CLOSED for a stale handle.
func (c Conn) State() tcpstate.State {
	if ep, ok := c.live(); ok {
		return ep.tcp.State()
	}
	return tcpstate.Closed
}

// TCB returns a snapshot of the connection's variables.
func (c Conn) TCB() tcpstate.TCB {
	if ep, ok := c.live(); ok {
		return ep.tcp.TCB()
	}
	return tcpstate.TCB{}
}

// Err returns why the connection ended abnormally, or nil.
func (c Conn) Err() error {
	if ep, ok := c.live(); ok {
		return ep.tcp.Err()
	}
	return ErrClosed
}

// LocalAddr returns the connection's local address and port.
func (c Conn) LocalAddr() netip.AddrPort {
	if ep, ok := c.live(); ok {
		return ep.tcp.LocalAddr()
	}
	return netip.AddrPort{}
}

// RemoteAddr returns the peer's address and port.
func (c Conn) RemoteAddr() netip.AddrPort {
	if ep, ok := c.live(); ok {
		return ep.tcp.RemoteAddr()
	}
	return netip.AddrPort{}
}

// Host returns the host the connection belongs to, or nil for a stale
// handle.
func (c Conn) Host() *Host {
	if ep, ok := c.live(); ok {
		return ep.host
	}
	return nil
}

func (c Conn) String() string {
	if ep, ok := c.live(); ok {
		return fmt.Sprintf("%s %v-%v %v", ep.host.name, ep.tcp.LocalAddr(), ep.tcp.RemoteAddr(), ep.tcp.State())
	}
	return "closed connection"
}
