/*
 * lwipopts.h: our lwIP 2.1.3 configuration.  Only what differs from lwIP's opt.h, or what
 * must be stated, is set here; each choice says why.  Sizes follow design.md (MTU 2800,
 * windows and buffers >= 1 MiB, >= 1024 sockets) and the limits api.md §3.12 lets
 * callers observe (we may raise them, never lower them).
 */
#ifndef ZT_STACK_LWIPOPTS_H
#define ZT_STACK_LWIPOPTS_H

/* ---- Threads and locking (style.md §7) ----------------------------------------------------- */

/* tcpip_thread owns the core; the socket API calls into it from application threads. */
#define NO_SYS                          0
/* API calls take the core lock instead of a round trip through tcpip_thread's mailbox. */
#define LWIP_TCPIP_CORE_LOCKING         1
#define SYS_LIGHTWEIGHT_PROT            1
/* Our port records who holds the core lock (sys_arch.c), so lwIP's checks have teeth. */
#define LOCK_TCPIP_CORE()               zt__sys_core_lock()
#define UNLOCK_TCPIP_CORE()             zt__sys_core_unlock()
#define LWIP_ASSERT_CORE_LOCKED()       zt__sys_assert_core_locked()
#define LWIP_MARK_TCPIP_THREAD()        zt__sys_mark_tcpip_thread()

/* 0: the pthread default stack; priorities mean nothing to the port. */
#define TCPIP_THREAD_NAME               "zt-lwip"
#define TCPIP_THREAD_STACKSIZE          0
#define TCPIP_THREAD_PRIO               0
#define DEFAULT_THREAD_STACKSIZE        0
/* Mailboxes are bounded rings; 0 (opt.h's default) would make every one of them unusable.
 * tcpip_thread's takes every frame from every netif, so it is deep. */
#define TCPIP_MBOX_SIZE                 1024
/* One entry is one pbuf chain; with a 1 MiB window ~400 full segments may wait to be read. */
#define DEFAULT_TCP_RECVMBOX_SIZE       512
#define DEFAULT_UDP_RECVMBOX_SIZE       256
#define DEFAULT_RAW_RECVMBOX_SIZE       64
#define DEFAULT_ACCEPTMBOX_SIZE         128

/* ---- Memory ------------------------------------------------------------------------------- */

/* Heap and pools come from malloc: no fixed arena to size, and ASan sees every buffer
 * (lwIP's own allocators would hide overruns).  With MEMP_MEM_MALLOC the MEMP_NUM_* counts
 * below are no longer caps (memory is); they state the floor we promise.  The one hard cap
 * left is NUM_SOCKETS (MEMP_NUM_NETCONN), a static array in sockets.c. */
#define MEM_LIBC_MALLOC                 1
#define MEMP_MEM_MALLOC                 1
/* opt.h assumes 1 (8-bit targets); UBSan flags misaligned u32/u64 fields otherwise. */
#define MEM_ALIGNMENT                   8

/* ---- Sizes -------------------------------------------------------------------------------- */

/* Virtual network MTU (design.md); the netif sets it, pbufs and MSS are sized from it. */
#define ZT_STACK_MTU                    2800
/* A received frame (Ethernet header + MTU) fits one pool pbuf, so input never chains. */
#define PBUF_POOL_BUFSIZE               LWIP_MEM_ALIGN_SIZE(ZT_STACK_MTU + PBUF_LINK_HLEN + \
                                                            PBUF_LINK_ENCAPSULATION_HLEN)

/* api.md §3.12: 1024 sockets, TCP PCBs, listening PCBs, UDP PCBs.  NUM_SOCKETS is
 * MEMP_NUM_NETCONN; it also equals FD_SETSIZE (1024), which lwip_select needs because
 * cc.h makes lwIP use libc's fd_set. */
#define MEMP_NUM_NETCONN                1024
#define MEMP_NUM_TCP_PCB                1024
#define MEMP_NUM_TCP_PCB_LISTEN         1024
#define MEMP_NUM_UDP_PCB                1024
#define MEMP_NUM_NETBUF                 1024
/* Enough queued segments for full 1 MiB send buffers on many connections. */
#define MEMP_NUM_TCP_SEG                8192
/* Groups include the ones the stack joins itself (IPv6 solicited-node): one per address per
 * netif, several netifs per node; api.md asks us to raise the seed's 8 and 4. */
#define MEMP_NUM_IGMP_GROUP             64
#define MEMP_NUM_MLD6_GROUP             64
/* Room for the SDK's own timers (src/stack/timers.c) beside lwIP's. */
#define MEMP_NUM_SYS_TIMEOUT            (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 16)

/* ---- IP ----------------------------------------------------------------------------------- */

