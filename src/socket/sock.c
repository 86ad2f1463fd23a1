/*
 * sock.c: descriptors, socket life cycle, waiting and poll (sock.h).  TCP and UDP specifics are
 * in sock_tcp.c and sock_udp.c, options in sock_opt.c.
 *
 * The descriptor table is an array of pointers that doubles when full, with a bitmap of used
 * slots for the lowest-free-first rule; it is guarded, like everything else, by the core lock.
 */
#include "socket/sock_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "arch/sys_arch.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"

/* poll/select: one waiter per call, linked from every socket it watches. */
typedef struct zt_poll_waiter {
    pthread_cond_t cond;
    bool fired;
} zt_poll_waiter;

struct zt_poll_link {
    zt_poll_link *prev, *next;
    zt_poll_waiter *w;
};

static zt_sock **table;   /* fd -> socket */
static uint64_t *used;    /* bit per fd */
static size_t cap;        /* slots in |table| (a multiple of 64) */
static size_t nopen;

/* ---- table -------------------------------------------------------------------------------- */

static int grow(void)
{
    size_t ncap = cap == 0 ? 1024 : cap * 2;
    zt_sock **nt;
    uint64_t *nu;

    if (ncap > (size_t)INT_MAX)
        return -ENFILE;
    nt = realloc(table, ncap * sizeof(*nt));
    if (nt == NULL)
        return -ENOMEM;
    table = nt;
    nu = realloc(used, ncap / 64 * sizeof(*nu));
    if (nu == NULL)
        return -ENOMEM;
    used = nu;
    memset(table + cap, 0, (ncap - cap) * sizeof(*nt));
    memset(used + cap / 64, 0, (ncap - cap) / 64 * sizeof(*nu));
    cap = ncap;
    return 0;
}

int zt__sock_attach_fd(zt_sock *s)
{
    size_t w;

    if (nopen == cap) {
        int rv = grow();
        if (rv != 0)
            return rv;
    }
    for (w = 0; w < cap / 64; w++)
        if (used[w] != UINT64_MAX)
            break;
    /* nopen < cap, so a free bit exists. */
    int bit = __builtin_ctzll(~used[w]);
    size_t fd = w * 64 + (size_t)bit;
    used[w] |= 1ull << bit;
    table[fd] = s;
    s->fd = (int)fd;
    s->refs++;
    nopen++;
    return (int)fd;
}

static void detach_fd(zt_sock *s)
{
    size_t fd = (size_t)s->fd;

    if (s->fd < 0)
        return;
    table[fd] = NULL;
    used[fd / 64] &= ~(1ull << (fd % 64));
    s->fd = -1;
    nopen--;
}

zt_sock *zt__sock_get(int fd)
{
    zt_sock *s;

    if (fd < 0 || (size_t)fd >= cap)
        return NULL;
    s = table[fd];
    if (s != NULL)
        s->refs++;
    return s;
}

static void free_struct(zt_sock *s)
{
    pthread_cond_destroy(&s->cond);
    free(s);
}

void zt__sock_put(zt_sock *s)
{
    if (s != NULL && --s->refs == 0)
        free_struct(s);
}

zt_sock *zt__sock_new_struct(int family, int type)
{
    zt_sock *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->fd = -1;
    s->family = family;
    s->type = type;
    s->rcvbuf = ZT_SOCK_DEFAULT_RCVBUF;
    zt__sys_cond_init(&s->cond);
    return s;
}

size_t zt__sock_count(void)
{
    size_t n;

    LOCK_TCPIP_CORE();
    n = nopen;
    UNLOCK_TCPIP_CORE();
    return n;
}

/* ---- waiting ------------------------------------------------------------------------------ */

