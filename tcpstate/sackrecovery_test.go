package tcpstate_test

import (
	"testing"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// segRange is the sequence range of data segments i to j-1.
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
	steps = append(steps, expectSegs(0, 10)...)
	return Steps(append(steps, ExpectNothing())...)
}

// sackAck is a duplicate ACK of SND.UNA carrying SACK blocks.
func sackAck(blocks ...tcpstate.SACKBlock) Step {
	return Inject(Peer(tcpstate.ACK, R(1), L(1)).SACK(blocks...), tcpstate.Accepted)
}

// TestSACKRecovery: S0 and S3 are lost from one window; the receiver
// SACKs what arrives. The first two duplicates SACK new data, so each
// sends a new segment by limited transmit (RFC 5681 §3.2 step 1). With
// the loss recovery of RFC 6675 the sender resends S0 when the third
// duplicate ACK comes (DupThresh = 3), and S3 once IsLost holds for it
// (three segments above it SACKed: "more than (DupThresh - 1) * SMSS
// bytes with sequence numbers greater than SeqNum have been SACKed") and
// pipe has fallen below cwnd, without waiting for a timeout or a partial
// ACK.
func TestSACKRecovery(t *testing.T) {
	Run(t,
		sackFlight(),
		sackAck(segRange(1, 2)),
		seg(10),
		sackAck(segRange(1, 3)),
		seg(11),
		ExpectNothing(),
		// Third duplicate: recovery starts, ssthresh = cwnd = FlightSize/2
		// = 7300 (S10 and S11 left out, RFC 5681 §3.2 step 2), and the
		// first hole is resent.
		sackAck(segRange(4, 5), segRange(1, 3)),
		seg(0),
		congestion(7300, 7300, 1),
		// pipe: S0 resent, S3 (not yet lost), S6-S11: 8 segments.
		sackAck(segRange(4, 6), segRange(1, 3)),
		ExpectNothing(),
		// S4-S6 SACKed, so IsLost(S3): pipe is S0 resent and S7-S11, 6
		// segments, still above cwnd (5 segments).
		sackAck(segRange(4, 7), segRange(1, 3)),
		ExpectNothing(),
		sackAck(segRange(4, 8), segRange(1, 3)),
		ExpectNothing(),
		// pipe 4 segments: one fits, and NextSeg rule 1 picks S3.
		sackAck(segRange(4, 9), segRange(1, 3)),
		seg(3),
		ExpectNothing(),
		Do(func(h *Harness) error {
			if got := h.Conn.TCB().SndUna; got != seqnum.Value(L(1)) {
				t.Errorf("SND.UNA moved to %v", got)
			}
			return nil
		}),
	)
}
