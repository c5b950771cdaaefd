package capture

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

var (
	client4 = netip.MustParseAddrPort("10.0.0.1:49152")
	server4 = netip.MustParseAddrPort("10.0.0.2:80")
	client6 = netip.MustParseAddrPort("[2001:db8::1]:40000")
	server6 = netip.MustParseAddrPort("[2001:db8::2]:40001")
)

// synOptions are Linux's SYN options: "mss 1460,sackOK,TS val 1 ecr
// 0,nop,wscale 7".
var synOptions = tcpstate.Options{
	HasMSS: true, MSS: 1460, SACKPermitted: true,
	HasTimestamps: true, TSVal: 1, TSEcr: 0,
	HasWindowScale: true, WindowScale: 7,
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSegmentIPv4SYNBytes compares a SYN with every byte written out by
// hand from RFC 791 §3.1, RFC 9293 §3.1 and the option formats. The two
// checksums were summed by hand as RFC 1071 says:
//
//	IPv4 header words 4500+003c+0001+4000+4006+0a00+0001+0a00+0002 = d946,
//	checksum ^d946 = 26b9;
//	TCP words + pseudo-header (0a00+0001+0a00+0002+0006+0028 = 1431)
//	= 8cb7 after folding, checksum ^8cb7 = 7348.
func TestSegmentIPv4SYNBytes(t *testing.T) {
	var e Encoder
	seg := tcpstate.Segment{Src: client4, Dst: server4, Seq: 100, Flags: tcpstate.SYN, Window: 65535, Options: synOptions}
	got, err := e.Segment(&seg)
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, `
		45 00 003c  0001 4000  40 06 26b9  0a000001  0a000002
		c000 0050  00000064  00000000  a0 02 ffff  7348 0000
		02 04 05b4  04 02  08 0a 00000001 00000000  01  03 03 07`)
	if !bytes.Equal(got, want) {
		t.Fatalf("SYN encoded as\n%x\nwant\n%x", got, want)
	}
	if err := verifyChecksums(got); err != nil {
		t.Fatal(err)
	}
}

// TestDatagramIPv6Bytes compares a UDP datagram over IPv6 with bytes
// written by hand from RFC 8200 §3 and RFC 768. The checksum covers the
// IPv6 pseudo-header (RFC 8200 §8.1): 2001+0db8+0001+2001+0db8+0002+000a
// +0011 = 5b90, plus the datagram 9c40+9c41+000a+6869 = 1a0f4, folded
// fc85, checksum ^fc85 = 037a.
func TestDatagramIPv6Bytes(t *testing.T) {
	var e Encoder
	got, err := e.Datagram(client6, server6, []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, `
		60000000  000a 11 40
		20010db8 00000000 00000000 00000001
		20010db8 00000000 00000000 00000002
		9c40 9c41 000a 037a  6869`)
	if !bytes.Equal(got, want) {
		t.Fatalf("datagram encoded as\n%x\nwant\n%x", got, want)
	}
	if err := verifyChecksums(got); err != nil {
		t.Fatal(err)
	}
}

// TestDatagramZeroChecksumSentAsOnes builds a payload whose checksum
// computes to zero, which RFC 768 says is sent as all ones (zero would
// mean "no checksum").
func TestDatagramZeroChecksumSentAsOnes(t *testing.T) {
	for _, tc := range []struct{ src, dst netip.AddrPort }{{client4, server4}, {client6, server6}} {
		var e Encoder
		// Sum everything but a 2-byte payload word W; with W = ^sum the
		// total is ffff and the checksum ^ffff = 0.
		pkt, err := e.Datagram(tc.src, tc.dst, []byte{0, 0})
		if err != nil {
			t.Fatal(err)
		}
		_, seg := transportOf(pkt)
		rest := append([]byte(nil), seg...)
		rest[6], rest[7] = 0, 0
		w := ^onesSum(pseudoSum(pkt, 17, len(seg)), rest)
		payload := []byte{byte(w >> 8), byte(w)}
		pkt, err = e.Datagram(tc.src, tc.dst, payload)
		if err != nil {
			t.Fatal(err)
		}
		_, seg = transportOf(pkt)
		if c := binary.BigEndian.Uint16(seg[6:8]); c != 0xffff {
			t.Errorf("%v: checksum %#04x for a datagram whose sum is zero, want 0xffff", tc.src, c)
		}
		if err := verifyChecksums(pkt); err != nil {
			t.Errorf("%v: %v", tc.src, err)
		}
	}
}

