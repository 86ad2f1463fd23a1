/* memworld.c: zt_node instances on an in-memory underlay (see memworld.h). */
#include "memworld.h"

#include "codec/configchunk.h"
#include "codec/credential.h"
#include "codec/packet.h"

#define MW_MAXQ 4096

struct mw_dgram {
    int64_t at;
    int from, to;
    size_t len;
    uint8_t data[1500];
};

static int find_node(const mw_world *w, const zt_inetaddr *a)
{
    for (int i = 0; i < w->nnodes; i++)
        if (zt__inetaddr_equal(&w->nodes[i].addr, a))
            return i;
    return -1;
}

static int on_send(void *user, int64_t sock, const zt_inetaddr *to, const uint8_t *data,
                   size_t len, unsigned ttl)
{
    mw_node *self = user;
    mw_world *w = self->world;
    int dst = find_node(w, to);
    mw_dgram *d;
    (void)sock;

    self->sent++;
    if (ttl != 0 || dst < 0 || len > sizeof(d->data) || w->nq == MW_MAXQ)
        return 0; /* hole-punch junk and strangers vanish */
    d = &w->queue[w->nq];
    d->at = w->now + w->cfg.latency;
    if (w->cfg.jitter > 1)
        d->at += (int64_t)(w->nq % w->cfg.jitter);
    d->from = self->idx;
    d->to = dst;
    d->len = len;
    memcpy(d->data, data, len);
    w->nq++;
    return 0;
}

static void on_frame(void *user, uint64_t nwid, uint64_t src, uint64_t dst, unsigned ethertype,
                     const uint8_t *data, size_t len)
{
    mw_node *self = user;
    mw_frame *f = &self->frames[self->nframes % MW_MAX_FRAMES];
    size_t keep = len < MW_FRAME_DATA ? len : MW_FRAME_DATA;

    self->nframes++;
    f->nwid = nwid;
    f->src = src;
    f->dst = dst;
    f->ethertype = ethertype;
    f->len = len;
    memcpy(f->data, data, keep);
    f->data[keep] = 0;
    if (self->world->cfg.cb.frame != NULL)
        self->world->cfg.cb.frame(self, nwid, src, dst, ethertype, data, len);
}

static void on_event(void *user, const zt_node_event *ev)
{
    mw_node *self = user;

    if ((unsigned)ev->type < MW_EVENT_TYPES)
        self->nevents[ev->type]++;
    switch (ev->type) {
    case ZT_NODE_EVENT_USER_MESSAGE:
        self->last_message_from = ev->peer;
        snprintf(self->last_message, sizeof(self->last_message), "%.*s", (int)ev->len,
                 (const char *)ev->data);
        break;
    case ZT_NODE_EVENT_NETWORK_OK:
        snprintf(self->net_name, sizeof(self->net_name), "%s", ev->config->name);
        break;
    case ZT_NODE_EVENT_WORLD_UPDATED:
        self->last_world = ev->world_id;
        break;
    default:
        break;
    }
    if (self->world->cfg.cb.event != NULL)
        self->world->cfg.cb.event(self, ev);
}

/* The state store keeps nothing but, with cfg.keep_configs, the last network config put
 * (whatever its network); network config traffic is counted. */
static zt_ssize on_state_get(void *user, zt_state_type type, uint64_t id, uint8_t *buf,
                             size_t cap)
{
    mw_node *self = user;
    (void)id;
    if (type != ZT_STATE_NETWORK_CONFIG)
        return ZT_ERR_NOTFOUND;
    self->config_gets++;
    if (self->config == NULL)
        return ZT_ERR_NOTFOUND;
    if (self->config_len > cap)
        return ZT_ERR_NOSPACE;
    memcpy(buf, self->config, self->config_len);
    return (zt_ssize)self->config_len;
}

static void on_state_put(void *user, zt_state_type type, uint64_t id, const uint8_t *data,
                         size_t len)
{
    mw_node *self = user;
    (void)id;
    if (type != ZT_STATE_NETWORK_CONFIG)
        return;
    self->config_puts++;
    if (self->world->cfg.keep_configs)
        mw_set_config(self, data, len);
}

void mw_set_config(mw_node *n, const uint8_t *data, size_t len)
{
    free(n->config);
    n->config = NULL;
    n->config_len = 0;
    if (data == NULL)
        return;
    n->config = malloc(len > 0 ? len : 1);
    assert_non_null(n->config);
    memcpy(n->config, data, len);
    n->config_len = len;
}

void mw_config_default(mw_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->nnodes = 4;
    cfg->start = 1000000;
    cfg->latency = 5;
    cfg->planet_id = 0x1234;
}

