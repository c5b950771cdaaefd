package tcpstate_test

import (
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// TestSimultaneousOpen covers RFC 9293 §3.5 Figure 7: both ends send a SYN,
// each goes SYN-SENT → SYN-RECEIVED → ESTABLISHED ("A TCP implementation
// MUST support simultaneous open attempts (MUST-10)"). We are Peer A:
//
//  2. SYN-SENT     --> <SEQ=100><CTL=SYN>              ...
//  3. SYN-RECEIVED <-- <SEQ=300><CTL=SYN>              <-- SYN-SENT
//  5. SYN-RECEIVED --> <SEQ=100><ACK=301><CTL=SYN,ACK> ...
//  6. ESTABLISHED  <-- <SEQ=300><ACK=101><CTL=SYN,ACK> <-- SYN-RECEIVED
func TestSimultaneousOpen(t *testing.T) {
	// simOpen is lines 2-5: our SYN, the peer's SYN, our SYN-ACK.
	simOpen := Steps(
		SynSent(),
		// §3.10.7.3 Fourth: "Otherwise, enter SYN-RECEIVED, form a
		// SYN,ACK segment <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and send it."
		Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460), tcpstate.Accepted),
		State(tcpstate.SynReceived),
		Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).Win(65535).MSS(1460)),
		ExpectNothing(),
	)
	RunAll(t, []Scenario{
		{Name: "Figure 7: SYN-SENT, SYN-RECEIVED, ESTABLISHED", Steps: []Step{
			simOpen,
			IRS(R(0)),
			RcvNxt(R(1)),
			SndUna(L(0)),
			SndNxt(L(1)),
			// §3.10.7.3: "Set the variables: SND.WND <- SEG.WND,
			// SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK".
			SndWnd(65535),
			SndWL1(R(0)),
			// Line 6: the peer's SYN-ACK starts at RCV.NXT-1, so the
			// acceptability test of §3.10.7.4 would reject it; RFC 9293
			// Appendix A.2 leaves this to implementations and, as Linux
			// does, a SYN-ACK that acknowledges exactly our SYN is taken
			// as the ACK completing the handshake.
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460), tcpstate.Accepted),
			ExpectNothing(), // Figure 7 line 6: A answers nothing
			State(tcpstate.Established),
			SndUna(L(1)),
			RcvNxt(R(1)),
			NextTimeout(0), // RFC 6298 (5.2)
			Events(tcpstate.EventEstablished, tcpstate.EventWritable),
		}},
		// The peer may complete it with a plain ACK instead, which is the
		// ordinary SYN-RECEIVED case of §3.10.7.4 Fifth.
		{Name: "completed by the peer's ACK", Steps: []Step{
			simOpen,
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(3000), tcpstate.Accepted),
			ExpectNothing(),
			State(tcpstate.Established),
			SndWnd(3000),
			SndWL1(R(1)),
			SndWL2(L(1)),
		}},
		// RFC 7323 §2.2: "The window field in a segment where the SYN bit
		// is set (i.e., a <SYN> or <SYN,ACK>) MUST NOT be scaled", the
		// SYN-ACK of line 6 included; later windows are (§2.3).
		{Name: "window scaling: the SYN-ACK's window is not scaled", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN, R(0), 0).Win(1000).MSS(1460).WScale(7), tcpstate.Accepted),
			SndWnd(1000),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).Win(65535).MSS(1460).WScale(0)),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).Win(2000).MSS(1460).WScale(7), tcpstate.Accepted),
			State(tcpstate.Established),
			SndWnd(2000),
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(2000), tcpstate.Accepted),
			SndWnd(2000 << 7),
		}},
		// Data can flow right after: the sequence numbers of both sides
		// continue after their SYNs.
		{Name: "data after the simultaneous open", Steps: []Step{
			simOpen,
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)), tcpstate.Accepted),
			Write("ping", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("ping")),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(5)).Data("pong"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(5), R(5))),
			Read("pong", nil),
		}},
		// Only the SYN-ACK that acknowledges our SYN gets the Appendix A.2
		// allowance; any other is an unacceptable segment (§3.10.7.4
		// First): "an acknowledgment should be sent in reply".
		{Name: "SYN-ACK acknowledging something else: unacceptable, ACK", Steps: []Step{
			simOpen,
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(2)), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			ExpectNothing(),
			State(tcpstate.SynReceived),
		}},
		// RFC 6298 (5.4): our SYN-ACK, which retransmits our SYN, is
		// resent when the timer started with the SYN (at t=0) expires.
		{Name: "our SYN-ACK retransmitted at the RTO", Steps: []Step{
			simOpen,
			Advance(999 * time.Millisecond),
			ExpectNothing(),
			Advance(time.Millisecond),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).MSS(1460)),
			ExpectNothing(),
			State(tcpstate.SynReceived),
		}},
		// §3.10.7.4 Fourth, SYN-RECEIVED: "If the connection was initiated
		// with a passive OPEN, then return this connection to the LISTEN
		// state and return. Otherwise, handle per the directions for
		// synchronized states below": RFC 5961 §4.2 challenge ACK
		// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. An active open never goes
		// back to LISTEN (RFC 9293 MUST-11 keeps the two apart).
		{Name: "in-window SYN after an active open: challenge ACK, not LISTEN", Steps: []Step{
			simOpen,
			Inject(Peer(tcpstate.SYN, R(1), 0), tcpstate.ChallengeACK),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			ExpectNothing(),
			State(tcpstate.SynReceived),
		}},
		// §3.10.7.4 Second, SYN-RECEIVED: "If this connection was
		// initiated with an active OPEN (i.e., came from SYN-SENT state),
		// then the connection was refused; signal the user "connection
		// refused". ... enter the CLOSED state and delete the TCB".
		{Name: "RST at RCV.NXT after an active open: CLOSED, refused", Steps: []Step{
			simOpen,
			Inject(Peer(tcpstate.RST, R(1), 0), tcpstate.Reset),
			ExpectNothing(),
			State(tcpstate.Closed),
			Err(tcpstate.ErrRefused),
			Events(tcpstate.EventClosed),
			NextTimeout(0),
		}},
		// RFC 5961 §3.2 holds in SYN-RECEIVED too: an in-window RST that
		// is not exactly at RCV.NXT only earns a challenge ACK.
		{Name: "in-window RST not at RCV.NXT after an active open: challenge ACK", Steps: []Step{
			simOpen,
			Inject(Peer(tcpstate.RST, R(5), 0), tcpstate.ChallengeACK),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			State(tcpstate.SynReceived),
			Err(nil),
		}},
	})
}

