package capture_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/capture"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// A trace callback writes each segment with a comment saying what it did;
// Flush (or File.Close) reports the first error of any write.
func ExampleWriter() {
	var buf bytes.Buffer
	w, err := capture.NewWriter(&buf, capture.PCAPNG, capture.Ethernet)
	if err != nil {
		fmt.Println(err)
		return
	}
	client := netip.MustParseAddrPort("192.0.2.1:49152")
	server := netip.MustParseAddrPort("192.0.2.2:50007")
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // the sim's epoch
	syn := tcpstate.Segment{
		Src: client, Dst: server, Seq: 1000, Flags: tcpstate.SYN, Window: 65535,
		Options: tcpstate.Options{HasMSS: true, MSS: 1460},
	}
	w.WriteSegment(start, syn, "client CLOSED -> SYN-SENT")
	w.WriteSegment(start.Add(10*time.Millisecond), syn, "dropped by link: loss")
	w.WriteDatagram(start.Add(time.Second), client, server, []byte("ping"), "")
	if err := w.Flush(); err != nil {
		fmt.Println(err)
		return
	}
	// Section header 44 bytes, interface 72, then per Enhanced Packet
	// Block 32 + the frame (at least 60 bytes) + 8 + the padded comment
	// when there is one: 128 + 124 + 92.
	fmt.Println(w.Packets(), "packets,", buf.Len(), "bytes")
	// Output: 3 packets, 460 bytes
}
