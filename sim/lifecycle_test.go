package sim

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

func TestLifecycleReachesClosedOnBothEnds(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	app := &echo{request: "hello", response: "hello back"}
	l, err := server.Listen(80, app.serverHandler)
	require.NoError(t, err)
	c, err := client.Dial(serverPort, app.clientHandler())
	require.NoError(t, err)
	w.Run()

	assert.Equal(t, "hello", app.serverGot)
	assert.Equal(t, "hello back", app.clientGot)
	assert.True(t, app.clientDone && app.serverDone, "both applications saw their connection close")
	assert.NoError(t, app.clientClosed)
	assert.NoError(t, app.srvClosed)

	// With a one-way delay d, the client closes at 4d once it has the
	// answer; its FIN is acknowledged and the server's FIN arrives at 6d;
	// the server's LAST-ACK ends at 7d.
	d := delay
	assert.Equal(t, []string{
		"0s CLOSED>SYN-SENT",
		(2 * d).String() + " SYN-SENT>ESTABLISHED",
		(4 * d).String() + " ESTABLISHED>FIN-WAIT-1",
		(6 * d).String() + " FIN-WAIT-1>FIN-WAIT-2",
		(6 * d).String() + " FIN-WAIT-2>TIME-WAIT",
		// RFC 9293 §3.10.8: 2×MSL after entering TIME-WAIT, exactly.
		(6*d + 2*2*time.Minute).String() + " TIME-WAIT>CLOSED",
	}, states(lg, client))
	assert.Equal(t, []string{
		"0s CLOSED>LISTEN", // the listener's own connection
		d.String() + " LISTEN>SYN-RECEIVED",
		(3 * d).String() + " SYN-RECEIVED>ESTABLISHED",
		(5 * d).String() + " ESTABLISHED>CLOSE-WAIT",
		(5 * d).String() + " CLOSE-WAIT>LAST-ACK",
		(7 * d).String() + " LAST-ACK>CLOSED",
	}, states(lg, server))
	assert.Equal(t, 6*d+4*time.Minute, w.Elapsed(), "the world runs dry at the TIME-WAIT expiry")

	// Handles go stale once closed by the application and CLOSED.
	assert.False(t, c.Valid())
	assert.False(t, app.serverConn.Valid())
	assert.Equal(t, tcpstate.Closed, c.State())
	_, err = c.Write([]byte("x"))
	assert.ErrorIs(t, err, ErrClosed)
	assert.Empty(t, server.conns, "the server's table is empty")
	assert.Empty(t, client.conns, "the client's table is empty")
	assert.Zero(t, client.ports.refs[49152], "the client's ephemeral port is free")
	assert.NotNil(t, l)

	// Every segment sent was received, once, one delay later.
	sent := map[uint64]TraceEvent{}
	for _, e := range lg.filter(TraceSegment, nil) {
		switch e.Event {
		case Send:
			sent[e.Packet] = e
		case Recv:
			s, ok := sent[e.Packet]
			require.True(t, ok, "packet %d received but not sent", e.Packet)
			assert.Equal(t, d, e.Time.Sub(s.Time))
			assert.Equal(t, s.Segment.Seq, e.Segment.Seq)
			assert.Equal(t, tcpstate.Accepted, e.Verdict, "packet %d: %v", e.Packet, e.Segment)
			delete(sent, e.Packet)
		case Drop:
			t.Errorf("dropped %v", e.Segment)
		}
	}
	assert.Empty(t, sent, "segments sent but never received")
	assert.Equal(t, uint64(11), w.Stats().Segments)
	assert.Equal(t, uint64(11), w.Stats().Delivered)
}

