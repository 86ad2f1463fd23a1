/*
 * fuzz_stack: the frame path into the TCP/IP stack (docs/internals/fuzzing.md).  Frames from
 * the ZeroTier network go through zt__stack_netif_input() into lwIP, and from there into the
 * socket layer (src/socket/).
 *
 * Once per process: zt__stack_init(), one netif (fixed MAC, MTU 2800) configured with
 * 10.147.17.1/24, an RFC 4193 address and one managed route per family, and six non-blocking
 * sockets: TCP listeners on port 80 (IPv4; IPv6 only) and 8080 (dual stack), UDP sockets on
 * port 5000 (IPv4 in group 239.1.2.3; IPv6 only in group ff05::1:3) and 5001 (dual stack).
 *
 * Input: [u8 flags] then records [u8 sel][u16 length, big-endian][bytes] (records.h).
 *   flags bits 0-1  MTU for this input: 2800, 1280, 1500, 9000
 *         bit  2    at the end, delete the netif and make it again; reopen the sockets
 *   sel   bits 0-1  destination MAC: ours, broadcast, the IP multicast group's (01:00:5e or
 *                   33:33, from the packet's destination), another host's
 *         bit  2    raw: the bytes are the payload; ethertype from the IP version nibble (4:
 *                   IPv4, 6: IPv6, else ARP), source the peer's MAC.  Otherwise the bytes are
 *                   ethertype (2), source MAC (6), payload.
 *         bit  3    TCP over IPv4/IPv6: the acknowledgment number counts from the initial
 *                   sequence number the stack chose for that port pair (seen in its SYN-ACK;
 *                   ISNs are random), so inputs can complete handshakes and acknowledge data
 *         bit  4    then the application runs: accepts, reads, echoes what it read (TCP and
 *                   UDP), and with bit 5 closes its connections (FIN, or RST if unread data)
 *         bits 6-7  then lwIP's cyclic timers run 0, 1, 8 or 64 rounds (time passes)
 *
 * After each input the state goes back to the start: connections the listeners queued are
 * accepted and reset, datagrams read, every TCP pcb left (handshakes, closing, TIME-WAIT)
 * aborted, the ARP and neighbor caches emptied, reassembly and IGMP/MLD timers run out.  So
 * inputs do not depend on each other, beyond lwIP's own timers (tcpip_thread runs them on real
 * time) and random ISNs, ports and report delays.
 *
 * Not fed: an ICMPv6 Packet Too Big with an MTU under 1280 or over the link's, which hits a
 * known lwIP bug (lwip_ptb_bug below).
 *
 * Checks: the netif and sockets come up; zt__stack_netif_input() returns 0, or ZT_ERR_INVAL
 * exactly when the payload is over 65521 bytes (or ZT_ERR_NOMEM); every frame the stack sends
 * is for our network, ARP/IPv4/IPv6 from our addresses, no longer than the MTU, with correct IP
 * header, TCP, UDP and ICMPv6 checksums (not ICMPv4: an echo reply adjusts the request's
 * checksum, which the stack does not check), and an IP multicast or broadcast destination maps
 * to its group MAC; multicast subscriptions are group MACs and each leave follows a join;
 * accepted peers have the listener's family and are not multicast; reads and writes stay
 * within their buffers; after the drain only the six sockets are open.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/igmp.h"
#include "lwip/ip4_frag.h"
#include "lwip/ip6_frag.h"
#include "lwip/mld6.h"
#include "lwip/nd6.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcpip.h"
#include "lwip/timeouts.h"
#include "records.h"
#include "socket/sock.h"
#include "stack/stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NWID 0x8056c2e21c000001ull
#define MAC_US 0x32aabbccdd01ull
#define MAC_PEER 0x321122334455ull
#define MAC_OTHER 0x32eeeeeeee02ull
#define MAC_BCAST 0xffffffffffffull

#define ET_IP4 0x0800u
#define ET_ARP 0x0806u
#define ET_IP6 0x86ddu

#define SEL_DST 0x03u
#define SEL_RAW 0x04u
#define SEL_RELACK 0x08u
#define SEL_APP 0x10u
#define SEL_CLOSE 0x20u
#define SEL_TIMERS_SHIFT 6

#define FLAG_MTU 0x03u
#define FLAG_RECREATE 0x04u

#define MAX_RECORDS 64
#define MAX_CONNS 8
#define ECHO_MAX 4096

/* Socket option levels, names and values (ZeroTierSockets.h: ZTS_SOL_SOCKET, ZTS_SO_LINGER,
 * ZTS_IPPROTO_IP, ZTS_IP_ADD_MEMBERSHIP, ZTS_IPPROTO_IPV6, ZTS_IPV6_V6ONLY,
 * ZTS_IPV6_JOIN_GROUP), with the layouts of struct zts_linger, zts_ip_mreq, zts_ipv6_mreq. */
