/*
 * sim_net.c: the simulated underlay (see sim.h): the queue of datagrams in flight, access
 * links, NAT boxes, routing and delivery, and the faults a test injects.
 */
#include "sim_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SIM_NAT_DEFAULT_TIMEOUT (120 * SIM_SEC)

/* ---- the event queue: a binary heap on (t, seq) ----------------------------------------- */

static bool before(const dgram *a, const dgram *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void heap_push(sim_world *w, dgram *dg)
{
    size_t i;

    dg->seq = w->seq++;
    grow((void **)&w->heap, &w->capheap, w->nheap + 1, sizeof(dgram *));
    i = w->nheap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(dg, w->heap[parent]))
            break;
        w->heap[i] = w->heap[parent];
        i = parent;
    }
    w->heap[i] = dg;
}

static dgram *heap_pop(sim_world *w)
{
    dgram *top = w->heap[0], *last;
    size_t i = 0;

    last = w->heap[--w->nheap];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= w->nheap)
            break;
        if (c + 1 < w->nheap && before(w->heap[c + 1], w->heap[c]))
            c++;
        if (!before(w->heap[c], last))
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (w->nheap > 0)
        w->heap[i] = last;
    return top;
}

static dgram *dgram_new(const uint8_t *data, size_t len)
{
    dgram *dg = xcalloc(1, sizeof(dgram) + len);
    if (len > 0)
        memcpy(dg->data, data, len);
    dg->len = len;
    return dg;
}

static dgram *dgram_copy(const dgram *src)
{
    dgram *dg = dgram_new(src->data, src->len);

    dg->t = src->t;
    dg->stage = src->stage;
    dg->from = src->from;
    dg->to = src->to;
    dg->lan = src->lan;
    dg->src = src->src;
    dg->dst = src->dst;
    return dg;
}

/*
 * Crosses one access link: loss, then duplication, then latency + jitter per copy.  Takes
 * ownership of |dg| (queued or freed).  The draws happen in a fixed order whatever the outcome.
 */
static void cross_link(sim_world *w, const sim_link_cfg *link, dgram *dg)
{
    bool lost = link->loss_pct > 0 && rand_below(w, 100) < link->loss_pct;
    bool dup = link->dup_pct > 0 && rand_below(w, 100) < link->dup_pct;
    int copies = dup ? 2 : 1;

    if (lost) {
        w->stats.lost++;
        trace_dgram(w, "LOST", dg);
        free(dg);
        return;
    }
    if (dup)
        w->stats.duplicated++;
    for (int i = 0; i < copies; i++) {
        dgram *c = i == 0 ? dg : dgram_copy(dg);
        int64_t delay = link->latency_ms < 1 ? 1 : link->latency_ms;
        if (link->jitter_ms > 0)
            delay += (int64_t)rand_below(w, (uint64_t)link->jitter_ms + 1);
        c->t = w->now + delay;
        heap_push(w, c);
    }
}

/* ---- NAT boxes -------------------------------------------------------------------------- */

static bool map_live(const sim_nat *nat, int64_t last)
{
    return nat->w->now - last < nat->timeout;
}

static nat_map *nat_find_out(sim_nat *nat, const zt_inetaddr *inside, const zt_inetaddr *to)
{
    for (size_t i = 0; i < nat->nmaps; i++) {
        nat_map *m = &nat->maps[i];
        if (!map_live(nat, m->last) || !zt__inetaddr_equal(&m->inside, inside))
            continue;
        if (nat->type != SIM_NAT_SYMMETRIC || zt__inetaddr_equal(&m->remote, to))
            return m;
    }
    return NULL;
}

static nat_map *nat_find_port(sim_nat *nat, uint16_t port)
{
    for (size_t i = 0; i < nat->nmaps; i++)
        if (nat->maps[i].port == port && map_live(nat, nat->maps[i].last))
            return &nat->maps[i];
    return NULL;
}

static nat_perm *nat_find_perm(sim_nat *nat, uint16_t port, const zt_inetaddr *remote)
{
    for (size_t i = 0; i < nat->nperms; i++) {
        nat_perm *p = &nat->perms[i];
        if (p->port == port && map_live(nat, p->last) && zt__inetaddr_equal(&p->remote, remote))
            return p;
    }
    return NULL;
}

