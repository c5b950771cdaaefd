package tcpstate

import (
	"fmt"
	"time"
)

// CongestionControl is a sender's congestion control algorithm: it owns
// the congestion window (cwnd) and the slow start threshold (ssthresh) of
// RFC 5681 §3.1, both in bytes, and changes them only when told of an
// event. It is pure: it reads no clock (times come in as arguments), draws
// no random number and iterates no map, so the same calls always give the
// same windows.
//
// The caller detects the events (new data acknowledged, three duplicate
// ACKs, partial and full ACKs during recovery, retransmission timeouts)
// and reports them; the algorithm decides what the windows become. The
// amount the sender may have outstanding is min(cwnd, rwnd) (RFC 5681
// §3.1). Today nothing in Conn calls these methods: the algorithms are
// standalone components.
//
// NewNewReno and NewCubic build the two algorithms; CongestionControlByName
// picks one by its name.
type CongestionControl interface {
	// Name is the algorithm's name as CongestionControlByName accepts it.
	Name() string

	// Init resets all state for a new connection whose sender maximum
	// segment size (SMSS) is mss bytes. cwnd becomes iw bytes (within
	// [SMSS, MaxWindow]), or, when iw <= 0, the initial window of RFC
	// 6928 §2 (see InitialWindow); ssthresh becomes InitialSsthresh,
	// "arbitrarily high" (RFC 5681 §3.1). A caller whose SYN or SYN-ACK
	// was lost passes iw = mss (RFC 5681 §3.1: "the initial window used
	// by a sender after a correctly transmitted SYN MUST be one
	// segment"). An mss below 1 is taken as 536, the default send MSS
	// of RFC 9293 §3.7.1, and one above 65535 as 65535 (the MSS option
	// is 16 bits).
	Init(mss, iw int)

	// OnAck reports an ACK that acknowledges acked bytes of new data
	// (SND.UNA advanced by acked) outside loss recovery. rtt is the
	// current smoothed round-trip time (0 if none yet) and inFlight the
	// FlightSize (RFC 5681 §2) just before this ACK. cwnd grows by slow
	// start or congestion avoidance; it does not grow while the sender
	// is not using its window (2*inFlight < cwnd, a simplified form of
	// the validation rule of RFC 7661). Ignored while InRecovery: use
	// OnPartialAck and OnRecoveryExit then.
	OnAck(now time.Time, acked int, rtt time.Duration, inFlight int)

	// OnFastRetransmit reports the start of fast recovery (RFC 5681 §3.2
	// steps 2 and 3, RFC 6582 §3.2 step 2) with inFlight the FlightSize
	// when it starts. ssthresh is reduced (the algorithm's multiplicative
	// decrease, never below 2*SMSS) and cwnd is set to ssthresh plus
	// dupAcks*SMSS. A NewReno sender without SACK passes dupAcks = 3
	// ("cwnd set to ssthresh plus 3*SMSS", RFC 5681 §3.2 step 3); a
	// SACK sender using the pipe of RFC 6675 (not in shared/) passes 0,
	// as that recovery sets cwnd = ssthresh and counts the pipe instead
	// of inflating cwnd. Ignored while already InRecovery: one
	// reduction per window of data (RFC 6582 §3.2 step 2).
	OnFastRetransmit(now time.Time, inFlight, dupAcks int)

	// OnDupAck reports one more duplicate ACK during fast recovery
	// without SACK: cwnd is inflated by SMSS (RFC 5681 §3.2 step 4).
	// Ignored outside recovery.
	OnDupAck(now time.Time)

	// OnPartialAck reports an ACK during fast recovery that acknowledges
	// acked bytes of new data but not all data up to "recover" (RFC 6582
	// §3.2 step 3, partial acknowledgments): cwnd is deflated by acked,
	// then SMSS is added back if acked >= SMSS. Ignored outside recovery.
	OnPartialAck(now time.Time, acked int)

	// OnRecoveryExit reports the full acknowledgment that ends fast
	// recovery (RFC 6582 §3.2 step 3, full acknowledgments), with
	// inFlight the FlightSize after it. cwnd is deflated to
	// min(ssthresh, max(inFlight, SMSS) + SMSS), option (1) of that
	// step, which avoids a burst when little data is outstanding; it is
	// ssthresh (option (2)) whenever inFlight >= ssthresh - SMSS. The
	// ACK itself does not grow cwnd (RFC 6582 §6). Ignored outside
	// recovery.
	OnRecoveryExit(now time.Time, inFlight int)

	// OnTimeout reports a retransmission timeout with inFlight the
	// FlightSize when it fired. ssthresh is reduced as for a fast
	// retransmit, unless the segment was already retransmitted by the
	// timer (no new data acknowledged since the previous timeout), when
	// it is held constant (RFC 5681 §3.1). cwnd becomes the loss window,
	// LW = 1 SMSS (RFC 5681 §3.1), and fast recovery ends (RFC 6582
	// §3.2 step 4).
	OnTimeout(now time.Time, inFlight int)

	// InRecovery reports whether the sender is in fast recovery: after
	// OnFastRetransmit, until OnRecoveryExit or OnTimeout.
	InRecovery() bool

	// CWnd is the congestion window in bytes: at least 1 SMSS, at most
	// MaxWindow.
	CWnd() int

	// Ssthresh is the slow start threshold in bytes: InitialSsthresh
	// until the first loss, at least 2*SMSS after it.
	Ssthresh() int
}

