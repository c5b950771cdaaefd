package tcpstate_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// Two connections wired back to back: every segment one end polls out is
// handed to the other at the same instant. Fixed ISNs make the output
// reproducible; options are turned off to keep the lines short.
func Example() {
	now := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	newConn := func(iss seqnum.Value) *tcpstate.Conn {
		cfg := tcpstate.DefaultConfig()
		cfg.WindowScale, cfg.SACKPermitted, cfg.Timestamps = false, false, false
		cfg.ISN = func(time.Time, netip.AddrPort, netip.AddrPort) seqnum.Value { return iss }
		c, err := tcpstate.NewConn(cfg)
		if err != nil {
			panic(err)
		}
		return c
	}
	client, server := newConn(1000), newConn(5000)
	server.Listen(now, netip.MustParseAddrPort("198.18.0.2:80"))
	client.Connect(now, netip.MustParseAddrPort("198.18.0.1:49152"), netip.MustParseAddrPort("198.18.0.2:80"))

	// deliver moves every pending segment from one end to the other.
	deliver := func(from, to *tcpstate.Conn) {
		for seg, ok := from.Poll(now); ok; seg, ok = from.Poll(now) {
			v := to.HandleSegment(now, seg)
			fmt.Printf("%-70s %-8s %s\n", seg, v, to.State())
		}
	}
	deliver(client, server) // SYN
	deliver(server, client) // SYN-ACK
	client.Write([]byte("hello"))
	deliver(client, server) // the data carries the ACK of the SYN-ACK
	client.Close(now)
	deliver(client, server) // FIN
	deliver(server, client) // one ACK for the data and the FIN
	fmt.Println(client.State(), server.State())
	// The last window is 65529, not 65530: the FIN took a sequence number
	// but no buffer space, and the right edge only moves by at least one
	// MSS at a time (RFC 9293 §3.8.6.2.2).

	// Output:
	// 49152 > 80: Flags [S], seq 1000, win 65535, options [mss 1460], length 0 accepted SYN-RECEIVED
	// 80 > 49152: Flags [S.], seq 5000, ack 1001, win 65535, options [mss 1460], length 0 accepted ESTABLISHED
	// 49152 > 80: Flags [P.], seq 1001:1006, ack 5001, win 65535, length 5   accepted ESTABLISHED
	// 49152 > 80: Flags [F.], seq 1006, ack 5001, win 65535, length 0        accepted CLOSE-WAIT
	// 80 > 49152: Flags [.], ack 1007, win 65529, length 0                   accepted FIN-WAIT-2
	// FIN-WAIT-2 CLOSE-WAIT
}
