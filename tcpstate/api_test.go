package tcpstate_test

import (
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// TestAPIMisuse covers the application calls of RFC 9293 §3.10.1-§3.10.4
// made in the wrong state: each returns a typed error and sends nothing.
func TestAPIMisuse(t *testing.T) {
	local := netip.AddrPortFrom(LocalAddr, 49152)
	remote := netip.AddrPortFrom(RemoteAddr, 80)
	scenarios := []Scenario{
		// §3.10.2 SEND, CLOSED STATE: "return "error: connection does not
		// exist"".
		{Name: "Write before Connect: ErrNotConnected", Steps: []Step{
			NewConn(),
			Write("hello", tcpstate.ErrNotConnected),
			State(tcpstate.Closed),
			ExpectNothing(),
		}},
		// §3.10.3 RECEIVE, CLOSED STATE: the same.
		{Name: "Read before Connect: ErrNotConnected", Steps: []Step{
			NewConn(),
			Read("", tcpstate.ErrNotConnected),
		}},
		// §3.10.4 CLOSE, CLOSED STATE: the same.
		{Name: "Close before Connect: ErrNotConnected", Steps: []Step{
			NewConn(),
			Close(tcpstate.ErrNotConnected),
			State(tcpstate.Closed),
			ExpectNothing(),
		}},
		// §3.10.2 SEND, LISTEN STATE: "If the remote socket was not
		// specified, then return "error: remote socket unspecified"".
		{Name: "Write in LISTEN: ErrNotConnected", Steps: []Step{
			Listen(),
			Write("hello", tcpstate.ErrNotConnected),
			State(tcpstate.Listen),
			ExpectNothing(),
		}},
		// §3.10.1 OPEN, SYN-SENT ... TIME-WAIT: "Return "error: connection
		// already exists"".
		{Name: "Connect twice: ErrConnectionExists", Steps: []Step{
			SynSent(),
			ConnectAddr(local, remote, tcpstate.ErrConnectionExists),
			ExpectNothing(), // no second SYN
			State(tcpstate.SynSent),
		}},
		{Name: "Connect in ESTABLISHED: ErrConnectionExists", Steps: []Step{
			Established(),
			ConnectAddr(local, remote, tcpstate.ErrConnectionExists),
			ExpectNothing(),
			State(tcpstate.Established),
		}},
		{Name: "Listen twice: ErrConnectionExists", Steps: []Step{
			Listen(),
			ListenAddr(netip.AddrPortFrom(LocalAddr, 80), netip.AddrPortFrom(LocalAddr, 80),
				netip.AddrPortFrom(RemoteAddr, 49152), tcpstate.ErrConnectionExists),
			State(tcpstate.Listen),
		}},
		{Name: "Listen after Connect: ErrConnectionExists", Steps: []Step{
			SynSent(),
			ListenAddr(netip.AddrPortFrom(LocalAddr, 80), netip.AddrPortFrom(LocalAddr, 80),
				netip.AddrPortFrom(RemoteAddr, 49152), tcpstate.ErrConnectionExists),
			State(tcpstate.SynSent),
		}},
		// §3.10.1 OPEN, CLOSED STATE: "If active and the remote socket is
		// unspecified, return "error: remote socket unspecified"". A port
		// 0, a mixed IPv4/IPv6 pair or an unspecified local address cannot
		// be put in a segment either. A failed Connect leaves the
		// connection CLOSED and usable.
		{Name: "Connect with unusable addresses: ErrInvalidAddress", Steps: []Step{
			ConnectAddr(local, netip.MustParseAddrPort("0.0.0.0:80"), tcpstate.ErrInvalidAddress),
			ConnectAddr(local, netip.MustParseAddrPort("[::]:80"), tcpstate.ErrInvalidAddress),
			ConnectAddr(local, netip.AddrPortFrom(RemoteAddr, 0), tcpstate.ErrInvalidAddress),
			ConnectAddr(netip.AddrPortFrom(LocalAddr, 0), remote, tcpstate.ErrInvalidAddress),
			ConnectAddr(local, netip.AddrPort{}, tcpstate.ErrInvalidAddress),
			ConnectAddr(netip.AddrPort{}, remote, tcpstate.ErrInvalidAddress),
			ConnectAddr(netip.MustParseAddrPort("0.0.0.0:49152"), remote, tcpstate.ErrInvalidAddress),
			ConnectAddr(local, netip.MustParseAddrPort("[2001:db8::2]:80"), tcpstate.ErrInvalidAddress),
			State(tcpstate.Closed),
			ExpectNothing(),
			ConnectAddr(local, remote, nil),
			Expect(Us(tcpstate.SYN, L(0), 0)),
			State(tcpstate.SynSent),
		}},
		{Name: "Listen on port 0: ErrInvalidAddress", Steps: []Step{
			ListenAddr(netip.AddrPortFrom(LocalAddr, 0), netip.AddrPortFrom(LocalAddr, 80),
				netip.AddrPortFrom(RemoteAddr, 49152), tcpstate.ErrInvalidAddress),
			State(tcpstate.Closed),
		}},
		// §3.10.2 SEND, FIN-WAIT-1: "Return "error: connection closing"
		// and do not service request."
		{Name: "Write after Close: ErrClosing", Steps: []Step{
			FinWait1(),
			Write("hello", tcpstate.ErrClosing),
			ExpectNothing(),
			SndNxt(L(2)),
		}},
		// §3.10.4 CLOSE, FIN-WAIT-1: "Strictly speaking, this is an error
		// and should receive an "error: connection closing" response. An
		// "ok" response would be acceptable, too, as long as a second FIN
		// is not emitted".
		{Name: "Close twice: ErrClosing, no second FIN", Steps: []Step{
			FinWait1(),
			Close(tcpstate.ErrClosing),
			ExpectNothing(),
			State(tcpstate.FinWait1),
		}},
		// §3.10.4 CLOSE, CLOSED STATE once TIME-WAIT is over: "error:
		// connection does not exist".
		{Name: "Close after CLOSED: ErrNotConnected", Steps: []Step{
			TimeWait(),
			Advance(4 * time.Minute),
			State(tcpstate.Closed),
			Close(tcpstate.ErrNotConnected),
			ExpectNothing(),
		}},
		// ErrWouldBlock is the non-blocking form of a RECEIVE that waits:
		// §3.10.3 ESTABLISHED: "If insufficient incoming segments are
		// queued to satisfy the request, queue the request."
		{Name: "Read with no data: ErrWouldBlock", Steps: []Step{
			Established(),
			Read("", tcpstate.ErrWouldBlock),
		}},
		// §3.10.3 SYN-SENT: "Queue for processing after entering
		// ESTABLISHED state."
		{Name: "Read in SYN-SENT: ErrWouldBlock", Steps: []Step{
			SynSent(),
			Read("", tcpstate.ErrWouldBlock),
		}},
		// §3.10.3 CLOSE-WAIT: "RECEIVEs must be satisfied by data already
		// on hand ... If no text is awaiting delivery, the RECEIVE will get
		// an "error: connection closing" response": io.EOF in Go, every
		// time it is asked.
		{Name: "Read after the peer's FIN: data, then io.EOF", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.FIN|tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("hello"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(7))),
			State(tcpstate.CloseWait),
			Read("hello", nil),
			Read("", io.EOF),
			Read("", io.EOF),
		}},
		// §3.10.2 SEND: "If there is insufficient space to remember this
		// buffer, simply return "error: insufficient resources"":
		// ErrWouldBlock until space is freed.
		{Name: "Write beyond the send buffer: ErrWouldBlock", Steps: []Step{
			Configure(func(c *tcpstate.Config) { c.SendBuffer = 10 }),
			SynSent(),
			Write("0123456789", nil),
			Write("x", tcpstate.ErrWouldBlock),
		}},
	}
	// The states after our CLOSE: SEND is refused (§3.10.2 "Return "error:
	// connection closing""), and so is a second CLOSE (§3.10.4 CLOSING,
	// LAST-ACK, TIME-WAIT: "Respond with "error: connection closing"").
	for _, s := range []struct {
		name    string
		fixture Step
	}{
		{"FIN-WAIT-2", FinWait2()},
		{"CLOSING", Closing()},
		{"LAST-ACK", LastAck()},
		{"TIME-WAIT", TimeWait()},
	} {
		scenarios = append(scenarios,
			Scenario{Name: "Write in " + s.name + ": ErrClosing", Steps: []Step{
				s.fixture,
				Write("hello", tcpstate.ErrClosing),
				ExpectNothing(),
			}},
			Scenario{Name: "Close in " + s.name + ": ErrClosing", Steps: []Step{
				s.fixture,
				Close(tcpstate.ErrClosing),
				ExpectNothing(),
			}},
		)
	}
	RunAll(t, scenarios)
}

