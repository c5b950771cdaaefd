package sim

import (
	"fmt"
	"net/netip"
)

// dialFrom is Dial from a given local port, for a socket bound before
// its connect. The 4-tuple must be free (RFC 9293 §3.9.1: a connection is
// named by its pair of sockets).
func (h *Host) dialFrom(port uint16, remote netip.AddrPort, hd Handler) (Conn, error) {
	w := h.w
	local := netip.AddrPortFrom(h.addr, port)
	if h.conns[fourTuple{local: local, remote: remote}] != nil {
		return Conn{}, fmt.Errorf("sim: host %s: connect %v-%v: %w", h.name, local, remote, ErrAddrInUse)
	}
	ep, err := w.newEndpoint(h)
	if err != nil {
		return Conn{}, err
	}
	err = ep.tcp.Connect(w.Now(), local, remote)
	w.traceCall(ep, CallConnect, 0, nil, err)
	if err != nil {
		ep.release()
		return Conn{}, err
	}
	ep.handler = hd
	ep.enter()
	c := Conn{ep: ep, gen: ep.gen}
	ep.flush()
	return c, nil
}
