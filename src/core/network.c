/* Joined networks: config requests, config chunks, status (vl2.md §1.3-§1.4, §3.8-§3.10). */
#include "core/network.h"

#include <stddef.h>
#include <string.h>

#include "codec/adhoc.h"
#include "codec/configcache.h"
#include "core/host.h"
#include "core/lookup.h"
#include "core/membership.h"
#include "core/multicast.h"
#include "core/peer.h"
#include "core/send.h"
#include "core/vl2.h"
#include "crypto/crypto.h"
#include "util/table.h"

static void network_event(zt_node *n, zt_node_event_type type, const zt_network *net)
{
    zt_node_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.nwid = net->nwid;
    if (type == ZT_NODE_EVENT_NETWORK_OK)
        ev.config = &net->config;
    zt__host_event(n, &ev);
}

static void network_free(zt_node *n, zt_network *net)
{
    zt__vl2_network_free(n, net);
    zt__netconf_clear(&net->config);
    zt__config_asm_del(net->chunks);
    zt__mem_free(n->mem, net->dict);
    zt__mem_free(n->mem, net);
}

typedef enum { APPLY_REFUSED, APPLY_SAME, APPLY_NEW } apply_result;

/* Applies a complete config dictionary if it is for us and this network (§1.4 step 3):
 * APPLY_SAME when identical to the one in force, APPLY_NEW when it replaced it. */
static apply_result apply_config(zt_node *n, zt_network *net, const uint8_t *dict, size_t len,
                                 int64_t now)
{
    zt_netconf next;
    uint8_t *copy;

    zt__netconf_init(&next, n->mem);
    if (zt__netconf_parse(&next, dict, len, n->mem) != 0 || next.nwid != net->nwid ||
        next.issued_to != n->address) {
        zt__netconf_clear(&next);
        n->counters.drop_malformed++;
        return APPLY_REFUSED;
    }
    net->last_config = now;
    if (net->has_config && net->dict_len == len && memcmp(net->dict, dict, len) == 0) {
        zt__netconf_clear(&next);
        if (net->status != ZT_NETWORK_OK) {
            net->status = ZT_NETWORK_OK;
            network_event(n, ZT_NODE_EVENT_NETWORK_OK, net);
        }
        return APPLY_SAME;
    }
    copy = zt__mem_calloc(n->mem, 1, len > 0 ? len : 1);
    if (copy == NULL) {
        zt__netconf_clear(&next);
        return APPLY_REFUSED;
    }
    memcpy(copy, dict, len);
    zt__mem_free(n->mem, net->dict);
    net->dict = copy;
    net->dict_len = len;
    zt__netconf_clear(&net->config);
    net->config = next; /* takes the arena */
    net->has_config = true;
    net->status = ZT_NETWORK_OK;
    zt__vl2_config_applied(n, net, now);
    network_event(n, ZT_NODE_EVENT_NETWORK_OK, net);
    return APPLY_NEW;
}

/* Caches the config just applied from update |update_id| with its controller's chunk
 * signatures (configcache.h), so that the next start can check it as it checks one from the
 * wire.  Without signatures (the legacy unsigned form) nothing could check it: the
 * placeholder of §1.4 step 1 stands in. */
static void store_config(zt_node *n, const zt_network *net, const zt_identity *controller,
                         uint64_t update_id)
{
    uint8_t *file = NULL;
    size_t len = 0;

    if (n->cb.state_put == NULL)
        return;
    if (zt__config_cache_make(net->chunks, update_id, controller, net->dict, net->dict_len,
                              n->mem, &file, &len) == 0)
        n->cb.state_put(n->cb.user, ZT_STATE_NETWORK_CONFIG, net->nwid, file, len);
    else
        n->cb.state_put(n->cb.user, ZT_STATE_NETWORK_CONFIG, net->nwid, (const uint8_t *)"\n",
                        1);
    zt__mem_free(n->mem, file);
}

