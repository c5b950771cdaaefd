package udp_test

import (
	"fmt"
	"net/netip"

	"github.com/tcpsim/tcpsim/udp"
)

// A query built by one endpoint, put on the wire, decoded and delivered to
// another, whose answer comes back the same way. The "network" is the
// two calls Encode and Decode.
func Example() {
	client, _ := udp.NewEndpoint(udp.Config{Local: netip.MustParseAddrPort("192.0.2.1:1234")})
	server, _ := udp.NewEndpoint(udp.Config{Local: netip.MustParseAddrPort("192.0.2.2:53")})

	d, _ := client.SendTo([]byte("hi"), server.LocalAddr())
	wire, _ := udp.Encode(d)
	fmt.Printf("% x\n", wire)

	got, err := udp.Decode(d.Src.Addr(), d.Dst.Addr(), wire)
	if err != nil {
		panic(err)
	}
	fmt.Println(server.Deliver(got))

	buf := make([]byte, 512)
	n, from, _ := server.ReadFrom(buf)
	fmt.Printf("server read %q from %v\n", buf[:n], from)

	// One bit flipped on the way: the checksum catches it.
	wire[9] ^= 0x20
	_, err = udp.Decode(d.Src.Addr(), d.Dst.Addr(), wire)
	fmt.Println(err)
	// Output:
	// 04 d2 00 35 00 0a 0e 66 68 69
	// queued
	// server read "hi" from 192.0.2.1:1234
	// udp: bad checksum: field 0x0e66, computed 0x0e86
}

// A connected endpoint learns from an ICMP port unreachable that nobody
// listens at its remote: the next call fails with ErrRefused, once.
func ExampleEndpoint_HandleICMP() {
	e, _ := udp.NewEndpoint(udp.Config{Local: netip.MustParseAddrPort("192.0.2.1:1234")})
	remote := netip.MustParseAddrPort("192.0.2.2:9")
	e.Connect(remote)
	e.Send([]byte("anyone?"))
	e.HandleICMP(remote, udp.ErrRefused) // the driver got ICMP type 3 code 3
	_, err := e.Send([]byte("anyone?"))
	fmt.Println(err)
	_, err = e.Send([]byte("anyone?"))
	fmt.Println(err)
	// Output:
	// udp: connection refused
	// <nil>
}
