#!/usr/bin/env python3
"""Client side of tests/integration/tcp_relay.sh: speaks the TCP relay's framing to zt-relay
(docs/relay.md) and checks what comes back, against UDP echo and sink sockets of its own on
loopback.  Standard library only.

usage: tcp_relay.py SCENARIO --port PORT --pid RELAY_PID
scenarios (tcp_relay.sh runs 'main' against a relay with the defaults and 'limits' against
one with --max-clients 2 --idle 2 --client-rate 50000 --allow 127.0.0.1/32 --udp-bind
127.0.0.1):
  main    hello; echo of many sizes byte-exact over IPv4 and IPv6, whole, coalesced, split;
          two clients at once; garbage closes its client only; a client that never reads
          (memory bounded, others fine, framing intact after drops)
  limits  --client-rate, --allow, --max-clients, --idle (also half-open clients)
Prints one line per check; exits 1 at the first failure.  Every wait is bounded.
"""
import argparse
import os
import random
import socket
import struct
import sys
import threading
import time

HELLO = b"\x17\x03\x03\x00\x04\x01\x0e\x00\x01"  # 1.14.1, as ZeroTier One sends on connect


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def log(msg):
    print(msg, flush=True)


def record(body):
    return b"\x17\x03\x03" + struct.pack(">H", len(body)) + body


def prefix(host, port):
    if ":" in host:
        return b"\x06" + socket.inet_pton(socket.AF_INET6, host) + struct.pack(">H", port)
    return b"\x04" + socket.inet_aton(host) + struct.pack(">H", port)


def data_msg(host, port, payload):
    return record(prefix(host, port) + payload)


class Client:
    """One TCP connection to the relay, with a reassembly buffer."""

    def __init__(self, port, hello=True):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        if hello:
            self.s.sendall(HELLO)

    def send(self, host, port, payload):
        self.s.sendall(data_msg(host, port, payload))

    def recv_msg(self, timeout=5.0):
        """The next whole message (head included), or None on timeout; fails on EOF."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 5:
                check(self.buf[:3] == b"\x17\x03\x03", "relay sent a bad record head %r" %
                      self.buf[:5])
                n = struct.unpack(">H", self.buf[3:5])[0]
                if len(self.buf) >= 5 + n:
                    m, self.buf = self.buf[:5 + n], self.buf[5 + n:]
                    return m
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None
            check(d != b"", "relay closed a good client")
            self.buf += d

    def is_closed(self, timeout):
        """True if the relay closes the connection within |timeout| seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                if self.s.recv(65536) == b"":
                    return True
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
        return False

    def close(self):
        self.s.close()


class Echo(threading.Thread):
    """UDP echo on |host|: sends every datagram back to its source, records the sources."""

    def __init__(self, host):
        super().__init__(daemon=True)
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.s.bind((host, 0))
        self.s.settimeout(0.2)
        self.host, self.port = host, self.s.getsockname()[1]
        self.sources = set()
        self.stop = False
        self.start()

    def run(self):
        while not self.stop:
            try:
                d, a = self.s.recvfrom(65536)
            except socket.timeout:
                continue
            self.sources.add(a[:2])
            self.s.sendto(d, a)


class Sink:
    """A UDP socket that only counts (and can answer): the far side of a relayed tunnel."""

    def __init__(self, host="127.0.0.1"):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.s.bind((host, 0))
        self.host, self.port = host, self.s.getsockname()[1]

    def take(self, n, timeout=3.0):
        """The first |n| datagrams (fewer if |timeout| passes first): [(data, source)]."""
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < n and time.monotonic() < deadline:
            self.s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                got.append(self.s.recvfrom(65536))
            except socket.timeout:
                break
        return got

    def drain(self, wait):
        """Datagrams received until |wait| seconds pass without one: [(data, source)]."""
        got = []
        self.s.settimeout(wait)
        try:
            while True:
                got.append(self.s.recvfrom(65536))
        except socket.timeout:
            pass
        return got


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    fail("no VmRSS for pid %d" % pid)


def roundtrip(c, echo, payload, what, pieces=1):
    """Sends |payload| to |echo| through the relay (the message cut in |pieces| writes) and
    waits for the echo, byte-exact.  UDP on loopback may drop under load (the flood of the
    slow scenario): three tries; a late echo of an earlier try or payload is skipped."""
    want = data_msg(echo.host, echo.port, payload)
    others = []
    for _ in range(3):
        cuts = sorted(random.sample(range(1, len(want)), pieces - 1)) if pieces > 1 else []
        for a, b in zip([0] + cuts, cuts + [len(want)]):
            c.s.sendall(want[a:b])
            if pieces > 1:
                time.sleep(0.001)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            m = c.recv_msg(timeout=max(0.01, deadline - time.monotonic()))
            if m == want:
                return
            if m is not None:
                others.append(m[:24])
    fail("%s: no byte-exact echo of %d bytes in 3 tries (other messages: %r)" %
         (what, len(payload), others[:3]))


SIZES4 = [0, 1, 2, 3, 27, 28, 100, 512, 1399, 1400, 1401, 1472, 2800, 4096, 8192, 9000, 10000,
          12000, 16000, 16377]
