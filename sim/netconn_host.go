package sim

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// NetHost is a host of a Network seen from package net: it dials and
// listens like net.Dialer and net.Listen.
type NetHost struct {
	n *Network
	h *Host
}

var errNoHost = fmt.Errorf("%w: nil host", ErrInvalid)

// Host returns the face of h for goroutine code. h must belong to the
// network's world; Dial and Listen fail otherwise.
func (n *Network) Host(h *Host) *NetHost { return &NetHost{n: n, h: h} }

// Listen listens on address, "host:port", where host is empty, the
// unspecified address, the host's address or its name, and port is not
// 0; network is "tcp", or "tcp4" or "tcp6" to insist on the host's
// address family. Connections go to Accept in the order
// they complete their handshake. The result is a *NetListener.
func (nh *NetHost) Listen(network, address string) (net.Listener, error) {
	host, port, err := splitAddress(network, address)
	if err == nil && nh.h == nil {
		err = errNoHost
	}
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	nl := &NetListener{n: nh.n}
	key := ncRequest{op: opListen, arg: nh.h.addr.String() + " " + address}
	r := nh.n.exec(key, func(reply chan<- ncResult) {
		h := nh.h
		if h.w != nh.n.w {
			reply <- ncResult{err: fmt.Errorf("%w: host %s is not in the network's world", ErrInvalid, h.name)}
			return
		}
		if !familyOK(network, h.addr) {
			reply <- ncResult{err: fmt.Errorf("%w: host %s has no %s address", ErrInvalid, h.name, network)}
			return
		}
		if host != "" && host != h.name {
			a, err := netip.ParseAddr(host)
			if err != nil || (a != h.addr && !a.IsUnspecified()) {
				reply <- ncResult{err: fmt.Errorf("%w: host %s cannot listen on %s", ErrInvalid, h.name, host)}
				return
			}
		}
		l, err := h.Listen(port, nl.accept)
		if err != nil {
			reply <- ncResult{err: err}
			return
		}
		nl.l = l
		nl.id = nh.n.newID()
		nl.addr = net.TCPAddrFromAddrPort(l.Addr())
		reply <- ncResult{}
	})
	if r.err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: r.err}
	}
	return nl, nil
}

// Dial is DialContext with context.Background().
func (nh *NetHost) Dial(network, address string) (net.Conn, error) {
	return nh.DialContext(context.Background(), network, address)
}

// DialContext opens a connection to address, "host:port", where host is
// an address or the name of a host of the world (no other resolution
// happens), and waits for the handshake (RFC 9293 §3.10.1, active OPEN).
// network is "tcp", "tcp4" or "tcp6" (which insist on an address of
// that family, as package net does). It has net.Dialer's signature, so that an
// http.Transport can use it as its DialContext. A refused connection
// fails with an error matching syscall.ECONNREFUSED, one whose SYNs go
// unanswered with syscall.ETIMEDOUT (after tcpstate's retries, in the
// world's time), a cancelled ctx with its error. The result is a
// *NetConn.
func (nh *NetHost) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := splitAddress(network, address)
	if err == nil && nh.h == nil {
		err = errNoHost
	}
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	n := nh.n
	nc := n.newNetConn()
	var remote *net.TCPAddr // written by the world's goroutine before it answers
	reply := make(chan ncResult, 1)
	key := ncRequest{op: opDial, arg: nh.h.addr.String() + " " + address}
	key.run = func() {
		h := nh.h
		if h.w != n.w {
			reply <- ncResult{err: fmt.Errorf("%w: host %s is not in the network's world", ErrInvalid, h.name)}
			return
		}
		a, ok := resolveHost(n.w, host)
		if !ok {
			reply <- ncResult{err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
			return
		}
		if !familyOK(network, a) {
			reply <- ncResult{err: &net.AddrError{Err: "no suitable address found", Addr: host}}
			return
		}
		ap := netip.AddrPortFrom(a, port)
		remote = net.TCPAddrFromAddrPort(ap)
		c, err := h.Dial(ap, nc.handler())
		if err != nil {
			reply <- ncResult{err: err}
			return
		}
		nc.id = n.newID()
		nc.c = c
		nc.dial = &ncWaiter{reply: reply}
		nc.serveDial()
	}
	select {
	case n.reqs <- key:
	case <-n.done:
		return nil, &net.OpError{Op: "dial", Net: network, Err: net.ErrClosed}
	case <-ctx.Done():
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
	var r ncResult
	select {
	case r = <-reply:
	case <-n.done:
		r = n.await(reply)
	case <-ctx.Done():
		// Abandon the handshake, unless it completed meanwhile (then the
		// connection stands, as if the cancellation came late).
		key.op = opCancel
		n.exec(key, func(done chan<- ncResult) {
			if nc.dial != nil {
				nc.dial, nc.closed = nil, true
				nc.c.Abort() // RFC 9293 §3.10.5 ABORT in SYN-SENT: no RST, just CLOSED
				reply <- ncResult{err: ctx.Err()}
			}
			done <- ncResult{}
		})
		r = n.await(reply)
	}
	if r.err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: tcpAddr(remote), Err: r.err}
	}
	return r.conn, nil
}

// tcpAddr returns a as a net.Addr, nil (not a typed nil) if a is nil.
func tcpAddr(a *net.TCPAddr) net.Addr {
	if a == nil {
		return nil
	}
	return a
}

// resolveHost finds the address of host: an address, or a host's name.
func resolveHost(w *World, host string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a, true
	}
	for _, h := range w.hosts {
		if h.name == host {
			return h.addr, true
		}
	}
	return netip.Addr{}, false
}

// familyOK reports whether a belongs to the family network names: "tcp4"
// IPv4 only, "tcp6" IPv6 only, "tcp" either, as in package net.
func familyOK(network string, a netip.Addr) bool {
	switch network {
	case "tcp4":
		return a.Is4()
	case "tcp6":
		return a.Is6()
	}
	return true
}

// splitAddress checks network and splits address into its host and its
// port, a decimal number.
func splitAddress(network, address string) (string, uint16, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return "", 0, net.UnknownNetworkError(network)
	}
	host, p, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return "", 0, &net.AddrError{Err: "invalid port", Addr: address}
	}
	return host, uint16(port), nil
}
