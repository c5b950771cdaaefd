package tcpstate_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// The hand-worked examples use SMSS = 100 and write sequence numbers as
// offsets from a base: "seg k" is [100k, 100k+100). Each runs twice, once
// far from the wrap and once with the window straddling 2^32, so the
// arithmetic is checked across the wrap with the same expected values.
const sbSMSS = 100

var sbBases = map[string]seqnum.Value{
	"plain": 1000,
	"wrap":  math.MaxUint32 - 450, // offset 451 is sequence number 0
}

// sbRig wraps a Scoreboard whose sequence numbers are offsets from base.
type sbRig struct {
	t    *testing.T
	base seqnum.Value
	sb   tcpstate.Scoreboard
}

func newRig(t *testing.T, base seqnum.Value, sent int) *sbRig {
	r := &sbRig{t: t, base: base}
	r.sb.Reset(base, sbSMSS)
	r.sb.Sent(r.v(sent))
	return r
}

func (r *sbRig) v(off int) seqnum.Value { return r.base.Add(seqnum.Size(off)) }

func (r *sbRig) off(v seqnum.Value) int { return int(r.base.Size(v)) }

// ack feeds an acknowledgment; blocks are offset pairs {left, right}.
func (r *sbRig) ack(cum int, blocks ...[2]int) tcpstate.ScoreboardUpdate {
	bs := make([]tcpstate.SACKBlock, len(blocks))
	for i, b := range blocks {
		bs[i] = tcpstate.SACKBlock{Left: r.v(b[0]), Right: r.v(b[1])}
	}
	return r.sb.Update(r.v(cum), bs)
}

// ranges returns the scoreboard's SACKed ranges as offsets.
func (r *sbRig) ranges() [][2]int {
	var out [][2]int
	for _, b := range r.sb.AppendSACKed(nil) {
		out = append(out, [2]int{r.off(b.Left), r.off(b.Right)})
	}
	return out
}

// next returns NextSeg as offsets, and -1s when it fails.
func (r *sbRig) next(newData int) (start, end int, rule tcpstate.RecoveryRule) {
	g, ok := r.sb.NextSeg(seqnum.Size(newData))
	if !ok {
		return -1, -1, 0
	}
	return r.off(g.Start), r.off(g.End), g.Rule
}

func (r *sbRig) seg(start, end int, rule tcpstate.RecoveryRule) tcpstate.RecoverySeg {
	return tcpstate.RecoverySeg{Start: r.v(start), End: r.v(end), Rule: rule}
}

func forBases(t *testing.T, f func(t *testing.T, base seqnum.Value)) {
	for _, name := range []string{"plain", "wrap"} {
		t.Run(name, func(t *testing.T) { f(t, sbBases[name]) })
	}
}

// TestScoreboardSingleLoss: segs 0-9 sent ([0,1000)), seg 0 lost, one ACK
// per arriving segment, each SACKing everything that arrived.
func TestScoreboardSingleLoss(t *testing.T) {
	forBases(t, func(t *testing.T, base seqnum.Value) {
		r := newRig(t, base, 1000)

		// seg 1 arrives: SACK [100,200). New SACKed octets make it an
		// RFC 6675 §2 duplicate ACK: DupAcks = 1. IsLost(0): 1 range and
		// 100 octets above, neither DupThresh ranges nor > 2*SMSS = 200.
		// pipe: hole [0,100) not lost = 100, tail [200,1000) = 800 -> 900.
		u := r.ack(0, [2]int{100, 200})
		assert.True(t, u.Duplicate)
		assert.False(t, u.Cumulative)
		assert.Equal(t, seqnum.Size(100), u.NewlySACKed)
		assert.Equal(t, 1, r.sb.DupAcks())
		assert.False(t, r.sb.IsLost(r.v(0)))
		assert.Equal(t, seqnum.Size(900), r.sb.Pipe())

		// seg 2: SACK [100,300): 200 octets above 0, still not > 200.
		// pipe = 100 + 700 = 800.
		u = r.ack(0, [2]int{100, 300})
		assert.Equal(t, 2, r.sb.DupAcks())
		assert.False(t, r.sb.IsLost(r.v(0)))
		assert.False(t, u.EnteredRecovery)
		assert.Equal(t, seqnum.Size(800), r.sb.Pipe())

		// seg 3: SACK [100,400): DupAcks = 3 = DupThresh, and 300 > 200
		// so IsLost(0) too. Enter recovery: RecoveryPoint = HighData =
		// 1000, retransmit [0,100) (stops at the SACKed 100), HighRxt =
		// RescueRxt = 100. pipe: hole [0,100) is lost (0) but
		// retransmitted (+100); tail [400,1000) = 600 -> 700.
		u = r.ack(0, [2]int{100, 400})
		require.True(t, u.EnteredRecovery)
		assert.Equal(t, r.seg(0, 100, tcpstate.RecoveryFastRetransmit), u.Retransmit)
		assert.True(t, r.sb.InRecovery())
		assert.True(t, r.sb.IsLost(r.v(0)))
		assert.True(t, r.sb.IsLost(r.v(99)))
		assert.False(t, r.sb.IsLost(r.v(100)), "SACKed octets are never lost")
		assert.False(t, r.sb.IsLost(r.v(400)), "nothing SACKed above the tail")
		assert.Equal(t, r.v(1000), r.sb.RecoveryPoint())
		assert.Equal(t, r.v(100), r.sb.HighRxt())
		resc, ok := r.sb.RescueRxt()
		assert.True(t, ok)
		assert.Equal(t, r.v(100), resc)
		assert.Equal(t, seqnum.Size(700), r.sb.Pipe())

		// NextSeg with no new data: rule 1 and 3 find nothing above
		// HighRxt = 100 below the highest SACK; rule 4 needs HighACK (0) >
		// RescueRxt (100): fails.
		s, _, _ := r.next(0)
		assert.Equal(t, -1, s)
		// With new data allowed, rule 2 sends [1000,1100).
		s, e, rule := r.next(500)
		assert.Equal(t, []int{1000, 1100}, []int{s, e})
		assert.Equal(t, tcpstate.RecoveryNewData, rule)
		r.sb.Transmitted(r.seg(s, e, rule))
		assert.Equal(t, r.v(1100), r.sb.HighData())
		assert.Equal(t, seqnum.Size(800), r.sb.Pipe(), "C.4: pipe += 100")
		assert.Equal(t, r.v(100), r.sb.HighRxt(), "new data leaves HighRxt")

		// In recovery further duplicates do not count (RFC 6675 §5).
		r.ack(0, [2]int{100, 500})
		assert.Equal(t, 3, r.sb.DupAcks())

		// The retransmission arrives: cumulative ACK 1000 >= RecoveryPoint
		// ends recovery; the scoreboard is trimmed to nothing. pipe = the
		// new segment [1000,1100) = 100.
		u = r.ack(1000)
		assert.True(t, u.Cumulative)
		assert.True(t, u.ExitedRecovery)
		assert.Equal(t, seqnum.Size(1000), u.Acked)
		assert.False(t, r.sb.InRecovery())
		assert.Equal(t, 0, r.sb.DupAcks())
		assert.Empty(t, r.ranges())
		assert.Equal(t, seqnum.Size(100), r.sb.Pipe())
	})
}

