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
ts = [threading.Thread(target=serve, args=(p,)) for p in (47014, 47015)]
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
send(47014, 60000)
send(47015, 100, 1.5)
PY
netns_stop "$out"
