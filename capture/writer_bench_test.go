package capture

import (
	"io"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// BenchmarkWriteSegment measures writing a data segment with timestamps
// and a comment to pcapng over Ethernet, the costliest combination.
func BenchmarkWriteSegment(b *testing.B) {
	w, err := NewWriter(io.Discard, PCAPNG, Ethernet)
	if err != nil {
		b.Fatal(err)
	}
	seg := tcpstate.Segment{Src: client4, Dst: server4, Seq: 1, Ack: 2, Flags: tcpstate.ACK | tcpstate.PSH, Window: 502,
		Options: tcpstate.Options{HasTimestamps: true, TSVal: 1, TSEcr: 2}, Payload: make([]byte, 1448)}
	b.ReportAllocs()
	at := epoch
	for b.Loop() {
		at = at.Add(time.Microsecond)
		if err := w.WriteSegment(at, seg, "client ESTABLISHED"); err != nil {
			b.Fatal(err)
		}
	}
}
