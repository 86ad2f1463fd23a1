/*
 * fuzz_node: the whole VL1 node (node.h) fed a sequence of datagrams and commands.
 *
 * Input: one flags byte, then records [u8 selector][u16 length, big-endian][bytes] (a record
 * whose length runs past the end takes what is left).
 *
 *   flags    bit 0: the node under test is a root too (the planet lists it beside the root)
 *            bit 1: allow_loopback_paths
 *            bit 2: peer cache on, over an in-memory state store
 *            bit 3: physical MTU 1400 (ZT_MIN_PHYSMTU) instead of 1432
 *   selector bits 0-1: the remote address: the root's endpoint, a private IPv4 address, an
 *                      IPv6 address, 127.0.0.1
 *            bits 2-4: how far the clock moves first: 1, 2, 5, 20, 100, 600, 5100 or 61000 ms
 *            bits 5-6: the local socket ID (0..3)
 *            bit 7:    a command instead of a datagram; bytes[0] picks it (see command())
 *
 * A fresh node is made for every input (identities and planets are made once per process, all
 * from fixed keys, so the same input always does the same thing) and zt__node_process_timers()
 * runs after every record.  Checks: the send callback never gets an empty datagram or one
 * longer than ZT_MAX_PHYSMTU, nor an address that is not IPv4 or IPv6; every byte handed to a
 * callback is readable; zt__node_recv_datagram() returns 0 or ZT_ERR_DROP and counts the
 * datagram; timers return 0 and ask to run again later, not now; peer listings stay in
 * bounds.
 *
 * fuzz/make_node_corpus.c includes this file to drive the same node from a small in-memory
 * network and writes the seed corpus from what the other nodes send to it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/node.h"
#include "codec/wire/vl1.h"
#include "codec/world.h"
#include "crypto/crypto.h"
#include "util/buf.h"

#include "records.h"
#include "vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FZ_ROOT, FZ_NUT, FZ_L, FZ_M, FZ_NIDS };

/* The root, the node under test and two more leaves: the three valid identities of
 * tests/vectors/vl1.json (so its packets from A to B are valid here too) and one more. */
static const char *const fz_secrets[FZ_NIDS] = {
    ZT_FUZZ_VL1_A_SECRET,
    ZT_FUZZ_NODE_D_SECRET,
    ZT_FUZZ_VL1_B_SECRET,
    ZT_FUZZ_VL1_C_SECRET,
};

#define FZ_FLAG_NUT_ROOT 0x01
#define FZ_FLAG_LOOPBACK 0x02
#define FZ_FLAG_PEER_CACHE 0x04
#define FZ_FLAG_SMALL_MTU 0x08

#define FZ_T0 1700000000000LL
#define FZ_MAX_RECORDS 1024
#define FZ_STORE_SLOTS 32

static const int64_t fz_steps[8] = {1, 2, 5, 20, 100, 600, 5100, 61000};

static zt_identity fz_id[FZ_NIDS];
/* Where the selector's sources are; the node under test itself is at fz_nut_addr. */
static zt_inetaddr fz_addr[4], fz_root_addr6, fz_nut_addr;
static uint8_t *fz_planet[2]; /* [0]: one root; [1]: the node under test is a root too */
static size_t fz_planet_len[2];

/* The state of one run. */
static zt_node *fz_node;
static int64_t fz_now;
static struct {
    bool used;
    zt_state_type type;
    uint64_t id;
    size_t len;
    uint8_t *data;
} fz_store[FZ_STORE_SLOTS];

/* make_node_corpus.c taps what the node sends and the events it raises. */
static void (*fz_tap)(const zt_inetaddr *to, const uint8_t *data, size_t len, unsigned ttl);
static void (*fz_event_tap)(const zt_node_event *ev);

static int fz_send(void *user, int64_t local_socket, const zt_inetaddr *to, const uint8_t *data,
                   size_t len, unsigned ttl)
{
    (void)user;
    (void)local_socket;
    zt_fuzz_check_send(to, data, len, ttl);
    if (fz_tap != NULL)
        fz_tap(to, data, len, ttl);
    return 0;
}

static void fz_event(void *user, const zt_node_event *ev)
{
    (void)user;
    zt_fuzz_check_event(ev, ZT_NODE_EVENT_WORLD_UPDATED);
    if (fz_event_tap != NULL)
        fz_event_tap(ev);
}

