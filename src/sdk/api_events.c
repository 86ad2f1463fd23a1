/*
 * api_events.c: the event queue of the zts_* API and the detail structures it carries
 * (api.md §6).  Producers (the runner's I/O thread, the service thread, zts_start) append
 * under api.mu; the service thread alone delivers, one event at a time, in order, with no lock
 * held during the callback, so the callback may call any zts_* function except zts_start and
 * zts_restart.  Each message and its one detail structure are one allocation, freed when the
 * callback returns.
 */
#include "sdk/api_internal.h"

#include <stdlib.h>
#include <string.h>

#include "io/clock.h"

struct zt_api_event {
    zt_api_event *next;
    struct zts_callback_msg msg;
    union {
        struct zts_node_details node;
        struct zts_network_details network;
        struct zts_netif_details netif;
        struct zts_peer_details peer;
        struct zts_addr_details addr;
        struct zts_physical_path path;
        struct zts_virtual_network_route route;
    } d;
};

static zt_api_event *new_event(int code)
{
    zt_api_event *e = calloc(1, sizeof(*e));

    if (e != NULL)
        e->msg.eventCode = (int16_t)code;
    return e;
}

static void push(zt_api_event *e)
{
    if (e == NULL)
        return; /* out of memory: the event is lost, the node goes on */
    pthread_mutex_lock(&zt__api.mu);
    if (zt__api.tail != NULL)
        zt__api.tail->next = e;
    else
        zt__api.head = e;
    zt__api.tail = e;
    pthread_cond_broadcast(&zt__api.cond);
    pthread_mutex_unlock(&zt__api.mu);
}

/* ---- detail builders ---------------------------------------------------------------------- */

void zt__api_storage_of(const zt_inetaddr *a, struct zts_sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == 4) {
        struct zts_sockaddr_in in;
        memset(&in, 0, sizeof(in));
        in.sin_len = sizeof(in);
        in.sin_family = ZTS_AF_INET;
        in.sin_port = zts_htons(a->port);
        memcpy(&in.sin_addr.s_addr, a->ip, 4);
        memcpy(ss, &in, sizeof(in));
    } else if (a->family == 6) {
        struct zts_sockaddr_in6 in6;
        memset(&in6, 0, sizeof(in6));
        in6.sin6_len = sizeof(in6);
        in6.sin6_family = ZTS_AF_INET6;
        in6.sin6_port = zts_htons(a->port);
        memcpy(in6.sin6_addr.un.u8_addr, a->ip, 16);
        memcpy(ss, &in6, sizeof(in6));
    }
}

static void storage_of_prefix(const zt_stack_prefix *p, struct zts_sockaddr_storage *ss)
{
    zt_inetaddr a;

    memset(&a, 0, sizeof(a));
    a.family = p->family;
    memcpy(a.ip, p->ip, 16);
    a.port = p->bits; /* the prefix length rides in the port field, as ZeroTier does */
    zt__api_storage_of(&a, ss);
}

void zt__api_network_details(const zt_api_net *net, struct zts_network_details *nd)
{
    memset(nd, 0, sizeof(*nd));
    nd->nwid = net->nwid;
    nd->mtu = (int)net->mtu;
    for (unsigned i = 0; i < net->naddrs && i < ZTS_MAX_ASSIGNED_ADDRESSES; i++)
        storage_of_prefix(&net->addrs[i], &nd->addr[nd->num_addresses++]);
    for (unsigned i = 0; i < net->nroutes && i < ZTS_MAX_NETWORK_ROUTES; i++) {
        struct zts_virtual_network_route *r = &nd->routes[nd->num_routes++];
        zt__api_storage_of(&net->routes[i].target, &r->target);
        zt__api_storage_of(&net->routes[i].via, &r->via);
        r->flags = net->routes[i].flags;
        r->metric = net->routes[i].metric;
    }
}

/* Monotonic node time -> ms since the epoch (0 stays "never"). */
static uint64_t wall_of(int64_t t, int64_t mono_now, int64_t wall_now)
{
    return t <= 0 ? 0 : (uint64_t)(wall_now - (mono_now - t));
}

void zt__api_peer_details(const zt_peer_info *info, struct zts_peer_details *pd)
{
    int64_t mono = zt__io_clock_ms(), wall = zt__io_clock_wall_ms();

    memset(pd, 0, sizeof(*pd));
    pd->address = info->address;
    pd->versionMajor = info->proto_version < 0 ? -1 : info->major;
    pd->versionMinor = info->proto_version < 0 ? -1 : info->minor;
    pd->versionRev = info->proto_version < 0 ? -1 : info->revision;
    pd->latency = info->latency_ms < 0 ? -1 : (int)info->latency_ms;
    pd->role = info->is_upstream ? ZTS_PEER_ROLE_PLANET : ZTS_PEER_ROLE_LEAF;
    for (unsigned i = 0; i < info->npaths && i < ZT_MAX_PEER_NETWORK_PATHS; i++) {
        struct zts_physical_path *p;
        bool seen = false;
        /* One entry per remote endpoint: the node keeps a path per local socket (primary
         * and secondary port), the API shows endpoints. */
        for (unsigned k = 0; k < i && !seen; k++)
            seen = zt__inetaddr_equal(&info->paths[k].remote, &info->paths[i].remote);
        if (seen)
            continue;
        p = &pd->paths[pd->pathCount++];
        zt__api_storage_of(&info->paths[i].remote, &p->address);
        p->lastSend = wall_of(info->paths[i].last_send, mono, wall);
        p->lastReceive = wall_of(info->paths[i].last_receive, mono, wall);
        p->expired = !info->paths[i].alive;
        p->preferred = info->paths[i].preferred;
    }
}

