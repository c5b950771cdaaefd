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
	steps = append(steps, expectSegs(0, 10)...)
	return Steps(append(steps, ExpectNothing())...)
}

// seg expects the i-th 1460-byte data segment, sent or resent.
func seg(i int) Step {
	return Expect(Us(tcpstate.ACK, L(1+1460*i), R(1)).Len(1460))
}

// expectSegs expects data segments from to to-1.
func expectSegs(from, to int) []Step {
	var steps []Step
	for i := from; i < to; i++ {
		steps = append(steps, seg(i))
	}
	return steps
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
		// RFC 5681 §3.2 step 1 (RFC 3042 §2): the first and second
		// duplicate ACKs each send one segment of new data beyond cwnd,
		// and cwnd does not change.
		{Name: "limited transmit on the first two duplicate ACKs", Steps: []Step{
			firstFlight(),
			dupAck(), seg(10), ExpectNothing(),
			dupAck(), seg(11), ExpectNothing(),
			congestion(14600, highSsthresh, 0),
		}},
		// "... and that new data is available for transmission": with
		// only the first flight written, the duplicates send nothing.
		{Name: "limited transmit needs new data", Steps: []Step{
			Established(), Write(Text(10*1460), nil),
			Steps(expectSegs(0, 9)...),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1+1460*9), R(1)).Len(1460)),
			ExpectNothing(),
			dupAck(), dupAck(), ExpectNothing(),
		}},
		// RFC 5681 §3.2 steps 2-3 (RFC 6582 §3.2 step 2): on the third
		// duplicate ACK, ssthresh = max(FlightSize/2, 2*SMSS) = 7300, with
		// the two segments of limited transmit left out of FlightSize; the
		// lost segment is retransmitted, cwnd = ssthresh + 3*SMSS = 11680.
		// Step 4: each further duplicate adds an SMSS; at 18980 one new
		// segment fits beside the 17520 in flight.
		{Name: "fast retransmit on the third duplicate ACK", Steps: []Step{
			firstFlight(),
			dupAck(), seg(10),
			dupAck(), seg(11),
			dupAck(),
			seg(0),
			congestion(11680, 7300, 1),
			dupAck(), dupAck(), dupAck(), dupAck(), ExpectNothing(),
			dupAck(),
			seg(12),
			congestion(18980, 7300, 1),
		}},
		// RFC 6582 §3.2 step 3, partial acknowledgment: "retransmit the
		// first unacknowledged segment" at once.
		{Name: "a partial ACK retransmits the next hole", Steps: []Step{
			firstFlight(),
			dupAck(), seg(10), dupAck(), seg(11), dupAck(), seg(0),
			Inject(Peer(tcpstate.ACK, R(1), L(1+2*1460)), tcpstate.Accepted),
			seg(2),
		}},
		// A full acknowledgment (of all data up to recover, the end of
		// segment 11) ends recovery with cwnd = min(ssthresh,
		// max(FlightSize, SMSS) + SMSS) (RFC 6582 §3.2 step 3, option 1):
		// here nothing is left in flight, so 2920.
		{Name: "a full ACK ends recovery and deflates cwnd", Steps: []Step{
			firstFlight(),
			dupAck(), seg(10), dupAck(), seg(11), dupAck(), seg(0),
			Inject(Peer(tcpstate.ACK, R(1), L(1+12*1460)), tcpstate.Accepted),
			congestion(2920, 7300, 1),
			seg(12),
			seg(13),
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
