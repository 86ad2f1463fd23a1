/*
 * sock_opt.c: socket options (api.md §3.8; docs/internals/socket.md has the table of what
 * each does here).  Levels and names are the ZTS_* values; value types are the public ones
 * (int, struct zts_linger, struct zts_timeval, struct zts_ip_mreq, struct zts_ipv6_mreq,
 * unsigned char), declared again here as their layouts so that this file needs no public
 * header.
 */
#include "socket/sock_internal.h"

#include <string.h>

#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"

#define L_SOCKET 0x0fff
#define L_IP 0
#define L_TCP 6
#define L_UDP 17
#define L_IPV6 41
#define L_UDPLITE 136

enum {
    SO_ACCEPTCONN_ = 0x0002, SO_REUSEADDR_ = 0x0004, SO_KEEPALIVE_ = 0x0008,
    SO_BROADCAST_ = 0x0020, SO_LINGER_ = 0x0080, SO_SNDBUF_ = 0x1001, SO_RCVBUF_ = 0x1002,
    SO_SNDTIMEO_ = 0x1005, SO_RCVTIMEO_ = 0x1006, SO_ERROR_ = 0x1007, SO_TYPE_ = 0x1008,
    SO_NO_CHECK_ = 0x100a,
    IP_TOS_ = 1, IP_TTL_ = 2, IP_ADD_MEMBERSHIP_ = 3, IP_DROP_MEMBERSHIP_ = 4,
    IP_MULTICAST_TTL_ = 5, IP_MULTICAST_IF_ = 6, IP_MULTICAST_LOOP_ = 7,
    TCP_NODELAY_ = 1, TCP_KEEPALIVE_ = 2, TCP_KEEPIDLE_ = 3, TCP_KEEPINTVL_ = 4, TCP_KEEPCNT_ = 5,
    IPV6_JOIN_GROUP_ = 12, IPV6_LEAVE_GROUP_ = 13, IPV6_V6ONLY_ = 0x1b,
};
#define SO_DONTLINGER_ ((int)(~SO_LINGER_))

typedef struct { int onoff, secs; } opt_linger;       /* struct zts_linger */
typedef struct { long sec, usec; } opt_timeval;       /* struct zts_timeval */
typedef struct { uint32_t group, iface; } opt_mreq;   /* struct zts_ip_mreq */
typedef struct { uint8_t group[16]; unsigned iface; } opt_mreq6; /* struct zts_ipv6_mreq */

static int get_int(const void *val, size_t len, int *out)
{
    if (len < sizeof(int))
        return -EINVAL;
    memcpy(out, val, sizeof(int));
    return 0;
}

static int get_u8(const void *val, size_t len, int *out)
{
    /* unsigned char as the spec says; an int is accepted too (what Linux does). */
    if (len >= sizeof(int))
        return get_int(val, len, out);
    if (len < 1)
        return -EINVAL;
    *out = *(const uint8_t *)val;
    return 0;
}

static int64_t tv_ms(const opt_timeval *tv)
{
    return (int64_t)tv->sec * 1000 + tv->usec / 1000;
}

/* The IP-level fields every pcb starts with (IP_PCB in lwIP's ip.h). */
static struct ip_pcb *ip_of(zt_sock *s)
{
    return (struct ip_pcb *)s->pcb.any;
}

static int set_membership6(zt_sock *s, const opt_mreq6 *m, bool join)
{
    ip_addr_t group, iface;
    struct netif *n;

    memcpy(ip_2_ip6(&group)->addr, m->group, 16);
    ip6_addr_clear_zone(ip_2_ip6(&group));
    IP_SET_TYPE_VAL(group, IPADDR_TYPE_V6);
    ip_addr_set_zero_ip6(&iface);
    if (m->iface != 0) {
        n = netif_get_by_index((u8_t)m->iface);
        if (n == NULL)
            return -ENODEV;
        ip_addr_copy_from_ip6(iface, *netif_ip6_addr(n, 0));
    }
    return zt__udp_join(s, &group, &iface, join);
}

/* SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST: a flag of the pcb (kept for one not made yet). */
static int set_flag(zt_sock *s, int name, const void *val, size_t len)
{
    struct ip_pcb *ip = ip_of(s);
    u8_t opt = name == SO_REUSEADDR_ ? SOF_REUSEADDR
               : name == SO_KEEPALIVE_ ? SOF_KEEPALIVE : SOF_BROADCAST;
    int v = 0, rv;

    if ((rv = get_int(val, len, &v)) != 0)
        return rv;
    if (name == SO_REUSEADDR_)
        s->reuseaddr = v != 0;
    if (ip != NULL) {
        if (v)
            ip_set_option(ip, opt);
        else
            ip_reset_option(ip, opt);
    }
    return 0;
}

