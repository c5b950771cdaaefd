package tcpstate_test

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// TestPropertyRandomSegments drives a connection into one of the states of
// RFC 9293 §3.3.2 through the real API (a real peer, a perfect network),
// then throws random inputs at it: forged segments with every flag
// combination and sequence and acknowledgment numbers near and far from
// what the connection expects, real segments delivered, dropped or left
// in flight, time advancing, and application calls. After every input the
// world (invariants_test.go) checks the TCB, the segments sent, the
// timers and the events.
//
// Run more cases with: go test ./tcpstate -run TestPropertyRandomSegments -rapid.checks=10000
func TestPropertyRandomSegments(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfgs := [2]tcpstate.Config{propDrawConfig(t, "A"), propDrawConfig(t, "B")}
		iss := [2]seqnum.Value{propDrawISS(t, "issA"), propDrawISS(t, "issB")}
		w := propNewWorld(t, cfgs, iss)
		if rapid.Bool().Draw(t, "ipv6") {
			w.addrs = propAddrs6
		}
		fx := rapid.SampledFrom(propFixtures).Draw(t, "fixture")
		subject := fx.run(w, rapid.Bool().Draw(t, "listenAny"), rapid.IntRange(0, 1).Draw(t, "side"))
		steps := rapid.IntRange(20, 300).Draw(t, "steps")
		for range steps {
			propRandomStep(t, w, subject)
		}
	})
}

// propRandomStep draws and applies one input.
func propRandomStep(t *rapid.T, w *propWorld, subject int) {
	end := rapid.IntRange(0, 1).Draw(t, "end")
	switch k := rapid.IntRange(0, 99).Draw(t, "action"); {
	case k < 40:
		seg := propDrawSegment(t, w, subject)
		w.handle(subject, seg)
	case k < 55:
		w.deliver(end)
	case k < 60:
		w.drop(end)
	case k < 70:
		w.advance(propDrawAdvance(t, w))
	case k < 77:
		w.write(end, propDrawSize(t, "writeLen"))
	case k < 85:
		w.readN(end, propDrawSize(t, "readLen"))
	case k < 90:
		w.close(end)
	case k < 93:
		w.abort(end)
	case k < 97:
		w.spurious(end)
	default:
		if w.ends[end].opened {
			w.reopen(end, rapid.Bool().Draw(t, "reopenListen"))
		}
	}
}

// TestPropertyLossyTransfer connects two connections through a network
// that drops, duplicates, delays and reorders segments, has each write a
// random amount of data in random pieces, read it in random pieces, and
// close. It checks what TCP promises the application (RFC 9293 §2.6, §3.8):
// every byte arrives exactly once and in order, and both ends reach CLOSED
// (through TIME-WAIT for the side that closed first) in bounded virtual
// time, without error. The world checks its invariants after every input
// on the way.
//
// This tcpstate has no out-of-order queue yet: out-of-order data is
// dropped and retransmitted after RTO, so the bounds are generous. The
// bound on events also catches ACK wars (two ends answering each other's
// ACKs for ever, see TestRegressAckWarAtWindowEdge).
func TestPropertyLossyTransfer(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		propLossyTransfer(t)
	})
}

