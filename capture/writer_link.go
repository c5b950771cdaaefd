package capture

import (
	"fmt"
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// LinkType is the link-layer header each packet of a capture starts with.
type LinkType uint8

// The link types.
const (
	// Ethernet frames each IP packet in an Ethernet II header
	// (LINKTYPE_ETHERNET, 1) with locally administered MAC addresses
	// derived from the IP addresses; see MAC.
	Ethernet LinkType = iota + 1
	// RawIP writes the IP packet alone (LINKTYPE_RAW, 101): the version
	// nibble tells IPv4 from IPv6, as on a TUN device.
	RawIP
)

var linkTypeNames = [...]string{Ethernet: "ethernet", RawIP: "raw"}

// String returns "ethernet" or "raw".
func (l LinkType) String() string {
	if int(l) < len(linkTypeNames) && linkTypeNames[l] != "" {
		return linkTypeNames[l]
	}
	return fmt.Sprintf("linktype-%d", uint8(l))
}

// ParseLinkType returns the LinkType named "ethernet" or "raw".
func ParseLinkType(s string) (LinkType, error) {
	for l, n := range linkTypeNames {
		if n != "" && n == s {
			return LinkType(l), nil
		}
	}
	return 0, fmt.Errorf("capture: unknown link type %q (want ethernet or raw)", s)
}

// layersType returns the link type number written in the file header.
func (l LinkType) layersType() (layers.LinkType, error) {
	switch l {
	case Ethernet:
		return layers.LinkTypeEthernet, nil
	case RawIP:
		return layers.LinkTypeRaw, nil
	}
	return 0, fmt.Errorf("capture: unknown link type %d", uint8(l))
}

// MAC returns the Ethernet address the capture gives to the host with IP
// address ip: a locally administered unicast address (IEEE 802: the
// second-lowest bit of the first octet set, the lowest clear), so it can
// never be mistaken for a real vendor's. An IPv4 address a.b.c.d becomes
// 02:00:a:b:c:d; an IPv6 address (or any other length) becomes 06:
// followed by its last five octets (2001:db8::1 is 06:00:00:00:00:01).
func MAC(ip []byte) net.HardwareAddr {
	var m [6]byte
	return macTo(&m, ip)
}

// macTo writes MAC(ip) in m and returns it as a slice of m.
func macTo(a *[6]byte, ip []byte) net.HardwareAddr {
	*a = [6]byte{}
	m := net.HardwareAddr(a[:])
	if len(ip) == 4 {
		m[0] = 0x02
		copy(m[2:], ip)
		return m
	}
	m[0] = 0x06
	tail := ip[max(0, len(ip)-5):]
	copy(m[6-len(tail):], tail)
	return m
}

// ipAddrs returns the version, source and destination addresses of the IP
// packet pkt (RFC 791 §3.1, RFC 8200 §3).
func ipAddrs(pkt []byte) (src, dst []byte, eth layers.EthernetType, err error) {
	if len(pkt) == 0 {
		return nil, nil, 0, fmt.Errorf("capture: empty packet")
	}
	switch v := pkt[0] >> 4; v {
	case 4:
		if len(pkt) < 20 {
			return nil, nil, 0, fmt.Errorf("capture: IPv4 packet of %d bytes, shorter than its header", len(pkt))
		}
		return pkt[12:16], pkt[16:20], layers.EthernetTypeIPv4, nil
	case 6:
		if len(pkt) < 40 {
			return nil, nil, 0, fmt.Errorf("capture: IPv6 packet of %d bytes, shorter than its header", len(pkt))
		}
		return pkt[8:24], pkt[24:40], layers.EthernetTypeIPv6, nil
	default:
		return nil, nil, 0, fmt.Errorf("capture: packet of IP version %d, want 4 or 6", v)
	}
}

// framer puts IP packets in the link type's header.
type framer struct {
	link     LinkType
	buf      gopacket.SerializeBuffer
	eth      layers.Ethernet
	src, dst [6]byte
	payload  gopacket.Payload
	layers   [2]gopacket.SerializableLayer
}

// frame returns pkt with the link-layer header in front. An Ethernet frame
// is padded with zeros to the 60 bytes of a minimum frame without its FCS
// (IEEE 802.3 §3.2.8), as a sending NIC would; Wireshark shows the zeros as
// padding. The result is valid until the next call.
func (f *framer) frame(pkt []byte) ([]byte, error) {
	src, dst, typ, err := ipAddrs(pkt)
	if err != nil {
		return nil, err
	}
	if f.link == RawIP {
		return pkt, nil
	}
	if f.buf == nil {
		f.buf = gopacket.NewSerializeBuffer()
	}
	f.eth = layers.Ethernet{SrcMAC: macTo(&f.src, src), DstMAC: macTo(&f.dst, dst), EthernetType: typ}
	f.payload = pkt
	f.layers = [2]gopacket.SerializableLayer{&f.eth, &f.payload}
	err = gopacket.SerializeLayers(f.buf, serializeOptions, f.layers[:]...)
	f.payload, f.layers = nil, [2]gopacket.SerializableLayer{}
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	return f.buf.Bytes(), nil
}