static uint16_t nat_new_port(sim_nat *nat)
{
    for (;;) {
        uint16_t port = nat->next_port;
        nat->next_port = (uint16_t)(port >= 65000 ? 20000 : port + 1);
        if (nat_find_port(nat, port) == NULL)
            return port;
    }
}

/* Outbound translation of a datagram from |inside| to |to|: creates or refreshes the mapping
 * (and, for port-restricted NATs, the permission for |to|).  Writes the outside source. */
static void nat_outbound(sim_nat *nat, const zt_inetaddr *inside, const zt_inetaddr *to,
                         zt_inetaddr *out)
{
    nat_map *m = nat_find_out(nat, inside, to);

    if (m == NULL) {
        size_t slot = nat->nmaps;
        for (size_t i = 0; i < nat->nmaps; i++)
            if (!map_live(nat, nat->maps[i].last)) {
                slot = i;
                break;
            }
        if (slot == nat->nmaps)
            grow((void **)&nat->maps, &nat->capmaps, ++nat->nmaps, sizeof(nat_map));
        m = &nat->maps[slot];
        memset(m, 0, sizeof(*m));
        m->inside = *inside;
        if (nat->type == SIM_NAT_SYMMETRIC)
            m->remote = *to;
        m->port = nat_new_port(nat);
    }
    m->last = nat->w->now;
    if (nat->type == SIM_NAT_PORT_RESTRICTED) {
        nat_perm *p = nat_find_perm(nat, m->port, to);
        if (p == NULL) {
            size_t slot = nat->nperms;
            for (size_t i = 0; i < nat->nperms; i++)
                if (!map_live(nat, nat->perms[i].last)) {
                    slot = i;
                    break;
                }
            if (slot == nat->nperms)
                grow((void **)&nat->perms, &nat->capperms, ++nat->nperms, sizeof(nat_perm));
            p = &nat->perms[slot];
            p->port = m->port;
            p->remote = *to;
        }
        p->last = nat->w->now;
    }
    *out = nat->ip;
    out->port = m->port;
}

/* Inbound: a datagram from |from| to our port |port|.  Returns the inside endpoint or false if
 * the NAT has no mapping or its filter refuses |from|.  Accepted traffic refreshes the state
 * (as Linux conntrack does for either direction). */
static bool nat_inbound(sim_nat *nat, const zt_inetaddr *from, uint16_t port, zt_inetaddr *inside)
{
    nat_map *m = nat_find_port(nat, port);
    nat_perm *p = NULL;

    if (m == NULL)
        return false;
    switch (nat->type) {
    case SIM_NAT_FULL_CONE:
        break;
    case SIM_NAT_PORT_RESTRICTED:
        p = nat_find_perm(nat, port, from);
        if (p == NULL)
            return false;
        p->last = nat->w->now;
        break;
    case SIM_NAT_SYMMETRIC:
        if (!zt__inetaddr_equal(&m->remote, from))
            return false;
        break;
    }
    m->last = nat->w->now;
    *inside = m->inside;
    return true;
}

bool sim_nat_external(sim_node *n, const zt_inetaddr *to, zt_inetaddr *out)
{
    nat_map *m;

    if (n->nat == NULL) {
        *out = n->addr;
        return true;
    }
    m = nat_find_out(n->nat, &n->addr, to);
    if (m == NULL)
        return false;
    *out = n->nat->ip;
    out->port = m->port;
    return true;
}

sim_nat *sim_add_nat(sim_world *w, sim_nat_type type, const char *ip)
{
    char buf[64];
    sim_nat *nat;

    if (w->nnats >= SIM_MAX_NATS)
        die("too many NATs");
    nat = xcalloc(1, sizeof(*nat));
    nat->w = w;
    nat->idx = w->nnats;
    nat->type = type;
    snprintf(buf, sizeof(buf), "%s/0", ip);
    nat->ip = parse_addr(buf);
    nat->timeout = SIM_NAT_DEFAULT_TIMEOUT;
    nat->next_port = (uint16_t)(20000 + rand_below(w, 40000));
    w->nats[w->nnats++] = nat;
    return nat;
}

