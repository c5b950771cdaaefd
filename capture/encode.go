package capture

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// TTL is the IPv4 Time to Live and the IPv6 Hop Limit of every packet the
// Encoder builds: 64, the value RFC 1700 recommends and Linux uses. A
// simulated network has no routers, so nothing decrements it.
const TTL = 64

// maxIPLength is the largest IPv4 Total Length and IPv6 Payload Length
// the 16-bit header fields can hold (RFC 791 §3.1, RFC 8200 §3); jumbograms
// (RFC 2675) are not produced.
const maxIPLength = 65535

// serializeOptions makes gopacket fill in every length and checksum: the
// IPv4 header checksum (RFC 791 §3.1) and the TCP and UDP checksums over
// the pseudo-header (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1).
var serializeOptions = gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}

// Encoder turns segments and datagrams into IP packets. Its IPv4
// Identification field counts up from 1, one per IPv4 packet encoded, so
// the same sequence of calls gives the same bytes; every IPv4 packet has
// Don't Fragment set, as a stack doing path MTU discovery sends them
// (RFC 1191 §3), which also makes any Identification value valid
// (RFC 6864 §4.1). IPv6 packets have Traffic Class and Flow Label 0.
//
// The zero Encoder is ready to use. An Encoder is not safe for concurrent
// use.
type Encoder struct {
	id  uint16 // the last IPv4 Identification used
	buf gopacket.SerializeBuffer

	// Scratch space reused by every call, so that encoding does not
	// allocate.
	tcp      layers.TCP
	udp      layers.UDP
	ip4      layers.IPv4
	ip6      layers.IPv6
	src, dst [16]byte
	opts     [16]layers.TCPOption
	optData  [maxOptionBytes]byte
	layers   [3]gopacket.SerializableLayer
	payload  gopacket.Payload
}

// Segment returns seg as an IPv4 or IPv6 packet carrying a TCP header with
// seg's ports, sequence and acknowledgment numbers, control bits, window,
// urgent pointer and options, then its payload. The family follows the
// addresses (an IPv4-mapped IPv6 address counts as IPv4); both must be of
// the same family. The result is valid until the next call on e.
func (e *Encoder) Segment(seg *tcpstate.Segment) ([]byte, error) {
	opts, err := tcpOptions(&seg.Options, e.opts[:], e.optData[:])
	if err != nil {
		return nil, err
	}
	f := seg.Flags
	tcp := &e.tcp
	*tcp = layers.TCP{
		SrcPort: layers.TCPPort(seg.Src.Port()), DstPort: layers.TCPPort(seg.Dst.Port()),
		Seq: uint32(seg.Seq), Ack: uint32(seg.Ack),
		FIN: f&tcpstate.FIN != 0, SYN: f&tcpstate.SYN != 0, RST: f&tcpstate.RST != 0,
		PSH: f&tcpstate.PSH != 0, ACK: f&tcpstate.ACK != 0, URG: f&tcpstate.URG != 0,
		ECE: f&tcpstate.ECE != 0, CWR: f&tcpstate.CWR != 0,
		Window: seg.Window, Urgent: seg.Urgent, Options: opts,
	}
	hdr := 20 + seg.Options.Len()
	return e.packet(seg.Src, seg.Dst, layers.IPProtocolTCP, tcp, hdr, seg.Payload)
}

// Datagram returns a UDP datagram from src to dst carrying payload, as an
// IPv4 or IPv6 packet; the addresses follow the same rules as in Segment.
// The UDP checksum is always computed, and sent as all ones when it comes
// out zero (RFC 768; RFC 8200 §8.1 makes it mandatory over IPv6). The
// result is valid until the next call on e.
func (e *Encoder) Datagram(src, dst netip.AddrPort, payload []byte) ([]byte, error) {
	udp := &e.udp
	*udp = layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	return e.packet(src, dst, layers.IPProtocolUDP, udp, 8, payload)
}

// transport is a TCP or UDP header that computes its checksum over the
// network layer's pseudo-header.
type transport interface {
	gopacket.SerializableLayer
	SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
}

// packet serializes the IP header for src and dst, the transport header
// (hdrLen bytes) and the payload.
func (e *Encoder) packet(src, dst netip.AddrPort, proto layers.IPProtocol, t transport, hdrLen int, payload []byte) ([]byte, error) {
	s, d := src.Addr().Unmap(), dst.Addr().Unmap()
	if !s.IsValid() || !d.IsValid() {
		return nil, fmt.Errorf("capture: invalid address in %v > %v", src, dst)
	}
	if s.Is4() != d.Is4() {
		return nil, fmt.Errorf("capture: %v > %v mixes IPv4 and IPv6", src, dst)
	}
	var ip interface {
		gopacket.NetworkLayer
		gopacket.SerializableLayer
	}
	if s.Is4() {
		if n := 20 + hdrLen + len(payload); n > maxIPLength {
			return nil, fmt.Errorf("capture: IPv4 packet of %d bytes, more than %d", n, maxIPLength)
		}
		e.id++
		e.src, e.dst = s.As16(), d.As16()
		e.ip4 = layers.IPv4{
			Version: 4, TTL: TTL, Protocol: proto, Id: e.id,
			Flags: layers.IPv4DontFragment, SrcIP: net.IP(e.src[12:]), DstIP: net.IP(e.dst[12:]),
		}
		ip = &e.ip4
	} else {
		if n := hdrLen + len(payload); n > maxIPLength {
			return nil, fmt.Errorf("capture: IPv6 payload of %d bytes, more than %d", n, maxIPLength)
		}
		e.src, e.dst = s.As16(), d.As16()
		e.ip6 = layers.IPv6{
			Version: 6, HopLimit: TTL, NextHeader: proto,
			SrcIP: net.IP(e.src[:]), DstIP: net.IP(e.dst[:]),
		}
		ip = &e.ip6
	}
	if err := t.SetNetworkLayerForChecksum(ip); err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	if e.buf == nil {
		e.buf = gopacket.NewSerializeBuffer()
	}
	e.payload = payload
	e.layers = [3]gopacket.SerializableLayer{ip, t, &e.payload}
	err := gopacket.SerializeLayers(e.buf, serializeOptions, e.layers[:]...)
	e.payload, e.layers = nil, [3]gopacket.SerializableLayer{} // keep no reference to the caller's data
	if err != nil {
		return nil, fmt.Errorf("capture: encoding %v > %v: %w", src, dst, err)
	}
	return e.buf.Bytes(), nil
}
