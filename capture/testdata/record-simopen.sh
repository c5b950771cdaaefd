#!/bin/bash
# Records a simultaneous open (RFC 9293 §3.5, figure 8) on a test network
# (netns.sh), on A's side: A on port 47020 and B on port 47021 connect to
# each other 50 ms apart. R delays A's SYN, and A's SYN-ACK answering
# B's SYN, by 300 ms each, so that B is still waiting for an answer when
# A's SYN arrives: each end answers the other's SYN with a SYN-ACK. Then
# each sends 10 bytes and both close. Run as root:
# record-simopen.sh OUT.pcapng, then analysis-oracle.sh OUT.pcapng.
source "$(dirname "$0")/netns.sh"
out=$(realpath "$1")
netns_up a2b:47020:syn:1:delay300 a2b:47020:synack:1:delay300
netns_capture "$A" vethA "$out"
peer() { # peer LOCAL_ADDR LOCAL_PORT REMOTE_ADDR REMOTE_PORT WAIT
	python3 - "$@" <<'PY'
import socket, sys, time
la, lp, ra, rp, wait = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((la, lp))
time.sleep(wait)
s.connect((ra, rp))
s.sendall(b"0123456789"); got = b""
while len(got) < 10:
    got += s.recv(100)
time.sleep(0.2)
s.shutdown(socket.SHUT_WR); s.recv(1); s.close()
print(lp, got)
PY
}
ip netns exec "$B" bash -c "$(declare -f peer); peer 198.18.0.2 47021 198.18.0.1 47020 0.05" &
pids+=($!)
ip netns exec "$A" bash -c "$(declare -f peer); peer 198.18.0.1 47020 198.18.0.2 47021 0"
wait "${pids[-1]}"
netns_stop "$out"
