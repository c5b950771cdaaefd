package sim

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// The socket layer: the calls of BSD sockets and Winsock (socket, bind,
// listen, accept, connect, send, recv, closesocket, select) on integer
// descriptors, one table per host, over the world's connections.
//
// A call on a blocking socket made by a Process blocks it in virtual
// time: it returns when the simulated event it waits for happens (a
// connection arrives, the handshake ends, data comes). A call on a
// non-blocking socket returns at once with ErrWouldBlock or ErrInProgress
// when it cannot complete. Outside a process (test code between steps,
// Handler callbacks) nothing can block: every socket behaves as
// non-blocking there.

// MaxSockets is the number of descriptors of a host, and FDSet's
// capacity (FD_SETSIZE of BSD). Descriptors start at FirstFD, as on Unix
// where 0, 1 and 2 are standard input, output and error, and a new socket
// gets the lowest free number (POSIX open and socket).
const (
	MaxSockets = 1024
	FirstFD    = 3
)

// sockKind is where a socket is in its life.
type sockKind uint8

const (
	sockFresh      sockKind = iota // made by Socket, maybe bound
	sockListening                  // Listen was called
	sockConnecting                 // Connect sent a SYN, the handshake is not over
	sockConnected                  // connected (Accept's sockets start here)
	sockFailed                     // the connect failed; pending holds why
)

// socket is one descriptor's socket.
type socket struct {
	host        *Host
	fd          int
	kind        sockKind
	nonblocking bool
	bound       bool
	port        uint16 // the bound port, when bound

	// Listening.
	l       *Listener
	backlog int
	queue   []*socket // connections established and not yet accepted

	// Connecting and connected.
	c           Conn
	established bool  // the handshake completed (Handler.Established, or accepted)
	ended       bool  // the connection reached CLOSED (Handler.Closed)
	endErr      error // why, from Handler.Closed
	pending     error // SO_ERROR: why a non-blocking connect failed, until read
	shutRd      bool
	shutWr      bool

	closed bool // closesocket was called
}

// Sockets is a host's socket layer: its table of descriptors, and the
// calls of the tutorial on them. Get it with Host.Sockets.
//
// Hook for datagram sockets (the UDP layer, udp_socket.go, is handle
// based): to give them descriptors here, add a sockDatagram kind whose
// socket holds a UDPSocket; a SocketUDP call making one; a case in
// readable (a datagram queued, or an ICMP error pending), writable
// (always: UDP has no send buffer to wait for) and exceptional (never);
// and in Bind, Connect, Send, Recv (SendTo/RecvFrom) and CloseSocket a
// case passing the call to the UDPSocket. Select, FDSet, the blocking
// rules and the descriptor table then work unchanged.
type Sockets struct {
	host  *Host
	socks []*socket // indexed by descriptor; nil when free
}

// Sockets returns h's socket layer.
func (h *Host) Sockets() *Sockets {
	s := h.w.sched()
	t := s.sockets[h]
	if t == nil {
		t = &Sockets{host: h}
		s.sockets[h] = t
	}
	return t
}

// Sockets returns the socket layer of the process's host.
func (p *Process) Sockets() *Sockets { return p.host.Sockets() }

// Host returns the host the sockets belong to.
func (t *Sockets) Host() *Host { return t.host }

// add gives sk the lowest free descriptor.
func (t *Sockets) add(sk *socket) error {
	for fd := FirstFD; fd < len(t.socks); fd++ {
		if t.socks[fd] == nil {
			t.socks[fd], sk.fd = sk, fd
			return nil
		}
	}
	fd := max(len(t.socks), FirstFD)
	if fd >= MaxSockets {
		return ErrTooManyFiles
	}
	t.socks = append(t.socks, make([]*socket, fd+1-len(t.socks))...)
	t.socks[fd], sk.fd = sk, fd
	return nil
}

// sock returns the open socket with descriptor fd.
func (t *Sockets) sock(fd int) (*socket, error) {
	if fd < 0 || fd >= len(t.socks) || t.socks[fd] == nil {
		return nil, ErrBadFD
	}
	return t.socks[fd], nil
}

// blocker returns the process a call on sk blocks: the one that has
// control, if sk is a blocking socket; nil if the call must not block.
func (sk *socket) blocker() *Process {
	s := sk.host.w.procs
	if sk.nonblocking || s == nil {
		return nil
	}
	return s.current
}

// handler is the Handler of sk's connection: it records what the socket
// needs to know later (the Conn handle itself stays valid until
// closesocket; these survive it going stale after shutdown).
func (sk *socket) handler() Handler {
	return Handler{
		Established: func(Conn) { sk.established = true },
		Closed:      func(_ Conn, err error) { sk.ended, sk.endErr = true, err },
	}
}