// TestPropertyResetIsFresh checks Conn.Reset: "a new connection in the
// CLOSED state with cfg, as NewConn would, forgetting everything about its
// previous life". Two connections live a random first life (inputs of the
// fuzz target, see fzRun: one of its seeds then random operations), are
// Reset, and then go through a second random scenario; two brand-new
// connections go through the same scenario. Everything observable must be
// the same: every segment, verdict, state, event, application call result
// and TCB, at the same relative times.
func TestPropertyResetIsFresh(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		input := func(label string) []byte {
			seed := rapid.SampledFrom(fzSeeds).Draw(t, label+"Seed").data
			return append(slices.Clone(seed), rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(t, label+"Ops")...)
		}
		life, scenario := input("firstLife"), input("scenario")
		h0, h1 := scenario[0], scenario[1]
		cfgs := fzConfigs(h0, h1)

		fresh := propNewWorld(t, cfgs, fzISS)
		fresh.record = true
		fzOpen(fresh, h0)
		fzOps(fresh, &fzReader{b: scenario[2:]})

		reused := propNewWorld(t, fzConfigs(life[0], life[1]), fzISS)
		fzOpen(reused, life[0])
		fzOps(reused, &fzReader{b: life[2:]})
		reused.reset(cfgs, fzISS)
		fzOpen(reused, h0)
		fzOps(reused, &fzReader{b: scenario[2:]})

		for k := range max(len(fresh.transcript), len(reused.transcript)) {
			var a, b string
			if k < len(fresh.transcript) {
				a = fresh.transcript[k]
			}
			if k < len(reused.transcript) {
				b = reused.transcript[k]
			}
			if a != b {
				t.Fatalf("after Reset, step %d differs from a new connection's:\nnew:   %s\nreset: %s", k, a, b)
			}
		}
	})
}

// propFlight is a segment on its way.
type propFlight struct {
	at  time.Time
	to  int
	seg tcpstate.Segment
}

