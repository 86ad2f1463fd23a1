/* PostgreSQL store: members and the index (addresses in use, active bridges); the rules are
 * at the top of store_pg.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/store_pg_internal.h"

/* ---- members --------------------------------------------------------------------------------- */

static int load_member(pg_store *s, const PGresult *res, int row, int col, uint64_t nwid,
                       uint64_t node, zt_ctl_member *out)
{
    char why[256];
    int rv;

    rv = zt__ctl_member_load(out, nwid, PQgetvalue(res, row, col),
                            (size_t)PQgetlength(res, row, col), why, sizeof(why));
    if (rv == 0 && out->id != node) {
        snprintf(why, sizeof(why), "its id is %010llx", (unsigned long long)out->id);
        rv = ZT_ERR_INVAL;
    }
    if (rv != 0)
        zt__store_set_err(&s->base, "member %010llx of network %016llx: stored record is "
                                    "corrupt: %s",
                          (unsigned long long)node, (unsigned long long)nwid, why);
    return rv;
}

int zt__pgs_get_member(zt_store *base, uint64_t nwid, uint64_t node, zt_ctl_member *out)
{
    pg_store *s = (pg_store *)base;
    char net[24], mem[24];
    const char *vals[2] = {net, mem};
    PGresult *res;
    int rv;

    zt__ctl_member_init(out, nwid, node);
    if ((rv = zt__pgs_ready(s)) != 0)
        return rv;
    zt__pgs_id_text(net, nwid);
    zt__pgs_id_text(mem, node);
    res = zt__pgs_run(s, S_GET_MEM, vals);
    if (!zt__pgs_res_ok(res))
        rv = zt__pgs_fail(s, res, "reading a member");
    else if (PQntuples(res) == 0)
        rv = zt__store_no_member(base, nwid, node);
    else
        rv = load_member(s, res, 0, 0, nwid, node, out);
    PQclear(res);
    return rv;
}

/* Was |ip| of network |nwid| found free by ip_in_use on this handle (since the last member
 * write of the network)? */
static bool seen_free_ip(const pg_store *s, uint64_t nwid, const zt_ctl_ip *ip)
{
    for (size_t i = 0; i < s->nfree_seen; i++) {
        const seen_free *f = &s->free_seen[i];
        if (f->nwid == nwid && f->ip.family == ip->family &&
            memcmp(f->ip.ip, ip->ip, ip->family == 4 ? 4 : 16) == 0)
            return true;
    }
    return false;
}

static void remember_free(pg_store *s, uint64_t nwid, const zt_ctl_ip *ip)
{
    seen_free *f = &s->free_seen[s->next_free_seen];

    f->nwid = nwid;
    f->ip = *ip;
    s->next_free_seen = (s->next_free_seen + 1) % PG_FREE_SEEN;
    if (s->nfree_seen < PG_FREE_SEEN)
        s->nfree_seen++;
}

/* After a member write of |nwid|: its lookups have been used (or are stale). */
static void forget_free(pg_store *s, uint64_t nwid)
{
    size_t k = 0;

    for (size_t i = 0; i < s->nfree_seen; i++) {
        if (s->free_seen[i].nwid != nwid)
            s->free_seen[k++] = s->free_seen[i];
    }
    s->nfree_seen = k;
    s->next_free_seen = k % PG_FREE_SEEN;
}

/* Appends |ip| to the array literal |arr| ("{a,b}": inet text needs no quoting). */
static void array_add(char *arr, size_t cap, const char *ip)
{
    size_t n = strlen(arr);

    if (n == 0)
        snprintf(arr, cap, "{%s}", ip);
    else
        snprintf(arr + n - 1, cap - (n - 1), ",%s}", ip);
}

typedef struct mem_write {
    const zt_ctl_member *m;
    const char *doc;
    char ips[IP_ARRAY_MAX];   /* every address, "{...}" */
    char alloc[IP_ARRAY_MAX]; /* the allocations among them */
    char alloc_text[ZT_CTL_MAX_IPS][IP_TEXT_MAX];
    size_t nalloc;
    bool exists;       /* put_member_if: the row must be there, at revision |expected| */
    uint64_t expected;
    bool stale;        /* ... and it had another one: nothing written */
    bool unsent;       /* put_member_if_start could not send it */
} mem_write;

