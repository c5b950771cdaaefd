package tcpstate

import "github.com/tcpsim/tcpsim/tcpstate/seqnum"

// DupThresh is the number of duplicate acknowledgments, or of discontiguous
// SACKed ranges above a sequence number, that marks data as lost
// (RFC 6675 §2 "DupThresh", RFC 5681 §3.2: 3).
const DupThresh = 3

// MaxScoreboardRanges bounds how many disjoint SACKed ranges a Scoreboard
// keeps, so that a peer sending many tiny SACK blocks cannot grow memory
// without bound. When the list is full the highest range is forgotten:
// forgetting SACK information is always safe (the data is treated as not yet
// received, as after reneging, RFC 2018 §8), it can only cost a needless
// retransmission.
const MaxScoreboardRanges = 1024

// Scoreboard is a data sender's record of what the receiver holds, and the
// loss recovery bookkeeping built on it (RFC 6675 "A Conservative Loss
// Recovery Algorithm Based on Selective Acknowledgment (SACK) for TCP").
// It is standalone: it does not send anything, does not touch cwnd or
// ssthresh (the congestion controller does that), and is not yet used by
// Conn.
//
// It keeps the SACKed octets above SND.UNA as a sorted list of disjoint,
// non-adjacent ranges, so every operation works on byte ranges, never on
// single octets.
//
// RFC 6675 §2 names its marks after octets ("the highest sequence number
// transmitted"). This type keeps each mark as the sequence number just past
// that octet, so that it compares directly with acknowledgment numbers and
// with the right edges of SACK blocks:
//
//	HighACK()       = RFC HighACK + 1   = SND.UNA
//	HighData()      = RFC HighData + 1  = SND.MAX
//	HighRxt()       = RFC HighRxt + 1   (end of the last retransmission)
//	RescueRxt()     = RFC RescueRxt + 1
//	RecoveryPoint() = RFC RecoveryPoint + 1 (= HighData() on entry)
//
// So "octet ≤ HighRxt" in the RFC reads "seq < HighRxt()" here, and the
// RFC's "cumulative ACK for a sequence number greater than RecoveryPoint"
// reads "acknowledgment number ≥ RecoveryPoint()".
//
// The zero value is not ready: call Reset first. A Scoreboard must not be
// copied after Reset (the copy would share the range list).
type Scoreboard struct {
	smss seqnum.Size

	highACK       seqnum.Value // SND.UNA
	highData      seqnum.Value // SND.MAX
	highRxt       seqnum.Value // end of the highest retransmission this recovery
	rescueRxt     seqnum.Value
	rescueSet     bool // RescueRxt is defined (RFC 6675 §4 rule 4: "or RescueRxt is undefined")
	recoveryPoint seqnum.Value
	inRecovery    bool
	// rtoHold forbids a new recovery phase until HighACK reaches
	// RecoveryPoint after a retransmission timeout (RFC 6675 §5.1).
	rtoHold bool

	dupAcks int
	pipe    seqnum.Size

	// sacked holds the SACKed ranges: sorted, disjoint, non-adjacent, each
	// non-empty and inside [highACK, highData).
	sacked []SACKBlock
}

// ScoreboardUpdate reports what one acknowledgment did to a Scoreboard.
type ScoreboardUpdate struct {
	// Acked is how many octets the cumulative acknowledgment newly covers.
	Acked seqnum.Size
	// NewlySACKed is how many octets above the new SND.UNA were SACKed by
	// this acknowledgment and not before.
	NewlySACKed seqnum.Size
	// Cumulative is true when the acknowledgment advanced SND.UNA
	// (RFC 6675 §5: "If the incoming ACK is a cumulative acknowledgment,
	// the TCP MUST reset DupAcks to zero").
	Cumulative bool
	// Duplicate is true when the acknowledgment SACKed previously
	// unacknowledged and un-SACKed octets between HighACK and HighData:
	// RFC 6675 §2's "duplicate acknowledgment", whether or not it also
	// advanced SND.UNA.
	Duplicate bool
	// EnteredRecovery is true when this acknowledgment started loss
	// recovery (RFC 6675 §5 step 4). Retransmit is then the fast
	// retransmission of step (4.3), already recorded in HighRxt and
	// RescueRxt: the caller must send it, and set cwnd and ssthresh
	// (step 4.2).
	EnteredRecovery bool
	Retransmit      RecoverySeg
	// ExitedRecovery is true when this acknowledgment covered
	// RecoveryPoint and so ended loss recovery (RFC 6675 §5 step A).
	ExitedRecovery bool
	// Ignored is true when the acknowledgment number was beyond SND.MAX:
	// it acknowledges data never sent, so nothing was changed.
	Ignored bool
}

