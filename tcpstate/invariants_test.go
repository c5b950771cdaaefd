package tcpstate_test

// This file is the small two-endpoint world shared by the property tests
// (property_test.go) and the fuzz target (fuzz_test.go). Every input goes
// through the exported API, and after every input the world checks the
// invariants of RFC 9293 that must hold whatever arrived: the TCB, the
// segments the input made the connection send, its timers and events.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// propEpoch is the start of virtual time (DESIGN.md §4).
var propEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// propAddrs and propAddrs6 are the addresses of end 0 (the client, or
// first opener) and end 1 (the server), over IPv4 or IPv6.
var (
	propAddrs = [2]netip.AddrPort{
		netip.MustParseAddrPort("192.0.2.1:49152"),
		netip.MustParseAddrPort("192.0.2.2:80"),
	}
	propAddrs6 = [2]netip.AddrPort{
		netip.MustParseAddrPort("[2001:db8::1]:49152"),
		netip.MustParseAddrPort("[2001:db8::2]:80"),
	}
)

// propFailer is what the world needs from *testing.T and *rapid.T.
type propFailer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// propEnd is one connection of the world and what the test knows about it.
type propEnd struct {
	name string
	c    *tcpstate.Conn
	cfg  tcpstate.Config

	out []tcpstate.Segment // sent and not yet delivered; payloads are copies

	opened      bool // Connect or Listen succeeded
	listener    bool // opened by Listen
	closeCalled bool // Close succeeded (forgotten if the connection returns to LISTEN)
	done        bool // reached CLOSED after opening: it must stay there
	closedEvs   int  // EventClosed seen

	lastInvalidACK time.Time // when it last answered an unacceptable bare ACK

	prev tcpstate.TCB // TCB after the previous step

	read    []byte // every byte Read returned, in order
	eof     bool   // Read returned io.EOF
	written int    // bytes Write accepted

	// With Config.Trace set: what the hook reported during the current
	// step, and the state its TraceState events lead to.
	tracing    bool
	traces     []tcpstate.TraceEvent
	traceState tcpstate.State
}

// propWorld is two connections, the virtual clock and a step history.
type propWorld struct {
	t     propFailer
	now   time.Time
	ends  [2]*propEnd
	addrs [2]netip.AddrPort // the ends' addresses: propAddrs or propAddrs6

	// onSend receives each segment an end sends (a copy). By default it
	// queues the segment on the end's out queue for deliver or drop.
	onSend func(from int, seg tcpstate.Segment)

	// What the current step is, for the segment checks.
	stray    *tcpstate.Segment  // the segment handled in this step: RST replies answer it
	verdict  tcpstate.Verdict   // and what HandleSegment said of it
	aborting bool               // this step is an Abort: its RST is <SEQ=SND.NXT><CTL=RST>
	lastSent []tcpstate.Segment // what the last settle drained

	sent  int       // segments sent so far
	start time.Time // when the transcript starts

	// With record set, every step is also written to transcript, with
	// times relative to start and each end's TCB after it.
	record     bool
	transcript []string

	hist  [40]propStep // recent steps, printed on failure
	nhist int
	buf   []byte // reused by Read
}

// propNewWorld builds a world whose ends use cfgs; each end's ISN function
// returns iss[i], so tests choose ISNs (near 2^32 to cross the wrap). An
// end whose Config.Trace is set gets the world's trace recorder instead,
// and its trace is checked against what the end did.
func propNewWorld(t propFailer, cfgs [2]tcpstate.Config, iss [2]seqnum.Value) *propWorld {
	t.Helper()
	w := &propWorld{t: t, now: propEpoch, start: propEpoch, addrs: propAddrs}
	for i := range w.ends {
		e := &propEnd{name: []string{"A", "B"}[i]}
		cfg := e.config(cfgs[i], iss[i])
		c, err := tcpstate.NewConn(cfg)
		if err != nil {
			t.Fatalf("NewConn(%s): %v", e.name, err)
		}
		e.c, e.cfg, e.prev = c, cfg, c.TCB()
		w.ends[i] = e
	}
	w.onSend = func(from int, seg tcpstate.Segment) {
		w.ends[from].out = append(w.ends[from].out, seg)
	}
	return w
}

// config returns cfg with ISN iss and, if cfg has a Trace hook, the
// recorder of e in its place.
func (e *propEnd) config(cfg tcpstate.Config, iss seqnum.Value) tcpstate.Config {
	cfg.ISN = func(time.Time, netip.AddrPort, netip.AddrPort) seqnum.Value { return iss }
	e.tracing = cfg.Trace != nil
	if e.tracing {
		cfg.Trace = func(ev tcpstate.TraceEvent) {
			ev.Segment.Payload = append([]byte(nil), ev.Segment.Payload...) // only valid during the callback
			e.traces = append(e.traces, ev)
		}
	}
	return cfg
}

// reset gives both ends a new life with Conn.Reset and cfgs, forgets what
// was in flight, and starts recording a transcript from now.
func (w *propWorld) reset(cfgs [2]tcpstate.Config, iss [2]seqnum.Value) {
	for i, e := range w.ends {
		c := e.c
		*e = propEnd{name: e.name, c: c}
		e.cfg = e.config(cfgs[i], iss[i])
		if err := c.Reset(e.cfg); err != nil {
			w.fail("%s: Reset: %v", e.name, err)
		}
		e.prev = c.TCB()
	}
	w.sent, w.start, w.record, w.transcript = 0, w.now, true, nil
}

