package tcpstate

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

var (
	obsA = netip.MustParseAddrPort("198.18.0.1:40000") // the client
	obsB = netip.MustParseAddrPort("198.18.0.2:80")    // the server
)

// obsPair is the two observers of a capture, client [0] and server [1],
// the server listening; feed shows them one captured segment, of n bytes
// of payload.
type obsPair struct {
	t   *testing.T
	o   [2]Observer
	now time.Time
}

func newObsPair(t *testing.T) *obsPair {
	p := &obsPair{t: t, now: time.Unix(1_700_000_000, 0)}
	p.o[0].Reset()
	p.o[1].Reset()
	if err := p.o[1].Listen(p.now, obsB); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *obsPair) feed(from int, s Segment, n int) {
	s.Src, s.Dst = obsA, obsB
	if from == 1 {
		s.Src, s.Dst = obsB, obsA
	}
	if n > 0 {
		s.Payload = make([]byte, n)
	}
	p.now = p.now.Add(time.Millisecond)
	p.o[from].Sent(p.now, &s)
	p.o[1-from].Received(p.now, &s)
}

// handshake: client ISN 1000, server ISN 5000.
func (p *obsPair) handshake() {
	p.feed(0, Segment{Seq: 1000, Flags: SYN, Window: 65535}, 0)
	p.feed(1, Segment{Seq: 5000, Ack: 1001, Flags: SYN | ACK, Window: 65535}, 0)
	p.feed(0, Segment{Seq: 1001, Ack: 5001, Flags: ACK, Window: 65535}, 0)
}

func (p *obsPair) want(client, server State) {
	p.t.Helper()
	if c, s := p.o[0].State(), p.o[1].State(); c != client || s != server {
		p.t.Fatalf("client %v, server %v; want %v, %v", c, s, client, server)
	}
}

// An observer holds out-of-order data as ranges, not bytes: a segment a
// gigabyte ahead in a mid-stream capture costs no gigabyte.
func TestObserverHoldsNoBytes(t *testing.T) {
	var o [2]Observer
	s := Segment{Src: obsA, Dst: obsB, Seq: 1000, Ack: 5000, Flags: ACK, Window: 65535}
	o[0].Synchronize(time.Unix(1, 0), &s, true)
	o[1].Synchronize(time.Unix(1, 0), &s, false)
	far := Segment{Src: obsA, Dst: obsB, Seq: seqnum.Value(1000 + 1<<29), Ack: 5000, Flags: ACK,
		Window: 65535, Payload: make([]byte, 65000)}
	o[0].Sent(time.Unix(2, 0), &far)
	o[1].Received(time.Unix(2, 0), &far)
	r := o[1].c.aux.reasm
	if r.Len() != 65000 || r.Mem() > 4096 {
		t.Fatalf("holds %d bytes in %d bytes of memory; want 65000 held in a few ranges", r.Len(), r.Mem())
	}
}

// An acknowledgment beyond the end's FIN is one the end drops (RFC 5961
// §5.2): the capture cannot have missed sends after the FIN, nor can the
// peer, which sent it, have received them. The real ACK of the FIN then
// takes the end to FIN-WAIT-2, the peer's FIN to TIME-WAIT.
func TestObserverACKBeyondFIN(t *testing.T) {
	p := newObsPair(t)
	p.handshake()
	p.feed(0, Segment{Seq: 1001, Ack: 5001, Flags: FIN | ACK, Window: 65535}, 0)
	p.feed(1, Segment{Seq: 5001, Ack: 1002 + 50000, Flags: ACK, Window: 65535}, 0)
	p.feed(1, Segment{Seq: 5001, Ack: 1002, Flags: ACK, Window: 65535}, 0)
	p.want(FinWait2, CloseWait)
	p.feed(1, Segment{Seq: 5001, Ack: 1002, Flags: FIN | ACK, Window: 65535}, 0)
	p.want(TimeWait, LastAck)
}

