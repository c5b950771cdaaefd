package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// TestPCAPNGBlocks writes the scenario as pcapng and reads it back with
// the test's own reader: one Section Header Block, one Interface
// Description Block with nanosecond resolution, then one Enhanced Packet
// Block per packet with its virtual time in nanoseconds and its comment.
func TestPCAPNGBlocks(t *testing.T) {
	for _, link := range []LinkType{Ethernet, RawIP} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, PCAPNG, link)
		if err != nil {
			t.Fatal(err)
		}
		recs := scenario(client4, server4)
		writeScenario(t, w, recs)
		blocks, err := ngBlocks(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(blocks) != 2+len(recs) {
			t.Fatalf("%v: %d blocks, want 2+%d", link, len(blocks), len(recs))
		}
		// §4.1: SHB type 0x0A0D0D0A, byte-order magic 0x1A2B3C4D, version 1.0.
		shb := blocks[0]
		if shb.typ != 0x0a0d0d0a || binary.LittleEndian.Uint32(shb.body) != 0x1a2b3c4d || binary.LittleEndian.Uint16(shb.body[4:]) != 1 {
			t.Fatalf("first block %#x %x is not a little-endian SHB 1.0", shb.typ, shb.body[:8])
		}
		// §4.2: IDB type 1, link type, snap length, if_tsresol (code 9) = 9.
		idb := blocks[1]
		wantLink := map[LinkType]uint16{Ethernet: 1, RawIP: 101}[link]
		if idb.typ != 1 || binary.LittleEndian.Uint16(idb.body) != wantLink || binary.LittleEndian.Uint32(idb.body[4:]) != SnapLen {
			t.Fatalf("%v: IDB %#x %x, want link type %d, snaplen %d", link, idb.typ, idb.body[:8], wantLink, SnapLen)
		}
		opts, err := ngOptions(idb.body[8:])
		if err != nil {
			t.Fatal(err)
		}
		if r := opts[9]; len(r) != 1 || !bytes.Equal(r[0], []byte{9}) {
			t.Errorf("if_tsresol %x, want 09 (nanoseconds)", r)
		}
		var enc Encoder
		var fr framer = framer{link: link}
		for i, b := range blocks[2:] {
			if b.typ != 6 {
				t.Fatalf("block %d type %#x, want an EPB (6)", i+2, b.typ)
			}
			p, err := ngEPB(b.body)
			if err != nil {
				t.Fatal(err)
			}
			r := recs[i]
			if want := uint64(epoch.Add(r.at).UnixNano()); p.ts != want {
				t.Errorf("packet %d: timestamp %d ns, want %d", i, p.ts, want)
			}
			var want []string
			if r.comment != "" {
				want = []string{r.comment}
			}
			if strings.Join(p.comments, "|") != strings.Join(want, "|") || len(p.comments) != len(want) {
				t.Errorf("packet %d: comments %q, want %q", i, p.comments, want)
			}
			var ip []byte
			if r.seg != nil {
				ip, _ = enc.Segment(r.seg)
			} else {
				ip, _ = enc.Datagram(r.src, r.dst, r.payload)
			}
			frame, _ := fr.frame(ip)
			if !bytes.Equal(p.data, frame) || int(p.origLen) != len(frame) {
				t.Errorf("packet %d: data %x (orig %d), want %x", i, p.data, p.origLen, frame)
			}
		}
	}
}

// TestPCAPHeaderAndRecords checks the classic format byte by byte: the
// nanosecond magic, version 2.4, snap length and link type, then each
// record header's seconds and nanoseconds.
func TestPCAPHeaderAndRecords(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, PCAP, RawIP)
	if err != nil {
		t.Fatal(err)
	}
	at := epoch.Add(1500*time.Millisecond + 42)
	if err := w.WriteDatagram(at, client4, server4, []byte("x"), "ignored in pcap"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	want := []byte{
		0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, // nanosecond magic, version 2.4
		0, 0, 0, 0, 0, 0, 0, 0, // thiszone, sigfigs
		0, 0, 4, 0, 101, 0, 0, 0, // snaplen 262144, LINKTYPE_RAW
	}
	if !bytes.Equal(b[:24], want) {
		t.Fatalf("file header %x, want %x", b[:24], want)
	}
	// 946684801 s = 0x386d4381; 500000042 ns = 0x1dcd652a; 29 bytes.
	rec := []byte{0x81, 0x43, 0x6d, 0x38, 0x2a, 0x65, 0xcd, 0x1d, 29, 0, 0, 0, 29, 0, 0, 0}
	if !bytes.Equal(b[24:40], rec) {
		t.Fatalf("record header %x, want %x", b[24:40], rec)
	}
	if len(b) != 40+29 || bytes.Contains(b, []byte("ignored")) {
		t.Fatalf("file of %d bytes, want 69 and no comment", len(b))
	}
}

