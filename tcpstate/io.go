package tcpstate

import "io"

// Write queues p for sending (RFC 9293 §3.10.2 SEND) and returns how many
// bytes fit in the send buffer. Data written before the connection is
// established waits for it. It returns ErrWouldBlock when the buffer is
// full, ErrClosing after Close.
func (c *Conn) Write(p []byte) (int, error) {
	switch c.state {
	case Closed:
		if err := c.Err(); err != nil {
			return 0, err
		}
		return 0, ErrNotConnected
	case Listen:
		// RFC 9293 §3.10.2 would turn the listener into an active open if
		// SEND named a foreign socket; Write names none, so nowhere to
		// send. Connect does that change.
		return 0, ErrNotConnected
	case SynSent, SynReceived, Established, CloseWait:
		if c.finQueued {
			return 0, ErrClosing
		}
	default:
		return 0, ErrClosing
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := c.sndBuf.Write(p)
	if n == 0 {
		return 0, ErrWouldBlock
	}
	return n, nil
}

// Read moves received in-order data into p (RFC 9293 §3.10.3 RECEIVE).
// After the peer's FIN and the data before it, Read returns io.EOF; with
// nothing yet to read, ErrWouldBlock.
func (c *Conn) Read(p []byte) (int, error) {
	if c.rcvBuf.Len() > 0 {
		if len(p) == 0 {
			return 0, nil
		}
		n := c.rcvBuf.Read(p)
		c.maybeWindowUpdate()
		return n, nil
	}
	switch {
	case c.state == Closed && c.Err() != nil:
		return 0, c.Err() // "reset" responses take precedence (RFC 9293 §3.10.7.4)
	case c.finRcvd:
		return 0, io.EOF
	case c.state == Closed, c.state == Listen:
		return 0, ErrNotConnected
	}
	return 0, ErrWouldBlock
}