/* The cached config (§1.4 step 1), checked as one from the wire is (configcache.h): applied
 * when good; a bad one is ignored and replaced by the placeholder.  The caller asks the
 * controller for a fresh one either way. */
static void load_cached_config(zt_node *n, zt_network *net, int64_t now)
{
    uint64_t ctl = net->nwid >> ZT_NWID_CONTROLLER_SHIFT;
    const zt_identity *known = NULL;
    const zt_peer *p;
    uint8_t *cached;
    size_t off = 0, dlen = 0;
    zt_ssize len;
    int rv = ZT_ERR_NOTFOUND;

    cached = zt__mem_calloc(n->mem, 1, ZT_CONFIG_CACHE_MAX + 1);
    if (cached == NULL)
        return;
    len = n->cb.state_get(n->cb.user, ZT_STATE_NETWORK_CONFIG, net->nwid, cached,
                          ZT_CONFIG_CACHE_MAX + 1);
    if (len == 1 && cached[0] == '\n')
        rv = 0; /* the placeholder already */
    if (len > 1) {
        p = ctl == n->address ? NULL : zt__lookup_peer(n, ctl, now);
        known = ctl == n->address ? &n->self : p != NULL ? &p->id : NULL;
        rv = zt__config_cache_check(cached, (size_t)len, net->nwid, n->address, known,
                                    ZT_CONFIG_CACHE_VALIDATE, n->mem, &off, &dlen, NULL, 0);
        if (rv == 0 && apply_config(n, net, cached + off, dlen, now) == APPLY_REFUSED)
            rv = ZT_ERR_INVAL;
    }
    if (rv != 0 && rv != ZT_ERR_NOMEM && n->cb.state_put != NULL)
        n->cb.state_put(n->cb.user, ZT_STATE_NETWORK_CONFIG, net->nwid, (const uint8_t *)"\n", 1);
    zt__mem_free(n->mem, cached);
}

static bool same_network(const void *entry, const void *key)
{
    return ((const zt_configured *)entry)->nwid == ((const zt_configured *)key)->nwid;
}

/* Our controller's configs to |dest| (an OK to a request, or a pushed chunk: both start with
 * the network ID, after the in-re verb and packet ID for the OK) are remembered per peer. */
static void note_config_sent(zt_node *n, uint64_t dest, unsigned verb, const uint8_t *payload,
                             size_t len, int64_t now)
{
    zt_configured want = {.at = now};
    zt_peer *p;
    bool found;
    size_t slot;

    if (verb == ZT_VERB_OK && len >= 17 && payload[0] == ZT_VERB_NETWORK_CONFIG_REQUEST)
        want.nwid = zt__load_be(payload + 9, 8);
    else if (verb == ZT_VERB_NETWORK_CONFIG && len >= 8)
        want.nwid = zt__load_be(payload, 8);
    else
        return;
    if ((want.nwid >> 24) != n->address || (p = zt__peer_find(n, dest)) == NULL)
        return;
    slot = zt__table_slot(p->configured, ZT_CONFIGURED_SLOTS, ZT_CONFIGURED_SLOTS,
                          sizeof(want), offsetof(zt_configured, at), same_network, &want,
                          &found);
    p->configured[slot] = want;
}

typedef struct {
    zt_node *n;
    int64_t now;
    zt_peer *requester;     /* NULL for our own requests */
    int64_t local_socket;   /* the path the request came in on */
    const zt_inetaddr *from;
} reply_ctx;

/* Answers to a request go back the way it came, like every reply (vl1.md §4.2): the requester
 * may not have a confirmed path yet.  Anything else is routed as usual. */