SIZES6 = [0, 1, 1400, 9000, 16365]


def scenario_echo(port, echo4, echo6):
    c = Client(port)
    for n in SIZES4:
        roundtrip(c, echo4, os.urandom(n), "ipv4")
    for n in SIZES6:
        roundtrip(c, echo6, os.urandom(n), "ipv6")
    log("ok echo: %d IPv4 and %d IPv6 sizes, byte-exact, framed with the echo's address" %
        (len(SIZES4), len(SIZES6)))

    # Large messages cut in pieces; then many messages in one write, a stream cut in random
    # pieces, and byte by byte.  The bursts stay small (<= 60 KB) so that loopback UDP does
    # not drop any of them.
    for n in (1500, 9000, 16377):
        roundtrip(c, echo4, os.urandom(n), "split ipv4", pieces=7)
    rng = random.Random(7)
    payloads = [os.urandom(rng.choice([n for n in SIZES4 if n <= 1500])) for _ in range(40)]
    stream = b"".join(data_msg(echo4.host, echo4.port, p) for p in payloads)
    c.s.sendall(stream)
    for p in payloads:
        m = c.recv_msg()
        check(m == data_msg(echo4.host, echo4.port, p), "coalesced: echo differs or missing")
    pos = 0
    while pos < len(stream):
        k = rng.randint(1, 3000)
        c.s.sendall(stream[pos:pos + k])
        pos += k
        time.sleep(0.001)
    for p in payloads:
        m = c.recv_msg()
        check(m == data_msg(echo4.host, echo4.port, p), "split: echo differs or missing")
    one = data_msg(echo4.host, echo4.port, b"byte by byte")
    for i in range(len(one)):
        c.s.sendall(one[i:i + 1])
        time.sleep(0.002)
    check(c.recv_msg() == one, "byte by byte: echo differs or missing")
    log("ok split: messages of up to 16377 bytes in 7 pieces, 40 in one write, a stream in pieces "
        "of 1..3000 bytes, one byte by byte")

    # Every datagram of a client leaves from one UDP socket: the echo saw one IPv4 source.
    v4_sources = {a for a in echo4.sources}
    check(len(v4_sources) == 1, "one client, several UDP sources: %r" % v4_sources)
    c.close()
    return v4_sources


def scenario_two(port, echo4, before):
    a, b = Client(port), Client(port)
    for i in range(50):
        pa, pb = b"A%d" % i + os.urandom(i * 20), b"B%d" % i + os.urandom(i * 30)
        a.send(echo4.host, echo4.port, pa)
        b.send(echo4.host, echo4.port, pb)
        check(a.recv_msg() == data_msg(echo4.host, echo4.port, pa), "two: A got a wrong echo")
        check(b.recv_msg() == data_msg(echo4.host, echo4.port, pb), "two: B got a wrong echo")
    new = echo4.sources - before
    check(len(new) == 2, "two clients should use two UDP sockets, saw %r" % new)
    log("ok two clients: 50 interleaved echoes each, each its own, from two UDP sockets")
    return a, b


GARBAGE = [
    ("not a record", b"GET / HTTP/1.1\r\nHost: relay\r\n\r\n"),
    ("length 0", b"\x17\x03\x03\x00\x00"),
    ("length above 16384", b"\x17\x03\x03\x40\x01" + b"\x00" * 100),
    ("unknown address type", record(b"\x05\x7f\x00\x00\x01\x27\x09abc")),
    ("body too short", record(b"\x04\x7f\x00\x00\x01\x27")),
    ("no destination", record(b"\x00abcd")),  # 5 bytes: 4 would be a hello
    ("ipv6 body too short", record(b"\x06" + b"\x00" * 12)),
]


def scenario_garbage(port, echo4, good):
    sink = Sink()
    for what, data in GARBAGE:
        g = Client(port)
        roundtrip(g, echo4, b"fine before", "garbage client")
        # A valid message and the garbage in one write: the first still goes.
        g.s.sendall(data_msg(sink.host, sink.port, what.encode()) + data)
        check(g.is_closed(3), "garbage (%s): client not closed" % what)
        got = [d for d, _ in sink.take(1)]
        check(got == [what.encode()], "garbage (%s): the message before it: %r" % (what, got))
        g.close()
        roundtrip(good, echo4, b"still here: " + what.encode(), "good client")
    log("ok garbage: %d kinds, each closes its client only (after sending the valid message "
        "before it)" % len(GARBAGE))