func propLossyTransfer(t *rapid.T) {
	// An impaired network (loss, duplication, reordering) or a perfect
	// FIFO one. Receive buffers may be small either way: windows close, and
	// a window update that is lost, or overtaken by an older zero-window
	// ACK that RFC 9293's SND.WL1/SND.WL2 test cannot tell apart (same SEQ
	// and ACK), is repaired by zero-window probing (§3.8.6.1).
	impaired := rapid.Bool().Draw(t, "impaired")
	dropPct, dupPct := 0, 0
	if impaired {
		dropPct = rapid.IntRange(0, 20).Draw(t, "dropPct")
		dupPct = rapid.IntRange(0, 10).Draw(t, "dupPct")
	}
	maxDelay := time.Duration(rapid.IntRange(1, 200).Draw(t, "maxDelayMs")) * time.Millisecond
	simultaneous := rapid.Bool().Draw(t, "simultaneousOpen")
	var size [2]int
	var cfgs [2]tcpstate.Config
	for i := range cfgs {
		cfg := tcpstate.DefaultConfig()
		cfg.SendBuffer = rapid.SampledFrom([]int{8192, 1, 100, 1000}).Draw(t, "sendBuffer")
		cfg.RecvBuffer = rapid.SampledFrom([]int{65535, 1, 100, 1000, 5000}).Draw(t, "recvBuffer")
		cfgs[i] = cfg
	}
	for i := range cfgs {
		// At most 20 send buffers or receive windows' worth (and 20 kB),
		// so that the number of round trips stays bounded.
		limit := min(20*cfgs[i].SendBuffer, 20*cfgs[1-i].RecvBuffer, 20000)
		switch rapid.IntRange(0, 2).Draw(t, "sizeKind") {
		case 0:
			size[i] = rapid.IntRange(0, min(limit, 100)).Draw(t, "size")
		case 1:
			size[i] = rapid.IntRange(0, limit).Draw(t, "size")
		default:
			size[i] = rapid.IntRange(limit/2, limit).Draw(t, "size")
		}
	}
	for i := range cfgs {
		cfg := cfgs[i]
		cfg.WindowScale = rapid.Bool().Draw(t, "wscale")
		cfg.Timestamps = rapid.Bool().Draw(t, "timestamps")
		cfg.SACKPermitted = rapid.Bool().Draw(t, "sack")
		cfg.MSS = rapid.SampledFrom([]uint16{0, 100, 536}).Draw(t, "mss")
		if rapid.Bool().Draw(t, "trace") {
			cfg.Trace = func(tcpstate.TraceEvent) {} // the world records and checks the trace
		}
		// Segments live at most maxDelay in this network, well under MSL
		// (RFC 9293 §3.4.2); retransmissions back off to at most 4 s and
		// are retried often enough that 20% loss cannot exhaust them.
		cfg.MSL = 5 * time.Second
		cfg.MaxRTO = 4 * time.Second
		cfg.SynRetries, cfg.DataRetries = 40, 40
		cfgs[i] = cfg
	}
	iss := [2]seqnum.Value{propDrawISS(t, "issA"), propDrawISS(t, "issB")}
	w := propNewWorld(t, cfgs, iss)
	if rapid.Bool().Draw(t, "ipv6") {
		w.addrs = propAddrs6
	}

	// The network: a queue ordered by delivery time, then by sending order.
	var flights []propFlight
	var last [2]time.Time // latest delivery time toward each end
	schedule := func(to int, seg tcpstate.Segment, at time.Time) {
		if !impaired {
			at = propLater(at, last[to]) // FIFO
		}
		last[to] = propLater(at, last[to])
		k := len(flights)
		for k > 0 && flights[k-1].at.After(at) {
			k--
		}
		flights = slices.Insert(flights, k, propFlight{at, to, seg})
	}
	w.onSend = func(from int, seg tcpstate.Segment) {
		// Draws shrink toward 0: delivered once, after the shortest delay.
		if rapid.IntRange(0, 99).Draw(t, "loss") >= 100-dropPct {
			w.logf("lost %v", seg)
			return
		}
		schedule(1-from, seg, w.now.Add(time.Millisecond+time.Duration(rapid.Int64Range(0, int64(maxDelay)).Draw(t, "delay"))))
		if rapid.IntRange(0, 99).Draw(t, "dup") >= 100-dupPct {
			seg.Payload = slices.Clone(seg.Payload)
			schedule(1-from, seg, w.now.Add(time.Millisecond+time.Duration(rapid.Int64Range(0, int64(maxDelay)).Draw(t, "dupDelay"))))
		}
	}

	if simultaneous {
		// RFC 9293 §3.5 Figure 7: both ends open actively at once.
		w.connect(0)
		w.connect(1)
	} else {
		w.listen(1, w.addrs[1])
		w.connect(0)
	}

	// app plays the application of end i: write the stream in pieces, read
	// what arrived, close once everything is written. Unless forced, each
	// call may also do nothing this time. It reports whether it made
	// progress.
	app := func(i int, force bool) bool {
		e := w.ends[i]
		progress := false
		st := e.c.State()
		if e.written < size[i] && !e.closeCalled && st != tcpstate.Listen && st != tcpstate.Closed &&
			(force || rapid.Bool().Draw(t, "writeNow")) {
			n := min(rapid.IntRange(1, 4000).Draw(t, "writeLen"), size[i]-e.written)
			got, err := w.write(i, n)
			if err != nil && !errors.Is(err, tcpstate.ErrWouldBlock) {
				w.fail("%s: Write in %s: %v", e.name, st, err)
			}
			progress = progress || got > 0
		}
		if !e.eof && (force || rapid.Bool().Draw(t, "readNow")) {
			n := rapid.IntRange(1, 4000).Draw(t, "readLen")
			if force {
				n = 1 << 20
			}
			got, err := w.readN(i, n)
			progress = progress || got > 0 || errors.Is(err, io.EOF)
		}
		st = e.c.State()
		if e.written == size[i] && !e.closeCalled && (st == tcpstate.Established || st == tcpstate.CloseWait) &&
			(force || rapid.Bool().Draw(t, "closeNow")) {
			if err := w.close(i); err != nil {
				w.fail("%s: Close in %s: %v", e.name, st, err)
			}
			progress = true
		}
		return progress
	}
	done := func() bool {
		for _, e := range w.ends {
			if e.c.State() != tcpstate.Closed || !e.eof {
				return false
			}
		}
		return true
	}

	const (
		maxVirtual = 2 * time.Hour
		maxEvents  = 20000
	)
	for events := 0; !done(); events++ {
		if events > maxEvents {
			w.fail("no end after %d events", maxEvents)
		}
		app(0, false)
		app(1, false)
		next := w.nextTimeout()
		if len(flights) > 0 && (next.IsZero() || flights[0].at.Before(next)) {
			next = flights[0].at
		}
		if next.IsZero() {
			// Nothing in flight and no timer: only the applications can
			// move things on. If they cannot either, the connection is
			// stuck for ever.
			if !app(0, true) && !app(1, true) && !done() {
				w.fail("stuck: nothing in flight, no timer, applications done (Err %v / %v)", w.ends[0].c.Err(), w.ends[1].c.Err())
			}
			continue
		}
		if next.Sub(propEpoch) > maxVirtual {
			w.fail("still not done after %v of virtual time", maxVirtual)
		}
		w.now = next
		for len(flights) > 0 && !flights[0].at.After(w.now) {
			f := flights[0]
			flights = flights[1:]
			w.handle(f.to, f.seg)
		}
		w.fireDue()
		w.checkAll()
	}

	for i, e := range w.ends {
		peer := w.ends[1-i]
		want := make([]byte, size[1-i])
		for k := range want {
			want[k] = propPattern(1-i, k)
		}
		if !bytes.Equal(e.read, want) {
			n := 0
			for n < min(len(e.read), len(want)) && e.read[n] == want[n] {
				n++
			}
			w.fail("%s read %d bytes, %s wrote %d: first difference at offset %d", e.name, len(e.read), peer.name, len(want), n)
		}
		if e.c.Err() != nil {
			w.fail("%s ended with %v", e.name, e.c.Err())
		}
	}
}

