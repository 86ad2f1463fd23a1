/*
 * sim_record.c: what the simulator records (see sim.h): the trace ring and the trace hash, the
 * events each node raised, and each node's in-memory state store.
 */
#include "sim_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SIM_TRACE_LINES 1024
#define SIM_MAX_STATE_OBJS 4096

/* ---- the trace hash --------------------------------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void hash_u64(sim_world *w, uint64_t v)
{
    w->hash = mix64(w->hash ^ v) + 0x9e3779b97f4a7c15ULL;
}

static void hash_bytes(sim_world *w, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 */
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    hash_u64(w, h ^ len);
}

static void hash_addr(sim_world *w, const zt_inetaddr *a)
{
    hash_u64(w, (uint64_t)a->family << 56 | (uint64_t)a->port << 32 |
                    (uint64_t)a->ip[0] << 24 | (uint64_t)a->ip[1] << 16 |
                    (uint64_t)a->ip[2] << 8 | a->ip[3]);
}

void record_delivery(sim_world *w, const dgram *dg)
{
    hash_u64(w, (uint64_t)w->now);
    hash_u64(w, (uint64_t)(dg->from + 1) << 32 | (uint64_t)dg->to);
    hash_addr(w, &dg->src);
    hash_bytes(w, dg->data, dg->len);
    trace_dgram(w, "RECV", dg);
}

uint64_t sim_trace_hash(const sim_world *w)
{
    return w->hash;
}

/* ---- trace ------------------------------------------------------------------------------ */

