package capture

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// rawTCP4 builds an IPv4 packet (raw IP) carrying a TCP header with the
// given option bytes and payload; ipLen overrides the IP total length
// when not negative.
func rawTCP4(opts, payload []byte, ipLen int) []byte {
	hdr := 20 + len(opts)
	pkt := make([]byte, 20+hdr+len(payload))
	pkt[0], pkt[8], pkt[9] = 0x45, 64, 6
	total := len(pkt)
	if ipLen >= 0 {
		total = ipLen
	}
	binary.BigEndian.PutUint16(pkt[2:], uint16(total))
	copy(pkt[12:], []byte{198, 18, 0, 1, 198, 18, 0, 2})
	t := pkt[20:]
	binary.BigEndian.PutUint16(t[0:], 40000)
	binary.BigEndian.PutUint16(t[2:], 47000)
	binary.BigEndian.PutUint32(t[4:], 1000)
	binary.BigEndian.PutUint32(t[8:], 2000)
	t[12] = byte(hdr/4) << 4
	t[13] = byte(tcpstate.ACK | tcpstate.PSH)
	binary.BigEndian.PutUint16(t[14:], 512)
	copy(t[20:], opts)
	copy(t[hdr:], payload)
	return pkt
}

// An option tcpstate knows but with the wrong length for its kind is left
// out and the segment kept, as tshark keeps it; the options after it are
// still read. An option whose length runs past the header ends the
// reading (RFC 9293 §3.2).
func TestDecodeTCPBadOptions(t *testing.T) {
	opts := []byte{
		kindMSS, 3, 5, // an MSS of 3 bytes: left out
		kindNOP,
		kindTimestamps, 10, 0, 0, 0, 7, 0, 0, 0, 9,
		kindWindowScale, 40, // runs past the header: the end
	}
	for len(opts)%4 != 0 {
		opts = append(opts, 0)
	}
	p := decodeFrame(t, 101, rawTCP4(opts, []byte("hi"), -1))
	require.Equal(t, TCP, p.Kind)
	o := p.Segment.Options
	assert.False(t, o.HasMSS)
	assert.True(t, o.HasTimestamps)
	assert.Equal(t, uint32(7), o.TSVal)
	assert.Equal(t, uint32(9), o.TSEcr)
	assert.False(t, o.HasWindowScale)
	assert.Equal(t, "hi", string(p.Segment.Payload))
	assert.Equal(t, 2, p.Len)
}

// A length field of 0 (an IPv4 packet captured before segmentation
// offload cut it; a UDP length below 8) gives way to the bytes held: Len
// is never below the payload.
func TestDecodeLengthFieldTooSmall(t *testing.T) {
	p := decodeFrame(t, 101, rawTCP4(nil, make([]byte, 100), 0))
	require.Equal(t, TCP, p.Kind)
	assert.Equal(t, 100, p.Len)
	assert.Len(t, p.Segment.Payload, 100)
	// A length field that ends before the captured bytes: what follows is
	// link padding (RFC 791 §3.1), as tshark reads it.
	p = decodeFrame(t, 101, rawTCP4(nil, make([]byte, 100), 60))
	require.Equal(t, TCP, p.Kind)
	assert.Equal(t, 20, p.Len)
	assert.Len(t, p.Segment.Payload, 20)
	// UDP with a length of 0 (RFC 768 allows no less than 8).
	udp := make([]byte, 28+5)
	udp[0], udp[8], udp[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(udp[2:], uint16(len(udp)))
	copy(udp[12:], []byte{198, 18, 0, 1, 198, 18, 0, 2})
	binary.BigEndian.PutUint16(udp[20:], 47001)
	binary.BigEndian.PutUint16(udp[22:], 47002)
	p = decodeFrame(t, 101, udp)
	require.Equal(t, UDP, p.Kind)
	assert.Equal(t, 5, p.Len)
	assert.Equal(t, netip.MustParseAddrPort("198.18.0.2:47002"), p.Dst)
}

// A header the snap length cut, its options half there: the fixed part
// is read, the packet is marked truncated, and its length on the wire
// comes from the data offset.
func TestDecodeTCPHeaderCut(t *testing.T) {
	opts := []byte{kindNOP, kindNOP, kindTimestamps, 10, 0, 0, 0, 7, 0, 0, 0, 9}
	full := rawTCP4(opts, make([]byte, 1000), -1)
	frame := full[:20+24] // the fixed header and 4 bytes of options
	file := append(pcapHeader(44, 101), pcapRecord(uint32(len(frame)), uint32(len(full)), frame)...)
	a, err := Analyze(bytesReader(file))
	require.NoError(t, err)
	require.Len(t, a.TCP, 1)
	assert.Equal(t, 0, a.Problems)
	assert.Equal(t, int64(1000), a.TCP[0].Bytes[0]+a.TCP[0].Bytes[1])
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
