package sim_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/sim"
)

// A UDP request and its answer, then a datagram to a port where nobody
// listens: the server's host answers with an ICMP port unreachable, and
// the client's connected socket reports "connection refused" on its next
// call. No handshake, no state changes: only datagrams.
func ExampleHost_BindUDP() {
	w := sim.New(sim.Config{
		Seed: 1,
		Trace: func(e sim.TraceEvent) {
			at := e.Time.Sub(sim.Epoch())
			switch e.Kind {
			case sim.TraceDatagram:
				why := ""
				if e.Event == sim.Drop {
					why = " (" + e.Reason.String() + ")"
				}
				fmt.Printf("%-5v %-6s datagram %-4v %v > %v len %d%s\n", at, e.Host, e.Event, e.Datagram.Src, e.Datagram.Dst, e.Datagram.Len(), why)
			case sim.TraceICMP:
				fmt.Printf("%-5v %-6s icmp %v %v\n", at, e.Host, e.Event, e.ICMP)
			}
		},
	})
	client, _ := w.AddHost(sim.HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1")})
	server, _ := w.AddHost(sim.HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2")})
	oneWay := sim.Path{Delay: 10 * time.Millisecond}
	if _, err := w.AddLink(client, server, oneWay, oneWay); err != nil {
		panic(err)
	}

	// The server answers each request with its length.
	_, err := server.BindUDP(53, sim.UDPHandler{Readable: func(s sim.UDPSocket) {
		buf := make([]byte, 512)
		n, from, err := s.ReadFrom(buf)
		if err == nil {
			s.SendTo(fmt.Appendf(nil, "%d bytes", n), from)
		}
	}})
	if err != nil {
		panic(err)
	}

	sock, _ := client.BindUDP(0, sim.UDPHandler{
		Readable: func(s sim.UDPSocket) {
			buf := make([]byte, 512)
			n, from, _ := s.ReadFrom(buf)
			fmt.Printf("client read %q from %v\n", buf[:n], from)
		},
		Error: func(s sim.UDPSocket, err error) { fmt.Println("client error:", err) },
	})
	sock.SendTo([]byte("hello"), netip.MustParseAddrPort("198.18.0.2:53"))
	w.Run()

	sock.Connect(netip.MustParseAddrPort("198.18.0.2:54"))
	sock.Send([]byte("anyone?"))
	w.Run()
	_, err = sock.Send([]byte("anyone?"))
	fmt.Println("next send:", err)
	// Output:
	// 0s    client datagram send 198.18.0.1:49152 > 198.18.0.2:53 len 13
	// 10ms  server datagram recv 198.18.0.1:49152 > 198.18.0.2:53 len 13
	// 10ms  server datagram send 198.18.0.2:53 > 198.18.0.1:49152 len 15
	// 20ms  client datagram recv 198.18.0.2:53 > 198.18.0.1:49152 len 15
	// client read "5 bytes" from 198.18.0.2:53
	// 20ms  client datagram send 198.18.0.1:49152 > 198.18.0.2:54 len 15
	// 30ms  server datagram drop 198.18.0.1:49152 > 198.18.0.2:54 len 15 (port-unreachable)
	// 30ms  server icmp send 198.18.0.2 > 198.18.0.1 port unreachable for 198.18.0.1:49152 > 198.18.0.2:54
	// 40ms  client icmp recv 198.18.0.2 > 198.18.0.1 port unreachable for 198.18.0.1:49152 > 198.18.0.2:54
	// client error: udp: connection refused
	// next send: udp: connection refused
}
