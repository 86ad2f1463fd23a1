/*
 * bench_controller: configuration requests answered per second by the controller on a network
 * of 10,000 members kept in SQLite (the target) and in the memory store, and the storage used
 * per member (issue 4).  Each request comes from a member without an address yet, so it is
 * the full path: index lookups, pool allocation, signing, the member saved.  In-process:
 * requests are built as a member would send them and answered through a counting sink, so the
 * figure is the controller's (decision, IP assignment, COM, signing, store) without the wire.
 * Requester identities are made-up keys with the members' addresses: the controller does not
 * check identities (VL1 did), so the costly address proof is skipped here on purpose.  A third
 * line runs 2,000 other members with zts_controller_config.durable_commits (synchronous=FULL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "controller/controller.h"
#include "controller/store.h"
#include "codec/configchunk.h"
#include "crypto/crypto.h"
#include "zts_controller.h"

#define MEMBERS 10000
#define REQUESTS 2000
#define NET_JSON                                                                                 \
    "{\"name\":\"bench\",\"private\":true,\"v4AssignMode\":{\"zt\":true},"                     \
    "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.128.0.1\",\"ipRangeEnd\":\"10.191.255.254\"}]," \
    "\"routes\":[{\"target\":\"10.128.0.0/10\"}],\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t sent_bytes, sent_payloads;

static int sink(void *arg, uint64_t dest, uint8_t verb, const uint8_t *payload, size_t len)
{
    (void)arg;
    (void)dest;
    (void)verb;
    (void)payload;
    sent_bytes += len;
    sent_payloads++;
    return 0;
}

/* MEMBERS authorised members without addresses, in one transaction. */
static int add_members(zt_store *st, uint64_t nwid)
{
    if (zt__store_begin(st) != 0)
        return -1;
    for (unsigned i = 0; i < MEMBERS; i++) {
        zt_ctl_member m;
        int rv;
        zt__ctl_member_init(&m, nwid, 0x0100000000ULL + i);
        m.authorized = true;
        m.creation_time = 1;
        rv = zt__store_put_member(st, &m);
        zt__ctl_member_clear(&m);
        if (rv != 0)
            return -1;
    }
    return zt__store_commit(st);
}

/* REQUESTS requests from distinct members (the |batch|-th set of REQUESTS: batches never share a
 * member) at times |t| + i; returns requests per second, *pok the answered. */
static double run_requests(zt_controller *ctl, uint64_t nwid, unsigned batch, int64_t t,
                           unsigned *pok)
{
    zt_controller_out out = {.send = sink};
    uint8_t md[ZT_DICT_METADATA_MAX], payload[ZT_DICT_METADATA_MAX + 32];
    zt_config_meta meta;
    zt_identity member;
    zt_ssize mlen, plen;
    double t0;

    *pok = 0;
    zt__config_meta_default(&meta);
    mlen = zt__config_meta_write(&meta, md, sizeof(md));
    if (mlen < 0)
        return 0;
    plen = zt__config_request_write(payload, sizeof(payload), nwid, md, (size_t)mlen, 0, 0);
    if (plen < 0)
        return 0;
    memset(&member, 0, sizeof(member));
    t0 = now_s();
    for (unsigned i = 0; i < REQUESTS; i++) {
        zt_controller_result res;
        member.address = 0x0100000000ULL + ((batch * REQUESTS + i) * 7919u) % MEMBERS;
        /* a stable key per member: the controller remembers the identity it first saw */
        memset(member.pub, 0x5a, sizeof(member.pub));
        zt__store_be(member.pub, member.address, 8);
        if (zt__controller_handle_request(ctl, &member, payload, (size_t)plen, 0x1000 + i,
                                         t + i, &out, &res) == 0 &&
            res == ZT_CTL_RESULT_CONFIG)
            (*pok)++;
    }
    return REQUESTS / (now_s() - t0);
}

