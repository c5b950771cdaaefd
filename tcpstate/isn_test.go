package tcpstate

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestSipHashVectors checks SipHash-2-4 against the test vectors of the
// SipHash paper (appendix A: key 00..0f, messages 00..n-1).
func TestSipHashVectors(t *testing.T) {
	var key [16]byte
	for i := range key {
		key[i] = byte(i)
	}
	msg := make([]byte, 15)
	for i := range msg {
		msg[i] = byte(i)
	}
	assert.Equal(t, uint64(0x726fdb47dd0e0e31), sipHash24(key, nil))
	assert.Equal(t, uint64(0xa129ca6149be45e5), sipHash24(key, msg))
}

func TestRFC6528ISN(t *testing.T) {
	var k1, k2 [16]byte
	k2[0] = 1
	a := netip.MustParseAddrPort("198.18.0.1:49152")
	b := netip.MustParseAddrPort("198.18.0.2:80")
	c := netip.MustParseAddrPort("198.18.0.2:81")
	now := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	isn := RFC6528ISN(k1)
	// RFC 6528 §3: M ticks every 4 microseconds, so the same 4-tuple 4 µs
	// later gets an ISN one higher; 1 s later, 250000 higher.
	assert.Equal(t, isn(now, a, b)+1, isn(now.Add(4*time.Microsecond), a, b))
	assert.Equal(t, isn(now, a, b)+250000, isn(now.Add(time.Second), a, b))
	// F differs with the 4-tuple and with the key.
	assert.NotEqual(t, isn(now, a, b), isn(now, a, c))
	assert.NotEqual(t, isn(now, a, b), RFC6528ISN(k2)(now, a, b))
}
