package tcpstate

import "strconv"

// State is a connection state of RFC 9293 §3.3.2.
type State uint8

// The eleven states, spelled as in RFC 9293.
const (
	Closed State = iota
	Listen
	SynSent
	SynReceived
	Established
	FinWait1
	FinWait2
	CloseWait
	Closing
	LastAck
	TimeWait
)

var stateNames = [...]string{
	Closed:      "CLOSED",
	Listen:      "LISTEN",
	SynSent:     "SYN-SENT",
	SynReceived: "SYN-RECEIVED",
	Established: "ESTABLISHED",
	FinWait1:    "FIN-WAIT-1",
	FinWait2:    "FIN-WAIT-2",
	CloseWait:   "CLOSE-WAIT",
	Closing:     "CLOSING",
	LastAck:     "LAST-ACK",
	TimeWait:    "TIME-WAIT",
}

// String returns the RFC 9293 spelling: "SYN-RECEIVED", "TIME-WAIT".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Synchronized reports whether the state is one of those RFC 9293 §3.5
// calls synchronized: ESTABLISHED and every state after it.
func (s State) Synchronized() bool { return s >= Established }
