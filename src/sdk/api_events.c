/*
 * api_events.c: the service's events (svc.h) as the 1.3 API shows them (api.md §6): a
 * struct zts_callback_msg with the one detail structure of the event's category, handed to
 * the zts_start callback on the service thread.  The message is freed when the callback
 * returns.  Internal events the 1.3 API has no code for (a network
 * update, store events) are not delivered.
 */
#include "sdk/api_internal.h"

#include <stdlib.h>
#include <string.h>

#include "io/clock.h"

/* zt__svc_peer_role numbers roles as this header does. */
_Static_assert(ZTS_PEER_ROLE_LEAF == 0 && ZTS_PEER_ROLE_MOON == 1 && ZTS_PEER_ROLE_PLANET == 2,
               "peer roles");

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

void zt__api_network_details(const zt_svc_net *net, struct zts_network_details *nd)
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

void zt__api_peer_details(const zt_peer_info *info, struct zts_peer_details *pd)
{
    int64_t mono = zt__io_clock_ms(), wall = zt__io_clock_wall_ms();

    memset(pd, 0, sizeof(*pd));
    pd->address = info->address;
    pd->versionMajor = info->proto_version < 0 ? -1 : info->major;
    pd->versionMinor = info->proto_version < 0 ? -1 : info->minor;
    pd->versionRev = info->proto_version < 0 ? -1 : info->revision;
    pd->latency = info->latency_ms < 0 ? -1 : (int)info->latency_ms;
    pd->role = zt__svc_peer_role(info);
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
        p->lastSend = zt__svc_wall_ms(info->paths[i].last_send, mono, wall);
        p->lastReceive = zt__svc_wall_ms(info->paths[i].last_receive, mono, wall);
        p->expired = !info->paths[i].alive;
        p->preferred = info->paths[i].preferred;
    }
}

static void node_details(const zt_svc_node *n, struct zts_node_details *nd)
{
    memset(nd, 0, sizeof(*nd));
    nd->address = n->address;
    nd->clock = (uint64_t)n->wall_ms;
    nd->primaryPort = n->primary_port;
    nd->versionMajor = ZT_NODE_VERSION_MAJOR;
    nd->versionMinor = ZT_NODE_VERSION_MINOR;
    nd->versionRev = ZT_NODE_VERSION_REVISION;
    nd->online = n->online;
    nd->planetWorldId = n->planet_id;
    nd->planetWorldTimestamp = n->planet_timestamp;
}

/* ---- the codes ---------------------------------------------------------------------------- */

int zt__api_code_of(zt_svc_event_kind kind)
{
    switch (kind) {
    case ZT_SVC_EV_NODE_UP: return ZTS_EVENT_NODE_UP;
    case ZT_SVC_EV_NODE_ONLINE: return ZTS_EVENT_NODE_ONLINE;
    case ZT_SVC_EV_NODE_OFFLINE: return ZTS_EVENT_NODE_OFFLINE;
    case ZT_SVC_EV_NODE_DOWN: return ZTS_EVENT_NODE_DOWN;
    case ZT_SVC_EV_NODE_COLLISION: return ZTS_EVENT_NODE_IDENTITY_COLLISION;
    case ZT_SVC_EV_NODE_FATAL: return ZTS_EVENT_NODE_UNRECOVERABLE_ERROR;
    case ZT_SVC_EV_NODE_TERMINATED: return ZTS_EVENT_NODE_NORMAL_TERMINATION;
    case ZT_SVC_EV_NET_NOT_FOUND: return ZTS_EVENT_NETWORK_NOT_FOUND;
    case ZT_SVC_EV_NET_CLIENT_TOO_OLD: return ZTS_EVENT_NETWORK_CLIENT_TOO_OLD;
    case ZT_SVC_EV_NET_REQ_CONFIG: return ZTS_EVENT_NETWORK_REQ_CONFIG;
    case ZT_SVC_EV_NET_OK: return ZTS_EVENT_NETWORK_OK;
    case ZT_SVC_EV_NET_ACCESS_DENIED: return ZTS_EVENT_NETWORK_ACCESS_DENIED;
    case ZT_SVC_EV_NET_READY4: return ZTS_EVENT_NETWORK_READY_IP4;
    case ZT_SVC_EV_NET_READY6: return ZTS_EVENT_NETWORK_READY_IP6;
    case ZT_SVC_EV_NET_DOWN: return ZTS_EVENT_NETWORK_DOWN;
    case ZT_SVC_EV_STACK_UP: return ZTS_EVENT_STACK_UP;
    case ZT_SVC_EV_STACK_DOWN: return ZTS_EVENT_STACK_DOWN;
    case ZT_SVC_EV_NETIF_UP: return ZTS_EVENT_NETIF_UP;
    case ZT_SVC_EV_PEER_DIRECT: return ZTS_EVENT_PEER_DIRECT;
    case ZT_SVC_EV_PEER_RELAY: return ZTS_EVENT_PEER_RELAY;
    case ZT_SVC_EV_PEER_UNREACHABLE: return ZTS_EVENT_PEER_UNREACHABLE;
    case ZT_SVC_EV_PATH_DISCOVERED: return ZTS_EVENT_PATH_DISCOVERED;
    case ZT_SVC_EV_PATH_ALIVE: return ZTS_EVENT_PATH_ALIVE;
    case ZT_SVC_EV_PATH_DEAD: return ZTS_EVENT_PATH_DEAD;
    case ZT_SVC_EV_ROUTE_ADDED: return ZTS_EVENT_ROUTE_ADDED;
    case ZT_SVC_EV_ROUTE_REMOVED: return ZTS_EVENT_ROUTE_REMOVED;
    case ZT_SVC_EV_ADDR_ADDED4: return ZTS_EVENT_ADDR_ADDED_IP4;
    case ZT_SVC_EV_ADDR_REMOVED4: return ZTS_EVENT_ADDR_REMOVED_IP4;
    case ZT_SVC_EV_ADDR_ADDED6: return ZTS_EVENT_ADDR_ADDED_IP6;
    case ZT_SVC_EV_ADDR_REMOVED6: return ZTS_EVENT_ADDR_REMOVED_IP6;
    default: return 0; /* NET_UPDATE, STORE_*: no 1.3 code */
    }
}

