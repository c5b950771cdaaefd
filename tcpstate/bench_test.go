package tcpstate_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// benchPair returns two connected endpoints, a client and a server, in
// ESTABLISHED, and the time at which the handshake ended.
func benchPair(b *testing.B) (client, server *tcpstate.Conn, now time.Time) {
	now = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := tcpstate.DefaultConfig()
	cfg.Secret = [16]byte{1} // RFC 6528 needs a key; any fixed one will do here
	var err error
	if client, err = tcpstate.NewConn(cfg); err != nil {
		b.Fatal(err)
	}
	if server, err = tcpstate.NewConn(cfg); err != nil {
		b.Fatal(err)
	}
	ca := netip.MustParseAddrPort("198.18.0.1:49152")
	sa := netip.MustParseAddrPort("198.18.0.2:80")
	if err := server.Listen(now, sa); err != nil {
		b.Fatal(err)
	}
	if err := client.Connect(now, ca, sa); err != nil {
		b.Fatal(err)
	}
	for range 3 {
		for seg, ok := client.Poll(now); ok; seg, ok = client.Poll(now) {
			server.HandleSegment(now, seg)
		}
		for seg, ok := server.Poll(now); ok; seg, ok = server.Poll(now) {
			client.HandleSegment(now, seg)
		}
	}
	if client.State() != tcpstate.Established || server.State() != tcpstate.Established {
		b.Fatalf("handshake ended in %s / %s", client.State(), server.State())
	}
	return client, server, now
}

// BenchmarkHandleSegment measures HandleSegment on an established
// connection: each op is one 1000-byte data segment arriving in order at the
// server, which reads it and answers with an ACK that the client handles.
// One op is therefore two HandleSegment calls and two Polls.
func BenchmarkHandleSegment(b *testing.B) {
	client, server, now := benchPair(b)
	payload := make([]byte, 1000)
	buf := make([]byte, 2000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		client.Write(payload)
		seg, ok := client.Poll(now)
		if !ok {
			b.Fatal("no data segment")
		}
		if v := server.HandleSegment(now, seg); v != tcpstate.Accepted {
			b.Fatalf("data: %s", v)
		}
		server.Read(buf)
		ack, ok := server.Poll(now)
		if !ok {
			b.Fatal("no ACK")
		}
		if v := client.HandleSegment(now, ack); v != tcpstate.Accepted {
			b.Fatalf("ack: %s", v)
		}
		for _, ok := client.Poll(now); ok; _, ok = client.Poll(now) {
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/segment")
}
