package capture

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// Captured is one TCP segment of a connection as a capture shows it.
type Captured struct {
	Frame      int           // the packet's number in the file
	At         time.Duration // since the file's first packet
	FromServer bool
	Seg        tcpstate.Segment // its payload is not used, only Len
	Len        int              // the payload's length on the wire
}

// seqLen is the sequence space the segment occupies, SEG.LEN (RFC 9293
// §3.4): its payload on the wire, and one each for SYN and FIN.
func (c *Captured) seqLen() int {
	n := c.Len
	if c.Seg.Flags&tcpstate.SYN != 0 {
		n++
	}
	if c.Seg.Flags&tcpstate.FIN != 0 {
		n++
	}
	return n
}

// Sent is a segment the driven endpoint sent, and when.
type Sent struct {
	At  time.Duration
	Seg tcpstate.Segment // without its payload
	Len int              // the payload's length
}

// Divergence is one way the driven endpoint's segment differs from the
// captured one it stands for.
type Divergence struct {
	Segment int           // which of the side's segments, from 0
	Frame   int           // the captured segment's frame; 0 if the capture has none there
	At      time.Duration // the captured segment's time, or ours if the capture has none
	Field   string        // "flags", "seq", "ack", "len", "window", "options", "time", "segment"
	Want    string        // what the capture shows
	Got     string        // what tcpsim sent
}

// Drive is the result of replaying one side of a connection into a
// tcpsim endpoint that plays the other.
type Drive struct {
	Server    bool       // tcpsim played the server
	Fed       int        // captured segments fed to it
	Captured  []Captured // the side tcpsim played, as captured
	Ours      []Sent     // what tcpsim sent, within the capture's time
	Lag       time.Duration
	Written   int64        // bytes tcpsim's application wrote, all the captured end sent
	Differing int          // segments with at least one divergence
	Diverged  []Divergence // the first MaxDivergences
}

// MaxDivergences bounds Drive.Diverged: past the first few, one
// difference usually causes the rest.
const MaxDivergences = 100

// TimingTolerance is how far a segment may leave from the captured time
// before the difference is reported.
const TimingTolerance = time.Millisecond

// ErrNoOpening is returned by DriveConnection for a connection whose SYN
// the capture lacks.
var ErrNoOpening = errors.New("capture: the connection's SYN is not in the capture: it cannot be replayed from its opening")

// DriveConnection replays a connection's segments, in time order, into a
// tcpsim endpoint (tcpstate.Conn, the plain RFC profile offering what the
// captured end offered) playing the server if server is set, else the
// client. The other side's captured segments are fed to it in virtual
// time, their acknowledgment numbers re-based to the endpoint's own ISN;
// the endpoint's application writes each byte when the capture shows it
// first sent, closes when it sent its FIN and aborts when it sent a RST.
// What the endpoint sends is then compared, segment by segment, with what
// the captured end sent.
//
// The capture may have been taken anywhere between the ends: the
// endpoint's lag, the time from a segment of the other side to the
// captured end's answer in the handshake, is added to every fed segment,
// so that an immediate answer leaves when the captured one was seen.
func DriveConnection(segs []Captured, server bool) (*Drive, error) {
	return DriveConnectionWith(segs, server, tcpstate.DefaultConfig())
}

// DriveConnectionWith is DriveConnection with the endpoint starting from
// profile (tcpstate.LinuxConfig, say) rather than the plain RFC profile;
// what the captured end offered in its SYN still overrides it.
func DriveConnectionWith(segs []Captured, server bool, profile tcpstate.Config) (*Drive, error) {
	r := &runner{d: &Drive{Server: server}, profile: profile}
	if err := r.prepare(segs); err != nil {
		return nil, err
	}
	if !r.run() {
		return nil, errors.New("capture: the replay did not come to an end (a bug in tcpsim)")
	}
	r.compare()
	return r.d, nil
}

// replayBuffer bounds the replayed endpoint's send and receive buffers.
// Its data is zeroes standing for the captured bytes, so only a window
// larger than this (rare: Linux's default buffers reach 6 MiB) would
// replay differently.
const replayBuffer = 64 << 20

// runner drives one endpoint.
type runner struct {
	d       *Drive
	profile tcpstate.Config // the endpoint's starting configuration
	conn    *tcpstate.Conn
	feed    []Captured // the other side's segments
	actions []appAction
	end     time.Duration // nothing after it is compared

	capISS, peerISS seqnum.Value // the captured end's ISN and the other side's
	capTS0, ourTS0  uint32       // the first TSval each of the two versions of the end sent
	ourTSSet        bool
	now             time.Duration
	unwritten       int // bytes the application has written that the send buffer could not take yet
}

