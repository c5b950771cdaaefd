#!/bin/bash
# Records resets on a test network (netns.sh, no rules), on the client's
# side: A connects to port 47018 of B, where nothing listens (B answers
# the SYN with a RST), then to port 47019, sends 10 bytes, reads B's echo
# and closes with SO_LINGER 0, ending the connection with a RST. Run as
# root: record-rst.sh OUT.pcapng, then analysis-oracle.sh OUT.pcapng.
source "$(dirname "$0")/netns.sh"
out=$(realpath "$1")
netns_up
netns_capture "$A" vethA "$out"
ip netns exec "$B" python3 - <<'PY' &
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 47019)); s.listen(1)
c, _ = s.accept()
c.sendall(c.recv(100))
try:
    c.recv(100)
except ConnectionResetError:
    pass
c.close()
PY
pids+=($!)
sleep 0.5
ip netns exec "$A" python3 - <<'PY'
import socket, struct, time
try:
    socket.create_connection(("198.18.0.2", 47018))
except ConnectionRefusedError as e:
    print(47018, e)
c = socket.create_connection(("198.18.0.2", 47019))
c.sendall(b"0123456789"); print(47019, c.recv(100))
time.sleep(0.1)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close() # RST
PY
netns_stop "$out"