// TestScoreboardEntersOnIsLost: the ACKs for segs 1 and 2 are lost, so the
// first duplicate ACK already SACKs [100,400): DupAcks = 1 < DupThresh, but
// 300 octets > 2*SMSS are SACKed above octet 0, so IsLost(HighACK+1) and
// recovery starts at once (RFC 6675 §5 step 2).
func TestScoreboardEntersOnIsLost(t *testing.T) {
	forBases(t, func(t *testing.T, base seqnum.Value) {
		r := newRig(t, base, 1000)
		u := r.ack(0, [2]int{100, 400})
		assert.Equal(t, 1, r.sb.DupAcks())
		require.True(t, u.EnteredRecovery)
		assert.Equal(t, r.seg(0, 100, tcpstate.RecoveryFastRetransmit), u.Retransmit)
	})
}

// TestScoreboardEntersOnDupAcksSmallSegments: 10-octet segments, so three
// SACKed segments are only 30 octets: IsLost stays false and it is DupAcks
// reaching DupThresh that starts recovery (RFC 6675 §5 step 1).
func TestScoreboardEntersOnDupAcksSmallSegments(t *testing.T) {
	forBases(t, func(t *testing.T, base seqnum.Value) {
		r := newRig(t, base, 50) // five 10-octet segments, [0,10) lost
		r.ack(0, [2]int{10, 20})
		u := r.ack(0, [2]int{10, 30})
		assert.False(t, u.EnteredRecovery)
		u = r.ack(0, [2]int{10, 40})
		assert.False(t, r.sb.IsLost(r.v(0)), "one range, 30 octets above 0")
		require.True(t, u.EnteredRecovery)
		// The fast retransmission stops at the first SACKed octet.
		assert.Equal(t, r.seg(0, 10, tcpstate.RecoveryFastRetransmit), u.Retransmit)
		// pipe: hole [0,10) not lost = 10, retransmitted +10; tail
		// [40,50) = 10 -> 30.
		assert.Equal(t, seqnum.Size(30), r.sb.Pipe())
	})
}

