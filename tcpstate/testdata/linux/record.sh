#!/bin/sh
# record.sh records the Linux kernel's own TCP on loopback in a private
# network namespace, for the Linux profile (LinuxConfig) to be checked
# against. Run as root from this directory:
#
#	sh record.sh
#
# It writes linux.pcap (headers only, snaplen 128), linux.txt (tshark's
# reading of it), ss.txt (the kernel's own view of the sockets) and
# sysctl.txt (the namespace's TCP settings). Only 127.0.0.1 inside the
# namespace is used, on unassigned ports 47071-47077; the namespace is
# deleted on exit.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ns=tcpsimprof$$
tpid=
cleanup() {
	if [ -n "$tpid" ]; then kill "$tpid" 2>/dev/null || true; wait "$tpid" 2>/dev/null || true; fi
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

ip netns add "$ns"
ip -n "$ns" link set lo mtu 1500 up
# One wire segment per TCP segment: no segmentation or coalescing offloads.
ip netns exec "$ns" ethtool -K lo tso off gso off gro off >/dev/null
# A new namespace inherits the host's tcp_rmem and tcp_wmem here (its
# large tcp_rmem maximum would give window scale 10): put back the kernel's
# stock defaults, which decide the window scale (7) and the first windows.
ip netns exec "$ns" sh -c 'echo 4096 131072 6291456 >/proc/sys/net/ipv4/tcp_rmem'
ip netns exec "$ns" sh -c 'echo 4096 16384 4194304 >/proc/sys/net/ipv4/tcp_wmem'

{
	uname -r
	for k in tcp_rmem tcp_wmem tcp_timestamps tcp_sack tcp_window_scaling \
		tcp_congestion_control tcp_syn_retries tcp_fin_timeout tcp_moderate_rcvbuf \
		tcp_adv_win_scale tcp_ecn tcp_slow_start_after_idle tcp_autocorking \
		tcp_syn_linear_timeouts tcp_rto_min_us tcp_rto_max_ms tcp_available_congestion_control; do
		printf '%s = %s\n' "$k" "$(ip netns exec "$ns" cat /proc/sys/net/ipv4/$k)"
	done
} >"$here/sysctl.txt"

rm -f "$here/linux.pcap"
ip netns exec "$ns" tshark -q -i lo -s 128 -w "$here/linux.pcap" -f 'tcp portrange 47071-47077' 2>/dev/null &
tpid=$!
sleep 2
ip netns exec "$ns" python3 "$here/scenarios.py" >"$here/ss.txt"
sleep 1
kill "$tpid"
wait "$tpid" 2>/dev/null || true
tpid=
chmod 0644 "$here/linux.pcap"

tshark -r "$here/linux.pcap" -o tcp.relative_sequence_numbers:FALSE -T fields -E separator=' ' \
	-e frame.number -e frame.time_relative -e tcp.srcport -e tcp.dstport -e tcp.flags.str \
	-e tcp.seq -e tcp.ack -e tcp.len -e tcp.window_size_value -e tcp.options.timestamp.tsval \
	-e tcp.options.timestamp.tsecr -e tcp.options >"$here/linux.txt"
