//go:build linux

package kernelnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
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
	trace, cerr := lc.Stop()
	if err == nil {
		err = cerr
	}
	return trace, err
}

// kernelScript runs the script's steps one after the other.
func (n *Network) kernelScript(sc TwinScenario) (err error) {
	var ln *net.TCPListener
	var addr string
	err = n.InNamespace(func() error {
		l, err := twinListen.Listen(context.Background(), "tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		ln, addr = l.(*net.TCPListener), l.Addr().String()
		if sc.ServerBuffer > 0 {
			// Set on the listener, the accepted socket inherits it, and
			// the window its SYN-ACK offers follows from it.
			rc, err := ln.SyscallConn()
			if err != nil {
				return err
			}
			if err := onSocket(rc, func(fd int) error {
				return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, sc.ServerBuffer)
			}); err != nil {
				return err
			}
		}
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
	if sc.DropClientData > 0 {
		port := ln.Addr().(*net.TCPAddr).Port
		remove, err := n.dropRule(port, sc.DropClientData)
		if err != nil {
			return err
		}
		defer func() {
			if rerr := remove(); err == nil {
				err = rerr // a rule left behind would drop in the next scenarios
			}
		}()
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
	return onSocket(c, func(fd int) error {
		return unix.SetsockoptString(fd, unix.IPPROTO_TCP, unix.TCP_CONGESTION, twinCongestion)
	})
}

var (
	twinListen = net.ListenConfig{Control: setCongestion}
	twinDialer = net.Dialer{Control: setCongestion}
)

// ErrNoIptables is why a twin that drops a segment cannot run on the
// kernel's side here.
var ErrNoIptables = errors.New("kernelnet: iptables (or nsenter) is not installed: the kernel's side cannot drop a segment")

// dropRule makes the namespace drop the nth segment carrying data towards
// port as it arrives (iptables' statistic match, every 10^6 from the
// (n-1)th: once), and returns what removes it. The drop is on input: a
// segment dropped on output is not lost to TCP, which hears of it at once
// and sends it again; on input it is lost on the way, and the capture,
// which sees it pass, shows it sent, as the simulator's trace does.
func (n *Network) dropRule(port, nth int) (remove func() error, err error) {
	iptables, err := exec.LookPath("iptables")
	if err != nil {
		return nil, ErrNoIptables
	}
	nsenter, err := exec.LookPath("nsenter")
	if err != nil {
		return nil, ErrNoIptables
	}
	var tid int
	if err := n.InNamespace(func() error { tid = unix.Gettid(); return nil }); err != nil {
		return nil, err
	}
	// The namespace thread's own namespace, entered by nsenter for the
	// iptables process.
	nsPath := fmt.Sprintf("--net=/proc/%d/task/%d/ns/net", os.Getpid(), tid)
	// Data segments are longer than 52 bytes (20 of IPv4, 32 of TCP with
	// timestamps); the SYN, at 60, is not one.
	rule := []string{"INPUT", "-i", "lo", "-p", "tcp", "!", "--syn", "--dport", fmt.Sprint(port), "-m", "length", "--length",
		"53:65535", "-m", "statistic", "--mode", "nth", "--every", "1000000", "--packet", fmt.Sprint(nth - 1), "-j", "DROP"}
	run := func(op string) error {
		out, err := exec.Command(nsenter, append([]string{nsPath, iptables, op}, rule...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("kernelnet: iptables %s: %v: %s", op, err, out)
		}
		return nil
	}
	if err := run("-A"); err != nil {
		return nil, err
	}
	return func() error { return run("-D") }, nil
}
