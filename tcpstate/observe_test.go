package tcpstate_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// An observer at one end's interface sees everything that end sends and
// receives, in the order it does: its state must then be the end's own
// state after every segment, whatever the network does further on. The
// ends here are real Conns; the test drives them with loss, reordering and
// duplication, lets both close or abort, and checks the observer of the
// capturing end against it segment by segment, and the observer of the far
// end against it once the network is quiet when nothing was lost after
// the capture point. A segment the far end sent and lost before the
// capture point can leave two histories that look alike: its FIN sent in
// FIN-WAIT-1 and lost, then sent again after the peer's FIN, looks like
// one sent from CLOSE-WAIT; and segments reordered after the capture point
// reach the far end in an order the capture does not show. So the far end
// is checked only when every segment arrived once and in order.

// obsWorld is two Conns, 0 the client, 1 the server, the segments in
// flight each way, and the observers of both ends fed from a capture at
// end 0's interface.
type obsWorld struct {
	t       *rapid.T
	now     time.Time
	ends    [2]*tcpstate.Conn
	obs     [2]tcpstate.Observer
	wire    [2][]tcpstate.Segment // wire[i]: sent by end i, not yet delivered
	finSent [2]bool
	// unclear: a segment was lost, reordered or duplicated: the far end
	// may not have seen what the capture shows, in that order.
	unclear bool
	silent  bool // an end closed before it had sent anything a capture shows
	// ambiguous[i]: end i called CLOSE while data was queued, then took
	// the peer's FIN before its own left (CLOSING). When its FIN leaves,
	// it looks like a CLOSE after the peer's FIN (LAST-ACK), and nothing
	// on the wire says otherwise: the observer is right only until then.
	ambiguous [2]bool
	joined    bool // the capture has started
	// late: it started in the middle. The window scale is then unknown,
	// so the observers take the largest, and with it the largest
	// MAX.SND.WND: an old ACK that RFC 5961 §5.2 makes the end drop is
	// taken. The capturing end is checked only until a segment is lost or
	// reordered.
	late bool
	log  []string
}

var obsAddr = [2]netip.AddrPort{
	netip.MustParseAddrPort("198.18.0.1:40000"),
	netip.MustParseAddrPort("198.18.0.2:80"),
}

func newObsWorld(t *rapid.T) *obsWorld {
	w := &obsWorld{t: t, now: time.Unix(1_700_000_000, 0)}
	// Most captures start before the connection; some in the middle.
	w.joined = rapid.IntRange(0, 3).Draw(t, "capture from the start") > 0
	for i := range w.ends {
		cfg := tcpstate.DefaultConfig()
		cfg.Secret[0] = byte(i + 1)
		cfg.MSL = time.Hour                          // TIME-WAIT outlives the test: it ends by no segment
		cfg.SynRetries, cfg.DataRetries = 1000, 1000 // nor does giving up
		cfg.WindowScale = rapid.Bool().Draw(t, fmt.Sprint("wscale", i))
		cfg.SACKPermitted = rapid.Bool().Draw(t, fmt.Sprint("sack", i))
		cfg.Timestamps = rapid.Bool().Draw(t, fmt.Sprint("ts", i))
		cfg.RecvBuffer = rapid.SampledFrom([]int{2000, 8000, 65535}).Draw(t, fmt.Sprint("rcvbuf", i))
		c, err := tcpstate.NewConn(cfg)
		if err != nil {
			t.Fatal(err)
		}
		w.ends[i] = c
		w.obs[i].Reset()
	}
	// End 1 listens, or sometimes opens too (RFC 9293 §3.5 Figure 7,
	// simultaneous open). Its observer listens either way: a capture
	// cannot tell until end 1's SYN shows.
	if rapid.IntRange(0, 9).Draw(t, "simultaneous open") == 0 {
		if err := w.ends[1].Connect(w.now, obsAddr[1], obsAddr[0]); err != nil {
			t.Fatal(err)
		}
	} else if err := w.ends[1].Listen(w.now, obsAddr[1]); err != nil {
		t.Fatal(err)
	}
	if err := w.obs[1].Listen(w.now, obsAddr[1]); err != nil {
		t.Fatal(err)
	}
	if err := w.ends[0].Connect(w.now, obsAddr[0], obsAddr[1]); err != nil {
		t.Fatal(err)
	}
	return w
}

