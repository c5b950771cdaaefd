package capture

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// FuzzReader: whatever the bytes, reading and decoding ends in io.EOF or
// an error, never a panic (go test -fuzz FuzzReader ./capture).
func FuzzReader(f *testing.F) {
	c, s := netip.MustParseAddrPort("198.18.0.1:49152"), netip.MustParseAddrPort("[2001:db8::2]:80")
	for _, format := range []Format{PCAP, PCAPNG} {
		for _, link := range []LinkType{Ethernet, RawIP} {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, format, link)
			if err != nil {
				f.Fatal(err)
			}
			seg := tcpstate.Segment{Src: c, Dst: netip.MustParseAddrPort("198.18.0.2:80"), Flags: tcpstate.SYN,
				Options: tcpstate.Options{HasMSS: true, MSS: 1460, SACKPermitted: true, HasTimestamps: true}}
			if err := w.WriteSegment(time.Unix(1, 0), seg, "x"); err != nil {
				f.Fatal(err)
			}
			if err := w.WriteDatagram(time.Unix(2, 0), netip.MustParseAddrPort("[2001:db8::1]:5"), s, []byte("y"), ""); err != nil {
				f.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				f.Fatal(err)
			}
			f.Add(buf.Bytes())
		}
	}
	f.Add(append(pcapHeader(0xffffffff, 1), pcapRecord(0xfffffff0, 0xfffffff0, nil)...))
	f.Fuzz(func(t *testing.T, file []byte) {
		r, err := NewReader(bytes.NewReader(file))
		if err != nil {
			return
		}
		d := NewDecoder()
		for range 1000 {
			rec, err := r.Next()
			if err != nil {
				return
			}
			if len(rec.Data) > MaxRecord {
				t.Fatalf("a record of %d bytes", len(rec.Data))
			}
			p, err := d.Decode(rec) // an error is an answer; a panic is not
			held := len(p.Payload)
			if p.Kind == TCP {
				held = len(p.Segment.Payload)
			}
			if err == nil && (held < 0 || p.Len < held) {
				t.Fatalf("packet %d: length %d, %d bytes held", rec.Number, p.Len, held)
			}
		}
	})
}
