package sim

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

func TestCallsAreTracedWithTheirResults(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	app := &echo{request: "hello", response: "hello back"}
	_, err := server.Listen(80, app.serverHandler)
	require.NoError(t, err)
	_, err = client.Dial(serverPort, app.clientHandler())
	require.NoError(t, err)
	w.Run()
	var got []string
	for _, e := range lg.filter(TraceCall, nil) {
		s := e.Host.Name() + " " + e.Call.String() + " " + e.Result()
		if e.Call == CallSend || e.Call == CallRecv {
			s += " " + string(e.Data)
		}
		got = append(got, s)
	}
	assert.Equal(t, []string{
		"server listen ok",
		"client connect ok",
		"client send ok hello",
		"server accept ok",
		"server recv ok hello",
		"server send ok hello back",
		"client recv ok hello back",
		"client close ok",
		"server recv eof ",
		"server close ok",
		"client recv eof ",
	}, got)
}

func TestMisuseReturnsErrors(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	_, err := server.Listen(80, func(c Conn) Handler {
		return Handler{Readable: func(c Conn) {
			if _, err := c.Read(make([]byte, 10)); err == io.EOF {
				c.Close()
			}
		}}
	})
	require.NoError(t, err)
	c, err := client.Dial(serverPort, Handler{})
	require.NoError(t, err)

	// Nothing to read before any data: would block.
	_, err = c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, tcpstate.ErrWouldBlock)
	// Data written in SYN-SENT waits for ESTABLISHED.
	n, err := c.Write([]byte("early"))
	assert.NoError(t, err)
	assert.Equal(t, 5, n)
	w.RunFor(2 * delay)
	require.Equal(t, tcpstate.Established, c.State())
	require.NoError(t, c.Close())
	assert.ErrorIs(t, c.Close(), tcpstate.ErrClosing, "close twice")
	_, err = c.Write([]byte("late"))
	assert.ErrorIs(t, err, tcpstate.ErrClosing, "write after close")
	w.Run()
	assert.False(t, c.Valid())
	assert.ErrorIs(t, c.Close(), ErrClosed)
	_, err = c.Read(nil)
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, c.Abort(), ErrClosed)
	assert.Equal(t, "closed connection", c.String())
	assert.Nil(t, c.Host())
	assert.False(t, Conn{}.Valid(), "the zero Conn")
}

func TestCloseInSynSentDeletesTheConnection(t *testing.T) {
	w, client, _, lg := pair(t, 1, nil)
	c, err := client.Dial(serverPort, Handler{})
	require.NoError(t, err)
	// RFC 9293 §3.10.4, CLOSE in SYN-SENT: "Delete the TCB ... and return".
	require.NoError(t, c.Close())
	assert.False(t, c.Valid())
	assert.Empty(t, client.conns)
	w.Run()
	// The SYN already sent meets no listener and is refused; nothing on
	// the client answers the RST.
	for _, e := range lg.filter(TraceSegment, client) {
		if e.Event == Recv {
			assert.Equal(t, tcpstate.DroppedRST, e.Verdict)
		}
	}
}

func TestAbortSendsRST(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	var serverErr error
	_, err := server.Listen(80, func(Conn) Handler {
		return Handler{Closed: func(_ Conn, err error) { serverErr = err }}
	})
	require.NoError(t, err)
	_, err = client.Dial(serverPort, Handler{Established: func(c Conn) { c.Abort() }})
	require.NoError(t, err)
	w.Run()
	assert.ErrorIs(t, serverErr, tcpstate.ErrReset)
	calls := lg.filter(TraceCall, client)
	require.NotEmpty(t, calls)
	assert.Equal(t, CallAbort, calls[len(calls)-1].Call)
	assert.Empty(t, client.conns)
	assert.Empty(t, server.conns)
}

func TestWritesFromCallbacksLeaveInOrder(t *testing.T) {
	// A callback that writes twice: both writes leave after it returns,
	// in order, and the server reads them as one stream.
	w, client, server, _ := pair(t, 1, nil)
	var got strings.Builder
	_, err := server.Listen(80, func(Conn) Handler {
		return Handler{Readable: func(c Conn) {
			var buf [64]byte
			n, _ := c.Read(buf[:])
			got.Write(buf[:n])
		}}
	})
	require.NoError(t, err)
	_, err = client.Dial(serverPort, Handler{Established: func(c Conn) {
		c.Write([]byte("one,"))
		c.Write([]byte("two"))
		c.Close()
	}})
	require.NoError(t, err)
	w.Run()
	assert.Equal(t, "one,two", got.String())
}
