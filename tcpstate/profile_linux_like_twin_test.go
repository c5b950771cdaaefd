package tcpstate

import (
	"fmt"
	"testing"
	"time"
)

// A twin run: two connections with LinuxConfig play the applications of
// one recorded kernel connection (the same writes and closes at the same
// times, every byte read as soon as it arrives) over a 2 µs link, and
// what they send is compared with what the kernel sent.

// twinSent is one segment a twin connection sent.
type twinSent struct {
	at     time.Duration
	client bool
	seg    Segment
}

type twinFlight struct {
	at  time.Duration
	to  int
	seg Segment
}

type twinAction struct {
	at   time.Duration
	side int
	n    int // bytes to write; 0 closes
}

// twinRun plays the applications of the recorded connection whose client
// port is cport and returns what our two connections sent, client first
// in each pair of simultaneous events.
func twinRun(t *testing.T, frames []kernelFrame, cport, sport uint16, end time.Duration) []twinSent {
	t.Helper()
	const link = 2 * time.Microsecond
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var t0 time.Duration = -1
	var acts []twinAction
	for _, f := range frames {
		if f.sport != cport && f.dport != cport {
			continue
		}
		if t0 < 0 {
			t0 = f.at
		}
		side := 1
		if f.sport == cport {
			side = 0
		}
		if f.len > 0 {
			acts = append(acts, twinAction{f.at - t0, side, f.len})
		}
		if f.flags&FIN != 0 {
			acts = append(acts, twinAction{f.at - t0, side, 0})
		}
	}
	conns := [2]*Conn{linuxConn(t), linuxConn(t)}
	if err := conns[1].Listen(epoch, loopback(sport)); err != nil {
		t.Fatal(err)
	}
	if err := conns[0].Connect(epoch, loopback(cport), loopback(sport)); err != nil {
		t.Fatal(err)
	}
	var out []twinSent
	var wire []twinFlight
	buf := make([]byte, 1<<16)
	now := time.Duration(0)
	flush := func() {
		for side, c := range conns {
			// The application reads as soon as data arrives, before the
			// ACK leaves, so that the window the read opens rides on it:
			// Linux sends no window update for it (see LinuxConfig).
			for {
				if _, ok := c.PollEvent(); !ok {
					break
				}
			}
			for {
				n, _ := c.Read(buf)
				if n == 0 {
					break
				}
			}
			for {
				seg, ok := c.Poll(epoch.Add(now))
				if !ok {
					break
				}
				seg.Payload = append([]byte(nil), seg.Payload...)
				out = append(out, twinSent{now, side == 0, seg})
				wire = append(wire, twinFlight{now + link, 1 - side, seg})
			}
		}
	}
	flush()
	for {
		next := end
		for _, w := range wire {
			next = min(next, w.at)
		}
		for _, a := range acts {
			next = min(next, a.at)
		}
		for _, c := range conns {
			if d := c.NextTimeout(); !d.IsZero() {
				next = min(next, d.Sub(epoch))
			}
		}
		if next >= end {
			return out
		}
		now = next
		for len(wire) > 0 && wire[0].at == now {
			w := wire[0]
			wire = wire[1:]
			conns[w.to].HandleSegment(epoch.Add(now), w.seg)
			flush()
		}
		for len(acts) > 0 && acts[0].at == now {
			a := acts[0]
			acts = acts[1:]
			if a.n > 0 {
				if n, err := conns[a.side].Write(make([]byte, a.n)); n != a.n || err != nil {
					t.Fatalf("t=%v: write %d: %d, %v", now, a.n, n, err)
				}
			} else if err := conns[a.side].Close(epoch.Add(now)); err != nil {
				t.Fatalf("t=%v: close: %v", now, err)
			}
			flush()
		}
		for _, c := range conns {
			if d := c.NextTimeout(); !d.IsZero() && d.Sub(epoch) <= now {
				c.HandleTimeout(epoch.Add(now))
			}
		}
		flush()
	}
}

// describe names a segment the way the comparison reports it.
func describe(client bool, f Flags, n int, win uint16) string {
	who := "server"
	if client {
		who = "client"
	}
	return fmt.Sprintf("%s %v len %d win %d", who, f, n, win)
}

