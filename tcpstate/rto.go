package tcpstate

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// clockGranularity is G of RFC 6298 §2: the resolution the RTT estimate
// is assumed to have.
const clockGranularity = time.Millisecond

// rtoEstimator computes the retransmission timeout of RFC 6298 from round
// trip samples, one timed segment at a time (RFC 6298 §3, Karn's algorithm:
// a retransmitted segment yields no sample).
type rtoEstimator struct {
	rto, srtt, rttvar time.Duration
	measured          bool

	timing   bool         // a segment is being timed
	timedSeq seqnum.Value // its end: an ACK at or past it completes the sample
	timedAt  instant      // when it was sent
}

// sample feeds one round trip measurement (RFC 6298 §2.2 and §2.3).
func (e *rtoEstimator) sample(r time.Duration, minRTO, maxRTO time.Duration) {
	if !e.measured {
		// (2.2) SRTT <- R, RTTVAR <- R/2
		e.srtt, e.rttvar, e.measured = r, r/2, true
	} else {
		// (2.3) RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|, SRTT <- 7/8 SRTT + 1/8 R'
		d := e.srtt - r
		if d < 0 {
			d = -d
		}
		e.rttvar = (3*e.rttvar + d) / 4
		e.srtt = (7*e.srtt + r) / 8
	}
	// RTO <- SRTT + max(G, K*RTTVAR) with K = 4, then (2.4) and (2.5).
	e.rto = min(max(e.srtt+max(clockGranularity, 4*e.rttvar), minRTO), maxRTO)
}

// startTiming times the segment ending at end, sent at now, unless one is
// already being timed.
func (e *rtoEstimator) startTiming(now time.Time, end seqnum.Value) {
	if !e.timing {
		e.timing, e.timedSeq, e.timedAt = true, end, instantOf(now)
	}
}

// onAck completes the sample when ack covers the timed segment.
func (e *rtoEstimator) onAck(now time.Time, ack seqnum.Value, minRTO, maxRTO time.Duration) {
	if e.timing && ack.GreaterThanEq(e.timedSeq) {
		e.timing = false
		e.sample(time.Duration(instantOf(now)-e.timedAt), minRTO, maxRTO)
	}
}

// backoff doubles the RTO after a timeout (RFC 6298 §5.5) and, per Karn,
// abandons the sample in progress since its segment is being retransmitted.
func (e *rtoEstimator) backoff(maxRTO time.Duration) {
	e.rto = min(2*e.rto, maxRTO)
	e.timing = false
}