func propLater(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// ---- fixtures: reaching each state through the real API ----

// propFixture drives the world to a state and returns the end that is in
// it (the subject of the random inputs that follow). side picks the end
// where the fixture is symmetric; listenAny makes the server listen on the
// unspecified address.
type propFixture struct {
	name string
	run  func(w *propWorld, listenAny bool, side int) int
}

func (f propFixture) String() string { return f.name }

// propExpect fails unless end i is in state want.
func propExpect(w *propWorld, i int, want tcpstate.State) {
	w.t.Helper()
	if got := w.ends[i].c.State(); got != want {
		w.fail("fixture: %s in %s, want %s", w.ends[i].name, got, want)
	}
}

// propListenAddr is where end 1 listens: its address, or the unspecified
// address of its family.
func propListenAddr(w *propWorld, listenAny bool) netip.AddrPort {
	if !listenAny {
		return w.addrs[1]
	}
	if w.addrs[1].Addr().Is4() {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), w.addrs[1].Port())
	}
	return netip.AddrPortFrom(netip.IPv6Unspecified(), w.addrs[1].Port())
}

// propEstablish runs the three-way handshake, A active, B passive.
func propEstablish(w *propWorld, listenAny bool) {
	w.t.Helper()
	w.listen(1, propListenAddr(w, listenAny))
	w.connect(0)
	w.flush(10)
	propExpect(w, 0, tcpstate.Established)
	propExpect(w, 1, tcpstate.Established)
}

