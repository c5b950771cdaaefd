package sim

import (
	"fmt"
	"net/netip"
)

// dialFrom is Dial from a given local port, for a socket bound before
// its connect. The 4-tuple must be free (RFC 9293 §3.9.1: a connection is
// named by its pair of sockets).
func (h *Host) dialFrom(port uint16, remote netip.AddrPort, hd Handler) (Conn, error) {
	local := netip.AddrPortFrom(h.addr, port)
	if h.conns[fourTuple{local: local, remote: remote}] != nil {
		return Conn{}, fmt.Errorf("sim: host %s: connect %v-%v: %w", h.name, local, remote, ErrAddrInUse)
	}
	return h.connect(local, remote, hd)
}
