package sim

// closeSend queues a FIN after the data already written (RFC 9293 §3.10.4
// CLOSE: "the user who CLOSEs may continue to RECEIVE until the other
// side CLOSEs") while the application keeps its handle, unlike Close,
// which gives the handle up: the half-close of NetConn.CloseWrite, after
// which Read still works until the connection reaches CLOSED.
func (c Conn) closeSend() error {
	ep, ok := c.live()
	if !ok {
		return ErrClosed
	}
	err := ep.tcp.Close(ep.w.Now())
	ep.w.traceCall(ep, CallClose, 0, nil, err)
	ep.flush()
	return err
}
