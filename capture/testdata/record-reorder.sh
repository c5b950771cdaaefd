#!/bin/bash
# Records reordering and a spurious retransmission on a test network
# (netns.sh), on the receiver's side: two connections from A to B. On
# port 47014 A sends 60,000 bytes and R holds back the 10th and the 30th
# data segments until the next one has gone: B sees them out of order and
# sends duplicate ACKs with SACK blocks. On port 47015 A sends 100 bytes
# and R delays B's ACK of them by 600 ms: A sends them again, and B sees
# data it has already acknowledged. Run as root: record-reorder.sh
# OUT.pcapng, then analysis-oracle.sh OUT.pcapng.
source "$(dirname "$0")/netns.sh"
out=$(realpath "$1")
netns_up a2b:47014:data:10:swap a2b:47014:data:30:swap b2a:47015:ack:1:delay600
netns_capture "$B" vethB "$out"
netns_counting_servers 47014 47015
netns_send 47014:60000 47015:100:1.5
netns_stop "$out"
