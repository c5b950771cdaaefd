#!/bin/bash
# Writes FILE.rtt: for each TCP stream of FILE with a complete handshake,
# its number and tshark's tcp.analysis.initial_rtt in seconds.
set -euo pipefail
tshark -r "$1" -Y tcp.analysis.initial_rtt -T fields -E separator=/t \
	-e tcp.stream -e tcp.analysis.initial_rtt | sort -u -k1,1n >"$1.rtt"