// refresh moves a connecting socket on once its handshake has ended: to
// connected, or to failed with the reason pending (SO_ERROR).
func (sk *socket) refresh() {
	if sk.kind != sockConnecting {
		return
	}
	switch {
	case sk.established:
		sk.kind = sockConnected
	case sk.ended:
		sk.kind, sk.pending = sockFailed, sockErr(sk.endErr)
		if sk.pending == nil {
			sk.pending = ErrConnAborted
		}
	}
}

// Socket makes a TCP socket (socket(AF_INET, SOCK_STREAM, 0)) and returns
// its descriptor. Sockets are blocking until SetNonblocking. Datagram
// sockets are the udp layer's.
func (t *Sockets) Socket() (int, error) {
	h := t.host
	sk := &socket{host: h}
	if err := t.add(sk); err != nil {
		return -1, fmt.Errorf("sim: host %s: socket: %w", h.name, err)
	}
	return sk.fd, nil
}

// SetNonblocking makes fd non-blocking or blocking again (ioctlsocket
// FIONBIO in Winsock, O_NONBLOCK with fcntl in BSD).
func (t *Sockets) SetNonblocking(fd int, on bool) error {
	sk, err := t.sock(fd)
	if err != nil {
		return err
	}
	sk.nonblocking = on
	return nil
}

// Bind gives fd a local address: the host's address or the unspecified
// one (0.0.0.0, or the zero Addr), and a port; port 0 picks a free
// ephemeral port. A socket is bound once (EINVAL otherwise); a port used
// by a listener or a connection cannot be bound (EADDRINUSE, there being
// no SO_REUSEADDR).
func (t *Sockets) Bind(fd int, local netip.AddrPort) error {
	h := t.host
	sk, err := t.sock(fd)
	if err != nil {
		return err
	}
	if sk.kind != sockFresh || sk.bound {
		return fmt.Errorf("%w: bind(%d): socket already bound or connected", ErrInvalid, fd)
	}
	if a := local.Addr(); a.IsValid() && !a.IsUnspecified() && a != h.addr {
		return fmt.Errorf("sim: host %s: bind(%d) to %v: %w", h.name, fd, local, ErrAddrNotAvail)
	}
	port := local.Port()
	if port == 0 {
		p, ok := h.ports.ephemeral()
		if !ok {
			return fmt.Errorf("sim: host %s: bind(%d): %w", h.name, fd, ErrNoPorts)
		}
		port = p
	} else if h.ports.inUse(port) {
		return fmt.Errorf("sim: host %s: bind(%d) to port %d: %w", h.name, fd, port, ErrAddrInUse)
	}
	h.ports.ref(port)
	sk.bound, sk.port = true, port
	return nil
}

// Listen makes the bound socket fd accept connections (a passive OPEN,
// RFC 9293 §3.10.1). backlog bounds the connections established and not
// yet accepted, clamped to 1..DefaultBacklog (SOMAXCONN); one that
// completes its handshake when the queue is full is reset, as Winsock
// refuses connections beyond the backlog. Listen on a socket that is not
// bound is EINVAL (Winsock's rule); calling it again changes the backlog.
func (t *Sockets) Listen(fd int, backlog int) error {
	h := t.host
	sk, err := t.sock(fd)
	if err != nil {
		return err
	}
	backlog = min(max(backlog, 1), DefaultBacklog)
	switch {
	case sk.kind == sockListening:
		sk.backlog = backlog
		return nil
	case sk.kind != sockFresh:
		return fmt.Errorf("sim: host %s: listen(%d): %w", h.name, fd, ErrIsConn)
	case !sk.bound:
		return fmt.Errorf("%w: listen(%d): socket is not bound", ErrInvalid, fd)
	}
	l, err := h.Listen(sk.port, func(c Conn) Handler {
		if len(sk.queue) >= sk.backlog {
			c.Abort() // the accept queue is full: refuse with a RST
			return Handler{}
		}
		ns := &socket{host: h, fd: -1, kind: sockConnected, established: true, c: c}
		sk.queue = append(sk.queue, ns)
		return ns.handler()
	})
	if err != nil {
		return sockErr(err)
	}
	sk.kind, sk.l, sk.backlog = sockListening, l, backlog
	return nil
}

// Accept takes the first connection of the listening socket fd's queue
// and returns a new descriptor for it and the peer's address. On a
// blocking socket, a process waits in Accept until a connection
// completes its handshake; a non-blocking one gets ErrWouldBlock.
func (t *Sockets) Accept(fd int) (int, netip.AddrPort, error) {
	h := t.host
	sk, err := t.sock(fd)
	if err != nil {
		return -1, netip.AddrPort{}, err
	}
	if sk.kind != sockListening {
		return -1, netip.AddrPort{}, fmt.Errorf("%w: accept(%d): socket is not listening", ErrInvalid, fd)
	}
	if len(sk.queue) == 0 {
		p := sk.blocker()
		if p == nil {
			h.w.traceCall(sk.l.ep, CallAccept, 0, nil, tcpstate.ErrWouldBlock)
			return -1, netip.AddrPort{}, ErrWouldBlock
		}
		p.park("accept", fd, func() bool { return sk.closed || len(sk.queue) > 0 })
		if sk.closed {
			return -1, netip.AddrPort{}, ErrBadFD
		}
	}
	ns := sk.queue[0]
	if err := t.add(ns); err != nil {
		return -1, netip.AddrPort{}, fmt.Errorf("sim: host %s: accept(%d): %w", h.name, fd, err)
	}
	sk.queue = slices.Delete(sk.queue, 0, 1)
	return ns.fd, ns.c.RemoteAddr(), nil
}

