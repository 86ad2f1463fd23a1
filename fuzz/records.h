/*
 * records.h: what the stateful harnesses (fuzz_node, fuzz_vl2) share.  The input layout: one
 * flags byte, then records [u8 selector][u16 length, big-endian][bytes]; a record whose length
 * runs past the end takes what is left.  Each record's bytes are handed over in a buffer of
 * their exact size, so any overread is caught by the sanitizer.  And the checks both make of
 * what a node hands its callbacks, and the set-up both do (identities, planet, timers).  Fuzz
 * code only.
 */
#ifndef ZT_FUZZ_RECORDS_H
#define ZT_FUZZ_RECORDS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/node.h"
#include "codec/wire/vl1.h"
#include "codec/world.h"
#include "crypto/crypto.h"
#include "util/buf.h"

static uint64_t zt_fuzz_sink;

/* Reads every byte (the sanitizer catches any that is not readable). */
static inline void zt_fuzz_touch(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        zt_fuzz_sink += p[i];
}

/* A datagram the node sends: not empty, at most the physical MTU, to IPv4 or IPv6, a TTL that
 * fits a byte; all of it readable. */
static inline void zt_fuzz_check_send(const zt_inetaddr *to, const uint8_t *data, size_t len,
                                      unsigned ttl)
{
    if (len == 0 || len > ZT_MAX_PHYSMTU || data == NULL || to == NULL ||
        (to->family != 4 && to->family != 6) || ttl > 255)
        abort();
    zt_fuzz_touch(data, len);
}

/* An event: a known type up to |last|; a message's bytes readable and bounded. */
static inline void zt_fuzz_check_event(const zt_node_event *ev, zt_node_event_type last)
{
    if (ev->type < ZT_NODE_EVENT_ONLINE || ev->type > last)
        abort();
    if (ev->type == ZT_NODE_EVENT_USER_MESSAGE) {
        if (ev->len > ZT_PKT_MAX_LEN || (ev->len > 0 && ev->data == NULL))
            abort();
        zt_fuzz_touch(ev->data, ev->len);
    }
}

/* Calls |begin|(flags), |record|(selector, bytes, length) for at most |max_records| records,
 * then |end|().  An empty input does nothing. */
static inline void zt_fuzz_records(const uint8_t *data, size_t size, unsigned max_records,
                                   void (*begin)(uint8_t flags),
                                   void (*record)(uint8_t sel, const uint8_t *p, size_t n),
                                   void (*end)(void))
{
    zt_rd r = zt__rd_make(data, size);
    uint8_t flags, sel;
    unsigned records = 0;

    if (zt__rd_u8(&r, &flags) != 0)
        return;
    begin(flags);
    while (records++ < max_records && zt__rd_u8(&r, &sel) == 0) {
        uint16_t len = 0;
        size_t n;
        uint8_t *copy;

        (void)zt__rd_u16(&r, &len);
        n = len < zt__rd_left(&r) ? len : zt__rd_left(&r);
        copy = malloc(n > 0 ? n : 1);
        if (copy == NULL)
            abort();
        memcpy(copy, r.p, n);
        r.p += n;
        record(sel, copy, n);
        free(copy);
    }
    end();
}

/* Loads the |n| identities written in |secrets| into |ids|, each with its secret half;
 * aborts otherwise. */
static inline void zt_fuzz_load_identities(zt_identity *ids, const char *const *secrets, int n)
{
    for (int i = 0; i < n; i++)
        if (zt__identity_from_string(&ids[i], secrets[i], strlen(secrets[i])) != 0 ||
            !ids[i].has_secret)
            abort();
}

/* Root |i| of |w|: |id| without its secret, at |nendpoints| of |endpoints|. */
static inline void zt_fuzz_set_root(zt_world *w, int i, const zt_identity *id,
                                    const zt_inetaddr *endpoints, unsigned nendpoints)
{
    w->roots[i].identity = *id;
    zt__identity_clear(&w->roots[i].identity);
    w->roots[i].nendpoints = nendpoints;
    for (unsigned k = 0; k < nendpoints; k++)
        w->roots[i].endpoints[k] = endpoints[k];
}

/* Makes |w| (its roots already set) planet |id| of timestamp 1000, signed by a fixed key
 * whose secret byte i is i * |mul| + |add|, and writes it to a new buffer (*|pout|, *|plen|;
 * the caller frees it).  Aborts on failure. */
static inline void zt_fuzz_sign_planet(zt_world *w, uint64_t id, unsigned mul, unsigned add,
                                       uint8_t **pout, size_t *plen)
{
    uint8_t pub[ZT_IDENTITY_KEY_LEN], sec[ZT_IDENTITY_KEY_LEN];
    uint8_t *out = malloc(ZT_WORLD_MAX_SERIALIZED);
    zt_ssize n;

    if (out == NULL)
        abort();
    for (size_t i = 0; i < sizeof(sec); i++)
        sec[i] = (uint8_t)(i * mul + add);
    zt__keypair_public(sec, pub);
    w->type = ZT_WORLD_TYPE_PLANET;
    w->id = id;
    w->timestamp = 1000;
    memcpy(w->update_key, pub, sizeof(pub));
    if (zt__world_sign(w, sec) != 0)
        abort();
    n = zt__world_write(w, false, out, ZT_WORLD_MAX_SERIALIZED);
    if (n <= 0)
        abort();
    *pout = out;
    *plen = (size_t)n;
}

/* Runs the node's timers at |now|: no error, and a next deadline after |now| (one at or
 * before it would spin its embedder).  Aborts otherwise. */
static inline void zt_fuzz_check_timers(zt_node *node, int64_t now)
{
    if (zt__node_process_timers(node, now) != 0)
        abort();
    if (zt__node_next_deadline(node) <= now)
        abort();
}

/* A new node from |cfg| and |cb| at |now|, its first timers run (zt_fuzz_check_timers). */
static inline zt_node *zt_fuzz_node_new(const zt_node_config *cfg, const zt_node_callbacks *cb,
                                        int64_t now)
{
    zt_node *node;

    if (zt__node_new(&node, cfg, cb, now) != 0)
        abort();
    zt_fuzz_check_timers(node, now);
    return node;
}

#endif
