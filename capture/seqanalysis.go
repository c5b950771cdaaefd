package capture

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// The sequence analysis follows Wireshark 4.0's definitions of its
// tcp.analysis flags (the TCP dissector's sequence-number analysis, and
// the "TCP Analysis" section of the Wireshark User's Guide), rule by
// rule and in the same order, since each rule may depend on what an
// earlier one found. Like Wireshark it compares raw 32-bit numbers and
// takes a remembered next sequence number, highest acknowledgment or
// edge of 0 for "none yet". It keeps no list of unacknowledged segments:
// Wireshark's list only bounds itself (10,000 segments) and times
// round trips, which no flag here depends on.

// fastRetransmitWindow: a retransmission this soon after the ACK that
// made the second duplicate is a fast retransmission (Wireshark: 20 ms;
// the sender's rule is RFC 5681 §3.2).
const fastRetransmitWindow = 20 * time.Millisecond

// defaultReorderWindow: without a measured initial RTT, an old sequence
// number this soon after the highest one is taken for reordering
// (Wireshark: 3 ms).
const defaultReorderWindow = 3 * time.Millisecond

// Window scale as Wireshark knows it for one direction: unknown until a
// SYN tells, then a shift count, or none.
const (
	scaleUnknown int8 = -1
	scaleNone    int8 = -2
)

// sent marks what the last segment of a direction was found to be,
// beyond the exported findings, for the rules that look at the previous
// segment of the other direction.
type sent uint8

const (
	sentKeepAlive sent = 1 << iota
	sentZeroWindowProbe
)

// seqFlow is what the analysis remembers of one direction of a
// connection: fixed-size, nothing per segment.
type seqFlow struct {
	nextSeq   seqnum.Value  // highest SEG.SEQ+SEG.LEN sent (RFC 9293 §3.4); 0: none yet
	nextSeqAt time.Duration // when nextSeq last grew
	// maxToAck is the end of the data seen without a hole: an ACK
	// beyond it acknowledges a segment the capture missed.
	maxToAck  seqnum.Value
	lastAck   seqnum.Value // acknowledgment field of the last segment, ACK flag or not
	lastAckAt time.Duration
	window    uint16 // window field of the last segment, unscaled
	// windowKnown: a segment was seen, so window means something
	// (Wireshark starts it at "unknown", not at 0).
	windowKnown bool
	// dupACKs counts duplicate ACKs in a row; -1 after an ACK of a
	// segment the capture missed (Wireshark's marker, so that the next
	// duplicate counts as the first). Wireshark's count is unsigned: the
	// marker also passes a fast retransmission's "two or more".
	dupACKs int32
	shift   int8 // scaleUnknown, scaleNone or the shift from its SYN (RFC 7323 §2.2)
	// synWindow: its last window was on a SYN and not scaled (RFC 7323
	// §2.2); cleared by its first segment with ACK and without SYN.
	synWindow           bool
	last                sent
	sentSYN, sentSYNACK bool
}

// seqAnalysis is the sequence analysis of one connection.
type seqAnalysis struct {
	flow [2]seqFlow
	// Wireshark's initial RTT, the reordering window: from the latest
	// SYN without ACK to the next segment with ACK and without SYN, in
	// either direction; 0 until then.
	lastSYNAt time.Duration
	sawSYN    bool
	firstRTT  time.Duration
}

func newSeqAnalysis() seqAnalysis {
	var s seqAnalysis
	s.flow[0].shift, s.flow[1].shift = scaleUnknown, scaleUnknown
	return s
}

// within tells whether d, the time since an earlier packet, is under
// limit; a clock that went back is not within (Wireshark subtracts
// unsigned).
func within(d, limit time.Duration) bool { return d >= 0 && d < limit }

