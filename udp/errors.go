package udp

import "errors"

// Errors of decoding. Decode wraps them with the detail of what was wrong,
// so test them with errors.Is.
var (
	// ErrTruncated: fewer than 8 bytes, the size of the UDP header.
	ErrTruncated = errors.New("udp: truncated header")
	// ErrLength: the header's Length field is below 8 or larger than the
	// bytes at hand (RFC 768: Length counts the header and the data).
	ErrLength = errors.New("udp: bad length field")
	// ErrChecksum: the checksum does not verify.
	ErrChecksum = errors.New("udp: bad checksum")
	// ErrZeroChecksum: an IPv6 datagram with a zero checksum field, which
	// RFC 8200 §8.1 says a receiver must discard.
	ErrZeroChecksum = errors.New("udp: zero checksum over IPv6")
)

// Errors of encoding and of endpoints.
var (
	// ErrAddress: addresses that are not both IPv4 or both IPv6, or an
	// invalid one.
	ErrAddress = errors.New("udp: invalid address")
	// ErrTooLong: a payload that does not fit the 16-bit Length field.
	ErrTooLong = errors.New("udp: datagram too long")
	// ErrWouldBlock: ReadFrom on an empty receive queue.
	ErrWouldBlock = errors.New("udp: operation would block")
	// ErrNotConnected: Send on an endpoint with no connected remote.
	ErrNotConnected = errors.New("udp: endpoint is not connected")
	// ErrRefused: an ICMP port unreachable came back for a datagram the
	// connected endpoint sent (reported once, on the next call).
	ErrRefused = errors.New("udp: connection refused")
	// ErrClosed: a call on a closed endpoint.
	ErrClosed = errors.New("udp: use of closed endpoint")
	// ErrInvalid: a configuration the endpoint cannot use.
	ErrInvalid = errors.New("udp: invalid argument")
)
