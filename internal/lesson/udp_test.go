package lesson

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/sim"
)

// The request and the answer each cross once: two datagrams, no
// handshake, no acknowledgment (RFC 768).
func TestUDPRequestResponse(t *testing.T) {
	var sent, drops int
	res, err := UDP(HandshakeConfig{Seed: 1, Delay: 10 * time.Millisecond, Trace: func(e sim.TraceEvent) {
		switch {
		case e.Kind == sim.TraceSegment:
			t.Errorf("a TCP segment in the UDP lesson: %v", e.Segment)
		case e.Kind == sim.TraceDatagram && e.Event == sim.Send:
			sent++
		case e.Kind == sim.TraceDatagram && e.Event == sim.Drop:
			drops++
		}
	}})
	require.NoError(t, err)
	assert.Equal(t, Request, res.ServerReceived)
	assert.Equal(t, Response, res.ClientReceived)
	assert.Equal(t, 2, sent)
	assert.Zero(t, drops)
}

// A lost request is simply gone: nothing is sent again, no answer comes.
func TestUDPLostRequest(t *testing.T) {
	var sent, drops int
	lossy := sim.Path{Delay: 10 * time.Millisecond, Faults: []sim.Fault{sim.DropNth(1)}}
	res, err := UDP(HandshakeConfig{Seed: 1, Path: &lossy, Trace: func(e sim.TraceEvent) {
		switch {
		case e.Kind == sim.TraceDatagram && e.Event == sim.Send:
			sent++
		case e.Kind == sim.TraceDatagram && e.Event == sim.Drop:
			drops++
		}
	}})
	require.NoError(t, err)
	assert.Empty(t, res.ServerReceived)
	assert.Empty(t, res.ClientReceived)
	assert.Equal(t, 1, sent, "UDP does not retransmit")
	assert.Equal(t, 1, drops)
}

// The same loss in the TCP lesson is repaired by retransmission after the
// RTO (RFC 6298): the contrast the udp command shows.
func TestTCPRepairsTheSameLoss(t *testing.T) {
	lossy := sim.Path{Delay: 10 * time.Millisecond, Faults: []sim.Fault{sim.DropNth(1)}}
	res, err := Run(HandshakeConfig{Seed: 1, Path: &lossy}, ClientFirst)
	require.NoError(t, err)
	assert.Equal(t, Request, res.ServerReceived)
	assert.Equal(t, Response, res.ClientReceived)
}
