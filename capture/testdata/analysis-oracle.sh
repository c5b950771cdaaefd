#!/bin/bash
# Writes FILE.analysis: for each TCP packet of FILE (not those quoted in
# ICMP errors), one line, tab-separated: frame number, tcp.stream, then
# tshark's sequence-analysis flags, each 1 or empty:
# tcp.analysis.retransmission, fast_retransmission,
# spurious_retransmission, duplicate_ack, out_of_order, zero_window,
# window_full, keep_alive (the first occurrence of each, as tshark may
# give a flag twice).
set -euo pipefail
tshark -r "$1" -Y "tcp && !icmp && !icmpv6" -T fields -E separator=/t -E occurrence=f \
	-e frame.number -e tcp.stream \
	-e tcp.analysis.retransmission -e tcp.analysis.fast_retransmission \
	-e tcp.analysis.spurious_retransmission -e tcp.analysis.duplicate_ack \
	-e tcp.analysis.out_of_order -e tcp.analysis.zero_window \
	-e tcp.analysis.window_full -e tcp.analysis.keep_alive >"$1.analysis"
