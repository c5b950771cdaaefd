//go:build linux

package kernelnet

import (
	"io"
	"net"
	"testing"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// benchBytes is what each operation of the throughput benchmarks moves.
const benchBytes = 16 << 20

// BenchmarkInteropThroughput moves 16 MB one way through the TUN device,
// tcpsim sending to the kernel and the kernel sending to tcpsim, and, as
// the reference, between two kernel sockets over the namespace's
// loopback, in the same run. tcpsim runs its plain RFC profile with a
// 4 MB receive buffer (window scaling on).
func BenchmarkInteropThroughput(b *testing.B) {
	if err := Available(); err != nil {
		b.Skip(err)
	}
	n, err := Open(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	data := make([]byte, benchBytes)
	cfg := tcpstate.DefaultConfig()
	cfg.RecvBuffer, cfg.SendBuffer = 4<<20, 4<<20
	port := uint16(45000)
	b.Run("tcpsim-to-kernel", func(b *testing.B) {
		b.SetBytes(benchBytes)
		for b.Loop() {
			p := benchPair(b, n, port, cfg)
			port++
			go func() { p.tcpsim.Write(data); p.tcpsim.Close() }()
			if m, err := io.Copy(io.Discard, p.kernel); err != nil || m != benchBytes {
				b.Fatal(m, err)
			}
			p.release()
		}
	})
	b.Run("kernel-to-tcpsim", func(b *testing.B) {
		b.SetBytes(benchBytes)
		for b.Loop() {
			p := benchPair(b, n, port, cfg)
			port++
			go func() { p.kernel.Write(data); p.kernel.CloseWrite() }()
			if m, err := io.Copy(io.Discard, p.tcpsim); err != nil || m != benchBytes {
				b.Fatal(m, err)
			}
			p.release()
		}
	})
	b.Run("kernel-to-kernel", func(b *testing.B) {
		b.SetBytes(benchBytes)
		ln, err := n.Listen(0)
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		for b.Loop() {
			var c net.Conn
			err := n.ns.do(func() error {
				var err error
				c, err = net.Dial("tcp4", ln.Addr().String())
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			s, err := ln.Accept()
			if err != nil {
				b.Fatal(err)
			}
			go func() { c.Write(data); c.Close() }()
			if m, err := io.Copy(io.Discard, s); err != nil || m != benchBytes {
				b.Fatal(m, err)
			}
			s.Close()
		}
	})
}

// benchPair connects tcpsim to a kernel socket.
func benchPair(b *testing.B, n *Network, port uint16, cfg tcpstate.Config) *pair {
	p, err := n.openWith(true, port, cfg)
	if err != nil {
		b.Fatal(err)
	}
	return p
}