// captured feeds a segment seen at end 0's interface to both observers:
// from end i, sent by i and received by the other.
func (w *obsWorld) captured(from int, seg *tcpstate.Segment) {
	if !w.joined {
		// The capture starts here: both ends are taken to be
		// ESTABLISHED, which they are when this segment is plain. It is
		// one end 0 sent: one it received would not tell how much of
		// what came before it end 0 has, and the FIN could come before
		// end 0's first ACK tells. And it comes before any loss or
		// reordering: data end 0 holds out of order from before the
		// capture is out of sight.
		if from != 0 || w.unclear || w.ends[0].State() != tcpstate.Established || w.ends[1].State() != tcpstate.Established ||
			seg.Flags&^(tcpstate.ACK|tcpstate.PSH) != 0 {
			return
		}
		w.obs[from].Synchronize(w.now, seg, true)
		w.obs[1-from].Synchronize(w.now, seg, false)
		w.joined, w.late = true, true
	}
	w.obs[from].Sent(w.now, seg)
	w.obs[1-from].Received(w.now, seg)
	w.log = append(w.log, fmt.Sprintf("%d> %v  obs0 %v obs1 %v", from, seg, w.obs[0].State(), w.obs[1].State()))
}

// check compares end 0 with its observer. An end that called CLOSE is in
// FIN-WAIT-1 or LAST-ACK before its FIN leaves; until then the capture
// shows it in the state before.
func (w *obsWorld) check() {
	if w.silent || w.ambiguous[0] || !w.joined || w.late && w.unclear {
		return
	}
	want := w.ends[0].State()
	if !w.finSent[0] {
		switch want {
		case tcpstate.FinWait1:
			want = tcpstate.Established
		case tcpstate.LastAck:
			want = tcpstate.CloseWait
		case tcpstate.Closing:
			want = tcpstate.CloseWait
		}
	}
	if got := w.obs[0].State(); got != want {
		w.fail("observer of end 0 in %v, end 0 in %v", got, w.ends[0].State())
	}
}

func (w *obsWorld) fail(format string, args ...any) {
	w.t.Logf("end0 %v end1 %v", w.ends[0].State(), w.ends[1].State())
	w.t.Logf("end0 %+v\nobs0 %+v", w.ends[0].TCB(), w.obs[0].TCB())
	for _, l := range w.log {
		w.t.Log(l)
	}
	w.t.Fatalf(format, args...)
}

// poll sends what end i has to send: end 0's segments are captured as
// they leave, end 1's go on the wire towards the capture point.
func (w *obsWorld) poll(i int) {
	for {
		seg, ok := w.ends[i].Poll(w.now)
		if !ok {
			return
		}
		seg.Payload = append([]byte(nil), seg.Payload...)
		if seg.Flags&tcpstate.FIN != 0 {
			w.finSent[i] = true
		}
		if i == 0 {
			w.captured(0, &seg)
			w.check()
		}
		w.wire[i] = append(w.wire[i], seg)
	}
}

// deliver hands the k-th segment in flight from end i to the other end;
// a segment reaching end 0 is captured as it arrives.
func (w *obsWorld) deliver(i, k int) {
	seg := w.wire[i][k]
	w.wire[i] = append(w.wire[i][:k], w.wire[i][k+1:]...)
	if i == 1 {
		w.captured(1, &seg)
	}
	w.ends[1-i].HandleSegment(w.now, seg)
	if i == 1 {
		w.check()
	}
	w.drain()
}

func (w *obsWorld) drain() {
	var buf [4096]byte
	for i := range w.ends {
		if w.ends[i].State() == tcpstate.Closing && !w.finSent[i] {
			w.ambiguous[i] = true
		}
		for {
			if n, _ := w.ends[i].Read(buf[:]); n == 0 {
				break
			}
		}
		for {
			if _, ok := w.ends[i].PollEvent(); !ok {
				break
			}
		}
		w.poll(i)
	}
}

