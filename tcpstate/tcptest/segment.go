package tcptest

import (
	"fmt"
	"strings"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// The initial sequence numbers of the two ends. Both sit just below 2^32,
// so every scenario that moves a few hundred bytes crosses the wrap.
const (
	LocalISS  seqnum.Value = 0xFFFFFF00
	RemoteISS seqnum.Value = 0xFFFFFFF0
)

// L returns LocalISS+n, a sequence number in the local end's space.
func L(n int) seqnum.Value { return LocalISS + seqnum.Value(int32(n)) }

// R returns RemoteISS+n, a sequence number in the remote peer's space.
func R(n int) seqnum.Value { return RemoteISS + seqnum.Value(int32(n)) }

// Seg describes a segment: for Inject, the segment the peer sends; for
// Expect, what the connection must send. Flags, sequence number, and (when
// the ACK bit is set) acknowledgment number are always compared, and so is
// the length; the window, data and options only when set with the methods
// below.
type Seg struct {
	seg       tcpstate.Segment
	fromPeer  bool
	checkWin  bool
	checkData bool
	checkOpts bool
	anyTSVal  bool // TSEcho: TSval is not compared
}

// Peer describes a segment from the remote peer.
func Peer(flags tcpstate.Flags, seq, ack seqnum.Value) Seg {
	return Seg{seg: tcpstate.Segment{Flags: flags, Seq: seq, Ack: ack, Window: 65535}, fromPeer: true}
}

// Us describes a segment from the connection under test.
func Us(flags tcpstate.Flags, seq, ack seqnum.Value) Seg {
	return Seg{seg: tcpstate.Segment{Flags: flags, Seq: seq, Ack: ack}}
}

// Win sets the window field (as on the wire) and, for Expect, checks it.
func (s Seg) Win(w uint16) Seg { s.seg.Window, s.checkWin = w, true; return s }

// Data sets the payload and, for Expect, checks its bytes.
func (s Seg) Data(d string) Seg { s.seg.Payload, s.checkData = []byte(d), true; return s }

// Len sets a payload of n bytes ('x') whose contents Expect does not check.
func (s Seg) Len(n int) Seg { s.seg.Payload = []byte(strings.Repeat("x", n)); return s }

// MSS adds the MSS option; Expect then compares all options exactly.
func (s Seg) MSS(m uint16) Seg {
	s.seg.Options.HasMSS, s.seg.Options.MSS, s.checkOpts = true, m, true
	return s
}

// WScale adds the window scale option.
func (s Seg) WScale(shift uint8) Seg {
	s.seg.Options.HasWindowScale, s.seg.Options.WindowScale, s.checkOpts = true, shift, true
	return s
}

// SACKOK adds the SACK-permitted option.
func (s Seg) SACKOK() Seg { s.seg.Options.SACKPermitted, s.checkOpts = true, true; return s }

// TS adds the timestamps option.
func (s Seg) TS(val, ecr uint32) Seg {
	o := &s.seg.Options
	o.HasTimestamps, o.TSVal, o.TSEcr, s.checkOpts = true, val, ecr, true
	return s
}

// TSEcho adds the timestamps option with TSecr ecr and, for Expect,
// leaves TSval unchecked: the connection's timestamp clock starts at a
// per-connection offset (RFC 7323 §5.4) that scenarios do not know.
// Failures show the unchecked TSval as "*".
func (s Seg) TSEcho(ecr uint32) Seg {
	s = s.TS(0, ecr)
	s.anyTSVal = true
	return s
}

// NoOptions makes Expect check that the segment carries no option.
func (s Seg) NoOptions() Seg { s.seg.Options, s.checkOpts = tcpstate.Options{}, true; return s }

// Segment returns the segment described.
func (s Seg) Segment() tcpstate.Segment { return s.seg }

// rel formats a sequence number relative to the ISS of its space:
// "L+1", "R-3".
func rel(v seqnum.Value, local bool) string {
	base, name := RemoteISS, "R"
	if local {
		base, name = LocalISS, "L"
	}
	d := int32(v - base)
	if d < 0 {
		return fmt.Sprintf("%s%d", name, d)
	}
	return fmt.Sprintf("%s+%d", name, d)
}

// describe formats seg with sequence numbers relative to the ISSs:
// "S. L+0 ack R+1 win 65535 len 0 [mss 1460]".
func describe(seg *tcpstate.Segment, fromPeer bool) string {
	return format(seg, fromPeer, true, true)
}

// String formats the expectation like describe, leaving out the window
// and options when they are not checked.
func (s Seg) String() string {
	str := format(&s.seg, s.fromPeer, s.checkWin || s.fromPeer, s.checkOpts || s.fromPeer)
	if s.anyTSVal {
		str = strings.Replace(str, "TS val 0 ", "TS val * ", 1)
	}
	return str
}

func format(seg *tcpstate.Segment, fromPeer, win, opts bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", seg.Flags, rel(seg.Seq, !fromPeer))
	if seg.Flags&tcpstate.ACK != 0 {
		fmt.Fprintf(&b, " ack %s", rel(seg.Ack, fromPeer))
	}
	if win {
		fmt.Fprintf(&b, " win %d", seg.Window)
	}
	fmt.Fprintf(&b, " len %d", len(seg.Payload))
	if opts && !seg.Options.IsZero() {
		fmt.Fprintf(&b, " [%s]", seg.Options)
	}
	return b.String()
}

// mismatch compares a segment the connection sent with the expectation
// and returns "" when it matches.
func (s Seg) mismatch(got *tcpstate.Segment) string {
	w := &s.seg
	opts := w.Options
	if s.anyTSVal && got.Options.HasTimestamps {
		opts.TSVal = got.Options.TSVal
	}
	ok := got.Flags == w.Flags && got.Seq == w.Seq && len(got.Payload) == len(w.Payload) &&
		(got.Flags&tcpstate.ACK == 0 || got.Ack == w.Ack) &&
		(!s.checkWin || got.Window == w.Window) &&
		(!s.checkData || string(got.Payload) == string(w.Payload)) &&
		(!s.checkOpts || got.Options == opts)
	if ok {
		return ""
	}
	return fmt.Sprintf("got %s / want %s", describe(got, false), s)
}

// SACK adds a SACK option with the given blocks (RFC 2018 §3), at most
// tcpstate.MaxSACKBlocks of them.
func (s Seg) SACK(blocks ...tcpstate.SACKBlock) Seg {
	o := &s.seg.Options
	o.NumSACK = uint8(copy(o.SACKBlocks[:], blocks))
	s.checkOpts = true
	return s
}