// appAction is a call the endpoint's application makes: write data,
// close, or abort. It comes after the endpoint has received the other
// side's bytes up to after (the acknowledgment of the captured segment
// that shows it), if hasAfter.
type appAction struct {
	at       time.Duration
	after    seqnum.Value
	hasAfter bool
	feed     int // the first fed segment that reaches after; -1 if none does
	write    int // bytes to write
	close    bool
	abort    bool
}

// zeroes stands in for bytes a capture's payload lacks (cut by the snap
// length, or absent) where only their number matters: what observers are
// fed, what a replay's application writes and its fed segments carry.
var zeroes [MaxRecord]byte

var driveEpoch = time.Unix(0, 0)

// maxReplaySpan is how far from the file's first packet a replayed one
// may be: pcapng's 64-bit timestamps can put packets centuries apart,
// beyond what the replay's clock can add up.
const maxReplaySpan = 100 * 365 * 24 * time.Hour

func (r *runner) prepare(segs []Captured) error {
	var syn *Captured
	for i := range segs {
		c := &segs[i]
		if c.At < -maxReplaySpan || c.At > maxReplaySpan {
			return fmt.Errorf("capture: packet %d is %.0f days from the first: too far apart to replay", c.Frame, c.At.Hours()/24)
		}
		if c.FromServer == r.d.Server {
			r.d.Captured = append(r.d.Captured, *c)
		} else {
			r.feed = append(r.feed, *c)
		}
		if syn == nil && !c.FromServer && c.Seg.Flags&(tcpstate.SYN|tcpstate.ACK) == tcpstate.SYN {
			syn = c
		}
		r.end = max(r.end, c.At)
	}
	if syn == nil {
		return ErrNoOpening
	}
	r.d.Fed = len(r.feed)
	r.d.Lag = r.lag()
	r.end += r.d.Lag
	cfg := r.profile
	cfg.Trace, cfg.ISN = nil, nil
	copy(cfg.Secret[:], "tcpsim replay")
	opening := r.opening()
	if opening != nil {
		o := &opening.Seg.Options
		if o.HasMSS {
			// The MSS offered, and an MTU that lets segments that large
			// be sent (RFC 9293 §3.7.1: MSS = MTU - IP and TCP headers).
			cfg.MSS = o.MSS
			ip := 40
			if opening.Seg.Src.Addr().Is6() {
				ip = 60
			}
			cfg.MTU = min(max(int(o.MSS)+ip, 68), 65535) // RFC 791: 68 at the least
		}
		cfg.WindowScale, cfg.SACKPermitted, cfg.Timestamps = o.HasWindowScale, o.SACKPermitted, o.HasTimestamps
		switch {
		case o.HasWindowScale && cfg.MinWindowShift > 0:
			// A profile that chooses the shift apart from its buffer (as
			// Linux does) takes the captured one as it is.
			cfg.MinWindowShift = min(o.WindowScale, tcpstate.MaxWindowShift)
			cfg.RecvBuffer = max(cfg.RecvBuffer, 16<<cfg.MinWindowShift)
		case o.HasWindowScale:
			// The largest buffer that takes the same shift (RFC 7323
			// §2.3: the shift is the smallest that lets the buffer be
			// advertised), up to replayBuffer: the shift is then kept
			// as the least.
			shift := min(o.WindowScale, tcpstate.MaxWindowShift)
			cfg.RecvBuffer = min(65535<<shift, replayBuffer)
			cfg.MinWindowShift = shift
		default:
			cfg.MinWindowShift = 0
		}
		r.capISS = opening.Seg.Seq
	}
	// The application writes what the capture shows, whatever the
	// window; what the send buffer cannot take waits in unwritten. Its
	// bound, and the receive buffer's, keep a capture whose length fields
	// claim more than it holds from taking gigabytes.
	cfg.SendBuffer = replayBuffer
	var err error
	if r.conn, err = tcpstate.NewConn(cfg); err != nil {
		return fmt.Errorf("capture: the captured end's options cannot be replayed: %w", err)
	}
	for _, c := range r.d.Captured {
		if c.Seg.Options.HasTimestamps {
			r.capTS0 = c.Seg.Options.TSVal
			break
		}
	}
	r.peerISS = syn.Seg.Seq
	if !r.d.Server {
		r.peerISS = 0
		for _, c := range r.feed {
			if c.Seg.Flags&(tcpstate.SYN|tcpstate.ACK) == tcpstate.SYN|tcpstate.ACK {
				r.peerISS = c.Seg.Seq
				break
			}
		}
	}
	r.plan()
	r.link()
	if r.d.Server && opening != nil {
		// A server that answered with a SYN-ACK was listening; one that
		// did not stays CLOSED, and answers the SYN with a RST (RFC 9293
		// §3.10.7.1), as a closed port does.
		return r.conn.Listen(r.at(0), syn.Seg.Dst)
	}
	return nil
}

