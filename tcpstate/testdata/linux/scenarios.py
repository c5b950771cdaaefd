"""Scenarios for record.sh: small exchanges between two sockets of the
kernel on 127.0.0.1, inside the namespace record.sh made. What the kernel
says of its sockets (ss -tino) is printed on standard output."""

import socket
import subprocess
import threading
import time

HOST = "127.0.0.1"
# The namespace's default congestion control is the host's (bbr here) and
# a namespace may not change it: ask for the kernel's default, cubic, on
# every socket (accepted sockets inherit it from their listener).
TCP_CONGESTION = getattr(socket, "TCP_CONGESTION", 13)


def new_socket():
    s = socket.socket()
    s.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, b"cubic")
    return s


def connect(port, timeout=None):
    s = new_socket()
    s.settimeout(timeout)
    s.connect((HOST, port))
    s.settimeout(None)
    return s


def ss(title):
    print("#", title, flush=True)
    out = subprocess.run(["ss", "-tino", "state", "all", "( sport >= :47071 and sport <= :47077 ) or ( dport >= :47071 and dport <= :47077 )"],
                         capture_output=True, text=True).stdout
    print(out, flush=True)


def listener(port, backlog=8):
    s = new_socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST, port))
    s.listen(backlog)
    return s


def read_all(c):
    n = 0
    while True:
        b = c.recv(65536)
        if not b:
            return n
        n += len(b)


def request_response():
    """47071: handshake, 100-byte request, 200-byte response, the client
    closes first (and so holds TIME-WAIT)."""
    ls = listener(47071)
    cl = connect(47071)
    sv, _ = ls.accept()
    time.sleep(0.3)
    print("# 47071 TCP_NODELAY client %d server %d" % (
        cl.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
        sv.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)), flush=True)
    ss("47071 established, idle")
    cl.sendall(b"q" * 100)
    sv.recv(100)
    sv.sendall(b"r" * 200)
    cl.recv(200)
    time.sleep(0.3)
    cl.close()
    time.sleep(0.1)
    sv.close()
    time.sleep(0.1)
    ss("47071 after both closes")
    ls.close()


def delayed_ack(port=47072, gap=0.1, writes=24):
    """47072: the client writes 100 bytes every 100 ms, 24 times; the
    server reads and never answers, so its ACKs stand alone. 47075: the
    same every 5 ms, 40 times."""
    ls = listener(port)
    cl = connect(port)
    sv, _ = ls.accept()
    done = threading.Event()

    def reader():
        read_all(sv)
        done.set()
    threading.Thread(target=reader).start()
    for _ in range(writes):
        cl.sendall(b"d" * 100)
        time.sleep(gap)
    ss("%d after %d small writes" % (port, writes))
    cl.close()
    done.wait()
    sv.close()
    ls.close()


def echo():
    """47076: request and response: the client writes 100 bytes every
    100 ms, 12 times, and the server echoes each at once."""
    ls = listener(47076)
    cl = connect(47076)
    sv, _ = ls.accept()

    def server():
        while True:
            b = sv.recv(100)
            if not b:
                return
            sv.sendall(b)
    t = threading.Thread(target=server)
    t.start()
    for _ in range(12):
        cl.sendall(b"e" * 100)
        cl.recv(100)
        time.sleep(0.1)
    cl.close()
    t.join()
    sv.close()
    ls.close()


def spaced_full():
    """47077: the client writes one full-sized segment (1448 bytes) every
    5 ms, 30 times, then two at once every 5 ms, 10 times; the server
    reads and never answers."""
    ls = listener(47077)
    cl = connect(47077)
    sv, _ = ls.accept()
    t = threading.Thread(target=read_all, args=(sv,))
    t.start()
    for _ in range(30):
        cl.sendall(b"f" * 1448)
        time.sleep(0.005)
    for _ in range(10):
        cl.sendall(b"g" * 2896)
        time.sleep(0.005)
    cl.close()
    t.join()
    sv.close()
    ls.close()


def bulk():
    """47073: the client writes 200 kB at once; the server reads as fast as
    it can."""
    ls = listener(47073)
    got = []

    def server():
        sv, _ = ls.accept()
        got.append(read_all(sv))
        sv.close()
    t = threading.Thread(target=server)
    t.start()
    cl = connect(47073)
    time.sleep(0.1)
    cl.sendall(b"b" * 200000)
    time.sleep(0.2)
    ss("47073 after the 200 kB write")
    cl.close()
    t.join()
    ls.close()


def syn_retransmit():
    """47074: a listener with backlog 0 holds one connection in its accept
    queue and then drops new SYNs, so the second client's SYN is
    retransmitted after the initial RTO, then backed off."""
    ls = listener(47074, backlog=0)
    first = connect(47074)
    second = None
    t = threading.Timer(3.5, ss, args=("47074 with a full accept queue, the second client in SYN-SENT",))
    t.start()
    try:
        second = connect(47074, timeout=5.5)
    except OSError:
        pass
    t.join()
    for s in (second, first, ls):
        if s:
            s.close()


request_response()
time.sleep(0.5)
delayed_ack()
time.sleep(0.5)
bulk()
time.sleep(0.5)
syn_retransmit()
time.sleep(0.5)
delayed_ack(47075, 0.005, 40)
time.sleep(0.5)
echo()
time.sleep(0.5)
spaced_full()
