/*
 * The config cache: each tracked member's last config sent, kept (opts.config_cache_bytes in
 * all) so that a controller whose store cannot be read (a PostgreSQL server gone away) still
 * answers the members it configured before, with exactly what they already have.  Nothing is
 * built or sent from it that the store did not hold: a new member, a new address or a changed
 * record waits for the store.  A member found unauthorised, forgotten or evicted loses its
 * copy.  controller_object.h.
 */
#include <stdlib.h>
#include <string.h>

#include "controller/controller_object.h"

void zt__controller_cache_drop(zt_controller *ctl, zt_ctl_track *t)
{
    if (t == NULL || t->cached == NULL)
        return;
    ctl->cache_bytes -= t->cached_len;
    zt__mem_free(ctl->mem, t->cached);
    t->cached = NULL;
    t->cached_len = 0;
}

void zt__controller_cache_put(zt_controller *ctl, uint64_t nwid, uint64_t node, size_t dlen)
{
    zt_ctl_track *t;
    uint8_t *copy;

    if (ctl->opts.config_cache_bytes == 0)
        return;
    t = zt__controller_track_find(ctl, nwid, node);
    if (t == NULL)
        return; /* pushes and re-evaluations of members we do not track */
    if (t->cached != NULL && t->cached_len == dlen) {
        memcpy(t->cached, ctl->dict, dlen); /* the usual case: same size, buffer reused */
        return;
    }
    zt__controller_cache_drop(ctl, t);
    if (dlen > UINT32_MAX || ctl->cache_bytes + dlen > ctl->opts.config_cache_bytes)
        return; /* over the budget: this member waits for the store if it goes away */
    copy = zt__mem_calloc(ctl->mem, 1, dlen);
    if (copy == NULL)
        return;
    memcpy(copy, ctl->dict, dlen);
    t->cached = copy;
    t->cached_len = (uint32_t)dlen;
    ctl->cache_bytes += dlen;
}

int zt__controller_cache_answer(zt_controller *ctl, uint64_t nwid, uint64_t node,
                                uint64_t packet_id, const zt_controller_out *out,
                                zt_controller_result *presult)
{
    const zt_ctl_track *t = zt__controller_track_find(ctl, nwid, node);
    int rv;

    if (t == NULL || t->cached == NULL || t->cached_len > ZT_CTL_DICT_CAP)
        return ZT_ERR_NOTFOUND;
    memcpy(ctl->dict, t->cached, t->cached_len);
    rv = zt__controller_send_config(ctl, out, node, nwid, packet_id, t->cached_len);
    if (rv == 0) {
        ctl->stats.answered_from_cache++;
        *presult = ZT_CTL_RESULT_CONFIG;
    }
    return rv;
}
