/*
 * The controller's (network, member) table: what it remembers of each member that asked
 * (controller.h, "State kept in memory").  Every request looks a member up, and a member
 * that asks for the first time is added, so both are O(1): the entries live in slots that
 * never move (a free slot is reused), a hash index on (network, member) finds them, and a
 * list in request order (least recent first) says which entry goes when the table is full.
 * Per-network walks (pushes, revocations, forgetting a network) scan the slots: they follow
 * a change of a network, not a request.  docs/internals/controller.md, "The member table".
 */
#include <string.h>

#include "controller/controller_object.h"
#include "util/array.h"

#define NIL UINT32_MAX

/* A 64-bit mix of the key (the finaliser of a well-known 64-bit hash, on both halves). */
static uint64_t key_hash(uint64_t nwid, uint64_t node)
{
    uint64_t h = nwid ^ (node * 0x9e3779b97f4a7c15ull);

    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/* The index position of (nwid, node): where its slot number is, or the empty position where
 * it would go (*pfound false).  The index holds slot + 1; 0 is empty.  Never full: its
 * capacity is at least twice the slots'. */
static size_t index_pos(const zt_controller *ctl, uint64_t nwid, uint64_t node, bool *pfound)
{
    size_t mask = ctl->index_cap - 1, p = (size_t)key_hash(nwid, node) & mask;

    for (;; p = (p + 1) & mask) {
        uint32_t v = ctl->index[p];
        if (v == 0) {
            *pfound = false;
            return p;
        }
        if (ctl->tracks[v - 1].nwid == nwid && ctl->tracks[v - 1].node == node) {
            *pfound = true;
            return p;
        }
    }
}

/* Removes position |p| from the index, moving later entries of its probe run back so that
 * every lookup still finds its key before an empty position. */
static void index_delete(zt_controller *ctl, size_t p)
{
    size_t mask = ctl->index_cap - 1, q = p;

    ctl->index[p] = 0;
    for (;;) {
        uint32_t v;
        size_t home;
        q = (q + 1) & mask;
        v = ctl->index[q];
        if (v == 0)
            return;
        home = (size_t)key_hash(ctl->tracks[v - 1].nwid, ctl->tracks[v - 1].node) & mask;
        /* the entry at q may fill p when p lies on its way from home to q */
        if (((q - home) & mask) >= ((q - p) & mask)) {
            ctl->index[p] = v;
            ctl->index[q] = 0;
            p = q;
        }
    }
}

/* Rebuilds the index for the current slots at a capacity of at least twice their number. */
static int index_rebuild(zt_controller *ctl)
{
    size_t cap = 64;
    uint32_t *index;

    while (cap < 2 * ctl->cap_tracks)
        cap *= 2;
    if (cap == ctl->index_cap)
        return 0;
    index = zt__mem_calloc(ctl->mem, cap, sizeof(*index));
    if (index == NULL)
        return ZT_ERR_NOMEM;
    zt__mem_free(ctl->mem, ctl->index);
    ctl->index = index;
    ctl->index_cap = cap;
    for (size_t i = 0; i < ctl->nslots; i++) {
        bool found;
        if (ctl->tracks[i].used)
            ctl->index[index_pos(ctl, ctl->tracks[i].nwid, ctl->tracks[i].node, &found)] =
                (uint32_t)i + 1;
    }
    return 0;
}

/* ---- request order ---------------------------------------------------------------------- */

static void order_unlink(zt_controller *ctl, zt_ctl_track *t)
{
    if (t->older != NIL)
        ctl->tracks[t->older].newer = t->newer;
    else
        ctl->oldest = t->newer;
    if (t->newer != NIL)
        ctl->tracks[t->newer].older = t->older;
    else
        ctl->newest = t->older;
    t->older = t->newer = NIL;
}

static void order_append(zt_controller *ctl, zt_ctl_track *t)
{
    uint32_t slot = (uint32_t)(t - ctl->tracks);

    t->older = ctl->newest;
    t->newer = NIL;
    if (ctl->newest != NIL)
        ctl->tracks[ctl->newest].newer = slot;
    else
        ctl->oldest = slot;
    ctl->newest = slot;
}

/* ---- the table ---------------------------------------------------------------------------- */

void zt__controller_tracks_init(zt_controller *ctl)
{
    ctl->oldest = ctl->newest = ctl->free_slot = NIL;
}

void zt__controller_tracks_free(zt_controller *ctl)
{
    for (size_t i = 0; i < ctl->nslots; i++)
        if (ctl->tracks[i].used)
            zt__controller_cache_drop(ctl, &ctl->tracks[i]);
    zt__mem_free(ctl->mem, ctl->tracks);
    zt__mem_free(ctl->mem, ctl->index);
    ctl->tracks = NULL;
    ctl->index = NULL;
    ctl->ntracks = ctl->nslots = ctl->cap_tracks = ctl->index_cap = 0;
    zt__controller_tracks_init(ctl);
}

zt_ctl_track *zt__controller_track_find(const zt_controller *ctl, uint64_t nwid, uint64_t node)
{
    bool found;
    size_t p;

    if (ctl->index_cap == 0)
        return NULL;
    p = index_pos(ctl, nwid, node, &found);
    return found ? &ctl->tracks[ctl->index[p] - 1] : NULL;
}

static void track_remove(zt_controller *ctl, zt_ctl_track *t)
{
    bool found;
    size_t p = index_pos(ctl, t->nwid, t->node, &found);

    if (found)
        index_delete(ctl, p);
    zt__controller_cache_drop(ctl, t);
    order_unlink(ctl, t);
    memset(t, 0, sizeof(*t));
    t->older = NIL;
    t->newer = ctl->free_slot; /* the free slots' chain */
    ctl->free_slot = (uint32_t)(t - ctl->tracks);
    ctl->ntracks--;
}

/* A slot for a new entry: a freed one, else a new one (the slots growing, the index
 * rebuilt at their new size). */
static int take_slot(zt_controller *ctl, uint32_t *pslot)
{
    size_t cap = ctl->cap_tracks;
    int rv;

    if (ctl->free_slot != NIL) {
        *pslot = ctl->free_slot;
        ctl->free_slot = ctl->tracks[*pslot].newer;
        return 0;
    }
    rv = zt__array_grow(ctl->mem, &ctl->tracks, &ctl->cap_tracks, ctl->nslots + 1,
                        sizeof(*ctl->tracks), ctl->max_tracked);
    if (rv != 0)
        return ZT_ERR_NOMEM;
    if (ctl->cap_tracks != cap && (rv = index_rebuild(ctl)) != 0)
        return rv;
    *pslot = (uint32_t)ctl->nslots++;
    return 0;
}

int zt__controller_track_get(zt_controller *ctl, uint64_t nwid, uint64_t node,
                             zt_ctl_track **pt)
{
    zt_ctl_track *t = zt__controller_track_find(ctl, nwid, node);
    uint32_t slot;
    bool found;
    int rv;

    if (t != NULL) {
        *pt = t;
        return 0;
    }
    if (ctl->ntracks >= ctl->max_tracked && ctl->oldest != NIL) {
        track_remove(ctl, &ctl->tracks[ctl->oldest]);
        ctl->stats.tracked_evicted++;
    }
    if ((rv = take_slot(ctl, &slot)) != 0)
        return rv;
    t = &ctl->tracks[slot];
    memset(t, 0, sizeof(*t));
    t->nwid = nwid;
    t->node = node;
    t->used = true;
    ctl->index[index_pos(ctl, nwid, node, &found)] = slot + 1;
    order_append(ctl, t);
    ctl->ntracks++;
    *pt = t;
    return 0;
}

void zt__controller_track_touch(zt_controller *ctl, zt_ctl_track *t, int64_t now)
{
    t->last_request = now;
    if (ctl->newest != (uint32_t)(t - ctl->tracks)) {
        order_unlink(ctl, t);
        order_append(ctl, t);
    }
}

size_t zt__controller_track_next(const zt_controller *ctl, uint64_t nwid, size_t from)
{
    for (size_t i = from; i < ctl->nslots; i++)
        if (ctl->tracks[i].used && (nwid == 0 || ctl->tracks[i].nwid == nwid))
            return i;
    return ctl->nslots;
}

void zt__controller_forget_network(zt_controller *ctl, uint64_t nwid)
{
    for (size_t i = zt__controller_track_next(ctl, nwid, 0); i < ctl->nslots;
         i = zt__controller_track_next(ctl, nwid, i + 1))
        track_remove(ctl, &ctl->tracks[i]);
}
