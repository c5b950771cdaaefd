package udp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// HeaderLen is the size of the UDP header: source port, destination port,
// length and checksum, 16 bits each (RFC 768).
const HeaderLen = 8

// MaxPayload is the most data a datagram can carry: its Length field
// (header included) is 16 bits. IPv6 jumbograms (RFC 2675) are not
// supported.
const MaxPayload = 0xffff - HeaderLen

// Datagram is a UDP datagram with the addresses of the IP packet that
// carries it: the addresses enter the checksum through the pseudo-header.
type Datagram struct {
	Src, Dst netip.AddrPort
	Payload  []byte
}

// Len returns the datagram's size on the wire, header included: the value
// of its Length field.
func (d *Datagram) Len() int { return HeaderLen + len(d.Payload) }

func (d Datagram) String() string {
	return fmt.Sprintf("%v > %v len %d", d.Src, d.Dst, len(d.Payload))
}

// Header is the UDP header as it is on the wire (RFC 768).
type Header struct {
	SrcPort, DstPort uint16
	Length           uint16 // header and data, in bytes
	Checksum         uint16 // 0: none was computed (IPv4 only)
}

// ParseHeader reads the header at the start of b, checking only that it
// is there.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, fmt.Errorf("%w: %d bytes, need %d", ErrTruncated, len(b), HeaderLen)
	}
	return Header{
		SrcPort:  binary.BigEndian.Uint16(b[0:]),
		DstPort:  binary.BigEndian.Uint16(b[2:]),
		Length:   binary.BigEndian.Uint16(b[4:]),
		Checksum: binary.BigEndian.Uint16(b[6:]),
	}, nil
}

// family checks that src and dst can be the addresses of one IP packet
// and returns them with IPv4-mapped IPv6 addresses unmapped.
func family(src, dst netip.Addr) (netip.Addr, netip.Addr, error) {
	src, dst = src.Unmap(), dst.Unmap()
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return src, dst, fmt.Errorf("%w: %v to %v", ErrAddress, src, dst)
	}
	return src, dst, nil
}

// Encode returns d as bytes on the wire: the header, with the checksum
// computed over the pseudo-header, then the payload. The checksum is
// always computed, over IPv4 too: RFC 1122 §4.1.3.4, a host "MUST
// default to checksumming on".
func Encode(d Datagram) ([]byte, error) { return Append(nil, d) }

// Append appends the encoding of d to b and returns the extended slice.
func Append(b []byte, d Datagram) ([]byte, error) {
	src, dst, err := family(d.Src.Addr(), d.Dst.Addr())
	if err != nil {
		return b, err
	}
	if len(d.Payload) > MaxPayload {
		return b, fmt.Errorf("%w: %d bytes of payload, at most %d", ErrTooLong, len(d.Payload), MaxPayload)
	}
	n := len(b)
	b = binary.BigEndian.AppendUint16(b, d.Src.Port())
	b = binary.BigEndian.AppendUint16(b, d.Dst.Port())
	b = binary.BigEndian.AppendUint16(b, uint16(d.Len()))
	b = append(b, 0, 0)
	b = append(b, d.Payload...)
	binary.BigEndian.PutUint16(b[n+6:], Checksum(src, dst, b[n:]))
	return b, nil
}

// Decode parses the datagram in b, carried in an IP packet from src to
// dst, and verifies its checksum. The payload aliases b. Bytes after the
// Length field's end (link-layer padding) are ignored.
//
// The checksum rules: over IPv4 a zero checksum field means the sender
// computed none (RFC 768), and the datagram is accepted unchecked; over
// IPv6 the checksum is mandatory and a zero field makes the datagram
// invalid (RFC 8200 §8.1: "IPv6 receivers must discard UDP packets
// containing a zero checksum").
func Decode(src, dst netip.Addr, b []byte) (Datagram, error) {
	src, dst, err := family(src, dst)
	if err != nil {
		return Datagram{}, err
	}
	h, err := ParseHeader(b)
	if err != nil {
		return Datagram{}, err
	}
	if h.Length < HeaderLen || int(h.Length) > len(b) {
		return Datagram{}, fmt.Errorf("%w: %d, with %d bytes at hand", ErrLength, h.Length, len(b))
	}
	b = b[:h.Length]
	switch {
	case h.Checksum == 0 && src.Is4():
		// RFC 768: "An all zero transmitted checksum value means that
		// the transmitter generated no checksum".
	case h.Checksum == 0:
		return Datagram{}, ErrZeroChecksum
	case !Verify(src, dst, b):
		return Datagram{}, fmt.Errorf("%w: field %#04x, computed %#04x", ErrChecksum, h.Checksum, Checksum(src, dst, b))
	}
	return Datagram{
		Src:     netip.AddrPortFrom(src, h.SrcPort),
		Dst:     netip.AddrPortFrom(dst, h.DstPort),
		Payload: b[HeaderLen:],
	}, nil
}

// Verify reports whether the checksum field of the encoded datagram b
// (exactly Length bytes) verifies: RFC 1071 §1(4), the ones' complement
// sum over the same octets with the checksum field included is all ones.
func Verify(src, dst netip.Addr, b []byte) bool {
	return fold(sum(pseudoHeaderSum(src.Unmap(), dst.Unmap(), len(b)), b)) == 0xffff
}

// Header returns the header Encode would write for d, checksum included,
// without encoding it: for a driver that reports on a datagram (an ICMP
// error quoting it) but never builds its bytes.
func (d Datagram) Header() (Header, error) {
	src, dst, err := family(d.Src.Addr(), d.Dst.Addr())
	if err != nil {
		return Header{}, err
	}
	if len(d.Payload) > MaxPayload {
		return Header{}, fmt.Errorf("%w: %d bytes of payload, at most %d", ErrTooLong, len(d.Payload), MaxPayload)
	}
	h := Header{SrcPort: d.Src.Port(), DstPort: d.Dst.Port(), Length: uint16(d.Len())}
	// The same sum as Checksum, the header's words added one by one.
	acc := pseudoHeaderSum(src, dst, d.Len()) + uint64(h.SrcPort) + uint64(h.DstPort) + uint64(h.Length)
	h.Checksum = ^fold(sum(acc, d.Payload))
	if h.Checksum == 0 {
		h.Checksum = 0xffff // RFC 768: a computed zero is sent as all ones
	}
	return h, nil
}