void sim_nat_set_timeout(sim_nat *nat, int64_t idle_ms)
{
    nat->timeout = idle_ms;
}

/* ---- routing ---------------------------------------------------------------------------- */

static bool same_ip(const zt_inetaddr *a, const zt_inetaddr *b)
{
    return a->family == b->family && memcmp(a->ip, b->ip, a->family == 6 ? 16 : 4) == 0;
}

sim_node *lan_host(sim_world *w, const sim_nat *nat, const zt_inetaddr *a)
{
    for (unsigned i = 0; i < w->nnodes; i++)
        if (w->nodes[i]->nat == nat && zt__inetaddr_equal(&w->nodes[i]->addr, a))
            return w->nodes[i];
    return NULL;
}

static bool is_cut(const sim_world *w, int a, int b)
{
    if (a < 0 || b < 0)
        return false;
    for (unsigned i = 0; i < w->ncuts; i++)
        if ((w->cuts[i].a == (unsigned)a && w->cuts[i].b == (unsigned)b) ||
            (w->cuts[i].a == (unsigned)b && w->cuts[i].b == (unsigned)a))
            return true;
    return false;
}

static void underlay_send(sim_node *n, const zt_inetaddr *to, const uint8_t *data, size_t len,
                          unsigned ttl)
{
    sim_world *w = n->w;
    dgram *dg = dgram_new(data, len);

    dg->from = (int)n->idx;
    dg->to = -1;
    dg->src = n->addr;
    dg->dst = *to;
    dg->stage = STAGE_CORE;
    dg->lan = n->nat != NULL && lan_host(w, n->nat, to) != NULL;
    if (n->isolated) {
        w->stats.cut++;
        trace_dgram(w, "CUT", dg);
        free(dg);
        return;
    }
    if (n->nat != NULL && !dg->lan)
        nat_outbound(n->nat, &n->addr, to, &dg->src);
    if (ttl > 0 && !dg->lan) {
        /* Hole-punch junk: it opened our NAT's state above and dies at the next hop. */
        w->stats.ttl_expired++;
        trace_dgram(w, "TTL", dg);
        free(dg);
        return;
    }
    trace_dgram(w, "SEND", dg);
    cross_link(w, &n->link, dg);
}

/* STAGE_CORE: the datagram reached the internet (or the LAN): find its receiver. */
static void route(sim_world *w, dgram *dg)
{
    sim_node *from = dg->from >= 0 ? w->nodes[dg->from] : NULL;
    sim_node *host = NULL;

    if (dg->lan && from != NULL) {
        host = lan_host(w, from->nat, &dg->dst);
    } else {
        for (unsigned i = 0; i < w->nnodes && host == NULL; i++)
            if (w->nodes[i]->nat == NULL && zt__inetaddr_equal(&w->nodes[i]->addr, &dg->dst))
                host = w->nodes[i];
        for (unsigned i = 0; i < w->nnats && host == NULL; i++) {
            sim_nat *nat = w->nats[i];
            zt_inetaddr inside;
            if (!same_ip(&nat->ip, &dg->dst))
                continue;
            if (!nat_inbound(nat, &dg->src, dg->dst.port, &inside)) {
                w->stats.nat_filtered++;
                trace_dgram(w, "NATDROP", dg);
                free(dg);
                return;
            }
            host = lan_host(w, nat, &inside);
        }
    }
    if (host == NULL) {
        w->stats.no_route++;
        trace_dgram(w, "NOROUTE", dg);
        free(dg);
        return;
    }
    if (host->isolated || is_cut(w, dg->from, (int)host->idx)) {
        w->stats.cut++;
        trace_dgram(w, "CUT", dg);
        free(dg);
        return;
    }
    dg->stage = STAGE_DELIVER;
    dg->to = (int)host->idx;
    dg->dst = host->addr;
    cross_link(w, &host->link, dg);
}

