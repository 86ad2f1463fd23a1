#!/usr/bin/env python3
"""A NAT-PMP gateway for tests/integration/port_mapping.sh (RFC 6886), standard library only.

Answers, on UDP <bind>:5351, the public address request (opcode 0) and the UDP mapping
request (opcode 1); any other opcode gets result 5 (unsupported opcode), another version
result 1.  Mappings are only remembered, never carried out: the first one gets the external
port --external-port (later ones the internal port), a renewal keeps its port, a request with
lifetime 0 deletes the mapping.  The lifetime granted is the one asked for, capped at
--lifetime (short, so that the client renews within the test).

Every request is logged to --log, one line each, flushed at once:
    request op=0 from=10.77.0.2:40001
    request op=1 internal=23456 suggested=23456 lifetime=3600 granted=20 external=31337 \
from=10.77.0.2:40001
and "ready" once the socket is bound.  Runs until killed (the test's trap ends it).
"""
import argparse
import socket
import struct
import sys
import time

NATPMP_PORT = 5351


def answer(req, state, args):
    """The reply to one request (bytes) and its log line."""
    epoch = int(time.monotonic() - state["start"]) & 0xFFFFFFFF
    if len(req) < 2:
        return None, "request short len=%d" % len(req)
    version, op = req[0], req[1]
    if version != 0:
        return struct.pack("!BBHI", 0, 128 | op, 1, epoch), "request version=%d" % version
    if op == 0 and len(req) == 2:
        return (struct.pack("!BBHI4s", 0, 128, 0, epoch, socket.inet_aton(args.public)),
                "request op=0")
    if op == 1 and len(req) == 12:
        internal, suggested, lifetime = struct.unpack("!HHI", req[4:12])
        maps = state["maps"]
        if lifetime == 0:
            maps.pop(internal, None)
            granted, external = 0, 0
        else:
            granted = min(lifetime, args.lifetime)
            if internal not in maps:
                maps[internal] = args.external_port if not maps else internal
            external = maps[internal]
        line = ("request op=1 internal=%d suggested=%d lifetime=%d granted=%d external=%d"
                % (internal, suggested, lifetime, granted, external))
        return struct.pack("!BBHIHHI", 0, 129, 0, epoch, internal, external, granted), line
    return struct.pack("!BBHI", 0, 128 | op, 5, epoch), "request op=%d unsupported" % op


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bind", required=True, help="address to answer on (the gateway's)")
    ap.add_argument("--public", required=True, help="public IPv4 address to report")
    ap.add_argument("--external-port", type=int, required=True)
    ap.add_argument("--lifetime", type=int, default=20, help="longest lifetime granted (s)")
    ap.add_argument("--log", required=True)
    args = ap.parse_args()

    log = open(args.log, "a", buffering=1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.bind, NATPMP_PORT))
    state = {"start": time.monotonic(), "maps": {}}
    log.write("ready\n")
    while True:
        req, peer = sock.recvfrom(1100)
        reply, line = answer(req, state, args)
        log.write("%s from=%s:%d\n" % (line, peer[0], peer[1]))
        if reply is not None:
            sock.sendto(reply, peer)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
