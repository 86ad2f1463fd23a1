/*
 * dvx_proto.cpp: the game protocol of dvx_peer over lwIP's sockets (api-modern.md §9.2 item 1-6)
 * and the program's main.  lwIP's headers come first and <ZeroTierSockets.h> after them, the
 * order §10.1 item 3 asks the modern header to survive (LWIP_SOCKET_OFFSET, MEMP_NUM_NETCONN).
 *
 *   dvx_peer <config dir> <network id hex> <peers>
 *
 * constructs the "game object" (dvx_native.cpp) several times, waits for DVX's "network ready"
 * (NODE_ONLINE + NETWORK_READY_IP6), opens a non-blocking UDP socket and a TCP listener on
 * [::]:6112, and every 250 ms multicasts a discovery datagram to both groups of dvx.h.  For
 * each of the <peers> other members it discovers, it checks: the datagram came from the
 * address it names, through both groups; a TCP connection to the member (connect, send at
 * once while connecting, then the message, the member's answer, an orderly close); the
 * member's own connection to us (its message, our answer, then recv 0 once and -1/ENOTCONN);
 * a connection to a closed port fails with a non-EAGAIN error; the member's MAC through
 * nd6_get_next_hop_addr_or_queue equals the MAC the member announced, and
 * zts_core_query_peer_info of that MAC names the member.  It prints "DONE" when all passed,
 * keeps serving until <config dir>/stop exists, runs the final checks and frees the node.
 * Meanwhile, when <config dir>/gone names a member (its node ID in hex) that has left, it
 * waits (at most 45 s) for PEER_PATH_DEAD then PEER_RELAY about it, and checks that
 * zts_core_query_peer_info then says the same (no path); the final bookkeeping check then
 * wants that member relayed, the others direct.
 * With <peers> 0 it only comes online, prints "online_only node=<id>" and frees the node.
 *
 * Output: one line per fact; "PASS <check> ..." and "FAIL <check> ..."; exit status 1 if any
 * check failed.  Every wait is bounded by DVX_BUDGET seconds (default 120; SIGALRM after it).
 */
#include <lwip/sockets.h>
#include <lwip/tcpip.h>

#include <ZeroTierSockets.h>

#include "dvx.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

static_assert(O_NONBLOCK == 1, "lwIP's O_NONBLOCK must win in this translation unit");