// Reset empties the scoreboard for a connection whose oldest
// unacknowledged sequence number is sndUna, with nothing sent beyond it
// yet, and sets the sender maximum segment size (SMSS) used by IsLost and
// NextSeg. An smss of 0 is taken as 1. Reset keeps the range list's memory.
func (s *Scoreboard) Reset(sndUna seqnum.Value, smss seqnum.Size) {
	if smss == 0 {
		smss = 1
	}
	*s = Scoreboard{
		smss:          smss,
		highACK:       sndUna,
		highData:      sndUna,
		highRxt:       sndUna,
		recoveryPoint: sndUna,
		sacked:        s.sacked[:0],
	}
}

// Sent records that new data up to (not including) end has been sent,
// raising HighData. A value at or below HighData changes nothing.
func (s *Scoreboard) Sent(end seqnum.Value) {
	if end.GreaterThan(s.highData) {
		s.highData = end
	}
}

// Update records one acknowledgment: its cumulative acknowledgment number
// and the SACK blocks it carried (RFC 6675 §4 "Update ()", RFC 2018 §3).
// It then applies RFC 6675 §5: DupAcks counting, entry into loss recovery
// on the DupThresh-th duplicate acknowledgment or when IsLost(HighACK+1),
// and exit from it when the cumulative acknowledgment reaches
// RecoveryPoint. Finally it recomputes pipe (SetPipe).
//
// Blocks that are empty or reversed, lie wholly at or below cumAck (old
// information or D-SACK, RFC 2883, which this type does not use), or reach
// beyond HighData (data never sent) are skipped; a block straddling cumAck
// is trimmed to it. An acknowledgment number below SND.UNA (an old,
// reordered ACK) does not move SND.UNA but its blocks are still recorded.
// Update does not allocate once the range list has grown to its working
// size.
func (s *Scoreboard) Update(cumAck seqnum.Value, blocks []SACKBlock) ScoreboardUpdate {
	var u ScoreboardUpdate
	if cumAck.GreaterThan(s.highData) {
		u.Ignored = true
		return u
	}
	if cumAck.GreaterThan(s.highACK) {
		u.Acked = s.highACK.Size(cumAck)
		u.Cumulative = true
		s.highACK = cumAck
		s.trimBelow(cumAck)
		s.dupAcks = 0 // RFC 6675 §5
		if s.highRxt.LessThan(cumAck) {
			s.highRxt = cumAck // retransmissions below SND.UNA no longer matter
		}
	}
	for _, b := range blocks {
		u.NewlySACKed += s.insert(b)
	}
	u.Duplicate = u.NewlySACKed > 0

	// RFC 6675 §5 (A): a cumulative ACK covering RecoveryPoint ends loss
	// recovery. The scoreboard above HighACK is kept ("SHOULD NOT be
	// cleared when leaving the loss recovery phase").
	if s.inRecovery && u.Cumulative && s.highACK.GreaterThanEq(s.recoveryPoint) {
		s.inRecovery = false
		u.ExitedRecovery = true
	}
	// RFC 6675 §5.1: after a timeout no new recovery starts until HighACK
	// reaches the RecoveryPoint set then.
	if s.rtoHold && s.highACK.GreaterThanEq(s.recoveryPoint) {
		s.rtoHold = false
	}
	// RFC 6675 §5: a duplicate ACK outside loss recovery increments DupAcks
	// and (1) enters recovery once DupAcks >= DupThresh, or (2) earlier
	// when IsLost(HighACK + 1).
	if u.Duplicate && !s.inRecovery {
		s.dupAcks++
		if !s.rtoHold && (s.dupAcks >= DupThresh || s.IsLost(s.highACK)) {
			u.Retransmit, u.EnteredRecovery = s.enterRecovery()
		}
	}
	s.SetPipe()
	return u
}

