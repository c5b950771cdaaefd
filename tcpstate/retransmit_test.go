package tcpstate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// TestRetransmission covers the retransmission timer of RFC 6298 for SYN,
// SYN-ACK, data and FIN, and the retry limit of RFC 1122 §4.2.3.5.
func TestRetransmission(t *testing.T) {
	syn := Us(tcpstate.SYN, L(0), 0).Win(65535).MSS(1460).SACKOK().TSEcho(0).WScale(0)
	synAck := Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).Win(65535).MSS(1460)
	retries := func(syn, data int) Step {
		return Configure(func(c *tcpstate.Config) { c.SynRetries, c.DataRetries = syn, data })
	}
	RunAll(t, []Scenario{
		// RFC 6298 (2.1): "the sender SHOULD set RTO <- 1 second"; (5.5):
		// "The host MUST set RTO <- RTO * 2 ("back off the timer")"; (2.5):
		// "A maximum value MAY be placed on RTO provided it is at least 60
		// seconds" (MaxRTO = 60 s by default). With the default 7
		// retries the SYN goes out at 0, 1, 3, 7, 15, 31, 63 and 123 s;
		// one more RTO later (183 s, at least the 3 minutes RFC 1122
		// §4.2.3.5 asks for a SYN) the open fails: "R2 ... close the
		// connection".
		{Name: "SYN at 1, 3, 7 s... then timed out at 183 s", Steps: []Step{
			Connect(),
			Expect(syn),
			NextTimeout(time.Second),
			Advance(999 * time.Millisecond),
			ExpectNothing(),
			Advance(time.Millisecond), // t=1s
			Expect(syn),
			ExpectNothing(),
			NextTimeout(2 * time.Second),
			Advance(2 * time.Second), // t=3s
			Expect(syn),
			NextTimeout(4 * time.Second),
			Advance(4 * time.Second), // t=7s
			Expect(syn),
			Advance(8 * time.Second), // t=15s
			Expect(syn),
			Advance(16 * time.Second), // t=31s
			Expect(syn),
			Advance(32 * time.Second), // t=63s
			Expect(syn),
			NextTimeout(60 * time.Second), // 64 s capped at 60 s
			Advance(60 * time.Second),     // t=123s: the 7th retransmission
			Expect(syn),
			State(tcpstate.SynSent),
			NextTimeout(60 * time.Second),
			Advance(60*time.Second - time.Nanosecond),
			State(tcpstate.SynSent),
			Err(nil),
			Advance(time.Nanosecond), // t=183s
			State(tcpstate.Closed),
			Err(tcpstate.ErrTimedOut),
			ExpectNothing(),
			NextTimeout(0),
			Events(tcpstate.EventClosed),
		}},
		{Name: "SynRetries 2: SYN at 0, 1, 3 s, timed out at 7 s", Steps: []Step{
			retries(2, 15),
			Connect(),
			Expect(syn),
			Advance(time.Second),
			Expect(syn),
			Advance(2 * time.Second),
			Expect(syn),
			Advance(4*time.Second - time.Nanosecond),
			ExpectNothing(),
			State(tcpstate.SynSent),
			Advance(time.Nanosecond),
			State(tcpstate.Closed),
			Err(tcpstate.ErrTimedOut),
			ExpectNothing(),
			NextTimeout(0),
		}},
		{Name: "SynRetries 0: no retransmission, timed out at 1 s", Steps: []Step{
			retries(0, 15),
			Connect(),
			Expect(syn),
			Advance(time.Second),
			ExpectNothing(),
			State(tcpstate.Closed),
			Err(tcpstate.ErrTimedOut),
		}},
		// The SYN-ACK is timed the same way (RFC 6298 (5.1) applies to
		// every segment occupying sequence space).
		{Name: "SYN-ACK at 1, 3, 7 s, then timed out", Steps: []Step{
			retries(3, 15),
			Listen(),
			Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460), tcpstate.Accepted),
			Expect(synAck),
			Advance(time.Second),
			Expect(synAck),
			Advance(2 * time.Second),
			Expect(synAck),
			Advance(4 * time.Second),
			Expect(synAck),
			State(tcpstate.SynReceived),
			Advance(8*time.Second - time.Nanosecond),
			ExpectNothing(),
			Advance(time.Nanosecond), // t=15s
			State(tcpstate.Closed),
			Err(tcpstate.ErrTimedOut),
			ExpectNothing(),
		}},
		// RFC 9293 §3.6 Case 1: "All segments preceding and including FIN
		// will be retransmitted until acknowledged." The handshake took no
		// time, so the RTO is max(1 s, 0 + max(G, 0)) = 1 s (RFC 6298
		// (2.2), (2.4)).
		{Name: "FIN at 1, 3, 7 s, then acknowledged", Steps: []Step{
			FinWait1(),
			RTO(time.Second),
			NextTimeout(time.Second),
			Advance(time.Second),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(1))),
			ExpectNothing(),
			Advance(2 * time.Second),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(1))),
			Advance(4 * time.Second),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(1))),
			NextTimeout(8 * time.Second),
			Inject(Peer(tcpstate.ACK, R(1), L(2)), tcpstate.Accepted),
			State(tcpstate.FinWait2),
			NextTimeout(0), // (5.2)
		}},
		{Name: "FIN in LAST-ACK retransmitted", Steps: []Step{
			LastAck(),
			Advance(time.Second),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(2))),
			Advance(2 * time.Second),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(2))),
			Inject(Peer(tcpstate.ACK, R(2), L(2)), tcpstate.Accepted),
			State(tcpstate.Closed),
			NextTimeout(0),
		}},
		// RFC 1122 §4.2.3.5: when retransmissions reach R2, "close the
		// connection".
		{Name: "DataRetries 2: FIN at 1, 3 s, timed out at 7 s", Steps: []Step{
			retries(7, 2),
			FinWait1(),
			Advance(time.Second),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(1))),
			Advance(2 * time.Second),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(1))),
			Advance(4*time.Second - time.Nanosecond),
			State(tcpstate.FinWait1),
			Advance(time.Nanosecond),
			State(tcpstate.Closed),
			Err(tcpstate.ErrTimedOut),
			ExpectNothing(),
		}},
		// RFC 6298 (5.1): "Every time a packet containing data is sent ...
		// if the timer is not running, start it running so that it will
		// expire after RTO seconds"; (5.4): "Retransmit the earliest
		// segment that has not been acknowledged"; (5.5)-(5.6): back off
		// and restart; (5.2): "When all outstanding data has been
		// acknowledged, turn off the retransmission timer."
		{Name: "data retransmitted from SND.UNA after the RTO", Steps: []Step{
			Established(),
			Write("hello", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			NextTimeout(time.Second),
			Advance(time.Second),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			ExpectNothing(),
			RTO(2 * time.Second),
			NextTimeout(2 * time.Second),
			Advance(2 * time.Second),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			Inject(Peer(tcpstate.ACK, R(1), L(6)), tcpstate.Accepted),
			SndUna(L(6)),
			NextTimeout(0),
			ExpectNothing(),
		}},
		// (5.4) retransmits one segment: "the earliest segment that has
		// not been acknowledged", not the whole flight (RFC 5681 §3.1
		// likewise sets cwnd to one segment after a timeout).
		{Name: "RTO retransmits only the earliest segment", Steps: []Step{
			Established(),
			Write(strings.Repeat("a", 2000), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1460)),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1461), R(1)).Len(540)),
			Advance(time.Second),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1460)),
			ExpectNothing(),
		}},
		// (5.3): "When an ACK is received that acknowledges new data,
		// restart the retransmission timer so that it will expire after
		// RTO seconds". The ACK at 0.5 s is also an RTT sample of 500 ms
		// for the first segment: (2.3) with SRTT = RTTVAR = 0 from the
		// handshake gives RTTVAR = 125 ms, SRTT = 62.5 ms, RTO = max(1 s,
		// 562.5 ms) = 1 s, so the timer now fires at 1.5 s, not 1 s.
		{Name: "ACK of new data restarts the timer", Steps: []Step{
			Established(),
			Write(strings.Repeat("a", 2000), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1460)),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1461), R(1)).Len(540)),
			Advance(500 * time.Millisecond),
			Inject(Peer(tcpstate.ACK, R(1), L(1461)), tcpstate.Accepted),
			RTT(62500*time.Microsecond, 125*time.Millisecond),
			RTO(time.Second),
			NextTimeout(time.Second),
			Advance(999 * time.Millisecond),
			ExpectNothing(),
			Advance(time.Millisecond),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1461), R(1)).Len(540)),
		}},
		{Name: "timer off in idle ESTABLISHED", Steps: []Step{
			Established(),
			NextTimeout(0),
			Write("hello", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			NextTimeout(time.Second),
			Inject(Peer(tcpstate.ACK, R(1), L(6)), tcpstate.Accepted),
			NextTimeout(0),
			Advance(time.Hour),
			ExpectNothing(),
			State(tcpstate.Established),
		}},
		{Name: "DataRetries 1: data timed out at 3 s", Steps: []Step{
			retries(7, 1),
			Established(),
			Write("hello", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			Advance(time.Second),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			Advance(2 * time.Second),
			State(tcpstate.Closed),
			Err(tcpstate.ErrTimedOut),
			ExpectNothing(),
			Write("more", tcpstate.ErrTimedOut),
		}},
	})
}