static zt_ssize fz_state_get(void *user, zt_state_type type, uint64_t id, uint8_t *buf,
                             size_t cap)
{
    (void)user;
    for (int i = 0; i < FZ_STORE_SLOTS; i++)
        if (fz_store[i].used && fz_store[i].type == type && fz_store[i].id == id) {
            if (fz_store[i].len > cap)
                return ZT_ERR_NOSPACE;
            memcpy(buf, fz_store[i].data, fz_store[i].len);
            return (zt_ssize)fz_store[i].len;
        }
    return ZT_ERR_NOTFOUND;
}

static void fz_state_put(void *user, zt_state_type type, uint64_t id, const uint8_t *data,
                         size_t len)
{
    int slot = -1;

    (void)user;
    if ((data == NULL) != (len == 0))
        abort();
    zt_fuzz_touch(data, len);
    for (int i = 0; i < FZ_STORE_SLOTS; i++)
        if (fz_store[i].used && fz_store[i].type == type && fz_store[i].id == id)
            slot = i;
    if (slot >= 0) {
        free(fz_store[slot].data);
        fz_store[slot].used = false;
    }
    if (len == 0)
        return;
    for (int i = 0; i < FZ_STORE_SLOTS && slot < 0; i++)
        if (!fz_store[i].used)
            slot = i;
    if (slot < 0)
        return; /* full: forget it, as a store may */
    fz_store[slot].data = malloc(len);
    if (fz_store[slot].data == NULL)
        abort();
    memcpy(fz_store[slot].data, data, len);
    fz_store[slot].used = true;
    fz_store[slot].type = type;
    fz_store[slot].id = id;
    fz_store[slot].len = len;
}

/* A planet with the root (and the node under test when |nut_root|), signed by a fixed key. */
static void fz_make_planet(bool nut_root, int k)
{
    const zt_inetaddr root_eps[2] = {fz_addr[0], fz_root_addr6};
    zt_world *w = calloc(1, sizeof(*w));

    if (w == NULL)
        abort();
    w->nroots = nut_root ? 2 : 1;
    zt_fuzz_set_root(w, 0, &fz_id[FZ_ROOT], root_eps, 2);
    if (nut_root)
        zt_fuzz_set_root(w, 1, &fz_id[FZ_NUT], &fz_nut_addr, 1);
    zt_fuzz_sign_planet(w, 0x4655a, 7, 1, &fz_planet[k], &fz_planet_len[k]);
    free(w);
}

static void fz_init_once(void)
{
    static bool done;
    static const uint8_t root4[4] = {203, 0, 113, 1}, priv4[4] = {192, 168, 7, 20};
    static const uint8_t nut4[4] = {198, 51, 100, 99}, lo4[4] = {127, 0, 0, 1};
    uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};

    if (done)
        return;
    done = true;
    if (zt__crypto_init() != 0)
        abort();
    zt_fuzz_load_identities(fz_id, fz_secrets, FZ_NIDS);
    zt__inetaddr_set4(&fz_addr[0], root4, 9993);
    zt__inetaddr_set4(&fz_addr[1], priv4, 9993);
    v6[15] = 0x20;
    zt__inetaddr_set6(&fz_addr[2], v6, 9993);
    zt__inetaddr_set4(&fz_addr[3], lo4, 9994);
    v6[15] = 0x01;
    zt__inetaddr_set6(&fz_root_addr6, v6, 9993);
    zt__inetaddr_set4(&fz_nut_addr, nut4, 9993);
    fz_make_planet(false, 0);
    fz_make_planet(true, 1);
}

/* Config for a node of the test network with identity |who| under |flags|. */
static void fz_config(zt_node_config *cfg, int who, uint8_t flags)
{
    zt__node_config_default(cfg);
    cfg->identity = &fz_id[who];
    cfg->seed[0] = (uint8_t)(who + 1);
    cfg->planet = fz_planet[(flags & FZ_FLAG_NUT_ROOT) ? 1 : 0];
    cfg->planet_len = fz_planet_len[(flags & FZ_FLAG_NUT_ROOT) ? 1 : 0];
    cfg->allow_loopback_paths = (flags & FZ_FLAG_LOOPBACK) != 0;
    cfg->peer_cache = (flags & FZ_FLAG_PEER_CACHE) != 0;
    if (flags & FZ_FLAG_SMALL_MTU)
        cfg->physical_mtu = ZT_MIN_PHYSMTU;
}

