#!/usr/bin/env python3
"""Small programs that intercept.sh runs unmodified under libztintercept.so: plain BSD sockets
from Python's standard library, nothing that knows about ZeroTier.

  echo [--tcp PORT] [--udp PORT] [--tcp6 PORT] [--fork]
        TCP echo (one thread per connection, or with --fork one child process per
        connection, which also asks for its socket's names after the fork), UDP echo, and
        TCP echo on an IPv6 dual-stack socket (::); prints "listening" once all are bound,
        runs until killed
  tcp-client IP PORT MB          sends MB of random bytes, reads the echo, checks it
  udp-client IP PORT             datagrams of many sizes, unconnected then connected
  epoll-client IP PORT PATH SIZE non-blocking connect, epoll, SO_ERROR, an HTTP GET whose
                                 body must be SIZE bytes
Each client prints one "ok ..." line and exits 0, or prints "FAIL ..." and exits 1.
"""
import os
import select
import socket
import sys
import threading
import time


def fail(msg):
    print("FAIL " + msg, flush=True)
    sys.exit(1)


def echo_conn(conn):
    with conn:
        while True:
            data = conn.recv(1 << 16)
            if not data:
                return
            conn.sendall(data)


def forked_echo(conn, listener):
    # After fork: the child's own control requests (names) must work.
    me, peer = conn.getsockname(), conn.getpeername()
    if me[1] != listener.getsockname()[1] or not peer[0]:
        os._exit(3)
    listener.close()
    echo_conn(conn)
    os._exit(0)


def tcp_server(port, fork, v6=False):
    ls = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6:
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind(("::" if v6 else "0.0.0.0", port))
    ls.listen(16)
    def loop():
        while True:
            conn, _ = ls.accept()
            if fork:
                pid = os.fork()
                if pid == 0:
                    forked_echo(conn, ls)
                conn.close()
                # Reap what has ended, never block.
                try:
                    while os.waitpid(-1, os.WNOHANG)[0] > 0:
                        pass
                except ChildProcessError:
                    pass
            else:
                threading.Thread(target=echo_conn, args=(conn,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def udp_server(port):
    us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    us.bind(("0.0.0.0", port))
    def loop():
        while True:
            data, peer = us.recvfrom(70000)
            us.sendto(data, peer)
    threading.Thread(target=loop, daemon=True).start()


def cmd_echo(args):
    tcp = udp = None
    fork = "--fork" in args
    if "--tcp" in args:
        tcp = int(args[args.index("--tcp") + 1])
    if "--udp" in args:
        udp = int(args[args.index("--udp") + 1])
    if "--tcp6" in args:
        tcp_server(int(args[args.index("--tcp6") + 1]), False, v6=True)
    if tcp:
        tcp_server(tcp, fork)
    if udp:
        udp_server(udp)
    print("listening", flush=True)
    while True:
        time.sleep(3600)


def cmd_tcp_client(ip, port, mb):
    total = int(mb) * 1024 * 1024
    data = os.urandom(total)
    s = socket.create_connection((ip, int(port)), timeout=30)
    got = bytearray()
    def reader():
        while len(got) < total:
            d = s.recv(1 << 16)
            if not d:
                return
            got.extend(d)
    t0 = time.time()
    th = threading.Thread(target=reader)
    th.start()
    s.sendall(data)
    th.join(60)
    secs = time.time() - t0
    s.shutdown(socket.SHUT_WR)
    if s.recv(1) != b"":
        fail("no end of stream after the echo")
    s.close()
    if bytes(got) != data:
        fail("echo differs: %d of %d bytes" % (len(got), total))
    print("ok tcp bytes=%d secs=%.2f" % (total, secs), flush=True)


def cmd_udp_client(ip, port):
    dest = (ip, int(port))
    sizes = [0, 1, 100, 1400, 2800, 8192, 32768, 60000]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    for size in sizes:
        payload = os.urandom(size)
        for attempt in range(5):  # UDP: a datagram may be lost, never mangled
            s.sendto(payload, dest)
            try:
                data, peer = s.recvfrom(70000)
            except socket.timeout:
                continue
            if peer != dest:
                fail("reply from %s, expected %s" % (peer, dest))
            if data != payload:
                fail("datagram of %d bytes came back as %d bytes" % (size, len(data)))
            break
        else:
            fail("no echo for %d bytes" % size)
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(2)
    c.connect(dest)
    if c.getpeername() != dest:
        fail("connected UDP peer %s" % (c.getpeername(),))
    for attempt in range(5):
        c.send(b"connected")
        try:
            if c.recv(100) == b"connected":
                break
        except socket.timeout:
            pass
    else:
        fail("no echo on the connected socket")
    print("ok udp sizes=%d connected=1" % len(sizes), flush=True)


def cmd_epoll_client(ip, port, path, size):
    ep = select.epoll()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    rc = s.connect_ex((ip, int(port)))
    if rc not in (0, 115):  # EINPROGRESS
        fail("connect_ex returned %d" % rc)
    ep.register(s.fileno(), select.EPOLLOUT)
    if not ep.poll(10):
        fail("never writable")
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err != 0:
        fail("SO_ERROR %d" % err)
    s.send(("GET %s HTTP/1.0\r\nHost: x\r\n\r\n" % path).encode())
    ep.modify(s.fileno(), select.EPOLLIN)
    resp = bytearray()
    deadline = time.time() + 30
    while time.time() < deadline:
        if not ep.poll(1):
            continue
        d = s.recv(1 << 16)
        if not d:
            break
        resp.extend(d)
    head, _, body = bytes(resp).partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.0 200"):
        fail("status line %r" % head[:40])
    if len(body) != int(size):
        fail("body of %d bytes, expected %s" % (len(body), size))
    print("ok epoll bytes=%d" % len(body), flush=True)


def main():
    a = sys.argv[1:]
    if not a:
        print(__doc__)
        sys.exit(2)
    if a[0] == "echo":
        cmd_echo(a[1:])
    elif a[0] == "tcp-client" and len(a) == 4:
        cmd_tcp_client(*a[1:])
    elif a[0] == "udp-client" and len(a) == 3:
        cmd_udp_client(*a[1:])
    elif a[0] == "epoll-client" and len(a) == 5:
        cmd_epoll_client(*a[1:])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
