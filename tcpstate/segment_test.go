package tcpstate_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// The expected strings below are what tcpdump prints: its print-tcp.c
// spells the control bits F, S, R, P, '.', U, E, W in that order with no
// separator and "none" when no bit is set; prints ", seq N" (or "seq N:M"
// with M = N + data length) only when the segment has data or SYN, FIN or
// RST, ", ack N" only with the ACK bit, ", urg N" only with URG, then
// "options [...]" and ", length N". With -S, sequence numbers and SACK
// blocks are absolute.

func TestFlagsString(t *testing.T) {
	const (
		fin, syn, rst, psh, ack, urg, ece, cwr = tcpstate.FIN, tcpstate.SYN, tcpstate.RST, tcpstate.PSH,
			tcpstate.ACK, tcpstate.URG, tcpstate.ECE, tcpstate.CWR
	)
	cases := []struct {
		f    tcpstate.Flags
		want string
	}{
		{0, "none"},
		{syn, "S"},
		{syn | ack, "S."},
		{ack, "."},
		{psh | ack, "P."},
		{fin, "F"},
		{fin | ack, "F."},
		{rst, "R"},
		{rst | ack, "R."},
		{fin | psh | ack, "FP."},
		{syn | fin, "FS"},
		{urg | ack, ".U"},
		{syn | ece | cwr, "SEW"}, // an ECN-setup SYN (RFC 3168 §6.1.1)
		{syn | ack | ece, "S.E"},
		{psh | ack | cwr, "P.W"},
		{fin | syn | rst | psh | ack | urg | ece | cwr, "FSRP.UEW"},
	}
	for _, c := range cases {
		if got := c.f.String(); got != c.want {
			t.Errorf("Flags(%#02x).String() = %q, want %q", uint8(c.f), got, c.want)
		}
	}
}

// Linux's SYN carries "mss,sackOK,TS,nop,wscale" (20 bytes); its other
// segments "nop,nop,TS" (12 bytes), then "nop,nop,sack" with SACK blocks
// (RFC 2018 §3: 8*n+2 bytes). The option space is padded to a multiple of
// 4 bytes (RFC 9293 §3.1).
func TestOptionsStringAndLen(t *testing.T) {
	sack := func(o tcpstate.Options, blocks ...seqnum.Value) tcpstate.Options {
		for i := 0; i+1 < len(blocks); i += 2 {
			o.SACKBlocks[o.NumSACK] = tcpstate.SACKBlock{Left: blocks[i], Right: blocks[i+1]}
			o.NumSACK++
		}
		return o
	}
	ts := tcpstate.Options{HasTimestamps: true, TSVal: 100, TSEcr: 200}
	cases := []struct {
		name string
		o    tcpstate.Options
		want string
		len  int
	}{
		{"none", tcpstate.Options{}, "", 0},
		{"MSS", tcpstate.Options{HasMSS: true, MSS: 1460}, "mss 1460", 4},
		{"Linux SYN", tcpstate.Options{HasMSS: true, MSS: 1460, SACKPermitted: true,
			HasTimestamps: true, TSVal: 1, HasWindowScale: true, WindowScale: 7},
			"mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7", 20},
		{"SYN without timestamps", tcpstate.Options{HasMSS: true, MSS: 1460, SACKPermitted: true,
			HasWindowScale: true, WindowScale: 7},
			"mss 1460,nop,nop,sackOK,nop,wscale 7", 12},
		{"SYN without SACK", tcpstate.Options{HasMSS: true, MSS: 1460, HasTimestamps: true,
			TSVal: 4294967295, TSEcr: 12345, HasWindowScale: true, WindowScale: 14},
			"mss 1460,nop,nop,TS val 4294967295 ecr 12345,nop,wscale 14", 20},
		{"MSS and window scale", tcpstate.Options{HasMSS: true, MSS: 536, HasWindowScale: true},
			"mss 536,nop,wscale 0", 8},
		{"SACK-permitted", tcpstate.Options{SACKPermitted: true}, "nop,nop,sackOK", 4},
		{"timestamps", ts, "nop,nop,TS val 100 ecr 200", 12},
		{"timestamps and one SACK block", sack(ts, 1000, 2000),
			"nop,nop,TS val 100 ecr 200,nop,nop,sack 1 {1000:2000}", 24},
		{"timestamps and three SACK blocks", sack(ts, 1, 2, 3, 4, 5, 6),
			"nop,nop,TS val 100 ecr 200,nop,nop,sack 3 {1:2}{3:4}{5:6}", 40},
		{"one SACK block", sack(tcpstate.Options{}, 4294967000, 100),
			"nop,nop,sack 1 {4294967000:100}", 12},
		{"two SACK blocks", sack(tcpstate.Options{}, 1000, 2000, 3000, 4000),
			"nop,nop,sack 2 {1000:2000}{3000:4000}", 20},
		{"four SACK blocks", sack(tcpstate.Options{}, 1, 2, 3, 4, 5, 6, 7, 8),
			"nop,nop,sack 4 {1:2}{3:4}{5:6}{7:8}", 36},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.o.String(); got != c.want {
				// tcpdump prints the blocks of a SACK option back to back,
				// "sack 2 {1000:2000}{3000:4000}".
				t.Errorf("String() = %q, want %q", got, c.want)
			}
			if got := c.o.Len(); got != c.len {
				t.Errorf("Len() = %d, want %d", got, c.len)
			}
			if c.o.IsZero() != (c.want == "") {
				t.Errorf("IsZero() = %v for %q", c.o.IsZero(), c.want)
			}
		})
	}
}

