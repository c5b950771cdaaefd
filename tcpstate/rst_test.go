package tcpstate_test

import (
	"net/netip"
	"testing"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// rstState is one synchronized state reached by a fixture, with the
// sequence variables the fixture leaves: SND.NXT, RCV.NXT, and the error
// a reset reports there. In every one of them the right edge of the
// receive window, RCV.NXT+RCV.WND, is R+65536: the SYN-ACK opened a
// 65535-byte window at R+1, and a received FIN does not move the edge
// (RFC 9293 §3.8.6.2.2: it moves by at least an MSS).
type rstState struct {
	name     string
	fixture  func() Step
	state    tcpstate.State
	sndNxt   seqnum.Value
	rcvNxt   seqnum.Value
	resetErr error
}

var rstStates = []rstState{
	// RFC 9293 §3.10.7.4 second, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2,
	// CLOSE-WAIT: "Users should also receive an unsolicited general
	// 'connection reset' signal. Enter the CLOSED state".
	{"ESTABLISHED", Established, tcpstate.Established, L(1), R(1), tcpstate.ErrReset},
	{"FIN-WAIT-1", FinWait1, tcpstate.FinWait1, L(2), R(1), tcpstate.ErrReset},
	{"FIN-WAIT-2", FinWait2, tcpstate.FinWait2, L(2), R(1), tcpstate.ErrReset},
	{"CLOSE-WAIT", CloseWait, tcpstate.CloseWait, L(1), R(2), tcpstate.ErrReset},
	// CLOSING, LAST-ACK, TIME-WAIT: "If the RST bit is set, then enter the
	// CLOSED state, delete the TCB, and return." No error is signalled.
	{"CLOSING", Closing, tcpstate.Closing, L(2), R(2), nil},
	{"LAST-ACK", LastAck, tcpstate.LastAck, L(2), R(2), nil},
	{"TIME-WAIT", TimeWait, tcpstate.TimeWait, L(2), R(2), nil},
}

// rstRightEdge is RCV.NXT+RCV.WND in every rstState.
var rstRightEdge = R(65536)

// TestRSTInSynchronizedStates checks RFC 5961 §3.2 and §4.2, as RFC 9293
// §3.10.7.4 (second and fourth checks) adopts them, in every synchronized
// state.
func TestRSTInSynchronizedStates(t *testing.T) {
	var scenarios []Scenario
	for _, s := range rstStates {
		challenge := Us(tcpstate.ACK, s.sndNxt, s.rcvNxt)
		scenarios = append(scenarios,
			// RFC 5961 §3.2 2) "If the RST bit is set and the sequence
			// number exactly matches the next expected sequence number
			// (RCV.NXT), then TCP MUST reset the connection."
			Scenario{Name: s.name + ": RST at RCV.NXT closes the connection", Steps: []Step{
				s.fixture(),
				DrainEvents(),
				Inject(Peer(tcpstate.RST, s.rcvNxt, 0), tcpstate.Reset),
				ExpectNothing(),
				State(tcpstate.Closed),
				Err(s.resetErr),
				Events(tcpstate.EventClosed),
				NextTimeout(0), // TIME-WAIT and retransmission timers too
			}},
			// A RST carrying an ACK is judged by its sequence number alone.
			Scenario{Name: s.name + ": RST-ACK at RCV.NXT closes the connection", Steps: []Step{
				s.fixture(),
				Inject(Peer(tcpstate.RST|tcpstate.ACK, s.rcvNxt, s.sndNxt), tcpstate.Reset),
				ExpectNothing(),
				State(tcpstate.Closed),
				Err(s.resetErr),
			}},
			// 3) "If the RST bit is set and the sequence number does not
			// exactly match the next expected sequence value, yet is
			// within the current receive window, TCP MUST send an
			// acknowledgment (challenge ACK): <SEQ=SND.NXT><ACK=RCV.NXT>
			// <CTL=ACK>. After sending the challenge ACK, TCP MUST drop
			// the unacceptable segment and stop processing the incoming
			// packet further."
			Scenario{Name: s.name + ": RST in the window but not at RCV.NXT gets a challenge ACK", Steps: []Step{
				s.fixture(),
				DrainEvents(),
				Inject(Peer(tcpstate.RST, s.rcvNxt+1, 0), tcpstate.ChallengeACK),
				Expect(challenge),
				ExpectNothing(),
				State(s.state),
				// The last sequence number in the window.
				Inject(Peer(tcpstate.RST|tcpstate.ACK, rstRightEdge-1, s.sndNxt), tcpstate.ChallengeACK),
				Expect(challenge),
				State(s.state),
				Err(nil),
				Events(),
				RcvNxt(s.rcvNxt),
				SndNxt(s.sndNxt),
			}},
			// 1) "If the RST bit is set and the sequence number is outside
			// the current receive window, silently drop the segment."
			Scenario{Name: s.name + ": RST outside the window is dropped silently", Steps: []Step{
				s.fixture(),
				Inject(Peer(tcpstate.RST, s.rcvNxt-1, 0), tcpstate.DroppedRST),
				Inject(Peer(tcpstate.RST, rstRightEdge, 0), tcpstate.DroppedRST),
				Inject(Peer(tcpstate.RST|tcpstate.ACK, s.rcvNxt-1<<20, s.sndNxt), tcpstate.DroppedRST),
				ExpectNothing(),
				State(s.state),
				Err(nil),
			}},
			// RFC 5961 §4.2: "If the SYN bit is set, irrespective of the
			// sequence number, TCP MUST send an ACK (also referred to as
			// challenge ACK) to the remote peer: <SEQ=SND.NXT><ACK=RCV.NXT>
			// <CTL=ACK>. After sending the acknowledgment, TCP MUST drop
			// the unacceptable segment and stop processing further."
			Scenario{Name: s.name + ": SYN in the window gets a challenge ACK", Steps: []Step{
				s.fixture(),
				Inject(Peer(tcpstate.SYN, s.rcvNxt, 0).MSS(1460), tcpstate.ChallengeACK),
				Expect(challenge),
				ExpectNothing(),
				State(s.state),
				Inject(Peer(tcpstate.SYN, s.rcvNxt+1000, 0).MSS(1460), tcpstate.ChallengeACK),
				Expect(challenge),
				Inject(Peer(tcpstate.SYN|tcpstate.ACK, s.rcvNxt, s.sndNxt).MSS(1460), tcpstate.ChallengeACK),
				Expect(challenge),
				State(s.state),
				Err(nil),
				RcvNxt(s.rcvNxt),
			}},
			// RFC 9293 §3.10.7.4 fourth: "If the SYN is not in the window,
			// this step would not be reached and an ACK would have been
			// sent in the first step (sequence number check)": the same
			// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, with the verdict of
			// the first check.
			Scenario{Name: s.name + ": SYN outside the window gets the same ACK", Steps: []Step{
				s.fixture(),
				Inject(Peer(tcpstate.SYN, rstRightEdge, 0).MSS(1460), tcpstate.DroppedUnacceptable),
				Expect(challenge),
				Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460), tcpstate.DroppedUnacceptable), // the peer's old SYN
				Expect(challenge),
				Inject(Peer(tcpstate.SYN, s.rcvNxt+1<<31, 0).MSS(1460), tcpstate.DroppedUnacceptable),
				Expect(challenge),
				ExpectNothing(),
				State(s.state),
				Err(nil),
			}},
		)
	}
	RunAll(t, scenarios)
}

