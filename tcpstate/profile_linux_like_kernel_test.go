package tcpstate

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// kernelFrame is one line of testdata/linux/linux.txt: tshark's reading of
// a segment the Linux kernel sent (record.sh writes it).
type kernelFrame struct {
	n            int
	at           time.Duration // since the first frame
	sport, dport uint16
	flags        Flags
	seq, ack     uint32
	len          int
	win          uint16
	opts         []byte // the raw option bytes
}

// readKernelFrames parses linux.txt.
func readKernelFrames(t *testing.T) []kernelFrame {
	t.Helper()
	f, err := os.Open("testdata/linux/linux.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var frames []kernelFrame
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		x := strings.Fields(sc.Text())
		if len(x) < 9 {
			t.Fatalf("linux.txt: short line %q", sc.Text())
		}
		num := func(i int) uint64 {
			v, err := strconv.ParseUint(x[i], 10, 32)
			if err != nil {
				t.Fatalf("linux.txt: field %d of %q: %v", i, sc.Text(), err)
			}
			return v
		}
		secs, err := strconv.ParseFloat(x[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		fr := kernelFrame{
			n: int(num(0)), at: time.Duration(secs * 1e9),
			sport: uint16(num(2)), dport: uint16(num(3)), flags: tsharkFlags(t, x[4]),
			seq: uint32(num(5)), ack: uint32(num(6)), len: int(num(7)), win: uint16(num(8)),
		}
		if len(x) == 12 {
			if fr.opts, err = hex.DecodeString(x[11]); err != nil {
				t.Fatal(err)
			}
		}
		frames = append(frames, fr)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return frames
}

// tsharkFlags reads tcp.flags.str: twelve positions, the last eight
// C E U A P R S F (RFC 9293 §3.1 order), a dot where a bit is clear.
func tsharkFlags(t *testing.T, s string) Flags {
	r := []rune(s)
	if len(r) != 12 {
		t.Fatalf("linux.txt: flags %q are not 12 positions", s)
	}
	bits := []Flags{CWR, ECE, URG, ACK, PSH, RST, SYN, FIN}
	var f Flags
	for i, b := range bits {
		if r[4+i] != '·' {
			f |= b
		}
	}
	return f
}

// kernelOptions decodes the kernel's option bytes (RFC 9293 §3.2, RFC 7323
// §2.2 and §3.2, RFC 2018 §2) into Options, and the layout as tcpdump
// names it ("mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7").
func kernelOptions(t *testing.T, b []byte) (Options, string) {
	t.Helper()
	var o Options
	var names []string
	for len(b) > 0 {
		kind := b[0]
		if kind == 0 {
			break
		}
		if kind == 1 {
			names = append(names, "nop")
			b = b[1:]
			continue
		}
		if len(b) < 2 || int(b[1]) > len(b) || b[1] < 2 {
			t.Fatalf("bad option bytes % x", b)
		}
		v := b[2:b[1]]
		switch kind {
		case 2:
			o.HasMSS, o.MSS = true, binary.BigEndian.Uint16(v)
			names = append(names, "mss "+strconv.Itoa(int(o.MSS)))
		case 3:
			o.HasWindowScale, o.WindowScale = true, v[0]
			names = append(names, "wscale "+strconv.Itoa(int(v[0])))
		case 4:
			o.SACKPermitted = true
			names = append(names, "sackOK")
		case 8:
			o.HasTimestamps = true
			o.TSVal, o.TSEcr = binary.BigEndian.Uint32(v), binary.BigEndian.Uint32(v[4:])
			names = append(names, "TS val "+strconv.FormatUint(uint64(o.TSVal), 10)+" ecr "+strconv.FormatUint(uint64(o.TSEcr), 10))
		default:
			t.Fatalf("option kind %d not expected from the kernel here", kind)
		}
		b = b[b[1]:]
	}
	return o, strings.Join(names, ",")
}

// kernelSegment turns a recorded frame into a Segment between 127.0.0.1
// ports, as our connections would receive it.
func kernelSegment(t *testing.T, f kernelFrame) Segment {
	o, _ := kernelOptions(t, f.opts)
	return Segment{
		Src: loopback(f.sport), Dst: loopback(f.dport),
		Seq: seqnum.Value(f.seq), Ack: seqnum.Value(f.ack), Flags: f.flags,
		Window: f.win, Options: o, Payload: make([]byte, f.len),
	}
}

func loopback(port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port)
}

// linuxConn is a connection with LinuxConfig and a fixed secret.
func linuxConn(t *testing.T) *Conn {
	t.Helper()
	cfg := LinuxConfig()
	cfg.Secret = [16]byte{1, 2, 3}
	c, err := NewConn(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// withTS returns o's layout with the kernel's timestamp values, which
// are random per connection, so that only the layout is compared.
func withTS(o Options, k Options) string {
	o.TSVal, o.TSEcr = k.TSVal, k.TSEcr
	return o.String()
}

// TestLinuxConfigSYNMatchesKernel: for every connection in the recording,
// our SYN has the kernel's options, layout and window, and our answer to
// the kernel's own SYN is the kernel's SYN-ACK.
func TestLinuxConfigSYNMatchesKernel(t *testing.T) {
	frames := readKernelFrames(t)
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	synByPort := map[uint16]kernelFrame{}
	checked := 0
	for _, f := range frames {
		now := epoch.Add(f.at)
		switch f.flags {
		case SYN:
			c := linuxConn(t)
			if err := c.Connect(now, loopback(f.sport), loopback(f.dport)); err != nil {
				t.Fatal(err)
			}
			syn, ok := c.Poll(now)
			if !ok {
				t.Fatal("no SYN")
			}
			ko, text := kernelOptions(t, f.opts)
			if got := withTS(syn.Options, ko); got != text {
				t.Errorf("frame %d: SYN options %q, kernel %q", f.n, got, text)
			}
			if syn.Window != f.win {
				t.Errorf("frame %d: SYN window %d, kernel %d", f.n, syn.Window, f.win)
			}
			if syn.Options.TSEcr != 0 || syn.Flags != SYN {
				t.Errorf("frame %d: SYN %v ecr %d", f.n, syn.Flags, syn.Options.TSEcr)
			}
			synByPort[f.sport] = f
			checked++
		case SYN | ACK:
			ksyn, ok := synByPort[f.dport]
			if !ok {
				t.Fatalf("frame %d: SYN-ACK without its SYN", f.n)
			}
			c := linuxConn(t)
			if err := c.Listen(now, loopback(f.sport)); err != nil {
				t.Fatal(err)
			}
			if v := c.HandleSegment(now, kernelSegment(t, ksyn)); v != Accepted {
				t.Fatalf("frame %d: the kernel's SYN: %v", ksyn.n, v)
			}
			sa, ok := c.Poll(now)
			if !ok {
				t.Fatal("no SYN-ACK")
			}
			ko, text := kernelOptions(t, f.opts)
			if got := withTS(sa.Options, ko); got != text {
				t.Errorf("frame %d: SYN-ACK options %q, kernel %q", f.n, got, text)
			}
			if sa.Window != f.win || sa.Flags != SYN|ACK || uint32(sa.Ack) != f.ack {
				t.Errorf("frame %d: SYN-ACK %v ack %d win %d, kernel %v ack %d win %d",
					f.n, sa.Flags, sa.Ack, sa.Window, f.flags, f.ack, f.win)
			}
			if sa.Options.TSEcr != ko.TSEcr {
				t.Errorf("frame %d: SYN-ACK echoes %d, kernel %d", f.n, sa.Options.TSEcr, ko.TSEcr)
			}
			checked++
		}
	}
	// Eight SYNs, five retransmissions of the one never answered (port
	// 47074), seven SYN-ACKs.
	if checked != 20 {
		t.Errorf("checked %d SYNs and SYN-ACKs, want 20", checked)
	}
}

// TestLinuxConfigSYNRetransmissions: the SYN no one answered (port 47074,
// frames 239-244) was resent five times, each about 1 s after the one
// before (Config.SynLinearTimeouts 4 keeps the first four timeouts at the
// initial RTO). Our intervals are within 30 ms of the kernel's, and the
// sixth waits 2 s: RFC 6298 §5.5 again.
func TestLinuxConfigSYNRetransmissions(t *testing.T) {
	// The client whose SYN went unanswered sent it more than once.
	bySport := map[uint16][]kernelFrame{}
	var resent []kernelFrame
	for _, f := range readKernelFrames(t) {
		if f.flags == SYN && f.dport == 47074 {
			bySport[f.sport] = append(bySport[f.sport], f)
			if len(bySport[f.sport]) > 1 {
				resent = bySport[f.sport]
			}
		}
	}
	if len(resent) != 6 {
		t.Fatalf("the kernel sent the SYN %d times, want 6", len(resent))
	}
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	c := linuxConn(t)
	if err := c.Connect(epoch, loopback(resent[0].sport), loopback(47074)); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Poll(epoch); !ok {
		t.Fatal("no SYN")
	}
	var sent []time.Duration
	for range 6 {
		at := c.NextTimeout()
		c.HandleTimeout(at)
		seg, ok := c.Poll(at)
		if !ok || seg.Flags != SYN {
			t.Fatalf("at %v: no SYN retransmission", at.Sub(epoch))
		}
		sent = append(sent, at.Sub(epoch))
	}
	prev := time.Duration(0)
	for i, f := range resent[1:] {
		// The kernel's timer wheel rounds a 1 s timer up by up to 32 ms
		// (1.007 s, then 1.024 s): compare each interval.
		k := f.at - resent[i].at
		if d := sent[i] - prev - k; d > 30*time.Millisecond || d < -30*time.Millisecond {
			t.Errorf("retransmission %d: ours %v after the last, the kernel's %v (frame %d)", i+1, sent[i]-prev, k, f.n)
		}
		prev = sent[i]
	}
	if d := sent[5] - sent[4]; d != 2*time.Second {
		t.Errorf("sixth retransmission %v after the fifth, want 2s (backoff)", d)
	}
}

// TestMinWindowShiftChecked: RFC 7323 §2.3 caps the shift at 14.
func TestMinWindowShiftChecked(t *testing.T) {
	cfg := LinuxConfig()
	cfg.Secret[0] = 1
	cfg.MinWindowShift = MaxWindowShift + 1
	if _, err := NewConn(cfg); err == nil {
		t.Error("NewConn accepted MinWindowShift 15")
	}
}
