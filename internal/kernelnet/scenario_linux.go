//go:build linux

package kernelnet

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// pair is one connection between a tcpsim endpoint and a kernel socket,
// whichever opened it.
type pair struct {
	tcpsim *Endpoint
	kernel *net.TCPConn
}

// scenarioTimeout bounds each step that waits: long enough for several
// retransmissions under loss.
const scenarioTimeout = 30 * time.Second

// open makes a connection with the network's tcpsim configuration
// (Options.TCP): the client is tcpsim if tcpsimClient, else the kernel.
func (n *Network) open(tcpsimClient bool, port uint16) (*pair, error) {
	return n.openWith(tcpsimClient, port, n.tcp)
}

// openWith is open with tcpsim's configuration cfg.
func (n *Network) openWith(tcpsimClient bool, port uint16, cfg tcpstate.Config) (*pair, error) {
	if tcpsimClient {
		ln, err := n.Listen(0)
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		e, err := n.DialTcpsim(port, uint16(ln.Addr().(*net.TCPAddr).Port), cfg)
		if err != nil {
			return nil, err
		}
		ln.(*net.TCPListener).SetDeadline(time.Now().Add(scenarioTimeout))
		k, err := ln.Accept()
		if err != nil {
			e.Release()
			return nil, fmt.Errorf("kernel accept: %w", err)
		}
		if s, err := e.WaitState(scenarioTimeout, tcpstate.Established); err != nil {
			e.Release()
			k.Close()
			return nil, fmt.Errorf("tcpsim in %v after connecting: %w", s, err)
		}
		return &pair{e, k.(*net.TCPConn)}, nil
	}
	e, err := n.ListenTcpsim(port, cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := contextWithTimeout(scenarioTimeout)
	defer cancel()
	k, err := n.Dial(ctx, port)
	if err != nil {
		e.Release()
		return nil, fmt.Errorf("kernel connect: %w", err)
	}
	if s, err := e.WaitState(scenarioTimeout, tcpstate.Established); err != nil {
		e.Release()
		k.Close()
		return nil, fmt.Errorf("tcpsim in %v after the kernel connected: %w", s, err)
	}
	return &pair{e, k.(*net.TCPConn)}, nil
}

// The option bits of struct tcp_info (linux/tcp.h).
const (
	tcpiOptTimestamps = 1
	tcpiOptSACK       = 2
	tcpiOptWscale     = 4
)

// agree checks that both ends took the same options from the handshake
// (RFC 7323 §2.2 and §3.2, RFC 2018 §2): timestamps, SACK and window
// scaling as the kernel reports them in TCP_INFO against tcpsim's TCB,
// and each end's shift for the windows it sends equal to the other's for
// the windows it receives.
func (p *pair) agree() error {
	rc, err := p.kernel.SyscallConn()
	if err != nil {
		return err
	}
	// tcp_info's 7th byte holds tcpi_snd_wscale (low 4 bits) and
	// tcpi_rcv_wscale (high 4 bits), bit fields unix.TCPInfo leaves out.
	var info [8]byte
	err = onSocket(rc, func(fd int) error {
		n := uint32(len(info))
		_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd), syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&info[0])), uintptr(unsafe.Pointer(&n)), 0)
		if e != 0 {
			return e
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("kernel TCP_INFO: %w", err)
	}
	opts, sndShift, rcvShift := info[5], info[6]&0xf, info[6]>>4
	tcb := p.tcpsim.TCB()
	for _, o := range []struct {
		name           string
		kernel, tcpsim bool
	}{
		{"timestamps", opts&tcpiOptTimestamps != 0, tcb.Timestamps},
		{"SACK", opts&tcpiOptSACK != 0, tcb.SACKPermitted},
		{"window scaling", opts&tcpiOptWscale != 0, tcb.WindowScaling},
	} {
		if o.kernel != o.tcpsim {
			return fmt.Errorf("%s: the kernel has it %v, tcpsim %v", o.name, o.kernel, o.tcpsim)
		}
	}
	if sndShift != tcb.RcvWndShift || rcvShift != tcb.SndWndShift {
		return fmt.Errorf("window shifts: the kernel sends with %d and receives with %d, tcpsim receives with %d and sends with %d",
			sndShift, rcvShift, tcb.RcvWndShift, tcb.SndWndShift)
	}
	return nil
}

func (p *pair) release() {
	p.tcpsim.Release()
	p.kernel.Close()
}

// scenario is one interop check on a fresh connection; tcpsimClient says
// which side opens it.
type scenario struct {
	name string
	run  func(n *Network, tcpsimClient bool, port uint16) error
}