// fail stops the test with the recent history.
func (w *propWorld) fail(format string, args ...any) {
	w.t.Helper()
	var b strings.Builder
	b.WriteString(fmt.Sprintf(format, args...))
	b.WriteString("\nrecent steps (oldest first):\n")
	for k := max(w.nhist-len(w.hist), 0); k < w.nhist; k++ {
		h := w.hist[k%len(w.hist)]
		fmt.Fprintf(&b, "  t=%v %s\n", h.at, fmt.Sprintf(h.format, h.args...))
	}
	for _, e := range w.ends {
		fmt.Fprintf(&b, "%s: %s %+v\n", e.name, e.c.State(), e.c.TCB())
	}
	w.t.Fatalf("%s", b.String())
}

// logf records a step for the failure message; it is formatted only then,
// or when the world records a transcript.
func (w *propWorld) logf(format string, args ...any) {
	w.hist[w.nhist%len(w.hist)] = propStep{w.now.Sub(propEpoch), format, args}
	w.nhist++
	if w.record {
		w.transcript = append(w.transcript, fmt.Sprintf("t=%v ", w.now.Sub(w.start))+fmt.Sprintf(format, args...))
	}
}

// propStep is one line of the history.
type propStep struct {
	at     time.Duration
	format string
	args   []any
}

// ---- inputs ----

// handle gives seg to end i and checks what follows.
func (w *propWorld) handle(i int, seg tcpstate.Segment) tcpstate.Verdict {
	e := w.ends[i]
	before := e.c.TCB()
	v := e.c.HandleSegment(w.now, seg)
	w.logf("%s <- %v : %v, %s -> %s", e.name, seg, v, before.State, e.c.State())
	w.stray, w.verdict = &seg, v
	w.settle(i, before)
	w.stray = nil
	w.checkVerdict(e, before, &seg, v)
	return v
}

// checkVerdict checks that the verdict on seg agrees with what the
// connection did, as each verdict's documentation and its RFC rule say:
// which verdicts may change the state, which ones must answer with an
// ACK ("an acknowledgment should be sent in reply", RFC 9293 §3.10.7.4;
// the challenge ACKs of RFC 5961 §3.2, §4.2 and §5.2), which with a reset,
// and which drop the segment silently ("drop the segment and return").
func (w *propWorld) checkVerdict(e *propEnd, before tcpstate.TCB, seg *tcpstate.Segment, v tcpstate.Verdict) {
	after := e.c.TCB()
	acks, rsts := 0, 0
	for _, s := range w.lastSent {
		switch {
		case s.Flags&tcpstate.RST != 0:
			rsts++
		case s.Flags&tcpstate.ACK != 0:
			acks++
		}
	}
	changed := after.State != before.State
	switch v {
	case tcpstate.Accepted, tcpstate.OutOfOrder, tcpstate.DataOutsideWindow:
		// Their ACK fields are processed: any transition may follow.
	case tcpstate.Reset:
		if seg.Flags&tcpstate.RST == 0 || after.State != tcpstate.Closed {
			w.fail("%s: verdict %v for %v, now in %s", e.name, v, seg, after.State)
		}
	case tcpstate.ReturnedToListen:
		if before.State != tcpstate.SynReceived || after.State != tcpstate.Listen || !e.listener {
			w.fail("%s: verdict %v in %s, now in %s", e.name, v, before.State, after.State)
		}
	default:
		if changed {
			w.fail("%s: verdict %v for %v, but the state went %s -> %s", e.name, v, seg, before.State, after.State)
		}
	}
	switch v {
	case tcpstate.DroppedUnacceptable, tcpstate.DroppedPAWS:
		if seg.Len() == 0 && e.cfg.InvalidACKInterval > 0 {
			// RFC 5961 §7 ACK throttling (Config.InvalidACKInterval): an
			// unacceptable bare ACK, by sequence number or by PAWS (RFC
			// 7323 §5.3 R1), is answered at most once per interval.
			quiet := !e.lastInvalidACK.IsZero() && w.now.Sub(e.lastInvalidACK) < e.cfg.InvalidACKInterval
			if quiet != (acks == 0) {
				w.fail("%s: unacceptable %v answered with %d ACKs; the last answer to one was at %v, the interval is %v",
					e.name, seg, acks, e.lastInvalidACK.Sub(propEpoch), e.cfg.InvalidACKInterval)
			}
			if !quiet {
				e.lastInvalidACK = w.now
			}
			break
		}
		if acks == 0 {
			w.fail("%s: verdict %v for %v, but no ACK sent in reply", e.name, v, seg)
		}
	case tcpstate.ChallengeACK, tcpstate.DroppedUnacceptableACK, tcpstate.OutOfOrder, tcpstate.DataOutsideWindow:
		if acks == 0 {
			w.fail("%s: verdict %v for %v, but no ACK sent in reply", e.name, v, seg)
		}
	case tcpstate.AnsweredRST:
		if rsts != 1 {
			w.fail("%s: verdict %v for %v, but %d resets sent", e.name, v, seg, rsts)
		}
	case tcpstate.DroppedRST, tcpstate.DroppedNoACK, tcpstate.Dropped:
		if len(w.lastSent) != 0 {
			w.fail("%s: verdict %v for %v, but it sent %v", e.name, v, seg, w.lastSent)
		}
	}
	switch v {
	case tcpstate.DroppedUnacceptable, tcpstate.ChallengeACK, tcpstate.DroppedUnacceptableACK,
		tcpstate.DroppedRST, tcpstate.DroppedNoACK, tcpstate.Dropped, tcpstate.AnsweredRST, tcpstate.DroppedPAWS:
		// The segment is dropped: neither side of the sequence space moves.
		if after.SndUna != before.SndUna || after.RcvNxt != before.RcvNxt || after.SndWnd != before.SndWnd {
			w.fail("%s: verdict %v for %v, but SND.UNA/RCV.NXT/SND.WND went %d/%d/%d -> %d/%d/%d", e.name, v, seg,
				before.SndUna, before.RcvNxt, before.SndWnd, after.SndUna, after.RcvNxt, after.SndWnd)
		}
	}
}

