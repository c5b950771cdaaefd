package tcpstate_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// IPv6 documentation addresses (RFC 3849) for the IPv6 scenarios.
var (
	optLocal6  = netip.MustParseAddrPort("[2001:db8::1]:49152")
	optRemote6 = netip.MustParseAddrPort("[2001:db8::2]:80")
)

// TestOptionNegotiation covers the options of the SYN exchange: MSS (RFC
// 9293 §3.7.1, RFC 6691), window scale (RFC 7323 §2), SACK-permitted (RFC
// 2018 §2) and timestamps (RFC 7323 §3).
func TestOptionNegotiation(t *testing.T) {
	RunAll(t, []Scenario{
		// RFC 9293 §3.7.1: "The MSS value to be sent in an MSS Option
		// should be equal to the effective MTU minus the fixed IP and TCP
		// headers": 1500 - 20 - 20 = 1460 over IPv4. RFC 7323 §2.2: "a TCP
		// that is prepared to scale windows SHOULD send the option, even
		// if its own scale factor is 1 and the exponent 0" (65535 needs no
		// scaling); §3.2: "If the ACK bit is not set in the outgoing TCP
		// header, the sender of that segment SHOULD set the TSecr field to
		// zero."
		{Name: "our SYN offers mss 1460, sackOK, TS, wscale 0", Steps: []Step{
			Connect(),
			Expect(Us(tcpstate.SYN, L(0), 0).Win(65535).MSS(1460).SACKOK().TSEcho(0).WScale(0)),
		}},
		// Over IPv6 the fixed IP header is 40 bytes: 1500 - 40 - 20 = 1440.
		{Name: "IPv6: our SYN offers mss 1440", Steps: []Step{
			ConnectAddr(optLocal6, optRemote6, nil),
			Expect(Us(tcpstate.SYN, L(0), 0).MSS(1440).SACKOK().TSEcho(0).WScale(0)),
		}},
		{Name: "MTU 1280: mss 1240", Steps: []Step{
			Configure(func(c *tcpstate.Config) { c.MTU = 1280 }),
			Connect(),
			Expect(Us(tcpstate.SYN, L(0), 0).MSS(1240).SACKOK().TSEcho(0).WScale(0)),
		}},
		{Name: "Config.MSS overrides the MTU-derived value", Steps: []Step{
			Configure(func(c *tcpstate.Config) { c.MSS = 1000 }),
			Connect(),
			Expect(Us(tcpstate.SYN, L(0), 0).MSS(1000).SACKOK().TSEcho(0).WScale(0)),
			RcvMSS(1000),
		}},
		// RFC 7323 §2.3: "The Window Scale option MUST be sent with
		// shift.cnt = R, where R is the value that the TCP would like to
		// use for its receive window": 2^20 >> 4 = 65536 does not fit the
		// 16-bit field, 2^20 >> 5 = 32768 does. §2.2: "The window field in
		// a segment where the SYN bit is set ... MUST NOT be scaled", so
		// the SYN offers 65535 (the most the field holds).
		{Name: "1 MiB receive buffer: wscale 5, SYN window 65535 unscaled", Steps: []Step{
			Configure(func(c *tcpstate.Config) { c.RecvBuffer = 1 << 20 }),
			Connect(),
			Expect(Us(tcpstate.SYN, L(0), 0).Win(65535).MSS(1460).SACKOK().TSEcho(0).WScale(5)),
		}},
		{Name: "options disabled in the config are not offered", Steps: []Step{
			Configure(func(c *tcpstate.Config) {
				c.WindowScale, c.SACKPermitted, c.Timestamps = false, false, false
			}),
			Connect(),
			Expect(Us(tcpstate.SYN, L(0), 0).Win(65535).MSS(1460)),
		}},
		// Passive side. RFC 7323 §2.2: "If a Window Scale option was
		// received in the initial <SYN> segment, then this option MAY be
		// sent in the <SYN,ACK> segment"; §3.2: "MAY send a TSopt in
		// <SYN,ACK> only if it received a TSopt in the initial <SYN>
		// segment"; RFC 2018 §2: SACK-permitted "may be sent in a SYN by a
		// TCP that has been extended to receive ... the SACK option", and
		// a peer that did not offer it will not send SACK blocks, so it is
		// echoed only when offered. The MSS option is always sent (RFC
		// 9293 §3.7.1 MAY-3).
		{Name: "SYN-ACK to a SYN with MSS only: MSS only", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).MSS(1460)),
			Negotiated(false, false, false),
		}},
		{Name: "SYN-ACK to a SYN without options: MSS only", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.SYN, R(0), 0), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).MSS(1460)),
			Negotiated(false, false, false),
		}},
		{Name: "SYN-ACK echoes sackOK", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460).SACKOK(), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).MSS(1460).SACKOK()),
			Negotiated(false, true, false),
		}},
		// RFC 7323 §3.2: "When the ACK bit is set in an outgoing segment,
		// the sender MUST echo a recently received TSval sent by the
		// remote TCP in the TSval field of a Timestamps option" (TSecr).
		{Name: "SYN-ACK echoes TS with TSecr = the SYN's TSval", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460).TS(1000, 0), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).MSS(1460).TSEcho(1000)),
			Negotiated(false, false, true),
			TSRecent(1000),
		}},
		// RFC 7323 §2.3: "If a TCP receives a <SYN> segment containing a
		// Window Scale option, it SHOULD send its own Window Scale option
		// in the <SYN,ACK> segment", with its own shift R (0 here).
		{Name: "SYN-ACK echoes wscale with our own shift", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460).WScale(7), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).MSS(1460).WScale(0)),
			Negotiated(true, false, false),
			WindowShifts(7, 0),
		}},
		{Name: "SYN-ACK to a SYN with every option: every option", Steps: []Step{
			Listen(),
			Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460).SACKOK().TS(1000, 0).WScale(7), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).Win(65535).MSS(1460).SACKOK().TSEcho(1000).WScale(0)),
			Negotiated(true, true, true),
		}},
		{Name: "SYN-ACK offers nothing the config disables", Steps: []Step{
			Configure(func(c *tcpstate.Config) {
				c.WindowScale, c.SACKPermitted, c.Timestamps = false, false, false
			}),
			Listen(),
			Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460).SACKOK().TS(1000, 0).WScale(7), tcpstate.Accepted),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).MSS(1460)),
			Negotiated(false, false, false),
			WindowShifts(0, 0),
		}},
		// Active side: what the SYN-ACK carries decides.
		{Name: "SYN-ACK with every option: all negotiated", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460).SACKOK().TS(500, 0).WScale(7), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Win(65535).TSEcho(500)),
			Negotiated(true, true, true),
			WindowShifts(7, 0),
		}},
		{Name: "SYN-ACK with no option: none negotiated", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Win(65535).NoOptions()),
			Negotiated(false, false, false),
			WindowShifts(0, 0),
		}},
	})
}

