#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/stack/ for fuzz_stack (see the top of fuzz/fuzz_stack.c
for the input format and the addresses).

Hand-made frames from the peer 10.147.17.2 / fd80:56c2:e21c:0:199:93ab:cdef:123 (MAC
32:11:22:33:44:55) to the harness's netif: ARP, ICMP echo, TCP handshakes with options, data
and FIN, UDP, IPv4 and IPv6 fragments, neighbor solicitation, MLD and IGMP queries.  Every
checksum is right, although the stack does not check them.  TCP acknowledgments are written
relative to the stack's (random) ISN; the harness adds the ISN (selector bit 3).

Deterministic; it only (re)writes the files it names, so fuzzer finds and crash-* files stay.

usage: fuzz/make_stack_corpus.py
"""
import ipaddress
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "stack")

MAC_US = bytes.fromhex("32aabbccdd01")
MAC_PEER = bytes.fromhex("321122334455")
US4 = ipaddress.IPv4Address("10.147.17.1").packed
PEER4 = ipaddress.IPv4Address("10.147.17.2").packed
US6 = ipaddress.IPv6Address("fd80:56c2:e21c:0:199:9312:3456:789a").packed
PEER6 = ipaddress.IPv6Address("fd80:56c2:e21c:0:199:93ab:cdef:123").packed
LL_PEER = ipaddress.IPv6Address("fe80::3011:22ff:fe33:4455").packed
ALL_NODES = ipaddress.IPv6Address("ff02::1").packed
ALL_SYSTEMS = ipaddress.IPv4Address("224.0.0.1").packed

ET_IP4, ET_ARP, ET_IP6 = 0x0800, 0x0806, 0x86DD

# Selector bits (fuzz_stack.c).
DST_US, DST_BCAST, DST_GROUP, DST_OTHER = 0, 1, 2, 3
RAW, RELACK, APP, CLOSE = 0x04, 0x08, 0x10, 0x20
TIMERS1, TIMERS8, TIMERS64 = 0x40, 0x80, 0xC0

# Input flags.
MTU_2800, MTU_1280, MTU_1500, MTU_9000 = 0, 1, 2, 3


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def pseudo4(src, dst, proto, length):
    return src + dst + struct.pack("!BBH", 0, proto, length)


def pseudo6(src, dst, nh, length):
    return src + dst + struct.pack("!I3xB", length, nh)


def ipv4(src, dst, proto, payload, ident=1, frag=0, ttl=64, options=b""):
    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload), ident, frag, ttl,
                      proto, 0, src, dst) + options
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def ipv6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, hlim, src, dst) + payload


def l4(proto, src, dst, seg, ck_off):
    """Fills in the checksum of a TCP (6), UDP (17) or ICMPv6 (58) segment."""
    ph = pseudo4(src, dst, proto, len(seg)) if len(src) == 4 else pseudo6(src, dst, proto, len(seg))
    ck = csum(ph + seg)
    if proto == 17 and ck == 0:
        ck = 0xFFFF
    return seg[:ck_off] + struct.pack("!H", ck) + seg[ck_off + 2:]


def tcp(src, dst, sport, dport, seq, ack, flags, data=b"", options=b"", window=65535):
    off = (20 + len(options)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, window, 0, 0)
    return l4(6, src, dst, seg + options + data, 16)


def udp(src, dst, sport, dport, data):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    return l4(17, src, dst, seg, 6)


def icmp4_echo(ident, seq, data):
    msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]


def icmp6(src, dst, typ, code, body):
    return l4(58, src, dst, struct.pack("!BBH", typ, code, 0) + body, 2)


def arp(op, smac, sip, tmac, tip):
    return struct.pack("!HHBBH6s4s6s4s", 1, ET_IP4, 6, 4, op, smac, sip, tmac, tip)


def solicited_node(addr):
    return bytes.fromhex("ff020000000000000000000000000001ff") + addr[13:]


def frame(ethertype, payload, src=MAC_PEER):
    return struct.pack("!H", ethertype) + src + payload


def rec(sel, data):
    return struct.pack("!BH", sel, len(data)) + data


def put(name, flags, *records):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([flags]) + b"".join(records))


# Frames used by several seeds.
ARP_WHO_HAS_US = rec(DST_BCAST, frame(ET_ARP, arp(1, MAC_PEER, PEER4, bytes(6), US4)))
NS_US = rec(DST_GROUP, frame(ET_IP6, ipv6(
    PEER6, solicited_node(US6), 58,
    icmp6(PEER6, solicited_node(US6), 135, 0, bytes(4) + US6 + b"\x01\x01" + MAC_PEER), 255)))
MSS_WS_SACK = (b"\x02\x04\x05\xb4"      # MSS 1460
               b"\x01\x03\x03\x07"      # NOP, window scale 7
               b"\x04\x02\x01\x01")     # SACK permitted, NOP, NOP


def tcp_session(src, dst, dport, ip, ethertype, request):
    """SYN with options, the handshake's ACK, a request, the application's turn, FIN."""
    sport, seq = 40000, 1000
    syn = tcp(src, dst, sport, dport, seq, 0, 0x02, options=MSS_WS_SACK, window=64240)
    ack = tcp(src, dst, sport, dport, seq + 1, 1, 0x10, window=502)
    data = tcp(src, dst, sport, dport, seq + 1, 1, 0x18, request, window=502)
    fin = tcp(src, dst, sport, dport, seq + 1 + len(request), 1 + len(request), 0x11, window=502)
    ack_fin = tcp(src, dst, sport, dport, seq + 2 + len(request), 2 + len(request), 0x10,
                  window=502)
    return [
        rec(DST_US, frame(ethertype, ip(src, dst, 6, syn))),
        rec(DST_US | RELACK, frame(ethertype, ip(src, dst, 6, ack))),
        rec(DST_US | RELACK | APP, frame(ethertype, ip(src, dst, 6, data))),
        rec(DST_US | RELACK | APP | CLOSE, frame(ethertype, ip(src, dst, 6, fin))),
        rec(DST_US | RELACK | TIMERS1, frame(ethertype, ip(src, dst, 6, ack_fin))),
    ]


def ip4(src, dst, proto, payload):
    return ipv4(src, dst, proto, payload)


def ip6(src, dst, nh, payload):
    return ipv6(src, dst, nh, payload)


def frags4(src, dst, proto, payload, size, ident, order=None):
    """|payload| (a transport segment) as IPv4 fragments of |size| bytes (a multiple of 8)."""
    pieces = []
    for off in range(0, len(payload), size):
        more = 0x2000 if off + size < len(payload) else 0
        pieces.append(ipv4(src, dst, proto, payload[off:off + size], ident, more | (off // 8)))
    return [pieces[i] for i in (order or range(len(pieces)))]


def frags6(src, dst, nh, payload, size, ident):
    pieces = []
    for off in range(0, len(payload), size):
        more = 1 if off + size < len(payload) else 0
        fh = struct.pack("!BBHI", nh, 0, off | more, ident)
        pieces.append(ipv6(src, dst, 44, fh + payload[off:off + size]))
    return pieces


def ptb_then_echo(mtu, size):
    """An echo (so the stack has a destination cache entry for the peer), a Packet Too Big
    about a packet to the peer with |mtu|, then an echo request of |size| bytes."""
    first = icmp6(PEER6, US6, 128, 0, struct.pack("!HH", 9, 1) + b"x" * 16)
    inner = ipv6(US6, PEER6, 58, bytes(8))
    ptb = icmp6(PEER6, US6, 2, 0, struct.pack("!I", mtu) + inner)
    big = icmp6(PEER6, US6, 128, 0, struct.pack("!HH", 9, 2) + bytes(size))
    return [rec(DST_US, frame(ET_IP6, ip6(PEER6, US6, 58, m))) for m in (first, ptb, big)]


def main():
    put("arp-request", MTU_2800, ARP_WHO_HAS_US)
    put("arp-reply", MTU_2800,
        rec(DST_US, frame(ET_ARP, arp(2, MAC_PEER, PEER4, MAC_US, US4))))

    echo = icmp4_echo(0x1234, 1, bytes(range(56)))
    put("icmp4-echo", MTU_2800, ARP_WHO_HAS_US, rec(DST_US, frame(ET_IP4, ip4(PEER4, US4, 1, echo))))
    # Without ARP first: the reply waits for the answer to our ARP request.
    put("icmp4-echo-raw", MTU_2800,
        rec(DST_US | RAW, ip4(PEER4, US4, 1, echo)),
        rec(DST_US, frame(ET_ARP, arp(2, MAC_PEER, PEER4, MAC_US, US4))))

    put("tcp4-syn-80", MTU_2800, ARP_WHO_HAS_US,
        *tcp_session(PEER4, US4, 80, ip4, ET_IP4, b"GET / HTTP/1.0\r\n\r\n"))
    put("tcp4-syn-8080-dual", MTU_1500, ARP_WHO_HAS_US,
        *tcp_session(PEER4, US4, 8080, ip4, ET_IP4, b"hello, dual stack\n"))
    put("tcp4-syn-closed-port", MTU_2800, ARP_WHO_HAS_US,
        rec(DST_US, frame(ET_IP4, ip4(PEER4, US4, 6,
                                      tcp(PEER4, US4, 40001, 81, 5000, 0, 0x02, options=MSS_WS_SACK)))))

    dgram = b"ping over udp"
    put("udp4-5000", MTU_2800, ARP_WHO_HAS_US,
        rec(DST_US | APP, frame(ET_IP4, ip4(PEER4, US4, 17, udp(PEER4, US4, 3333, 5000, dgram)))))
    put("udp4-5001-dual", MTU_2800, ARP_WHO_HAS_US,
        rec(DST_US | APP, frame(ET_IP4, ip4(PEER4, US4, 17, udp(PEER4, US4, 3333, 5001, dgram)))))
    put("udp4-group", MTU_2800, ARP_WHO_HAS_US,
        rec(DST_GROUP | APP, frame(ET_IP4, ip4(PEER4, bytes([239, 1, 2, 3]), 17,
                                               udp(PEER4, bytes([239, 1, 2, 3]), 3333, 5000, dgram)))))

    # A 3000-byte datagram in three fragments, echoed back (fragmented again at MTU 1500).
    big = udp(PEER4, US4, 3334, 5000, bytes(i & 0xFF for i in range(3000)))
    put("ip4-frags", MTU_1500, ARP_WHO_HAS_US,
        *[rec(DST_US | (APP if i == 2 else 0), frame(ET_IP4, f))
          for i, f in enumerate(frags4(PEER4, US4, 17, big, 1200, 0x4242))])
    put("ip4-frags-reversed", MTU_2800, ARP_WHO_HAS_US,
        *[rec(DST_US, frame(ET_IP4, f)) for f in frags4(PEER4, US4, 17, big, 1200, 0x4343, [2, 1, 0])],
        rec(DST_US | APP | TIMERS8, b""))
    # Only the first fragment: reassembly times out (ICMP time exceeded) in the timers.
    put("ip4-frag-timeout", MTU_2800, ARP_WHO_HAS_US,
        rec(DST_US | TIMERS64, frame(ET_IP4, frags4(PEER4, US4, 17, big, 1200, 0x4444)[0])))

    put("ip6-ns", MTU_2800, NS_US)
    put("icmp6-echo", MTU_2800, NS_US,
        rec(DST_US, frame(ET_IP6, ip6(PEER6, US6, 58,
                                      icmp6(PEER6, US6, 128, 0, struct.pack("!HH", 7, 1) + b"abcdefgh" * 8)))))
    put("tcp6-syn-80", MTU_2800, NS_US,
        *tcp_session(PEER6, US6, 80, ip6, ET_IP6, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
    put("tcp6-syn-8080", MTU_1280, NS_US,
        *tcp_session(PEER6, US6, 8080, ip6, ET_IP6, b"v6 to the dual-stack listener\n"))
    put("udp6-5000", MTU_2800, NS_US,
        rec(DST_US | APP, frame(ET_IP6, ip6(PEER6, US6, 17, udp(PEER6, US6, 3333, 5000, dgram)))))
    big6 = udp(PEER6, US6, 3335, 5001, bytes((7 * i) & 0xFF for i in range(4000)))
    put("ip6-frags", MTU_2800, NS_US,
        *[rec(DST_US | (APP if i == 2 else 0), frame(ET_IP6, f))
          for i, f in enumerate(frags6(PEER6, US6, 17, big6, 1448, 0x01020304))])

    # MLDv1 general query from a link-local router, with the hop-by-hop router alert.
    mld = icmp6(LL_PEER, ALL_NODES, 130, 0, struct.pack("!HH", 1000, 0) + bytes(16))
    hbh = b"\x3a\x00\x05\x02\x00\x00\x01\x00"
    put("mld-query", MTU_2800,
        rec(DST_GROUP | TIMERS64, frame(ET_IP6, ipv6(LL_PEER, ALL_NODES, 0, hbh + mld, 1))))
    # IGMPv2 general query, router alert option, max response 1 s.
    igmp = struct.pack("!BBH4s", 0x11, 10, 0, bytes(4))
    igmp = igmp[:2] + struct.pack("!H", csum(igmp)) + igmp[4:]
    put("igmp-query", MTU_2800,
        rec(DST_GROUP | TIMERS64, frame(ET_IP4, ipv4(PEER4, ALL_SYSTEMS, 2, igmp, ttl=1,
                                                     options=b"\x94\x04\x00\x00"))))

    # Known lwIP bug (docs/internals/fuzzing.md): a Packet Too Big for a destination we sent
    # to sets its path MTU as it is.  The harness does not feed these two; without that filter
    # the first makes lwIP send a 4048-byte frame at MTU 2800, the second hangs in ip6_frag().
    put("known-lwip-ptb-big", MTU_2800, NS_US, *ptb_then_echo(9000, 4000))
    put("known-lwip-ptb-tiny", MTU_2800, NS_US, *ptb_then_echo(50, 64))

    # A datagram "from" our own address: the echo loops back (netif_loop_output queues a
    # netif_poll() on tcpip_thread), then the netif is deleted.  zt__stack_netif_del() used to
    # free it under that queued call (use after free on tcpip_thread, about 9 runs in 10).
    loop = udp(US4, US4, 3333, 5000, b"to myself")
    put("crash-netif-del-loopback", MTU_2800 | 0x04, ARP_WHO_HAS_US,
        rec(DST_US | APP, frame(ET_IP4, ip4(US4, US4, 17, loop))))

    # The netif made again at the end (flags bit 2), after a UDP echo.
    put("recreate", MTU_9000 | 0x04, ARP_WHO_HAS_US,
        rec(DST_US | APP, frame(ET_IP4, ip4(PEER4, US4, 17, udp(PEER4, US4, 3333, 5000, dgram)))))


if __name__ == "__main__":
    main()
