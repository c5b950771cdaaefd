package tcptest

import (
	"errors"
	"fmt"
	"net/netip"
)

// NewConn creates the connection under test from the current Config,
// still CLOSED, for scenarios that call the API before any OPEN (Write
// before Connect, Abort in CLOSED). Listen and Connect create it
// themselves when no step did.
func NewConn() Step {
	return newStep(func(h *Harness) error {
		if h.Conn != nil {
			return errors.New("NewConn: the connection already exists")
		}
		return h.open()
	})
}

// ConnectAddr performs an active open from local to remote and checks
// Connect's error (nil: success). On success, later steps use these
// addresses: Inject sends from remote to local, Expect wants segments
// from local to remote.
func ConnectAddr(local, remote netip.AddrPort, wantErr error) Step {
	return newStep(func(h *Harness) error {
		if err := h.open(); err != nil {
			return err
		}
		err := h.Conn.Connect(h.Now, local, remote)
		if !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
			return fmt.Errorf("Connect(%v, %v): error %v, want %v", local, remote, err, wantErr)
		}
		if err == nil {
			h.Local, h.Remote = local, remote
		}
		return nil
	})
}

// ListenAddr performs a passive open on listen, whose address may be
// unspecified (any), and checks Listen's error (nil: success). On success,
// Inject sends segments from peer to local, and Expect wants them from
// local to peer; local is listen itself, or an address the connection
// must fill in from the SYN when listen's address is unspecified (RFC 9293
// §3.10.7.2).
func ListenAddr(listen, local, peer netip.AddrPort, wantErr error) Step {
	return newStep(func(h *Harness) error {
		if err := h.open(); err != nil {
			return err
		}
		err := h.Conn.Listen(h.Now, listen)
		if !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
			return fmt.Errorf("Listen(%v): error %v, want %v", listen, err, wantErr)
		}
		if err == nil {
			h.Local, h.Remote = local, peer
		}
		return nil
	})
}
