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

// With timestamps off, TSClock is not used and may be zero (Config.check
// asks for it only with Timestamps): acknowledging data must not divide by
// it.
func TestNoTimestampsZeroTSClock(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Secret[0] = 1
	cfg.Timestamps, cfg.TSClock = false, 0
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
	c.HandleSegment(now, Segment{Src: remote, Dst: local, Seq: 500, Ack: syn.Seq.Add(1), Flags: SYN | ACK, Window: 1000,
		Options: Options{HasMSS: true, MSS: 1000}})
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	var data Segment
	for seg, ok := c.Poll(now); ok; seg, ok = c.Poll(now) {
		if len(seg.Payload) > 0 {
			data = seg
		}
	}
	if len(data.Payload) != 5 {
		t.Fatalf("no data segment sent: %v", data)
	}
	// The ACK of the data, carrying a timestamp option this end did not
	// negotiate: it is ignored, and the RTT comes from the timed segment.
	c.HandleSegment(now.Add(10*time.Millisecond), Segment{Src: remote, Dst: local, Seq: 501, Ack: data.End(),
		Flags: ACK, Window: 1000, Options: Options{HasTimestamps: true, TSVal: 1, TSEcr: 1}})
	if got := c.TCB().SndUna; got != data.End() {
		t.Fatalf("SND.UNA = %v, want %v", got, data.End())
	}
	// RFC 6298: the SYN, answered at once, gave R = 0 (2.2: SRTT 0); the
	// data, timed without timestamps, R' = 10ms (2.3: SRTT = 7/8*0 +
	// 1/8*10ms).
	if got := c.TCB().SRTT; got != 1250*time.Microsecond {
		t.Errorf("SRTT = %v, want 1.25ms", got)
	}
}
