package sim

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

func TestNewWorldStartsAtEpoch(t *testing.T) {
	w := New(Config{})
	assert.Equal(t, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), w.Now())
	assert.Zero(t, w.Elapsed())
	assert.False(t, w.Step(), "nothing to run")
	w.Run()
	assert.Zero(t, w.Elapsed())
}

func TestAddHostValidates(t *testing.T) {
	w := New(Config{})
	bad := tcpstate.DefaultConfig()
	bad.MSL = 0
	for _, tc := range []struct {
		name string
		cfg  HostConfig
		want error
	}{
		{"no name", HostConfig{Addr: clientAddr}, ErrInvalid},
		{"IPv4-mapped IPv6", HostConfig{Name: "a", Addr: netip.MustParseAddr("::ffff:198.18.0.9")}, ErrInvalid},
		{"IPv6 with zone", HostConfig{Name: "a", Addr: netip.MustParseAddr("fe80::1%eth0")}, ErrInvalid},
		{"negative backlog", HostConfig{Name: "a", Addr: clientAddr, Backlog: -1}, ErrInvalid},
		{"unspecified", HostConfig{Name: "a", Addr: netip.IPv4Unspecified()}, ErrInvalid},
		{"no address", HostConfig{Name: "a"}, ErrInvalid},
		{"bad TCP config", HostConfig{Name: "a", Addr: clientAddr, TCP: &bad}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := w.AddHost(tc.cfg)
			assert.Nil(t, h)
			require.Error(t, err)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
			}
			assert.Regexp(t, "^sim: ", err.Error())
		})
	}
	a, err := w.AddHost(HostConfig{Name: "a", Addr: clientAddr})
	require.NoError(t, err)
	_, err = w.AddHost(HostConfig{Name: "a", Addr: serverAddr})
	assert.ErrorIs(t, err, ErrAddrInUse, "same name")
	_, err = w.AddHost(HostConfig{Name: "b", Addr: clientAddr})
	assert.ErrorIs(t, err, ErrAddrInUse, "same address")
	b, err := w.AddHost(HostConfig{Name: "b", Addr: serverAddr})
	require.NoError(t, err)
	assert.Equal(t, []*Host{a, b}, w.Hosts(), "creation order")
	assert.Equal(t, "a", a.String())
	assert.Equal(t, w, a.World())
}

func TestAddLinkValidates(t *testing.T) {
	w := New(Config{})
	a, _ := w.AddHost(HostConfig{Name: "a", Addr: clientAddr})
	b, _ := w.AddHost(HostConfig{Name: "b", Addr: serverAddr})
	other, _ := New(Config{}).AddHost(HostConfig{Name: "c", Addr: clientAddr})
	_, err := w.AddLink(a, a, Path{}, Path{})
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = w.AddLink(a, other, Path{}, Path{})
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = w.AddLink(a, b, Path{Delay: -1}, Path{})
	assert.ErrorIs(t, err, ErrInvalid)
	l, err := w.AddLink(a, b, Path{Delay: 1}, Path{Delay: 2})
	require.NoError(t, err)
	ab, ba := l.Paths()
	assert.Equal(t, time.Duration(1), ab.Delay)
	assert.Equal(t, time.Duration(2), ba.Delay)
	x, y := l.Hosts()
	assert.Equal(t, a, x)
	assert.Equal(t, b, y)
	_, err = w.AddLink(b, a, Path{}, Path{})
	assert.ErrorIs(t, err, ErrAddrInUse)
}

func TestAsymmetricDelays(t *testing.T) {
	lg := &log{}
	w := New(Config{Trace: lg.record})
	c, _ := w.AddHost(HostConfig{Name: "client", Addr: clientAddr})
	s, _ := w.AddHost(HostConfig{Name: "server", Addr: serverAddr})
	_, err := w.AddLink(c, s, Path{Delay: 10 * time.Millisecond}, Path{Delay: 30 * time.Millisecond})
	require.NoError(t, err)
	_, err = s.Listen(80, nil)
	require.NoError(t, err)
	_, err = c.Dial(serverPort, Handler{})
	require.NoError(t, err)
	w.Run()
	assert.Equal(t, []string{"0s CLOSED>SYN-SENT", "40ms SYN-SENT>ESTABLISHED"}, states(lg, c))
	assert.Equal(t, []string{"0s CLOSED>LISTEN", "10ms LISTEN>SYN-RECEIVED", "50ms SYN-RECEIVED>ESTABLISHED"}, states(lg, s))
}
