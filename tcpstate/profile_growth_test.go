package tcpstate_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// growthServer is a LinuxConfig server after a handshake with a client
// whose SYN offers sack (or not), window scale 7 and timestamps, as
// Linux's does. It returns the server and a function that sends it a
// segment of n bytes at relative sequence number rel and returns the
// window of the server's answer, or -1 if it sent none.
func growthServer(t *testing.T, sack bool) (*tcpstate.Conn, func(rel, n int) int) {
	t.Helper()
	c := newConn(t, tcpstate.LinuxConfig())
	now := time.Unix(1, 0)
	a, b := netip.MustParseAddrPort("198.18.0.1:40000"), netip.MustParseAddrPort("198.18.0.2:80")
	if err := c.Listen(now, b); err != nil {
		t.Fatal(err)
	}
	opts := tcpstate.Options{HasMSS: true, MSS: 1460, SACKPermitted: sack, HasWindowScale: true, WindowScale: 7,
		HasTimestamps: true, TSVal: 100}
	const irs = 7000
	c.HandleSegment(now, tcpstate.Segment{Src: a, Dst: b, Seq: irs, Flags: tcpstate.SYN, Window: 64240, Options: opts})
	synack, ok := c.Poll(now)
	if !ok || synack.Window != 65160 {
		t.Fatalf("SYN-ACK %v: want window 65160", synack)
	}
	ts := tcpstate.Options{HasTimestamps: true, TSVal: 101, TSEcr: synack.Options.TSVal}
	c.HandleSegment(now, tcpstate.Segment{Src: a, Dst: b, Seq: irs + 1, Ack: synack.Seq.Add(1), Flags: tcpstate.ACK,
		Window: 502, Options: ts})
	if c.State() != tcpstate.Established {
		t.Fatalf("state %v after the handshake", c.State())
	}
	send := func(rel, n int) int {
		c.HandleSegment(now, tcpstate.Segment{Src: a, Dst: b, Seq: seqnum.Value(irs + 1 + rel), Ack: synack.Seq.Add(1),
			Flags: tcpstate.ACK, Window: 502, Options: ts, Payload: make([]byte, n)})
		win := -1
		for {
			seg, ok := c.Poll(now)
			if !ok {
				return win
			}
			win = int(seg.Window)
		}
	}
	return c, send
}

// Linux opens the window by two segments with each full-sized segment
// received in order, not with a short one: the server's ACKs of 1448,
// 1448 and 104 bytes offer 532, 555 and 555 units of 128 (the kernel's
// twin "3000 bytes": 65160+2×1448 = 68056 bytes rounded up to 532 units,
// then 70952 to 555).
func TestWindowGrowthInOrder(t *testing.T) {
	_, send := growthServer(t, true)
	for i, tc := range []struct{ rel, n, want int }{{0, 1448, 532}, {1448, 1448, 555}, {2896, 104, 555}} {
		if got := send(tc.rel, tc.n); got != tc.want {
			t.Errorf("segment %d (%d bytes): window %d; want %d", i+1, tc.n, got, tc.want)
		}
	}
}

// A segment out of order grows the window too, whatever its size, when
// SACK tells the sender what is missing (the kernel's twin "lost segment":
// 104 bytes after a hole take the window from 532 to 555, and the
// retransmission that fills the hole to 577); without SACK it does not.
func TestWindowGrowthOutOfOrder(t *testing.T) {
	for _, tc := range []struct {
		sack bool
		want []int
	}{{true, []int{532, 555, 577}}, {false, []int{532, 532, 555}}} {
		_, send := growthServer(t, tc.sack)
		got := []int{send(0, 1448), send(2896, 104), send(1448, 1448)}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("sack %v: windows %v; want %v", tc.sack, got, tc.want)
				break
			}
		}
	}
}