#define OPT_SOL_SOCKET 0x0fff
#define OPT_SO_LINGER 0x0080
#define OPT_IPPROTO_IP 0
#define OPT_IP_ADD_MEMBERSHIP 3
#define OPT_IPPROTO_IPV6 41
#define OPT_IPV6_V6ONLY 0x1b
#define OPT_IPV6_JOIN_GROUP 12
typedef struct { int onoff, secs; } opt_linger;
typedef struct { uint32_t group, iface; } opt_mreq;
typedef struct { uint8_t group[16]; unsigned iface; } opt_mreq6;

static const uint8_t ip4_us[4] = {10, 147, 17, 1};
static const uint8_t ip6_us[16] = {0xfd, 0x80, 0x56, 0xc2, 0xe2, 0x1c, 0x00, 0x00,
                                   0x01, 0x99, 0x93, 0x12, 0x34, 0x56, 0x78, 0x9a};
static const uint8_t group4[4] = {239, 1, 2, 3};
static const uint8_t group6[16] = {0xff, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0x03};

static const zt_stack_prefix addrs[2] = {
    {.family = 4, .bits = 24, .ip = {10, 147, 17, 1}},
    {.family = 6, .bits = 88, .ip = {0xfd, 0x80, 0x56, 0xc2, 0xe2, 0x1c, 0x00, 0x00, 0x01, 0x99,
                                     0x93, 0x12, 0x34, 0x56, 0x78, 0x9a}},
};
static const zt_stack_route routes[2] = {
    {.target = {.family = 4, .bits = 24, .ip = {192, 168, 77, 0}},
     .via = {.family = 4, .bits = 32, .ip = {10, 147, 17, 254}}},
    {.target = {.family = 6, .bits = 32, .ip = {0x20, 0x01, 0x0d, 0xb8}},
     .via = {.family = 6, .bits = 128, .ip = {0xfd, 0x80, 0x56, 0xc2, 0xe2, 0x1c, 0x00, 0x00,
                                              0x01, 0x99, 0x93, 0xab, 0xcd, 0xef, 0x01, 0x24}}},
};
static const unsigned mtus[4] = {2800, 1280, 1500, 9000};

enum { L4, L6, L46, U4, U6, U46, NSOCK };
static const struct {
    int family, type, v6only, backlog;
    uint16_t port;
} sock_spec[NSOCK] = {
    [L4] = {4, ZT_SOCK_STREAM, 0, 4, 80},    [L6] = {6, ZT_SOCK_STREAM, 1, 8, 80},
    [L46] = {6, ZT_SOCK_STREAM, 0, 2, 8080}, [U4] = {4, ZT_SOCK_DGRAM, 0, 0, 5000},
    [U6] = {6, ZT_SOCK_DGRAM, 1, 0, 5000},   [U46] = {6, ZT_SOCK_DGRAM, 0, 0, 5001},
};

static zt_stack_netif *nif;
static unsigned nif_index;
static int fds[NSOCK];
static int conns[MAX_CONNS];
static unsigned nconns;
static uint8_t iobuf[65536];

/* What the callbacks (any thread, core lock held) share with the harness. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint mtu_limit = 2800;
/* fe80::/64 with the modified EUI-64 of MAC_US (RFC 4291 appendix A). */
static const uint8_t linklocal[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0,
                                      0x30, 0xaa, 0xbb, 0xff, 0xfe, 0xcc, 0xdd, 0x01};
typedef struct {
    uint16_t lport, rport;
    uint32_t isn;
} isn_entry;
static isn_entry isns[16];
static unsigned isn_count, isn_next;
typedef struct {
    uint64_t mac;
    unsigned refs;
} group_entry;
static group_entry groups[64];

