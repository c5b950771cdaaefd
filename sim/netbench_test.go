package sim

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// connsPerClient is how many connections one client host opens: fewer
// than the 16,384 ephemeral ports of RFC 6335 §6.
const connsPerClient = 16000

// bench is a world of one server and as many client hosts as n
// connections need, each linked to the server.
type bench struct {
	w       *World
	server  *Host
	clients []*Host
	conns   []Conn
}

// newBench builds the hosts and links for n connections, each client path
// with its own delay (1 to 2 ms) so that arrivals spread in time.
func newBench(b testing.TB, n int) *bench {
	w := New(Config{Seed: 1})
	server, err := w.AddHost(HostConfig{Name: "server", Addr: netip.AddrFrom4([4]byte{10, 255, 255, 254}), Backlog: n})
	if err != nil {
		b.Fatal(err)
	}
	x := &bench{w: w, server: server}
	for i := 0; i*connsPerClient < n; i++ {
		c, err := w.AddHost(HostConfig{
			Name: fmt.Sprintf("client%d", i), Addr: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i + 1)}),
		})
		if err != nil {
			b.Fatal(err)
		}
		d := Path{Delay: time.Millisecond + time.Duration(i)*time.Microsecond}
		if _, err := w.AddLink(c, server, d, d); err != nil {
			b.Fatal(err)
		}
		x.clients = append(x.clients, c)
	}
	return x
}

// dial opens n connections to port 80 of the server, spread over the
// clients, and runs the world until the handshakes are over. It dials in
// batches of dialBatch, letting each batch's handshakes finish before the
// next: a listener's queue of connections not yet accepted is a slice
// searched on every accept (listener.go), so a million SYNs at once would
// cost a million squared.
func (x *bench) dial(b testing.TB, n int, hd Handler) {
	const dialBatch = 1000
	remote := netip.AddrPortFrom(x.server.Addr(), 80)
	x.conns = make([]Conn, 0, n)
	for i := range n {
		c, err := x.clients[i/connsPerClient].Dial(remote, hd)
		if err != nil {
			b.Fatal(err)
		}
		x.conns = append(x.conns, c)
		if (i+1)%dialBatch == 0 || i == n-1 {
			x.w.RunFor(5 * time.Millisecond) // handshakes take 3 one-way delays of at most 1.1ms
		}
	}
}

// heap returns the live heap after a full collection.
func heap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkEventLoop measures the world's event loop with n connections
// busy at once: once all are established, each client sends one byte,
// and again whenever the server's echo comes back, so that every
// connection always has data in flight. One op is one event (Step);
// ns/op is the cost of an event, allocs/op the allocations per event.
// bytes/conn is the live heap the world holds per connection (both ends,
// the hosts' tables, the agenda). Tracing is off.
func BenchmarkEventLoop(b *testing.B) {
	for _, n := range []int{10, 10_000, 1_000_000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			if n > 10_000 && testing.Short() {
				b.Skip("-short: skipping a million connections")
			}
			base := heap()
			x := newBench(b, n)
			one := []byte{'x'}
			var buf [16]byte
			echo := Handler{Readable: func(c Conn) {
				if k, _ := c.Read(buf[:]); k > 0 {
					c.Write(buf[:k])
				}
			}}
			if _, err := x.server.Listen(80, func(Conn) Handler { return echo }); err != nil {
				b.Fatal(err)
			}
			ping := Handler{Readable: func(c Conn) {
				if k, _ := c.Read(buf[:]); k > 0 {
					c.Write(one)
				}
			}}
			x.dial(b, n, ping)
			for _, c := range x.conns { // idle until now: start them all
				if _, err := c.Write(one); err != nil {
					b.Fatal(err)
				}
			}
			// Warm up: a few round trips, so that buffers reach their size
			// and the agenda its steady length.
			x.w.RunFor(5 * time.Millisecond)
			perConn := float64(heap()-base) / float64(n)
			ev0 := x.w.Stats().Events
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if !x.w.Step() {
					b.Fatal("the world ran dry")
				}
			}
			b.StopTimer()
			events := x.w.Stats().Events - ev0
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(perConn, "bytes/conn")
			runtime.KeepAlive(x)
		})
	}
}

// BenchmarkIdlePairMemory measures the live heap one established, idle
// connection pair costs: both tcpstate.Conns, both endpoints, the entries
// in both hosts' tables and port counts. The target is 2 KB.
func BenchmarkIdlePairMemory(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		b.StopTimer()
		base := heap()
		x := newBench(b, n)
		if _, err := x.server.Listen(80, func(Conn) Handler { return Handler{} }); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		x.dial(b, n, Handler{})
		b.StopTimer()
		for _, c := range x.conns {
			if c.State().String() != "ESTABLISHED" {
				b.Fatalf("connection in %v", c.State())
			}
		}
		b.ReportMetric(float64(heap()-base)/n, "bytes/pair")
		runtime.KeepAlive(x)
		b.StartTimer()
	}
}