zt_ssize mw_world_write(uint8_t type, uint64_t id, uint64_t timestamp, const mw_node *root,
                        uint8_t *out, size_t cap)
{
    uint8_t pub[64], sec[64];
    zt_world *w = calloc(1, sizeof(*w));
    zt_ssize len;

    assert_non_null(w);
    zt__keypair_generate(pub, sec);
    w->type = type;
    w->id = id;
    w->timestamp = timestamp;
    memcpy(w->update_key, pub, 64);
    w->nroots = 1;
    w->roots[0].identity = root->id;
    zt__identity_clear(&w->roots[0].identity); /* public part only */
    w->roots[0].nendpoints = 1;
    w->roots[0].endpoints[0] = root->addr;
    assert_int_equal(zt__world_sign(w, sec), 0);
    len = zt__world_write(w, false, out, cap);
    assert_true(len > 0);
    free(w);
    return len;
}

static void node_start(mw_world *w, int i, const uint8_t *planet, size_t planet_len)
{
    mw_node *n = &w->nodes[i];
    zt_node_config cfg;
    zt_node_callbacks cb = {.user = n, .send = on_send, .event = on_event, .frame = on_frame,
                            .state_get = on_state_get, .state_put = on_state_put,
                            .config_request = w->cfg.cb.config_request};

    zt__node_config_default(&cfg);
    cfg.identity = &n->id;
    cfg.seed[0] = (uint8_t)(w->cfg.seed + i);
    cfg.planet = planet;
    cfg.planet_len = planet_len;
    assert_int_equal(zt__node_new(&n->node, &cfg, &cb, w->now), 0);
}

mw_world *mw_new(const mw_config *cfg)
{
    uint8_t planet[ZT_WORLD_MAX_SERIALIZED];
    mw_world *w = calloc(1, sizeof(*w));
    zt_ssize plen;

    assert_non_null(w);
    assert_true(cfg->nnodes >= 2 && cfg->nnodes <= MW_MAX_NODES);
    w->cfg = *cfg;
    w->nnodes = cfg->nnodes;
    w->queue = calloc(MW_MAXQ, sizeof(*w->queue));
    assert_non_null(w->queue);
    for (int i = 0; i < w->nnodes; i++) {
        uint8_t ip[4] = {10, cfg->subnet, (uint8_t)(i + 1), 1}; /* one /24 each: HELLO gate */
        w->nodes[i].world = w;
        w->nodes[i].idx = i;
        assert_int_equal(zt__identity_generate(&w->nodes[i].id, NULL), 0);
        zt__inetaddr_set4(&w->nodes[i].addr, ip, 9993);
    }
    plen = mw_world_write(ZT_WORLD_TYPE_PLANET, cfg->planet_id, 1000, &w->nodes[0], planet,
                          sizeof(planet));
    w->now = cfg->start;
    for (int i = 0; i < w->nnodes; i++)
        node_start(w, i, planet, (size_t)plen);
    return w;
}

void mw_del(mw_world *w)
{
    if (w == NULL)
        return;
    for (int i = 0; i < w->nnodes; i++) {
        zt__node_del(w->nodes[i].node);
        zt__identity_clear(&w->nodes[i].id);
        free(w->nodes[i].config);
    }
    free(w->queue);
    free(w);
}

int mw_teardown(void **state)
{
    mw_del(*state);
    return 0;
}

/* The earliest datagram due by |*next| (the first queued among equal times), or w->nq. */
static size_t earliest(const mw_world *w, int64_t *next)
{
    size_t pick = w->nq;
    for (size_t i = 0; i < w->nq; i++)
        if (w->queue[i].at < *next || (w->queue[i].at == *next && pick == w->nq)) {
            *next = w->queue[i].at;
            pick = i;
        }
    return pick;
}

void mw_run_until(mw_world *w, int64_t until)
{
    while (w->now < until) {
        int64_t next = until;
        size_t pick = earliest(w, &next);
        for (int i = 0; i < w->nnodes; i++) {
            int64_t d = zt__node_next_deadline(w->nodes[i].node);
            if (d < next) {
                next = d;
                pick = w->nq;
            }
        }
        if (next > w->now)
            w->now = next;
        if (pick < w->nq) {
            mw_dgram d = w->queue[pick];
            memmove(&w->queue[pick], &w->queue[pick + 1],
                    (w->nq - pick - 1) * sizeof(w->queue[0]));
            w->nq--;
            (void)zt__node_recv_datagram(w->nodes[d.to].node, 0, &w->nodes[d.from].addr, d.data,
                                        d.len, w->now);
        }
        for (int i = 0; i < w->nnodes; i++)
            if (zt__node_next_deadline(w->nodes[i].node) <= w->now)
                assert_int_equal(zt__node_process_timers(w->nodes[i].node, w->now), 0);
    }
}

void mw_run_for(mw_world *w, int64_t ms)
{
    mw_run_until(w, w->now + ms);
}

