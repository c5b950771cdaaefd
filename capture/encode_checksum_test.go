package capture

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// This file checks checksums without gopacket, from the RFCs: the
// Internet checksum is the 16-bit one's complement of the one's complement
// sum of the data taken as 16-bit words, an odd last byte padded with zero
// (RFC 1071 §1); a receiver sums everything including the checksum field
// and must get all ones (RFC 1071 §1 (3)).

// onesSum returns the one's complement sum of b's 16-bit big-endian
// words, added to sum, with the carries folded back in (RFC 1071 §1).
func onesSum(sum uint32, b []byte) uint16 {
	for len(b) >= 2 {
		sum += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// pseudoSum returns the sum of the pseudo-header for a transport segment
// of length n and protocol proto inside IP packet pkt: source and
// destination addresses, zero, protocol and length for IPv4 (RFC 9293
// §3.1, RFC 768); addresses, 32-bit length, 3 zero bytes and next header
// for IPv6 (RFC 8200 §8.1).
func pseudoSum(pkt []byte, proto byte, n int) uint32 {
	var ph []byte
	if pkt[0]>>4 == 4 {
		ph = append(ph, pkt[12:20]...)
		ph = append(ph, 0, proto, byte(n>>8), byte(n))
	} else {
		ph = append(ph, pkt[8:40]...)
		ph = binary.BigEndian.AppendUint32(ph, uint32(n))
		ph = append(ph, 0, 0, 0, proto)
	}
	return uint32(onesSum(0, ph))
}

// transportOf returns the protocol number and the transport segment of a
// packet whose IPv4 header has no options or whose IPv6 header has no
// extension headers (what Encoder makes).
func transportOf(pkt []byte) (proto byte, seg []byte) {
	if pkt[0]>>4 == 4 {
		ihl := int(pkt[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(pkt[2:4]))
		return pkt[9], pkt[ihl:total]
	}
	plen := int(binary.BigEndian.Uint16(pkt[4:6]))
	return pkt[6], pkt[40 : 40+plen]
}

// verifyChecksums checks the IPv4 header checksum (RFC 791 §3.1) and the
// TCP or UDP checksum of pkt and says what is wrong, or nil.
func verifyChecksums(pkt []byte) error {
	if pkt[0]>>4 == 4 {
		ihl := int(pkt[0]&0x0f) * 4
		if s := onesSum(0, pkt[:ihl]); s != 0xffff {
			return fmt.Errorf("IPv4 header sums to %#04x, want 0xffff", s)
		}
	}
	proto, seg := transportOf(pkt)
	if proto == 17 && binary.BigEndian.Uint16(seg[6:8]) == 0 {
		return fmt.Errorf("UDP checksum 0 (not computed)")
	}
	if s := onesSum(pseudoSum(pkt, proto, len(seg)), seg); s != 0xffff {
		return fmt.Errorf("protocol %d: segment and pseudo-header sum to %#04x, want 0xffff", proto, s)
	}
	return nil
}

// TestOnesSumRFC1071Example checks the helper on the worked example of
// RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
func TestOnesSumRFC1071Example(t *testing.T) {
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	if got := onesSum(0, b); got != 0xddf2 {
		t.Fatalf("onesSum = %#04x, want 0xddf2", got)
	}
	// An odd last byte Z counts as the word [Z,0] (RFC 1071 §1, sum [2]).
	if got := onesSum(0, []byte{0x12}); got != 0x1200 {
		t.Fatalf("onesSum(12) = %#04x, want 0x1200", got)
	}
}