/* SO_SNDTIMEO, SO_RCVTIMEO into |*ms|. */
static int set_timeout(int64_t *ms, const void *val, size_t len)
{
    opt_timeval tv;

    if (len < sizeof(tv))
        return -EINVAL;
    memcpy(&tv, val, sizeof(tv));
    if (tv.sec < 0 || tv.usec < 0 || tv.usec >= 1000000)
        return -EDOM;
    *ms = tv_ms(&tv);
    if (*ms == 0 && (tv.sec != 0 || tv.usec != 0))
        *ms = 1; /* 0 < t < 1 ms would read as "none": round up */
    return 0;
}

static int set_socket(zt_sock *s, int name, const void *val, size_t len)
{
    bool tcp = s->type == ZT_SOCK_STREAM;
    int v = 0, rv;

    switch (name) {
    case SO_REUSEADDR_:
    case SO_KEEPALIVE_:
    case SO_BROADCAST_:
        return set_flag(s, name, val, len);
    case SO_LINGER_: {
        opt_linger l;
        if (len < sizeof(l))
            return -EINVAL;
        memcpy(&l, val, sizeof(l));
        if (l.secs < 0)
            return -EINVAL;
        s->linger.onoff = l.onoff != 0;
        s->linger.secs = l.secs;
        return 0;
    }
    case SO_DONTLINGER_:
        s->linger.onoff = 0;
        return 0;
    case SO_RCVBUF_:
        if ((rv = get_int(val, len, &v)) != 0)
            return rv;
        if (v < 0)
            return -EINVAL;
        s->rcvbuf = v < 2048 ? 2048 : v;
        return 0;
    case SO_SNDBUF_:
        /* TCP's send buffer is the stack's (TCP_SND_BUF); accepted and ignored. */
        return get_int(val, len, &v);
    case SO_SNDTIMEO_:
    case SO_RCVTIMEO_:
        return set_timeout(name == SO_SNDTIMEO_ ? &s->sndtimeo_ms : &s->rcvtimeo_ms, val, len);
    case SO_NO_CHECK_:
        if (tcp)
            return -ENOPROTOOPT;
        if ((rv = get_int(val, len, &v)) != 0)
            return rv;
        if (v)
            udp_set_flags(s->pcb.udp, UDP_FLAGS_NOCHKSUM);
        else
            udp_clear_flags(s->pcb.udp, UDP_FLAGS_NOCHKSUM);
        return 0;
    default:
        return -ENOPROTOOPT;
    }
}

static int set_ip(zt_sock *s, int name, const void *val, size_t len)
{
    struct ip_pcb *ip = ip_of(s);
    bool tcp = s->type == ZT_SOCK_STREAM;
    int v = 0, rv;

    switch (name) {
    case IP_TOS_:
    case IP_TTL_:
        if ((rv = get_int(val, len, &v)) != 0)
            return rv;
        if (v < 0 || v > 255)
            return -EINVAL;
        if (ip == NULL)
            return -EINVAL;
        if (name == IP_TOS_)
            ip->tos = (u8_t)v;
        else
            ip->ttl = (u8_t)v;
        return 0;
    case IP_ADD_MEMBERSHIP_:
    case IP_DROP_MEMBERSHIP_: {
        opt_mreq m;
        ip_addr_t group, iface;
        if (tcp)
            return -ENOPROTOOPT;
        if (len < sizeof(m))
            return -EINVAL;
        memcpy(&m, val, sizeof(m));
        ip_addr_set_ip4_u32_val(group, m.group);
        ip_addr_set_ip4_u32_val(iface, m.iface);
        if (!ip4_addr_ismulticast(ip_2_ip4(&group)))
            return -EINVAL;
        return zt__udp_join(s, &group, &iface, name == IP_ADD_MEMBERSHIP_);
    }
    case IP_MULTICAST_TTL_:
    case IP_MULTICAST_LOOP_:
        if (tcp)
            return -ENOPROTOOPT;
        if ((rv = get_u8(val, len, &v)) != 0)
            return rv;
        if (name == IP_MULTICAST_TTL_) {
            udp_set_multicast_ttl(s->pcb.udp, (u8_t)v);
        } else if (v) {
            udp_set_flags(s->pcb.udp, UDP_FLAGS_MULTICAST_LOOP);
        } else {
            udp_clear_flags(s->pcb.udp, UDP_FLAGS_MULTICAST_LOOP);
        }
        return 0;
    case IP_MULTICAST_IF_: {
        ip4_addr_t a;
        if (tcp)
            return -ENOPROTOOPT;
        if (len < 4)
            return -EINVAL;
        memcpy(&a.addr, val, 4);
        udp_set_multicast_netif_addr(s->pcb.udp, &a);
        return 0;
    }
    default:
        return -ENOPROTOOPT;
    }
}

