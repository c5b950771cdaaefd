package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// TestDemuxForgetsEndedConnection: the host remembers the connection it
// found last, but once that connection has left the table (reset here) a
// segment with its 4-tuple finds no one, and the host refuses it with a
// RST (RFC 9293 §3.10.7.1).
func TestDemuxForgetsEndedConnection(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	var srv Conn
	_, err := server.Listen(80, func(c Conn) Handler { srv = c; return Handler{} })
	require.NoError(t, err)
	cli, err := client.Dial(serverPort, Handler{})
	require.NoError(t, err)
	w.RunFor(3 * delay) // established, the client's ACK in the server's cache
	require.Equal(t, tcpstate.Established, srv.State())
	require.NoError(t, cli.Abort()) // the RST takes the server's connection out
	w.RunFor(2 * delay)
	require.Equal(t, tcpstate.Closed, srv.State())
	assert.Nil(t, server.last)

	stray := tcpstate.Segment{Src: cli.LocalAddr(), Dst: serverPort, Seq: 5, Ack: 5, Flags: tcpstate.ACK, Window: 100}
	client.SendRaw(stray)
	w.RunFor(2 * delay)
	var rst bool
	for _, e := range segEvents(lg, Send) {
		if e.Host == server && e.Segment.Flags&tcpstate.RST != 0 && e.Segment.Seq == 5 {
			rst = true
		}
	}
	assert.True(t, rst, "the stray ACK is refused: <SEQ=SEG.ACK><CTL=RST>")
}
