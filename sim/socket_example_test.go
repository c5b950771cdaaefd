package sim_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/sim"
)

// The tutorial's blocking echo server and client, as two processes. Each
// blocking call returns when the simulated event it waits for happens,
// in virtual time: 10 ms each way, the handshake takes one round trip.
func ExampleSockets() {
	w := sim.New(sim.Config{Seed: 1})
	defer w.Close() // ends processes still blocked, if any
	client, _ := w.AddHost(sim.HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1")})
	server, _ := w.AddHost(sim.HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2")})
	oneWay := sim.Path{Delay: 10 * time.Millisecond}
	if _, err := w.AddLink(client, server, oneWay, oneWay); err != nil {
		panic(err)
	}
	say := func(p *sim.Process, f string, a ...any) {
		fmt.Printf("%-5v %-6s %s\n", p.Now().Sub(sim.Epoch()), p.Host(), fmt.Sprintf(f, a...))
	}

	w.Go(server, "echo-server", func(p *sim.Process) {
		s := p.Sockets()
		lfd, _ := s.Socket()
		s.Bind(lfd, netip.MustParseAddrPort("0.0.0.0:7"))
		s.Listen(lfd, 5)
		say(p, "accept...")
		fd, from, _ := s.Accept(lfd) // blocks until a client connects
		say(p, "accepted %v", from)
		buf := make([]byte, 512)
		for {
			n, err := s.Recv(fd, buf)
			if err != nil || n == 0 { // 0: the client closed
				say(p, "recv 0: end of stream")
				break
			}
			s.Send(fd, buf[:n])
		}
		s.CloseSocket(fd)
		s.CloseSocket(lfd)
	})
	w.Go(client, "client", func(p *sim.Process) {
		s := p.Sockets()
		fd, _ := s.Socket()
		if err := s.Connect(fd, netip.MustParseAddrPort("198.18.0.2:7")); err != nil {
			say(p, "connect: %v", err)
			return
		}
		say(p, "connected")
		s.Send(fd, []byte("ping"))
		buf := make([]byte, 512)
		n, _ := s.Recv(fd, buf)
		say(p, "recv %q", buf[:n])
		s.CloseSocket(fd)
	})

	w.Run()
	fmt.Println("blocked:", len(w.Blocked()))
	// Output:
	// 0s    server accept...
	// 20ms  client connected
	// 30ms  server accepted 198.18.0.1:49152
	// 40ms  client recv "ping"
	// 50ms  server recv 0: end of stream
	// blocked: 0
}

// The tutorial's non-blocking connect: Connect returns ErrInProgress at
// once, and Select says how it ended, writable when connected, in the
// except set when refused (here: nothing listens on port 8).
func ExampleSockets_Select() {
	w := sim.New(sim.Config{Seed: 1})
	defer w.Close()
	client, _ := w.AddHost(sim.HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1")})
	server, _ := w.AddHost(sim.HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2")})
	oneWay := sim.Path{Delay: 10 * time.Millisecond}
	if _, err := w.AddLink(client, server, oneWay, oneWay); err != nil {
		panic(err)
	}
	s := server.Sockets()
	lfd, _ := s.Socket()
	s.Bind(lfd, netip.MustParseAddrPort("0.0.0.0:7"))
	s.Listen(lfd, 5)

	w.Go(client, "client", func(p *sim.Process) {
		s := p.Sockets()
		for _, port := range []uint16{7, 8} {
			fd, _ := s.Socket()
			s.SetNonblocking(fd, true)
			err := s.Connect(fd, netip.AddrPortFrom(server.Addr(), port))
			fmt.Printf("%v port %d: connect: %v\n", p.Now().Sub(sim.Epoch()), port, err)
			var wr, ex sim.FDSet
			wr.Set(fd)
			ex.Set(fd)
			s.Select(nil, &wr, &ex, nil) // no timeout: wait until one is ready
			fmt.Printf("%v port %d: writable %v, except %v, error %v\n",
				p.Now().Sub(sim.Epoch()), port, wr.IsSet(fd), ex.IsSet(fd), s.SocketError(fd))
			s.CloseSocket(fd)
		}
	})
	w.Run()
	// Output:
	// 0s port 7: connect: sim: operation now in progress
	// 20ms port 7: writable true, except false, error <nil>
	// 20ms port 8: connect: sim: operation now in progress
	// 40ms port 8: writable false, except true, error sim: connection refused
}
