package sim

import (
	"net/netip"
	"testing"
)

// BenchmarkUDPPingPong measures one datagram's round trip through the
// world: send, link, delivery, queue, read, answer. A world in steady
// state should allocate nothing per datagram.
func BenchmarkUDPPingPong(b *testing.B) {
	w := New(Config{Seed: 1})
	c, _ := w.AddHost(HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1")})
	s, _ := w.AddHost(HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2")})
	if _, err := w.AddLink(c, s, Path{Delay: delay}, Path{Delay: delay}); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 64)
	payload := []byte("ping")
	_, err := s.BindUDP(7, UDPHandler{Readable: func(u UDPSocket) {
		n, from, err := u.ReadFrom(buf)
		if err == nil {
			u.SendTo(buf[:n], from)
		}
	}})
	if err != nil {
		b.Fatal(err)
	}
	cl, err := c.BindUDP(0, UDPHandler{Readable: func(u UDPSocket) { u.ReadFrom(buf) }})
	if err != nil {
		b.Fatal(err)
	}
	dst := netip.MustParseAddrPort("198.18.0.2:7")
	b.ReportAllocs()
	for b.Loop() {
		cl.SendTo(payload, dst)
		w.Run()
	}
	if got := cl.Stats().Read; got != uint64(b.N) {
		b.Fatalf("client read %d answers, want %d", got, b.N)
	}
}
