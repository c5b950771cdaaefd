package tcpstate

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// TCB is a snapshot of a connection's Transmission Control Block, with the
// variables named as in RFC 9293 §3.3.1. Windows are in bytes (scaled).
type TCB struct {
	State State

	ISS    seqnum.Value // initial send sequence number
	SndUna seqnum.Value // oldest unacknowledged sequence number
	SndNxt seqnum.Value // next sequence number to send
	SndWnd uint32       // send window, as offered by the peer
	SndWL1 seqnum.Value // segment sequence number used for last window update
	SndWL2 seqnum.Value // segment acknowledgment number used for last window update

	IRS    seqnum.Value // initial receive sequence number
	RcvNxt seqnum.Value // next sequence number expected
	RcvWnd uint32       // receive window we offer

	// Negotiated in the SYN exchange.
	SndMSS        uint16 // largest segment we send (peer's MSS less our options)
	RcvMSS        uint16 // MSS we announced
	SndWndShift   uint8  // RFC 7323 Snd.Wind.Shift: applied to windows the peer sends
	RcvWndShift   uint8  // RFC 7323 Rcv.Wind.Shift: applied to windows we send
	WindowScaling bool
	SACKPermitted bool
	Timestamps    bool
	TSRecent      uint32 // RFC 7323 TS.Recent

	// Retransmission (RFC 6298).
	RTO         time.Duration
	SRTT        time.Duration
	RTTVar      time.Duration
	Retransmits int // consecutive retransmissions of the oldest segment

	// Congestion control (RFC 5681), once the connection has sent data;
	// zero before.
	Cwnd            uint32
	Ssthresh        uint32
	FastRetransmits int // fast retransmissions so far (RFC 5681 §3.2)

	SendQueued int // bytes written and not yet acknowledged
	RecvQueued int // bytes received and not yet read
}