/* STAGE_DELIVER: hand the datagram to the receiving node. */
static void deliver(sim_world *w, dgram *dg)
{
    sim_node *n = w->nodes[dg->to];
    int rv;

    if (n->isolated) {
        w->stats.cut++;
        trace_dgram(w, "CUT", dg);
        return;
    }
    if (n->zt == NULL && !n->opts.bare) {
        w->stats.to_dead++;
        trace_dgram(w, "DEAD", dg);
        return;
    }
    w->stats.delivered++;
    record_delivery(w, dg);
    if (w->tap != NULL)
        w->tap(w->tap_user, n, &dg->src, dg->data, dg->len);
    if (n->zt == NULL)
        return;
    rv = zt__node_recv_datagram(n->zt, n->sock, &dg->src, dg->data, dg->len, w->now);
    if (rv == ZT_ERR_DROP) {
        w->stats.recv_drop++;
    } else if (zt__err_is_fatal(rv)) {
        w->stats.fatal++;
        trace_line(w, "FATAL %s recv_datagram: %s", n->name, zt__strerror(rv));
    } else if (rv != 0) {
        w->stats.recv_error++;
    }
}

void net_step(sim_world *w)
{
    dgram *dg = heap_pop(w);

    if (dg->stage == STAGE_CORE) {
        route(w, dg); /* takes ownership */
    } else {
        deliver(w, dg);
        free(dg);
    }
}

/* ---- the core's send callback ----------------------------------------------------------- */

int cb_send(void *user, int64_t local_socket, const zt_inetaddr *to, const uint8_t *data,
            size_t len, unsigned ttl)
{
    sim_node *n = user;
    sim_world *w = n->w;

    w->stats.sent++;
    if (local_socket != ZT_LOCAL_SOCKET_ANY && local_socket != n->sock) {
        char a[ZT_INETADDR_STR_MAX];
        w->stats.bad_socket++;
        trace_line(w, "BADSOCK %s socket %" PRId64 " (ours: %" PRId64 ") to %s", n->name,
                   local_socket, n->sock, sim_addr_str(to, a, sizeof(a)));
        return ZT_ERR_INVAL;
    }
    if (to == NULL || to->family != 4) {
        w->stats.no_route++; /* the underlay is IPv4 only */
        return 0;
    }
    underlay_send(n, to, data, len, ttl);
    return 0;
}

/* ---- faults ----------------------------------------------------------------------------- */

void sim_cut(sim_world *w, sim_node *a, sim_node *b)
{
    if (is_cut(w, (int)a->idx, (int)b->idx))
        return;
    if (w->ncuts >= SIM_MAX_CUTS)
        die("too many cuts");
    w->cuts[w->ncuts].a = a->idx;
    w->cuts[w->ncuts].b = b->idx;
    w->ncuts++;
    trace_line(w, "CUT %s <-> %s", a->name, b->name);
}

void sim_heal(sim_world *w, sim_node *a, sim_node *b)
{
    for (unsigned i = 0; i < w->ncuts; i++)
        if ((w->cuts[i].a == a->idx && w->cuts[i].b == b->idx) ||
            (w->cuts[i].a == b->idx && w->cuts[i].b == a->idx)) {
            w->cuts[i] = w->cuts[--w->ncuts];
            trace_line(w, "HEAL %s <-> %s", a->name, b->name);
            return;
        }
}

void sim_isolate(sim_node *n, bool on)
{
    n->isolated = on;
    trace_line(n->w, "%s %s", on ? "ISOLATE" : "RECONNECT", n->name);
}

void sim_inject(sim_world *w, sim_node *n, const zt_inetaddr *from, const uint8_t *data,
                size_t len)
{
    dgram *dg = dgram_new(data, len);

    dg->from = -1;
    dg->to = (int)n->idx;
    dg->src = *from;
    dg->dst = n->addr;
    dg->stage = STAGE_DELIVER;
    dg->t = w->now;
    w->stats.injected++;
    heap_push(w, dg);
}

void sim_send_raw(sim_node *n, const zt_inetaddr *to, const uint8_t *data, size_t len,
                  unsigned ttl)
{
    n->w->stats.sent++;
    underlay_send(n, to, data, len, ttl);
}

void sim_set_tap(sim_world *w, sim_tap_fn fn, void *user)
{
    w->tap = fn;
    w->tap_user = user;
}
