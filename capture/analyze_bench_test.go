package capture

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// BenchmarkAnalyze analyses a pcap file of 1,000 connections of 100
// packets each (100,000 packets, SYN to FIN, interleaved, 100-byte
// payloads), reporting packets per second.
func BenchmarkAnalyze(b *testing.B) {
	const conns, per = 1000, 100
	var buf bytes.Buffer
	w, err := NewWriter(&buf, PCAP, Ethernet)
	if err != nil {
		b.Fatal(err)
	}
	server := netip.MustParseAddrPort("198.18.0.2:80")
	payload := make([]byte, 100)
	t0 := time.Unix(1000, 0)
	for k := range per {
		for i := range conns {
			client := netip.AddrPortFrom(netip.MustParseAddr("198.18.0.1"), uint16(10000+i))
			seg := tcpstate.Segment{Src: client, Dst: server, Flags: tcpstate.ACK, Window: 1000,
				Seq: seqnum.Value(k * 100), Ack: 1, Payload: payload}
			switch k {
			case 0:
				seg.Flags, seg.Payload = tcpstate.SYN, nil
			case per - 1:
				seg.Flags, seg.Payload = tcpstate.FIN|tcpstate.ACK, nil
			}
			if k%2 == 1 { // answers from the server
				seg.Src, seg.Dst = server, client
			}
			if err := w.WriteSegment(t0.Add(time.Duration(k*conns+i)*time.Microsecond), seg, ""); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	file := buf.Bytes()
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		a, err := Analyze(bytes.NewReader(file))
		if err != nil || len(a.TCP) != conns {
			b.Fatal(err, len(a.TCP))
		}
	}
	b.ReportMetric(float64(b.N*conns*per)/b.Elapsed().Seconds(), "packets/s")
}
