/* In-memory store (tests): sorted arrays of records; transactions by snapshot. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "controller/store.h"

typedef struct mem_net {
    zt_ctl_network net;
    zt_ctl_member **members; /* ascending id */
    size_t nmembers, cap;
} mem_net;

typedef struct mem_set {
    mem_net **nets; /* ascending id */
    size_t n, cap;
} mem_set;

typedef struct mem_store {
    zt_store base;
    mem_set cur;
    mem_set snap; /* state at begin, while a transaction is open */
} mem_store;

static void net_free(mem_net *mn)
{
    if (mn == NULL)
        return;
    for (size_t i = 0; i < mn->nmembers; i++) {
        zt_ctl_member_clear(mn->members[i]);
        free(mn->members[i]);
    }
    free(mn->members);
    zt_ctl_network_clear(&mn->net);
    free(mn);
}

static void set_clear(mem_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        net_free(s->nets[i]);
    free(s->nets);
    memset(s, 0, sizeof(*s));
}

/* Index of |id| in the set, or of where it would go; *pfound tells which. */
static size_t find_net(const mem_set *s, uint64_t id, bool *pfound)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->nets[mid]->net.id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pfound = lo < s->n && s->nets[lo]->net.id == id;
    return lo;
}

static size_t find_member(const mem_net *mn, uint64_t id, bool *pfound)
{
    size_t lo = 0, hi = mn->nmembers;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mn->members[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pfound = lo < mn->nmembers && mn->members[lo]->id == id;
    return lo;
}

/* Capacity for one more entry: next capacity, or 0 on overflow. */
static size_t next_cap(size_t n, size_t cap)
{
    if (n < cap)
        return cap;
    return cap == 0 ? 16 : cap > SIZE_MAX / 2 / sizeof(void *) ? 0 : cap * 2;
}

static int grow_nets(mem_set *s)
{
    size_t cap = next_cap(s->n, s->cap);
    mem_net **arr;

    if (cap == s->cap)
        return 0;
    if (cap == 0 || (arr = realloc(s->nets, cap * sizeof(*arr))) == NULL)
        return ZT_ERR_NOMEM;
    s->nets = arr;
    s->cap = cap;
    return 0;
}

static int grow_members(mem_net *mn)
{
    size_t cap = next_cap(mn->nmembers, mn->cap);
    zt_ctl_member **arr;

    if (cap == mn->cap)
        return 0;
    if (cap == 0 || (arr = realloc(mn->members, cap * sizeof(*arr))) == NULL)
        return ZT_ERR_NOMEM;
    mn->members = arr;
    mn->cap = cap;
    return 0;
}

static mem_net *net_dup(const mem_net *src)
{
    mem_net *mn = calloc(1, sizeof(*mn));

    if (mn == NULL)
        return NULL;
    if (zt_ctl_network_copy(&mn->net, &src->net) != 0) {
        free(mn);
        return NULL;
    }
    mn->members = calloc(src->nmembers > 0 ? src->nmembers : 1, sizeof(*mn->members));
    if (mn->members == NULL)
        goto fail;
    mn->cap = src->nmembers > 0 ? src->nmembers : 1;
    for (size_t i = 0; i < src->nmembers; i++) {
        zt_ctl_member *m = malloc(sizeof(*m));
        if (m == NULL)
            goto fail;
        if (zt_ctl_member_copy(m, src->members[i]) != 0) {
            free(m);
            goto fail;
        }
        mn->members[mn->nmembers++] = m;
    }
    return mn;
fail:
    net_free(mn);
    return NULL;
}

static int mem_get_network(zt_store *st, uint64_t nwid, zt_ctl_network *out)
{
    mem_store *s = (mem_store *)st;
    bool found;
    size_t i = find_net(&s->cur, nwid, &found);

    memset(out, 0, sizeof(*out));
    if (!found) {
        zt__store_set_err(st, "network %016llx not found", (unsigned long long)nwid);
        return ZT_ERR_NOTFOUND;
    }
    return zt_ctl_network_copy(out, &s->cur.nets[i]->net);
}

static int mem_put_network(zt_store *st, const zt_ctl_network *n)
{
    mem_store *s = (mem_store *)st;
    zt_ctl_network copy;
    mem_net *mn;
    bool found;
    size_t i = find_net(&s->cur, n->id, &found);

    if (zt_ctl_network_copy(&copy, n) != 0)
        return ZT_ERR_NOMEM;
    if (found) {
        zt_ctl_network_clear(&s->cur.nets[i]->net);
        s->cur.nets[i]->net = copy;
        return 0;
    }
    mn = calloc(1, sizeof(*mn));
    if (mn == NULL || grow_nets(&s->cur) != 0) {
        free(mn);
        zt_ctl_network_clear(&copy);
        return ZT_ERR_NOMEM;
    }
    mn->net = copy;
    memmove(&s->cur.nets[i + 1], &s->cur.nets[i], (s->cur.n - i) * sizeof(s->cur.nets[0]));
    s->cur.nets[i] = mn;
    s->cur.n++;
    return 0;
}

static int mem_delete_network(zt_store *st, uint64_t nwid)
{
    mem_store *s = (mem_store *)st;
    bool found;
    size_t i = find_net(&s->cur, nwid, &found);

    if (!found) {
        zt__store_set_err(st, "network %016llx not found", (unsigned long long)nwid);
        return ZT_ERR_NOTFOUND;
    }
    net_free(s->cur.nets[i]);
    memmove(&s->cur.nets[i], &s->cur.nets[i + 1], (s->cur.n - i - 1) * sizeof(s->cur.nets[0]));
    s->cur.n--;
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

static int mem_get_member(zt_store *st, uint64_t nwid, uint64_t node, zt_ctl_member *out)
{
    mem_net *mn = net_of((mem_store *)st, nwid);
    bool found = false;
    size_t i = 0;

    zt_ctl_member_init(out, nwid, node);
    if (mn != NULL)
        i = find_member(mn, node, &found);
    if (!found) {
        zt__store_set_err(st, "member %010llx of network %016llx not found",
                          (unsigned long long)node, (unsigned long long)nwid);
        return ZT_ERR_NOTFOUND;
    }
    return zt_ctl_member_copy(out, mn->members[i]);
}

static int mem_put_member(zt_store *st, const zt_ctl_member *m)
{
    mem_net *mn = net_of((mem_store *)st, m->nwid);
    zt_ctl_member *copy;
    bool found;
    size_t i;

    if (mn == NULL) {
        zt__store_set_err(st, "network %016llx not found", (unsigned long long)m->nwid);
        return ZT_ERR_NOTFOUND;
    }
    i = find_member(mn, m->id, &found);
    copy = malloc(sizeof(*copy));
    if (copy == NULL)
        return ZT_ERR_NOMEM;
    if (zt_ctl_member_copy(copy, m) != 0) {
        free(copy);
        return ZT_ERR_NOMEM;
    }
    if (found) {
        zt_ctl_member_clear(mn->members[i]);
        free(mn->members[i]);
        mn->members[i] = copy;
        return 0;
    }
    if (grow_members(mn) != 0) {
        zt_ctl_member_clear(copy);
        free(copy);
        return ZT_ERR_NOMEM;
    }
    memmove(&mn->members[i + 1], &mn->members[i], (mn->nmembers - i) * sizeof(mn->members[0]));
    mn->members[i] = copy;
    mn->nmembers++;
    return 0;
}

static int mem_delete_member(zt_store *st, uint64_t nwid, uint64_t node)
{
    mem_net *mn = net_of((mem_store *)st, nwid);
    bool found = false;
    size_t i = 0;

    if (mn != NULL)
        i = find_member(mn, node, &found);
    if (!found) {
        zt__store_set_err(st, "member %010llx of network %016llx not found",
                          (unsigned long long)node, (unsigned long long)nwid);
        return ZT_ERR_NOTFOUND;
    }
    zt_ctl_member_clear(mn->members[i]);
    free(mn->members[i]);
    memmove(&mn->members[i], &mn->members[i + 1],
            (mn->nmembers - i - 1) * sizeof(mn->members[0]));
    mn->nmembers--;
    return 0;
}

static int mem_list_members(zt_store *st, uint64_t nwid, zt_store_member_cb cb, void *arg)
{
    mem_net *mn = net_of((mem_store *)st, nwid);
    int rv;

    if (mn == NULL) {
        zt__store_set_err(st, "network %016llx not found", (unsigned long long)nwid);
        return ZT_ERR_NOTFOUND;
    }
    for (size_t i = 0; i < mn->nmembers; i++)
        if ((rv = cb(mn->members[i], arg)) != 0)
            return rv;
    return 0;
}

static int mem_begin(zt_store *st)
{
    mem_store *s = (mem_store *)st;
    mem_set snap = {NULL, 0, 0};

    snap.cap = s->cur.n > 0 ? s->cur.n : 1;
    snap.nets = calloc(snap.cap, sizeof(*snap.nets));
    if (snap.nets == NULL)
        return ZT_ERR_NOMEM;
    for (size_t i = 0; i < s->cur.n; i++) {
        snap.nets[i] = net_dup(s->cur.nets[i]);
        if (snap.nets[i] == NULL) {
            set_clear(&snap);
            return ZT_ERR_NOMEM;
        }
        snap.n++;
    }
    s->snap = snap;
    return 0;
}

static int mem_commit(zt_store *st)
{
    set_clear(&((mem_store *)st)->snap);
    return 0;
}

static int mem_rollback(zt_store *st)
{
    mem_store *s = (mem_store *)st;

    set_clear(&s->cur);
    s->cur = s->snap;
    memset(&s->snap, 0, sizeof(s->snap));
    return 0;
}

static void mem_del(zt_store *st)
{
    mem_store *s = (mem_store *)st;

    if (st->in_tx)
        (void)mem_rollback(st);
    set_clear(&s->cur);
    set_clear(&s->snap);
    free(s);
}

static const zt_store_ops mem_ops = {
    "mem",           mem_get_network, mem_put_network,  mem_delete_network,
    mem_list_networks, mem_get_member,  mem_put_member,   mem_delete_member,
    mem_list_members,  mem_begin,       mem_commit,       mem_rollback,
    mem_del,
};

int zt_store_mem_new(zt_store **pst)
{
    mem_store *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return ZT_ERR_NOMEM;
    s->base.ops = &mem_ops;
    *pst = &s->base;
    return 0;
}