/* ---- delivery ----------------------------------------------------------------------------- */

/* The message and its one detail structure (api.md §6.2). */
typedef struct api_msg {
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
} api_msg;

/* Fills the detail of |ev|'s category into |m|. */
static void fill(const zt_svc_event *ev, api_msg *m)
{
    if (m->msg.eventCode >= ZTS_EVENT_NODE_UP &&
        m->msg.eventCode <= ZTS_EVENT_NODE_NORMAL_TERMINATION) {
        node_details(&ev->u.node, &m->d.node);
        m->msg.node = &m->d.node;
    } else if (m->msg.eventCode >= ZTS_EVENT_NETWORK_NOT_FOUND &&
               m->msg.eventCode <= ZTS_EVENT_NETWORK_DOWN) {
        zt__api_network_details(&ev->u.net, &m->d.network);
        m->msg.network = &m->d.network;
    } else if (m->msg.eventCode == ZTS_EVENT_NETIF_UP) {
        m->d.netif.nwid = ev->nwid;
        m->d.netif.mac = ev->u.netif.mac;
        m->d.netif.mtu = (int)ev->u.netif.mtu;
        m->msg.netif = &m->d.netif;
    } else if (m->msg.eventCode >= ZTS_EVENT_PEER_DIRECT &&
               m->msg.eventCode <= ZTS_EVENT_PEER_UNREACHABLE) {
        zt__api_peer_details(&ev->u.peer, &m->d.peer);
        m->msg.peer = &m->d.peer;
    } else if (m->msg.eventCode >= ZTS_EVENT_PATH_DISCOVERED &&
               m->msg.eventCode <= ZTS_EVENT_PATH_DEAD) {
        zt__api_storage_of(&ev->path, &m->d.path.address);
        m->msg.path = &m->d.path;
    } else if (m->msg.eventCode == ZTS_EVENT_ROUTE_ADDED ||
               m->msg.eventCode == ZTS_EVENT_ROUTE_REMOVED) {
        zt__api_storage_of(&ev->u.route.target, &m->d.route.target);
        zt__api_storage_of(&ev->u.route.via, &m->d.route.via);
        m->d.route.flags = ev->u.route.flags;
        m->d.route.metric = ev->u.route.metric;
        m->msg.route = &m->d.route;
    } else if (m->msg.eventCode >= ZTS_EVENT_ADDR_ADDED_IP4 &&
               m->msg.eventCode <= ZTS_EVENT_ADDR_REMOVED_IP6) {
        zt_stack_prefix p = ev->u.addr;
        p.bits = 0; /* api.md §6.3: port 0 or the prefix; callers read the address */
        m->d.addr.nwid = ev->nwid;
        storage_of_prefix(&p, &m->d.addr.addr);
        m->msg.addr = &m->d.addr;
    }
}

void zt__api_deliver(const zt_svc_event *ev)
{
    int code = zt__api_code_of(ev->kind);
    void (*cb)(void *);
    api_msg *m;

    pthread_mutex_lock(&zt__svc.mu);
    cb = zt__api.callback;
    pthread_mutex_unlock(&zt__svc.mu);
    if (code == 0 || cb == NULL)
        return;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return;
    m->msg.eventCode = (int16_t)code;
    fill(ev, m);
    cb(&m->msg);
    free(m);
}
