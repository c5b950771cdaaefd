package tcpstate

import "time"

// NewReno is the standard TCP congestion control: slow start and
// congestion avoidance of RFC 5681 §3.1, with the window changes of fast
// retransmit and fast recovery of RFC 5681 §3.2 as modified by NewReno
// (RFC 6582 §3.2). It implements CongestionControl; the zero value is not
// ready, call Init first.
type NewReno struct {
	ccWindow
	// bytesAcked counts the bytes acknowledged in congestion avoidance
	// since cwnd last grew (RFC 5681 §3.1, the RECOMMENDED byte
	// counting of RFC 3465 §2.1).
	bytesAcked int
}

// NewNewReno returns a NewReno algorithm; call Init before use.
func NewNewReno() *NewReno { return &NewReno{} }

// Name returns "newreno".
func (r *NewReno) Name() string { return "newreno" }

// Init implements CongestionControl.
func (r *NewReno) Init(mss, iw int) {
	r.ccWindow.reset(mss, iw)
	r.bytesAcked = 0
}

// OnAck implements CongestionControl: slow start below ssthresh,
// congestion avoidance by byte counting from ssthresh on.
func (r *NewReno) OnAck(_ time.Time, acked int, _ time.Duration, inFlight int) {
	if !r.ackGrows(acked, inFlight) {
		return
	}
	if r.inSlowStart() {
		r.slowStart(acked)
		return
	}
	// RFC 5681 §3.1: "When the number of bytes acknowledged reaches
	// cwnd, then cwnd can be incremented by up to SMSS bytes", and
	// never by more than SMSS per RTT. The count is then reduced by
	// cwnd (RFC 3465 §2.1), keeping less than one SMSS of excess, so
	// a stretch ACK of several windows grows cwnd once, not again on
	// the following ACKs.
	r.bytesAcked += ccBytes(acked)
	if r.bytesAcked >= r.cwnd {
		r.bytesAcked = min(r.bytesAcked-r.cwnd, r.smss-1)
		r.setCWnd(r.cwnd + r.smss)
	}
}

// OnFastRetransmit implements CongestionControl with ssthresh from
// equation (4) of RFC 5681 §3.1: max(FlightSize/2, 2*SMSS).
func (r *NewReno) OnFastRetransmit(_ time.Time, inFlight, dupAcks int) {
	if r.inRecovery {
		return
	}
	r.enterRecovery(r.lossSsthresh(inFlight), dupAcks)
	r.bytesAcked = 0
}

// OnRecoveryExit implements CongestionControl.
func (r *NewReno) OnRecoveryExit(_ time.Time, inFlight int) {
	if r.exitRecovery(inFlight) {
		r.bytesAcked = 0
	}
}

// OnTimeout implements CongestionControl with ssthresh from equation (4)
// of RFC 5681 §3.1.
func (r *NewReno) OnTimeout(_ time.Time, inFlight int) {
	r.timeout(r.lossSsthresh(inFlight))
	r.bytesAcked = 0
}

var _ CongestionControl = (*NewReno)(nil)