/* ---- helpers ------------------------------------------------------------------------------ */

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint64_t ld48(const uint8_t *p)
{
    return (uint64_t)ld16(p) << 32 | ld32(p + 2);
}

/* One's complement sum of |n| bytes as big-endian 16-bit words. */
static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += ld16(p + i);
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return acc;
}

static bool sum_ok(uint32_t acc)
{
    return acc == 0xffff;
}

/* RFC 1624: the checksum at |ck| after a 16-bit word goes from |old| to |new_|. */
static void csum_update(uint8_t *ck, uint16_t old, uint16_t new_)
{
    uint32_t acc = (uint16_t)~ld16(ck);

    acc += (uint16_t)~old;
    acc += new_;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    st16(ck, (uint16_t)~acc);
}

/* ---- what the stack sends ----------------------------------------------------------------- */

static void record_isn(const uint8_t *tcp, size_t len)
{
    if (len < 20 || (tcp[13] & 0x12) != 0x12) /* SYN-ACK */
        return;
    pthread_mutex_lock(&mu);
    isns[isn_next] = (isn_entry){ld16(tcp), ld16(tcp + 2), ld32(tcp + 4)};
    isn_next = (isn_next + 1) % 16;
    if (isn_count < 16)
        isn_count++;
    pthread_mutex_unlock(&mu);
}

/* Checksum of a TCP/UDP/ICMPv6 segment with the pseudo header of |src|,|dst| (|alen| bytes). */
static bool l4_sum_ok(const uint8_t *src, const uint8_t *dst, size_t alen, unsigned proto,
                      const uint8_t *seg, size_t len)
{
    uint32_t acc = sum16(0, src, alen);

    acc = sum16(acc, dst, alen);
    acc += proto + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
    return sum_ok(sum16(acc, seg, len));
}

static void check_arp(uint64_t dst, const uint8_t *d, size_t len)
{
    if (len != 28 || ld16(d) != 1 || ld16(d + 2) != ET_IP4 || d[4] != 6 || d[5] != 4)
        abort();
    if ((ld16(d + 6) != 1 && ld16(d + 6) != 2) || ld48(d + 8) != MAC_US ||
        memcmp(d + 14, ip4_us, 4) != 0)
        abort();
    if (ld16(d + 6) == 2 && dst != ld48(d + 18)) /* a reply goes to who asked */
        abort();
}

static void check_ip4(uint64_t dst, const uint8_t *d, size_t len)
{
    size_t hl;
    bool frag;

    if (len < 20 || len > atomic_load(&mtu_limit) || d[0] >> 4 != 4)
        abort();
    hl = (size_t)(d[0] & 15) * 4;
    if (hl < 20 || hl > len || ld16(d + 2) != len || !sum_ok(sum16(0, d, hl)))
        abort();
    if (memcmp(d + 12, ip4_us, 4) != 0)
        abort();
    if (d[16] >= 224 && d[16] <= 239) {
        if (dst != (0x01005e000000ull | (uint64_t)(d[17] & 0x7f) << 16 | ld16(d + 18)))
            abort();
    } else if (ld32(d + 16) == 0xffffffffu || ld32(d + 16) == 0x0a9311ffu) {
        if (dst != MAC_BCAST)
            abort();
    }
    frag = (ld16(d + 6) & 0x3fff) != 0;
    if (frag)
        return;
    if (d[9] == 6 || d[9] == 17) {
        /* UDP may leave the checksum out (0) over IPv4; our sockets never do. */
        if (!l4_sum_ok(d + 12, d + 16, 4, d[9], d + hl, len - hl))
            abort();
        if (d[9] == 6)
            record_isn(d + hl, len - hl);
    }
}

static void check_ip6(uint64_t dst, const uint8_t *d, size_t len)
{
    static const uint8_t zero[16];

    if (len < 40 || len > atomic_load(&mtu_limit) || d[0] >> 4 != 6 || ld16(d + 4) + 40u != len)
        abort();
    if (memcmp(d + 8, ip6_us, 16) != 0 && memcmp(d + 8, linklocal, 16) != 0 &&
        memcmp(d + 8, zero, 16) != 0)
        abort();
    if (d[24] == 0xff && dst != (0x333300000000ull | ld32(d + 36)))
        abort();
    if (d[6] == 6 || d[6] == 17 || d[6] == 58) {
        if (!l4_sum_ok(d + 8, d + 24, 16, d[6], d + 40, len - 40))
            abort();
        if (d[6] == 6)
            record_isn(d + 40, len - 40);
    }
}

