package tcpstate

import (
	"math"
	"time"
)

// CUBIC's constants (RFC 9438 §4.1.1; the RFC is not in shared/, the
// formulas below are the published algorithm).
const (
	// cubicC is C, in segments per second cubed.
	cubicC = 0.4
	// cubicBeta is beta_cubic, the multiplicative decrease factor.
	cubicBeta = 0.7
	// cubicAlpha is alpha_cubic = 3*(1-beta_cubic)/(1+beta_cubic), the
	// Reno-friendly additive increase in segments per RTT (RFC 9438
	// §4.3), about 0.529.
	cubicAlpha = 3 * (1 - cubicBeta) / (1 + cubicBeta)
)

// Cubic is the CUBIC congestion control of RFC 9438: after a loss cwnd
// follows a cubic function of the time since congestion avoidance began,
// concave up to the window where the loss happened and convex beyond it,
// and never grows slower than an estimate of what Reno would reach. Slow
// start, fast recovery's inflation and deflation and the timeout's loss
// window are those of NewReno (RFC 9438 §4.8, §4.10 without HyStart++).
// While the sender uses less than half of cwnd (see OnAck) cwnd, W_est
// and the time t of the curve stand still.
// It implements CongestionControl; call Init first.
//
// Windows are kept internally in segments as float64 (the RFC's units)
// and exposed in whole bytes. Every product that feeds a sum is
// converted explicitly, which the Go spec says forbids fusing it into a
// fused multiply-add, so results are the same on every architecture.
type Cubic struct {
	ccWindow

	// wMax is W_max, in segments: cwnd just before the last window
	// reduction (after fast convergence), or 0 when unknown (before
	// the first loss and after a timeout).
	wMax float64
	// cwndPrior is cwnd in segments when ssthresh was last set, the
	// point where W_est switches to alpha = 1 (RFC 9438 §4.3).
	cwndPrior float64

	// The current congestion avoidance stage ("epoch"), started lazily
	// by the first ACK in congestion avoidance.
	epoch      bool
	epochStart time.Time // t_epoch
	lastAck    time.Time // the previous ACK in this stage
	k          float64   // K, seconds
	wEst       float64   // W_est, segments

	// w is cwnd in segments with its fraction; wSync is the byte cwnd
	// that w was last written to, so a change made by the shared rules
	// (slow start, recovery, timeout) is noticed and w re-read.
	w     float64
	wSync int
}

// NewCubic returns a CUBIC algorithm; call Init before use.
func NewCubic() *Cubic { return &Cubic{} }

// Name returns "cubic".
func (c *Cubic) Name() string { return "cubic" }

// Init implements CongestionControl.
func (c *Cubic) Init(mss, iw int) {
	*c = Cubic{}
	c.ccWindow.reset(mss, iw)
}

// K returns K, the time in seconds from the start of the current
// congestion avoidance stage until W_cubic reaches W_max again, and
// false when no stage has started since the last change of state.
func (c *Cubic) K() (float64, bool) { return c.k, c.epoch }

// WMax returns W_max in segments (0 before the first loss and after a
// timeout until congestion avoidance starts again).
func (c *Cubic) WMax() float64 { return c.wMax }

// wCubic is the window increase function (RFC 9438 §4.2, Figure 1), in
// segments, t in seconds since the start of congestion avoidance:
//
//	W_cubic(t) = C*(t-K)^3 + W_max
func (c *Cubic) wCubic(t float64) float64 {
	d := t - c.k
	return float64(cubicC*d*d*d) + c.wMax
}

// segments converts bytes to segments.
func (c *Cubic) segments(n int) float64 { return float64(n) / float64(c.smss) }

// startEpoch begins a congestion avoidance stage at now with cwnd_epoch =
// cwnd (RFC 9438 §4.2):
//
//	K = cbrt((W_max - cwnd_epoch)/C)
//
// which is cbrt(W_max*(1-beta_cubic)/C) right after a fast retransmit,
// when cwnd_epoch = beta_cubic*W_max. With no W_max above cwnd_epoch
// (after a timeout, RFC 9438 §4.8, or before any loss) K = 0 and W_max =
// cwnd_epoch: the stage starts in the convex region.
func (c *Cubic) startEpoch(now time.Time) {
	cwndEpoch := c.segments(c.cwnd)
	c.epoch = true
	c.epochStart = now
	c.lastAck = now
	c.w, c.wSync = cwndEpoch, c.cwnd
	if c.wMax > cwndEpoch {
		c.k = math.Cbrt((c.wMax - cwndEpoch) / cubicC)
	} else {
		c.k = 0
		c.wMax = cwndEpoch
	}
	// RFC 9438 §4.3: W_est starts at cwnd_epoch.
	c.wEst = cwndEpoch
}