void zt__sock_notify(zt_sock *s)
{
    if (s->nwaiting > 0)
        pthread_cond_broadcast(&s->cond);
    for (zt_poll_link *l = s->polls; l != NULL; l = l->next) {
        if (!l->w->fired) {
            l->w->fired = true;
            pthread_cond_signal(&l->w->cond);
        }
    }
    if (s->watch != NULL && s->fd >= 0)
        s->watch(s->watch_ctx, s->fd);
}

int zt__sock_watch(int fd, zt_sock_watch_fn fn, void *ctx)
{
    zt_sock *s = zt__sock_enter(fd);

    if (s == NULL)
        return -EBADF;
    s->watch = fn;
    s->watch_ctx = fn != NULL ? ctx : NULL;
    zt__sock_leave(s);
    return 0;
}

struct timespec *zt__sock_deadline(struct timespec *ts, int64_t ms)
{
    if (ms <= 0)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
    return ts;
}

int zt__sock_wait(zt_sock *s, const struct timespec *deadline)
{
    int rv;

    s->nwaiting++;
    rv = zt__sys_core_wait(&s->cond, deadline);
    s->nwaiting--;
    if (s->is_closed)
        return -EBADF;
    return rv == ETIMEDOUT ? -EAGAIN : 0;
}

/* ---- addresses ---------------------------------------------------------------------------- */

int zt__sock_errno_of(err_t err)
{
    switch (err) {
    case ERR_OK: return 0;
    case ERR_MEM: return -ENOMEM;
    case ERR_BUF: return -ENOBUFS;
    case ERR_TIMEOUT: return -ETIMEDOUT;
    case ERR_RTE: return -EHOSTUNREACH;
    case ERR_INPROGRESS: return -EINPROGRESS;
    case ERR_VAL: return -EINVAL;
    case ERR_WOULDBLOCK: return -EWOULDBLOCK;
    case ERR_USE: return -EADDRINUSE;
    case ERR_ALREADY: return -EALREADY;
    case ERR_ISCONN: return -EISCONN;
    case ERR_CONN: return -ENOTCONN;
    case ERR_IF: return -ENETDOWN;
    case ERR_ABRT: return -ECONNABORTED;
    case ERR_RST: return -ECONNRESET;
    case ERR_CLSD: return -ENOTCONN;
    case ERR_ARG: return -EINVAL;
    default: return -EIO;
    }
}

void zt__sock_addr_out(const zt_sock *s, const ip_addr_t *ip, uint16_t port, zt_sockaddr *out)
{
    ip_addr_copy(out->ip, *ip);
    out->port = port;
    if (s->family == 6 && IP_IS_V4_VAL(*ip)) {
        ip4_addr_t v4 = *ip_2_ip4(ip);
        ip4_2_ipv4_mapped_ipv6(ip_2_ip6(&out->ip), &v4);
        IP_SET_TYPE_VAL(out->ip, IPADDR_TYPE_V6);
    } else if (IP_IS_ANY_TYPE_VAL(*ip)) {
        /* bound to the dual-stack wildcard: report the socket's own family */
        if (s->family == 6)
            ip_addr_set_any(1, &out->ip);
        else
            ip_addr_set_any(0, &out->ip);
    }
}

int zt__sock_addr_in(const zt_sock *s, const zt_sockaddr *in, ip_addr_t *ip)
{
    if (s->family == 4) {
        if (!IP_IS_V4_VAL(in->ip))
            return -EAFNOSUPPORT;
        ip_addr_copy(*ip, in->ip);
        return 0;
    }
    if (!IP_IS_V6_VAL(in->ip))
        return -EAFNOSUPPORT;
    if (ip6_addr_isipv4mappedipv6(ip_2_ip6(&in->ip))) {
        if (s->v6only)
            return -EINVAL;
        ip4_addr_t v4;
        unmap_ipv4_mapped_ipv6(&v4, ip_2_ip6(&in->ip));
        ip_addr_copy_from_ip4(*ip, v4);
        return 0;
    }
    ip_addr_copy(*ip, in->ip);
    return 0;
}