var propFixtures = []propFixture{
	{"CLOSED (never opened)", func(w *propWorld, _ bool, side int) int {
		return side
	}},
	{"LISTEN", func(w *propWorld, listenAny bool, _ int) int {
		w.listen(1, propListenAddr(w, listenAny))
		return 1
	}},
	{"SYN-SENT", func(w *propWorld, listenAny bool, _ int) int {
		w.listen(1, propListenAddr(w, listenAny))
		w.connect(0) // the SYN stays in flight
		propExpect(w, 0, tcpstate.SynSent)
		return 0
	}},
	{"SYN-RECEIVED (passive)", func(w *propWorld, listenAny bool, _ int) int {
		w.listen(1, propListenAddr(w, listenAny))
		w.connect(0)
		w.deliver(0) // the SYN-ACK stays in flight
		propExpect(w, 1, tcpstate.SynReceived)
		return 1
	}},
	{"SYN-RECEIVED (simultaneous open)", func(w *propWorld, _ bool, side int) int {
		w.connect(0)
		w.connect(1)
		w.deliver(1 - side)
		propExpect(w, side, tcpstate.SynReceived)
		return side
	}},
	{"ESTABLISHED", func(w *propWorld, listenAny bool, side int) int {
		propEstablish(w, listenAny)
		return side
	}},
	{"ESTABLISHED (simultaneous open)", func(w *propWorld, _ bool, side int) int {
		w.connect(0)
		w.connect(1)
		w.flush(10)
		propExpect(w, 0, tcpstate.Established)
		propExpect(w, 1, tcpstate.Established)
		return side
	}},
	{"FIN-WAIT-1", func(w *propWorld, listenAny bool, side int) int {
		propEstablish(w, listenAny)
		w.close(side) // the FIN stays in flight
		propExpect(w, side, tcpstate.FinWait1)
		return side
	}},
	{"FIN-WAIT-2", func(w *propWorld, listenAny bool, side int) int {
		propEstablish(w, listenAny)
		w.close(side)
		w.flush(10)
		// With QuickACK the peer delays the ACK of a FIN (its own FIN
		// may ride on it); the delayed-ACK timer sends it.
		w.advance(50 * time.Millisecond)
		w.flush(10)
		propExpect(w, side, tcpstate.FinWait2)
		return side
	}},
	{"CLOSE-WAIT", func(w *propWorld, listenAny bool, side int) int {
		propEstablish(w, listenAny)
		w.close(1 - side)
		w.flush(10)
		propExpect(w, side, tcpstate.CloseWait)
		return side
	}},
	{"CLOSING", func(w *propWorld, listenAny bool, side int) int {
		propEstablish(w, listenAny)
		w.close(0)
		w.close(1)
		w.deliver(1 - side) // the peer's FIN arrives before the ACK of ours
		propExpect(w, side, tcpstate.Closing)
		return side
	}},
	{"LAST-ACK", func(w *propWorld, listenAny bool, side int) int {
		propEstablish(w, listenAny)
		w.close(1 - side)
		w.flush(10)
		w.close(side) // the FIN stays in flight
		propExpect(w, side, tcpstate.LastAck)
		return side
	}},
	{"TIME-WAIT", func(w *propWorld, listenAny bool, side int) int {
		propEstablish(w, listenAny)
		w.close(side)
		w.flush(10)
		w.close(1 - side)
		w.deliver(1 - side)
		propExpect(w, side, tcpstate.TimeWait)
		return side
	}},
	{"CLOSED (after TIME-WAIT)", func(w *propWorld, listenAny bool, side int) int {
		propEstablish(w, listenAny)
		w.close(side)
		w.flush(10)
		w.close(1 - side)
		w.flush(10)
		w.advance(2*w.ends[side].cfg.MSL + time.Second)
		propExpect(w, side, tcpstate.Closed)
		return side
	}},
	{"CLOSED (aborted)", func(w *propWorld, listenAny bool, side int) int {
		propEstablish(w, listenAny)
		w.abort(side) // the RST stays in flight
		return side
	}},
}

// ---- draws ----

