#!/bin/bash
# Writes FILE.streams: for each TCP packet of FILE, its frame number and
# tshark's tcp.stream.
set -euo pipefail
tshark -r "$1" -Y tcp -T fields -E separator=/t -e frame.number -e tcp.stream >"$1.streams"