// opening is the captured end's SYN or SYN-ACK, or nil.
func (r *runner) opening() *Captured {
	for i := range r.d.Captured {
		if r.d.Captured[i].Seg.Flags&tcpstate.SYN != 0 {
			return &r.d.Captured[i]
		}
	}
	return nil
}

// lag is the time from the other side's segment to the captured end's
// answer in the handshake: SYN to SYN-ACK for a server, SYN-ACK to ACK for
// a client, the trigger being the last one before the answer (a SYN sent
// again after a loss); 0 without them.
func (r *runner) lag() time.Duration {
	var trigger, answer tcpstate.Flags = tcpstate.SYN, tcpstate.SYN | tcpstate.ACK
	if !r.d.Server {
		trigger, answer = tcpstate.SYN|tcpstate.ACK, tcpstate.ACK
	}
	const kinds = tcpstate.SYN | tcpstate.ACK | tcpstate.RST | tcpstate.FIN
	for _, a := range r.d.Captured {
		if a.Seg.Flags&kinds != answer {
			continue
		}
		last := time.Duration(-1)
		for _, t := range r.feed {
			if t.At <= a.At && t.Seg.Flags&kinds == trigger {
				last = t.At
			}
		}
		if last >= 0 {
			return a.At - last
		}
		return 0
	}
	return 0
}

// plan lists the application's calls from the captured end's segments:
// new data is written when it is first seen, the FIN is a CLOSE (RFC 9293
// §3.10.2, §3.10.4); a RST after it, or instead, an ABORT (§3.10.5). A
// client's SYN is its OPEN.
func (r *runner) plan() {
	var next seqnum.Value
	started, closed := false, false
	for _, c := range r.d.Captured {
		seg := &c.Seg
		a := appAction{at: c.At, after: seg.Ack, hasAfter: seg.Flags&tcpstate.ACK != 0}
		switch {
		case seg.Flags&tcpstate.RST != 0:
			if started {
				a.abort = true
				r.actions = append(r.actions, a)
			}
			return
		case seg.Flags&tcpstate.SYN != 0:
			next, started = seg.Seq.Add(1), true
			continue
		case !started || closed:
			continue
		}
		if end := seg.Seq.Add(seqnum.Size(c.Len)); end.GreaterThan(next) {
			n := int(next.Size(end))
			if next.LessThan(seg.Seq) {
				n = c.Len // a gap the capture missed: write from here
			}
			a.write = n
			r.actions = append(r.actions, a)
			next = end
		}
		if seg.Flags&tcpstate.FIN != 0 {
			r.actions = append(r.actions, appAction{at: c.At, after: seg.Ack, hasAfter: a.hasAfter, close: true})
			closed = true
		}
	}
}

// link finds, for each call, the fed segment that brings what the call's
// segment acknowledges: the call waits for it, however late it comes.
// Sequence numbers are compared relative to the other side's ISN.
func (r *runner) link() {
	reach := make([]int64, len(r.feed)) // the farthest any fed segment so far reaches
	far := int64(-1)
	for j := range r.feed {
		if c := &r.feed[j]; c.seqLen() > 0 {
			far = max(far, r.rel(c.Seg.Seq)+int64(c.seqLen()))
		}
		reach[j] = far
	}
	for i := range r.actions {
		a := &r.actions[i]
		a.feed = -1
		if !a.hasAfter {
			continue
		}
		want := r.rel(a.after)
		if j, _ := slices.BinarySearch(reach, want); j < len(reach) {
			a.feed = j
		}
	}
}

// rel is seq's distance from the other side's ISN.
func (r *runner) rel(seq seqnum.Value) int64 { return int64(r.peerISS.Size(seq)) }

func (r *runner) at(d time.Duration) time.Time { return driveEpoch.Add(d) }