bool zt__sock_addr_is_local(const ip_addr_t *ip)
{
    struct netif *n;

    if (ip_addr_isany(ip) || ip_addr_isloopback(ip))
        return true;
    NETIF_FOREACH(n) {
        if (IP_IS_V4_VAL(*ip)) {
            if (ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(n)))
                return true;
        } else if (netif_get_ip6_addr_match(n, ip_2_ip6(ip)) >= 0) {
            return true;
        }
    }
    return false;
}

size_t zt__iov_len(const zt_iov *iov, int iovcnt)
{
    size_t total = 0;

    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].len > SIZE_MAX - total)
            return SIZE_MAX;
        total += iov[i].len;
    }
    return total;
}

/* ---- calls -------------------------------------------------------------------------------- */

int zt__sock_open(int family, int type, int proto)
{
    zt_sock *s;
    int rv;

    if (family != 4 && family != 6)
        return -EAFNOSUPPORT;
    if (type == ZT_SOCK_STREAM) {
        if (proto != 0 && proto != IP_PROTO_TCP)
            return -EPROTONOSUPPORT;
    } else if (type == ZT_SOCK_DGRAM) {
        if (proto != 0 && proto != IP_PROTO_UDP)
            return -EPROTONOSUPPORT;
    } else {
        return -EINVAL; /* as lwip_socket() and Linux (api.md §5.7) */
    }
    s = zt__sock_new_struct(family, type);
    if (s == NULL)
        return -ENOMEM;
    LOCK_TCPIP_CORE();
    rv = type == ZT_SOCK_STREAM ? zt__tcp_open(s) : zt__udp_open(s);
    if (rv == 0) {
        rv = zt__sock_attach_fd(s);
        if (rv < 0) {
            if (type == ZT_SOCK_STREAM)
                zt__tcp_release(s);
            else
                zt__udp_release(s);
        }
    }
    UNLOCK_TCPIP_CORE();
    if (rv < 0)
        free_struct(s);
    return rv;
}

/* Closes |s| (core lock held): out of the table, waiters woken, the connection let go. */
static void close_locked(zt_sock *s)
{
    detach_fd(s);
    s->is_closed = true;
    zt__sock_notify(s);
    if (s->type == ZT_SOCK_STREAM)
        zt__tcp_release(s);
    else
        zt__udp_release(s);
    zt__sock_put(s); /* the table's reference */
}

int zt__sock_close(int fd)
{
    bool found = false;

    LOCK_TCPIP_CORE();
    if (fd >= 0 && (size_t)fd < cap && table[fd] != NULL) {
        close_locked(table[fd]); /* drops the table's reference: |table[fd]| may be freed */
        found = true;
    }
    UNLOCK_TCPIP_CORE();
    return found ? 0 : -EBADF;
}

void zt__sock_close_all(void)
{
    LOCK_TCPIP_CORE();
    for (size_t fd = 0; fd < cap; fd++)
        if (table[fd] != NULL)
            close_locked(table[fd]);
    UNLOCK_TCPIP_CORE();
}

zt_sock *zt__sock_enter(int fd)
{
    zt_sock *s;

    LOCK_TCPIP_CORE();
    s = zt__sock_get(fd);
    if (s == NULL)
        UNLOCK_TCPIP_CORE();
    return s;
}

void zt__sock_leave(zt_sock *s)
{
    zt__sock_put(s);
    UNLOCK_TCPIP_CORE();
}

int zt__sock_family(int fd)
{
    zt_sock *s = zt__sock_enter(fd);
    int rv;

    if (s == NULL)
        return -EBADF;
    rv = s->family;
    zt__sock_leave(s);
    return rv;
}

/* lwIP 2.1.3's tcp_bind compares a dual-stack wildcard (IPADDR_TYPE_ANY) with the other pcbs as
 * if it were IPv4 (its "@todo: check accept_any_ip_version"), so [::] dual stack and an IPv6
 * address, or [::] IPV6_V6ONLY, could hold one port together.  udp_bind has the missing clause;
 * this is it for TCP: a dual-stack pcb conflicts with every IPv6 pcb of the port, unless both
 * have SO_REUSEADDR (the IPv4 half lwIP checks itself). */
