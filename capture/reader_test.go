package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// readBack writes segs and one datagram with the writer, then reads and
// decodes the file.
func readBack(t *testing.T, format Format, link LinkType, segs []tcpstate.Segment, udpSrc, udpDst netip.AddrPort) []Packet {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, format, link)
	require.NoError(t, err)
	t0 := time.Unix(1_700_000_000, 123_456_789)
	for i, s := range segs {
		require.NoError(t, w.WriteSegment(t0.Add(time.Duration(i)*time.Millisecond), s, ""))
	}
	require.NoError(t, w.WriteDatagram(t0.Add(time.Second), udpSrc, udpDst, []byte("ping"), ""))
	require.NoError(t, w.Flush())

	r, err := NewReader(&buf)
	require.NoError(t, err)
	assert.Equal(t, format, r.Format())
	d := NewDecoder()
	var out []Packet
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		assert.Equal(t, len(out)+1, rec.Number)
		if len(out) < len(segs) {
			assert.True(t, rec.Time.Equal(t0.Add(time.Duration(len(out))*time.Millisecond)), "nanosecond timestamps: %v", rec.Time)
		}
		p, err := d.Decode(rec)
		require.NoError(t, err)
		p.Segment.Payload = append([]byte(nil), p.Segment.Payload...) // the record's bytes are reused
		p.Payload = append([]byte(nil), p.Payload...)
		out = append(out, p)
	}
	return out
}

// What the writer puts in a file, the reader gets back: every header
// field and option tcpstate has, over IPv4 and IPv6, Ethernet and raw IP,
// pcap and pcapng.
func TestReadBack(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		a, b := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
		if v6 {
			a, b = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
		}
		c, s := netip.AddrPortFrom(a, 49152), netip.AddrPortFrom(b, 80)
		segs := []tcpstate.Segment{
			{Src: c, Dst: s, Seq: 4294967000, Flags: tcpstate.SYN, Window: 65535, Options: tcpstate.Options{
				HasMSS: true, MSS: 1460, SACKPermitted: true, HasTimestamps: true, TSVal: 7, TSEcr: 0,
				HasWindowScale: true, WindowScale: 7}},
			{Src: s, Dst: c, Seq: 100, Ack: 4294967001, Flags: tcpstate.SYN | tcpstate.ACK, Window: 1000},
			{Src: c, Dst: s, Seq: 4294967001, Ack: 101, Flags: tcpstate.PSH | tcpstate.ACK, Window: 512,
				Payload: []byte("hello"), Options: tcpstate.Options{HasTimestamps: true, TSVal: 9, TSEcr: 8}},
			{Src: s, Dst: c, Seq: 101, Ack: 4294967001, Flags: tcpstate.ACK, Window: 512, Options: tcpstate.Options{
				NumSACK: 2, SACKBlocks: [tcpstate.MaxSACKBlocks]tcpstate.SACKBlock{{Left: 10, Right: 20}, {Left: 30, Right: 40}}}},
			{Src: c, Dst: s, Seq: seqnum.Value(4294967006), Ack: 101, Flags: tcpstate.FIN | tcpstate.ACK, Window: 512},
			{Src: s, Dst: c, Seq: 101, Flags: tcpstate.RST},
		}
		for _, format := range []Format{PCAP, PCAPNG} {
			for _, link := range []LinkType{Ethernet, RawIP} {
				got := readBack(t, format, link, segs, c, s)
				require.Len(t, got, len(segs)+1)
				for i, want := range segs {
					require.Equal(t, TCP, got[i].Kind)
					assert.Equal(t, want, got[i].Segment, "%v %v v6=%v segment %d", format, link, v6, i)
				}
				u := got[len(segs)]
				assert.Equal(t, UDP, u.Kind)
				assert.Equal(t, c, u.Src)
				assert.Equal(t, s, u.Dst)
				assert.Equal(t, "ping", string(u.Payload))
			}
		}
	}
}

// pcapHeader is a classic pcap file header, microseconds, little endian.
func pcapHeader(snaplen, link uint32) []byte {
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h, 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], snaplen)
	binary.LittleEndian.PutUint32(h[20:], link)
	return h
}

// pcapRecord is a record header claiming caplen bytes, then data.
func pcapRecord(caplen, length uint32, data []byte) []byte {
	h := make([]byte, 16)
	binary.LittleEndian.PutUint32(h[8:], caplen)
	binary.LittleEndian.PutUint32(h[12:], length)
	return append(h, data...)
}

