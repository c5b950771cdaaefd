package sim

import (
	"errors"
	"net"
	"syscall"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// sysError is a connection error as package net users test for it: it
// matches both tcpstate's error and the errno a socket would report
// (errors.Is(err, syscall.ECONNRESET)).
type sysError struct {
	cause error
	errno syscall.Errno
}

func (e *sysError) Error() string   { return e.cause.Error() }
func (e *sysError) Unwrap() []error { return []error{e.cause, e.errno} }

// Timeout reports whether the error is a timeout (ETIMEDOUT), for
// net.Error.
func (e *sysError) Timeout() bool { return e.errno.Timeout() }

// errnos maps tcpstate's errors to the errno a socket reports for them:
// RFC 9293 §3.10.7.3 "error: connection reset" and "connection refused",
// §3.8.3 R2 "connection timed out"; an ABORT by this side is the POSIX
// ECONNABORTED.
var errnos = [...]struct {
	err   error
	errno syscall.Errno
}{
	{tcpstate.ErrReset, syscall.ECONNRESET},
	{tcpstate.ErrRefused, syscall.ECONNREFUSED},
	{tcpstate.ErrTimedOut, syscall.ETIMEDOUT},
	{tcpstate.ErrAborted, syscall.ECONNABORTED},
	{tcpstate.ErrNotConnected, syscall.ENOTCONN},
	{tcpstate.ErrClosing, syscall.EPIPE},
}

// connError converts an error of a sim Conn into what a net.Conn
// returns: io.EOF and nil stay, a stale handle is net.ErrClosed, a
// connection error gets its errno.
func connError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrClosed) {
		return net.ErrClosed
	}
	for _, m := range errnos {
		if err == m.err {
			return &sysError{cause: err, errno: m.errno}
		}
	}
	return err
}