// TestSegmentDecodes encodes segments of every kind and decodes them with
// gopacket, field by field, and checks both checksums independently.
func TestSegmentDecodes(t *testing.T) {
	sack := tcpstate.Options{HasTimestamps: true, TSVal: 7, TSEcr: 9, NumSACK: 2,
		SACKBlocks: [4]tcpstate.SACKBlock{{Left: 4294967000, Right: 4294967200}, {Left: 10, Right: 20}}}
	segs := []tcpstate.Segment{
		{Src: client4, Dst: server4, Seq: 100, Flags: tcpstate.SYN, Window: 65535, Options: synOptions},
		{Src: server4, Dst: client4, Seq: 4294967000, Ack: 101, Flags: tcpstate.SYN | tcpstate.ACK, Window: 65160, Options: synOptions},
		{Src: client4, Dst: server4, Seq: 101, Ack: 4294967001, Flags: tcpstate.ACK | tcpstate.PSH, Window: 502, Payload: []byte("hello")},
		{Src: client4, Dst: server4, Seq: 106, Ack: 4294967001, Flags: tcpstate.ACK, Window: 502, Options: sack},
		{Src: client4, Dst: server4, Seq: 106, Ack: 4294967001, Flags: tcpstate.ACK | tcpstate.URG | tcpstate.PSH, Urgent: 3, Payload: []byte("abc")},
		{Src: client4, Dst: server4, Seq: 109, Ack: 4294967001, Flags: tcpstate.FIN | tcpstate.ACK | tcpstate.ECE | tcpstate.CWR},
		{Src: server4, Dst: client4, Seq: 4294967001, Flags: tcpstate.RST},
		{Src: client6, Dst: server6, Seq: 1, Flags: tcpstate.SYN, Window: 64800, Options: tcpstate.Options{HasMSS: true, MSS: 1440}},
		{Src: server6, Dst: client6, Seq: 5, Ack: 2, Flags: tcpstate.ACK, Window: 1, Payload: bytes.Repeat([]byte{0xa5}, 1401)},
		{Src: netip.AddrPortFrom(netip.MustParseAddr("::ffff:10.0.0.1"), 1), Dst: server4, Seq: 1, Flags: tcpstate.SYN},
	}
	var e Encoder
	for i, seg := range segs {
		pkt, err := e.Segment(&seg)
		if err != nil {
			t.Fatalf("%d %v: %v", i, seg, err)
		}
		if err := verifyChecksums(pkt); err != nil {
			t.Errorf("%d %v: %v", i, seg, err)
		}
		p := gopacket.NewPacket(pkt, layers.LayerTypeIPv4, gopacket.Default)
		if seg.Src.Addr().Is6() && !seg.Src.Addr().Is4In6() {
			p = gopacket.NewPacket(pkt, layers.LayerTypeIPv6, gopacket.Default)
		}
		if el := p.ErrorLayer(); el != nil {
			t.Fatalf("%d: decode error %v", i, el.Error())
		}
		src, dst := p.NetworkLayer().NetworkFlow().Endpoints()
		if src.String() != seg.Src.Addr().Unmap().String() || dst.String() != seg.Dst.Addr().Unmap().String() {
			t.Errorf("%d: addresses %v > %v, want %v > %v", i, src, dst, seg.Src.Addr(), seg.Dst.Addr())
		}
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil {
			t.Fatalf("%d: no TCP layer", i)
		}
		got := tcpstate.Segment{
			Src: netip.AddrPortFrom(seg.Src.Addr(), uint16(tcp.SrcPort)), Dst: netip.AddrPortFrom(seg.Dst.Addr(), uint16(tcp.DstPort)),
			Seq: seqnum.Value(tcp.Seq), Ack: seqnum.Value(tcp.Ack), Window: tcp.Window, Urgent: tcp.Urgent,
			Flags: decodeFlags(tcp), Options: seg.Options, Payload: tcp.Payload,
		}
		if got.String() != seg.String() || got.Ack != seg.Ack || !bytes.Equal(got.Payload, seg.Payload) {
			t.Errorf("%d: decoded %v ack %d, want %v ack %d", i, got, got.Ack, seg, seg.Ack)
		}
		if s := renderOptions(tcp.Contents[20:]); s != seg.Options.String() {
			t.Errorf("%d: options on the wire %q, tcpstate says %q", i, s, seg.Options.String())
		}
	}
}