// run plays the connection in virtual time until the capture's end. At
// each moment the fed segments come one at a time, the endpoint answering
// each at once, as a stack does before its application runs. Each of the
// application's calls comes at its captured time or, if later, once the
// endpoint has received what the captured end had when it made it (what
// its segment acknowledges), and before anything beyond that arrives; the
// timers last.
func (r *runner) run() bool {
	c := r.conn
	if !r.d.Server {
		r.now = r.openAt()
		c.Connect(r.at(r.now), r.clientAddr(), r.serverAddr())
		r.poll()
	}
	fi, ai := 0, 0
	feedDue := func() bool { return fi < len(r.feed) && r.feed[fi].At+r.d.Lag <= r.now }
	waiting := func() bool {
		a := &r.actions[ai]
		return a.hasAfter && !r.received(a.after) && a.feed >= fi
	}
	// An action is due at its time, once the endpoint has what the
	// captured segment acknowledged, and before anything beyond that
	// arrives: at the last moment the captured end could have made it.
	actionDue := func() bool {
		if ai >= len(r.actions) || r.actions[ai].at > r.now {
			return false
		}
		a := &r.actions[ai]
		if waiting() {
			return false // what it answers is still to come
		}
		if !a.hasAfter || !feedDue() || !r.received(a.after) {
			return true
		}
		next := &r.feed[fi]
		return next.seqLen() > 0 && next.Seg.Seq.Add(seqnum.Size(next.seqLen())).GreaterThan(a.after)
	}
	act := func() {
		a := r.actions[ai]
		ai++
		now := r.at(r.now)
		switch {
		case a.abort:
			c.Abort(now)
		case a.close:
			c.Close(now)
		default:
			r.unwritten += a.write
			r.write()
		}
	}
	// Every step consumes a fed segment or a call, fires a timer or moves
	// the clock; retransmission timers back off. A run that takes far more
	// steps than that is stuck.
	budget := 1000*(len(r.feed)+len(r.actions)) + 1_000_000
	for range budget {
		now := r.at(r.now)
		switch {
		case actionDue():
			act()
		case feedDue():
			c.HandleSegment(now, r.rebase(&r.feed[fi]))
			fi++
			r.poll()
			// Then the application: it reads, and makes the calls now
			// due, before the endpoint sends again.
			r.read()
			r.write()
			for actionDue() {
				act()
			}
		case !c.NextTimeout().IsZero() && !c.NextTimeout().After(now):
			c.HandleTimeout(now)
			r.write()
		default:
			next := r.end + 1
			if fi < len(r.feed) {
				next = min(next, r.feed[fi].At+r.d.Lag)
			}
			if ai < len(r.actions) && !waiting() {
				next = min(next, r.actions[ai].at)
			}
			if t := c.NextTimeout(); !t.IsZero() {
				next = min(next, t.Sub(driveEpoch))
			}
			if next > r.end {
				return true
			}
			r.now = max(r.now, next)
			continue
		}
		r.poll()
	}
	return false
}

// received tells whether the endpoint has the other side's bytes up to
// seq (RCV.NXT has reached it).
func (r *runner) received(seq seqnum.Value) bool {
	t := r.conn.TCB()
	return t.State != tcpstate.Closed && t.State != tcpstate.Listen && t.State != tcpstate.SynSent &&
		t.RcvNxt.GreaterThanEq(seq)
}

// openAt is when the captured client sent its SYN.
func (r *runner) openAt() time.Duration {
	if o := r.opening(); o != nil {
		return o.At
	}
	return 0
}

func (r *runner) clientAddr() netip.AddrPort {
	if o := r.opening(); o != nil {
		return o.Seg.Src
	}
	return r.feed[0].Seg.Dst
}

func (r *runner) serverAddr() netip.AddrPort {
	if o := r.opening(); o != nil {
		return o.Seg.Dst
	}
	return r.feed[0].Seg.Src
}

// write hands the send buffer what the application wrote and it could
// not take yet.
func (r *runner) write() {
	for r.unwritten > 0 {
		n, _ := r.conn.Write(zeroes[:min(r.unwritten, len(zeroes))])
		if n == 0 {
			return
		}
		r.unwritten -= n
		r.d.Written += int64(n)
	}
}

// read is the application reading everything the endpoint received: it
// keeps up.
func (r *runner) read() {
	var buf [4096]byte
	for {
		if n, _ := r.conn.Read(buf[:]); n == 0 {
			return
		}
	}
}

// poll collects what the endpoint sends.
func (r *runner) poll() {
	for {
		seg, ok := r.conn.Poll(r.at(r.now))
		if !ok {
			return
		}
		n := len(seg.Payload)
		seg.Payload = nil
		if seg.Options.HasTimestamps && !r.ourTSSet {
			r.ourTS0, r.ourTSSet = seg.Options.TSVal, true
		}
		r.d.Ours = append(r.d.Ours, Sent{At: r.now, Seg: seg, Len: n})
	}
}

