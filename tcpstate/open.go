package tcpstate

import (
	"net/netip"
	"time"
)

// Connect performs an active OPEN (RFC 9293 §3.10.1): it chooses the ISS,
// queues a SYN and enters SYN-SENT. The SYN leaves through Poll. On a
// connection in LISTEN it turns the passive open into an active one
// ("LISTEN STATE: If the OPEN call is active and the foreign socket is
// specified, then change the connection from passive to active").
func (c *Conn) Connect(now time.Time, local, remote netip.AddrPort) error {
	if !(c.state == Closed && !c.opened) && c.state != Listen {
		return ErrConnectionExists
	}
	if !usable(local) || !usable(remote) || local.Addr().Is4() != remote.Addr().Is4() ||
		local.Addr().IsUnspecified() || remote.Addr().IsUnspecified() {
		return ErrInvalidAddress
	}
	rule := "RFC 9293 §3.10.1: active OPEN, SYN queued"
	if c.state == Listen {
		rule = "RFC 9293 §3.10.1: active OPEN in LISTEN, SYN queued"
	}
	c.opened = true
	c.local, c.remote = local, remote
	c.initSend(now)
	c.setState(now, SynSent, rule)
	return nil
}

// Listen performs a passive OPEN (RFC 9293 §3.10.1): the connection waits
// in LISTEN for a SYN to local. local's address may be unspecified (any).
func (c *Conn) Listen(now time.Time, local netip.AddrPort) error {
	if c.state != Closed || c.opened {
		return ErrConnectionExists
	}
	if !usable(local) {
		return ErrInvalidAddress
	}
	c.opened = true
	c.local, c.listenAny = local, local.Addr().IsUnspecified()
	c.setState(now, Listen, "RFC 9293 §3.10.1: passive OPEN")
	return nil
}

func usable(a netip.AddrPort) bool { return a.IsValid() && a.Port() != 0 }

// initSend chooses the ISS and sets up the send side (RFC 9293 §3.10.1:
// "SND.UNA to ISS"; SND.NXT becomes ISS+1 when Poll sends the SYN).
func (c *Conn) initSend(now time.Time) {
	if c.cfg.ISN != nil {
		c.iss = c.cfg.ISN(now, c.local, c.remote)
	} else {
		c.iss = rfc6528(c.cfg.Secret, now, c.local, c.remote)
	}
	c.sndUna, c.sndNxt = c.iss, c.iss
	c.sndBufSeq = c.iss.Add(1)
	c.sndBuf.setLimit(c.cfg.SendBuffer)
	c.rcvBuf.setLimit(c.cfg.RecvBuffer)
	c.rto.rto = c.cfg.InitialRTO
	c.tsEpoch = instantOf(now)
	c.tsOffset = tsOffset(c.cfg.Secret, c.local, c.remote)
	c.rcvMSS = c.announcedMSS()
	if c.cfg.WindowScale {
		// RFC 7323 §2.3: the shift is chosen from the buffer this end
		// will offer; the smallest that lets it be advertised.
		for c.cfg.RecvBuffer>>c.rcvShift > 65535 {
			c.rcvShift++
		}
		c.rcvShift = max(c.rcvShift, c.cfg.MinWindowShift)
	}
	if c.cfg.WindowRoundUp {
		// A window rounded up to a scale unit may offer up to a unit less
		// one byte beyond the buffer: the buffer takes them (Linux's
		// receive memory has that slack too).
		c.rcvBuf.setLimit(c.cfg.RecvBuffer + 1<<c.rcvShift - 1)
	}
}

// announcedMSS is the MSS option value: Config.MSS, or the MTU less the IP
// and TCP headers (RFC 9293 §3.7.1, RFC 6691 §2).
func (c *Conn) announcedMSS() uint16 {
	if c.cfg.MSS != 0 {
		return c.cfg.MSS
	}
	return uint16(c.cfg.MTU - c.ipHeaderLen() - 20)
}

func (c *Conn) ipHeaderLen() int {
	if c.local.Addr().Unmap().Is4() {
		return 20
	}
	return 40
}

// sndMSS is the most data one segment may carry: the smaller of the
// peer's MSS and what our MTU allows, less the TCP options every segment
// carries (RFC 9293 §3.7.1 Eff.snd.MSS; RFC 6691 §2; RFC 7323 §3.2).
func (c *Conn) sndMSS() uint16 {
	m := min(int(c.peerMSS), c.cfg.MTU-c.ipHeaderLen()-20)
	if c.tsOK {
		m -= 12 // nop,nop,TS
	}
	return uint16(max(m, 1))
}

// Close tells TCP the application has no more data to send (RFC 9293
// §3.10.4). Data already written is still sent, followed by a FIN; data
// keeps arriving until the peer closes too.
func (c *Conn) Close(now time.Time) error {
	switch c.state {
	case Closed:
		return ErrNotConnected
	case Listen, SynSent:
		// "Delete the TCB, enter CLOSED state, and return."
		c.setState(now, Closed, "RFC 9293 §3.10.4: CLOSE before synchronization")
	case SynReceived:
		if c.finQueued {
			return ErrClosing
		}
		c.finQueued = true
		if c.sndBuf.Len() == 0 {
			// "If no SENDs have been issued and there is no pending data
			// to send, then form a FIN segment and send it, and enter
			// FIN-WAIT-1 state"; otherwise the CLOSE waits for ESTABLISHED.
			c.setState(now, FinWait1, "RFC 9293 §3.10.4: CLOSE in SYN-RECEIVED, FIN queued")
		}
	case Established:
		c.finQueued = true
		c.setState(now, FinWait1, "RFC 9293 §3.10.4: CLOSE, FIN queued after the data")
	case CloseWait:
		c.finQueued = true
		c.setState(now, LastAck, "RFC 9293 §3.10.4: CLOSE in CLOSE-WAIT, FIN queued")
	default:
		return ErrClosing
	}
	return nil
}

// Abort resets the connection (RFC 9293 §3.10.5): in the synchronized
// states and SYN-RECEIVED a RST <SEQ=SND.NXT><CTL=RST> is sent; the
// connection enters CLOSED with Err returning ErrAborted.
func (c *Conn) Abort(now time.Time) {
	switch c.state {
	case Closed:
		return
	case SynReceived, Established, FinWait1, FinWait2, CloseWait:
		c.rstPending = true
	}
	c.rcvBuf.Discard(c.rcvBuf.Len())
	c.fail(now, ErrAborted, "RFC 9293 §3.10.5: ABORT")
}
