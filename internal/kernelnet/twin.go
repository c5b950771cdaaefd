package kernelnet

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// A twin run plays one socket-level script twice: on the kernel's sockets
// (recorded on the namespace's loopback) and in tcpsim's simulator, then
// compares the two traces segment by segment, with sequence numbers
// relative to each side's ISN and timestamps left out.

// Both runs of a script end when the link has carried nothing for
// twinQuiet after the last call, or twinTail after it at the most: the
// kernel's capture in wall-clock time, the simulator in virtual time.
const (
	twinQuiet = 50 * time.Millisecond
	twinTail  = time.Second
)

// TwinOp is one call of a twin script.
type TwinOp uint8

// The calls. The server listens from the start.
const (
	OpConnect  TwinOp = iota // the client connects, and the server accepts
	OpWrite                  // write N bytes
	OpRead                   // read exactly N bytes
	OpReadEOF                // read the end of the stream
	OpShutdown               // shutdown(SHUT_WR): a FIN, and keep reading
	OpClose                  // close
	OpAbort                  // close with SO_LINGER 0: a RST
	OpSleep                  // wait D
)

// Side names the end a step runs on.
type Side uint8

// The ends of a twin script.
const (
	Client Side = iota
	Server
)

func (s Side) String() string {
	if s == Client {
		return "client"
	}
	return "server"
}

// TwinStep is one call on one end.
type TwinStep struct {
	Side Side
	Op   TwinOp
	N    int
	D    time.Duration
}

// TwinScenario is a script. With NoListener the server does not listen:
// the connection is refused. ServerBuffer, if set, is the server's
// receive buffer (SO_RCVBUF on the kernel's listener, which Linux
// doubles; RecvBuffer in the simulator). DropClientData, if set, drops
// the client's data segment of that number, from 1, once: by an iptables
// rule (statistic --mode nth) in the kernel's namespace, by a scripted
// fault on the simulated link.
type TwinScenario struct {
	Name           string
	NoListener     bool
	ServerBuffer   int
	DropClientData int
	Steps          []TwinStep
}

// shorthand for the scenarios
func c(op TwinOp, n int) TwinStep { return TwinStep{Side: Client, Op: op, N: n} }
func s(op TwinOp, n int) TwinStep { return TwinStep{Side: Server, Op: op, N: n} }
func pause(side Side, d time.Duration) TwinStep {
	return TwinStep{Side: side, Op: OpSleep, D: d}
}

// closeBoth: the client closes, the server reads the end and closes.
var closeBoth = []TwinStep{c(OpClose, 0), s(OpReadEOF, 0), s(OpClose, 0)}