// TestOptionEffects covers what the negotiated options change afterwards:
// scaled windows (RFC 7323 §2.3), the size of data segments (RFC 9293
// §3.7.1, RFC 6691) and timestamps on every segment (RFC 7323 §3.2, §4.3).
func TestOptionEffects(t *testing.T) {
	big := Configure(func(c *tcpstate.Config) { c.RecvBuffer = 1 << 20 })
	RunAll(t, []Scenario{
		// RFC 7323 §2.3: "The window field (SEG.WND) in the header of every
		// incoming segment, with the exception of <SYN> segments, MUST be
		// left-shifted by Snd.Wind.Shift bits before updating SND.WND" and
		// "The window field (SEG.WND) of every outgoing segment, with the
		// exception of <SYN> segments, MUST be right-shifted by
		// Rcv.Wind.Shift bits: SEG.WND = RCV.WND >> Rcv.Wind.Shift".
		{Name: "windows scaled in both directions, SYN windows never", Steps: []Step{
			big,
			Connect(),
			Expect(Us(tcpstate.SYN, L(0), 0).Win(65535).MSS(1460).SACKOK().TSEcho(0).WScale(5)),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).Win(1000).MSS(1460).WScale(7), tcpstate.Accepted),
			SndWnd(1000), // the SYN-ACK's window is not scaled
			WindowShifts(7, 5),
			// RCV.WND = 2^20, sent as 2^20 >> 5 = 32768.
			Expect(Us(tcpstate.ACK, L(1), R(1)).Win(32768)),
			RcvWnd(1 << 20),
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(1000), tcpstate.Accepted),
			SndWnd(1000 << 7),
		}},
		// Passive side: the SYN's window is taken as is, the completing
		// ACK's is scaled (§3.10.7.4: SND.WND <- SEG.WND, scaled).
		{Name: "passive: SYN window unscaled, ACK window scaled", Steps: []Step{
			big,
			Listen(),
			Inject(Peer(tcpstate.SYN, R(0), 0).Win(1000).MSS(1460).WScale(3), tcpstate.Accepted),
			SndWnd(1000),
			Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).Win(65535).MSS(1460).WScale(5)),
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(1000), tcpstate.Accepted),
			State(tcpstate.Established),
			SndWnd(8000),
			// 5 bytes arrive and stay unread: RCV.WND = 2^20 - 5 =
			// 1048571, sent as 1048571 >> 5 = 32767.
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Win(1000).Data("hello"), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(6)).Win(32767)),
		}},
		// RFC 7323 §2.2: "both sides MUST send Window Scale options in
		// their <SYN> segments to enable window scaling in either
		// direction"; §2.3: "otherwise, it MUST set both Snd.Wind.Shift
		// and Rcv.Wind.Shift to zero". Our 1 MiB buffer can then only be
		// offered as 65535.
		{Name: "peer without wscale: neither direction scaled", Steps: []Step{
			big,
			Connect(),
			Expect(Us(tcpstate.SYN, L(0), 0).WScale(5).MSS(1460).SACKOK().TSEcho(0)),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).Win(1000).MSS(1460), tcpstate.Accepted),
			Negotiated(false, false, false),
			WindowShifts(0, 0),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Win(65535)),
			RcvWnd(65535),
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(1000), tcpstate.Accepted),
			SndWnd(1000),
		}},
		// RFC 7323 §2.3: "If a Window Scale option is received with a
		// shift.cnt value larger than 14, the TCP SHOULD log the error but
		// MUST use 14 instead of the specified value."
		{Name: "peer shift 15 taken as 14", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460).WScale(15), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			WindowShifts(14, 0),
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(3), tcpstate.Accepted),
			SndWnd(3 << 14),
		}},
		// RFC 7323 §2.2: "A Window Scale option in a segment without a SYN
		// bit MUST be ignored."
		{Name: "wscale on a non-SYN segment is ignored", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(1000).WScale(7), tcpstate.Accepted),
			WindowShifts(0, 0),
			SndWnd(1000),
		}},
		// RFC 9293 §3.7.1: "If an MSS Option is not received at connection
		// setup, TCP implementations MUST assume a default send MSS of 536
		// (576 - 40) for IPv4 (MUST-15)."
		{Name: "no MSS option: 536-byte segments (IPv4)", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			SndMSS(536),
			Write(strings.Repeat("a", 1000), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(536)),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(537), R(1)).Len(464)),
			ExpectNothing(),
		}},
		// "... or 1220 (1280 - 60) for IPv6 (MUST-15)."
		{Name: "no MSS option: 1220-byte segments (IPv6)", Steps: []Step{
			ConnectAddr(optLocal6, optRemote6, nil),
			Expect(Us(tcpstate.SYN, L(0), 0).MSS(1440).SACKOK().TSEcho(0).WScale(0)),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			SndMSS(1220),
			Write(strings.Repeat("a", 1300), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1220)),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1221), R(1)).Len(80)),
		}},
		{Name: "peer MSS 1000: 1000-byte segments", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1000), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			SndMSS(1000),
			Write(strings.Repeat("a", 1500), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1000)),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1001), R(1)).Len(500)),
		}},
		// §3.7.1: "The maximum size of a segment that a TCP endpoint
		// really sends, the "effective send MSS", MUST be the smaller
		// (MUST-16) of the send MSS ... and the largest transmission size
		// permitted by the IP layer": 1500 - 20 - 20 = 1460.
		{Name: "peer MSS 9000: segments bounded by our MTU", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(9000), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1))),
			SndMSS(1460),
			Write(strings.Repeat("a", 1461), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1460)),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1461), R(1)).Len(1)),
		}},
		// RFC 6691 §2: "the sender MUST reduce the TCP data length to
		// account for any IP or TCP options that it is including in the
		// packets that it sends": with TSopt (10 bytes, 12 with the two
		// NOPs that align it) on every segment, 1460 - 12 = 1448. The MSS
		// we announce is not reduced ("SHOULD NOT be decreased to account
		// for any possible IP or TCP options").
		{Name: "timestamps: 1448-byte segments, MSS still announced as 1460", Steps: []Step{
			Connect(),
			Expect(Us(tcpstate.SYN, L(0), 0).MSS(1460).SACKOK().TSEcho(0).WScale(0)),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460).TS(500, 0), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1)).TSEcho(500)),
			SndMSS(1448),
			Write(strings.Repeat("a", 1449), nil),
			Expect(Us(tcpstate.ACK, L(1), R(1)).Len(1448).TSEcho(500)),
			Expect(Us(tcpstate.PSH|tcpstate.ACK, L(1449), R(1)).Len(1).TSEcho(500)),
		}},
		// RFC 7323 §4.3 (2): "If: SEG.TSval >= TS.Recent and SEG.SEQ <=
		// Last.ACK.sent then SEG.TSval is copied to TS.Recent"; (3): "When
		// a TSopt is sent, its TSecr field is set to the current TS.Recent
		// value."
		{Name: "TSecr echoes TS.Recent", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460).TS(500, 0), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1)).TSEcho(500)),
			TSRecent(500),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("hello").TS(600, 1), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(6)).TSEcho(600)),
			TSRecent(600),
		}},
		// Case (B) of §4.3: "An <ACK> for an out-of-order segment SHOULD,
		// therefore, contain the timestamp from the most recent segment
		// that advanced RCV.NXT": SEG.SEQ > Last.ACK.sent, TSval ignored.
		{Name: "out-of-order segment: its TSval is not echoed", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460).TS(500, 0), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1)).TSEcho(500)),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(100), L(1)).Data("later").TS(700, 1), tcpstate.OutOfOrder),
			Expect(Us(tcpstate.ACK, L(1), R(1)).TSEcho(500)),
			TSRecent(500),
		}},
		// RFC 7323 §3.2: "If a non-<RST> segment is received without a
		// TSopt, a TCP SHOULD silently drop the segment. A TCP MUST NOT
		// abort a TCP connection because any segment lacks an expected
		// TSopt."
		{Name: "after negotiation, a segment without TSopt is dropped", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460).TS(500, 0), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1)).TSEcho(500)),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("hello"), tcpstate.Dropped),
			Inject(Peer(tcpstate.ACK, R(1), L(1)).Win(100), tcpstate.Dropped),
			Inject(Peer(tcpstate.FIN|tcpstate.ACK, R(1), L(1)), tcpstate.Dropped),
			ExpectNothing(),
			State(tcpstate.Established),
			RcvNxt(R(1)),
			SndWnd(65535),
			Read("", tcpstate.ErrWouldBlock),
		}},
		// ... the rule is for non-<RST> segments: a RST needs no TSopt
		// ("SHOULD be sent in an <RST> segment", not MUST).
		{Name: "after negotiation, a RST without TSopt still resets", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460).TS(500, 0), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1)).TSEcho(500)),
			Inject(Peer(tcpstate.RST, R(1), 0), tcpstate.Reset),
			State(tcpstate.Closed),
			Err(tcpstate.ErrReset),
		}},
		// RFC 7323 §3.2: "If a TSopt is received on a connection where
		// TSopt was not negotiated in the initial three-way handshake, the
		// TSopt MUST be ignored and the packet processed normally."
		{Name: "TSopt on a connection that did not negotiate it is ignored", Steps: []Step{
			Established(),
			Inject(Peer(tcpstate.PSH|tcpstate.ACK, R(1), L(1)).Data("hello").TS(700, 1), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(6)).NoOptions()),
			Negotiated(false, false, false),
			Read("hello", nil),
		}},
		// RFC 7323 §3.2: TSopt "SHOULD be sent in an <RST> segment", and
		// "If the ACK bit is not set in the outgoing TCP header, the
		// sender of that segment SHOULD set the TSecr field to zero." The
		// RST of ABORT is <SEQ=SND.NXT><CTL=RST> (RFC 9293 §3.10.5), with
		// no ACK bit.
		{Name: "our RST carries TSopt with TSecr 0", Steps: []Step{
			SynSent(),
			Inject(Peer(tcpstate.SYN|tcpstate.ACK, R(0), L(1)).MSS(1460).TS(500, 0), tcpstate.Accepted),
			Expect(Us(tcpstate.ACK, L(1), R(1)).TSEcho(500)),
			Abort(),
			Expect(Us(tcpstate.RST, L(1), 0).TSEcho(0)),
		}},
		// RFC 7323 §5.4: the timestamp clock ticks between once per 1 ms
		// and once per 1 s; with Config.TSClock = 1 ms, TSval grows by
		// 1000 in a second of virtual time.
		{Name: "TSval follows the timestamp clock", Steps: func() []Step {
			var first uint32
			return []Step{
				Connect(),
				Do(func(h *Harness) error {
					seg, ok := h.Conn.Poll(h.Now)
					if !ok || !seg.Options.HasTimestamps {
						return fmt.Errorf("want a SYN with TSopt, got %v (%v)", seg, ok)
					}
					first = seg.Options.TSVal
					return nil
				}),
				Advance(time.Second), // the SYN is retransmitted (RFC 6298 (2.1))
				Do(func(h *Harness) error {
					seg, ok := h.Conn.Poll(h.Now)
					if !ok || !seg.Options.HasTimestamps {
						return fmt.Errorf("want a SYN with TSopt, got %v (%v)", seg, ok)
					}
					if d := seg.Options.TSVal - first; d != 1000 {
						return fmt.Errorf("TSval advanced by %d in 1 s, want 1000", d)
					}
					return nil
				}),
			}
		}()},
	})
}