// deliver hands the oldest segment end i sent to the other end; false if
// there is none.
func (w *propWorld) deliver(i int) bool {
	e := w.ends[i]
	if len(e.out) == 0 {
		return false
	}
	seg := e.out[0]
	e.out = e.out[1:]
	w.handle(1-i, seg)
	return true
}

// drop loses the oldest segment end i sent.
func (w *propWorld) drop(i int) {
	e := w.ends[i]
	if len(e.out) > 0 {
		w.logf("drop %s -> %v", e.name, e.out[0])
		e.out = e.out[1:]
	}
}

// flush delivers everything in flight, alternating ends, until both queues
// are empty (a perfect network), at most n segments.
func (w *propWorld) flush(n int) {
	for k := 0; k < n; k++ {
		if !w.deliver(k%2) && !w.deliver(1-k%2) {
			return
		}
	}
}

// advance moves virtual time forward by d, firing every deadline on the
// way exactly at its time (DESIGN.md §5: "advance fires timers exactly at
// their deadlines").
func (w *propWorld) advance(d time.Duration) {
	target := w.now.Add(d)
	for {
		next := w.nextTimeout()
		if next.IsZero() || next.After(target) {
			break
		}
		w.now = next
		w.fireDue()
	}
	w.now = target
	w.checkAll()
}

// nextTimeout is the earliest deadline of the two ends, or zero.
func (w *propWorld) nextTimeout() time.Time {
	var next time.Time
	for _, e := range w.ends {
		if d := e.c.NextTimeout(); !d.IsZero() && (next.IsZero() || d.Before(next)) {
			next = d
		}
	}
	return next
}

// fireDue calls HandleTimeout on every end with a deadline at or before now.
func (w *propWorld) fireDue() {
	for i, e := range w.ends {
		if d := e.c.NextTimeout(); !d.IsZero() && !d.After(w.now) {
			before := e.c.TCB()
			e.c.HandleTimeout(w.now)
			w.logf("%s timeout, %s -> %s", e.name, before.State, e.c.State())
			w.settle(i, before)
			// HandleTimeout "fires every timer whose deadline is at or
			// before now": none may be left in the past, or a driver that
			// sleeps until NextTimeout would spin.
			if d := e.c.NextTimeout(); !d.IsZero() && !d.After(w.now) {
				w.fail("%s: after HandleTimeout(now) NextTimeout %v is not after now", e.name, d.Sub(propEpoch))
			}
		}
	}
}

// spurious calls HandleTimeout before any deadline: "Calling it early does
// nothing" (timer.go): no segment, no change to the TCB.
func (w *propWorld) spurious(i int) {
	e := w.ends[i]
	before := e.c.TCB()
	e.c.HandleTimeout(w.now)
	w.logf("%s early HandleTimeout", e.name)
	if after := e.c.TCB(); after != before {
		w.fail("%s: early HandleTimeout changed the TCB\nbefore %+v\nafter  %+v", e.name, before, after)
	}
	if seg, ok := e.c.Poll(w.now); ok {
		w.fail("%s: early HandleTimeout made it send %v", e.name, seg)
	}
	w.settle(i, before)
}

// ---- application calls ----

// propPattern is the byte at offset off of the stream end i writes, so that
// a byte delivered twice, lost or out of order shows.
func propPattern(i, off int) byte {
	x := uint32(off)*2654435761 + uint32(i)*40503
	return byte(x >> 24)
}

// write offers the next n bytes of end i's stream.
func (w *propWorld) write(i, n int) (int, error) {
	e := w.ends[i]
	before := e.c.TCB()
	p := make([]byte, n)
	for k := range p {
		p[k] = propPattern(i, e.written+k)
	}
	got, err := e.c.Write(p)
	w.logf("%s Write(%d) = %d, %v", e.name, n, got, err)
	if got < 0 || got > n || (got > 0 && err != nil) {
		w.fail("%s: Write(%d) = %d, %v", e.name, n, got, err)
	}
	e.written += got
	// RFC 9293 §3.10.2 SEND: in the closing states "return 'error:
	// connection closing' and do not service request"; a CLOSED
	// connection has no TCB to queue to.
	switch before.State {
	case tcpstate.FinWait1, tcpstate.FinWait2, tcpstate.Closing, tcpstate.LastAck, tcpstate.TimeWait:
		if !errors.Is(err, tcpstate.ErrClosing) {
			w.fail("%s: Write in %s returned %v, want ErrClosing", e.name, before.State, err)
		}
	case tcpstate.Closed, tcpstate.Listen:
		if err == nil {
			w.fail("%s: Write in %s succeeded", e.name, before.State)
		}
	}
	if e.closeCalled && got > 0 {
		w.fail("%s: Write after Close accepted %d bytes", e.name, got)
	}
	if after := e.c.TCB(); after.SendQueued != before.SendQueued+got {
		w.fail("%s: Write accepted %d bytes but SendQueued went %d -> %d", e.name, got, before.SendQueued, after.SendQueued)
	}
	w.settle(i, before)
	return got, err
}