void zt__api_node_details(zt_runner *r, struct zts_node_details *nd)
{
    zt_runner_status st;

    memset(nd, 0, sizeof(*nd));
    nd->address = zt__api.address;
    nd->clock = (uint64_t)zt__io_clock_wall_ms();
    nd->primaryPort = zt__api.primary_port;
    nd->versionMajor = ZT_NODE_VERSION_MAJOR;
    nd->versionMinor = ZT_NODE_VERSION_MINOR;
    nd->versionRev = ZT_NODE_VERSION_REVISION;
    if (r != NULL && zt__runner_get_status(r, &st) == 0) {
        nd->online = st.is_online;
        nd->planetWorldId = st.planet_id;
        nd->planetWorldTimestamp = st.planet_timestamp;
    }
}

/* ---- producers ---------------------------------------------------------------------------- */

void zt__api_queue_node(int code, const struct zts_node_details *d)
{
    zt_api_event *e = new_event(code);

    if (e != NULL) {
        e->d.node = *d;
        e->msg.node = &e->d.node;
    }
    push(e);
}

void zt__api_queue_network(int code, const zt_api_net *net)
{
    zt_api_event *e = new_event(code);

    if (e != NULL) {
        zt__api_network_details(net, &e->d.network);
        e->msg.network = &e->d.network;
    }
    push(e);
}

void zt__api_queue_netif(int code, uint64_t nwid, uint64_t mac, int mtu)
{
    zt_api_event *e = new_event(code);

    if (e != NULL) {
        e->d.netif.nwid = nwid;
        e->d.netif.mac = mac;
        e->d.netif.mtu = mtu;
        e->msg.netif = &e->d.netif;
    }
    push(e);
}

void zt__api_queue_addr(int code, uint64_t nwid, const zt_stack_prefix *a)
{
    zt_api_event *e = new_event(code);

    if (e != NULL) {
        zt_stack_prefix p = *a;
        e->d.addr.nwid = nwid;
        p.bits = 0; /* api.md §6.3: port 0 or the prefix; callers read the address */
        storage_of_prefix(&p, &e->d.addr.addr);
        e->msg.addr = &e->d.addr;
    }
    push(e);
}

void zt__api_queue_peer(int code, const zt_peer_info *info)
{
    zt_api_event *e = new_event(code);

    if (e != NULL) {
        zt__api_peer_details(info, &e->d.peer);
        e->msg.peer = &e->d.peer;
    }
    push(e);
}

void zt__api_queue_path(int code, const zt_inetaddr *remote)
{
    zt_api_event *e = new_event(code);

    if (e != NULL) {
        zt__api_storage_of(remote, &e->d.path.address);
        e->msg.path = &e->d.path;
    }
    push(e);
}

void zt__api_queue_route(int code, const zt_netconf_route *r)
{
    zt_api_event *e = new_event(code);

    if (e != NULL) {
        zt__api_storage_of(&r->target, &e->d.route.target);
        zt__api_storage_of(&r->via, &e->d.route.via);
        e->d.route.flags = r->flags;
        e->d.route.metric = r->metric;
        e->msg.route = &e->d.route;
    }
    push(e);
}

void zt__api_queue_plain(int code)
{
    push(new_event(code));
}

/* ---- delivery ----------------------------------------------------------------------------- */

void zt__api_deliver(void)
{
    for (;;) {
        zt_api_event *e;
        pthread_mutex_lock(&zt__api.mu);
        e = zt__api.head;
        if (e != NULL) {
            zt__api.head = e->next;
            if (zt__api.head == NULL)
                zt__api.tail = NULL;
        }
        pthread_mutex_unlock(&zt__api.mu);
        if (e == NULL)
            return;
        if (zt__api.callback != NULL)
            zt__api.callback(&e->msg);
        free(e);
    }
}

void zt__api_drop_events(void)
{
    pthread_mutex_lock(&zt__api.mu);
    while (zt__api.head != NULL) {
        zt_api_event *e = zt__api.head;
        zt__api.head = e->next;
        free(e);
    }
    zt__api.tail = NULL;
    pthread_mutex_unlock(&zt__api.mu);
}
