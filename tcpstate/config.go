package tcpstate

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// ISNFunc chooses the initial send sequence number of a connection from its
// 4-tuple and the time of the open (RFC 9293 §3.4.1).
type ISNFunc func(now time.Time, local, remote netip.AddrPort) seqnum.Value

// Config holds what a connection needs to know before it opens. Start from
// DefaultConfig and change fields; NewConn checks the result.
type Config struct {
	// MTU of the path, used for the MSS this end announces when MSS is 0
	// (RFC 9293 §3.7.1: MTU minus the fixed IP and TCP headers).
	MTU int
	// MSS announced in SYN and SYN-ACK; 0 derives it from MTU. Segments
	// sent are bounded by both the peer's MSS and MTU.
	MSS uint16
	// observing marks an Observer's connection: received text moves
	// RCV.NXT and is not kept. It sits here, in the padding after MSS, so
	// that it costs a Conn no space and no pointer to follow.
	observing bool

	// SendBuffer and RecvBuffer bound the bytes queued for sending and
	// received but not yet read. RecvBuffer is the largest receive window.
	SendBuffer int
	RecvBuffer int

	// WindowScale offers the window scale option (RFC 7323 §2) with the
	// smallest shift that lets RecvBuffer be advertised.
	WindowScale bool
	// SACKPermitted offers SACK (RFC 2018 §2).
	SACKPermitted bool
	// Timestamps offers the timestamps option (RFC 7323 §3).
	Timestamps bool
	// WindowGrowth offers, after the SYN, at most a window that starts at
	// the SYN's and grows by two segments with each full-sized segment
	// that arrives in order and each segment that arrives out of order,
	// up to the free space of RecvBuffer: Linux's rcv_ssthresh, which
	// opens the window as the peer shows it sends full segments. Once
	// grown, the right edge follows the free space without waiting for it
	// to move by an MSS, and a read is announced only when the window
	// left is at most half of RecvBuffer and the read doubles it, as
	// Linux does (twins "one full segment", "3000 bytes", "lost
	// segment"). RFC 9293 §3.8.6.2.2 bounds how the window moves, not how
	// much of its buffer a receiver offers. It sits in the padding after
	// Timestamps, as does EmptyWindowProbes.
	WindowGrowth bool
	// EmptyWindowProbes probes a zero window with <SEQ=SND.UNA-1><CTL=ACK>
	// and no data, as Linux does (tcp_xmit_probe_skb; capture
	// zerowin.pcapng, frames 10, 12 and 13), where RFC 9293 §3.8.6.1 sends
	// one octet of new data. The peer finds the segment old and answers
	// with an ACK that shows its window (§3.10.7.4), as it would a
	// keep-alive; the probes back off like the octet's retransmissions and
	// end the connection after DataRetries unanswered.
	EmptyWindowProbes bool
	// TSClock is the period of the timestamp clock (RFC 7323 §5.4 asks for
	// between 1 ms and 1 s per tick).
	TSClock time.Duration

	// MSL is the maximum segment lifetime; TIME-WAIT lasts 2×MSL
	// (RFC 9293 §3.4.2 takes MSL to be 2 minutes).
	MSL time.Duration

	// InitialRTO, MinRTO and MaxRTO bound the retransmission timeout
	// (RFC 6298 §2.1: 1 s initially; §2.4: at least 1 s; §2.5: at least 60 s
	// may be placed as the maximum).
	InitialRTO time.Duration
	MinRTO     time.Duration
	MaxRTO     time.Duration
	// SynRetries is how many times a SYN or SYN-ACK is retransmitted before
	// the open fails; DataRetries the same for data and FIN (RFC 1122
	// §4.2.3.5, threshold R2). After the last retransmission the connection
	// waits one more RTO, then ends with ErrTimedOut.
	SynRetries  int
	DataRetries int

	// ISN chooses initial sequence numbers. Nil means RFC 6528: a keyed
	// hash of the 4-tuple under Secret plus a 4 µs clock.
	ISN ISNFunc
	// Secret keys the RFC 6528 ISN function and the per-connection
	// timestamp offset (RFC 7323 §5.4). Drivers fill it from their own
	// source of randomness (crypto/rand on a real network, the seeded
	// generator in a simulation); tcpstate never draws random numbers
	// itself. It must not be all zeros when ISN is nil.
	Secret [16]byte

	// DelayedACK, when not zero, is how long the ACK of in-order data may
	// wait for data to ride on or for a second full-sized segment (RFC
	// 1122 §4.2.3.2; RFC 9293 §3.8.6.3 requires less than 0.5 s). Zero,
	// the default of the RFC profile, acknowledges every segment at once.
	DelayedACK time.Duration

	// CongestionControl names the algorithm, "newreno" (the default,
	// RFC 5681 and RFC 6582) or "cubic"; InitialWindow is the initial
	// congestion window in segments, 0 for RFC 6928's
	// min(10*MSS, max(2*MSS, 14600)).
	CongestionControl string
	InitialWindow     int

	// Nagle holds back a segment smaller than the MSS while data is
	// unacknowledged (RFC 9293 §3.7.4; RFC 1122 §4.2.3.4). Off in the RFC
	// profile: "there MUST be a way for an application to disable the
	// Nagle algorithm on an individual connection (MUST-17)".
	Nagle bool

	// The seven fields below sit in the padding after Nagle. Their zero values
	// keep the plain RFC behaviour; LinuxConfig sets them.

	// SYNWindowSegments rounds the window offered in a SYN or SYN-ACK down
	// to whole segments: of the MSS announced in a SYN, of that MSS less
	// the 12 bytes of nop,nop,TS in a SYN-ACK once timestamps are agreed.
	// Linux offers 64240 (44×1460) in its SYN and 65160 (45×1448) in its
	// SYN-ACK.
	SYNWindowSegments bool
	// QuickACK acknowledges in-order data at once, and delays ACKs (by
	// DelayedACK, or to the second full-sized segment) only while the
	// connection is interactive: from when this end sends data less than
	// DelayedACK after data arrived, until a delayed ACK has to be sent by
	// its timer. It is what Linux shows on the wire (its "quick-ack" and
	// "ping-pong" modes): a pure receiver acknowledges every segment, a
	// server answering requests lets its ACK ride on the answer. The ACK
	// of a FIN is delayed in any case, so that the application's own FIN
	// may carry it (see ackFIN). Without QuickACK, DelayedACK applies to
	// all in-order data.
	QuickACK bool
	// MinWindowShift is the least window scale shift offered (RFC 7323
	// §2.3 leaves the shift to the receiver, "based on the maximum receive
	// buffer space"): Linux chooses it for the largest size its receive
	// buffer may grow to, not for the window it offers first.
	MinWindowShift uint8
	// SynLinearTimeouts is how many SYN retransmission timeouts do not
	// back off the RTO before RFC 6298 §5.5 applies (Linux 6.x,
	// net.ipv4.tcp_syn_linear_timeouts).
	SynLinearTimeouts uint8
	// WindowRoundUp rounds the window field up to the next unit of the
	// window scale, where RFC 7323 §2.3 shifts it right (rounds down):
	// Linux aligns the window it offers up to 1<<shift, and advertises a
	// unit more than the RFC rule would.
	WindowRoundUp bool
	// AbortWithACK sends the RST of an ABORT with the ACK bit, the
	// acknowledgment and the window, where RFC 9293 §3.10.5 forms
	// <SEQ=SND.NXT><CTL=RST>: Linux does (twins "abort by the client",
	// "abort by the server": R. with ack and window).
	AbortWithACK bool
	// NagleMinshall makes Nagle's algorithm hold a segment smaller than
	// the MSS back only while an earlier such segment is unacknowledged,
	// not while any data is (Minshall's variant, as Linux does: the 104
	// bytes ending a 3000-byte write leave with the full segments before
	// them, twin "lost segment").
	NagleMinshall bool

	// KeepAlive, when not zero, is how long a connection may stay idle
	// (nothing received) before it probes its peer (RFC 1122 §4.2.3.6:
	// keep-alives "MUST default to off" and the interval "MUST default to
	// no less than two hours"). KeepAliveInterval separates the probes and
	// KeepAliveProbes unanswered ones end the connection with ErrTimedOut.
	KeepAlive         time.Duration
	KeepAliveInterval time.Duration
	KeepAliveProbes   int

	// InvalidACKInterval is the least time between two ACKs sent in reply
	// to unacceptable bare ACKs (RFC 5961 §7: "An implementation SHOULD
	// include an ACK throttling mechanism"). Two ends whose ACKs both fall
	// outside the other's window would otherwise answer each other for
	// ever. Linux uses 500 ms (tcp_invalid_ratelimit). Zero disables it.
	InvalidACKInterval time.Duration

	// Trace, when set, is called synchronously for every segment in and
	// out, every state change and every timer expiry.
	Trace func(TraceEvent)
}