// TestScoreboardSeveralHoles: segs 0-19 ([0,2000)) sent; segs 0, 5 and 10
// are lost. Each hole is retransmitted in order once it is deemed lost.
func TestScoreboardSeveralHoles(t *testing.T) {
	forBases(t, func(t *testing.T, base seqnum.Value) {
		r := newRig(t, base, 2000)
		r.ack(0, [2]int{100, 200})
		r.ack(0, [2]int{100, 300})
		u := r.ack(0, [2]int{100, 400})
		require.True(t, u.EnteredRecovery)
		assert.Equal(t, r.seg(0, 100, tcpstate.RecoveryFastRetransmit), u.Retransmit)
		// hole [0,100) lost+retransmitted = 100; tail [400,2000) = 1600.
		assert.Equal(t, seqnum.Size(1700), r.sb.Pipe())

		r.ack(0, [2]int{100, 500}) // seg 4
		// seg 6 arrives (seg 5 lost). Ranges [100,500) [600,700); holes
		// h0 = [0,100), h1 = [500,600). h1 has one range of 100 octets
		// above it: not lost. h0 has two ranges, 500 octets: lost.
		r.ack(0, [2]int{600, 700}, [2]int{100, 500})
		assert.Equal(t, [][2]int{{100, 500}, {600, 700}}, r.ranges())
		assert.True(t, r.sb.IsLost(r.v(50)))
		assert.False(t, r.sb.IsLost(r.v(550)))
		// pipe: h0 retransmitted 100; h1 not lost 100; tail [700,2000)
		// 1300 -> 1500.
		assert.Equal(t, seqnum.Size(1500), r.sb.Pipe())
		// NextSeg: rule 1 finds no lost octet above HighRxt = 100; with new
		// data rule 2 wins; without, rule 3 offers the not-yet-lost h1.
		s, e, rule := r.next(100)
		assert.Equal(t, []int{2000, 2100}, []int{s, e})
		assert.Equal(t, tcpstate.RecoveryNewData, rule)
		s, e, rule = r.next(0)
		assert.Equal(t, []int{500, 600}, []int{s, e})
		assert.Equal(t, tcpstate.RecoveryUnSACKed, rule)

		// segs 7 and 8: 300 octets above h1 > 200: h1 is lost now.
		r.ack(0, [2]int{600, 800}, [2]int{100, 500})
		assert.False(t, r.sb.IsLost(r.v(500)), "200 octets are not more than 2*SMSS")
		r.ack(0, [2]int{600, 900}, [2]int{100, 500})
		assert.True(t, r.sb.IsLost(r.v(500)))
		// pipe: h0 100 (retransmitted); h1 lost, not retransmitted, 0;
		// tail [900,2000) 1100 -> 1200.
		assert.Equal(t, seqnum.Size(1200), r.sb.Pipe())
		s, e, rule = r.next(100) // rule 1 comes before new data
		assert.Equal(t, []int{500, 600}, []int{s, e})
		assert.Equal(t, tcpstate.RecoveryLost, rule)
		r.sb.Transmitted(r.seg(s, e, rule))
		assert.Equal(t, r.v(600), r.sb.HighRxt())
		assert.Equal(t, seqnum.Size(1300), r.sb.Pipe(), "C.4: +100")
		assert.Equal(t, seqnum.Size(1300), r.sb.SetPipe(), "SetPipe agrees: h1 now retransmitted")

		// segs 9, 11, 12, 13 (seg 10 lost).
		r.ack(0, [2]int{600, 1000}, [2]int{100, 500})
		r.ack(0, [2]int{1100, 1200}, [2]int{600, 1000}, [2]int{100, 500})
		// Three ranges above h0 (DupThresh discontiguous ranges) — it
		// stays lost; h2 = [1000,1100) has 100 octets above: not lost.
		assert.False(t, r.sb.IsLost(r.v(1000)))
		r.ack(0, [2]int{1100, 1300}, [2]int{600, 1000}, [2]int{100, 500})
		r.ack(0, [2]int{1100, 1400}, [2]int{600, 1000}, [2]int{100, 500})
		assert.True(t, r.sb.IsLost(r.v(1000)))
		s, e, rule = r.next(0)
		assert.Equal(t, []int{1000, 1100}, []int{s, e})
		assert.Equal(t, tcpstate.RecoveryLost, rule)
		r.sb.Transmitted(r.seg(s, e, rule))
		assert.Equal(t, r.v(1100), r.sb.HighRxt())

		// Retransmitted seg 0 arrives: cumulative ACK to 500. Not past
		// RecoveryPoint (2000). Ranges [600,1000) [1100,1400).
		u = r.ack(500, [2]int{600, 1000}, [2]int{1100, 1400})
		assert.True(t, u.Cumulative)
		assert.False(t, u.Duplicate)
		assert.Equal(t, seqnum.Size(500), u.Acked)
		assert.True(t, r.sb.InRecovery())
		assert.Equal(t, [][2]int{{600, 1000}, {1100, 1400}}, r.ranges())
		// pipe: h0 [500,600) and h1 [1000,1100) both lost and
		// retransmitted: 100 + 100; tail [1400,2000) 600 -> 800.
		assert.Equal(t, seqnum.Size(800), r.sb.Pipe())
		// Nothing left below the highest SACK, so with no new data rule 4
		// applies: HighACK (500) > RescueRxt (100). The rescue covers the
		// highest unSACKed octet, 1999: [1900,2000).
		s, e, rule = r.next(0)
		assert.Equal(t, []int{1900, 2000}, []int{s, e})
		assert.Equal(t, tcpstate.RecoveryRescue, rule)

		r.ack(1000, [2]int{1100, 1400}) // retransmitted seg 5
		r.ack(1400)                     // retransmitted seg 10
		assert.True(t, r.sb.InRecovery())
		u = r.ack(2000)
		assert.True(t, u.ExitedRecovery)
		assert.Equal(t, seqnum.Size(0), r.sb.Pipe())
	})
}

// TestScoreboardRescue: segs 0-9 sent, seg 0 and the last two (8, 9) lost:
// loss at the end of the window with no new data to send.
func TestScoreboardRescue(t *testing.T) {
	forBases(t, func(t *testing.T, base seqnum.Value) {
		r := newRig(t, base, 1000)
		r.ack(0, [2]int{100, 200})
		r.ack(0, [2]int{100, 300})
		u := r.ack(0, [2]int{100, 400})
		require.True(t, u.EnteredRecovery)
		for _, right := range []int{500, 600, 700, 800} {
			r.ack(0, [2]int{100, right})
		}
		// Rule 4 is not yet allowed: HighACK (0) is not > RescueRxt (100).
		s, _, _ := r.next(0)
		assert.Equal(t, -1, s)

		// The fast retransmission arrives: cumulative ACK to 800. Nothing is
		// SACKed; [800,1000) is outstanding and not lost (nothing SACKed
		// above): pipe = 200. HighRxt falls back to HighACK = 800.
		u = r.ack(800)
		assert.False(t, u.ExitedRecovery, "800 < RecoveryPoint 1000")
		assert.Equal(t, seqnum.Size(200), r.sb.Pipe())
		assert.Equal(t, r.v(800), r.sb.HighRxt())
		// Rules 1-3 find nothing; rule 4: HighACK 800 > RescueRxt 100, so
		// one SMSS ending with the highest unSACKed octet 999.
		s, e, rule := r.next(0)
		assert.Equal(t, []int{900, 1000}, []int{s, e})
		assert.Equal(t, tcpstate.RecoveryRescue, rule)
		r.sb.Transmitted(r.seg(s, e, rule))
		resc, ok := r.sb.RescueRxt()
		assert.True(t, ok)
		assert.Equal(t, r.sb.RecoveryPoint(), resc, "RescueRxt = RecoveryPoint")
		assert.Equal(t, r.v(800), r.sb.HighRxt(), "HighRxt MUST NOT be updated")
		assert.Equal(t, seqnum.Size(300), r.sb.Pipe())
		// Only one rescue per recovery.
		s, _, _ = r.next(0)
		assert.Equal(t, -1, s)
	})
}