static bool tcp_dual_stack_conflict(const struct tcp_pcb *pcb, const ip_addr_t *ip, u16_t port)
{
    if (port == 0)
        return false;
    for (int i = 0; i < NUM_TCP_PCB_LISTS; i++) {
        for (const struct tcp_pcb *c = *tcp_pcb_lists[i]; c != NULL; c = c->next) {
            if (c == pcb || c->local_port != port)
                continue;
            if (ip_get_option(pcb, SOF_REUSEADDR) && ip_get_option(c, SOF_REUSEADDR))
                continue;
            if ((IP_IS_ANY_TYPE_VAL(*ip) && IP_IS_V6_VAL(c->local_ip)) ||
                (IP_IS_V6(ip) && IP_IS_ANY_TYPE_VAL(c->local_ip)))
                return true;
        }
    }
    return false;
}

static int bind_locked(zt_sock *s, const zt_sockaddr *a)
{
    ip_addr_t ip;
    int rv = zt__sock_addr_in(s, a, &ip);

    if (rv != 0)
        return rv;
    if (!zt__sock_addr_is_local(&ip))
        return -EADDRNOTAVAIL;
    /* The IPv6 wildcard of a dual-stack socket takes IPv4 too. */
    if (s->family == 6 && !s->v6only && ip_addr_isany(&ip))
        ip_addr_copy(ip, *IP_ANY_TYPE);
    if (s->type != ZT_SOCK_STREAM)
        return zt__sock_errno_of(udp_bind(s->pcb.udp, &ip, a->port));
    if (s->pcb.tcp == NULL || s->state != ZT_SOCK_NEW || s->pcb.tcp->local_port != 0)
        return -EINVAL; /* listening, connected, or already bound */
    if (tcp_dual_stack_conflict(s->pcb.tcp, &ip, a->port))
        return -EADDRINUSE;
    return zt__sock_errno_of(tcp_bind(s->pcb.tcp, &ip, a->port));
}

int zt__sock_bind(int fd, const zt_sockaddr *a)
{
    zt_sock *s = zt__sock_enter(fd);
    int rv;

    if (s == NULL)
        return -EBADF;
    rv = bind_locked(s, a);
    zt__sock_leave(s);
    return rv;
}

int zt__sock_connect(int fd, const zt_sockaddr *a)
{
    zt_sock *s = zt__sock_enter(fd);
    ip_addr_t ip;
    int rv;

    if (s == NULL)
        return -EBADF;
    rv = zt__sock_addr_in(s, a, &ip);
    if (rv == 0)
        rv = s->type == ZT_SOCK_STREAM ? zt__tcp_connect(s, &ip, a->port)
                                       : zt__udp_connect(s, &ip, a->port);
    zt__sock_leave(s);
    return rv;
}

int zt__sock_listen(int fd, int backlog)
{
    zt_sock *s = zt__sock_enter(fd);
    int rv;

    if (s == NULL)
        return -EBADF;
    rv = s->type != ZT_SOCK_STREAM ? -EOPNOTSUPP : zt__tcp_listen(s, backlog);
    zt__sock_leave(s);
    return rv;
}

int zt__sock_accept(int fd, zt_sockaddr *peer, bool nonblock)
{
    zt_sock *s = zt__sock_enter(fd);
    int rv;

    if (s == NULL)
        return -EBADF;
    rv = s->type != ZT_SOCK_STREAM ? -EOPNOTSUPP : zt__tcp_accept(s, peer, nonblock);
    zt__sock_leave(s);
    return rv;
}