// The window grows no further than the free space: a server that does
// not read offers, after each full segment, at most RecvBuffer less what
// it holds, rounded up to the unit, and its right edge never moves left
// by more than the rounding (RFC 7323 §2.4). Once the window left is at
// most half the buffer, a read that doubles it is announced by an ACK of
// its own; while more is left, a read is not.
func TestWindowGrowthFreeSpaceAndUpdates(t *testing.T) {
	c, send := growthServer(t, true)
	buf := tcpstate.LinuxConfig().RecvBuffer
	now := time.Unix(1, 0)
	sent, queued, right, win := 0, 0, 0, 0
	grew := false
	for queued+1448 <= buf/2 {
		win = send(sent, 1448)
		sent += 1448
		queued += 1448
		if free := buf - queued; win<<7 > free+127 {
			t.Fatalf("with %d bytes held: window %d units, more than the %d bytes free", queued, win, free)
		}
		// RFC 7323 §2.4: the scaled field may show an edge up to a unit
		// left of one shown before; the edge itself does not move left.
		if edge := sent + win<<7; edge < right-127 {
			t.Fatalf("with %d bytes held: right edge %d, left of %d", queued, edge, right)
		} else if edge > right {
			grew = grew || right > 0
			right = edge
		}
	}
	if !grew {
		t.Fatal("the right edge never moved")
	}
	if _, err := c.Read(make([]byte, 1448)); err != nil {
		t.Fatal(err)
	}
	queued -= 1448
	if seg, ok := c.Poll(now); ok {
		t.Fatalf("a read with %d bytes of window left (more than half the buffer) sent %v", win<<7, seg)
	}
	for win<<7 > buf/4 { // then a read surely doubles what is left
		win = send(sent, 1448)
		sent += 1448
		queued += 1448
	}
	if n, err := c.Read(make([]byte, buf)); err != nil || n != queued {
		t.Fatalf("read %d, %v; want %d bytes", n, err, queued)
	}
	seg, ok := c.Poll(now)
	if !ok || len(seg.Payload) != 0 || int(seg.Window)<<7 < 2*(win<<7) {
		t.Fatalf("after reading everything with %d bytes of window left: %v, %v; want an ACK doubling it", win<<7, seg, ok)
	}
}

// fillWindow sends the server segments of n bytes from rel until its
// window is closed, and returns where it stopped.
func fillWindow(t *testing.T, c *tcpstate.Conn, send func(rel, n int) int, rel, n int) int {
	t.Helper()
	for range 1000 {
		w := int(c.TCB().RcvWnd)
		if w == 0 {
			return rel
		}
		send(rel, min(n, w))
		rel += min(n, w)
	}
	t.Fatal("the window never closed")
	return 0
}

// Once grown, the window still avoids the receiver's silly window
// syndrome as Linux does (RFC 9293 §3.8.6.2.2, MUST-39): a full buffer
// read a byte at a time announces nothing, until a read frees enough to
// offer a segment and a sixteenth of the buffer; then one ACK offers it.
func TestWindowGrowthSWS(t *testing.T) {
	c, send := growthServer(t, true)
	fillWindow(t, c, send, 0, 1448)
	if !c.TCB().WindowScaling || c.TCB().RcvWnd != 0 {
		t.Fatalf("TCB %+v: want a scaled window, closed", c.TCB())
	}
	now := time.Unix(1, 0)
	buf := tcpstate.LinuxConfig().RecvBuffer
	for i := range buf / 16 {
		c.Read(make([]byte, 1))
		if seg, ok := c.Poll(now); ok {
			t.Fatalf("after reading %d bytes one at a time: sent %v", i+1, seg)
		}
	}
	c.Read(make([]byte, buf))
	seg, ok := c.Poll(now)
	if !ok || int(seg.Window)<<7 < buf/2 {
		t.Fatalf("after reading everything: %v, %v; want a window update", seg, ok)
	}
}

// A window that never grew (the peer's segments are not full-sized) and
// closed is not announced again by reads that cannot open it: no ACK
// repeats a zero window.
func TestWindowGrowthNoEmptyUpdates(t *testing.T) {
	c, send := growthServer(t, true)
	fillWindow(t, c, send, 0, 1000)
	now := time.Unix(1, 0)
	for i := range 10 {
		c.Read(make([]byte, 100))
		if seg, ok := c.Poll(now); ok && seg.Window == 0 {
			t.Fatalf("read %d of 100 bytes: sent %v, announcing a zero window again", i+1, seg)
		}
	}
}