/* An allocation is refused when another member lists the address by now (a concurrent
 * allocation the unique index did not see: one written through the API). */
static int check_allocations(pg_store *s, const mem_write *w)
{
    char net[24], mem[24];
    const char *vals[3] = {net, NULL, mem};
    int rv = 0;

    zt__pgs_id_text(net, w->m->nwid);
    zt__pgs_id_text(mem, w->m->id);
    for (size_t i = 0; i < w->nalloc && rv == 0; i++) {
        PGresult *res;

        vals[1] = w->alloc_text[i];
        res = zt__pgs_run(s, S_IP_OTHER, vals);
        if (!zt__pgs_res_ok(res))
            rv = zt__pgs_fail(s, res, "checking an allocated address");
        else if (PQntuples(res) > 0) {
            zt__store_set_err(&s->base, "member %010llx of network %016llx: address %s, found "
                                        "free, was assigned to member %010llx meanwhile (by "
                                        "another controller?); not assigned twice",
                              (unsigned long long)w->m->id, (unsigned long long)w->m->nwid,
                              w->alloc_text[i], (unsigned long long)zt__pgs_col_id(res, 0, 0));
            rv = ZT_ERR_EXISTS;
        }
        PQclear(res);
    }
    return rv;
}

/* A member write failed: why, in the store's words. */
static int put_failed(pg_store *s, const zt_ctl_member *m, const PGresult *res)
{
    const char *state = zt__pg_sqlstate(res);
    const char *constraint = res != NULL ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;

    if (constraint == NULL)
        constraint = "";
    if (strcmp(state, ZT_PG_FOREIGN_KEY_VIOLATION) == 0 &&
        strcmp(constraint, "member_network") == 0)
        return zt__store_no_network(&s->base, m->nwid);
    if (strcmp(state, ZT_PG_UNIQUE_VIOLATION) == 0 &&
        strcmp(constraint, "member_ip_allocated") == 0) {
        zt__store_set_err(&s->base, "member %010llx of network %016llx: an address found free "
                                    "for it was allocated to another member meanwhile (by "
                                    "another controller?); not assigned twice",
                          (unsigned long long)m->id, (unsigned long long)m->nwid);
        return ZT_ERR_EXISTS;
    }
    return zt__pgs_fail(s, res, "writing a member");
}

static int put_member_once(pg_store *s, const void *arg)
{
    const mem_write *w = arg;
    const zt_ctl_member *m = w->m;
    char net[24], mem[24], rev[24];
    const char *vals[8] = {net, mem, rev, m->authorized ? "t" : "f",
                           m->active_bridge ? "t" : "f", w->doc, w->ips, w->alloc};
    PGresult *res;
    int rv;

    if ((rv = check_allocations(s, w)) != 0)
        return rv;
    zt__pgs_id_text(net, m->nwid);
    zt__pgs_id_text(mem, m->id);
    snprintf(rev, sizeof(rev), "%" PRId64, (int64_t)m->revision);
    res = zt__pgs_run(s, S_PUT_MEM, vals);
    rv = zt__pgs_res_ok(res) ? 0 : put_failed(s, m, res);
    PQclear(res);
    return rv;
}

/* What a write of |m| sends: its JSON, its addresses and which of them are allocations (an
 * address ip_in_use found free on this handle).  NULL when out of memory or the record cannot
 * be rendered (said in the store's message); free with mem_write_free. */