static int set_tcp(zt_sock *s, int name, const void *val, size_t len)
{
    bool tcp = s->type == ZT_SOCK_STREAM;
    int v = 0, rv;

    if (!tcp)
        return -ENOPROTOOPT;
    if ((rv = get_int(val, len, &v)) != 0)
        return rv;
    if (name == TCP_NODELAY_) {
        s->nodelay = v != 0;
        /* A listener's pcb is a struct tcp_pcb_listen, which has no |flags| (that offset is
         * its accept callback): accepted sockets take |nodelay| from here (on_accept). */
        if (s->pcb.tcp != NULL && s->state != ZT_SOCK_LISTEN) {
            if (v)
                tcp_nagle_disable(s->pcb.tcp);
            else
                tcp_nagle_enable(s->pcb.tcp);
        }
        return 0;
    }
    if (name < TCP_KEEPALIVE_ || name > TCP_KEEPCNT_)
        return -ENOPROTOOPT;
    if (v <= 0)
        return -EINVAL;
    if (s->state == ZT_SOCK_LISTEN)
        return -EINVAL; /* no keepalive fields in a tcp_pcb_listen (lwIP's sockets: EINVAL) */
    if (s->pcb.tcp == NULL)
        return 0;
    if (name == TCP_KEEPALIVE_)
        s->pcb.tcp->keep_idle = (u32_t)v;
    else if (name == TCP_KEEPIDLE_)
        s->pcb.tcp->keep_idle = 1000u * (u32_t)v;
    else if (name == TCP_KEEPINTVL_)
        s->pcb.tcp->keep_intvl = 1000u * (u32_t)v;
    else
        s->pcb.tcp->keep_cnt = (u32_t)v;
    return 0;
}

static int set_ipv6(zt_sock *s, int name, const void *val, size_t len)
{
    struct ip_pcb *ip = ip_of(s);
    bool tcp = s->type == ZT_SOCK_STREAM;
    int v = 0, rv;

    if (s->family != 6)
        return -ENOPROTOOPT;
    switch (name) {
    case IPV6_V6ONLY_:
        if ((rv = get_int(val, len, &v)) != 0)
            return rv;
        s->v6only = v != 0;
        /* Not yet bound: the pcb's wildcard follows (IPv6 only, or dual stack). */
        if (ip != NULL && ip_addr_isany(&ip->local_ip))
            IP_SET_TYPE_VAL(ip->local_ip, v ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY);
        return 0;
    case IPV6_JOIN_GROUP_:
    case IPV6_LEAVE_GROUP_: {
        opt_mreq6 m;
        if (tcp)
            return -ENOPROTOOPT;
        if (len < sizeof(m))
            return -EINVAL;
        memcpy(&m, val, sizeof(m));
        if (m.group[0] != 0xff)
            return -EINVAL;
        return set_membership6(s, &m, name == IPV6_JOIN_GROUP_);
    }
    default:
        return -ENOPROTOOPT;
    }
}

static int setopt_locked(zt_sock *s, int level, int name, const void *val, size_t len)
{
    switch (level) {
    case L_SOCKET:
        return set_socket(s, name, val, len);
    case L_IP:
        return set_ip(s, name, val, len);
    case L_TCP:
        return set_tcp(s, name, val, len);
    case L_IPV6:
        return set_ipv6(s, name, val, len);
    default:
        return -ENOPROTOOPT;
    }
}

static int put_int(void *val, size_t *len, int v)
{
    if (*len < sizeof(int))
        return -EINVAL;
    memcpy(val, &v, sizeof(int));
    *len = sizeof(int);
    return 0;
}

static int get_socket(zt_sock *s, int name, void *val, size_t *len)
{
    struct ip_pcb *ip = ip_of(s);
    bool tcp = s->type == ZT_SOCK_STREAM;

    switch (name) {
    case SO_ACCEPTCONN_: return put_int(val, len, s->state == ZT_SOCK_LISTEN);
    case SO_REUSEADDR_: return put_int(val, len, s->reuseaddr);
    case SO_KEEPALIVE_:
        return put_int(val, len, ip != NULL && ip_get_option(ip, SOF_KEEPALIVE) != 0);
    case SO_BROADCAST_:
        return put_int(val, len, ip != NULL && ip_get_option(ip, SOF_BROADCAST) != 0);
    case SO_TYPE_: return put_int(val, len, s->type);
    case SO_RCVBUF_: return put_int(val, len, tcp ? TCP_WND : s->rcvbuf);
    case SO_SNDBUF_: return put_int(val, len, tcp ? TCP_SND_BUF : 65535);
    case SO_ERROR_: {
        int e = s->err;
        s->err = 0;
        return put_int(val, len, e);
    }
    case SO_LINGER_: {
        opt_linger l = {s->linger.onoff, s->linger.secs};
        if (*len < sizeof(l))
            return -EINVAL;
        memcpy(val, &l, sizeof(l));
        *len = sizeof(l);
        return 0;
    }
    case SO_SNDTIMEO_:
    case SO_RCVTIMEO_: {
        int64_t ms = name == SO_SNDTIMEO_ ? s->sndtimeo_ms : s->rcvtimeo_ms;
        opt_timeval tv = {(long)(ms / 1000), (long)(ms % 1000) * 1000};
        if (*len < sizeof(tv))
            return -EINVAL;
        memcpy(val, &tv, sizeof(tv));
        *len = sizeof(tv);
        return 0;
    }
    case SO_NO_CHECK_:
        if (tcp)
            return -ENOPROTOOPT;
        return put_int(val, len, (udp_flags(s->pcb.udp) & UDP_FLAGS_NOCHKSUM) != 0);
    default:
        return -ENOPROTOOPT;
    }
}