// The capture missed the peer's data before its FIN, which the end held
// out of order; the end's ACK covers everything, FIN included: the end
// took the FIN (CLOSE-WAIT; the peer, its FIN acknowledged, FIN-WAIT-2),
// and its own FIN then means LAST-ACK.
func TestObserverACKOverHeldFIN(t *testing.T) {
	p := newObsPair(t)
	p.handshake()
	p.feed(1, Segment{Seq: 6001, Ack: 1001, Flags: FIN | ACK, Window: 65535}, 1000) // 5001:6001 not captured
	p.feed(0, Segment{Seq: 1001, Ack: 7002, Flags: ACK, Window: 65535}, 0)
	p.want(CloseWait, FinWait2)
	p.feed(0, Segment{Seq: 1001, Ack: 7002, Flags: FIN | ACK, Window: 65535}, 0)
	p.want(LastAck, TimeWait)
}

// A RST from an end in SYN-SENT answers an unacceptable ACK (RFC 9293
// §3.10.7.3; an ABORT in SYN-SENT sends nothing): the end stays in
// SYN-SENT, and its SYN sent again still opens the connection. Here a
// stale connection's challenge ACK (RFC 5961 §4) meets the new SYN.
func TestObserverRSTAnsweringAnACK(t *testing.T) {
	p := newObsPair(t)
	p.feed(0, Segment{Seq: 1000, Flags: SYN, Window: 65535}, 0)
	p.feed(1, Segment{Seq: 899999, Ack: 77, Flags: ACK, Window: 65535}, 0) // challenge ACK of another incarnation
	p.feed(0, Segment{Seq: 77, Flags: RST}, 0)                             // <SEQ=SEG.ACK><CTL=RST>
	if s := p.o[0].State(); s != SynSent {
		t.Fatalf("client %v after its RST answering an ACK; want SYN-SENT", s)
	}
	p.feed(0, Segment{Seq: 1000, Flags: SYN, Window: 65535}, 0)
	p.feed(1, Segment{Seq: 5000, Ack: 1001, Flags: SYN | ACK, Window: 65535}, 0)
	p.feed(0, Segment{Seq: 1001, Ack: 5001, Flags: ACK, Window: 65535}, 0)
	p.want(Established, Established)
}

// A connection refused: the server answers the SYN with a RST. It had no
// connection: CLOSED, with no error of its own; the client was refused.
func TestObserverRefused(t *testing.T) {
	p := newObsPair(t)
	p.feed(0, Segment{Seq: 1000, Flags: SYN, Window: 65535}, 0)
	p.feed(1, Segment{Ack: 1001, Flags: RST | ACK}, 0)
	p.want(Closed, Closed)
	if err := p.o[1].Err(); err != nil {
		t.Errorf("server's error %v; want none", err)
	}
	if err := p.o[0].Err(); err != ErrRefused {
		t.Errorf("client's error %v; want %v", err, ErrRefused)
	}
}

// The capture lacks the SYN-ACK: the client's ACK of it shows the client
// ESTABLISHED, and tells the server's observer its ISS.
func TestObserverSYNACKNotCaptured(t *testing.T) {
	p := newObsPair(t)
	p.feed(0, Segment{Seq: 1000, Flags: SYN, Window: 65535}, 0)
	p.feed(0, Segment{Seq: 1001, Ack: 5001, Flags: ACK, Window: 65535}, 0)
	p.want(Established, Established)
	if iss := p.o[1].TCB().ISS; iss != 5000 {
		t.Errorf("server's ISS %v; want 5000", iss)
	}
	p.feed(1, Segment{Seq: 5001, Ack: 1001, Flags: ACK, Window: 65535}, 100)
	p.feed(0, Segment{Seq: 1001, Ack: 5101, Flags: FIN | ACK, Window: 65535}, 0)
	p.want(FinWait1, CloseWait)
}
