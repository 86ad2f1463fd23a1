/*
 * records.h: what the stateful harnesses (fuzz_node, fuzz_vl2) share.  The input layout: one
 * flags byte, then records [u8 selector][u16 length, big-endian][bytes]; a record whose length
 * runs past the end takes what is left.  Each record's bytes are handed over in a buffer of
 * their exact size, so any overread is caught by the sanitizer.  And the checks both make of
 * what a node hands its callbacks.  Fuzz code only.
 */
#ifndef ZT_FUZZ_RECORDS_H
#define ZT_FUZZ_RECORDS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/node.h"
#include "codec/wire/vl1.h"
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

#endif
