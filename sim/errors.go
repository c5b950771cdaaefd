package sim

import "errors"

// Errors returned by the world's API. Errors of the connections themselves
// (refused, reset, would block...) are tcpstate's.
var (
	// ErrClosed: a Conn or Listener handle used after the application
	// closed it and its connection reached CLOSED.
	ErrClosed = errors.New("sim: use of closed connection")
	// ErrAddrInUse: Listen on a port that already has a listener, or a
	// host or link that already exists.
	ErrAddrInUse = errors.New("sim: address already in use")
	// ErrNoPorts: every ephemeral port of the host is taken.
	ErrNoPorts = errors.New("sim: no free ephemeral port")
	// ErrInvalid: an argument the world cannot use (unnamed host, unusable
	// address, a Path field out of range, port 0...).
	ErrInvalid = errors.New("sim: invalid argument")
)
