/* In-memory store: sorted arrays of records and of the per-network index (addresses in use,
 * active bridges).  Transactions keep an undo log of the records each change replaced or
 * removed, so that begin and commit cost nothing per stored record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "controller/store.h"
#include "util/array.h"
#include "util/search.h"

/* One address listed by one member: family, the 16 address bytes (IPv4 in the first 4, the
 * rest zero), then the member.  Sorted by those bytes, so all users of an address are
 * adjacent. */
typedef struct ip_ref {
    uint8_t key[17];
    uint64_t node;
} ip_ref;

typedef struct mem_net {
    zt_ctl_network net;
    zt_ctl_member **members; /* ascending id */
    size_t nmembers, cap;
    ip_ref *refs; /* ascending (key, node), no duplicates */
    size_t nrefs, caprefs;
    uint64_t *bridges; /* ascending: members with activeBridge */
    size_t nbridges, capbridges;
} mem_net;

typedef struct mem_set {
    mem_net **nets; /* ascending id */
    size_t n, cap;
} mem_set;

/* One change made inside a transaction and what undoes it.  Rollback never allocates: arrays
 * only grow, so every earlier state fits in them. */
typedef enum { U_NET_NEW, U_NET_OLD, U_NET_GONE, U_MEM_NEW, U_MEM_OLD, U_MEM_GONE } undo_kind;

typedef struct undo {
    undo_kind kind;
    uint64_t nwid, node;
    zt_ctl_network *net; /* U_NET_OLD: the record replaced */
    struct mem_net *mn;  /* U_NET_GONE: the network deleted, members and index included */
    zt_ctl_member *m;    /* U_MEM_OLD, U_MEM_GONE: the record replaced or deleted */
} undo;

typedef struct mem_store {
    zt_store base;
    mem_set cur;
    bool in_tx;
    undo *log; /* in order of the changes */
    size_t nlog, caplog;
} mem_store;

static void net_free(mem_net *mn)
{
    if (mn == NULL)
        return;
    for (size_t i = 0; i < mn->nmembers; i++) {
        zt__ctl_member_clear(mn->members[i]);
        free(mn->members[i]);
    }
    free(mn->members);
    free(mn->refs);
    free(mn->bridges);
    zt__ctl_network_clear(&mn->net);
    free(mn);
}

static void set_clear(mem_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        net_free(s->nets[i]);
    free(s->nets);
    memset(s, 0, sizeof(*s));
}