// OnAck implements CongestionControl: slow start below ssthresh, then
// CUBIC's congestion avoidance (RFC 9438 §4.3-§4.5). rtt is the smoothed
// RTT used for the target W_cubic(t+RTT).
func (c *Cubic) OnAck(now time.Time, acked int, rtt time.Duration, inFlight int) {
	if !c.ackGrows(acked, inFlight) {
		if c.epoch && acked > 0 && !c.inRecovery {
			// Application- or rwnd-limited: the curve's clock stops,
			// t_epoch moving forward by the time since the previous
			// ACK, so that cwnd does not leap to a W_cubic(t) that
			// grew while the window was not used.
			c.epochStart = c.epochStart.Add(max(now.Sub(c.lastAck), 0))
			c.lastAck = now
		}
		return
	}
	if c.inSlowStart() {
		c.slowStart(acked)
		return
	}
	if !c.epoch {
		c.startEpoch(now)
	}
	if c.cwnd != c.wSync {
		c.w = c.segments(c.cwnd)
	}
	segs := c.segments(ccBytes(acked))
	t := max(now.Sub(c.epochStart).Seconds(), 0)
	c.lastAck = now

	// RFC 9438 §4.3: W_est += alpha_cubic * segments_acked / cwnd, with
	// alpha_cubic = 1 once W_est has reached cwnd_prior.
	alpha := cubicAlpha
	if c.wEst >= c.cwndPrior {
		alpha = 1
	}
	c.wEst = min(c.wEst+float64(alpha*segs)/c.w, c.segments(MaxWindow))

	if c.wCubic(t) < c.wEst {
		// RFC 9438 §4.3: the Reno-friendly region, cwnd = W_est (never
		// lowered: the lookahead below can put cwnd slightly above).
		c.w = max(c.w, c.wEst)
	} else {
		// RFC 9438 §4.4 (concave, cwnd < W_max) and §4.5 (convex,
		// cwnd >= W_max) grow alike:
		//	target = W_cubic(t+RTT) clamped to [cwnd, 1.5*cwnd]
		//	cwnd += (target - cwnd)/cwnd per ACK
		// here per segment acknowledged (byte counting, as in slow
		// start), so delayed ACKs do not slow the growth, and never
		// past the target.
		target := c.wCubic(t + max(rtt, 0).Seconds())
		target = min(max(target, c.w), float64(1.5*c.w))
		c.w = min(c.w+float64((target-c.w)*segs)/c.w, target)
	}
	c.setCWnd(int(float64(c.w * float64(c.smss))))
	if c.cwnd == MaxWindow {
		c.w = c.segments(MaxWindow)
	}
	c.wSync = c.cwnd
}

// reduce records a congestion event at the current cwnd: fast
// convergence (RFC 9438 §4.7) and the new ssthresh (RFC 9438 §4.6):
//
//	W_max = cwnd*(1+beta_cubic)/2 if cwnd < the previous W_max, else cwnd
//	ssthresh = max(FlightSize*beta_cubic, 2*SMSS)
//
// The floor of 2*SMSS is that of RFC 5681 equation (4).
func (c *Cubic) reduce(inFlight int) int {
	cwnd := c.segments(c.cwnd)
	if cwnd < c.wMax {
		c.wMax = float64(cwnd*(1+cubicBeta)) / 2
	} else {
		c.wMax = cwnd
	}
	c.cwndPrior = cwnd
	c.epoch = false
	// beta_cubic = 7/10 in integer bytes: exact, no rounding of
	// 0.7*FlightSize just below a whole byte.
	return max(ccBytes(inFlight)*7/10, 2*c.smss)
}

// OnFastRetransmit implements CongestionControl with CUBIC's decrease:
// ssthresh = FlightSize*beta_cubic (RFC 9438 §4.6).
func (c *Cubic) OnFastRetransmit(_ time.Time, inFlight, dupAcks int) {
	if c.inRecovery {
		return
	}
	c.enterRecovery(c.reduce(inFlight), dupAcks)
}

// OnRecoveryExit implements CongestionControl. Congestion avoidance
// (or slow start, if the deflated cwnd is below ssthresh) follows.
func (c *Cubic) OnRecoveryExit(_ time.Time, inFlight int) {
	if c.exitRecovery(inFlight) {
		c.epoch = false
	}
}

// OnTimeout implements CongestionControl (RFC 9438 §4.8): ssthresh as
// for a fast retransmit, cwnd = 1 SMSS as in RFC 5681, and the first
// congestion avoidance stage afterwards has K = 0 and W_max = the cwnd
// it starts with.
func (c *Cubic) OnTimeout(_ time.Time, inFlight int) {
	if c.timedOut {
		c.timeout(c.ssthresh) // held constant (RFC 5681 §3.1)
	} else {
		c.timeout(c.reduce(inFlight))
	}
	c.wMax = 0
	c.epoch = false
}

var _ CongestionControl = (*Cubic)(nil)
