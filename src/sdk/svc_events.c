/*
 * svc_events.c: the event queue of the service (svc.h).  Producers (the runner's I/O thread,
 * the service thread, a caller's thread inside a join or a start) append under mu, so the
 * order is the order of production across all of them; the service thread alone delivers, one
 * event at a time, through the run's front end (zt_svc_ops.deliver), with no lock held, so the
 * application's handler may call any API function except those that wait for this thread.
 * Each event is one allocation, freed after delivery.
 */
#include "sdk/svc.h"

#include <stdlib.h>
#include <string.h>

#include "io/clock.h"

static zt_svc_event *new_event(zt_svc_event_kind kind, size_t extra)
{
    zt_svc_event *e = calloc(1, sizeof(*e) + extra);

    if (e != NULL)
        e->kind = kind;
    return e;
}

/* Events that end a run or the library are never dropped at the bound: the application
 * waits for them. */
static bool is_final(zt_svc_event_kind kind)
{
    return kind == ZT_SVC_EV_NODE_DOWN || kind == ZT_SVC_EV_NODE_FATAL ||
           kind == ZT_SVC_EV_STACK_DOWN;
}

static void push(zt_svc_event *e)
{
    unsigned max;

    if (e == NULL)
        return; /* out of memory: the event is lost, the node goes on */
    pthread_mutex_lock(&zt__svc.mu);
    max = zt__svc.ops != NULL ? zt__svc.ops->max_queued : 0;
    e->counted =
        zt__svc.ops == NULL || zt__svc.ops->counts == NULL || zt__svc.ops->counts(e->kind);
    if (max != 0 && e->counted && zt__svc.nqueued >= max && !is_final(e->kind)) {
        zt__svc.dropped++; /* the newest goes: producers never wait for the application */
        pthread_mutex_unlock(&zt__svc.mu);
        free(e);
        return;
    }
    if (zt__svc.tail != NULL)
        zt__svc.tail->next = e;
    else
        zt__svc.head = e;
    zt__svc.tail = e;
    if (e->counted)
        zt__svc.nqueued++;
    pthread_cond_broadcast(&zt__svc.cond);
    pthread_mutex_unlock(&zt__svc.mu);
}

/* ---- producers ---------------------------------------------------------------------------- */

void zt__svc_node_info(zt_runner *r, zt_svc_node *out)
{
    zt_runner_status st;

    memset(out, 0, sizeof(*out));
    out->wall_ms = zt__io_clock_wall_ms();
    if (r == NULL)
        return;
    out->address = zt__runner_address(r);
    out->primary_port = zt__runner_primary_port(r);
    out->secondary_port = zt__runner_secondary_port(r);
    out->tertiary_port = zt__runner_tertiary_port(r);
    if (zt__runner_get_status(r, &st) == 0) {
        out->online = st.is_online;
        out->planet_id = st.planet_id;
        out->planet_timestamp = st.planet_timestamp;
    }
}

int zt__svc_peer_role(const zt_peer_info *info)
{
    return !info->is_upstream ? 0 : info->is_moon ? 1 : 2;
}

uint64_t zt__svc_wall_ms(int64_t t, int64_t mono_now, int64_t wall_now)
{
    return t <= 0 ? 0 : (uint64_t)(wall_now - (mono_now - t));
}

void zt__svc_queue_node(zt_svc_event_kind kind, const zt_svc_node *node)
{
    zt_svc_event *e = new_event(kind, 0);

    if (e != NULL)
        e->u.node = *node;
    push(e);
}

void zt__svc_queue_net(zt_svc_event_kind kind, const zt_svc_net *net)
{
    zt_svc_event *e = new_event(kind, 0);

    if (e != NULL) {
        e->nwid = net->nwid;
        e->u.net = *net;
    }
    push(e);
}

void zt__svc_queue_netif(uint64_t nwid, uint64_t mac, unsigned mtu)
{
    zt_svc_event *e = new_event(ZT_SVC_EV_NETIF_UP, 0);

    if (e != NULL) {
        e->nwid = nwid;
        e->u.netif.mac = mac;
        e->u.netif.mtu = mtu;
    }
    push(e);
}

void zt__svc_queue_addr(zt_svc_event_kind kind, uint64_t nwid, const zt_stack_prefix *a)
{
    zt_svc_event *e = new_event(kind, 0);

    if (e != NULL) {
        e->nwid = nwid;
        e->u.addr = *a;
    }
    push(e);
}

void zt__svc_queue_peer(zt_svc_event_kind kind, const zt_peer_info *info,
                        const zt_inetaddr *path)
{
    zt_svc_event *e = new_event(kind, 0);

    if (e != NULL) {
        e->u.peer = *info;
        if (path != NULL)
            e->path = *path;
    }
    push(e);
}

void zt__svc_queue_route(zt_svc_event_kind kind, uint64_t nwid, const zt_netconf_route *r)
{
    zt_svc_event *e = new_event(kind, 0);

    if (e != NULL) {
        e->nwid = nwid;
        e->u.route = *r;
    }
    push(e);
}

void zt__svc_queue_store(zt_svc_event_kind kind, const uint8_t *data, size_t len)
{
    zt_svc_event *e = new_event(kind, len);

    if (e != NULL) {
        e->len = len;
        if (len > 0)
            memcpy(e->data, data, len);
    }
    push(e);
}

void zt__svc_queue_plain(zt_svc_event_kind kind)
{
    push(new_event(kind, 0));
}

/* ---- delivery ----------------------------------------------------------------------------- */

void zt__svc_deliver(void)
{
    for (;;) {
        zt_svc_event *e;
        const zt_svc_ops *ops;
        pthread_mutex_lock(&zt__svc.mu);
        e = zt__svc.head;
        if (e != NULL) {
            zt__svc.head = e->next;
            if (zt__svc.head == NULL)
                zt__svc.tail = NULL;
            if (e->counted)
                zt__svc.nqueued--;
        }
        ops = zt__svc.ops;
        pthread_mutex_unlock(&zt__svc.mu);
        if (e == NULL)
            return;
        if (ops != NULL && ops->deliver != NULL)
            ops->deliver(e);
        free(e);
    }
}
