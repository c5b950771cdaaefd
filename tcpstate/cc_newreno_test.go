package tcpstate_test

import (
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// TestNewRenoSlowStartToCongestionAvoidance follows a window across
// ssthresh, every number worked out from RFC 5681 §3.1 with SMSS 1460.
func TestNewRenoSlowStartToCongestionAvoidance(t *testing.T) {
	const mss = 1460
	r := tcpstate.NewNewReno()
	r.Init(mss, 0)
	// A timeout with 40 segments in flight: ssthresh = max(58400/2,
	// 2920) = 29200 (20 segments), cwnd = LW = 1 segment.
	r.OnTimeout(ccT0, 40*mss)
	if r.CWnd() != mss || r.Ssthresh() != 20*mss {
		t.Fatalf("timeout: cwnd %d ssthresh %d, want %d %d", r.CWnd(), r.Ssthresh(), mss, 20*mss)
	}
	now := ccT0
	// Slow start: 1, 2, 4, 8, 16 segments.
	for _, want := range []int{2, 4, 8, 16} {
		now = ccRound(r, now, mss, 100*time.Millisecond)
		if r.CWnd() != want*mss {
			t.Fatalf("slow start: cwnd %d, want %d segments", r.CWnd(), want)
		}
	}
	// The round of 16 ACKs: the first 4 take cwnd to 20 segments =
	// ssthresh, where congestion avoidance starts; the other 12 count
	// 12*1460 = 17520 bytes, less than cwnd, so no growth yet.
	now = ccRound(r, now, mss, 100*time.Millisecond)
	if r.CWnd() != 20*mss {
		t.Fatalf("crossing ssthresh: cwnd %d, want %d", r.CWnd(), 20*mss)
	}
	// Next round of 20 ACKs: the 8th brings the count to 17520 +
	// 8*1460 = 29200 = cwnd: +1 SMSS, count back to 0; the other 12
	// count 17520 < 30660.
	now = ccRound(r, now, mss, 100*time.Millisecond)
	if r.CWnd() != 21*mss {
		t.Fatalf("first congestion avoidance round: cwnd %d, want %d", r.CWnd(), 21*mss)
	}
	// From then on one SMSS per round trip: each round acknowledges
	// exactly cwnd bytes, so the count reaches cwnd once a round.
	for want := 22; want <= 60; want++ {
		now = ccRound(r, now, mss, 100*time.Millisecond)
		if r.CWnd() != want*mss {
			t.Fatalf("congestion avoidance: cwnd %d, want %d segments", r.CWnd(), want)
		}
	}
}

// TestNewRenoCongestionAvoidanceDelayedACK: with one ACK per two
// segments the byte count still grows cwnd by one SMSS per round trip
// (RFC 5681 §3.1, "in the face of delayed ACKs").
func TestNewRenoCongestionAvoidanceDelayedACK(t *testing.T) {
	const mss = 1000
	r := tcpstate.NewNewReno()
	r.Init(mss, 20*mss)
	r.OnFastRetransmit(ccT0, 40*mss, 3) // ssthresh 20000
	r.OnRecoveryExit(ccT0, 20*mss)      // cwnd 20000: congestion avoidance
	for round := 1; round <= 10; round++ {
		// A window of cwnd/SMSS segments: one ACK per two, and a
		// last one for an odd segment (the delayed-ACK timer's).
		segs := r.CWnd() / mss
		for ; segs >= 2; segs -= 2 {
			r.OnAck(ccT0, 2*mss, 0, r.CWnd())
		}
		if segs == 1 {
			r.OnAck(ccT0, mss, 0, r.CWnd())
		}
		if r.CWnd() != (20+round)*mss {
			t.Fatalf("round %d: cwnd %d, want %d", round, r.CWnd(), (20+round)*mss)
		}
	}
	// A single stretch ACK of a whole window adds one SMSS only (RFC
	// 5681 §3.1: "MUST NOT increment cwnd by more than SMSS bytes").
	before := r.CWnd()
	r.OnAck(ccT0, 3*before, 0, before)
	if r.CWnd() != before+mss {
		t.Errorf("stretch ACK: cwnd %d, want %d", r.CWnd(), before+mss)
	}
	// Nor does it leave a count that grows cwnd again on the next ACK.
	r.OnAck(ccT0, mss, 0, r.CWnd())
	if r.CWnd() != before+mss {
		t.Errorf("ACK after a stretch ACK: cwnd %d, want %d", r.CWnd(), before+mss)
	}
}

// TestNewRenoLossEquation4 checks the exact ssthresh of RFC 5681
// equation (4), max(FlightSize/2, 2*SMSS), computed from FlightSize and
// not from cwnd.
func TestNewRenoLossEquation4(t *testing.T) {
	for _, tc := range []struct {
		name           string
		inFlight       int
		wantSsthresh   int
		wantCWndFastRx int // ssthresh + 3*SMSS (RFC 5681 §3.2 step 3)
	}{
		{"half of 20 segments", 29200, 14600, 14600 + 4380},
		{"odd FlightSize rounds down", 29201, 14600, 14600 + 4380},
		{"floor of 2 SMSS", 2000, 2920, 2920 + 4380},
		{"nothing in flight", 0, 2920, 2920 + 4380},
		{"FlightSize below cwnd", 10000, 5000, 5000 + 4380},
	} {
		r := tcpstate.NewNewReno()
		r.Init(1460, 29200)
		r.OnFastRetransmit(ccT0, tc.inFlight, 3)
		if r.Ssthresh() != tc.wantSsthresh || r.CWnd() != tc.wantCWndFastRx {
			t.Errorf("%s: fast retransmit: ssthresh %d cwnd %d, want %d %d", tc.name, r.Ssthresh(), r.CWnd(), tc.wantSsthresh, tc.wantCWndFastRx)
		}
		r.Init(1460, 29200)
		r.OnTimeout(ccT0, tc.inFlight)
		if r.Ssthresh() != tc.wantSsthresh || r.CWnd() != 1460 {
			t.Errorf("%s: timeout: ssthresh %d cwnd %d, want %d 1460", tc.name, r.Ssthresh(), r.CWnd(), tc.wantSsthresh)
		}
	}
}

// TestNewRenoRepeatedTimeout: when the segment was already retransmitted
// by the timer, ssthresh is held constant (RFC 5681 §3.1); once new data
// is acknowledged, the next timeout is a new loss.
func TestNewRenoRepeatedTimeout(t *testing.T) {
	r := tcpstate.NewNewReno()
	r.Init(1000, 0)
	r.OnTimeout(ccT0, 10000) // ssthresh 5000
	r.OnTimeout(ccT0, 1000)  // same segment again: held, not 2000
	if r.Ssthresh() != 5000 || r.CWnd() != 1000 {
		t.Fatalf("second timeout: ssthresh %d cwnd %d, want 5000 1000", r.Ssthresh(), r.CWnd())
	}
	r.OnAck(ccT0, 1000, 0, 1000) // SND.UNA advances; slow start to 2000
	r.OnTimeout(ccT0, 8000)
	if r.Ssthresh() != 4000 || r.CWnd() != 1000 {
		t.Errorf("timeout after new ACK: ssthresh %d cwnd %d, want 4000 1000", r.Ssthresh(), r.CWnd())
	}
}

// TestNewRenoTimeoutEndsRecovery: RFC 6582 §3.2 step 4.
func TestNewRenoTimeoutEndsRecovery(t *testing.T) {
	r := tcpstate.NewNewReno()
	r.Init(1000, 0)
	r.OnFastRetransmit(ccT0, 10000, 3) // ssthresh 5000, cwnd 8000
	r.OnTimeout(ccT0, 10000)           // ssthresh 5000 again, cwnd 1000
	if r.InRecovery() || r.CWnd() != 1000 || r.Ssthresh() != 5000 {
		t.Errorf("timeout in recovery: recovery %v cwnd %d ssthresh %d, want false 1000 5000", r.InRecovery(), r.CWnd(), r.Ssthresh())
	}
	// A new fast recovery may start later.
	r.OnAck(ccT0, 1000, 0, 1000)
	r.OnFastRetransmit(ccT0, 6000, 3)
	if !r.InRecovery() || r.Ssthresh() != 3000 {
		t.Errorf("second fast retransmit: recovery %v ssthresh %d, want true 3000", r.InRecovery(), r.Ssthresh())
	}
}

// TestNewRenoByteCountCarries: the bytes counted beyond cwnd carry over
// to the next count (RFC 3465 §2.1), so with a cwnd that is not a whole
// number of segments the growths come after exactly cwnd bytes each.
func TestNewRenoByteCountCarries(t *testing.T) {
	r := tcpstate.NewNewReno()
	r.Init(1000, 40000)
	r.OnFastRetransmit(ccT0, 43000, 3) // ssthresh 21500
	r.OnRecoveryExit(ccT0, 21500)      // cwnd min(21500, 22500) = 21500
	if r.CWnd() != 21500 {
		t.Fatalf("cwnd %d, want 21500", r.CWnd())
	}
	// Growths at 21500, 21500+22500 = 44000 and 44000+23500 = 67500
	// bytes: after 67 ACKs of 1000 bytes, two; after the 68th, three.
	for range 67 {
		r.OnAck(ccT0, 1000, 0, r.CWnd())
	}
	if r.CWnd() != 23500 {
		t.Fatalf("after 67000 bytes: cwnd %d, want 23500", r.CWnd())
	}
	r.OnAck(ccT0, 1000, 0, r.CWnd())
	if r.CWnd() != 24500 {
		t.Errorf("after 68000 bytes: cwnd %d, want 24500", r.CWnd())
	}
}
