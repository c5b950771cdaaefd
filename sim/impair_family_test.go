package sim

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	v6a = netip.MustParseAddr("2001:db8::1")
	v6b = netip.MustParseAddr("2001:db8::2")
)

// TestIPv6Lifecycle runs the echo lesson between two IPv6 hosts. The MSS
// each announces is the MTU less 40 bytes of IPv6 header and 20 of TCP
// header (RFC 9293 §3.7.1): 1440 with the default MTU of 1500.
func TestIPv6Lifecycle(t *testing.T) {
	lg := &log{}
	w := New(Config{Seed: 1, Trace: lg.record})
	c, err := w.AddHost(HostConfig{Name: "client", Addr: v6a})
	require.NoError(t, err)
	s, err := w.AddHost(HostConfig{Name: "server", Addr: v6b})
	require.NoError(t, err)
	_, err = w.AddLink(c, s, Path{Delay: delay}, Path{Delay: delay})
	require.NoError(t, err)
	app := &echo{request: "hello", response: "hello back"}
	_, err = s.Listen(80, app.serverHandler)
	require.NoError(t, err)
	conn, err := c.Dial(netip.AddrPortFrom(v6b, 80), app.clientHandler())
	require.NoError(t, err)
	assert.Equal(t, v6a, conn.LocalAddr().Addr())
	w.Run()
	assert.Equal(t, "hello", app.serverGot)
	assert.Equal(t, "hello back", app.clientGot)
	assert.True(t, app.clientDone && app.serverDone)
	assert.NoError(t, app.clientClosed)
	sends := segEvents(lg, Send)
	require.NotEmpty(t, sends)
	assert.True(t, sends[0].Segment.Options.HasMSS)
	assert.Equal(t, uint16(1440), sends[0].Segment.Options.MSS, "SYN")
	assert.Equal(t, uint16(1440), sends[1].Segment.Options.MSS, "SYN-ACK")
}

func TestLinkNeedsSameFamily(t *testing.T) {
	w := New(Config{})
	a, _ := w.AddHost(HostConfig{Name: "a", Addr: clientAddr})
	b, _ := w.AddHost(HostConfig{Name: "b", Addr: v6b})
	_, err := w.AddLink(a, b, Path{}, Path{})
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "same address family")
}
