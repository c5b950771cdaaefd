package sim

import (
	"io"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// BenchmarkLifecycle runs one whole connection per iteration, tracing
// off: connect, accept, one byte each way, close from both ends, TIME-WAIT
// expiry. allocs/segment counts every allocation made during the timed
// loop (the world's and tcpstate's) over the segments sent.
func BenchmarkLifecycle(b *testing.B) {
	w := New(Config{Seed: 1})
	client, _ := w.AddHost(HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1")})
	server, _ := w.AddHost(HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2")})
	path := Path{Delay: 50 * time.Millisecond}
	if _, err := w.AddLink(client, server, path, path); err != nil {
		b.Fatal(err)
	}
	one := []byte{'x'}
	var buf [16]byte
	// The handlers are made once: a lifecycle must not need new closures.
	serverRead := func(c Conn) {
		n, err := c.Read(buf[:])
		if n > 0 {
			c.Write(one)
		}
		if err == io.EOF {
			c.Close()
		}
	}
	serverApp := Handler{Readable: serverRead}
	accept := func(Conn) Handler { return serverApp }
	if _, err := server.Listen(80, accept); err != nil {
		b.Fatal(err)
	}
	clientApp := Handler{
		Established: func(c Conn) { c.Write(one) },
		Readable: func(c Conn) {
			if n, _ := c.Read(buf[:]); n > 0 {
				c.Close()
			}
		},
	}
	remote := netip.AddrPortFrom(server.Addr(), 80)
	lifecycle := func() {
		if _, err := client.Dial(remote, clientApp); err != nil {
			b.Fatal(err)
		}
		w.Run()
	}
	// Warm up: fill the free lists, grow the agenda and the tables.
	for range 1000 {
		lifecycle()
	}
	segs0 := w.Stats().Segments
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs0 := ms.Mallocs
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		lifecycle()
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	segs := w.Stats().Segments - segs0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lifecycles/s")
	b.ReportMetric(float64(segs)/float64(b.N), "segments/lifecycle")
	b.ReportMetric(float64(ms.Mallocs-mallocs0)/float64(segs), "allocs/segment")
}

// BenchmarkEstablished exchanges one byte each way per iteration on a
// connection that stays open: data, ACK, data, ACK. Tracing off, nothing
// may be allocated: segments in flight, timers and callbacks all reuse
// what the world already has.
func BenchmarkEstablished(b *testing.B) {
	w := New(Config{Seed: 1})
	client, _ := w.AddHost(HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1")})
	server, _ := w.AddHost(HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2")})
	path := Path{Delay: time.Millisecond}
	if _, err := w.AddLink(client, server, path, path); err != nil {
		b.Fatal(err)
	}
	one := []byte{'x'}
	var buf [16]byte
	echo := Handler{Readable: func(c Conn) {
		if n, _ := c.Read(buf[:]); n > 0 {
			c.Write(buf[:n])
		}
	}}
	if _, err := server.Listen(80, func(Conn) Handler { return echo }); err != nil {
		b.Fatal(err)
	}
	got := 0
	c, err := client.Dial(netip.AddrPortFrom(server.Addr(), 80), Handler{Readable: func(c Conn) {
		n, _ := c.Read(buf[:])
		got += n
	}})
	if err != nil {
		b.Fatal(err)
	}
	roundTrip := func() {
		c.Write(one)
		w.Run()
	}
	w.Run()
	for range 1000 { // warm up: buffers reach their size
		roundTrip()
	}
	segs0 := w.Stats().Segments
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		roundTrip()
	}
	b.StopTimer()
	if got != 1000+b.N {
		b.Fatalf("echoed %d bytes, want %d", got, 1000+b.N)
	}
	b.ReportMetric(float64(w.Stats().Segments-segs0)/float64(b.N), "segments/op")
}

// BenchmarkLifecycleFloor runs the lifecycle of BenchmarkLifecycle with no
// world at all: two connections handing segments to each other through a
// slice. It is the floor under any driver, and tells the world's own
// cost (the difference) from tcpstate's.
func BenchmarkLifecycleFloor(b *testing.B) {
	cfg := tcpstate.DefaultConfig()
	cfg.ISN = func(time.Time, netip.AddrPort, netip.AddrPort) seqnum.Value { return 1 }
	cfg.Secret[0] = 1
	ca := netip.MustParseAddrPort("198.18.0.1:49152")
	sa := netip.MustParseAddrPort("198.18.0.2:80")
	now := Epoch()
	var buf [16]byte
	type wire struct {
		seg      tcpstate.Segment
		toServer bool
	}
	q, next := make([]wire, 0, 16), make([]wire, 0, 16)
	payloads := make([][]byte, 16)
	pump := func(c *tcpstate.Conn, toServer bool) {
		for seg, ok := c.Poll(now); ok; seg, ok = c.Poll(now) {
			payloads[len(next)] = append(payloads[len(next)][:0], seg.Payload...)
			seg.Payload = payloads[len(next)]
			next = append(next, wire{seg, toServer})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		c, _ := tcpstate.NewConn(cfg)
		s, _ := tcpstate.NewConn(cfg)
		s.Listen(now, sa)
		c.Connect(now, ca, sa)
		pump(c, true)
		clientClosed := false
		for len(next) > 0 {
			now = now.Add(50 * time.Millisecond)
			q, next = next, q[:0]
			for _, x := range q {
				if x.toServer {
					s.HandleSegment(now, x.seg)
					pump(s, false)
					for ev, ok := s.PollEvent(); ok; ev, ok = s.PollEvent() {
						if ev == tcpstate.EventReadable {
							n, err := s.Read(buf[:])
							if n > 0 {
								s.Write(buf[:1])
							}
							if err == io.EOF {
								s.Close(now)
							}
						}
					}
					pump(s, false)
				} else {
					c.HandleSegment(now, x.seg)
					pump(c, true)
					for ev, ok := c.PollEvent(); ok; ev, ok = c.PollEvent() {
						switch ev {
						case tcpstate.EventEstablished:
							c.Write(buf[:1])
						case tcpstate.EventReadable:
							if n, _ := c.Read(buf[:]); n > 0 && !clientClosed {
								clientClosed = true
								c.Close(now)
							}
						}
					}
					pump(c, true)
				}
			}
		}
		now = c.NextTimeout()
		c.HandleTimeout(now)
		if c.State() != tcpstate.Closed || s.State() != tcpstate.Closed {
			b.Fatal(c.State(), s.State())
		}
	}
}