func (w *obsWorld) step() {
	t := w.t
	var moves []string
	for i := range w.wire {
		if len(w.wire[i]) > 0 {
			moves = append(moves, fmt.Sprint("deliver", i), fmt.Sprint("drop", i), fmt.Sprint("dup", i))
		}
	}
	moves = append(moves, "write0", "write1", "close0", "close1", "abort0", "abort1", "wait")
	switch m := rapid.SampledFrom(moves).Draw(t, "move"); m {
	case "deliver0", "deliver1":
		i := int(m[7] - '0')
		k := rapid.IntRange(0, len(w.wire[i])-1).Draw(t, "which")
		w.unclear = w.unclear || k > 0
		w.deliver(i, k)
	case "drop0", "drop1":
		i := int(m[4] - '0')
		k := rapid.IntRange(0, len(w.wire[i])-1).Draw(t, "which")
		w.wire[i] = append(w.wire[i][:k], w.wire[i][k+1:]...)
		w.unclear = true
	case "dup0", "dup1":
		i := int(m[3] - '0')
		k := rapid.IntRange(0, len(w.wire[i])-1).Draw(t, "which")
		w.wire[i] = append(w.wire[i], w.wire[i][k])
		w.unclear = true
	case "write0", "write1":
		n := rapid.IntRange(1, 5000).Draw(t, "bytes")
		w.ends[m[5]-'0'].Write(make([]byte, n))
		w.drain()
	case "close0", "close1":
		c := w.ends[m[5]-'0']
		w.silent = w.silent || c.State() == tcpstate.SynSent || c.State() == tcpstate.Listen
		c.Close(w.now)
		w.drain()
	case "abort0", "abort1":
		if rapid.IntRange(0, 9).Draw(t, "rarely") == 0 {
			// RFC 9293 §3.10.5: ABORT sends a RST only from these states.
			c := w.ends[m[5]-'0']
			switch c.State() {
			case tcpstate.SynReceived, tcpstate.Established, tcpstate.FinWait1, tcpstate.FinWait2, tcpstate.CloseWait:
			default:
				w.silent = true
			}
			c.Abort(w.now)
			w.drain()
		}
	case "wait":
		w.now = w.now.Add(time.Duration(rapid.IntRange(1, 3000).Draw(t, "ms")) * time.Millisecond)
		for _, c := range w.ends {
			if at := c.NextTimeout(); !at.IsZero() && !at.After(w.now) {
				c.HandleTimeout(w.now)
			}
		}
		w.drain()
	}
}

// settle delivers everything in flight, and what that provokes, without
// loss; retransmission timers run until nothing is left to send.
func (w *obsWorld) settle() {
	for range 10000 {
		switch {
		case len(w.wire[0]) > 0:
			w.deliver(0, 0)
		case len(w.wire[1]) > 0:
			w.deliver(1, 0)
		default:
			var next time.Time
			for _, c := range w.ends {
				if at := c.NextTimeout(); !at.IsZero() && c.State() != tcpstate.TimeWait && (next.IsZero() || at.Before(next)) {
					next = at
				}
			}
			if next.IsZero() {
				return
			}
			w.now = next
			for _, c := range w.ends {
				if at := c.NextTimeout(); !at.IsZero() && !at.After(w.now) {
					c.HandleTimeout(w.now)
				}
			}
			w.drain()
		}
	}
	w.fail("the ends never went quiet")
}

func TestObserverFollowsCapturingEnd(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newObsWorld(t)
		w.drain()
		if rapid.IntRange(0, 3).Draw(t, "handshake first") > 0 {
			w.settle() // most runs start established, to reach further
		}
		steps := rapid.IntRange(1, 100).Draw(t, "steps")
		for range steps {
			if w.silent {
				return // CLOSE or ABORT before a SYN was answered sends nothing
			}
			w.step()
		}
		w.settle()
		if w.unclear || w.silent || w.ambiguous[1] || !w.joined {
			return
		}
		if got, want := w.obs[1].State(), w.ends[1].State(); got != want && !w.closePending(1) {
			w.fail("quiet network: observer of end 1 in %v, end 1 in %v", got, want)
		}
	})
}

// closePending: end i called CLOSE and its FIN has not left yet (the
// window or the handshake holds it back).
func (w *obsWorld) closePending(i int) bool {
	s := w.ends[i].State()
	return !w.finSent[i] && (s == tcpstate.FinWait1 || s == tcpstate.LastAck)
}
