#!/bin/bash
# Records about a million packets of the Linux kernel's TCP, for
# BenchmarkAnalyzeFile: in a private network namespace, loopback at MTU
# 1500 with offloads off, 2,000 connections to port 47040 (20 at a time),
# each a request of 200 bytes answered by 320 kB, headers only (snap
# length 128, as tcpdump -s 128). Run as root with tshark and ethtool:
# record-million.sh OUT.pcap. The namespace is removed on exit.
set -euo pipefail
out=$1
ns=tcpsimmillion$$
cap=
cleanup() {
	[ -n "$cap" ] && kill "$cap" 2>/dev/null || true
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link set lo mtu 1500 up
ip netns exec "$ns" ethtool -K lo tso off gso off gro off >/dev/null 2>&1
ip netns exec "$ns" tshark -q -i lo -s 128 -B 64 -f "tcp port 47040" -F pcap -w "$out.part" 2>/dev/null &
cap=$!
sleep 2 # tshark starts capturing
ip netns exec "$ns" python3 - <<'PY'
import socket, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 47040)); srv.listen(64)
answer = b"x" * 320000
def serve():
    while True:
        c, _ = srv.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()
def handle(c):
    c.recv(4096); c.sendall(answer); c.close()
threading.Thread(target=serve, daemon=True).start()
def client(n):
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", 47040))
        s.sendall(b"r" * 200)
        while s.recv(65536): pass
        s.close()
ts = [threading.Thread(target=client, args=(100,)) for _ in range(20)]
for t in ts: t.start()
for t in ts: t.join()
PY
sleep 1
kill -INT $cap
wait $cap || true
cap=
mv "$out.part" "$out"
