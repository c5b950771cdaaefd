package tcpstate_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// synTSVal remembers the TSval of the SYN the connection sends, so that
// the peer's SYN-ACK can echo it (RFC 7323 §3.2).
type synTSVal struct{ v uint32 }

// establishedTS opens actively with timestamps: our SYN, then the peer's
// SYN-ACK after rtt, with TSval 1000 and TSecr echoing our SYN.
func establishedTS(rtt time.Duration, ts *synTSVal) Step {
	return Steps(
		Configure(func(c *tcpstate.Config) { c.MinRTO = time.Millisecond }),
		Connect(),
		Do(func(h *Harness) error {
			seg, ok := h.Conn.Poll(h.Now)
			if !ok || seg.Flags != tcpstate.SYN || !seg.Options.HasTimestamps {
				return fmt.Errorf("want a SYN with TSopt, got %v", seg)
			}
			ts.v = seg.Options.TSVal
			return nil
		}),
		Advance(rtt),
		Do(func(h *Harness) error {
			synAck := Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460).TS(1000, ts.v).Segment()
			synAck.Src, synAck.Dst = h.Remote, h.Local
			if v := h.Conn.HandleSegment(h.Now, synAck); v != tcpstate.Accepted {
				return fmt.Errorf("SYN-ACK: %v", v)
			}
			return nil
		}),
		Expect(Us(tcpstate.ACK, L(1), R(1)).TSEcho(1000)),
		State(tcpstate.Established),
	)
}

func TestTimestamps(t *testing.T) {
	var ts synTSVal
	RunAll(t, []Scenario{
		// RFC 7323 §4.1: the SYN-ACK echoes our SYN's TSval, 100 ticks of
		// 1 ms ago: R = 100 ms. RFC 6298 (2.2): SRTT = R, RTTVAR = R/2,
		// RTO = SRTT + max(G, 4*RTTVAR) = 100 + 200 = 300 ms.
		{Name: "RTT measured from the echoed timestamp", Steps: []Step{
			establishedTS(100*time.Millisecond, &ts),
			RTT(100*time.Millisecond, 50*time.Millisecond),
			RTO(300 * time.Millisecond),
		}},
		// RFC 7323 §5.3 R1: "If there is a Timestamps option in the
		// arriving segment, SEG.TSval < TS.Recent, TS.Recent is valid ...,
		// and the RST bit is not set, then treat the arriving segment as not
		// acceptable: Send an acknowledgment in reply ... and drop the
		// segment." The data is in window and in sequence: only its old
		// timestamp gives it away as an old duplicate.
		{Name: "PAWS drops a segment with an old timestamp", Steps: []Step{
			establishedTS(10*time.Millisecond, &ts),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("new").TS(1001, 0), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(4)).TSEcho(1001)),
			TSRecent(1001),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(4), L(1)).Data("old").TS(999, 0), tcpstate.DroppedPAWS),
			Expect(Us(tcpstate.ACK, L(1), R(4)).TSEcho(1001)),
			RcvNxt(R(4)),
			TSRecent(1001),
			Read("new", nil),
		}},
		// §5.2: a RST "MUST NOT be subjected to the PAWS check".
		{Name: "a RST with an old timestamp still resets", Steps: []Step{
			establishedTS(10*time.Millisecond, &ts),
			Inject(Peer(tcpstate.RST, R(1), 0).TS(1, 0), tcpstate.Reset),
			State(tcpstate.Closed),
			Err(tcpstate.ErrReset),
		}},
		// §5.5: "If TS.Recent is more than 24 days old, it is invalid":
		// after 25 idle days an older timestamp is accepted again.
		{Name: "TS.Recent expires after 24 days idle", Steps: []Step{
			establishedTS(10*time.Millisecond, &ts),
			Inject(Peer(tcpstate.ACK, R(1), L(1)).TS(999, 0), tcpstate.DroppedPAWS),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			Advance(25 * 24 * time.Hour),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("late").TS(999, 0), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(5)).TSEcho(999)),
		}},
	})
}