static void fz_begin(uint8_t flags)
{
    zt_node_config cfg;
    zt_node_callbacks cb = {.send = fz_send, .event = fz_event};

    fz_init_once();
    fz_config(&cfg, FZ_NUT, flags);
    if (cfg.peer_cache) {
        cb.state_get = fz_state_get;
        cb.state_put = fz_state_put;
    }
    fz_now = FZ_T0;
    fz_node = zt_fuzz_node_new(&cfg, &cb, fz_now);
}

static void fz_end(void)
{
    zt__node_del(fz_node);
    fz_node = NULL;
    for (int i = 0; i < FZ_STORE_SLOTS; i++) {
        free(fz_store[i].data);
        fz_store[i].data = NULL;
        fz_store[i].used = false;
    }
}

static void fz_check_peers(void)
{
    zt_peer_info *info = malloc(8 * sizeof(*info));
    size_t n;

    if (info == NULL)
        abort();
    n = zt__node_peers(fz_node, info, 8);
    for (size_t i = 0; i < n && i < 8; i++) {
        zt_peer_info one;
        if (info[i].npaths > ZT_NODE_MAX_PATHS || info[i].address == zt__node_address(fz_node))
            abort();
        if (zt__node_peer(fz_node, info[i].address, &one) != 0 || one.address != info[i].address)
            abort();
    }
    free(info);
}

/* A destination: a known address (first byte < 0x80), else the next 5 bytes. */
static uint64_t fz_dest(zt_rd *r)
{
    uint8_t b;
    uint64_t a = 0;

    if (zt__rd_u8(r, &b) != 0)
        return fz_id[FZ_ROOT].address;
    if (b < 0x80)
        return fz_id[b % FZ_NIDS].address;
    (void)zt__rd_be(r, &a, ZT_ADDRESS_LEN);
    return a;
}

static void fz_command(const uint8_t *data, size_t len)
{
    zt_rd r = zt__rd_make(data, len);
    uint8_t op = 0;
    uint64_t a = 0, b = 0;
    int rv = 0;

    (void)zt__rd_u8(&r, &op);
    switch (op % 8) {
    case 0: /* the clock moves; nothing else */
        break;
    case 1:
        rv = zt__node_ping(fz_node, fz_dest(&r), fz_now);
        break;
    case 2:
        a = fz_dest(&r);
        (void)zt__rd_u64(&r, &b);
        rv = zt__node_send_user_message(fz_node, a, b, r.p, zt__rd_left(&r), fz_now);
        break;
    case 3:
        (void)zt__rd_u64(&r, &a);
        b = fz_dest(&r);
        rv = zt__node_orbit(fz_node, a, b, fz_now);
        break;
    case 4:
        (void)zt__rd_u64(&r, &a);
        rv = zt__node_deorbit(fz_node, a, fz_now);
        break;
    case 5:
        rv = zt__node_add_moon(fz_node, r.p, zt__rd_left(&r), fz_now);
        break;
    case 6: {
        zt_inetaddr addrs[ZT_NODE_MAX_PATHS + 1];
        size_t n = 0;
        while (n < ZT_NODE_MAX_PATHS + 1 && zt__inetaddr_read(&r, &addrs[n]) == 0)
            n++;
        rv = zt__node_set_local_addresses(fz_node, addrs, n);
        break;
    }
    default:
        fz_check_peers();
        break;
    }
    if (zt__err_is_fatal(rv))
        abort();
}

/* One record: move the clock, deliver the datagram (or run the command), run timers. */
static void fz_record(uint8_t sel, const uint8_t *data, size_t len)
{
    const zt_node_counters *c = zt__node_get_counters(fz_node);

    fz_now += fz_steps[(sel >> 2) & 7];
    if (sel & 0x80) {
        fz_command(data, len);
    } else {
        uint64_t rx = c->rx_datagrams;
        int rv = zt__node_recv_datagram(fz_node, (sel >> 5) & 3, &fz_addr[sel & 3], data, len,
                                       fz_now);
        if ((rv != 0 && rv != ZT_ERR_DROP) || c->rx_datagrams != rx + 1)
            abort();
    }
    zt_fuzz_check_timers(fz_node, fz_now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zt_fuzz_records(data, size, FZ_MAX_RECORDS, fz_begin, fz_record, fz_end);
    return 0;
}
