package tcpstate

import (
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// Conn is one end of a TCP connection. It is not safe for concurrent use:
// a driver serializes its calls.
type Conn struct {
	// The fields are grouped by size, largest first, so that the struct
	// has no padding: a million connections should fit in memory.

	cfg           Config
	local, remote netip.AddrPort
	aux           *connAux    // what only some connections need, allocated on first use
	cong          *congestion // made when data is first sent

	// Send side: bytes from sndBufSeq on, written and not yet acknowledged.
	// Receive side: in-order bytes not yet read.
	sndBuf, rcvBuf ring

	timers     [numTimers]instant
	rto        rtoEstimator
	tsRecentAt instant // when TS.Recent was last set (RFC 7323 §5.5)
	tsEpoch    instant // the open: the timestamp clock counts from it

	// Send sequence variables (RFC 9293 §3.3.1). sndNxt is the highest
	// sequence number sent so far plus one; after a timeout, retransmission
	// restarts at rtxNxt while sndNxt stays where it was.
	iss       seqnum.Value
	sndUna    seqnum.Value
	sndNxt    seqnum.Value
	sndWnd    uint32
	sndWL1    seqnum.Value
	sndWL2    seqnum.Value
	maxSndWnd uint32 // RFC 5961 §5.2 MAX.SND.WND
	rtxNxt    seqnum.Value
	rtxBudget int32 // segments that may be resent before the next ACK
	sndBufSeq seqnum.Value
	rtxEnd    seqnum.Value // with rtxOne: where that one retransmission stops
	finSeq    seqnum.Value // where the FIN went, once finSent

	// Receive sequence variables. rcvAdv is the right edge of the window
	// last advertised, RCV.NXT+RCV.WND; it never moves left.
	irs         seqnum.Value
	rcvNxt      seqnum.Value
	rcvAdv      seqnum.Value
	lastAckSent seqnum.Value // RFC 7323 Last.ACK.sent

	// Timestamps (RFC 7323 §3-5) and retransmission counts.
	tsRecent     uint32
	tsOffset     uint32
	retransmits  int32
	persistShift int32 // SWS waits since the last send: the persist backoff
	probesOut    int32 // zero-window or keep-alive probes not answered by any ACK

	// Negotiated options (RFC 9293 §3.7.1, RFC 7323, RFC 2018).
	rcvMSS   uint16 // the MSS we announce
	peerMSS  uint16 // the MSS the peer announced (or the default)
	sndShift uint8
	rcvShift uint8
	wscaleOK bool
	sackOK   bool
	tsOK     bool

	state     State
	events    Event
	listenAny bool // the passive OPEN listens on the unspecified address
	opened    bool // Connect or Listen was called
	passive   bool // reached SYN-RECEIVED from LISTEN (RFC 9293 MUST-11)
	inRtx     bool // retransmitting from rtxNxt
	rtxOne    bool // the retransmission is of one segment only (fast retransmit)
	congReady bool // cong is set up for this connection
	synAcked  bool // our SYN has been acknowledged (SND.UNA moved past ISS)
	finQueued bool // Close was called: a FIN follows the data
	finSent   bool // the FIN went out at finSeq
	finRcvd   bool

	// What Poll owes.
	ackPending       bool
	rstPending       bool // our own RST, <SEQ=SND.NXT><CTL=RST> (RFC 9293 §3.10.5)
	probePending     bool // the persist timer fired on a zero window: send a probe
	keepalivePending bool // the keep-alive timer fired: send a probe
	override         bool // the SWS override timeout fired: send what fits
	fullSegs         int8 // full-sized segments received since our last ACK (delayed ACK)

	// While HandleSegment runs, state changes are traced after the
	// segment that caused them (in aux.deferred).
	deferring bool
}

// connAux holds the parts of a connection most never use, so that an idle
// connection stays small: resets owed to stray segments, the state
// changes traced late, and scratch space for a segment whose data wraps
// around the send buffer.
type connAux struct {
	replies  replyQueue
	deferred []TraceEvent
	scratch  []byte

	// Out-of-order data, and a FIN that came after it.
	reasm   *reassembly
	finHeld bool
	finAt   seqnum.Value

	// Config.WindowGrowth: the most window this end offers now, and
	// whether it has grown since the SYN.
	rcvSSThresh uint32
	rcvGrown    bool

	smallEnd  seqnum.Value // with Config.NagleMinshall: the end of the last segment sent smaller than the MSS
	smallSent bool         // smallEnd is set

	err            error   // why the connection ended abnormally
	lastInvalidACK instant // when we last answered an unacceptable bare ACK
	synRetried     bool    // the SYN or SYN-ACK was retransmitted (RFC 6298 §5.7)

	// Config.QuickACK: when in-order data last arrived, and whether the
	// connection is interactive (its ACKs may wait for its answers).
	lastDataIn  instant
	interactive bool
}

// forget clears what the aux part learned of one connection: out-of-order
// data, a held FIN, the error, the ACK throttle and the SYN retry mark. The
// resets owed and the traces deferred are left: they belong to the
// driver's call in progress.
func (a *connAux) forget(recvBuffer int) {
	a.finHeld = false
	a.err, a.lastInvalidACK, a.synRetried = nil, 0, false
	a.lastDataIn, a.interactive = 0, false
	a.rcvSSThresh, a.rcvGrown = 0, false
	if a.reasm != nil {
		a.reasm.Reset()
		a.reasm.setLimits(recvBuffer, 0)
	}
}

// synRetried tells whether the SYN or SYN-ACK was retransmitted.
func (c *Conn) synRetried() bool { return c.aux != nil && c.aux.synRetried }

// extra returns the connection's aux part, allocating it if need be.
func (c *Conn) extra() *connAux {
	if c.aux == nil {
		c.aux = new(connAux)
	}
	return c.aux
}

// replyQueue holds the resets owed to stray segments.
type replyQueue struct {
	r [2]reply
	n int
}

// reply is a reset owed to a stray segment, outside our sequence space.
type reply struct {
	src, dst netip.AddrPort
	seq, ack seqnum.Value
	flags    Flags
}

// NewConn returns a connection in the CLOSED state, or an error if cfg is
// not valid.
func NewConn(cfg Config) (*Conn, error) {
	c := new(Conn)
	if err := c.Reset(cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// Reset makes c a new connection in the CLOSED state with cfg, as NewConn
// would, forgetting everything about its previous life but keeping the
// memory of its buffers, so that a driver can reuse connections without
// allocating. On error c is left unchanged.
func (c *Conn) Reset(cfg Config) error {
	if err := cfg.check(); err != nil {
		return err
	}
	snd, rcv := c.sndBuf, c.rcvBuf
	snd.Discard(snd.Len())
	rcv.Discard(rcv.Len())
	aux := c.aux
	if aux != nil {
		aux.replies.n = 0
		aux.deferred = aux.deferred[:0]
		aux.forget(cfg.RecvBuffer)
	}
	*c = Conn{cfg: cfg, sndBuf: snd, rcvBuf: rcv, aux: aux, cong: c.cong}
	return nil
}

// State returns the connection's RFC 9293 state.
func (c *Conn) State() State { return c.state }

// Err returns why the connection ended abnormally (ErrReset, ErrRefused,
// ErrTimedOut, ErrAborted), or nil.
func (c *Conn) Err() error {
	if c.aux == nil {
		return nil
	}
	return c.aux.err
}

// LocalAddr and RemoteAddr return the connection's 4-tuple.
func (c *Conn) LocalAddr() netip.AddrPort  { return c.local }
func (c *Conn) RemoteAddr() netip.AddrPort { return c.remote }

// Passive reports whether the connection was opened from LISTEN.
func (c *Conn) Passive() bool { return c.passive }

// TCB returns a snapshot of the connection's variables.
func (c *Conn) TCB() TCB {
	t := TCB{
		State:         c.state,
		ISS:           c.iss,
		SndUna:        c.sndUna,
		SndNxt:        c.sndNxt,
		SndWnd:        c.sndWnd,
		SndWL1:        c.sndWL1,
		SndWL2:        c.sndWL2,
		IRS:           c.irs,
		RcvNxt:        c.rcvNxt,
		RcvMSS:        c.rcvMSS,
		SndWndShift:   c.sndShift,
		RcvWndShift:   c.rcvShift,
		WindowScaling: c.wscaleOK,
		SACKPermitted: c.sackOK,
		Timestamps:    c.tsOK,
		TSRecent:      c.tsRecent,
		RTO:           c.rto.rto,
		SRTT:          c.rto.srtt,
		RTTVar:        c.rto.rttvar,
		Retransmits:   int(c.retransmits),
		SendQueued:    c.sndBuf.Len(),
		RecvQueued:    c.rcvBuf.Len(),
	}
	if c.state != Closed && c.state != Listen {
		t.RcvWnd = uint32(c.rcvNxt.Size(c.rcvAdv))
		t.SndMSS = c.sndMSS()
	}
	if c.congReady {
		g := c.cong
		t.Cwnd, t.Ssthresh = uint32(g.cc.CWnd()), uint32(min(g.cc.Ssthresh(), 1<<31))
		t.FastRetransmits = g.fastRetransmits
	}
	return t
}

// PollEvent returns the next pending application event.
func (c *Conn) PollEvent() (Event, bool) {
	if c.events == 0 {
		return 0, false
	}
	e := c.events & -c.events // lowest set bit: events come in declaration order
	c.events &^= e
	return e, true
}

// setState moves to state to, tracing why (rule cites the RFC) and
// raising the events and timer changes the new state implies.
func (c *Conn) setState(now time.Time, to State, rule string) {
	from := c.state
	if from == to {
		return
	}
	c.state = to
	switch to {
	case Established:
		c.armKeepalive(now)
		c.events |= EventEstablished
		if c.sndBuf.Free() > 0 {
			c.events |= EventWritable
		}
	case TimeWait:
		// RFC 9293 §3.10.7.4 eighth check: "Enter the TIME-WAIT state.
		// Start the time-wait timer, turn off the other timers."
		c.timers = [numTimers]instant{}
		c.setTimer(TimerTimeWait, now.Add(2*c.cfg.MSL))
	case Closed:
		c.timers = [numTimers]instant{}
		c.events |= EventClosed
		c.ackPending = false
	}
	if c.cfg.Trace != nil {
		c.trace(now, TraceEvent{Kind: TraceState, From: from, To: to, Rule: rule})
	}
}

// fail ends the connection with err: "flush all segment queues", signal the
// user and enter CLOSED (RFC 9293 §3.10.7.4, RST and timeout handling).
func (c *Conn) fail(now time.Time, err error, rule string) {
	c.extra().err = err
	c.sndBuf.Discard(c.sndBuf.Len())
	c.finQueued = false
	c.setState(now, Closed, rule)
}

func (c *Conn) trace(now time.Time, ev TraceEvent) {
	if c.cfg.Trace == nil {
		return
	}
	ev.Time = now
	ev.TCB = c.TCB()
	if c.deferring {
		x := c.extra()
		x.deferred = append(x.deferred, ev)
		return
	}
	c.cfg.Trace(ev)
}
