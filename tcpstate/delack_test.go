package tcpstate_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

func delayedACK(d time.Duration) Step {
	return Configure(func(c *tcpstate.Config) { c.DelayedACK = d })
}

func TestDelayedACK(t *testing.T) {
	RunAll(t, []Scenario{
		// RFC 1122 §4.2.3.2: a TCP "SHOULD implement a delayed ACK, but an
		// ACK should not be excessively delayed"; here 200 ms.
		{Name: "a small segment is acknowledged after the delay", Steps: []Step{
			delayedACK(200 * time.Millisecond),
			Established(),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("hello"), tcpstate.Accepted),
			ExpectNothing(),
			NextTimeout(200 * time.Millisecond),
			Advance(199 * time.Millisecond),
			ExpectNothing(),
			Advance(time.Millisecond),
			Expect(Us(tcpstate.ACK, L(1), R(6))),
			NextTimeout(0),
		}},
		// RFC 5681 §4.2: "an ACK SHOULD be generated for at least every
		// second full-sized segment". The peer offered no timestamps, so
		// a full-sized segment is 1460 bytes.
		{Name: "the second full-sized segment is acknowledged at once", Steps: []Step{
			delayedACK(200 * time.Millisecond),
			Established(),
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Len(1460), tcpstate.Accepted),
			ExpectNothing(),
			Inject(Peer(tcpstate.ACK, R(1461), L(1)).Len(1460), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(2921))),
			NextTimeout(0),
		}},
		// The ACK rides on the answer: RFC 9293 §3.10.7.4, "This
		// acknowledgment should be piggybacked on a segment being
		// transmitted if possible without incurring undue delay."
		{Name: "the ACK rides on data sent before the delay ends", Steps: []Step{
			delayedACK(200 * time.Millisecond),
			Established(),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("ping"), tcpstate.Accepted),
			ExpectNothing(),
			Advance(50 * time.Millisecond),
			Write("pong", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(5)).Data("pong")),
			NextTimeout(time.Second), // only the retransmission timer of "pong"
		}},
		// RFC 5681 §4.2: "A TCP receiver SHOULD send an immediate duplicate
		// ACK when an out-of-order segment arrives", and a FIN is
		// acknowledged at once.
		{Name: "out-of-order data and FIN are acknowledged at once", Steps: []Step{
			delayedACK(200 * time.Millisecond),
			Established(),
			Inject(Peer(tcpstate.ACK, R(101), L(1)).Len(10), tcpstate.OutOfOrder),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(1)).Data("bye"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(5))),
		}},
		{Name: "a delay of 500 ms or more is refused", Steps: []Step{
			Do(func(h *Harness) error {
				cfg := DefaultConfig()
				cfg.DelayedACK = 500 * time.Millisecond
				if _, err := tcpstate.NewConn(cfg); err == nil {
					return errors.New("DelayedACK 500ms accepted")
				}
				return nil
			}),
		}},
	})
}
