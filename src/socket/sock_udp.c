/*
 * sock_udp.c: UDP sockets over lwIP's raw API (sock.h, docs/internals/socket.md).
 *
 * Datagrams wait in a FIFO bounded by SO_RCVBUF (beyond it they are dropped, as a kernel
 * drops them); multicast memberships taken through a socket are left when it closes.
 */
#include "socket/sock_internal.h"

#include <stdlib.h>
#include <string.h>

#include "lwip/igmp.h"
#include "lwip/mld6.h"

/* Largest UDP payload in one IP datagram (IPv4: 65535 - 20 - 8).  Over IPv6 lwIP's limit is
 * lower than the protocol's 65527: a pbuf's 16-bit tot_len must hold the 40-byte header too. */
#define ZT_UDP_MAX 65507
#define ZT_UDP_MAX6 (0xffff - 40 - 8)

static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                    u16_t port)
{
    zt_sock *s = arg;
    zt_dgram *d;

    (void)pcb;
    if (s->dq_bytes + p->tot_len > (size_t)s->rcvbuf || (d = malloc(sizeof(*d))) == NULL) {
        pbuf_free(p);
        return;
    }
    d->next = NULL;
    d->p = p;
    zt__sock_addr_out(s, addr, port, &d->from);
    if (s->dq_tail != NULL)
        s->dq_tail->next = d;
    else
        s->dq_head = d;
    s->dq_tail = d;
    s->dq_bytes += p->tot_len;
    zt__sock_notify(s);
}

int zt__udp_open(zt_sock *s)
{
    struct udp_pcb *pcb = udp_new_ip_type(s->family == 4 ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);

    if (pcb == NULL)
        return -ENOMEM;
    s->pcb.udp = pcb;
    udp_recv(pcb, on_recv, s);
    return 0;
}

int zt__udp_join(zt_sock *s, const ip_addr_t *group, const ip_addr_t *iface, bool join)
{
    zt_mgroup **pp, *g;
    err_t err;

    for (pp = &s->groups; *pp != NULL; pp = &(*pp)->next)
        if (ip_addr_cmp(&(*pp)->group, group) && ip_addr_cmp(&(*pp)->iface, iface))
            break;
    if (join && *pp != NULL)
        return -EADDRINUSE;
    if (!join && *pp == NULL)
        return -EADDRNOTAVAIL;
    if (IP_IS_V4_VAL(*group))
        err = join ? igmp_joingroup(ip_2_ip4(iface), ip_2_ip4(group))
                   : igmp_leavegroup(ip_2_ip4(iface), ip_2_ip4(group));
    else
        err = join ? mld6_joingroup(ip_2_ip6(iface), ip_2_ip6(group))
                   : mld6_leavegroup(ip_2_ip6(iface), ip_2_ip6(group));
    if (err != ERR_OK)
        return err == ERR_VAL ? -EADDRNOTAVAIL : zt__sock_errno_of(err);
    if (join) {
        g = calloc(1, sizeof(*g));
        if (g == NULL) {
            if (IP_IS_V4_VAL(*group))
                (void)igmp_leavegroup(ip_2_ip4(iface), ip_2_ip4(group));
            else
                (void)mld6_leavegroup(ip_2_ip6(iface), ip_2_ip6(group));
            return -ENOMEM;
        }
        ip_addr_copy(g->group, *group);
        ip_addr_copy(g->iface, *iface);
        g->next = s->groups;
        s->groups = g;
    } else {
        g = *pp;
        *pp = g->next;
        free(g);
    }
    return 0;
}

void zt__udp_release(zt_sock *s)
{
    while (s->groups != NULL) {
        zt_mgroup *g = s->groups;
        (void)zt__udp_join(s, &g->group, &g->iface, false);
    }
    while (s->dq_head != NULL) {
        zt_dgram *d = s->dq_head;
        s->dq_head = d->next;
        pbuf_free(d->p);
        free(d);
    }
    s->dq_tail = NULL;
    s->dq_bytes = 0;
    if (s->pcb.udp != NULL)
        udp_remove(s->pcb.udp);
    s->pcb.udp = NULL;
}

