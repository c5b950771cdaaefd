#!/bin/bash
# Records the Linux kernel's TCP on loopback: a client sends 3000 bytes to
# a server on port 47001, which echoes them, and both close. Run as root
# with tshark installed: record-lo.sh ADDR FORMAT OUT (ADDR 127.0.0.1 or
# ::1, FORMAT pcap or pcapng). IFACE=any LINKTYPE=LINUX_SLL (or
# LINUX_SLL2) captures on every interface with that link type instead of
# lo. Then write tshark's reading beside it with oracle.sh OUT.
set -euo pipefail
addr=$1 format=$2 out=$3
tshark -q -i "${IFACE:-lo}" ${LINKTYPE:+-y "$LINKTYPE"} -f "tcp port 47001" -F "$format" -w "$out.part" 2>/dev/null &
cap=$!
sleep 2 # tshark starts capturing
python3 - "$addr" <<'PY'
import socket, sys, threading
addr = sys.argv[1]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
srv = socket.socket(fam, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, 47001)); srv.listen(1)
def serve():
    c, _ = srv.accept()
    while True:
        b = c.recv(65536)
        if not b: break
        c.sendall(b)
    c.close()
t = threading.Thread(target=serve); t.start()
cl = socket.create_connection((addr, 47001))
cl.sendall(bytes(range(256)) * 11 + bytes(184))
got = b""
while len(got) < 3000:
    got += cl.recv(65536)
cl.shutdown(socket.SHUT_WR); cl.recv(1); cl.close(); t.join(); srv.close()
PY
sleep 1
kill -INT $cap
wait $cap || true
mv "$out.part" "$out"
