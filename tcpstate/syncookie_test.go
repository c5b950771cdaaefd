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

var (
	cookieServer = netip.MustParseAddrPort("198.18.0.2:80")
	cookieClient = netip.MustParseAddrPort("198.18.0.1:40000")
	cookieT0     = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
)

func cookieConfig() tcpstate.Config {
	cfg := tcpstate.DefaultConfig()
	cfg.Secret = [16]byte{1, 2, 3}
	return cfg
}

func newCookies(t *testing.T) *tcpstate.SYNCookies {
	t.Helper()
	k, err := tcpstate.NewSYNCookies([16]byte{9, 8, 7})
	require.NoError(t, err)
	return k
}

// cookieSYN is a client's SYN offering every option.
func cookieSYN(mss uint16) tcpstate.Segment {
	return tcpstate.Segment{
		Src: cookieClient, Dst: cookieServer, Seq: 1000, Flags: tcpstate.SYN, Window: 64240,
		Options: tcpstate.Options{HasMSS: true, MSS: mss, HasWindowScale: true, WindowScale: 7,
			SACKPermitted: true, HasTimestamps: true, TSVal: 5},
	}
}

// cookieACK is the client's answer to synAck, with data.
func cookieACK(synAck tcpstate.Segment, data string) tcpstate.Segment {
	return tcpstate.Segment{
		Src: cookieClient, Dst: cookieServer, Seq: 1001, Ack: synAck.Seq.Add(1),
		Flags: tcpstate.ACK | tcpstate.PSH, Window: 64240, Payload: []byte(data),
	}
}

// A SYN-ACK with a cookie answers the SYN as RFC 9293 §3.10.7.2 says
// (<SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>) but offers only the MSS: the
// other options would need state the cookie cannot hold (RFC 4987 §3.6).
func TestSYNCookieReply(t *testing.T) {
	k := newCookies(t)
	synAck, ok := k.Reply(cookieT0, cookieConfig(), cookieSYN(1460))
	require.True(t, ok)
	assert.Equal(t, tcpstate.SYN|tcpstate.ACK, synAck.Flags)
	assert.Equal(t, seqnum.Value(1001), synAck.Ack)
	assert.Equal(t, cookieServer, synAck.Src)
	assert.Equal(t, cookieClient, synAck.Dst)
	assert.True(t, synAck.Options.HasMSS)
	assert.Equal(t, uint16(1460), synAck.Options.MSS, "the listener's own MSS, MTU 1500 less 40")
	assert.False(t, synAck.Options.HasWindowScale)
	assert.False(t, synAck.Options.SACKPermitted)
	assert.False(t, synAck.Options.HasTimestamps)

	again, _ := k.Reply(cookieT0, cookieConfig(), cookieSYN(1460))
	assert.Equal(t, synAck.Seq, again.Seq, "the cookie is a function of the SYN and the clock")
	other := cookieSYN(1460)
	other.Seq = 2000
	o, _ := k.Reply(cookieT0, cookieConfig(), other)
	assert.NotEqual(t, synAck.Seq, o.Seq, "another client ISN, another cookie")

	for _, flags := range []tcpstate.Flags{tcpstate.SYN | tcpstate.ACK, tcpstate.SYN | tcpstate.RST, tcpstate.ACK} {
		seg := cookieSYN(1460)
		seg.Flags = flags
		_, ok := k.Reply(cookieT0, cookieConfig(), seg)
		assert.False(t, ok, "%v is not a SYN", flags)
	}
	_, err := tcpstate.NewSYNCookies([16]byte{})
	assert.Error(t, err, "a zero secret would make cookies guessable")
}

// The ACK that returns the cookie opens the connection: ESTABLISHED, with
// ISS the cookie, the data on the ACK readable, and the MSS the largest
// of the cookie's eight values not above the client's.
func TestSYNCookieOpen(t *testing.T) {
	for _, tc := range []struct {
		offered, want uint16
	}{{1460, 1460}, {1380, 1300}, {9000, 1460}, {536, 536}, {500, 536}} {
		k := newCookies(t)
		synAck, ok := k.Reply(cookieT0, cookieConfig(), cookieSYN(tc.offered))
		require.True(t, ok)
		c, err := tcpstate.NewConn(cookieConfig())
		require.NoError(t, err)
		ack := cookieACK(synAck, "hello")
		require.NoError(t, k.Open(cookieT0.Add(time.Second), c, ack))
		assert.Equal(t, tcpstate.SynReceived, c.State())
		assert.Equal(t, tcpstate.Accepted, c.HandleSegment(cookieT0.Add(time.Second), ack))
		tcb := c.TCB()
		assert.Equal(t, tcpstate.Established, tcb.State)
		assert.Equal(t, synAck.Seq, tcb.ISS)
		assert.Equal(t, seqnum.Value(1000), tcb.IRS)
		assert.Equal(t, tc.want, tcb.SndMSS, "client MSS %d", tc.offered)
		assert.False(t, tcb.SACKPermitted || tcb.WindowScaling || tcb.Timestamps)
		buf := make([]byte, 16)
		n, _ := c.Read(buf)
		assert.Equal(t, "hello", string(buf[:n]))
	}
}

// A cookie is good for one to two periods of 64 s after its SYN-ACK, for
// its own 4-tuple and client ISN only; anything else leaves the
// connection untouched.
func TestSYNCookieRejects(t *testing.T) {
	k := newCookies(t)
	synAck, _ := k.Reply(cookieT0, cookieConfig(), cookieSYN(1460))
	good := cookieACK(synAck, "")
	opens := func(at time.Time, ack tcpstate.Segment) bool {
		c, err := tcpstate.NewConn(cookieConfig())
		require.NoError(t, err)
		err = k.Open(at, c, ack)
		if err != nil {
			assert.True(t, errors.Is(err, tcpstate.ErrNotCookie))
			assert.Equal(t, tcpstate.Closed, c.State(), "untouched")
		}
		return err == nil
	}
	assert.True(t, opens(cookieT0, good))
	assert.True(t, opens(cookieT0.Add(64*time.Second), good), "the next period")
	assert.False(t, opens(cookieT0.Add(128*time.Second), good), "two periods on")

	wrongAck := good
	wrongAck.Ack = good.Ack.Add(1)
	wrongSeq := good
	wrongSeq.Seq = good.Seq.Add(1)
	wrongPort := good
	wrongPort.Src = netip.AddrPortFrom(cookieClient.Addr(), 40001)
	rst := good
	rst.Flags |= tcpstate.RST
	syn := good
	syn.Flags |= tcpstate.SYN
	for name, ack := range map[string]tcpstate.Segment{
		"ack off by one": wrongAck, "another client ISN": wrongSeq, "another port": wrongPort,
		"RST": rst, "SYN": syn,
	} {
		assert.False(t, opens(cookieT0, ack), name)
	}
	other, err := tcpstate.NewSYNCookies([16]byte{1})
	require.NoError(t, err)
	c, err := tcpstate.NewConn(cookieConfig())
	require.NoError(t, err)
	assert.ErrorIs(t, other.Open(cookieT0, c, good), tcpstate.ErrNotCookie, "another secret")
}