// Connect opens a connection from fd to remote (an active OPEN, RFC 9293
// §3.10.1), from its bound port or else an ephemeral one. On a blocking
// socket, a process waits until the handshake ends and gets nil or why it
// failed (ErrConnRefused, ErrTimedOut...). A non-blocking socket gets
// ErrInProgress at once: Select reports it writable when connected, in
// the except set when the connect failed (Winsock's rules), and
// SocketError then says why. Connect again while connecting is
// ErrAlready, once connected ErrIsConn.
func (t *Sockets) Connect(fd int, remote netip.AddrPort) error {
	h := t.host
	sk, err := t.sock(fd)
	if err != nil {
		return err
	}
	sk.refresh()
	switch sk.kind {
	case sockListening:
		return fmt.Errorf("%w: connect(%d): socket is listening", ErrInvalid, fd)
	case sockConnecting:
		return ErrAlready
	case sockConnected:
		return ErrIsConn
	case sockFailed:
		if err := sk.takePending(); err != nil {
			return err
		}
		// The failure was reported: start over, as BSD lets a socket
		// whose connect failed try again.
		sk.c.Close()
		sk.c, sk.kind, sk.established, sk.ended, sk.endErr = Conn{}, sockFresh, false, false, nil
	}
	var c Conn
	if sk.bound {
		c, err = h.dialFrom(sk.port, remote, sk.handler())
	} else {
		c, err = h.Dial(remote, sk.handler())
	}
	if err != nil {
		return sockErr(err)
	}
	sk.c, sk.kind = c, sockConnecting
	p := sk.blocker()
	if p == nil {
		return ErrInProgress
	}
	p.park("connect", fd, func() bool { return sk.closed || sk.established || sk.ended })
	if sk.closed {
		return ErrBadFD
	}
	sk.refresh()
	if sk.kind == sockFailed {
		return sk.takePending()
	}
	return nil
}

// takePending returns and clears the socket's pending error.
func (sk *socket) takePending() error {
	err := sk.pending
	sk.pending = nil
	return err
}

// SocketError returns and clears why fd's non-blocking connect failed
// (getsockopt SO_ERROR); nil if it did not, or was already read.
func (t *Sockets) SocketError(fd int) error {
	sk, err := t.sock(fd)
	if err != nil {
		return err
	}
	sk.refresh()
	return sk.takePending()
}

// AbortSocket closes fd with a RST instead of a FIN (close after
// SO_LINGER with a zero timeout, RFC 9293 §3.10.5 ABORT) and frees the
// descriptor; on a socket that is not connected it is CloseSocket.
func (t *Sockets) AbortSocket(fd int) error {
	sk, err := t.sock(fd)
	if err != nil {
		return err
	}
	if (sk.kind == sockConnecting || sk.kind == sockConnected) && sk.c.Valid() {
		sk.c.Abort()
	}
	return t.CloseSocket(fd)
}

// CloseSocket closes fd (closesocket in Winsock, close in BSD) and frees
// the descriptor. A connection is closed gracefully (FIN after the queued
// data, RFC 9293 §3.10.4), unless data received was left unread: then it
// is reset (RFC 2525 §2.17, as BSD and Winsock do). A listening socket
// stops listening and resets the connections not yet accepted. A process
// blocked on fd returns ErrBadFD.
func (t *Sockets) CloseSocket(fd int) error {
	h := t.host
	sk, err := t.sock(fd)
	if err != nil {
		return err
	}
	t.socks[fd] = nil
	sk.closed = true
	h.w.procs.poke(h.w) // a process blocked on fd returns
	switch sk.kind {
	case sockListening:
		err = sk.l.Close()
		for _, q := range sk.queue {
			q.c.Abort() // RFC 9293 §3.10.5: nobody will accept it
		}
		sk.queue = nil
	case sockConnecting, sockConnected, sockFailed:
		switch {
		case !sk.c.Valid():
		case sk.c.TCB().RecvQueued > 0:
			err = sk.c.Abort()
		case !sk.shutWr:
			err = sk.c.Close()
		}
	}
	if sk.bound {
		h.ports.unref(sk.port)
	}
	return sockErr(err)
}
