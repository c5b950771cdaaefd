package udp

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The worked example, IPv4, from 192.0.2.1:1234 to 192.0.2.2:53, payload
// "hi" (0x68 0x69), so Length = 8 + 2 = 10. The 16-bit words summed:
//
//	pseudo-header  c000 0201   source 192.0.2.1
//	               c000 0202   destination 192.0.2.2
//	               0011        zero byte, protocol 17
//	               000a        UDP length 10
//	header         04d2 0035   ports 1234, 53
//	               000a 0000   length 10, checksum field as zero
//	data           6869        "hi"
//
//	c000+0201+c000+0202+0011+000a+04d2+0035+000a+6869 = 1f198
//	end-around carry: f198 + 1 = f199
//	ones' complement: ~f199 = 0e66
//
// The IPv6 one, from [2001:db8::1]:1234 to [2001:db8::2]:53, same payload:
// the addresses add 2001+0db8+0001 and 2001+0db8+0002 (their other words
// are zero), the pseudo-header's length 0000 000a and next header
// 0000 0011, then the same header and data:
//
//	2001+0db8+0001+2001+0db8+0002+000a+0011+04d2+0035+000a+6869 = c90a
//	ones' complement: ~c90a = 36f5
//
// Odd length, IPv4, payload "abc": the last byte is padded to 6300 and
// the lengths become 000b:
//
//	c000+0201+c000+0202+0011+000b+04d2+0035+000b+6162+6300 = 14d94
//	4d94 + 1 = 4d95, ~4d95 = b26a
var checksumVectors = []struct {
	name     string
	src, dst string
	payload  string
	want     uint16
}{
	{"ipv4", "192.0.2.1:1234", "192.0.2.2:53", "hi", 0x0e66},
	{"ipv6", "[2001:db8::1]:1234", "[2001:db8::2]:53", "hi", 0x36f5},
	{"ipv4 odd length", "192.0.2.1:1234", "192.0.2.2:53", "abc", 0xb26a},
	// Without payload the IPv4 sum folds to 8930; the payload word 76cf
	// brings it to ffff, whose complement is 0: sent as ffff (RFC 768).
	{"ipv4 computed zero sent as all ones", "192.0.2.1:1234", "192.0.2.2:53", "\x76\xcf", 0xffff},
}

func TestChecksumVectors(t *testing.T) {
	for _, v := range checksumVectors {
		t.Run(v.name, func(t *testing.T) {
			d := Datagram{Src: netip.MustParseAddrPort(v.src), Dst: netip.MustParseAddrPort(v.dst), Payload: []byte(v.payload)}
			b, err := Encode(d)
			assert.NoError(t, err)
			h, err := ParseHeader(b)
			assert.NoError(t, err)
			assert.Equal(t, v.want, h.Checksum)
			assert.True(t, Verify(d.Src.Addr(), d.Dst.Addr(), b), "the encoded datagram verifies")
		})
	}
}

func TestFoldEndAroundCarry(t *testing.T) {
	assert.Equal(t, uint16(0x0001), fold(0x10000)) // 0000 + 1
	assert.Equal(t, uint16(0xffff), fold(0x1fffe)) // fffe + 1
	assert.Equal(t, uint16(0x0002), fold(0x2ffff)) // ffff + 2 = 1 0001, then 0001 + 1
	assert.Equal(t, uint16(0x1234), fold(0x1234))  // nothing to carry
	assert.Equal(t, uint64(0x6162+0x6300), sum(0, []byte("abc")))
}

func TestChecksumNeverPanics(t *testing.T) {
	// Mixed or invalid addresses give a meaningless sum, not a panic.
	assert.NotPanics(t, func() {
		Checksum(netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1"), []byte{1, 2, 3})
		Checksum(netip.Addr{}, netip.Addr{}, nil)
		Verify(netip.MustParseAddr("192.0.2.1"), netip.Addr{}, []byte{1})
	})
}
