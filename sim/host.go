package sim

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// HostConfig describes a host to add to a World.
type HostConfig struct {
	// Name identifies the host in traces; unique in its world.
	Name string
	// Addr is the host's one address, IPv4 or IPv6 (not an IPv4-mapped
	// one), unique in its world. tcpstate derives the MSS a connection
	// announces from its MTU less the IP header of the family (RFC 9293
	// §3.7.1; 20 bytes for IPv4, 40 for IPv6).
	Addr netip.Addr
	// TCP is the configuration every connection of the host starts from;
	// nil means tcpstate.DefaultConfig(). The world fills in what tcpstate
	// leaves to drivers: unless set here, each connection's ISN and Secret
	// are drawn from the world's generator. Its Trace field is the
	// world's: it is replaced.
	TCP *tcpstate.Config
	// Backlog bounds how many connections each listener of the host holds
	// before they are accepted (in SYN-RECEIVED, RFC 9293 §3.10.7.2); 0
	// means DefaultBacklog. A SYN beyond it is dropped, or answered as
	// OverflowReset says.
	Backlog int
	// OverflowReset answers a SYN beyond the backlog with a RST instead of
	// dropping it, like Linux's net.ipv4.tcp_abort_on_overflow. Either way
	// the SYN is traced as a drop with reason DropListenOverflow.
	OverflowReset bool
	// SYNCookies answers a SYN beyond the backlog with a SYN cookie
	// (tcpstate.SYNCookies, RFC 4987 §3.6) instead: the listener keeps no
	// state for it, and the client's ACK opens the connection, without
	// window scaling, SACK or timestamps. It takes precedence over
	// OverflowReset. The cookies' secret is drawn from the world's seed.
	SYNCookies bool
}

// Host is a machine with one address and a TCP stack: a table of
// connections by 4-tuple, listeners by port, and ephemeral ports.
type Host struct {
	w    *World
	name string
	addr netip.Addr
	tcp  tcpstate.Config

	backlog       int                  // HostConfig.Backlog, defaulted
	overflowReset bool                 // HostConfig.OverflowReset
	cookies       *tcpstate.SYNCookies // with HostConfig.SYNCookies

	conns     map[fourTuple]*endpoint // RFC 9293 §3.9.2: demultiplexing by 4-tuple
	last      *endpoint               // the connection found last in conns, still in it
	listeners map[uint16]*Listener
	ports     portTable
	routes    []route   // in creation order
	udp       *udpStack // UDP sockets and ports (udp_stack.go); nil until used
}

// fourTuple identifies a connection from the point of view of one host.
type fourTuple struct {
	local, remote netip.AddrPort
}

// AddHost adds a host to the world.
func (w *World) AddHost(cfg HostConfig) (*Host, error) {
	if cfg.Name == "" {
		return nil, fmt.Errorf("%w: host name is empty", ErrInvalid)
	}
	if !cfg.Addr.IsValid() || cfg.Addr.Is4In6() || cfg.Addr.IsUnspecified() || cfg.Addr.Zone() != "" {
		return nil, fmt.Errorf("%w: host %s: address %v is not a usable IPv4 or IPv6 address", ErrInvalid, cfg.Name, cfg.Addr)
	}
	if cfg.Backlog < 0 {
		return nil, fmt.Errorf("%w: host %s: Backlog %d is negative", ErrInvalid, cfg.Name, cfg.Backlog)
	}
	backlog := cfg.Backlog
	if backlog == 0 {
		backlog = DefaultBacklog
	}
	for _, h := range w.hosts {
		if h.name == cfg.Name || h.addr == cfg.Addr {
			return nil, fmt.Errorf("%w: host %s %v clashes with host %s %v", ErrAddrInUse, cfg.Name, cfg.Addr, h.name, h.addr)
		}
	}
	tcp := tcpstate.DefaultConfig()
	if cfg.TCP != nil {
		tcp = *cfg.TCP
	}
	tcp.Trace = nil
	check := tcp
	check.Secret[0] |= 1 // the world draws a secret for each connection
	if _, err := tcpstate.NewConn(check); err != nil {
		return nil, fmt.Errorf("sim: host %s: %w", cfg.Name, err)
	}
	h := &Host{
		w: w, name: cfg.Name, addr: cfg.Addr, tcp: tcp,
		backlog: backlog, overflowReset: cfg.OverflowReset,
		conns:     make(map[fourTuple]*endpoint),
		listeners: make(map[uint16]*Listener),
		ports:     newPortTable(),
	}
	if cfg.SYNCookies {
		var secret [16]byte
		binary.LittleEndian.PutUint64(secret[:8], w.rng.Uint64())
		binary.LittleEndian.PutUint64(secret[8:], w.rng.Uint64()|1) // never zero
		h.cookies, _ = tcpstate.NewSYNCookies(secret)
	}
	w.hosts = append(w.hosts, h)
	return h, nil
}

// Name returns the host's name.
func (h *Host) Name() string { return h.name }

// Addr returns the host's address.
func (h *Host) Addr() netip.Addr { return h.addr }

// World returns the world the host lives in.
func (h *Host) World() *World { return h.w }

func (h *Host) String() string { return h.name }

// input takes a segment that arrived for this host and finds who handles
// it: the connection with its 4-tuple, else a listener on its port, else
// no one, and the host answers with a reset (RFC 9293 §3.10.7.1).
func (h *Host) input(seg *tcpstate.Segment) {
	key := fourTuple{local: seg.Dst, remote: seg.Src}
	if ep := h.last; ep != nil && ep.key == key { // a stream's segments come in runs
		ep.input(seg)
		return
	}
	if ep := h.conns[key]; ep != nil {
		h.last = ep
		ep.input(seg)
		return
	}
	if l := h.listeners[seg.Dst.Port()]; l != nil && seg.Dst.Addr() == h.addr {
		l.input(seg)
		return
	}
	h.refuse(seg)
}

// refuse answers a segment for which no connection and no listener exist:
// RFC 9293 §3.10.7.1, "If the state is CLOSED (i.e., TCB does not exist)
// ... An incoming segment not containing a RST causes a RST to be sent in
// response"; one containing a RST is discarded.
func (h *Host) refuse(seg *tcpstate.Segment) {
	r, ok := tcpstate.ResetFor(seg)
	v := tcpstate.DroppedRST
	if ok {
		v = tcpstate.AnsweredRST
	}
	h.traceSegment(Recv, seg, v)
	if ok {
		h.SendRaw(r)
	}
}

// SendRaw sends seg from h as it is, past the host's connections: for
// lessons and tests that craft segments (a stray ACK, a spoofed RST). It
// is routed by its destination address and traced as a send without TCB.
func (h *Host) SendRaw(seg tcpstate.Segment) {
	h.traceSegment(Send, &seg, 0)
	h.w.transmit(h, &seg)
}

// traceSegment traces a segment the host handled without a connection.
func (h *Host) traceSegment(ev SegmentEvent, seg *tcpstate.Segment, v tcpstate.Verdict) {
	w := h.w
	if w.cfg.Trace == nil {
		return
	}
	e := TraceEvent{
		Time: w.Now(), Kind: TraceSegment, Host: h, Event: ev, Segment: *seg,
		Local: seg.Src, Remote: seg.Dst, Packet: w.stats.Segments + 1,
	}
	if ev == Recv {
		e.Local, e.Remote, e.Packet, e.Verdict = seg.Dst, seg.Src, w.delivering, v
	}
	w.cfg.Trace(e)
}
