package tcpstate_test

import (
	"math"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// ccWCubic is RFC 9438 §4.2's window in segments, written here from the
// formula and independent of the code under test: C*(t-K)^3 + W_max with
// C = 0.4.
func ccWCubic(t, k, wMax float64) float64 { return 0.4*math.Pow(t-k, 3) + wMax }

// ccCubicAfterLoss returns a CUBIC sender with SMSS 1000 that saw a fast
// retransmit with a full window of wMax segments and left recovery with
// cwnd = ssthresh = 0.7*wMax segments: the start of a congestion
// avoidance stage.
func ccCubicAfterLoss(t *testing.T, wMax int) *tcpstate.Cubic {
	t.Helper()
	c := tcpstate.NewCubic()
	c.Init(1000, wMax*1000)
	c.OnFastRetransmit(ccT0, wMax*1000, 3)
	// RFC 9438 §4.6: ssthresh = 0.7*FlightSize; cwnd = ssthresh + 3*SMSS.
	if want := wMax * 700; c.Ssthresh() != want || c.CWnd() != want+3000 {
		t.Fatalf("fast retransmit at %d segments: ssthresh %d cwnd %d, want %d %d", wMax, c.Ssthresh(), c.CWnd(), want, want+3000)
	}
	c.OnRecoveryExit(ccT0, c.Ssthresh())
	if c.CWnd() != wMax*700 {
		t.Fatalf("recovery exit: cwnd %d, want %d", c.CWnd(), wMax*700)
	}
	if c.WMax() != float64(wMax) {
		t.Fatalf("W_max %v, want %d", c.WMax(), wMax)
	}
	return c
}

// TestCubicFollowsWCubic: after a loss at W_max = 100 segments, with an
// RTT long enough that the Reno-friendly estimate stays below the curve
// (W_est grows about 0.53 segment per 200 ms RTT, 91 segments at t = 8 s,
// below W_cubic(8) = 121.65), cwnd follows W_cubic(t) through the
// concave region, the plateau at W_max around t = K and the convex
// region.
func TestCubicFollowsWCubic(t *testing.T) {
	const rtt = 200 * time.Millisecond
	c := ccCubicAfterLoss(t, 100)

	// The test's own formula, against values worked out by hand.
	k := math.Cbrt(100 * (1 - 0.7) / 0.4) // cbrt(75)
	for _, tc := range []struct{ t, want float64 }{
		{0, 70}, {1, 86.681}, {2, 95.640}, {k, 100}, {6, 102.267}, {8, 121.653},
	} {
		if got := ccWCubic(tc.t, k, 100); math.Abs(got-tc.want) > 0.001 {
			t.Fatalf("test formula: W_cubic(%.3f) = %.3f, want %.3f", tc.t, got, tc.want)
		}
	}
	if math.Abs(k-4.2172) > 0.0001 {
		t.Fatalf("test formula: K = %v, want 4.2172", k)
	}

	// The stage starts with the first ACK in congestion avoidance.
	now := ccRound(c, ccT0, 1000, rtt)
	gotK, ok := c.K()
	if !ok || math.Abs(gotK-k) > 1e-9 {
		t.Fatalf("K = %v (started %v), want cbrt(75) = %v", gotK, ok, k)
	}

	// The target is W_cubic(t+RTT) and each ACK closes 1/cwnd of the
	// gap, so cwnd at the end of a round trip lags or leads the curve by
	// a fraction of a segment: 0.5 segment is the tolerance.
	const tol = 0.5
	seg := func() float64 { return float64(c.CWnd()) / 1000 }
	samples := make([]float64, 41) // [round] cwnd, segments
	for round := 1; round <= 40; round++ {
		if round > 1 {
			now = ccRound(c, now, 1000, rtt)
		}
		tt := float64(round) * rtt.Seconds()
		want := ccWCubic(tt, k, 100)
		if math.Abs(seg()-want) > tol {
			t.Fatalf("t=%.1fs: cwnd %.3f segments, want W_cubic = %.3f ± %v", tt, seg(), want, tol)
		}
		samples[round] = seg()
	}

	// Concave: fast growth far below W_max, slowing towards it.
	if d := samples[5] - samples[1]; d < 8 { // W_cubic(1)-W_cubic(0.2) = 12.6
		t.Errorf("concave region: cwnd grew %.2f segments from t=0.2 to 1 s", d)
	}
	// Plateau: within half a segment of W_max at t ≈ K (round 21, t =
	// 4.2 s), and less than one segment of growth from 3.8 to 4.6 s.
	if math.Abs(samples[21]-100) > tol {
		t.Errorf("at t=K: cwnd %.3f, want W_max 100", samples[21])
	}
	if d := samples[23] - samples[19]; d < 0 || d > 1 {
		t.Errorf("plateau: cwnd grew %.3f segments from t=3.8 to 4.6 s", d)
	}
	// Convex: beyond W_max and accelerating.
	if samples[40] <= samples[35] || samples[40]-samples[35] <= samples[35]-samples[30] {
		t.Errorf("convex region: cwnd %.2f, %.2f, %.2f at t=6, 7, 8 s", samples[30], samples[35], samples[40])
	}
}

// TestCubicRenoFriendly: with a small window and a short RTT (W_max = 20
// segments, RTT 10 ms) the curve grows slower than Reno would, so cwnd
// follows W_est (RFC 9438 §4.3): it starts at cwnd_epoch = 14 segments
// and grows by alpha_cubic = 3*0.3/1.7 = 0.5294 segment per RTT until it
// reaches cwnd_prior = 20 (after 6/0.5294 = 11.3 round trips), then by
// 1 segment per RTT. The curve alone would grow by 1.2*(t-K)^2*RTT, about
// 0.07 segment per round trip here (K = cbrt(15) = 2.466 s).
//
// W_est grows by alpha*acked/cwnd per ACK and a sender has only whole
// segments in flight (floor(cwnd) ACKs per round trip, cwnd growing
// during it), so a round trip adds a little less than alpha: between
// 85% and 100% of it.
func TestCubicRenoFriendly(t *testing.T) {
	const rtt = 10 * time.Millisecond
	c := ccCubicAfterLoss(t, 20)
	k := math.Cbrt(20 * 0.3 / 0.4)
	alpha := 3 * (1 - 0.7) / (1 + 0.7)
	now := ccT0
	prev := 14.0
	for round := 1; round <= 50; round++ {
		now = ccRound(c, now, 1000, rtt)
		tt := float64(round) * rtt.Seconds()
		got := float64(c.CWnd()) / 1000
		step := got - prev
		prev = got
		switch {
		case round <= 11 && (step < 0.85*alpha || step > alpha+1e-9):
			t.Fatalf("t=%.2fs: cwnd grew %.4f segments in a round trip, want about alpha_cubic %.4f", tt, step, alpha)
		case round >= 13 && (step < 0.85 || step > 1+1e-9):
			t.Fatalf("t=%.2fs: cwnd grew %.4f segments in a round trip, want about 1", tt, step)
		}
		if wc := ccWCubic(tt, k, 20); got <= wc {
			t.Fatalf("t=%.2fs: cwnd %.3f not above W_cubic %.3f", tt, got, wc)
		}
	}
	// Reno from 14 segments: 0.5294 per RTT to 20, then 1 per RTT:
	// 20 + (50 - 11.33) = 58.7 segments at most after 50 round trips.
	if got := float64(c.CWnd()) / 1000; got < 53 || got > 58.7 {
		t.Errorf("after 50 round trips: cwnd %.2f segments, want Reno's 53..58.7", got)
	}
}

// TestCubicFastConvergence: RFC 9438 §4.7: a loss below the previous
// W_max means a new flow is taking a share, and W_max is set lower,
// to cwnd*(1+beta_cubic)/2.
func TestCubicFastConvergence(t *testing.T) {
	c := ccCubicAfterLoss(t, 100) // W_max 100, cwnd 70
	c.OnFastRetransmit(ccT0, 70000, 3)
	// cwnd 70 < 100: W_max = 70*1.7/2 = 59.5; ssthresh = 0.7*70000.
	if c.WMax() != 59.5 || c.Ssthresh() != 49000 {
		t.Fatalf("second loss: W_max %v ssthresh %d, want 59.5 49000", c.WMax(), c.Ssthresh())
	}
	c.OnRecoveryExit(ccT0, 49000)
	c.OnAck(ccT0, 1000, 0, 49000)
	// K = cbrt((W_max - cwnd_epoch)/C) = cbrt((59.5-49)/0.4) = cbrt(26.25).
	if k, _ := c.K(); math.Abs(k-2.97196) > 1e-4 {
		t.Errorf("K = %v, want cbrt(26.25) = 2.97196", k)
	}

	// A loss above the previous W_max keeps W_max = cwnd.
	c = ccCubicAfterLoss(t, 80) // K = cbrt(60) = 3.915 s
	now := ccT0
	for c.CWnd() < 90000 { // convex region
		now = ccRound(c, now, 1000, 200*time.Millisecond)
	}
	cwnd := c.CWnd()
	c.OnFastRetransmit(now, cwnd, 3)
	if want := float64(cwnd) / 1000; c.WMax() != want {
		t.Errorf("loss at %d bytes above W_max 80: W_max %v, want %v", cwnd, c.WMax(), want)
	}
}

// TestCubicTimeout: RFC 9438 §4.8: ssthresh as for a fast retransmit,
// cwnd = 1 SMSS, slow start, and the first congestion avoidance stage has
// K = 0 and W_max = the cwnd it starts with.
func TestCubicTimeout(t *testing.T) {
	c := tcpstate.NewCubic()
	c.Init(1000, 100000)
	c.OnTimeout(ccT0, 100000)
	if c.Ssthresh() != 70000 || c.CWnd() != 1000 || c.WMax() != 0 {
		t.Fatalf("timeout: ssthresh %d cwnd %d W_max %v, want 70000 1000 0", c.Ssthresh(), c.CWnd(), c.WMax())
	}
	// Held constant for the same segment (RFC 5681 §3.1).
	c.OnTimeout(ccT0, 4000)
	if c.Ssthresh() != 70000 {
		t.Fatalf("repeated timeout: ssthresh %d, want 70000", c.Ssthresh())
	}
	now := ccT0
	// Slow start 1, 2, 4, ..., 64 segments; the round of 64 ACKs
	// reaches 70 = ssthresh after 6, and the 7th starts the stage.
	for range 7 {
		now = ccRound(c, now, 1000, 200*time.Millisecond)
	}
	k, ok := c.K()
	if !ok || k != 0 || c.WMax() != 70 {
		t.Errorf("stage after timeout: K %v (started %v) W_max %v, want 0 true 70", k, ok, c.WMax())
	}
	if c.CWnd() < 70000 {
		t.Errorf("cwnd %d fell below the stage start", c.CWnd())
	}
}

// TestCubicDeterministic: the float64 state gives the same bytes on
// every run of the same calls.
func TestCubicDeterministic(t *testing.T) {
	run := func() []int {
		c := ccCubicAfterLoss(t, 100)
		now := ccT0
		var out []int
		for range 60 {
			now = ccRound(c, now, 1000, 37*time.Millisecond)
			out = append(out, c.CWnd())
		}
		return out
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("round %d: %d then %d", i, a[i], b[i])
		}
	}
}

