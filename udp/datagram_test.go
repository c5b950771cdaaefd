package udp

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

var (
	v4a = netip.MustParseAddr("192.0.2.1")
	v4b = netip.MustParseAddr("192.0.2.2")
	v6a = netip.MustParseAddr("2001:db8::1")
	v6b = netip.MustParseAddr("2001:db8::2")
)

// hi is the worked example of checksum_test.go on the wire.
var hi = []byte{0x04, 0xd2, 0x00, 0x35, 0x00, 0x0a, 0x0e, 0x66, 'h', 'i'}

func TestEncodeWorkedExample(t *testing.T) {
	b, err := Encode(Datagram{Src: netip.AddrPortFrom(v4a, 1234), Dst: netip.AddrPortFrom(v4b, 53), Payload: []byte("hi")})
	require.NoError(t, err)
	assert.Equal(t, hi, b)
}

func TestDecodeWorkedExample(t *testing.T) {
	d, err := Decode(v4a, v4b, hi)
	require.NoError(t, err)
	assert.Equal(t, netip.AddrPortFrom(v4a, 1234), d.Src)
	assert.Equal(t, netip.AddrPortFrom(v4b, 53), d.Dst)
	assert.Equal(t, "hi", string(d.Payload))
	assert.Equal(t, 10, d.Len())
}

func TestDecodeIgnoresPaddingAfterLength(t *testing.T) {
	// An Ethernet frame pads short packets: the Length field says where
	// the datagram ends.
	d, err := Decode(v4a, v4b, append(bytes.Clone(hi), 0, 0, 0, 0))
	require.NoError(t, err)
	assert.Equal(t, "hi", string(d.Payload))
}

func TestDecodeErrors(t *testing.T) {
	flip := bytes.Clone(hi)
	flip[8] ^= 0x01 // one bit of the data
	long := bytes.Clone(hi)
	long[5] = 11 // Length 11, with 10 bytes
	short := bytes.Clone(hi)
	short[5] = 7 // Length below the header's size
	cases := []struct {
		name     string
		src, dst netip.Addr
		b        []byte
		want     error
	}{
		{"empty", v4a, v4b, nil, ErrTruncated},
		{"seven bytes", v4a, v4b, hi[:7], ErrTruncated},
		{"length beyond the data", v4a, v4b, long, ErrLength},
		{"length below 8", v4a, v4b, short, ErrLength},
		{"one bit flipped", v4a, v4b, flip, ErrChecksum},
		{"wrong pseudo-header address", v4a, netip.MustParseAddr("192.0.2.3"), hi, ErrChecksum},
		{"mixed families", v4a, v6b, hi, ErrAddress},
		{"invalid address", netip.Addr{}, v4b, hi, ErrAddress},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.src, c.dst, c.b)
			require.ErrorIs(t, err, c.want)
			assert.Regexp(t, `^udp: `, err.Error())
		})
	}
}

func TestZeroChecksumIPv4MeansNone(t *testing.T) {
	// RFC 768: a zero field means the sender computed no checksum; the
	// datagram is accepted even though its bytes would not verify.
	b := bytes.Clone(hi)
	b[6], b[7] = 0, 0
	b[8] = 'H'
	d, err := Decode(v4a, v4b, b)
	require.NoError(t, err)
	assert.Equal(t, "Hi", string(d.Payload))
}

func TestZeroChecksumIPv6Invalid(t *testing.T) {
	b, err := Encode(Datagram{Src: netip.AddrPortFrom(v6a, 1234), Dst: netip.AddrPortFrom(v6b, 53), Payload: []byte("hi")})
	require.NoError(t, err)
	assert.Equal(t, []byte{0x36, 0xf5}, b[6:8]) // checksum_test.go
	_, err = Decode(v6a, v6b, b)
	require.NoError(t, err)
	b[6], b[7] = 0, 0
	_, err = Decode(v6a, v6b, b)
	assert.ErrorIs(t, err, ErrZeroChecksum, "RFC 8200 §8.1: discard a zero checksum")
}

func TestComputedZeroSentAsAllOnes(t *testing.T) {
	// checksum_test.go: this payload makes the sum ffff, its complement 0.
	d := Datagram{Src: netip.AddrPortFrom(v4a, 1234), Dst: netip.AddrPortFrom(v4b, 53), Payload: []byte{0x76, 0xcf}}
	b, err := Encode(d)
	require.NoError(t, err)
	assert.Equal(t, []byte{0xff, 0xff}, b[6:8])
	h, err := d.Header()
	require.NoError(t, err)
	assert.Equal(t, Header{SrcPort: 1234, DstPort: 53, Length: 10, Checksum: 0xffff}, h)
	got, err := Decode(v4a, v4b, b)
	require.NoError(t, err, "all ones verifies as the other zero")
	assert.Equal(t, d.Payload, got.Payload)
}