static mem_write *mem_write_new(pg_store *s, const zt_ctl_member *m)
{
    mem_write *w = calloc(1, sizeof(*w));
    char *doc = NULL;
    int rv;

    if (w == NULL) {
        zt__store_set_err(&s->base, "member %010llx: out of memory", (unsigned long long)m->id);
        return NULL;
    }
    if ((rv = zt__ctl_member_dump(m, &doc)) != 0) {
        zt__store_set_err(&s->base, "member %010llx: cannot render the record: %s",
                          (unsigned long long)m->id, zt__strerror(rv));
        free(w);
        return NULL;
    }
    w->m = m;
    w->doc = doc;
    for (size_t i = 0; i < m->nips; i++) {
        char text[IP_TEXT_MAX];
        if ((m->ips[i].family != 4 && m->ips[i].family != 6) ||
            zt__ctl_ip_format(&m->ips[i], false, text, sizeof(text)) != 0)
            continue;
        array_add(w->ips, sizeof(w->ips), text);
        if (seen_free_ip(s, m->nwid, &m->ips[i])) {
            array_add(w->alloc, sizeof(w->alloc), text);
            snprintf(w->alloc_text[w->nalloc++], IP_TEXT_MAX, "%s", text);
        }
    }
    if (w->ips[0] == '\0')
        snprintf(w->ips, sizeof(w->ips), "{}");
    if (w->alloc[0] == '\0')
        snprintf(w->alloc, sizeof(w->alloc), "{}");
    return w;
}

static void mem_write_free(mem_write *w)
{
    if (w != NULL)
        free((char *)w->doc);
    free(w);
}

int zt__pgs_put_member(zt_store *base, const zt_ctl_member *m)
{
    pg_store *s = (pg_store *)base;
    mem_write *w = mem_write_new(s, m);
    int rv;

    if (w == NULL)
        return ZT_ERR_NOMEM;
    rv = zt__pgs_write_op(s, put_member_once, w);
    forget_free(s, m->nwid);
    mem_write_free(w);
    return rv;
}

/* put_member_if's statement answered: row written (0), or why not. */
static int put_if_result(pg_store *s, mem_write *w, const PGresult *res)
{
    const zt_ctl_member *m = w->m;

    if (strcmp(PQgetvalue(res, 0, 0), "0") != 0)
        return 0;
    if (!PQgetisnull(res, 0, 1)) {
        zt__store_set_err(&s->base, "member %010llx of network %016llx: an address found free "
                                    "for it was assigned to member %010llx meanwhile (by "
                                    "another controller?); not assigned twice",
                          (unsigned long long)m->id, (unsigned long long)m->nwid,
                          (unsigned long long)zt__pgs_col_id(res, 0, 1));
        return ZT_ERR_EXISTS;
    }
    if (w->exists)
        zt__store_set_err(&s->base, "member %010llx of network %016llx changed since it was "
                                    "read (read at revision %llu): read it again",
                          (unsigned long long)m->id, (unsigned long long)m->nwid,
                          (unsigned long long)w->expected);
    else
        zt__store_set_err(&s->base, "member %010llx of network %016llx changed since it was "
                                    "read (created meanwhile): read it again",
                          (unsigned long long)m->id, (unsigned long long)m->nwid);
    w->stale = true;
    return 0;
}

/* put_member_if's statement and its parameters' text. */
typedef struct put_if_params {
    char net[24], mem[24], rev[24], expected[24];
    const char *vals[10];
} put_if_params;

static int put_if_statement(const pg_store *s, const mem_write *w, put_if_params *p)
{
    const zt_ctl_member *m = w->m;

    zt__pgs_id_text(p->net, m->nwid);
    zt__pgs_id_text(p->mem, m->id);
    snprintf(p->rev, sizeof(p->rev), "%" PRId64, (int64_t)m->revision);
    snprintf(p->expected, sizeof(p->expected), "%" PRId64, (int64_t)w->expected);
    p->vals[0] = p->net;
    p->vals[1] = p->mem;
    p->vals[2] = p->rev;
    p->vals[3] = m->authorized ? "t" : "f";
    p->vals[4] = m->active_bridge ? "t" : "f";
    p->vals[5] = w->doc;
    p->vals[6] = w->ips;
    p->vals[7] = w->alloc;
    p->vals[8] = p->expected;
    /* quiet in a transaction of its own (the request path's), not inside a caller's, whose
     * later writes would be quiet too */
    p->vals[9] = s->tx ? "" : "on";
    return w->exists ? S_PUT_MEM_IF : S_ADD_MEM;
}

