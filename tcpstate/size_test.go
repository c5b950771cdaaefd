package tcpstate

import (
	"errors"
	"net/netip"
	"testing"
	"time"
	"unsafe"
)

// TestConnSize keeps a connection within Go's 576-byte allocation class,
// less the 8-byte header the allocator puts before objects over 512 bytes
// that hold pointers: one byte more and every connection takes 640, 128
// more bytes for each simulated pair.
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(Conn{}); n > 568 {
		t.Errorf("Conn is %d bytes, more than 568: move what few connections use to connAux", n)
	}
}

// Err lives in the aux part, which Reset keeps: a reset connection has no
// error left from its previous life.
func TestResetForgetsErr(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Secret[0] = 1
	c, err := NewConn(cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1e9, 0)
	local, remote := netip.MustParseAddrPort("198.18.0.1:1000"), netip.MustParseAddrPort("198.18.0.2:80")
	if err := c.Connect(now, local, remote); err != nil {
		t.Fatal(err)
	}
	syn, _ := c.Poll(now)
	// RFC 9293 §3.10.7.3: a RST acknowledging the SYN refuses the connection.
	c.HandleSegment(now, Segment{Src: remote, Dst: local, Ack: syn.Seq.Add(1), Flags: RST | ACK})
	if !errors.Is(c.Err(), ErrRefused) {
		t.Fatalf("Err() = %v, want ErrRefused", c.Err())
	}
	if err := c.Reset(cfg); err != nil {
		t.Fatal(err)
	}
	if c.Err() != nil {
		t.Errorf("after Reset, Err() = %v", c.Err())
	}
}
