package tcptest

import (
	"github.com/tcpsim/tcpsim/tcpstate"
)

// Fixtures drive the real handshake, so a scenario starts from a state the
// connection truly reached. The peer offers no option but MSS 1460, so
// none of window scaling, SACK and timestamps is in use afterwards.

// SynSent opens actively and checks the SYN.
func SynSent() Step {
	return Steps(
		Connect(),
		Expect(Us(tcpstate.SYN, L(0), 0).Win(65535)),
		State(tcpstate.SynSent),
	)
}

// Established opens actively: SYN, the peer's SYN-ACK, our ACK.
func Established() Step {
	return Steps(
		SynSent(),
		Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460), tcpstate.Accepted),
		Expect(Us(tcpstate.ACK, L(1), R(1)).Win(65535)),
		State(tcpstate.Established),
	)
}

// SynReceived opens passively and takes the peer's SYN.
func SynReceived() Step {
	return Steps(
		Listen(),
		Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460), tcpstate.Accepted),
		Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).Win(65535).MSS(1460)),
		State(tcpstate.SynReceived),
	)
}

// EstablishedPassive opens passively: the peer's SYN, our SYN-ACK, its ACK.
func EstablishedPassive() Step {
	return Steps(
		SynReceived(),
		Inject(Peer(tcpstate.ACK, R(1), L(1)), tcpstate.Accepted),
		State(tcpstate.Established),
	)
}

// FinWait1 is Established followed by Close and our FIN.
func FinWait1() Step {
	return Steps(
		Established(),
		Close(nil),
		Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(1))),
		State(tcpstate.FinWait1),
	)
}

// FinWait2 is FinWait1 with our FIN acknowledged.
func FinWait2() Step {
	return Steps(
		FinWait1(),
		Inject(Peer(tcpstate.ACK, R(1), L(2)), tcpstate.Accepted),
		State(tcpstate.FinWait2),
	)
}

// TimeWait is FinWait2 followed by the peer's FIN and our ACK of it.
func TimeWait() Step {
	return Steps(
		FinWait2(),
		Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(2)), tcpstate.Accepted),
		Expect(Us(tcpstate.ACK, L(2), R(2))),
		State(tcpstate.TimeWait),
	)
}

// CloseWait is Established followed by the peer's FIN and our ACK of it.
func CloseWait() Step {
	return Steps(
		Established(),
		Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(1)), tcpstate.Accepted),
		Expect(Us(tcpstate.ACK, L(1), R(2))),
		State(tcpstate.CloseWait),
	)
}

// LastAck is CloseWait followed by Close and our FIN.
func LastAck() Step {
	return Steps(
		CloseWait(),
		Close(nil),
		Expect(Us(tcpstate.FIN|tcpstate.ACK, L(1), R(2))),
		State(tcpstate.LastAck),
	)
}

// Closing is FinWait1 followed by the peer's FIN that does not yet
// acknowledge ours (simultaneous close).
func Closing() Step {
	return Steps(
		FinWait1(),
		Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(1)), tcpstate.Accepted),
		Expect(Us(tcpstate.ACK, L(2), R(2))),
		State(tcpstate.Closing),
	)
}
