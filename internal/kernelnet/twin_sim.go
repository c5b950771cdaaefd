package kernelnet

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// twinDelay is the simulated link's one-way delay: about what the
// kernel's loopback takes to carry a segment.
const twinDelay = 20 * time.Microsecond

// twinPort is the port the simulated server listens on.
const twinPort = 47080

// simTwin plays a script in tcpsim's simulator, each call made from the
// outside between events, and records every segment as it is sent.
type simTwin struct {
	w        *sim.World
	hosts    [2]*sim.Host
	listenFD int
	fds      [2]int
	trace    []TraceSegment
}

// runSimTwin plays sc between two hosts running cfg and returns the
// segments sent, in order.
func runSimTwin(sc TwinScenario, cfg tcpstate.Config) ([]TraceSegment, error) {
	t := &simTwin{fds: [2]int{-1, -1}}
	t.w = sim.New(sim.Config{Seed: 1, Trace: func(e sim.TraceEvent) {
		if e.Kind == sim.TraceSegment && e.Event == sim.Send {
			seg := e.Segment
			n := len(seg.Payload)
			seg.Payload = nil
			t.trace = append(t.trace, TraceSegment{At: e.Time.Sub(sim.Epoch()), Seg: seg, Len: n})
		}
	}})
	for i, a := range []string{"198.18.0.1", "198.18.0.2"} {
		c := cfg
		if Side(i) == Server && sc.ServerBuffer > 0 {
			c.RecvBuffer = sc.ServerBuffer
			c.MinWindowShift = 0 // a locked buffer: Linux scales for it, not for tcp_rmem
		}
		h, err := t.w.AddHost(sim.HostConfig{Name: Side(i).String(), Addr: netip.MustParseAddr(a), TCP: &c})
		if err != nil {
			return nil, err
		}
		t.hosts[i] = h
	}
	up := sim.Path{Delay: twinDelay}
	if sc.DropClientData > 0 {
		seen := 0
		up.Faults = []sim.Fault{sim.DropMatching(func(seg *tcpstate.Segment) bool {
			if len(seg.Payload) > 0 {
				seen++
			}
			return len(seg.Payload) > 0 && seen == sc.DropClientData
		}, 1)}
	}
	if _, err := t.w.AddLink(t.hosts[0], t.hosts[1], up, sim.Path{Delay: twinDelay}); err != nil {
		return nil, err
	}
	if !sc.NoListener {
		s := t.hosts[Server].Sockets()
		fd, err := s.Socket()
		if err == nil {
			err = s.Bind(fd, netip.AddrPortFrom(t.hosts[Server].Addr(), twinPort))
		}
		if err == nil {
			err = s.Listen(fd, 5)
		}
		if err != nil {
			return nil, err
		}
		t.listenFD = fd
	}
	for i, st := range sc.Steps {
		if err := t.step(st, sc.NoListener); err != nil {
			return t.trace, fmt.Errorf("step %d (%v %v): %w", i, st.Side, st.Op, err)
		}
		// Loopback carries a segment within the system call that sent
		// it: the next call finds it arrived, and answered.
		t.w.RunFor(2 * twinDelay)
	}
	// What the calls left to send (delayed ACKs, the last FINs), until the
	// link is quiet, as the kernel's capture ends (LoopCapture.Stop).
	for end := t.w.Now().Add(twinTail); t.w.Now().Before(end); {
		n := len(t.trace)
		t.w.RunFor(twinQuiet)
		if len(t.trace) == n {
			break
		}
	}
	return t.trace, nil
}

// until runs the world until done says so, or a minute of virtual time
// has passed.
func (t *simTwin) until(done func() bool) error {
	end := t.w.Now().Add(time.Minute)
	for !done() {
		if !t.w.Now().Before(end) || !t.w.Step() {
			return errors.New("the simulation stopped before the call completed")
		}
	}
	return nil
}

func (t *simTwin) step(st TwinStep, refused bool) error {
	s := t.hosts[st.Side].Sockets()
	fd := t.fds[st.Side]
	switch st.Op {
	case OpConnect:
		cs := t.hosts[Client].Sockets()
		cfd, err := cs.Socket()
		if err != nil {
			return err
		}
		t.fds[Client] = cfd
		if err := cs.Connect(cfd, netip.AddrPortFrom(t.hosts[Server].Addr(), twinPort)); !errors.Is(err, sim.ErrInProgress) {
			return fmt.Errorf("connect: %v", err)
		}
		// select's rule: a non-blocking connect that completed is
		// writable, one that failed exceptional.
		if err := t.until(func() bool {
			var wr, ex sim.FDSet
			wr.Set(cfd)
			ex.Set(cfd)
			var poll time.Duration
			n, _ := cs.Select(nil, &wr, &ex, &poll)
			return n > 0
		}); err != nil {
			return err
		}
		connErr := cs.SocketError(cfd)
		if refused {
			if !errors.Is(connErr, sim.ErrConnRefused) {
				return fmt.Errorf("connect: %v, want refused", connErr)
			}
			return nil
		}
		if connErr != nil {
			return connErr
		}
		ss := t.hosts[Server].Sockets()
		return t.until(func() bool {
			afd, _, err := ss.Accept(t.listenFD)
			if err == nil {
				t.fds[Server] = afd
			}
			return err == nil
		})
	case OpWrite:
		data := make([]byte, st.N)
		var werr error
		err := t.until(func() bool {
			n, err := s.Send(fd, data)
			data = data[n:]
			if err != nil && !errors.Is(err, sim.ErrWouldBlock) {
				werr = err
			}
			return len(data) == 0 || werr != nil
		})
		if werr != nil {
			return werr
		}
		return err
	case OpRead:
		left := st.N
		buf := make([]byte, 65536)
		var rerr error
		err := t.until(func() bool {
			n, err := s.Recv(fd, buf[:min(left, len(buf))])
			left -= n
			if n == 0 && err == nil {
				rerr = errors.New("the end of the stream before the data")
			} else if err != nil && !errors.Is(err, sim.ErrWouldBlock) {
				rerr = err
			}
			return left == 0 || rerr != nil
		})
		if rerr != nil {
			return rerr
		}
		return err
	case OpReadEOF:
		var rerr error
		err := t.until(func() bool {
			n, err := s.Recv(fd, make([]byte, 1))
			switch {
			case n > 0:
				rerr = errors.New("data where the end was expected")
			case err == nil:
				return true
			case !errors.Is(err, sim.ErrWouldBlock):
				rerr = err
			}
			return rerr != nil
		})
		if rerr != nil {
			return rerr
		}
		return err
	case OpShutdown:
		return s.Shutdown(fd, sim.ShutWrite)
	case OpClose:
		t.fds[st.Side] = -1
		return s.CloseSocket(fd)
	case OpAbort:
		t.fds[st.Side] = -1
		return s.AbortSocket(fd)
	case OpSleep:
		t.w.RunFor(st.D)
	}
	return nil
}