static void on_output(void *user, uint64_t nwid, uint64_t dst_mac, unsigned ethertype,
                      const uint8_t *data, size_t len)
{
    (void)user;
    if (nwid != NWID || dst_mac > MAC_BCAST || (len > 0 && data == NULL))
        abort();
    zt_fuzz_touch(data, len);
    switch (ethertype) {
    case ET_ARP: check_arp(dst_mac, data, len); break;
    case ET_IP4: check_ip4(dst_mac, data, len); break;
    case ET_IP6: check_ip6(dst_mac, data, len); break;
    default: abort();
    }
}

static void on_multicast(void *user, uint64_t nwid, uint64_t mac, bool join)
{
    group_entry *free_slot = NULL, *e = NULL;

    (void)user;
    if (nwid != NWID)
        abort();
    if (mac >> 24 == 0x01005e) {
        if (mac & 0x800000)
            abort();
    } else if (mac >> 32 != 0x3333) {
        abort();
    }
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        if (groups[i].refs > 0 && groups[i].mac == mac)
            e = &groups[i];
        else if (groups[i].refs == 0 && free_slot == NULL)
            free_slot = &groups[i];
    }
    if (join) {
        if (e == NULL) {
            if (free_slot == NULL)
                abort(); /* more groups than lwipopts.h allows */
            e = free_slot;
            e->mac = mac;
        }
        e->refs++;
    } else {
        if (e == NULL) /* a leave with no join */
            abort();
        e->refs--;
    }
    pthread_mutex_unlock(&mu);
}

/* ---- setup -------------------------------------------------------------------------------- */

static void configure(unsigned mtu)
{
    /* A frame built under the old MTU may still be on its way out. */
    if (mtu > atomic_load(&mtu_limit))
        atomic_store(&mtu_limit, mtu);
    if (zt__stack_netif_configure(nif, mtu, addrs, 2, routes, 2) != 0)
        abort();
    atomic_store(&mtu_limit, mtu);
}

static void make_netif(void)
{
    static const zt_stack_netif_ops ops = {.output = on_output, .multicast = on_multicast};
    uint8_t ll[16];

    if (zt__stack_netif_new(&nif, NWID, MAC_US, 2800, &ops) != 0)
        abort();
    nif_index = zt__stack_netif_index(nif);
    zt__stack_netif_linklocal(nif, ll);
    if (memcmp(ll, linklocal, 16) != 0)
        abort();
    configure(2800);
}

static void set_int(int fd, int level, int name, int v)
{
    if (zt__sock_setopt(fd, level, name, &v, sizeof(v)) != 0)
        abort();
}

static void open_socks(void)
{
    for (int i = 0; i < NSOCK; i++) {
        zt_sockaddr a;
        int fd = zt__sock_open(sock_spec[i].family, sock_spec[i].type, 0);

        if (fd < 0 || zt__sock_set_nonblock(fd, true) != 0)
            abort();
        if (sock_spec[i].family == 6)
            set_int(fd, OPT_IPPROTO_IPV6, OPT_IPV6_V6ONLY, sock_spec[i].v6only);
        memset(&a, 0, sizeof(a));
        if (sock_spec[i].family == 4)
            ip_addr_set_zero_ip4(&a.ip);
        else
            ip_addr_set_zero_ip6(&a.ip);
        a.port = sock_spec[i].port;
        if (zt__sock_bind(fd, &a) != 0)
            abort();
        if (sock_spec[i].type == ZT_SOCK_STREAM && zt__sock_listen(fd, sock_spec[i].backlog) != 0)
            abort();
        fds[i] = fd;
    }
    {
        opt_mreq m = {0, 0};
        opt_mreq6 m6;
        memcpy(&m.group, group4, 4);
        if (zt__sock_setopt(fds[U4], OPT_IPPROTO_IP, OPT_IP_ADD_MEMBERSHIP, &m, sizeof(m)) != 0)
            abort();
        memset(&m6, 0, sizeof(m6));
        memcpy(m6.group, group6, 16);
        m6.iface = nif_index;
        if (zt__sock_setopt(fds[U6], OPT_IPPROTO_IPV6, OPT_IPV6_JOIN_GROUP, &m6, sizeof(m6)) != 0)
            abort();
    }
}