// TwinScenarios are the scripts tcpsim twin runs.
var TwinScenarios = []TwinScenario{
	{Name: "handshake", Steps: append([]TwinStep{c(OpConnect, 0)}, closeBoth...)},
	{Name: "server closes first", Steps: []TwinStep{c(OpConnect, 0), s(OpClose, 0), c(OpReadEOF, 0), c(OpClose, 0)}},
	{Name: "request and response", Steps: append([]TwinStep{c(OpConnect, 0), c(OpWrite, 100), s(OpRead, 100),
		s(OpWrite, 200), c(OpRead, 200)}, closeBoth...)},
	{Name: "three round trips", Steps: append([]TwinStep{c(OpConnect, 0),
		c(OpWrite, 10), s(OpRead, 10), s(OpWrite, 10), c(OpRead, 10),
		c(OpWrite, 10), s(OpRead, 10), s(OpWrite, 10), c(OpRead, 10),
		c(OpWrite, 10), s(OpRead, 10), s(OpWrite, 10), c(OpRead, 10)}, closeBoth...)},
	{Name: "one full segment", Steps: append([]TwinStep{c(OpConnect, 0), c(OpWrite, 1448), s(OpRead, 1448)}, closeBoth...)},
	{Name: "3000 bytes", Steps: append([]TwinStep{c(OpConnect, 0), c(OpWrite, 3000), s(OpRead, 3000)}, closeBoth...)},
	{Name: "100 kB upload", Steps: append([]TwinStep{c(OpConnect, 0), c(OpWrite, 100000), s(OpRead, 100000)}, closeBoth...)},
	{Name: "100 kB download", Steps: append([]TwinStep{c(OpConnect, 0), s(OpWrite, 100000), c(OpRead, 100000)}, closeBoth...)},
	{Name: "half-close", Steps: []TwinStep{c(OpConnect, 0), c(OpWrite, 100), c(OpShutdown, 0), s(OpRead, 100),
		s(OpReadEOF, 0), s(OpWrite, 100), s(OpClose, 0), c(OpRead, 100), c(OpReadEOF, 0), c(OpClose, 0)}},
	{Name: "data with the FIN", Steps: []TwinStep{c(OpConnect, 0), c(OpWrite, 100), c(OpClose, 0), s(OpRead, 100),
		s(OpReadEOF, 0), s(OpClose, 0)}},
	{Name: "both close", Steps: []TwinStep{c(OpConnect, 0), c(OpClose, 0), s(OpClose, 0)}},
	{Name: "abort by the client", Steps: []TwinStep{c(OpConnect, 0), c(OpWrite, 10), s(OpRead, 10), c(OpAbort, 0),
		s(OpClose, 0)}},
	{Name: "abort by the server", Steps: []TwinStep{c(OpConnect, 0), s(OpAbort, 0), c(OpClose, 0)}},
	{Name: "refused", NoListener: true, Steps: []TwinStep{c(OpConnect, 0)}},
	{Name: "delayed answer", Steps: append([]TwinStep{c(OpConnect, 0), c(OpWrite, 100), s(OpRead, 100),
		pause(Server, 100*time.Millisecond), s(OpWrite, 100), c(OpRead, 100)}, closeBoth...)},
	{Name: "zero window", ServerBuffer: 4096, Steps: append([]TwinStep{c(OpConnect, 0), c(OpWrite, 20000),
		pause(Server, 500*time.Millisecond), s(OpRead, 20000)}, closeBoth...)},
	{Name: "lost segment", DropClientData: 2, Steps: append([]TwinStep{c(OpConnect, 0), c(OpWrite, 3000),
		s(OpRead, 3000)}, closeBoth...)},
}

// check tells whether every step has its connection: only a connect (by
// the client, once) and a sleep may come before it, and nothing but a
// sleep after the side closed or aborted.
func (sc TwinScenario) check() error {
	var open, gone [2]bool
	for i, st := range sc.Steps {
		switch {
		case st.Op == OpSleep:
		case st.Op == OpConnect:
			if st.Side != Client || open[Client] || gone[Client] {
				return fmt.Errorf("kernelnet: twin %q, step %d: only the client connects, once", sc.Name, i)
			}
			open[Client], open[Server] = true, !sc.NoListener
		case !open[st.Side] || gone[st.Side]:
			return fmt.Errorf("kernelnet: twin %q, step %d: the %v has no connection", sc.Name, i, st.Side)
		case st.Op == OpClose || st.Op == OpAbort:
			gone[st.Side] = true
		}
	}
	return nil
}

// FindTwin returns the scenario named name.
func FindTwin(name string) (TwinScenario, bool) {
	for _, sc := range TwinScenarios {
		if sc.Name == name {
			return sc, true
		}
	}
	return TwinScenario{}, false
}

// TwinSegment is a segment of a twin trace, normalized: its direction,
// and its numbers relative to each side's ISN.
type TwinSegment struct {
	FromServer bool
	Flags      tcpstate.Flags
	Seq, Ack   uint32
	Len        int
	Window     uint16
	Options    string // the SYN's offers and SACK blocks, timestamps as present or not (Options.OffersAndSACK)
}