// TestGopacketReadsBack opens both formats with gopacket's readers.
func TestGopacketReadsBack(t *testing.T) {
	for _, f := range []Format{PCAP, PCAPNG} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, f, Ethernet)
		if err != nil {
			t.Fatal(err)
		}
		recs := scenario(client6, server6)
		writeScenario(t, w, recs)
		var read func() ([]byte, time.Time, error)
		var lt layers.LinkType
		if f == PCAP {
			pr, err := pcapgo.NewReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			lt = pr.LinkType()
			read = func() ([]byte, time.Time, error) { d, ci, err := pr.ReadPacketData(); return d, ci.Timestamp, err }
		} else {
			nr, err := pcapgo.NewNgReader(&buf, pcapgo.DefaultNgReaderOptions)
			if err != nil {
				t.Fatal(err)
			}
			lt = nr.LinkType()
			read = func() ([]byte, time.Time, error) { d, ci, err := nr.ReadPacketData(); return d, ci.Timestamp, err }
		}
		if lt != layers.LinkTypeEthernet {
			t.Errorf("%v: link type %v", f, lt)
		}
		n := 0
		for {
			d, ts, err := read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%v: packet %d: %v", f, n, err)
			}
			if !ts.Equal(epoch.Add(recs[n].at)) {
				t.Errorf("%v: packet %d at %v, want %v", f, n, ts, epoch.Add(recs[n].at))
			}
			if err := verifyChecksums(d[14:]); err != nil {
				t.Errorf("%v: packet %d: %v", f, n, err)
			}
			n++
		}
		if n != len(recs) {
			t.Errorf("%v: read %d packets, want %d", f, n, len(recs))
		}
	}
}

// TestEthernetFrame checks the Ethernet II header (destination, source,
// EtherType 0x0800 or 0x86dd) and the padding to 60 bytes.
func TestEthernetFrame(t *testing.T) {
	var enc Encoder
	fr := framer{link: Ethernet}
	ip, _ := enc.Segment(&tcpstate.Segment{Src: client4, Dst: server4, Flags: tcpstate.ACK})
	f, err := fr.frame(ip)
	if err != nil {
		t.Fatal(err)
	}
	hdr := []byte{2, 0, 10, 0, 0, 2, 2, 0, 10, 0, 0, 1, 0x08, 0x00}
	if len(f) != 60 || !bytes.Equal(f[:14], hdr) || !bytes.Equal(f[14:54], ip) || !bytes.Equal(f[54:], make([]byte, 6)) {
		t.Fatalf("frame %x, want %x + the 40-byte packet + 6 zeros", f, hdr)
	}
	ip, _ = enc.Datagram(client6, server6, bytes.Repeat([]byte{1}, 100))
	f, _ = fr.frame(ip)
	hdr = []byte{6, 0, 0, 0, 0, 2, 6, 0, 0, 0, 0, 1, 0x86, 0xdd}
	if len(f) != 14+len(ip) || !bytes.Equal(f[:14], hdr) {
		t.Fatalf("IPv6 frame header %x (len %d), want %x", f[:14], len(f), hdr)
	}
}

func TestMAC(t *testing.T) {
	for _, tc := range []struct {
		ip   []byte
		want string
	}{
		{[]byte{192, 0, 2, 7}, "02:00:c0:00:02:07"},
		{[]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}, "06:aa:bb:cc:dd:ee"},
		{[]byte{0xab}, "06:00:00:00:00:ab"}, // not an IP address: still no panic
		{nil, "06:00:00:00:00:00"},
	} {
		m := MAC(tc.ip)
		if m.String() != tc.want {
			t.Errorf("MAC(%v) = %v, want %v", tc.ip, m, tc.want)
		}
		// IEEE 802: locally administered (bit 1) and unicast (bit 0 clear).
		if m[0]&2 == 0 || m[0]&1 != 0 {
			t.Errorf("MAC(%v) = %v is not a locally administered unicast address", tc.ip, m)
		}
	}
}

// TestDeterministic writes the same packets twice in each format and link
// type: the files must be identical, and must not name the machine.
func TestDeterministic(t *testing.T) {
	for _, f := range []Format{PCAP, PCAPNG} {
		for _, l := range []LinkType{Ethernet, RawIP} {
			var a, b bytes.Buffer
			for _, buf := range []*bytes.Buffer{&a, &b} {
				w, err := NewWriter(buf, f, l)
				if err != nil {
					t.Fatal(err)
				}
				writeScenario(t, w, scenario(client4, server4))
				writeScenario(t, w, scenario(client6, server6))
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("%v/%v: two writes of the same packets differ", f, l)
			}
			if bytes.Contains(a.Bytes(), []byte(runtime.GOOS)) || bytes.Contains(a.Bytes(), []byte(runtime.GOARCH)) {
				t.Errorf("%v/%v: the file names the machine", f, l)
			}
		}
	}
}