// segment analyses seg, sent at in direction dir with n payload bytes on
// the wire. base is the first sequence number of that direction, if
// baseSet, as known before seg.
func (s *seqAnalysis) segment(dir int, seg *tcpstate.Segment, n uint32, at time.Duration,
	baseSet bool, base seqnum.Value) Anomaly {
	f, r := &s.flow[dir], &s.flow[1-dir]
	flags := seg.Flags
	syn, ackFlag := flags&tcpstate.SYN != 0, flags&tcpstate.ACK != 0
	control := flags&(tcpstate.SYN|tcpstate.FIN|tcpstate.RST) != 0
	seq, ack, win := seg.Seq, seg.Ack, seg.Window
	size := seqnum.Size(n)

	// A SYN repeating its end's first SYN: Wireshark restores the next
	// sequence number to the end of the data seen without a hole, as a
	// RST may have moved it (RFC 9293 §3.10.7.1 lets a RST carry any
	// acceptable sequence number).
	if syn && !ackFlag && baseSet && seq == base {
		f.nextSeq = f.maxToAck
	}

	var a Anomaly
	var mark sent
	// Zero window probe (Wireshark): one byte at the next sequence
	// number while the other end's window is closed (RFC 9293 §3.8.6.1).
	// It is then none of the findings up to the duplicate ACK.
	if n == 1 && seq == f.nextSeq && r.windowKnown && r.window == 0 {
		mark |= sentZeroWindowProbe
	} else {
		a |= windowAndKeepAlive(f, r, seg, n, control)
		// A segment repeating the last acknowledgment and window, with
		// nothing in it, at the next sequence number: a duplicate ACK
		// (Wireshark; RFC 5681 §2 also asks for an unchanged window),
		// unless it answers a keep-alive (Wireshark's keep-alive ACK).
		repeat := n == 0 && !control && seq == f.nextSeq && ack == f.lastAck && f.windowKnown && win == f.window
		if repeat && win != 0 && r.last&sentKeepAlive == 0 {
			a |= DupACK
			if f.dupACKs < 0 {
				f.dupACKs = 1
			} else {
				f.dupACKs++
			}
		}
	}
	if ack != f.lastAck {
		f.dupACKs = 0
	}
	if ackFlag {
		ackedUnseen(r, ack)
	}
	// A keep-alive is not a retransmission (Wireshark), even with its
	// one byte of old data (RFC 1122 §4.2.3.6).
	if (n > 0 || flags&(tcpstate.SYN|tcpstate.FIN) != 0) && a&KeepAlive == 0 {
		a |= s.resent(f, r, seg, size, at)
	}
	if a&KeepAlive != 0 {
		mark |= sentKeepAlive
	}
	f.remember(seg, size, at, mark)
	s.afterSegment(dir, seg, at)
	return a
}

// windowAndKeepAlive finds the zero window, keep-alive and window full
// of a segment that is not a zero window probe.
func windowAndKeepAlive(f, r *seqFlow, seg *tcpstate.Segment, n uint32, control bool) Anomaly {
	var a Anomaly
	// Zero window (Wireshark): a window field of 0 on a segment without
	// SYN, FIN or RST (RFC 9293 §3.8.6.1).
	if seg.Window == 0 && !control {
		a |= ZeroWindow
	}
	// Keep-alive (Wireshark): 0 or 1 byte one before the next sequence
	// number (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6). Linux's zero window
	// probes are sent the same way and are found as keep-alives.
	if n <= 1 && !control && seg.Seq == f.nextSeq.Sub(1) {
		a |= KeepAlive
	}
	// Window full (Wireshark): data reaching exactly the right edge the
	// other end last offered, its acknowledgment plus its window scaled
	// as RFC 7323 §2.3 says (not on its SYN); only once the SYNs told
	// whether it scales.
	if n > 0 && !control && r.shift != scaleUnknown {
		shift := r.shift
		if r.synWindow || shift == scaleNone {
			shift = 0
		}
		edge := r.lastAck.Add(seqnum.Size(r.window) << shift)
		if seg.Seq.Add(seqnum.Size(n)) == edge {
			a |= WindowFull
		}
	}
	return a
}

// ackedUnseen follows Wireshark's "ACKed unseen segment" rule for its
// effect on the other direction r: an acknowledgment beyond what r was
// seen to send moves r's hole-free edge back to r's next sequence
// number once, and after that marks r's duplicate ACK count.
func ackedUnseen(r *seqFlow, ack seqnum.Value) {
	if r.maxToAck == 0 || !ack.GreaterThan(r.maxToAck) {
		return
	}
	if uint32(r.maxToAck) > uint32(r.nextSeq) { // Wireshark compares these unsigned
		r.maxToAck = r.nextSeq
	} else {
		r.dupACKs = -1
	}
}

