package tcpstate_test

import (
	"io"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// twoMSL is the TIME-WAIT duration with the default MSL: RFC 9293 §3.4.2,
// "For this specification the MSL is taken to be 2 minutes", and §3.6,
// "it MUST linger in the TIME-WAIT state for a time 2xMSL" (MUST-13).
const twoMSL = 4 * time.Minute

// TestClose covers the closing transitions of RFC 9293 §3.5 (Figures 12
// and 13) and §3.10.4 (CLOSE call), with the FIN processing of §3.10.7.4
// (eighth check) and the time-wait timeout of §3.10.8. Simultaneous close
// as a whole is in simultaneous_test.go.
func TestClose(t *testing.T) {
	RunAll(t, []Scenario{
		// §3.10.4 ESTABLISHED: "form a FIN segment and send it. In any
		// case, enter FIN-WAIT-1 state." §3.10.7.4 fifth, FIN-WAIT-1: "if
		// the FIN segment is now acknowledged, then enter FIN-WAIT-2".
		// Eighth, FIN-WAIT-2: "Enter the TIME-WAIT state. Start the
		// time-wait timer, turn off the other timers." §3.10.8: "If the
		// time-wait timeout expires on a connection, delete the TCB, enter
		// the CLOSED state, and return."
		{Name: "active close: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, CLOSED after 2×MSL", Steps: []Step{
			Established(),
			DrainEvents(),
			Close(nil),
			State(tcpstate.FinWait1),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(1))),
			SndNxt(L(2)),
			NextTimeout(time.Second), // the FIN is retransmitted on RTO
			Inject(Peer(tcpstate.ACK, R(1), L(2)), tcpstate.Accepted),
			ExpectNothing(),
			State(tcpstate.FinWait2),
			SndUna(L(2)),
			NextTimeout(0),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(2)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(2), R(2))),
			State(tcpstate.TimeWait),
			RcvNxt(R(2)),
			Events(tcpstate.EventReadable, tcpstate.EventPeerClosed),
			Read("", io.EOF),
			NextTimeout(twoMSL),
			Advance(twoMSL - time.Nanosecond),
			State(tcpstate.TimeWait),
			Advance(time.Nanosecond),
			State(tcpstate.Closed),
			Err(nil),
			Events(tcpstate.EventClosed),
			NextTimeout(0),
			ExpectNothing(),
		}},
		{Name: "TIME-WAIT lasts 2×MSL with a configured MSL", Steps: []Step{
			Configure(func(c *tcpstate.Config) { c.MSL = 30 * time.Second }),
			TimeWait(),
			NextTimeout(time.Minute),
			Advance(time.Minute - time.Nanosecond),
			State(tcpstate.TimeWait),
			Advance(time.Nanosecond),
			State(tcpstate.Closed),
			Err(nil),
		}},
		// Eighth, FIN-WAIT-1: "If our FIN has been ACKed (perhaps in this
		// segment), then enter TIME-WAIT, start the time-wait timer, turn
		// off the other timers; otherwise, enter the CLOSING state."
		{Name: "FIN-WAIT-1: a FIN that acknowledges ours leads straight to TIME-WAIT", Steps: []Step{
			FinWait1(),
			NextTimeout(time.Second),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(2)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(2), R(2))),
			State(tcpstate.TimeWait),
			SndUna(L(2)),
			RcvNxt(R(2)),
			NextTimeout(twoMSL), // the retransmission timer is off
			Advance(twoMSL),
			State(tcpstate.Closed),
		}},
		// §3.10.4 FIN-WAIT-1/2: "Strictly speaking, this is an error and
		// should receive an 'error: connection closing' response"; §3.10.2
		// SEND in FIN-WAIT-1/2: "Return 'error: connection closing' and do
		// not service request." Seventh check, FIN-WAIT-1 and FIN-WAIT-2:
		// "it is possible to deliver segment text to user RECEIVE
		// buffers" (a half-closed connection still receives).
		{Name: "FIN-WAIT-1 and FIN-WAIT-2 still receive data", Steps: []Step{
			FinWait1(),
			Write("late", tcpstate.ErrClosing),
			Close(tcpstate.ErrClosing),
			// Data that does not acknowledge our FIN yet.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("still"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(2), R(6))),
			State(tcpstate.FinWait1),
			// Data that does.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(6), L(2)).Data(" sending"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(2), R(14))),
			State(tcpstate.FinWait2),
			// 20 more bytes, across the wrap of the remote sequence space.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(14), L(2)).Data(Text(20)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(2), R(34))),
			Write("late", tcpstate.ErrClosing),
			Read("still sending"+Text(20), nil),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(34), L(2)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(2), R(35))),
			State(tcpstate.TimeWait),
			Read("", io.EOF),
		}},

		// Eighth, ESTABLISHED: "If the FIN bit is set, signal the user
		// 'connection closing' ... advance RCV.NXT over the FIN, and send
		// an acknowledgment for the FIN. ... Enter the CLOSE-WAIT state."
		// §3.10.4 CLOSE-WAIT: "send a FIN segment, enter LAST-ACK state."
		// Fifth, LAST-ACK: "If our FIN is now acknowledged, delete the
		// TCB, enter the CLOSED state, and return."
		{Name: "passive close: CLOSE-WAIT, LAST-ACK, CLOSED", Steps: []Step{
			Established(),
			DrainEvents(),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(1)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(2))),
			State(tcpstate.CloseWait),
			RcvNxt(R(2)),
			Events(tcpstate.EventReadable, tcpstate.EventPeerClosed),
			Read("", io.EOF),
			Close(nil),
			State(tcpstate.LastAck),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(2))),
			SndNxt(L(2)),
			NextTimeout(time.Second),
			Inject(Peer(tcpstate.ACK, R(2), L(2)), tcpstate.Accepted),
			ExpectNothing(),
			State(tcpstate.Closed),
			Err(nil),
			Events(tcpstate.EventClosed),
			NextTimeout(0), // no TIME-WAIT for the passive closer
		}},
		// §3.10.2 SEND in CLOSE-WAIT: "Segmentize the buffer and send it";
		// §3.10.3 RECEIVE in CLOSE-WAIT: "RECEIVEs must be satisfied by
		// data already on hand ... If no text is awaiting delivery, the
		// RECEIVE will get an 'error: connection closing' response" (here
		// io.EOF). Eighth: "FIN implies PUSH for any segment text not yet
		// delivered to the user."
		{Name: "half-close: data keeps flowing to the peer in CLOSE-WAIT", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.FIN|tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("request"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(9))), // 7 bytes and the FIN
			State(tcpstate.CloseWait),
			Read("request", nil),
			Read("", io.EOF),
			Read("", io.EOF),
			ExpectNothing(), // no window update: no more data can come
			// 300 bytes: the local sequence space wraps at L+256.
			Write(Text(300), nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(9)).Data(Text(300))),
			Inject(Peer(tcpstate.ACK, R(9), L(301)), tcpstate.Accepted),
			SndUna(L(301)),
			State(tcpstate.CloseWait),
			Write("more", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(301), R(9)).Data("more")),
			Inject(Peer(tcpstate.ACK, R(9), L(305)), tcpstate.Accepted),
			Close(nil),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(305), R(9))),
			State(tcpstate.LastAck),
			Inject(Peer(tcpstate.ACK, R(9), L(306)), tcpstate.Accepted),
			State(tcpstate.Closed),
			Err(nil),
		}},
		// §3.10.4 ESTABLISHED: "Queue this until all preceding SENDs have
		// been segmentized, then form a FIN segment and send it." The FIN
		// rides on the last data segment, whose sequence space it ends.
		{Name: "Close with data unsent: the data first, the FIN on the last segment", Steps: []Step{
			Established(),
			Write(Text(2000), nil),
			Close(nil),
			State(tcpstate.FinWait1),
			Write("x", tcpstate.ErrClosing),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Data(Text(2000)[:1460])),
			Expect(Us(tcpstate.FIN|tcpstate.PSH|tcpstate.ACK, L(1461), R(1)).Data(Text(2000)[1460:])),
			ExpectNothing(),
			SndNxt(L(2002)),
			Inject(Peer(tcpstate.ACK, R(1), L(1461)), tcpstate.Accepted),
			State(tcpstate.FinWait1),
			// All the data but not the FIN.
			Inject(Peer(tcpstate.ACK, R(1), L(2001)), tcpstate.Accepted),
			State(tcpstate.FinWait1),
			Inject(Peer(tcpstate.ACK, R(1), L(2002)), tcpstate.Accepted),
			State(tcpstate.FinWait2),
		}},
		// The FIN occupies a sequence number, so it too must fit the
		// peer's window (§3.8.6.2.1, usable window U = SND.UNA + SND.WND
		// - SND.NXT): with the window full it waits for an ACK.
		{Name: "Close with data filling the window: the FIN follows once the window opens", Steps: []Step{
			establishedWith(65535, 1000),
			Write(Text(1000), nil),
			Close(nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data(Text(1000))),
			ExpectNothing(),
			State(tcpstate.FinWait1),
			Inject(Peer(tcpstate.ACK, R(1), L(1001)).Win(1000), tcpstate.Accepted),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1001), R(1))),
			SndNxt(L(1002)),
			Inject(Peer(tcpstate.ACK, R(1), L(1002)).Win(1000), tcpstate.Accepted),
			State(tcpstate.FinWait2),
		}},

		// Fifth, TIME-WAIT: "The only thing that can arrive in this state
		// is a retransmission of the remote FIN. Acknowledge it, and
		// restart the 2 MSL timeout." The retransmitted FIN lies before
		// RCV.NXT, so the first check answers it with that ACK and the
		// verdict is dropped-unacceptable-seq.
		{Name: "TIME-WAIT: a retransmitted FIN is acknowledged and restarts 2×MSL", Steps: []Step{
			TimeWait(),
			NextTimeout(twoMSL),
			Advance(time.Minute),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(2)), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(2), R(2))),
			State(tcpstate.TimeWait),
			NextTimeout(twoMSL),
			Advance(twoMSL - time.Nanosecond),
			State(tcpstate.TimeWait),
			Advance(time.Nanosecond),
			State(tcpstate.Closed),
		}},
		// Other segments are answered by the sequence check but do not
		// extend TIME-WAIT.
		{Name: "TIME-WAIT: an old ACK is acknowledged without restarting the timer", Steps: []Step{
			TimeWait(),
			Advance(time.Minute),
			Inject(Peer(tcpstate.ACK, R(1), L(2)), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(2), R(2))),
			NextTimeout(twoMSL - time.Minute),
			Advance(twoMSL - time.Minute),
			State(tcpstate.Closed),
		}},

		// First check: "In the following it is assumed that the segment is
		// the idealized segment that begins at RCV.NXT ... only
		// processing further if the segment then begins at RCV.NXT."
		// Eighth: the FIN advances RCV.NXT, which it can only do from
		// RCV.NXT. RFC 5681 §4.2: "A TCP receiver SHOULD send an immediate
		// duplicate ACK when an out-of-order segment arrives."
		// The segment is held ("Segments with higher beginning sequence
		// numbers SHOULD be held for later processing", SHLD-31), its FIN
		// with it: when the gap is filled, the data and then the FIN are
		// processed, and one ACK covers all (RFC 5681 §4.2: "an immediate
		// ACK when the incoming segment fills in all or part of a gap").
		{Name: "FIN with data beyond RCV.NXT waits for the gap to be filled", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.FIN|tcpstate.PSH|tcpstate.ACK, R(6), L(1)).Data("world"), tcpstate.OutOfOrder),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			State(tcpstate.Established),
			RcvNxt(R(1)),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("hello"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(12))),
			State(tcpstate.CloseWait),
			Read("helloworld", nil),
			Read("", io.EOF),
		}},
		// A bare FIN beyond RCV.NXT is an out-of-order segment just as a
		// data segment there is (the FIN occupies sequence number R+6):
		// RFC 5681 §4.2, "A TCP receiver SHOULD send an immediate
		// duplicate ACK when an out-of-order segment arrives."
		{Name: "bare FIN beyond RCV.NXT waits and gets a duplicate ACK", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(6), L(1)), tcpstate.OutOfOrder),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			State(tcpstate.Established),
			RcvNxt(R(1)),
			Read("", tcpstate.ErrWouldBlock),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("hello"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(7))),
			State(tcpstate.CloseWait),
			Read("hello", nil),
			Read("", io.EOF),
		}},

		// Fifth, LAST-ACK: "The only thing that can arrive in this state
		// is an acknowledgment of our FIN. If our FIN is now acknowledged,
		// delete the TCB, enter the CLOSED state, and return." ACKs of
		// less leave it in LAST-ACK.
		{Name: "LAST-ACK ignores ACKs until our FIN is acknowledged", Steps: []Step{
			CloseWait(),
			Write("bye", nil),
			Close(nil),
			Expect(Us(tcpstate.FIN|tcpstate.PSH|tcpstate.ACK, L(1), R(2)).Data("bye")),
			State(tcpstate.LastAck),
			SndNxt(L(5)),
			Inject(Peer(tcpstate.ACK, R(2), L(1)), tcpstate.Accepted), // nothing new
			ExpectNothing(),
			State(tcpstate.LastAck),
			Inject(Peer(tcpstate.ACK, R(2), L(4)), tcpstate.Accepted), // the data, not the FIN
			ExpectNothing(),
			State(tcpstate.LastAck),
			SndUna(L(4)),
			NextTimeout(time.Second), // RFC 6298 (5.3): restarted for the FIN
			Inject(Peer(tcpstate.ACK, R(2), L(5)), tcpstate.Accepted),
			ExpectNothing(),
			State(tcpstate.Closed),
			Err(nil),
			NextTimeout(0),
		}},
		// Fifth, CLOSE-WAIT: "Do the same processing as for the ESTABLISHED
		// state": a retransmission of the peer's FIN is below RCV.NXT and
		// is answered with an ACK by the first check.
		{Name: "CLOSE-WAIT: a retransmitted FIN is acknowledged again", Steps: []Step{
			CloseWait(),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(1)), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(1), R(2))),
			State(tcpstate.CloseWait),
			RcvNxt(R(2)),
		}},
		// Fifth, CLOSING: "In addition to the processing for the
		// ESTABLISHED state, if the ACK acknowledges our FIN, then enter
		// the TIME-WAIT state; otherwise, ignore the segment."
		{Name: "CLOSING enters TIME-WAIT on the ACK of our FIN", Steps: []Step{
			Closing(),
			NextTimeout(time.Second), // our FIN is still unacknowledged
			Inject(Peer(tcpstate.ACK, R(2), L(1)), tcpstate.Accepted),
			ExpectNothing(),
			State(tcpstate.Closing),
			Inject(Peer(tcpstate.ACK, R(2), L(2)), tcpstate.Accepted),
			ExpectNothing(),
			State(tcpstate.TimeWait),
			SndUna(L(2)),
			NextTimeout(twoMSL),
			Advance(twoMSL),
			State(tcpstate.Closed),
			Err(nil),
		}},
	})
}