// TestConfigValidation: NewConn rejects a configuration it cannot run
// with a *ConfigError naming the field.
func TestConfigValidation(t *testing.T) {
	cases := []struct {
		name, field string
		change      func(*tcpstate.Config)
	}{
		// RFC 791: every IPv4 host handles 68-byte datagrams, and the
		// IPv4 total length field is 16 bits.
		{"MTU below 68", "MTU", func(c *tcpstate.Config) { c.MTU = 67 }},
		{"MTU zero", "MTU", func(c *tcpstate.Config) { c.MTU = 0 }},
		{"MTU above 65535", "MTU", func(c *tcpstate.Config) { c.MTU = 65536 }},
		{"no send buffer", "SendBuffer", func(c *tcpstate.Config) { c.SendBuffer = 0 }},
		{"no receive buffer", "RecvBuffer", func(c *tcpstate.Config) { c.RecvBuffer = 0 }},
		// RFC 7323 §2.3: windows are at most 65535 << 14.
		{"receive buffer beyond shift 14", "RecvBuffer", func(c *tcpstate.Config) { c.RecvBuffer = 65535<<14 + 1 }},
		// Without window scaling the 16-bit window field is the limit
		// (RFC 9293 §3.1).
		{"receive buffer above 65535 without scaling", "RecvBuffer", func(c *tcpstate.Config) {
			c.WindowScale, c.RecvBuffer = false, 65536
		}},
		{"timestamps with a zero clock", "TSClock", func(c *tcpstate.Config) { c.TSClock = 0 }},
		{"zero MSL", "MSL", func(c *tcpstate.Config) { c.MSL = 0 }},
		{"zero initial RTO", "RTO", func(c *tcpstate.Config) { c.InitialRTO = 0 }},
		{"zero minimum RTO", "RTO", func(c *tcpstate.Config) { c.MinRTO = 0 }},
		{"maximum RTO below the minimum", "RTO", func(c *tcpstate.Config) { c.MaxRTO = c.MinRTO - 1 }},
		{"negative SYN retries", "Retries", func(c *tcpstate.Config) { c.SynRetries = -1 }},
		{"negative data retries", "Retries", func(c *tcpstate.Config) { c.DataRetries = -1 }},
	}
	var scenarios []Scenario
	for _, tc := range cases {
		scenarios = append(scenarios, Scenario{Name: tc.name, Steps: []Step{
			Configure(tc.change),
			Do(func(h *Harness) error {
				_, err := tcpstate.NewConn(h.Config)
				var ce *tcpstate.ConfigError
				if !errors.As(err, &ce) || ce.Field != tc.field {
					return fmt.Errorf("NewConn: error %v, want a *ConfigError for %s", err, tc.field)
				}
				return nil
			}),
		}})
	}
	// The limits themselves are valid.
	scenarios = append(scenarios,
		Scenario{Name: "MTU 68 and 1 GiB window are accepted", Steps: []Step{
			Configure(func(c *tcpstate.Config) { c.MTU, c.RecvBuffer = 68, 65535<<14 }),
			NewConn(),
			Connect(),
			Expect(Us(tcpstate.SYN, L(0), 0).Win(65535).MSS(28).SACKOK().TSEcho(0).WScale(14)),
		}},
		Scenario{Name: "timestamps off: zero TSClock is not needed", Steps: []Step{
			Configure(func(c *tcpstate.Config) { c.Timestamps, c.TSClock = false, 0 }),
			NewConn(),
		}},
	)
	RunAll(t, scenarios)
}

// Offers names a SYN's offers as tcpdump does, without per-segment values;
// OffersAndSACK adds the SACK blocks relative to a base (RFC 2018 §3).
func TestOptionsOffers(t *testing.T) {
	o := tcpstate.Options{HasMSS: true, MSS: 1460, SACKPermitted: true, HasTimestamps: true, TSVal: 7, HasWindowScale: true, WindowScale: 7}
	if got := o.Offers(); got != "mss 1460,sackOK,TS,wscale 7" {
		t.Errorf("Offers() = %q", got)
	}
	ack := tcpstate.Options{HasTimestamps: true, NumSACK: 2}
	ack.SACKBlocks[0] = tcpstate.SACKBlock{Left: 1100, Right: 1200}
	ack.SACKBlocks[1] = tcpstate.SACKBlock{Left: 1300, Right: 1400}
	if got := ack.OffersAndSACK(1000); got != "TS,sack 100:200,sack 300:400" {
		t.Errorf("OffersAndSACK() = %q", got)
	}
	if got := (&tcpstate.Options{}).OffersAndSACK(0); got != "" {
		t.Errorf("no options: %q", got)
	}
}