/* The statement's answer |res| (taken): 0 (written, or w->stale) or the failure. */
static int put_if_answer(pg_store *s, mem_write *w, PGresult *res)
{
    int rv;

    if (zt__pgs_res_ok(res) && PQntuples(res) == 1)
        rv = put_if_result(s, w, res);
    else
        rv = put_failed(s, w->m, res);
    PQclear(res);
    return rv;
}

static int put_member_if_once(pg_store *s, const void *arg)
{
    mem_write *w = (mem_write *)arg;
    put_if_params p;
    int which = put_if_statement(s, w, &p);

    return put_if_answer(s, w, zt__pgs_run(s, which, p.vals));
}

static mem_write *put_if_write(pg_store *s, const zt_ctl_member *m, const uint64_t *expected)
{
    mem_write *w = mem_write_new(s, m);

    if (w != NULL) {
        w->exists = expected != NULL;
        w->expected = expected != NULL ? *expected : 0;
    }
    return w;
}

/* The end of a put_member_if: the lookups used, a stale row said. */
static int put_if_done(pg_store *s, mem_write *w, int rv)
{
    if (rv == 0 && w->stale)
        rv = ZT_ERR_AGAIN;
    forget_free(s, w->m->nwid);
    mem_write_free(w);
    return rv;
}

int zt__pgs_put_member_if_start(zt_store *base, const zt_ctl_member *m, const uint64_t *expected)
{
    pg_store *s = (pg_store *)base;
    put_if_params p;
    mem_write *w;
    int rv;

    if (s->pending != NULL || s->tx) /* one at a time, and never in a caller's transaction */
        return ZT_ERR_INVAL;
    if ((rv = zt__pgs_ready(s)) != 0)
        return rv;
    if ((w = put_if_write(s, m, expected)) == NULL)
        return ZT_ERR_NOMEM;
    if (!zt__pgs_send(s, put_if_statement(s, w, &p), p.vals)) {
        /* nothing went out: finish writes it the ordinary way (reconnecting if need be) */
        w->unsent = true;
    }
    s->pending = w;
    return 0;
}

int zt__pgs_put_member_if_finish(zt_store *base)
{
    pg_store *s = (pg_store *)base;
    mem_write *w = s->pending;
    PGresult *res, *extra;
    int rv;

    if (w == NULL)
        return ZT_ERR_INVAL;
    s->pending = NULL;
    if (w->unsent)
        return put_if_done(s, w, zt__pgs_write_op(s, put_member_if_once, w));
    res = PQgetResult(s->conn);
    while ((extra = PQgetResult(s->conn)) != NULL) /* the end of the answer */
        PQclear(extra);
    rv = put_if_answer(s, w, res);
    if (rv == ZT_ERR_AGAIN) { /* a serialisation failure: tried again as every write is */
        s->retries++;
        rv = zt__pgs_write_op(s, put_member_if_once, w);
    }
    return put_if_done(s, w, rv);
}

typedef struct mem_key {
    uint64_t nwid, node;
} mem_key;

static int delete_member_once(pg_store *s, const void *arg)
{
    const mem_key *k = arg;
    char net[24], mem[24];
    const char *vals[2] = {net, mem};
    PGresult *res;
    int rv = 0;

    zt__pgs_id_text(net, k->nwid);
    zt__pgs_id_text(mem, k->node);
    res = zt__pgs_run(s, S_DEL_MEM, vals);
    if (!zt__pgs_res_ok(res))
        rv = zt__pgs_fail(s, res, "deleting a member");
    else if (strcmp(PQcmdTuples(res), "0") == 0)
        rv = zt__store_no_member(&s->base, k->nwid, k->node);
    PQclear(res);
    return rv;
}

int zt__pgs_delete_member(zt_store *base, uint64_t nwid, uint64_t node)
{
    mem_key k = {nwid, node};

    return zt__pgs_write_op((pg_store *)base, delete_member_once, &k);
}