func TestSegmentString(t *testing.T) {
	client := netip.MustParseAddrPort("192.0.2.1:49152")
	server := netip.MustParseAddrPort("192.0.2.2:80")
	linuxSYN := tcpstate.Options{HasMSS: true, MSS: 1460, SACKPermitted: true,
		HasTimestamps: true, TSVal: 1, HasWindowScale: true, WindowScale: 7}
	var sack tcpstate.Options
	sack.HasTimestamps, sack.TSVal, sack.TSEcr = true, 5, 6
	sack.SACKBlocks[0], sack.NumSACK = tcpstate.SACKBlock{Left: 3001, Right: 4001}, 1
	cases := []struct {
		name string
		seg  tcpstate.Segment
		want string
	}{
		// The example.
		{"SYN-ACK", tcpstate.Segment{Src: client, Dst: server, Seq: 100, Ack: 4294967001,
			Flags: tcpstate.SYN | tcpstate.ACK, Window: 65535, Options: linuxSYN},
			"49152 > 80: Flags [S.], seq 100, ack 4294967001, win 65535, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0"},
		{"SYN", tcpstate.Segment{Src: client, Dst: server, Seq: 4294967040, Flags: tcpstate.SYN,
			Window: 64240, Options: tcpstate.Options{HasMSS: true, MSS: 1460}},
			"49152 > 80: Flags [S], seq 4294967040, win 64240, options [mss 1460], length 0"},
		{"data", tcpstate.Segment{Src: server, Dst: client, Seq: 1, Ack: 1,
			Flags: tcpstate.PSH | tcpstate.ACK, Window: 502, Payload: []byte("hello")},
			"80 > 49152: Flags [P.], seq 1:6, ack 1, win 502, length 5"},
		{"data across the wrap", tcpstate.Segment{Src: server, Dst: client, Seq: 4294967294, Ack: 77,
			Flags: tcpstate.ACK, Window: 1000, Payload: []byte("abcd")},
			"80 > 49152: Flags [.], seq 4294967294:2, ack 77, win 1000, length 4"},
		{"FIN-ACK", tcpstate.Segment{Src: client, Dst: server, Seq: 301, Ack: 21,
			Flags: tcpstate.FIN | tcpstate.ACK, Window: 65515},
			"49152 > 80: Flags [F.], seq 301, ack 21, win 65515, length 0"},
		{"FIN with data", tcpstate.Segment{Src: client, Dst: server, Seq: 10, Ack: 1,
			Flags: tcpstate.FIN | tcpstate.PSH | tcpstate.ACK, Window: 512, Payload: []byte("bye!\n")},
			"49152 > 80: Flags [FP.], seq 10:15, ack 1, win 512, length 5"},
		{"RST", tcpstate.Segment{Src: server, Dst: client, Seq: 4294967001, Flags: tcpstate.RST},
			"80 > 49152: Flags [R], seq 4294967001, win 0, length 0"},
		{"RST-ACK", tcpstate.Segment{Src: server, Dst: client, Seq: 0, Ack: 101,
			Flags: tcpstate.RST | tcpstate.ACK},
			"80 > 49152: Flags [R.], seq 0, ack 101, win 0, length 0"},
		{"urgent data", tcpstate.Segment{Src: client, Dst: server, Seq: 5, Ack: 9,
			Flags: tcpstate.URG | tcpstate.PSH | tcpstate.ACK, Window: 100, Urgent: 1, Payload: []byte("!")},
			"49152 > 80: Flags [P.U], seq 5:6, ack 9, win 100, urg 1, length 1"},
		// tcpdump prints the sequence number only when the segment has
		// data or SYN, FIN or RST, so a pure ACK reads
		// "Flags [.], ack 6, win ...".
		{"pure ACK", tcpstate.Segment{Src: client, Dst: server, Seq: 101, Ack: 6,
			Flags: tcpstate.ACK, Window: 65535},
			"49152 > 80: Flags [.], ack 6, win 65535, length 0"},
		{"ACK with timestamps and SACK", tcpstate.Segment{Src: client, Dst: server, Seq: 1, Ack: 1001,
			Flags: tcpstate.ACK, Window: 500, Options: sack},
			"49152 > 80: Flags [.], ack 1001, win 500, options [nop,nop,TS val 5 ecr 6,nop,nop,sack 1 {3001:4001}], length 0"},
		{"no flags", tcpstate.Segment{Src: client, Dst: server, Seq: 7},
			"49152 > 80: Flags [none], win 0, length 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.seg.String(); got != c.want {
				t.Errorf("String() =\n\t%s\nwant\n\t%s", got, c.want)
			}
			if got := string(c.seg.AppendText([]byte("x: "))); got != "x: "+c.seg.String() {
				t.Errorf("AppendText does not append String(): %q", got)
			}
		})
	}
}