// TestSimultaneousClose covers RFC 9293 §3.6 Figure 13: both ends CLOSE at
// once, each goes FIN-WAIT-1 → CLOSING → TIME-WAIT → CLOSED.
//
//  2. FIN-WAIT-1  --> <SEQ=100><ACK=300><CTL=FIN,ACK>  ... FIN-WAIT-1
//     <-- <SEQ=300><ACK=100><CTL=FIN,ACK>  <--
//  3. CLOSING     --> <SEQ=101><ACK=301><CTL=ACK>      ... CLOSING
//     <-- <SEQ=301><ACK=101><CTL=ACK>      <--
//  4. TIME-WAIT (2 MSL) CLOSED
func TestSimultaneousClose(t *testing.T) {
	RunAll(t, []Scenario{
		{Name: "Figure 13: FIN-WAIT-1, CLOSING, TIME-WAIT, CLOSED", Steps: []Step{
			Established(),
			Close(nil),
			State(tcpstate.FinWait1),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(1))),
			// The peer's FIN crosses ours and does not acknowledge it.
			// §3.10.7.4 Eighth, FIN-WAIT-1: "If our FIN has been ACKed
			// (perhaps in this segment), then enter TIME-WAIT ...;
			// otherwise, enter the CLOSING state." and "send an
			// acknowledgment for the FIN".
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(1)), tcpstate.Accepted),
			State(tcpstate.Closing),
			Expect(Us(tcpstate.ACK, L(2), R(2))),
			ExpectNothing(),
			RcvNxt(R(2)),
			// §3.10.7.4 Fifth, CLOSING: "if the ACK acknowledges our FIN,
			// then enter the TIME-WAIT state".
			Inject(Peer(tcpstate.ACK, R(2), L(2)), tcpstate.Accepted),
			State(tcpstate.TimeWait),
			ExpectNothing(),
			// "Start the time-wait timer, turn off the other timers":
			// 2×MSL with the default MSL of 2 minutes (§3.4.2).
			NextTimeout(4 * time.Minute),
			Advance(4*time.Minute - time.Nanosecond),
			State(tcpstate.TimeWait),
			// §3.10.8: "If the time-wait timeout expires on a connection,
			// delete the TCB, enter the CLOSED state, and return."
			Advance(time.Nanosecond),
			State(tcpstate.Closed),
			ExpectNothing(),
			Err(nil),
			NextTimeout(0),
		}},
		// "otherwise, ignore the segment": an ACK in CLOSING that does
		// not cover our FIN changes nothing.
		{Name: "CLOSING: ACK short of our FIN is ignored", Steps: []Step{
			Closing(),
			Inject(Peer(tcpstate.ACK, R(2), L(1)), tcpstate.Accepted),
			ExpectNothing(),
			State(tcpstate.Closing),
			SndUna(L(1)),
		}},
		// Case 3 of §3.6: "All segments preceding and including FIN will
		// be retransmitted until acknowledged" (RFC 6298 (5.4)); the
		// retransmitted FIN now acknowledges the peer's FIN.
		{Name: "CLOSING: our FIN retransmitted until acknowledged", Steps: []Step{
			Closing(),
			Advance(time.Second),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(2))),
			ExpectNothing(),
			State(tcpstate.Closing),
			Inject(Peer(tcpstate.ACK, R(2), L(2)), tcpstate.Accepted),
			State(tcpstate.TimeWait),
			NextTimeout(4 * time.Minute),
		}},
		// The peer's FIN is retransmitted because our ACK of it was lost:
		// it is now below RCV.NXT, unacceptable, and answered with an ACK
		// (§3.10.7.4 First).
		{Name: "CLOSING: retransmitted FIN from the peer is acknowledged again", Steps: []Step{
			Closing(),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(1)), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(2), R(2))),
			ExpectNothing(),
			State(tcpstate.Closing),
		}},
	})
}
