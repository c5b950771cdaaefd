package tcpstate_test

import (
	"testing"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// seg is the sequence range of the i-th 1460-byte data segment.
func segRange(i, j int) tcpstate.SACKBlock {
	return tcpstate.SACKBlock{Left: L(1 + 1460*i), Right: L(1 + 1460*j)}
}

// sackFlight opens with SACK permitted on both sides (RFC 2018 §2) and
// sends the initial window: ten segments of 1460 bytes, S0 to S9.
func sackFlight() Step {
	steps := []Step{
		Connect(),
		Expect(Us(tcpstate.SYN, L(0), 0)),
		Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460).SACKOK(), tcpstate.Accepted),
		Expect(Us(tcpstate.ACK, L(1), R(1))),
		Write(Text(20*1460), nil),
	}
	for i := range 10 {
		steps = append(steps, Expect(Us(tcpstate.ACK, L(1+1460*i), R(1)).Len(1460)))
	}
	return Steps(append(steps, ExpectNothing())...)
}

// sackAck is a duplicate ACK of SND.UNA carrying SACK blocks.
func sackAck(blocks ...tcpstate.SACKBlock) Step {
	return Inject(Peer(tcpstate.ACK, R(1), L(1)).SACK(blocks...), tcpstate.Accepted)
}

// TestSACKRecovery: S0 and S3 are lost from one window; the receiver
// SACKs what arrives. With the loss recovery of RFC 6675 the sender
// resends S0 when the third duplicate ACK comes (DupThresh = 3), and S3 as
// soon as IsLost holds for it: three segments above it SACKed ("more than
// (DupThresh - 1) * SMSS bytes with sequence numbers greater than SeqNum
// have been SACKed"), without waiting for a timeout or a partial ACK.
func TestSACKRecovery(t *testing.T) {
	Run(t,
		sackFlight(),
		sackAck(segRange(1, 2)),
		sackAck(segRange(1, 3)),
		ExpectNothing(),
		// Third duplicate: recovery starts, ssthresh = cwnd = FlightSize/2
		// = 7300, and the first hole is resent.
		sackAck(segRange(4, 5), segRange(1, 3)),
		Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1460)),
		congestion(7300, 7300, 1),
		// pipe (S3, S5-S9 in flight and S0 resent) exceeds cwnd: nothing.
		sackAck(segRange(4, 6), segRange(1, 3)),
		ExpectNothing(),
		// S4-S6 SACKed: three segments above S3, so IsLost(S3), and pipe
		// drops below cwnd: S3 goes again (NextSeg rule 1).
		sackAck(segRange(4, 7), segRange(1, 3)),
		Expect(Us(tcpstate.ACK, L(1+3*1460), R(1)).Len(1460)),
		Do(func(h *Harness) error {
			if got := h.Conn.TCB().SndUna; got != seqnum.Value(L(1)) {
				t.Errorf("SND.UNA moved to %v", got)
			}
			return nil
		}),
	)
}
