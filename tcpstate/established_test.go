package tcpstate_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// establishedWith drives the same handshake as the Established fixture,
// with a receive buffer of recvBuf bytes (our SYN offers that window,
// RFC 7323 §2.2: unscaled) and a peer whose SYN-ACK offers peerWnd.
func establishedWith(recvBuf int, peerWnd uint16) Step {
	return Steps(
		Configure(func(c *tcpstate.Config) { c.RecvBuffer = recvBuf }),
		Connect(),
		Expect(Us(tcpstate.SYN, L(0), 0).Win(uint16(recvBuf))),
		Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460).Win(peerWnd), tcpstate.Accepted),
		Expect(Us(tcpstate.ACK, L(1), R(1)).Win(uint16(recvBuf))),
		State(tcpstate.Established),
		SndWnd(uint32(peerWnd)),
	)
}

// zeroWindow1000 is establishedWith(1000, 65535) followed by 1000 bytes
// from the peer that the application does not read: RCV.WND is then 0
// with RCV.NXT at R+1001.
func zeroWindow1000() Step {
	return Steps(
		establishedWith(1000, 65535),
		Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data(Text(1000)), tcpstate.Accepted),
		// RFC 9293 §3.10.7.4 seventh: the receiver "adjusts RCV.WND as
		// appropriate to the current buffer availability. The total of
		// RCV.NXT and RCV.WND should not be reduced."
		Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(0)),
		RcvNxt(R(1001)),
		RcvWnd(0),
	)
}

