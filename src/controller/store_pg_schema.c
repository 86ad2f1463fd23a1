/*
 * The PostgreSQL store's schema: its versions, the migrations that bring an older schema
 * forward at open (one transaction, under an advisory lock), the check that decides whether
 * the tables found are ours, and the words for what a failed libpq call means.  The records
 * themselves: store_pg.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/store_pg_internal.h"

/* Schema history.  migrations[v - 1] brings a version v-1 schema to version v; version 0 is
 * a schema without our tables.  Never edit a step once released: append a new one (and list
 * its new tables in our_tables[]). */
static const char *const migrations[] = {
    /* 1: the records, as the SQLite store keeps them (doc = the record's JSON, jsonb here),
     * and the index: active_bridge, and one member_ip row per (member, address in its
     * ipAssignments).  An address the controller allocated (found free, then written: see
     * store_pg.c) is flagged, and a flagged address is unique in its network: two
     * controllers sharing the database cannot hand it out twice.  Addresses written through
     * the API may still be shared, as on every backend. */
    "CREATE TABLE schema_version ("
    "  id integer PRIMARY KEY CHECK (id = 1),"
    "  version integer NOT NULL);"
    "INSERT INTO schema_version (id, version) VALUES (1, 0);"
    "CREATE TABLE network ("
    "  id bigint PRIMARY KEY,"
    "  revision bigint NOT NULL,"
    "  doc jsonb NOT NULL);"
    "CREATE TABLE member ("
    "  network_id bigint NOT NULL,"
    "  id bigint NOT NULL,"
    "  revision bigint NOT NULL,"
    "  authorized boolean NOT NULL,"
    "  active_bridge boolean NOT NULL DEFAULT false,"
    "  doc jsonb NOT NULL,"
    "  PRIMARY KEY (network_id, id),"
    "  CONSTRAINT member_network FOREIGN KEY (network_id) REFERENCES network (id)"
    "    ON DELETE CASCADE);"
    "CREATE INDEX member_authorized ON member (network_id, authorized);"
    "CREATE INDEX member_active_bridge ON member (network_id, id) WHERE active_bridge;"
    "CREATE TABLE member_ip ("
    "  network_id bigint NOT NULL,"
    "  member_id bigint NOT NULL,"
    "  ip inet NOT NULL,"
    "  allocated boolean NOT NULL DEFAULT false,"
    "  PRIMARY KEY (network_id, member_id, ip),"
    "  CONSTRAINT member_ip_member FOREIGN KEY (network_id, member_id)"
    "    REFERENCES member (network_id, id) ON DELETE CASCADE);"
    "CREATE INDEX member_ip_address ON member_ip (network_id, ip);"
    "CREATE UNIQUE INDEX member_ip_allocated ON member_ip (network_id, ip) WHERE allocated;",
    /* 2: the change feed.  Every write of a network or member row notifies channel
     * "zt_<schema>" (63 characters at most) at commit: "n <network id>" or "m <network id> <member id> <authorized
     * before: 0|1> <after: 0|1>" (ids as the signed bigints stored).  Controller processes
     * sharing the database LISTEN and push what others changed (store_pg_notify.c).
     * EXECUTE PROCEDURE: PostgreSQL 10 knows no EXECUTE FUNCTION. */
    "CREATE OR REPLACE FUNCTION zt_notify_change() RETURNS trigger LANGUAGE plpgsql AS $body$"
    " DECLARE ch text := left('zt_' || TG_TABLE_SCHEMA, 63);"
    " BEGIN"
    "  IF TG_TABLE_NAME = 'network' THEN"
    "   IF TG_OP = 'DELETE' THEN PERFORM pg_notify(ch, 'n ' || OLD.id);"
    "   ELSE PERFORM pg_notify(ch, 'n ' || NEW.id); END IF;"
    "  ELSIF TG_OP = 'INSERT' THEN"
    "   PERFORM pg_notify(ch, 'm ' || NEW.network_id || ' ' || NEW.id || ' 0 ' ||"
    "                     NEW.authorized::int);"
    "  ELSIF TG_OP = 'UPDATE' THEN"
    "   PERFORM pg_notify(ch, 'm ' || NEW.network_id || ' ' || NEW.id || ' ' ||"
    "                     OLD.authorized::int || ' ' || NEW.authorized::int);"
    "  ELSE"
    "   PERFORM pg_notify(ch, 'm ' || OLD.network_id || ' ' || OLD.id || ' ' ||"
    "                     OLD.authorized::int || ' 0');"
    "  END IF;"
    "  RETURN NULL;"
    " END $body$;"
    "DROP TRIGGER IF EXISTS network_notify ON network;"
    "DROP TRIGGER IF EXISTS member_notify ON member;"
    "CREATE TRIGGER network_notify AFTER INSERT OR UPDATE OR DELETE ON network"
    "  FOR EACH ROW EXECUTE PROCEDURE zt_notify_change();"
    "CREATE TRIGGER member_notify AFTER INSERT OR UPDATE OR DELETE ON member"
    "  FOR EACH ROW EXECUTE PROCEDURE zt_notify_change();",
    /* 3: a controller's own answers stay off the feed.  The write a config request makes
     * (put_member_if: a new member, its address, its versions) sets zt.quiet to 'on' for its
     * own transaction, and a member row written so notifies nobody: the member has just been
     * answered by the controller that wrote it, and nothing in it is in another member's
     * config.  Edits (the API, other tools) notify as before.  The condition is checked
     * when the row is written, so no trigger function runs for a quiet write. */
    "DROP TRIGGER IF EXISTS member_notify ON member;"
    "CREATE TRIGGER member_notify AFTER INSERT OR UPDATE OR DELETE ON member"
    "  FOR EACH ROW WHEN (current_setting('zt.quiet', true) IS DISTINCT FROM 'on')"
    "  EXECUTE PROCEDURE zt_notify_change();",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The tables of the schema and the version that created each (keep in step with
 * migrations[]). */
static const struct {
    const char *name;
    int since;
} our_tables[] = {
    {"schema_version", 1},
    {"network", 1},
    {"member", 1},
    {"member_ip", 1},
};
#define NOUR_TABLES (sizeof(our_tables) / sizeof(our_tables[0]))

/* Serialises schema checks and migrations of every process opening a store on the same
 * database (pg_advisory_xact_lock: released at the end of the transaction).  Any constant
 * will do, as long as it never changes. */
#define MIGRATION_LOCK_SQL "SELECT pg_advisory_xact_lock(134639447585768449)"

int zt__store_pg_schema_version(void)
{
    return SCHEMA_VERSION;
}

/* ---- what a failure means ------------------------------------------------------------------ */

const char *zt__pg_sqlstate(const PGresult *res)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    return state != NULL ? state : "";
}

