package tcpstate_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// newConn makes a connection with cfg and a secret of its own.
func newConn(t *testing.T, cfg tcpstate.Config) *tcpstate.Conn {
	t.Helper()
	cfg.Secret[0] = 1
	c, err := tcpstate.NewConn(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// linuxPair makes two connections with LinuxConfig, edit changing each
// end's (0 the client, 1 the server), and opens the first to the second at
// now.
func linuxPair(t *testing.T, now time.Time, edit func(end int, cfg *tcpstate.Config)) [2]*tcpstate.Conn {
	t.Helper()
	var ends [2]*tcpstate.Conn
	for i := range ends {
		cfg := tcpstate.LinuxConfig()
		cfg.Secret[0] = byte(i + 1)
		if edit != nil {
			edit(i, &cfg)
		}
		c, err := tcpstate.NewConn(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ends[i] = c
	}
	a, b := netip.MustParseAddrPort("198.18.0.1:40000"), netip.MustParseAddrPort("198.18.0.2:80")
	ends[1].Listen(now, b)
	ends[0].Connect(now, a, b)
	return ends
}

// runPair runs the two ends over a link of one-way delay d from now until
// end, in virtual time: at each instant app acts first (writes, reads),
// then each end's segments leave, seen is told of each, and they arrive d
// later unless seen says to lose them.
func runPair(ends [2]*tcpstate.Conn, now, end time.Time, d time.Duration, app func(now time.Time),
	seen func(now time.Time, from int, seg tcpstate.Segment) (lose bool)) {
	type flight struct {
		at  time.Time
		to  int
		seg tcpstate.Segment
	}
	var wire []flight
	for now.Before(end) {
		app(now)
		for i, c := range ends {
			for {
				seg, ok := c.Poll(now)
				if !ok {
					break
				}
				seg.Payload = append([]byte(nil), seg.Payload...)
				if seen == nil || !seen(now, i, seg) {
					wire = append(wire, flight{now.Add(d), 1 - i, seg})
				}
			}
		}
		next := end
		for _, f := range wire {
			if f.at.Before(next) {
				next = f.at
			}
		}
		for _, c := range ends {
			if at := c.NextTimeout(); !at.IsZero() && at.Before(next) {
				next = at
			}
		}
		now = next
		var rest []flight
		for _, f := range wire {
			if !f.at.After(now) {
				ends[f.to].HandleSegment(now, f.seg)
			} else {
				rest = append(rest, f)
			}
		}
		wire = rest
		for _, c := range ends {
			if at := c.NextTimeout(); !at.IsZero() && !at.After(now) {
				c.HandleTimeout(now)
			}
		}
	}
}

// With windows rounded up to the scale unit (LinuxConfig), a receiver
// that never reads fills its buffer and closes its window: the sender
// keeps the connection with zero-window probes (RFC 9293 §3.8.6.1) for as
// long as it lasts, and never gives up, and the receiver never holds more
// than its buffer and the unit of slack the rounding needs.
func TestWindowRoundUpClosesTheWindow(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ends := linuxPair(t, now, nil)
	data := make([]byte, 1<<20)
	written := 0
	runPair(ends, now, now.Add(30*time.Minute), time.Millisecond, func(time.Time) {
		if ends[0].State() == tcpstate.Established && written < len(data) {
			n, _ := ends[0].Write(data[written:])
			written += n
		}
	}, nil)
	if s := ends[0].State(); s != tcpstate.Established {
		t.Fatalf("sender in %v (%v) after 30 minutes of a closed window; want ESTABLISHED", s, ends[0].Err())
	}
	r := ends[1].TCB()
	if limit := tcpstate.LinuxConfig().RecvBuffer + 127; r.RecvQueued > limit || r.RcvWnd != 0 {
		t.Fatalf("receiver holds %d bytes with a window of %d; want at most %d, and a closed window", r.RecvQueued, r.RcvWnd, limit)
	}
}

// The RST of an abort under LinuxConfig carries the ACK bit, the
// acknowledgment and the window, as Linux's does; under the plain profile
// it is <SEQ=SND.NXT><CTL=RST> (RFC 9293 §3.10.5).
func TestAbortWithACK(t *testing.T) {
	for _, tc := range []struct {
		cfg  tcpstate.Config
		want tcpstate.Flags
	}{{tcpstate.LinuxConfig(), tcpstate.RST | tcpstate.ACK}, {tcpstate.DefaultConfig(), tcpstate.RST}} {
		c := newConn(t, tc.cfg)
		now := time.Unix(1, 0)
		a, b := netip.MustParseAddrPort("198.18.0.1:40000"), netip.MustParseAddrPort("198.18.0.2:80")
		c.Connect(now, a, b)
		syn, _ := c.Poll(now)
		c.HandleSegment(now, tcpstate.Segment{Src: b, Dst: a, Seq: 5000, Ack: syn.Seq.Add(1), Flags: tcpstate.SYN | tcpstate.ACK,
			Window: 65535, Options: syn.Options})
		for {
			if _, ok := c.Poll(now); !ok {
				break
			}
		}
		c.Abort(now)
		rst, ok := c.Poll(now)
		if !ok || rst.Flags != tc.want {
			t.Fatalf("abort sent %v; want flags %v", rst, tc.want)
		}
		if tc.want&tcpstate.ACK != 0 && (rst.Ack != 5001 || rst.Window == 0) {
			t.Errorf("RST %v: want ack 5001 and the window", rst)
		}
	}
}

// Nagle's algorithm holds the 104 bytes that end a 3000-byte write while
// the full segments before them are unacknowledged (RFC 9293 §3.7.4); in
// Minshall's variant, as Linux has it, they leave at once, and only a
// second small segment would wait for the first to be acknowledged.
func TestNagleMinshall(t *testing.T) {
	for _, minshall := range []bool{false, true} {
		cfg := tcpstate.LinuxConfig()
		cfg.NagleMinshall = minshall
		c := newConn(t, cfg)
		now := time.Unix(1, 0)
		a, b := netip.MustParseAddrPort("198.18.0.1:40000"), netip.MustParseAddrPort("198.18.0.2:80")
		c.Connect(now, a, b)
		syn, _ := c.Poll(now)
		c.HandleSegment(now, tcpstate.Segment{Src: b, Dst: a, Seq: 5000, Ack: syn.Seq.Add(1), Flags: tcpstate.SYN | tcpstate.ACK,
			Window: 65535, Options: syn.Options})
		c.Write(make([]byte, 3000))
		var lens []int
		for {
			seg, ok := c.Poll(now)
			if !ok {
				break
			}
			if len(seg.Payload) > 0 {
				lens = append(lens, len(seg.Payload))
			}
		}
		want := []int{1448, 1448}
		if minshall {
			want = append(want, 104)
		}
		if len(lens) != len(want) {
			t.Fatalf("Minshall %v: sent %v; want %v", minshall, lens, want)
		}
		c.Write(make([]byte, 10))
		if seg, ok := c.Poll(now); ok && len(seg.Payload) > 0 {
			t.Errorf("Minshall %v: a second small segment left (%d bytes) with the first unacknowledged", minshall, len(seg.Payload))
		}
	}
}

// A zero window under LinuxConfig is probed as Linux does it
// (capture/testdata/zerowin.pcapng, frames 9-15): empty segments one below
// SND.UNA, the first an RTO after the window closed and each next twice as
// late; the receiver answers each probe with an ACK showing its window,
// but not one that comes less than 500 ms after its last answer (frame 12,
// 448 ms after frame 11). When the receiver reads, its window update
// restarts the transfer, and every byte arrives.
func TestEmptyWindowProbes(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ends := linuxPair(t, now, func(end int, cfg *tcpstate.Config) {
		if end == 1 {
			cfg.RecvBuffer = 4096
		}
	})
	data := make([]byte, 40000)
	written, read := 0, 0
	readAt := now.Add(3 * time.Second)
	var closed, lastProbe time.Time
	var probes, answers []time.Duration
	runPair(ends, now, now.Add(10*time.Second), 20*time.Microsecond, func(now time.Time) {
		if ends[0].State() == tcpstate.Established && written < len(data) {
			n, _ := ends[0].Write(data[written:])
			written += n
		}
		if !now.Before(readAt) {
			for {
				n, _ := ends[1].Read(make([]byte, 4096))
				if n == 0 {
					break
				}
				read += n
			}
		}
	}, func(now time.Time, from int, seg tcpstate.Segment) bool {
		tcb := ends[from].TCB()
		switch {
		case from == 1 && seg.Window == 0 && closed.IsZero():
			closed = now
		case from == 0 && len(seg.Payload) == 0 && seg.Flags == tcpstate.ACK && seg.Seq == tcb.SndUna.Sub(1):
			probes = append(probes, now.Sub(closed))
			lastProbe = now
		case from == 0 && len(seg.Payload) > 0 && seg.Seq != tcb.SndUna && tcb.SndWnd == 0:
			t.Errorf("at %v: a probe with data, %v", now.Sub(closed), seg)
		case from == 1 && !lastProbe.IsZero() && now.Sub(lastProbe) < time.Millisecond && now.Before(readAt):
			answers = append(answers, now.Sub(closed))
		}
		return false
	})
	if closed.IsZero() || len(probes) < 3 {
		t.Fatalf("window closed at %v, probes at %v: want the window closed and three probes", closed, probes)
	}
	if d := probes[0]; d < 200*time.Millisecond || d > 250*time.Millisecond {
		t.Errorf("first probe %v after the window closed; want one RTO (200 ms and a little)", d)
	}
	if d1, d2 := probes[1]-probes[0], probes[2]-probes[1]; d1 < 400*time.Millisecond || d1 > 500*time.Millisecond || d2 != 2*d1 {
		t.Errorf("probes at %v: want them 2 and 4 RTOs apart", probes[:3])
	}
	answered := func(p time.Duration) bool {
		for _, a := range answers {
			if a >= p && a-p < time.Millisecond {
				return true
			}
		}
		return false
	}
	if !answered(probes[0]) || answered(probes[1]) || !answered(probes[2]) {
		t.Errorf("probes at %v answered at %v: want the first and third answered, not the second", probes, answers)
	}
	if read != len(data) {
		t.Errorf("the receiver read %d of %d bytes", read, len(data))
	}
}

// Empty probes that nobody answers end the connection after DataRetries
// of them (RFC 1122 §4.2.2.17 lets a sender keep probing only while the
// receiver answers), with ErrTimedOut.
func TestEmptyWindowProbesUnanswered(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ends := linuxPair(t, now, func(end int, cfg *tcpstate.Config) {
		cfg.DataRetries = 3
		if end == 1 {
			cfg.RecvBuffer = 4096
		}
	})
	written, probes := 0, 0
	closed := false
	runPair(ends, now, now.Add(time.Hour), 20*time.Microsecond, func(time.Time) {
		if ends[0].State() == tcpstate.Established && written < 40000 {
			n, _ := ends[0].Write(make([]byte, 40000-written))
			written += n
		}
	}, func(_ time.Time, from int, seg tcpstate.Segment) bool {
		if from == 0 && len(seg.Payload) == 0 && seg.Flags == tcpstate.ACK && seg.Seq == ends[0].TCB().SndUna.Sub(1) {
			probes++
		}
		lose := closed && from == 1 // silent once it has said its window is closed
		closed = closed || from == 1 && seg.Window == 0
		return lose
	})
	if s, err := ends[0].State(), ends[0].Err(); s != tcpstate.Closed || !errors.Is(err, tcpstate.ErrTimedOut) {
		t.Fatalf("sender in %v with %v; want CLOSED, timed out", s, err)
	}
	if probes != 3 {
		t.Errorf("%d probes sent; want DataRetries (3)", probes)
	}
}

// linuxClient is a LinuxConfig client, edited by edit, whose SYN was
// answered by a SYN-ACK offering window win and no options; it returns
// the client, the peer's address pair and a function that polls every
// segment the client has to send.
func linuxClient(t *testing.T, now time.Time, win uint16, edit func(*tcpstate.Config)) (*tcpstate.Conn, [2]netip.AddrPort, func(now time.Time) []tcpstate.Segment) {
	t.Helper()
	cfg := tcpstate.LinuxConfig()
	if edit != nil {
		edit(&cfg)
	}
	c := newConn(t, cfg)
	a, b := netip.MustParseAddrPort("198.18.0.1:40000"), netip.MustParseAddrPort("198.18.0.2:80")
	c.Connect(now, a, b)
	syn, _ := c.Poll(now)
	c.HandleSegment(now, tcpstate.Segment{Src: b, Dst: a, Seq: 9000, Ack: syn.Seq.Add(1), Flags: tcpstate.SYN | tcpstate.ACK,
		Window: win, Options: tcpstate.Options{HasMSS: true, MSS: 1460}})
	poll := func(now time.Time) (out []tcpstate.Segment) {
		for {
			seg, ok := c.Poll(now)
			if !ok {
				return out
			}
			out = append(out, seg)
		}
	}
	poll(now)
	return c, [2]netip.AddrPort{a, b}, poll
}

// An empty probe that is due when the window opens is not sent after the
// data it was to ask for: the data's ACK does its work (a probe one below
// SND.NXT with data in flight would be a stray duplicate ACK).
func TestEmptyWindowProbeOvertaken(t *testing.T) {
	now := time.Unix(1, 0)
	c, ab, poll := linuxClient(t, now, 0, nil)
	c.Write(make([]byte, 100))
	if out := poll(now); len(out) != 0 {
		t.Fatalf("sent %v into a zero window", out)
	}
	now = c.NextTimeout()
	c.HandleTimeout(now) // the persist timer: a probe is due
	c.HandleSegment(now, tcpstate.Segment{Src: ab[1], Dst: ab[0], Seq: 9001, Ack: c.TCB().SndUna, Flags: tcpstate.ACK, Window: 5000})
	out := poll(now)
	if len(out) != 1 || len(out[0].Payload) != 100 {
		t.Fatalf("sent %v; want the 100 bytes and nothing else", out)
	}
}

// A FIN that waits for a zero window to open is watched by the persist
// timer's probes, not by keep-alives: a silent peer ends the connection
// after DataRetries probes, not after KeepAliveProbes keep-alives.
func TestEmptyWindowProbesHoldFIN(t *testing.T) {
	now := time.Unix(1, 0)
	c, _, poll := linuxClient(t, now, 0, func(cfg *tcpstate.Config) {
		cfg.DataRetries = 8
		cfg.KeepAlive, cfg.KeepAliveInterval, cfg.KeepAliveProbes = 5*time.Second, time.Second, 3
	})
	if err := c.Close(now); err != nil {
		t.Fatal(err)
	}
	probes := 0
	for c.State() != tcpstate.Closed {
		for _, seg := range poll(now) {
			if seg.Flags&tcpstate.FIN != 0 {
				t.Fatalf("the FIN left into a zero window: %v", seg)
			}
			probes++
		}
		next := c.NextTimeout()
		if next.IsZero() {
			t.Fatalf("no timer in %v", c.State())
		}
		now = next
		c.HandleTimeout(now)
	}
	if probes != 8 || !errors.Is(c.Err(), tcpstate.ErrTimedOut) {
		t.Errorf("%d probes, then %v; want 8 probes (DataRetries), then timed out", probes, c.Err())
	}
}

// Out-of-order data in the slack that a window rounded up to the scale
// offers beyond the buffer is held like the rest (RFC 7323 §2.4: a
// segment in a window announced is in the window), then delivered.
func TestWindowRoundUpSlackHeldOutOfOrder(t *testing.T) {
	now := time.Unix(1, 0)
	const buf = 648*128 - 50 // an empty buffer offers 648 units: 50 bytes of slack
	ends := linuxPair(t, now, func(_ int, cfg *tcpstate.Config) {
		cfg.WindowGrowth, cfg.Timestamps, cfg.RecvBuffer = false, false, buf
	})
	runPair(ends, now, now.Add(time.Second), time.Millisecond, func(time.Time) {}, nil)
	srv, cli := ends[1], ends[0].TCB()
	if tcb := srv.TCB(); tcb.State != tcpstate.Established || tcb.RcvWndShift != 7 {
		t.Fatalf("server %+v: want ESTABLISHED with a shift of 7", tcb)
	}
	base := srv.TCB().RcvNxt
	// send gives the server n bytes at off and returns the window, in
	// bytes, of its last answer.
	send := func(off, n int) int {
		srv.HandleSegment(now, tcpstate.Segment{Src: ends[0].LocalAddr(), Dst: srv.LocalAddr(), Seq: base.Add(seqnum.Size(off)),
			Ack: cli.RcvNxt, Flags: tcpstate.ACK, Window: 502, Payload: make([]byte, n)})
		win := -1
		for {
			s, ok := srv.Poll(now)
			if !ok {
				return win
			}
			win = int(s.Window) << 7
		}
	}
	// One byte, read at once: the server offers its buffer, rounded up.
	if win := send(0, 1); win != 648*128 {
		t.Fatalf("window %d with one byte held; want 648 units", win)
	}
	srv.Read(make([]byte, 1))
	// The last 144 bytes of that window out of order, 50 of them beyond
	// the buffer; then the data before them.
	send(1+648*128-144, 144)
	for off := 1; off < 1+648*128-144; off += 1448 {
		send(off, min(1448, 1+648*128-144-off))
	}
	if got, want := srv.TCB().RcvNxt, base.Add(1+648*128); got != want {
		t.Errorf("RCV.NXT %v once the hole was filled; want %v: all the data out of order kept", got, want)
	}
}