// DefaultConfig returns the plain RFC profile: the values the RFCs
// recommend, with every option this package implements offered.
func DefaultConfig() Config {
	return Config{
		MTU:           1500,
		SendBuffer:    64 << 10,
		RecvBuffer:    65535,
		WindowScale:   true,
		SACKPermitted: true,
		Timestamps:    true,
		TSClock:       time.Millisecond,
		MSL:           2 * time.Minute,
		InitialRTO:    time.Second,
		MinRTO:        time.Second,
		MaxRTO:        60 * time.Second,
		// 1+2+4+8+16+32+60 s of retransmissions then a last 60 s wait:
		// 183 s, just over RFC 1122's "at least 3 minutes" for a SYN.
		SynRetries: 7,
		// RFC 1122 §4.2.3.5 asks for at least 100 s for data; with the
		// backoff capped at MaxRTO, 15 retransmissions take several minutes.
		DataRetries:        15,
		InvalidACKInterval: 500 * time.Millisecond,
		CongestionControl:  "newreno",
		// Linux's defaults for when keep-alives are turned on.
		KeepAliveInterval: 75 * time.Second,
		KeepAliveProbes:   9,
	}
}

// minWindowUnits is the least number of scale units (1<<MinWindowShift)
// a receive buffer must hold.
const minWindowUnits = 16

