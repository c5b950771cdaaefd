package tcpstate

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// RFC6528ISN returns the ISN generator of RFC 6528 §3:
//
//	ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
//
// where M is a timer that ticks every 4 microseconds (RFC 9293 §3.4.1) and
// F is SipHash-2-4, a keyed pseudorandom function, under secret. The timer
// counts from the Unix epoch of now, so it comes from the driver's clock.
// It is what a connection uses when Config.ISN is nil.
func RFC6528ISN(secret [16]byte) ISNFunc {
	return func(now time.Time, local, remote netip.AddrPort) seqnum.Value {
		return rfc6528(secret, now, local, remote)
	}
}

func rfc6528(secret [16]byte, now time.Time, local, remote netip.AddrPort) seqnum.Value {
	m := uint32(now.UnixNano() / 4000)
	return seqnum.Value(m + uint32(tupleHash(secret, 0, local, remote)))
}

// tsOffset is the per-connection random offset of the timestamp clock
// (RFC 7323 §5.4), a different function of the same key and 4-tuple.
func tsOffset(secret [16]byte, local, remote netip.AddrPort) uint32 {
	return uint32(tupleHash(secret, 1, local, remote))
}

func tupleHash(secret [16]byte, domain byte, local, remote netip.AddrPort) uint64 {
	var msg [tupleLen]byte
	putTuple(msg[:], domain, local, remote)
	return sipHash24(secret, msg[:])
}

// tupleLen is the length of the message putTuple writes.
const tupleLen = 37

// putTuple writes domain (which keeps the hashes of one key apart) and the
// 4-tuple to msg[:tupleLen].
func putTuple(msg []byte, domain byte, local, remote netip.AddrPort) {
	msg[0] = domain
	a, b := local.Addr().As16(), remote.Addr().As16()
	copy(msg[1:17], a[:])
	binary.BigEndian.PutUint16(msg[17:19], local.Port())
	copy(msg[19:35], b[:])
	binary.BigEndian.PutUint16(msg[35:37], remote.Port())
}

// sipHash24 is SipHash-2-4 (Aumasson and Bernstein, 2012).
func sipHash24(key [16]byte, msg []byte) uint64 {
	k0 := binary.LittleEndian.Uint64(key[0:8])
	k1 := binary.LittleEndian.Uint64(key[8:16])
	v0 := k0 ^ 0x736f6d6570736575
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573
	round := func() {
		v0 += v1
		v1 = bits.RotateLeft64(v1, 13)
		v1 ^= v0
		v0 = bits.RotateLeft64(v0, 32)
		v2 += v3
		v3 = bits.RotateLeft64(v3, 16)
		v3 ^= v2
		v0 += v3
		v3 = bits.RotateLeft64(v3, 21)
		v3 ^= v0
		v2 += v1
		v1 = bits.RotateLeft64(v1, 17)
		v1 ^= v2
		v2 = bits.RotateLeft64(v2, 32)
	}
	n := len(msg)
	for len(msg) >= 8 {
		m := binary.LittleEndian.Uint64(msg)
		v3 ^= m
		round()
		round()
		v0 ^= m
		msg = msg[8:]
	}
	var last [8]byte
	copy(last[:], msg)
	last[7] = byte(n)
	m := binary.LittleEndian.Uint64(last[:])
	v3 ^= m
	round()
	round()
	v0 ^= m
	v2 ^= 0xff
	round()
	round()
	round()
	round()
	return v0 ^ v1 ^ v2 ^ v3
}
