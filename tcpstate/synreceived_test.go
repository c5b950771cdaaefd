package tcpstate_test

import (
	"io"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// TestSynReceived covers a passively opened connection in SYN-RECEIVED:
// RFC 9293 §3.10.7.4 (with RFC 5961 for RST) and the CLOSE call
// (§3.10.4). After SynReceived, SND.UNA = L+0, SND.NXT = L+1 and
// RCV.NXT = R+1 with a receive window of 65535.
func TestSynReceived(t *testing.T) {
	RunAll(t, []Scenario{
		// §3.10.7.4 Fifth, SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT,
		// then enter ESTABLISHED state and continue processing with the
		// variables below set to: SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ,
		// SND.WL2 <- SEG.ACK".
		{Name: "acceptable ACK: ESTABLISHED with SND.WND, SND.WL1, SND.WL2", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(4000), tcpstate.Accepted),
			ExpectNothing(),
			State(tcpstate.Established),
			SndUna(L(1)),
			SndNxt(L(1)),
			SndWnd(4000),
			SndWL1(R(1)),
			SndWL2(L(1)),
			NextTimeout(0), // RFC 6298 (5.2): the SYN-ACK is acknowledged
			Events(tcpstate.EventEstablished, tcpstate.EventWritable),
		}},
		// "If the segment acknowledgment is not acceptable, form a reset
		// segment <SEQ=SEG.ACK><CTL=RST> and send it." This per-state rule
		// applies to ACKs that pass the RFC 5961 §5.2 check that RFC 9293
		// puts before it ("When the ACK value is acceptable, the
		// per-state processing below applies"): (SND.UNA - MAX.SND.WND)
		// =< SEG.ACK =< SND.NXT, with MAX.SND.WND = 65535 from the SYN.
		// SEG.ACK = SND.UNA = ISS passes it and fails SND.UNA < SEG.ACK.
		{Name: "ACK = SND.UNA (acknowledges nothing): <SEQ=SEG.ACK><CTL=RST>", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.ACK, R(1), L(0)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(0), 0).NoOptions()),
			ExpectNothing(),
			State(tcpstate.SynReceived),
			SndUna(L(0)),
		}},
		{Name: "ACK = SND.UNA - MAX.SND.WND: RST", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.ACK, R(1), L(-65535)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(-65535), 0)),
			State(tcpstate.SynReceived),
		}},
		// §3.10.7.4 Fifth, RFC 5961 §5.2: "TCP stacks that implement RFC
		// 5961 MUST add an input check that the ACK value is acceptable
		// only if it is in the range of ((SND.UNA - MAX.SND.WND) =<
		// SEG.ACK =< SND.NXT). All incoming segments whose ACK value
		// doesn't satisfy the above condition MUST be discarded and an ACK
		// sent back." <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
		{Name: "ACK beyond SND.NXT: discarded, ACK sent back (RFC 5961 §5.2)", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.ACK, R(1), L(2)), tcpstate.DroppedUnacceptableACK),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			ExpectNothing(),
			State(tcpstate.SynReceived),
			SndUna(L(0)),
		}},
		{Name: "ACK below SND.UNA - MAX.SND.WND: discarded, ACK sent back", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.ACK, R(1), L(-65536)), tcpstate.DroppedUnacceptableACK),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			State(tcpstate.SynReceived),
		}},
		// §3.10.7.4 Second, with RFC 5961 §3.2: "If the RST bit is set and
		// the sequence number exactly matches the next expected sequence
		// number (RCV.NXT)" then, SYN-RECEIVED: "If this connection was
		// initiated with a passive OPEN (i.e., came from the LISTEN
		// state), then return this connection to LISTEN state and return.
		// The user need not be informed."
		{Name: "RST at RCV.NXT: back to LISTEN, user not informed", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.RST, R(1), 0), tcpstate.ReturnedToListen),
			ExpectNothing(),
			State(tcpstate.Listen),
			NextTimeout(0), // "the retransmission queue should be flushed"
			Err(nil),
			Events(),
			// Listening again: a new SYN starts a new handshake.
			Inject(Peer(tcpstate.SYN, R(1000), 0), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1001))),
			State(tcpstate.SynReceived),
			IRS(R(1000)),
		}},
		// The RST of RFC 9293 Figure 8 line 5 has no ACK bit; a RST with
		// the ACK bit set at RCV.NXT is just as valid (§3.10.7.4 Second
		// looks only at the sequence number).
		{Name: "RST-ACK at RCV.NXT: back to LISTEN", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.RST|tcpstate.ACK, R(1), L(1)), tcpstate.ReturnedToListen),
			ExpectNothing(),
			State(tcpstate.Listen),
		}},
		// RFC 5961 §3.2 as adopted by §3.10.7.4: "If the RST bit is set and
		// the sequence number does not exactly match the next expected
		// sequence value, yet is within the current receive window, TCP
		// endpoints MUST send an acknowledgment (challenge ACK):
		// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>"
		{Name: "in-window RST not at RCV.NXT: challenge ACK", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.RST, R(2), 0), tcpstate.ChallengeACK),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			ExpectNothing(),
			State(tcpstate.SynReceived),
		}},
		{Name: "RST at the last sequence number of the window: challenge ACK", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.RST, R(1+65534), 0), tcpstate.ChallengeACK),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			State(tcpstate.SynReceived),
		}},
		// "If the RST bit is set and the sequence number is outside the
		// current receive window, silently drop the segment."
		{Name: "RST outside the window: silently dropped", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.RST, R(0), 0), tcpstate.DroppedRST),
			Inject(Peer(tcpstate.RST, R(1+65535), 0), tcpstate.DroppedRST),
			ExpectNothing(),
			State(tcpstate.SynReceived),
		}},
		// §3.10.7.4 Fourth, SYN-RECEIVED: "If the connection was initiated
		// with a passive OPEN, then return this connection to the LISTEN
		// state and return."
		{Name: "SYN in the window: back to LISTEN", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.SYN, R(1), 0), tcpstate.ReturnedToListen),
			ExpectNothing(),
			State(tcpstate.Listen),
			NextTimeout(0),
		}},
		// A retransmission of the peer's SYN starts at IRS, below RCV.NXT,
		// so it fails the §3.10.7.4 First acceptability test (SEG.LEN 1,
		// RCV.WND > 0: RCV.NXT =< SEG.SEQ fails, and so does RCV.NXT =<
		// SEG.SEQ+SEG.LEN-1): "If an incoming segment is not acceptable, an
		// acknowledgment should be sent in reply", and the SYN check is
		// never reached. The peer is in SYN-SENT, where a bare ACK is
		// dropped (§3.10.7.3 Fifth: "if neither of the SYN or RST bits is
		// set, then drop the segment"), so tcpstate acknowledges with the
		// SYN-ACK itself, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, as Linux
		// does. The retransmission timer keeps its deadline.
		{Name: "retransmitted SYN (SEQ=IRS): unacceptable, acknowledged by the SYN-ACK", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).Win(65535).MSS(1460)),
			ExpectNothing(),
			State(tcpstate.SynReceived),
			IRS(R(0)),
			SndNxt(L(1)),
			NextTimeout(time.Second),
		}},
		// §3.10.4 CLOSE, SYN-RECEIVED STATE: "If no SENDs have been issued
		// and there is no pending data to send, then form a FIN segment
		// and send it, and enter FIN-WAIT-1 state". The FIN takes the
		// sequence number after the SYN.
		{Name: "Close: FIN-WAIT-1, FIN sent after the SYN-ACK", Steps: []Step{
			SynReceived(),
			Close(nil),
			State(tcpstate.FinWait1),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(1))),
			ExpectNothing(),
			SndNxt(L(2)),
			// One ACK covers the SYN and the FIN (§3.10.7.4 Fifth,
			// FIN-WAIT-1: "if the FIN segment is now acknowledged, then
			// enter FIN-WAIT-2").
			Inject(Peer(tcpstate.ACK, R(1), L(2)), tcpstate.Accepted),
			State(tcpstate.FinWait2),
			SndUna(L(2)),
			NextTimeout(0),
		}},
		// "... otherwise, queue for processing after entering ESTABLISHED
		// state": with data written, the FIN waits for the handshake and
		// follows the data (§3.10.4 ESTABLISHED: "Queue this until all
		// preceding SENDs have been segmentized, then form a FIN segment").
		{Name: "Close with data queued: FIN after ESTABLISHED and the data", Steps: []Step{
			SynReceived(),
			Write("hi", nil),
			Close(nil),
			State(tcpstate.SynReceived),
			ExpectNothing(),
			Write("more", tcpstate.ErrClosing),
			Inject(Peer(tcpstate.ACK, R(1), L(1)), tcpstate.Accepted),
			State(tcpstate.FinWait1),
			Expect(Us(tcpstate.FIN|tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hi")),
			ExpectNothing(),
			SndNxt(L(4)),
		}},
		// §3.10.7.4 Fifth: "if the ACK bit is off, drop the segment and
		// return". The data is not processed.
		{Name: "segment without the ACK bit: dropped", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.PSH, R(1), 0).Data("hello"), tcpstate.DroppedNoACK),
			Inject(Peer(0, R(1), 0), tcpstate.DroppedNoACK),
			Inject(Peer(tcpstate.FIN, R(1), 0), tcpstate.DroppedNoACK),
			ExpectNothing(),
			State(tcpstate.SynReceived),
			RcvNxt(R(1)),
			Read("", tcpstate.ErrWouldBlock),
		}},
		// The ACK that completes the handshake may carry data: after the
		// fifth step, the seventh delivers it.
		{Name: "completing ACK carrying data: delivered and acknowledged", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("hello"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(6))),
			State(tcpstate.Established),
			Read("hello", nil),
		}},
		// §3.10.7.4 Eighth: "SYN-RECEIVED STATE, ESTABLISHED STATE: Enter
		// the CLOSE-WAIT state."
		{Name: "completing ACK carrying FIN: CLOSE-WAIT", Steps: []Step{
			SynReceived(),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(1)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(2))),
			State(tcpstate.CloseWait),
			Read("", io.EOF),
		}},
	})
}