int zt__pgs_list_members(zt_store *base, uint64_t nwid, zt_store_member_cb cb, void *arg)
{
    pg_store *s = (pg_store *)base;
    char net[24], last[24] = "0", page[16];
    const char *vals[3] = {net, last, page};
    zt_ctl_member m;
    int rv, rows = 0;

    if ((rv = zt__pgs_list_begin(s)) != 0)
        return rv;
    zt__pgs_id_text(net, nwid);
    snprintf(page, sizeof(page), "%d", PG_PAGE);
    if ((rv = zt__pgs_has_network(s, nwid)) != 0)
        return zt__pgs_list_end(s, rv);
    do {
        PGresult *res = zt__pgs_run(s, S_LIST_MEMS, vals);

        if (!zt__pgs_res_ok(res)) {
            rv = zt__pgs_fail(s, res, "listing members");
            PQclear(res);
            break;
        }
        rows = PQntuples(res);
        for (int r = 0; r < rows && rv == 0; r++) {
            uint64_t id = zt__pgs_col_id(res, r, 0);
            rv = load_member(s, res, r, 1, nwid, id, &m);
            if (rv == 0)
                rv = cb(&m, arg);
            zt__ctl_member_clear(&m);
            zt__pgs_id_text(last, id);
        }
        PQclear(res);
    } while (rv == 0 && rows == PG_PAGE);
    return zt__pgs_list_end(s, rv);
}

/* ---- the index ------------------------------------------------------------------------------- */

int zt__pgs_ip_in_use(zt_store *base, uint64_t nwid, const zt_ctl_ip *ip, bool *pused)
{
    pg_store *s = (pg_store *)base;
    char net[24], text[IP_TEXT_MAX];
    const char *vals[2] = {net, text};
    PGresult *res;
    int rv;

    if ((rv = zt__pgs_ready(s)) != 0)
        return rv;
    if (zt__ctl_ip_format(ip, false, text, sizeof(text)) != 0) {
        zt__store_set_err(base, "ip_in_use: the address cannot be written as text");
        return ZT_ERR_INVAL;
    }
    zt__pgs_id_text(net, nwid);
    res = zt__pgs_run(s, S_IP_USED, vals);
    if (!zt__pgs_res_ok(res)) {
        rv = zt__pgs_fail(s, res, "looking up an address");
    } else {
        *pused = PQntuples(res) > 0;
        if (!*pused)
            remember_free(s, nwid, ip);
    }
    PQclear(res);
    return rv;
}

int zt__pgs_active_bridges(zt_store *base, uint64_t nwid, uint64_t *ids, size_t cap,
                             size_t *pn)
{
    pg_store *s = (pg_store *)base;
    char net[24], limit[24];
    const char *vals[2] = {net, limit};
    PGresult *res;
    int rv;

    if ((rv = zt__pgs_ready(s)) != 0)
        return rv;
    zt__pgs_id_text(net, nwid);
    snprintf(limit, sizeof(limit), "%zu", cap > INT32_MAX ? (size_t)INT32_MAX : cap);
    res = zt__pgs_run(s, S_BRIDGES, vals);
    if (!zt__pgs_res_ok(res)) {
        rv = zt__pgs_fail(s, res, "listing active bridges");
    } else {
        for (int r = 0; r < PQntuples(res) && *pn < cap; r++)
            ids[(*pn)++] = zt__pgs_col_id(res, r, 0);
    }
    PQclear(res);
    return rv;
}

/* ---- a config request's reads at once -------------------------------------------------------- */

/* The array literal |text| of bigints ("{1,-2,3}", as PostgreSQL writes one) into |ids|:
 * false when it is not one. */
static bool parse_ids(const char *text, uint64_t *ids, size_t cap, size_t *pn)
{
    const char *p = text;

    if (*p++ != '{')
        return false;
    if (*p == '}')
        return p[1] == '\0';
    for (;;) {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(p, &end, 10);
        if (end == p || errno != 0 || (*end != ',' && *end != '}'))
            return false;
        if (*pn < cap)
            ids[(*pn)++] = (uint64_t)v;
        if (*end == '}')
            return end[1] == '\0';
        p = end + 1;
    }
}