// enterRecovery is RFC 6675 §5 step (4.1) and (4.3): RecoveryPoint =
// HighData, and the segment starting at HighACK + 1 is retransmitted with
// HighRxt and RescueRxt set to its end.
func (s *Scoreboard) enterRecovery() (RecoverySeg, bool) {
	end := s.highACK.Add(s.smss)
	if len(s.sacked) > 0 {
		end = seqnum.Min(end, s.sacked[0].Left)
	}
	end = seqnum.Min(end, s.highData)
	if !s.highACK.LessThan(end) {
		return RecoverySeg{}, false // nothing unSACKed at HighACK+1: no retransmission to make
	}
	s.inRecovery = true
	s.recoveryPoint = s.highData
	s.highRxt = end
	s.rescueRxt = end
	s.rescueSet = true
	return RecoverySeg{Start: s.highACK, End: end, Rule: RecoveryFastRetransmit}, true
}

// OnRTO records a retransmission timeout. Following RFC 6675 §5.1 it sets
// RecoveryPoint to HighData, ends any loss recovery, and forbids a new
// recovery phase until HighACK reaches that RecoveryPoint. Following
// RFC 2018 §8 ("After a retransmit timeout the data sender SHOULD turn off
// all of the SACKed bits, since the timeout might indicate that the data
// receiver has reneged") it forgets all SACK information; later ACKs
// rebuild it. HighRxt falls back to HighACK and DupAcks to zero.
func (s *Scoreboard) OnRTO() {
	s.recoveryPoint = s.highData
	s.inRecovery = false
	s.rtoHold = s.highACK.LessThan(s.highData)
	s.sacked = s.sacked[:0]
	s.highRxt = s.highACK
	s.rescueSet = false
	s.dupAcks = 0
	s.SetPipe()
}

// HighACK is SND.UNA, the first octet not cumulatively acknowledged (RFC
// 6675's HighACK + 1).
func (s *Scoreboard) HighACK() seqnum.Value { return s.highACK }

// HighData is SND.MAX, one past the highest octet sent (RFC 6675's
// HighData + 1).
func (s *Scoreboard) HighData() seqnum.Value { return s.highData }

// HighRxt is one past the highest octet retransmitted in the current
// recovery (RFC 6675's HighRxt + 1); HighACK when nothing above it was.
func (s *Scoreboard) HighRxt() seqnum.Value { return seqnum.Max(s.highRxt, s.highACK) }

// RescueRxt is one past the highest octet of the rescue retransmission
// (RFC 6675's RescueRxt + 1); ok is false while RescueRxt is undefined.
func (s *Scoreboard) RescueRxt() (v seqnum.Value, ok bool) { return s.rescueRxt, s.rescueSet }

// RecoveryPoint is HighData as it was when the last loss recovery or
// timeout began (RFC 6675's RecoveryPoint + 1).
func (s *Scoreboard) RecoveryPoint() seqnum.Value { return s.recoveryPoint }

// InRecovery reports whether the sender is in the RFC 6675 §5 loss
// recovery phase.
func (s *Scoreboard) InRecovery() bool { return s.inRecovery }

// DupAcks is the number of RFC 6675 §2 duplicate acknowledgments since the
// last cumulative acknowledgment, counted outside loss recovery. The caller
// may use it for limited transmit (RFC 6675 §5 step 3, RFC 3042).
func (s *Scoreboard) DupAcks() int { return s.dupAcks }

// SMSS is the sender maximum segment size the scoreboard works with.
func (s *Scoreboard) SMSS() seqnum.Size { return s.smss }

