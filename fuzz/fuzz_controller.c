/*
 * fuzz_controller: the controller's NETWORK_CONFIG_REQUEST handler (controller.md §2) over a
 * fresh in-memory store holding one private and one public network.
 *
 * Input: byte 0 = mode, the rest = the request payload.
 *   mode bit 0     requester: member A (pre-authorised on the private network) or member B
 *   mode bit 1     packet ID 0 (internal re-evaluation) instead of a genuine request
 *   mode bits 2-3  0: the payload's own network ID; 1: overwrite it with the private network;
 *                  2: with the public network; 3: with an unknown network of ours
 *   mode bit 4     handle the same payload twice, 2 s apart (member then exists)
 * Invariants checked: the handler returns 0, ZT_ERR_DROP or a store error, never crashes; every
 * payload it sends parses (ERROR payloads as ERROR, config chunks as chunks signed by the
 * controller), and goes to the requester.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "controller/controller.h"
#include "controller/model.h"
#include "controller/store.h"
#include "codec/configchunk.h"
#include "crypto/crypto.h"
#include "util/buf.h"
#include "vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NWID_PRIV 0x7064247a5a000001ULL
#define NWID_PUB 0x7064247a5a000002ULL
#define NWID_NONE 0x7064247a5a000003ULL

/* Test identities of tests/vectors/vl2.json (never used for anything real). */
static const char controller_secret[] = ZT_FUZZ_VL2_CONTROLLER_SECRET;
static const char member_public[] =
    "136548ea94:0:0293bd5b32810d1ebf6bdad85436df23e130f4f1ea1672ee498219053601817e1b7063d2f0e"
    "65119fffc6772ece73f5b9fa14ceab9d82a068450f82ed1acaba5";

static const char net_priv[] =
    "{\"id\":\"7064247a5a000001\",\"private\":true,\"v4AssignMode\":{\"zt\":true},"
    "\"v6AssignMode\":{\"rfc4193\":true,\"6plane\":true,\"zt\":true},"
    "\"routes\":[{\"target\":\"10.1.0.0/16\",\"via\":null},{\"target\":\"fd00::/8\",\"via\":null}],"
    "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.1.0.1\",\"ipRangeEnd\":\"10.1.0.9\"},"
    "{\"ipRangeStart\":\"fd00::1\",\"ipRangeEnd\":\"fd00::ffff\"}],"
    "\"rules\":[{\"type\":\"MATCH_IP_PROTOCOL\",\"ipProtocol\":6},{\"type\":\"ACTION_ACCEPT\"}],"
    "\"tags\":[{\"id\":1,\"default\":2}],"
    "\"capabilities\":[{\"id\":9,\"default\":true,\"rules\":[{\"type\":\"ACTION_DROP\"}]}],"
    "\"dns\":{\"domain\":\"lab.example\",\"servers\":[\"10.1.0.1\"]}}";
static const char net_pub[] = "{\"id\":\"7064247a5a000002\",\"private\":false}";

static zt_identity controller_id, member_a, member_b;
static bool ready;
static const zt_identity *current;

static uint64_t det_random(void *arg)
{
    uint64_t *s = arg;
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11 ^ *s;
}

static int check_send(void *arg, uint64_t dest, uint8_t verb, const uint8_t *p, size_t len)
{
    (void)arg;
    if (dest != current->address)
        abort();
    if (verb == ZT_VERB_ERROR) {
        zt_vl2_error e;
        if (zt__vl2_error_parse(&e, p, len) != 0)
            abort();
    } else if (verb == ZT_VERB_OK || verb == ZT_VERB_NETWORK_CONFIG) {
        zt_config_chunk c;
        size_t skip = verb == ZT_VERB_OK ? ZT_OK_HEADER_LEN : 0;
        if (len < skip || zt__config_chunk_parse(&c, p + skip, len - skip) != 0 ||
            !zt__config_chunk_verify(&c, &controller_id))
            abort();
    } else {
        abort();
    }
    return 0;
}

static void setup(void)
{
    if (ready)
        return;
    if (zt__crypto_init() != 0 ||
        zt__identity_from_string(&controller_id, controller_secret,
                                 strlen(controller_secret)) != 0 ||
        zt__identity_from_string(&member_a, member_public, strlen(member_public)) != 0)
        abort();
    member_b = member_a;
    member_b.address = 0x2233445566ULL;
    member_b.pub[0] ^= 0x55;
    ready = true;
}

static void put_network(zt_store *st, const char *json)
{
    zt_ctl_network n;
    if (zt__ctl_network_load(&n, json, strlen(json), NULL, 0) != 0 ||
        zt__store_save_network(st, &n, 1, NULL) != 0)
        abort();
    zt__ctl_network_clear(&n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zt_store *st = NULL;
    zt_controller *ctl = NULL;
    zt_controller_opts o;
    zt_controller_out out = {check_send, NULL};
    zt_controller_result res;
    zt_ctl_member m;
    uint64_t seed = 1;
    uint8_t *payload;
    uint8_t mode;
    size_t len;

    setup();
    if (size < 1)
        return 0;
    mode = data[0];
    len = size - 1;
    payload = malloc(len > 0 ? len : 1);
    if (payload == NULL)
        return 0;
    if (len > 0)
        memcpy(payload, data + 1, len);
    if (len >= 8 && ((mode >> 2) & 3) != 0) {
        static const uint64_t nwids[4] = {0, NWID_PRIV, NWID_PUB, NWID_NONE};
        zt__store_be(payload, nwids[(mode >> 2) & 3], 8);
    }

    if (zt__store_mem_new(&st) != 0)
        abort();
    put_network(st, net_priv);
    put_network(st, net_pub);
    zt__ctl_member_init(&m, NWID_PRIV, member_a.address);
    m.authorized = true;
    if (zt__store_save_member(st, &m, 1, NULL) != 0)
        abort();
    zt__ctl_member_clear(&m);

    zt__controller_opts_default(&o);
    o.random_u64 = det_random;
    o.random_arg = &seed;
    if (zt__controller_new(&ctl, &controller_id, st, &o) != 0)
        abort();
    current = (mode & 1) ? &member_b : &member_a;
    for (int round = 0; round < ((mode & 0x10) ? 2 : 1); round++) {
        int rv = zt__controller_handle_request(ctl, current, payload, len,
                                              (mode & 2) ? 0 : 1000 + (uint64_t)round,
                                              1700000000000LL + round * 2000, &out, &res);
        if (rv != 0 && rv != ZT_ERR_DROP)
            abort(); /* the in-memory store never fails; nothing else may */
    }
    zt__controller_del(ctl);
    zt__store_del(st);
    free(payload);
    return 0;
}
