package tcpstate_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// With windows rounded up to the scale unit (LinuxConfig), a receiver
// that never reads fills its buffer and closes its window: the sender
// keeps the connection with zero-window probes (RFC 9293 §3.8.6.1) for as
// long as it lasts, and never gives up, and the receiver never holds more
// than its buffer and the unit of slack the rounding needs.
func TestWindowRoundUpClosesTheWindow(t *testing.T) {
	var ends [2]*tcpstate.Conn
	for i := range ends {
		cfg := tcpstate.LinuxConfig()
		cfg.Secret[0] = byte(i + 1)
		c, err := tcpstate.NewConn(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ends[i] = c
	}
	a, b := netip.MustParseAddrPort("198.18.0.1:40000"), netip.MustParseAddrPort("198.18.0.2:80")
	now := time.Unix(1_700_000_000, 0)
	ends[1].Listen(now, b)
	ends[0].Connect(now, a, b)
	type flight struct {
		at  time.Time
		to  int
		seg tcpstate.Segment
	}
	var wire []flight
	data := make([]byte, 1<<20)
	written := 0
	end := now.Add(30 * time.Minute)
	for now.Before(end) {
		if ends[0].State() == tcpstate.Established && written < len(data) {
			n, _ := ends[0].Write(data[written:])
			written += n
		}
		for i, c := range ends {
			for {
				seg, ok := c.Poll(now)
				if !ok {
					break
				}
				seg.Payload = append([]byte(nil), seg.Payload...)
				wire = append(wire, flight{now.Add(time.Millisecond), 1 - i, seg})
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
		cfg := tc.cfg
		cfg.Secret[0] = 1
		c, err := tcpstate.NewConn(cfg)
		if err != nil {
			t.Fatal(err)
		}
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
		cfg.Secret[0] = 1
		c, err := tcpstate.NewConn(cfg)
		if err != nil {
			t.Fatal(err)
		}
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
