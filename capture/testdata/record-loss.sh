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
ip netns exec "$B" python3 - <<'PY' &
import socket, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("198.18.0.2", port)); s.listen(1)
    c, _ = s.accept()
    n = 0
    while True:
        b = c.recv(65536)
        if not b: break
        n += len(b)
    c.sendall(b"%d" % n); c.close()
ts = [threading.Thread(target=serve, args=(p,)) for p in (47011, 47012, 47013)]
for t in ts: t.start()
for t in ts: t.join()
PY
pids+=($!)
sleep 0.5
ip netns exec "$A" python3 - <<'PY'
import socket, time
def send(port, n, wait=0):
    c = socket.create_connection(("198.18.0.2", port))
    c.sendall(bytes(i % 251 for i in range(n)))
    time.sleep(wait) # the data alone in flight
    c.shutdown(socket.SHUT_WR)
    print(port, c.recv(100)); c.close()
send(47011, 100000)
send(47012, 100, 1)
send(47013, 100)
PY
netns_stop "$out"
