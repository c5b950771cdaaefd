package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// TestEncodeOptionsAsLinux decodes every TCP segment of the Linux profile's
// recording (tcpstate/testdata/linux, the kernel on loopback) and encodes
// it again: the option bytes, NOPs and order included, must be the
// kernel's. The recording has "mss,sackOK,TS,nop,wscale" in SYNs and
// SYN-ACKs and "nop,nop,TS" on every other segment.
func TestEncodeOptionsAsLinux(t *testing.T) {
	f, err := os.Open("../tcpstate/testdata/linux/linux.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	dec := NewDecoder()
	var enc Encoder
	syns, others := 0, 0
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p, err := dec.Decode(rec)
		if err != nil || p.Kind != TCP {
			t.Fatalf("frame %d: %v, kind %v", rec.Number, err, p.Kind)
		}
		want := tcpOptionBytes(t, rec.Data[14:]) // lo: Ethernet framing
		seg := p.Segment
		seg.Payload = nil
		b, err := enc.Segment(&seg)
		if err != nil {
			t.Fatal(err)
		}
		if got := tcpOptionBytes(t, b); !bytes.Equal(got, want) {
			t.Errorf("frame %d: options % x, kernel % x", rec.Number, got, want)
		}
		if seg.Flags&tcpstate.SYN != 0 {
			syns++
		} else {
			others++
		}
	}
	if syns != 20 || others < 400 {
		t.Errorf("read %d SYNs and %d other segments, want 20 and over 400", syns, others)
	}
}

// tcpOptionBytes returns the options of the TCP header in an IPv4 packet.
func tcpOptionBytes(t *testing.T, ip []byte) []byte {
	t.Helper()
	ihl := int(ip[0]&0x0f) * 4
	tcp := ip[ihl:]
	off := int(tcp[12]>>4) * 4
	if off < 20 || off > len(tcp) {
		t.Fatalf("bad TCP data offset %d", off)
	}
	return tcp[20:off]
}