func TestEncodeErrors(t *testing.T) {
	_, err := Encode(Datagram{Src: netip.AddrPortFrom(v4a, 1), Dst: netip.AddrPortFrom(v6b, 2)})
	assert.ErrorIs(t, err, ErrAddress)
	_, err = Encode(Datagram{Src: netip.AddrPortFrom(v4a, 1), Dst: netip.AddrPortFrom(v4b, 2), Payload: make([]byte, MaxPayload+1)})
	assert.ErrorIs(t, err, ErrTooLong)
	b, err := Encode(Datagram{Src: netip.AddrPortFrom(v4a, 1), Dst: netip.AddrPortFrom(v4b, 2), Payload: make([]byte, MaxPayload)})
	require.NoError(t, err)
	assert.Equal(t, []byte{0xff, 0xff}, b[4:6], "Length 65535")
}

func TestEncodeUnmapsIPv4MappedAddresses(t *testing.T) {
	m := netip.AddrPortFrom(netip.MustParseAddr("::ffff:192.0.2.1"), 1234)
	b, err := Encode(Datagram{Src: m, Dst: netip.AddrPortFrom(v4b, 53), Payload: []byte("hi")})
	require.NoError(t, err)
	assert.Equal(t, hi, b, "checksummed with the IPv4 pseudo-header")
}

func genAddrs(t *rapid.T) (netip.Addr, netip.Addr) {
	if rapid.Bool().Draw(t, "v6") {
		a := rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "src")
		b := rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "dst")
		// Leave out IPv4-mapped addresses: they are unmapped to IPv4.
		a[10], b[10] = 0x12, 0x34
		return netip.AddrFrom16([16]byte(a)), netip.AddrFrom16([16]byte(b))
	}
	a := rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, "src")
	b := rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, "dst")
	return netip.AddrFrom4([4]byte(a)), netip.AddrFrom4([4]byte(b))
}

func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		src, dst := genAddrs(t)
		d := Datagram{
			Src:     netip.AddrPortFrom(src, rapid.Uint16().Draw(t, "sport")),
			Dst:     netip.AddrPortFrom(dst, rapid.Uint16().Draw(t, "dport")),
			Payload: rapid.SliceOfN(rapid.Byte(), 0, 2000).Draw(t, "payload"),
		}
		b, err := Encode(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != HeaderLen+len(d.Payload) || b[6]|b[7] == 0 {
			t.Fatalf("encoded %d bytes, checksum %x", len(b), b[6:8])
		}
		got, err := Decode(src, dst, b)
		if err != nil {
			t.Fatal(err)
		}
		h, err := d.Header()
		if err != nil {
			t.Fatal(err)
		}
		if p, _ := ParseHeader(b); h != p {
			t.Fatalf("Header() %+v, encoded %+v", h, p)
		}
		if got.Src != d.Src || got.Dst != d.Dst || !bytes.Equal(got.Payload, d.Payload) {
			t.Fatalf("got %v, want %v", got, d)
		}
	})
}

func TestAnyOneBitFlipFails(t *testing.T) {
	// A ones' complement sum catches every single-bit error (RFC 1071).
	rapid.Check(t, func(t *rapid.T) {
		src, dst := genAddrs(t)
		d := Datagram{
			Src: netip.AddrPortFrom(src, rapid.Uint16().Draw(t, "sport")), Dst: netip.AddrPortFrom(dst, rapid.Uint16().Draw(t, "dport")),
			Payload: rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "payload"),
		}
		b, err := Encode(d)
		if err != nil {
			t.Fatal(err)
		}
		bit := rapid.IntRange(0, 8*len(b)-1).Draw(t, "bit")
		if bit/8 == 4 || bit/8 == 5 {
			t.Skip("the Length field: a different error")
		}
		b[bit/8] ^= 1 << (bit % 8)
		_, err = Decode(src, dst, b)
		// A flip that zeroes an IPv4 checksum field turns checking off.
		if err == nil && !(src.Is4() && b[6]|b[7] == 0) {
			t.Fatalf("flipping bit %d went unnoticed", bit)
		}
		if err != nil && !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrZeroChecksum) {
			t.Fatalf("flipping bit %d: %v", bit, err)
		}
	})
}