func (t TwinSegment) String() string {
	dir := "c>s"
	if t.FromServer {
		dir = "s>c"
	}
	s := fmt.Sprintf("%s %-3s seq %d", dir, t.Flags, t.Seq)
	if t.Flags&tcpstate.ACK != 0 {
		s += fmt.Sprintf(" ack %d", t.Ack)
	}
	s += fmt.Sprintf(" win %d len %d", t.Window, t.Len)
	if t.Options != "" {
		s += " <" + t.Options + ">"
	}
	return s
}

// normalize turns a trace into twin segments: the connection is the one
// the first SYN (without ACK) opens, its sender the client; segments of
// other connections are left out; numbers are relative to each end's ISN
// (its first SYN).
func normalize(trace []TraceSegment) []TwinSegment {
	var client, server netip.AddrPort
	for _, t := range trace {
		if t.Seg.Flags&(tcpstate.SYN|tcpstate.ACK) == tcpstate.SYN {
			client, server = t.Seg.Src, t.Seg.Dst
			break
		}
	}
	var out []TwinSegment
	var isn [2]seqnum.Value
	var isnSet [2]bool
	for _, t := range trace {
		side := 0
		switch {
		case t.Seg.Src == client && t.Seg.Dst == server:
		case t.Seg.Src == server && t.Seg.Dst == client:
			side = 1
		default:
			continue
		}
		if t.Seg.Flags&tcpstate.SYN != 0 && !isnSet[side] {
			isn[side], isnSet[side] = t.Seg.Seq, true
		}
		ts := TwinSegment{FromServer: side == 1, Flags: t.Seg.Flags, Seq: uint32(isn[side].Size(t.Seg.Seq)),
			Len: t.Len, Window: t.Seg.Window, Options: t.Seg.Options.OffersAndSACK(isn[1-side])}
		if t.Seg.Flags&tcpstate.ACK != 0 {
			ts.Ack = uint32(isn[1-side].Size(t.Seg.Ack))
		}
		out = append(out, ts)
	}
	return out
}

// TwinDiff is one place where the two traces differ: the n-th segment
// one way.
type TwinDiff struct {
	FromServer     bool
	Index          int    // among the segments that way, from 0
	Kernel, Tcpsim string // the segment on each side, or "none"
}

// diffTwins compares the traces segment by segment, each direction on its
// own: which way's segment comes first when both ends send at once is a
// matter of microseconds, not of TCP.
func diffTwins(kernel, sim []TwinSegment) []TwinDiff {
	var diffs []TwinDiff
	for _, fromServer := range []bool{false, true} {
		for i, row := range pairRows(oneWay(kernel, fromServer), oneWay(sim, fromServer), "none") {
			if row[2] != "" {
				diffs = append(diffs, TwinDiff{FromServer: fromServer, Index: i, Kernel: row[0], Tcpsim: row[1]})
			}
		}
	}
	return diffs
}

// pairRows lines two traces up segment by segment: each row the kernel's,
// tcpsim's (missing for the shorter: absent), and "*" if they differ.
func pairRows(k, s []TwinSegment, absent string) [][3]string {
	var rows [][3]string
	for i := range max(len(k), len(s)) {
		a, b := absent, absent
		if i < len(k) {
			a = k[i].String()
		}
		if i < len(s) {
			b = s[i].String()
		}
		mark := ""
		if a != b {
			mark = "*"
		}
		rows = append(rows, [3]string{a, b, mark})
	}
	return rows
}

// oneWay keeps the segments sent one way.
func oneWay(trace []TwinSegment, fromServer bool) []TwinSegment {
	var out []TwinSegment
	for _, t := range trace {
		if t.FromServer == fromServer {
			out = append(out, t)
		}
	}
	return out
}

// TwinResult is what a twin run found.
type TwinResult struct {
	Scenario       string
	Kernel, Tcpsim []TwinSegment
	Diffs          []TwinDiff
}

// Sides pairs the two traces one way, segment by segment, for a side by
// side view: each row the kernel's segment, tcpsim's, and "*" if they
// differ.
func (r TwinResult) Sides(fromServer bool) [][3]string {
	return pairRows(oneWay(r.Kernel, fromServer), oneWay(r.Tcpsim, fromServer), "")
}
