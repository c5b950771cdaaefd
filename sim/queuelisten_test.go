package sim

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// backlogWorld has a server with a backlog of one and a listener that
// never sees its connections established: the client's ACKs of the
// SYN-ACK are all lost, so each connection stays in SYN-RECEIVED and
// fills the backlog. Three clients dial it.
func backlogWorld(t *testing.T, reset bool) (*World, *log, []error) {
	lg := &log{}
	w := New(Config{Seed: 1, Trace: lg.record})
	tcp := tcpstate.DefaultConfig()
	tcp.SynRetries = 1 // give up soon: the world then runs dry
	client, err := w.AddHost(HostConfig{Name: "client", Addr: clientAddr, TCP: &tcp})
	require.NoError(t, err)
	server, err := w.AddHost(HostConfig{Name: "server", Addr: serverAddr, TCP: &tcp, Backlog: 1, OverflowReset: reset})
	require.NoError(t, err)
	bareACK := func(s *tcpstate.Segment) bool { return s.Flags == tcpstate.ACK }
	_, err = w.AddLink(client, server, Path{Delay: delay, Faults: []Fault{DropMatching(bareACK, 0)}}, Path{Delay: delay})
	require.NoError(t, err)
	_, err = server.Listen(80, nil)
	require.NoError(t, err)
	errs := make([]error, 3)
	for i := range errs {
		_, err := client.Dial(serverPort, Handler{Closed: func(_ Conn, err error) { errs[i] = err }})
		require.NoError(t, err)
	}
	w.RunFor(delay) // the SYNs arrive
	return w, lg, errs
}

func TestBacklogOverflowDrops(t *testing.T) {
	_, lg, _ := backlogWorld(t, false)
	drops := segEvents(lg, Drop)
	require.Len(t, drops, 2, "the second and third SYN")
	for _, e := range drops {
		assert.Equal(t, DropListenOverflow, e.Reason)
		assert.Equal(t, tcpstate.SYN, e.Segment.Flags)
	}
	for _, e := range segEvents(lg, Send) {
		assert.Zero(t, e.Segment.Flags&tcpstate.RST, "no reset when dropping: %v", e.Segment)
	}
}

func TestBacklogOverflowResets(t *testing.T) {
	w, lg, errs := backlogWorld(t, true)
	drops := segEvents(lg, Drop)
	require.Len(t, drops, 2)
	rsts := 0
	for _, e := range segEvents(lg, Send) {
		if e.Segment.Flags == tcpstate.RST|tcpstate.ACK {
			rsts++
			assert.Equal(t, "server", e.Host.Name())
			assert.Equal(t, uint32(0), uint32(e.Segment.Seq), "RFC 9293 §3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN>")
		}
	}
	assert.Equal(t, 2, rsts)
	w.RunFor(delay) // the resets arrive
	assert.ErrorIs(t, errs[1], tcpstate.ErrRefused)
	assert.ErrorIs(t, errs[2], tcpstate.ErrRefused)
	assert.NoError(t, errs[0], "the first is still connecting")
}

// cookieWorld: a server with a backlog of one and SYN cookies. The first
// client's ACK of its SYN-ACK is lost, so that connection stays in
// SYN-RECEIVED and fills the backlog; two more clients dial. It returns
// the connections the server accepted, in order.
func cookieWorld(t *testing.T, cookies bool) (*World, *Host, *log, *[]Conn) {
	lg := &log{}
	w := New(Config{Seed: 1, Trace: lg.record})
	client, err := w.AddHost(HostConfig{Name: "client", Addr: clientAddr})
	require.NoError(t, err)
	server, err := w.AddHost(HostConfig{Name: "server", Addr: serverAddr, Backlog: 1, SYNCookies: cookies})
	require.NoError(t, err)
	bareACK := func(s *tcpstate.Segment) bool { return s.Flags == tcpstate.ACK }
	_, err = w.AddLink(client, server, Path{Delay: delay, Faults: []Fault{DropMatching(bareACK, 1)}}, Path{Delay: delay})
	require.NoError(t, err)
	var accepted []Conn
	_, err = server.Listen(80, func(c Conn) Handler {
		accepted = append(accepted, c)
		return Handler{}
	})
	require.NoError(t, err)
	for range 3 {
		_, err := client.Dial(serverPort, Handler{})
		require.NoError(t, err)
		w.RunFor(time.Millisecond) // the SYNs arrive in order
	}
	w.RunFor(delay) // the SYNs arrive
	return w, server, lg, &accepted
}

