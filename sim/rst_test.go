package sim

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

func TestSYNToClosedPortIsRefusedWithRST(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	var closedErr error
	closed := false
	c, err := client.Dial(netip.AddrPortFrom(serverAddr, 81), Handler{
		Established: func(Conn) { t.Error("established with a closed port") },
		Closed:      func(_ Conn, err error) { closed, closedErr = true, err },
	})
	require.NoError(t, err)
	w.Run()

	require.True(t, closed)
	assert.ErrorIs(t, closedErr, tcpstate.ErrRefused)
	assert.ErrorIs(t, c.Err(), tcpstate.ErrRefused)
	assert.Equal(t, tcpstate.Closed, c.State())
	assert.True(t, c.Valid(), "the handle stays until the application closes it")
	require.NoError(t, c.Close())
	assert.False(t, c.Valid())

	segs := lg.filter(TraceSegment, server)
	require.Len(t, segs, 2)
	syn, rst := segs[0], segs[1]
	assert.Equal(t, Recv, syn.Event)
	assert.Equal(t, tcpstate.AnsweredRST, syn.Verdict)
	assert.False(t, syn.HasTCB, "no connection handled it")
	// RFC 9293 §3.10.7.1: the SYN has no ACK, so the reset is
	// <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
	assert.Equal(t, Send, rst.Event)
	assert.Equal(t, tcpstate.RST|tcpstate.ACK, rst.Segment.Flags)
	assert.Zero(t, rst.Segment.Seq)
	assert.Equal(t, syn.Segment.Seq.Add(1), rst.Segment.Ack)
	assert.Equal(t, syn.Segment.Dst, rst.Segment.Src)
	assert.Equal(t, syn.Segment.Src, rst.Segment.Dst)
	assert.Equal(t, []string{"0s CLOSED>SYN-SENT", "100ms SYN-SENT>CLOSED"}, states(lg, client))
}

func TestStraySegmentsWithoutConnection(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	_, err := server.Listen(80, nil)
	require.NoError(t, err)
	from := netip.AddrPortFrom(clientAddr, 5000)

	// An ACK to a closed port: <SEQ=SEG.ACK><CTL=RST> (RFC 9293 §3.10.7.1).
	client.SendRaw(tcpstate.Segment{Src: from, Dst: netip.AddrPortFrom(serverAddr, 81), Seq: 10, Ack: 777, Flags: tcpstate.ACK})
	// An ACK to the listening port, no connection: the LISTEN connection
	// answers the same way (§3.10.7.2, "Any acknowledgment is bad").
	client.SendRaw(tcpstate.Segment{Src: from, Dst: serverPort, Seq: 10, Ack: 888, Flags: tcpstate.ACK})
	// A RST is never answered.
	client.SendRaw(tcpstate.Segment{Src: from, Dst: netip.AddrPortFrom(serverAddr, 81), Seq: 10, Flags: tcpstate.RST})
	client.SendRaw(tcpstate.Segment{Src: from, Dst: serverPort, Seq: 10, Flags: tcpstate.RST})
	w.Run()

	var got []string
	for _, e := range lg.filter(TraceSegment, server) {
		s := &e.Segment
		got = append(got, fmt.Sprintf("%v %d>%d %v seq=%d ack=%d %s",
			e.Event, s.Src.Port(), s.Dst.Port(), s.Flags, s.Seq, s.Ack, verdictOf(e)))
	}
	assert.Equal(t, []string{
		"recv 5000>81 . seq=10 ack=777 answered-rst",
		"send 81>5000 R seq=777 ack=0 ",
		"recv 5000>80 . seq=10 ack=888 answered-rst",
		"send 80>5000 R seq=888 ack=0 ",
		"recv 5000>81 R seq=10 ack=0 dropped-rst",
		"recv 5000>80 R seq=10 ack=0 dropped-rst",
	}, got)
	assert.Empty(t, server.conns, "no connection was created")
}

func verdictOf(e TraceEvent) string {
	if e.Event == Recv {
		return e.Verdict.String()
	}
	return ""
}

func TestSegmentsInFlightOwnTheirBytes(t *testing.T) {
	// The payload Poll returns aliases the sender's buffers, which change
	// as soon as the sender is called again: the world copies it.
	w, client, server, lg := pair(t, 1, nil)
	buf := []byte("original")
	client.SendRaw(tcpstate.Segment{
		Src: netip.AddrPortFrom(clientAddr, 5000), Dst: netip.AddrPortFrom(serverAddr, 81),
		Seq: 1, Flags: tcpstate.PSH, Payload: buf,
	})
	copy(buf, "CLOBBER!")
	w.Run()
	recv := lg.filter(TraceSegment, server)
	require.NotEmpty(t, recv)
	assert.Equal(t, "original", string(recv[0].Segment.Payload))
	// RFC 9293 §3.10.7.1: SEG.LEN counts the data: the reset acknowledges it.
	require.Len(t, recv, 2)
	assert.Equal(t, seqnum.Value(1+8), recv[1].Segment.Ack)
}