// RFC 9293 §3.4: "SEG.LEN = the number of octets occupied by the data in
// the segment (counting SYN and FIN)".
func TestSegmentLen(t *testing.T) {
	data := func(n int) []byte { return []byte(strings.Repeat("x", n)) }
	cases := []struct {
		name string
		seg  tcpstate.Segment
		len  seqnum.Size
	}{
		{"ACK", tcpstate.Segment{Flags: tcpstate.ACK}, 0},
		{"RST", tcpstate.Segment{Flags: tcpstate.RST}, 0},
		{"RST with data", tcpstate.Segment{Flags: tcpstate.RST | tcpstate.ACK, Payload: data(4)}, 4},
		{"SYN", tcpstate.Segment{Flags: tcpstate.SYN}, 1},
		{"SYN-ACK", tcpstate.Segment{Flags: tcpstate.SYN | tcpstate.ACK}, 1},
		{"SYN with data", tcpstate.Segment{Flags: tcpstate.SYN, Payload: data(3)}, 4},
		{"FIN", tcpstate.Segment{Flags: tcpstate.FIN | tcpstate.ACK}, 1},
		{"FIN with data", tcpstate.Segment{Flags: tcpstate.FIN | tcpstate.PSH | tcpstate.ACK, Payload: data(5)}, 6},
		{"SYN and FIN", tcpstate.Segment{Flags: tcpstate.SYN | tcpstate.FIN}, 2},
		{"SYN, FIN and data", tcpstate.Segment{Flags: tcpstate.SYN | tcpstate.FIN, Payload: data(10)}, 12},
		{"data", tcpstate.Segment{Flags: tcpstate.PSH | tcpstate.ACK, Payload: data(1460)}, 1460},
	}
	for _, c := range cases {
		seg := c.seg
		seg.Seq = 0xFFFFFFFE
		if got := seg.Len(); got != c.len {
			t.Errorf("%s: Len() = %d, want %d", c.name, got, c.len)
		}
		// SEG.SEQ+SEG.LEN, modulo 2^32.
		if got, want := seg.End(), seqnum.Value(0xFFFFFFFE+uint64(c.len)); got != want {
			t.Errorf("%s: End() = %d, want %d", c.name, got, want)
		}
	}
}