/* The cause of a failure with SQLSTATE |state|, in words. */
static const char *cause_words(const char *state)
{
    static const struct {
        const char *state; /* full code, or a two-character class */
        const char *words;
    } causes[] = {
        {ZT_PG_SERIALIZATION_FAILURE,
         "a concurrent transaction changed the same rows (serialization failure: roll back "
         "and try again)"},
        {ZT_PG_DEADLOCK, "deadlock with a concurrent transaction (try again)"},
        {ZT_PG_UNIQUE_VIOLATION, "a unique constraint refused the row"},
        {ZT_PG_FOREIGN_KEY_VIOLATION, "a foreign key refused the row"},
        {"25P02", "an earlier failure aborted the transaction (roll it back)"},
        {"42501", "permission denied"},
        {"53100", "the server's disk is full"},
        {"53200", "the server is out of memory"},
        {"53300", "the server has too many connections"},
        {"55P03", "a lock was not granted in time"},
        {"57014", "the statement was cancelled (statement or lock timeout?)"},
        {"57P01", "the server is shutting down, or an administrator ended the session"},
        {"57P02", "the server is shutting down"},
        {"57P03", "the server is starting up or shutting down"},
        {"3D000", "the database does not exist"},
        {"08", "connection failure"},
        {"22", "the server refused a value"},
        {"28", "authentication failed"},
        {"42", "the schema is not what this build expects (damaged, or changed by hand?)"},
        {"53", "the server ran out of a resource"},
        {"58", "I/O error on the server"},
        {"XX", "internal error on the server (damaged data?)"},
    };

    for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++) {
        size_t n = strlen(causes[i].state);
        if (strncmp(state, causes[i].state, n) == 0 && (n == 2 || state[n] == '\0'))
            return causes[i].words;
    }
    return "database error";
}