// rebase makes the segment to feed from a captured one: its numbers that
// refer to the captured end (acknowledgment, SACK blocks, echoed
// timestamp) moved to the endpoint's, its payload zeros of the length on
// the wire.
func (r *runner) rebase(c *Captured) tcpstate.Segment {
	seg := c.Seg
	iss := r.conn.TCB().ISS
	move := func(v seqnum.Value) seqnum.Value { return iss.Add(r.capISS.Size(v)) }
	if seg.Flags&tcpstate.ACK != 0 {
		seg.Ack = move(seg.Ack)
	}
	o := &seg.Options
	for i := range o.NumSACK {
		b := &o.SACKBlocks[i]
		b.Left, b.Right = move(b.Left), move(b.Right)
	}
	if o.HasTimestamps && o.TSEcr != 0 {
		o.TSEcr = o.TSEcr - r.capTS0 + r.ourTS0
	}
	seg.Payload = zeroes[:min(c.Len, len(zeroes))]
	return seg
}

// compare sets the divergences: segment by segment, in order.
func (r *runner) compare() {
	d := r.d
	var ourISS seqnum.Value
	if len(d.Ours) > 0 {
		ourISS = r.conn.TCB().ISS
	}
	for i := range max(len(d.Ours), len(d.Captured)) {
		var found []Divergence
		switch {
		case i >= len(d.Ours):
			c := d.Captured[i]
			found = append(found, Divergence{Field: "segment", Frame: c.Frame, At: c.At,
				Want: describe(&c.Seg, c.Len, r.capISS, r.peerISS), Got: "none"})
		case i >= len(d.Captured):
			o := d.Ours[i]
			found = append(found, Divergence{Field: "segment", At: o.At, Want: "none",
				Got: describe(&o.Seg, o.Len, ourISS, r.peerISS)})
		default:
			found = r.differences(&d.Captured[i], &d.Ours[i], ourISS)
		}
		if len(found) == 0 {
			continue
		}
		d.Differing++
		for _, f := range found {
			if len(d.Diverged) < MaxDivergences {
				f.Segment = i
				d.Diverged = append(d.Diverged, f)
			}
		}
	}
}

// differences lists how our segment o differs from the captured c.
func (r *runner) differences(c *Captured, o *Sent, ourISS seqnum.Value) []Divergence {
	var found []Divergence
	add := func(field, want, got string) {
		found = append(found, Divergence{Frame: c.Frame, At: c.At, Field: field, Want: want, Got: got})
	}
	cs, os := &c.Seg, &o.Seg
	if cs.Flags != os.Flags {
		add("flags", cs.Flags.String(), os.Flags.String())
	}
	if a, b := r.capISS.Size(cs.Seq), ourISS.Size(os.Seq); a != b {
		add("seq", fmt.Sprint(uint32(a)), fmt.Sprint(uint32(b)))
	}
	if cs.Flags&tcpstate.ACK != 0 && os.Flags&tcpstate.ACK != 0 {
		if a, b := r.peerISS.Size(cs.Ack), r.peerISS.Size(os.Ack); a != b {
			add("ack", fmt.Sprint(uint32(a)), fmt.Sprint(uint32(b)))
		}
	}
	if c.Len != o.Len {
		add("len", fmt.Sprint(c.Len), fmt.Sprint(o.Len))
	}
	if cs.Window != os.Window {
		add("window", fmt.Sprint(cs.Window), fmt.Sprint(os.Window))
	}
	if a, b := driveOptions(&cs.Options, r.peerISS), driveOptions(&os.Options, r.peerISS); a != b {
		add("options", a, b)
	}
	if dt := o.At - c.At; dt > TimingTolerance || dt < -TimingTolerance {
		add("time", seconds(c.At), seconds(o.At))
	}
	return found
}

// describe is a segment in short, with its numbers relative to the ISNs.
func describe(s *tcpstate.Segment, n int, iss, peerISS seqnum.Value) string {
	t := fmt.Sprintf("%s seq %d", s.Flags, uint32(iss.Size(s.Seq)))
	if s.Flags&tcpstate.ACK != 0 {
		t += fmt.Sprintf(" ack %d", uint32(peerISS.Size(s.Ack)))
	}
	return t + fmt.Sprintf(" len %d win %d", n, s.Window)
}

// driveOptions lists the options that must agree: the SYN's offers, the
// SACK blocks (relative to the other side's ISN), and whether timestamps
// are carried; their values follow each stack's own clock.
func driveOptions(o *tcpstate.Options, peerISS seqnum.Value) string {
	if t := o.OffersAndSACK(peerISS); t != "" {
		return t
	}
	return "none"
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.6f s", d.Seconds()) }
