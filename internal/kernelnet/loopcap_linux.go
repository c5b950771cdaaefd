//go:build linux

package kernelnet

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/tcpsim/tcpsim/capture"
)

// LoopCapture records the TCP segments on the namespace's loopback, as
// the kernel's sockets there exchange them: an AF_PACKET socket, in pure
// Go. Loopback is first given an Ethernet's MTU and made to send no
// segment larger than one MSS (GSO max segments 1), so that segments are
// the size they are on a real network. Its checksums are left unfilled by
// the kernel, which the decoder does not check.
type LoopCapture struct {
	f     *os.File
	start time.Time

	mu      sync.Mutex
	trace   []TraceSegment
	stopped bool
	err     error // why reading ended before Stop
	done    chan struct{}
}

// loopMTU is the MTU the namespace's loopback gets for captures.
const loopMTU = 1500

// CaptureLoopback starts recording the namespace's loopback.
func (n *Network) CaptureLoopback() (*LoopCapture, error) {
	var fd int
	err := n.ns.do(func() error {
		lo, err := netlink.LinkByName("lo")
		if err == nil {
			err = netlink.LinkSetMTU(lo, loopMTU)
		}
		if err == nil {
			err = netlink.LinkSetGSOMaxSegs(lo, 1)
		}
		if err != nil {
			return fmt.Errorf("kernelnet: loopback: %w", err)
		}
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return fmt.Errorf("kernelnet: packet socket: %w", err)
		}
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: lo.Attrs().Index}); err != nil {
			unix.Close(fd)
			return fmt.Errorf("kernelnet: packet socket: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c := &LoopCapture{f: os.NewFile(uintptr(fd), "packet"), start: time.Now(), done: make(chan struct{})}
	go c.read()
	return c, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// read records segments until Stop. Loopback shows each packet twice,
// going out and coming in: only the incoming copy is kept.
func (c *LoopCapture) read() {
	defer close(c.done)
	rc, err := c.f.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 65536)
	dec := capture.NewDecoder()
	for {
		var n int
		var from unix.Sockaddr
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, from, rerr = unix.Recvfrom(int(fd), buf, 0)
			return !errors.Is(rerr, unix.EAGAIN)
		})
		if err == nil {
			err = rerr
		}
		if err != nil {
			c.mu.Lock()
			if !c.stopped { // else closed by Stop
				c.err = fmt.Errorf("kernelnet: capturing loopback: %w", err)
			}
			c.mu.Unlock()
			return
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		at := time.Since(c.start)
		p, err := dec.Decode(capture.Record{Data: buf[:n], LinkType: 1, Length: n})
		if err != nil || p.Kind != capture.TCP {
			continue
		}
		seg := p.Segment
		seg.Payload = nil
		c.mu.Lock()
		if !c.stopped && len(c.trace) < maxTrace {
			c.trace = append(c.trace, TraceSegment{At: at, Seg: seg, Len: p.Len})
		}
		c.mu.Unlock()
	}
}

// Stop waits until loopback has been quiet for twinQuiet (at most
// twinTail), ends the capture and returns the segments, in the order
// loopback carried them, and the error that ended the capture early, if
// one did (the trace then lacks its end).
func (c *LoopCapture) Stop() ([]TraceSegment, error) {
	c.mu.Lock()
	stopped := c.stopped
	c.mu.Unlock()
	if stopped {
		return c.trace, c.err
	}
	for end := time.Now().Add(twinTail); time.Now().Before(end); {
		c.mu.Lock()
		n := len(c.trace)
		c.mu.Unlock()
		time.Sleep(twinQuiet)
		c.mu.Lock()
		quiet := len(c.trace) == n
		c.mu.Unlock()
		if quiet {
			break
		}
	}
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	c.f.Close()
	<-c.done
	return c.trace, c.err
}
