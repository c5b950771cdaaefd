package lesson

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

func TestHandshakeRunsToTheEnd(t *testing.T) {
	isnC, isnS := uint32(11), uint32(22)
	var syns []tcpstate.Segment
	lastState := map[string]tcpstate.State{}
	res, err := Handshake(HandshakeConfig{
		Seed: 3, Delay: 10 * time.Millisecond, MSS: 1000,
		ClientISN: &isnC, ServerISN: &isnS,
		Trace: func(e sim.TraceEvent) {
			if e.Kind == sim.TraceSegment && e.Event == sim.Send && e.Segment.Flags&tcpstate.SYN != 0 {
				syns = append(syns, e.Segment)
			}
			if e.Kind == sim.TraceState {
				lastState[e.Host.Name()] = e.To
			}
		},
	})
	require.NoError(t, err)
	assert.Equal(t, Request, res.ServerReceived)
	assert.Equal(t, Response, res.ClientReceived)
	require.Len(t, syns, 2)
	assert.Equal(t, isnC, uint32(syns[0].Seq))
	assert.Equal(t, isnS, uint32(syns[1].Seq))
	assert.Equal(t, uint16(1000), syns[0].Options.MSS)
	assert.Equal(t, uint16(1000), syns[1].Options.MSS)
	assert.Equal(t, map[string]tcpstate.State{"client": tcpstate.Closed, "server": tcpstate.Closed}, lastState)
	// 2×MSL after the client entered TIME-WAIT at six one-way delays.
	assert.Equal(t, 60*time.Millisecond+4*time.Minute, res.World.Elapsed())
	assert.Equal(t, "client", res.Client.Name())
	assert.Equal(t, ServerAddr, res.Server.Addr())
}

func TestHandshakeRejectsNegativeDelay(t *testing.T) {
	_, err := Handshake(HandshakeConfig{Delay: -time.Second})
	assert.ErrorContains(t, err, "lesson: negative delay")
}

func TestHandshakeWithoutDelay(t *testing.T) {
	res, err := Handshake(HandshakeConfig{Seed: 1})
	require.NoError(t, err)
	assert.Equal(t, 4*time.Minute, res.World.Elapsed(), "everything happens at t=0 but TIME-WAIT")
}
