package capture

import (
	"bytes"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// BenchmarkReadDecode reads and decodes a pcap file of 1,000 Ethernet
// TCP segments with timestamps and 1,000 bytes of data each.
func BenchmarkReadDecode(b *testing.B) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, PCAP, Ethernet)
	if err != nil {
		b.Fatal(err)
	}
	seg := tcpstate.Segment{
		Src: netip.MustParseAddrPort("198.18.0.1:49152"), Dst: netip.MustParseAddrPort("198.18.0.2:80"),
		Flags: tcpstate.ACK, Window: 512, Payload: make([]byte, 1000),
		Options: tcpstate.Options{HasTimestamps: true, TSVal: 1, TSEcr: 2},
	}
	const n = 1000
	for i := range n {
		if err := w.WriteSegment(time.Unix(int64(i), 0), seg, ""); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	file := buf.Bytes()
	d := NewDecoder()
	src := bytes.NewReader(file)
	b.ReportAllocs()
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		src.Reset(file)
		r, err := NewReader(src)
		if err != nil {
			b.Fatal(err)
		}
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if p, err := d.Decode(rec); err != nil || p.Kind != TCP {
				b.Fatal(p.Kind, err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/packet")
}