// ConfigError reports an invalid Config field.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return "tcpstate: invalid config " + e.Field + ": " + e.Reason
}

// check validates the fields NewConn relies on.
func (c *Config) check() error {
	switch {
	case c.MTU < 68 || c.MTU > 65535:
		// RFC 791: every IPv4 module must handle 68-byte datagrams.
		return &ConfigError{"MTU", "must be between 68 and 65535"}
	case !validCongestionControl(c.CongestionControl):
		return &ConfigError{"CongestionControl", "must be " + strings.Join(CongestionControlNames(), " or ")}
	case c.SendBuffer <= 0 || c.SendBuffer > 1<<30:
		// Sequence comparisons hold only within 2^31 (RFC 9293 §3.4).
		return &ConfigError{"SendBuffer", "must be between 1 and 2^30"}
	case c.RecvBuffer <= 0 || c.RecvBuffer > 65535<<MaxWindowShift:
		return &ConfigError{"RecvBuffer", "must be between 1 and 2^30"}
	case !c.WindowScale && c.RecvBuffer > 65535:
		return &ConfigError{"RecvBuffer", "above 65535 needs WindowScale"}
	case c.Timestamps && (c.TSClock <= 0):
		return &ConfigError{"TSClock", "must be positive"}
	case c.MSL <= 0:
		return &ConfigError{"MSL", "must be positive"}
	case c.InitialRTO <= 0 || c.MinRTO <= 0 || c.MaxRTO < c.MinRTO:
		return &ConfigError{"RTO", "need 0 < MinRTO <= MaxRTO and InitialRTO > 0"}
	case c.SynRetries < 0 || c.DataRetries < 0:
		return &ConfigError{"Retries", "must not be negative"}
	case c.DelayedACK < 0 || c.DelayedACK >= 500*time.Millisecond:
		// RFC 9293 §3.8.6.3: "the delay MUST be less than 0.5 seconds".
		return &ConfigError{"DelayedACK", "must be at least 0 and less than 500ms"}
	case c.KeepAlive < 0 || c.KeepAlive > 0 && (c.KeepAliveInterval <= 0 || c.KeepAliveProbes < 1):
		return &ConfigError{"KeepAlive", "needs a positive KeepAliveInterval and at least one probe"}
	case c.MinWindowShift > MaxWindowShift:
		return &ConfigError{"MinWindowShift", "must be at most 14"}
	case c.MinWindowShift > 0 && c.RecvBuffer < minWindowUnits<<c.MinWindowShift:
		// Coarser than that, a window moves in steps so large the
		// transfer falls back to probes, or closes for good.
		return &ConfigError{"MinWindowShift", fmt.Sprintf("too large for RecvBuffer: the buffer must hold %d units of the scale", minWindowUnits)}
	case c.InitialWindow < 0:
		return &ConfigError{"InitialWindow", "must not be negative"}
	case c.InvalidACKInterval < 0:
		return &ConfigError{"InvalidACKInterval", "must not be negative"}
	case c.ISN == nil && c.Secret == [16]byte{}:
		// RFC 6528 §3: F is keyed by "a secret key"; with a key everyone
		// knows, anyone can predict the ISNs.
		return &ConfigError{"Secret", "the RFC 6528 ISN function needs a secret key (or set ISN)"}
	}
	return nil
}
