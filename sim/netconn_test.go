package sim_test

import (
	"bytes"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// ncOneWay is the delay of both directions of the test link: a round trip
// takes 20 ms.
const ncOneWay = 10 * time.Millisecond

// ncWorld is a world of two hosts, "client" 198.18.0.1 and "server"
// 198.18.0.2, joined by a link of ncOneWay each way, run by a Network.
type ncWorld struct {
	w              *sim.World
	n              *sim.Network
	client, server *sim.NetHost

	// Written by the world's goroutine only; read after n.Close.
	events, skewed int
}

// ncSetup must run inside a bubble; tcp configures both hosts (nil:
// the defaults). Every trace event checks that the world's clock and the
// bubble's agree.
func ncSetup(t *testing.T, tcp *tcpstate.Config) *ncWorld {
	t.Helper()
	s := &ncWorld{}
	s.w = sim.New(sim.Config{Seed: 7, Trace: func(e sim.TraceEvent) {
		s.events++
		if !e.Time.Equal(time.Now()) {
			s.skewed++
		}
	}})
	c, err := s.w.AddHost(sim.HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1"), TCP: tcp})
	if err != nil {
		t.Fatal(err)
	}
	sv, err := s.w.AddHost(sim.HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2"), TCP: tcp})
	if err != nil {
		t.Fatal(err)
	}
	p := sim.Path{Delay: ncOneWay}
	if _, err := s.w.AddLink(c, sv, p, p); err != nil {
		t.Fatal(err)
	}
	s.n = sim.NewNetwork(s.w, sim.NetworkConfig{Settle: synctest.Wait})
	s.client, s.server = s.n.Host(c), s.n.Host(sv)
	t.Cleanup(func() {
		s.n.Close()
		if s.events == 0 || s.skewed != 0 {
			t.Errorf("%d of %d trace events had a world time other than the bubble's", s.skewed, s.events)
		}
	})
	return s
}

// ncSince returns the bubble time elapsed since Epoch.
func ncSince() time.Duration { return time.Since(sim.Epoch()) }

// TestNetworkClockStartsAtEpoch: a bubble and a fresh world start at the
// same instant, so world time and bubble time are one.
func TestNetworkClockStartsAtEpoch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		if !time.Now().Equal(sim.Epoch()) {
			t.Fatalf("bubble starts at %v, want %v", time.Now(), sim.Epoch())
		}
	})
}

// TestNetworkEcho: an echo server in goroutines, a client that writes,
// half-closes and reads to the end. Timing by hand, one way = 10 ms: the
// SYN reaches the server at 10, the SYN-ACK the client at 20 (Dial
// returns); "hello" and the FIN leave at 20 and arrive at 30, where the
// server echoes and closes; the echo and its FIN arrive at 40, where
// ReadAll returns.
func TestNetworkEcho(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		l, err := s.server.Listen("tcp", ":7")
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Addr().String(); got != "198.18.0.2:7" {
			t.Errorf("listener address %s, want 198.18.0.2:7", got)
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				wg.Go(func() {
					defer c.Close()
					io.Copy(c, c)
				})
			}
		})

		c, err := s.client.Dial("tcp", "server:7")
		if err != nil {
			t.Fatal(err)
		}
		if d := ncSince(); d != 20*time.Millisecond {
			t.Errorf("Dial returned at %v, want 20ms (one round trip)", d)
		}
		if got, want := c.RemoteAddr().String(), "198.18.0.2:7"; got != want {
			t.Errorf("RemoteAddr %s, want %s", got, want)
		}
		if a := c.LocalAddr().(*net.TCPAddr); a.IP.String() != "198.18.0.1" || a.Port < sim.FirstEphemeralPort {
			t.Errorf("LocalAddr %v, want 198.18.0.1 and an ephemeral port", a)
		}
		if _, err := c.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		if err := c.(*sim.NetConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(c)
		if err != nil || string(got) != "hello" {
			t.Fatalf("ReadAll = %q, %v; want \"hello\", nil", got, err)
		}
		if d := ncSince(); d != 40*time.Millisecond {
			t.Errorf("echo and end of stream at %v, want 40ms", d)
		}
		c.Close()
		l.Close()
		wg.Wait()
	})
}

