// Package sim is a discrete-event world in virtual time where hosts talk
// TCP through the sans-I/O state machine of package tcpstate.
//
// A World owns a virtual clock that starts at Epoch (2000-01-01 00:00:00
// UTC), a heap of events ordered by (time, insertion order) and one seeded
// pseudo-random generator. Nothing in it reads the wall clock, draws global
// randomness or lets map order reach its output, so the same seed and the
// same inputs give the same trace, byte for byte.
//
// Hosts have a name and one IPv4 address. A Link joins two hosts with a
// fixed one-way delay per direction. Each host demultiplexes arriving
// segments by 4-tuple (RFC 9293 §3.9.2), hands SYNs for a listening port
// to a fresh connection in LISTEN, and answers segments for which no
// connection exists with a reset (RFC 9293 §3.10.7.1).
//
// Applications are callbacks: Host.Dial and Host.Listen take a Handler
// whose functions run when tcpstate raises an event (established,
// readable, writable, peer closed, closed), and the Conn handle they
// receive offers Write, Read and Close. Every application call is traced.
//
// A World is driven by Step (one event) or Run (until no event is left),
// and observed through Config.Trace.
package sim