static void trace_vline(sim_world *w, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;

static void trace_vline(sim_world *w, const char *fmt, va_list ap)
{
    char *line = w->trace[w->ntrace % SIM_TRACE_LINES];
    int n = snprintf(line, SIM_TRACE_LINE_LEN, "%10" PRId64 " ", w->now);

    if (n < 0)
        n = 0;
    vsnprintf(line + n, SIM_TRACE_LINE_LEN - (size_t)n, fmt, ap);
    w->ntrace++;
    if (w->trace_level > 0)
        fprintf(stderr, "sim %s\n", line);
}

void trace_line(sim_world *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    trace_vline(w, fmt, ap);
    va_end(ap);
}

void sim_note(sim_world *w, const char *fmt, ...)
{
    char buf[SIM_TRACE_LINE_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    trace_line(w, "NOTE %s", buf);
}

void sim_dump_trace(const sim_world *w, FILE *f, size_t n)
{
    size_t have = w->ntrace < SIM_TRACE_LINES ? w->ntrace : SIM_TRACE_LINES;
    if (n > have)
        n = have;
    fprintf(f, "---- sim trace: last %zu of %zu lines (time in ms) ----\n", n, w->ntrace);
    for (size_t i = w->ntrace - n; i < w->ntrace; i++)
        fprintf(f, "%s\n", w->trace[i % SIM_TRACE_LINES]);
}

/* One line describing a datagram's cleartext header (vl1.md §2.1, §2.4). */
static void describe(const uint8_t *d, size_t len, char *out, size_t cap)
{
    if (len > 16 && d[13] == 0xff) {
        snprintf(out, cap, "frag dst=%010" PRIx64 " %u/%u hops=%u", zt__load_be(d + 8, 5),
                 (unsigned)(d[14] & 0x0f), (unsigned)(d[14] >> 4), (unsigned)(d[15] & 7));
    } else if (len >= 28) {
        unsigned suite = (d[18] >> 3) & 7;
        if (suite == 0)
            snprintf(out, cap, "pkt %010" PRIx64 "->%010" PRIx64 " suite0 verb=0x%02x hops=%u",
                     zt__load_be(d + 13, 5), zt__load_be(d + 8, 5), (unsigned)(d[27] & 0x1f),
                     (unsigned)(d[18] & 7));
        else
            snprintf(out, cap, "pkt %010" PRIx64 "->%010" PRIx64 " suite%u hops=%u",
                     zt__load_be(d + 13, 5), zt__load_be(d + 8, 5), suite,
                     (unsigned)(d[18] & 7));
    } else {
        snprintf(out, cap, "short");
    }
}

void trace_dgram(sim_world *w, const char *what, const dgram *dg)
{
    char s[ZT_INETADDR_STR_MAX], t[ZT_INETADDR_STR_MAX], d[96];

    if (w->trace_level < 2)
        return;
    describe(dg->data, dg->len, d, sizeof(d));
    trace_line(w, "%s %s -> %s len=%zu %s", what, sim_addr_str(&dg->src, s, sizeof(s)),
               sim_addr_str(&dg->dst, t, sizeof(t)), dg->len, d);
}

void trace_init(sim_world *w, uint64_t seed)
{
    const char *lvl = getenv("ZT_SIM_TRACE");

    w->hash = mix64(seed ^ 0x5157u);
    w->trace = xcalloc(SIM_TRACE_LINES, SIM_TRACE_LINE_LEN);
    w->trace_level = lvl != NULL ? (int)strtol(lvl, NULL, 10) : 0;
}

/* ---- events ----------------------------------------------------------------------------- */

const char *sim_event_name(zt_node_event_type type)
{
    switch (type) {
    case ZT_NODE_EVENT_ONLINE: return "ONLINE";
    case ZT_NODE_EVENT_OFFLINE: return "OFFLINE";
    case ZT_NODE_EVENT_IDENTITY_COLLISION: return "IDENTITY_COLLISION";
    case ZT_NODE_EVENT_PEER_DIRECT: return "PEER_DIRECT";
    case ZT_NODE_EVENT_PEER_RELAY: return "PEER_RELAY";
    case ZT_NODE_EVENT_PEER_UNREACHABLE: return "PEER_UNREACHABLE";
    case ZT_NODE_EVENT_PATH_DISCOVERED: return "PATH_DISCOVERED";
    case ZT_NODE_EVENT_PATH_ALIVE: return "PATH_ALIVE";
    case ZT_NODE_EVENT_PATH_DEAD: return "PATH_DEAD";
    case ZT_NODE_EVENT_USER_MESSAGE: return "USER_MESSAGE";
    case ZT_NODE_EVENT_ECHO_REPLY: return "ECHO_REPLY";
    case ZT_NODE_EVENT_WORLD_UPDATED: return "WORLD_UPDATED";
    case ZT_NODE_EVENT_NETWORK_REQ_CONFIG: return "NETWORK_REQ_CONFIG";
    case ZT_NODE_EVENT_NETWORK_OK: return "NETWORK_OK";
    case ZT_NODE_EVENT_NETWORK_ACCESS_DENIED: return "NETWORK_ACCESS_DENIED";
    case ZT_NODE_EVENT_NETWORK_NOT_FOUND: return "NETWORK_NOT_FOUND";
    case ZT_NODE_EVENT_NETWORK_AUTH_REQUIRED: return "NETWORK_AUTH_REQUIRED";
    case ZT_NODE_EVENT_NETWORK_DOWN: return "NETWORK_DOWN";
    }
    return "?";
}

void cb_event(void *user, const zt_node_event *ev)
{
    sim_node *n = user;
    sim_world *w = n->w;
    sim_event *e;
    char a[ZT_INETADDR_STR_MAX];

    grow((void **)&n->ev, &n->capev, n->nev + 1, sizeof(sim_event));
    e = &n->ev[n->nev++];
    memset(e, 0, sizeof(*e));
    e->time = w->now;
    e->type = ev->type;
    e->peer = ev->peer;
    e->local_socket = ev->local_socket;
    e->remote = ev->remote;
    e->message_type = ev->message_type;
    e->len = ev->len;
    if (ev->data != NULL && ev->len > 0)
        memcpy(e->data, ev->data, ev->len < SIM_EVENT_DATA_MAX ? ev->len : SIM_EVENT_DATA_MAX);
    e->rtt_ms = ev->rtt_ms;
    e->world_id = ev->world_id;

    hash_u64(w, (uint64_t)w->now);
    hash_u64(w, (uint64_t)n->idx << 32 | (uint64_t)ev->type);
    hash_u64(w, ev->peer);
    hash_u64(w, ev->message_type);
    hash_addr(w, &ev->remote);
    hash_bytes(w, e->data, ev->len < SIM_EVENT_DATA_MAX ? ev->len : SIM_EVENT_DATA_MAX);

    switch (ev->type) {
    case ZT_NODE_EVENT_PATH_DISCOVERED:
    case ZT_NODE_EVENT_PATH_ALIVE:
    case ZT_NODE_EVENT_PATH_DEAD:
        trace_line(w, "EVENT %s %s peer=%010" PRIx64 " sock=%" PRId64 " remote=%s", n->name,
                   sim_event_name(ev->type), ev->peer, ev->local_socket,
                   sim_addr_str(&ev->remote, a, sizeof(a)));
        break;
    case ZT_NODE_EVENT_USER_MESSAGE:
        trace_line(w, "EVENT %s USER_MESSAGE from=%010" PRIx64 " type=%" PRIu64 " len=%zu",
                   n->name, ev->peer, ev->message_type, ev->len);
        break;
    case ZT_NODE_EVENT_ECHO_REPLY:
        trace_line(w, "EVENT %s ECHO_REPLY peer=%010" PRIx64 " rtt=%" PRId64, n->name, ev->peer,
                   ev->rtt_ms);
        break;
    default:
        trace_line(w, "EVENT %s %s peer=%010" PRIx64, n->name, sim_event_name(ev->type),
                   ev->peer);
        break;
    }
}

bool event_matches(const sim_event *e, zt_node_event_type type, uint64_t peer)
{
    return e->type == type && (peer == 0 || e->peer == peer);
}

const sim_event *sim_events(const sim_node *n, size_t *count)
{
    *count = n->nev;
    return n->ev;
}

size_t sim_event_count(const sim_node *n, zt_node_event_type type, uint64_t peer, int64_t since)
{
    size_t c = 0;
    for (size_t i = 0; i < n->nev; i++)
        if (n->ev[i].time >= since && event_matches(&n->ev[i], type, peer))
            c++;
    return c;
}

const sim_event *sim_event_find(const sim_node *n, zt_node_event_type type, uint64_t peer,
                                int64_t since)
{
    for (size_t i = 0; i < n->nev; i++)
        if (n->ev[i].time >= since && event_matches(&n->ev[i], type, peer))
            return &n->ev[i];
    return NULL;
}

bool sim_got_message(const sim_node *to, const sim_node *from, uint64_t type, const void *data,
                     size_t len, int64_t since)
{
    size_t cmp = len < SIM_EVENT_DATA_MAX ? len : SIM_EVENT_DATA_MAX;

    for (size_t i = 0; i < to->nev; i++) {
        const sim_event *e = &to->ev[i];
        if (e->time >= since && e->type == ZT_NODE_EVENT_USER_MESSAGE &&
            e->peer == from->id.address && e->message_type == type && e->len == len &&
            memcmp(e->data, data, cmp) == 0)
            return true;
    }
    return false;
}

/* ---- frames ----------------------------------------------------------------------------- */

void cb_frame(void *user, uint64_t nwid, uint64_t src_mac, uint64_t dst_mac, unsigned ethertype,
              const uint8_t *data, size_t len)
{
    sim_node *n = user;
    sim_world *w = n->w;
    size_t keep = len < SIM_FRAME_DATA_MAX ? len : SIM_FRAME_DATA_MAX;
    sim_frame *f;

    grow((void **)&n->fr, &n->capfr, n->nfr + 1, sizeof(sim_frame));
    f = &n->fr[n->nfr++];
    memset(f, 0, sizeof(*f));
    f->time = w->now;
    f->nwid = nwid;
    f->src_mac = src_mac;
    f->dst_mac = dst_mac;
    f->ethertype = ethertype;
    f->len = len;
    if (data != NULL && keep > 0)
        memcpy(f->data, data, keep);

    hash_u64(w, (uint64_t)w->now);
    hash_u64(w, (uint64_t)n->idx << 32 | 0xf4a3u);
    hash_u64(w, nwid);
    hash_u64(w, src_mac << 16 | (ethertype & 0xffffu));
    hash_u64(w, dst_mac);
    hash_bytes(w, f->data, keep);
    trace_line(w, "FRAME %s nwid=%016" PRIx64 " %012" PRIx64 "->%012" PRIx64
               " type=0x%04x len=%zu",
               n->name, nwid, src_mac, dst_mac, ethertype, len);
}

const sim_frame *sim_frames(const sim_node *n, size_t *count)
{
    *count = n->nfr;
    return n->fr;
}

size_t sim_frame_count(const sim_node *n, uint64_t nwid, unsigned ethertype, uint64_t src_mac,
                       int64_t since)
{
    size_t c = 0;
    for (size_t i = 0; i < n->nfr; i++) {
        const sim_frame *f = &n->fr[i];
        if (f->time >= since && (nwid == 0 || f->nwid == nwid) &&
            (ethertype == 0 || f->ethertype == ethertype) &&
            (src_mac == 0 || f->src_mac == src_mac))
            c++;
    }
    return c;
}

bool sim_got_frame(const sim_node *n, uint64_t nwid, uint64_t src_mac, uint64_t dst_mac,
                   unsigned ethertype, const void *data, size_t len, int64_t since)
{
    size_t cmp = len < SIM_FRAME_DATA_MAX ? len : SIM_FRAME_DATA_MAX;

    for (size_t i = 0; i < n->nfr; i++) {
        const sim_frame *f = &n->fr[i];
        if (f->time >= since && f->nwid == nwid && f->src_mac == src_mac &&
            f->dst_mac == dst_mac && f->ethertype == ethertype && f->len == len &&
            memcmp(f->data, data, cmp) == 0)
            return true;
    }
    return false;
}

/* ---- the state store -------------------------------------------------------------------- */

static state_obj *state_find(sim_node *n, zt_state_type type, uint64_t id)
{
    for (size_t i = 0; i < n->nst; i++)
        if (n->st[i].type == type && n->st[i].id == id)
            return &n->st[i];
    return NULL;
}

zt_ssize cb_state_get(void *user, zt_state_type type, uint64_t id, uint8_t *buf, size_t cap)
{
    state_obj *o = state_find(user, type, id);

    if (o == NULL)
        return ZT_ERR_NOTFOUND;
    if (o->len > cap)
        return ZT_ERR_NOSPACE;
    memcpy(buf, o->data, o->len);
    return (zt_ssize)o->len;
}

void cb_state_put(void *user, zt_state_type type, uint64_t id, const uint8_t *data, size_t len)
{
    sim_node *n = user;
    state_obj *o = state_find(n, type, id);

    if (data == NULL || len == 0) {
        if (o != NULL) {
            free(o->data);
            *o = n->st[--n->nst];
        }
        return;
    }
    if (o == NULL) {
        if (n->nst >= SIM_MAX_STATE_OBJS)
            die("%s: more than %d state objects", n->name, SIM_MAX_STATE_OBJS);
        n->st = realloc(n->st, (n->nst + 1) * sizeof(state_obj));
        if (n->st == NULL)
            die("out of memory");
        o = &n->st[n->nst++];
        o->type = type;
        o->id = id;
        o->data = NULL;
    }
    free(o->data);
    o->data = xcalloc(1, len);
    memcpy(o->data, data, len);
    o->len = len;
}

void state_clear(sim_node *n)
{
    for (size_t i = 0; i < n->nst; i++)
        free(n->st[i].data);
    free(n->st);
    n->st = NULL;
    n->nst = 0;
}