// TestRST covers the remaining reset rules: what a reset does to the
// application's calls, the RFC 5961 exchange that follows a challenge
// ACK, and the resets a CLOSED connection sends (RFC 9293 §3.10.7.1).
func TestRST(t *testing.T) {
	RunAll(t, []Scenario{
		// §3.10.7.4 second, ESTABLISHED: "any outstanding RECEIVEs and
		// SEND should receive 'reset' responses. All segment queues should
		// be flushed."
		{Name: "reset flushes the queues: Read and Write report the reset", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("unread"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(7))),
			Write("unsent", nil),
			Inject(Peer(tcpstate.RST, R(7), 0), tcpstate.Reset),
			ExpectNothing(), // the queued data is not sent
			State(tcpstate.Closed),
			Err(tcpstate.ErrReset),
			Read("", tcpstate.ErrReset),
			Write("more", tcpstate.ErrReset),
			TCB(func(tcb tcpstate.TCB) string {
				if tcb.SendQueued != 0 || tcb.RecvQueued != 0 {
					return "queues not flushed"
				}
				return ""
			}),
		}},
		// RFC 5961 §3.2: "In cases where the remote peer did generate a
		// RST, but it fails to meet the above criteria ... when the
		// challenge ACK is sent back, it will no longer have the
		// transmission control block ... and hence as per [RFC0793], the
		// remote peer will send a second RST back. The sequence number of
		// the second RST is derived from the acknowledgment number of the
		// incoming ACK. This second RST ... will cause the connection to
		// be aborted since the sequence number would now be an exact
		// match."
		{Name: "challenge ACK, then the peer's RST at its ACK number resets", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data(Text(30)), tcpstate.Accepted), // RCV.NXT wraps
			Expect(Us(tcpstate.ACK, L(1), R(31))),
			Inject(Peer(tcpstate.RST, R(500), 0), tcpstate.ChallengeACK),
			Expect(Us(tcpstate.ACK, L(1), R(31))),
			Inject(Peer(tcpstate.RST, R(31), 0), tcpstate.Reset),
			State(tcpstate.Closed),
			Err(tcpstate.ErrReset),
		}},
		// RFC 5961 §4.2: "A legitimate peer, after restart, would not have
		// a TCB in the synchronized state. Thus, when the ACK arrives, the
		// peer should send a RST segment back with the sequence number
		// derived from the ACK field that caused the RST. ... Upon receipt
		// of a valid RST, the local TCP endpoint MUST terminate its
		// connection."
		{Name: "SYN from a restarted peer: challenge ACK, its RST, CLOSED", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.SYN, R(5000), 0).MSS(1460), tcpstate.ChallengeACK),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			Inject(Peer(tcpstate.RST, R(1), 0), tcpstate.Reset),
			State(tcpstate.Closed),
			Err(tcpstate.ErrReset),
		}},

		// §3.10.7.1 CLOSED: "An incoming segment not containing a RST
		// causes a RST to be sent in response. ... If the ACK bit is on,
		// <SEQ=SEG.ACK><CTL=RST>". A connection CLOSED by a reset
		// answers like a port with no connection.
		{Name: "CLOSED: a segment with ACK is answered with <SEQ=SEG.ACK><CTL=RST>", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.RST, R(1), 0), tcpstate.Reset),
			State(tcpstate.Closed),
			Inject(Peer(tcpstate.ACK, R(1), L(12345)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(12345), 0).NoOptions()),
			ExpectNothing(),
			// "all data in the incoming segment is discarded"
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("data"), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(1), 0).Len(0)),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(1)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(1), 0)),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(1), 0)),
			State(tcpstate.Closed),
			Read("", tcpstate.ErrReset),
		}},
		// "If the ACK bit is off, sequence number zero is used,
		// <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>". SEG.LEN counts the
		// data and the SYN and FIN control bits (§3.4). This connection
		// reached CLOSED through TIME-WAIT.
		{Name: "CLOSED: a segment without ACK is answered with <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>", Steps: []Step{
			TimeWait(),
			Advance(twoMSL),
			State(tcpstate.Closed),
			Inject(Peer(tcpstate.SYN, R(100), 0).MSS(1460), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST|tcpstate.ACK, 0, R(101)).NoOptions()),
			Inject(Peer(0, R(7), 0), tcpstate.AnsweredRST), // no control bit, no data: SEG.LEN 0
			Expect(Us(tcpstate.RST|tcpstate.ACK, 0, R(7))),
			Inject(Peer(tcpstate.PSH, R(7), 0).Data("hello"), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST|tcpstate.ACK, 0, R(12)).Len(0)),
			// 12 bytes and a FIN from R+10: R+23, past the wrap at R+16.
			Inject(Peer(tcpstate.FIN|tcpstate.PSH, R(10), 0).Data("hello, world"), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST|tcpstate.ACK, 0, R(23))),
			// SYN, 3 bytes, FIN: 5.
			Inject(Peer(tcpstate.SYN|tcpstate.FIN, R(0), 0).Data("abc"), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST|tcpstate.ACK, 0, R(5))),
			ExpectNothing(),
			State(tcpstate.Closed),
		}},
		// A connection never opened is CLOSED too ("TCB does not exist").
		{Name: "CLOSED before any OPEN: segments are answered with resets", Steps: []Step{
			NewConn(),
			State(tcpstate.Closed),
			Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST|tcpstate.ACK, 0, R(1))),
			Inject(Peer(tcpstate.ACK, R(1), L(1)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(1), 0)),
			Inject(Peer(tcpstate.RST, R(1), 0), tcpstate.DroppedRST),
			ExpectNothing(),
			State(tcpstate.Closed),
			NextTimeout(0),
		}},
		// "An incoming segment containing a RST is discarded."
		{Name: "CLOSED: a RST is never answered", Steps: []Step{
			Established(),
			Abort(),
			Expect(Us(tcpstate.RST, L(1), 0)), // §3.10.5: <SEQ=SND.NXT><CTL=RST>
			State(tcpstate.Closed),
			Inject(Peer(tcpstate.RST, R(1), 0), tcpstate.DroppedRST),
			Inject(Peer(tcpstate.RST|tcpstate.ACK, R(1), L(1)), tcpstate.DroppedRST),
			Inject(Peer(tcpstate.RST|tcpstate.SYN, R(1), 0), tcpstate.DroppedRST),
			Inject(Peer(tcpstate.RST|tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("x"), tcpstate.DroppedRST),
			ExpectNothing(),
			State(tcpstate.Closed),
		}},
	})
}

