#!/bin/bash
# Writes FILE.rel: for each TCP packet of FILE, its frame number, stream,
# relative sequence and acknowledgment numbers and calculated window, as
# tshark shows them (tcp.seq, tcp.ack, tcp.window_size).
set -euo pipefail
tshark -r "$1" -Y tcp -T fields -E separator=/t \
	-e frame.number -e tcp.stream -e tcp.seq -e tcp.ack -e tcp.window_size >"$1.rel"