// AppendSACKed appends the SACKed ranges, lowest first, to dst.
func (s *Scoreboard) AppendSACKed(dst []SACKBlock) []SACKBlock {
	return append(dst, s.sacked...)
}

// SACKedBytes is the number of octets SACKed above SND.UNA.
func (s *Scoreboard) SACKedBytes() seqnum.Size {
	var n seqnum.Size
	for _, r := range s.sacked {
		n += r.Left.Size(r.Right)
	}
	return n
}

// IsSACKed reports whether octet seq has been SACKed.
func (s *Scoreboard) IsSACKed(seq seqnum.Value) bool {
	i := s.firstRangeAbove(seq)
	return i > 0 && seq.LessThan(s.sacked[i-1].Right)
}

// RecoveryRule says which RFC 6675 rule chose a RecoverySeg.
type RecoveryRule uint8

const (
	// RecoveryFastRetransmit is the retransmission made on entering loss
	// recovery (RFC 6675 §5 step 4.3).
	RecoveryFastRetransmit RecoveryRule = iota
	// RecoveryLost is NextSeg rule (1): the first unSACKed octet above
	// HighRxt that IsLost.
	RecoveryLost
	// RecoveryNewData is NextSeg rule (2): previously unsent data.
	RecoveryNewData
	// RecoveryUnSACKed is NextSeg rule (3): the first unSACKed octet above
	// HighRxt with SACKed data above it, not (yet) deemed lost.
	RecoveryUnSACKed
	// RecoveryRescue is NextSeg rule (4): the rescue retransmission of the
	// highest unSACKed octet.
	RecoveryRescue
)

// RecoverySeg is a range of sequence numbers to send, Start up to but not
// including End, at most one SMSS long, and the rule that chose it.
type RecoverySeg struct {
	Start, End seqnum.Value
	Rule       RecoveryRule
}

// Len is the number of octets in the segment.
func (g RecoverySeg) Len() seqnum.Size { return g.Start.Size(g.End) }

// lostHoles returns how many of the holes (unSACKed gaps below a SACKed
// range: hole i ends at sacked[i].Left) are lost: holes 0 up to that number
// are, the others are not. IsLost (RFC 6675 §4) is the same for every
// octet of a hole, because the SACKed data above any of them is the same,
// and it can only become false going up, so the lost holes are a prefix.
// The walk from the top stops after at most DupThresh ranges.
func (s *Scoreboard) lostHoles() int {
	var bytes seqnum.Size
	limit := seqnum.Size(DupThresh-1) * s.smss
	for i := len(s.sacked) - 1; i >= 0; i-- {
		bytes += s.sacked[i].Left.Size(s.sacked[i].Right)
		if len(s.sacked)-i >= DupThresh || bytes > limit {
			return i + 1
		}
	}
	return 0
}

// IsLost reports whether octet seq is deemed lost (RFC 6675 §4 "IsLost
// (SeqNum)"): it is true when DupThresh discontiguous SACKed ranges lie
// above seq, or when more than (DupThresh - 1) * SMSS octets with sequence
// numbers greater than seq have been SACKed. An octet outside
// [HighACK, HighData), or one that is SACKed, is never lost.
func (s *Scoreboard) IsLost(seq seqnum.Value) bool {
	if !seq.InRange(s.highACK, s.highData) {
		return false
	}
	i := s.firstRangeAbove(seq)
	if i > 0 && seq.LessThan(s.sacked[i-1].Right) {
		return false // SACKed: it arrived
	}
	return i < s.lostHoles() // seq lies in hole i
}

// SetPipe recomputes and returns pipe, the sender's estimate of the octets
// still in the network (RFC 6675 §4 "SetPipe ()"): for each octet from
// HighACK + 1 to HighData that is not SACKed, one if it is not IsLost, and
// one more if it was retransmitted (octet ≤ HighRxt). It works hole by hole.
func (s *Scoreboard) SetPipe() seqnum.Size {
	lost := s.lostHoles()
	hr := s.HighRxt()
	var pipe seqnum.Size
	start := s.highACK
	for i := 0; i <= len(s.sacked); i++ {
		end := s.highData // the tail above the highest SACKed range
		if i < len(s.sacked) {
			end = s.sacked[i].Left
		}
		if i >= lost {
			pipe += start.Size(end) // not lost: still in flight
		}
		if start.LessThan(hr) { // retransmitted octets of this hole
			pipe += start.Size(seqnum.Min(end, hr))
		}
		if i < len(s.sacked) {
			start = s.sacked[i].Right
		}
	}
	s.pipe = pipe
	return pipe
}

