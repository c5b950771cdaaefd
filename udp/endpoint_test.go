package udp

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	local = netip.AddrPortFrom(v4a, 5000)
	peer  = netip.AddrPortFrom(v4b, 53)
	other = netip.AddrPortFrom(v4b, 54)
)

func newEP(t *testing.T, cfg Config) *Endpoint {
	t.Helper()
	if !cfg.Local.IsValid() {
		cfg.Local = local
	}
	e, err := NewEndpoint(cfg)
	require.NoError(t, err)
	return e
}

func TestNewEndpointInvalid(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Local: netip.AddrPortFrom(v4a, 0)},
		{Local: local, MaxDatagrams: -1},
		{Local: local, MaxBytes: -1},
	} {
		_, err := NewEndpoint(cfg)
		assert.ErrorIs(t, err, ErrInvalid, "%+v", cfg)
	}
}

func TestSendToAndReadFrom(t *testing.T) {
	e := newEP(t, Config{})
	d, err := e.SendTo([]byte("query"), peer)
	require.NoError(t, err)
	assert.Equal(t, Datagram{Src: local, Dst: peer, Payload: []byte("query")}, d)

	buf := make([]byte, 16)
	_, _, err = e.ReadFrom(buf)
	assert.ErrorIs(t, err, ErrWouldBlock)

	answer := []byte("answer")
	assert.Equal(t, Queued, e.Deliver(Datagram{Src: peer, Dst: local, Payload: answer}))
	answer[0] = 'X' // the queue holds its own copy
	assert.True(t, e.Readable())
	n, from, err := e.ReadFrom(buf)
	require.NoError(t, err)
	assert.Equal(t, "answer", string(buf[:n]))
	assert.Equal(t, peer, from)
	assert.False(t, e.Readable())
}

func TestReadFromShortBufferDiscardsTheRest(t *testing.T) {
	e := newEP(t, Config{})
	e.Deliver(Datagram{Src: peer, Dst: local, Payload: []byte("abcdef")})
	e.Deliver(Datagram{Src: peer, Dst: local, Payload: []byte("gh")})
	n, ok := e.NextLen()
	assert.True(t, ok)
	assert.Equal(t, 6, n)
	buf := make([]byte, 4)
	n, _, err := e.ReadFrom(buf)
	require.NoError(t, err)
	assert.Equal(t, "abcd", string(buf[:n]))
	n, _, err = e.ReadFrom(buf)
	require.NoError(t, err)
	assert.Equal(t, "gh", string(buf[:n]), "datagram boundaries are kept: \"ef\" is gone")
}

func TestQueueBoundInDatagrams(t *testing.T) {
	e := newEP(t, Config{MaxDatagrams: 3})
	for i := range 5 {
		v := e.Deliver(Datagram{Src: peer, Dst: local, Payload: []byte{byte(i)}})
		if i < 3 {
			assert.Equal(t, Queued, v)
		} else {
			assert.Equal(t, DroppedQueueFull, v)
		}
	}
	assert.Equal(t, uint64(2), e.Stats().QueueFull)
	// Reading makes room; order is arrival order across the ring's wrap.
	buf := make([]byte, 1)
	e.ReadFrom(buf)
	assert.Equal(t, Queued, e.Deliver(Datagram{Src: peer, Dst: local, Payload: []byte{9}}))
	var got []byte
	for e.Readable() {
		e.ReadFrom(buf)
		got = append(got, buf[0])
	}
	assert.Equal(t, []byte{1, 2, 9}, got)
}

func TestQueueBoundInBytes(t *testing.T) {
	e := newEP(t, Config{MaxBytes: 10})
	assert.Equal(t, Queued, e.Deliver(Datagram{Src: peer, Dst: local, Payload: make([]byte, 6)}))
	assert.Equal(t, DroppedQueueFull, e.Deliver(Datagram{Src: peer, Dst: local, Payload: make([]byte, 5)}), "6+5 > 10")
	assert.Equal(t, Queued, e.Deliver(Datagram{Src: peer, Dst: local, Payload: make([]byte, 4)}), "6+4 = 10")
	n, b := e.Queued()
	assert.Equal(t, 2, n)
	assert.Equal(t, 10, b)
}