/* Closes |fd| with a reset (SO_LINGER {1, 0}): no pcb stays behind. */
static void close_hard(int fd)
{
    opt_linger l = {1, 0};

    if (zt__sock_setopt(fd, OPT_SOL_SOCKET, OPT_SO_LINGER, &l, sizeof(l)) != 0 ||
        zt__sock_close(fd) != 0)
        abort();
}

static void close_socks(void)
{
    for (unsigned i = 0; i < nconns; i++)
        close_hard(conns[i]);
    nconns = 0;
    for (int i = 0; i < NSOCK; i++)
        if (zt__sock_close(fds[i]) != 0)
            abort();
}

static void teardown(void)
{
    close_socks();
    zt__stack_netif_del(nif);
    nif = NULL;
    if (zt__sock_count() != 0)
        abort();
}

static void setup(void)
{
    if (zt__stack_init() != 0)
        abort();
    make_netif();
    open_socks();
    atexit(teardown);
}

/* ---- the application ---------------------------------------------------------------------- */

static bool is_mapped(const ip_addr_t *ip)
{
    return IP_IS_V6_VAL(*ip) && ip6_addr_isipv4mappedipv6(ip_2_ip6(ip));
}

/* Accepts what listener |li| queued; keeps up to MAX_CONNS connections if |keep|. */
static void accept_all(int li, bool keep)
{
    for (int guard = 0; guard < 1024; guard++) {
        zt_sockaddr peer;
        int fd = zt__sock_accept(fds[li], &peer, true);

        if (fd == -EAGAIN)
            return;
        if (fd < 0)
            abort();
        if (!ip_addr_isany_val(peer.ip)) {
            if (sock_spec[li].family == 4 ? !IP_IS_V4_VAL(peer.ip) : !IP_IS_V6_VAL(peer.ip))
                abort();
            if (li == L6 && is_mapped(&peer.ip))
                abort();
            if (ip_addr_ismulticast(&peer.ip))
                abort();
        }
        if (keep && nconns < MAX_CONNS) {
            conns[nconns++] = fd;
        } else {
            close_hard(fd);
        }
    }
    abort(); /* a backlog of at most 8 cannot give this many */
}

/* Reads what connection |i| has and writes (up to ECHO_MAX of) it back. */
static void serve(unsigned i)
{
    size_t got = 0;

    for (int guard = 0; guard < 64; guard++) {
        zt_iov iov = {iobuf + got, sizeof(iobuf) - got};
        ssize_t n;

        if (iov.len == 0)
            break;
        n = zt__sock_recv(conns[i], &iov, 1, 0, NULL, NULL);
        if (n > (ssize_t)iov.len)
            abort();
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got > 0) {
        zt_iov iov = {iobuf, got < ECHO_MAX ? got : ECHO_MAX};
        ssize_t n = zt__sock_send(conns[i], &iov, 1, ZT_MSG_DONTWAIT, NULL);
        if (n > (ssize_t)iov.len)
            abort();
    }
}

/* Reads up to |max| datagrams from UDP socket |ui|; echoes them if |echo|. */
static void serve_udp(int ui, int max, bool echo)
{
    for (int k = 0; k < max; k++) {
        zt_iov iov = {iobuf, sizeof(iobuf)};
        zt_sockaddr from;
        int oflags = 0;
        ssize_t n = zt__sock_recv(fds[ui], &iov, 1, 0, &from, &oflags);

        if (n == -EAGAIN)
            return;
        if (n < 0 || n > (ssize_t)iov.len || oflags != 0)
            abort();
        if (sock_spec[ui].family == 4 ? !IP_IS_V4_VAL(from.ip) : !IP_IS_V6_VAL(from.ip))
            abort();
        if (ui == U6 && is_mapped(&from.ip))
            abort();
        if (echo) {
            zt_iov out = {iobuf, (size_t)n};
            ssize_t m = zt__sock_send(fds[ui], &out, 1, ZT_MSG_DONTWAIT, &from);
            if (m > n || (m >= 0 && m != n))
                abort();
        }
    }
}

