#!/bin/bash
# Records a closed receive window on a test network (netns.sh, no rules),
# on the sender's side: on port 47016 B accepts with a small receive
# buffer (SO_RCVBUF 4096) and reads nothing for 3 s while A sends 40,000
# bytes. A fills B's window, B advertises a zero window, A probes it
# (Linux sends its probes as keep-alives), then B reads everything. Run
# as root: record-zerowin.sh OUT.pcapng, then analysis-oracle.sh
# OUT.pcapng.
source "$(dirname "$0")/netns.sh"
out=$(realpath "$1")
netns_up
netns_capture "$A" vethA "$out"
ip netns exec "$B" python3 - <<'PY' &
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096) # the accepted socket inherits it
s.bind(("198.18.0.2", 47016)); s.listen(1)
c, _ = s.accept()
time.sleep(3) # a receiver that stops reading
n = 0
while True:
    b = c.recv(1000)
    if not b: break
    n += len(b)
c.sendall(b"%d" % n); c.close()
PY
pids+=($!)
sleep 0.5
ip netns exec "$A" python3 - <<'PY'
import socket
c = socket.create_connection(("198.18.0.2", 47016))
c.sendall(bytes(i % 251 for i in range(40000))); c.shutdown(socket.SHUT_WR)
print(47016, c.recv(100)); c.close()
PY
netns_stop "$out"