// TestWriterErrors checks the refusals and that the first error sticks.
func TestWriterErrors(t *testing.T) {
	newW := func(f Format) (*Writer, *bytes.Buffer) {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, f, Ethernet)
		if err != nil {
			t.Fatal(err)
		}
		return w, &buf
	}
	ok := epoch
	for _, tc := range []struct {
		name   string
		format Format
		write  func(w *Writer) error
		want   string
	}{
		{"pcap before 1970", PCAP, func(w *Writer) error { return w.WriteDatagram(time.Unix(-1, 0), client4, server4, nil, "") },
			"capture: time 1969-12-31 23:59:59 +0000 UTC cannot be stored in pcap"},
		{"pcap after 2106", PCAP, func(w *Writer) error { return w.WriteDatagram(time.Unix(1<<32, 0), client4, server4, nil, "") },
			"capture: time 2106-02-07 06:28:16 +0000 UTC cannot be stored in pcap"},
		{"zero time", PCAPNG, func(w *Writer) error { return w.WriteDatagram(time.Time{}, client4, server4, nil, "") },
			"capture: time 0001-01-01 00:00:00 +0000 UTC cannot be stored in pcapng"},
		{"pcapng after 2262", PCAPNG, func(w *Writer) error { return w.WriteDatagram(time.Unix(1<<34, 0), client4, server4, nil, "") },
			"capture: time 2514-05-30 01:53:04 +0000 UTC cannot be stored in pcapng"},
		{"comment too long", PCAPNG, func(w *Writer) error {
			return w.WriteDatagram(ok, client4, server4, nil, strings.Repeat("x", MaxCommentLen+1))
		}, "capture: comment of 65536 bytes, more than 65535"},
		{"comment not UTF-8", PCAPNG, func(w *Writer) error { return w.WriteDatagram(ok, client4, server4, nil, "a\xffb") },
			`capture: comment "a\xffb" is not valid UTF-8`},
		{"mixed families", PCAPNG, func(w *Writer) error { return w.WriteDatagram(ok, client4, server6, nil, "") },
			"capture: 10.0.0.1:49152 > [2001:db8::2]:40001 mixes IPv4 and IPv6"},
		{"not IP", PCAPNG, func(w *Writer) error { return w.WritePacket(ok, []byte{0x55, 0}, "") },
			"capture: packet of IP version 5, want 4 or 6"},
		{"short IPv6", PCAP, func(w *Writer) error { return w.WritePacket(ok, append([]byte{0x60}, make([]byte, 38)...), "") },
			"capture: IPv6 packet of 39 bytes, shorter than its header"},
		{"short IPv4", PCAP, func(w *Writer) error { return w.WritePacket(ok, []byte{0x45, 0, 0, 19}, "") },
			"capture: IPv4 packet of 4 bytes, shorter than its header"},
		{"empty", PCAP, func(w *Writer) error { return w.WritePacket(ok, nil, "") }, "capture: empty packet"},
	} {
		w, buf := newW(tc.format)
		if err := tc.write(w); err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
			continue
		}
		// The error sticks: nothing more is written.
		n := buf.Len()
		if err := w.WriteDatagram(ok, client4, server4, nil, ""); err == nil || err.Error() != tc.want {
			t.Errorf("%s: next write returned %v, want the first error", tc.name, err)
		}
		if err := w.Flush(); err == nil || err.Error() != tc.want {
			t.Errorf("%s: Flush returned %v, want the first error", tc.name, err)
		}
		if buf.Len() != n || w.Packets() != 0 {
			t.Errorf("%s: wrote after the error", tc.name)
		}
	}
	// The largest comment is accepted.
	w, _ := newW(PCAPNG)
	if err := w.WriteDatagram(ok, client4, server4, nil, strings.Repeat("é", MaxCommentLen/2)); err != nil {
		t.Errorf("comment of %d bytes: %v", MaxCommentLen-1, err)
	}
	if _, err := NewWriter(io.Discard, 0, Ethernet); err == nil || err.Error() != "capture: unknown format 0" {
		t.Errorf("format 0: %v", err)
	}
	if _, err := NewWriter(io.Discard, PCAP, 9); err == nil || err.Error() != "capture: unknown link type 9" {
		t.Errorf("link type 9: %v", err)
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriterReportsIOErrors(t *testing.T) {
	for _, f := range []Format{PCAP, PCAPNG} {
		w, err := NewWriter(failWriter{}, f, RawIP)
		if err != nil {
			t.Fatalf("%v: %v (the header is buffered)", f, err)
		}
		w.WriteDatagram(epoch, client4, server4, nil, "")
		if err := w.Flush(); err == nil || err.Error() != "capture: disk full" {
			t.Errorf("%v: Flush = %v, want capture: disk full", f, err)
		}
	}
}

func TestParseLinkType(t *testing.T) {
	for _, l := range []LinkType{Ethernet, RawIP} {
		if got, err := ParseLinkType(l.String()); err != nil || got != l {
			t.Errorf("ParseLinkType(%q) = %v, %v", l, got, err)
		}
	}
	if _, err := ParseLinkType("ppp"); err == nil || err.Error() != `capture: unknown link type "ppp" (want ethernet or raw)` {
		t.Errorf("ParseLinkType(ppp): %v", err)
	}
	if PCAP.String() != "pcap" || PCAPNG.String() != "pcapng" || Format(7).String() != "format-7" || LinkType(7).String() != "linktype-7" {
		t.Errorf("names: %v %v %v %v", PCAP, PCAPNG, Format(7), LinkType(7))
	}
}
