//go:build linux

package kernelnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/tcpsim/tcpsim/capture"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// Network is a private namespace with a TUN link between the kernel's TCP
// (KernelAddr) and tcpsim endpoints (TcpsimAddr). Its packet loop reads
// what the kernel sends into the TUN device and hands it to the endpoint
// it is addressed to; what endpoints send is written back.
type Network struct {
	ns  *namespace
	tun *os.File

	mu        sync.Mutex
	endpoints map[uint16]*Endpoint // by tcpsim port
	closed    bool

	tcp tcpstate.Config // the scenarios' tcpsim endpoints (Options.TCP)

	writeMu sync.Mutex // the encoder, and the decoder the loop shares with delayed deliveries
	enc     capture.Encoder
	path    *path

	loopDone chan struct{}
	loopErr  error

	traceMu    sync.Mutex
	tracing    bool
	traceStart time.Time
	trace      []TraceSegment
}

// startTrace starts recording the segments on the link.
func (n *Network) startTrace() {
	n.traceMu.Lock()
	n.tracing, n.traceStart, n.trace = true, time.Now(), nil
	n.traceMu.Unlock()
}

// stopTrace stops recording and returns what was recorded.
func (n *Network) stopTrace() []TraceSegment {
	n.traceMu.Lock()
	defer n.traceMu.Unlock()
	n.tracing = false
	return n.trace
}

// record adds a segment to the trace, if one is on.
func (n *Network) record(fromTcpsim, lost bool, seg *tcpstate.Segment) {
	n.traceMu.Lock()
	defer n.traceMu.Unlock()
	if n.tracing && len(n.trace) < maxTrace {
		s := *seg
		s.Payload = nil // only its length is kept
		n.trace = append(n.trace, TraceSegment{At: time.Since(n.traceStart), FromTcpsim: fromTcpsim, Lost: lost,
			Seg: s, Len: len(seg.Payload)})
	}
}

// Open makes the namespace, the TUN device and its link, and starts the
// packet loop. Close removes them all.
func Open(opts Options) (*Network, error) {
	if err := opts.Impairments.check(); err != nil {
		return nil, err
	}
	ns, err := newNamespace()
	if err != nil {
		return nil, err
	}
	n := &Network{ns: ns, endpoints: make(map[uint16]*Endpoint), loopDone: make(chan struct{})}
	err = ns.do(func() error {
		var err error
		if n.tun, err = openTUN(tunName); err != nil {
			return err
		}
		return setUpLinks()
	})
	if err != nil {
		if n.tun != nil {
			n.tun.Close()
		}
		ns.close()
		return nil, err
	}
	n.path = newPath(opts.Impairments)
	n.tcp = opts.tcp()
	go n.loop()
	return n, nil
}

// Close stops the packet loop and the endpoints and removes the
// namespace with everything in it; kernel sockets made by Listen and
// Dial must be closed by their users, or they keep it until then.
func (n *Network) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	n.releaseAll()
	n.path.stop()
	err := n.tun.Close()
	<-n.loopDone
	n.ns.close()
	if n.loopErr != nil {
		return n.loopErr // the packet loop had stopped early: nothing got through after
	}
	return err
}

// releaseAll releases every endpoint: calls blocked on them return
// ErrClosed. It ends a scenario stuck past its time.
func (n *Network) releaseAll() {
	n.mu.Lock()
	eps := make([]*Endpoint, 0, len(n.endpoints))
	for _, e := range n.endpoints {
		eps = append(eps, e)
	}
	n.mu.Unlock()
	for _, e := range eps {
		e.stop()
	}
}

// TxDropped is how many packets the TUN device dropped because tcpsim
// did not read them in time: a test asserts there were none.
func (n *Network) TxDropped() (uint64, error) {
	var d uint64
	err := n.ns.do(func() error {
		var err error
		d, err = txDropped()
		return err
	})
	return d, err
}

// InNamespace runs f on a thread inside the namespace: sockets it makes
// belong to it.
func (n *Network) InNamespace(f func() error) error { return n.ns.do(f) }

// Listen opens a kernel TCP socket listening on KernelAddr:port (0: any
// free port), inside the namespace.
func (n *Network) Listen(port uint16) (net.Listener, error) {
	var ln net.Listener
	err := n.ns.do(func() error {
		var err error
		ln, err = net.Listen("tcp4", netip.AddrPortFrom(KernelAddr, port).String())
		return err
	})
	return ln, err
}

