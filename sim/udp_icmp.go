package sim

import (
	"fmt"
	"net/netip"

	"github.com/tcpsim/tcpsim/udp"
)

// ICMP types and codes the world sends: destination unreachable, port
// unreachable, in ICMP for IPv4 (RFC 792: type 3, code 3) and ICMPv6
// (RFC 4443 §3.1: type 1, code 4).
const (
	ICMPv4DestUnreachable = 3
	ICMPv4PortUnreachable = 3
	ICMPv6DestUnreachable = 1
	ICMPv6PortUnreachable = 4
)

// Sizes of what an ICMP error carries.
const (
	icmpHeaderLen = 8    // type, code, checksum, 32 unused bits (RFC 792, RFC 4443 §3.1)
	ipv4HeaderLen = 20   // RFC 791, without options
	ipv6HeaderLen = 40   // RFC 8200 §3
	icmpv6MinMTU  = 1280 // RFC 8200 §5
	// RFC 792 quotes "Internet Header + 64 bits of Original Data
	// Datagram": for UDP, the 8-byte header and none of the data.
	icmpv4QuoteMax = 0
	// RFC 4443 §2.4(c): as much of the invoking packet as fits in the
	// minimum MTU: 1280 - 40 - 8 - 40 - 8 = 1184 bytes of UDP data.
	icmpv6QuoteMax = icmpv6MinMTU - ipv6HeaderLen - icmpHeaderLen - ipv6HeaderLen - udp.HeaderLen
)

// ICMPMessage is an ICMP error about a UDP datagram: the only kind the
// world sends. It quotes the datagram that caused it.
type ICMPMessage struct {
	Type, Code uint8
	// Src and Dst are the addresses of the IP packet carrying the
	// message: from the host that reports, to the datagram's sender.
	Src, Dst netip.Addr
	// Original is the datagram the message is about, as quoted: its
	// addresses and ports, and as much of its payload as the message
	// carries (none over IPv4, RFC 792: "Internet Header + 64 bits of
	// Original Data Datagram", 64 bits being the UDP header; up to the
	// IPv6 minimum MTU over IPv6, RFC 4443 §3.1).
	Original udp.Datagram
	// Quoted is the datagram's UDP header as quoted, its Length and
	// Checksum those of the whole datagram (so that a capture can rebuild
	// the quote byte for byte).
	Quoted udp.Header
}

// IsPortUnreachable reports whether m is a port unreachable, of either
// family.
func (m *ICMPMessage) IsPortUnreachable() bool {
	if m.Src.Is4() {
		return m.Type == ICMPv4DestUnreachable && m.Code == ICMPv4PortUnreachable
	}
	return m.Type == ICMPv6DestUnreachable && m.Code == ICMPv6PortUnreachable
}

func (m ICMPMessage) String() string {
	what := fmt.Sprintf("type %d code %d", m.Type, m.Code)
	if m.IsPortUnreachable() {
		what = "port unreachable"
	}
	return fmt.Sprintf("%v > %v %s for %v > %v", m.Src, m.Dst, what, m.Original.Src, m.Original.Dst)
}

// Len returns the size of the ICMP message: its header, the quoted IP
// header and the quoted UDP header and data.
func (m *ICMPMessage) Len() int {
	return icmpHeaderLen + ipHeaderLen(m.Src) + udp.HeaderLen + len(m.Original.Payload)
}

// portUnreachable returns the message host addr sends about datagram d,
// which arrived for a port nobody listens on. quote is where the quoted
// payload is copied.
func portUnreachable(addr netip.Addr, d *udp.Datagram, quote []byte) ICMPMessage {
	m := ICMPMessage{
		Type: ICMPv4DestUnreachable, Code: ICMPv4PortUnreachable,
		Src: addr, Dst: d.Src.Addr(),
		Original: udp.Datagram{Src: d.Src, Dst: d.Dst},
	}
	m.Quoted, _ = d.Header() // d arrived, so it encodes
	n := icmpv4QuoteMax
	if !addr.Is4() {
		m.Type, m.Code = ICMPv6DestUnreachable, ICMPv6PortUnreachable
		n = icmpv6QuoteMax
	}
	n = min(n, len(d.Payload))
	if n > 0 {
		m.Original.Payload = append(quote[:0], d.Payload[:n]...)
	}
	return m
}