ssize_t zt__sock_send(int fd, const zt_iov *iov, int iovcnt, int flags, const zt_sockaddr *to)
{
    zt_sock *s = zt__sock_enter(fd);
    ssize_t rv;

    if (s == NULL)
        return -EBADF;
    if (s->type == ZT_SOCK_STREAM) {
        rv = zt__tcp_send(s, iov, iovcnt, flags); /* a TCP socket ignores |to| */
    } else if (to != NULL) {
        ip_addr_t ip;
        int r = zt__sock_addr_in(s, to, &ip);
        rv = r != 0 ? r : zt__udp_send(s, iov, iovcnt, flags, &ip, to->port);
    } else {
        rv = zt__udp_send(s, iov, iovcnt, flags, NULL, 0);
    }
    zt__sock_leave(s);
    return rv;
}

ssize_t zt__sock_recv_locked(zt_sock *s, const zt_iov *iov, int iovcnt, int flags,
                             zt_sockaddr *from, int *oflags)
{
    ssize_t rv;

    if (s->type != ZT_SOCK_STREAM)
        return zt__udp_recv(s, iov, iovcnt, flags, from, oflags);
    rv = zt__tcp_recv(s, iov, iovcnt, flags);
    if (rv >= 0 && from != NULL) {
        if (s->pcb.tcp != NULL)
            zt__sock_addr_out(s, &s->pcb.tcp->remote_ip, s->pcb.tcp->remote_port, from);
        else
            memset(from, 0, sizeof(*from));
    }
    return rv;
}

ssize_t zt__sock_recv(int fd, const zt_iov *iov, int iovcnt, int flags, zt_sockaddr *from,
                      int *oflags)
{
    zt_sock *s;
    ssize_t rv;

    if (oflags != NULL)
        *oflags = 0;
    s = zt__sock_enter(fd);
    if (s == NULL)
        return -EBADF;
    rv = zt__sock_recv_locked(s, iov, iovcnt, flags, from, oflags);
    zt__sock_leave(s);
    return rv;
}

int zt__sock_shutdown(int fd, int how)
{
    zt_sock *s;
    int rv;

    if (how < 0 || how > 2)
        return -EINVAL;
    s = zt__sock_enter(fd);
    if (s == NULL)
        return -EBADF;
    rv = s->type != ZT_SOCK_STREAM ? -EOPNOTSUPP : zt__tcp_shutdown(s, how);
    zt__sock_leave(s);
    return rv;
}

static int getname_locked(zt_sock *s, bool peer, zt_sockaddr *out)
{
    const ip_addr_t *ip;
    uint16_t port;

    if (s->pcb.any == NULL) {
        if (peer)
            return -ENOTCONN;
        zt__sock_addr_out(s, IP_ANY_TYPE, 0, out);
        return 0;
    }
    if (s->type == ZT_SOCK_STREAM) {
        struct tcp_pcb *p = s->pcb.tcp;
        if (peer && s->state != ZT_SOCK_CONNECTED)
            return -ENOTCONN;
        ip = peer ? &p->remote_ip : &p->local_ip;
        port = peer ? p->remote_port : p->local_port;
    } else {
        struct udp_pcb *p = s->pcb.udp;
        if (peer && (p->flags & UDP_FLAGS_CONNECTED) == 0)
            return -ENOTCONN;
        ip = peer ? &p->remote_ip : &p->local_ip;
        port = peer ? p->remote_port : p->local_port;
    }
    zt__sock_addr_out(s, ip, port, out);
    return 0;
}

int zt__sock_getname(int fd, bool peer, zt_sockaddr *out)
{
    zt_sock *s = zt__sock_enter(fd);
    int rv;

    if (s == NULL)
        return -EBADF;
    rv = getname_locked(s, peer, out);
    zt__sock_leave(s);
    return rv;
}

