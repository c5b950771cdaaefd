//go:build linux

package kernelnet

import (
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// The kernel's own TCP on the namespace's loopback, recorded: with an
// Ethernet's MTU the SYN offers an MSS of 1460 (RFC 9293 §3.7.1: 1500 less
// 40 bytes of headers), and 3000 bytes leave as segments of at most an MSS
// less 12 bytes of timestamps (RFC 7323 §3), not as one: GSO is off.
func TestLoopbackCapture(t *testing.T) {
	requireKernel(t)
	n := openNetwork(t, Options{})
	lc, err := n.CaptureLoopback()
	require.NoError(t, err)
	t.Cleanup(func() { lc.Stop() })
	var ln net.Listener
	var c net.Conn
	require.NoError(t, n.InNamespace(func() error {
		var err error
		if ln, err = net.Listen("tcp4", "127.0.0.1:0"); err != nil {
			return err
		}
		c, err = net.Dial("tcp4", ln.Addr().String())
		return err
	}))
	s, err := ln.Accept()
	require.NoError(t, err)
	_, err = c.Write(make([]byte, 3000))
	require.NoError(t, err)
	got, err := io.ReadFull(s, make([]byte, 3000))
	require.NoError(t, err)
	require.Equal(t, 3000, got)
	c.Close()
	io.Copy(io.Discard, s)
	s.Close()
	ln.Close()
	trace, err := lc.Stop()
	require.NoError(t, err)
	require.NotEmpty(t, trace)
	syn := trace[0].Seg
	assert.Equal(t, tcpstate.SYN, syn.Flags)
	assert.True(t, syn.Options.HasMSS)
	assert.Equal(t, uint16(1460), syn.Options.MSS)
	var lens []int
	for _, ts := range trace {
		if ts.Len > 0 {
			lens = append(lens, ts.Len)
		}
	}
	assert.Equal(t, []int{1448, 1448, 104}, lens)
}
