package sim_test

import (
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/sim"
)

// Two hosts, an echo server and a client that sends "ping" and closes
// when the echo comes back, run to the end in virtual time.
func Example() {
	w := sim.New(sim.Config{
		Seed: 1,
		Trace: func(e sim.TraceEvent) {
			if e.Kind == sim.TraceState {
				fmt.Printf("%-8v %-6s %v → %v\n", e.Time.Sub(sim.Epoch()), e.Host, e.From, e.To)
			}
		},
	})
	client, _ := w.AddHost(sim.HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1")})
	server, _ := w.AddHost(sim.HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2")})
	oneWay := sim.Path{Delay: 10 * time.Millisecond}
	if _, err := w.AddLink(client, server, oneWay, oneWay); err != nil {
		panic(err)
	}

	// The server echoes what it reads and closes at the end of the stream.
	_, err := server.Listen(7, func(sim.Conn) sim.Handler {
		return sim.Handler{Readable: func(c sim.Conn) {
			buf := make([]byte, 512)
			n, err := c.Read(buf)
			if n > 0 {
				c.Write(buf[:n])
			}
			if err == io.EOF {
				c.Close()
			}
		}}
	})
	if err != nil {
		panic(err)
	}
	_, err = client.Dial(netip.MustParseAddrPort("198.18.0.2:7"), sim.Handler{
		Established: func(c sim.Conn) { c.Write([]byte("ping")) },
		Readable: func(c sim.Conn) {
			buf := make([]byte, 512)
			if n, _ := c.Read(buf); n > 0 {
				fmt.Printf("client read %q\n", buf[:n])
				c.Close()
			}
		},
	})
	if err != nil {
		panic(err)
	}

	w.Run() // until nothing is left to happen: TIME-WAIT ends at 2×MSL
	fmt.Println("all done at", w.Elapsed())
	// Output:
	// 0s       server CLOSED → LISTEN
	// 0s       client CLOSED → SYN-SENT
	// 10ms     server LISTEN → SYN-RECEIVED
	// 20ms     client SYN-SENT → ESTABLISHED
	// 30ms     server SYN-RECEIVED → ESTABLISHED
	// client read "ping"
	// 40ms     client ESTABLISHED → FIN-WAIT-1
	// 50ms     server ESTABLISHED → CLOSE-WAIT
	// 50ms     server CLOSE-WAIT → LAST-ACK
	// 60ms     client FIN-WAIT-1 → FIN-WAIT-2
	// 60ms     client FIN-WAIT-2 → TIME-WAIT
	// 70ms     server LAST-ACK → CLOSED
	// 4m0.06s  client TIME-WAIT → CLOSED
	// all done at 4m0.06s
}
