package udp

import (
	"fmt"
	"net/netip"
)

// Default bounds of a receive queue. 212992 bytes is Linux's default
// socket receive buffer (net.core.rmem_default); the count bound keeps a
// flood of empty datagrams finite too.
const (
	DefaultMaxDatagrams = 256
	DefaultMaxBytes     = 212992
)

// Config sets up an Endpoint.
type Config struct {
	// Local is the address and port the endpoint is bound to. Its port
	// must not be zero: choosing an ephemeral port is the driver's job.
	// An unspecified address (0.0.0.0, ::) accepts datagrams to any
	// address of the same family.
	Local netip.AddrPort
	// MaxDatagrams and MaxBytes bound the receive queue: a datagram that
	// would take it past either bound is dropped and counted. Zero means
	// the default; negative is invalid.
	MaxDatagrams int
	MaxBytes     int
}

// Stats counts what an endpoint did with what it was given.
type Stats struct {
	Sent      uint64 // datagrams Send and SendTo built
	Received  uint64 // datagrams queued
	Read      uint64 // datagrams ReadFrom took off the queue
	QueueFull uint64 // dropped: the receive queue was full
	Filtered  uint64 // dropped: not from the connected remote, or not for the endpoint
	Errors    uint64 // ICMP errors recorded for the application
}

// Endpoint is the state of one UDP socket, sans-I/O: Send and SendTo build
// the datagrams a driver puts on the wire, Deliver takes the ones the
// driver demultiplexed to it (by destination port), ReadFrom hands them to
// the application, HandleICMP takes the errors the network reports. It is
// not safe for concurrent use.
type Endpoint struct {
	local   netip.AddrPort
	remote  netip.AddrPort // valid when connected
	queue   queue
	pending error // asynchronous error for the next call (SO_ERROR)
	closed  bool
	stats   Stats
}

