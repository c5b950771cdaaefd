// Package udp is the User Datagram Protocol of RFC 768, sans-I/O.
//
// It encodes and decodes the 8-byte UDP header with the checksum over the
// pseudo-header of IPv4 (RFC 768) or IPv6 (RFC 8200 §8.1), computed as the
// ones' complement sum of RFC 1071, and it offers an Endpoint: a socket's
// worth of UDP state (a bound local address, an optional connected remote,
// a bounded receive queue and a pending asynchronous error) that never
// touches a network, a clock or a goroutine. A driver (package sim, a
// capture replayer) moves the datagrams.
//
// The package imports nothing from the rest of the module.
package udp