// RFC 9293 §3.3.2 spells the states "LISTEN", "SYN-SENT", ...; §3.5 calls
// ESTABLISHED and the later states synchronized, and LISTEN, SYN-SENT and
// SYN-RECEIVED non-synchronized.
func TestStateString(t *testing.T) {
	cases := []struct {
		s    tcpstate.State
		want string
		sync bool
	}{
		{tcpstate.Closed, "CLOSED", false},
		{tcpstate.Listen, "LISTEN", false},
		{tcpstate.SynSent, "SYN-SENT", false},
		{tcpstate.SynReceived, "SYN-RECEIVED", false},
		{tcpstate.Established, "ESTABLISHED", true},
		{tcpstate.FinWait1, "FIN-WAIT-1", true},
		{tcpstate.FinWait2, "FIN-WAIT-2", true},
		{tcpstate.CloseWait, "CLOSE-WAIT", true},
		{tcpstate.Closing, "CLOSING", true},
		{tcpstate.LastAck, "LAST-ACK", true},
		{tcpstate.TimeWait, "TIME-WAIT", true},
	}
	for _, c := range cases {
		if got := c.s.String(); got != c.want {
			t.Errorf("State(%d).String() = %q, want %q", uint8(c.s), got, c.want)
		}
		if got := c.s.Synchronized(); got != c.sync {
			t.Errorf("%s.Synchronized() = %v, want %v", c.want, got, c.sync)
		}
	}
	if got := tcpstate.State(11).String(); got != "State(11)" {
		t.Errorf("State(11).String() = %q, want %q", got, "State(11)")
	}
}

// Verdict strings are stable counter keys and trace values (DESIGN.md
// §3): each names one rule and no two are alike.
func TestVerdictString(t *testing.T) {
	cases := []struct {
		v    tcpstate.Verdict
		want string
	}{
		{tcpstate.Accepted, "accepted"},
		{tcpstate.DroppedUnacceptable, "dropped-unacceptable-seq"},
		{tcpstate.OutOfOrder, "out-of-order"},
		{tcpstate.DroppedRST, "dropped-rst"},
		{tcpstate.ChallengeACK, "challenge-ack"},
		{tcpstate.Reset, "reset"},
		{tcpstate.DroppedNoACK, "dropped-no-ack"},
		{tcpstate.DroppedUnacceptableACK, "dropped-unacceptable-ack"},
		{tcpstate.AnsweredRST, "answered-rst"},
		{tcpstate.Dropped, "dropped"},
		{tcpstate.ReturnedToListen, "returned-to-listen"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		got := c.v.String()
		if got != c.want {
			t.Errorf("Verdict(%d).String() = %q, want %q", uint8(c.v), got, c.want)
		}
		if seen[got] {
			t.Errorf("two verdicts are named %q", got)
		}
		seen[got] = true
	}
	if got := tcpstate.Verdict(200).String(); got != "verdict-unknown" {
		t.Errorf("Verdict(200).String() = %q, want %q", got, "verdict-unknown")
	}
}

func TestEventString(t *testing.T) {
	cases := []struct {
		e    tcpstate.Event
		want string
	}{
		{tcpstate.EventEstablished, "established"},
		{tcpstate.EventReadable, "readable"},
		{tcpstate.EventWritable, "writable"},
		{tcpstate.EventPeerClosed, "peer-closed"},
		{tcpstate.EventClosed, "closed"},
		{0, "event-unknown"},
		{tcpstate.EventReadable | tcpstate.EventWritable, "event-unknown"}, // PollEvent returns one at a time
	}
	for _, c := range cases {
		if got := c.e.String(); got != c.want {
			t.Errorf("Event(%d).String() = %q, want %q", uint8(c.e), got, c.want)
		}
	}
}