int zt__udp_connect(zt_sock *s, const ip_addr_t *ip, uint16_t port)
{
    err_t err;

    /* AF_UNSPEC (the any address, port 0) dissolves the association, as connect(2) does. */
    if (ip_addr_isany(ip) && port == 0) {
        udp_disconnect(s->pcb.udp);
        s->state = ZT_SOCK_NEW;
        return 0;
    }
    err = udp_connect(s->pcb.udp, ip, port);
    if (err != ERR_OK)
        return zt__sock_errno_of(err);
    s->state = ZT_SOCK_CONNECTED;
    return 0;
}

ssize_t zt__udp_send(zt_sock *s, const zt_iov *iov, int iovcnt, int flags,
                     const ip_addr_t *ip, uint16_t port)
{
    size_t total = zt__iov_len(iov, iovcnt), off = 0;
    struct pbuf *p;
    err_t err;

    (void)flags;
    if (ip == NULL && (s->pcb.udp->flags & UDP_FLAGS_CONNECTED) == 0)
        return -EDESTADDRREQ;
    if (total > (IP_IS_V6(ip != NULL ? ip : &s->pcb.udp->remote_ip) ? ZT_UDP_MAX6 : ZT_UDP_MAX))
        return -EMSGSIZE;
    p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)total, PBUF_RAM);
    if (p == NULL)
        return -ENOBUFS;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].len > 0)
            memcpy((uint8_t *)p->payload + off, iov[i].base, iov[i].len);
        off += iov[i].len;
    }
    if (ip != NULL) {
        /* sendto() on an unbound socket binds it to an ephemeral port first (lwIP does). */
        err = udp_sendto(s->pcb.udp, p, ip, port);
    } else {
        err = udp_send(s->pcb.udp, p);
    }
    pbuf_free(p);
    if (err != ERR_OK)
        return zt__sock_errno_of(err);
    return (ssize_t)total;
}

ssize_t zt__udp_recv(zt_sock *s, const zt_iov *iov, int iovcnt, int flags, zt_sockaddr *from,
                     int *oflags)
{
    struct timespec ts, *deadline;
    bool nonblock = s->nonblock || (flags & ZT_MSG_DONTWAIT);
    size_t done = 0, off = 0;
    zt_dgram *d;
    int rv;

    deadline = zt__sock_deadline(&ts, s->rcvtimeo_ms);
    while (s->dq_head == NULL) {
        if (nonblock)
            return -EAGAIN;
        rv = zt__sock_wait(s, deadline);
        if (rv != 0)
            return rv;
    }
    d = s->dq_head;
    for (int i = 0; i < iovcnt && off < d->p->tot_len; i++) {
        size_t n = iov[i].len;
        if (n > d->p->tot_len - off)
            n = d->p->tot_len - off;
        pbuf_copy_partial(d->p, iov[i].base, (u16_t)n, (u16_t)off);
        off += n;
        done += n;
    }
    if (done < d->p->tot_len && oflags != NULL)
        *oflags |= ZT_MSG_TRUNC;
    if (from != NULL)
        *from = d->from;
    if (!(flags & ZT_MSG_PEEK)) {
        s->dq_head = d->next;
        if (s->dq_head == NULL)
            s->dq_tail = NULL;
        s->dq_bytes -= d->p->tot_len;
        pbuf_free(d->p);
        free(d);
    }
    return (ssize_t)done;
}

short zt__udp_ready(const zt_sock *s)
{
    return (short)(ZT_POLLOUT | (s->dq_head != NULL ? ZT_POLLIN : 0));
}

size_t zt__udp_nread(const zt_sock *s)
{
    return s->dq_head != NULL ? s->dq_head->p->tot_len : 0;
}
