/* The store interface: argument checks, the iteration rule, dispatch, and the helpers built on
 * the interface (revisioned save, copy between backends). */
#include "controller/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"

#define NWID_OK(x) ((x) != 0)
#define NODE_OK(x) ((x) != 0 && (x) <= 0xffffffffffULL)

void zt__store_set_err(zt_store *st, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
    va_end(ap);
}

int zt__store_no_network(zt_store *st, uint64_t nwid)
{
    zt__store_set_err(st, "network %016llx not found", (unsigned long long)nwid);
    return ZT_ERR_NOTFOUND;
}

int zt__store_no_member(zt_store *st, uint64_t nwid, uint64_t node)
{
    zt__store_set_err(st, "member %010llx of network %016llx not found",
                      (unsigned long long)node, (unsigned long long)nwid);
    return ZT_ERR_NOTFOUND;
}

const char *zt__store_errmsg(const zt_store *st)
{
    return st->errmsg;
}

const char *zt__store_name(const zt_store *st)
{
    return st->ops->name;
}

static int refuse_while_listing(zt_store *st, const char *what)
{
    if (st->iterating > 0) {
        zt__store_set_err(st, "%s called from inside a listing callback", what);
        return ZT_ERR_INVAL;
    }
    return 0;
}

int zt__store_get_network(zt_store *st, uint64_t nwid, zt_ctl_network *out)
{
    st->errmsg[0] = '\0';
    if (!NWID_OK(nwid)) {
        memset(out, 0, sizeof(*out));
        zt__store_set_err(st, "network id 0 is invalid");
        return ZT_ERR_INVAL;
    }
    return st->ops->get_network(st, nwid, out);
}

int zt__store_put_network(zt_store *st, const zt_ctl_network *n)
{
    int rv;

    st->errmsg[0] = '\0';
    if ((rv = refuse_while_listing(st, "put_network")) != 0)
        return rv;
    if (!NWID_OK(n->id) || n->rules_json == NULL) {
        zt__store_set_err(st, "network record without an id or rules");
        return ZT_ERR_INVAL;
    }
    return st->ops->put_network(st, n);
}

int zt__store_delete_network(zt_store *st, uint64_t nwid)
{
    int rv;

    st->errmsg[0] = '\0';
    if ((rv = refuse_while_listing(st, "delete_network")) != 0)
        return rv;
    return st->ops->delete_network(st, nwid);
}

int zt__store_list_networks(zt_store *st, zt_store_network_cb cb, void *arg)
{
    int rv;

    st->errmsg[0] = '\0';
    if ((rv = refuse_while_listing(st, "list_networks")) != 0)
        return rv;
    st->iterating++;
    rv = st->ops->list_networks(st, cb, arg);
    st->iterating--;
    return rv;
}

int zt__store_get_member(zt_store *st, uint64_t nwid, uint64_t node, zt_ctl_member *out)
{
    st->errmsg[0] = '\0';
    if (!NWID_OK(nwid) || !NODE_OK(node)) {
        zt__ctl_member_init(out, nwid, node);
        zt__store_set_err(st, "invalid network or member id");
        return ZT_ERR_INVAL;
    }
    return st->ops->get_member(st, nwid, node, out);
}

int zt__store_put_member(zt_store *st, const zt_ctl_member *m)
{
    int rv;

    st->errmsg[0] = '\0';
    if ((rv = refuse_while_listing(st, "put_member")) != 0)
        return rv;
    if (!NWID_OK(m->nwid) || !NODE_OK(m->id)) {
        zt__store_set_err(st, "member record with an invalid network or member id");
        return ZT_ERR_INVAL;
    }
    return st->ops->put_member(st, m);
}

int zt__store_delete_member(zt_store *st, uint64_t nwid, uint64_t node)
{
    int rv;

    st->errmsg[0] = '\0';
    if ((rv = refuse_while_listing(st, "delete_member")) != 0)
        return rv;
    return st->ops->delete_member(st, nwid, node);
}

int zt__store_list_members(zt_store *st, uint64_t nwid, zt_store_member_cb cb, void *arg)
{
    int rv;

    st->errmsg[0] = '\0';
    if ((rv = refuse_while_listing(st, "list_members")) != 0)
        return rv;
    st->iterating++;
    rv = st->ops->list_members(st, nwid, cb, arg);
    st->iterating--;
    return rv;
}

