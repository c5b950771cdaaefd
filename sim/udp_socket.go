package sim

import (
	"fmt"
	"net/netip"

	"github.com/tcpsim/tcpsim/udp"
)

// UDPHandler is a UDP application: the functions the world calls when its
// socket has news. Either may be nil. They run inside the world's Step
// and may call any handle's methods.
type UDPHandler struct {
	// Readable: a datagram was queued; ReadFrom it.
	Readable func(s UDPSocket)
	// Error: the socket, connected, recorded an asynchronous error
	// (udp.ErrRefused for an ICMP port unreachable). Its next call
	// returns the error, once, whether or not this function exists.
	Error func(s UDPSocket, err error)
}

// UDPConfig binds a UDP socket.
type UDPConfig struct {
	// Port is the local port; 0 picks the next free ephemeral one (RFC
	// 6335 §6 range, as for TCP, from the host's UDP ports).
	Port uint16
	// MaxDatagrams and MaxBytes bound the receive queue (see udp.Config;
	// 0 means udp.DefaultMaxDatagrams, udp.DefaultMaxBytes). Datagrams
	// beyond them are dropped and traced with reason DropRcvBuf.
	MaxDatagrams int
	MaxBytes     int
}

// udpSocket is a bound UDP socket: a udp.Endpoint on a host.
type udpSocket struct {
	host    *Host
	ep      *udp.Endpoint
	handler UDPHandler
}

// UDPSocket is the application's handle on a UDP socket. After Close its
// methods return udp.ErrClosed. The zero UDPSocket is not valid.
type UDPSocket struct{ s *udpSocket }

// BindUDP binds a UDP socket with default queue bounds to port on h (0
// for an ephemeral port).
func (h *Host) BindUDP(port uint16, hd UDPHandler) (UDPSocket, error) {
	return h.BindUDPConfig(UDPConfig{Port: port}, hd)
}

// BindUDPConfig binds a UDP socket on h as cfg says.
func (h *Host) BindUDPConfig(cfg UDPConfig, hd UDPHandler) (UDPSocket, error) {
	u := h.udpStack()
	port := cfg.Port
	if port == 0 {
		p, ok := u.ports.ephemeral()
		if !ok {
			return UDPSocket{}, fmt.Errorf("sim: host %s: udp: %w", h.name, ErrNoPorts)
		}
		port = p
	} else if u.socks[port] != nil {
		return UDPSocket{}, fmt.Errorf("sim: host %s: udp port %d: %w", h.name, port, ErrAddrInUse)
	}
	ep, err := udp.NewEndpoint(udp.Config{
		Local:        netip.AddrPortFrom(h.addr, port),
		MaxDatagrams: cfg.MaxDatagrams, MaxBytes: cfg.MaxBytes,
	})
	if err != nil {
		return UDPSocket{}, fmt.Errorf("sim: host %s: %w", h.name, err)
	}
	s := &udpSocket{host: h, ep: ep, handler: hd}
	u.socks[port] = s
	u.ports.ref(port)
	return UDPSocket{s: s}, nil
}

// Valid reports whether the handle refers to a socket not yet closed.
func (s UDPSocket) Valid() bool { return s.s != nil && !s.s.ep.Closed() }

// LocalAddr returns the address and port the socket is bound to.
func (s UDPSocket) LocalAddr() netip.AddrPort {
	if s.s == nil {
		return netip.AddrPort{}
	}
	return s.s.ep.LocalAddr()
}

// RemoteAddr returns the connected remote, or the zero AddrPort.
func (s UDPSocket) RemoteAddr() netip.AddrPort {
	if s.s == nil {
		return netip.AddrPort{}
	}
	return s.s.ep.RemoteAddr()
}

// Host returns the socket's host (nil for the zero UDPSocket).
func (s UDPSocket) Host() *Host {
	if s.s == nil {
		return nil
	}
	return s.s.host
}

// Stats returns the socket's counters, drops included.
func (s UDPSocket) Stats() udp.Stats {
	if s.s == nil {
		return udp.Stats{}
	}
	return s.s.ep.Stats()
}

// Connect fixes the socket's remote (connect(2) on a datagram socket):
// Send goes to it, only its datagrams are accepted, and ICMP errors about
// it are reported. No packet is sent: UDP has no handshake.
func (s UDPSocket) Connect(remote netip.AddrPort) error {
	if s.s == nil {
		return udp.ErrClosed
	}
	err := s.s.ep.Connect(remote)
	s.s.host.w.traceUDPCall(s.s, CallConnect, remote, 0, nil, err)
	return err
}

// Send sends p to the connected remote as one datagram and returns
// len(p). A pending error (udp.ErrRefused) is returned instead, once.
func (s UDPSocket) Send(p []byte) (int, error) {
	if s.s == nil {
		return 0, udp.ErrClosed
	}
	return s.send(p, s.s.ep.RemoteAddr(), true)
}

// SendTo sends p to to as one datagram and returns len(p).
func (s UDPSocket) SendTo(p []byte, to netip.AddrPort) (int, error) {
	if s.s == nil {
		return 0, udp.ErrClosed
	}
	return s.send(p, to, false)
}

func (s UDPSocket) send(p []byte, to netip.AddrPort, connected bool) (int, error) {
	u := s.s
	w := u.host.w
	var d udp.Datagram
	var err error
	if connected {
		d, err = u.ep.Send(p)
	} else {
		d, err = u.ep.SendTo(p, to)
	}
	n := 0
	if err == nil {
		n = len(p)
	}
	w.traceUDPCall(u, CallSend, to, n, p[:n], err)
	if err != nil {
		return 0, err
	}
	m := udpMsg{kind: udpDatagram, dgram: d}
	w.traceUDP(u.host, &m, Send, w.stats.Segments+1, 0, 0)
	w.transmitUDP(u.host, &m)
	return n, nil
}

// ReadFrom takes the oldest queued datagram: it copies its payload into p
// (cutting it if p is short, the rest discarded, as recvfrom(2) does) and
// returns the count and the sender. An empty queue gives
// udp.ErrWouldBlock; a pending error is returned instead, once.
func (s UDPSocket) ReadFrom(p []byte) (int, netip.AddrPort, error) {
	if s.s == nil {
		return 0, netip.AddrPort{}, udp.ErrClosed
	}
	n, from, err := s.s.ep.ReadFrom(p)
	s.s.host.w.traceUDPCall(s.s, CallRecv, from, n, p[:n], err)
	return n, from, err
}

// Close closes the socket: its port becomes free, its queue is dropped,
// and datagrams for the port are answered with port unreachable.
// Closing twice returns udp.ErrClosed.
func (s UDPSocket) Close() error {
	u := s.s
	if u == nil || u.ep.Closed() {
		return udp.ErrClosed
	}
	port := u.ep.LocalAddr().Port()
	u.ep.Close()
	st := u.host.udpStack()
	delete(st.socks, port)
	st.ports.unref(port)
	u.host.w.traceUDPCall(u, CallClose, netip.AddrPort{}, 0, nil, nil)
	return nil
}