// Dial connects a kernel TCP socket from inside the namespace to
// TcpsimAddr:port, where a tcpsim endpoint listens.
func (n *Network) Dial(ctx context.Context, port uint16) (net.Conn, error) {
	var c net.Conn
	err := n.ns.do(func() error {
		var err error
		var d net.Dialer
		c, err = d.DialContext(ctx, "tcp4", netip.AddrPortFrom(TcpsimAddr, port).String())
		return err
	})
	return c, err
}

// loop reads packets from the TUN device until it is closed.
func (n *Network) loop() {
	defer close(n.loopDone)
	buf := make([]byte, 65536)
	var dec = capture.NewDecoder()
	for {
		k, err := n.tun.Read(buf)
		if err != nil {
			if !errors.Is(err, os.ErrClosed) {
				n.loopErr = fmt.Errorf("kernelnet: reading %s: %w", tunName, err)
			}
			return
		}
		pkt := append([]byte(nil), buf[:k]...)
		if !n.path.lose(fromKernel) {
			n.path.carry(fromKernel, pkt, func(pkt []byte) { n.deliver(dec, pkt) })
		} else if seg, ok := n.decode(dec, pkt); ok {
			n.record(false, true, seg)
		}
	}
}

// decode reads a packet from the kernel: a TCP segment for tcpsim's
// address, or false for anything else (IPv6 neighbour discovery, for
// one). The segment's payload is the decoder's until the next call.
func (n *Network) decode(dec *capture.Decoder, pkt []byte) (*tcpstate.Segment, bool) {
	n.writeMu.Lock() // the decoder is shared by the loop and delayed deliveries
	defer n.writeMu.Unlock()
	p, err := dec.Decode(capture.Record{Data: pkt, LinkType: 101, Length: len(pkt)})
	if err != nil || p.Kind != capture.TCP || p.Dst.Addr() != TcpsimAddr {
		return nil, false
	}
	seg := p.Segment
	seg.Payload = append([]byte(nil), seg.Payload...)
	return &seg, true
}

// deliver decodes a packet from the kernel and hands a TCP segment to the
// endpoint on its port; anything else is ignored (IPv6 neighbour
// discovery, for one).
func (n *Network) deliver(dec *capture.Decoder, pkt []byte) {
	seg, ok := n.decode(dec, pkt)
	if !ok {
		return
	}
	n.record(false, false, seg)
	n.mu.Lock()
	e := n.endpoints[seg.Dst.Port()]
	n.mu.Unlock()
	if e == nil {
		// No endpoint on that port: the answer of a closed port (RFC 9293
		// §3.10.7.1).
		if r, ok := tcpstate.ResetFor(seg); ok {
			n.send(&r)
		}
		return
	}
	e.segment(seg)
}

// send writes a segment from tcpsim towards the kernel, through the
// path's impairments.
func (n *Network) send(seg *tcpstate.Segment) {
	n.writeMu.Lock()
	pkt, err := n.enc.Segment(seg)
	if err == nil {
		pkt = append([]byte(nil), pkt...)
	}
	n.writeMu.Unlock()
	if err != nil {
		return // an endpoint's segment always encodes
	}
	lost := n.path.lose(toKernel)
	n.record(true, lost, seg) // before the kernel can answer it
	if !lost {
		n.path.carry(toKernel, pkt, n.writeTUN)
	}
}

// writeTUN writes a packet into the TUN device: the kernel receives it.
func (n *Network) writeTUN(pkt []byte) {
	n.tun.Write(pkt) // fails only once the device is closed
}

// register adds e on its port.
func (n *Network) register(e *Endpoint) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return errors.New("kernelnet: the network is closed")
	}
	if n.endpoints[e.local.Port()] != nil {
		return fmt.Errorf("kernelnet: port %d is in use", e.local.Port())
	}
	n.endpoints[e.local.Port()] = e
	return nil
}

// unregister removes e.
func (n *Network) unregister(e *Endpoint) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.endpoints[e.local.Port()] == e {
		delete(n.endpoints, e.local.Port())
	}
}

// now is the wall clock, which the endpoints run on: this driver is the
// real network.
func now() time.Time { return time.Now() }