static int u64_cmp(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int net_cmp(const void *seq, size_t i, const void *key)
{
    return u64_cmp(((mem_net *const *)seq)[i]->net.id, *(const uint64_t *)key);
}

static int member_cmp(const void *seq, size_t i, const void *key)
{
    return u64_cmp(((zt_ctl_member *const *)seq)[i]->id, *(const uint64_t *)key);
}

/* Index of |id| in the set, or of where it would go; *pfound tells which. */
static size_t find_net(const mem_set *s, uint64_t id, bool *pfound)
{
    return zt__lower_bound(s->nets, s->n, &id, net_cmp, pfound);
}

static size_t find_member(const mem_net *mn, uint64_t id, bool *pfound)
{
    return zt__lower_bound(mn->members, mn->nmembers, &id, member_cmp, pfound);
}

/* Room for one more entry.  The arrays come from libc (a NULL zt_mem), as the rest here. */
static int grow_nets(mem_set *s)
{
    return zt__array_grow(NULL, &s->nets, &s->cap, s->n + 1, sizeof(*s->nets), SIZE_MAX);
}

static int grow_members(mem_net *mn)
{
    return zt__array_grow(NULL, &mn->members, &mn->cap, mn->nmembers + 1, sizeof(*mn->members),
                          SIZE_MAX);
}

/* ---- the index ------------------------------------------------------------------------------ */

static void ref_make(ip_ref *r, const zt_ctl_ip *ip, uint64_t node)
{
    memset(r, 0, sizeof(*r));
    r->key[0] = ip->family;
    memcpy(r->key + 1, ip->ip, ip->family == 4 ? 4 : 16);
    r->node = node;
}

static int ref_cmp(const ip_ref *a, const ip_ref *b)
{
    int c = memcmp(a->key, b->key, sizeof(a->key));

    return c != 0 ? c : u64_cmp(a->node, b->node);
}

static int ref_at_cmp(const void *seq, size_t i, const void *key)
{
    return ref_cmp(&((const ip_ref *)seq)[i], key);
}

static int bridge_cmp(const void *seq, size_t i, const void *key)
{
    return u64_cmp(((const uint64_t *)seq)[i], *(const uint64_t *)key);
}

/* Index of the first entry >= |r|. */
static size_t ref_find(const mem_net *mn, const ip_ref *r)
{
    return zt__lower_bound(mn->refs, mn->nrefs, r, ref_at_cmp, NULL);
}

static size_t bridge_find(const mem_net *mn, uint64_t node, bool *pfound)
{
    return zt__lower_bound(mn->bridges, mn->nbridges, &node, bridge_cmp, pfound);
}

/* Room for |m|'s entries, so that the index update after it cannot fail half way. */
static int index_reserve(mem_net *mn, const zt_ctl_member *m)
{
    int rv = zt__array_grow(NULL, &mn->refs, &mn->caprefs, mn->nrefs + m->nips,
                            sizeof(*mn->refs), SIZE_MAX);

    if (rv != 0)
        return rv;
    return zt__array_grow(NULL, &mn->bridges, &mn->capbridges, mn->nbridges + 1,
                          sizeof(*mn->bridges), SIZE_MAX);
}

/* Adds (|add|) or removes the entries of |m|; the room was reserved. */
static void index_update(mem_net *mn, const zt_ctl_member *m, bool add)
{
    bool found;
    size_t i;
    ip_ref r;

    for (size_t k = 0; k < m->nips; k++) {
        if (m->ips[k].family != 4 && m->ips[k].family != 6)
            continue;
        ref_make(&r, &m->ips[k], m->id);
        i = ref_find(mn, &r);
        found = i < mn->nrefs && ref_cmp(&mn->refs[i], &r) == 0;
        if (add && !found) {
            memmove(&mn->refs[i + 1], &mn->refs[i], (mn->nrefs - i) * sizeof(r));
            mn->refs[i] = r;
            mn->nrefs++;
        } else if (!add && found) {
            memmove(&mn->refs[i], &mn->refs[i + 1], (mn->nrefs - i - 1) * sizeof(r));
            mn->nrefs--;
        }
    }
    if (!m->active_bridge)
        return;
    i = bridge_find(mn, m->id, &found);
    if (add && !found) {
        memmove(&mn->bridges[i + 1], &mn->bridges[i], (mn->nbridges - i) * sizeof(uint64_t));
        mn->bridges[i] = m->id;
        mn->nbridges++;
    } else if (!add && found) {
        memmove(&mn->bridges[i], &mn->bridges[i + 1], (mn->nbridges - i - 1) * sizeof(uint64_t));
        mn->nbridges--;
    }
}

/* ---- the undo log --------------------------------------------------------------------------- */

static void undo_free(undo *u)
{
    if (u->net != NULL)
        zt__ctl_network_clear(u->net);
    free(u->net);
    net_free(u->mn);
    if (u->m != NULL)
        zt__ctl_member_clear(u->m);
    free(u->m);
}

/* Room for one more entry, taken before a change so that logging it cannot fail. */
static int log_reserve(mem_store *s)
{
    if (!s->in_tx)
        return 0;
    return zt__array_grow(NULL, &s->log, &s->caplog, s->nlog + 1, sizeof(*s->log), SIZE_MAX);
}

/* Logs a change; takes ownership of what |u| holds (freed at once outside a transaction). */
static void log_add(mem_store *s, undo u)
{
    if (s->in_tx)
        s->log[s->nlog++] = u;
    else
        undo_free(&u);
}

static void nets_insert(mem_set *set, size_t i, mem_net *mn)
{
    memmove(&set->nets[i + 1], &set->nets[i], (set->n - i) * sizeof(set->nets[0]));
    set->nets[i] = mn;
    set->n++;
}

static void nets_remove(mem_set *set, size_t i)
{
    memmove(&set->nets[i], &set->nets[i + 1], (set->n - i - 1) * sizeof(set->nets[0]));
    set->n--;
}

static void members_insert(mem_net *mn, size_t i, zt_ctl_member *m)
{
    memmove(&mn->members[i + 1], &mn->members[i], (mn->nmembers - i) * sizeof(mn->members[0]));
    mn->members[i] = m;
    mn->nmembers++;
    index_update(mn, m, true);
}

/* Takes member |i| out of |mn| (and its index entries); the caller owns the record. */
static zt_ctl_member *members_remove(mem_net *mn, size_t i)
{
    zt_ctl_member *m = mn->members[i];

    index_update(mn, m, false);
    memmove(&mn->members[i], &mn->members[i + 1],
            (mn->nmembers - i - 1) * sizeof(mn->members[0]));
    mn->nmembers--;
    return m;
}

static void member_free(zt_ctl_member *m)
{
    zt__ctl_member_clear(m);
    free(m);
}

/* Undoes one change; the log is applied newest first, so the state is the one it left. */
static void undo_apply(mem_store *s, undo *u)
{
    bool found;
    size_t i = find_net(&s->cur, u->nwid, &found), k;
    mem_net *mn = found ? s->cur.nets[i] : NULL;

    switch (u->kind) {
    case U_NET_NEW:
        net_free(mn);
        nets_remove(&s->cur, i);
        break;
    case U_NET_OLD:
        zt__ctl_network_clear(&mn->net);
        mn->net = *u->net;
        free(u->net);
        u->net = NULL;
        break;
    case U_NET_GONE:
        nets_insert(&s->cur, i, u->mn);
        u->mn = NULL;
        break;
    case U_MEM_NEW:
        k = find_member(mn, u->node, &found);
        member_free(members_remove(mn, k));
        break;
    case U_MEM_OLD:
        k = find_member(mn, u->node, &found);
        member_free(members_remove(mn, k));
        members_insert(mn, k, u->m);
        u->m = NULL;
        break;
    case U_MEM_GONE:
        k = find_member(mn, u->node, &found);
        members_insert(mn, k, u->m);
        u->m = NULL;
        break;
    }
}

/* ---- operations ------------------------------------------------------------------------------ */

static int mem_get_network(zt_store *st, uint64_t nwid, zt_ctl_network *out)
{
    mem_store *s = (mem_store *)st;
    bool found;
    size_t i = find_net(&s->cur, nwid, &found);

    memset(out, 0, sizeof(*out));
    if (!found)
        return zt__store_no_network(st, nwid);
    return zt__ctl_network_copy(out, &s->cur.nets[i]->net);
}

static int mem_put_network(zt_store *st, const zt_ctl_network *n)
{
    mem_store *s = (mem_store *)st;
    undo u = {U_NET_NEW, n->id, 0, NULL, NULL, NULL};
    mem_net *mn = NULL;
    bool found;
    size_t i = find_net(&s->cur, n->id, &found);
    int rv = ZT_ERR_NOMEM;

    if (log_reserve(s) != 0)
        return ZT_ERR_NOMEM;
    if (found) {
        u.kind = U_NET_OLD;
        if ((u.net = malloc(sizeof(*u.net))) == NULL)
            return ZT_ERR_NOMEM;
        if (zt__ctl_network_copy(u.net, n) != 0)
            goto out;
        /* swap: the store gets the copy, the log the record it replaces */
        {
            zt_ctl_network old = s->cur.nets[i]->net;
            s->cur.nets[i]->net = *u.net;
            *u.net = old;
        }
        log_add(s, u);
        return 0;
    }
    if ((mn = calloc(1, sizeof(*mn))) == NULL || grow_nets(&s->cur) != 0)
        goto out;
    if (zt__ctl_network_copy(&mn->net, n) != 0)
        goto out;
    nets_insert(&s->cur, i, mn);
    mn = NULL;
    log_add(s, u);
    rv = 0;
out:
    if (rv != 0) {
        free(u.net);
        net_free(mn);
    }
    return rv;
}

static int mem_delete_network(zt_store *st, uint64_t nwid)
{
    mem_store *s = (mem_store *)st;
    undo u = {U_NET_GONE, nwid, 0, NULL, NULL, NULL};
    bool found;
    size_t i = find_net(&s->cur, nwid, &found);

    if (!found)
        return zt__store_no_network(st, nwid);
    if (log_reserve(s) != 0)
        return ZT_ERR_NOMEM;
    u.mn = s->cur.nets[i];
    nets_remove(&s->cur, i);
    log_add(s, u);
    return 0;
}

static int mem_list_networks(zt_store *st, zt_store_network_cb cb, void *arg)
{
    mem_store *s = (mem_store *)st;
    int rv;

    /* The callback may only read, so the array cannot change under us. */
    for (size_t i = 0; i < s->cur.n; i++)
        if ((rv = cb(&s->cur.nets[i]->net, arg)) != 0)
            return rv;
    return 0;
}

static mem_net *net_of(mem_store *s, uint64_t nwid)
{
    bool found;
    size_t i = find_net(&s->cur, nwid, &found);

    return found ? s->cur.nets[i] : NULL;
}

/* Member |node| of network |nwid|: its network in *pmn and its index in *pi, or
 * ZT_ERR_NOTFOUND with the store's sentence. */
static int locate_member(mem_store *s, uint64_t nwid, uint64_t node, mem_net **pmn, size_t *pi)
{
    mem_net *mn = net_of(s, nwid);
    bool found = false;

    if (mn != NULL)
        *pi = find_member(mn, node, &found);
    if (!found)
        return zt__store_no_member(&s->base, nwid, node);
    *pmn = mn;
    return 0;
}

static int mem_get_member(zt_store *st, uint64_t nwid, uint64_t node, zt_ctl_member *out)
{
    mem_net *mn = NULL;
    size_t i = 0;
    int rv;

    zt__ctl_member_init(out, nwid, node);
    if ((rv = locate_member((mem_store *)st, nwid, node, &mn, &i)) != 0)
        return rv;
    return zt__ctl_member_copy(out, mn->members[i]);
}

static int mem_put_member(zt_store *st, const zt_ctl_member *m)
{
    mem_store *s = (mem_store *)st;
    mem_net *mn = net_of(s, m->nwid);
    undo u = {U_MEM_NEW, m->nwid, m->id, NULL, NULL, NULL};
    zt_ctl_member *copy;
    bool found;
    size_t i;

    if (mn == NULL)
        return zt__store_no_network(st, m->nwid);
    i = find_member(mn, m->id, &found);
    if (log_reserve(s) != 0 || index_reserve(mn, m) != 0 || (!found && grow_members(mn) != 0))
        return ZT_ERR_NOMEM;
    if ((copy = malloc(sizeof(*copy))) == NULL)
        return ZT_ERR_NOMEM;
    if (zt__ctl_member_copy(copy, m) != 0) {
        free(copy);
        return ZT_ERR_NOMEM;
    }
    if (found) {
        u.kind = U_MEM_OLD;
        u.m = members_remove(mn, i);
    }
    members_insert(mn, i, copy);
    log_add(s, u);
    return 0;
}

static int mem_delete_member(zt_store *st, uint64_t nwid, uint64_t node)
{
    mem_store *s = (mem_store *)st;
    undo u = {U_MEM_GONE, nwid, node, NULL, NULL, NULL};
    mem_net *mn = NULL;
    size_t i = 0;
    int rv;

    if ((rv = locate_member(s, nwid, node, &mn, &i)) != 0)
        return rv;
    if (log_reserve(s) != 0)
        return ZT_ERR_NOMEM;
    u.m = members_remove(mn, i);
    log_add(s, u);
    return 0;
}

static int mem_list_members(zt_store *st, uint64_t nwid, zt_store_member_cb cb, void *arg)
{
    mem_net *mn = net_of((mem_store *)st, nwid);
    int rv;

    if (mn == NULL)
        return zt__store_no_network(st, nwid);
    for (size_t i = 0; i < mn->nmembers; i++)
        if ((rv = cb(mn->members[i], arg)) != 0)
            return rv;
    return 0;
}

static int mem_ip_in_use(zt_store *st, uint64_t nwid, const zt_ctl_ip *ip, bool *pused)
{
    mem_net *mn = net_of((mem_store *)st, nwid);
    ip_ref r;
    size_t i;

    if (mn == NULL)
        return 0;
    ref_make(&r, ip, 0);
    i = ref_find(mn, &r);
    *pused = i < mn->nrefs && memcmp(mn->refs[i].key, r.key, sizeof(r.key)) == 0;
    return 0;
}

static int mem_active_bridges(zt_store *st, uint64_t nwid, uint64_t *ids, size_t cap,
                              size_t *pn)
{
    mem_net *mn = net_of((mem_store *)st, nwid);

    for (size_t i = 0; mn != NULL && i < mn->nbridges && *pn < cap; i++)
        ids[(*pn)++] = mn->bridges[i];
    return 0;
}

static int mem_begin(zt_store *st)
{
    mem_store *s = (mem_store *)st;

    s->in_tx = true;
    s->nlog = 0;
    return 0;
}

static int mem_commit(zt_store *st)
{
    mem_store *s = (mem_store *)st;

    for (size_t i = 0; i < s->nlog; i++)
        undo_free(&s->log[i]);
    s->nlog = 0;
    s->in_tx = false;
    return 0;
}

static int mem_rollback(zt_store *st)
{
    mem_store *s = (mem_store *)st;

    while (s->nlog > 0) {
        undo *u = &s->log[--s->nlog];
        undo_apply(s, u);
        undo_free(u);
    }
    s->in_tx = false;
    return 0;
}

static void mem_del(zt_store *st)
{
    mem_store *s = (mem_store *)st;

    if (s->in_tx)
        (void)mem_rollback(st);
    set_clear(&s->cur);
    free(s->log);
    free(s);
}

static const zt_store_ops mem_ops = {
    .name = "mem",
    .get_network = mem_get_network,
    .put_network = mem_put_network,
    .delete_network = mem_delete_network,
    .list_networks = mem_list_networks,
    .get_member = mem_get_member,
    .put_member = mem_put_member,
    .delete_member = mem_delete_member,
    .list_members = mem_list_members,
    .begin = mem_begin,
    .commit = mem_commit,
    .rollback = mem_rollback,
    .del = mem_del,
    .ip_in_use = mem_ip_in_use,
    .active_bridges = mem_active_bridges,
};

int zt__store_mem_new(zt_store **pst)
{
    mem_store *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return ZT_ERR_NOMEM;
    s->base.ops = &mem_ops;
    *pst = &s->base;
    return 0;
}