// compareTwin checks our segments against the kernel's, one for one: the
// sender, flags, length and window, and the time within 3 ms. With last
// set, only the kernel's frames up to that number are compared, and as
// many of ours.
func compareTwin(t *testing.T, frames []kernelFrame, cport uint16, got []twinSent, last int) {
	t.Helper()
	var want []kernelFrame
	for _, f := range frames {
		if (f.sport == cport || f.dport == cport) && (last == 0 || f.n <= last) {
			want = append(want, f)
		}
	}
	if last > 0 && len(got) > len(want) {
		got = got[:len(want)]
	}
	for i := range max(len(want), len(got)) {
		if i >= len(want) {
			t.Errorf("extra segment %d at %v: %s", i, got[i].at, describe(got[i].client, got[i].seg.Flags, len(got[i].seg.Payload), got[i].seg.Window))
			continue
		}
		k := want[i]
		kc := k.sport == cport
		kdesc := describe(kc, k.flags, k.len, k.win)
		if i >= len(got) {
			t.Errorf("frame %d: kernel sent %s, we sent nothing more", k.n, kdesc)
			continue
		}
		g := got[i]
		if gdesc := describe(g.client, g.seg.Flags, len(g.seg.Payload), g.seg.Window); gdesc != kdesc {
			t.Errorf("frame %d: kernel sent %s, we sent %s", k.n, kdesc, gdesc)
			continue
		}
		if d := g.at - (k.at - want[0].at); d > 3*time.Millisecond || d < -3*time.Millisecond {
			t.Errorf("frame %d (%s): we sent it at %v, the kernel at %v", k.n, kdesc, g.at, k.at-want[0].at)
		}
	}
}

// TestLinuxConfigTwinRequestResponse replays port 47071: a request, an
// answer, the client closes, then the server. The server acknowledges the
// request at once (quick-ack, frame 5) though its answer follows 17 µs
// later; having answered at once, it is interactive, and its ACK of the
// client's FIN waits for the delayed-ACK timer (frame 9, 43 ms later).
func TestLinuxConfigTwinRequestResponse(t *testing.T) {
	frames := readKernelFrames(t)
	got := twinRun(t, frames, frames[0].sport, 47071, time.Second)
	compareTwin(t, frames, frames[0].sport, got, 0)
}

// TestLinuxConfigTwinEcho replays port 47076: twelve requests 100 ms
// apart, each echoed at once. The first is acknowledged on its own (frame
// 337), the others by the echo (frame 341 on); the client, which never
// answers within the delayed-ACK time, acknowledges every echo at once.
// The server's FIN carries the ACK of the client's (frame 374).
func TestLinuxConfigTwinEcho(t *testing.T) {
	frames := readKernelFrames(t)
	cport := clientPort(t, frames, 47076)
	got := twinRun(t, frames, cport, 47076, 2*time.Second)
	compareTwin(t, frames, cport, got, 0)
}

// TestLinuxConfigTwinUpload replays port 47077, a client writing 1448
// bytes at a time to a server that reads each at once, and compares the
// first 31 segments each way, windows included: the server's window grows
// by two segments with each (532, 555, 577, 600, 623 units of 128, frames
// 380-388) until the free space stops it at 637 (frame 390 on), and stays
// there as each segment is read (WindowGrowth). From frame 439 the
// kernel's client sends two segments a write (its send buffer has grown),
// which the twin's writes do not follow.
func TestLinuxConfigTwinUpload(t *testing.T) {
	frames := readKernelFrames(t)
	cport := clientPort(t, frames, 47077)
	got := twinRun(t, frames, cport, 47077, 2*time.Second)
	compareTwin(t, frames, cport, got, 438)
}

// clientPort finds the client's port of the recorded connection to port.
func clientPort(t *testing.T, frames []kernelFrame, port uint16) uint16 {
	t.Helper()
	for _, f := range frames {
		if f.dport == port && f.flags == SYN {
			return f.sport
		}
	}
	t.Fatalf("no connection to port %d in linux.txt", port)
	return 0
}