// Bad files give an error wrapping ErrFormat that names the packet, never
// a panic or a large allocation.
func TestReaderBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		file []byte
		want string // in the error
	}{
		"empty":              {nil, "too short"},
		"text":               {[]byte("hello, world\n"), "unknown magic"},
		"truncated header":   {pcapHeader(65535, 1)[:10], "pcap header"},
		"truncated record":   {append(pcapHeader(65535, 1), pcapRecord(100, 100, make([]byte, 10))...), "packet 1"},
		"absurd caplen":      {append(pcapHeader(0xffffffff, 1), pcapRecord(0xfffffff0, 0xfffffff0, nil)...), "packet 1"},
		"caplen over length": {append(pcapHeader(65535, 1), pcapRecord(20, 10, make([]byte, 20))...), "packet 1"},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tc.file))
			if err == nil {
				_, err = r.Next()
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrFormat), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// A link type the decoder does not know is an error naming the packet;
// a non-IP frame is of kind Other.
func TestDecodeUnsupported(t *testing.T) {
	file := append(pcapHeader(65535, 147), pcapRecord(4, 4, []byte{1, 2, 3, 4})...) // LINKTYPE_USER0
	r, err := NewReader(bytes.NewReader(file))
	require.NoError(t, err)
	rec, err := r.Next()
	require.NoError(t, err)
	_, err = NewDecoder().Decode(rec)
	assert.ErrorIs(t, err, ErrLinkType)
	assert.Contains(t, err.Error(), "packet 1")

	arp := make([]byte, 42) // Ethernet with EtherType ARP
	binary.BigEndian.PutUint16(arp[12:], 0x0806)
	assert.Equal(t, Other, decodeFrame(t, 1, arp).Kind)
}

// An 802.1Q tag between the Ethernet header and IP is looked through.
func TestDecodeVLAN(t *testing.T) {
	c, s := netip.MustParseAddrPort("198.18.0.1:49152"), netip.MustParseAddrPort("198.18.0.2:80")
	seg := tcpstate.Segment{Src: c, Dst: s, Seq: 5, Ack: 6, Flags: tcpstate.ACK, Window: 7, Payload: []byte("data")}
	var e Encoder
	ip, err := e.Segment(&seg)
	require.NoError(t, err)
	frame := make([]byte, 0, 18+len(ip))
	frame = append(frame, make([]byte, 12)...)                // MAC addresses
	frame = append(frame, 0x81, 0x00, 0x00, 0x2a, 0x08, 0x00) // TPID, VLAN 42, EtherType IPv4
	frame = append(frame, ip...)
	p := decodeFrame(t, 1, frame)
	require.Equal(t, TCP, p.Kind)
	assert.Equal(t, seg, p.Segment)
}

// decodeFrame reads frame from a pcap file of the given link type and
// decodes it.
func decodeFrame(t *testing.T, link uint32, frame []byte) Packet {
	t.Helper()
	file := append(pcapHeader(65535, link), pcapRecord(uint32(len(frame)), uint32(len(frame)), frame)...)
	r, err := NewReader(bytes.NewReader(file))
	require.NoError(t, err)
	rec, err := r.Next()
	require.NoError(t, err)
	p, err := NewDecoder().Decode(rec)
	require.NoError(t, err)
	return p
}

// BSD loopback (LINKTYPE_NULL) frames start with the address family in
// the capturing host's byte order: 2 for IPv4, and 24, 28 or 30 for IPv6
// depending on the BSD.
func TestDecodeBSDLoopback(t *testing.T) {
	c, s := netip.MustParseAddrPort("[2001:db8::1]:49152"), netip.MustParseAddrPort("[2001:db8::2]:80")
	seg := tcpstate.Segment{Src: c, Dst: s, Seq: 5, Ack: 6, Flags: tcpstate.ACK, Window: 7, Payload: []byte("data")}
	var e Encoder
	ip, err := e.Segment(&seg)
	require.NoError(t, err)
	for _, family := range []uint32{24, 28, 30} {
		frame := binary.LittleEndian.AppendUint32(nil, family)
		frame = append(frame, ip...)
		p := decodeFrame(t, 0, frame)
		require.Equal(t, TCP, p.Kind, "family %d", family)
		assert.Equal(t, seg, p.Segment)
	}
}