// With SYN cookies, the SYNs beyond the backlog are answered at once and
// their connections open when the clients' ACKs come back, with no state kept in
// between (RFC 4987 §3.6); the cookie cannot hold SACK-permitted, window
// scale or timestamps, so neither end uses them.
func TestSYNCookiesOpenBeyondBacklog(t *testing.T) {
	w, server, lg, accepted := cookieWorld(t, true)
	assert.Empty(t, segEvents(lg, Drop), "no SYN dropped")
	w.RunFor(2*delay + 10*time.Millisecond) // SYN-ACKs out, ACKs back
	require.Len(t, *accepted, 2, "the second and third clients, established by cookie")
	for _, c := range *accepted {
		tcb := c.TCB()
		assert.Equal(t, tcpstate.Established, tcb.State)
		assert.False(t, tcb.SACKPermitted || tcb.WindowScaling || tcb.Timestamps)
	}
	// Meanwhile the server held one connection besides those: the first,
	// in SYN-RECEIVED.
	assert.Len(t, server.conns, 3)
}

// Without cookies the same SYNs are dropped and wait for their
// retransmission (1 s, RFC 6298 §2.1) and for room in the backlog.
func TestSYNCookiesOffDrops(t *testing.T) {
	w, _, lg, accepted := cookieWorld(t, false)
	assert.Len(t, segEvents(lg, Drop), 2)
	w.RunFor(2*delay + 10*time.Millisecond) // SYN-ACKs out, ACKs back
	assert.Empty(t, *accepted)
}

// TestSYNFloodBounded: 1000 SYNs from as many ports fill a backlog of 8;
// the rest are answered with cookies. The server never holds more than
// the backlog (RFC 4987 §3.6: no state for a SYN past it), and answers
// every SYN.
func TestSYNFloodBounded(t *testing.T) {
	lg := &log{}
	w := New(Config{Seed: 1, Trace: lg.record})
	attacker, err := w.AddHost(HostConfig{Name: "attacker", Addr: clientAddr})
	require.NoError(t, err)
	server, err := w.AddHost(HostConfig{Name: "server", Addr: serverAddr, Backlog: 8, SYNCookies: true})
	require.NoError(t, err)
	// The SYN-ACKs are lost, as when the sources are forged.
	_, err = w.AddLink(attacker, server, Path{Delay: delay}, Path{Delay: delay, Loss: 1})
	require.NoError(t, err)
	_, err = server.Listen(80, nil)
	require.NoError(t, err)
	held := 0
	for i := range 1000 {
		attacker.SendRaw(tcpstate.Segment{
			Src: netip.AddrPortFrom(clientAddr, uint16(10000+i)), Dst: serverPort,
			Seq: 1, Flags: tcpstate.SYN, Window: 1000,
		})
		w.RunFor(time.Millisecond)
		held = max(held, len(server.conns))
	}
	w.RunFor(delay)
	held = max(held, len(server.conns))
	assert.Equal(t, 8, held)
	answered := map[netip.AddrPort]bool{} // SYN-ACKs by destination: retransmissions count once
	for _, e := range segEvents(lg, Send) {
		if e.Host == server && e.Segment.Flags == tcpstate.SYN|tcpstate.ACK {
			answered[e.Segment.Dst] = true
		}
	}
	assert.Len(t, answered, 1000)
}
