#!/bin/bash
# Writes FILE.json-oracle: tshark's reading of every frame of FILE, one
# line a frame after a header line naming the fields, tab-separated, the
# first occurrence of each field (so that an ICMP error gives its own
# addresses, not those of the header it quotes). From these, the test of
# tcpsim replay -o json (internal/cli/replay_tshark_test.go) computes
# what each TCP connection and UDP flow should show: tcp.stream and
# udp.stream, addresses and ports, flags, raw sequence and acknowledgment
# numbers, payload lengths, the SYN options, tcp.analysis.initial_rtt and
# the eight sequence-analysis flags (1 or empty). ICMP errors, marked by
# icmp.type or icmpv6.type, are not part of any stream; fragments are
# marked by ip.flags.mf, ip.frag_offset and the IPv6 fragment header, and
# not reassembled, as tcpsim does not reassemble them.
set -euo pipefail
tshark -r "$1" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
	-T fields -E header=y -E separator=/t -E occurrence=f \
	-e frame.number -e frame.time_relative -e _ws.malformed \
	-e icmp.type -e icmpv6.type \
	-e ip.flags.mf -e ip.frag_offset -e ipv6.fraghdr.offset -e ipv6.fraghdr.more \
	-e ip.src -e ipv6.src -e ip.dst -e ipv6.dst \
	-e tcp.stream -e tcp.srcport -e tcp.dstport -e tcp.flags -e tcp.seq_raw -e tcp.ack_raw -e tcp.len \
	-e tcp.options.mss_val -e tcp.options.sack_perm -e tcp.options.timestamp.tsval \
	-e tcp.options.wscale.shift -e tcp.analysis.initial_rtt \
	-e tcp.analysis.retransmission -e tcp.analysis.fast_retransmission \
	-e tcp.analysis.spurious_retransmission -e tcp.analysis.duplicate_ack \
	-e tcp.analysis.out_of_order -e tcp.analysis.zero_window \
	-e tcp.analysis.window_full -e tcp.analysis.keep_alive \
	-e udp.stream -e udp.srcport -e udp.dstport -e udp.length >"$1.json-oracle"
