#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/<harness>/ from tests/vectors/vl1.json.

Deterministic: running it again rewrites the same files.  It only (re)writes the files it
names; inputs added by hand (crash-*, fuzzer finds) are left alone.

usage: fuzz/make_corpus.py [path/to/vl1.json]
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ROOT_COUNT_OFFSET = 1 + 8 + 8 + 64 + 96          # world: type, id, timestamp, key, signature
PEER_COUNT_OFFSET = 1 + 71 + 8                   # peer cache: version, identity, versions


def h(s):
    return bytes.fromhex(s)


def put(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def patch(data, off, new):
    return data[:off] + new + data[off + len(new):]


def identity_text(v):
    ids = v["identities"]
    a, b = ids[0], ids[1]
    put("identity_text", "a-public", a["identity_public_string"].encode())
    put("identity_text", "a-secret", a["identity_secret_string"].encode())
    put("identity_text", "b-public-whitespace",
        b" \t" + b["identity_public_string"].encode() + b"\n")
    put("identity_text", "invalid-digest", ids[3]["identity_public_string"].encode())
    put("identity_text", "reserved-address",
        v["identity_reserved_address"]["identity_public_string"].encode())
    put("identity_text", "truncated", a["identity_public_string"][:-3].encode())
    put("identity_text", "five-fields", (a["identity_secret_string"] + ":00").encode())
    put("identity_text", "bad-type", a["identity_public_string"].replace(":0:", ":1:", 1).encode())


def identity_bin(v):
    ids = v["identities"]
    pub_a, sec_b = h(ids[0]["binary_public"]), h(ids[1]["binary_with_secret"])
    put("identity_bin", "a-public", pub_a)
    put("identity_bin", "b-secret", sec_b)
    put("identity_bin", "a-then-c", pub_a + h(ids[2]["binary_public"]))
    put("identity_bin", "truncated", sec_b[:100])
    put("identity_bin", "bad-secret-length", patch(pub_a, 70, b"\x20"))
    put("identity_bin", "bad-type", patch(pub_a, 5, b"\x01"))
    put("identity_bin", "reserved-address", patch(pub_a, 0, b"\xff"))


def packet(v):
    for k in ("hello_suite0", "ok_hello_suite1", "echo_suite1", "echo_suite3", "lz4_user_message"):
        put("packet", k, h(v[k]["armored"]))
    frag = v["fragmentation"]["wire_datagrams"]
    put("packet", "fragment-2", h(frag[2]))
    put("packet", "lz4-plaintext", h(v["lz4_user_message"]["plaintext_compressed_packet"]))
    echo = h(v["echo_suite1"]["armored"])
    put("packet", "bad-mac", patch(echo, 19, bytes([echo[19] ^ 1])))
    put("packet", "truncated", echo[:27])
    put("packet", "short-fragment", echo[:13] + b"\xff\x32\x00")


def record(data, step=0):
    return struct.pack(">HB", len(data), step) + data


def defrag(v):
    frag = [h(x) for x in v["fragmentation"]["wire_datagrams"]]
    put("defrag", "in-order", b"".join(record(x) for x in frag))
    put("defrag", "reversed", b"".join(record(x, 1) for x in reversed(frag)))
    # The set times out (more than 100 steps of 50 ms) before the last fragment arrives.
    put("defrag", "timeout", record(frag[0]) + record(frag[1]) + record(frag[2], 0x80 | 101)
        + record(frag[2], 100))
    # Small synthetic set: a 40-byte head and two fragments; a duplicate; bad counts.
    pid = bytes(range(1, 9))
    head = pid + b"\x11" * 10 + b"\x40" + b"\x00" * 8 + b"\x06" + b"h" * 12
    f1 = pid + b"\x22" * 5 + b"\xff\x31\x00" + b"one"
    f2 = pid + b"\x22" * 5 + b"\xff\x32\x00" + b"two"
    put("defrag", "small-set", record(f2) + record(head, 3) + record(f1, 3))
    put("defrag", "duplicate", record(f1) + record(f1) + record(head) + record(f2))
    put("defrag", "bad-counts", record(patch(f1, 14, b"\x81")) + record(patch(f1, 14, b"\x30"))
        + record(patch(f1, 14, b"\x21")) + record(head))
    put("defrag", "whole-packet", record(h(v["echo_suite1"]["armored"])))
    sevens = [pid + b"\x22" * 5 + b"\xff" + bytes([0x70 | i]) + b"\x00" + bytes([i]) * 4
              for i in range(1, 7)]
    put("defrag", "seven-pieces", record(head) + b"".join(record(x, 0x01) for x in sevens))


def lz4(v):
    body = h(v["lz4_user_message"]["plaintext_compressed_packet"])[28:]
    put("lz4", "user-message", body)
    put("lz4", "truncated", body[:len(body) // 2])
    # Hand-made LZ4 blocks: literals only; one overlapping match then literals.
    put("lz4", "literals", b"\x50hello")
    put("lz4", "match", b"\x1fa\x01\x00\x00\x50bcdef")
    put("lz4", "bad-offset", b"\x1fa\x40\x00\x00\x50bcdef")
    # A match whose length runs past ZT_PKT_MAX_LEN.
    put("lz4", "too-long", b"\x1fa\x01\x00" + b"\xff" * 45 + b"\x00\x50bcdef")
    put("lz4", "empty", b"")
    put("lz4", "compressible-text", b"compress me please; " * 12)


def world(v):
    planet, moon = h(v["planet"]["serialized"]), h(v["moon"]["serialized"])
    default = h(v["default_planet"]["serialized"])
    put("world", "planet", planet)
    put("world", "moon", moon)
    put("world", "default-planet", default)
    put("world", "planet-then-moon", planet + moon)
    put("world", "truncated", planet[:200])
    put("world", "trailing-byte", planet + b"\x00")
    put("world", "too-many-roots", patch(planet, ROOT_COUNT_OFFSET, b"\x05"))
    put("world", "too-many-endpoints", patch(planet, ROOT_COUNT_OFFSET + 72, b"\x21"))
    put("world", "reserved-root", patch(planet, ROOT_COUNT_OFFSET + 1, b"\xff"))
    put("world", "bad-type", patch(planet, 0, b"\x02"))
    # A third endpoint in the reserved "other" form (type 3, length-prefixed).
    ep = ROOT_COUNT_OFFSET + 72
    put("world", "reserved-endpoint", planet[:ep] + b"\x03" + planet[ep + 1:] + b"\x03\x00\x02zz")
    put("world", "moon-big-dict", moon[:-2] + b"\x09\x00" + b"d" * 16)
    put("world", "moon-dict", moon[:-2] + b"\x00\x05hello")


def inetaddr(v):
    eps = v["planet"]["root_stable_endpoints"]
    for i, e in enumerate(eps):
        put("inetaddr", "text-%d" % i, e.encode())
    put("inetaddr", "text-hello", v["hello_suite0"]["physical_destination"].encode())
    put("inetaddr", "text-mapped", b"::ffff:203.0.113.7/0")
    put("inetaddr", "text-bad-port", b"192.0.2.1/65536")
    put("inetaddr", "text-no-port", b"192.0.2.1")
    # Binary: the two endpoints of the planet's root, then reserved and invalid forms.
    planet = h(v["planet"]["serialized"])
    put("inetaddr", "bin-v4-v6", planet[ROOT_COUNT_OFFSET + 73:])
    put("inetaddr", "bin-reserved", b"\x00" + b"\x01" + b"\x00" * 6 + b"\x03\x00\x03abc"
        + b"\x04\x7f\x00\x00\x01\x26\x0d")
    put("inetaddr", "bin-invalid-type", b"\x07\x01\x02")
    put("inetaddr", "bin-truncated-v6", b"\x06" + b"\x20\x01\x0d\xb8" + b"\x00" * 6)


def peercache(v):
    pc = h(v["peer_cache"]["contents"])
    count = PEER_COUNT_OFFSET
    put("peercache", "record", pc)
    put("peercache", "truncated", pc[:90])
    put("peercache", "version-1", patch(pc, 0, b"\x01"))
    put("peercache", "too-many-paths", patch(pc, count, b"\x00\x41"))
    put("peercache", "reserved-path", patch(pc, count, b"\x00\x03") + b"\x01" + b"\x00" * 6)
    put("peercache", "reserved-address", patch(pc, 1, b"\xff"))
    sec = h(v["identities"][1]["binary_with_secret"])
    put("peercache", "with-secret", pc[:1] + sec + pc[72:])
    put("peercache", "trailing", pc + b"\x99" * 3)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "vectors", "vl1.json")
    with open(path) as f:
        v = json.load(f)
    for fn in (identity_text, identity_bin, packet, defrag, lz4, world, inetaddr, peercache):
        fn(v)


if __name__ == "__main__":
    main()
