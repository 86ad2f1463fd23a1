/* Fragmentation and reassembly: vl1.md §2.4. */
#include "codec/fragment.h"

#include <string.h>

#include "util/buf.h"

static bool mtu_ok(size_t mtu)
{
    return mtu >= ZT_MIN_PHYSMTU && mtu <= ZT_MAX_PHYSMTU;
}

unsigned zt__frag_count(size_t len, size_t mtu)
{
    size_t chunk;

    if (!mtu_ok(mtu) || len <= mtu)
        return 1;
    chunk = mtu - ZT_FRAG_HEADER_LEN;
    return (unsigned)(1 + (len - mtu + chunk - 1) / chunk);
}

bool zt__frag_fits(size_t len, size_t mtu)
{
    return mtu_ok(mtu) && len <= ZT_PKT_MAX_LEN && zt__frag_count(len, mtu) <= ZT_MAX_FRAGMENTS;
}

zt_ssize zt__frag_build(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len, size_t mtu,
                        unsigned index)
{
    unsigned total = zt__frag_count(len, mtu);
    size_t chunk, off, n;

    if (!zt__frag_fits(len, mtu) || index == 0 || index >= total)
        return ZT_ERR_RANGE;
    chunk = mtu - ZT_FRAG_HEADER_LEN;
    off = mtu + (index - 1) * chunk;
    n = len - off < chunk ? len - off : chunk;
    if (cap < ZT_FRAG_HEADER_LEN + n)
        return ZT_ERR_NOSPACE;
    memcpy(out, pkt, 13); /* packet ID and destination */
    out[ZT_FRAG_IDX_INDICATOR] = ZT_FRAG_INDICATOR;
    out[ZT_FRAG_IDX_COUNTS] = (uint8_t)(total << 4 | index);
    out[ZT_FRAG_IDX_HOPS] = 0;
    memcpy(out + ZT_FRAG_IDX_PAYLOAD, pkt + off, n);
    return (zt_ssize)(ZT_FRAG_HEADER_LEN + n);
}

zt_dgram_kind zt__dgram_classify(const uint8_t *data, size_t len)
{
    if (len <= ZT_FRAG_HEADER_LEN)
        return ZT_DGRAM_IGNORE;
    if (data[ZT_FRAG_IDX_INDICATOR] == ZT_FRAG_INDICATOR)
        return ZT_DGRAM_FRAGMENT;
    return len >= ZT_PKT_MIN_LEN ? ZT_DGRAM_PACKET : ZT_DGRAM_IGNORE;
}

/* One packet being reassembled.  Pieces are stored in arrival order in |data|; piece 0 is the
 * head, piece i fragment i.  The assembled size can never exceed ZT_PKT_MAX_LEN. */
typedef struct {
    uint64_t id;
    int64_t since;
    bool used;
    uint8_t total;       /* from the fragments; 0 until one arrives */
    uint8_t have;        /* bit i: piece i present */
    uint16_t off[ZT_MAX_FRAGMENTS], len[ZT_MAX_FRAGMENTS];
    size_t bytes;
    uint8_t data[ZT_PKT_MAX_LEN];
} defrag_slot;

struct zt_defrag {
    const zt_mem *mem;
    uint64_t drops;
    defrag_slot slot[ZT_DEFRAG_SLOTS];
};

int zt__defrag_new(zt_defrag **pd, const zt_mem *mem)
{
    zt_defrag *d = zt__mem_calloc(mem, 1, sizeof(*d));
    if (d == NULL)
        return ZT_ERR_NOMEM;
    d->mem = mem;
    *pd = d;
    return 0;
}

void zt__defrag_del(zt_defrag *d)
{
    if (d != NULL)
        zt__mem_free(d->mem, d);
}

static bool slot_live(const defrag_slot *s, int64_t now)
{
    return s->used && now - s->since <= ZT_DEFRAG_TIMEOUT_MS;
}

static unsigned pieces(const defrag_slot *s)
{
    return (unsigned)__builtin_popcount(s->have);
}

