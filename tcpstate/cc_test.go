package tcpstate_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// ccT0 is the sim epoch (DESIGN.md §4); the algorithms only use
// differences between the times they are given.
var ccT0 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ccRound acknowledges one round trip of a sender that keeps its window
// full: cwnd/mss segments in flight, each acknowledged by its own ACK,
// the ACKs evenly spread over rtt from now, FlightSize = cwnd before each
// ACK (the sender refills the window as ACKs arrive). It returns the
// time one rtt after now.
func ccRound(cc tcpstate.CongestionControl, now time.Time, mss int, rtt time.Duration) time.Time {
	n := max(cc.CWnd()/mss, 1)
	for i := range n {
		cc.OnAck(now.Add(time.Duration(i)*rtt/time.Duration(n)), mss, rtt, cc.CWnd())
	}
	return now.Add(rtt)
}

func ccAlgorithms() []tcpstate.CongestionControl {
	return []tcpstate.CongestionControl{tcpstate.NewNewReno(), tcpstate.NewCubic()}
}

func TestCCInitialWindow(t *testing.T) {
	// RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)).
	for _, tc := range []struct{ mss, want int }{
		{1460, 14600}, // min(14600, max(2920, 14600))
		{536, 5360},   // min(5360, max(1072, 14600))
		{9000, 18000}, // min(90000, max(18000, 14600))
		{1000, 10000}, // min(10000, 14600)
		{7300, 14600}, // min(73000, max(14600, 14600))
		{0, 5360},     // default SMSS 536 (RFC 9293 §3.7.1)
		{-5, 5360},
	} {
		if got := tcpstate.InitialWindow(tc.mss); got != tc.want {
			t.Errorf("InitialWindow(%d) = %d, want %d", tc.mss, got, tc.want)
		}
		for _, cc := range ccAlgorithms() {
			cc.Init(tc.mss, 0)
			if got := cc.CWnd(); got != tc.want {
				t.Errorf("%s: Init(%d, 0): cwnd = %d, want %d", cc.Name(), tc.mss, got, tc.want)
			}
			// RFC 5681 §3.1: ssthresh starts "arbitrarily high".
			if got := cc.Ssthresh(); got != tcpstate.InitialSsthresh {
				t.Errorf("%s: Init(%d, 0): ssthresh = %d, want %d", cc.Name(), tc.mss, got, tcpstate.InitialSsthresh)
			}
		}
	}
}

func TestCCInitExplicitWindow(t *testing.T) {
	for _, cc := range ccAlgorithms() {
		// RFC 5681 §3.1: after a lost SYN the initial window is one
		// segment.
		cc.Init(1460, 1460)
		if cc.CWnd() != 1460 {
			t.Errorf("%s: Init(1460, 1460): cwnd = %d, want 1460", cc.Name(), cc.CWnd())
		}
		// Never below one segment.
		cc.Init(1460, 100)
		if cc.CWnd() != 1460 {
			t.Errorf("%s: Init(1460, 100): cwnd = %d, want 1460", cc.Name(), cc.CWnd())
		}
		// Init forgets everything, including a loss.
		cc.OnTimeout(ccT0, 100000)
		cc.Init(1460, 0)
		if cc.CWnd() != 14600 || cc.Ssthresh() != tcpstate.InitialSsthresh || cc.InRecovery() {
			t.Errorf("%s: Init after timeout: cwnd %d ssthresh %d recovery %v", cc.Name(), cc.CWnd(), cc.Ssthresh(), cc.InRecovery())
		}
	}
}

