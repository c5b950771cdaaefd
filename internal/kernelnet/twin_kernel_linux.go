//go:build linux

package kernelnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// stockBuffers are the kernel's own defaults for its socket buffers
// (net.ipv4.tcp_rmem and tcp_wmem: minimum, default, maximum). A new
// namespace inherits the host's, which may be larger and give another
// window scale; the twin runs put these back, as a stock Linux has them.
var stockBuffers = map[string]string{
	"/proc/sys/net/ipv4/tcp_rmem": "4096 131072 6291456",
	"/proc/sys/net/ipv4/tcp_wmem": "4096 16384 4194304",
}

// twinCongestion is the congestion control of the twins' kernel sockets,
// set on each (TCP_CONGESTION): a namespace may not change the host's
// default, which may be another.
const twinCongestion = "cubic"

// runKernelTwin plays sc on the kernel's sockets on the namespace's
// loopback and returns what loopback carried.
func (n *Network) runKernelTwin(sc TwinScenario) ([]TraceSegment, error) {
	err := n.InNamespace(func() error {
		for path, v := range stockBuffers {
			if err := os.WriteFile(path, []byte(v), 0o644); err != nil {
				return fmt.Errorf("kernelnet: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	lc, err := n.CaptureLoopback()
	if err != nil {
		return nil, err
	}
	err = n.kernelScript(sc)
	trace := lc.Stop()
	return trace, err
}

// kernelScript runs the script's steps one after the other.
func (n *Network) kernelScript(sc TwinScenario) error {
	var ln *net.TCPListener
	var addr string
	err := n.InNamespace(func() error {
		l, err := twinListen.Listen(context.Background(), "tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		ln, addr = l.(*net.TCPListener), l.Addr().String()
		if sc.NoListener {
			ln.Close() // the port is free: nobody listens on it
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !sc.NoListener {
		defer ln.Close()
	}
	var conns [2]*net.TCPConn
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i, st := range sc.Steps {
		if err := kernelStep(st, &conns, ln, addr, n, sc.NoListener); err != nil {
			return fmt.Errorf("step %d (%v %v): %w", i, st.Side, st.Op, err)
		}
	}
	return nil
}

func kernelStep(st TwinStep, conns *[2]*net.TCPConn, ln *net.TCPListener, addr string, n *Network, refused bool) error {
	c := conns[st.Side]
	deadline := time.Now().Add(10 * time.Second)
	if c != nil {
		c.SetDeadline(deadline)
	}
	switch st.Op {
	case OpConnect:
		var dc net.Conn
		err := n.InNamespace(func() error {
			var err error
			d := twinDialer
			d.Timeout = 10 * time.Second
			dc, err = d.Dial("tcp4", addr)
			return err
		})
		if refused {
			if err == nil {
				dc.Close()
				return errors.New("connected to a port nobody listens on")
			}
			if !errors.Is(err, syscall.ECONNREFUSED) {
				return fmt.Errorf("connect: %v, want refused", err)
			}
			return nil
		}
		if err != nil {
			return err
		}
		conns[Client] = dc.(*net.TCPConn)
		ln.SetDeadline(deadline)
		sc, err := ln.Accept()
		if err != nil {
			return err
		}
		conns[Server] = sc.(*net.TCPConn)
	case OpWrite:
		_, err := c.Write(make([]byte, st.N))
		return err
	case OpRead:
		_, err := io.ReadFull(c, make([]byte, st.N))
		return err
	case OpReadEOF:
		if k, err := c.Read(make([]byte, 1)); k != 0 || err != io.EOF {
			return fmt.Errorf("read %d bytes, %v; want the end", k, err)
		}
	case OpShutdown:
		return c.CloseWrite()
	case OpClose:
		conns[st.Side] = nil
		return c.Close()
	case OpAbort:
		conns[st.Side] = nil
		c.SetLinger(0)
		return c.Close()
	case OpSleep:
		time.Sleep(st.D)
	}
	return nil
}

// setCongestion sets the twins' congestion control on a kernel socket.
func setCongestion(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, twinCongestion)
	})
	if err != nil {
		return err
	}
	return serr
}

var (
	twinListen = net.ListenConfig{Control: setCongestion}
	twinDialer = net.Dialer{Control: setCongestion}
)
