/* Controller pushes (controller.md §4.3), revocations (§4.4) and the change notes that
 * zt__controller_flush() turns into them. */
#include "controller/controller.h"

#include <inttypes.h>
#include <string.h>

#include "controller/controller_object.h"
#include "codec/credential.h"
#include "util/buf.h"

enum { NOTE_NETWORK = 0, NOTE_MEMBER = 1, NOTE_DEAUTH = 2 };

/* ---- pushes and revocations ------------------------------------------------------------------ */

/* Re-runs §2.3 for the track |t| with packet ID 0. */
static int push_one(zt_controller *ctl, const zt_ctl_track *t, int64_t now,
                    const zt_controller_out *out, bool *psent)
{
    zt_identity id = t->id;
    zt_config_meta meta = t->meta;
    zt_controller_result result = ZT_CTL_RESULT_NOT_OURS;
    int rv;

    rv = zt__controller_evaluate(ctl, &id, t->nwid, &meta, 0, now, out, &result);
    *psent = rv == 0 && result == ZT_CTL_RESULT_CONFIG;
    return rv;
}

int zt__controller_push_updates(zt_controller *ctl, uint64_t nwid, int64_t now,
                               const zt_controller_out *out, size_t *pcount)
{
    size_t count = 0;
    int first = 0;

    if (ctl == NULL || out == NULL || out->send == NULL || nwid == 0)
        return ZT_ERR_INVAL;
    /* zt__controller_evaluate() with packet ID 0 never adds or removes tracks, so the walk
     * stays valid */
    for (size_t i = zt__controller_track_next(ctl, nwid, 0); i < ctl->nslots;
         i = zt__controller_track_next(ctl, nwid, i + 1)) {
        bool sent = false;
        int rv;
        if (!ctl->tracks[i].has_meta || !zt__controller_track_online(&ctl->tracks[i], now))
            continue;
        rv = push_one(ctl, &ctl->tracks[i], now, out, &sent);
        if (sent)
            count++;
        if (rv != 0 && first == 0)
            first = rv;
        if (rv == ZT_ERR_CALLBACK_FAILURE || zt__err_is_fatal(rv))
            break;
    }
    if (pcount != NULL)
        *pcount = count;
    return first;
}

int zt__controller_push_member(zt_controller *ctl, uint64_t nwid, uint64_t node, int64_t now,
                              const zt_controller_out *out)
{
    const zt_ctl_track *t;
    bool sent;

    if (ctl == NULL || out == NULL || out->send == NULL)
        return ZT_ERR_INVAL;
    t = zt__controller_track_find(ctl, nwid, node);
    if (t == NULL || !t->has_meta || !zt__controller_track_online(t, now))
        return 0;
    return push_one(ctl, t, now, out, &sent);
}

int zt__controller_revoke(zt_controller *ctl, uint64_t nwid, uint64_t node, int64_t now,
                         const zt_controller_out *out, size_t *pcount)
{
    zt_revocation rev;
    zt_wr w;
    zt_ssize n;
    size_t count = 0;
    int rv = 0;

    if (ctl == NULL || out == NULL || out->send == NULL ||
        (nwid >> ZT_NWID_CONTROLLER_SHIFT) != ctl->id.address)
        return ZT_ERR_INVAL;
    memset(&rev, 0, sizeof(rev));
    rev.id = (uint32_t)zt__controller_rnd(ctl);
    rev.nwid = nwid;
    rev.credential_id = 0;
    rev.threshold = now;
    rev.flags = ZT_REVOCATION_FLAG_FAST_PROPAGATE;
    rev.target = node & ZT_ADDRESS_MASK;
    rev.type = ZT_CRED_COM;
    if (zt__revocation_sign(&rev, &ctl->id) != 0) {
        zt__controller_set_err(ctl, "controller: cannot sign a revocation for %016" PRIx64, nwid);
        return ZT_ERR_INTERNAL;
    }
    w = zt__wr_make(ctl->pkt, ZT_CTL_PKT_CAP);
    zt__netcreds_write(&w, NULL, NULL, 0, NULL, 0, &rev, 1, NULL, 0);
    n = zt__wr_finish(&w);
    if (n < 0)
        return ZT_ERR_INTERNAL;
    /* §4.4: to every online member of the network */
    for (size_t i = zt__controller_track_next(ctl, nwid, 0); i < ctl->nslots;
         i = zt__controller_track_next(ctl, nwid, i + 1)) {
        if (!zt__controller_track_online(&ctl->tracks[i], now))
            continue;
        rv = zt__controller_emit(ctl, out, ctl->tracks[i].node, ZT_VERB_NETWORK_CREDENTIALS,
                                 ctl->pkt, (size_t)n);
        if (rv != 0)
            break;
        count++;
        ctl->stats.revocations_sent++;
    }
    if (pcount != NULL)
        *pcount = count;
    return rv;
}

