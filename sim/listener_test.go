package sim

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

func TestListenTwiceOnOnePort(t *testing.T) {
	_, _, server, _ := pair(t, 1, nil)
	l, err := server.Listen(80, nil)
	require.NoError(t, err)
	_, err = server.Listen(80, nil)
	assert.ErrorIs(t, err, ErrAddrInUse)
	_, err = server.Listen(0, nil)
	assert.ErrorIs(t, err, ErrInvalid)
	require.NoError(t, l.Close())
	assert.ErrorIs(t, l.Close(), ErrClosed)
	_, err = server.Listen(80, nil)
	assert.NoError(t, err, "the port is free again")
}

func TestClosingListenerResetsConnectionsNotYetAccepted(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	accepted := false
	l, err := server.Listen(80, func(Conn) Handler { accepted = true; return Handler{} })
	require.NoError(t, err)
	var clientErr error
	_, err = client.Dial(serverPort, Handler{Closed: func(_ Conn, err error) { clientErr = err }})
	require.NoError(t, err)
	// The SYN arrives at 50 ms; the SYN-ACK is on its way back.
	w.RunFor(60 * time.Millisecond)
	require.Len(t, l.pending, 1)
	require.NoError(t, l.Close())
	w.Run()

	assert.False(t, accepted)
	assert.Empty(t, server.conns)
	// RFC 9293 §3.10.5: ABORT in SYN-RECEIVED sends <SEQ=SND.NXT><CTL=RST>,
	// which resets the client once it is ESTABLISHED (§3.10.7.4).
	var rst *TraceEvent
	for _, e := range lg.filter(TraceSegment, server) {
		if e.Event == Send && e.Segment.Flags&tcpstate.RST != 0 {
			rst = &e
		}
	}
	require.NotNil(t, rst)
	assert.ErrorIs(t, clientErr, tcpstate.ErrReset)
}

func TestConnectionReturnedToListenIsDropped(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	_, err := server.Listen(80, func(Conn) Handler { t.Error("accepted"); return Handler{} })
	require.NoError(t, err)
	// A SYN from a port the client has no connection on: the SYN-ACK
	// will be answered by the client host with a RST...
	from := netip.AddrPortFrom(clientAddr, 6000)
	client.SendRaw(tcpstate.Segment{Src: from, Dst: serverPort, Seq: 5000, Flags: tcpstate.SYN, Window: 1000})
	w.Run()
	// ...which takes the server's connection from SYN-RECEIVED back to
	// LISTEN (RFC 9293 §3.10.7.4), and the host forgets it.
	assert.Equal(t, []string{
		"0s CLOSED>LISTEN",
		"50ms LISTEN>SYN-RECEIVED",
		"150ms SYN-RECEIVED>LISTEN",
	}, states(lg, server))
	assert.Empty(t, server.conns)
	assert.Zero(t, w.agenda.Len())
}

func TestSYNBeyondBacklogIsDropped(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	_, err := server.Listen(80, nil)
	require.NoError(t, err)
	for i := range DefaultBacklog + 1 {
		from := netip.AddrPortFrom(clientAddr, uint16(1000+i))
		client.SendRaw(tcpstate.Segment{Src: from, Dst: serverPort, Seq: 1, Flags: tcpstate.SYN, Window: 1000})
	}
	w.RunFor(delay)
	var drops []TraceEvent
	for _, e := range lg.filter(TraceSegment, server) {
		if e.Event == Drop {
			drops = append(drops, e)
		}
	}
	require.Len(t, drops, 1)
	assert.Equal(t, DropListenOverflow, drops[0].Reason)
	assert.Equal(t, uint16(1000+DefaultBacklog), drops[0].Remote.Port())
	assert.Len(t, server.conns, DefaultBacklog)
}
