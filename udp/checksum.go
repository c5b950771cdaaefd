package udp

import "net/netip"

// ProtocolNumber is UDP's number in the IPv4 Protocol field and the IPv6
// Next Header field (RFC 768, "Protocol Number 17").
const ProtocolNumber = 17

// sum adds b to the running sum acc as big-endian 16-bit words, the
// ones' complement addition of RFC 1071 §1 done with a wide accumulator:
// carries out of bit 15 pile up in the upper bits and are folded back in
// by fold ("deferred carries", RFC 1071 §2(C)). An odd last byte is
// padded on the right with a zero byte (RFC 768: "padded with zero octets
// at the end (if necessary) to make a multiple of two octets").
//
// acc has 64 bits: each word adds less than 2^16, so 2^47 words could be
// added before it overflowed, far more than a datagram holds.
func sum(acc uint64, b []byte) uint64 {
	for len(b) >= 2 {
		acc += uint64(b[0])<<8 | uint64(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint64(b[0]) << 8
	}
	return acc
}

// fold reduces acc to 16 bits by adding the carries back in at the low
// end, the end-around carry of ones' complement addition (RFC 1071 §1(2)).
func fold(acc uint64) uint16 {
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return uint16(acc)
}

// pseudoHeaderSum returns the sum of the pseudo-header for a UDP datagram
// of length bytes (header included) from src to dst.
//
// IPv4, RFC 768: source address, destination address, a zero byte, the
// protocol (17) and the UDP length.
//
// IPv6, RFC 8200 §8.1: source address, destination address, the
// upper-layer packet length as 32 bits, three zero bytes and the next
// header value (17).
//
// Both add up to the same words apart from the addresses: the length and
// the protocol land in the low 16 bits of a word either way.
func pseudoHeaderSum(src, dst netip.Addr, length int) uint64 {
	return addrSum(addrSum(0, src), dst) + ProtocolNumber + uint64(length)
}

// addrSum adds address a to acc: 4 bytes for IPv4, 16 for IPv6. It
// never panics: an invalid address adds 16 zero bytes.
func addrSum(acc uint64, a netip.Addr) uint64 {
	if a.Is4() {
		b := a.As4()
		return sum(acc, b[:])
	}
	b := a.As16()
	return sum(acc, b[:])
}

// Checksum returns the UDP checksum of the encoded datagram b (header and
// data, its checksum field taken as zero) sent from src to dst: the
// ones' complement of the ones' complement sum of the pseudo-header, the
// header and the data (RFC 768). A result of zero is returned as 0xFFFF,
// its other representation in ones' complement, because a zero field
// means "no checksum" (RFC 768: "If the computed checksum is zero, it is
// transmitted as all ones"). src and dst should be both IPv4 or both
// IPv6 (IPv4-mapped addresses count as IPv4); with mixed families the
// result means nothing, but nothing panics.
func Checksum(src, dst netip.Addr, b []byte) uint16 {
	acc := pseudoHeaderSum(src.Unmap(), dst.Unmap(), len(b))
	acc = sum(acc, b)
	if len(b) >= 8 {
		acc -= uint64(b[6])<<8 | uint64(b[7]) // the checksum field counts as zero
	}
	c := ^fold(acc)
	if c == 0 {
		c = 0xffff
	}
	return c
}
