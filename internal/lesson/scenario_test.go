package lesson

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// run runs a scenario and returns each host's path through the states of
// its connection (the listener's own LISTEN left out), the segments each
// host sent, and the result.
func run(t *testing.T, sc Scenario) (paths map[string][]tcpstate.State, sent map[string][]sim.TraceEvent, res *HandshakeResult) {
	t.Helper()
	paths = map[string][]tcpstate.State{}
	sent = map[string][]sim.TraceEvent{}
	res, err := Run(HandshakeConfig{Seed: 1, Delay: 10 * time.Millisecond, Trace: func(e sim.TraceEvent) {
		name := e.Host.Name()
		switch {
		case e.Kind == sim.TraceState && e.Local.Port() == ServerPort && !e.Remote.IsValid():
			// the listener
		case e.Kind == sim.TraceState:
			if len(paths[name]) == 0 {
				paths[name] = append(paths[name], e.From)
			}
			paths[name] = append(paths[name], e.To)
		case e.Kind == sim.TraceSegment && e.Event == sim.Send:
			sent[name] = append(sent[name], e)
		}
	}}, sc)
	require.NoError(t, err)
	return paths, sent, res
}

const (
	C  = tcpstate.Closed
	L  = tcpstate.Listen
	SS = tcpstate.SynSent
	SR = tcpstate.SynReceived
	E  = tcpstate.Established
	F1 = tcpstate.FinWait1
	F2 = tcpstate.FinWait2
	CW = tcpstate.CloseWait
	CG = tcpstate.Closing
	LA = tcpstate.LastAck
	TW = tcpstate.TimeWait
)

// The state paths follow RFC 9293 §3.3.2 (Figure 5) and §3.6.
func TestScenarioPaths(t *testing.T) {
	cases := []struct {
		sc             Scenario
		client, server []tcpstate.State
	}{
		// Figure 12 case 1: the closer goes through TIME-WAIT.
		{ClientFirst, []tcpstate.State{C, SS, E, F1, F2, TW, C}, []tcpstate.State{L, SR, E, CW, LA, C}},
		{ServerFirst, []tcpstate.State{C, SS, E, CW, LA, C}, []tcpstate.State{L, SR, E, F1, F2, TW, C}},
		// Figure 13: both through CLOSING.
		{Simultaneous, []tcpstate.State{C, SS, E, F1, CG, TW, C}, []tcpstate.State{L, SR, E, F1, CG, TW, C}},
		{HalfClose, []tcpstate.State{C, SS, E, F1, F2, TW, C}, []tcpstate.State{L, SR, E, CW, LA, C}},
		// §3.10.5: ABORT goes straight to CLOSED; the RST takes the peer
		// there too (§3.10.7.4).
		{Abort, []tcpstate.State{C, SS, E, C}, []tcpstate.State{L, SR, E, C}},
	}
	for _, c := range cases {
		t.Run(string(c.sc), func(t *testing.T) {
			paths, _, res := run(t, c.sc)
			assert.Equal(t, c.client, paths["client"], "client")
			assert.Equal(t, c.server, paths["server"], "server")
			assert.Equal(t, Request, res.ServerReceived)
			assert.Equal(t, Response, res.ClientReceived)
		})
	}
}

// In half-close the answer travels from the server in CLOSE-WAIT to the
// client in FIN-WAIT-2: data keeps flowing after the client's FIN.
func TestHalfCloseDataAfterFIN(t *testing.T) {
	_, sent, _ := run(t, HalfClose)
	var answer *sim.TraceEvent
	for i := range sent["server"] {
		if e := &sent["server"][i]; len(e.Segment.Payload) > 0 {
			answer = e
		}
	}
	require.NotNil(t, answer, "the server sent its answer")
	assert.Equal(t, Response, string(answer.Segment.Payload))
	assert.Equal(t, tcpstate.CloseWait, answer.TCB.State, "sent from CLOSE-WAIT")
	first := sent["client"][len(sent["client"])-1]
	for _, e := range sent["client"] {
		if e.Segment.Flags&tcpstate.FIN != 0 {
			first = e
			break
		}
	}
	assert.True(t, first.Time.Before(answer.Time), "the client's FIN went before the answer")
}

// In abort the client's last segment is a RST at SND.NXT (RFC 9293
// §3.10.5) and nothing waits in TIME-WAIT: the run ends without 2×MSL.
func TestAbortSendsRST(t *testing.T) {
	_, sent, res := run(t, Abort)
	last := sent["client"][len(sent["client"])-1].Segment
	assert.Equal(t, tcpstate.RST, last.Flags)
	assert.Less(t, res.World.Elapsed(), time.Second)
}

func TestParseScenario(t *testing.T) {
	for _, sc := range Scenarios {
		got, err := ParseScenario(string(sc))
		require.NoError(t, err)
		assert.Equal(t, sc, got)
	}
	_, err := ParseScenario("sideways")
	assert.EqualError(t, err, `lesson: unknown scenario "sideways" (want one of client-first, server-first, simultaneous, half-close, abort)`)
}
