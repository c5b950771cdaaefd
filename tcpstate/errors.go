package tcpstate

import "errors"

// Errors returned by the application calls (API misuse, RFC 9293 §3.10
// "error:" responses) and reported through Err for why a connection ended.
var (
	// ErrConnectionExists: Connect or Listen on a connection already open
	// (RFC 9293 §3.10.1, "error: connection already exists").
	ErrConnectionExists = errors.New("tcpstate: connection already exists")
	// ErrNotConnected: a call that needs an open connection on one that is
	// CLOSED or only listening ("error: connection does not exist").
	ErrNotConnected = errors.New("tcpstate: connection does not exist")
	// ErrClosing: Write after Close, or Close twice ("error: connection
	// closing").
	ErrClosing = errors.New("tcpstate: connection closing")
	// ErrWouldBlock: nothing to read yet, or no room to write; wait for
	// EventReadable or EventWritable.
	ErrWouldBlock = errors.New("tcpstate: operation would block")
	// ErrInvalidAddress: Connect or Listen with an address that cannot be
	// used (unspecified remote, port 0, mixed address families).
	ErrInvalidAddress = errors.New("tcpstate: invalid address")

	// ErrRefused: the peer answered our SYN with a reset (RFC 9293
	// §3.10.7.3, "error: connection refused").
	ErrRefused = errors.New("tcpstate: connection refused")
	// ErrReset: the connection was reset by the peer ("connection reset").
	ErrReset = errors.New("tcpstate: connection reset")
	// ErrTimedOut: retransmissions were exhausted (RFC 1122 §4.2.3.5, R2).
	ErrTimedOut = errors.New("tcpstate: connection timed out")
	// ErrAborted: the application called Abort.
	ErrAborted = errors.New("tcpstate: connection aborted")
)
