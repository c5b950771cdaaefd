#!/bin/bash
# Writes FILE.tshark: tshark's reading of each TCP packet of FILE, one line
# a packet, tab-separated: frame number, source and destination address
# and port, raw sequence and acknowledgment numbers, flags, window field,
# payload length, MSS, window shift, SACK permitted, TSval, TSecr.
set -euo pipefail
tshark -r "$1" -Y tcp -T fields -E separator=/t \
	-e frame.number -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport \
	-e tcp.seq_raw -e tcp.ack_raw -e tcp.flags -e tcp.window_size_value -e tcp.len \
	-e tcp.options.mss_val -e tcp.options.wscale.shift -e tcp.options.sack_perm \
	-e tcp.options.timestamp.tsval -e tcp.options.timestamp.tsecr >"$1.tshark"
