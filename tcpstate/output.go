package tcpstate

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// Poll returns the next segment to send, and false when there is none. It
// is the only way segments leave a connection: after every input, call it
// until it returns false.
func (c *Conn) Poll(now time.Time) (seg Segment, ok bool) {
	if c.keepalivePending && c.sndUna != c.sndNxt {
		// Data left since the probe was due: its ACK answers what the
		// probe would have asked.
		c.keepalivePending = false
	}
	switch {
	case c.aux != nil && c.aux.replies.n > 0:
		q := &c.aux.replies
		r := q.r[0]
		copy(q.r[:], q.r[1:q.n])
		q.n--
		seg = Segment{Src: r.src, Dst: r.dst, Seq: r.seq, Ack: r.ack, Flags: r.flags}
	case c.rstPending:
		// RFC 9293 §3.10.5 ABORT: "a reset segment should be sent:
		// <SEQ=SND.NXT><CTL=RST>". RFC 7323 §5.2: "If an <RST> is being
		// generated because of a user abort, and Snd.TS.OK is set, then a
		// Timestamps option SHOULD be included"; §3.2: without the ACK
		// bit, "the sender of that segment SHOULD set the TSecr field to
		// zero".
		c.rstPending = false
		if c.cfg.AbortWithACK {
			// Linux's abort: the RST carries an acknowledgment and the
			// window, as any segment of the connection (and so the
			// echoed timestamp).
			c.header(now, c.sndNxt, &seg)
			seg.Flags |= RST
			break
		}
		seg = Segment{Src: c.local, Dst: c.remote, Seq: c.sndNxt, Flags: RST}
		c.addTimestamps(now, &seg)
		seg.Options.TSEcr = 0
	case c.state == Closed || c.state == Listen:
		return seg, false
	case c.transmit(now, &seg):
	case c.keepalivePending:
		// RFC 1122 §4.2.3.6: "Such a segment generally contains SEG.SEQ =
		// SND.NXT-1 and may or may not contain one garbage octet"; we send
		// none, as Linux does. The peer answers with an ACK. The same
		// segment probes a zero window with Config.EmptyWindowProbes
		// (nothing is in flight then: SND.NXT = SND.UNA).
		c.keepalivePending = false
		c.header(now, c.sndNxt.Sub(1), &seg)
	default:
		c.armPersist(now)
		if !c.ackPending || c.state == SynSent {
			return seg, false
		}
		// RFC 9293 §3.10.7.4: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
		c.header(now, c.sndNxt, &seg)
		c.sackBlocks(&seg.Options)
	}
	c.sent(now, &seg)
	return seg, true
}

// sent records that seg leaves and traces it.
func (c *Conn) sent(now time.Time, seg *Segment) {
	if seg.Flags&ACK != 0 {
		c.ackPending = false
		c.lastAckSent = seg.Ack
		c.ackSentNow()
	}
	if c.cfg.Trace != nil {
		c.trace(now, TraceEvent{Kind: TraceSegmentOut, Segment: *seg})
	}
}

// header fills seg as an ACK-bearing segment at seq with the current
// window and timestamps.
func (c *Conn) header(now time.Time, seq seqnum.Value, seg *Segment) {
	seg.Src, seg.Dst = c.local, c.remote
	seg.Seq, seg.Ack, seg.Flags = seq, c.rcvNxt, ACK
	seg.Window = c.windowField()
	c.addTimestamps(now, seg)
}