const (
	// MaxWindow is the largest window a TCP can advertise: 65535 shifted
	// by the largest window scale (RFC 7323 §2.3), just under 2^30
	// bytes. cwnd never grows past it.
	MaxWindow = 65535 << MaxWindowShift

	// InitialSsthresh is ssthresh before any loss: "the size of the
	// largest possible advertised window" (RFC 5681 §3.1).
	InitialSsthresh = MaxWindow

	// defaultSMSS is the default send MSS (RFC 9293 §3.7.1).
	defaultSMSS = 536
	// maxSMSS is the largest MSS the 16-bit MSS option can carry (RFC
	// 9293 §3.7.1).
	maxSMSS = 65535
)

// ccSMSS maps any mss to the SMSS the algorithms use.
func ccSMSS(mss int) int {
	if mss < 1 {
		return defaultSMSS
	}
	return min(mss, maxSMSS)
}

// ccBytes clamps a byte count from the caller (acked, FlightSize) to
// [0, MaxWindow], so no sum of them can overflow.
func ccBytes(n int) int { return min(max(n, 0), MaxWindow) }

// InitialWindow is the initial congestion window in bytes for a sender
// maximum segment size of mss bytes (RFC 6928 §2):
//
//	IW = min(10*MSS, max(2*MSS, 14600))
//
// For example 14600 for MSS 1460, 5360 for MSS 536 and 18000 for MSS 9000.
func InitialWindow(mss int) int {
	mss = ccSMSS(mss)
	return min(10*mss, max(2*mss, 14600))
}

// CongestionControlNames lists the names CongestionControlByName accepts,
// the default ("newreno") first.
func CongestionControlNames() []string {
	return []string{"newreno", "cubic"}
}

// CongestionControlByName returns a new, uninitialised algorithm by name:
// "newreno" (NewNewReno) or "cubic" (NewCubic). Call Init before use.
func CongestionControlByName(name string) (CongestionControl, error) {
	switch name {
	case "newreno":
		return NewNewReno(), nil
	case "cubic":
		return NewCubic(), nil
	}
	return nil, fmt.Errorf("tcpstate: unknown congestion control %q (want newreno or cubic)", name)
}

// ccWindow is the state and the rules that NewReno and CUBIC share:
// slow start, fast recovery's inflation and deflation, and the timeout.
// Each algorithm supplies its own ssthresh on loss and its own congestion
// avoidance.
type ccWindow struct {
	smss       int
	cwnd       int
	ssthresh   int
	inRecovery bool
	// timedOut: an RTO fired and no new data was acknowledged since,
	// so the next RTO retransmits the same segment again and holds
	// ssthresh constant (RFC 5681 §3.1).
	timedOut bool
}

func (w *ccWindow) reset(mss, iw int) {
	mss = ccSMSS(mss)
	if iw <= 0 {
		iw = InitialWindow(mss)
	}
	*w = ccWindow{smss: mss, ssthresh: InitialSsthresh}
	w.setCWnd(iw)
}

// setCWnd keeps cwnd within [1 SMSS, MaxWindow].
func (w *ccWindow) setCWnd(n int) {
	w.cwnd = min(max(n, w.smss), MaxWindow)
}