#define LWIP_IPV4                       1
#define LWIP_IPV6                       1
#define LWIP_ARP                        1
#define LWIP_ETHERNET                   1
/* Managed, RFC 4193 and 6PLANE addresses plus link-local; the seed's 3 is a floor. */
#define LWIP_IPV6_NUM_ADDRESSES         8
/* Addresses come from the network controller, not router advertisements (none on ZeroTier
 * networks); taking no RA config means a peer cannot add addresses or routes to our netif. */
#define LWIP_IPV6_AUTOCONFIG            0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT   0
#define LWIP_IPV6_DHCP6                 0
#define LWIP_DHCP                       0
#define LWIP_AUTOIP                     0
/* Multicast: IGMP and MLD so netifs join groups (ZeroTier multicast subscriptions follow
 * them); IGMP needs the TX options (IP_MULTICAST_TTL/IF/LOOP). */
#define LWIP_IGMP                       1
#define LWIP_IPV6_MLD                   1
#define LWIP_MULTICAST_TX_OPTIONS       1
/* A 64 KiB datagram at MTU 2800 is ~24 fragments; opt.h's 10 pbufs would drop it. */
#define IP_REASS_MAX_PBUFS              64
/* IPv6 reassembly keeps a pointer in each fragment header (8 bytes) unless told to copy the
 * header aside; 64-bit pointers do not fit (lwIP asserts from its 1 s timer). */
#define IPV6_FRAG_COPYHEADER            1
/* Raw sockets stay off, as in the seed (api.md: ZTS_SOCK_RAW fails). */
#define LWIP_RAW                        0

/* ---- TCP ---------------------------------------------------------------------------------- */

#define LWIP_TCP                        1
/* MSS = MTU - 40 (issue 8): the largest IPv4 segment at MTU 2800.  lwIP lowers it per
 * connection to fit the netif's MTU and the IPv6 header (TCP_CALCULATE_EFF_SEND_MSS). */
#define TCP_MSS                         (ZT_STACK_MTU - 40)
/* Long fat paths: 1 MiB windows need window scaling; 2^5 is the smallest shift that lets
 * a 16-bit window field say 1 MiB (0xffff << 5 >= 1 MiB). */
#define LWIP_WND_SCALE                  1
#define TCP_RCV_SCALE                   5
#define TCP_WND                         (1024 * 1024)
#define TCP_SND_BUF                     (1024 * 1024)
/* opt.h derives SNDLOWAT from SND_BUF (512 KiB), over the u16 limit init.c checks; select()
 * reports writable once this much space is free. */
#define TCP_SNDLOWAT                    (16 * TCP_MSS)
/* Out-of-order data is kept (needed for SACK) and selective ACKs are sent. */
#define TCP_QUEUE_OOSEQ                 1
#define LWIP_TCP_SACK_OUT               1
/* TCP timers every 10 ms (slow timer 20 ms) instead of 250/500: retransmission timeouts are
 * counted in slow ticks and settle at ~3 of them above the round trip, so a lost segment
 * that fast retransmit does not repair costs ~60 ms (Linux: 200 ms, but with SACK and tail
 * loss probes it rarely waits for one) instead of 1.5 s, and a delayed ACK waits at most
 * 10 ms.  The timer runs only while TCP connections exist. */
#define TCP_TMR_INTERVAL                10
/* zts_listen's backlog is enforced (capped at 255, api.md §5.7). */
#define TCP_LISTEN_BACKLOG              1
/* TCP_KEEPIDLE/KEEPINTVL/KEEPCNT socket options. */
#define LWIP_TCP_KEEPALIVE              1
/* lwIP's default ISN is a global counter advanced by the timer, i.e. guessable by anyone on
 * the network; draw each one from the CSPRNG instead (cc.h LWIP_RAND). */
#define LWIP_HOOK_TCP_ISN(lip, lport, rip, rport) LWIP_RAND()

/* ---- UDP, DNS ----------------------------------------------------------------------------- */

#define LWIP_UDP                        1
/* Resolver for zts_add_dns_nameserver (api.md §5.8 allows it); idle until a server is
 * set.  Query IDs and source ports are random (LWIP_DNS_SECURE default). */
#define LWIP_DNS                        1

/* ---- Netifs ------------------------------------------------------------------------------- */

/* netifapi_* for adding and configuring netifs from outside tcpip_thread. */
#define LWIP_NETIF_API                  1
#define LWIP_NETIF_STATUS_CALLBACK      1
#define LWIP_NETIF_LINK_CALLBACK        1
/* Address and state changes reach the SDK's event queue through one callback. */
#define LWIP_NETIF_EXT_STATUS_CALLBACK  1
/* 127.0.0.1 / ::1 and sends to our own addresses loop back: tests run the whole stack with
 * no virtual network, and apps may talk to themselves. */