// transmit builds the next SYN, data or FIN segment, a retransmission
// first (from rtxNxt after a timeout), then new data, within the peer's
// window, or one octet beyond it as a zero-window probe.
func (c *Conn) transmit(now time.Time, seg *Segment) bool {
	c.sackNext()
	next, rtx := c.sndNxt, false
	if c.inRtx {
		if c.rtxNxt.LessThan(c.sndNxt) {
			if c.rtxBudget <= 0 {
				return false // wait for an ACK before resending more
			}
			next, rtx = c.rtxNxt, true
		} else {
			c.inRtx = false
		}
	}
	if !c.synAcked && next == c.iss {
		c.synSegment(now, seg)
		c.advance(now, next.Add(1), rtx)
		return true
	}
	if !sendsData(c.state) {
		return false // no data before ESTABLISHED, none after our FIN is acknowledged
	}
	dataEnd, wndEnd := c.dataEnd(), c.wndEnd()
	// A zero-window probe: "The sending TCP peer must regularly transmit
	// at least one octet of new data (if available), or retransmit to the
	// receiving TCP peer even if the send window is zero" (RFC 9293
	// §3.8.6.1). The first is sent when the persist timer fires, later ones
	// are retransmissions of it.
	probe := c.probePending || (rtx && c.sndWnd == 0)
	limit := dataEnd // a retransmission resends only what was sent before
	if rtx && c.sndNxt.LessThan(limit) {
		limit = c.sndNxt
	}
	if rtx && c.rtxOne && c.rtxEnd.LessThan(limit) {
		limit = c.rtxEnd
	}
	n := 0
	if next.LessThan(limit) && next.LessThan(wndEnd) {
		n = min(int(next.Size(limit)), int(next.Size(wndEnd)), int(c.sndMSS()))
	} else if probe && next.LessThan(limit) {
		n = 1
	}
	if n > 0 && !rtx && !probe {
		n = min(n, c.cwndRoom())
	}
	if n > 0 && !rtx && !probe && !c.swsAllows(n, next.Size(dataEnd)) {
		n = 0
	}
	if c.cfg.Nagle && n > 0 && n < int(c.sndMSS()) && !rtx && !probe && c.sndUna != c.sndNxt && c.smallUnacked() {
		// RFC 9293 §3.7.4: "If there is unacknowledged data (i.e., SND.NXT >
		// SND.UNA), then the sending TCP endpoint buffers all user data
		// (regardless of the PSH bit) until the outstanding data has been
		// acknowledged or until the TCP endpoint can send a full-sized
		// segment."
		n = 0
	}
	end := next.Add(seqnum.Size(n))
	if c.cfg.NagleMinshall && n > 0 && n < int(c.sndMSS()) && !rtx {
		x := c.extra()
		x.smallEnd, x.smallSent = end, true
	}
	// The FIN follows the last byte, in sequence space and in the window.
	fin := c.finQueued && end == dataEnd && (end.LessThan(wndEnd) || probe) && (c.finSent == rtx)
	if n == 0 && !fin {
		return false
	}
	c.probePending = false
	if rtx {
		c.rtxBudget--
		if c.rtxOne {
			c.inRtx, c.rtxOne = false, false
		}
	}
	c.header(now, next, seg)
	if n > 0 {
		if !rtx {
			c.dataSent(now)
		}
		off := int(c.sndBufSeq.Size(next))
		var ok bool
		if seg.Payload, ok = c.sndBuf.contiguous(off, n); !ok {
			seg.Payload = c.sndBuf.copyTo(off, n, &c.extra().scratch)
		}
		if end == dataEnd {
			seg.Flags |= PSH // the segment empties the send buffer
		}
	}
	if fin {
		seg.Flags |= FIN
		c.finSent, c.finSeq = true, end
		end = end.Add(1)
	}
	c.advance(now, end, rtx)
	return true
}

// advance moves the send pointer past a segment that ends at end, timing
// it if it is new (RFC 6298 §3, Karn: never a retransmission) and starting
// the retransmission timer if it is not running (RFC 6298 §5.1).
func (c *Conn) advance(now time.Time, end seqnum.Value, rtx bool) {
	if rtx {
		c.rtxNxt = end
	} else {
		grew := c.congReady && end.GreaterThan(c.sndNxt)
		if grew && c.cong.useSACK {
			c.sackSent(c.sndNxt, end)
		}
		c.sndNxt = end
		if grew {
			c.noteLimited()
		}
		c.rto.startTiming(now, end)
		c.override, c.persistShift = false, 0
		c.stopTimer(TimerPersist)
	}
	if c.timers[TimerRetransmit] == 0 {
		c.setTimer(TimerRetransmit, now.Add(c.rto.rto))
	}
}

// synSegment builds our SYN, or SYN-ACK once the peer's SYN is known. The
// options follow RFC 7323 §2.2 and §3.2 and RFC 2018 §2: a SYN offers what
// the configuration enables; a SYN-ACK only what the peer's SYN offered.
func (c *Conn) synSegment(now time.Time, seg *Segment) {
	*seg = Segment{Src: c.local, Dst: c.remote, Seq: c.iss, Flags: SYN, Window: c.synWindow()}
	if c.cfg.WindowGrowth {
		c.extra().rcvSSThresh = uint32(seg.Window) // the window grows from the SYN's
	}
	o := &seg.Options
	o.HasMSS, o.MSS = true, c.rcvMSS
	peerSeen := c.state != SynSent
	if peerSeen {
		seg.Flags |= ACK
		seg.Ack = c.rcvNxt
	}
	if peerSeen && c.cfg.SYNWindowSegments && c.rcvNxt == c.irs.Add(1) {
		// What a SYN-ACK offers stays offered (RFC 7323 §2.4), even if
		// larger than the window taken when the SYN arrived: in a
		// simultaneous open the SYN's window was of whole segments of the
		// MSS, the SYN-ACK's of the MSS less the timestamps.
		c.rcvAdv = seqnum.Max(c.rcvAdv, c.rcvNxt.Add(seqnum.Size(seg.Window)))
	}
	o.HasWindowScale = (peerSeen && c.wscaleOK) || (!peerSeen && c.cfg.WindowScale)
	o.WindowScale = c.rcvShift
	o.SACKPermitted = (peerSeen && c.sackOK) || (!peerSeen && c.cfg.SACKPermitted)
	if (peerSeen && c.tsOK) || (!peerSeen && c.cfg.Timestamps) {
		o.HasTimestamps, o.TSVal = true, c.tsVal(now)
		if peerSeen {
			o.TSEcr = c.tsRecent
		}
	}
}