func decodeFlags(t *layers.TCP) tcpstate.Flags {
	var f tcpstate.Flags
	for _, b := range []struct {
		on bool
		f  tcpstate.Flags
	}{{t.FIN, tcpstate.FIN}, {t.SYN, tcpstate.SYN}, {t.RST, tcpstate.RST}, {t.PSH, tcpstate.PSH},
		{t.ACK, tcpstate.ACK}, {t.URG, tcpstate.URG}, {t.ECE, tcpstate.ECE}, {t.CWR, tcpstate.CWR}} {
		if b.on {
			f |= b.f
		}
	}
	return f
}

// renderOptions reads TCP option bytes (RFC 9293 §3.2) and writes them
// the way tcpdump does, which is what tcpstate's Options.String promises:
// trailing end-of-option padding is not shown.
func renderOptions(b []byte) string {
	var out []string
	for len(b) > 0 {
		kind := b[0]
		if kind == 0 {
			break
		}
		if kind == kindNOP {
			out = append(out, "nop")
			b = b[1:]
			continue
		}
		if len(b) < 2 || int(b[1]) > len(b) || b[1] < 2 {
			return fmt.Sprintf("bad option bytes %x", b)
		}
		d := b[2:b[1]]
		switch {
		case kind == kindMSS && len(d) == 2:
			out = append(out, fmt.Sprintf("mss %d", binary.BigEndian.Uint16(d)))
		case kind == kindSACKPermitted && len(d) == 0:
			out = append(out, "sackOK")
		case kind == kindTimestamps && len(d) == 8:
			out = append(out, fmt.Sprintf("TS val %d ecr %d", binary.BigEndian.Uint32(d), binary.BigEndian.Uint32(d[4:])))
		case kind == kindWindowScale && len(d) == 1:
			out = append(out, fmt.Sprintf("wscale %d", d[0]))
		case kind == kindSACK && len(d)%8 == 0:
			s := fmt.Sprintf("sack %d ", len(d)/8)
			for i := 0; i < len(d); i += 8 {
				s += fmt.Sprintf("{%d:%d}", binary.BigEndian.Uint32(d[i:]), binary.BigEndian.Uint32(d[i+4:]))
			}
			out = append(out, s)
		default:
			out = append(out, fmt.Sprintf("unknown-%d", kind))
		}
		b = b[b[1]:]
	}
	return strings.Join(out, ",")
}

