package sim_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// A lesson that loses the third segment of the handshake, the client's
// ACK: the server stays in SYN-RECEIVED until the client's data, which
// acknowledges its SYN too, arrives. The path also has netem's "delay
// 10ms rate 1mbit": segments queue to be serialized.
func ExampleFault() {
	w := sim.New(sim.Config{
		Seed: 1,
		Trace: func(e sim.TraceEvent) {
			switch {
			case e.Kind == sim.TraceSegment && e.Event == sim.Send:
				fmt.Printf("%-8v %-6s send #%d [%v] len %d\n", e.Time.Sub(sim.Epoch()), e.Host,
					e.Packet, e.Segment.Flags, len(e.Segment.Payload))
			case e.Kind == sim.TraceSegment && e.Event == sim.Drop:
				fmt.Printf("%-8v %-6s drop #%d: %v\n", e.Time.Sub(sim.Epoch()), e.Host, e.Packet, e.Reason)
			case e.Kind == sim.TraceState && e.To == tcpstate.Established:
				fmt.Printf("%-8v %-6s ESTABLISHED\n", e.Time.Sub(sim.Epoch()), e.Host)
			}
		},
	})
	client, _ := w.AddHost(sim.HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1")})
	server, _ := w.AddHost(sim.HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2")})
	bareACK := func(s *tcpstate.Segment) bool { return s.Flags == tcpstate.ACK && len(s.Payload) == 0 }
	toServer := sim.Path{
		Delay: 10 * time.Millisecond, Rate: 1_000_000,
		Faults: []sim.Fault{sim.DropMatching(bareACK, 1)}, // once
	}
	toClient := sim.Path{Delay: 10 * time.Millisecond}
	if _, err := w.AddLink(client, server, toServer, toClient); err != nil {
		panic(err)
	}
	if _, err := server.Listen(80, nil); err != nil {
		panic(err)
	}
	_, err := client.Dial(netip.MustParseAddrPort("198.18.0.2:80"), sim.Handler{
		Established: func(c sim.Conn) { c.Write(make([]byte, 1000)) },
	})
	if err != nil {
		panic(err)
	}
	w.RunFor(100 * time.Millisecond)
	// The SYN is 60 bytes with its options: 480µs at 1 Mbit/s. The data
	// segment is 20+20+12 (timestamps)+1000 = 1052 bytes: 8.416ms.

	// Output:
	// 0s       client send #1 [S] len 0
	// 10.48ms  server send #2 [S.] len 0
	// 20.48ms  client ESTABLISHED
	// 20.48ms  client send #3 [.] len 0
	// 20.48ms  client drop #3: fault
	// 20.48ms  client send #4 [P.] len 1000
	// 38.896ms server ESTABLISHED
	// 38.896ms server send #5 [.] len 0
}
