package sim_test

import (
	"io"
	"net/netip"
	"testing"

	"github.com/tcpsim/tcpsim/sim"
)

// BenchmarkNetConnPingPong measures the cost of the goroutine face: one
// op is a 64-byte Write by the client, echoed by a server goroutine and
// read back, over a link without delay (benchmarks cannot run in a
// synctest bubble, so the network runs against the wall clock; with no
// delay, nothing waits for it).
func BenchmarkNetConnPingPong(b *testing.B) {
	w := sim.New(sim.Config{Seed: 1})
	c, _ := w.AddHost(sim.HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1")})
	s, _ := w.AddHost(sim.HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2")})
	if _, err := w.AddLink(c, s, sim.Path{}, sim.Path{}); err != nil {
		b.Fatal(err)
	}
	n := sim.NewNetwork(w, sim.NetworkConfig{})
	defer n.Close()
	l, err := n.Host(s).Listen("tcp", ":7")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	go func() {
		sc, err := l.Accept()
		if err != nil {
			return
		}
		defer sc.Close()
		io.Copy(sc, sc)
	}()
	conn, err := n.Host(c).Dial("tcp", "server:7")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	msg := make([]byte, 64)
	buf := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := conn.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(conn, buf); err != nil {
			b.Fatal(err)
		}
	}
}