// TestScoreboardRescueBelowLastRange: segs 0-9 sent, segs 0 and 5 lost,
// the rest arrive, so the highest SACKed range reaches HighData and the
// highest unSACKed octet (599) lies in the hole below it.
func TestScoreboardRescueBelowLastRange(t *testing.T) {
	forBases(t, func(t *testing.T, base seqnum.Value) {
		r := newRig(t, base, 1000)
		r.ack(0, [2]int{100, 200})
		r.ack(0, [2]int{100, 300})
		require.True(t, r.ack(0, [2]int{100, 400}).EnteredRecovery)
		r.ack(0, [2]int{100, 500})
		for _, right := range []int{700, 800, 900, 1000} {
			r.ack(0, [2]int{600, right}, [2]int{100, 500})
		}
		// [500,600) has 400 octets above it: lost; rule 1 retransmits it.
		s, e, rule := r.next(0)
		require.Equal(t, []int{500, 600}, []int{s, e})
		assert.Equal(t, tcpstate.RecoveryLost, rule)
		r.sb.Transmitted(r.seg(s, e, rule))
		// The retransmitted seg 0 arrives: ACK 500. Rules 1-3 find nothing
		// above HighRxt = 600; rule 4 (HighACK 500 > RescueRxt 100)
		// retransmits [500,600) once more: it holds octet 599.
		r.ack(500, [2]int{600, 1000})
		s, e, rule = r.next(0)
		assert.Equal(t, []int{500, 600}, []int{s, e})
		assert.Equal(t, tcpstate.RecoveryRescue, rule)
		r.sb.Transmitted(r.seg(s, e, rule))
		resc, ok := r.sb.RescueRxt()
		assert.True(t, ok)
		assert.Equal(t, r.v(1000), resc, "RescueRxt = RecoveryPoint")
	})
}

// TestScoreboardRescueNeedsHighACKAboveRescueRxt: segs 0 and 1 and the
// tail segs 8 and 9 are lost. Rule 4 needs HighACK > RescueRxt in the
// RFC's octet terms; an ACK reaching exactly the end of the fast
// retransmission is not enough.
func TestScoreboardRescueNeedsHighACKAboveRescueRxt(t *testing.T) {
	forBases(t, func(t *testing.T, base seqnum.Value) {
		r := newRig(t, base, 1000)
		u := r.ack(0, [2]int{200, 500}) // 300 octets above 0: lost at once
		require.True(t, u.EnteredRecovery)
		assert.Equal(t, r.seg(0, 100, tcpstate.RecoveryFastRetransmit), u.Retransmit)
		s, e, rule := r.next(0) // [100,200) also has 300 octets above it
		require.Equal(t, []int{100, 200}, []int{s, e})
		require.Equal(t, tcpstate.RecoveryLost, rule)
		r.sb.Transmitted(r.seg(s, e, rule))
		r.ack(0, [2]int{200, 800})

		// ACK 100: HighACK = RescueRxt = 100 here (RFC: HighACK 99 =
		// RescueRxt 99), so no rescue yet, though [800,1000) is unSACKed.
		r.ack(100, [2]int{200, 800})
		s, _, _ = r.next(0)
		assert.Equal(t, -1, s)
		// ACK 800: HighACK 800 > 100: the rescue takes [900,1000).
		r.ack(800)
		s, e, rule = r.next(0)
		assert.Equal(t, []int{900, 1000}, []int{s, e})
		assert.Equal(t, tcpstate.RecoveryRescue, rule)
	})
}

// TestScoreboardIsLostByRanges: three discontiguous 10-octet ranges above an
// octet make it lost although only 30 octets (not > 2*SMSS = 200) are
// SACKed; two ranges do not.
func TestScoreboardIsLostByRanges(t *testing.T) {
	forBases(t, func(t *testing.T, base seqnum.Value) {
		r := newRig(t, base, 1000)
		r.ack(0, [2]int{100, 110}, [2]int{200, 210})
		assert.False(t, r.sb.IsLost(r.v(0)))
		assert.False(t, r.sb.InRecovery())
		u := r.ack(0, [2]int{300, 310})
		assert.True(t, r.sb.IsLost(r.v(0)))
		assert.True(t, r.sb.IsLost(r.v(99)))
		assert.False(t, r.sb.IsLost(r.v(110)), "only two ranges above 110")
		assert.Equal(t, 2, r.sb.DupAcks())
		assert.True(t, u.EnteredRecovery, "by IsLost(HighACK+1): DupAcks is only 2")
	})
}

