/* PUSH_DIRECT_PATHS, sent and received (vl1.md §4.7); pathpush.h. */
#include "core/pathpush.h"

#include "core/peer.h"
#include "core/send.h"

#define PUSH_MAX_CANDIDATES (ZT_MAX_LOCAL_ADDRS + ZT_SELFAWARE_SLOTS)
#define PUSH_PACKET_LIMIT 1200 /* records are added while size + 24 < 1200 (§4.7) */

static size_t add_candidate(zt_inetaddr *out, size_t n, const zt_inetaddr *a)
{
    if ((a->family != 4 && a->family != 6) || a->port == 0 || n >= PUSH_MAX_CANDIDATES)
        return n;
    for (size_t i = 0; i < n; i++)
        if (zt__inetaddr_equal(&out[i], a))
            return n;
    out[n] = *a;
    return n + 1;
}

/* What we tell peers: the host's addresses (interfaces, a port mapping) and the external
 * addresses peers reported seeing us at within ZT_SELFAWARE_TIMEOUT (§5.8). */
static size_t candidates(const zt_node *n, zt_inetaddr *out, int64_t now)
{
    size_t count = 0;

    for (unsigned i = 0; i < n->nlocal; i++)
        count = add_candidate(out, count, &n->local_addrs[i]);
    for (size_t i = 0; i < ZT_SELFAWARE_SLOTS; i++)
        if (n->selfaware[i].when != 0 && now - n->selfaware[i].when < ZT_SELFAWARE_TIMEOUT)
            count = add_candidate(out, count, &n->selfaware[i].mine);
    return count;
}

static void write_record(zt_wr *w, const zt_inetaddr *a)
{
    zt__wr_u8(w, 0);  /* flags */
    zt__wr_u16(w, 0); /* no extension data */
    zt__wr_u8(w, a->family);
    zt__wr_u8(w, a->family == 4 ? 6 : 18);
    zt__wr_bytes(w, a->ip, a->family == 4 ? 4 : 16);
    zt__wr_u16(w, a->port);
}

void zt__pathpush_send(zt_node *n, zt_peer *p, unsigned hops, int64_t now)
{
    zt_inetaddr addrs[PUSH_MAX_CANDIDATES];
    int64_t interval = hops > 0 ? ZT_DIRECT_PATH_PUSH_INTERVAL
                                : ZT_DIRECT_PATH_PUSH_INTERVAL_HAVEPATH;
    size_t count, i = 0;

    if (p->is_upstream || (p->last_push_sent != 0 && now - p->last_push_sent < interval))
        return;
    p->last_push_sent = now;
    count = candidates(n, addrs, now);
    while (i < count) {
        zt_wr w = zt__send_begin(n, p->id.address, ZT_VERB_PUSH_DIRECT_PATHS);
        uint8_t *count_at = w.p;
        uint16_t records = 0;
        zt__wr_u16(&w, 0);
        while (i < count && ZT_PKT_IDX_PAYLOAD + zt__wr_len(&w) + 24 < PUSH_PACKET_LIMIT) {
            write_record(&w, &addrs[i++]);
            records++;
        }
        zt__store_be(count_at, records, 2);
        n->counters.paths_pushed++;
        (void)zt__send_to_peer(n, p, &w, false, now);
    }
}

void zt__pathpush_received(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len,
                           int64_t now)
{
    zt_rd r = zt__rd_make(pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD);
    unsigned per_scope[2][8] = {{0}};
    uint16_t count;

    if (now - p->last_push_recv < ZT_PUSH_DIRECT_PATHS_CUTOFF)
        p->push_count++;
    else
        p->push_count = 0;
    p->last_push_recv = now;
    if (p->push_count >= ZT_PUSH_DIRECT_PATHS_LIMIT || zt__rd_u16(&r, &count) != 0)
        return;
    for (unsigned i = 0; i < count; i++) {
        uint8_t flags, type, alen, bytes[18];
        uint16_t ext;
        zt_inetaddr at;
        unsigned *used;
        if (zt__rd_u8(&r, &flags) != 0 || zt__rd_u16(&r, &ext) != 0 || zt__rd_skip(&r, ext) != 0 ||
            zt__rd_u8(&r, &type) != 0 || zt__rd_u8(&r, &alen) != 0 || alen > sizeof(bytes) ||
            zt__rd_bytes(&r, bytes, alen) != 0)
            return;
        if (flags & 0x01)
            continue; /* "forget this path" */
        if (type == 4 && alen == 6)
            zt__inetaddr_set4(&at, bytes, (uint16_t)zt__load_be(bytes + 4, 2));
        else if (type == 6 && alen == 18)
            zt__inetaddr_set6(&at, bytes, (uint16_t)zt__load_be(bytes + 16, 2));
        else
            continue;
        if (zt__peer_find_path(p, ZT_LOCAL_SOCKET_ANY, &at) != NULL ||
            !zt__peer_path_acceptable(n, p, &at))
            continue;
        used = &per_scope[at.family == 6][zt__inetaddr_scope(&at) & 7];
        if (*used >= ZT_PUSH_DIRECT_PATHS_PER_SCOPE)
            continue;
        (*used)++;
        (void)zt__send_contact(n, p, ZT_LOCAL_SOCKET_ANY, &at, now);
    }
}
