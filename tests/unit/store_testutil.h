/*
 * store_testutil.h: helpers shared by the store test programs (test_store.c: the shared suite
 * on every backend; test_store_model.c: the data model; test_store_backend.c: backend-specific
 * cases).  Test code only.
 */
#ifndef ZT_TESTS_UNIT_STORE_TESTUTIL_H
#define ZT_TESTS_UNIT_STORE_TESTUTIL_H

#include "testutil.h"

#include <libpq-fe.h>

#include "controller/model.h"
#include "controller/store.h"

#define NWID1 0x8056c2e21c000001ULL
#define NWID2 0x0123456789000002ULL
#define NWID_HI 0xfedcba9876000003ULL /* top bit set: checks unsigned ordering */

void rm_tree(const char *dir);
void make_tmpdir(char *out, size_t cap);
double now_sec(void);
json_t *parse(const char *text);
void write_file(const char *path, const char *text);
char *read_all(const char *path);
void load_rich_network(zt_ctl_network *n);
void load_rich_member(zt_ctl_member *m);
void assert_net_same(const zt_ctl_network *a, const zt_ctl_network *b);
void assert_mem_same(const zt_ctl_member *a, const zt_ctl_member *b);
void put_network(zt_store *st, uint64_t nwid, const char *name);
void put_member(zt_store *st, uint64_t nwid, uint64_t node, bool authorized);

typedef struct backend {
    const char *name;
    int (*open)(zt_store **pst, const char *dir); /* |dir| exists and is empty at first open */
    bool persistent;                              /* reopen on |dir| sees the data */
    bool can_rollback;
    size_t bulk; /* members in the bulk case */
    /* Overwrites the stored member record with |text|: false if the backend cannot hold that
     * text (pg's jsonb column refuses what is not JSON).  NULL: cannot at all. */
    bool (*corrupt_member)(const char *dir, uint64_t nwid, uint64_t node, const char *text);
    /* Removes what open() made outside |dir| (NULL: nothing). */
    void (*cleanup)(const char *dir);
    bool needs_server; /* pg: runs only when asked for, under tests/pg/pg_temp.sh */
} backend;

/* The shared suite's fixture (test_store.c): a store of backend |be| opened in |dir|. */
typedef struct store_fixture {
    const backend *be;
    char dir[128];
    zt_store *st;
} store_fixture;

/* Shared cases defined outside test_store.c (test_store_save.c). */
void t_save_revisions(void **state);
void t_save_cas(void **state);
void t_save_cas_split(void **state);
void t_save_network_if(void **state);
void t_get_request(void **state);

#define NBACKENDS 5
extern const backend backends[NBACKENDS]; /* mem, sqlite, json, rt, pg */

/* ---- PostgreSQL (tests/pg/pg_temp.sh exports ZT_TEST_PG) --------------------------------- */

/* The server's connection string (ZT_TEST_PG), or NULL when there is none. */
const char *pg_test_conninfo(void);
/* ZT_TEST_PG with |schema| as the search_path, in |out|: a store opened with it keeps its
 * tables in that schema (one per test, so that tests never see each other's records). */
void pg_schema_conninfo(const char *schema, char *out, size_t cap);
/* A schema name of our own for the temp directory |dir|: "zt_t" + hex of its random part. */
void pg_schema_of(const char *dir, char *out, size_t cap);
/* A connection to the test server, with |schema| as the search_path (NULL: the default); fails
 * the test if it cannot connect.  PQfinish() it. */
PGconn *pg_connect(const char *schema);
/* Runs |sql| (no parameters) on a connection of pg_connect(|schema|); fails the test on error. */
void pg_exec(const char *schema, const char *sql);
/* Drops |schema| and all in it, after ending the stores' sessions on the database (a failed
 * test's store may still hold locks in it). */
void pg_drop_schema(const char *schema);
/* The integer in the first column of the first row of |sql|'s result. */
long long pg_query_int(const char *schema, const char *sql);

/* One pg test's ground (cmocka setup/teardown): |dir| a temp directory, |schema| a schema of
 * its own on the test server, |conninfo| ZT_TEST_PG with that schema as the search_path;
 * teardown drops the schema and the directory. */
typedef struct pg_fixture {
    char dir[128];
    char schema[64];
    char conninfo[1024];
} pg_fixture;
int pg_fixture_setup(void **state);
int pg_fixture_teardown(void **state);
/* A pg store on the fixture's schema; fails the test if it cannot be opened. */
zt_store *pg_fixture_open(const pg_fixture *f);

#endif