// TestResetFor checks the exported form of RFC 9293 §3.10.7.1, which
// drivers use for segments that reach no connection at all:
//
//	If the ACK bit is off, sequence number zero is used,
//	<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
//	If the ACK bit is on,
//	<SEQ=SEG.ACK><CTL=RST>
//
// and "An incoming segment containing a RST is discarded."
func TestResetFor(t *testing.T) {
	client := netip.MustParseAddrPort("192.0.2.1:49152")
	server := netip.MustParseAddrPort("192.0.2.2:80")
	payload := func(n int) []byte { return []byte(Text(n)) }
	const (
		fin, syn, rst, psh, ack = tcpstate.FIN, tcpstate.SYN, tcpstate.RST, tcpstate.PSH, tcpstate.ACK
	)
	cases := []struct {
		name        string
		in          tcpstate.Segment
		ok          bool
		flags       tcpstate.Flags
		seq, ackNum seqnum.Value
	}{
		{"SYN", tcpstate.Segment{Seq: 1000, Flags: syn}, true, rst | ack, 0, 1001},
		{"SYN with data", tcpstate.Segment{Seq: 1000, Flags: syn, Payload: payload(10)}, true, rst | ack, 0, 1011},
		{"no control bits, no data", tcpstate.Segment{Seq: 1000}, true, rst | ack, 0, 1000},
		{"data without ACK", tcpstate.Segment{Seq: 1000, Flags: psh, Payload: payload(100)}, true, rst | ack, 0, 1100},
		{"FIN without ACK", tcpstate.Segment{Seq: 1000, Flags: fin}, true, rst | ack, 0, 1001},
		{"SYN, data and FIN", tcpstate.Segment{Seq: 1000, Flags: syn | fin, Payload: payload(3)}, true, rst | ack, 0, 1005},
		{"data across the wrap", tcpstate.Segment{Seq: 0xFFFFFFFE, Flags: psh | fin, Payload: payload(5)}, true, rst | ack, 0, 4},
		{"ACK", tcpstate.Segment{Seq: 1000, Ack: 5000, Flags: ack}, true, rst, 5000, 0},
		{"SYN-ACK", tcpstate.Segment{Seq: 1000, Ack: 5000, Flags: syn | ack}, true, rst, 5000, 0},
		{"data with ACK", tcpstate.Segment{Seq: 1000, Ack: 0xFFFFFFFF, Flags: psh | ack, Payload: payload(50)}, true, rst, 0xFFFFFFFF, 0},
		{"FIN-ACK", tcpstate.Segment{Seq: 1000, Ack: 7, Flags: fin | ack}, true, rst, 7, 0},
		{"RST", tcpstate.Segment{Seq: 1000, Flags: rst}, false, 0, 0, 0},
		{"RST-ACK", tcpstate.Segment{Seq: 1000, Ack: 5000, Flags: rst | ack}, false, 0, 0, 0},
		{"RST with SYN", tcpstate.Segment{Seq: 1000, Flags: rst | syn}, false, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.Src, in.Dst, in.Window = client, server, 65535
			in.Options = tcpstate.Options{HasMSS: true, MSS: 1460}
			got, ok := tcpstate.ResetFor(&in)
			if ok != c.ok {
				t.Fatalf("ResetFor(%v): ok = %v, want %v", in, ok, c.ok)
			}
			if !ok {
				return
			}
			if got.Src != server || got.Dst != client {
				t.Errorf("reset addressed %v > %v, want %v > %v", got.Src, got.Dst, server, client)
			}
			if got.Flags != c.flags || got.Seq != c.seq || (c.flags.Has(ack) && got.Ack != c.ackNum) {
				t.Errorf("ResetFor(%v) = %v, want flags %v seq %d ack %d", in, got, c.flags, c.seq, c.ackNum)
			}
			if len(got.Payload) != 0 || !got.Options.IsZero() {
				t.Errorf("ResetFor(%v) = %v, want no data and no options", in, got)
			}
		})
	}
}
