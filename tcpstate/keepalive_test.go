package tcpstate_test

import (
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

func TestKeepAlive(t *testing.T) {
	keepalive := Configure(func(c *tcpstate.Config) {
		c.KeepAlive, c.KeepAliveInterval, c.KeepAliveProbes = 2*time.Hour, 75*time.Second, 3
	})
	RunAll(t, []Scenario{
		// RFC 1122 §4.2.3.6: keep-alives "MUST default to off".
		{Name: "off by default: an idle connection arms no timer", Steps: []Step{
			Established(),
			NextTimeout(0),
		}},
		// "Such a segment generally contains SEG.SEQ = SND.NXT-1": after
		// two idle hours, a probe; the peer's ACK keeps the connection.
		{Name: "an idle connection is probed and the answer keeps it", Steps: []Step{
			keepalive,
			Established(),
			NextTimeout(2 * time.Hour),
			Advance(2 * time.Hour),
			Expect(Us(tcpstate.ACK, L(0), R(1))),
			Inject(Peer(tcpstate.ACK, R(1), L(1)), tcpstate.Accepted),
			NextTimeout(2 * time.Hour), // idle again from the answer
			State(tcpstate.Established),
		}},
		// Unanswered probes end the connection: three probes 75 s apart,
		// then one more interval.
		{Name: "unanswered probes time the connection out", Steps: []Step{
			keepalive,
			Established(),
			Advance(2 * time.Hour),
			Expect(Us(tcpstate.ACK, L(0), R(1))),
			Advance(75 * time.Second),
			Expect(Us(tcpstate.ACK, L(0), R(1))),
			Advance(75 * time.Second),
			Expect(Us(tcpstate.ACK, L(0), R(1))),
			Advance(75 * time.Second),
			State(tcpstate.Closed),
			Err(tcpstate.ErrTimedOut),
		}},
		// Anything received restarts the idle time.
		{Name: "traffic restarts the idle time", Steps: []Step{
			keepalive,
			Established(),
			Advance(time.Hour),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("x"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(2))),
			NextTimeout(2 * time.Hour),
		}},
	})
}

func TestNagle(t *testing.T) {
	RunAll(t, []Scenario{
		// RFC 9293 §3.7.4: with unacknowledged data, small writes wait
		// until it is acknowledged (or a full segment can go).
		{Name: "small writes wait for the ACK of the first", Steps: []Step{
			Configure(func(c *tcpstate.Config) { c.Nagle = true }),
			Established(),
			Write("a", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("a")),
			Write("b", nil),
			Write("c", nil),
			ExpectNothing(),
			Inject(Peer(tcpstate.ACK, R(1), L(2)), tcpstate.Accepted),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(2), R(1)).Data("bc")),
		}},
		// Off (the RFC profile's default): each write goes at once.
		{Name: "without Nagle each write goes at once", Steps: []Step{
			Established(),
			Write("a", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("a")),
			Write("b", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(2), R(1)).Data("b")),
		}},
	})
}