// TestCubicApplicationLimited: while the sender uses less than half of
// cwnd, cwnd stays, and the curve's time stands still: after two seconds
// without using the window, the growth resumes where it stopped instead
// of jumping to W_cubic two seconds later.
func TestCubicApplicationLimited(t *testing.T) {
	const rtt = 200 * time.Millisecond
	a := ccCubicAfterLoss(t, 100)
	b := ccCubicAfterLoss(t, 100)
	now := ccT0
	for range 10 {
		now = ccRound(a, now, 1000, rtt)
	}
	now = ccT0
	for range 5 {
		now = ccRound(b, now, 1000, rtt)
	}
	held := b.CWnd()
	for i := range 20 { // 2 s of ACKs with one segment in flight
		b.OnAck(now.Add(time.Duration(i)*100*time.Millisecond), 1000, rtt, 1000)
	}
	if b.CWnd() != held {
		t.Fatalf("application-limited: cwnd %d, want %d held", b.CWnd(), held)
	}
	now = now.Add(2 * time.Second)
	for range 5 {
		now = ccRound(b, now, 1000, rtt)
	}
	// a ran t = 0..2 s; b ran t = 0..1 s, stood still (up to the
	// 2 s gap less one ACK interval, 100 ms), then ran 1 s more: about
	// W_cubic(1.9..2.0), not W_cubic(3.9..4.0) = 99.97.
	ga, gb := float64(a.CWnd())/1000, float64(b.CWnd())/1000
	if math.Abs(ga-gb) > 1 {
		t.Errorf("after the pause: cwnd %.2f segments, want %.2f ± 1 as without the pause", gb, ga)
	}
}
