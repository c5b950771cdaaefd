// Package capture turns what tcpsim's drivers observe into packet captures
// that Wireshark, tshark and tcpdump open: tcpstate segments and UDP
// datagrams are encoded as IPv4 or IPv6 packets with correct checksums,
// framed for the link type (Ethernet or raw IP), and written as pcap or
// pcapng with timestamps taken from virtual time.
//
// The writer side is deterministic: the same packets written at the same
// virtual times give byte-identical files. Nothing in the output depends
// on the machine, the wall clock or map order; the IPv4 Identification
// field comes from a per-Writer counter and the TTL is fixed.
//
// In pcapng each packet may carry a comment (the Enhanced Packet Block's
// opt_comment, draft-ietf-opsawg-pcapng §4.3) saying what happened to it,
// such as "client SYN-SENT -> ESTABLISHED" or "dropped by link: loss";
// Wireshark shows it as frame.comment. Classic pcap has nowhere to put a
// comment, so it is left out there.
//
// Reading goes the other way: Reader reads pcap (micro- or nanosecond,
// either byte order) and pcapng files, refusing any record over
// MaxRecord bytes whatever the header claims (a pcap record before it is
// read; a pcapng one once read, having taken no more memory than the
// file holds), and Decoder turns a record
// of link type Ethernet (with 802.1Q tags), raw IP, IPv4/IPv6, Linux
// cooked (SLL, SLL2) or BSD loopback into a tcpstate segment or a UDP
// datagram without allocating.
//
// The package does not import sim: a driver's trace callback calls
// Writer.WriteSegment or Writer.WriteDatagram for each event it wants
// recorded.
package capture