// TestAbort covers the ABORT call, RFC 9293 §3.10.5, in every state. In
// SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 and CLOSE-WAIT: "Send a
// reset segment: <SEQ=SND.NXT><CTL=RST> ... all segments queued for
// transmission (except for the RST formed above) or retransmission should
// be flushed. Delete the TCB, enter CLOSED state, and return." In LISTEN
// and SYN-SENT nothing is sent; in CLOSING, LAST-ACK and TIME-WAIT:
// "Respond with "ok" and delete the TCB, enter CLOSED state, and return."
func TestAbort(t *testing.T) {
	// aborted checks what follows any ABORT: CLOSED, no timer, nothing
	// more to send, ErrAborted.
	aborted := Steps(
		State(tcpstate.Closed),
		ExpectNothing(),
		NextTimeout(0),
		Err(tcpstate.ErrAborted),
	)
	rst := func(seq int) Step { return Expect(Us(tcpstate.RST, L(seq), 0).NoOptions()) }
	RunAll(t, []Scenario{
		// §3.10.5 CLOSED STATE: "return "error: connection does not
		// exist"": Abort has no result; nothing changes.
		{Name: "CLOSED: nothing happens", Steps: []Step{
			NewConn(),
			Abort(),
			State(tcpstate.Closed),
			ExpectNothing(),
			Err(nil),
			Events(),
		}},
		{Name: "LISTEN: CLOSED, no RST", Steps: []Step{
			Listen(),
			Abort(),
			aborted,
			Events(tcpstate.EventClosed),
		}},
		{Name: "SYN-SENT: CLOSED, no RST, no more SYN", Steps: []Step{
			SynSent(),
			Abort(),
			aborted,
			Advance(time.Minute),
			ExpectNothing(),
		}},
		{Name: "SYN-RECEIVED: RST at SND.NXT", Steps: []Step{
			SynReceived(),
			Abort(),
			rst(1),
			aborted,
		}},
		{Name: "ESTABLISHED: RST at SND.NXT", Steps: []Step{
			Established(),
			Abort(),
			rst(1),
			aborted,
			Events(tcpstate.EventEstablished, tcpstate.EventWritable, tcpstate.EventClosed),
		}},
		// SND.NXT, not SND.UNA: the RST follows the unacknowledged data,
		// which is flushed rather than retransmitted.
		{Name: "ESTABLISHED with data in flight: RST after it, no retransmission", Steps: []Step{
			Established(),
			Write("hello", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			Abort(),
			rst(6),
			aborted,
			Advance(time.Minute),
			ExpectNothing(),
			Write("more", tcpstate.ErrAborted),
			Read("", tcpstate.ErrAborted),
		}},
		{Name: "FIN-WAIT-1: RST after the FIN", Steps: []Step{
			FinWait1(),
			Abort(),
			rst(2),
			aborted,
		}},
		{Name: "FIN-WAIT-2: RST after the FIN", Steps: []Step{
			FinWait2(),
			Abort(),
			rst(2),
			aborted,
		}},
		{Name: "CLOSE-WAIT: RST at SND.NXT", Steps: []Step{
			CloseWait(),
			Abort(),
			rst(1),
			aborted,
		}},
		{Name: "CLOSING: CLOSED, no RST", Steps: []Step{
			Closing(),
			Abort(),
			aborted,
		}},
		{Name: "LAST-ACK: CLOSED, no RST", Steps: []Step{
			LastAck(),
			Abort(),
			aborted,
		}},
		{Name: "TIME-WAIT: CLOSED, no RST", Steps: []Step{
			TimeWait(),
			Abort(),
			aborted,
		}},
	})
}

// TestEvents covers the application events: RFC 9293 §3.5 MUST-12 (the
// application "MUST be informed whether it closed normally or was
// aborted") and the signals of §3.10.7.4 ("signal the user "connection
// closing"" on a FIN). Pending events come out in a fixed order.
func TestEvents(t *testing.T) {
	RunAll(t, []Scenario{
		{Name: "a lifecycle: established, readable, peer-closed, closed", Steps: []Step{
			Established(),
			Events(tcpstate.EventEstablished, tcpstate.EventWritable),
			Events(), // drained
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("hello"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(6))),
			Events(tcpstate.EventReadable),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(6), L(1)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(7))),
			Events(tcpstate.EventReadable, tcpstate.EventPeerClosed),
			Read("hello", nil),
			Read("", io.EOF),
			Close(nil),
			Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(7))),
			Events(),
			Inject(Peer(tcpstate.ACK, R(7), L(2)), tcpstate.Accepted),
			State(tcpstate.Closed),
			Events(tcpstate.EventClosed),
			Err(nil), // closed normally
		}},
		// Events raised by one segment come out in declaration order.
		{Name: "one segment, several events: fixed order", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.FIN|tcpstate.ACK, R(0), L(1)).Data("hi"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(4))),
			Events(tcpstate.EventEstablished, tcpstate.EventReadable, tcpstate.EventWritable, tcpstate.EventPeerClosed),
		}},
		{Name: "acknowledged data frees buffer space: writable", Steps: []Step{
			Established(),
			Events(tcpstate.EventEstablished, tcpstate.EventWritable),
			Write("hello", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("hello")),
			Events(),
			Inject(Peer(tcpstate.ACK, R(1), L(6)), tcpstate.Accepted),
			Events(tcpstate.EventWritable),
		}},
		// A passive OPEN reports the same.
		{Name: "passive open: established", Steps: []Step{
			EstablishedPassive(),
			Events(tcpstate.EventEstablished, tcpstate.EventWritable),
		}},
		// MUST-12: an abnormal end is told apart by Err.
		{Name: "timed out: closed with ErrTimedOut", Steps: []Step{
			Configure(func(c *tcpstate.Config) { c.SynRetries = 0 }),
			SynSent(),
			Advance(time.Second),
			Events(tcpstate.EventClosed),
			Err(tcpstate.ErrTimedOut),
		}},
	})
}
