package sim

import (
	"fmt"
	"math/bits"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// FDSet is a set of descriptors, the fd_set of select: Set, Clear, IsSet
// and Zero are FD_SET, FD_CLR, FD_ISSET and FD_ZERO. It holds descriptors
// 0 to MaxSockets-1; others are ignored. The zero FDSet is empty.
type FDSet struct {
	bits [MaxSockets / 64]uint64
}

// Set adds fd to the set.
func (s *FDSet) Set(fd int) {
	if fd >= 0 && fd < MaxSockets {
		s.bits[fd/64] |= 1 << (fd % 64)
	}
}

// Clear removes fd from the set.
func (s *FDSet) Clear(fd int) {
	if fd >= 0 && fd < MaxSockets {
		s.bits[fd/64] &^= 1 << (fd % 64)
	}
}

// IsSet reports whether fd is in the set.
func (s *FDSet) IsSet(fd int) bool {
	return fd >= 0 && fd < MaxSockets && s.bits[fd/64]&(1<<(fd%64)) != 0
}

// Zero empties the set.
func (s *FDSet) Zero() { *s = FDSet{} }

// Count returns how many descriptors the set holds.
func (s *FDSet) Count() int {
	n := 0
	for _, b := range s.bits {
		n += bits.OnesCount64(b)
	}
	return n
}

// each calls f for the descriptors of s in ascending order; s may be nil.
func (s *FDSet) each(f func(fd int) bool) bool {
	if s == nil {
		return true
	}
	for i, b := range s.bits {
		for b != 0 {
			j := bits.TrailingZeros64(b)
			b &^= 1 << j
			if !f(i*64 + j) {
				return false
			}
		}
	}
	return true
}

// readable: recv (or accept) would not block. The tutorial's rule: data
// to read, or the connection closed or reset, or a connection waiting to
// be accepted on a listening socket.
func (sk *socket) readable() bool {
	sk.refresh()
	switch sk.kind {
	case sockListening:
		return len(sk.queue) > 0
	case sockConnected:
	default:
		return false
	}
	if sk.shutRd || sk.ended || !sk.c.Valid() {
		return true
	}
	switch sk.c.State() {
	// RFC 9293 §3.10.7.4, eighth step: the FIN was received in these.
	case tcpstate.CloseWait, tcpstate.LastAck, tcpstate.Closing, tcpstate.TimeWait, tcpstate.Closed:
		return true
	}
	return sk.c.TCB().RecvQueued > 0
}

// writable: send would not block. The tutorial's rule: buffer space, or
// a non-blocking connect completed. A connection that can no longer send
// is writable too: send fails at once.
func (sk *socket) writable() bool {
	sk.refresh()
	if sk.kind != sockConnected {
		return false
	}
	if sk.shutWr || sk.ended || !sk.c.Valid() {
		return true
	}
	switch sk.c.State() {
	case tcpstate.Established, tcpstate.CloseWait:
		return sk.c.TCB().SendQueued < sk.host.tcp.SendBuffer
	}
	return true
}

// exceptional: the tutorial's rule (Winsock's): a non-blocking connect
// failed. TCP urgent data, the other case of select, is not simulated.
func (sk *socket) exceptional() bool {
	sk.refresh()
	return sk.kind == sockFailed
}

// Select waits until one of the descriptors is ready: in read, a socket
// that recv or accept would not block on; in write, one that send would
// not block on, or whose non-blocking connect completed; in except, one
// whose non-blocking connect failed. Any set may be nil. On return the
// sets hold only the ready descriptors, and n counts them over the three
// sets (0 when the timeout passed).
//
// timeout nil waits for ever, zero polls. Only a process may wait: called
// from elsewhere (test code, callbacks), a timeout other than zero is
// ErrInvalid. A descriptor in a set that is not an open socket is
// ErrBadFD, also when it is closed while Select waits.
func (t *Sockets) Select(read, write, except *FDSet, timeout *time.Duration) (int, error) {
	h := t.host
	if timeout != nil && *timeout < 0 {
		return 0, fmt.Errorf("%w: select timeout %v", ErrInvalid, *timeout)
	}
	valid := func() bool {
		ok := func(fd int) bool { _, err := t.sock(fd); return err == nil }
		return read.each(ok) && write.each(ok) && except.each(ok)
	}
	if !valid() {
		return 0, ErrBadFD
	}
	in := [3]FDSet{}
	for i, s := range [3]*FDSet{read, write, except} {
		if s != nil {
			in[i] = *s
		}
	}
	ready := func(out *[3]FDSet) int {
		n := 0
		tests := [3]func(*socket) bool{(*socket).readable, (*socket).writable, (*socket).exceptional}
		for i := range in {
			in[i].each(func(fd int) bool {
				if sk, err := t.sock(fd); err == nil && tests[i](sk) {
					n++
					if out != nil {
						out[i].Set(fd)
					}
				}
				return true
			})
		}
		return n
	}
	if ready(nil) == 0 && (timeout == nil || *timeout > 0) {
		w := h.w
		var p *Process
		if w.procs != nil {
			p = w.procs.current
		}
		if p == nil {
			return 0, fmt.Errorf("%w: select with a timeout outside a process", ErrInvalid)
		}
		deadline := int64(-1)
		if timeout != nil {
			deadline = w.now + int64(*timeout)
			p.wakeAt(deadline)
		}
		p.park("select", -1, func() bool {
			return (deadline >= 0 && w.now >= deadline) || !valid() || ready(nil) > 0
		})
		if !valid() {
			return 0, ErrBadFD
		}
	}
	var out [3]FDSet
	n := ready(&out)
	for i, s := range [3]*FDSet{read, write, except} {
		if s != nil {
			*s = out[i]
		}
	}
	return n, nil
}