int zt__sock_get_nonblock(int fd, bool *nonblock, bool *can_read, bool *can_write)
{
    zt_sock *s = zt__sock_enter(fd);

    if (s == NULL)
        return -EBADF;
    *nonblock = s->nonblock;
    *can_read = s->type == ZT_SOCK_DGRAM || !s->shut_rd;
    *can_write = s->type == ZT_SOCK_DGRAM || !s->shut_wr;
    zt__sock_leave(s);
    return 0;
}

int zt__sock_set_nonblock(int fd, bool nonblock)
{
    zt_sock *s = zt__sock_enter(fd);

    if (s == NULL)
        return -EBADF;
    s->nonblock = nonblock;
    zt__sock_leave(s);
    return 0;
}

int zt__sock_nread(int fd, int *out)
{
    zt_sock *s = zt__sock_enter(fd);
    size_t n;

    if (s == NULL)
        return -EBADF;
    n = s->type == ZT_SOCK_STREAM ? zt__tcp_nread(s) : zt__udp_nread(s);
    zt__sock_leave(s);
    *out = n > INT_MAX ? INT_MAX : (int)n;
    return 0;
}

/* ---- poll --------------------------------------------------------------------------------- */

static short ready_of(const zt_sock *s)
{
    return s->type == ZT_SOCK_STREAM ? zt__tcp_ready(s) : zt__udp_ready(s);
}

/* One pass over |fds|: revents from each socket's state; returns the count of entries set. */
static int scan(zt_pollfd *fds, size_t nfds)
{
    int count = 0;

    for (size_t i = 0; i < nfds; i++) {
        zt_sock *s;
        fds[i].revents = 0;
        if (fds[i].fd < 0)
            continue;
        s = (size_t)fds[i].fd < cap ? table[fds[i].fd] : NULL;
        if (s == NULL)
            fds[i].revents = ZT_POLLNVAL;
        else
            fds[i].revents = (short)(ready_of(s) & (fds[i].events | ZT_POLLERR));
        if (fds[i].revents != 0)
            count++;
    }
    return count;
}

static void unlink_poll(zt_sock *s, zt_poll_link *l)
{
    if (l->prev != NULL)
        l->prev->next = l->next;
    else
        s->polls = l->next;
    if (l->next != NULL)
        l->next->prev = l->prev;
}

int zt__sock_poll(zt_pollfd *fds, size_t nfds, int timeout_ms)
{
    zt_poll_waiter w = {.fired = false};
    zt_poll_link *links = NULL;
    zt_sock **socks = NULL;
    struct timespec ts, *deadline = NULL;
    int count;

    if (timeout_ms > 0)
        deadline = zt__sock_deadline(&ts, timeout_ms);
    LOCK_TCPIP_CORE();
    count = scan(fds, nfds);
    if (count > 0 || timeout_ms == 0 || nfds == 0)
        goto out_nowait;

    links = calloc(nfds, sizeof(*links));
    socks = calloc(nfds, sizeof(*socks));
    if (links == NULL || socks == NULL) {
        count = -ENOMEM;
        goto out_nowait;
    }
    zt__sys_cond_init(&w.cond);
    for (size_t i = 0; i < nfds; i++) {
        zt_sock *s = zt__sock_get(fds[i].fd);
        if (s == NULL)
            continue;
        socks[i] = s;
        links[i].w = &w;
        links[i].next = s->polls;
        if (s->polls != NULL)
            s->polls->prev = &links[i];
        s->polls = &links[i];
    }
    for (;;) {
        int rv;
        w.fired = false;
        rv = zt__sys_core_wait(&w.cond, deadline);
        count = scan(fds, nfds);
        if (count > 0 || rv == ETIMEDOUT)
            break;
    }
    for (size_t i = 0; i < nfds; i++) {
        if (socks[i] == NULL)
            continue;
        unlink_poll(socks[i], &links[i]);
        zt__sock_put(socks[i]);
    }
    pthread_cond_destroy(&w.cond);
out_nowait:
    UNLOCK_TCPIP_CORE();
    free(links);
    free(socks);
    return count;
}
