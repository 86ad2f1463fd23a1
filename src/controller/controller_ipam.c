/*
 * IP assignment for one member (controller.md §3.3-§3.6): the derived IPv6 addresses, the
 * member's static assignments filtered by the config's routes, and allocation from the
 * network's IPv4/IPv6 pools without colliding with any other member.  Collisions are looked up
 * one candidate at a time through info->ip_used (the store's address index): O(log members)
 * each, never a read of the whole network.
 */
#include "controller/controller_internal.h"

#include <string.h>

#include "codec/ethernet.h"
#include "util/buf.h"

void zt__controller_ip_to_inet(const zt_ctl_ip *ip, uint16_t port, zt_inetaddr *out)
{
    memset(out, 0, sizeof(*out));
    if (ip->family == 4)
        zt__inetaddr_set4(out, ip->ip, port);
    else if (ip->family == 6)
        zt__inetaddr_set6(out, ip->ip, port);
}

bool zt__controller_ip_in(const zt_ctl_ip *target, const zt_ctl_ip *ip)
{
    unsigned bits = target->bits, full, rest;
    unsigned max = target->family == 4 ? 32 : 128;

    if (target->family != ip->family || (target->family != 4 && target->family != 6))
        return false;
    if (bits > max)
        bits = max;
    full = bits / 8;
    rest = bits % 8;
    if (memcmp(target->ip, ip->ip, full) != 0)
        return false;
    if (rest != 0) {
        uint8_t mask = (uint8_t)(0xff << (8 - rest));
        if ((target->ip[full] & mask) != (ip->ip[full] & mask))
            return false;
    }
    return true;
}

static bool same_addr(const zt_ctl_ip *a, const zt_ctl_ip *b)
{
    size_t n = a->family == 4 ? 4 : 16;
    return a->family == b->family && memcmp(a->ip, b->ip, n) == 0;
}

static bool in_list(const zt_ctl_ip *list, size_t n, const zt_ctl_ip *ip)
{
    for (size_t i = 0; i < n; i++) {
        if (same_addr(&list[i], ip))
            return true;
    }
    return false;
}

/* Adds a static IP to the config unless the list is full or it is already there. */
static void add_static(zt_netconf *nc, const zt_inetaddr *a)
{
    for (unsigned i = 0; i < nc->n_static_ips; i++) {
        if (zt__inetaddr_equal(&nc->static_ips[i], a))
            return;
    }
    if (nc->n_static_ips < ZT_NETCONF_MAX_STATIC_IPS)
        nc->static_ips[nc->n_static_ips++] = *a;
}

/* The static IP |ip| with |bits| goes to the config and, when |persist|, to the member. */
static bool take(zt_ctl_member *m, zt_netconf *nc, const zt_ctl_ip *ip, unsigned bits)
{
    zt_inetaddr a;

    if (m->nips >= ZT_CTL_MAX_IPS)
        return false; /* could not be persisted: never hand out an unrecorded address */
    m->ips[m->nips] = *ip;
    m->ips[m->nips].bits = 0;
    m->nips++;
    zt__controller_ip_to_inet(ip, (uint16_t)bits, &a);
    add_static(nc, &a);
    return true;
}

/* In the network's allocated set or in the member's own list.  A failed lookup counts as
 * taken (no address goes out unchecked) and is kept in *prv. */
static bool taken(const zt_ctl_member *m, const zt_ctl_netinfo *info, const zt_ctl_ip *ip,
                  int *prv)
{
    bool used = false;
    int rv;

    if (in_list(m->ips, m->nips, ip))
        return true;
    rv = info->ip_used(info->arg, ip, &used);
    if (rv != 0) {
        *prv = rv;
        return true;
    }
    return used;
}

/* A pool's candidate |ip| inside a route of |bits| (0: outside every route, or unusable):
 * false to try the next one; true when the pool is done, with its result in *passigned
 * (false after a failed lookup, else whether take() recorded the address). */
static bool offer(zt_ctl_member *m, const zt_ctl_netinfo *info, zt_netconf *nc,
                  const zt_ctl_ip *ip, unsigned bits, int *prv, bool *passigned)
{
    if (bits == 0)
        return false;
    if (taken(m, info, ip, prv)) {
        *passigned = false;
        return *prv != 0;
    }
    *passigned = take(m, nc, ip, bits);
    return true;
}

