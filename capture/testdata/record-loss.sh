#!/bin/bash
# Records loss on a test network (netns.sh), on the sender's side: three
# connections from A to B. On port 47011 A sends 100,000 bytes and R drops
# the 15th and 16th data segments: B sends duplicate ACKs with SACK blocks
# and A retransmits fast. On port 47012 A sends 100 bytes and R drops
# them twice: A retransmits them on timers (a tail loss probe, then the
# retransmission timeout). On port 47013 R drops A's first SYN, which A
# sends again. Run as root: record-loss.sh OUT.pcapng, then
# analysis-oracle.sh OUT.pcapng.
source "$(dirname "$0")/netns.sh"
out=$(realpath "$1")
netns_up a2b:47011:data:15:drop a2b:47011:data:16:drop \
	a2b:47012:data:1:drop a2b:47012:data:2:drop a2b:47013:syn:1:drop
netns_capture "$A" vethA "$out"
netns_counting_servers 47011 47012 47013
netns_send 47011:100000 47012:100:1 47013:100
netns_stop "$out"
