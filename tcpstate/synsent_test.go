package tcpstate_test

import (
	"testing"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// TestSynSent covers segment arrival in the SYN-SENT state, RFC 9293
// §3.10.7.3, and the CLOSE and SEND calls there (§3.10.4, §3.10.2). After
// SynSent, ISS = SND.UNA = L+0 and SND.NXT = L+1.
func TestSynSent(t *testing.T) {
	RunAll(t, []Scenario{
		// §3.10.7.3 First: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a
		// reset (unless the RST bit is set, if so drop the segment and
		// return) <SEQ=SEG.ACK><CTL=RST> and discard the segment. Return."
		{Name: "ACK = ISS is unacceptable: <SEQ=SEG.ACK><CTL=RST>", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.ACK, R(0), L(0)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(0), 0)),
			ExpectNothing(),
			State(tcpstate.SynSent),
			SndUna(L(0)),
		}},
		{Name: "ACK below ISS is unacceptable: RST", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.ACK, R(0), L(-1)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(-1), 0)),
			State(tcpstate.SynSent),
		}},
		{Name: "ACK beyond SND.NXT is unacceptable: RST", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.ACK, R(0), L(2)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(2), 0)),
			State(tcpstate.SynSent),
		}},
		// RFC 9293 Figure 8 lines 4-5: a SYN-ACK acknowledging an old
		// SYN (ACK field "incorrect") is answered with <SEQ=SEG.ACK>
		// <CTL=RST> and the connection stays in SYN-SENT; the SYN is not
		// processed, so the real SYN-ACK is still taken afterwards.
		{Name: "SYN-ACK with an unacceptable ACK: RST, SYN not processed", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(-9)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(-9), 0)),
			ExpectNothing(),
			State(tcpstate.SynSent),
			RcvNxt(0),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			State(tcpstate.Established),
		}},
		{Name: "RST with ACK = ISS is dropped, not answered", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.RST|tcpstate.ACK, 0, L(0)), tcpstate.DroppedRST),
			ExpectNothing(),
			State(tcpstate.SynSent),
			Err(nil),
		}},
		{Name: "RST with ACK beyond SND.NXT is dropped, not answered", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.RST|tcpstate.ACK, 0, L(2)), tcpstate.DroppedRST),
			ExpectNothing(),
			State(tcpstate.SynSent),
			Err(nil),
		}},
		// §3.10.7.3 Second: "If the ACK was acceptable, then signal to the
		// user "error: connection reset", drop the segment, enter CLOSED
		// state, delete TCB, and return." tcpstate reports it as
		// ErrRefused: the peer refused our SYN.
		{Name: "RST acknowledging our SYN: CLOSED, refused", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.RST|tcpstate.ACK, 0, L(1)), tcpstate.Reset),
			ExpectNothing(),
			State(tcpstate.Closed),
			Err(tcpstate.ErrRefused),
			Events(tcpstate.EventClosed),
			NextTimeout(0), // no more SYN retransmissions
		}},
		// "Otherwise (no ACK), drop the segment and return."
		{Name: "RST without ACK is dropped", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.RST, R(0), 0), tcpstate.DroppedRST),
			ExpectNothing(),
			State(tcpstate.SynSent),
			Err(nil),
			Events(),
		}},
		// §3.10.7.3 Fourth: "RCV.NXT is set to SEG.SEQ+1, IRS is set to
		// SEG.SEQ. SND.UNA should be advanced to equal SEG.ACK ... If
		// SND.UNA > ISS (our SYN has been ACKed), change the connection
		// state to ESTABLISHED, form an ACK segment <SEQ=SND.NXT>
		// <ACK=RCV.NXT><CTL=ACK> and send it." RFC 1122 §4.2.2.20 (c):
		// "SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK".
		{Name: "SYN-ACK: ESTABLISHED, ACK sent, TCB set", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).Win(5000).MSS(1460), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Win(65535)),
			ExpectNothing(),
			State(tcpstate.Established),
			IRS(R(0)),
			RcvNxt(R(1)),
			SndUna(L(1)),
			SndNxt(L(1)),
			SndWnd(5000),
			SndWL1(R(0)),
			SndWL2(L(1)),
			Events(tcpstate.EventEstablished, tcpstate.EventWritable),
			NextTimeout(0), // RFC 6298 (5.2): all data acknowledged, timer off
		}},
		// "If there are other controls or text in the segment, then
		// continue processing at the sixth step under Section 3.10.7.4":
		// the text is delivered; "Some TCP implementations suppress
		// sending this segment when the received segment contains data
		// that will anyways generate an acknowledgment", so one ACK
		// covers both the SYN and the data.
		{Name: "SYN-ACK carrying data: delivered and acknowledged once", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).Data("hello"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(6))),
			ExpectNothing(),
			State(tcpstate.Established),
			RcvNxt(R(6)),
			Events(tcpstate.EventEstablished, tcpstate.EventReadable, tcpstate.EventWritable),
			Read("hello", nil),
		}},
		// The eighth step, FIN, follows the text in the same segment.
		{Name: "SYN-ACK carrying data and FIN: CLOSE-WAIT", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK|tcpstate.FIN, R(0), L(1)).Data("hi"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(4))),
			ExpectNothing(),
			State(tcpstate.CloseWait),
			Read("hi", nil),
		}},
		// §3.10.7.3 Fifth: "if neither of the SYN or RST bits is set, then
		// drop the segment and return."
		{Name: "acceptable ACK without SYN is dropped", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.ACK, R(0), L(1)), tcpstate.Dropped),
			ExpectNothing(),
			State(tcpstate.SynSent),
			SndUna(L(0)),
			RcvNxt(0),
		}},
		{Name: "segments with neither SYN nor RST nor ACK are dropped", Steps: []Step{
			SynSent(),
			Inject(Peer(0, R(0), 0), tcpstate.Dropped),
			Inject(Peer(tcpstate.FIN, R(0), 0), tcpstate.Dropped),
			Inject(Peer(tcpstate.PSH, R(0), 0).Data("hello"), tcpstate.Dropped),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(0), L(1)).Data("hello"), tcpstate.Dropped),
			ExpectNothing(),
			State(tcpstate.SynSent),
		}},
		// §3.10.4 CLOSE, SYN-SENT STATE: "Delete the TCB and return
		// "error: closing" responses to any queued SENDs, or RECEIVEs."
		{Name: "Close in SYN-SENT: CLOSED, no segment, no retransmission", Steps: []Step{
			SynSent(),
			Close(nil),
			State(tcpstate.Closed),
			ExpectNothing(),
			NextTimeout(0),
			Err(nil),
			Events(tcpstate.EventClosed),
		}},
		// §3.10.2 SEND, SYN-SENT STATE: "Queue the data for transmission
		// after entering ESTABLISHED state." §3.10.7.3: "Data or controls
		// that were queued for transmission MAY be included" in the ACK
		// of the SYN-ACK: the data segment carries that ACK.
		{Name: "Write in SYN-SENT: data sent after the handshake", Steps: []Step{
			SynSent(),
			Write("hello", nil),
			ExpectNothing(), // no data before the SYN is acknowledged
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)), tcpstate.Accepted),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			ExpectNothing(),
			SndNxt(L(6)),
			SndUna(L(1)),
		}},
	})
}
