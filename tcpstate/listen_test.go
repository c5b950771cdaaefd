package tcpstate_test

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// TestListen covers segment arrival in the LISTEN state, RFC 9293
// §3.10.7.2, and the CLOSE call in LISTEN (§3.10.4).
func TestListen(t *testing.T) {
	RunAll(t, []Scenario{
		// §3.10.7.2 First: "An incoming RST should be ignored. Return."
		{Name: "RST is ignored", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.RST, R(0), 0), tcpstate.DroppedRST),
			ExpectNothing(),
			State(tcpstate.Listen),
			NextTimeout(0),
		}},
		// The RST check comes first, so a RST carrying an ACK is not
		// answered as the ACK check would answer it.
		{Name: "RST-ACK is ignored, not answered", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.RST|tcpstate.ACK, R(0), L(1)), tcpstate.DroppedRST),
			ExpectNothing(),
			State(tcpstate.Listen),
		}},
		{Name: "SYN with RST is ignored", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.SYN|tcpstate.RST, R(0), 0), tcpstate.DroppedRST),
			ExpectNothing(),
			State(tcpstate.Listen),
		}},
		// §3.10.7.2 Second: "Any acknowledgment is bad if it arrives on a
		// connection still in the LISTEN state. An acceptable reset
		// segment should be formed for any arriving ACK-bearing segment.
		// The RST should be formatted as follows: <SEQ=SEG.ACK><CTL=RST>"
		{Name: "ACK is answered with <SEQ=SEG.ACK><CTL=RST>", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.ACK, R(1), L(1)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(1), 0).NoOptions()),
			ExpectNothing(),
			State(tcpstate.Listen),
		}},
		{Name: "ACK of an arbitrary number: the RST's SEQ is that number", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.ACK, R(1), 0x12345678), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, 0x12345678, 0)),
			State(tcpstate.Listen),
		}},
		{Name: "ACK carrying data and FIN is answered with RST", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.FIN|tcpstate.PSH|tcpstate.ACK, R(1), L(100)).Data("hello"), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(100), 0)),
			State(tcpstate.Listen),
			RcvNxt(0), // nothing was learned from the segment
		}},
		// The ACK check precedes the SYN check: a SYN-ACK in LISTEN is an
		// ACK-bearing segment and gets <SEQ=SEG.ACK><CTL=RST>.
		{Name: "SYN-ACK is answered with RST, not with a SYN-ACK", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(7)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(7), 0)),
			ExpectNothing(),
			State(tcpstate.Listen),
		}},
		// §3.10.7.2 Third: "Set RCV.NXT to SEG.SEQ+1, IRS is set to
		// SEG.SEQ ... ISS should be selected and a SYN segment sent of the
		// form: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. SND.NXT is set to
		// ISS+1 and SND.UNA to ISS. The connection state should be changed
		// to SYN-RECEIVED."
		{Name: "SYN: SYN-ACK, SYN-RECEIVED and the TCB", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460), tcpstate.Accepted),
			State(tcpstate.SynReceived),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).Win(65535).MSS(1460)),
			ExpectNothing(),
			IRS(R(0)),
			RcvNxt(R(1)),
			ISS(L(0)),
			SndUna(L(0)),
			SndNxt(L(1)),
			Do(func(h *Harness) error {
				if !h.Conn.Passive() {
					return fmt.Errorf("Passive() = false after a passive OPEN (RFC 9293 §3.5 MUST-11)")
				}
				return nil
			}),
		}},
		// RemoteISS+15 is 2^32-1: RCV.NXT = SEG.SEQ+1 wraps to 0.
		{Name: "SYN at 2^32-1: RCV.NXT wraps to 0", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.SYN, 0xFFFFFFFF, 0), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), 0)),
			IRS(0xFFFFFFFF),
			RcvNxt(0),
			Inject(Peer(tcpstate.ACK, 0, L(1)), tcpstate.Accepted),
			State(tcpstate.Established),
		}},
		// §3.10.7.2 Third: "any other control or text should be queued
		// for processing later". tcpstate does not keep data carried on
		// a SYN (no TCP Fast Open): its SYN-ACK acknowledges only the SYN,
		// so the peer still owns the data and sends it again, and the
		// connection never acknowledges bytes it did not keep.
		{Name: "SYN carrying data: only the SYN is acknowledged", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.SYN, R(0), 0).Data("hello"), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1))),
			RcvNxt(R(1)),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("hello"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(6))),
			State(tcpstate.Established),
			Read("hello", nil),
		}},
		// §3.10.7.2 Fourth: "Any other control or data-bearing segment
		// (not containing SYN) must have an ACK and thus would have been
		// discarded by the ACK processing ... Drop the segment and return."
		{Name: "segment with none of RST, ACK, SYN is dropped", Steps: []Step{
			Listen(),
			Inject(Peer(0, R(0), 0), tcpstate.Dropped),
			Inject(Peer(tcpstate.FIN, R(0), 0), tcpstate.Dropped),
			Inject(Peer(tcpstate.PSH, R(0), 0).Data("hello"), tcpstate.Dropped),
			ExpectNothing(),
			State(tcpstate.Listen),
			NextTimeout(0),
		}},
		{Name: "stray segments leave the listener able to accept a SYN", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.ACK, R(1), L(1)), tcpstate.AnsweredRST),
			Expect(Us(tcpstate.RST, L(1), 0)),
			Inject(Peer(tcpstate.RST, R(1), 0), tcpstate.DroppedRST),
			Inject(Peer(tcpstate.FIN, R(1), 0), tcpstate.Dropped),
			Inject(Peer(tcpstate.SYN, R(0), 0), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1))),
			State(tcpstate.SynReceived),
		}},
		// §3.10.7.2 Third: "If the listen was not fully specified (i.e.,
		// the remote socket was not fully specified), then the unspecified
		// fields should be filled in now."
		{Name: "listen on any address: the SYN fills in both ends", Steps: []Step{
			ListenAddr(netip.MustParseAddrPort("0.0.0.0:80"),
				netip.AddrPortFrom(LocalAddr, 80), netip.AddrPortFrom(RemoteAddr, 49152), nil),
			Inject(Peer(tcpstate.SYN, R(0), 0), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1))), // Expect checks the addresses too
			Do(func(h *Harness) error {
				if got, want := h.Conn.LocalAddr(), netip.AddrPortFrom(LocalAddr, 80); got != want {
					return fmt.Errorf("LocalAddr() = %v, want %v", got, want)
				}
				if got, want := h.Conn.RemoteAddr(), netip.AddrPortFrom(RemoteAddr, 49152); got != want {
					return fmt.Errorf("RemoteAddr() = %v, want %v", got, want)
				}
				return nil
			}),
		}},
		// §3.10.4 CLOSE, LISTEN STATE: "Any outstanding RECEIVEs are
		// returned with "error: closing" responses. Delete TCB, enter
		// CLOSED state, and return."
		{Name: "Close in LISTEN: CLOSED, nothing sent", Steps: []Step{
			Listen(),
			Close(nil),
			State(tcpstate.Closed),
			ExpectNothing(),
			NextTimeout(0),
			Err(nil),
			Events(tcpstate.EventClosed),
		}},
		// §3.10.1 OPEN, LISTEN STATE: "If the OPEN call is active and the
		// foreign socket is specified, then change the connection from
		// passive to active, select an ISS. Send a SYN segment, set SND.UNA
		// to ISS, SND.NXT to ISS+1. Enter SYN-SENT state." (§3.3.2, the
		// LISTEN -> SYN-SENT edge of Figure 5.)
		{Name: "Connect in LISTEN: active open, SYN-SENT", Steps: []Step{
			Listen(),
			ConnectAddr(netip.AddrPortFrom(LocalAddr, 80), netip.AddrPortFrom(RemoteAddr, 49152), nil),
			State(tcpstate.SynSent),
			Expect(Us(tcpstate.SYN, L(0), 0).Win(65535)),
			SndUna(L(0)),
			SndNxt(L(1)),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			State(tcpstate.Established),
			Do(func(h *Harness) error {
				if h.Conn.Passive() {
					return errors.New("Passive() after an active OPEN in LISTEN")
				}
				return nil
			}),
		}},
	})
}