// propDrawConfig draws a configuration: options on or off, small and large
// buffers, MSS from tiny to default, short MSL and few retries so that
// timeouts happen within the steps of a test.
func propDrawConfig(t *rapid.T, label string) tcpstate.Config {
	cfg := tcpstate.DefaultConfig()
	cfg.WindowScale = rapid.Bool().Draw(t, label+".wscale")
	cfg.SACKPermitted = rapid.Bool().Draw(t, label+".sack")
	cfg.Timestamps = rapid.Bool().Draw(t, label+".timestamps")
	cfg.SendBuffer = rapid.SampledFrom([]int{3000, 1, 100, 2048}).Draw(t, label+".sendBuffer")
	bufs := []int{65535, 1, 100, 3000}
	if cfg.WindowScale {
		bufs = append(bufs, 100000, 1<<20, 65535<<tcpstate.MaxWindowShift)
	}
	cfg.RecvBuffer = rapid.SampledFrom(bufs).Draw(t, label+".recvBuffer")
	cfg.MSS = rapid.SampledFrom([]uint16{0, 1, 64, 536}).Draw(t, label+".mss")
	cfg.MSL = rapid.SampledFrom([]time.Duration{time.Second, 30 * time.Second, 2 * time.Minute}).Draw(t, label+".msl")
	cfg.MaxRTO = rapid.SampledFrom([]time.Duration{60 * time.Second, time.Second, 4 * time.Second}).Draw(t, label+".maxRTO")
	cfg.SynRetries = rapid.IntRange(0, 7).Draw(t, label+".synRetries")
	cfg.DataRetries = rapid.IntRange(0, 8).Draw(t, label+".dataRetries")
	cfg.InvalidACKInterval = rapid.SampledFrom([]time.Duration{500 * time.Millisecond, 0, time.Millisecond}).Draw(t, label+".invalidACKInterval")
	// The Linux profile's departures from the RFC defaults, each on its
	// own, with the values the checks below must hold under.
	cfg.SYNWindowSegments = rapid.Bool().Draw(t, label+".synWindowSegments")
	cfg.WindowRoundUp = rapid.Bool().Draw(t, label+".windowRoundUp")
	cfg.WindowGrowth = rapid.Bool().Draw(t, label+".windowGrowth")
	cfg.EmptyWindowProbes = rapid.Bool().Draw(t, label+".emptyWindowProbes")
	cfg.AbortWithACK = rapid.Bool().Draw(t, label+".abortWithACK")
	cfg.NagleMinshall = rapid.Bool().Draw(t, label+".nagleMinshall")
	cfg.Nagle = cfg.NagleMinshall || rapid.Bool().Draw(t, label+".nagle")
	cfg.SynLinearTimeouts = uint8(rapid.IntRange(0, 4).Draw(t, label+".synLinearTimeouts"))
	if cfg.WindowScale {
		for shift := rapid.IntRange(0, 7).Draw(t, label+".minWindowShift"); shift > 0; shift-- {
			if cfg.RecvBuffer >= 16<<shift {
				cfg.MinWindowShift = uint8(shift)
				break
			}
		}
	}
	if rapid.Bool().Draw(t, label+".quickACK") {
		cfg.QuickACK, cfg.DelayedACK = true, 40*time.Millisecond
	}
	if rapid.Bool().Draw(t, label+".trace") {
		cfg.Trace = func(tcpstate.TraceEvent) {} // the world records and checks the trace
	}
	return cfg
}

// propDrawISS draws an ISN, mostly close below 2^32 so that sequence
// numbers wrap during the test (DESIGN.md §5).
func propDrawISS(t *rapid.T, label string) seqnum.Value {
	switch rapid.IntRange(0, 4).Draw(t, label+".kind") {
	case 0:
		return seqnum.Value(0xffffffff - rapid.IntRange(0, 3000).Draw(t, label+".below"))
	case 1:
		return 0
	case 2:
		return 1 << 31
	default:
		return seqnum.Value(rapid.Uint32().Draw(t, label))
	}
}

// propDrawSize draws a Write or Read length.
func propDrawSize(t *rapid.T, label string) int {
	switch rapid.IntRange(0, 3).Draw(t, label+".kind") {
	case 0:
		return rapid.IntRange(1, 10).Draw(t, label)
	case 1:
		return 0
	case 2:
		return rapid.IntRange(10, 1500).Draw(t, label)
	default:
		return rapid.IntRange(1500, 70000).Draw(t, label)
	}
}

// propDrawAdvance draws a step of virtual time: short, about an RTO, up to
// the next deadline (exactly or just before), or past 2 MSL.
func propDrawAdvance(t *rapid.T, w *propWorld) time.Duration {
	next := w.nextTimeout()
	switch rapid.IntRange(0, 6).Draw(t, "advanceKind") {
	case 0:
		return time.Millisecond
	case 1:
		if !next.IsZero() {
			return next.Sub(w.now)
		}
		return time.Second
	case 2:
		if !next.IsZero() {
			return next.Sub(w.now) - time.Nanosecond
		}
		return 0
	case 3:
		return time.Second
	case 4:
		return 2*max(w.ends[0].cfg.MSL, w.ends[1].cfg.MSL) + time.Second
	case 5:
		return 10 * time.Minute
	default:
		return time.Duration(rapid.Int64Range(0, int64(5*time.Second)).Draw(t, "advance"))
	}
}