// addTimestamps puts TSopt on a segment once negotiated (RFC 7323 §3.2:
// "the TSopt MUST be sent in every non-<RST> segment"), echoing TS.Recent.
func (c *Conn) addTimestamps(now time.Time, seg *Segment) {
	if c.tsOK {
		seg.Options.HasTimestamps = true
		seg.Options.TSVal = c.tsVal(now)
		seg.Options.TSEcr = c.tsRecent
	}
}

// tsVal reads the timestamp clock: TSClock ticks since the open, plus the
// per-connection offset (RFC 7323 §5.4).
func (c *Conn) tsVal(now time.Time) uint32 {
	return c.tsOffset + uint32(time.Duration(instantOf(now)-c.tsEpoch)/c.cfg.TSClock)
}

// retransmitFrom makes the next transmissions resend from seq, one segment
// now and more as ACKs come back.
func (c *Conn) retransmitFrom(seq seqnum.Value) {
	c.inRtx, c.rtxNxt, c.rtxBudget, c.rtxOne = true, seq, 1, false
	c.rto.timing = false // Karn: a retransmitted segment gives no sample
}

// retransmitOne resends the first unacknowledged segment, and only it
// (fast retransmit, RFC 5681 §3.2 step 3; RFC 6582 partial ACKs).
func (c *Conn) retransmitOne() {
	c.retransmitRange(c.sndUna, c.sndNxt)
}

// retransmitRange resends one segment of [start, end), no more than SMSS
// (the segments RFC 6675's NextSeg picks).
func (c *Conn) retransmitRange(start, end seqnum.Value) {
	c.retransmitFrom(start)
	c.rtxOne, c.rtxEnd = true, end
}

// onRetransmitTimeout: RFC 6298 §5.4-5.6, with the retry limit of RFC 1122
// §4.2.3.5 (R2).
func (c *Conn) onRetransmitTimeout(now time.Time) {
	if c.sndUna == c.sndNxt {
		return // nothing outstanding
	}
	if c.synAcked && c.sndWnd == 0 {
		// The outstanding octet is a zero-window probe: its timeouts count
		// as probes, which any ACK from the peer forgives.
		if int(c.probesOut) >= c.cfg.DataRetries {
			c.fail(now, ErrTimedOut, "RFC 1122 §4.2.2.17: zero-window probes unanswered, connection timed out")
			return
		}
		c.probesOut++
	} else {
		limit := c.cfg.DataRetries
		if !c.synAcked {
			limit = c.cfg.SynRetries
		}
		if int(c.retransmits) >= limit {
			c.fail(now, ErrTimedOut, "RFC 1122 §4.2.3.5: retransmissions exhausted (R2), connection timed out")
			return
		}
		c.retransmits++
	}
	if !c.synAcked {
		c.extra().synRetried = true
	}
	// (5.4) "Retransmit the earliest segment that has not been
	// acknowledged"; (5.5) back off; (5.6) restart the timer. More is
	// resent as ACKs return (RFC 5681 §3.1: after a timeout the window is
	// one segment, then slow start).
	c.onCongestionTimeout(now)
	c.retransmitFrom(c.sndUna)
	if c.state != SynSent || int(c.retransmits) > int(c.cfg.SynLinearTimeouts) {
		// Config.SynLinearTimeouts: Linux resends its SYN at the initial
		// RTO that many times before backing off (linux.pcap, port 47074).
		c.rto.backoff(c.cfg.MaxRTO)
	}
	c.setTimer(TimerRetransmit, now.Add(c.rto.rto))
}

// smallUnacked tells whether Nagle's algorithm must hold a small segment
// back: while any data is unacknowledged (RFC 9293 §3.7.4), or with
// NagleMinshall only while a segment smaller than the MSS sent earlier is
// (Minshall's variant, which Linux uses: a write's last partial segment
// leaves at once behind full-sized ones).
func (c *Conn) smallUnacked() bool {
	if !c.cfg.NagleMinshall {
		return true
	}
	return c.aux != nil && c.aux.smallSent && c.sndUna.LessThan(c.aux.smallEnd)
}