// readN reads up to n bytes from end i and keeps them.
func (w *propWorld) readN(i, n int) (int, error) {
	e := w.ends[i]
	before := e.c.TCB()
	if cap(w.buf) < n {
		w.buf = make([]byte, n)
	}
	p := w.buf[:n]
	got, err := e.c.Read(p)
	w.logf("%s Read(%d) = %d, %v", e.name, n, got, err)
	if got < 0 || got > n || (got > 0 && err != nil) {
		w.fail("%s: Read(%d) = %d, %v", e.name, n, got, err)
	}
	e.read = append(e.read, p[:got]...)
	if errors.Is(err, io.EOF) {
		e.eof = true
	}
	if after := e.c.TCB(); after.RecvQueued != before.RecvQueued-got {
		w.fail("%s: Read returned %d bytes but RecvQueued went %d -> %d", e.name, got, before.RecvQueued, after.RecvQueued)
	}
	w.settle(i, before)
	return got, err
}

// close calls Close on end i and checks the transition of RFC 9293 §3.10.4.
func (w *propWorld) close(i int) error {
	e := w.ends[i]
	before := e.c.TCB()
	err := e.c.Close(w.now)
	w.logf("%s Close() = %v, %s -> %s", e.name, err, before.State, e.c.State())
	want, wantErr := before.State, error(nil)
	switch before.State {
	case tcpstate.Closed:
		wantErr = tcpstate.ErrNotConnected // "error: connection does not exist"
	case tcpstate.Listen, tcpstate.SynSent:
		want = tcpstate.Closed // "Delete the TCB, enter CLOSED state, and return."
	case tcpstate.SynReceived:
		// "If no SENDs have been issued and there is no pending data to
		// send, then form a FIN segment and send it, and enter FIN-WAIT-1
		// state; otherwise, queue for processing after entering
		// ESTABLISHED state."
		if e.closeCalled {
			wantErr = tcpstate.ErrClosing
		} else if before.SendQueued == 0 {
			want = tcpstate.FinWait1
		}
	case tcpstate.Established:
		want = tcpstate.FinWait1
	case tcpstate.CloseWait:
		want = tcpstate.LastAck
	default:
		// FIN-WAIT-1, FIN-WAIT-2, CLOSING, LAST-ACK, TIME-WAIT: "error:
		// connection closing".
		wantErr = tcpstate.ErrClosing
	}
	if got := e.c.State(); got != want || !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
		w.fail("%s: Close in %s = %v, now %s; want %v, %s (RFC 9293 §3.10.4)", e.name, before.State, err, got, wantErr, want)
	}
	if err == nil {
		e.closeCalled = true
	}
	w.settle(i, before)
	return err
}

// abort calls Abort on end i: RFC 9293 §3.10.5 sends <SEQ=SND.NXT><CTL=RST>
// in SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 and CLOSE-WAIT, and
// nothing in the other states; the connection enters CLOSED.
func (w *propWorld) abort(i int) {
	e := w.ends[i]
	before := e.c.TCB()
	e.c.Abort(w.now)
	w.logf("%s Abort(), %s -> %s", e.name, before.State, e.c.State())
	w.aborting = true
	sent := w.settle(i, before)
	w.aborting = false
	if e.c.State() != tcpstate.Closed {
		w.fail("%s: Abort left the connection in %s", e.name, e.c.State())
	}
	if before.State != tcpstate.Closed && !errors.Is(e.c.Err(), tcpstate.ErrAborted) {
		w.fail("%s: Abort in %s: Err() = %v, want ErrAborted", e.name, before.State, e.c.Err())
	}
	switch before.State {
	case tcpstate.SynReceived, tcpstate.Established, tcpstate.FinWait1, tcpstate.FinWait2, tcpstate.CloseWait:
		if sent != 1 {
			w.fail("%s: Abort in %s sent %d segments, want one RST", e.name, before.State, sent)
		}
	default:
		if sent != 0 {
			w.fail("%s: Abort in %s sent %d segments, want none", e.name, before.State, sent)
		}
	}
}

// reopen calls Connect or Listen again on an opened end. RFC 9293
// §3.10.1: an active OPEN in LISTEN "change[s] the connection from passive
// to active" and enters SYN-SENT; any other OPEN of an existing connection
// is "error: connection already exists", and nothing changes.
func (w *propWorld) reopen(i int, listen bool) {
	e := w.ends[i]
	before := e.c.TCB()
	var err error
	if listen {
		err = e.c.Listen(w.now, w.addrs[i])
	} else {
		err = e.c.Connect(w.now, w.addrs[i], w.addrs[1-i])
	}
	w.logf("%s reopen(listen=%v) = %v", e.name, listen, err)
	if !listen && before.State == tcpstate.Listen {
		if err != nil || e.c.State() != tcpstate.SynSent {
			w.fail("%s: Connect in LISTEN = %v, now %s; want SYN-SENT", e.name, err, e.c.State())
		}
		e.listener = false
		w.settle(i, before)
		return
	}
	if !errors.Is(err, tcpstate.ErrConnectionExists) {
		w.fail("%s: second open in %s returned %v, want ErrConnectionExists", e.name, before.State, err)
	}
	if after := e.c.TCB(); after != before {
		w.fail("%s: failed open changed the TCB", e.name)
	}
	w.settle(i, before)
}

