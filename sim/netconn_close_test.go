package sim_test

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// TestNetworkEOF: the peer writes and closes; Read returns the data, then
// io.EOF itself (not wrapped), as io.Reader requires.
func TestNetworkEOF(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		c, sc, l := ncDialPair(t, s)
		defer l.Close()
		defer c.Close()
		sc.Write([]byte("bye"))
		sc.Close()
		buf := make([]byte, 10)
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != "bye" {
			t.Fatalf("Read = %q, %v; want \"bye\", nil", buf[:n], err)
		}
		if n, err = c.Read(buf); n != 0 || err != io.EOF {
			t.Fatalf("Read = %d, %v; want 0, io.EOF", n, err)
		}
		// Written at 30 ms, data and FIN reach the client at 40 ms.
		if d := ncSince(); d != 40*time.Millisecond {
			t.Errorf("end of stream at %v, want 40ms", d)
		}
		// The server's end is closed for the application.
		if _, err := sc.Read(buf); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Read after Close = %v, want net.ErrClosed", err)
		}
		if err := sc.Close(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("second Close = %v, want net.ErrClosed", err)
		}
	})
}

// TestNetworkEOFWaiting: a Read already waiting when the peer's bare FIN
// arrives returns io.EOF then, one way after the peer's Close.
func TestNetworkEOFWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		c, sc, l := ncDialPair(t, s)
		defer l.Close()
		defer c.Close()
		go func() {
			time.Sleep(time.Second)
			sc.Close()
		}()
		if n, err := c.Read(make([]byte, 10)); n != 0 || err != io.EOF {
			t.Fatalf("Read = %d, %v; want 0, io.EOF", n, err)
		}
		if d := ncSince(); d != 30*time.Millisecond+time.Second+ncOneWay {
			t.Errorf("end of stream at %v, want 1.04s", d)
		}
	})
}

// TestNetworkReset: the server closes with SetLinger(0), which resets;
// the client's waiting Read fails with ECONNRESET when the RST arrives,
// one way later.
func TestNetworkReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		c, sc, l := ncDialPair(t, s)
		defer l.Close()
		defer c.Close()
		go func() {
			time.Sleep(time.Second)
			sc.(*sim.NetConn).SetLinger(0)
			sc.Close()
		}()
		_, err := c.Read(make([]byte, 10))
		var oe *net.OpError
		if !errors.Is(err, syscall.ECONNRESET) || !errors.Is(err, tcpstate.ErrReset) || !errors.As(err, &oe) || oe.Op != "read" {
			t.Fatalf("Read = %v; want a read *net.OpError matching ECONNRESET and tcpstate.ErrReset", err)
		}
		if d := ncSince(); d != 30*time.Millisecond+time.Second+ncOneWay {
			t.Errorf("reset seen at %v, want 1.04s", d)
		}
		if _, err := c.Write([]byte("x")); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("Write after reset = %v, want ECONNRESET", err)
		}
	})
}

// TestNetworkRefused: a SYN to a port nobody listens on is answered with
// a RST (RFC 9293 §3.10.7.1): Dial fails after one round trip.
func TestNetworkRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		_, err := s.client.Dial("tcp", "server:9")
		if !errors.Is(err, syscall.ECONNREFUSED) || !errors.Is(err, tcpstate.ErrRefused) {
			t.Fatalf("Dial = %v, want ECONNREFUSED", err)
		}
		if d := ncSince(); d != 2*ncOneWay {
			t.Errorf("refused at %v, want 20ms", d)
		}
	})
}

// TestNetworkListenerClose: Close releases an Accept waiting on another
// goroutine with net.ErrClosed.
func TestNetworkListenerClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		l, err := s.server.Listen("tcp", ":80")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(time.Second)
			l.Close()
		}()
		_, err = l.Accept()
		if !errors.Is(err, net.ErrClosed) || ncSince() != time.Second {
			t.Fatalf("Accept = %v at %v, want net.ErrClosed at 1s", err, ncSince())
		}
		if err := l.Close(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("second Close = %v, want net.ErrClosed", err)
		}
		// The port is free again.
		l, err = s.server.Listen("tcp", ":80")
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
	})
}

// TestNetworkListenerCloseResets: a connection established but never
// accepted is reset when its listener closes, as BSD and Linux do; its
// client learns it one way later.
func TestNetworkListenerCloseResets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		l, err := s.server.Listen("tcp", ":80")
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.client.Dial("tcp", "server:80")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		time.Sleep(time.Second)
		l.Close()
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("Read = %v, want ECONNRESET", err)
		}
		if d := ncSince(); d != 20*time.Millisecond+time.Second+ncOneWay {
			t.Errorf("reset seen at %v, want 1.03s", d)
		}
	})
}

// TestNetworkClose: closing the network releases calls waiting in it.
func TestNetworkClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		c, _, _ := ncDialPair(t, s)
		go func() {
			time.Sleep(time.Second)
			s.n.Close()
		}()
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Read = %v, want net.ErrClosed", err)
		}
		if _, err := s.client.Dial("tcp", "server:80"); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Dial after Close = %v, want net.ErrClosed", err)
		}
		if err := s.n.Do(func(*sim.World) {}); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Do after Close = %v, want net.ErrClosed", err)
		}
	})
}
