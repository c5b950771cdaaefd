package tcpstate_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// congestion checks cwnd, ssthresh and the fast retransmission count.
func congestion(cwnd, ssthresh uint32, fast int) Step {
	return TCB(func(t tcpstate.TCB) string {
		if t.Cwnd != cwnd || t.Ssthresh != ssthresh || t.FastRetransmits != fast {
			return fmt.Sprintf("cwnd %d ssthresh %d fast retransmits %d, want %d %d %d",
				t.Cwnd, t.Ssthresh, t.FastRetransmits, cwnd, ssthresh, fast)
		}
		return ""
	})
}

// firstFlight writes 20 segments' worth on an established connection (the
// peer's MSS 1460, no timestamps) and expects the initial window of RFC
// 6928 to go: min(10*1460, max(2*1460, 14600)) = 14600, ten segments.
func firstFlight() Step {
	steps := []Step{Established(), Write(Text(20*1460), nil)}
	for i := range 10 {
		steps = append(steps, Expect(Us(tcpstate.ACK, L(1+1460*i), R(1)).Len(1460)))
	}
	return Steps(append(steps, ExpectNothing())...)
}

// dupAck is a duplicate ACK as RFC 5681 §2 defines it: no data, same
// acknowledgment, same window.
func dupAck() Step {
	return Inject(Peer(tcpstate.ACK, R(1), L(1)), tcpstate.Accepted)
}

// highSsthresh is where ssthresh starts, "arbitrarily high" (RFC 5681
// §3.1): the largest window, 65535 << 14.
const highSsthresh = 65535 << 14

func TestCongestionControl(t *testing.T) {
	RunAll(t, []Scenario{
		// RFC 5681 §3.1: "the TCP MUST NOT send data with a sequence
		// number higher than the sum of the highest acknowledged sequence
		// number and the minimum of cwnd and rwnd"; IW per RFC 6928.
		{Name: "the initial window limits the first flight", Steps: []Step{
			firstFlight(),
			congestion(14600, highSsthresh, 0),
		}},
		// Slow start: "cwnd MUST be incremented by at most SMSS bytes for
		// each ACK received that cumulatively acknowledges new data"; the
		// ACK of two segments lets four more go.
		{Name: "slow start grows cwnd by an SMSS per ACK", Steps: []Step{
			firstFlight(),
			Inject(Peer(tcpstate.ACK, R(1), L(1+2*1460)), tcpstate.Accepted),
			congestion(16060, highSsthresh, 0),
			Expect(Us(tcpstate.ACK, L(1+10*1460), R(1)).Len(1460)),
			Expect(Us(tcpstate.ACK, L(1+11*1460), R(1)).Len(1460)),
			Expect(Us(tcpstate.ACK, L(1+12*1460), R(1)).Len(1460)),
			ExpectNothing(),
		}},
		// RFC 5681 §3.2 steps 2-3 (RFC 6582 §3.2 step 2): on the third
		// duplicate ACK, ssthresh = max(FlightSize/2, 2*SMSS) = 7300, the
		// lost segment is retransmitted, cwnd = ssthresh + 3*SMSS = 11680.
		// Step 4: each further duplicate adds an SMSS; at 16060 one new
		// segment fits beside the 14600 in flight.
		{Name: "fast retransmit on the third duplicate ACK", Steps: []Step{
			firstFlight(),
			dupAck(), ExpectNothing(),
			dupAck(), ExpectNothing(),
			dupAck(),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1460)),
			congestion(11680, 7300, 1),
			dupAck(), dupAck(), ExpectNothing(),
			dupAck(),
			Expect(Us(tcpstate.ACK, L(1+10*1460), R(1)).Len(1460)),
			congestion(16060, 7300, 1),
		}},
		// RFC 6582 §3.2 step 3, partial acknowledgment: "retransmit the
		// first unacknowledged segment" at once.
		{Name: "a partial ACK retransmits the next hole", Steps: []Step{
			firstFlight(),
			dupAck(), dupAck(), dupAck(),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1460)),
			Inject(Peer(tcpstate.ACK, R(1), L(1+2*1460)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1+2*1460), R(1)).Len(1460)),
		}},
		// A full acknowledgment (of all data up to recover) ends recovery
		// with cwnd = min(ssthresh, FlightSize + SMSS) (RFC 6582 §3.2
		// step 3, option 1): here nothing is left in flight, so 2920.
		{Name: "a full ACK ends recovery and deflates cwnd", Steps: []Step{
			firstFlight(),
			dupAck(), dupAck(), dupAck(),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1460)),
			Inject(Peer(tcpstate.ACK, R(1), L(1+10*1460)), tcpstate.Accepted),
			congestion(2920, 7300, 1),
			Expect(Us(tcpstate.ACK, L(1+10*1460), R(1)).Len(1460)),
			Expect(Us(tcpstate.ACK, L(1+11*1460), R(1)).Len(1460)),
			ExpectNothing(),
		}},
		// RFC 5681 §3.1 after a retransmission timeout: ssthresh =
		// max(FlightSize/2, 2*SMSS) (eq. 4) and cwnd = one segment.
		{Name: "a timeout brings cwnd to one segment", Steps: []Step{
			firstFlight(),
			Advance(time.Second),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1460)),
			ExpectNothing(),
			congestion(1460, 7300, 0),
		}},
		// Data with the ACK, or a changed window, is not a duplicate ACK
		// (RFC 5681 §2): three of them start nothing.
		{Name: "ACKs with data or a new window are not duplicates", Steps: []Step{
			firstFlight(),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("a"), tcpstate.Accepted),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(2), L(1)).Data("b"), tcpstate.Accepted),
			Inject(Peer(tcpstate.ACK, R(3), L(1)).Win(60000), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1+10*1460), R(3))),
			ExpectNothing(),
			congestion(14600, highSsthresh, 0),
		}},
	})
}