// TestRTOEstimate covers the RTO computation of RFC 6298 §2, Karn's
// algorithm (§3) and rule (5.7).
func TestRTOEstimate(t *testing.T) {
	minRTO := func(d time.Duration) Step {
		return Configure(func(c *tcpstate.Config) { c.MinRTO = d })
	}
	// handshake100ms opens actively with a SYN-ACK 100 ms after the SYN.
	handshake100ms := Steps(
		SynSent(),
		Advance(100*time.Millisecond),
		Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460), tcpstate.Accepted),
		Expect(Us(tcpstate.ACK, L(1), R(1))),
	)
	RunAll(t, []Scenario{
		// (2.2): "SRTT <- R, RTTVAR <- R/2, RTO <- SRTT + max (G,
		// K*RTTVAR) where K = 4": 100 ms + 4×50 ms = 300 ms; (2.4):
		// "if it is less than 1 second, then the RTO SHOULD be rounded up
		// to 1 second".
		{Name: "first sample 100 ms: RTO rounded up to 1 s", Steps: []Step{
			handshake100ms,
			RTT(100*time.Millisecond, 50*time.Millisecond),
			RTO(time.Second),
		}},
		// With MinRTO 200 ms (2.4 relaxed), the formula itself shows.
		{Name: "first sample 100 ms, MinRTO 200 ms: RTO 300 ms", Steps: []Step{
			minRTO(200 * time.Millisecond),
			handshake100ms,
			RTT(100*time.Millisecond, 50*time.Millisecond),
			RTO(300 * time.Millisecond),
			Write("hello", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			NextTimeout(300 * time.Millisecond),
		}},
		// The passive side times its SYN-ACK.
		{Name: "passive: sample from the ACK of the SYN-ACK", Steps: []Step{
			minRTO(200 * time.Millisecond),
			SynReceived(),
			Advance(100 * time.Millisecond),
			Inject(Peer(tcpstate.ACK, R(1), L(1)), tcpstate.Accepted),
			RTT(100*time.Millisecond, 50*time.Millisecond),
			RTO(300 * time.Millisecond),
		}},
		// (2.3): "RTTVAR <- (1 - beta) * RTTVAR + beta * |SRTT - R'|,
		// SRTT <- (1 - alpha) * SRTT + alpha * R'" with alpha = 1/8,
		// beta = 1/4, RTTVAR first: R' = 200 ms gives RTTVAR = 37.5 +
		// 25 = 62.5 ms, SRTT = 87.5 + 25 = 112.5 ms, RTO = 112.5 + 250 =
		// 362.5 ms.
		{Name: "second sample 200 ms: RTO 362.5 ms", Steps: []Step{
			minRTO(200 * time.Millisecond),
			handshake100ms,
			Write("hello", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			Advance(200 * time.Millisecond),
			Inject(Peer(tcpstate.ACK, R(1), L(6)), tcpstate.Accepted),
			RTT(112500*time.Microsecond, 62500*time.Microsecond),
			RTO(362500 * time.Microsecond),
		}},
		// §4: "if the K*RTTVAR term in the RTO calculation equals zero, the
		// variance term MUST be rounded to G seconds": a zero RTT sample
		// gives RTO = G, tcpstate's clock granularity of 1 ms.
		{Name: "zero variance: RTO = SRTT + G", Steps: []Step{
			minRTO(time.Nanosecond),
			Established(), // the SYN-ACK comes at once: R = 0
			RTT(0, 0),
			RTO(time.Millisecond),
		}},
		// §3: "RTT samples MUST NOT be made using segments that were
		// retransmitted". The ACK at 500 ms covers a segment sent at
		// 100 ms and resent at 400 ms: no sample, the backed-off RTO
		// (600 ms) stays until the next sample, which then "collapses" it
		// (§5): RTTVAR = 3/4×50 + 1/4×0 = 37.5 ms, SRTT = 100 ms,
		// RTO = 100 + 150 = 250 ms.
		{Name: "Karn: no sample from a retransmitted segment", Steps: []Step{
			minRTO(200 * time.Millisecond),
			handshake100ms,
			Write("hello", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			Advance(300 * time.Millisecond), // t=400ms: RTO
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			RTO(600 * time.Millisecond),
			Advance(100 * time.Millisecond),
			Inject(Peer(tcpstate.ACK, R(1), L(6)), tcpstate.Accepted),
			RTT(100*time.Millisecond, 50*time.Millisecond),
			RTO(600 * time.Millisecond),
			Write("world", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(6), R(1)).Data("world")),
			NextTimeout(600 * time.Millisecond),
			Advance(100 * time.Millisecond),
			Inject(Peer(tcpstate.ACK, R(1), L(11)), tcpstate.Accepted),
			RTT(100*time.Millisecond, 37500*time.Microsecond),
			RTO(250 * time.Millisecond),
		}},
		// Karn applies to the SYN too: a SYN-ACK after a retransmitted
		// SYN gives no sample. (5.7): "If the timer expires awaiting the
		// ACK of a SYN segment and the TCP implementation is using an RTO
		// less than 3 seconds, the RTO MUST be re-initialized to 3 seconds
		// when data transmission begins (i.e., after the three-way
		// handshake completes)."
		{Name: "SYN retransmitted once: RTO 3 s after the handshake", Steps: []Step{
			SynSent(),
			Advance(time.Second),
			Expect(Us(tcpstate.SYN, L(0), 0)),
			Advance(100 * time.Millisecond),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			RTT(0, 0),
			RTO(3 * time.Second),
			Write("hello", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			NextTimeout(3 * time.Second),
		}},
		{Name: "SYN-ACK retransmitted once: RTO 3 s after the handshake", Steps: []Step{
			SynReceived(),
			Advance(time.Second),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1))),
			Advance(200 * time.Millisecond),
			Inject(Peer(tcpstate.ACK, R(1), L(1)), tcpstate.Accepted),
			RTT(0, 0),
			RTO(3 * time.Second),
		}},
		// The timer expired awaiting the ACK of the SYN while the RTO was
		// 1 s (< 3 s), so (5.7) applies: "re-initialized to 3 seconds",
		// RFC 6298 Appendix A: "this document calls for reverting to an
		// initial RTO of 3 seconds for the data transmission phase" (Linux
		// sets 3 s whenever the handshake gave no sample).
		{Name: "SYN retransmitted twice: RTO 3 s after the handshake", Steps: []Step{
			SynSent(),
			Advance(time.Second),
			Expect(Us(tcpstate.SYN, L(0), 0)),
			Advance(2 * time.Second),
			Expect(Us(tcpstate.SYN, L(0), 0)),
			Advance(500 * time.Millisecond),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			RTO(3 * time.Second),
		}},
		// In a simultaneous open our SYN-ACK resends the SYN's sequence
		// number (RFC 9293 Figure 7 line 5), so an ACK of ISS+1 may answer
		// either: §3, "RTT samples MUST NOT be made using segments that
		// were retransmitted". No timer expired, so the RTO stays at its
		// initial 1 s (2.1).
		{Name: "simultaneous open: no sample from the SYN resent as SYN-ACK", Steps: []Step{
			minRTO(200 * time.Millisecond),
			SynSent(),
			Advance(50 * time.Millisecond),
			Inject(Peer(tcpstate.SYN, R(0), 0), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1))),
			Advance(50 * time.Millisecond),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)), tcpstate.Accepted),
			State(tcpstate.Established),
			RTT(0, 0),
			RTO(time.Second),
		}},
		// Without a SYN timeout, (5.7) does not apply: the sample rules.
		{Name: "no SYN timeout: (5.7) does not apply", Steps: []Step{
			minRTO(200 * time.Millisecond),
			handshake100ms,
			RTO(300 * time.Millisecond),
		}},
	})
}