/* The same on the memory store, through zt__controller_new. */
static double run_memory(const zt_identity *ctl_id, uint64_t nwid, unsigned *pok)
{
    zt_controller *ctl = NULL;
    zt_store *st = NULL;
    zt_ctl_network n;
    char json[512], why[128];
    double rate = 0;

    *pok = 0;
    snprintf(json, sizeof(json), "{\"id\":\"%016llx\",%s", (unsigned long long)nwid,
             &NET_JSON[1]); /* the object without its "{" */
    if (zt__ctl_network_load(&n, json, strlen(json), why, sizeof(why)) != 0) {
        fprintf(stderr, "bench_controller: %s\n", why);
        return 0;
    }
    if (zt__store_mem_new(&st) == 0 && zt__store_save_network(st, &n, 1, NULL) == 0 &&
        add_members(st, nwid) == 0 && zt__controller_new(&ctl, ctl_id, st, NULL) == 0)
        rate = run_requests(ctl, nwid, 0, 1000, pok);
    zt__controller_del(ctl);
    zt__store_del(st);
    zt__ctl_network_clear(&n);
    return rate;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

int main(void)
{
    char dir[] = "/tmp/zt-bench-ctl.XXXXXX", db[256], wal[300], secret[ZT_IDENTITY_STR_MAX + 1];
    char err[256];
    zts_controller_config cfg;
    zts_controller *api = NULL;
    zt_identity ctl_id;
    zt_store *st = NULL;
    uint64_t nwid;
    double t0, t1, rate, mem_rate, durable_rate;
    long long before, after;
    unsigned ok = 0, mem_ok = 0, durable_ok = 0;
    size_t payloads, bytes;

    if (zt__crypto_init() != 0 || mkdtemp(dir) == NULL)
        return 1;
    snprintf(db, sizeof(db), "%s/controller.sqlite3", dir);
    snprintf(wal, sizeof(wal), "%s-wal", db);
    if (zt__identity_generate(&ctl_id, NULL) != 0 ||
        zt__identity_to_string(&ctl_id, true, secret, sizeof(secret)) < 0)
        return 1;
    nwid = ctl_id.address << 24 | 1;

    zts_controller_config_default(&cfg);
    cfg.identity_secret = secret;
    cfg.store_kind = ZTS_CONTROLLER_STORE_SQLITE;
    cfg.store_path = db;
    if (zts_controller_new(&api, &cfg) != 0 ||
        zts_controller_network_set(api, nwid, NET_JSON, 1, NULL) != 0) {
        fprintf(stderr, "bench_controller: cannot set up the controller\n");
        return 1;
    }

    /* 10,000 authorized members, inserted in one transaction through a second connection. */
    before = file_size(db) + file_size(wal);
    t0 = now_s();
    if (zt__store_sqlite_open(&st, db, err, sizeof(err)) != 0 || add_members(st, nwid) != 0) {
        fprintf(stderr, "bench_controller: cannot add the members: %s\n", err);
        return 1;
    }
    zt__store_del(st);
    t1 = now_s();
    printf("bench_controller: %d members inserted in %.2f s (one transaction)\n", MEMBERS, t1 - t0);

    rate = run_requests(zt__controller_of(api), nwid, 0, 1000, &ok);
    after = file_size(db) + file_size(wal);
    payloads = sent_payloads;
    bytes = sent_bytes;
    mem_rate = run_memory(&ctl_id, nwid, &mem_ok);
    /* Other members (new addresses from the pool), every commit flushed. */
    zts_controller_del(api);
    api = NULL;
    cfg.durable_commits = 1;
    if (zts_controller_new(&api, &cfg) != 0) {
        fprintf(stderr, "bench_controller: cannot reopen the controller\n");
        return 1;
    }
    durable_rate = run_requests(zt__controller_of(api), nwid, 1, 1000000, &durable_ok);
    printf("\n%-52s %s\n", "metric", "value");
    printf("%-52s %.0f req/s (%u answered, %zu payloads, %.1f KB out) target >= 2000/s: %s\n",
           "config requests answered, 10,000-member network", rate, ok, payloads,
           (double)bytes / 1024, rate >= 2000 ? "met" : "MISSED");
    printf("%-52s %.0f req/s (%u answered)\n", "the same, memory store", mem_rate, mem_ok);
    printf("%-52s %.0f req/s (%u answered; an fsync per commit)\n",
           "the same, SQLite with durable_commits", durable_rate, durable_ok);
    printf("%-52s %.0f bytes (database + WAL %lld bytes after %u configs)\n",
           "storage per member", (double)(after - before) / MEMBERS, after, REQUESTS);
    zts_controller_del(api);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", db);
    unlink(wal);
    unlink(db);
    rmdir(dir);
    zt__identity_clear(&ctl_id);
    return 0;
}