// TestScoreboardHighRxtFollowsHighACK: after a recovery, HighRxt stays at
// or above HighACK even when the connection has since moved more than 2^31
// octets on (a stale mark would compare wrongly across the wrap).
func TestScoreboardHighRxtFollowsHighACK(t *testing.T) {
	r := newRig(t, 1000, 1000)
	require.True(t, r.ack(0, [2]int{100, 400}).EnteredRecovery)
	r.ack(1000)
	for i := 1; i <= 3; i++ {
		r.sb.Sent(r.v(1000 + i<<30))
		r.ack(1000 + i<<30)
	}
	assert.Equal(t, r.sb.HighACK(), r.sb.HighRxt())
	r.sb.Sent(r.v(1000 + 3<<30 + 500))
	assert.Equal(t, seqnum.Size(500), r.sb.SetPipe(), "nothing counted as retransmitted")
}

func TestScoreboardReset(t *testing.T) {
	var sb tcpstate.Scoreboard
	sb.Reset(7, 0)
	assert.Equal(t, seqnum.Size(1), sb.SMSS(), "an SMSS of 0 is taken as 1")
	sb.Sent(17)
	sb.Update(7, []tcpstate.SACKBlock{{Left: 9, Right: 10}})
	sb.Reset(100, 536)
	assert.Empty(t, sb.AppendSACKed(nil))
	assert.Equal(t, seqnum.Value(100), sb.HighData())
	assert.Equal(t, 0, sb.DupAcks())
	_, ok := sb.RescueRxt()
	assert.False(t, ok, "RescueRxt starts undefined")
}

// TestScoreboardBlocks: blocks out of order, overlapping, adjacent,
// repeated, and invalid ones.
func TestScoreboardBlocks(t *testing.T) {
	forBases(t, func(t *testing.T, base seqnum.Value) {
		r := newRig(t, base, 1000)
		r.ack(0, [2]int{500, 600}, [2]int{100, 200}, [2]int{300, 400})
		assert.Equal(t, [][2]int{{100, 200}, {300, 400}, {500, 600}}, r.ranges())
		// [150,350) bridges the first two: only [200,300) is new.
		u := r.ack(0, [2]int{150, 350})
		assert.Equal(t, seqnum.Size(100), u.NewlySACKed)
		assert.Equal(t, [][2]int{{100, 400}, {500, 600}}, r.ranges())
		// Adjacent [600,700) joins [500,600).
		u = r.ack(0, [2]int{600, 700})
		assert.Equal(t, seqnum.Size(100), u.NewlySACKed)
		assert.Equal(t, [][2]int{{100, 400}, {500, 700}}, r.ranges())
		// A repeat brings nothing new: not a duplicate ACK (RFC 6675 §2).
		dup := r.sb.DupAcks()
		u = r.ack(0, [2]int{100, 200})
		assert.False(t, u.Duplicate)
		assert.Equal(t, dup, r.sb.DupAcks())
		// Invalid: reversed, empty, beyond HighData (never sent).
		u = r.ack(0, [2]int{300, 250}, [2]int{800, 800}, [2]int{900, 1100})
		assert.Equal(t, seqnum.Size(0), u.NewlySACKed)
		// [50,800) swallows everything: new octets are [50,100), [400,500)
		// and [700,800) = 250.
		u = r.ack(0, [2]int{50, 800})
		assert.Equal(t, seqnum.Size(250), u.NewlySACKed)
		assert.Equal(t, [][2]int{{50, 800}}, r.ranges())
		assert.Equal(t, seqnum.Size(750), r.sb.SACKedBytes())
		assert.True(t, r.sb.IsSACKed(r.v(50)))
		assert.False(t, r.sb.IsSACKed(r.v(800)))
		assert.False(t, r.sb.IsSACKed(r.v(49)))
	})
}

// TestScoreboardCumulativeTrim: a cumulative ACK drops ranges below it and
// trims one it cuts; blocks at or below it are ignored, and a block
// straddling it is trimmed.
func TestScoreboardCumulativeTrim(t *testing.T) {
	forBases(t, func(t *testing.T, base seqnum.Value) {
		r := newRig(t, base, 1000)
		r.ack(0, [2]int{100, 200}, [2]int{300, 400}, [2]int{500, 600})
		u := r.ack(150)
		assert.Equal(t, seqnum.Size(150), u.Acked)
		assert.Equal(t, [][2]int{{150, 200}, {300, 400}, {500, 600}}, r.ranges())
		r.ack(400)
		assert.Equal(t, [][2]int{{500, 600}}, r.ranges())
		// Old blocks (a D-SACK-like [100,200)) are ignored; [350,450)
		// straddles SND.UNA and only [400,450) is new.
		u = r.ack(400, [2]int{100, 200}, [2]int{350, 450})
		assert.Equal(t, seqnum.Size(50), u.NewlySACKed)
		assert.Equal(t, [][2]int{{400, 450}, {500, 600}}, r.ranges())
		// An old ACK (below SND.UNA) does not move it back.
		u = r.ack(300)
		assert.False(t, u.Cumulative)
		assert.Equal(t, r.v(400), r.sb.HighACK())
		// An ACK beyond SND.MAX is ignored entirely.
		u = r.ack(1001, [2]int{700, 800})
		assert.True(t, u.Ignored)
		assert.Equal(t, [][2]int{{400, 450}, {500, 600}}, r.ranges())
		// The first ACK (three ranges above octet 0) started recovery.
		assert.True(t, r.sb.InRecovery())
		u = r.ack(600, [2]int{700, 800})
		assert.Equal(t, [][2]int{{700, 800}}, r.ranges())
		assert.Equal(t, 0, r.sb.DupAcks(), "duplicates are not counted in recovery")

		// Outside recovery, a cumulative ACK with new SACK data both resets
		// DupAcks and counts as a duplicate ACK (RFC 6675 §2 and §5).
		r = newRig(t, base, 1000)
		r.ack(0, [2]int{200, 250})
		r.ack(0, [2]int{200, 300})
		assert.Equal(t, 2, r.sb.DupAcks())
		// Ranges [200,300) [500,550): 2 ranges and 150 octets above 100,
		// so not IsLost(100); DupAcks goes 2 -> 0 -> 1, not to 3.
		u = r.ack(100, [2]int{500, 550})
		assert.True(t, u.Cumulative)
		assert.True(t, u.Duplicate)
		assert.Equal(t, 1, r.sb.DupAcks())
		assert.False(t, r.sb.InRecovery())
	})
}

