package sim

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

func TestSYNRetransmittedAtExactDeadlines(t *testing.T) {
	w, client, _, lg := pair(t, 1, nil)
	var closedAt time.Duration
	var closedErr error
	// No host has this address: every SYN is dropped on the way out.
	_, err := client.Dial(netip.MustParseAddrPort("198.18.9.9:80"), Handler{
		Closed: func(_ Conn, err error) { closedAt, closedErr = w.Elapsed(), err },
	})
	require.NoError(t, err)
	w.Run()

	// RFC 6298 (2.1) an initial RTO of 1 s, (5.5) doubled at each
	// expiry, (2.5) capped at the maximum; after the last retransmission
	// the connection waits one more RTO, then gives up.
	cfg := tcpstate.DefaultConfig()
	var want []time.Duration
	at, rto := time.Duration(0), cfg.InitialRTO
	want = append(want, at)
	for range cfg.SynRetries {
		at += rto
		rto = min(2*rto, cfg.MaxRTO)
		want = append(want, at)
	}
	giveUp := at + rto

	var sent, dropped []time.Duration
	for _, e := range lg.filter(TraceSegment, client) {
		require.Equal(t, tcpstate.SYN, e.Segment.Flags)
		switch e.Event {
		case Send:
			sent = append(sent, e.Time.Sub(Epoch()))
		case Drop:
			assert.Equal(t, DropNoRoute, e.Reason)
			dropped = append(dropped, e.Time.Sub(Epoch()))
		}
	}
	assert.Equal(t, want, sent)
	assert.Equal(t, want, dropped)
	var fired []time.Duration
	for _, e := range lg.filter(TraceTimer, client) {
		assert.Equal(t, tcpstate.TimerRetransmit, e.Timer)
		fired = append(fired, e.Time.Sub(Epoch()))
	}
	assert.Equal(t, append(want[1:], giveUp), fired, "each expiry exactly at its deadline")
	assert.Equal(t, giveUp, closedAt)
	assert.ErrorIs(t, closedErr, tcpstate.ErrTimedOut)
	assert.Equal(t, giveUp, w.Elapsed())
}

func TestSupersededTimersDoNotFire(t *testing.T) {
	// In the lesson the retransmission timer is started and stopped with
	// every segment; the only expiry is TIME-WAIT's.
	w, client, server, lg := pair(t, 1, nil)
	app := &echo{request: "hello", response: "hello back"}
	_, err := server.Listen(80, app.serverHandler)
	require.NoError(t, err)
	_, err = client.Dial(serverPort, app.clientHandler())
	require.NoError(t, err)
	w.Run()
	timers := lg.filter(TraceTimer, nil)
	require.Len(t, timers, 1)
	assert.Equal(t, tcpstate.TimerTimeWait, timers[0].Timer)
	assert.Equal(t, client, timers[0].Host)
}

func TestRunUntilAndStep(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	_, err := server.Listen(80, nil)
	require.NoError(t, err)
	_, err = client.Dial(serverPort, Handler{})
	require.NoError(t, err)

	w.RunUntil(Epoch().Add(70 * time.Millisecond))
	assert.Equal(t, 70*time.Millisecond, w.Elapsed(), "the clock moves to the limit")
	require.Len(t, lg.filter(TraceSegment, server), 2, "the SYN arrived, the SYN-ACK left")

	n := len(lg.events)
	require.True(t, w.Step())
	assert.Equal(t, 100*time.Millisecond, w.Elapsed(), "Step jumps to the next event")
	assert.Greater(t, len(lg.events), n)

	w.RunFor(time.Second)
	assert.Equal(t, 1100*time.Millisecond, w.Elapsed())
	assert.Equal(t, 3, int(w.Stats().Delivered), "SYN, SYN-ACK, ACK and nothing else: no data, no close")
}