func TestCCByName(t *testing.T) {
	names := tcpstate.CongestionControlNames()
	if strings.Join(names, ",") != "newreno,cubic" {
		t.Fatalf("names = %v, want [newreno cubic]", names)
	}
	for _, name := range names {
		cc, err := tcpstate.CongestionControlByName(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cc.Name() != name {
			t.Errorf("CongestionControlByName(%q).Name() = %q", name, cc.Name())
		}
	}
	_, err := tcpstate.CongestionControlByName("vegas")
	const want = `tcpstate: unknown congestion control "vegas" (want newreno or cubic)`
	if err == nil || err.Error() != want {
		t.Errorf("unknown name: err = %v, want %s", err, want)
	}
}

// TestCCSlowStartDoubles: with one ACK per segment, slow start adds one
// SMSS per ACK (RFC 5681 §3.1 equation (2)), so cwnd doubles every
// round trip, for both algorithms.
func TestCCSlowStartDoubles(t *testing.T) {
	for _, cc := range ccAlgorithms() {
		cc.Init(1460, 0)
		now := ccT0
		want := 14600
		for round := 1; round <= 6; round++ {
			now = ccRound(cc, now, 1460, 100*time.Millisecond)
			want *= 2
			if cc.CWnd() != want {
				t.Fatalf("%s: after round %d: cwnd = %d, want %d", cc.Name(), round, cc.CWnd(), want)
			}
		}
	}
}

// TestCCSlowStartByteCounting: an ACK of N bytes adds min(N, SMSS) (RFC
// 5681 §3.1 equation (2)): ACK division does not inflate cwnd, and a
// stretch ACK adds one SMSS only.
func TestCCSlowStartByteCounting(t *testing.T) {
	for _, cc := range ccAlgorithms() {
		cc.Init(1460, 0)
		cc.OnAck(ccT0, 100, 0, 14600)
		cc.OnAck(ccT0, 100, 0, 14600)
		if cc.CWnd() != 14800 {
			t.Errorf("%s: two 100-byte ACKs: cwnd = %d, want 14800", cc.Name(), cc.CWnd())
		}
		cc.OnAck(ccT0, 4*1460, 0, 14800)
		if cc.CWnd() != 16260 {
			t.Errorf("%s: a 4-segment ACK: cwnd = %d, want 16260", cc.Name(), cc.CWnd())
		}
		// Zero and negative acked are not ACKs of new data.
		cc.OnAck(ccT0, 0, 0, 16260)
		cc.OnAck(ccT0, -1460, 0, 16260)
		if cc.CWnd() != 16260 {
			t.Errorf("%s: empty ACKs changed cwnd to %d", cc.Name(), cc.CWnd())
		}
	}
}

// TestCCNotGrowingUnusedWindow: a sender using less than half its cwnd
// (application- or rwnd-limited) does not grow it (RFC 7661).
func TestCCNotGrowingUnusedWindow(t *testing.T) {
	for _, cc := range ccAlgorithms() {
		cc.Init(1460, 0)
		cc.OnAck(ccT0, 1460, 0, 7299) // 2*7299 < 14600
		if cc.CWnd() != 14600 {
			t.Errorf("%s: FlightSize 7299 of 14600: cwnd grew to %d", cc.Name(), cc.CWnd())
		}
		cc.OnAck(ccT0, 1460, 0, 7300) // exactly half in use: validated
		if cc.CWnd() != 16060 {
			t.Errorf("%s: FlightSize 7300 of 14600: cwnd = %d, want 16060", cc.Name(), cc.CWnd())
		}
	}
}

func TestCCRecoveryInflation(t *testing.T) {
	for _, cc := range ccAlgorithms() {
		cc.Init(1000, 0)
		// Outside recovery these do nothing.
		cc.OnDupAck(ccT0)
		cc.OnPartialAck(ccT0, 1000)
		cc.OnRecoveryExit(ccT0, 0)
		if cc.CWnd() != 10000 || cc.InRecovery() {
			t.Fatalf("%s: recovery calls outside recovery: cwnd %d, recovery %v", cc.Name(), cc.CWnd(), cc.InRecovery())
		}
		cc.OnFastRetransmit(ccT0, 10000, 3)
		ss := cc.Ssthresh() // 5000 for NewReno, 7000 for CUBIC
		// RFC 5681 §3.2 step 3: cwnd = ssthresh + 3*SMSS.
		if !cc.InRecovery() || cc.CWnd() != ss+3000 {
			t.Fatalf("%s: fast retransmit: cwnd %d, want ssthresh %d + 3000", cc.Name(), cc.CWnd(), ss)
		}
		// Step 4: +SMSS per further duplicate ACK.
		cc.OnDupAck(ccT0)
		cc.OnDupAck(ccT0)
		if cc.CWnd() != ss+5000 {
			t.Errorf("%s: two dup ACKs: cwnd %d, want %d", cc.Name(), cc.CWnd(), ss+5000)
		}
		// RFC 6582 §3.2 step 3: a partial ACK of 2500 bytes deflates by
		// 2500 and adds back one SMSS; one of 400 bytes (< SMSS) only
		// deflates.
		cc.OnPartialAck(ccT0, 2500)
		if cc.CWnd() != ss+3500 {
			t.Errorf("%s: partial ACK 2500: cwnd %d, want %d", cc.Name(), cc.CWnd(), ss+3500)
		}
		cc.OnPartialAck(ccT0, 400)
		if cc.CWnd() != ss+3100 {
			t.Errorf("%s: partial ACK 400: cwnd %d, want %d", cc.Name(), cc.CWnd(), ss+3100)
		}
		// A new ACK during recovery does not grow cwnd; a second fast
		// retransmit in the same recovery does not reduce again (RFC
		// 6582 §3.2 step 2).
		cc.OnAck(ccT0, 1000, 0, 100000)
		cc.OnFastRetransmit(ccT0, 2000, 3)
		if cc.CWnd() != ss+3100 || cc.Ssthresh() != ss {
			t.Errorf("%s: ACK and fast retransmit in recovery: cwnd %d ssthresh %d, want %d %d", cc.Name(), cc.CWnd(), cc.Ssthresh(), ss+3100, ss)
		}
		// Full ACK with plenty outstanding: cwnd = ssthresh (RFC 6582
		// §3.2 step 3).
		cc.OnRecoveryExit(ccT0, ss)
		if cc.InRecovery() || cc.CWnd() != ss {
			t.Errorf("%s: recovery exit: cwnd %d, want ssthresh %d", cc.Name(), cc.CWnd(), ss)
		}
	}
}

func TestCCRecoveryExitSmallFlight(t *testing.T) {
	for _, cc := range ccAlgorithms() {
		cc.Init(1000, 20000)
		cc.OnFastRetransmit(ccT0, 20000, 3)
		// RFC 6582 §3.2 step 3 option (1): min(ssthresh,
		// max(FlightSize, SMSS) + SMSS) = min(ss, 2500 + 1000).
		cc.OnRecoveryExit(ccT0, 2500)
		if cc.CWnd() != 3500 {
			t.Errorf("%s: exit with FlightSize 2500: cwnd %d, want 3500", cc.Name(), cc.CWnd())
		}
		// Nothing outstanding: max(0, SMSS) + SMSS.
		cc.OnFastRetransmit(ccT0, 20000, 3)
		cc.OnRecoveryExit(ccT0, 0)
		if cc.CWnd() != 2000 {
			t.Errorf("%s: exit with FlightSize 0: cwnd %d, want 2000", cc.Name(), cc.CWnd())
		}
		// Below ssthresh again: slow start.
		cc.OnAck(ccT0, 1000, 0, 2000)
		if cc.CWnd() != 3000 {
			t.Errorf("%s: ACK after exit: cwnd %d, want 3000 (slow start)", cc.Name(), cc.CWnd())
		}
	}
}

// TestCCSACKRecovery: a SACK sender passes dupAcks = 0 and gets cwnd =
// ssthresh (RFC 6675 §5 step 4.2).
func TestCCSACKRecovery(t *testing.T) {
	for _, cc := range ccAlgorithms() {
		cc.Init(1000, 0)
		cc.OnFastRetransmit(ccT0, 10000, 0)
		if cc.CWnd() != cc.Ssthresh() {
			t.Errorf("%s: cwnd %d, want ssthresh %d", cc.Name(), cc.CWnd(), cc.Ssthresh())
		}
	}
}

// ccOp is one call drawn by the property test.
type ccOp struct {
	kind     int
	advance  time.Duration
	acked    int
	inFlight int
	rtt      time.Duration
	dupAcks  int
}

func (op ccOp) apply(cc tcpstate.CongestionControl, now time.Time) {
	switch op.kind {
	case 0, 1, 2: // ACKs are the common event
		cc.OnAck(now, op.acked, op.rtt, op.inFlight)
	case 3:
		cc.OnFastRetransmit(now, op.inFlight, op.dupAcks)
	case 4:
		cc.OnDupAck(now)
	case 5:
		cc.OnPartialAck(now, op.acked)
	case 6:
		cc.OnRecoveryExit(now, op.inFlight)
	case 7:
		cc.OnTimeout(now, op.inFlight)
	}
}

// TestCCProperties throws random event sequences, including nonsense
// (negative bytes, recovery calls outside recovery, time going back), at
// both algorithms and checks after every call: SMSS <= cwnd <= MaxWindow;
// ssthresh stays InitialSsthresh until the first loss and is at least
// 2*SMSS (RFC 5681 equation (4)) and at most MaxWindow after it; the
// same calls on a fresh instance give the same windows (determinism).
//
// More cases: go test ./tcpstate -run TestCCProperties -rapid.checks=20000
func TestCCProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		name := rapid.SampledFrom(tcpstate.CongestionControlNames()).Draw(t, "cc")
		mss := rapid.OneOf(rapid.SampledFrom([]int{536, 1000, 1460, 9000}), rapid.IntRange(-10, 70000)).Draw(t, "mss")
		iw := rapid.IntRange(-1, 200000).Draw(t, "iw")
		smss := mss
		if smss < 1 {
			smss = 536
		}
		smss = min(smss, 65535)
		ops := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) ccOp {
			return ccOp{
				kind:     rapid.IntRange(0, 7).Draw(t, "kind"),
				advance:  time.Duration(rapid.IntRange(-1000, 2_000_000).Draw(t, "advanceµs")) * time.Microsecond,
				acked:    rapid.OneOf(rapid.IntRange(-10, 3*smss), rapid.Int()).Draw(t, "acked"),
				inFlight: rapid.OneOf(rapid.IntRange(-10, 2_000_000), rapid.Int()).Draw(t, "inFlight"),
				rtt:      time.Duration(rapid.IntRange(-1, 3_000_000).Draw(t, "rttµs")) * time.Microsecond,
				dupAcks:  rapid.IntRange(-1, 5).Draw(t, "dupAcks"),
			}
		}), 50, 400).Draw(t, "ops")

		run := func() [][2]int {
			cc, err := tcpstate.CongestionControlByName(name)
			if err != nil {
				t.Fatal(err)
			}
			cc.Init(mss, iw)
			lost := false
			now := ccT0
			var got [][2]int
			for i, op := range ops {
				now = now.Add(op.advance)
				op.apply(cc, now)
				if op.kind == 3 || op.kind == 7 {
					lost = true
				}
				cw, ss := cc.CWnd(), cc.Ssthresh()
				if cw < smss || cw > tcpstate.MaxWindow {
					t.Fatalf("op %d %+v: cwnd %d outside [%d, %d]", i, op, cw, smss, tcpstate.MaxWindow)
				}
				if !lost && ss != tcpstate.InitialSsthresh {
					t.Fatalf("op %d %+v: ssthresh %d changed before any loss", i, op, ss)
				}
				if lost && (ss < 2*smss || ss > tcpstate.MaxWindow) {
					t.Fatalf("op %d %+v: ssthresh %d outside [%d, %d] after a loss", i, op, ss, 2*smss, tcpstate.MaxWindow)
				}
				got = append(got, [2]int{cw, ss})
			}
			return got
		}
		a, b := run(), run()
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("two runs of the same calls differ:\n%v\n%v", a, b)
		}
	})
}