// connect and listen open end i for real.
func (w *propWorld) connect(i int) {
	e := w.ends[i]
	before := e.c.TCB()
	if err := e.c.Connect(w.now, w.addrs[i], w.addrs[1-i]); err != nil {
		w.fail("%s: Connect: %v", e.name, err)
	}
	e.opened = true
	w.logf("%s Connect", e.name)
	w.settle(i, before)
}

func (w *propWorld) listen(i int, local netip.AddrPort) {
	e := w.ends[i]
	before := e.c.TCB()
	if err := e.c.Listen(w.now, local); err != nil {
		w.fail("%s: Listen: %v", e.name, err)
	}
	e.opened, e.listener = true, true
	w.logf("%s Listen(%v)", e.name, local)
	w.settle(i, before)
}

// ---- outputs and invariants ----

// seqRange is the sequence space [start, end).
type seqRange struct{ start, end seqnum.Value }

// settle drains end i's segments and events after an input, checking each
// segment against the TCB of RFC 9293 as it was before the drain, then
// checks the TCB invariants of both ends. before is end i's TCB from before
// the input.
func (w *propWorld) settle(i int, before tcpstate.TCB) (sent int) {
	e := w.ends[i]
	pre := e.c.TCB() // the TCB Poll starts from
	var polled []tcpstate.Segment
	var drained []seqRange // the sequence space sent so far in this drain
	// Poll must terminate: each call sends at most one segment of at least
	// one byte of the send buffer, plus a handful of control segments (SYN,
	// FIN, ACK, our RST, queued RST replies).
	limit := e.cfg.SendBuffer + 16
	for n := 0; ; n++ {
		seg, ok := e.c.Poll(w.now)
		if !ok {
			break
		}
		if n == limit {
			w.fail("%s: Poll returned more than %d segments without stopping", e.name, limit)
		}
		post := e.c.TCB()
		w.checkSegment(e, pre, post, &seg)
		if seg.Len() > 0 && seg.Flags&tcpstate.RST == 0 {
			// Each sequence number leaves at most once per drain. (Not
			// necessarily in order: in SACK recovery, RFC 6675 §4 NextSeg
			// sends new data by rule 2 before the holes of rule 3.)
			for _, r := range drained {
				if seg.Seq.LessThan(r.end) && r.start.LessThan(seg.End()) {
					w.fail("%s: %v resends sequence numbers %d:%d already sent in this drain", e.name, seg, r.start, r.end)
				}
			}
			drained = append(drained, seqRange{seg.Seq, seg.End()})
		}
		seg.Payload = append([]byte(nil), seg.Payload...) // Poll's Payload aliases the send buffer
		polled = append(polled, seg)
		w.logf("%s -> %v", e.name, seg)
		w.onSend(i, seg)
		sent++
		w.sent++
	}
	if seg, ok := e.c.Poll(w.now); ok {
		w.fail("%s: Poll returned %v after returning false", e.name, seg)
	}
	w.lastSent = polled
	w.checkEvents(e, before)
	w.checkTrace(e, polled)
	w.checkAll()
	if w.record {
		w.logf("%s TCB %+v", e.name, e.c.TCB())
	}
	return sent
}

// checkTrace checks what the Trace hook of end e reported during the step
// (the issue: "every state change and every segment in or out can be
// observed"): the segment handled with its verdict, exactly the segments
// Poll returned, and state changes that chain from the previous state to
// the current one, all at the step's time.
func (w *propWorld) checkTrace(e *propEnd, polled []tcpstate.Segment) {
	if !e.tracing {
		return
	}
	var in, out int
	for _, ev := range e.traces {
		if !ev.Time.Equal(w.now) {
			w.fail("%s: trace event %v at %v, not at now", e.name, ev.Kind, ev.Time.Sub(propEpoch))
		}
		switch ev.Kind {
		case tcpstate.TraceSegmentIn:
			in++
			if w.stray == nil || !propSameSegment(&ev.Segment, w.stray) || ev.Verdict != w.verdict {
				w.fail("%s: traced arrival %v (%v) but handled %v (%v)", e.name, ev.Segment, ev.Verdict, w.stray, w.verdict)
			}
		case tcpstate.TraceSegmentOut:
			if out >= len(polled) || !propSameSegment(&ev.Segment, &polled[out]) {
				w.fail("%s: traced departure #%d %v, but Poll returned %v", e.name, out, ev.Segment, polled)
			}
			out++
		case tcpstate.TraceState:
			if ev.From != e.traceState || ev.From == ev.To || ev.Rule == "" {
				w.fail("%s: traced state change %s -> %s (%q), but the trace left it in %s", e.name, ev.From, ev.To, ev.Rule, e.traceState)
			}
			e.traceState = ev.To
			if ev.TCB.State != ev.To {
				w.fail("%s: state change to %s traced with a TCB in %s", e.name, ev.To, ev.TCB.State)
			}
		}
	}
	e.traces = e.traces[:0]
	if want := btoi(w.stray != nil); in != want {
		w.fail("%s: %d arrivals traced for %d segments handled", e.name, in, want)
	}
	if out != len(polled) {
		w.fail("%s: %d departures traced, Poll returned %d segments", e.name, out, len(polled))
	}
	if e.traceState != e.c.State() {
		w.fail("%s: trace says %s, State() says %s", e.name, e.traceState, e.c.State())
	}
}