/* ---- change notes ---------------------------------------------------------------------------- */

static int note(zt_controller *ctl, int kind, uint64_t nwid, uint64_t node)
{
    if (ctl == NULL)
        return ZT_ERR_INVAL;
    for (size_t i = 0; i < ctl->nnotes; i++) {
        const zt_ctl_note *q = &ctl->notes[i];
        if (q->kind == kind && q->nwid == nwid && q->node == node)
            return 0;
    }
    if (ctl->nnotes >= ZT_CTL_PENDING_MAX) {
        ctl->stats.pending_dropped++;
        return ZT_ERR_LIMIT;
    }
    ctl->notes[ctl->nnotes].kind = kind;
    ctl->notes[ctl->nnotes].nwid = nwid;
    ctl->notes[ctl->nnotes].node = node;
    ctl->nnotes++;
    return 0;
}

int zt__controller_note_network_changed(zt_controller *ctl, uint64_t nwid)
{
    return note(ctl, NOTE_NETWORK, nwid, 0);
}

int zt__controller_note_member_changed(zt_controller *ctl, uint64_t nwid, uint64_t node)
{
    return note(ctl, NOTE_MEMBER, nwid, node);
}

int zt__controller_note_member_deauthorized(zt_controller *ctl, uint64_t nwid, uint64_t node)
{
    if (ctl == NULL)
        return ZT_ERR_INVAL;
    /* At once, not at the flush: a store that fails in between must not let the cache answer
     * a member that is no longer authorised. */
    zt__controller_cache_drop(ctl, zt__controller_track_find(ctl, nwid, node));
    return note(ctl, NOTE_DEAUTH, nwid, node);
}

size_t zt__controller_pending(const zt_controller *ctl)
{
    return ctl->nnotes;
}

int zt__controller_flush(zt_controller *ctl, int64_t now, const zt_controller_out *out)
{
    int first = 0;

    if (ctl == NULL || out == NULL || out->send == NULL)
        return ZT_ERR_INVAL;
    for (size_t i = 0; i < ctl->nnotes; i++) {
        const zt_ctl_note q = ctl->notes[i];
        int rv = 0;

        if ((q.nwid >> ZT_NWID_CONTROLLER_SHIFT) != ctl->id.address)
            continue; /* a network we cannot serve: nobody to tell */
        if (q.kind == NOTE_DEAUTH) {
            rv = zt__controller_revoke(ctl, q.nwid, q.node, now, out, NULL);
            if (rv == 0)
                rv = zt__controller_push_member(ctl, q.nwid, q.node, now, out);
        } else if (q.kind == NOTE_MEMBER) {
            rv = zt__controller_push_member(ctl, q.nwid, q.node, now, out);
        } else {
            rv = zt__controller_push_updates(ctl, q.nwid, now, out, NULL);
        }
        if (rv != 0 && first == 0)
            first = rv;
    }
    ctl->nnotes = 0;
    return first;
}

/* ---- changes other controllers made ------------------------------------------------------- */

static int on_store_change(const zt_store_change *c, void *arg)
{
    zt_controller *ctl = arg;

    switch (c->kind) {
    case ZT_STORE_CHANGE_NETWORK:
        (void)zt__controller_note_network_changed(ctl, c->nwid);
        break;
    case ZT_STORE_CHANGE_MEMBER:
        if (c->was_authorized && !c->is_authorized)
            (void)zt__controller_note_member_deauthorized(ctl, c->nwid, c->node);
        else
            (void)zt__controller_note_member_changed(ctl, c->nwid, c->node);
        break;
    case ZT_STORE_CHANGE_ALL: /* one note per network (note() keeps one of each) */
        for (size_t i = zt__controller_track_next(ctl, 0, 0); i < ctl->nslots;
             i = zt__controller_track_next(ctl, 0, i + 1))
            (void)zt__controller_note_network_changed(ctl, ctl->tracks[i].nwid);
        break;
    }
    return 0; /* a full queue is counted (pending_dropped); the feed goes on */
}

int zt__controller_poll_store(zt_controller *ctl)
{
    if (ctl == NULL)
        return ZT_ERR_INVAL;
    return zt__store_poll_changes(ctl->store, on_store_change, ctl);
}