// Pipe is the value of pipe from the last SetPipe (which Update and OnRTO
// run), plus what Transmitted has added since (RFC 6675 §5 step C.4).
func (s *Scoreboard) Pipe() seqnum.Size { return s.pipe }

// NextSeg returns the next segment to send during loss recovery (RFC 6675
// §4 "NextSeg ()"); newData is how many octets of new data may be sent now
// (unsent data the application has written, limited by the receiver's
// window). The rules, in order:
//
//  1. The first unSACKed octet S2 above HighRxt, below the highest SACKed
//     octet, for which IsLost(S2): a segment starting there.
//  2. Else, if newData > 0: a segment of new data starting at HighData.
//  3. Else the first unSACKed octet S3 above HighRxt below the highest
//     SACKed octet, lost or not: a segment starting there.
//  4. Else, in loss recovery and if HighACK > RescueRxt in the RFC's octet
//     terms (or RescueRxt is undefined): one segment of up to SMSS ending
//     with the highest unSACKed octet, the rescue retransmission.
//
// A retransmitted segment is at most SMSS long and stops at the first
// SACKed octet. ok is false when no rule applies. NextSeg changes nothing:
// the caller reports what it sent with Transmitted.
func (s *Scoreboard) NextSeg(newData seqnum.Size) (seg RecoverySeg, ok bool) {
	hr := s.HighRxt()
	lost := s.lostHoles()
	// Rule (1): lost holes are a prefix, so only they need looking at.
	if g, ok := s.firstHoleAbove(hr, lost, RecoveryLost); ok {
		return g, true
	}
	// Rule (2).
	if newData > 0 {
		return RecoverySeg{Start: s.highData, End: s.highData.Add(min(newData, s.smss)), Rule: RecoveryNewData}, true
	}
	// Rule (3): every hole below the highest SACKed range.
	if g, ok := s.firstHoleAbove(hr, len(s.sacked), RecoveryUnSACKed); ok {
		return g, true
	}
	// Rule (4). In exclusive terms RFC "HighACK > RescueRxt" is
	// HighACK() > RescueRxt() as well (both are shifted by one).
	if s.inRecovery && (!s.rescueSet || s.highACK.GreaterThan(s.rescueRxt)) {
		if start, end, ok := s.highestHole(); ok {
			if start.Size(end) > s.smss {
				start = end.Sub(s.smss)
			}
			return RecoverySeg{Start: start, End: end, Rule: RecoveryRescue}, true
		}
	}
	return RecoverySeg{}, false
}

// firstHoleAbove returns a segment of up to SMSS from the first unSACKed
// octet at or above from among holes 0 to n-1 (hole i ends at
// sacked[i].Left), stopping at the hole's end.
func (s *Scoreboard) firstHoleAbove(from seqnum.Value, n int, rule RecoveryRule) (RecoverySeg, bool) {
	start := s.highACK
	for i := 0; i < n; i++ {
		end := s.sacked[i].Left
		if from.LessThan(end) {
			first := seqnum.Max(start, from)
			last := seqnum.Min(first.Add(s.smss), end)
			return RecoverySeg{Start: first, End: last, Rule: rule}, true
		}
		start = s.sacked[i].Right
	}
	return RecoverySeg{}, false
}

// highestHole returns the highest unSACKed range below HighData: the tail
// above the last SACKed range if there is one, else the hole below it.
func (s *Scoreboard) highestHole() (start, end seqnum.Value, ok bool) {
	n := len(s.sacked)
	if n == 0 {
		return s.highACK, s.highData, s.highACK.LessThan(s.highData)
	}
	if s.sacked[n-1].Right.LessThan(s.highData) {
		return s.sacked[n-1].Right, s.highData, true
	}
	end = s.sacked[n-1].Left
	start = s.highACK
	if n > 1 {
		start = s.sacked[n-2].Right
	}
	return start, end, start.LessThan(end)
}

