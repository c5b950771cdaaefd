#!/bin/bash
# Records several connections of the Linux kernel's TCP on loopback, port
# 47002: three in a row, then two from the same client port 47100, the
# first ended by a RST (SO_LINGER 0) so that the 4-tuple can be used
# again at once, and UDP datagrams between them. Run as root with tshark
# installed: record-streams.sh OUT.pcapng. Then: oracle.sh OUT and
# stream-oracle.sh OUT.
set -euo pipefail
out=$1
tshark -q -i lo -f "port 47002 or port 47003" -F pcapng -w "$out.part" 2>/dev/null &
cap=$!
sleep 2 # tshark starts capturing
python3 - <<'PY'
import socket, struct, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 47002)); srv.listen(8)
def serve(n):
    for _ in range(n):
        c, _ = srv.accept()
        while True:
            try:
                b = c.recv(65536)
            except ConnectionResetError:
                break
            if not b: break
            c.sendall(b)
        c.close()
t = threading.Thread(target=serve, args=(5,)); t.start()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    cl = socket.create_connection(("127.0.0.1", 47002))
    cl.sendall(b"x" * (100 * (i + 1))); cl.recv(65536)
    cl.shutdown(socket.SHUT_WR); cl.recv(1); cl.close()
    u.sendto(b"u%d" % i, ("127.0.0.1", 47003))
for i in range(2):
    cl = socket.socket(); cl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    cl.bind(("127.0.0.1", 47100)); cl.connect(("127.0.0.1", 47002))
    cl.sendall(b"reuse"); cl.recv(65536)
    cl.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    cl.close()  # RST
    import time; time.sleep(0.2)
t.join(); srv.close()
PY
sleep 1
kill -INT $cap
wait $cap || true
mv "$out.part" "$out"