// NewEndpoint returns an endpoint bound to cfg.Local.
func NewEndpoint(cfg Config) (*Endpoint, error) {
	switch {
	case !cfg.Local.Addr().IsValid() || cfg.Local.Port() == 0:
		return nil, fmt.Errorf("%w: local address %v", ErrInvalid, cfg.Local)
	case cfg.MaxDatagrams < 0 || cfg.MaxBytes < 0:
		return nil, fmt.Errorf("%w: negative queue bound", ErrInvalid)
	}
	if cfg.MaxDatagrams == 0 {
		cfg.MaxDatagrams = DefaultMaxDatagrams
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	local := netip.AddrPortFrom(cfg.Local.Addr().Unmap(), cfg.Local.Port())
	return &Endpoint{local: local, queue: newQueue(cfg.MaxDatagrams, cfg.MaxBytes)}, nil
}

// LocalAddr returns the address the endpoint is bound to.
func (e *Endpoint) LocalAddr() netip.AddrPort { return e.local }

// RemoteAddr returns the connected remote, or the zero AddrPort.
func (e *Endpoint) RemoteAddr() netip.AddrPort { return e.remote }

// Connected reports whether Connect fixed a remote.
func (e *Endpoint) Connected() bool { return e.remote.IsValid() }

// Stats returns the endpoint's counters.
func (e *Endpoint) Stats() Stats { return e.stats }

// Connect fixes the remote, as connect(2) does on a datagram socket: Send
// goes to it, only datagrams from it are accepted, and ICMP errors about
// it are reported. The zero AddrPort dissolves the association (connect
// with AF_UNSPEC). Connecting clears a pending error. Datagrams already
// queued stay.
func (e *Endpoint) Connect(remote netip.AddrPort) error {
	if e.closed {
		return ErrClosed
	}
	if remote == (netip.AddrPort{}) {
		e.remote, e.pending = remote, nil
		return nil
	}
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	if _, _, err := family(e.local.Addr(), remote.Addr()); err != nil || remote.Port() == 0 || remote.Addr().IsUnspecified() {
		return fmt.Errorf("%w: remote %v", ErrAddress, remote)
	}
	e.remote, e.pending = remote, nil
	return nil
}

// takeError returns the pending asynchronous error, clearing it, as the
// next call on a socket returns its SO_ERROR once.
func (e *Endpoint) takeError() error {
	err := e.pending
	e.pending = nil
	return err
}

// Send builds a datagram with payload p for the connected remote. The
// datagram aliases p. A pending error is returned instead, once.
func (e *Endpoint) Send(p []byte) (Datagram, error) {
	if e.closed {
		return Datagram{}, ErrClosed
	}
	if !e.Connected() {
		return Datagram{}, ErrNotConnected
	}
	return e.SendTo(p, e.remote)
}

// SendTo builds a datagram with payload p for to. The datagram aliases p.
// A pending error is returned instead, once. Like sendto(2) on Linux, a
// connected endpoint may still send elsewhere.
func (e *Endpoint) SendTo(p []byte, to netip.AddrPort) (Datagram, error) {
	if e.closed {
		return Datagram{}, ErrClosed
	}
	if err := e.takeError(); err != nil {
		return Datagram{}, err
	}
	to = netip.AddrPortFrom(to.Addr().Unmap(), to.Port())
	if _, _, err := family(e.local.Addr(), to.Addr()); err != nil || to.Port() == 0 || to.Addr().IsUnspecified() {
		return Datagram{}, fmt.Errorf("%w: destination %v", ErrAddress, to)
	}
	if len(p) > MaxPayload {
		return Datagram{}, fmt.Errorf("%w: %d bytes of payload, at most %d", ErrTooLong, len(p), MaxPayload)
	}
	e.stats.Sent++
	return Datagram{Src: e.local, Dst: to, Payload: p}, nil
}

// Verdict says what Deliver did with a datagram.
type Verdict uint8

// The verdicts.
const (
	// Queued: the datagram waits in the receive queue.
	Queued Verdict = iota + 1
	// DroppedQueueFull: the receive queue had no room for it.
	DroppedQueueFull
	// DroppedNotConnectedPeer: the endpoint is connected to another
	// remote, which connect(2) makes "the only address from which
	// datagrams are received".
	DroppedNotConnectedPeer
	// DroppedWrongDestination: not addressed to the endpoint's address
	// and port: the driver demultiplexed it wrongly.
	DroppedWrongDestination
	// DroppedClosed: the endpoint is closed.
	DroppedClosed
)

var verdictNames = [...]string{
	Queued: "queued", DroppedQueueFull: "dropped-queue-full",
	DroppedNotConnectedPeer: "dropped-not-connected-peer",
	DroppedWrongDestination: "dropped-wrong-destination", DroppedClosed: "dropped-closed",
}

// String returns the verdict's stable name, e.g. "dropped-queue-full".
func (v Verdict) String() string {
	if int(v) > 0 && int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "verdict-unknown"
}

// Deliver takes a datagram the driver received for the endpoint and
// queues a copy of its payload, unless a rule drops it.
func (e *Endpoint) Deliver(d Datagram) Verdict {
	switch {
	case e.closed:
		return DroppedClosed
	case !e.accepts(d.Dst):
		e.stats.Filtered++
		return DroppedWrongDestination
	case e.Connected() && d.Src != e.remote:
		e.stats.Filtered++
		return DroppedNotConnectedPeer
	case !e.queue.fits(len(d.Payload)):
		// A full socket buffer drops the datagram: RFC 768 gives UDP
		// no flow control, so nothing tells the sender to slow down.
		e.stats.QueueFull++
		return DroppedQueueFull
	}
	e.queue.push(d.Src, d.Payload)
	e.stats.Received++
	return Queued
}

// accepts reports whether dst is the endpoint's address and port.
func (e *Endpoint) accepts(dst netip.AddrPort) bool {
	if dst.Port() != e.local.Port() {
		return false
	}
	a, l := dst.Addr().Unmap(), e.local.Addr()
	if l.IsUnspecified() {
		return a.Is4() == l.Is4()
	}
	return a == l
}

// Readable reports whether a datagram waits to be read.
func (e *Endpoint) Readable() bool { return e.queue.n > 0 }

// Queued returns the number of datagrams and bytes of payload waiting.
func (e *Endpoint) Queued() (datagrams, bytes int) { return e.queue.n, e.queue.bytes }

// NextLen returns the payload size of the next datagram to read, and
// false if there is none.
func (e *Endpoint) NextLen() (int, bool) {
	if e.queue.n == 0 {
		return 0, false
	}
	return len(e.queue.front().data), true
}

// ReadFrom takes the oldest datagram off the queue, copies its payload
// into p and returns the count and the sender. A payload longer than p is
// cut and the rest discarded, as recvfrom(2) does with a short buffer (use
// NextLen to size p). A pending error is returned instead, once; an empty
// queue gives ErrWouldBlock.
func (e *Endpoint) ReadFrom(p []byte) (int, netip.AddrPort, error) {
	if e.closed {
		return 0, netip.AddrPort{}, ErrClosed
	}
	if err := e.takeError(); err != nil {
		return 0, netip.AddrPort{}, err
	}
	if e.queue.n == 0 {
		return 0, netip.AddrPort{}, ErrWouldBlock
	}
	it := e.queue.front()
	n, from := copy(p, it.data), it.from
	e.queue.pop()
	e.stats.Read++
	return n, from, nil
}

// Err returns the pending asynchronous error, if any, without clearing it.
func (e *Endpoint) Err() error { return e.pending }

// HandleICMP takes a destination unreachable the network returned for a
// datagram the endpoint sent to dst, and records err (ErrRefused for a
// port unreachable) for the next call, reporting whether it did. RFC 1122
// §4.1.3.3: "UDP MUST pass to the application layer all ICMP error
// messages that it receives from the IP layer". Like BSD and Linux, only a
// connected endpoint gets them, and only about its remote: an unconnected
// socket could not tell which of its destinations the error is about
// (the sockets API has no other way to report it).
func (e *Endpoint) HandleICMP(dst netip.AddrPort, err error) bool {
	dst = netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())
	if e.closed || !e.Connected() || dst != e.remote {
		return false
	}
	e.pending = err
	e.stats.Errors++
	return true
}

// Close closes the endpoint: the queue is dropped and every call but
// Stats, LocalAddr and RemoteAddr returns ErrClosed. Closing twice is
// allowed.
func (e *Endpoint) Close() {
	e.closed = true
	e.queue = newQueue(e.queue.maxItems, e.queue.maxLen)
	e.pending = nil
}

// Closed reports whether Close was called.
func (e *Endpoint) Closed() bool { return e.closed }
