/*
 * PostgreSQL store: the change feed (store.h zt__store_poll_changes).  Schema version 2's
 * triggers notify channel "zt_<schema>" at each commit that wrote a network or member row
 * (store_pg_schema.c); a second connection of ours LISTENs there, and poll_changes reads what
 * arrived without waiting.  Notifications of our own main connection are skipped (the
 * controller already knows its own edits).  A lost listening connection is tried again with
 * the main connection's backoff (1 s doubling to 30 s); once back, ZT_STORE_CHANGE_ALL says
 * that changes may have been missed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/store_pg_internal.h"

#define CHANNEL_MAX 63 /* NAMEDATALEN - 1: longer channel names are refused by the server */

/* LISTEN on s->channel over s->listen: 0, or ZT_ERR_IO with a sentence in |err|. */
static int listen_channel(pg_store *s, char *err, size_t errlen)
{
    char *ident = PQescapeIdentifier(s->listen, s->channel, strlen(s->channel));
    char sql[200];
    int rv;

    if (ident == NULL) {
        zt__err_set(err, errlen, "%s: cannot quote the channel name", s->where);
        return ZT_ERR_IO;
    }
    snprintf(sql, sizeof(sql), "LISTEN %s", ident);
    PQfreemem(ident);
    rv = zt__pg_exec(s->listen, sql, s->where, "listening for changes", err, errlen);
    return rv;
}

int zt__pgs_listen_start(pg_store *s, const char *const *keys, const char *const *vals,
                         char *err, size_t errlen)
{
    PGresult *res = PQexec(s->conn, "SELECT current_schema()");
    const char *schema;

    if (!zt__pgs_res_ok(res) || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        int rv = zt__pg_fail(s->conn, res, s->where, "reading the current schema", err,
                             errlen);
        PQclear(res);
        return rv != 0 ? rv : ZT_ERR_IO;
    }
    schema = PQgetvalue(res, 0, 0);
    if (strlen(schema) > CHANNEL_MAX - 3) {
        /* the trigger would cut "zt_<schema>" by characters, we by bytes: refuse instead */
        zt__err_set(err, errlen, "%s: schema name longer than %d bytes: the change feed's "
                                 "channel would not fit",
                    s->where, CHANNEL_MAX - 3);
        PQclear(res);
        return ZT_ERR_INVAL;
    }
    snprintf(s->channel, sizeof(s->channel), "zt_%s", schema);
    PQclear(res);
    s->listen = PQconnectdbParams(keys, vals, 1);
    if (s->listen == NULL) {
        zt__err_set(err, errlen, "PostgreSQL store: out of memory");
        return ZT_ERR_NOMEM;
    }
    if (PQstatus(s->listen) != CONNECTION_OK) {
        char msg[256];
        zt__pg_one_line(PQerrorMessage(s->listen), msg, sizeof(msg));
        zt__err_set(err, errlen, "%s: cannot open the connection for changes: %s", s->where,
                    msg);
        return ZT_ERR_IO;
    }
    return listen_channel(s, err, errlen);
}

void zt__pgs_listen_close(pg_store *s)
{
    if (s->listen != NULL)
        PQfinish(s->listen);
    s->listen = NULL;
}

/* Reconnects the listening connection, backing off as the main one does (store_pg.c):
 * 0 once listening again. */
static int relisten(pg_store *s)
{
    char why[ZT_STORE_ERRMSG_MAX];

    if (zt__pgs_backoff_left(&s->listen_backoff) > 0) {
        zt__store_set_err(&s->base, "%s: the connection for changes is down", s->where);
        return ZT_ERR_IO;
    }
    PQreset(s->listen);
    if (PQstatus(s->listen) != CONNECTION_OK) {
        char msg[256];
        unsigned wait = zt__pgs_backoff_failed(&s->listen_backoff);
        zt__pg_one_line(PQerrorMessage(s->listen), msg, sizeof(msg));
        zt__store_set_err(&s->base, "%s: cannot reconnect for changes (next attempt in %u "
                                    "ms): %s",
                          s->where, wait, msg);
        return ZT_ERR_IO;
    }
    if (listen_channel(s, why, sizeof(why)) != 0) {
        (void)zt__pgs_backoff_failed(&s->listen_backoff);
        zt__store_set_err(&s->base, "%s", why);
        return ZT_ERR_IO;
    }
    zt__pgs_backoff_reset(&s->listen_backoff);
    return 0;
}

/* A signed decimal id as the database stores it, up to |end| or a space; false on anything
 * else (overflow included).  Notifications come from any role that may NOTIFY: no trust. */
static bool parse_id(const char **pp, long long *out)
{
    char *end;

    errno = 0;
    *out = strtoll(*pp, &end, 10);
    if (end == *pp || errno != 0 || (*end != ' ' && *end != '\0'))
        return false;
    *pp = end;
    return true;
}

/* "n <nwid>" or "m <nwid> <node> <0|1> <0|1>" into |c|; false if it is neither (a member id
 * beyond 40 bits included). */
static bool parse_payload(const char *p, zt_store_change *c)
{
    long long nwid, node;

    memset(c, 0, sizeof(*c));
    if (strncmp(p, "n ", 2) == 0) {
        p += 2;
        if (!parse_id(&p, &nwid) || *p != '\0')
            return false;
        c->kind = ZT_STORE_CHANGE_NETWORK;
        c->nwid = (uint64_t)nwid;
        return true;
    }
    if (strncmp(p, "m ", 2) != 0)
        return false;
    p += 2;
    if (!parse_id(&p, &nwid) || *p++ != ' ' || !parse_id(&p, &node) || node < 0 ||
        (uint64_t)node > 0xffffffffffULL || strlen(p) != 4 || p[0] != ' ' || p[2] != ' ' ||
        (p[1] != '0' && p[1] != '1') || (p[3] != '0' && p[3] != '1'))
        return false;
    c->kind = ZT_STORE_CHANGE_MEMBER;
    c->nwid = (uint64_t)nwid;
    c->node = (uint64_t)node;
    c->was_authorized = p[1] == '1';
    c->is_authorized = p[3] == '1';
    return true;
}

int zt__pgs_poll_changes(zt_store *base, zt_store_change_cb cb, void *arg)
{
    pg_store *s = (pg_store *)base;
    int own = PQstatus(s->conn) == CONNECTION_OK ? PQbackendPID(s->conn) : 0;
    PGnotify *n;
    int rv = 0;

    if (s->listen == NULL)
        return 0;
    if (PQstatus(s->listen) != CONNECTION_OK || s->listen_down) {
        s->listen_down = true;
        if ((rv = relisten(s)) != 0)
            return rv;
        s->listen_down = false;
        zt_store_change all = {.kind = ZT_STORE_CHANGE_ALL};
        if ((rv = cb(&all, arg)) != 0)
            return rv;
    }
    if (PQconsumeInput(s->listen) == 0 || PQstatus(s->listen) != CONNECTION_OK) {
        s->listen_down = true;
        zt__store_set_err(&s->base, "%s: the connection for changes was lost", s->where);
        return ZT_ERR_IO;
    }
    while (rv == 0 && (n = PQnotifies(s->listen)) != NULL) {
        zt_store_change c;
        if (n->be_pid != own && parse_payload(n->extra, &c))
            rv = cb(&c, arg);
        PQfreemem(n);
    }
    return rv;
}
