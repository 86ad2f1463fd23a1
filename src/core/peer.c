/* Peers and their direct paths (vl1.md §5.1, §5.4, §5.6, §7); peer.h. */
#include "core/peer.h"

#include <string.h>

#include "codec/peercache.h"
#include "core/host.h"
#include "core/topology.h"
#include "crypto/crypto.h"

enum { REPORTED_NONE, REPORTED_DIRECT, REPORTED_RELAY };

static size_t bucket_of(uint64_t address)
{
    uint64_t h = address * 0x9e3779b97f4a7c15ULL;
    return (size_t)(h >> 54) & (ZT_PEER_BUCKETS - 1);
}

void zt__peer_event(zt_node *n, zt_node_event_type type, const zt_peer *p, const zt_path *path)
{
    zt_node_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.peer = p->id.address;
    if (path != NULL) {
        ev.local_socket = path->local_socket;
        ev.remote = path->addr;
    }
    zt__host_event(n, &ev);
}

zt_peer *zt__peer_find(const zt_node *n, uint64_t address)
{
    for (zt_peer *p = n->peers[bucket_of(address)]; p != NULL; p = p->next)
        if (p->id.address == address)
            return p;
    return NULL;
}

unsigned zt__peer_suite(const zt_peer *p)
{
    return p->proto >= 12 ? ZT_CIPHER_AES_GMAC_SIV : ZT_CIPHER_POLY1305_SALSA2012;
}

