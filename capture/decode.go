package capture

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// Kind tells what a decoded packet carries.
type Kind uint8

// The kinds of packet.
const (
	Other Kind = iota // neither TCP nor UDP over IP, or not decodable
	TCP
	UDP
)

// Packet is a decoded record: a TCP segment or a UDP datagram, with the
// addresses of its IP header. Payload slices alias the record's bytes.
type Packet struct {
	Kind     Kind
	Segment  tcpstate.Segment // TCP
	Src, Dst netip.AddrPort   // UDP (and TCP, as in Segment)
	Payload  []byte           // UDP
	// Len is the payload's length on the wire, from the IP and UDP
	// headers' length fields; it is more than the payload held when the
	// capture's snap length cut the packet (Truncated), and never less:
	// a length field below what the capture holds (0 in a jumbogram or a
	// packet captured before segmentation offload) gives way to it.
	Len       int
	Truncated bool
	// Fragment marks an IPv4 or IPv6 fragment (RFC 791 §2.3, RFC 8200
	// §4.5), of kind Other: its transport header is not decoded.
	Fragment bool
}

// ErrLinkType is wrapped by the error for a link type the decoder does
// not know.
var ErrLinkType = errors.New("capture: unsupported link type")

// Decoder decodes records without allocating: its layers are reused from
// packet to packet.
type Decoder struct {
	eth     ethLayer
	dot1q   layers.Dot1Q
	sll     layers.LinuxSLL
	sll2    layers.LinuxSLL2
	loop    layers.Loopback
	ip4     layers.IPv4
	ip6     layers.IPv6
	ext     layers.IPv6ExtensionSkipper // hop-by-hop, routing, destination options
	frag6   layers.IPv6Fragment
	tcp     tcpLayer
	udp     layers.UDP
	payload gopacket.Payload
	parsers [numFirst]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

// The first layers a record can start with, indexes into
// Decoder.parsers.
const (
	fromEthernet = iota
	fromIPv4
	fromIPv6
	fromSLL
	fromSLL2
	fromLoopback
	numFirst
)

// NewDecoder returns a decoder.
func NewDecoder() *Decoder {
	d := &Decoder{decoded: make([]gopacket.LayerType, 0, 8)}
	firsts := [numFirst]gopacket.LayerType{
		fromEthernet: layers.LayerTypeEthernet, fromIPv4: layers.LayerTypeIPv4, fromIPv6: layers.LayerTypeIPv6,
		fromSLL: layers.LayerTypeLinuxSLL, fromSLL2: layers.LayerTypeLinuxSLL2, fromLoopback: layers.LayerTypeLoopback,
	}
	for i, first := range firsts {
		// The fragment header comes after the skipper, whose class
		// includes it, so that fragments are recognised, not skipped.
		// A sparse container: a slice indexed by layer type, where the
		// default map costs a hash per layer.
		var dlc gopacket.DecodingLayerContainer = gopacket.DecodingLayerSparse(nil)
		for _, l := range []gopacket.DecodingLayer{&d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop,
			&d.ip4, &d.ip6, &d.ext, &d.frag6, &d.tcp, &d.udp, &d.payload} {
			dlc = dlc.Put(l)
		}
		p := gopacket.NewDecodingLayerParser(first)
		p.SetDecodingLayerContainer(dlc)
		p.IgnoreUnsupported = true // other protocols are Other, not errors
		d.parsers[i] = p
	}
	return d
}

// Decode decodes rec. A packet neither TCP nor UDP is of kind Other; a
// damaged one is an error naming the packet.
func (d *Decoder) Decode(rec Record) (Packet, error) {
	var pkt Packet
	err := d.decodeInto(&rec, &pkt)
	return pkt, err
}

// decodeInto is Decode writing into pkt, which it clears first: a packet
// is too large to copy twice per record.
func (d *Decoder) decodeInto(rec *Record, pkt *Packet) error {
	pkt.Kind, pkt.Src, pkt.Dst, pkt.Payload, pkt.Len, pkt.Truncated, pkt.Fragment = Other, netip.AddrPort{}, netip.AddrPort{}, nil, 0, false, false
	var p *gopacket.DecodingLayerParser
	switch rec.LinkType {
	case layers.LinkTypeEthernet:
		p = d.parsers[fromEthernet]
	case layers.LinkTypeLinuxSLL: // tcpdump -i any, libpcap before 1.10
		p = d.parsers[fromSLL]
	case layers.LinkTypeLinuxSLL2: // tcpdump -i any since libpcap 1.10
		p = d.parsers[fromSLL2]
	case layers.LinkTypeNull, layers.LinkTypeLoop: // BSD loopback: a 4-byte address family
		p = d.parsers[fromLoopback]
	case layers.LinkTypeRaw, 12: // LINKTYPE_RAW; 12 is DLT_RAW on some systems
		if len(rec.Data) == 0 {
			return fmt.Errorf("capture: packet %d: empty", rec.Number)
		}
		switch rec.Data[0] >> 4 {
		case 4:
			p = d.parsers[fromIPv4]
		case 6:
			p = d.parsers[fromIPv6]
		default:
			return fmt.Errorf("capture: packet %d: raw IP of version %d", rec.Number, rec.Data[0]>>4)
		}
	case layers.LinkTypeIPv4:
		p = d.parsers[fromIPv4]
	case layers.LinkTypeIPv6:
		p = d.parsers[fromIPv6]
	default:
		return fmt.Errorf("%w: packet %d: %d (%v)", ErrLinkType, rec.Number, int(rec.LinkType), rec.LinkType)
	}
	if err := p.DecodeLayers(rec.Data, &d.decoded); err != nil {
		return fmt.Errorf("capture: packet %d: %v", rec.Number, err)
	}
	var src, dst netip.Addr
	// ipPayload is what follows the IP header by its length field, and
	// held what the capture holds of it: the difference is cut off, or
	// (for IPv6) extension headers before the transport header.
	var ipPayload, held int
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			src, dst = addr(d.ip4.SrcIP), addr(d.ip4.DstIP)
			ipPayload, held = int(d.ip4.Length)-int(d.ip4.IHL)*4, len(d.ip4.Payload)
			if d.ip4.Length == 0 {
				// A length of 0: a packet the sender's segmentation
				// offload had yet to cut, captured before it was; its
				// length is what the capture holds. (gopacket already
				// puts the captured length there; this keeps the rule
				// should it stop.)
				ipPayload = held
			}
			pkt.Fragment = d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0
		case layers.LayerTypeIPv6:
			src, dst = addr(d.ip6.SrcIP), addr(d.ip6.DstIP)
			ipPayload, held = int(d.ip6.Length), len(d.ip6.Payload)
			if h := d.ip6.HopByHop; h != nil { // gopacket decodes it inside the IPv6 layer
				held += h.ActualLength
			}
			if d.ip6.Length == 0 {
				// A jumbogram (RFC 2675 §3): the length is in a
				// hop-by-hop option; take what the capture holds.
				// (gopacket refuses a length of 0 without one, as tshark
				// calls it malformed.)
				ipPayload = held
			}
		case layers.LayerTypeIPv6Fragment:
			pkt.Fragment = d.frag6.MoreFragments || d.frag6.FragmentOffset != 0
		case layers.LayerTypeTCP:
			pkt.Kind = TCP
			pkt.Src = netip.AddrPortFrom(src, d.tcp.srcPort)
			pkt.Dst = netip.AddrPortFrom(dst, d.tcp.dstPort)
			pkt.Segment = d.tcp.seg
			pkt.Segment.Src, pkt.Segment.Dst = pkt.Src, pkt.Dst
			ext := held - len(d.tcp.header) - len(d.tcp.payload) // IPv6 extension headers
			// A length field smaller than what is held is a lie: the
			// bytes are there.
			pkt.Len = max(ipPayload-ext-d.tcp.headerLen, len(d.tcp.payload))
			pkt.Truncated = pkt.Len > len(d.tcp.payload) || d.tcp.headerCut
		case layers.LayerTypeUDP:
			pkt.Kind = UDP
			pkt.Src = netip.AddrPortFrom(src, uint16(d.udp.SrcPort))
			pkt.Dst = netip.AddrPortFrom(dst, uint16(d.udp.DstPort))
			pkt.Payload = d.udp.Payload
			pkt.Len = max(int(d.udp.Length)-8, len(d.udp.Payload)) // a length field of 0 to 7 is wrong (RFC 768)
			pkt.Truncated = pkt.Len > len(d.udp.Payload)
		}
	}
	if pkt.Fragment {
		pkt.Kind = Other // a transport header, if any, is only that of the first fragment
	}
	if pkt.Kind != TCP {
		pkt.Segment = tcpstate.Segment{}
	}
	return nil
}

// addr converts a 4- or 16-byte address; an IPv4-mapped IPv6 address
// stays IPv6, as it was on the wire.
func addr(ip []byte) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a
}