def scenario_slow(port, pid, echo4, good):
    sink = Sink()
    s = Client(port)
    s.send(sink.host, sink.port, b"here I am")
    got = sink.take(1)
    check(len(got) == 1, "slow: the sink did not hear the slow client")
    relay_udp = got[0][1]
    time.sleep(0.3)
    rss0 = rss_kib(pid)
    payload = b"\xab" * 1400
    n = 30000  # 42 MB at a client that never reads
    for i in range(n):
        sink.s.sendto(payload, relay_udp)
        if i % 3000 == 0:
            roundtrip(good, echo4, b"during the flood %d" % i, "good client")
    time.sleep(0.5)
    rss1 = rss_kib(pid)
    roundtrip(good, echo4, b"after the flood", "good client")
    log("ok slow: %d datagrams (%d MB) at a client that never reads; relay RSS %d -> %d KiB" %
        (n, n * 1400 // 1000000, rss0, rss1))
    check(rss1 - rss0 < 32 * 1024, "slow: relay RSS grew by %d KiB" % (rss1 - rss0))

    # What it finally reads is whole messages from the sink: drops never cut a message.
    count = 0
    while True:
        m = s.recv_msg(timeout=1.0)
        if m is None:
            break
        check(m == data_msg(sink.host, sink.port, payload),
              "slow: a queued message is not whole")
        count += 1
    check(0 < count < n, "slow: read %d of %d (expected some, with drops)" % (count, n))
    log("ok slow: then read %d whole messages of %d (the rest dropped)" % (count, n))
    s.close()


def main_scenario(port, pid):
    echo4, echo6 = Echo("127.0.0.1"), Echo("::1")
    before = scenario_echo(port, echo4, echo6)
    a, b = scenario_two(port, echo4, before)
    scenario_garbage(port, echo4, a)
    scenario_slow(port, pid, echo4, b)
    a.close()
    b.close()
    echo4.stop = echo6.stop = True


def limits_rate(port):
    sink = Sink()
    c = Client(port)
    t0 = time.monotonic()
    c.s.sendall(b"".join(data_msg(sink.host, sink.port, b"r" * 1000) for _ in range(200)))
    elapsed = time.monotonic() - t0
    got = len(sink.drain(1.0))
    # Bucket of 50000 bytes, refilled at 50000 B/s: ~50 datagrams of 1000 bytes get through.
    check(45 <= got <= 50 + 50 * (elapsed + 0.5), "rate: %d of 200 went through" % got)
    log("ok client-rate 50000: %d of 200 datagrams of 1000 bytes sent at once went through" % got)
    c.close()


def limits_allow(port):
    ok, other = Sink("127.0.0.1"), Sink("127.0.0.2")
    c = Client(port)
    c.send(other.host, other.port, b"not allowed")
    c.send("::1", other.port, b"not allowed either")
    c.send(ok.host, ok.port, b"allowed")
    check(len(ok.drain(1.0)) == 1, "allow: 127.0.0.1 did not get its datagram")
    check(len(other.drain(0.3)) == 0, "allow: 127.0.0.2 got a datagram")
    log("ok allow 127.0.0.1/32: 127.0.0.2 and ::1 refused, 127.0.0.1 served")
    c.close()


def limits_max_clients(port):
    sink = Sink()
    a, b = Client(port), Client(port)
    for c in (a, b):
        c.send(sink.host, sink.port, b"in")
    check(len(sink.take(2)) == 2, "max-clients: the first two clients were not served")
    # The relay resets a refused connection at once: before or after our hello is sent.
    try:
        c3 = Client(port)
        check(c3.is_closed(3), "max-clients 2: a third connection was not closed")
        c3.close()
    except (ConnectionResetError, BrokenPipeError):
        pass
    log("ok max-clients 2: a third connection is accepted and closed at once")
    a.close()
    time.sleep(0.5)
    d = Client(port)
    d.send(sink.host, sink.port, b"in again")
    check(len(sink.take(1)) == 1, "max-clients: after a close, a new client was not served")
    check(not d.is_closed(0.3), "max-clients: the new client was closed")
    log("ok max-clients 2: after one leaves, a new client is served")
    for c in (b, d):
        c.close()
    time.sleep(0.5)


def limits_idle(port):
    sink = Sink()
    quiet = Client(port)                       # hello, then nothing
    half = Client(port, hello=False)           # half a message, then nothing
    half.s.sendall(b"\x17\x03\x03\x00\x40\x04\x7f")
    time.sleep(0.2)
    t0 = time.monotonic()
    check(quiet.is_closed(4), "idle 2: a quiet client was not closed within 4 s")
    t_quiet = time.monotonic() - t0
    check(half.is_closed(1.5), "idle 2: a client stuck in a message was not closed")
    check(t_quiet >= 1.0, "idle 2: a quiet client was closed after %.1f s only" % t_quiet)
    log("ok idle 2: a quiet client closed after %.1f s, a half-sent message too" % (t_quiet + 0.2))
    busy = Client(port)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 4:
        busy.send(sink.host, sink.port, b"tick")
        time.sleep(0.5)
    check(not busy.is_closed(0.2), "idle 2: a client sending every 0.5 s was closed")
    log("ok idle 2: a client sending every 0.5 s is still open after 4 s")
    for c in (quiet, half, busy):
        c.close()


def limits_scenario(port):
    limits_rate(port)
    limits_allow(port)
    limits_max_clients(port)
    limits_idle(port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=["main", "limits"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    args = ap.parse_args()
    socket.setdefaulttimeout(10)
    if args.scenario == "main":
        main_scenario(args.port, args.pid)
    else:
        limits_scenario(args.port)
    log("ok %s" % args.scenario)


if __name__ == "__main__":
    main()