// ncDialPair listens on the server's port 80 and dials it, returning both
// ends once the handshake is over on both sides (30 ms).
func ncDialPair(t *testing.T, s *ncWorld) (client, server net.Conn, l net.Listener) {
	t.Helper()
	l, err := s.server.Listen("tcp", "198.18.0.2:80")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	client, err = s.client.Dial("tcp", "198.18.0.2:80")
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if d := ncSince(); d != 30*time.Millisecond {
		t.Errorf("Accept returned at %v, want 30ms (the handshake's last ACK)", d)
	}
	return client, server, l
}

// TestNetworkConcurrent: both ends write and read 256 KB at once, each
// from two goroutines, over a link that makes the transfer take many
// round trips.
func TestNetworkConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		c, sc, l := ncDialPair(t, s)
		defer l.Close()
		a := make([]byte, 256<<10)
		b := make([]byte, 256<<10)
		for i := range a {
			a[i], b[i] = byte(i*7), byte(i*13)
		}
		var wg sync.WaitGroup
		check := func(name string, conn net.Conn, send, want []byte) {
			wg.Go(func() {
				if _, err := conn.Write(send); err != nil {
					t.Errorf("%s: Write: %v", name, err)
				}
				conn.(*sim.NetConn).CloseWrite()
			})
			wg.Go(func() {
				got, err := io.ReadAll(conn)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s: read %d bytes, %v; want the %d bytes sent", name, len(got), err, len(want))
				}
			})
		}
		check("client", c, a, b)
		check("server", sc, b, a)
		wg.Wait()
		c.Close()
		sc.Close()
	})
}

// TestNetworkDo: Do reaches the world with its clock at the present.
func TestNetworkDo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		c, _, _ := ncDialPair(t, s)
		time.Sleep(time.Second)
		var now time.Time
		var st tcpstate.State
		s.n.Do(func(w *sim.World) {
			now = w.Now()
			st = c.(*sim.NetConn).Sim().State()
		})
		if !now.Equal(time.Now()) || st != tcpstate.Established {
			t.Errorf("Do saw %v, %v; want %v, ESTABLISHED", now, st, time.Now())
		}
	})
}

// TestNetworkIPv6: hosts with IPv6 addresses dial and listen the same
// way; "tcp4" and "tcp6" insist on their family.
func TestNetworkIPv6(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := sim.New(sim.Config{Seed: 1})
		c, err := w.AddHost(sim.HostConfig{Name: "client", Addr: netip.MustParseAddr("2001:db8::1")})
		if err != nil {
			t.Fatal(err)
		}
		s, err := w.AddHost(sim.HostConfig{Name: "server", Addr: netip.MustParseAddr("2001:db8::2")})
		if err != nil {
			t.Fatal(err)
		}
		p := sim.Path{Delay: ncOneWay}
		if _, err := w.AddLink(c, s, p, p); err != nil {
			t.Fatal(err)
		}
		n := sim.NewNetwork(w, sim.NetworkConfig{Settle: synctest.Wait})
		defer n.Close()
		if _, err := n.Host(s).Listen("tcp4", ":80"); err == nil {
			t.Error(`Listen("tcp4") on an IPv6 host succeeded`)
		}
		l, err := n.Host(s).Listen("tcp6", "[2001:db8::2]:80")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if _, err := n.Host(c).Dial("tcp4", "server:80"); err == nil {
			t.Error(`Dial("tcp4") to an IPv6 host succeeded`)
		}
		conn, err := n.Host(c).Dial("tcp6", "server:80")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if got, want := conn.RemoteAddr().String(), "[2001:db8::2]:80"; got != want {
			t.Errorf("RemoteAddr %s, want %s", got, want)
		}
		if d := ncSince(); d != 2*ncOneWay {
			t.Errorf("Dial returned at %v, want 20ms", d)
		}
	})
}