func TestHandshakeNumbers(t *testing.T) {
	// Fixed ISNs near 2^32, so that the client's sequence space wraps.
	cfgWith := func(isn uint32) *tcpstate.Config {
		cfg := tcpstate.DefaultConfig()
		cfg.ISN = fixedISN(seqnum.Value(isn))
		return &cfg
	}
	lg := &log{}
	w := New(Config{Seed: 7, Trace: lg.record})
	client, _ := w.AddHost(HostConfig{Name: "client", Addr: clientAddr, TCP: cfgWith(0xffff_fffe)})
	server, _ := w.AddHost(HostConfig{Name: "server", Addr: serverAddr, TCP: cfgWith(1000)})
	_, err := w.AddLink(client, server, Path{Delay: delay}, Path{Delay: delay})
	require.NoError(t, err)
	app := &echo{request: "hello", response: "hi"}
	_, err = server.Listen(80, app.serverHandler)
	require.NoError(t, err)
	_, err = client.Dial(serverPort, app.clientHandler())
	require.NoError(t, err)
	w.Run()

	var sends []tcpstate.Segment
	for _, e := range lg.filter(TraceSegment, nil) {
		if e.Event == Send {
			sends = append(sends, e.Segment)
		}
	}
	require.GreaterOrEqual(t, len(sends), 4)
	// RFC 9293 §3.5, Figure 6: <SEQ=100><CTL=SYN>, <SEQ=300><ACK=101><CTL=SYN,ACK>,
	// <SEQ=101><ACK=301><CTL=ACK>, then data from SEQ=101.
	syn, synack, ack, data := sends[0], sends[1], sends[2], sends[3]
	assert.Equal(t, tcpstate.SYN, syn.Flags)
	assert.Equal(t, seqnum.Value(0xffff_fffe), syn.Seq)
	assert.Equal(t, tcpstate.SYN|tcpstate.ACK, synack.Flags)
	assert.Equal(t, seqnum.Value(1000), synack.Seq)
	assert.Equal(t, seqnum.Value(0xffff_ffff), synack.Ack)
	assert.Equal(t, tcpstate.ACK, ack.Flags)
	assert.Equal(t, seqnum.Value(0xffff_ffff), ack.Seq)
	assert.Equal(t, seqnum.Value(1001), ack.Ack)
	assert.Equal(t, "hello", string(data.Payload))
	assert.Equal(t, seqnum.Value(0xffff_ffff), data.Seq)
	// The server acknowledges the five bytes across the wrap: 2^32-1 + 5 = 4.
	assert.Equal(t, seqnum.Value(4), sends[4].Ack)
	assert.Equal(t, "hi", app.clientGot)
}

func TestSecondConnectionUsesNextPortAndRecycledEndpoints(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	app := &echo{request: "a", response: "b"}
	_, err := server.Listen(80, app.serverHandler)
	require.NoError(t, err)
	c1, err := client.Dial(serverPort, app.clientHandler())
	require.NoError(t, err)
	w.Run()
	app2 := &echo{request: "c", response: "d"}
	// The listener's handler still belongs to the first app: reuse its
	// server side, which answers any request with "b".
	app.serverGot = ""
	c2, err := client.Dial(serverPort, app2.clientHandler())
	require.NoError(t, err)
	assert.Equal(t, uint16(49153), c2.LocalAddr().Port())
	assert.NotEqual(t, c1, c2)
	assert.False(t, c1.Valid(), "the old handle stays stale even if its endpoint is reused")
	w.Run()
	assert.Equal(t, "b", app2.clientGot)
	assert.Equal(t, "c", app.serverGot)
	n := 0
	for _, e := range lg.filter(TraceState, client) {
		if e.To == tcpstate.Closed {
			n++
		}
	}
	assert.Equal(t, 2, n, "both client connections reached CLOSED")
}

func fixedISN(v seqnum.Value) tcpstate.ISNFunc {
	return func(time.Time, netip.AddrPort, netip.AddrPort) seqnum.Value { return v }
}

func TestSimultaneousClose(t *testing.T) {
	// Both ends close at once, when the handshake completes on each side:
	// the FINs cross, both go through CLOSING (RFC 9293 §3.6, Figure 13)
	// and both wait in TIME-WAIT.
	w, client, server, lg := pair(t, 1, nil)
	_, err := server.Listen(80, func(c Conn) Handler {
		c.Close()
		return Handler{}
	})
	require.NoError(t, err)
	// The client closes when the server's ACK of the handshake would
	// arrive: it waits one delay after ESTABLISHED, so both FINs leave
	// at the same instant.
	c, err := client.Dial(serverPort, Handler{})
	require.NoError(t, err)
	w.RunUntil(Epoch().Add(3 * delay))
	require.NoError(t, c.Close())
	w.Run()
	for _, h := range []*Host{client, server} {
		var through []tcpstate.State
		for _, e := range lg.filter(TraceState, h) {
			if e.Remote.IsValid() {
				through = append(through, e.To)
			}
		}
		assert.Equal(t, []tcpstate.State{tcpstate.FinWait1, tcpstate.Closing, tcpstate.TimeWait, tcpstate.Closed},
			through[len(through)-4:], "%s", h)
	}
	assert.Empty(t, client.conns)
	assert.Empty(t, server.conns)
}
