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
