package sim

import (
	"errors"
	"fmt"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// How says which directions Shutdown closes (SD_RECEIVE, SD_SEND and
// SD_BOTH of Winsock; SHUT_RD, SHUT_WR, SHUT_RDWR of BSD).
type How uint8

// The directions of Shutdown.
const (
	ShutRead  How = iota // no more receiving: recv returns 0 at once
	ShutWrite            // no more sending: a FIN follows the queued data
	ShutBoth             // both
)

// connected returns the socket fd, brought up to date with its
// connection, if it is connected: ErrNotConn otherwise.
func (t *Sockets) connected(fd int) (*socket, error) {
	sk, err := t.sock(fd)
	if err != nil {
		return nil, err
	}
	sk.refresh()
	if sk.kind != sockConnected {
		return nil, ErrNotConn
	}
	return sk, nil
}

// Send queues p on the connected socket fd (RFC 9293 §3.10.2 SEND). On a
// blocking socket, a process waits for buffer space until all of p is
// queued; a non-blocking socket queues what fits and gets ErrWouldBlock
// if nothing does. Errors: ErrNotConn before the connection is
// established, ErrShutdown after Shutdown(ShutWrite), ErrConnReset and
// the like once the connection failed.
func (t *Sockets) Send(fd int, p []byte) (int, error) {
	sk, err := t.connected(fd)
	switch {
	case err != nil:
		return 0, err
	case sk.shutWr:
		return 0, ErrShutdown
	case len(p) == 0:
		return 0, nil
	}
	proc := sk.blocker()
	if proc == nil {
		if !sk.c.Valid() {
			return 0, sk.endError(ErrShutdown)
		}
		n, err := sk.c.Write(p)
		return n, sockErr(err)
	}
	total := 0
	for total < len(p) {
		proc.park("send", fd, func() bool { return sk.closed || sk.writable() })
		if sk.closed {
			return total, ErrBadFD
		}
		if !sk.c.Valid() {
			return total, sk.endError(ErrShutdown)
		}
		n, err := sk.c.Write(p[total:])
		total += n
		if err != nil && !errors.Is(err, tcpstate.ErrWouldBlock) {
			return total, sockErr(err)
		}
	}
	return total, nil
}

// Recv moves received data into p (RFC 9293 §3.10.3 RECEIVE). It
// follows the socket convention for the end of the stream: n == 0 with
// a nil error means the peer closed its side in order (its FIN came after
// all its data); it is not io.EOF. A reset is ErrConnReset. On a blocking
// socket, a process waits until data, the end of the stream or an error
// comes; a non-blocking socket gets ErrWouldBlock.
func (t *Sockets) Recv(fd int, p []byte) (int, error) {
	sk, err := t.connected(fd)
	switch {
	case err != nil:
		return 0, err
	case sk.shutRd:
		return 0, nil
	}
	if proc := sk.blocker(); proc != nil {
		proc.park("recv", fd, func() bool { return sk.closed || sk.readable() })
		switch {
		case sk.closed:
			return 0, ErrBadFD
		case sk.shutRd: // while it waited
			return 0, nil
		}
	}
	if !sk.c.Valid() {
		return 0, sk.endError(nil)
	}
	n, err := sk.c.Read(p)
	return n, sockErr(err)
}

// endError is what a call on a socket whose connection is gone returns:
// why it ended abnormally, else orderly.
func (sk *socket) endError(orderly error) error {
	if err := sockErr(sk.endErr); err != nil {
		return err
	}
	return orderly
}

// Shutdown closes one or both directions of the connected socket fd
// without freeing the descriptor. ShutWrite sends a FIN after the queued
// data (RFC 9293 §3.10.4 CLOSE: "I have no more to send"); data from the
// peer keeps coming, a half-close. ShutRead only makes later recvs return
// 0 (nothing is sent: TCP has no way to say it).
func (t *Sockets) Shutdown(fd int, how How) error {
	sk, err := t.sock(fd)
	if err != nil {
		return err
	}
	if how > ShutBoth {
		return fmt.Errorf("%w: shutdown(%d, %d)", ErrInvalid, fd, how)
	}
	sk.refresh()
	if sk.kind != sockConnected {
		return ErrNotConn
	}
	if how != ShutWrite {
		sk.shutRd = true
		t.host.w.procs.poke(t.host.w) // a process blocked in recv returns 0
	}
	if how != ShutRead && !sk.shutWr {
		sk.shutWr = true
		if sk.c.Valid() {
			return sockErr(sk.c.Close())
		}
	}
	return nil
}