static int local_reply(void *arg, uint64_t dest, uint8_t verb, const uint8_t *payload,
                       size_t len)
{
    reply_ctx *c = arg;
    zt_peer *p = c->requester;
    zt_wr w;

    if (p == NULL || dest != p->id.address || c->from == NULL)
        return zt__node_send_vl2(c->n, dest, verb, payload, len, c->now);
    if (len > ZT_PKT_MAX_LEN - ZT_PKT_IDX_PAYLOAD)
        return ZT_ERR_INVAL;
    note_config_sent(c->n, dest, verb, payload, len, c->now);
    w = zt__send_begin(c->n, dest, verb);
    zt__wr_bytes(&w, payload, len);
    return zt__send_reply(c->n, p, &w, c->local_socket, c->from, c->now);
}

/* Hands a request to the controller beside the node (|p|, |local_socket|, |from|: where it
 * came from; NULL for our own).  Returns 0, or ZT_ERR_NOTFOUND when there is none. */
static int ask_local_controller(zt_node *n, const zt_identity *requester, uint64_t packet_id,
                                const uint8_t *payload, size_t len, zt_peer *p,
                                int64_t local_socket, const zt_inetaddr *from, int64_t now)
{
    reply_ctx c = {n, now, p, local_socket, from};

    if (n->cb.config_request == NULL)
        return ZT_ERR_NOTFOUND;
    return n->cb.config_request(n->cb.user, requester, packet_id, payload, len, now,
                                local_reply, &c);
}

/* Something the controller beside us sends to ourselves: handled as if it had arrived. */
static void local_delivery(zt_node *n, unsigned verb, const uint8_t *payload, size_t len,
                           int64_t now)
{
    if (verb == ZT_VERB_OK && len > 9 && payload[0] == ZT_VERB_NETWORK_CONFIG_REQUEST)
        zt__network_config_chunk(n, NULL, NULL, payload + 9, len - 9, false, now);
    else if (verb == ZT_VERB_NETWORK_CONFIG)
        zt__network_config_chunk(n, NULL, NULL, payload, len, false, now);
    else if (verb == ZT_VERB_ERROR && len > 0 && payload[0] == ZT_VERB_NETWORK_CONFIG_REQUEST)
        zt__network_config_error(n, NULL, payload, len);
}

int zt__node_send_vl2(zt_node *n, uint64_t dest, unsigned verb, const void *payload, size_t len,
                     int64_t now)
{
    zt_peer *p;
    zt_wr w;

    if ((payload == NULL && len > 0) || verb > ZT_PKT_VERB_MASK ||
        len > ZT_PKT_MAX_LEN - ZT_PKT_IDX_PAYLOAD)
        return ZT_ERR_INVAL;
    if (dest == n->address) {
        local_delivery(n, verb, payload, len, now);
        return 0;
    }
    if (zt__address_is_reserved(dest))
        return ZT_ERR_INVAL;
    note_config_sent(n, dest, verb, payload, len, now);
    p = zt__lookup_peer(n, dest, now);
    if (p == NULL)
        return zt__lookup_queue_tx(n, dest, verb, payload, len, now);
    w = zt__send_begin(n, dest, verb);
    zt__wr_bytes(&w, payload, len);
    return zt__send_to_peer(n, p, &w, false, now);
}

static void set_failure(zt_node *n, zt_network *net, zt_network_status status,
                        zt_node_event_type type)
{
    if (net->status == status)
        return;
    net->status = status; /* a config in force keeps working (§1.3) */
    network_event(n, type, net);
}

/* An ad-hoc network (§1.2): the config is made here, at every refresh, and never stored.  A
 * bad port range is NOT_FOUND; an ID of no known form stays REQUESTING_CONFIGURATION. */
static void adhoc_refresh(zt_node *n, zt_network *net, int64_t now)
{
    uint8_t dict[2048];
    zt_netconf *nc = zt__mem_calloc(n->mem, 1, sizeof(*nc));
    zt_ssize len;
    int rv;

    net->last_request = now;
    if (nc == NULL)
        return;
    rv = zt__adhoc_config(net->nwid, n->address, now, nc, n->mem);
    if (rv == ZT_ERR_NOTFOUND)
        set_failure(n, net, ZT_NETWORK_NOT_FOUND, ZT_NODE_EVENT_NETWORK_NOT_FOUND);
    if (rv == 0) {
        len = zt__netconf_write(nc, dict, sizeof(dict));
        if (len > 0)
            (void)apply_config(n, net, dict, (size_t)len, now);
    }
    zt__netconf_clear(nc);
    zt__mem_free(n->mem, nc);
}