/* §3.5 step 1: a pool whose low halves span 2^40 addresses first tries start + the member's
 * address (no chance involved). */
static bool pool6_keyed(uint64_t sl, uint64_t el)
{
    return el > sl && el - sl >= 0xffffffffffULL;
}

/* §3.6: the IPv4 pool candidate of |counter| (from start to end, wrapping). */
static uint32_t pool4_candidate(uint32_t s, uint32_t len, uint32_t counter)
{
    return len > 0 ? s + counter % len : s;
}

/* §3.5: one IPv6 pool; true when an address was assigned.  Stops at a failed lookup. */
static bool pool6(const zt_ctl_network *net, zt_ctl_member *m, const zt_ctl_netinfo *info,
                  zt_netconf *nc, const zt_ctl_pool *pool, zt_ctl_random_fn rnd, void *rnd_arg,
                  int *prv)
{
    uint64_t sh = zt__load_be(pool->start.ip, 8), sl = zt__load_be(pool->start.ip + 8, 8);
    uint64_t eh = zt__load_be(pool->end.ip, 8), el = zt__load_be(pool->end.ip + 8, 8);
    zt_ctl_ip cand;
    bool assigned;

    memset(&cand, 0, sizeof(cand));
    cand.family = 6;
    for (unsigned k = 0; k < 1000; k++) {
        uint64_t ch, cl;
        unsigned bits = 0;

        if (k == 0 && pool6_keyed(sl, el)) {
            ch = sh;
            cl = sl + m->id;
        } else {
            uint64_t rh = rnd(rnd_arg), rl = rnd(rnd_arg);
            rh = eh > sh ? rh % (eh - sh) : 0;
            rl = el > sl ? rl % (el - sl) : 0;
            ch = sh + rh;
            cl = sl + rl;
        }
        zt__store_be(cand.ip, ch, 8);
        zt__store_be(cand.ip + 8, cl, 8);
        /* the last gateway-less IPv6 route containing it decides the prefix (§3.5 step 3) */
        for (size_t r = 0; r < net->nroutes && r < ZT_NETCONF_MAX_ROUTES; r++) {
            const zt_ctl_route *rt = &net->routes[r];
            if (rt->target.family == 6 && rt->via.family == 0 && zt__controller_ip_in(&rt->target, &cand))
                bits = rt->target.bits;
        }
        if (offer(m, info, nc, &cand, bits, prv, &assigned))
            return assigned;
    }
    return false;
}

/* §3.6: one IPv4 pool.  Stops at a failed lookup. */
static bool pool4(const zt_ctl_network *net, zt_ctl_member *m, const zt_ctl_netinfo *info,
                  zt_netconf *nc, const zt_ctl_pool *pool, int *prv)
{
    uint32_t s = (uint32_t)zt__load_be(pool->start.ip, 4);
    uint32_t e = (uint32_t)zt__load_be(pool->end.ip, 4);
    uint32_t len, counter = (uint32_t)(m->id & 0xffffffffu);
    uint64_t trials;
    zt_ctl_ip cand;
    bool assigned;

    if (e < s || s == 0)
        return false;
    len = e - s;
    /* 1000 trials, and never more than there are addresses from start to end */
    trials = (uint64_t)len + 1 < 1000 ? (uint64_t)len + 1 : 1000;
    memset(&cand, 0, sizeof(cand));
    cand.family = 4;
    for (uint64_t k = 0; k < trials; k++) {
        uint32_t ip = pool4_candidate(s, len, counter);
        unsigned bits = 0;

        counter++;
        if ((ip & 0xff) == 0xff)
            continue;
        zt__store_be(cand.ip, ip, 4);
        /* the first IPv4 route (with or without via) containing it; /0 never qualifies (Q4) */
        for (size_t r = 0; r < net->nroutes && r < ZT_NETCONF_MAX_ROUTES; r++) {
            const zt_ctl_route *rt = &net->routes[r];
            if (rt->target.family == 4 && rt->target.bits > 0 &&
                zt__controller_ip_in(&rt->target, &cand)) {
                bits = rt->target.bits;
                break;
            }
        }
        if (offer(m, info, nc, &cand, bits, prv, &assigned))
            return assigned;
    }
    return false;
}