// InRecovery implements CongestionControl.
func (w *ccWindow) InRecovery() bool { return w.inRecovery }

// CWnd implements CongestionControl.
func (w *ccWindow) CWnd() int { return w.cwnd }

// Ssthresh implements CongestionControl.
func (w *ccWindow) Ssthresh() int { return w.ssthresh }

// ackGrows reports whether an ACK of acked new bytes may grow cwnd, and
// records that SND.UNA advanced.
func (w *ccWindow) ackGrows(acked, inFlight int) bool {
	if acked <= 0 {
		return false
	}
	w.timedOut = false
	if w.inRecovery {
		return false
	}
	// RFC 7661 (not in shared/; simplified): cwnd is validated while
	// at least half of it is in use (pipeACK >= cwnd/2); a sender that
	// is application- or rwnd-limited does not grow a window it does
	// not use.
	return 2*ccBytes(inFlight) >= w.cwnd
}

// inSlowStart: slow start while cwnd < ssthresh, congestion avoidance
// from cwnd >= ssthresh (RFC 5681 §3.1 lets the sender pick either when
// they are equal).
func (w *ccWindow) inSlowStart() bool { return w.cwnd < w.ssthresh }

// slowStart grows cwnd by min(N, SMSS) for an ACK of N new bytes (RFC
// 5681 §3.1 equation (2), Appropriate Byte Counting of RFC 3465 with
// L = 1 SMSS).
func (w *ccWindow) slowStart(acked int) {
	w.setCWnd(w.cwnd + min(ccBytes(acked), w.smss))
}

// lossSsthresh is equation (4) of RFC 5681 §3.1:
//
//	ssthresh = max(FlightSize / 2, 2*SMSS)
func (w *ccWindow) lossSsthresh(inFlight int) int {
	return max(ccBytes(inFlight)/2, 2*w.smss)
}

// enterRecovery sets ssthresh (already floored at 2*SMSS by the caller)
// and cwnd = ssthresh + dupAcks*SMSS (RFC 5681 §3.2 step 3).
func (w *ccWindow) enterRecovery(ssthresh, dupAcks int) {
	w.ssthresh = ssthresh
	w.setCWnd(ssthresh + min(max(dupAcks, 0), MaxWindow/w.smss)*w.smss)
	w.inRecovery = true
}

// OnDupAck implements CongestionControl.
func (w *ccWindow) OnDupAck(time.Time) {
	if w.inRecovery {
		// RFC 5681 §3.2 step 4: "cwnd MUST be incremented by SMSS".
		w.setCWnd(w.cwnd + w.smss)
	}
}

// OnPartialAck implements CongestionControl.
func (w *ccWindow) OnPartialAck(_ time.Time, acked int) {
	if !w.inRecovery || acked <= 0 {
		return
	}
	w.timedOut = false
	// RFC 6582 §3.2 step 3: "Deflate the congestion window by the
	// amount of new data acknowledged ... If the partial ACK
	// acknowledges at least one SMSS of new data, then add back SMSS
	// bytes".
	acked = ccBytes(acked)
	n := w.cwnd - acked
	if acked >= w.smss {
		n += w.smss
	}
	w.setCWnd(n)
}

// exitRecovery deflates cwnd on the full ACK (RFC 6582 §3.2 step 3,
// option (1)): cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
func (w *ccWindow) exitRecovery(inFlight int) bool {
	if !w.inRecovery {
		return false
	}
	w.inRecovery = false
	w.timedOut = false
	w.setCWnd(min(w.ssthresh, max(ccBytes(inFlight), w.smss)+w.smss))
	return true
}

// timeout applies RFC 5681 §3.1 on an RTO: ssthresh = newSsthresh unless
// this segment was already retransmitted by the timer, cwnd = LW =
// 1 SMSS; and RFC 6582 §3.2 step 4: exit fast recovery. It reports
// whether ssthresh was reduced (a new loss event).
func (w *ccWindow) timeout(newSsthresh int) bool {
	reduced := !w.timedOut
	if reduced {
		w.ssthresh = newSsthresh
	}
	w.timedOut = true
	w.inRecovery = false
	w.setCWnd(w.smss)
	return reduced
}