void mw_settle(mw_world *w, int64_t ms, int first)
{
    mw_run_for(w, ms);
    for (int i = first; i < w->nnodes; i++)
        assert_true(zt__node_is_online(w->nodes[i].node));
}

const mw_frame *mw_last_frame(const mw_node *n)
{
    return n->nframes == 0 ? NULL : &n->frames[(n->nframes - 1) % MW_MAX_FRAMES];
}

const char *mw_frame_text(const mw_node *n)
{
    const mw_frame *f = mw_last_frame(n);
    return f == NULL ? "" : (const char *)f->data;
}

size_t mw_seal(mw_world *w, int from, int to, unsigned verb, uint64_t packet_id,
               const uint8_t *payload, size_t len, uint8_t *pkt, size_t cap)
{
    uint8_t key[ZT_SHARED_KEY_LEN];
    mw_node *src = &w->nodes[from], *dst = &w->nodes[to];

    assert_int_equal(zt__pkt_init(pkt, cap, packet_id, zt__node_address(dst->node),
                                  zt__node_address(src->node), (uint8_t)verb),
                     ZT_PKT_MIN_LEN);
    assert_true(ZT_PKT_MIN_LEN + len <= cap);
    memcpy(pkt + ZT_PKT_MIN_LEN, payload, len);
    assert_int_equal(zt__identity_agree(&src->id, &dst->id, key), 0);
    assert_int_equal(zt__pkt_armor(pkt, ZT_PKT_MIN_LEN + len, key, 1), 0);
    return ZT_PKT_MIN_LEN + len;
}

void mw_inject(mw_world *w, int from, int to, unsigned verb, uint64_t packet_id,
               const uint8_t *payload, size_t len)
{
    uint8_t pkt[ZT_PKT_MAX_LEN];
    size_t plen = mw_seal(w, from, to, verb, packet_id, payload, len, pkt, sizeof(pkt));

    assert_int_equal(zt__node_recv_datagram(w->nodes[to].node, 0, &w->nodes[from].addr, pkt,
                                           plen, w->now),
                     0);
}

void mw_netconf_init(mw_world *w, zt_netconf *nc, uint64_t nwid, int to, uint8_t type)
{
    zt__netconf_init(nc, NULL);
    nc->nwid = nwid;
    nc->issued_to = zt__node_address(w->nodes[to].node);
    nc->timestamp = w->now;
    nc->type = type;
    nc->multicast_limit = 32;
}

void mw_netconf_add_com(mw_world *w, zt_netconf *nc, int ctl, int to)
{
    uint8_t buf[ZT_COM_LEN_MAX];
    zt_wr cw = zt__wr_make(buf, sizeof(buf));
    zt_com com;

    assert_int_equal(zt__com_init(&com, nc->nwid, w->now, nc->ctmd, &w->nodes[to].id), 0);
    assert_int_equal(zt__com_sign(&com, &w->nodes[ctl].id), 0);
    zt__com_write(&cw, &com);
    assert_false(cw.overflow);
    assert_int_equal(zt__netconf_set_blob(nc, ZT_NETCONF_BLOB_COM, buf, zt__wr_len(&cw)), 0);
}

/* |nc| as one NETWORK_CONFIG chunk signed by node |ctl|, in |chunk|; returns its length. */
static size_t config_chunk(mw_world *w, int ctl, const zt_netconf *nc, uint64_t update_id,
                           uint8_t *chunk, size_t cap)
{
    uint8_t dict[8192];
    zt_ssize dlen, clen;

    dlen = zt__netconf_write(nc, dict, sizeof(dict));
    assert_true(dlen > 0);
    clen = zt__config_chunk_write(chunk, cap, &w->nodes[ctl].id, nc->nwid, dict, (size_t)dlen, 0,
                                  0, update_id);
    assert_true(clen > 0);
    return (size_t)clen;
}

size_t mw_config_packet(mw_world *w, int ctl, int to, const zt_netconf *nc, uint64_t update_id,
                        uint64_t packet_id, uint8_t *pkt, size_t cap)
{
    uint8_t chunk[ZT_PKT_MAX_LEN - ZT_PKT_MIN_LEN];
    size_t clen = config_chunk(w, ctl, nc, update_id, chunk, sizeof(chunk));

    return mw_seal(w, ctl, to, ZT_VERB_NETWORK_CONFIG, packet_id, chunk, clen, pkt, cap);
}

void mw_push_config(mw_world *w, int ctl, int to, zt_netconf *nc, uint64_t update_id,
                    uint64_t packet_id)
{
    uint8_t chunk[ZT_PKT_MAX_LEN - ZT_PKT_MIN_LEN];
    size_t clen = config_chunk(w, ctl, nc, update_id, chunk, sizeof(chunk));

    zt__netconf_clear(nc);
    mw_inject(w, ctl, to, ZT_VERB_NETWORK_CONFIG, packet_id, chunk, clen);
}
