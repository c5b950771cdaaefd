//go:build linux

package kernelnet

import (
	"crypto/rand"
	"errors"
	"io"
	"net/netip"
	"sync"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// Endpoint is a tcpsim connection on the TUN link: a tcpstate.Conn
// running in wall-clock time, its segments read from and written to the
// TUN device, its timers from NextTimeout. Its methods block like a
// socket's and are safe for concurrent use.
type Endpoint struct {
	net   *Network
	local netip.AddrPort

	mu      sync.Mutex
	changed *sync.Cond // something to read, room to write, or a new state
	conn    *tcpstate.Conn
	stopped bool

	wake chan struct{} // the timer goroutine looks at NextTimeout again
	done chan struct{}
}

// ErrClosed is returned by an Endpoint's calls once it was released
// (Release), or its network closed.
var ErrClosed = errors.New("kernelnet: endpoint closed")

// newEndpoint makes an endpoint on TcpsimAddr:port with cfg, whose
// Secret is drawn here if it is zero.
func (n *Network) newEndpoint(port uint16, cfg tcpstate.Config) (*Endpoint, error) {
	if cfg.Secret == ([16]byte{}) && cfg.ISN == nil {
		rand.Read(cfg.Secret[:]) // a real network: ISNs as unpredictable as RFC 6528 asks
	}
	c, err := tcpstate.NewConn(cfg)
	if err != nil {
		return nil, err
	}
	e := &Endpoint{net: n, local: netip.AddrPortFrom(TcpsimAddr, port), conn: c,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	e.changed = sync.NewCond(&e.mu)
	if err := n.register(e); err != nil {
		return nil, err
	}
	go e.timers()
	return e, nil
}

// ListenTcpsim makes a tcpsim endpoint listening on TcpsimAddr:port
// (RFC 9293 §3.10.1, passive OPEN): it takes the first connection that
// comes.
func (n *Network) ListenTcpsim(port uint16, cfg tcpstate.Config) (*Endpoint, error) {
	e, err := n.newEndpoint(port, cfg)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	err = e.conn.Listen(now(), e.local)
	e.mu.Unlock()
	if err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

// DialTcpsim makes a tcpsim endpoint on TcpsimAddr:local that connects
// to the kernel's KernelAddr:remote (active OPEN) and returns at once;
// WaitState waits for the handshake.
func (n *Network) DialTcpsim(local, remote uint16, cfg tcpstate.Config) (*Endpoint, error) {
	e, err := n.newEndpoint(local, cfg)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	err = e.conn.Connect(now(), e.local, netip.AddrPortFrom(KernelAddr, remote))
	if err == nil {
		e.flush()
	}
	e.mu.Unlock()
	if err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

// segment processes a segment from the kernel.
func (e *Endpoint) segment(seg *tcpstate.Segment) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return
	}
	e.conn.HandleSegment(now(), *seg)
	e.flush()
}

// flush sends what the connection has to send, wakes the callers waiting
// on it and the timer goroutine. Called with e.mu held.
func (e *Endpoint) flush() {
	for {
		seg, ok := e.conn.Poll(now())
		if !ok {
			break
		}
		e.net.send(&seg)
	}
	for {
		if _, ok := e.conn.PollEvent(); !ok {
			break
		}
	}
	e.changed.Broadcast()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// timers fires the connection's timers at their time.
func (e *Endpoint) timers() {
	defer close(e.done)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		e.mu.Lock()
		if e.stopped {
			e.mu.Unlock()
			return
		}
		next := e.conn.NextTimeout()
		e.mu.Unlock()
		wait := time.Hour
		if !next.IsZero() {
			wait = max(time.Until(next), 0)
		}
		t.Reset(wait)
		select {
		case <-t.C:
			e.mu.Lock()
			if !e.stopped {
				e.conn.HandleTimeout(now())
				e.flush()
			}
			e.mu.Unlock()
		case <-e.wake:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
		}
	}
}

// Write queues p to be sent, waiting for room in the send buffer.
func (e *Endpoint) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for n < len(p) {
		if e.stopped {
			return n, ErrClosed
		}
		k, err := e.conn.Write(p[n:])
		n += k
		if k > 0 {
			e.flush()
		}
		if err != nil && !errors.Is(err, tcpstate.ErrWouldBlock) {
			return n, err
		}
		if n < len(p) {
			e.changed.Wait()
		}
	}
	return n, nil
}

// Read waits for data and reads it; io.EOF once the peer closed and
// everything was read.
func (e *Endpoint) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		if e.stopped {
			return 0, ErrClosed
		}
		n, err := e.conn.Read(p)
		if n > 0 {
			e.flush() // the window may open
			return n, nil
		}
		switch {
		case errors.Is(err, tcpstate.ErrWouldBlock):
		case err != nil:
			return 0, err
		}
		e.changed.Wait()
	}
}

// Close performs a CLOSE (RFC 9293 §3.10.4): a FIN after the data.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.conn.Close(now())
	e.flush()
	return err
}

// Abort performs an ABORT (RFC 9293 §3.10.5): a RST.
func (e *Endpoint) Abort() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.conn.Abort(now())
	e.flush()
}

// State returns the connection's state.
func (e *Endpoint) State() tcpstate.State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.conn.State()
}

// TCB returns the connection's variables.
func (e *Endpoint) TCB() tcpstate.TCB {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.conn.TCB()
}

// Err returns why the connection ended abnormally, or nil.
func (e *Endpoint) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.conn.Err()
}

// WaitState waits until the connection is in one of states, or timeout
// passes, and returns the state it is in.
func (e *Endpoint) WaitState(timeout time.Duration, states ...tcpstate.State) (tcpstate.State, error) {
	timedOut := false
	deadline := time.AfterFunc(timeout, func() {
		e.mu.Lock()
		timedOut = true
		e.changed.Broadcast()
		e.mu.Unlock()
	})
	defer deadline.Stop()
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		s := e.conn.State()
		for _, want := range states {
			if s == want {
				return s, nil
			}
		}
		if e.stopped {
			return s, ErrClosed
		}
		if timedOut {
			return s, errTimeout{s}
		}
		e.changed.Wait()
	}
}

type errTimeout struct{ state tcpstate.State }

func (e errTimeout) Error() string { return "kernelnet: timed out in " + e.state.String() }

// Release takes the endpoint off its port and stops its timers, without
// sending anything.
func (e *Endpoint) Release() { e.stop() }

func (e *Endpoint) stop() {
	e.mu.Lock()
	if e.stopped {
		e.mu.Unlock()
		return
	}
	e.stopped = true
	e.changed.Broadcast()
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
	<-e.done
	e.net.unregister(e)
}

var _ io.ReadWriter = (*Endpoint)(nil)