/* NETWORK_CONFIG_REQUEST to the controller (§3.8); waits for its identity if needed. */
static void request_config(zt_node *n, zt_network *net, int64_t now)
{
    uint8_t md[ZT_DICT_METADATA_MAX], payload[ZT_DICT_METADATA_MAX + 32];
    uint64_t controller = net->nwid >> 24;
    zt_config_meta meta;
    zt_ssize mlen, plen;
    zt_peer *p;
    zt_wr w;

    if (zt__adhoc_is(net->nwid)) {
        adhoc_refresh(n, net, now);
        return;
    }
    net->last_request = now;
    zt__config_meta_default(&meta);
    meta.proto_version = ZT_NODE_PROTO_VERSION;
    meta.major = ZT_NODE_VERSION_MAJOR;
    meta.minor = ZT_NODE_VERSION_MINOR;
    meta.revision = ZT_NODE_VERSION_REVISION;
    mlen = zt__config_meta_write(&meta, md, sizeof(md));
    if (mlen < 0)
        return;
    plen = zt__config_request_write(payload, sizeof(payload), net->nwid, md, (size_t)mlen,
                                    net->has_config ? net->config.revision : 0,
                                    net->has_config ? (uint64_t)net->config.timestamp : 0);
    if (plen < 0)
        return;
    if (controller == n->address) {
        /* Our own network: straight to the controller beside us, or not found (§1.1). */
        /* A genuine request (non-zero ID), so the controller answers refusals too. */
        if (ask_local_controller(n, &n->self, zt__host_random(n) | 1, payload, (size_t)plen,
                                 NULL, ZT_LOCAL_SOCKET_ANY, NULL, now) != 0)
            set_failure(n, net, ZT_NETWORK_NOT_FOUND, ZT_NODE_EVENT_NETWORK_NOT_FOUND);
        return;
    }
    p = zt__lookup_peer(n, controller, now);
    if (p == NULL) {
        (void)zt__lookup_queue_tx(n, controller, ZT_VERB_NETWORK_CONFIG_REQUEST, payload, (size_t)plen,
                           now);
        return;
    }
    w = zt__send_begin(n, controller, ZT_VERB_NETWORK_CONFIG_REQUEST);
    zt__wr_bytes(&w, payload, (size_t)plen);
    p->last_activity = now;
    (void)zt__send_to_peer(n, p, &w, true, now);
}

int zt__node_join(zt_node *n, uint64_t nwid, int64_t now)
{
    zt_network *net;
    int rv;

    if (nwid == 0)
        return ZT_ERR_INVAL;
    if (zt__membership_network(n, nwid) != NULL)
        return 0;
    if (n->nnetworks >= ZT_MAX_NETWORKS)
        return ZT_ERR_LIMIT;
    net = zt__mem_calloc(n->mem, 1, sizeof(*net));
    if (net == NULL)
        return ZT_ERR_NOMEM;
    net->nwid = nwid;
    net->status = ZT_NETWORK_REQUESTING_CONFIGURATION;
    zt__netconf_init(&net->config, n->mem);
    net->mac = zt__mac_from_address(n->address, nwid);
    net->mcast = zt__mem_calloc(n->mem, ZT_MAX_MCAST_MEMBERS, sizeof(*net->mcast));
    rv = net->mcast == NULL ? ZT_ERR_NOMEM : zt__config_asm_new(&net->chunks, nwid, 0, n->mem);
    if (rv != 0) {
        network_free(n, net);
        return rv;
    }
    net->next = n->networks;
    n->networks = net;
    n->nnetworks++;

    /* A cached config serves at once, but a fresh one is asked for right away (§1.4).  Ad-hoc
     * networks make theirs and leave the state store alone (§1.2). */
    if (n->cb.state_get != NULL && !zt__adhoc_is(nwid))
        load_cached_config(n, net, now);
    net->last_config = 0;
    network_event(n, ZT_NODE_EVENT_NETWORK_REQ_CONFIG, net);
    request_config(n, net, now);
    return 0;
}

