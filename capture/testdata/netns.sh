# Sourced by the record-*.sh scripts: a test network of three namespaces
# made for one recording and removed on exit, with traffic only inside:
#
#   A (198.18.0.1) vethA -- vethRA [R: forward.go] vethRB -- vethB B (198.18.0.2)
#
# R copies frames between its two interfaces and drops, delays or
# reorders the segments its rules name (forward.go). Offloads are off, so
# that the kernel sends segments of at most one MSS (MTU 1500), as on a
# real network. Needs root, iproute2, ethtool, tshark and go.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ns=tcpsim$$
A=${ns}a R=${ns}r B=${ns}b
pids=()
cap=

netns_cleanup() {
	for p in "${pids[@]}" $cap; do kill "$p" 2>/dev/null || true; done
	for n in $A $R $B; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
		ip netns del "$n" 2>/dev/null || true
	done
	rm -f "/tmp/$ns-forward" "/tmp/$ns-forward.log"
}
trap netns_cleanup EXIT

# netns_up RULE...: makes the network and starts the forwarder with the
# rules.
netns_up() {
	for n in $A $R $B; do
		ip netns add "$n"
		ip netns exec "$n" ip link set lo up
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	done
	ip link add vethA netns "$A" type veth peer name vethRA netns "$R"
	ip link add vethB netns "$B" type veth peer name vethRB netns "$R"
	ip netns exec "$A" ip addr add 198.18.0.1/24 dev vethA
	ip netns exec "$B" ip addr add 198.18.0.2/24 dev vethB
	local n dev
	for pair in "$A vethA" "$R vethRA" "$R vethRB" "$B vethB"; do
		read -r n dev <<<"$pair"
		ip netns exec "$n" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null 2>&1
		ip netns exec "$n" ip link set "$dev" up
	done
	ip netns exec "$R" ip link set vethRA promisc on
	ip netns exec "$R" ip link set vethRB promisc on
	(cd "$here" && go build -o "/tmp/$ns-forward" forward.go)
	ip netns exec "$R" "/tmp/$ns-forward" -a vethRA -b vethRB "$@" 2>"/tmp/$ns-forward.log" &
	pids+=($!)
	sleep 1
}

# netns_capture NS IFACE OUT: captures TCP on IFACE in NS into OUT
# (pcapng) until netns_stop.
netns_capture() {
	ip netns exec "$1" tshark -q -i "$2" -f tcp -F pcapng -w "$3.part" 2>/dev/null &
	cap=$!
	sleep 2 # tshark starts capturing
}

# netns_stop OUT: ends the capture and puts it in place.
netns_stop() {
	sleep 1
	kill -INT "$cap"
	wait "$cap" || true
	cap=
	mv "$1.part" "$1"
	cat "/tmp/$ns-forward.log" >&2 || true
}

# netns_counting_servers PORT...: in B, one server a port, each taking
# one connection, counting the bytes it receives until the client's FIN
# and answering with the count.
netns_counting_servers() {
	ip netns exec "$B" python3 - "$@" <<'PY' &
import socket, sys, threading
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
ts = [threading.Thread(target=serve, args=(int(p),)) for p in sys.argv[1:]]
for t in ts: t.start()
for t in ts: t.join()
PY
	pids+=($!)
	sleep 0.5
}

# netns_send PORT:BYTES[:WAIT]...: from A, one connection after the
# other, sends BYTES to PORT, waits WAIT seconds with the data alone in
# flight, closes its side and reads the answer.
netns_send() {
	ip netns exec "$A" python3 - "$@" <<'PY'
import socket, sys, time
for arg in sys.argv[1:]:
    port, n, wait = (arg.split(":") + ["0"])[:3]
    c = socket.create_connection(("198.18.0.2", int(port)))
    c.sendall(bytes(i % 251 for i in range(int(n))))
    time.sleep(float(wait))
    c.shutdown(socket.SHUT_WR)
    print(port, c.recv(100)); c.close()
PY
}