// propFlagSets are the flag combinations worth trying, valid or not; a
// last choice draws any 8 bits.
var propFlagSets = []tcpstate.Flags{
	tcpstate.ACK,
	tcpstate.SYN,
	tcpstate.SYN | tcpstate.ACK,
	tcpstate.RST,
	tcpstate.RST | tcpstate.ACK,
	tcpstate.FIN | tcpstate.ACK,
	tcpstate.PSH | tcpstate.ACK,
	tcpstate.FIN | tcpstate.PSH | tcpstate.ACK,
	tcpstate.FIN,
	0,
	tcpstate.SYN | tcpstate.FIN,
	tcpstate.SYN | tcpstate.RST,
	tcpstate.SYN | tcpstate.ACK | tcpstate.FIN,
	tcpstate.RST | tcpstate.FIN | tcpstate.ACK,
	tcpstate.URG | tcpstate.ACK,
	tcpstate.ECE | tcpstate.CWR | tcpstate.ACK,
}

// propDrawSegment forges a segment from the peer's address to end i, its
// fields biased toward the values the connection's checks turn on.
func propDrawSegment(t *rapid.T, w *propWorld, i int) tcpstate.Segment {
	tcb := w.ends[i].c.TCB()
	peer := w.ends[1-i].c.TCB()
	seg := tcpstate.Segment{Src: w.addrs[1-i], Dst: w.addrs[i]}
	k := rapid.IntRange(0, len(propFlagSets)).Draw(t, "flagsKind")
	if k < len(propFlagSets) {
		seg.Flags = propFlagSets[k]
	} else {
		seg.Flags = tcpstate.Flags(rapid.Uint8().Draw(t, "flags"))
	}
	seg.Seq = propDrawSeq(t, tcb, peer)
	seg.Ack = propDrawAck(t, tcb)
	switch rapid.IntRange(0, 3).Draw(t, "windowKind") {
	case 0:
		seg.Window = 65535
	case 1:
		seg.Window = 0
	case 2:
		seg.Window = 1
	default:
		seg.Window = rapid.Uint16().Draw(t, "window")
	}
	if seg.Flags&tcpstate.URG != 0 {
		seg.Urgent = rapid.Uint16().Draw(t, "urgent")
	}
	var n int
	switch rapid.IntRange(0, 5).Draw(t, "payloadKind") {
	case 0, 1:
		n = 0
	case 2:
		n = 1
	case 3:
		n = rapid.IntRange(2, 200).Draw(t, "payloadLen")
	case 4:
		n = rapid.IntRange(200, 3000).Draw(t, "payloadLen")
	default:
		n = int(min(tcb.RcvWnd, 5000)) + rapid.IntRange(-1, 1).Draw(t, "payloadPastWindow")
	}
	if n > 0 {
		seg.Payload = bytes.Repeat([]byte{0xa5}, n)
	}
	propDrawOptions(t, &seg, tcb)
	return seg
}

// propDrawSeq draws SEG.SEQ around RCV.NXT and the receive window's edges
// (RFC 9293 §3.10.7.4's acceptability test), the IRS, the peer's own
// SND.NXT, or anywhere.
func propDrawSeq(t *rapid.T, tcb, peer tcpstate.TCB) seqnum.Value {
	nxt, wnd := tcb.RcvNxt, seqnum.Size(tcb.RcvWnd)
	switch rapid.IntRange(0, 10).Draw(t, "seqKind") {
	case 0:
		return nxt
	case 1:
		return nxt.Add(1)
	case 2:
		return nxt.Sub(1)
	case 3:
		return nxt.Add(wnd)
	case 4:
		return nxt.Add(wnd).Sub(1)
	case 5:
		return nxt.Add(seqnum.Size(rapid.Uint32Range(0, uint32(wnd)).Draw(t, "seqInWindow")))
	case 6:
		return tcb.IRS
	case 7:
		return peer.SndNxt
	case 8:
		return nxt.Add(1 << 31)
	case 9:
		return nxt.Sub(seqnum.Size(rapid.Uint32Range(2, 100000).Draw(t, "seqBelow")))
	default:
		return seqnum.Value(rapid.Uint32().Draw(t, "seq"))
	}
}

