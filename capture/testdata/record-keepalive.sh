#!/bin/bash
# Records TCP keep-alives on a test network (netns.sh, no rules), on the
# client's side: A connects to B on port 47017 with SO_KEEPALIVE,
# TCP_KEEPIDLE 1 s and TCP_KEEPINTVL 1 s, stays idle 3.5 s (B answers
# each probe), then sends 10 bytes, which B echoes, and both close. Run
# as root: record-keepalive.sh OUT.pcapng, then analysis-oracle.sh
# OUT.pcapng.
source "$(dirname "$0")/netns.sh"
out=$(realpath "$1")
netns_up
netns_capture "$A" vethA "$out"
ip netns exec "$B" python3 - <<'PY' &
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 47017)); s.listen(1)
c, _ = s.accept()
while True:
    b = c.recv(100)
    if not b: break
    c.sendall(b)
c.close()
PY
pids+=($!)
sleep 0.5
ip netns exec "$A" python3 - <<'PY'
import socket, time
c = socket.create_connection(("198.18.0.2", 47017))
c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
time.sleep(3.5)
c.sendall(b"0123456789"); print(47017, c.recv(100))
c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
PY
netns_stop "$out"