#define LWIP_HAVE_LOOPIF                1
#define LWIP_NETIF_LOOPBACK             1

/* ---- Sequential and socket APIs ----------------------------------------------------------- */

#define LWIP_NETCONN                    1
#define LWIP_SOCKET                     1
/* Never macro-rename socket/read/close/...: the intercept library must see libc's
 * (style.md §7). */
#define LWIP_COMPAT_SOCKETS             0
#define LWIP_POSIX_SOCKETS_IO_NAMES     0
/* Nor htons/ntohl, which libc provides as functions and macros of its own.  Except for programs
 * of the modern library (ZT_LIBZT_MODERN, cmake/libzt.cmake), which get lwIP's, as libzt 1.8's
 * stack configuration gave them: DevilutionX's lwIP code calls htons with lwIP's headers alone
 * (api-modern.md §9.2), since libc's socket headers clash with lwIP's. */
#ifndef ZT_LIBZT_MODERN
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1
#endif
#define LWIP_SOCKET_SELECT              1
#define LWIP_SOCKET_POLL                1
/* Socket options the zts_* API exposes (api.md §3.8). */
#define LWIP_SO_RCVTIMEO                1
#define LWIP_SO_SNDTIMEO                1
#define LWIP_SO_RCVBUF                  1
#define LWIP_SO_LINGER                  1
#define SO_REUSE                        1

/* ---- Checksums ------------------------------------------------------------------------------ */

/* Frames reach the stack only after ZeroTier authenticated them (Poly1305 or GMAC over the
 * whole packet, vl1.md §3), so checking IP/TCP/UDP/ICMP checksums again buys nothing; outgoing
 * checksums are generated, since real peers' kernels check them. */
#define CHECKSUM_CHECK_IP               0
#define CHECKSUM_CHECK_UDP              0
#define CHECKSUM_CHECK_TCP              0
#define CHECKSUM_CHECK_ICMP             0
#define CHECKSUM_CHECK_ICMP6            0

/* ---- Routing hooks (src/stack/lwiphooks.h) ----------------------------------------------------- */

/* ZeroTier networks route by the prefixes and routes of their config, which lwIP's own rules
 * (one IPv4 subnet per netif, IPv6 /64 on-link) cannot express: 6PLANE is a /80 per node
 * inside a /40, RFC 4193 a /88, managed routes may name a gateway. */
#define LWIP_HOOK_FILENAME              "lwiphooks.h"
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest)  zt__stack_route4((src), (dest))
#define LWIP_HOOK_ETHARP_GET_GW(netif, dest) zt__stack_gw4((netif), (dest))
#define LWIP_HOOK_IP6_ROUTE(src, dest)      zt__stack_route6((src), (dest))
#define LWIP_HOOK_ND6_GET_GW(netif, dest)   zt__stack_gw6((netif), (dest))
/* ICMPv6 Packet Too Big with an MTU below 1280 or above the link's is dropped before lwIP sees
 * it (RFC 8201 §4): lwIP 2.1.3 takes any value, and 48-55 makes ip6_frag() loop forever with
 * the core lock held (found by fuzz/fuzz_stack.c). */
#define LWIP_HOOK_IP6_INPUT(pbuf, netif)    zt__stack_ip6_input((pbuf), (netif))
/* NewReno partial-ACK recovery and early retransmit (tcp_recovery.c): lwIP 2.1 repairs one
 * loss per window and leaves the rest to the retransmission timer.  Its state lives in the
 * pcb's extension slots (the first two; a third is left to applications of lwIP's API). */
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
    zt__stack_tcp_inpacket((pcb), (hdr), (p))
#define LWIP_TCP_PCB_NUM_EXT_ARGS       3

/* ---- errno -------------------------------------------------------------------------------- */

/* lwIP's sockets set libc's errno with libc's values: lwip/errno.h includes <errno.h>.
 * LWIP_PROVIDE_ERRNO must stay *undefined* (lwIP tests it with #ifdef, so even 0 would make
 * lwIP define its own errno variable and E* values). */
#define LWIP_ERRNO_STDINCLUDE           1

/* ---- Statistics and debugging ------------------------------------------------------------- */

/* Per-protocol counters for zts_get_protocol_stats() (api.md §5.6): plain increments
 * under the core lock, 32-bit like struct zts_stats_proto.  Memory and sys stats stay off. */
#define LWIP_STATS                      1
#define LWIP_STATS_LARGE                1
#define MEM_STATS                       0
#define MEMP_STATS                      0
#define SYS_STATS                       0
#define LWIP_STATS_DISPLAY              0
/* LWIP_DEBUG and LWIP_NOASSERT stay undefined: no debug output, but assertions in every
 * build, since they catch API misuse (e.g. the core-lock check) rather than bad packets. */

#endif /* ZT_STACK_LWIPOPTS_H */
