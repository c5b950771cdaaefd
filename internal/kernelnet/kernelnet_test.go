//go:build linux

package kernelnet

import (
	"context"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// requireKernel skips a test that needs root and /dev/net/tun where they
// are missing, unless TCPSIM_KERNEL_TESTS=require (set by .ci/run), which
// makes their absence a failure.
func requireKernel(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("TCPSIM_KERNEL_TESTS") == "require" {
			t.Fatalf("kernel tests are required here: %v", err)
		}
		t.Skip(err)
	}
}

// openNetwork opens a network for a test and closes it at the end,
// checking that the TUN device dropped nothing.
func openNetwork(t *testing.T, opts Options) *Network {
	t.Helper()
	n, err := Open(opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		d, err := n.TxDropped()
		assert.NoError(t, err)
		assert.Zero(t, d, "packets dropped by %s", tunName)
		assert.NoError(t, n.Close())
	})
	return n
}

func TestTcpsimClientToKernelServer(t *testing.T) {
	requireKernel(t)
	n := openNetwork(t, Options{})
	ln, err := n.Listen(0)
	require.NoError(t, err)
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	e, err := n.DialTcpsim(40000, port, tcpstate.DefaultConfig())
	require.NoError(t, err)
	defer e.Release()
	s, err := e.WaitState(5*time.Second, tcpstate.Established)
	require.NoError(t, err, "state %v", s)
	k := <-accepted
	defer k.Close()
	_, err = e.Write([]byte("hello kernel"))
	require.NoError(t, err)
	buf := make([]byte, 100)
	k.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := k.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "hello kernel", string(buf[:m]))
	_, err = k.Write([]byte("hello tcpsim"))
	require.NoError(t, err)
	m, err = e.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "hello tcpsim", string(buf[:m]))
	require.NoError(t, e.Close())
	_, err = k.Read(buf)
	assert.Equal(t, io.EOF, err)
	require.NoError(t, k.Close())
	s, err = e.WaitState(5*time.Second, tcpstate.TimeWait)
	assert.NoError(t, err, "state %v", s)
	_ = context.Background()
}