// scenarios are the interop checks, each run with tcpsim as the client
// and with the kernel as the client.
var scenarios = []scenario{
	{"handshake", func(n *Network, c bool, port uint16) error {
		p, err := n.open(c, port)
		if err != nil {
			return err
		}
		defer p.release()
		if err := p.agree(); err != nil {
			return err
		}
		return p.closeTcpsimFirst()
	}},
	{"small data both ways", func(n *Network, c bool, port uint16) error {
		p, err := n.open(c, port)
		if err != nil {
			return err
		}
		defer p.release()
		if err := p.exchange([]byte("ping from tcpsim"), []byte("pong from the kernel")); err != nil {
			return err
		}
		return p.closeTcpsimFirst()
	}},
	{"4 MB from tcpsim", func(n *Network, c bool, port uint16) error { return n.bulk(c, port, true) }},
	{"4 MB from the kernel", func(n *Network, c bool, port uint16) error { return n.bulk(c, port, false) }},
	{"close by tcpsim first", func(n *Network, c bool, port uint16) error {
		p, err := n.open(c, port)
		if err != nil {
			return err
		}
		defer p.release()
		return p.closeTcpsimFirst()
	}},
	{"close by the kernel first", func(n *Network, c bool, port uint16) error {
		p, err := n.open(c, port)
		if err != nil {
			return err
		}
		defer p.release()
		return p.closeKernelFirst()
	}},
	{"simultaneous close", func(n *Network, c bool, port uint16) error {
		p, err := n.open(c, port)
		if err != nil {
			return err
		}
		defer p.release()
		return p.closeTogether()
	}},
	{"abort by tcpsim", func(n *Network, c bool, port uint16) error {
		p, err := n.open(c, port)
		if err != nil {
			return err
		}
		defer p.release()
		// RFC 9293 §3.10.5: ABORT sends a RST; the kernel's next read
		// says "connection reset". A RST is sent once: if the link lost
		// it, the kernel learns when it sends, from the RST a segment to
		// a closed connection gets (§3.10.7.1).
		p.tcpsim.Abort()
		for try := 0; ; try++ {
			p.kernel.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, err = p.kernel.Read(make([]byte, 1))
			if errors.Is(err, syscall.ECONNRESET) {
				return nil
			}
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() || try == 10 {
				return fmt.Errorf("kernel read after tcpsim's RST: %v, want connection reset", err)
			}
			p.kernel.Write([]byte{1})
		}
	}},
	{"abort by the kernel", func(n *Network, c bool, port uint16) error {
		p, err := n.open(c, port)
		if err != nil {
			return err
		}
		defer p.release()
		// SO_LINGER 0: close sends a RST; tcpsim enters CLOSED with
		// "connection reset" (RFC 9293 §3.10.7.4).
		p.kernel.SetLinger(0)
		p.kernel.Close()
		// If the link lost the RST, tcpsim learns when it sends: the
		// kernel answers with another (§3.10.7.1).
		s, err := p.tcpsim.WaitState(2*time.Second, tcpstate.Closed)
		for try := 0; err != nil && try < 10; try++ {
			p.tcpsim.Write([]byte{1})
			s, err = p.tcpsim.WaitState(2*time.Second, tcpstate.Closed)
		}
		if err != nil {
			return fmt.Errorf("tcpsim in %v after the kernel's RST: %w", s, err)
		}
		if !errors.Is(p.tcpsim.Err(), tcpstate.ErrReset) {
			return fmt.Errorf("tcpsim's error %v, want %v", p.tcpsim.Err(), tcpstate.ErrReset)
		}
		return nil
	}},
	{"connection refused", func(n *Network, c bool, port uint16) error {
		if c {
			// A port nobody listens on: the kernel answers the SYN with
			// a RST (RFC 9293 §3.10.7.1), tcpsim's open fails.
			e, err := n.DialTcpsim(port, 9, tcpstate.DefaultConfig())
			if err != nil {
				return err
			}
			defer e.Release()
			if s, err := e.WaitState(scenarioTimeout, tcpstate.Closed); err != nil {
				return fmt.Errorf("tcpsim in %v after connecting to a closed port: %w", s, err)
			}
			if !errors.Is(e.Err(), tcpstate.ErrRefused) {
				return fmt.Errorf("tcpsim's error %v, want %v", e.Err(), tcpstate.ErrRefused)
			}
			return nil
		}
		ctx, cancel := contextWithTimeout(scenarioTimeout)
		defer cancel()
		k, err := n.Dial(ctx, port) // no tcpsim endpoint there: the driver answers with a RST
		if err == nil {
			k.Close()
			return errors.New("the kernel connected to a port tcpsim does not listen on")
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return fmt.Errorf("kernel connect: %v, want connection refused", err)
		}
		return nil
	}},
}