/* ---- the index, or a scan where the backend has none ------------------------------------- */

static bool same_ip(const zt_ctl_ip *a, const zt_ctl_ip *b)
{
    return a->family == b->family && memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

typedef struct {
    const zt_ctl_ip *ip;
    uint64_t *ids;
    size_t cap, n;
} index_scan;

static int scan_ip(const zt_ctl_member *m, void *arg)
{
    index_scan *sc = arg;

    for (size_t i = 0; i < m->nips; i++) {
        if (same_ip(&m->ips[i], sc->ip))
            return 1; /* found: stops the listing */
    }
    return 0;
}

static int scan_bridge(const zt_ctl_member *m, void *arg)
{
    index_scan *sc = arg;

    if (m->active_bridge && sc->n < sc->cap)
        sc->ids[sc->n++] = m->id;
    return 0;
}

/* The scan's answer: an unknown network has nothing (as the indexed backends say). */
static int scan_members(zt_store *st, uint64_t nwid, zt_store_member_cb cb, index_scan *sc)
{
    int rv = zt__store_list_members(st, nwid, cb, sc);

    if (rv == ZT_ERR_NOTFOUND) {
        st->errmsg[0] = '\0';
        rv = 0;
    }
    return rv;
}

static bool ip_ok(const zt_ctl_ip *ip)
{
    return ip != NULL && (ip->family == 4 || ip->family == 6);
}

int zt__store_ip_in_use(zt_store *st, uint64_t nwid, const zt_ctl_ip *ip, bool *pused)
{
    index_scan sc = {ip, NULL, 0, 0};
    int rv;

    st->errmsg[0] = '\0';
    *pused = false;
    if ((rv = refuse_while_listing(st, "ip_in_use")) != 0)
        return rv;
    if (!NWID_OK(nwid) || !ip_ok(ip)) {
        zt__store_set_err(st, "ip_in_use: invalid network id or address");
        return ZT_ERR_INVAL;
    }
    if (st->ops->ip_in_use != NULL)
        return st->ops->ip_in_use(st, nwid, ip, pused);
    rv = scan_members(st, nwid, scan_ip, &sc);
    if (rv == 1) {
        *pused = true;
        rv = 0;
    }
    return rv;
}

int zt__store_get_request(zt_store *st, uint64_t nwid, uint64_t node, zt_ctl_network *net,
                          zt_ctl_member *m, bool *pfound, uint64_t *ids, size_t cap, size_t *pn,
                          zt_store_probe *probe)
{
    int rv;

    *pfound = false;
    *pn = 0;
    memset(net, 0, sizeof(*net));
    zt__ctl_member_init(m, nwid, node);
    st->errmsg[0] = '\0';
    if ((rv = refuse_while_listing(st, "get_request")) != 0)
        return rv;
    if (!NWID_OK(nwid) || !NODE_OK(node) || (ids == NULL && cap > 0)) {
        zt__store_set_err(st, "get_request: invalid network or member id, or buffer");
        return ZT_ERR_INVAL;
    }
    if (probe != NULL) {
        if (probe->n > ZT_STORE_PROBE_MAX)
            probe->n = ZT_STORE_PROBE_MAX;
        memset(probe->state, ZT_STORE_PROBE_UNKNOWN, sizeof(probe->state));
    }
    if (st->ops->get_request != NULL)
        return st->ops->get_request(st, nwid, node, net, m, pfound, ids, cap, pn, probe);
    if ((rv = zt__store_get_network(st, nwid, net)) != 0)
        return rv;
    rv = zt__store_get_member(st, nwid, node, m);
    if (rv == ZT_ERR_NOTFOUND) {
        zt__ctl_member_clear(m);
        zt__ctl_member_init(m, nwid, node);
        st->errmsg[0] = '\0';
        rv = 0;
    } else if (rv == 0) {
        *pfound = true;
    }
    if (rv != 0)
        return rv;
    return zt__store_active_bridges(st, nwid, ids, cap, pn);
}

int zt__store_active_bridges(zt_store *st, uint64_t nwid, uint64_t *ids, size_t cap, size_t *pn)
{
    index_scan sc = {NULL, ids, cap, 0};
    int rv;

    st->errmsg[0] = '\0';
    *pn = 0;
    if ((rv = refuse_while_listing(st, "active_bridges")) != 0)
        return rv;
    if (!NWID_OK(nwid) || (ids == NULL && cap > 0)) {
        zt__store_set_err(st, "active_bridges: invalid network id or buffer");
        return ZT_ERR_INVAL;
    }
    if (st->ops->active_bridges != NULL)
        return st->ops->active_bridges(st, nwid, ids, cap, pn);
    rv = scan_members(st, nwid, scan_bridge, &sc);
    if (rv == 0)
        *pn = sc.n;
    return rv;
}

/* ---- transactions ---------------------------------------------------------------------------- */

int zt__store_begin(zt_store *st)
{
    int rv;

    st->errmsg[0] = '\0';
    if ((rv = refuse_while_listing(st, "begin")) != 0)
        return rv;
    if (st->in_tx) {
        zt__store_set_err(st, "a transaction is already open (they do not nest)");
        return ZT_ERR_INVAL;
    }
    rv = st->ops->begin(st);
    if (rv == 0)
        st->in_tx = true;
    return rv;
}

int zt__store_commit(zt_store *st)
{
    int rv;

    st->errmsg[0] = '\0';
    if ((rv = refuse_while_listing(st, "commit")) != 0)
        return rv;
    if (!st->in_tx) {
        zt__store_set_err(st, "commit without begin");
        return ZT_ERR_INVAL;
    }
    rv = st->ops->commit(st);
    if (rv == 0)
        st->in_tx = false;
    return rv;
}

int zt__store_rollback(zt_store *st)
{
    int rv;

    st->errmsg[0] = '\0';
    if ((rv = refuse_while_listing(st, "rollback")) != 0)
        return rv;
    if (!st->in_tx) {
        zt__store_set_err(st, "rollback without begin");
        return ZT_ERR_INVAL;
    }
    st->in_tx = false;
    if (st->ops->rollback == NULL) {
        zt__store_set_err(st, "the %s backend writes through and cannot roll back; the "
                              "changes since begin are kept", st->ops->name);
        return ZT_ERR_UNSUPPORTED;
    }
    return st->ops->rollback(st);
}

void zt__store_del(zt_store *st)
{
    if (st != NULL)
        st->ops->del(st);
}

/* ---- helpers --------------------------------------------------------------------------------- */

/* |expected|: NULL, or the revision the stored record must still have (0: none stored). */
static int save_network(zt_store *st, zt_ctl_network *n, const uint64_t *expected, int64_t now,
                        bool *pchanged)
{
    zt_ctl_network old;
    int rv;

    if (pchanged != NULL)
        *pchanged = false;
    rv = zt__store_get_network(st, n->id, &old);
    if (expected != NULL && ((rv == 0 && old.revision != *expected) ||
                             (rv == ZT_ERR_NOTFOUND && *expected != 0))) {
        zt__store_set_err(st, "network %016llx changed since it was read (revision %llu, read "
                              "at %llu): read it again",
                          (unsigned long long)n->id,
                          (unsigned long long)(rv == 0 ? old.revision : 0),
                          (unsigned long long)*expected);
        rv = ZT_ERR_AGAIN;
        goto out;
    }
    if (rv == 0) {
        if (zt__ctl_network_same(&old, n)) {
            n->revision = old.revision;
            goto out;
        }
        n->revision = old.revision + 1;
        if (old.creation_time != 0)
            n->creation_time = old.creation_time;
    } else if (rv == ZT_ERR_NOTFOUND) {
        n->revision = 1;
        if (n->creation_time == 0)
            n->creation_time = now;
    } else {
        goto out;
    }
    rv = zt__store_put_network(st, n);
    if (rv == 0 && pchanged != NULL)
        *pchanged = true;
out:
    zt__ctl_network_clear(&old);
    return rv;
}

int zt__store_save_network(zt_store *st, zt_ctl_network *n, int64_t now, bool *pchanged)
{
    return save_network(st, n, NULL, now, pchanged);
}

int zt__store_save_network_if(zt_store *st, zt_ctl_network *n, uint64_t expected, int64_t now,
                              bool *pchanged)
{
    return save_network(st, n, &expected, now, pchanged);
}

static int save_member(zt_store *st, zt_ctl_member *m, const uint64_t *expected, int64_t now,
                       bool *pchanged)
{
    zt_ctl_member old;
    int rv;

    if (pchanged != NULL)
        *pchanged = false;
    rv = zt__store_get_member(st, m->nwid, m->id, &old);
    if (expected != NULL && ((rv == 0 && old.revision != *expected) ||
                             (rv == ZT_ERR_NOTFOUND && *expected != 0))) {
        zt__store_set_err(st, "member %010llx of network %016llx changed since it was read "
                              "(revision %llu, read at %llu): read it again",
                          (unsigned long long)m->id, (unsigned long long)m->nwid,
                          (unsigned long long)(rv == 0 ? old.revision : 0),
                          (unsigned long long)*expected);
        rv = ZT_ERR_AGAIN;
        goto out;
    }
    if (rv == 0) {
        if (zt__ctl_member_same(&old, m)) {
            m->revision = old.revision;
            goto out;
        }
        m->revision = old.revision + 1;
        if (old.creation_time != 0)
            m->creation_time = old.creation_time;
    } else if (rv == ZT_ERR_NOTFOUND) {
        m->revision = 1;
        if (m->creation_time == 0)
            m->creation_time = now;
    } else {
        goto out;
    }
    rv = zt__store_put_member(st, m);
    if (rv == 0 && pchanged != NULL)
        *pchanged = true;
out:
    zt__ctl_member_clear(&old);
    return rv;
}

int zt__store_save_member(zt_store *st, zt_ctl_member *m, int64_t now, bool *pchanged)
{
    return save_member(st, m, NULL, now, pchanged);
}

int zt__store_save_member_if(zt_store *st, zt_ctl_member *m, uint64_t expected, int64_t now,
                             bool *pchanged)
{
    return save_member(st, m, &expected, now, pchanged);
}

/* Ends the transaction zt__store_save_member_cas opened: commits after |rv| 0, else rolls
 * back (keeping the failure's sentence). */
static int end_own_tx(zt_store *st, int rv)
{
    char msg[ZT_STORE_ERRMSG_MAX];

    if (rv == 0 && (rv = zt__store_commit(st)) == 0)
        return 0;
    if (!st->in_tx) /* the failed commit ended it */
        return rv;
    snprintf(msg, sizeof(msg), "%s", st->errmsg);
    (void)zt__store_rollback(st);
    snprintf(st->errmsg, sizeof(st->errmsg), "%s", msg);
    return rv;
}

/* What save_member_cas does before its write: 1 when that write is the backend's split one
 * (the revision and creation time set), else 0 or a failure with the whole save done
 * (*pchanged set). */
static int cas_prepare(zt_store *st, zt_ctl_member *m, const zt_ctl_member *read, int64_t now,
                       bool *pchanged)
{
    uint64_t expected = read != NULL ? read->revision : 0;
    int rv;

    *pchanged = false;
    st->errmsg[0] = '\0';
    if ((rv = refuse_while_listing(st, "save_member")) != 0)
        return rv;
    if (st->ops->put_member_if_start == NULL || st->in_tx) {
        bool own = !st->in_tx;
        if (own && (rv = zt__store_begin(st)) != 0)
            return rv;
        rv = save_member(st, m, &expected, now, pchanged);
        return own ? end_own_tx(st, rv) : rv;
    }
    if (!NWID_OK(m->nwid) || !NODE_OK(m->id)) {
        zt__store_set_err(st, "member record with an invalid network or member id");
        return ZT_ERR_INVAL;
    }
    if (read != NULL && zt__ctl_member_same(read, m)) {
        m->revision = read->revision;
        return 0;
    }
    m->revision = expected + 1;
    if (read != NULL && read->creation_time != 0)
        m->creation_time = read->creation_time;
    else if (read == NULL && m->creation_time == 0)
        m->creation_time = now;
    return 1;
}

void zt__store_save_member_cas_start(zt_store *st, zt_ctl_member *m, const zt_ctl_member *read,
                                     int64_t now)
{
    uint64_t expected = read != NULL ? read->revision : 0;
    int rv = cas_prepare(st, m, read, now, &st->cas_changed);

    st->cas = ZT_STORE_CAS_DONE;
    if (rv == 1) { /* the backend's split write (cas_prepare saw it) */
        rv = st->ops->put_member_if_start(st, m, read != NULL ? &expected : NULL);
        if (rv == 0) {
            st->cas = ZT_STORE_CAS_UNDER_WAY;
            return;
        }
    }
    st->cas_rv = rv;
}

int zt__store_save_member_cas_finish(zt_store *st, bool *pchanged)
{
    int rv;

    if (st->cas == ZT_STORE_CAS_UNDER_WAY) {
        rv = st->ops->put_member_if_finish(st);
        st->cas_changed = rv == 0;
    } else if (st->cas == ZT_STORE_CAS_DONE) {
        rv = st->cas_rv;
    } else {
        zt__store_set_err(st, "save_member_cas_finish without a start");
        rv = ZT_ERR_INVAL;
    }
    st->cas = ZT_STORE_CAS_IDLE;
    if (pchanged != NULL)
        *pchanged = rv == 0 && st->cas_changed;
    return rv;
}

int zt__store_save_member_cas(zt_store *st, zt_ctl_member *m, const zt_ctl_member *read,
                              int64_t now, bool *pchanged)
{
    zt__store_save_member_cas_start(st, m, read, now);
    return zt__store_save_member_cas_finish(st, pchanged);
}

typedef struct {
    uint64_t *ids;
    size_t n, cap;
} id_list;

static int collect_network_id(const zt_ctl_network *n, void *arg)
{
    id_list *l = arg;
    int rv = zt__array_grow(NULL, &l->ids, &l->cap, l->n + 1, sizeof(*l->ids), SIZE_MAX);

    if (rv != 0)
        return rv;
    l->ids[l->n++] = n->id;
    return 0;
}

typedef struct {
    zt_store *dst;
    size_t count;
    bool dst_failed;
} copy_ctx;

static int copy_member(const zt_ctl_member *m, void *arg)
{
    copy_ctx *c = arg;
    int rv = zt__store_put_member(c->dst, m);

    if (rv == 0)
        c->count++;
    else
        c->dst_failed = true;
    return rv;
}

int zt__store_copy(zt_store *dst, zt_store *src, size_t *pnets, size_t *pmembers)
{
    id_list ids = {NULL, 0, 0};
    copy_ctx c = {dst, 0, false};
    char saved[ZT_STORE_ERRMSG_MAX];
    zt_ctl_network n;
    bool src_failed = false;
    size_t nets = 0;
    int rv;

    memset(&n, 0, sizeof(n));
    rv = zt__store_list_networks(src, collect_network_id, &ids);
    if (rv != 0) {
        src_failed = true;
        goto out_notx;
    }
    if ((rv = zt__store_begin(dst)) != 0)
        goto out_notx;
    for (size_t i = 0; i < ids.n; i++) {
        rv = zt__store_get_network(src, ids.ids[i], &n);
        if (rv != 0) {
            src_failed = true;
            goto out;
        }
        if ((rv = zt__store_put_network(dst, &n)) != 0)
            goto out;
        zt__ctl_network_clear(&n);
        nets++;
        rv = zt__store_list_members(src, ids.ids[i], copy_member, &c);
        if (rv != 0) {
            /* The callback's errors are the destination's; the rest are the source's. */
            src_failed = !c.dst_failed;
            goto out;
        }
    }
    rv = zt__store_commit(dst);
out:
    if (rv != 0 && dst->in_tx) {
        memcpy(saved, dst->errmsg, sizeof(saved)); /* rollback resets it */
        (void)zt__store_rollback(dst);
        memcpy(dst->errmsg, saved, sizeof(saved));
    }
out_notx:
    zt__ctl_network_clear(&n);
    free(ids.ids);
    if (rv != 0 && src_failed)
        zt__store_set_err(dst, "reading the %s store: %s", zt__store_name(src),
                          src->errmsg[0] != '\0' ? src->errmsg : zt__strerror(rv));
    if (rv == 0) {
        if (pnets != NULL)
            *pnets = nets;
        if (pmembers != NULL)
            *pmembers = c.count;
    }
    return rv;
}

int zt__store_poll_changes(zt_store *st, zt_store_change_cb cb, void *arg)
{
    int rv;

    st->errmsg[0] = '\0';
    if ((rv = refuse_while_listing(st, "poll_changes")) != 0)
        return rv;
    if (cb == NULL) {
        zt__store_set_err(st, "poll_changes: no callback");
        return ZT_ERR_INVAL;
    }
    return st->ops->poll_changes != NULL ? st->ops->poll_changes(st, cb, arg) : 0;
}

/* Set by zt__store_pg_register() (store_pg.c), in programs that link zt_store_pg. */
int (*zt__store_pg_opener)(zt_store **pst, const char *conninfo, char *err, size_t errlen);
