package tcpstate_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// lifecycle runs a whole connection between a and b (a connects, one byte
// each way, both close, a's TIME-WAIT expires) and returns the end time.
func lifecycle(t testing.TB, a, b *tcpstate.Conn, now time.Time) time.Time {
	ca := netip.MustParseAddrPort("198.18.0.1:49152")
	sb := netip.MustParseAddrPort("198.18.0.2:80")
	require.NoError(t, b.Listen(now, sb))
	require.NoError(t, a.Connect(now, ca, sb))
	pump := func() {
		for moved := true; moved; {
			moved = false
			for s, ok := a.Poll(now); ok; s, ok = a.Poll(now) {
				b.HandleSegment(now, s)
				moved = true
			}
			for s, ok := b.Poll(now); ok; s, ok = b.Poll(now) {
				a.HandleSegment(now, s)
				moved = true
			}
		}
	}
	var buf [8]byte
	pump()
	a.Write([]byte("x"))
	pump()
	b.Read(buf[:])
	b.Write([]byte("y"))
	pump()
	a.Read(buf[:])
	a.Close(now)
	pump()
	b.Close(now)
	pump()
	now = a.NextTimeout()
	a.HandleTimeout(now)
	return now
}

// TestResetReuses checks that Reset gives a connection that behaves as a
// new one, and that reusing connections this way allocates nothing.
func TestResetReuses(t *testing.T) {
	cfg := tcpstate.DefaultConfig()
	cfg.ISN = func(time.Time, netip.AddrPort, netip.AddrPort) seqnum.Value { return 7 }
	a, err := tcpstate.NewConn(cfg)
	require.NoError(t, err)
	b, err := tcpstate.NewConn(cfg)
	require.NoError(t, err)
	now := lifecycle(t, a, b, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	require.Equal(t, tcpstate.Closed, a.State())
	require.Equal(t, tcpstate.Closed, b.State())

	// An invalid config leaves the connection as it was.
	bad := cfg
	bad.MTU = 10
	var ce *tcpstate.ConfigError
	require.True(t, errors.As(a.Reset(bad), &ce))

	cfg.ISN = func(time.Time, netip.AddrPort, netip.AddrPort) seqnum.Value { return 9000 }
	require.NoError(t, a.Reset(cfg))
	require.NoError(t, b.Reset(cfg))
	assert.Equal(t, tcpstate.TCB{}, a.TCB(), "a reset connection remembers nothing")
	assert.Nil(t, a.Err())
	_, ok := a.Poll(now)
	assert.False(t, ok, "nothing left to send")
	_, ok = a.PollEvent()
	assert.False(t, ok, "no event left")
	assert.True(t, a.NextTimeout().IsZero(), "no timer left")

	allocs := testing.AllocsPerRun(50, func() {
		now = lifecycle(t, a, b, now)
		if a.TCB().ISS != 9000 || a.State() != tcpstate.Closed {
			t.Fatalf("lifecycle ended in %s", a.State())
		}
		a.Reset(cfg)
		b.Reset(cfg)
	})
	assert.Zero(t, allocs, "a lifecycle on reset connections allocates")
}
