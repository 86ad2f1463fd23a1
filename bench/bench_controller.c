/*
 * bench_controller: configuration requests answered per second by the controller on a network
 * of 10,000 members kept in SQLite, and the storage used per member (issue 4).  In-process:
 * requests are built as a member would send them and answered through a counting sink, so the
 * figure is the controller's (decision, IP assignment, COM, signing, store) without the wire.
 * Requester identities are random key pairs with the members' addresses: the controller does
 * not check identities (VL1 did), so the costly address proof is skipped here on purpose.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "controller/controller.h"
#include "controller/store.h"
#include "core/configchunk.h"
#include "crypto/crypto.h"
#include "zts_controller.h"

#define MEMBERS 10000
#define REQUESTS 200

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

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

int main(void)
{
    char dir[] = "/tmp/zt-bench-ctl.XXXXXX", db[256], wal[300], secret[ZT_IDENTITY_STR_MAX + 1];
    char err[256];
    uint8_t md[ZT_DICT_METADATA_MAX], payload[ZT_DICT_METADATA_MAX + 32];
    zts_controller_config cfg;
    zts_controller *api = NULL;
    zt_controller_out out = {.send = sink};
    zt_identity ctl_id, member;
    zt_config_meta meta;
    zt_store *st = NULL;
    uint64_t nwid;
    zt_ssize mlen;
    double t0, t1;
    long long before, after;
    unsigned ok = 0;

    if (zt_crypto_init() != 0 || mkdtemp(dir) == NULL)
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
        zts_controller_network_set(api, nwid,
            "{\"name\":\"bench\",\"private\":true,\"v4AssignMode\":{\"zt\":true},"
            "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.128.0.1\",\"ipRangeEnd\":\"10.191.255.254\"}],"
            "\"routes\":[{\"target\":\"10.128.0.0/10\"}],\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}",
            1, NULL) != 0) {
        fprintf(stderr, "bench_controller: cannot set up the controller\n");
        return 1;
    }

    /* 10,000 authorized members, inserted in one transaction through a second connection. */
    before = file_size(db) + file_size(wal);
    t0 = now_s();
    if (zt_store_sqlite_open(&st, db, err, sizeof(err)) != 0 || zt_store_begin(st) != 0) {
        fprintf(stderr, "bench_controller: %s\n", err);
        return 1;
    }
    for (unsigned i = 0; i < MEMBERS; i++) {
        zt_ctl_member m;
        zt_ctl_member_init(&m, nwid, 0x0100000000ULL + i);
        m.authorized = true;
        m.creation_time = 1;
        if (zt_store_put_member(st, &m) != 0)
            return 1;
        zt_ctl_member_clear(&m);
    }
    if (zt_store_commit(st) != 0)
        return 1;
    zt_store_del(st);
    t1 = now_s();
    printf("bench_controller: %d members inserted in %.2f s (one transaction)\n", MEMBERS, t1 - t0);

    zt__config_meta_default(&meta);
    mlen = zt__config_meta_write(&meta, md, sizeof(md));
    if (mlen < 0 ||
        zt__config_request_write(payload, sizeof(payload), nwid, md, (size_t)mlen, 0, 0) < 0)
        return 1;
    {
        zt_ssize plen = zt__config_request_write(payload, sizeof(payload), nwid, md, (size_t)mlen,
                                                 0, 0);
        memset(&member, 0, sizeof(member));
        t0 = now_s();
        for (unsigned i = 0; i < REQUESTS; i++) {
            zt_controller_result res;
            member.address = 0x0100000000ULL + (i * 7919u) % MEMBERS;
            zt__random_bytes(member.pub, sizeof(member.pub));
            if (zt_controller_handle_request(zt__controller_of(api), &member, payload,
                                             (size_t)plen, 0x1000 + i, 1000 + i, &out, &res) == 0)
                ok++;
        }
        t1 = now_s();
    }
    after = file_size(db) + file_size(wal);
    printf("\n%-52s %s\n", "metric", "value");
    printf("%-52s %.0f req/s (%u answered, %zu payloads, %.1f KB out) target >= 2000/s: %s\n",
           "config requests answered, 10,000-member network", REQUESTS / (t1 - t0), ok,
           sent_payloads, (double)sent_bytes / 1024, REQUESTS / (t1 - t0) >= 2000 ? "met" : "MISSED");
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