int zt__node_leave(zt_node *n, uint64_t nwid, int64_t now)
{
    zt_network **pp = &n->networks;

    (void)now;
    while (*pp != NULL && (*pp)->nwid != nwid)
        pp = &(*pp)->next;
    if (*pp == NULL)
        return ZT_ERR_NOTFOUND;
    {
        zt_network *net = *pp;
        *pp = net->next;
        n->nnetworks--;
        if (n->cb.state_put != NULL && !zt__adhoc_is(nwid))
            n->cb.state_put(n->cb.user, ZT_STATE_NETWORK_CONFIG, nwid, NULL, 0);
        network_event(n, ZT_NODE_EVENT_NETWORK_DOWN, net);
        network_free(n, net);
    }
    return 0;
}

int zt__node_network_status(const zt_node *n, uint64_t nwid, zt_network_status *out)
{
    const zt_network *net = zt__membership_network(n, nwid);
    if (net == NULL)
        return ZT_ERR_NOTFOUND;
    *out = net->status;
    return 0;
}

size_t zt__node_networks(const zt_node *n, uint64_t *out, size_t max)
{
    size_t count = 0;

    for (const zt_network *net = n->networks; net != NULL; net = net->next) {
        size_t k = count < max ? count : max; /* insertion sort of what fits */
        while (k > 0 && out[k - 1] > net->nwid) {
            if (k < max)
                out[k] = out[k - 1];
            k--;
        }
        if (k < max)
            out[k] = net->nwid;
        count++;
    }
    return count;
}

const zt_netconf *zt__node_network_config(const zt_node *n, uint64_t nwid)
{
    const zt_network *net = zt__membership_network(n, nwid);
    return net != NULL && net->has_config ? &net->config : NULL;
}

/* Every 5 s: ask while unconfigured, refresh every 60 s (§1.4 step 2; config_refresh_ms). */
void zt__network_timers(zt_node *n, int64_t now)
{
    zt__mcast_foreign_expire(n, now);
    for (zt_network *net = n->networks; net != NULL; net = net->next) {
        bool due = !net->has_config || net->status != ZT_NETWORK_OK ||
                   now - net->last_config >= n->cfg.config_refresh_ms;
        if (due && now - net->last_request >= ZT_PING_CHECK_INTERVAL)
            request_config(n, net, now);
        zt__vl2_timers(n, net, now);
    }
}

/* Just online: networks still waiting for a config ask again at once, instead of at the next
 * 5 s tick (a request sent before any root answered may have gone nowhere). */
void zt__network_online(zt_node *n, int64_t now)
{
    for (zt_network *net = n->networks; net != NULL; net = net->next)
        if (!net->has_config)
            request_config(n, net, now);
}

void zt__network_clear_all(zt_node *n)
{
    zt__mem_free(n->mem, n->foreign);
    n->foreign = NULL;
    n->nforeign = 0;
    while (n->networks != NULL) {
        zt_network *net = n->networks;
        n->networks = net->next;
        network_free(n, net);
    }
    n->nnetworks = 0;
}