// TestScoreboardRTO: a timeout clears SACK information (RFC 2018 §8), ends
// recovery, and holds off a new one until HighACK reaches the
// RecoveryPoint set at the timeout (RFC 6675 §5.1).
func TestScoreboardRTO(t *testing.T) {
	forBases(t, func(t *testing.T, base seqnum.Value) {
		r := newRig(t, base, 1000)
		u := r.ack(0, [2]int{100, 400})
		require.True(t, u.EnteredRecovery)
		r.sb.OnRTO()
		assert.False(t, r.sb.InRecovery())
		assert.Empty(t, r.ranges())
		assert.Equal(t, r.v(1000), r.sb.RecoveryPoint())
		assert.Equal(t, r.v(0), r.sb.HighRxt())
		assert.Equal(t, seqnum.Size(1000), r.sb.Pipe(), "nothing SACKed, nothing lost")
		r.sb.Sent(r.v(1500))
		// Would be lost, but HighACK (100) < RecoveryPoint (1000).
		u = r.ack(100, [2]int{200, 500})
		assert.False(t, u.EnteredRecovery)
		// Once HighACK reaches 1000 a new recovery may start.
		r.ack(1000)
		u = r.ack(1000, [2]int{1100, 1400})
		assert.True(t, u.EnteredRecovery)
		assert.Equal(t, r.v(1500), r.sb.RecoveryPoint())
	})
}

func TestScoreboardBoundedRanges(t *testing.T) {
	var sb tcpstate.Scoreboard
	sb.Reset(0, 1)
	sb.Sent(4 * tcpstate.MaxScoreboardRanges)
	for i := range 2 * tcpstate.MaxScoreboardRanges {
		l := seqnum.Value(2*i + 1)
		sb.Update(0, []tcpstate.SACKBlock{{Left: l, Right: l + 1}})
	}
	rs := sb.AppendSACKed(nil)
	require.Len(t, rs, tcpstate.MaxScoreboardRanges)
	assert.Equal(t, seqnum.Value(2*tcpstate.MaxScoreboardRanges-1), rs[len(rs)-1].Left, "the lowest ranges are kept")
}

// sbModel is a per-octet reference of the RFC 6675 definitions, written as
// literally as possible, over octets [una, max) (offsets from the base).
type sbModel struct {
	una, max int
	sacked   map[int]bool
	smss     int
	lost     []bool // by markLost, from una
}

// isLost is RFC 6675 §4 IsLost for one octet: DupThresh discontiguous
// SACKed runs above it, or more than (DupThresh-1)*SMSS SACKed octets
// above it. It reads the table built by markLost.
func (m *sbModel) isLost(seq int) bool {
	if seq < m.una || seq >= m.max {
		return false
	}
	return m.lost[seq-m.una]
}

// markLost walks the octets from the top down, counting the SACKed runs
// and octets above each one.
func (m *sbModel) markLost() {
	m.lost = make([]bool, m.max-m.una)
	runs, bytes := 0, 0
	for o := m.max - 1; o >= m.una; o-- {
		if m.sacked[o] {
			bytes++
			if o == m.una || !m.sacked[o-1] {
				runs++ // o starts a run
			}
			continue
		}
		m.lost[o-m.una] = runs >= tcpstate.DupThresh || bytes > (tcpstate.DupThresh-1)*m.smss
	}
}

func (m *sbModel) pipe(highRxt int) int {
	p := 0
	for o := m.una; o < m.max; o++ {
		if m.sacked[o] {
			continue
		}
		if !m.isLost(o) {
			p++
		}
		if o < highRxt {
			p++
		}
	}
	return p
}

func (m *sbModel) highestSACKed() int {
	for o := m.max - 1; o >= m.una; o-- {
		if m.sacked[o] {
			return o
		}
	}
	return -1
}

// segFrom extends a retransmission from s up to SMSS, stopping at SACKed data.
func (m *sbModel) segFrom(s int) [2]int {
	e := s
	for e < s+m.smss && e < m.max && !m.sacked[e] {
		e++
	}
	return [2]int{s, e}
}

// nextSeg follows RFC 6675 §4 rules 1-3 per octet (rule 4 is checked by
// the hand-worked tests).
func (m *sbModel) nextSeg(highRxt, newData int) ([2]int, bool) {
	top := m.highestSACKed()
	for o := max(highRxt, m.una); o < top; o++ {
		if !m.sacked[o] && m.isLost(o) {
			return m.segFrom(o), true
		}
	}
	if newData > 0 {
		return [2]int{m.max, m.max + min(newData, m.smss)}, true
	}
	for o := max(highRxt, m.una); o < top; o++ {
		if !m.sacked[o] {
			return m.segFrom(o), true
		}
	}
	return [2]int{}, false
}