int zt__controller_assign_ips(const zt_ctl_network *net, zt_ctl_member *m, const zt_ctl_netinfo *info,
                       zt_netconf *nc, bool *pndp, zt_ctl_random_fn rnd, void *rnd_arg)
{
    bool managed4 = false, managed6 = false;
    zt_inetaddr a;
    int rv = 0;

    *pndp = false;
    /* §3.3: rfc4193 first, then 6plane */
    if (!m->no_auto_assign_ips && net->v6_rfc4193) {
        zt__ipv6_rfc4193(net->id, m->id, &a);
        add_static(nc, &a);
        *pndp = true;
    }
    if (!m->no_auto_assign_ips && net->v6_6plane) {
        zt__ipv6_6plane(net->id, m->id, &a);
        add_static(nc, &a);
        *pndp = true;
    }

    /* §3.4: static assignments, sent only inside a route (most specific wins) */
    for (size_t i = 0; i < m->nips; i++) {
        int best = -1;
        for (size_t r = 0; r < net->nroutes && r < ZT_NETCONF_MAX_ROUTES; r++) {
            if (zt__controller_ip_in(&net->routes[r].target, &m->ips[i]) &&
                (best < 0 || net->routes[r].target.bits > net->routes[best].target.bits))
                best = (int)r;
        }
        if (best < 0)
            continue;
        zt__controller_ip_to_inet(&m->ips[i], net->routes[best].target.bits, &a);
        add_static(nc, &a);
        if (m->ips[i].family == 4)
            managed4 = true;
        else
            managed6 = true;
    }

    if (net->v6_zt && !managed6 && !m->no_auto_assign_ips) {
        for (size_t p = 0; p < net->npools; p++) {
            const zt_ctl_pool *pool = &net->pools[p];
            if (pool->start.family == 6 && pool->end.family == 6 &&
                (pool6(net, m, info, nc, pool, rnd, rnd_arg, &rv) || rv != 0))
                break;
        }
    }
    if (rv == 0 && net->v4_zt && !managed4 && !m->no_auto_assign_ips) {
        for (size_t p = 0; p < net->npools; p++) {
            const zt_ctl_pool *pool = &net->pools[p];
            if (pool->start.family == 4 && pool->end.family == 4 &&
                (pool4(net, m, info, nc, pool, &rv) || rv != 0))
                break;
        }
    }
    return rv;
}

size_t zt__controller_first_candidates(bool v4, bool v6, const zt_ctl_pool *pools,
                                       size_t npools, uint64_t id, zt_ctl_ip *out, size_t cap)
{
    size_t n = 0;

    for (size_t p = 0; p < npools && n < cap; p++) {
        const zt_ctl_pool *pool = &pools[p];
        zt_ctl_ip *c = &out[n];
        memset(c, 0, sizeof(*c));
        if (v6 && pool->start.family == 6 && pool->end.family == 6) {
            uint64_t sh = zt__load_be(pool->start.ip, 8), sl = zt__load_be(pool->start.ip + 8, 8);
            if (!pool6_keyed(sl, zt__load_be(pool->end.ip + 8, 8)))
                continue;
            c->family = 6;
            zt__store_be(c->ip, sh, 8);
            zt__store_be(c->ip + 8, sl + id, 8);
            n++;
        } else if (v4 && pool->start.family == 4 && pool->end.family == 4) {
            uint32_t st = (uint32_t)zt__load_be(pool->start.ip, 4);
            uint32_t e = (uint32_t)zt__load_be(pool->end.ip, 4);
            uint32_t counter = (uint32_t)(id & 0xffffffffu), ip;
            if (e < st || st == 0)
                continue;
            /* pool4's first try: the first candidate not ending in .255 */
            ip = pool4_candidate(st, e - st, counter);
            if ((ip & 0xff) == 0xff && e > st)
                ip = pool4_candidate(st, e - st, counter + 1);
            if ((ip & 0xff) == 0xff)
                continue;
            c->family = 4;
            zt__store_be(c->ip, ip, 4);
            n++;
        }
    }
    return n;
}
