/*
 * controller_testutil.h: what the controller test programs share (test_controller.c: the
 * request flows; test_controller_api.c: store failures, rules JSON and the embedding API):
 * test identities and networks, a capture sink for the send callback, and a fixture that runs
 * a real controller on a store.  Test code only.
 */
#ifndef ZT_TESTS_UNIT_CONTROLLER_TESTUTIL_H
#define ZT_TESTS_UNIT_CONTROLLER_TESTUTIL_H

#include "testutil.h"

#include "controller/controller.h"
#include "controller/controller_internal.h"
#include "controller/model.h"
#include "controller/store.h"
#include "codec/configchunk.h"
#include "codec/credential.h"
#include "codec/ethernet.h"
#include "codec/netconf.h"
#include "codec/rules.h"
#include "zts_controller.h"

/* Test identities of tests/vectors/vl2.json (never used for anything real). */
extern const char controller_secret[];
extern const char member_secret[];
extern const char net_priv_json[]; /* NWID_PRIV */
extern const char net_pub_json[];  /* NWID_PUB */

#define NWID_PRIV 0x7064247a5a000001ULL
#define NWID_PUB 0x7064247a5a000002ULL
#define NWID_NONE 0x7064247a5a0000ffULL
#define NWID_FOREIGN 0x1111111111000001ULL
#define T0 1700000000000LL

#define CAP_MAX 600

typedef struct {
    uint64_t dest;
    uint8_t verb;
    uint8_t *p;
    size_t len;
} sent_pkt;

typedef struct {
    sent_pkt pkt[CAP_MAX];
    size_t n;
    bool fail;
} capture;

typedef struct {
    zt_identity ctl_id, member;
    zt_store *store;
    zt_controller *ctl;
    capture cap;
    zt_controller_out out;
    uint64_t seed;
} fixture;

int cap_send(void *arg, uint64_t dest, uint8_t verb, const uint8_t *p, size_t len);

void cap_reset(capture *c);

uint64_t seq_random(void *arg);

void put_network(zt_store *st, const char *json);

void fixture_init(fixture *f, zt_store *store);

void fixture_clear(fixture *f);

size_t make_request(uint8_t *buf, size_t cap, uint64_t nwid, uint64_t revr, const char *auth);

int request(fixture *f, const zt_identity *who, uint64_t nwid, uint64_t pid, int64_t now,
            zt_controller_result *res);

/* One ERROR payload for |pid| with |code| for |nwid|. */
void expect_error(const capture *c, uint64_t dest, uint64_t pid, uint8_t code, uint64_t nwid);

/* Reassembles the config chunks in |c| (OK replies to |pid|, or pushes when pid is 0), checks
 * every signature, and parses the dictionary into |nc|. */
void reassemble(const fixture *f, uint64_t nwid, uint64_t pid, zt_netconf *nc);

bool has_static(const zt_netconf *nc, const zt_inetaddr *a);

void set_authorized(zt_store *st, uint64_t nwid, uint64_t node, bool auth, int64_t now);

void fake_identity(zt_identity *id, uint64_t address);

#endif