// TestEstablished covers data transfer in ESTABLISHED: RFC 9293 §3.10.7.4
// (sequence number check, ACK processing, segment text), §3.8.6 (window
// management) and RFC 5961 §5.2 (ACK acceptability). The Established
// fixture leaves RCV.NXT = R+1, RCV.WND = 65535, SND.UNA = SND.NXT = L+1,
// SND.WND = 65535, SND.WL1 = R+0 and SND.WL2 = L+1 (from the SYN-ACK, RFC
// 1122 §4.2.2.20 (c): "SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK"), MSS 1460
// and no other option.
func TestEstablished(t *testing.T) {
	RunAll(t, []Scenario{
		// §3.10.7.4 fifth, ESTABLISHED: "If SND.UNA < SEG.ACK =< SND.NXT,
		// then set SND.UNA <- SEG.ACK. Any segments on the retransmission
		// queue that are thereby entirely acknowledged are removed."
		// Seventh: "Once the TCP endpoint takes responsibility for the
		// data, it advances RCV.NXT over the data accepted ... Send an
		// acknowledgment of the form: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>".
		// Local sequence numbers wrap at L+256, remote ones at R+16.
		{Name: "data both ways with cumulative ACKs across the sequence number wrap", Steps: []Step{
			Established(),
			Events(tcpstate.EventEstablished, tcpstate.EventWritable),
			Write(Text(300), nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data(Text(300)).Win(65535)),
			SndUna(L(1)),
			SndNxt(L(301)),
			NextTimeout(time.Second), // RFC 6298 (5.1), RTO 1 s (2.4)
			// A cumulative ACK of the first 100 bytes.
			Inject(Peer(tcpstate.ACK, R(1), L(101)), tcpstate.Accepted),
			ExpectNothing(),
			SndUna(L(101)),
			Events(tcpstate.EventWritable),
			NextTimeout(time.Second), // RFC 6298 (5.3): restarted
			Inject(Peer(tcpstate.ACK, R(1), L(301)), tcpstate.Accepted),
			ExpectNothing(),
			SndUna(L(301)),
			NextTimeout(0), // RFC 6298 (5.2): all data acknowledged
			// 40 bytes from the peer, R+1 to R+41: RCV.NXT wraps.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(301)).Data(Text(40)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(301), R(41)).Win(65535 - 40)),
			RcvNxt(R(41)),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(41), L(301)).Data("and more"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(301), R(49)).Win(65535 - 48)),
			RcvNxt(R(49)),
			Events(tcpstate.EventReadable, tcpstate.EventWritable),
			Read(Text(40)+"and more", nil),
			// The right edge could move by 48 bytes only, less than
			// min(RecvBuffer/2, MSS): no window update (§3.8.6.2.2).
			ExpectNothing(),
			Read("", tcpstate.ErrWouldBlock),
			// One ACK covering two segments of ours.
			Write("first", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(301), R(49)).Data("first")),
			Write("second", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(306), R(49)).Data("second")),
			Inject(Peer(tcpstate.ACK, R(49), L(312)), tcpstate.Accepted),
			SndUna(L(312)),
			SndNxt(L(312)),
			NextTimeout(0),
		}},

		// §3.10.7.4 first, table row "0 | >0 | RCV.NXT =< SEG.SEQ <
		// RCV.NXT+RCV.WND". "If an incoming segment is not acceptable, an
		// acknowledgment should be sent in reply ... <SEQ=SND.NXT>
		// <ACK=RCV.NXT><CTL=ACK>. After sending the acknowledgment, drop
		// the unacceptable segment and return."
		{Name: "acceptability: zero-length segment, open window", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.ACK, R(1), L(1)), tcpstate.Accepted), // SEG.SEQ = RCV.NXT
			ExpectNothing(),
			// The last sequence number in the window, R+1+65535-1.
			Inject(Peer(tcpstate.ACK, R(65535), L(1)), tcpstate.Accepted),
			ExpectNothing(),
			// RCV.NXT+RCV.WND itself is outside by the table, but taken for
			// a zero-length segment: that is where the ACKs of a peer that
			// filled the window sit (RFC 9293 Appendix A.2; see acceptable).
			Inject(Peer(tcpstate.ACK, R(65536), L(1)), tcpstate.Accepted),
			ExpectNothing(),
			// One beyond it is outside.
			Inject(Peer(tcpstate.ACK, R(65537), L(1)), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Win(65535)),
			// RFC 5961 §7 ACK throttling: another unacceptable bare ACK
			// within InvalidACKInterval (500 ms) is dropped unanswered.
			Inject(Peer(tcpstate.ACK, R(0), L(1)), tcpstate.DroppedUnacceptable),
			ExpectNothing(),
			Advance(500 * time.Millisecond),
			// Below RCV.NXT.
			Inject(Peer(tcpstate.ACK, R(0), L(1)), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Win(65535)),
			Advance(500 * time.Millisecond),
			// Half the sequence space away.
			Inject(Peer(tcpstate.ACK, R(1)+1<<31, L(1)), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Win(65535)),
			RcvNxt(R(1)),
			State(tcpstate.Established),
		}},

		// Table row "0 | 0 | SEG.SEQ = RCV.NXT". The receive window is
		// closed by a 1000-byte buffer the application does not read.
		{Name: "acceptability: zero-length segment, zero window", Steps: []Step{
			zeroWindow1000(),
			Inject(Peer(tcpstate.ACK, R(1001), L(1)), tcpstate.Accepted),
			ExpectNothing(),
			Inject(Peer(tcpstate.ACK, R(1002), L(1)), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(0)),
			Advance(500 * time.Millisecond), // past the RFC 5961 §7 throttle
			Inject(Peer(tcpstate.ACK, R(1000), L(1)), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(0)),
			RcvNxt(R(1001)),
		}},

		// Table row ">0 | 0 | not acceptable", and §3.8.6.1: "When the
		// receiving TCP peer has a zero window and a segment arrives, it
		// must still send an acknowledgment showing its next expected
		// sequence number and current window (zero)." A segment at exactly
		// RCV.NXT has its ACK and controls honoured ("special allowance
		// should be made to accept valid ACKs, URGs, and RSTs") while its
		// text is dropped: verdict data-outside-window.
		{Name: "acceptability: data with zero window is not acceptable", Steps: []Step{
			zeroWindow1000(),
			// A one-byte zero-window probe at RCV.NXT.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1001), L(1)).Data("x"), tcpstate.DataOutsideWindow),
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(0)),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1001), L(1)).Data(Text(100)), tcpstate.DataOutsideWindow),
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(0)),
			// Not at RCV.NXT: plainly unacceptable.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1002), L(1)).Data("y"), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(0)),
			// A FIN occupies a sequence number too.
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1001), L(1)), tcpstate.DataOutsideWindow),
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(0)),
			RcvNxt(R(1001)),
			State(tcpstate.Established),
			Read(Text(1000), nil),
			// The window reopens by the whole buffer: a window update.
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(1000)),
		}},

		// §3.10.7.4 first: "If the RCV.WND is zero, no segments will be
		// acceptable, but special allowance should be made to accept
		// valid ACKs, URGs, and RSTs."
		{Name: "zero window: an ACK at RCV.NXT is still processed", Steps: []Step{
			zeroWindow1000(),
			Write("abc", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1001)).Data("abc").Win(0)),
			Inject(Peer(tcpstate.ACK, R(1001), L(4)).Win(2000), tcpstate.Accepted),
			ExpectNothing(),
			SndUna(L(4)),
			SndWnd(2000),
			NextTimeout(0),
		}},
		{Name: "zero window: a RST at RCV.NXT still resets", Steps: []Step{
			zeroWindow1000(),
			// Not at RCV.NXT: the test of row "0 | 0" fails, and RFC 5961
			// §3.2 1) "If the RST bit is set and the sequence number is
			// outside the current receive window, silently drop the
			// segment."
			Inject(Peer(tcpstate.RST, R(1002), 0), tcpstate.DroppedRST),
			ExpectNothing(),
			State(tcpstate.Established),
			Inject(Peer(tcpstate.RST, R(1001), 0), tcpstate.Reset),
			ExpectNothing(),
			State(tcpstate.Closed),
			Err(tcpstate.ErrReset),
		}},

		// Table row ">0 | >0 | RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND or
		// RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND". "If a
		// segment's contents straddle the boundary between old and new,
		// only the new parts are processed."
		{Name: "acceptability: data overlapping the left window edge is trimmed", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("0123456789"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(11)).Win(65525)),
			// R+6 to R+21: "56789" is old, "abcdefghij" new (and wraps).
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(6), L(1)).Data("56789abcdefghij"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(21)).Win(65515)),
			RcvNxt(R(21)),
			Read("0123456789abcdefghij", nil),
			ExpectNothing(),
		}},
		{Name: "acceptability: data entirely before RCV.NXT is answered with an ACK and dropped", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("0123456789"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(11))),
			Read("0123456789", nil),
			// A retransmission of it: SEG.SEQ+SEG.LEN-1 = R+10 < RCV.NXT.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("0123456789"), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(1), R(11))),
			// Its last five bytes only: still entirely old.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(6), L(1)).Data("56789"), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(1), R(11))),
			RcvNxt(R(11)),
			Read("", tcpstate.ErrWouldBlock),
		}},
		// "trimming off any portions that lie outside the window".
		{Name: "acceptability: data beyond the right window edge is trimmed", Steps: []Step{
			establishedWith(1000, 65535),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data(Text(1200)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(0)),
			RcvNxt(R(1001)),
			Read(Text(1000), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(1000)),
			// The peer retransmits the 200 bytes that did not fit.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1001), L(1)).Data(Text(1200)[1000:]), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1201)).Win(800)),
			Read(Text(1200)[1000:], nil),
		}},
		// "One could tailor actual segments to fit this assumption by
		// trimming off any portions that lie outside the window
		// (including SYN and FIN)": a FIN just past the window is not
		// processed.
		{Name: "acceptability: a FIN beyond the right window edge is trimmed off", Steps: []Step{
			establishedWith(1000, 65535),
			Inject(Peer(tcpstate.FIN|tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data(Text(1000)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(0)),
			State(tcpstate.Established),
			Read(Text(1000), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(1000)),
			Read("", tcpstate.ErrWouldBlock),
			// The peer retransmits its FIN into the reopened window.
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1001), L(1)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1002))),
			State(tcpstate.CloseWait),
		}},
		{Name: "acceptability: data starting at the right window edge is not acceptable", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(65536), L(1)).Data("x"), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Win(65535)),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(0), L(1)).Data("x"), tcpstate.DroppedUnacceptable),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Win(65535)),
			RcvNxt(R(1)),
		}},

		// §3.10.7.4 first: "Segments with higher beginning sequence
		// numbers SHOULD be held for later processing" (SHLD-31); the ACK
		// field is still processed (fifth check). RFC 5681 §4.2: "A TCP receiver SHOULD
		// send an immediate duplicate ACK when an out-of-order segment
		// arrives."
		{Name: "out-of-order data: duplicate ACK, ACK field processed, data held until the gap fills", Steps: []Step{
			Established(),
			Write("abc", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("abc")),
			DrainEvents(),
			// Ten bytes, R+1 to R+11, are missing before this segment.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(11), L(4)).Data("world"), tcpstate.OutOfOrder),
			Expect(Us(tcpstate.ACK, L(4), R(1)).Win(65535)),
			SndUna(L(4)),
			RcvNxt(R(1)),
			Events(tcpstate.EventWritable),
			Read("", tcpstate.ErrWouldBlock),
			// The gap is filled: the held "world" follows at once.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(4)).Data("hello, the"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(4), R(16))),
			Read("hello, theworld", nil),
		}},

		// Fifth check: "If the ACK is a duplicate (SEG.ACK =< SND.UNA), it
		// can be ignored." RFC 5961 §5.2 keeps such ACKs acceptable down
		// to SND.UNA - MAX.SND.WND, so the rest of the segment is
		// processed.
		{Name: "ACK: duplicate ACK is ignored, the segment's data is delivered", Steps: []Step{
			Established(),
			Write("abcdef", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("abcdef")),
			Inject(Peer(tcpstate.ACK, R(1), L(4)), tcpstate.Accepted),
			SndUna(L(4)),
			Inject(Peer(tcpstate.ACK, R(1), L(4)), tcpstate.Accepted), // SEG.ACK = SND.UNA
			Inject(Peer(tcpstate.ACK, R(1), L(2)), tcpstate.Accepted), // SEG.ACK < SND.UNA
			ExpectNothing(),
			SndUna(L(4)),
			SndNxt(L(7)),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(2)).Data("data"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(7), R(5))),
			SndUna(L(4)),
			Read("data", nil),
		}},
		// Fifth check: "If the ACK acks something not yet sent (SEG.ACK >
		// SND.NXT), then send an ACK, drop the segment, and return."
		{Name: "ACK: acknowledging unsent data is answered with an ACK and dropped", Steps: []Step{
			Established(),
			Write("abc", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Data("abc")),
			Inject(Peer(tcpstate.ACK, R(1), L(5)), tcpstate.DroppedUnacceptableACK),
			Expect(Us(tcpstate.ACK, L(4), R(1))),
			SndUna(L(1)),
			// Its data and FIN are dropped with it (RFC 5961 §5.2 also
			// notes the protection against spoofed FINs).
			Inject(Peer(tcpstate.FIN|tcpstate.PSH|tcpstate.ACK, R(1), L(100)).Data("zzz"), tcpstate.DroppedUnacceptableACK),
			Expect(Us(tcpstate.ACK, L(4), R(1))),
			RcvNxt(R(1)),
			State(tcpstate.Established),
			Read("", tcpstate.ErrWouldBlock),
			Inject(Peer(tcpstate.ACK, R(1), L(4)), tcpstate.Accepted),
			SndUna(L(4)),
		}},
		// RFC 5961 §5.2: "The ACK value is considered acceptable only if it
		// is in the range of ((SND.UNA - MAX.SND.WND) <= SEG.ACK <=
		// SND.NXT). All incoming segments whose ACK value doesn't satisfy
		// the above condition MUST be discarded and an ACK sent back."
		// The peer never offers more than 1000 bytes: MAX.SND.WND = 1000.
		{Name: "ACK: older than SND.UNA - MAX.SND.WND is dropped with an ACK (RFC 5961 §5.2)", Steps: []Step{
			establishedWith(65535, 1000),
			Write(Text(300), nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(1)).Len(300)),
			Inject(Peer(tcpstate.ACK, R(1), L(301)).Win(1000), tcpstate.Accepted),
			SndUna(L(301)),
			// SND.UNA - MAX.SND.WND = L+301-1000 = L-699: acceptable
			// (and a duplicate).
			Inject(Peer(tcpstate.ACK, R(1), L(-699)).Win(1000), tcpstate.Accepted),
			ExpectNothing(),
			Inject(Peer(tcpstate.ACK, R(1), L(-700)).Win(1000), tcpstate.DroppedUnacceptableACK),
			Expect(Us(tcpstate.ACK, L(301), R(1))),
			// A blind data injection guessing RCV.NXT but not the ACK.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(-700)).Data("inject").Win(1000), tcpstate.DroppedUnacceptableACK),
			Expect(Us(tcpstate.ACK, L(301), R(1))),
			RcvNxt(R(1)),
			Read("", tcpstate.ErrWouldBlock),
			// The same data with an acceptable old ACK is delivered.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(-699)).Data("accept").Win(1000), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(301), R(7))),
			Read("accept", nil),
			SndUna(L(301)),
		}},
		// Fifth check: "If SND.UNA =< SEG.ACK =< SND.NXT, the send window
		// should be updated. If (SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ
		// and SND.WL2 =< SEG.ACK)), set SND.WND <- SEG.WND, set SND.WL1 <-
		// SEG.SEQ, and set SND.WL2 <- SEG.ACK. ... The check here prevents
		// using old segments to update the window."
		{Name: "ACK: window updates follow SND.WL1 and SND.WL2", Steps: []Step{
			Established(),
			SndWnd(65535),
			SndWL1(R(0)),
			SndWL2(L(1)),
			// SND.WL1 < SEG.SEQ.
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(1000), tcpstate.Accepted),
			SndWnd(1000),
			SndWL1(R(1)),
			SndWL2(L(1)),
			// SND.WL1 = SEG.SEQ and SND.WL2 = SEG.ACK: a pure window update.
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(2000), tcpstate.Accepted),
			SndWnd(2000),
			// Data at SND.WL1 with a new window.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("abcdef").Win(3000), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(7))),
			SndWnd(3000),
			Write("xyz", nil),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1), R(7)).Data("xyz")),
			Inject(Peer(tcpstate.ACK, R(7), L(4)).Win(4000), tcpstate.Accepted),
			SndWnd(4000),
			SndWL1(R(7)),
			SndWL2(L(4)),
			// An older segment (SEG.SEQ = R+1 < SND.WL1) whose new part is
			// delivered: its window is not used.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(4)).Data("abcdefghi").Win(100), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(4), R(10))),
			Read("abcdefghi", nil),
			SndWnd(4000),
			SndWL1(R(7)),
			SndWL2(L(4)),
			// SEG.ACK < SND.UNA: not "SND.UNA =< SEG.ACK", no update.
			Inject(Peer(tcpstate.ACK, R(10), L(2)).Win(100), tcpstate.Accepted),
			SndWnd(4000),
			SndWL1(R(7)),
			// A newer segment shrinks it.
			Inject(Peer(tcpstate.ACK, R(10), L(4)).Win(100), tcpstate.Accepted),
			SndWnd(100),
			SndWL1(R(10)),
			SndWL2(L(4)),
			ExpectNothing(),
		}},
		// Fifth check: "if the ACK bit is off, drop the segment and return".
		{Name: "segment without the ACK bit is dropped", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.PSH, R(1), 0).Data("hello"), tcpstate.DroppedNoACK),
			ExpectNothing(),
			RcvNxt(R(1)),
			Read("", tcpstate.ErrWouldBlock),
			Inject(Peer(tcpstate.FIN, R(1), 0), tcpstate.DroppedNoACK),
			ExpectNothing(),
			State(tcpstate.Established),
			RcvNxt(R(1)),
		}},

		// §3.8.6: "The sending TCP endpoint packages the data to be
		// transmitted into segments that fit the current window"; §3.7.1:
		// no segment carries more than Eff.snd.MSS = 1460 bytes here.
		// §3.9.1.2: without PUSH flags on SEND calls the sender "MUST set
		// the PSH bit in the last buffered segment (i.e., when there is no
		// more queued data to be sent) (MUST-61)".
		{Name: "a large write is sent as MSS-sized segments with PSH on the last", Steps: []Step{
			Established(),
			Write(Text(4000), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Data(Text(4000)[:1460])),
			Expect(Us(tcpstate.ACK, L(1461), R(1)).Data(Text(4000)[1460:2920])),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(2921), R(1)).Data(Text(4000)[2920:])),
			ExpectNothing(),
			SndNxt(L(4001)),
			Inject(Peer(tcpstate.ACK, R(1), L(4001)), tcpstate.Accepted),
			SndUna(L(4001)),
			NextTimeout(0),
		}},
		// §3.8.6.2.1: "The 'usable window' is: U = SND.UNA + SND.WND -
		// SND.NXT". Nothing is sent beyond SND.UNA+SND.WND.
		{Name: "the sender keeps within the peer's window", Steps: []Step{
			establishedWith(65535, 1000),
			Write(Text(2500), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Data(Text(2500)[:1000])),
			ExpectNothing(),
			SndNxt(L(1001)),
			// Half acknowledged: the window now ends at L+1501.
			Inject(Peer(tcpstate.ACK, R(1), L(501)).Win(1000), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1001), R(1)).Data(Text(2500)[1000:1500])),
			ExpectNothing(),
			Inject(Peer(tcpstate.ACK, R(1), L(1501)).Win(1000), tcpstate.Accepted),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1501), R(1)).Data(Text(2500)[1500:])),
			ExpectNothing(),
			SndNxt(L(2501)),
			// A window update without new acknowledgment opens nothing
			// new to send, the buffer being empty.
			Inject(Peer(tcpstate.ACK, R(1), L(2501)).Win(1000), tcpstate.Accepted),
			ExpectNothing(),
			SndUna(L(2501)),
		}},
		// A pure window update (same SEG.SEQ and SEG.ACK, so SND.WL1 =
		// SEG.SEQ and SND.WL2 =< SEG.ACK) reopens a closed window. Each
		// send also follows the sender's SWS rules of §3.8.6.2.1 with
		// Max(SND.WND) = 1000: "(3) ... min(D,U) >= Fs * Max(SND.WND)" and
		// "(2) ... PUSHed and D <= U".
		{Name: "a window update lets queued data go", Steps: []Step{
			establishedWith(65535, 1000),
			Write(Text(2500), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Data(Text(2500)[:1000])),
			Inject(Peer(tcpstate.ACK, R(1), L(1001)).Win(0), tcpstate.Accepted),
			SndWnd(0),
			ExpectNothing(),
			Inject(Peer(tcpstate.ACK, R(1), L(1001)).Win(1000), tcpstate.Accepted),
			SndWnd(1000),
			Expect(Us(tcpstate.ACK, L(1001), R(1)).Data(Text(2500)[1000:2000])),
			ExpectNothing(),
			Inject(Peer(tcpstate.ACK, R(1), L(2001)).Win(1000), tcpstate.Accepted),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(2001), R(1)).Data(Text(2500)[2000:])),
			SndNxt(L(2501)),
		}},
		// §3.8.6.2.1: "A TCP implementation MUST include a SWS avoidance
		// algorithm in the sender (MUST-38)." Data is sent only "(1) if a
		// maximum-sized segment can be sent ... min(D,U) >= Eff.snd.MSS;
		// (2) or if the data is pushed and all queued data can be sent now
		// ... D <= U; (3) or if at least a fraction Fs of the maximum
		// window can be sent ... min(D,U) >= Fs * Max(SND.WND); (4) or if
		// the override timeout occurs". Here Max(SND.WND) = 4000, Fs = 1/2.
		{Name: "sender SWS avoidance: no silly segment into a small window", Steps: []Step{
			establishedWith(65535, 4000),
			Write(Text(6000), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1460)),
			Expect(Us(tcpstate.ACK, L(1461), R(1)).Len(1460)),
			// D = 3080, U = 1080: none of (1)-(3) holds.
			ExpectNothing(),
			Inject(Peer(tcpstate.ACK, R(1), L(2921)).Win(100), tcpstate.Accepted),
			// D = 3080, U = 100: still none.
			ExpectNothing(),
			// The window opens for real: full segments, then the rest (2).
			Inject(Peer(tcpstate.ACK, R(1), L(2921)).Win(4000), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(2921), R(1)).Data(Text(6000)[2920:4380])),
			Expect(Us(tcpstate.ACK, L(4381), R(1)).Data(Text(6000)[4380:5840])),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(5841), R(1)).Data(Text(6000)[5840:])),
		}},
		// (4): with nothing in flight to bring an ACK, the override timeout
		// (0.2 s here, within the RFC's "0.1 - 1.0 seconds") sends what fits.
		{Name: "sender SWS avoidance: the override timeout sends into the small window", Steps: []Step{
			establishedWith(65535, 4000),
			Write(Text(6000), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1460)),
			Expect(Us(tcpstate.ACK, L(1461), R(1)).Len(1460)),
			Inject(Peer(tcpstate.ACK, R(1), L(2921)).Win(100), tcpstate.Accepted),
			ExpectNothing(),
			NextTimeout(200 * time.Millisecond),
			Advance(199 * time.Millisecond),
			ExpectNothing(),
			Advance(time.Millisecond),
			Expect(Us(tcpstate.ACK, L(2921), R(1)).Data(Text(6000)[2920:3020])),
			ExpectNothing(),
		}},

		// §3.8.6: "If the window shrinks to zero, the TCP implementation
		// MUST probe it in the standard way (MUST-35)"; §3.8.6.1: "The
		// sending TCP peer must regularly transmit at least one octet of
		// new data (if available) ... even if the send window is zero",
		// and "SHOULD send the first zero-window probe when a zero window
		// has existed for the retransmission timeout period (SHLD-29)".
		{Name: "zero send window: the sender probes it", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(0), tcpstate.Accepted),
			SndWnd(0),
			Write("abc", nil),
			ExpectNothing(),
			NextTimeout(time.Second), // the RTO, 1 s
			Advance(time.Second),
			// The probe: at least the first octet of new data.
			Do(func(h *Harness) error {
				seg, ok := h.Conn.Poll(h.Now)
				if !ok {
					return errors.New("no zero-window probe after the RTO")
				}
				if seg.Seq != L(1) || len(seg.Payload) == 0 || seg.Payload[0] != 'a' || !seg.Flags.Has(tcpstate.ACK) {
					return fmt.Errorf("probe %v, want new data from L+1", seg)
				}
				return nil
			}),
			// The window opens: the rest follows.
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(1000), tcpstate.Accepted),
			Do(func(h *Harness) error {
				for _, ok := h.Conn.Poll(h.Now); ok; _, ok = h.Conn.Poll(h.Now) {
				}
				return nil
			}),
			SndNxt(L(4)),
		}},

		// §3.8.6.2.2 (receiver SWS avoidance): "keep RCV.NXT+RCV.WND fixed
		// until the reduction satisfies: RCV.BUFF - RCV.USER - RCV.WND >=
		// min(Fr * RCV.BUFF, Eff.snd.MSS) ... When the inequality is
		// satisfied, RCV.WND is set to RCV.BUFF-RCV.USER." With RCV.BUFF
		// = 4000, Fr = 1/2 and MSS 1460 the threshold is 1460.
		{Name: "receive window shrinks as data is buffered and reopens by at least an MSS", Steps: []Step{
			establishedWith(4000, 65535),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data(Text(1459)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1460)).Win(4000 - 1459)),
			RcvWnd(2541),
			Read(Text(1459), nil),
			// The reduction would be 4000-0-2541 = 1459 < 1460.
			ExpectNothing(),
			RcvWnd(2541),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1460), L(1)).Data("z"), tcpstate.Accepted),
			// Right edge still R+4001.
			Expect(Us(tcpstate.ACK, L(1), R(1461)).Win(2540)),
			RcvWnd(2540),
			Read("z", nil),
			// Now 4000-0-2540 = 1460: the window opens to the whole buffer.
			Expect(Us(tcpstate.ACK, L(1), R(1461)).Win(4000)),
			RcvWnd(4000),
		}},
		// The threshold is min(Fr * RCV.BUFF, Eff.snd.MSS), and "the
		// receiver must use its own Eff.snd.MSS, making the assumption
		// that it is the same as the sender's" (§3.8.6.2.2). A peer that
		// announces MSS 536 makes Eff.snd.MSS 536 (§3.7.1), so reading 536
		// bytes from a 4000-byte buffer must reopen the window.
		{Name: "receive window reopens by Eff.snd.MSS when the peer's MSS is small", Steps: []Step{
			Configure(func(c *tcpstate.Config) { c.RecvBuffer = 4000 }),
			Connect(),
			Expect(Us(tcpstate.SYN, L(0), 0).Win(4000)),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(536), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Win(4000)),
			TCB(func(tcb tcpstate.TCB) string {
				if tcb.SndMSS != 536 {
					return fmt.Sprintf("Eff.snd.MSS = %d, want 536", tcb.SndMSS)
				}
				return ""
			}),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data(Text(536)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(537)).Win(4000 - 536)),
			Read(Text(536), nil),
			// 4000-0-3464 = 536 >= min(2000, 536).
			Expect(Us(tcpstate.ACK, L(1), R(537)).Win(4000)),
		}},
		// Same rule where Fr * RCV.BUFF = 500 is below the MSS.
		{Name: "zero window reopens once it can open by RecvBuffer/2", Steps: []Step{
			zeroWindow1000(),
			ReadN(499, Text(1000)[:499], nil),
			ExpectNothing(),
			RcvWnd(0),
			ReadN(1, Text(1000)[499:500], nil),
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(500)),
			RcvWnd(500),
			ReadN(499, Text(1000)[500:999], nil),
			ExpectNothing(),
			Read(Text(1000)[999:], nil),
			Expect(Us(tcpstate.ACK, L(1), R(1001)).Win(1000)),
			RcvWnd(1000),
			// The peer may now fill the reopened window.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1001), L(1)).Data(Text(1000)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(2001)).Win(0)),
		}},
	})
}