zt_peer *zt__peer_add(zt_node *n, const zt_identity *id, int64_t now)
{
    zt_peer *p;
    size_t b;

    if (id->address == n->address || zt__address_is_reserved(id->address))
        return NULL;
    if (n->npeers >= n->cfg.max_peers) {
        n->counters.drop_queue_full++;
        return NULL;
    }
    p = zt__mem_calloc(n->mem, 1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->id = *id;
    zt__identity_clear(&p->id);
    if (zt__identity_agree(&n->self, &p->id, p->key) != 0 ||
        zt__pkt_derive_aes(p->key, &p->aes) != 0) {
        zt__pkt_clear_aes(&p->aes);
        zt__wipe(p->key, sizeof(p->key));
        zt__mem_free(n->mem, p);
        return NULL;
    }
    p->proto = p->major = p->minor = p->revision = -1;
    p->latency = -1;
    p->created = now;
    p->last_activity = now;
    p->last_hello = now - ZT_PEER_PING_PERIOD;
    p->is_upstream = zt__topology_is_upstream(n, id->address);
    b = bucket_of(id->address);
    p->next = n->peers[b];
    n->peers[b] = p;
    n->npeers++;
    return p;
}

void zt__peer_store(zt_node *n, const zt_peer *p)
{
    zt_peercache pc;
    uint8_t buf[ZT_PEERCACHE_MAX_LEN];
    zt_ssize len;

    if (n->cb.state_put == NULL)
        return;
    memset(&pc, 0, sizeof(pc));
    pc.identity = p->id;
    pc.proto_version = (uint16_t)(p->proto < 0 ? 0 : p->proto);
    pc.major = (uint16_t)(p->major < 0 ? 0 : p->major);
    pc.minor = (uint16_t)(p->minor < 0 ? 0 : p->minor);
    pc.revision = (uint16_t)(p->revision < 0 ? 0 : p->revision);
    for (unsigned i = 0; i < ZT_NODE_MAX_PATHS; i++)
        if (p->paths[i].used)
            pc.paths[pc.npaths++] = p->paths[i].addr;
    len = zt__peercache_write(&pc, buf, sizeof(buf));
    if (len > 0)
        n->cb.state_put(n->cb.user, ZT_STATE_PEER, p->id.address, buf, (size_t)len);
}

void zt__peer_remove(zt_node *n, zt_peer *p, bool store)
{
    zt_peer **pp = &n->peers[bucket_of(p->id.address)];

    while (*pp != NULL && *pp != p)
        pp = &(*pp)->next;
    if (*pp == NULL)
        return;
    *pp = p->next;
    n->npeers--;
    if (store)
        zt__peer_store(n, p);
    zt__wipe(p->key, sizeof(p->key));
    zt__pkt_clear_aes(&p->aes);
    zt__mem_free(n->mem, p);
}

zt_peer *zt__peer_load_cached(zt_node *n, uint64_t address, int64_t now, zt_inetaddr *contact,
                              unsigned *ncontact)
{
    static const size_t cap = ZT_PEERCACHE_MAX_LEN;
    uint8_t buf[ZT_PEERCACHE_MAX_LEN];
    zt_peercache pc;
    zt_ssize len;
    zt_peer *p;

    *ncontact = 0;
    if (!n->cfg.peer_cache || n->cb.state_get == NULL)
        return NULL;
    len = n->cb.state_get(n->cb.user, ZT_STATE_PEER, address, buf, cap);
    if (len <= 0 || zt__peercache_parse(&pc, buf, (size_t)len) != 0 ||
        pc.identity.address != address)
        return NULL;
    p = zt__peer_add(n, &pc.identity, now);
    if (p == NULL)
        return NULL;
    if (pc.proto_version != 0) {
        p->proto = pc.proto_version;
        p->major = pc.major;
        p->minor = pc.minor;
        p->revision = pc.revision;
    }
    for (unsigned i = 0; i < pc.npaths; i++)
        if (zt__peer_path_acceptable(n, p, &pc.paths[i]))
            contact[(*ncontact)++] = pc.paths[i];
    return p;
}

zt_path *zt__peer_find_path(zt_peer *p, int64_t local_socket, const zt_inetaddr *addr)
{
    for (unsigned i = 0; i < ZT_NODE_MAX_PATHS; i++) {
        zt_path *path = &p->paths[i];
        if (path->used && zt__inetaddr_equal(&path->addr, addr) &&
            (local_socket == ZT_LOCAL_SOCKET_ANY || path->local_socket == local_socket))
            return path;
    }
    return NULL;
}

bool zt__peer_path_alive(const zt_path *path, int64_t now)
{
    return path->used && now - path->last_recv < ZT_PATH_ALIVE_WINDOW;
}

/* Lower is better (vl1.md §5.4): latency, heavily penalized when not alive, times a factor
 * that prefers private (LAN) scopes. */
static int64_t path_quality(const zt_path *path, int64_t now)
{
    int64_t latency = path->latency < 0 ? 0xffff : path->latency;
    int64_t age = now - path->last_recv;
    int64_t q;

    if (age > 140000)
        age = 140000;
    q = zt__peer_path_alive(path, now) ? latency : latency + 0xffff + age;
    return q * (8 - (int64_t)zt__inetaddr_scope(&path->addr));
}

zt_path *zt__peer_best_path(zt_peer *p, int64_t now, bool alive_only)
{
    zt_path *best = NULL;
    int64_t best_q = 0;

    for (unsigned i = 0; i < ZT_NODE_MAX_PATHS; i++) {
        zt_path *path = &p->paths[i];
        int64_t q;
        if (!path->used || (alive_only && now - path->last_recv >= ZT_PEER_PATH_EXPIRATION))
            continue;
        q = path_quality(path, now);
        if (best == NULL || q < best_q) {
            best = path;
            best_q = q;
        }
    }
    return best;
}

bool zt__peer_path_acceptable(const zt_node *n, const zt_peer *p, const zt_inetaddr *addr)
{
    const zt_world_root *root;

    if (addr->family != 4 && addr->family != 6)
        return false;
    switch (zt__inetaddr_scope(addr)) {
    case ZT_IP_SCOPE_NONE:
    case ZT_IP_SCOPE_MULTICAST:
    case ZT_IP_SCOPE_LINK_LOCAL:
        return false;
    case ZT_IP_SCOPE_LOOPBACK:
        if (!n->cfg.allow_loopback_paths)
            return false;
        break;
    default:
        break;
    }
    /* Hurricane Electric's tunnel range, 2001:470::/32 (vl1.md §5.6). */
    if (addr->family == 6 && addr->ip[0] == 0x20 && addr->ip[1] == 0x01 && addr->ip[2] == 0x04 &&
        addr->ip[3] == 0x70)
        return false;
    if (n->cb.path_check != NULL && !n->cb.path_check(n->cb.user, p != NULL ? p->id.address : 0,
                                                      addr))
        return false;
    root = p != NULL ? zt__topology_root(n, p->id.address) : NULL;
    if (root != NULL && root->nendpoints > 0) {
        for (unsigned i = 0; i < root->nendpoints; i++)
            if (zt__inetaddr_same_ip(&root->endpoints[i], addr))
                return true;
        return false;
    }
    return true;
}

bool zt__peer_contact_gate(zt_peer *p, int64_t local_socket, const zt_inetaddr *addr,
                           int64_t now)
{
    for (unsigned i = 0; i < ZT_RECENT_CONTACTS; i++) {
        if (p->contacts[i].when != 0 && p->contacts[i].local_socket == local_socket &&
            zt__inetaddr_equal(&p->contacts[i].addr, addr)) {
            if (now - p->contacts[i].when < ZT_NEW_PATH_CONTACT_LIMIT)
                return false;
            p->contacts[i].when = now;
            return true;
        }
    }
    p->contacts[p->next_contact].local_socket = local_socket;
    p->contacts[p->next_contact].addr = *addr;
    p->contacts[p->next_contact].when = now;
    p->next_contact = (p->next_contact + 1) % ZT_RECENT_CONTACTS;
    return true;
}

static zt_path *add_path(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                         int64_t now)
{
    zt_path *slot = NULL;

    for (unsigned i = 0; i < ZT_NODE_MAX_PATHS && slot == NULL; i++)
        if (!p->paths[i].used)
            slot = &p->paths[i];
    for (unsigned i = 0; i < ZT_NODE_MAX_PATHS && slot == NULL; i++) {
        zt_path *path = &p->paths[i];
        if (!zt__peer_path_alive(path, now) && path->local_socket == local_socket &&
            zt__inetaddr_same_ip(&path->addr, from))
            slot = path;
    }
    if (slot == NULL) { /* all in use: replace the one heard from least recently */
        slot = &p->paths[0];
        for (unsigned i = 1; i < ZT_NODE_MAX_PATHS; i++)
            if (p->paths[i].last_recv < slot->last_recv)
                slot = &p->paths[i];
    }
    if (slot->used)
        zt__peer_event(n, ZT_NODE_EVENT_PATH_DEAD, p, slot);
    memset(slot, 0, sizeof(*slot));
    slot->used = true;
    slot->local_socket = local_socket;
    slot->addr = *from;
    slot->created = now;
    slot->last_recv = now;
    slot->latency = -1;
    slot->alive_reported = true;
    zt__peer_event(n, ZT_NODE_EVENT_PATH_DISCOVERED, p, slot);
    return slot;
}

void zt__peer_update_direct(zt_node *n, zt_peer *p, int64_t now)
{
    bool direct = zt__peer_best_path(p, now, true) != NULL;

    if (direct && p->reported != REPORTED_DIRECT) {
        p->reported = REPORTED_DIRECT;
        zt__peer_event(n, ZT_NODE_EVENT_PEER_DIRECT, p, zt__peer_best_path(p, now, true));
    } else if (!direct && p->reported == REPORTED_DIRECT) {
        p->reported = REPORTED_RELAY;
        zt__peer_event(n, ZT_NODE_EVENT_PEER_RELAY, p, NULL);
    }
}

bool zt__peer_received(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                       unsigned hops, unsigned verb, int64_t now)
{
    bool contact = false;
    zt_path *path;

    p->last_recv = now;
    if (verb != ZT_VERB_NOP && verb != ZT_VERB_ECHO && verb != ZT_VERB_OK &&
        verb != ZT_VERB_HELLO)
        p->last_activity = now;
    if (hops > 0) {
        if (p->reported == REPORTED_NONE && zt__peer_best_path(p, now, true) == NULL) {
            p->reported = REPORTED_RELAY;
            zt__peer_event(n, ZT_NODE_EVENT_PEER_RELAY, p, NULL);
        }
    } else if ((path = zt__peer_find_path(p, local_socket, from)) != NULL) {
        path->last_recv = now;
        if (!path->alive_reported) {
            path->alive_reported = true;
            zt__peer_event(n, ZT_NODE_EVENT_PATH_ALIVE, p, path);
        }
    } else if (zt__peer_path_acceptable(n, p, from)) {
        /* An OK confirms a path; anything else earns a HELLO whose OK will (vl1.md §5.6). */
        if (verb == ZT_VERB_OK)
            add_path(n, p, local_socket, from, now);
        else
            contact = zt__peer_contact_gate(p, local_socket, from, now);
    }
    zt__peer_update_direct(n, p, now);
    return contact;
}

unsigned zt__peer_sync_upstreams(zt_node *n, int64_t now)
{
    unsigned missing = 0;

    for (unsigned i = 0; i < n->nupstreams; i++) {
        const zt_world_root *root = zt__topology_root(n, n->upstreams[i]);
        if (root != NULL && zt__peer_find(n, n->upstreams[i]) == NULL &&
            zt__peer_add(n, &root->identity, now) == NULL)
            missing++;
    }
    for (size_t i = 0; i < ZT_PEER_BUCKETS; i++)
        for (zt_peer *p = n->peers[i]; p != NULL; p = p->next)
            p->is_upstream = zt__topology_is_upstream(n, p->id.address);
    return missing;
}

/* Relay quality (vl1.md §5.1): latency scaled by silence; only upstreams with a usable path. */
zt_peer *zt__peer_best_upstream(zt_node *n, int64_t now)
{
    zt_peer *best = NULL;
    int64_t best_score = 0;
    bool best_alive = false;

    for (unsigned i = 0; i < n->nupstreams; i++) {
        zt_peer *p = zt__peer_find(n, n->upstreams[i]);
        zt_path *path;
        int64_t latency, score;
        bool alive;
        if (p == NULL || (path = zt__peer_best_path(p, now, true)) == NULL)
            continue;
        alive = zt__peer_path_alive(path, now);
        latency = p->latency < 0 ? 0xffff : p->latency;
        score = latency * (1 + (now - p->last_recv) / 61000);
        if (best == NULL || (alive && !best_alive) || (alive == best_alive && score < best_score)) {
            best = p;
            best_score = score;
            best_alive = alive;
        }
    }
    return best;
}

void zt__peer_foreach(zt_node *n, void (*fn)(zt_node *n, zt_peer *p, void *arg), void *arg)
{
    for (size_t i = 0; i < ZT_PEER_BUCKETS; i++)
        for (zt_peer *p = n->peers[i]; p != NULL; p = p->next)
            fn(n, p, arg);
}

void zt__peer_info(const zt_peer *p, int64_t now, zt_peer_info *out)
{
    zt_path *best = zt__peer_best_path((zt_peer *)p, now, true);

    memset(out, 0, sizeof(*out));
    out->address = p->id.address;
    out->is_upstream = p->is_upstream;
    out->proto_version = p->proto;
    out->major = p->major;
    out->minor = p->minor;
    out->revision = p->revision;
    out->latency_ms = p->latency;
    out->last_receive = p->last_recv;
    for (unsigned i = 0; i < ZT_NODE_MAX_PATHS; i++) {
        const zt_path *path = &p->paths[i];
        zt_path_info *pi;
        if (!path->used)
            continue;
        pi = &out->paths[out->npaths++];
        pi->local_socket = path->local_socket;
        pi->remote = path->addr;
        pi->last_send = path->last_send;
        pi->last_receive = path->last_recv;
        pi->latency_ms = path->latency;
        pi->alive = zt__peer_path_alive(path, now);
        pi->preferred = path == best;
    }
}