// exchange sends a from tcpsim and b from the kernel, and checks each
// arrives whole.
func (p *pair) exchange(a, b []byte) error {
	if _, err := p.tcpsim.Write(a); err != nil {
		return err
	}
	got := make([]byte, len(a))
	p.kernel.SetReadDeadline(time.Now().Add(scenarioTimeout))
	if _, err := io.ReadFull(p.kernel, got); err != nil || !bytes.Equal(got, a) {
		return fmt.Errorf("kernel read %q, %v; want %q", got, err, a)
	}
	if _, err := p.kernel.Write(b); err != nil {
		return err
	}
	got = make([]byte, len(b))
	if _, err := io.ReadFull(p.tcpsim, got); err != nil || !bytes.Equal(got, b) {
		return fmt.Errorf("tcpsim read %q, %v; want %q", got, err, b)
	}
	return nil
}

// closeTcpsimFirst: tcpsim closes, the kernel sees EOF and closes; tcpsim
// ends in TIME-WAIT (RFC 9293 §3.6).
func (p *pair) closeTcpsimFirst() error {
	if err := p.tcpsim.Close(); err != nil {
		return err
	}
	if err := p.kernelEOF(); err != nil {
		return err
	}
	p.kernel.Close()
	if s, err := p.tcpsim.WaitState(scenarioTimeout, tcpstate.TimeWait); err != nil {
		return fmt.Errorf("tcpsim in %v after both closed: %w", s, err)
	}
	return nil
}

// closeKernelFirst: the kernel closes, tcpsim reads EOF (CLOSE-WAIT) and
// closes; its FIN acknowledged, it is CLOSED.
func (p *pair) closeKernelFirst() error {
	p.kernel.Close()
	if err := p.tcpsimEOF(); err != nil {
		return err
	}
	if err := p.tcpsim.Close(); err != nil {
		return err
	}
	if s, err := p.tcpsim.WaitState(scenarioTimeout, tcpstate.Closed); err != nil {
		return fmt.Errorf("tcpsim in %v after its FIN: %w", s, err)
	}
	return nil
}

// closeTogether: both close at once; each ends in TIME-WAIT or, if the
// other's FIN came first, goes through LAST-ACK to CLOSED (RFC 9293 §3.6
// Figure 13).
func (p *pair) closeTogether() error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.kernel.CloseWrite()
	}()
	err := p.tcpsim.Close()
	wg.Wait()
	if err != nil {
		return err
	}
	if err := p.tcpsimEOF(); err != nil {
		return err
	}
	if err := p.kernelEOF(); err != nil {
		return err
	}
	if s, err := p.tcpsim.WaitState(scenarioTimeout, tcpstate.TimeWait, tcpstate.Closed); err != nil {
		return fmt.Errorf("tcpsim in %v after both FINs: %w", s, err)
	}
	return nil
}

func (p *pair) kernelEOF() error {
	p.kernel.SetReadDeadline(time.Now().Add(scenarioTimeout))
	if n, err := p.kernel.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		return fmt.Errorf("kernel read %d bytes, %v; want EOF", n, err)
	}
	return nil
}

func (p *pair) tcpsimEOF() error {
	if n, err := p.tcpsim.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		return fmt.Errorf("tcpsim read %d bytes, %v; want EOF", n, err)
	}
	return nil
}

// bulkBytes is how much a bulk scenario sends.
const bulkBytes = 4 << 20

// bulk sends bulkBytes one way, then closes from the sender; the
// receiver's SHA-256 of what it read must be the sender's.
func (n *Network) bulk(tcpsimClient bool, port uint16, fromTcpsim bool) error {
	p, err := n.open(tcpsimClient, port)
	if err != nil {
		return err
	}
	defer p.release()
	data := make([]byte, bulkBytes)
	for i := range data {
		data[i] = byte(i*7 + i>>8)
	}
	want := sha256.Sum256(data)
	var w io.Writer = p.tcpsim
	var r io.Reader = p.kernel
	if !fromTcpsim {
		w, r = p.kernel, p.tcpsim
	}
	p.kernel.SetDeadline(time.Now().Add(4 * scenarioTimeout))
	errc := make(chan error, 1)
	go func() {
		_, err := w.Write(data)
		if err == nil {
			if fromTcpsim {
				err = p.tcpsim.Close()
			} else {
				err = p.kernel.CloseWrite()
			}
		}
		errc <- err
	}()
	h := sha256.New()
	got, err := io.Copy(h, r)
	if err != nil {
		return fmt.Errorf("reading: %w", err)
	}
	if err := <-errc; err != nil {
		return fmt.Errorf("writing: %w", err)
	}
	if got != bulkBytes || !bytes.Equal(h.Sum(nil), want[:]) {
		return fmt.Errorf("received %d bytes with SHA-256 %x; want %d bytes, %x", got, h.Sum(nil), bulkBytes, want)
	}
	return nil
}
