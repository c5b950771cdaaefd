package tcpstate

import "time"

// LinuxConfig is the Linux profile: the defaults a Linux 6.x stack shows
// on the wire, so that a connection of this package can be compared
// segment by segment with the kernel's. DefaultConfig stays the plain RFC
// profile.
//
// Every value was observed on Linux 6.18 in a private network namespace
// with loopback at MTU 1500 and segmentation offloads off, with the
// kernel's stock tcp_rmem and tcp_wmem and cubic; testdata/linux/record.sh
// makes the recording: linux.pcap (headers only), linux.txt (tshark's
// reading, one line a frame), ss.txt (the kernel's own view of its
// sockets) and sysctl.txt. Frame numbers below are linux.txt's.
//
// What still differs from the kernel, and why:
//
//   - Receive-buffer accounting. Linux measures its free space in memory,
//     not bytes: each queued packet costs its payload and its buffer's
//     overhead, and the ratio of the two, measured on the packets that
//     arrive, scales the buffer. WindowGrowth takes the ratio of full
//     segments and counts bytes. So where Linux also grows the window
//     for shorter segments (in scripted writes in the twin namespace,
//     1000-byte segments grew it and 800-byte ones did not), the profile
//     does not; and a receiver that lets many segments queue sees its
//     window close a little faster or slower than RecvBuffer less the
//     bytes queued says (twins "100 kB upload" and "100 kB download").
//     Linux then grows the buffer itself with the application's reading
//     rate (ss.txt: rcv_space 14480 at the start, 175384 after 200 kB):
//     not modelled.
//   - Send buffer. Linux starts at 16 kB (tcp_wmem) and grows it with the
//     congestion window, and sets PSH also where a write waited for
//     buffer space (port 47073, frames 73 and 83); SendBuffer is fixed at
//     tcp_wmem's maximum, so PSH marks only the segment that empties it.
//   - Delayed-ACK timing. The kernel's timer fired after 42.8 ms
//     (frame 8 to 9), DelayedACK is 40 ms: timer granularity, and Linux
//     adapts the delay to the gaps between arrivals, which is not
//     modelled. Its "quick-ack" budget (a count of immediate ACKs) is
//     not modelled either: in every recording a receiver that does not
//     answer acknowledged each segment at once (ports 47072, 47075,
//     47077, up to 40 segments in a row).
//   - Timer rounding. The kernel's 1 s SYN timer fired after 1.007 s, then
//     1.024 s (frames 239-244): its timer wheel rounds long timers up.
//     Deadlines here are exact.
//   - Timestamps. Linux starts each connection's TSval at a random
//     offset; this package derives it from Secret (RFC 7323 §5.4), so the
//     values differ but the 1 ms clock is the same.
//   - SYN retransmission limits. Linux bounds the time spent on SYN
//     retries (tcp_syn_retries 6 with linear timeouts) and on data
//     (tcp_retries2 15) by a computed total time, not a count; the
//     profile uses the counts, so the moment of giving up differs.
//   - Tail loss probes and RACK (RFC 8985): Linux resends the last
//     segment sent when its ACK is late (zerowin.pcapng, frame 8, 6.4 ms
//     after frame 7), the package waits for the RTO.
//   - Not observed here and left at the package's behaviour: ECN (Linux's
//     default tcp_ecn 2 answers ECN but does not ask for it), F-RTO,
//     pacing, TSO autosizing, and SYN-ACK retransmission timing.
func LinuxConfig() Config {
	c := DefaultConfig()

	// Frame 1 (port 47071): the SYN carries "mss 1460,sackOK,TS val ..
	// ecr 0,nop,wscale 7", bytes 02 04 05 b4 | 04 02 | 08 0a .. | 01 |
	// 03 03 07, the layout Options puts on the wire; frame 2, the SYN-ACK,
	// the same with TS ecr set. MSS 1460 is the MTU 1500 less 40.
	c.MTU = 1500
	c.WindowScale, c.SACKPermitted, c.Timestamps = true, true, true

	// Window scale 7 in both SYNs (frames 1 and 2): Linux picks the shift
	// for the largest receive buffer it may grow to, tcp_rmem's maximum
	// (6 MiB, sysctl.txt): the smallest shift with 65535<<shift above it.
	c.MinWindowShift = 7

	// The SYN offers 64240 = 44×1460 (frame 1), the SYN-ACK 65160 =
	// 45×1448 (frame 2): 65535 rounded down to whole segments, of 1460 in
	// the SYN and of 1460 less the 12 bytes of timestamps in the SYN-ACK.
	// The server's ACKs then say 509 (frame 5): 65160>>7.
	c.SYNWindowSegments = true

	// The windows after the SYNs start at the SYN's and grow by two
	// segments (2×1448) with each full-sized segment received (frames
	// 380-388: 532, 555, 577, 600, 623), up to the free space: 637 from
	// frame 390 on, with the segment just received still queued when the
	// ACK leaves (637×128 = 81536, and 81536+1448 less the unit's slack
	// gives 82856-82984). Linux counts the buffer in memory, tcp_rmem's
	// default of 131072, and scales it by the ratio of payload to memory
	// it measures on full segments; 162/256 (a full segment taking 2.28
	// kB) gives 131072×162/256 = 82944, which also fits twin "100 kB
	// upload" (592 units with 7240 bytes queued). The SYNs still offer at
	// most 65535.
	c.RecvBuffer = 82944
	c.WindowGrowth = true

	// After the SYNs the window field is the window rounded up to a unit
	// of the scale: with 64240 bytes free the client says 502 (64256 =
	// 502×128) where a right shift gives 501 (twin "3000 bytes", and the
	// recording's ACKs).
	c.WindowRoundUp = true

	// An abort's RST (SO_LINGER 0, then close) is "R." with the
	// acknowledgment and the window (twins "abort by the client" and "abort
	// by the server").
	c.AbortWithACK = true

	// tcp_wmem's maximum (sysctl.txt): no autotuning of the send buffer
	// here, so it is taken at the size Linux's may grow to.
	c.SendBuffer = 4 << 20

	// The TSval of the SYN and its retransmissions 1.007 s and 1.024 s
	// apart (port 47074, frames 239-244) differ by 1007 and 1024: 1 ms.
	c.TSClock = time.Millisecond

	// ss.txt shows the closing end in TIME-WAIT with "timer:(timewait,
	// 59sec,0)" just after the close: 60 s, so MSL is 30 s.
	c.MSL = 30 * time.Second

	// The SYN is retransmitted 1.007 s after it left (frames 239, 240),
	// and ss.txt shows rto:1000 in SYN-SENT: the initial RTO is 1 s (RFC
	// 6298 §2.1). Then 1.024 s each time up
	// to frame 244: no backoff for the first four timeouts
	// (tcp_syn_linear_timeouts 4, sysctl.txt). ss.txt reports rto:200 to
	// rto:204 on loopback connections whose RTT is tens of µs: the
	// minimum RTO is 200 ms (tcp_rto_min_us 200000), the maximum 120 s
	// (tcp_rto_max_ms 120000).
	c.InitialRTO = time.Second
	c.MinRTO = 200 * time.Millisecond
	c.MaxRTO = 120 * time.Second
	c.SynLinearTimeouts = 4
	c.SynRetries = 6   // tcp_syn_retries (sysctl.txt)
	c.DataRetries = 15 // tcp_retries2's default

	// Delayed ACKs (ports 47071, 47072, 47075, 47076, 47077): a receiver
	// that has not answered acknowledges every segment at once (frames 5,
	// 16-62, 251-329, 380-438); once it answers requests at once (port
	// 47076 from frame 341 on) its ACK rides on the answer, and the ACK of
	// a FIN it did not answer came 43 ms late (frame 9; ss.txt: ato:40).
	// Two full-sized segments arriving together get one ACK (frames
	// 439-441 on).
	c.QuickACK = true
	c.DelayedACK = 40 * time.Millisecond

	// ss.txt: "cubic cwnd:10" on every new socket. Cubic is the kernel's
	// built-in default (the namespace here inherits the host's bbr, so
	// record.sh asks for cubic on each socket).
	c.CongestionControl = "cubic"
	c.InitialWindow = 10

	// ss.txt: TCP_NODELAY is 0 on both ends: Nagle is on (RFC 9293
	// §3.7.4).
	// Keep-alives are off unless SO_KEEPALIVE; then 75 s apart, 9 of them
	// (DefaultConfig's values).
	c.Nagle = true
	c.NagleMinshall = true

	// A zero window is probed with an empty segment one below SND.UNA
	// (capture/testdata/zerowin.pcapng, frames 10, 12 and 13: "seq 4344
	// len 0" after the ACK of 4344 bytes; Wireshark calls them
	// keep-alives), 212, 448 and 860 ms apart: the RTO, doubled each time.
	c.EmptyWindowProbes = true

	// net.ipv4.tcp_invalid_ratelimit: 500 ms (DefaultConfig's value). In
	// zerowin.pcapng the receiver answers the probes of frames 10 and 13
	// and not the one of frame 12, 448 ms after its last answer.
	c.InvalidACKInterval = 500 * time.Millisecond
	return c
}