static void app_step(bool close_conns)
{
    accept_all(L4, true);
    accept_all(L6, true);
    accept_all(L46, true);
    for (unsigned i = 0; i < nconns; i++)
        serve(i);
    if (close_conns) {
        for (unsigned i = 0; i < nconns; i++)
            if (zt__sock_close(conns[i]) != 0)
                abort();
        nconns = 0;
    }
    serve_udp(U4, 16, true);
    serve_udp(U6, 16, true);
    serve_udp(U46, 16, true);
}

/* ---- time and reset ----------------------------------------------------------------------- */

static void run_timers(unsigned rounds)
{
    LOCK_TCPIP_CORE();
    for (unsigned r = 0; r < rounds; r++)
        for (int i = 0; i < lwip_num_cyclic_timers; i++)
            lwip_cyclic_timers[i].handler();
    UNLOCK_TCPIP_CORE();
}

/* Back to the state before the input (see the top). */
static void reset(void)
{
    struct netif *n;
    int guard = 0;

    for (int li = L4; li <= L46; li++)
        accept_all(li, false);
    for (unsigned i = 0; i < nconns; i++)
        close_hard(conns[i]);
    nconns = 0;
    serve_udp(U4, 1 << 20, false);
    serve_udp(U6, 1 << 20, false);
    serve_udp(U46, 1 << 20, false);

    LOCK_TCPIP_CORE();
    /* Our sockets are gone: what is left belongs to nobody (handshakes, FIN-WAIT, TIME-WAIT). */
    while (tcp_active_pcbs != NULL && guard++ < 100000)
        tcp_abort(tcp_active_pcbs);
    while (tcp_tw_pcbs != NULL && guard++ < 100000)
        tcp_abort(tcp_tw_pcbs);
    if (guard >= 100000)
        abort();
    n = netif_get_by_index((u8_t)nif_index);
    if (n == NULL)
        abort();
    etharp_cleanup_netif(n);
    nd6_cleanup_netif(n);
    for (int i = 0; i <= IP_REASS_MAXAGE; i++)
        ip_reass_tmr();
    for (int i = 0; i <= IPV6_REASS_MAXAGE; i++)
        ip6_reass_tmr();
    /* IGMP's longest report delay is 25.5 s, MLD's 65.535 s, in 100 ms ticks. */
    for (int i = 0; i <= 256; i++)
        igmp_tmr();
    for (int i = 0; i <= 656; i++)
        mld6_tmr();
    UNLOCK_TCPIP_CORE();

    if (zt__sock_count() != NSOCK)
        abort();
}

/* ---- input -------------------------------------------------------------------------------- */

static bool recreate;

static void begin(uint8_t flags)
{
    configure(mtus[flags & FLAG_MTU]);
    recreate = (flags & FLAG_RECREATE) != 0;
    pthread_mutex_lock(&mu);
    isn_count = isn_next = 0;
    pthread_mutex_unlock(&mu);
}

/* Makes the TCP acknowledgment number of |f| count from our ISN for its port pair (or from
 * the latest one seen). */
static void relative_ack(uint8_t *f, size_t len, unsigned ethertype)
{
    size_t off;
    uint16_t lport, rport;
    uint32_t isn = 0, ack;
    bool found = false;

    if (ethertype == ET_IP4 && len >= 20 && f[9] == 6 && (ld16(f + 6) & 0x1fff) == 0)
        off = (size_t)(f[0] & 15) * 4;
    else if (ethertype == ET_IP6 && len >= 40 && f[6] == 6)
        off = 40;
    else
        return;
    if (off < 20 || off + 20 > len)
        return;
    rport = ld16(f + off);
    lport = ld16(f + off + 2);
    pthread_mutex_lock(&mu);
    for (unsigned k = 0; k < isn_count; k++) {
        const isn_entry *e = &isns[(isn_next + 15 - k) % 16]; /* newest first */
        bool match = e->lport == lport && e->rport == rport;
        if (!found || match)
            isn = e->isn;
        found = true;
        if (match)
            break;
    }
    pthread_mutex_unlock(&mu);
    if (!found)
        return;
    ack = ld32(f + off + 8);
    {
        uint32_t nack = ack + isn;
        uint8_t *a = f + off + 8, *ck = f + off + 16;
        csum_update(ck, (uint16_t)(ack >> 16), (uint16_t)(nack >> 16));
        csum_update(ck, (uint16_t)ack, (uint16_t)nack);
        st16(a, (uint16_t)(nack >> 16));
        st16(a + 2, (uint16_t)nack);
    }
}

