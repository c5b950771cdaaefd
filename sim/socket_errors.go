package sim

import (
	"errors"
	"io"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// Errors of the socket layer, named after the errno values of BSD
// sockets and their Winsock twins (WSAE...). ErrInvalid and ErrAddrInUse
// (EINVAL / WSAEINVAL, EADDRINUSE / WSAEADDRINUSE) are shared with the
// rest of the world's API.
var (
	// ErrWouldBlock: EWOULDBLOCK / WSAEWOULDBLOCK. A call on a
	// non-blocking socket (or made outside a process) could not complete
	// at once: accept with no pending connection, recv with nothing to
	// read, send with a full buffer.
	ErrWouldBlock = errors.New("sim: operation would block")
	// ErrInProgress: EINPROGRESS (Winsock reports WSAEWOULDBLOCK). A
	// non-blocking connect sent its SYN; Select says when it completes.
	ErrInProgress = errors.New("sim: operation now in progress")
	// ErrAlready: EALREADY / WSAEALREADY. Connect on a socket whose
	// non-blocking connect has not completed yet.
	ErrAlready = errors.New("sim: operation already in progress")
	// ErrConnRefused: ECONNREFUSED / WSAECONNREFUSED. The SYN was answered
	// with a RST (RFC 9293 §3.10.7.3): nothing listens on the port.
	ErrConnRefused = errors.New("sim: connection refused")
	// ErrConnReset: ECONNRESET / WSAECONNRESET. The peer reset the
	// connection (RFC 9293 §3.10.7.4).
	ErrConnReset = errors.New("sim: connection reset by peer")
	// ErrConnAborted: ECONNABORTED / WSAECONNABORTED. The connection was
	// aborted on this side (RFC 9293 §3.10.5).
	ErrConnAborted = errors.New("sim: connection aborted")
	// ErrTimedOut: ETIMEDOUT / WSAETIMEDOUT. Retransmissions gave up (RFC
	// 9293 §3.8.3, R2).
	ErrTimedOut = errors.New("sim: connection timed out")
	// ErrNotConn: ENOTCONN / WSAENOTCONN. Send or recv on a socket that
	// is not connected.
	ErrNotConn = errors.New("sim: socket is not connected")
	// ErrIsConn: EISCONN / WSAEISCONN. Connect or listen on a connected
	// socket.
	ErrIsConn = errors.New("sim: socket is already connected")
	// ErrShutdown: EPIPE / WSAESHUTDOWN. Send after Shutdown(ShutWrite).
	ErrShutdown = errors.New("sim: cannot send after socket shutdown")
	// ErrBadFD: EBADF / WSAENOTSOCK. The descriptor is not an open
	// socket of the host.
	ErrBadFD = errors.New("sim: bad file descriptor")
	// ErrAddrNotAvail: EADDRNOTAVAIL / WSAEADDRNOTAVAIL. Bind to an
	// address that is not the host's.
	ErrAddrNotAvail = errors.New("sim: address not available")
	// ErrTooManyFiles: EMFILE / WSAEMFILE. The host has MaxSockets
	// sockets open.
	ErrTooManyFiles = errors.New("sim: too many open sockets")
)

// sockErr turns an error of a Conn into the socket layer's.
func sockErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tcpstate.ErrWouldBlock):
		return ErrWouldBlock
	case errors.Is(err, tcpstate.ErrRefused):
		return ErrConnRefused
	case errors.Is(err, tcpstate.ErrReset):
		return ErrConnReset
	case errors.Is(err, tcpstate.ErrAborted):
		return ErrConnAborted
	case errors.Is(err, tcpstate.ErrTimedOut):
		return ErrTimedOut
	case errors.Is(err, tcpstate.ErrNotConnected):
		return ErrNotConn
	case errors.Is(err, tcpstate.ErrClosing):
		return ErrShutdown
	case errors.Is(err, tcpstate.ErrInvalidAddress):
		return ErrInvalid
	case errors.Is(err, tcpstate.ErrConnectionExists):
		return ErrIsConn
	case err == io.EOF:
		return nil // recv: 0 bytes and no error is the end of the stream
	}
	return err
}