void zt__pg_one_line(const char *msg, char *out, size_t cap)
{
    size_t n = 0;
    bool space = false;

    for (const char *p = msg; *p != '\0' && n + 1 < cap; p++) {
        bool ws = *p == '\n' || *p == '\t' || *p == '\r' || *p == ' ';
        if (ws) {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < cap)
            out[n++] = ' ';
        space = false;
        out[n++] = *p;
    }
    out[n] = '\0';
}

int zt__pg_fail(PGconn *conn, const PGresult *res, const char *where, const char *doing,
                char *err, size_t errlen)
{
    const char *state = zt__pg_sqlstate(res);
    const char *msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    bool lost = conn == NULL || PQstatus(conn) != CONNECTION_OK;
    char text[256];

    if (msg == NULL)
        msg = conn != NULL ? PQerrorMessage(conn) : "";
    zt__pg_one_line(msg, text, sizeof(text));
    if (res == NULL && !lost) {
        zt__err_set(err, errlen, "%s: out of memory (libpq), while %s", where, doing);
        return ZT_ERR_NOMEM;
    }
    zt__err_set(err, errlen, "%s: %s, while %s (postgres%s%s: %s)", where,
                lost ? "the connection to the server was lost" : cause_words(state), doing,
                state[0] != '\0' ? " " : "", state, text[0] != '\0' ? text : "no message");
    if (!lost && (strcmp(state, ZT_PG_SERIALIZATION_FAILURE) == 0 ||
                  strcmp(state, ZT_PG_DEADLOCK) == 0))
        return ZT_ERR_AGAIN;
    return ZT_ERR_IO;
}

int zt__pg_exec(PGconn *conn, const char *sql, const char *where, const char *doing, char *err,
                size_t errlen)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(res);
    int rv = 0;

    if (res == NULL || (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK))
        rv = zt__pg_fail(conn, res, where, doing, err, errlen);
    PQclear(res);
    return rv;
}

/* ---- is it ours? ----------------------------------------------------------------------------- */

/* Reads which of our tables exist in the current schema (bit i: our_tables[i]) and its name. */
static int scan_tables(PGconn *conn, const char *where, unsigned *phave, char *schema,
                       size_t schemalen, char *err, size_t errlen)
{
    PGresult *res;
    int rv = 0;

    *phave = 0;
    res = PQexec(conn, "SELECT current_schema()");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rv = zt__pg_fail(conn, res, where, "reading its schema", err, errlen);
        goto out;
    }
    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        zt__err_set(err, errlen, "%s: no schema to keep the tables in: none of the schemas of "
                                 "its search_path exists (create one, or name one with "
                                 "options='-c search_path=...' in the connection string)",
                    where);
        rv = ZT_ERR_INVAL;
        goto out;
    }
    snprintf(schema, schemalen, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = PQexec(conn, "SELECT c.relname FROM pg_catalog.pg_class c "
                       "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = current_schema() AND c.relname IN "
                       "('schema_version', 'network', 'member', 'member_ip')");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rv = zt__pg_fail(conn, res, where, "reading its schema", err, errlen);
        goto out;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        for (size_t i = 0; i < NOUR_TABLES; i++) {
            if (strcmp(PQgetvalue(res, r, 0), our_tables[i].name) == 0)
                *phave |= 1u << i;
        }
    }
out:
    PQclear(res);
    return rv;
}

/* Our tables for |version|: none missing, none from a later version. */
static int check_tables(unsigned have, int version, const char *where, const char *schema,
                        char *err, size_t errlen)
{
    for (size_t i = 0; i < NOUR_TABLES; i++) {
        bool has = (have >> i) & 1u;
        if (has && our_tables[i].since > version) {
            zt__err_set(err, errlen, "%s is damaged: schema %s has table %s, which schema "
                                     "version %d does not have; left as it is",
                        where, schema, our_tables[i].name, version);
            return ZT_ERR_INVAL;
        }
        if (!has && our_tables[i].since <= version) {
            zt__err_set(err, errlen, "%s is damaged: schema %s is at version %d but lacks its "
                                     "table %s; left as it is",
                        where, schema, version, our_tables[i].name);
            return ZT_ERR_INVAL;
        }
    }
    return 0;
}