static int get_ip(zt_sock *s, int name, void *val, size_t *len)
{
    struct ip_pcb *ip = ip_of(s);
    bool tcp = s->type == ZT_SOCK_STREAM;

    switch (name) {
    case IP_TOS_: return ip != NULL ? put_int(val, len, ip->tos) : -EINVAL;
    case IP_TTL_: return ip != NULL ? put_int(val, len, ip->ttl) : -EINVAL;
    case IP_MULTICAST_TTL_:
    case IP_MULTICAST_LOOP_: {
        uint8_t b;
        if (tcp)
            return -ENOPROTOOPT;
        b = name == IP_MULTICAST_TTL_
                ? udp_get_multicast_ttl(s->pcb.udp)
                : (udp_flags(s->pcb.udp) & UDP_FLAGS_MULTICAST_LOOP) != 0;
        if (*len >= sizeof(int))
            return put_int(val, len, b);
        if (*len < 1)
            return -EINVAL;
        *(uint8_t *)val = b;
        *len = 1;
        return 0;
    }
    case IP_MULTICAST_IF_:
        if (tcp)
            return -ENOPROTOOPT;
        if (*len < 4)
            return -EINVAL;
        memcpy(val, &udp_get_multicast_netif_addr(s->pcb.udp)->addr, 4);
        *len = 4;
        return 0;
    default:
        return -ENOPROTOOPT;
    }
}

static int get_tcp(zt_sock *s, int name, void *val, size_t *len)
{
    bool tcp = s->type == ZT_SOCK_STREAM;

    if (!tcp)
        return -ENOPROTOOPT;
    if (name == TCP_NODELAY_)
        return put_int(val, len, s->nodelay);
    if (s->pcb.tcp == NULL || s->state == ZT_SOCK_LISTEN)
        return -EINVAL;
    switch (name) {
    case TCP_KEEPALIVE_: return put_int(val, len, (int)s->pcb.tcp->keep_idle);
    case TCP_KEEPIDLE_: return put_int(val, len, (int)(s->pcb.tcp->keep_idle / 1000));
    case TCP_KEEPINTVL_: return put_int(val, len, (int)(s->pcb.tcp->keep_intvl / 1000));
    case TCP_KEEPCNT_: return put_int(val, len, (int)s->pcb.tcp->keep_cnt);
    default: return -ENOPROTOOPT;
    }
}

static int get_ipv6(zt_sock *s, int name, void *val, size_t *len)
{
    if (s->family != 6)
        return -ENOPROTOOPT;
    if (name == IPV6_V6ONLY_)
        return put_int(val, len, s->v6only);
    return -ENOPROTOOPT;
}

static int getopt_locked(zt_sock *s, int level, int name, void *val, size_t *len)
{
    switch (level) {
    case L_SOCKET:
        return get_socket(s, name, val, len);
    case L_IP:
        return get_ip(s, name, val, len);
    case L_TCP:
        return get_tcp(s, name, val, len);
    case L_IPV6:
        return get_ipv6(s, name, val, len);
    default:
        return -ENOPROTOOPT;
    }
}

int zt__sock_setopt(int fd, int level, int name, const void *val, size_t len)
{
    zt_sock *s;
    int rv;

    if (val == NULL)
        return -EFAULT;
    if ((s = zt__sock_enter(fd)) == NULL)
        return -EBADF;
    rv = setopt_locked(s, level, name, val, len);
    zt__sock_leave(s);
    return rv;
}

int zt__sock_getopt(int fd, int level, int name, void *val, size_t *len)
{
    zt_sock *s;
    int rv;

    if (val == NULL || len == NULL)
        return -EFAULT;
    if ((s = zt__sock_enter(fd)) == NULL)
        return -EBADF;
    rv = getopt_locked(s, level, name, val, len);
    zt__sock_leave(s);
    return rv;
}