// propSameSegment reports whether a and b are the same segment.
func propSameSegment(a, b *tcpstate.Segment) bool {
	return a.Src == b.Src && a.Dst == b.Dst && a.Seq == b.Seq && a.Ack == b.Ack && a.Flags == b.Flags &&
		a.Window == b.Window && a.Urgent == b.Urgent && a.Options == b.Options && bytes.Equal(a.Payload, b.Payload)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkSegment checks one segment end e sent. pre is the TCB before the
// drain began, post the TCB right after this Poll.
func (w *propWorld) checkSegment(e *propEnd, pre, post tcpstate.TCB, seg *tcpstate.Segment) {
	c := e.c
	own := seg.Src == c.LocalAddr() && seg.Dst == c.RemoteAddr()
	if seg.Flags&tcpstate.RST != 0 {
		w.checkRST(e, pre, seg, own)
		return
	}
	if !own {
		w.fail("%s: %v does not travel on the connection's 4-tuple %v > %v", e.name, seg, c.LocalAddr(), c.RemoteAddr())
	}
	switch pre.State {
	case tcpstate.Closed, tcpstate.Listen:
		// RFC 9293 §3.10.7.1 and §3.10.7.2: a CLOSED or LISTEN connection
		// only ever answers with a reset.
		w.fail("%s: sent %v in %s", e.name, seg, pre.State)
	}
	if post.Timestamps && !seg.Options.HasTimestamps {
		// RFC 7323 §3.2: "Once TSopt has been successfully negotiated ...
		// the TSopt MUST be sent in every non-<RST> segment".
		w.fail("%s: %v lacks TSopt although timestamps were negotiated", e.name, seg)
	}
	if seg.Flags&tcpstate.SYN != 0 {
		// RFC 9293 §3.10.7.2/3: <SEQ=ISS><CTL=SYN> in SYN-SENT, and
		// <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> once the peer's SYN is known.
		wantAck := pre.State != tcpstate.SynSent
		hasAck := seg.Flags&tcpstate.ACK != 0
		if seg.Seq != pre.ISS || hasAck != wantAck ||
			(wantAck && seg.Ack != pre.RcvNxt) || seg.Flags&(tcpstate.FIN) != 0 || len(seg.Payload) != 0 {
			w.fail("%s: bad SYN %v in %s (ISS %d, RCV.NXT %d)", e.name, seg, pre.State, pre.ISS, pre.RcvNxt)
		}
		if !seg.Options.HasMSS {
			w.fail("%s: SYN %v without MSS option", e.name, seg)
		}
		return
	}
	if pre.State == tcpstate.SynSent {
		w.fail("%s: sent %v in SYN-SENT, where only the SYN may leave", e.name, seg)
	}
	// RFC 9293 §3.1, Acknowledgment Number: "Once a connection is
	// established, this is always sent", with the value RCV.NXT.
	if seg.Flags&tcpstate.ACK == 0 || seg.Ack != pre.RcvNxt {
		w.fail("%s: %v does not acknowledge RCV.NXT %d", e.name, seg, pre.RcvNxt)
	}
	if len(seg.Payload) == 0 && seg.Flags&tcpstate.FIN == 0 {
		// A bare ACK: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. With
		// EmptyWindowProbes a zero window is probed one below, as a
		// keep-alive is (RFC 1122 §4.2.3.6), with nothing in flight.
		probe := e.cfg.EmptyWindowProbes && pre.SndWnd == 0 && pre.SndUna == pre.SndNxt &&
			seg.Seq == pre.SndNxt.Sub(1)
		if seg.Seq != post.SndNxt && !probe {
			w.fail("%s: ACK %v is not at SND.NXT %d", e.name, seg, post.SndNxt)
		}
		return
	}
	// Data and FIN. RFC 9293 §3.8.6.2.1: the usable window ends at
	// SND.UNA+SND.WND; the FIN occupies a sequence number and counts too.
	// The one exception is the zero-window probe of §3.8.6.1: when the
	// usable window is zero the sender "must regularly transmit at least
	// one octet of new data (if available), or retransmit": one octet (and
	// the FIN after it, if it is the last) at or beyond the right edge.
	wndEnd := pre.SndUna.Add(seqnum.Size(pre.SndWnd))
	probe := len(seg.Payload) <= 1 && seg.Seq.GreaterThanEq(wndEnd)
	if seg.Seq.LessThan(pre.SndUna) || (seg.End().GreaterThan(wndEnd) && !probe) {
		w.fail("%s: %v is outside SND.UNA %d + SND.WND %d", e.name, seg, pre.SndUna, pre.SndWnd)
	}
	// RFC 9293 §3.7.1 (MUST-16): no segment larger than Eff.snd.MSS.
	if len(seg.Payload) > int(pre.SndMSS) {
		w.fail("%s: %v carries more than Eff.snd.MSS %d", e.name, seg, pre.SndMSS)
	}
	// RFC 9293 §3.3.1: SND.NXT is the next sequence number to send; after
	// a segment leaves, nothing it covers lies at or beyond SND.NXT.
	if seg.End().GreaterThan(post.SndNxt) {
		w.fail("%s: %v was sent but SND.NXT is %d, before its end", e.name, seg, post.SndNxt)
	}
}

// checkRST checks a reset: either our own ABORT <SEQ=SND.NXT><CTL=RST>
// (RFC 9293 §3.10.5) or the answer to the segment handled in this step,
// formed as §3.10.7.1 says:
//
//	ACK off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
//	ACK on:  <SEQ=SEG.ACK><CTL=RST>
func (w *propWorld) checkRST(e *propEnd, pre tcpstate.TCB, seg *tcpstate.Segment, own bool) {
	if w.aborting {
		want := tcpstate.RST
		if e.cfg.AbortWithACK {
			// Linux's form: the RST carries the acknowledgment of what
			// was received.
			want |= tcpstate.ACK
			if seg.Ack != pre.RcvNxt {
				w.fail("%s: Abort sent %v, want ACK=RCV.NXT %d", e.name, seg, pre.RcvNxt)
			}
		}
		if !own || seg.Seq != pre.SndNxt || seg.Flags != want {
			w.fail("%s: Abort sent %v, want <SEQ=SND.NXT %d><CTL=%v>", e.name, seg, pre.SndNxt, want)
		}
		return
	}
	s := w.stray
	if s == nil {
		w.fail("%s: sent %v though no segment arrived and no Abort was called", e.name, seg)
		return
	}
	if s.Flags&tcpstate.RST != 0 {
		// §3.10.7.1: "An incoming segment containing a RST is discarded";
		// a reset is never answered with a reset (§3.5.2).
		w.fail("%s: answered the reset %v with %v", e.name, s, seg)
	}
	if seg.Src != s.Dst || seg.Dst != s.Src {
		w.fail("%s: reset %v does not answer %v", e.name, seg, s)
	}
	ok := seg.Flags == tcpstate.RST && seg.Seq == s.Ack
	if s.Flags&tcpstate.ACK == 0 {
		ok = seg.Flags == tcpstate.RST|tcpstate.ACK && seg.Seq == 0 && seg.Ack == s.End()
	}
	if !ok {
		w.fail("%s: reset %v is not formed from %v as RFC 9293 §3.10.7.1 says", e.name, seg, s)
	}
	if len(seg.Payload) != 0 {
		w.fail("%s: reset %v carries data", e.name, seg)
	}
}

// checkEvents drains end e's events and checks them against its state.
func (w *propWorld) checkEvents(e *propEnd, before tcpstate.TCB) {
	closed := false
	for ev, ok := e.c.PollEvent(); ok; ev, ok = e.c.PollEvent() {
		if w.record {
			w.logf("%s event %v", e.name, ev)
		}
		if ev == tcpstate.EventClosed {
			closed = true
			e.closedEvs++
		}
	}
	state := e.c.State()
	if closed && state != tcpstate.Closed {
		w.fail("%s: EventClosed in %s", e.name, state)
	}
	if before.State != tcpstate.Closed && state == tcpstate.Closed && !closed {
		w.fail("%s: entered CLOSED from %s without EventClosed", e.name, before.State)
	}
	if e.closedEvs > 1 {
		w.fail("%s: EventClosed raised %d times", e.name, e.closedEvs)
	}
}

// checkAll checks the TCB invariants of both ends.
func (w *propWorld) checkAll() {
	for _, e := range w.ends {
		w.checkTCB(e)
	}
}

// sync is the set of states in which the connection has an ISS and is
// neither CLOSED nor LISTEN.
func propHasTCB(s tcpstate.State) bool { return s != tcpstate.Closed && s != tcpstate.Listen }

// checkTCB checks end e's TCB and deadline, and its progress since the
// previous check.
func (w *propWorld) checkTCB(e *propEnd) {
	c := e.c
	tcb := c.TCB()
	prev := e.prev
	e.prev = tcb
	if tcb.State != c.State() {
		w.fail("%s: TCB().State %s but State() %s", e.name, tcb.State, c.State())
	}
	// RFC 9293 §3.3.1: SND.UNA is the oldest unacknowledged number and
	// SND.NXT the next to send, so SND.UNA =< SND.NXT (modulo 2^32).
	if !tcb.SndUna.LessThanEq(tcb.SndNxt) {
		w.fail("%s: SND.UNA %d > SND.NXT %d", e.name, tcb.SndUna, tcb.SndNxt)
	}
	if propHasTCB(tcb.State) && !tcb.ISS.LessThanEq(tcb.SndUna) {
		w.fail("%s: SND.UNA %d before ISS %d", e.name, tcb.SndUna, tcb.ISS)
	}
	if propHasTCB(tcb.State) && c.Passive() != e.listener {
		w.fail("%s: Passive() = %v in %s, but the connection was opened by %s", e.name, c.Passive(), tcb.State,
			map[bool]string{true: "Listen", false: "Connect"}[e.listener])
	}
	// RFC 7323 §2.3: shifts are at most 14, so a scaled window is at most
	// 65535<<14 (2^30, under the 2^31 that keeps sequence comparisons
	// meaningful), and the peer's window is its 16-bit field shifted.
	if tcb.SndWndShift > tcpstate.MaxWindowShift || tcb.RcvWndShift > tcpstate.MaxWindowShift {
		w.fail("%s: window shift above 14 (snd %d, rcv %d)", e.name, tcb.SndWndShift, tcb.RcvWndShift)
	}
	if tcb.SndWnd > 65535<<tcb.SndWndShift {
		w.fail("%s: SND.WND %d exceeds 65535<<%d", e.name, tcb.SndWnd, tcb.SndWndShift)
	}
	// The receive window never offers more than the buffer can hold:
	// RCV.WND plus what is queued unread is at most RecvBuffer, plus the
	// less than one scaling unit a window rounded up to the scale may add
	// (RFC 7323 §2.3 rounds the field; it may not shrink the edge).
	slack := 1<<tcb.RcvWndShift - 1
	if int(tcb.RcvWnd)+tcb.RecvQueued > e.cfg.RecvBuffer+slack {
		w.fail("%s: RCV.WND %d + queued %d exceeds RecvBuffer %d (+%d)", e.name, tcb.RcvWnd, tcb.RecvQueued, e.cfg.RecvBuffer, slack)
	}
	if tcb.SendQueued > e.cfg.SendBuffer {
		w.fail("%s: %d bytes queued to send, over SendBuffer %d", e.name, tcb.SendQueued, e.cfg.SendBuffer)
	}
	w.checkTimers(e, tcb)
	w.checkProgress(e, prev, tcb)
}

// checkTimers: NextTimeout is never in the past, and a timer runs whenever
// the connection waits for something.
func (w *propWorld) checkTimers(e *propEnd, tcb tcpstate.TCB) {
	next := e.c.NextTimeout()
	// The world fires every deadline at its time, so a deadline before now
	// would be one that moved into the past: it could never fire on time.
	// (fireDue checks the stricter "after now" once an end's timers fired.)
	if !next.IsZero() && next.Before(w.now) {
		w.fail("%s: NextTimeout %v is in the past", e.name, next.Sub(propEpoch))
	}
	switch {
	case !propHasTCB(tcb.State):
		// RFC 9293 §3.10.7.4: entering CLOSED "delete[s] the TCB"; LISTEN
		// has nothing to retransmit.
		if !next.IsZero() {
			w.fail("%s: timer armed in %s", e.name, tcb.State)
		}
	case tcb.State == tcpstate.TimeWait:
		// RFC 9293 §3.10.8: TIME-WAIT ends when its 2 MSL timer expires.
		if next.IsZero() || next.After(w.now.Add(2*e.cfg.MSL)) {
			w.fail("%s: TIME-WAIT without a 2 MSL timer (NextTimeout %v)", e.name, next)
		}
	case tcb.SndUna != tcb.SndNxt:
		// RFC 6298 §5.1: while data (or SYN, FIN) is outstanding the
		// retransmission timer runs.
		if next.IsZero() {
			w.fail("%s: SND.UNA %d < SND.NXT %d but no timer runs", e.name, tcb.SndUna, tcb.SndNxt)
		}
	}
}

// checkProgress checks what may only move one way.
func (w *propWorld) checkProgress(e *propEnd, prev, tcb tcpstate.TCB) {
	if e.done && tcb.State != tcpstate.Closed {
		// RFC 9293: CLOSED after a connection is "the TCB is deleted";
		// nothing brings it back.
		w.fail("%s: left CLOSED for %s", e.name, tcb.State)
	}
	if e.opened && tcb.State == tcpstate.Closed {
		e.done = true
	}
	if tcb.State == tcpstate.Listen {
		// RFC 9293 §3.10.7.4: back to LISTEN forgets the connection.
		e.closeCalled, e.lastInvalidACK = false, time.Time{}
	}
	if !propHasTCB(prev.State) || !propHasTCB(tcb.State) {
		return // a new incarnation, or none
	}
	if tcb.ISS != prev.ISS {
		w.fail("%s: ISS changed %d -> %d", e.name, prev.ISS, tcb.ISS)
	}
	// SND.UNA only advances ("If SND.UNA < SEG.ACK =< SND.NXT, then set
	// SND.UNA <- SEG.ACK"), and SND.NXT with each new segment.
	if tcb.SndUna.LessThan(prev.SndUna) || tcb.SndNxt.LessThan(prev.SndNxt) {
		w.fail("%s: SND.UNA/SND.NXT moved back: %d/%d -> %d/%d", e.name, prev.SndUna, prev.SndNxt, tcb.SndUna, tcb.SndNxt)
	}
	if prev.State == tcpstate.SynSent {
		return // the receive side was set up by the peer's SYN
	}
	if tcb.IRS != prev.IRS {
		w.fail("%s: IRS changed %d -> %d", e.name, prev.IRS, tcb.IRS)
	}
	if tcb.RcvNxt.LessThan(prev.RcvNxt) {
		w.fail("%s: RCV.NXT moved back %d -> %d", e.name, prev.RcvNxt, tcb.RcvNxt)
	}
	// RFC 9293 §3.8.6 (SHLD-14): "A TCP receiver SHOULD NOT shrink the
	// window, i.e., move the right window edge to the left", and this
	// package promises it never does.
	prevEdge := prev.RcvNxt.Add(seqnum.Size(prev.RcvWnd))
	edge := tcb.RcvNxt.Add(seqnum.Size(tcb.RcvWnd))
	if edge.LessThan(prevEdge) {
		w.fail("%s: right window edge moved left %d -> %d", e.name, prevEdge, edge)
	}
}