// propDrawAck draws SEG.ACK around SND.UNA and SND.NXT (RFC 9293 §3.10.7.4
// fifth check, RFC 5961 §5.2's lower bound SND.UNA-MAX.SND.WND), the ISS,
// or anywhere.
func propDrawAck(t *rapid.T, tcb tcpstate.TCB) seqnum.Value {
	switch rapid.IntRange(0, 10).Draw(t, "ackKind") {
	case 0:
		return tcb.SndNxt
	case 1:
		return tcb.SndUna
	case 2:
		return tcb.SndNxt.Add(1)
	case 3:
		return tcb.SndUna.Sub(1)
	case 4:
		return tcb.ISS
	case 5:
		return tcb.ISS.Add(1)
	case 6:
		return tcb.SndUna.Add(seqnum.Size(rapid.Uint32Range(0, uint32(tcb.SndUna.Size(tcb.SndNxt))).Draw(t, "ackInFlight")))
	case 7:
		return tcb.SndUna.Sub(seqnum.Size(tcb.SndWnd))
	case 8:
		return tcb.SndUna.Sub(seqnum.Size(tcb.SndWnd) + 1)
	case 9:
		return tcb.SndUna.Sub(seqnum.Size(rapid.Uint32Range(2, 1<<20).Draw(t, "ackBelow")))
	default:
		return seqnum.Value(rapid.Uint32().Draw(t, "ack"))
	}
}

// propDrawOptions draws the options: timestamps mostly present (RFC 7323
// §3.2 drops segments without them once negotiated), with TSval around
// TS.Recent; the SYN-only options on segments with SYN; now and then SACK
// blocks.
func propDrawOptions(t *rapid.T, seg *tcpstate.Segment, tcb tcpstate.TCB) {
	o := &seg.Options
	if rapid.IntRange(0, 5).Draw(t, "tsKind") != 5 {
		o.HasTimestamps = true
		switch rapid.IntRange(0, 4).Draw(t, "tsvalKind") {
		case 0:
			o.TSVal = tcb.TSRecent
		case 1:
			o.TSVal = tcb.TSRecent + 1
		case 2:
			o.TSVal = tcb.TSRecent + 100000
		case 3:
			o.TSVal = tcb.TSRecent - 1
		default:
			o.TSVal = rapid.Uint32().Draw(t, "tsval")
		}
		o.TSEcr = rapid.Uint32().Draw(t, "tsecr")
	}
	if seg.Flags&tcpstate.SYN != 0 {
		switch k := rapid.IntRange(0, 5).Draw(t, "mssKind"); k {
		case 0:
			o.HasMSS, o.MSS = true, 1460
		case 1:
		default:
			o.HasMSS, o.MSS = true, []uint16{0, 1, 65535, 100}[k-2]
		}
		switch k := rapid.IntRange(0, 5).Draw(t, "wscaleKind"); k {
		case 0:
		default:
			o.HasWindowScale, o.WindowScale = true, []uint8{7, 0, 14, 15, 255}[k-1]
		}
		o.SACKPermitted = rapid.Bool().Draw(t, "sackOK")
	}
	if n := rapid.IntRange(0, tcpstate.MaxSACKBlocks).Draw(t, "sackBlocks"); n > 0 && rapid.Bool().Draw(t, "withSACK") {
		o.NumSACK = uint8(n)
		for b := range o.SACKBlocks[:n] {
			left := tcb.SndUna.Add(seqnum.Size(rapid.Uint32Range(0, 5000).Draw(t, "sackLeft")))
			o.SACKBlocks[b] = tcpstate.SACKBlock{Left: left, Right: left.Add(seqnum.Size(rapid.Uint32Range(0, 5000).Draw(t, "sackLen")))}
		}
	}
}