void zt__network_config_chunk(zt_node *n, zt_peer *p, const uint8_t *pkt, const uint8_t *chunk,
                              size_t len, bool is_push, int64_t now)
{
    const zt_peer *controller = NULL;
    const zt_identity *signer = &n->self;
    const uint8_t *dict;
    zt_config_chunk c;
    zt_network *net;
    uint64_t update_id;
    size_t dict_len;
    apply_result res;
    bool is_ours;
    int rv;

    if (zt__config_chunk_parse(&c, chunk, len) != 0) {
        n->counters.drop_malformed++;
        return;
    }
    net = zt__membership_network(n, c.nwid);
    if (net == NULL || zt__adhoc_is(c.nwid))
        return; /* not joined, or no controller to speak for it: ignored (§1.2, §3) */
    is_ours = (c.nwid >> 24) == n->address;
    if (!is_ours) {
        controller = zt__peer_find(n, c.nwid >> 24);
        if (controller == NULL) {
            zt__lookup_whois(n, c.nwid >> 24, now);
            return;
        }
        signer = &controller->id;
    }
    rv = zt__config_asm_add(net->chunks, &c, signer, is_ours ? p == NULL : p == controller,
                            &dict, &dict_len, &update_id);
    if (rv == ZT_ERR_AGAIN || rv == ZT_ERR_EXISTS)
        return;
    if (rv != 0) {
        n->counters.drop_auth += rv == ZT_ERR_AUTH;
        n->counters.drop_malformed += rv != ZT_ERR_AUTH;
        return;
    }
    res = apply_config(n, net, dict, dict_len, now);
    if (res == APPLY_NEW && !is_ours)
        store_config(n, net, signer, update_id); /* our own controller's: never cached */
    if (res != APPLY_REFUSED && is_push && p != NULL) {
        /* 1.14.1 answers a completed push with OK in re ECHO (§3.9 step 7, quirk 1). */
        zt_wr w = zt__send_begin(n, p->id.address, ZT_VERB_OK);
        zt_ssize k = zt__config_push_ok_write(w.p, (size_t)(w.end - w.p), zt__pkt_id(pkt),
                                              net->nwid, update_id);
        if (k > 0) {
            w.p += k;
            (void)zt__send_to_peer(n, p, &w, false, now);
        }
    }
}

void zt__network_config_error(zt_node *n, zt_peer *p, const uint8_t *payload, size_t len)
{
    zt_vl2_error e;
    zt_network *net;
    zt_network_status status;
    zt_node_event_type type;

    if (zt__vl2_error_parse(&e, payload, len) != 0 || (net = zt__membership_network(n, e.nwid)) == NULL ||
        (p != NULL ? p->id.address : n->address) != (e.nwid >> 24))
        return; /* only the network's controller speaks for it (§3.10) */
    switch (e.code) {
    case ZT_ERROR_OBJ_NOT_FOUND:
    case ZT_ERROR_UNSUPPORTED_OPERATION:
        status = ZT_NETWORK_NOT_FOUND;
        type = ZT_NODE_EVENT_NETWORK_NOT_FOUND;
        break;
    case ZT_ERROR_NETWORK_ACCESS_DENIED:
        status = ZT_NETWORK_ACCESS_DENIED;
        type = ZT_NODE_EVENT_NETWORK_ACCESS_DENIED;
        break;
    case ZT_ERROR_NETWORK_AUTHENTICATION_REQUIRED:
        status = ZT_NETWORK_AUTHENTICATION_REQUIRED;
        type = ZT_NODE_EVENT_NETWORK_AUTH_REQUIRED;
        break;
    default:
        return;
    }
    set_failure(n, net, status, type);
}

void zt__network_config_request(zt_node *n, zt_peer *p, int64_t local_socket,
                                const zt_inetaddr *from, const uint8_t *pkt, size_t len,
                                int64_t now)
{
    zt_config_request req;

    if (zt__config_request_parse(&req, pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD) != 0)
        return;
    if ((req.nwid >> 24) == n->address &&
        ask_local_controller(n, &p->id, zt__pkt_id(pkt), pkt + ZT_PKT_IDX_PAYLOAD,
                             len - ZT_PKT_IDX_PAYLOAD, p, local_socket, from, now) == 0)
        return;
    /* No controller here (§3.8: a node without one says so). */
    zt__send_vl2_error(n, p, pkt, ZT_ERROR_UNSUPPORTED_OPERATION, req.nwid, local_socket, from,
                       now);
}
