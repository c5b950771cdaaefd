package tcpstate

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// processText carries out the seventh and eighth checks of RFC 9293
// §3.10.7.4: the segment text, then the FIN bit.
func (c *Conn) processText(now time.Time, seg *Segment) Verdict {
	dataSeq := seg.Seq
	if seg.Flags&SYN != 0 {
		dataSeq = dataSeq.Add(1) // the SYN occupies the first number
	}
	payload := seg.Payload
	if dataSeq.GreaterThan(c.rcvNxt) && (len(payload) > 0 || seg.Flags&FIN != 0) {
		switch c.state {
		case Established, FinWait1, FinWait2:
			// A gap before this segment: "Segments with higher beginning
			// sequence numbers SHOULD be held for later processing"
			// (SHLD-31), and a duplicate ACK tells the sender what is
			// missing (RFC 5681 §4.2: "A TCP receiver SHOULD send an
			// immediate duplicate ACK when an out-of-order segment
			// arrives").
			c.holdOutOfOrder(dataSeq, seg)
			if c.cfg.WindowGrowth {
				c.growWindow(len(seg.Payload), false)
			}
			c.ackPending = true
			return OutOfOrder
		}
	}
	if len(payload) > 0 {
		switch c.state {
		case Established, FinWait1, FinWait2:
			// "Once in the ESTABLISHED state, it is possible to deliver
			// segment text to user RECEIVE buffers."
			// Drop what was already received, keep what fits the window.
			skip := min(int(dataSeq.Size(c.rcvNxt)), len(payload))
			fresh := payload[skip:]
			fresh = fresh[:min(len(fresh), int(c.rcvNxt.Size(c.rcvAdv)))]
			n := c.keep(fresh)
			if n > 0 {
				c.rcvNxt = c.rcvNxt.Add(seqnum.Size(n))
				c.events |= EventReadable
				if c.cfg.WindowGrowth {
					c.growWindow(n, true)
				}
			}
			if c.takeHeld() {
				// RFC 5681 §4.2: "A TCP receiver SHOULD send an immediate
				// ACK when the incoming segment fills in all or part of a
				// gap in the sequence space."
				c.ackPending = true
			}
			// "Send an acknowledgment of the form <SEQ=SND.NXT><ACK=RCV.NXT>
			// <CTL=ACK>. This acknowledgment should be piggybacked on a
			// segment being transmitted if possible without incurring
			// undue delay."
			if n == len(payload) && seg.Flags&FIN == 0 {
				c.ackInOrder(now, n)
			} else {
				c.ackPending = true // old or trimmed data: say where we are now
			}
		default:
			// CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: "This should not
			// occur since a FIN has been received from the remote side.
			// Ignore the segment text."
		}
	}
	// Eighth, check the FIN bit. It counts only when everything before it
	// has been received and it lies inside the window.
	finSeq := dataSeq.Add(seqnum.Size(len(payload)))
	fin := seg.Flags&FIN != 0 && finSeq == c.rcvNxt && finSeq.LessThan(c.rcvAdv)
	if !fin && !c.heldFINReached() {
		return Accepted
	}
	c.finReceived(now)
	return Accepted
}

// finReceived takes the peer's FIN at RCV.NXT (RFC 9293 §3.10.7.4, eighth):
// "If the FIN bit is set, signal the user 'connection closing' and return
// any pending RECEIVEs with same message, advance RCV.NXT over the FIN,
// and send an acknowledgment for the FIN."
func (c *Conn) finReceived(now time.Time) {
	var to State
	var rule string
	switch c.state {
	case SynReceived, Established:
		to, rule = CloseWait, "RFC 9293 §3.10.7.4: FIN received, enter CLOSE-WAIT"
	case FinWait1:
		// "If our FIN has been ACKed (perhaps in this segment), then enter
		// TIME-WAIT, start the time-wait timer, turn off the other timers;
		// otherwise, enter the CLOSING state."
		if c.finSent && c.sndUna == c.finSeq.Add(1) {
			to, rule = TimeWait, "RFC 9293 §3.10.7.4: FIN received with our FIN acknowledged"
		} else {
			to, rule = Closing, "RFC 9293 §3.10.7.4: FIN received before our FIN was acknowledged (simultaneous close)"
		}
	case FinWait2:
		to, rule = TimeWait, "RFC 9293 §3.10.7.4: FIN received in FIN-WAIT-2"
	default:
		return // CLOSE-WAIT, CLOSING, LAST-ACK: "Remain in the state."
	}
	c.rcvNxt = c.rcvNxt.Add(1)
	c.finRcvd = true
	c.events |= EventPeerClosed | EventReadable
	c.ackFIN(now, to)
	c.setState(now, to, rule)
}

// keep puts in-order text in the receive buffer and says how much fitted.
// An observer keeps none: the text only moves RCV.NXT.
func (c *Conn) keep(p []byte) int {
	if c.cfg.observing {
		return len(p)
	}
	return c.rcvBuf.Write(p)
}