/* The version recorded in schema_version. */
static int read_version(PGconn *conn, const char *where, const char *schema, int *pversion,
                        char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, "SELECT version FROM schema_version WHERE id = 1");
    char *end = NULL;
    long v = 0;
    int rv = 0;

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        if (PQstatus(conn) != CONNECTION_OK) {
            rv = zt__pg_fail(conn, res, where, "reading its schema version", err, errlen);
        } else {
            char why[256];
            (void)zt__pg_fail(conn, res, where, "reading", why, sizeof(why));
            zt__err_set(err, errlen, "%s: schema %s has a schema_version table that is not "
                                     "the controller's or is damaged (%s); left as it is",
                        where, schema, why);
            rv = ZT_ERR_INVAL;
        }
        goto out;
    }
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
        v = strtol(PQgetvalue(res, 0, 0), &end, 10);
    if (end == NULL || *end != '\0' || v < 1 || v > 1000000) {
        zt__err_set(err, errlen, "%s is damaged: schema_version in schema %s has no usable "
                                 "version row; left as it is",
                    where, schema);
        rv = ZT_ERR_INVAL;
        goto out;
    }
    *pversion = (int)v;
out:
    PQclear(res);
    return rv;
}

/* The version of the current schema: 0 without our tables. */
static int check_schema(PGconn *conn, const char *where, int *pversion, char *err,
                        size_t errlen)
{
    char schema[128] = "";
    unsigned have;
    int version = 0, rv;

    if ((rv = scan_tables(conn, where, &have, schema, sizeof(schema), err, errlen)) != 0)
        return rv;
    if (have == 0) {
        *pversion = 0;
        return 0;
    }
    if ((have & 1u) == 0) {
        zt__err_set(err, errlen, "%s: schema %s has tables named as the controller's (network, "
                                 "member or member_ip) but no schema_version: another "
                                 "application's, or damaged; left as it is (give the "
                                 "controller a database or schema of its own)",
                    where, schema);
        return ZT_ERR_INVAL;
    }
    if ((rv = read_version(conn, where, schema, &version, err, errlen)) != 0)
        return rv;
    if (version > SCHEMA_VERSION) {
        zt__err_set(err, errlen, "%s: schema %s has controller schema version %d, newer than "
                                 "the %d this build understands; use a newer zt-service (the "
                                 "database is left as it is)",
                    where, schema, version, SCHEMA_VERSION);
        return ZT_ERR_UNSUPPORTED;
    }
    if ((rv = check_tables(have, version, where, schema, err, errlen)) != 0)
        return rv;
    *pversion = version;
    return 0;
}

int zt__pg_migrate(PGconn *conn, const char *where, char *err, size_t errlen)
{
    const char *params[1];
    char vtext[16];
    PGresult *res;
    int version = 0, rv;

    if ((rv = zt__pg_exec(conn, "BEGIN", where, "starting the schema check", err, errlen)) != 0)
        return rv;
    if ((rv = zt__pg_exec(conn, MIGRATION_LOCK_SQL, where, "waiting for other processes "
                          "opening the store", err, errlen)) != 0 ||
        (rv = check_schema(conn, where, &version, err, errlen)) != 0)
        goto out;
    for (int v = version + 1; v <= SCHEMA_VERSION; v++) {
        if ((rv = zt__pg_exec(conn, migrations[v - 1], where, "migrating the schema", err,
                              errlen)) != 0)
            goto out;
    }
    if (version < SCHEMA_VERSION) {
        snprintf(vtext, sizeof(vtext), "%d", SCHEMA_VERSION);
        params[0] = vtext;
        res = PQexecParams(conn, "UPDATE schema_version SET version = $1 WHERE id = 1", 1,
                           NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            rv = zt__pg_fail(conn, res, where, "recording the schema version", err, errlen);
        PQclear(res);
        if (rv != 0)
            goto out;
    }
    rv = zt__pg_exec(conn, "COMMIT", where, "committing the schema", err, errlen);
out:
    if (rv != 0 && PQstatus(conn) == CONNECTION_OK)
        PQclear(PQexec(conn, "ROLLBACK"));
    return rv;
}