// TestScoreboardProperty drives a Scoreboard with random sends, ACKs with
// random (also overlapping, stale and bogus) SACK blocks, NextSeg
// transmissions and timeouts, near and across the wrap, and checks it
// against the per-octet model: the range list stays sorted, disjoint,
// non-adjacent and inside [HighACK, HighData); IsLost and SetPipe agree
// with the RFC definitions octet by octet; NextSeg agrees for rules 1-3;
// and pipe never exceeds HighData - HighACK plus what was retransmitted
// below HighRxt (octets in flight twice), nor HighData - HighACK when
// nothing is retransmitted.
//
// Run more cases with: go test ./tcpstate -run TestScoreboardProperty -rapid.checks=10000
func TestScoreboardProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := seqnum.Value(rapid.Uint32().Draw(t, "base"))
		if rapid.Bool().Draw(t, "nearWrap") {
			base = seqnum.Value(math.MaxUint32 - rapid.Uint32Range(0, 600).Draw(t, "below"))
		}
		smss := rapid.IntRange(1, 60).Draw(t, "smss")
		v := func(o int) seqnum.Value { return base.Add(seqnum.Size(o)) }
		off := func(x seqnum.Value) int { return int(base.Size(x)) }
		var sb tcpstate.Scoreboard
		sb.Reset(base, seqnum.Size(smss))
		m := &sbModel{sacked: map[int]bool{}, smss: smss}

		for range rapid.IntRange(1, 40).Draw(t, "steps") {
			switch rapid.IntRange(0, 9).Draw(t, "op") {
			case 0, 1: // send new data
				m.max += rapid.IntRange(1, 200).Draw(t, "send")
				sb.Sent(v(m.max))
			case 2: // transmit what NextSeg offers
				newData := rapid.IntRange(0, 2*smss).Draw(t, "newData")
				if g, ok := sb.NextSeg(seqnum.Size(newData)); ok {
					sb.Transmitted(g)
					if off(g.End) > m.max {
						m.max = off(g.End)
					}
				}
			case 3:
				sb.OnRTO()
				m.sacked = map[int]bool{}
			default: // an ACK
				cum := rapid.IntRange(m.una-20, m.max+5).Draw(t, "cum")
				nb := rapid.IntRange(0, tcpstate.MaxSACKBlocks).Draw(t, "nblocks")
				blocks := make([]tcpstate.SACKBlock, nb)
				pairs := make([][2]int, nb)
				for i := range blocks {
					l := rapid.IntRange(m.una-30, m.max+10).Draw(t, "left")
					r := l + rapid.IntRange(-5, 150).Draw(t, "len")
					pairs[i] = [2]int{l, r}
					blocks[i] = tcpstate.SACKBlock{Left: v(l), Right: v(r)}
				}
				u := sb.Update(v(cum), blocks)
				if cum > m.max {
					require.True(t, u.Ignored)
					break
				}
				if cum > m.una {
					for o := m.una; o < cum; o++ {
						delete(m.sacked, o)
					}
					m.una = cum
				}
				newly := 0
				for _, p := range pairs {
					l, r := p[0], p[1]
					if r <= l || r <= m.una || r > m.max {
						continue // reversed or empty, old, or never sent
					}
					for o := max(l, m.una); o < r; o++ {
						if !m.sacked[o] {
							m.sacked[o] = true
							newly++
						}
					}
				}
				require.Equal(t, seqnum.Size(newly), u.NewlySACKed)
			}
			sbCheck(t, &sb, m, off, v)
		}
	})
}

// TestScoreboardGarbage feeds arbitrary 32-bit acknowledgment numbers and
// SACK blocks: nothing panics and the range list keeps its invariants.
func TestScoreboardGarbage(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var sb tcpstate.Scoreboard
		una := seqnum.Value(rapid.Uint32().Draw(t, "una"))
		sb.Reset(una, seqnum.Size(rapid.Uint32Range(0, 70000).Draw(t, "smss")))
		sb.Sent(una.Add(seqnum.Size(rapid.Uint32Range(0, 1<<30).Draw(t, "flight"))))
		for range rapid.IntRange(1, 20).Draw(t, "acks") {
			blocks := make([]tcpstate.SACKBlock, rapid.IntRange(0, 4).Draw(t, "n"))
			for i := range blocks {
				blocks[i] = tcpstate.SACKBlock{Left: seqnum.Value(rapid.Uint32().Draw(t, "l")), Right: seqnum.Value(rapid.Uint32().Draw(t, "r"))}
			}
			sb.Update(seqnum.Value(rapid.Uint32().Draw(t, "cum")), blocks)
			if g, ok := sb.NextSeg(seqnum.Size(rapid.Uint32().Draw(t, "new"))); ok {
				require.True(t, g.Start.LessThan(g.End))
				require.LessOrEqual(t, g.Len(), sb.SMSS())
				sb.Transmitted(g)
			}
			prev := sb.HighACK()
			for i, r := range sb.AppendSACKed(nil) {
				require.True(t, r.Left.LessThan(r.Right))
				if i > 0 {
					require.True(t, prev.LessThan(r.Left), "disjoint, non-adjacent")
				} else {
					require.True(t, prev.LessThanEq(r.Left), "above SND.UNA")
				}
				require.True(t, r.Right.LessThanEq(sb.HighData()))
				prev = r.Right
			}
		}
	})
}