/* An incomplete set given up (evicted or expired): its datagrams count as dropped. */
static void abandon(zt_defrag *d, defrag_slot *s)
{
    if (s->used)
        d->drops += pieces(s);
    s->used = false;
}

static defrag_slot *slot_for(zt_defrag *d, uint64_t id, int64_t now)
{
    defrag_slot *victim = NULL;

    for (size_t i = 0; i < ZT_DEFRAG_SLOTS; i++) {
        defrag_slot *s = &d->slot[i];
        if (slot_live(s, now) && s->id == id)
            return s;
    }
    /* A new set takes a free or expired slot, else the oldest (the reference reuses its ring). */
    for (size_t i = 0; i < ZT_DEFRAG_SLOTS; i++) {
        defrag_slot *s = &d->slot[i];
        if (!slot_live(s, now)) {
            victim = s;
            break;
        }
        if (victim == NULL || s->since < victim->since)
            victim = s;
    }
    abandon(d, victim);
    victim->used = true;
    victim->id = id;
    victim->since = now;
    victim->total = 0;
    victim->have = 0;
    victim->bytes = 0;
    return victim;
}

static zt_ssize drop(zt_defrag *d)
{
    d->drops++;
    return ZT_ERR_DROP;
}

zt_ssize zt__defrag_add(zt_defrag *d, const uint8_t *dgram, size_t len, int64_t now,
                        uint8_t *out, size_t cap)
{
    unsigned piece, total = 0;
    const uint8_t *body;
    size_t body_len, n = 0;
    defrag_slot *s;

    if (zt__dgram_classify(dgram, len) == ZT_DGRAM_FRAGMENT) {
        total = dgram[ZT_FRAG_IDX_COUNTS] >> 4;
        piece = dgram[ZT_FRAG_IDX_COUNTS] & 0x0f;
        if (total < 2 || total > ZT_MAX_FRAGMENTS || piece < 1 || piece >= total)
            return drop(d);
        body = dgram + ZT_FRAG_IDX_PAYLOAD;
        body_len = len - ZT_FRAG_IDX_PAYLOAD;
    } else if (len >= ZT_PKT_MIN_LEN && (dgram[ZT_PKT_IDX_FLAGS] & ZT_PKT_FLAG_FRAGMENTED)) {
        piece = 0;
        body = dgram;
        body_len = len;
    } else {
        return drop(d);
    }

    s = slot_for(d, zt__load_be(dgram, 8), now);
    if (s->have & (1u << piece))
        return drop(d); /* duplicate */
    if (total != 0) {
        if (s->total != 0 && s->total != total) {
            abandon(d, s);
            return drop(d);
        }
        s->total = (uint8_t)total;
    }
    if (s->bytes + body_len > ZT_PKT_MAX_LEN) {
        abandon(d, s);
        return drop(d);
    }
    memcpy(s->data + s->bytes, body, body_len);
    s->off[piece] = (uint16_t)s->bytes;
    s->len[piece] = (uint16_t)body_len;
    s->bytes += body_len;
    s->have |= (uint8_t)(1u << piece);

    if (s->total == 0 || s->have != (1u << s->total) - 1)
        return ZT_ERR_AGAIN;
    s->used = false;
    if (cap < s->bytes)
        return drop(d);
    for (unsigned i = 0; i < s->total; i++) {
        memcpy(out + n, s->data + s->off[i], s->len[i]);
        n += s->len[i];
    }
    return (zt_ssize)n;
}

void zt__defrag_expire(zt_defrag *d, int64_t now)
{
    for (size_t i = 0; i < ZT_DEFRAG_SLOTS; i++)
        if (!slot_live(&d->slot[i], now))
            abandon(d, &d->slot[i]);
}

unsigned zt__defrag_pending(const zt_defrag *d)
{
    unsigned n = 0;
    for (size_t i = 0; i < ZT_DEFRAG_SLOTS; i++)
        n += d->slot[i].used;
    return n;
}

uint64_t zt__defrag_drops(const zt_defrag *d)
{
    return d->drops;
}
