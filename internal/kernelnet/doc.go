// Package kernelnet lets tcpsim's TCP talk to the Linux kernel's own TCP:
// it makes a private network namespace, with a TUN device in it whose far
// side is a tcpsim endpoint running in wall-clock time, and opens kernel
// sockets inside the namespace. Nothing outside the namespace is touched:
// it has no name, and it goes away with its last socket and thread.
//
// It needs Linux, root (or CAP_NET_ADMIN) and /dev/net/tun; Available
// says why it cannot run otherwise. Addresses come from 198.18.0.0/15
// (RFC 2544's benchmarking range): the kernel's side of the TUN is
// KernelAddr, tcpsim's is TcpsimAddr.
package kernelnet

import "net/netip"

// The addresses on the TUN link, a /24 of RFC 2544's 198.18.0.0/15.
var (
	KernelAddr = netip.MustParseAddr("198.18.0.1")
	TcpsimAddr = netip.MustParseAddr("198.18.0.2")
)

// prefixLen is the length of the TUN link's prefix.
const prefixLen = 24
