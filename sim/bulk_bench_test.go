package sim

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// benchmarkBulk moves data in bulk over one open connection, chunk by
// chunk, and reports simulated payload bytes per wall-clock second and
// allocations per segment in steady state (tracing off).
func benchmarkBulk(b *testing.B, path Path) {
	const chunk = 1 << 20
	cfg := tcpstate.DefaultConfig()
	cfg.SendBuffer, cfg.RecvBuffer = 4<<20, 4<<20 // the window is not what limits
	w := New(Config{Seed: 1})
	client, _ := w.AddHost(HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1"), TCP: &cfg})
	server, _ := w.AddHost(HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2"), TCP: &cfg})
	if _, err := w.AddLink(client, server, path, path); err != nil {
		b.Fatal(err)
	}
	src := make([]byte, 64<<10)
	sink := make([]byte, 64<<10)
	var toSend, received int
	send := func(c Conn) {
		for toSend > 0 {
			n, _ := c.Write(src[:min(len(src), toSend)])
			if n == 0 {
				return
			}
			toSend -= n
		}
	}
	read := func(c Conn) {
		for {
			n, _ := c.Read(sink)
			if n == 0 {
				return
			}
			received += n
		}
	}
	if _, err := server.Listen(80, func(Conn) Handler { return Handler{Readable: read} }); err != nil {
		b.Fatal(err)
	}
	conn, err := client.Dial(netip.AddrPortFrom(server.Addr(), 80), Handler{Writable: send, Established: send})
	if err != nil {
		b.Fatal(err)
	}
	transferChunk := func() {
		toSend, received = chunk, 0
		send(conn)
		for received < chunk && w.Step() {
		}
		if received < chunk {
			b.Fatalf("received %d of %d", received, chunk)
		}
	}
	for range 4 { // warm up: buffers and free lists reach their size
		transferChunk()
	}
	segs0 := w.Stats().Segments
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs0 := ms.Mallocs
	b.ReportAllocs()
	b.SetBytes(chunk)
	b.ResetTimer()
	for b.Loop() {
		transferChunk()
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	segs := w.Stats().Segments - segs0
	b.ReportMetric(float64(ms.Mallocs-mallocs0)/float64(segs), "allocs/segment")
	b.ReportMetric(float64(segs)/float64(b.N), "segments/op")
}

// BenchmarkBulkTransfer: MSS 1460 (1448 bytes of data beside timestamps),
// no loss. MB/s is simulated payload per wall-clock second.
func BenchmarkBulkTransfer(b *testing.B) {
	benchmarkBulk(b, Path{Delay: time.Millisecond})
}

// BenchmarkBulkTransferLoss1: the same with 1% loss each way.
func BenchmarkBulkTransferLoss1(b *testing.B) {
	benchmarkBulk(b, Path{Delay: time.Millisecond, Loss: 0.01})
}
