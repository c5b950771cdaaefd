#!/bin/bash
# Records many connections of the Linux kernel's TCP at once on loopback,
# over IPv4 and IPv6, ports 47030-47060: 40 clients start within a
# second, each on its own thread, and pause between requests, so that
# their packets interleave.
#
#   47030 (127.0.0.1), 47031 (::1)  echo: 22 clients send 1 to 3
#       requests and close (FIN each way); 6 more close with SO_LINGER 0
#       after one (RST from the client).
#   47032 (127.0.0.1)  the server answers one request and closes first.
#   47033 (127.0.0.1)  half-close: the client sends its request and shuts
#       its side (SHUT_WR), then the server sends its answer and closes.
#   47034 (127.0.0.1), 47035 (::1)  nothing listens: the SYN is refused
#       with a RST.
#
# And UDP: three clients exchange datagrams with an echo server on 47040
# (127.0.0.1), one on 47041 (::1), and one sends a datagram to 47042,
# where nothing listens: the kernel answers with an ICMP port
# unreachable, which quotes the datagram's header. Run as root with
# tshark installed: record-many.sh OUT.pcapng. Then json-oracle.sh OUT
# and analysis-oracle.sh OUT.
set -euo pipefail
out=$1
tshark -q -i lo -f "portrange 47030-47060 or icmp or icmp6" -F pcapng -w "$out.part" 2>/dev/null &
cap=$!
sleep 2 # tshark starts capturing
python3 - <<'PY'
import random, socket, struct, threading, time

rnd = random.Random(47030)
V4, V6 = "127.0.0.1", "::1"

def listener(addr, port, kind=socket.SOCK_STREAM):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    if kind == socket.SOCK_STREAM:
        s.listen(64)
    return s

def serve(srv, handle):
    def loop():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return # closed at the end
            threading.Thread(target=handle, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()

def echo(c):
    try:
        while True:
            b = c.recv(65536)
            if not b: break
            c.sendall(b)
    except ConnectionResetError:
        pass
    c.close()

def close_first(c):
    c.sendall(b"answer to " + c.recv(65536))
    c.close() # the server's FIN comes first

def half_close(c):
    n = 0
    while True:
        b = c.recv(65536)
        if not b: break
        n += len(b)
    c.sendall(b"%d bytes received; " % n * 20)
    c.close()

def udp_echo(s):
    while True:
        try:
            b, peer = s.recvfrom(65536)
        except OSError:
            return
        s.sendto(b, peer)

servers = [listener(V4, 47030), listener(V6, 47031), listener(V4, 47032), listener(V4, 47033)]
for srv, handle in zip(servers, (echo, echo, close_first, half_close)):
    serve(srv, handle)
udps = [listener(V4, 47040, socket.SOCK_DGRAM), listener(V6, 47041, socket.SOCK_DGRAM)]
for u in udps:
    threading.Thread(target=udp_echo, args=(u,), daemon=True).start()

def recv_exactly(c, n):
    got = b""
    while len(got) < n:
        b = c.recv(65536)
        if not b: break
        got += b
    return got

def client_echo(addr, port, rounds, reset):
    c = socket.create_connection((addr, port))
    for _ in range(rounds):
        msg = bytes(rnd.randrange(256) for _ in range(rnd.randrange(10, 300)))
        c.sendall(msg)
        assert recv_exactly(c, len(msg)) == msg
        time.sleep(rnd.uniform(0, 0.1))
    if reset:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    else:
        c.shutdown(socket.SHUT_WR); c.recv(1)
    c.close()

def client_close_first():
    c = socket.create_connection((V4, 47032))
    c.sendall(b"question")
    while c.recv(65536):
        pass # until the server's FIN
    time.sleep(rnd.uniform(0, 0.05))
    c.close()

def client_half_close():
    c = socket.create_connection((V4, 47033))
    c.sendall(b"q" * rnd.randrange(50, 500))
    c.shutdown(socket.SHUT_WR)
    while c.recv(65536):
        pass
    c.close()

def client_refused(addr, port):
    try:
        socket.create_connection((addr, port))
        raise SystemExit("port %d: connected" % port)
    except ConnectionRefusedError:
        pass

def client_udp(addr, port, n):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.settimeout(2)
    for i in range(n):
        u.sendto(b"datagram %d" % i, (addr, port))
        u.recvfrom(65536)
        time.sleep(rnd.uniform(0, 0.1))
    u.close()

def client_udp_unreachable():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"nobody", (V4, 47042))
    u.close()

jobs = []
for i in range(14):
    jobs.append((client_echo, (V4, 47030, rnd.randint(1, 3), False)))
for i in range(8):
    jobs.append((client_echo, (V6, 47031, rnd.randint(1, 3), False)))
for i in range(6):
    jobs.append((client_echo, ((V4, V6)[i % 2], 47030 + i % 2, 1, True)))
jobs += [(client_close_first, ())] * 4 + [(client_half_close, ())] * 4
jobs += [(client_refused, (V4, 47034)), (client_refused, (V6, 47035))] * 2
udp = [(client_udp, (V4, 47040, 3))] * 3 + [(client_udp, (V6, 47041, 3)), (client_udp_unreachable, ())]
rnd.shuffle(jobs)
threads = []
for fn, args in jobs + udp:
    th = threading.Thread(target=fn, args=args)
    threads.append((th, rnd.uniform(0, 1)))
start = time.monotonic()
for th, at in sorted(threads, key=lambda x: x[1]):
    time.sleep(max(0, start + at - time.monotonic()))
    th.start()
for th, _ in threads:
    th.join()
time.sleep(0.3) # the last FINs and ACKs
for s in servers + udps:
    s.close()
print(len(jobs), "TCP clients,", len(udp), "UDP")
PY
sleep 1
kill -INT $cap
wait $cap || true
mv "$out.part" "$out"