static uint64_t dst_mac_of(unsigned sel, unsigned ethertype, const uint8_t *p, size_t len)
{
    switch (sel & SEL_DST) {
    case 0: return MAC_US;
    case 1: return MAC_BCAST;
    case 2:
        if (ethertype == ET_IP4 && len >= 20)
            return 0x01005e000000ull | (uint64_t)(p[17] & 0x7f) << 16 | ld16(p + 18);
        if (ethertype == ET_IP6 && len >= 40)
            return 0x333300000000ull | ld32(p + 36);
        return MAC_BCAST;
    default: return MAC_OTHER;
    }
}

/* True for an ICMPv6 Packet Too Big (unfragmented or a first fragment, behind any extension
 * headers) whose MTU is under 1280 or over the link's, or cannot be seen.  lwIP 2.1.3 takes
 * the MTU as it is (nd6.c): over the link MTU it sends frames longer than the MTU; from 48 to
 * 55 ip6_frag() loops forever with the core lock held.  Such frames are not fed until the stack
 * guards against them (docs/internals/fuzzing.md, "Known lwIP bugs"). */
static bool lwip_ptb_bug(const uint8_t *p, size_t len)
{
    size_t off = 40;
    unsigned nh;
    bool frag = false;

    if (len < 40)
        return false;
    nh = p[6];
    for (int k = 0; k < 16; k++) {
        if (nh == 0 || nh == 43 || nh == 60) {
            if (off + 2 > len)
                return false;
            nh = p[off];
            off += ((size_t)p[off + 1] + 1) * 8;
        } else if (nh == 44) {
            if (off + 8 > len || (ld16(p + off + 2) & 0xfff8) != 0)
                return false;
            nh = p[off];
            off += 8;
            frag = true;
        } else if (nh == 58) {
            uint32_t mtu;
            if (off + 8 > len)
                return frag && (off >= len || p[off] == 2);
            mtu = ld32(p + off + 4);
            return p[off] == 2 && (mtu < 1280 || mtu > atomic_load(&mtu_limit));
        } else {
            return false;
        }
    }
    return false;
}

static void feed(uint8_t sel, uint64_t src, unsigned ethertype, const uint8_t *p, size_t len)
{
    uint8_t *copy = NULL;
    int rv;

    if (ethertype == ET_IP6 && lwip_ptb_bug(p, len))
        return;

    if ((sel & SEL_RELACK) && len > 0) {
        copy = malloc(len);
        if (copy == NULL)
            abort();
        memcpy(copy, p, len);
        relative_ack(copy, len, ethertype);
        p = copy;
    }
    rv = zt__stack_netif_input(nif, src, dst_mac_of(sel, ethertype, p, len), ethertype, p, len);
    if (len > 0xffff - 14 ? rv != ZT_ERR_INVAL : rv != 0 && rv != ZT_ERR_NOMEM)
        abort();
    free(copy);
}

static void on_record(uint8_t sel, const uint8_t *p, size_t n)
{
    static const unsigned rounds[4] = {0, 1, 8, 64};

    if (sel & SEL_RAW) {
        unsigned v = n > 0 ? p[0] >> 4 : 0;
        feed(sel, MAC_PEER, v == 4 ? ET_IP4 : v == 6 ? ET_IP6 : ET_ARP, p, n);
    } else if (n >= 8) {
        feed(sel, ld48(p + 2), ld16(p), p + 8, n - 8);
    }
    if (sel & SEL_APP)
        app_step((sel & SEL_CLOSE) != 0);
    run_timers(rounds[sel >> SEL_TIMERS_SHIFT]);
}

static void end(void)
{
    reset();
    if (recreate) {
        close_socks();
        zt__stack_netif_del(nif);
        make_netif();
        open_socks();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool initialized;

    if (!initialized) {
        setup();
        initialized = true;
    }
    zt_fuzz_records(data, size, MAX_RECORDS, begin, on_record, end);
    return 0;
}