// A sender starts in slow start with the RFC 6928 initial window, and
// halves its window on a fast retransmit.
func ExampleNewNewReno() {
	cc := tcpstate.NewNewReno()
	cc.Init(1460, 0)
	fmt.Println("initial:", cc.CWnd())

	now := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 10 { // one ACK per segment of the first flight
		cc.OnAck(now, 1460, 100*time.Millisecond, cc.CWnd())
	}
	fmt.Println("after one round trip:", cc.CWnd())

	cc.OnFastRetransmit(now, cc.CWnd(), 3)
	fmt.Println("fast retransmit:", cc.CWnd(), cc.Ssthresh())
	cc.OnRecoveryExit(now, cc.Ssthresh())
	fmt.Println("recovered:", cc.CWnd())
	// Output:
	// initial: 14600
	// after one round trip: 29200
	// fast retransmit: 18980 14600
	// recovered: 14600
}

// After a loss with 100 segments in flight, CUBIC's window follows
// W_cubic(t) = 0.4*(t-K)^3 + 100 segments: back to W_max = 100 at
// t = K = cbrt(100*(1-0.7)/0.4) seconds, whatever the RTT.
// W_cubic(2) = 95.64 and W_cubic(K) = 100.
func ExampleNewCubic() {
	cc := tcpstate.NewCubic()
	cc.Init(1000, 100*1000)
	now := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	cc.OnFastRetransmit(now, 100*1000, 3)
	cc.OnRecoveryExit(now, cc.Ssthresh())
	fmt.Println("after the loss:", cc.CWnd(), "bytes")

	const rtt = 100 * time.Millisecond
	for round := 1; round <= 42; round++ {
		// One ACK per segment, spread over the round trip.
		n := cc.CWnd() / 1000
		for i := range n {
			cc.OnAck(now.Add(time.Duration(i)*rtt/time.Duration(n)), 1000, rtt, cc.CWnd())
		}
		now = now.Add(rtt)
		if round == 1 {
			k, _ := cc.K()
			fmt.Printf("K = %.3f s\n", k)
		}
		if round == 20 || round == 42 {
			fmt.Printf("t = %.1f s: %.1f segments\n", float64(round)*rtt.Seconds(), float64(cc.CWnd())/1000)
		}
	}
	// Output:
	// after the loss: 70000 bytes
	// K = 4.217 s
	// t = 2.0 s: 95.6 segments
	// t = 4.2 s: 100.0 segments
}
