/*
 * store_testutil.h: helpers shared by the store test programs (test_store.c: the shared suite
 * on every backend; test_store_model.c: the data model; test_store_backend.c: backend-specific
 * cases).  Test code only.
 */
#ifndef ZT_TESTS_UNIT_STORE_TESTUTIL_H
#define ZT_TESTS_UNIT_STORE_TESTUTIL_H

#include "testutil.h"

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
    /* Overwrites the stored member record with |text| (NULL: cannot). */
    void (*corrupt_member)(const char *dir, uint64_t nwid, uint64_t node, const char *text);
} backend;

#define NBACKENDS 4
extern const backend backends[NBACKENDS]; /* mem, sqlite, json, rt */

#endif
