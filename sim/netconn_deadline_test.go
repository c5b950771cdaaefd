package sim_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// TestNetworkReadDeadline: a Read on a silent connection with a 5 s
// deadline returns after exactly 5 s of virtual time, a timeout.
func TestNetworkReadDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		c, sc, l := ncDialPair(t, s)
		defer l.Close()
		defer sc.Close()
		defer c.Close()

		start := time.Now()
		c.SetReadDeadline(start.Add(5 * time.Second))
		n, err := c.Read(make([]byte, 10))
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("Read returned after %v, want 5s", d)
		}
		var ne net.Error
		if n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("Read = %d, %v; want 0 and a timeout (os.ErrDeadlineExceeded)", n, err)
		}
		// A deadline in the past fails at once; clearing it lets data in.
		if _, err := c.Read(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read after the deadline = %v, want os.ErrDeadlineExceeded", err)
		}
		c.SetReadDeadline(time.Time{})
		sc.Write([]byte("late"))
		buf := make([]byte, 10)
		n, err = c.Read(buf)
		if err != nil || string(buf[:n]) != "late" {
			t.Fatalf("Read = %q, %v; want \"late\"", buf[:n], err)
		}
	})
}

// TestNetworkDeadlineUnblocks: moving the deadline into the past from
// another goroutine releases a Read already waiting, at that instant.
func TestNetworkDeadlineUnblocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		c, sc, l := ncDialPair(t, s)
		defer l.Close()
		defer sc.Close()
		defer c.Close()
		go func() {
			time.Sleep(2 * time.Second)
			c.SetDeadline(time.Unix(1, 0)) // net/http's "a long time ago"
		}()
		start := time.Now()
		_, err := c.Read(make([]byte, 1))
		if d := time.Since(start); !errors.Is(err, os.ErrDeadlineExceeded) || d != 2*time.Second {
			t.Errorf("Read = %v after %v; want os.ErrDeadlineExceeded after 2s", err, d)
		}
	})
}

// TestNetworkWriteBlocks: with 4 KB buffers and a peer that does not
// read, Write queues what the peer's receive buffer takes (its window,
// RFC 9293 §3.8.6) plus what the sender's own send buffer holds, then
// waits; its deadline returns that count. Once the peer reads, the rest
// goes through.
func TestNetworkWriteBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := tcpstate.DefaultConfig()
		cfg.SendBuffer, cfg.RecvBuffer, cfg.WindowScale = 4096, 4096, false
		s := ncSetup(t, &cfg)
		c, sc, l := ncDialPair(t, s)
		defer l.Close()
		defer sc.Close()
		defer c.Close()

		data := bytes.Repeat([]byte("0123456789abcdef"), 1<<12) // 64 KB
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		n, err := c.Write(data)
		if !errors.Is(err, os.ErrDeadlineExceeded) || n != 4096+4096 {
			t.Fatalf("Write = %d, %v; want 8192 and os.ErrDeadlineExceeded", n, err)
		}
		c.SetWriteDeadline(time.Time{})
		done := make(chan error, 1)
		go func() {
			_, err := c.Write(data[n:])
			c.(*sim.NetConn).CloseWrite()
			done <- err
		}()
		got, err := io.ReadAll(sc)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("server read %d bytes, %v; want the %d bytes written", len(got), err, len(data))
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// TestNetworkDialContext: a SYN to an address no link leads to is lost;
// the context's timeout ends the Dial, in virtual time.
func TestNetworkDialContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := s.client.DialContext(ctx, "tcp", "198.18.0.9:80")
		if !errors.Is(err, context.DeadlineExceeded) || ncSince() != 3*time.Second {
			t.Fatalf("DialContext = %v at %v, want context.DeadlineExceeded at 3s", err, ncSince())
		}
		var dnsErr *net.DNSError
		if _, err := s.client.Dial("tcp", "nowhere:80"); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
			t.Errorf("Dial to an unknown name = %v, want a not-found *net.DNSError", err)
		}
		if _, err := s.client.Dial("udp", "server:80"); err == nil {
			t.Error("Dial udp succeeded, want an unknown network error")
		}
		if _, err := s.client.Dial("tcp", "server:http"); err == nil {
			t.Error("Dial to a port name succeeded, want an error")
		}
		if _, err := s.server.Listen("tcp", "198.18.0.1:80"); err == nil {
			t.Error("Listen on another host's address succeeded")
		}
		if _, err := s.n.Host(nil).Dial("tcp", "server:80"); !errors.Is(err, sim.ErrInvalid) {
			t.Errorf("Dial from a nil host = %v, want sim.ErrInvalid", err)
		}
		other, _ := sim.New(sim.Config{}).AddHost(sim.HostConfig{Name: "x", Addr: netip.MustParseAddr("198.18.0.1")})
		if _, err := s.n.Host(other).Listen("tcp", ":80"); !errors.Is(err, sim.ErrInvalid) {
			t.Errorf("Listen on a host of another world = %v, want sim.ErrInvalid", err)
		}
	})
}