func sbCheck(t *rapid.T, sb *tcpstate.Scoreboard, m *sbModel, off func(seqnum.Value) int, v func(int) seqnum.Value) {
	require.Equal(t, m.una, off(sb.HighACK()))
	require.Equal(t, m.max, off(sb.HighData()))
	rs := sb.AppendSACKed(nil)
	got := map[int]bool{}
	prevEnd := m.una - 1
	for _, r := range rs {
		l, e := off(r.Left), off(r.Right)
		require.Less(t, prevEnd, l, "sorted, disjoint, non-adjacent: %v", rs)
		require.Less(t, l, e, "non-empty")
		require.LessOrEqual(t, m.una, l, "above SND.UNA")
		require.LessOrEqual(t, e, m.max, "below SND.MAX")
		for o := l; o < e; o++ {
			got[o] = true
		}
		prevEnd = e
	}
	require.Equal(t, len(m.sacked), len(got), "SACKed octets")
	for o := range m.sacked {
		require.True(t, got[o], "octet %d SACKed", o)
	}
	m.markLost()
	for o := m.una - 2; o < m.max+2; o++ {
		require.Equal(t, m.isLost(o), sb.IsLost(v(o)), "IsLost(%d)", o)
	}
	hr := off(sb.HighRxt())
	require.LessOrEqual(t, m.una, hr)
	want := m.pipe(hr)
	pipe := int(sb.SetPipe())
	require.Equal(t, want, pipe, "SetPipe")
	flight := m.max - m.una
	require.LessOrEqual(t, pipe, flight+hr-m.una)
	if hr == m.una {
		require.LessOrEqual(t, pipe, flight, "pipe <= HighData - HighACK without retransmissions")
	}
	for _, newData := range []int{0, 1, 3 * m.smss} {
		g, ok := sb.NextSeg(seqnum.Size(newData))
		if ok && g.Rule == tcpstate.RecoveryRescue {
			continue // rule 4 is not modelled
		}
		wseg, wok := m.nextSeg(hr, newData)
		require.Equal(t, wok, ok, "NextSeg(%d) ok", newData)
		if ok {
			require.Equal(t, wseg, [2]int{off(g.Start), off(g.End)}, "NextSeg(%d) rule %d", newData, g.Rule)
		}
	}
}

// TestScoreboardUpdateAllocs: steady-state Update with three blocks does not
// allocate.
func TestScoreboardUpdateAllocs(t *testing.T) {
	var sb tcpstate.Scoreboard
	st := newSteady(&sb)
	for range 1000 { // warm up: the range list reaches its working size
		st.step()
	}
	assert.Zero(t, testing.AllocsPerRun(1000, st.step))
}

// steady slides a 100-segment window by one segment per ACK, each ACK
// carrying three blocks above three holes.
type steady struct {
	sb     *tcpstate.Scoreboard
	i      seqnum.Value
	blocks [3]tcpstate.SACKBlock
}

const steadyMSS = 1460

func newSteady(sb *tcpstate.Scoreboard) *steady {
	base := seqnum.Value(math.MaxUint32 - 10*steadyMSS) // crosses the wrap early on
	sb.Reset(base, steadyMSS)
	return &steady{sb: sb, i: base}
}

func (s *steady) step() {
	seg := func(k seqnum.Value) seqnum.Value { return s.i + k*steadyMSS }
	s.sb.Sent(seg(100))
	for j := range s.blocks {
		k := seqnum.Value(20 * (j + 1))
		s.blocks[j] = tcpstate.SACKBlock{Left: seg(k + 1), Right: seg(k + 5)}
	}
	s.sb.Update(seg(0), s.blocks[:])
	s.i = seg(1)
}

// BenchmarkScoreboardUpdate measures one Update with three SACK blocks in
// a sliding window.
func BenchmarkScoreboardUpdate(b *testing.B) {
	var sb tcpstate.Scoreboard
	st := newSteady(&sb)
	for range 1000 {
		st.step()
	}
	b.ReportAllocs()
	for b.Loop() {
		st.step()
	}
}

// ExampleScoreboard shows the RFC 6675 §5 loop a sender runs with a
// Scoreboard: record each ACK, and while in loss recovery send what
// NextSeg offers as long as cwnd - pipe >= SMSS. Ten segments are in
// flight and the first is lost; the application has more data to send.
func ExampleScoreboard() {
	const smss = 1000
	var sb tcpstate.Scoreboard
	sb.Reset(0, smss)
	sb.Sent(10 * smss)

	var cwnd seqnum.Size
	for k := seqnum.Value(1); k <= 9; k++ { // segment k arrives, SACKing [1000, (k+1)*1000)
		u := sb.Update(0, []tcpstate.SACKBlock{{Left: smss, Right: (k + 1) * smss}})
		if u.EnteredRecovery {
			cwnd = 10 * smss / 2 // RFC 6675 §5 step 4.2: FlightSize / 2, the congestion controller's job
			fmt.Printf("recovery: retransmit [%d,%d), pipe %d\n", u.Retransmit.Start, u.Retransmit.End, sb.Pipe())
		}
		for sb.InRecovery() && sb.Pipe()+smss <= cwnd {
			seg, ok := sb.NextSeg(100 * smss)
			if !ok {
				break
			}
			fmt.Printf("send [%d,%d) by rule %d\n", seg.Start, seg.End, seg.Rule)
			sb.Transmitted(seg)
		}
	}
	u := sb.Update(10*smss, nil) // the retransmission fills the hole
	fmt.Println("exited:", u.ExitedRecovery, "pipe:", sb.Pipe())
	// Output:
	// recovery: retransmit [0,1000), pipe 7000
	// send [10000,11000) by rule 2
	// send [11000,12000) by rule 2
	// send [12000,13000) by rule 2
	// send [13000,14000) by rule 2
	// exited: true pipe: 4000
}
