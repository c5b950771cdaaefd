package sim_test

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/sim"
)

// An echo server and a client written as ordinary goroutine code against
// net.Listener and net.Conn, over a simulated link.
//
// Tests should run this inside testing/synctest.Test (see
// TestNetworkEcho in netconn_test.go): there the world runs in the
// bubble's virtual time and takes no real time at all. An Example has no
// *testing.T to make a bubble with, so this one runs against the wall
// clock: the 1 ms links make it take about 4 ms.
func ExampleNetwork() {
	w := sim.New(sim.Config{Seed: 1})
	client, _ := w.AddHost(sim.HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1")})
	server, _ := w.AddHost(sim.HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2")})
	oneWay := sim.Path{Delay: time.Millisecond}
	if _, err := w.AddLink(client, server, oneWay, oneWay); err != nil {
		panic(err)
	}

	n := sim.NewNetwork(w, sim.NetworkConfig{}) // from here on, only n touches w
	defer n.Close()

	l, err := n.Host(server).Listen("tcp", ":7")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	go func() { // the echo server
		for {
			c, err := l.Accept()
			if err != nil {
				return // the listener was closed
			}
			go func(c net.Conn) {
				defer c.Close()
				io.Copy(c, c) // until the client's FIN
			}(c)
		}
	}()

	c, err := n.Host(client).Dial("tcp", "server:7")
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Println("connected to", c.RemoteAddr())
	c.Write([]byte("ping"))
	c.(*sim.NetConn).CloseWrite() // FIN: the server's io.Copy ends
	echo, err := io.ReadAll(c)    // until the server's FIN
	fmt.Printf("read %q, %v\n", echo, err)
	// Output:
	// connected to 198.18.0.2:7
	// read "ping", <nil>
}