// TestOptionLayoutMatchesTCPState tries every combination of options and
// SACK block counts: the bytes must read back as tcpstate's String, take
// exactly Options.Len bytes, or be refused when they exceed the 40 bytes
// of option space (RFC 9293 §3.1).
func TestOptionLayoutMatchesTCPState(t *testing.T) {
	var e Encoder
	tried, refused := 0, 0
	for mask := range 16 {
		for nsack := range tcpstate.MaxSACKBlocks + 1 {
			o := tcpstate.Options{
				HasMSS: mask&1 != 0, MSS: 536,
				SACKPermitted: mask&2 != 0,
				HasTimestamps: mask&4 != 0, TSVal: 0xfffffffe, TSEcr: 3,
				HasWindowScale: mask&8 != 0, WindowScale: 14,
				NumSACK: uint8(nsack),
			}
			for i := range nsack {
				o.SACKBlocks[i] = tcpstate.SACKBlock{Left: seqnum.Value(1000 * i), Right: seqnum.Value(1000*i + 500)}
			}
			seg := tcpstate.Segment{Src: client4, Dst: server4, Flags: tcpstate.ACK, Options: o}
			tried++
			pkt, err := e.Segment(&seg)
			if o.Len() > 40 {
				refused++
				if err == nil || !strings.Contains(err.Error(), "more than the 40") {
					t.Errorf("%v: error %v, want options refused as too long", o, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%v: %v", o, err)
			}
			off := int(pkt[20+12]>>4) * 4
			if off-20 != o.Len() {
				t.Errorf("%v: data offset %d, want 20+%d", o, off, o.Len())
			}
			if s := renderOptions(pkt[40 : 20+off]); s != o.String() {
				t.Errorf("options on the wire %q, tcpstate says %q", s, o.String())
			}
		}
	}
	// Counted by hand from the sizes (MSS 4, nop,nop,sackOK 4, nop,nop,TS
	// or sackOK,TS 12, nop,wscale 4, nop,nop,sack 4+8n): with 4 blocks
	// (36 bytes) only one 4-byte option more fits, and never timestamps
	// (RFC 2018 §3 allows 3 blocks then): 12 of 16 refused; with 3 blocks
	// (28 bytes) 12 bytes remain, so timestamps with MSS or wscale (3
	// combinations, sackOK on or off) do not fit: 6 refused; with 2
	// blocks everything fits.
	if tried != 80 || refused != 18 {
		t.Errorf("tried %d, refused %d; want 80 and 18", tried, refused)
	}
}

// TestIPv4HeaderFields checks the fixed, documented header values: TTL
// 64, Don't Fragment, and an Identification counting from 1 per Encoder.
func TestIPv4HeaderFields(t *testing.T) {
	var e Encoder
	seg := tcpstate.Segment{Src: client4, Dst: server4, Flags: tcpstate.ACK}
	for want := uint16(1); want <= 3; want++ {
		var pkt []byte
		var err error
		if want == 2 {
			pkt, err = e.Datagram(client4, server4, nil)
		} else {
			pkt, err = e.Segment(&seg)
		}
		if err != nil {
			t.Fatal(err)
		}
		if id := binary.BigEndian.Uint16(pkt[4:6]); id != want {
			t.Errorf("packet %d: ID %d", want, id)
		}
		if pkt[6] != 0x40 || pkt[8] != 64 {
			t.Errorf("packet %d: flags byte %#x ttl %d, want 0x40 (DF) and 64", want, pkt[6], pkt[8])
		}
	}
	pkt, _ := e.Segment(&tcpstate.Segment{Src: client6, Dst: server6})
	if pkt[7] != 64 {
		t.Errorf("IPv6 hop limit %d, want 64", pkt[7])
	}
}

func TestEncodeRefusesBadInput(t *testing.T) {
	var e Encoder
	big := make([]byte, 65535)
	for _, tc := range []struct {
		name string
		seg  tcpstate.Segment
		want string
	}{
		{"mixed families", tcpstate.Segment{Src: client4, Dst: server6}, "capture: 10.0.0.1:49152 > [2001:db8::2]:40001 mixes IPv4 and IPv6"},
		{"no address", tcpstate.Segment{Dst: server4}, "capture: invalid address in invalid AddrPort > 10.0.0.2:80"},
		{"IPv4 too big", tcpstate.Segment{Src: client4, Dst: server4, Payload: big[:65535-40+1]}, "capture: IPv4 packet of 65536 bytes, more than 65535"},
		{"IPv6 too big", tcpstate.Segment{Src: client6, Dst: server6, Payload: big[:65535-20+1]}, "capture: IPv6 payload of 65536 bytes, more than 65535"},
	} {
		if _, err := e.Segment(&tc.seg); err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	// The largest packets still fit.
	if _, err := e.Segment(&tcpstate.Segment{Src: client4, Dst: server4, Payload: big[:65535-40]}); err != nil {
		t.Errorf("IPv4 of 65535 bytes: %v", err)
	}
	if _, err := e.Datagram(client6, server6, big[:65535-8]); err != nil {
		t.Errorf("IPv6 payload of 65535 bytes: %v", err)
	}
	if _, err := e.Datagram(client6, server6, big[:65535-8+1]); err == nil {
		t.Errorf("IPv6 payload of 65536 bytes accepted")
	}
}

// TestDatagramDecodes decodes UDP datagrams with gopacket.
func TestDatagramDecodes(t *testing.T) {
	var e Encoder
	for _, tc := range []struct {
		src, dst netip.AddrPort
		first    gopacket.LayerType
		payload  string
	}{
		{client4, server4, layers.LayerTypeIPv4, "ping"},
		{client6, server6, layers.LayerTypeIPv6, ""},
		{server6, client6, layers.LayerTypeIPv6, strings.Repeat("z", 1001)},
	} {
		pkt, err := e.Datagram(tc.src, tc.dst, []byte(tc.payload))
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(pkt, tc.first, gopacket.Default)
		udp, _ := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if udp == nil || p.ErrorLayer() != nil {
			t.Fatalf("%v: no UDP layer (%v)", tc.src, p.ErrorLayer())
		}
		if uint16(udp.SrcPort) != tc.src.Port() || uint16(udp.DstPort) != tc.dst.Port() ||
			int(udp.Length) != 8+len(tc.payload) || string(udp.Payload) != tc.payload {
			t.Errorf("%v: decoded ports %d>%d length %d payload %q", tc.src, udp.SrcPort, udp.DstPort, udp.Length, udp.Payload)
		}
		if err := verifyChecksums(pkt); err != nil {
			t.Errorf("%v: %v", tc.src, err)
		}
	}
}

// FuzzEncodeSegment: any segment either encodes to a packet whose
// checksums verify and whose options read back as tcpstate's String, or
// is refused with an error; it never panics.
func FuzzEncodeSegment(f *testing.F) {
	f.Add(true, uint32(1), uint32(2), uint8(0x12), uint16(100), uint8(0xff), uint8(3), uint16(1460), uint8(7), 10)
	f.Add(false, uint32(0xffffffff), uint32(0), uint8(0x04), uint16(0), uint8(0x10), uint8(4), uint16(0), uint8(14), 0)
	f.Add(true, uint32(5), uint32(6), uint8(0x11), uint16(9), uint8(0x04), uint8(9), uint16(1), uint8(200), 70000)
	f.Fuzz(func(t *testing.T, v4 bool, seq, ack uint32, flags uint8, win uint16, which, nsack uint8, mss uint16, ws uint8, n int) {
		src, dst := client4, server4
		if !v4 {
			src, dst = client6, server6
		}
		o := tcpstate.Options{
			HasMSS: which&1 != 0, MSS: mss, SACKPermitted: which&2 != 0,
			HasTimestamps: which&4 != 0, TSVal: seq, TSEcr: ack,
			HasWindowScale: which&8 != 0, WindowScale: ws, NumSACK: nsack,
		}
		for i := range o.SACKBlocks {
			o.SACKBlocks[i] = tcpstate.SACKBlock{Left: seqnum.Value(seq + uint32(i)), Right: seqnum.Value(ack - uint32(i))}
		}
		n = min(max(n, 0), 70000)
		seg := tcpstate.Segment{Src: src, Dst: dst, Seq: seqnum.Value(seq), Ack: seqnum.Value(ack),
			Flags: tcpstate.Flags(flags), Window: win, Options: o, Payload: make([]byte, n)}
		var e Encoder
		pkt, err := e.Segment(&seg)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "capture: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		if err := verifyChecksums(pkt); err != nil {
			t.Fatal(err)
		}
		_, tcp := transportOf(pkt)
		off := int(tcp[12]>>4) * 4
		if s := renderOptions(tcp[20:off]); s != o.String() {
			t.Fatalf("options on the wire %q, tcpstate says %q", s, o.String())
		}
		if !bytes.Equal(tcp[off:], seg.Payload) || tcp[13] != flags {
			t.Fatalf("payload or flags differ")
		}
	})
}
