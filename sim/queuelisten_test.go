package sim

import (
	"testing"

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
