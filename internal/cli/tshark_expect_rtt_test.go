package cli

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// expectInitialRTT is what initial_rtt should be for a connection whose
// client is client, given whether the capture holds its SYN and the
// client's ACK of the SYN-ACK (nil if not): tshark's
// tcp.analysis.initial_rtt, but for two deliberate differences.
//
// tshark (packet-tcp.c) measures from the most recent SYN without ACK,
// from either end, to the first segment after it with ACK and without
// SYN, whatever it acknowledges and whoever sends it; that rule is
// checked against tshark's value first. tcpsim measures the client's
// handshake only: from the client's last SYN to its ACK of the server's
// SYN-ACK (RFC 9293 §3.5), and has none without that ACK. So:
//
//   - when the first such segment is a reset (a refused connection: SYN,
//     then RST-ACK), tshark takes the reset for the handshake's ACK;
//     tcpsim has no initial RTT, as there was no handshake;
//   - when the most recent SYN is the server's (a simultaneous open,
//     RFC 9293 §3.5 figure 8), tshark measures from the server's SYN;
//     tcpsim from the client's, the round trip the client's SYN began.
//
// Any other difference from tshark fails the test.
func expectInitialRTT(t *testing.T, frames []oracleFrame, client string, syn bool, handshakeACK oracleFrame) any {
	t.Helper()
	var tshark any
	for _, f := range frames {
		if f["tcp.analysis.initial_rtt"] != "" {
			tshark = f.float(t, "tcp.analysis.initial_rtt")
			break
		}
	}
	var lastSYN, ack, clientSYN oracleFrame // tshark's rule; the client's last SYN before the handshake's ACK
	for _, f := range frames {
		src, _ := f.endpoints(t, "tcp")
		switch f.int(t, "tcp.flags") & (flagSYN | flagACK) {
		case flagSYN:
			if ack == nil {
				lastSYN = f
			}
			if src == client && (handshakeACK == nil || f.int(t, "frame.number") < handshakeACK.int(t, "frame.number")) {
				clientSYN = f
			}
		case flagACK:
			if ack == nil && lastSYN != nil {
				ack = f
			}
		}
	}
	at := func(f oracleFrame) float64 { return f.float(t, "frame.time_relative") }
	if tshark != nil {
		require.NotNil(t, ack, "tshark's initial RTT without a SYN and an ACK after it")
		require.InDelta(t, at(ack)-at(lastSYN), tshark, timeTolerance,
			"tshark's initial RTT: from frame %s to frame %s", lastSYN["frame.number"], ack["frame.number"])
	}
	fromServer := false
	if lastSYN != nil {
		src, _ := lastSYN.endpoints(t, "tcp")
		fromServer = src != client
	}
	switch {
	case ack != nil && ack.int(t, "tcp.flags")&flagRST != 0:
		return nil // a refused connection
	case fromServer && syn && handshakeACK != nil:
		return at(handshakeACK) - at(clientSYN) // a simultaneous open
	}
	return tshark
}