func TestConnectedFiltersAndSends(t *testing.T) {
	e := newEP(t, Config{})
	_, err := e.Send([]byte("x"))
	assert.ErrorIs(t, err, ErrNotConnected)
	require.NoError(t, e.Connect(peer))
	d, err := e.Send([]byte("x"))
	require.NoError(t, err)
	assert.Equal(t, peer, d.Dst)
	assert.Equal(t, DroppedNotConnectedPeer, e.Deliver(Datagram{Src: other, Dst: local}))
	assert.Equal(t, Queued, e.Deliver(Datagram{Src: peer, Dst: local}))
	assert.Equal(t, DroppedWrongDestination, e.Deliver(Datagram{Src: peer, Dst: netip.AddrPortFrom(v4a, 5001)}))
	assert.Equal(t, uint64(2), e.Stats().Filtered)
	// Dissolving the association accepts everyone again.
	require.NoError(t, e.Connect(netip.AddrPort{}))
	assert.Equal(t, Queued, e.Deliver(Datagram{Src: other, Dst: local}))
}

func TestConnectRejectsBadRemotes(t *testing.T) {
	e := newEP(t, Config{})
	for _, r := range []netip.AddrPort{
		netip.AddrPortFrom(v6b, 53), netip.AddrPortFrom(v4b, 0), netip.AddrPortFrom(netip.IPv4Unspecified(), 53),
	} {
		assert.ErrorIs(t, e.Connect(r), ErrAddress, "%v", r)
	}
}

func TestUnspecifiedLocalAcceptsItsFamily(t *testing.T) {
	e := newEP(t, Config{Local: netip.AddrPortFrom(netip.IPv4Unspecified(), 5000)})
	assert.Equal(t, Queued, e.Deliver(Datagram{Src: peer, Dst: local}))
	assert.Equal(t, DroppedWrongDestination, e.Deliver(Datagram{Src: netip.AddrPortFrom(v6b, 1), Dst: netip.AddrPortFrom(v6a, 5000)}))
}

func TestICMPReportedOnceToConnected(t *testing.T) {
	e := newEP(t, Config{})
	require.NoError(t, e.Connect(peer))
	assert.False(t, e.HandleICMP(other, ErrRefused), "about another destination")
	assert.True(t, e.HandleICMP(peer, ErrRefused))
	assert.ErrorIs(t, e.Err(), ErrRefused)
	_, err := e.Send([]byte("again"))
	assert.ErrorIs(t, err, ErrRefused, "the next call reports it")
	_, err = e.Send([]byte("again"))
	assert.NoError(t, err, "once")

	assert.True(t, e.HandleICMP(peer, ErrRefused))
	_, _, err = e.ReadFrom(make([]byte, 8))
	assert.ErrorIs(t, err, ErrRefused, "ReadFrom reports it too")
	_, _, err = e.ReadFrom(make([]byte, 8))
	assert.ErrorIs(t, err, ErrWouldBlock)
}

func TestICMPIgnoredByUnconnected(t *testing.T) {
	e := newEP(t, Config{})
	assert.False(t, e.HandleICMP(peer, ErrRefused))
	_, err := e.SendTo([]byte("x"), peer)
	assert.NoError(t, err)
	assert.Equal(t, uint64(0), e.Stats().Errors)
}

func TestClose(t *testing.T) {
	e := newEP(t, Config{})
	e.Deliver(Datagram{Src: peer, Dst: local, Payload: []byte("x")})
	e.Close()
	e.Close()
	_, _, err := e.ReadFrom(nil)
	assert.ErrorIs(t, err, ErrClosed)
	_, err = e.SendTo(nil, peer)
	assert.ErrorIs(t, err, ErrClosed)
	assert.Equal(t, DroppedClosed, e.Deliver(Datagram{Src: peer, Dst: local}))
	assert.False(t, e.Readable())
}

func TestVerdictNames(t *testing.T) {
	assert.Equal(t, "queued", Queued.String())
	assert.Equal(t, "dropped-queue-full", DroppedQueueFull.String())
	assert.Equal(t, "verdict-unknown", Verdict(0).String())
}