// A packet the snap length cut is decoded as far as its headers go, with
// its payload's length on the wire: tshark reads packet 4 of lo4.pcap cut
// to 120 bytes (editcap -s 120) as frame.cap_len 120, tcp.len 3000.
// Analyze counts the bytes on the wire, as it does for the whole file.
func TestDecodeTruncated(t *testing.T) {
	orig, err := os.ReadFile("testdata/lo4.pcap")
	require.NoError(t, err)
	r, err := NewReader(bytes.NewReader(orig))
	require.NoError(t, err)
	cut := pcapHeader(120, 1)
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		data := rec.Data[:min(len(rec.Data), 120)]
		cut = append(cut, pcapRecord(uint32(len(data)), uint32(rec.Length), data)...)
	}
	r, err = NewReader(bytes.NewReader(cut))
	require.NoError(t, err)
	var p Packet
	for range 4 {
		rec, err := r.Next()
		require.NoError(t, err)
		p, err = NewDecoder().Decode(rec)
		require.NoError(t, err)
	}
	assert.Equal(t, TCP, p.Kind)
	assert.True(t, p.Truncated)
	assert.Equal(t, 3000, p.Len)
	assert.Len(t, p.Segment.Payload, 120-14-20-32, "Ethernet, IPv4 and TCP with timestamps held")

	whole, err := Analyze(bytes.NewReader(orig))
	require.NoError(t, err)
	short, err := Analyze(bytes.NewReader(cut))
	require.NoError(t, err)
	assert.Equal(t, [2]int64{3000, 3000}, short.TCP[0].Bytes)
	assert.Equal(t, whole.TCP[0].Bytes, short.TCP[0].Bytes)
}

// IPv6 extension headers (RFC 8200 §4) are stepped over to the TCP
// header; a fragment of IPv4 or IPv6 is reported, not decoded further.
func TestDecodeExtensionsAndFragments(t *testing.T) {
	c, s := netip.MustParseAddrPort("[2001:db8::1]:49152"), netip.MustParseAddrPort("[2001:db8::2]:80")
	seg := tcpstate.Segment{Src: c, Dst: s, Seq: 5, Ack: 6, Flags: tcpstate.ACK, Window: 7, Payload: []byte("data")}
	var e Encoder
	ip, err := e.Segment(&seg)
	require.NoError(t, err)
	ip = append([]byte(nil), ip...)
	// Hop-by-hop (0) then destination options (60), each 8 bytes of PadN,
	// then TCP (6).
	hbh := []byte{60, 0, 1, 4, 0, 0, 0, 0}
	dstopts := []byte{6, 0, 1, 4, 0, 0, 0, 0}
	with := append(append(append(append([]byte(nil), ip[:40]...), hbh...), dstopts...), ip[40:]...)
	with[6] = 0 // Next Header: hop-by-hop
	binary.BigEndian.PutUint16(with[4:], binary.BigEndian.Uint16(ip[4:])+16)
	p := decodeFrame(t, 101, with)
	require.Equal(t, TCP, p.Kind)
	assert.Equal(t, seg, p.Segment)
	assert.Equal(t, 4, p.Len)
	assert.False(t, p.Truncated)

	// The same with a fragment header (44) saying more fragments follow.
	frag := []byte{6, 0, 0, 1, 0, 0, 0, 9}
	f6 := append(append(append([]byte(nil), ip[:40]...), frag...), ip[40:]...)
	f6[6] = 44
	binary.BigEndian.PutUint16(f6[4:], binary.BigEndian.Uint16(ip[4:])+8)
	p = decodeFrame(t, 101, f6)
	assert.Equal(t, Other, p.Kind)
	assert.True(t, p.Fragment)

	// An IPv4 packet with More Fragments set.
	seg4 := seg
	seg4.Src, seg4.Dst = netip.MustParseAddrPort("198.18.0.1:49152"), netip.MustParseAddrPort("198.18.0.2:80")
	ip4, err := e.Segment(&seg4)
	require.NoError(t, err)
	ip4 = append([]byte(nil), ip4...)
	ip4[6] = 0x20 // flags: MF (the checksum is left stale; decoding does not check it)
	p = decodeFrame(t, 101, ip4)
	assert.Equal(t, Other, p.Kind)
	assert.True(t, p.Fragment)
	an := NewAnalyzer()
	an.Add(Record{Number: 1}, p)
	assert.Equal(t, 1, an.Analysis().Fragments)
	assert.Empty(t, an.Analysis().TCP)
}