namespace {

std::mutex out_mu;
int nfail;

struct peer {
    uint64_t id = 0, mac = 0;
    std::string ip6;
    bool group[2] = {false, false};
    int out_fd = -1, ref_fd = -1, tries = 0;
    std::string out_msg, out_in;
    size_t out_sent = 0;
    bool out_done = false, in_done = false, info_done = false, ref_done = false;
    int64_t next_resolve = 0, next_connect = 0;
};

struct conn {
    int fd;
    std::string buf;
    uint64_t from = 0;
    int zeros = 0;
    bool acked = false;
};

struct game {
    std::string dir;
    int npeers = 0, udp = -1, listener = -1;
    uint64_t me = 0, my_mac = 0;
    std::string my_ip6;
    std::map<uint64_t, peer> peers;
    std::vector<conn> conns;
    bool mc_ok = false, done = false;
    uint64_t gone = 0;        /* a member that left (<dir>/gone) */
    int64_t gone_since = 0;   /* when we learnt it */
    bool gone_checked = false;
};

int64_t now_ms()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

bool would_block(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK;
}

bool set_nonblocking(int fd)
{
    int flags = lwip_fcntl(fd, F_GETFL, 0);

    return flags >= 0 && lwip_fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

struct sockaddr_in6 addr6(const std::string &ip, int port)
{
    struct sockaddr_in6 sa;

    std::memset(&sa, 0, sizeof(sa));
    sa.sin6_len = sizeof(sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons((u16_t)port);
    if (ip.empty())
        sa.sin6_addr = in6addr_any;
    else
        lwip_inet_pton(AF_INET6, ip.c_str(), &sa.sin6_addr);
    return sa;
}

std::string text_of(const struct sockaddr_in6 &sa)
{
    char buf[INET6_ADDRSTRLEN] = "";

    lwip_inet_ntop(AF_INET6, &sa.sin6_addr, buf, sizeof(buf));
    return buf;
}

bool stop_requested(const game &g)
{
    struct stat st;

    return stat((g.dir + "/stop").c_str(), &st) == 0;
}

} // namespace

void say(const char *fmt, ...)
{
    va_list ap;

    std::lock_guard<std::mutex> lock(out_mu);
    va_start(ap, fmt);
    std::vprintf(fmt, ap);
    va_end(ap);
    std::putchar('\n');
    std::fflush(stdout);
}

bool fail(const char *fmt, ...)
{
    va_list ap;

    std::lock_guard<std::mutex> lock(out_mu);
    std::fputs("FAIL ", stdout);
    va_start(ap, fmt);
    std::vprintf(fmt, ap);
    va_end(ap);
    std::putchar('\n');
    std::fflush(stdout);
    nfail++;
    return false;
}

int failures()
{
    std::lock_guard<std::mutex> lock(out_mu);
    return nfail;
}

namespace {

/* ---- sockets on [::]:6112 ------------------------------------------------------------------ */

bool open_sockets(game &g)
{
    struct sockaddr_in6 any = addr6("", DVX_PORT);
    int one = 1;

    g.udp = lwip_socket(AF_INET6, SOCK_DGRAM, 0);
    if (g.udp < 0 ||
        lwip_setsockopt(g.udp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        lwip_bind(g.udp, reinterpret_cast<struct sockaddr *>(&any), sizeof(any)) != 0 ||
        !set_nonblocking(g.udp))
        return fail("udp_socket errno=%d", errno);
    g.listener = lwip_socket(AF_INET6, SOCK_STREAM, 0);
    if (g.listener < 0 ||
        lwip_setsockopt(g.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        /* Before listen: lwIP refuses TCP-level options on a listening socket (EINVAL). */
        lwip_setsockopt(g.listener, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
        lwip_bind(g.listener, reinterpret_cast<struct sockaddr *>(&any), sizeof(any)) != 0 ||
        lwip_listen(g.listener, 10) != 0 || !set_nonblocking(g.listener))
        return fail("tcp_listener errno=%d", errno);
    say("sockets udp=%d listener=%d", g.udp, g.listener);
    return true;
}

/* Nothing is pending yet: both calls fail at once with the host's EAGAIN/EWOULDBLOCK. */
void check_nonblocking(game &g)
{
    char buf[64];
    struct sockaddr_in6 from;
    socklen_t flen = sizeof(from);
    ssize_t n = lwip_recvfrom(g.udp, buf, sizeof(buf), 0,
                              reinterpret_cast<struct sockaddr *>(&from), &flen);
    int e1 = errno, a = lwip_accept(g.listener, nullptr, nullptr), e2 = errno;

    if (n == -1 && would_block(e1) && a < 0 && would_block(e2))
        say("PASS nonblocking recvfrom_errno=%d accept_errno=%d", e1, e2);
    else
        fail("nonblocking recvfrom=%zd errno=%d accept=%d errno=%d", n, e1, a, e2);
}

void send_hellos(game &g)
{
    const char *groups[2] = {DVX_GROUP1, DVX_GROUP2};

    for (int k = 0; k < 2; k++) {
        char msg[160];
        struct sockaddr_in6 to = addr6(groups[k], DVX_PORT);
        int len = std::snprintf(msg, sizeof(msg), "DVXHELLO %010" PRIx64 " %012" PRIx64 " %s %d",
                                g.me, g.my_mac, g.my_ip6.c_str(), k + 1);
        ssize_t n = lwip_sendto(g.udp, msg, (size_t)len, 0,
                                reinterpret_cast<struct sockaddr *>(&to), sizeof(to));
        if (n != len)
            fail("hello sendto group%d=%zd errno=%d", k + 1, n, errno);
    }
}

/* One discovery datagram: a member names its ID, MAC, address and the group it went to. */
void on_hello(game &g, const char *msg, const struct sockaddr_in6 &from)
{
    char ip[INET6_ADDRSTRLEN + 1];
    unsigned long long id, mac;
    int grp;

    if (std::sscanf(msg, "DVXHELLO %llx %llx %46s %d", &id, &mac, ip, &grp) != 4 || grp < 1 ||
        grp > 2) {
        fail("disc bad datagram '%s'", msg);
        return;
    }
    if (id == g.me)
        return;
    if (strcasecmp(text_of(from).c_str(), ip) != 0) {
        fail("disc from=%010llx names %s but came from %s", id, ip, text_of(from).c_str());
        return;
    }
    peer &p = g.peers[id];
    if (p.id == 0) {
        p.id = id;
        p.mac = mac;
        p.ip6 = ip;
    }
    if (!p.group[grp - 1]) {
        p.group[grp - 1] = true;
        say("disc group=%d from=%010llx addr=%s", grp, id, ip);
    }
}

void drain_udp(game &g)
{
    for (;;) {
        char buf[65536];
        struct sockaddr_in6 from;
        socklen_t flen = sizeof(from);
        ssize_t n = lwip_recvfrom(g.udp, buf, sizeof(buf) - 1, 0,
                                  reinterpret_cast<struct sockaddr *>(&from), &flen);
        if (n < 0) {
            if (!would_block(errno))
                fail("udp recvfrom errno=%d", errno);
            return;
        }
        buf[n] = 0;
        on_hello(g, buf, from);
    }
}

/* ---- our connection to a member ------------------------------------------------------------ */

/* Connects and sends at once, while the connection is in progress (§9.2 item 1): the send
 * fails with EINPROGRESS and a receive with EAGAIN, and the connection is not harmed. */
void start_connect(game &g, peer &p)
{
    struct sockaddr_in6 to = addr6(p.ip6, DVX_PORT);
    int one = 1, rc, ce, se, re;
    ssize_t s, r;
    char buf[16];

    p.out_fd = lwip_socket(AF_INET6, SOCK_STREAM, 0);
    if (p.out_fd < 0 || !set_nonblocking(p.out_fd) ||
        lwip_setsockopt(p.out_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
        fail("tcp_out socket errno=%d", errno);
        return;
    }
    p.tries++;
    char msg[64];
    std::snprintf(msg, sizeof(msg), "MSG %010" PRIx64 " %010" PRIx64 "\n", g.me, p.id);
    p.out_msg = msg;
    p.out_sent = 0;
    p.out_in.clear();
    rc = lwip_connect(p.out_fd, reinterpret_cast<struct sockaddr *>(&to), sizeof(to));
    ce = errno;
    s = lwip_send(p.out_fd, p.out_msg.data(), p.out_msg.size(), 0);
    se = errno;
    r = lwip_recv(p.out_fd, buf, sizeof(buf), 0);
    re = errno;
    say("connect to=%010" PRIx64 " rc=%d errno=%d send=%zd errno=%d recv=%zd errno=%d", p.id, rc,
        ce, s, se, r, re);
    if (rc != -1 || ce != EINPROGRESS)
        fail("connect_inprogress to=%010" PRIx64 " rc=%d errno=%d", p.id, rc, ce);
    if (s > 0)
        p.out_sent = (size_t)s; /* already connected: the data went */
    else if (s != -1 || se != EINPROGRESS)
        fail("send_while_connecting to=%010" PRIx64 " rv=%zd errno=%d", p.id, s, se);
    if (r != -1 || !would_block(re))
        fail("recv_while_connecting to=%010" PRIx64 " rv=%zd errno=%d", p.id, r, re);
}

/* The game's receive loop (§9.2 item 2): until -1; 0 is an empty chunk; EAGAIN means "no more
 * now"; anything else ends the connection.  Returns the errno that ended it, or 0. */
int read_all(int fd, std::string &into, int &zeros)
{
    for (;;) {
        char buf[65536];
        ssize_t n = lwip_recv(fd, buf, sizeof(buf), 0);
        if (n > 0) {
            into.append(buf, (size_t)n);
            continue;
        }
        if (n == 0) {
            if (++zeros > 1)
                return -1; /* a second 0: a game would spin here forever */
            continue;
        }
        return would_block(errno) ? 0 : errno;
    }
}

void poll_out(game &g, peer &p)
{
    int zeros = 0, err;

    if (p.out_sent < p.out_msg.size()) {
        ssize_t n = lwip_send(p.out_fd, p.out_msg.data() + p.out_sent,
                              p.out_msg.size() - p.out_sent, 0);
        if (n > 0)
            p.out_sent += (size_t)n;
        else if (errno != EINPROGRESS && !would_block(errno) && errno != ENOTCONN)
            fail("tcp_out send to=%010" PRIx64 " errno=%d", p.id, errno);
    }
    err = read_all(p.out_fd, p.out_in, zeros);
    char want[64];
    std::snprintf(want, sizeof(want), "ACK %010" PRIx64 " %010" PRIx64 "\n", p.id, g.me);
    if (p.out_in == want) {
        say("PASS tcp_out to=%010" PRIx64 " tries=%d", p.id, p.tries);
        lwip_close(p.out_fd); /* the orderly close the member's reader must see */
        p.out_fd = -1;
        p.out_done = true;
    } else if (err != 0 || zeros != 0 || p.out_in.size() >= sizeof(want)) {
        say("tcp_out to=%010" PRIx64 " ended errno=%d zeros=%d got='%s'", p.id, err, zeros,
            p.out_in.c_str());
        lwip_close(p.out_fd);
        p.out_fd = -1;
        p.next_connect = now_ms() + 500;
        if (err != ECONNREFUSED && err != ECONNRESET)
            fail("tcp_out to=%010" PRIx64 " errno=%d", p.id, err);
    }
}

/* A connection to a port nobody listens on must end with an error other than EAGAIN. */
void poll_refused(peer &p)
{
    char buf[16];

    if (p.ref_fd < 0) {
        struct sockaddr_in6 to = addr6(p.ip6, DVX_PORT + 87);
        p.ref_fd = lwip_socket(AF_INET6, SOCK_STREAM, 0);
        if (p.ref_fd < 0 || !set_nonblocking(p.ref_fd)) {
            fail("refused socket errno=%d", errno);
            return;
        }
        (void)lwip_connect(p.ref_fd, reinterpret_cast<struct sockaddr *>(&to), sizeof(to));
        return;
    }
    ssize_t n = lwip_recv(p.ref_fd, buf, sizeof(buf), 0);
    if (n == -1 && would_block(errno))
        return;
    if (n == -1)
        say("PASS refused peer=%010" PRIx64 " errno=%d", p.id, errno);
    else
        fail("refused peer=%010" PRIx64 " recv=%zd", p.id, n);
    lwip_close(p.ref_fd);
    p.ref_fd = -1;
    p.ref_done = true;
}

/* The member's MAC from the stack's neighbour cache, then the core's peer for that MAC. */
void poll_peer_info(peer &p)
{
    uint64_t mac = 0, id = 0;
    unsigned paths = 0;
    int r, rv;

    if (now_ms() < p.next_resolve)
        return;
    p.next_resolve = now_ms() + 200;
    r = stack_resolve_mac(p.ip6, &mac);
    if (r <= 0)
        return;
    rv = native_query_peer(mac, &id, &paths);
    say("peerinfo ip=%s mac=%012" PRIx64 " rv=%d peer_id=%010" PRIx64 " paths=%u", p.ip6.c_str(),
        mac, rv, id, paths);
    if (mac == p.mac && rv == ZTS_ERR_OK && id == p.id)
        say("PASS peerinfo peer=%010" PRIx64 " mac=%012" PRIx64, p.id, mac);
    else
        fail("peerinfo peer=%010" PRIx64 " announced mac=%012" PRIx64, p.id, p.mac);
    p.info_done = true;
}

/* ---- members' connections to us --------------------------------------------------------------- */

void accept_all(game &g)
{
    for (;;) {
        int one = 1, fd = lwip_accept(g.listener, nullptr, nullptr);
        if (fd < 0) {
            if (!would_block(errno))
                fail("accept errno=%d", errno);
            return;
        }
        /* Accepted sockets do not inherit O_NONBLOCK: made non-blocking explicitly. */
        if (!set_nonblocking(fd) ||
            lwip_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
            fail("accepted socket setup errno=%d", errno);
        g.conns.push_back(conn{fd, "", 0, 0, false});
    }
}

/* Reads a member's message, answers it, then expects the end: recv 0 once, then -1/ENOTCONN. */
bool poll_conn(game &g, conn &c)
{
    int err = read_all(c.fd, c.buf, c.zeros);
    unsigned long long from = 0, to = 0;

    if (!c.acked && c.buf.find('\n') != std::string::npos) {
        char ack[64];
        if (std::sscanf(c.buf.c_str(), "MSG %llx %llx", &from, &to) != 2 || to != g.me ||
            g.peers.count(from) == 0) {
            fail("tcp_in bad message '%s'", c.buf.c_str());
            from = 0;
        }
        c.from = from;
        int len = std::snprintf(ack, sizeof(ack), "ACK %010" PRIx64 " %010llx\n", g.me, from);
        if (lwip_send(c.fd, ack, (size_t)len, 0) != len)
            fail("tcp_in send ack errno=%d", errno);
        c.acked = true;
        say("tcp_in from=%010llx", from);
    }
    if (err == 0)
        return false;
    if (err == ENOTCONN && c.zeros == 1 && c.acked && c.from != 0) {
        say("PASS eof from=%010" PRIx64 " recv_zero=1 then_errno=ENOTCONN", c.from);
        g.peers[c.from].in_done = true;
    } else {
        fail("eof from=%010" PRIx64 " errno=%d zeros=%d acked=%d", c.from, err, c.zeros,
             c.acked);
    }
    lwip_close(c.fd);
    return true;
}

/* ---- the game loop ------------------------------------------------------------------------------ */

bool peer_done(const peer &p)
{
    return p.group[0] && p.group[1] && p.out_done && p.in_done && p.info_done && p.ref_done;
}

void frame(game &g, int64_t &next_hello)
{
    if (now_ms() >= next_hello) {
        send_hellos(g);
        next_hello = now_ms() + 250;
    }
    drain_udp(g);
    accept_all(g);
    for (size_t i = 0; i < g.conns.size();)
        if (poll_conn(g, g.conns[i]))
            g.conns.erase(g.conns.begin() + (long)i);
        else
            i++;
    for (auto &kv : g.peers) {
        peer &p = kv.second;
        if (p.out_fd < 0 && !p.out_done && now_ms() >= p.next_connect)
            start_connect(g, p);
        else if (p.out_fd >= 0)
            poll_out(g, p);
        if (p.out_done && !p.ref_done)
            poll_refused(p);
        if (!p.info_done)
            poll_peer_info(p);
    }
    if (!g.mc_ok && native_subscribed(DVX_GROUP1_MAC) && native_subscribed(DVX_GROUP2_MAC)) {
        g.mc_ok = true;
        say("PASS mc_sub group1=%012llx group2=%012llx", DVX_GROUP1_MAC, DVX_GROUP2_MAC);
    }
}

bool all_done(const game &g)
{
    int n = 0;

    for (const auto &kv : g.peers)
        n += peer_done(kv.second);
    return g.mc_ok && n == g.npeers && (int)g.peers.size() == g.npeers;
}

void report_state(const game &g)
{
    say("state mc_sub=%d peers=%zu conns=%zu", g.mc_ok, g.peers.size(), g.conns.size());
    for (const auto &kv : g.peers) {
        const peer &p = kv.second;
        say("state peer=%010" PRIx64 " g1=%d g2=%d out=%d in=%d info=%d refused=%d", p.id,
            p.group[0], p.group[1], p.out_done, p.in_done, p.info_done, p.ref_done);
    }
}

/* Whether the bookkeeping from the events says what zts_core_query_peer_info says (direct iff
 * a path) for every member. */
bool states_agree(const game &g)
{
    for (const auto &kv : g.peers) {
        uint64_t id = 0;
        unsigned paths = 0;
        int state = native_peer_state(kv.second.id);
        if (native_query_peer(kv.second.mac, &id, &paths) != ZTS_ERR_OK ||
            state != (paths > 0 ? 1 : 0))
            return false;
    }
    return true;
}

/* §9.1: the relay bookkeeping from the peer events agrees with the core: every member is
 * direct on loopback, by the events and by zts_core_query_peer_info; one that left is
 * relayed, by both.  The events may lag the query by a scan (§6.3 item 5): 3 s at most. */
void check_peer_states(const game &g)
{
    for (int64_t end = now_ms() + 3000; !states_agree(g) && now_ms() < end;)
        zts_util_delay(50);
    for (const auto &kv : g.peers) {
        const peer &p = kv.second;
        uint64_t id = 0;
        unsigned paths = 0;
        int state = native_peer_state(p.id), rv = native_query_peer(p.mac, &id, &paths);
        bool left = p.id == g.gone;
        say("peerstate peer=%010" PRIx64 " state=%d rv=%d paths=%u", p.id, state, rv, paths);
        if (state == (left ? 0 : 1) && rv == ZTS_ERR_OK && id == p.id && (paths > 0) != left)
            say("PASS peerstate peer=%010" PRIx64 " %s", p.id, left ? "relay" : "direct");
        else
            fail("peerstate peer=%010" PRIx64 " state=%d paths=%u", p.id, state, paths);
    }
}

/* A member that left (named by <dir>/gone): PEER_PATH_DEAD then PEER_RELAY about it within
 * 45 s (its paths go quiet after ~19 s, §6.3 item 5), and the core query agrees: no path. */
void poll_departed(game &g)
{
    uint64_t id = 0;
    unsigned paths = 0;
    int rv;

    if (g.gone_checked)
        return;
    if (g.gone == 0) {
        FILE *f = std::fopen((g.dir + "/gone").c_str(), "r");
        unsigned long long v = 0;
        if (f == nullptr)
            return;
        if (std::fscanf(f, "%llx", &v) == 1 && g.peers.count(v) == 1) {
            g.gone = v;
            g.gone_since = now_ms();
        }
        std::fclose(f);
        return;
    }
    if (!native_peer_departed(g.gone)) {
        if (now_ms() - g.gone_since > 45000) {
            fail("departed peer=%010" PRIx64 " no PATH_DEAD then RELAY within 45 s", g.gone);
            g.gone_checked = true;
        }
        return;
    }
    g.gone_checked = true;
    rv = native_query_peer(g.peers[g.gone].mac, &id, &paths);
    if (native_peer_state(g.gone) == 0 && rv == ZTS_ERR_OK && id == g.gone && paths == 0)
        say("PASS departed peer=%010" PRIx64 " path_dead_then_relay after_ms=%lld paths=0",
            g.gone, (long long)(now_ms() - g.gone_since));
    else
        fail("departed peer=%010" PRIx64 " rv=%d paths=%u state=%d", g.gone, rv, paths,
             native_peer_state(g.gone));
}

bool wait_ready(int64_t deadline)
{
    while (!native_ready() && now_ms() < deadline)
        zts_util_delay(20);
    return native_ready();
}

/* After "network ready": our identity on the network, and netif_default is its interface. */
bool setup(game &g)
{
    g.me = native_node_id();
    g.my_mac = native_net_mac();
    g.my_ip6 = native_ip6();
    say("ready node=%010" PRIx64 " mac=%012" PRIx64 " ip6=%s", g.me, g.my_mac, g.my_ip6.c_str());
    if (g.my_ip6.empty() || g.my_mac == 0 || g.my_mac == (uint64_t)ZTS_ERR_SERVICE)
        return fail("ready: no IPv6 address or MAC");
    if (stack_default_netif_has(g.my_ip6))
        say("PASS netif_default has=%s", g.my_ip6.c_str());
    else
        fail("netif_default does not hold %s", g.my_ip6.c_str());
    return open_sockets(g);
}

int online_only(game &g, int64_t deadline)
{
    while (!native_online() && now_ms() < deadline)
        zts_util_delay(20);
    if (!native_online())
        fail("online_only: not online");
    else
        say("online_only node=%010" PRIx64, native_node_id());
    (void)g;
    return native_free() == ZTS_ERR_OK && failures() == 0 ? 0 : 1;
}

} // namespace

int proto_run(const std::string &dir, int npeers)
{
    game g;
    int64_t deadline, next_hello = 0;
    const char *b = std::getenv("DVX_BUDGET");
    int budget = b != nullptr ? std::atoi(b) : 120;
    std::string other = dir + "/other-zerotier";

    alarm((unsigned)budget + 10); /* the last resort; the loops below end first */
    deadline = now_ms() + (int64_t)budget * 1000;
    g.dir = dir;
    g.npeers = npeers;
    if (!native_construct(dir, 1) || !native_construct(dir, 2) || !native_construct_other(other))
        return 1;
    if (npeers == 0)
        return online_only(g, deadline);
    if (!wait_ready(deadline))
        return fail("network not ready (NODE_ONLINE + NETWORK_READY_IP6)"), report_state(g), 1;
    native_construct(dir, 3); /* the game object made again once playing */
    if (!setup(g))
        return 1;
    check_nonblocking(g);
    while (now_ms() < deadline && !(g.done && stop_requested(g))) {
        frame(g, next_hello);
        if (!g.done && all_done(g)) {
            g.done = true;
            say("DONE");
        }
        if (g.done)
            poll_departed(g);
        zts_util_delay(10);
    }
    if (!g.done)
        fail("timeout"), report_state(g);
    check_peer_states(g);
    native_final_checks(other);
    lwip_close(g.udp);
    lwip_close(g.listener);
    if (native_free() != ZTS_ERR_OK)
        fail("free");
    say("exit failures=%d", failures());
    return failures() == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: dvx_peer <config dir> <network id hex> <peers>\n");
        return 2;
    }
    g_nwid = std::strtoull(argv[2], nullptr, 16);
    return proto_run(argv[1], std::atoi(argv[3]));
}