/* The probe's addresses as an array literal in |arr| (those that cannot be written are left
 * out, and stay unanswered); *pkept gets their indexes in |probe|. */
static void probe_array(const zt_store_probe *probe, char *arr, size_t cap, size_t *kept,
                        size_t *pnkept)
{
    *pnkept = 0;
    arr[0] = '\0';
    for (size_t i = 0; probe != NULL && i < probe->n; i++) {
        char text[IP_TEXT_MAX];
        if ((probe->ips[i].family != 4 && probe->ips[i].family != 6) ||
            zt__ctl_ip_format(&probe->ips[i], false, text, sizeof(text)) != 0)
            continue;
        array_add(arr, cap, text);
        kept[(*pnkept)++] = i;
    }
    if (arr[0] == '\0')
        snprintf(arr, cap, "{}");
}

/* The probe's answers ("{t,f}", one per kept address); the free ones are remembered as
 * ip_in_use remembers them (an allocation the next write flags).  False when unreadable. */
static bool probe_answers(pg_store *s, uint64_t nwid, zt_store_probe *probe, const char *text,
                          const size_t *kept, size_t nkept)
{
    const char *p = text;

    if (*p++ != '{')
        return false;
    for (size_t k = 0; k < nkept; k++) {
        if ((*p != 't' && *p != 'f') || (p[1] != ',' && p[1] != '}'))
            return false;
        probe->state[kept[k]] = *p == 't' ? ZT_STORE_PROBE_USED : ZT_STORE_PROBE_FREE;
        if (*p == 'f')
            remember_free(s, nwid, &probe->ips[kept[k]]);
        p += 2;
    }
    return (nkept == 0 ? *p == '}' && p[1] == '\0' : p[-1] == '}' && *p == '\0');
}

int zt__pgs_get_request(zt_store *base, uint64_t nwid, uint64_t node, zt_ctl_network *net,
                        zt_ctl_member *m, bool *pfound, uint64_t *ids, size_t cap, size_t *pn,
                        zt_store_probe *probe)
{
    pg_store *s = (pg_store *)base;
    char net_id[24], mem_id[24], limit[24], probes[IP_ARRAY_MAX];
    const char *vals[4] = {net_id, mem_id, limit, probes};
    size_t kept[ZT_STORE_PROBE_MAX], nkept;
    PGresult *res;
    int rv;

    if ((rv = zt__pgs_ready(s)) != 0)
        return rv;
    zt__pgs_id_text(net_id, nwid);
    zt__pgs_id_text(mem_id, node);
    snprintf(limit, sizeof(limit), "%zu", cap > INT32_MAX ? (size_t)INT32_MAX : cap);
    probe_array(probe, probes, sizeof(probes), kept, &nkept);
    res = zt__pgs_run(s, S_GET_REQ, vals);
    if (!zt__pgs_res_ok(res))
        rv = zt__pgs_fail(s, res, "reading a network, a member and its bridges");
    else if (PQntuples(res) == 0)
        rv = zt__store_no_network(base, nwid);
    else if ((rv = zt__pgs_load_network(s, res, 0, 0, nwid, net)) == 0 &&
             !PQgetisnull(res, 0, 1)) {
        zt__ctl_member_clear(m);
        rv = load_member(s, res, 0, 1, nwid, node, m);
        *pfound = rv == 0;
    }
    if (rv == 0 && (!parse_ids(PQgetvalue(res, 0, 2), ids, cap, pn) ||
                    (probe != NULL &&
                     !probe_answers(s, nwid, probe, PQgetvalue(res, 0, 3), kept, nkept)))) {
        zt__store_set_err(base, "network %016llx: the server answered an unreadable list of "
                                "active bridges or addresses",
                          (unsigned long long)nwid);
        rv = ZT_ERR_IO;
    }
    PQclear(res);
    return rv;
}