// Transmitted records that seg, as returned by NextSeg, was sent (RFC 6675
// §5 steps C.2 to C.4): a retransmission below HighData sets HighRxt to its
// end, except a rescue retransmission (rule 4), which sets RescueRxt to
// RecoveryPoint and leaves HighRxt alone; new data above HighData raises
// HighData; and pipe grows by the segment's length. A segment that is
// empty or starts below HighACK is ignored.
func (s *Scoreboard) Transmitted(seg RecoverySeg) {
	if !seg.Start.LessThan(seg.End) || seg.Start.LessThan(s.highACK) {
		return
	}
	switch {
	case seg.Rule == RecoveryRescue:
		s.rescueRxt = s.recoveryPoint
		s.rescueSet = true
	case seg.Start.LessThan(s.highData):
		s.highRxt = seqnum.Min(seg.End, s.highData)
	}
	s.Sent(seg.End)
	s.pipe += seg.Len()
}

// firstRangeAbove returns the index of the first SACKed range whose Left
// lies above seq (len(s.sacked) if none), by binary search on distances
// from HighACK, which are plain integers inside the window.
func (s *Scoreboard) firstRangeAbove(seq seqnum.Value) int {
	off := s.highACK.Size(seq)
	lo, hi := 0, len(s.sacked)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.highACK.Size(s.sacked[m].Left) <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// trimBelow drops SACK information at or below the new SND.UNA (RFC 6675
// §4 Update: the scoreboard covers only unacknowledged data).
func (s *Scoreboard) trimBelow(una seqnum.Value) {
	k := 0
	for k < len(s.sacked) && s.sacked[k].Right.LessThanEq(una) {
		k++
	}
	s.sacked = s.sacked[:copy(s.sacked, s.sacked[k:])]
	if len(s.sacked) > 0 && s.sacked[0].Left.LessThan(una) {
		s.sacked[0].Left = una
	}
}

// insert merges one SACK block into the range list and returns how many
// octets it newly SACKed. See Update for which blocks are skipped.
func (s *Scoreboard) insert(b SACKBlock) seqnum.Size {
	if !b.Left.LessThan(b.Right) || b.Right.LessThanEq(s.highACK) || b.Right.GreaterThan(s.highData) {
		return 0
	}
	l, r := seqnum.Max(b.Left, s.highACK), b.Right
	offL, offR := s.highACK.Size(l), s.highACK.Size(r)
	// i: the first range ending at or after l (it overlaps or touches b);
	// j: the first range starting beyond r. Ranges i to j-1 merge with b.
	lo, hi := 0, len(s.sacked)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.highACK.Size(s.sacked[m].Right) < offL {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i, j := lo, lo
	var covered seqnum.Size
	for j < len(s.sacked) && s.highACK.Size(s.sacked[j].Left) <= offR {
		covered += s.sacked[j].Left.Size(s.sacked[j].Right)
		j++
	}
	if i == j { // disjoint from every range: insert at i
		if len(s.sacked) == MaxScoreboardRanges {
			if i == len(s.sacked) {
				return 0 // it would be the highest: forget it
			}
			s.sacked = s.sacked[:len(s.sacked)-1] // forget the highest
		}
		s.sacked = append(s.sacked, SACKBlock{})
		copy(s.sacked[i+1:], s.sacked[i:])
		s.sacked[i] = SACKBlock{Left: l, Right: r}
		return l.Size(r)
	}
	merged := SACKBlock{Left: seqnum.Min(l, s.sacked[i].Left), Right: seqnum.Max(r, s.sacked[j-1].Right)}
	s.sacked[i] = merged
	s.sacked = append(s.sacked[:i+1], s.sacked[j:]...)
	return merged.Left.Size(merged.Right) - covered
}