// resent classifies a segment carrying data, SYN or FIN that does not
// advance the sequence space (RFC 9293 §3.4) as Wireshark does: spurious,
// fast, out-of-order or plain retransmission, in that order of
// precedence (tshark's default, fast retransmission before
// out-of-order).
func (s *seqAnalysis) resent(f, r *seqFlow, seg *tcpstate.Segment, size seqnum.Size, at time.Duration) Anomaly {
	seq := seg.Seq
	old := f.nextSeq != 0 && seq.LessThan(f.nextSeq)
	// More than one byte starting one before the next sequence number
	// follows a zero window probe's byte: new data.
	if size > 1 && seq == f.nextSeq.Sub(1) {
		old = false
	}
	// The SYN-ACK of a simultaneous open (RFC 9293 §3.5, figure 8)
	// repeats its sender's SYN with an ACK: it is the handshake, not a
	// retransmission. Wireshark flags it as one; this is a known,
	// intended difference.
	if seg.Flags&tcpstate.SYN != 0 && seg.Flags&tcpstate.ACK != 0 && f.sentSYN && !f.sentSYNACK {
		return 0
	}
	switch {
	// Spurious (Wireshark): data the other end had already acknowledged
	// (RFC 3522 names the case; Wireshark needs no timestamps for it).
	case size > 0 && r.lastAck != 0 && seq.Add(size).LessThanEq(r.lastAck):
		return Retransmission | SpuriousRetransmission
	// Fast retransmission (Wireshark): the segment two or more
	// duplicate ACKs asked for, within 20 ms of the last of them
	// (RFC 5681 §3.2); compared unsigned, as Wireshark does.
	case old && uint32(r.dupACKs) >= 2 && r.lastAck == seq && within(at-r.lastAckAt, fastRetransmitWindow):
		return Retransmission | FastRetransmission
	}
	// Out-of-order (Wireshark): an old sequence number within the
	// initial RTT (3 ms if unknown) of the highest one, not ending
	// where the highest one ends.
	reorder := s.firstRTT
	if reorder == 0 {
		reorder = defaultReorderWindow
	}
	if old && within(at-f.nextSeqAt, reorder) && f.nextSeq != segEnd(seg, size) {
		return OutOfOrder
	}
	if old {
		return Retransmission
	}
	return 0
}

// segEnd is where seg, with size bytes of payload on the wire, ends in
// the sequence space as Wireshark reckons it: a SYN or a FIN takes one
// number (RFC 9293 §3.4), and a segment with both, one only.
func segEnd(seg *tcpstate.Segment, size seqnum.Size) seqnum.Value {
	end := seg.Seq.Add(size)
	if seg.Flags&(tcpstate.SYN|tcpstate.FIN) != 0 {
		end = end.Add(1)
	}
	return end
}

// remember updates direction f with seg, found to be mark.
func (f *seqFlow) remember(seg *tcpstate.Segment, size seqnum.Size, at time.Duration, mark sent) {
	end := segEnd(seg, size)
	// A zero window probe's byte is not taken as sent (Wireshark).
	if mark&sentZeroWindowProbe == 0 {
		if f.nextSeq == 0 || end.GreaterThan(f.nextSeq) {
			f.nextSeq, f.nextSeqAt = end, at
		}
		if f.maxToAck == 0 || seg.Seq == f.maxToAck {
			f.maxToAck = f.nextSeq
		}
	}
	f.window, f.windowKnown, f.lastAck, f.lastAckAt, f.last = seg.Window, true, seg.Ack, at, mark
}

// afterSegment learns from seg what later segments are judged by: the
// window scale its SYN offers (RFC 7323 §2.2: scaling only if both SYNs
// carry the option), whether its window is a SYN's, and the initial RTT.
func (s *seqAnalysis) afterSegment(dir int, seg *tcpstate.Segment, at time.Duration) {
	f, r := &s.flow[dir], &s.flow[1-dir]
	syn, ack := seg.Flags&tcpstate.SYN != 0, seg.Flags&tcpstate.ACK != 0
	if syn {
		f.synWindow = true
		if ack {
			f.sentSYNACK = true
		} else {
			f.sentSYN = true
			s.lastSYNAt, s.sawSYN = at, true
		}
	}
	if seg.Options.HasWindowScale {
		f.shift = int8(min(seg.Options.WindowScale, tcpstate.MaxWindowShift))
	}
	if syn {
		switch {
		case f.shift == scaleUnknown: // this SYN has no option: neither end scales
			f.shift, r.shift = scaleNone, scaleNone
		case ack && r.shift == scaleNone: // the SYN had none
			f.shift = scaleNone
		}
	}
	if ack && !syn {
		if s.sawSYN && s.firstRTT == 0 {
			s.firstRTT = at - s.lastSYNAt
		}
		f.synWindow = false
	}
}
