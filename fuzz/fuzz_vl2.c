/*
 * fuzz_vl2: the VL2 side of a node (node.h) that has joined a private network, fed properly
 * armored packets whose payloads come from the fuzzer.
 *
 * fuzz_node gives the node raw datagrams, and a fuzzer almost never makes one whose MAC
 * checks out, so the VL2 handlers stay out of its reach.  Here the harness plays the peers:
 * it knows their secret keys, so it builds each packet itself (header, payload from the
 * input, optional compression, armor with the sender's shared key in suite 1 or 3) and hands
 * it to zt__node_recv_datagram() from that sender's physical address.
 *
 * The cast (fixed identities, the ones of fuzz_node.c, made once per process):
 *   C    the controller of network nwid = C << 24 | 0x00f00d
 *   M    another member of it (its COM, tag, capability and COO come in the seeds)
 *   R    the only root of the planet
 *   U    an address the node does not know (its identity does not check out either)
 *   NUT  the node under test
 * C and M are in the node's peer cache (state_get), so the node knows them without the
 * 2 MiB identity proof a HELLO of a new peer costs.  At the start R, C and M answer the
 * node's HELLOs (so it is online and has direct paths), it joins, and C pushes the config.
 *
 * Input: one flags byte, then records [u8 selector][u16 length, big-endian][bytes] (a record
 * whose length runs past the end takes what is left).
 *
 *   flags    bits 0-1: the config C pushes at the start (signed chunk, NETWORK_CONFIG):
 *                      0 private, COM, tags, a capability, a COO, rules with TEE, WATCH,
 *                        REDIRECT and tag matches, broadcast, multicast limit 32;
 *                      1 public, rules ACCEPT;
 *                      2 private, NDP emulation, IPv6 addresses, multicast off, MTU 1280;
 *                      3 none: the node is still asking when the records start
 *   selector bits 0-1: sender C, M, R, U
 *            bits 2-5: what (see v_record()): 0 FRAME, 1 EXT_FRAME, 2 NETWORK_CREDENTIALS,
 *                      3 MULTICAST_LIKE, 4 MULTICAST_GATHER, 5 MULTICAST_FRAME,
 *                      6 NETWORK_CONFIG, 7 OK(NETWORK_CONFIG_REQUEST), 8 OK(MULTICAST_GATHER),
 *                      9 OK(MULTICAST_FRAME), 10 OK(in-re verb = bytes[0]),
 *                      11 ERROR(in-re verb = bytes[0]), 12 any verb = bytes[0],
 *                      13 as 0-12 (bytes[0] % 13) but compressed and in suite 3,
 *                      14 a local command (v_command()), 15 nothing
 *            bits 6-7: how far the clock moves first: 1, 1100, 5100 or 61000 ms
 * For the OK and ERROR kinds the harness writes the in-re verb and the ID of the last packet
 * the node sent with that verb (it reads every datagram the node sends), so replies are
 * expected; the bytes follow.  Every other payload is the record's bytes as they are.
 *
 * A fresh node per input, zt__node_process_timers() after every record.  Checks: sends are
 * never empty nor longer than ZT_MAX_PHYSMTU and go to IPv4/IPv6; frames handed to the
 * virtual port are for the joined network, at most ZT_MAX_MTU bytes, with 48-bit MACs and a
 * 16-bit ethertype; every byte handed to a callback is readable; events are known types and
 * NETWORK_OK carries its config; zt__node_recv_datagram() returns 0 or ZT_ERR_DROP; commands
 * fail only non-fatally; timers return 0 and ask to run again later, not now.
 *
 * fuzz/make_vl2_corpus.c includes this file and writes the seed corpus.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/configchunk.h"
#include "codec/credential.h"
#include "codec/ethernet.h"
#include "codec/fragment.h"
#include "codec/netconf.h"
#include "core/node.h"
#include "codec/packet.h"
#include "codec/peercache.h"
#include "codec/rules.h"
#include "codec/wire/vl1.h"
#include "codec/wire/vl2.h"
#include "codec/world.h"
#include "crypto/crypto.h"
#include "util/buf.h"

#include "records.h"
#include "vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { V_C, V_M, V_R, V_U, V_NUT, V_NIDS };

/* fuzz_node.c's identities (tests/vectors/vl1.json and one more), and make_node_corpus.c's
 * identity whose address does not match its keys as U. */
static const char *const v_secrets[V_NIDS] = {
    ZT_FUZZ_VL1_A_SECRET,
    ZT_FUZZ_VL1_B_SECRET,
    ZT_FUZZ_VL1_C_SECRET,
    "99eb09ffa7:0:244dd45095bc0cdeae45131654e2c7440a3ebd04f1ca9717f19d7cc8ed86b0390f1d238e6f37a5"
    "799662d40fc956651b6f15f24354f39d458eef9e5fbf0e8351:62d77ac56d5769e0848adb1f97abe665db49337"
    "3efd6adda2fb1e7403acdc3901c6ddd1bab0dece4f761e1fe87081dac4145843397662ae8d827abaca7cfeecb",
    ZT_FUZZ_NODE_D_SECRET,
};

#define V_T0 1700000000000LL
#define V_MAX_RECORDS 512
#define V_NVARIANTS 3
#define V_NWID_LOW 0x00f00dULL
#define V_CHUNK_MAX (ZT_PKT_MAX_LEN - ZT_PKT_MIN_LEN)

/* Kinds of record (selector bits 2-5). */
enum {
    VK_FRAME, VK_EXT_FRAME, VK_CREDENTIALS, VK_LIKE, VK_GATHER, VK_MFRAME, VK_CONFIG,
    VK_OK_CONFIG, VK_OK_GATHER, VK_OK_MFRAME, VK_OK, VK_ERROR, VK_RAW, VK_AES, VK_COMMAND,
    VK_NOTHING
};

static const int64_t v_steps[4] = {1, 1100, 5100, 61000};

static zt_identity v_id[V_NIDS];
static zt_inetaddr v_addr[V_NIDS];
static uint8_t v_key[V_NIDS][ZT_SHARED_KEY_LEN]; /* with the node under test */
static zt_aes_keys v_aes[V_NIDS];
static uint64_t v_nwid;
static uint8_t *v_planet;
static size_t v_planet_len;
static uint8_t v_peer_rec[2][ZT_PEERCACHE_MAX_LEN]; /* C, M */
static size_t v_peer_rec_len[2];
static uint8_t *v_config_chunk[V_NVARIANTS]; /* the start configs, as NETWORK_CONFIG payloads */
static size_t v_config_chunk_len[V_NVARIANTS];

/* The state of one run. */
static zt_node *v_node;
static int64_t v_now;
static uint64_t v_next_id;
static uint8_t *v_stored_config; /* the NETWORK_CONFIG state object */
static size_t v_stored_config_len;
static uint64_t v_last_sent[32]; /* packet ID of the last packet the node sent, per verb */

/* What the corpus generator looks at. */
static struct {
    unsigned frames, sends, sends_decoded, configs_ok;
} v_stats;
static void (*v_sent_tap)(int to, unsigned verb, const uint8_t *pkt, size_t len);

static int v_who(uint64_t address)
{
    for (int i = 0; i < V_NIDS; i++)
        if (v_id[i].address == address)
            return i;
    return -1;
}

/* Reads what the node sends to the cast, to learn the IDs replies must name (whole packets
 * only: fragmented ones are not needed). */
static void v_decode_sent(const uint8_t *data, size_t len)
{
    uint8_t *pkt;
    int to, rv;

    if (len < ZT_PKT_MIN_LEN || len > ZT_PKT_MAX_LEN ||
        zt__dgram_classify(data, len) != ZT_DGRAM_PACKET || zt__pkt_is_fragmented(data))
        return;
    to = v_who(zt__pkt_dest(data));
    if (to < 0 || to == V_NUT || to == V_U || zt__pkt_source(data) != v_id[V_NUT].address)
        return;
    pkt = malloc(len);
    if (pkt == NULL)
        abort();
    memcpy(pkt, data, len);
    if (zt__pkt_cipher(pkt) == ZT_CIPHER_AES_GMAC_SIV)
        rv = zt__pkt_dearmor_aes(pkt, len, &v_aes[to]);
    else
        rv = zt__pkt_dearmor(pkt, len, v_key[to]);
    if (rv == 0) {
        v_stats.sends_decoded++;
        /* Replies name the ID on the wire (in suite 3, half the SIV tag). */
        v_last_sent[zt__pkt_verb(pkt) & 31] = zt__pkt_id(data);
        if (v_sent_tap != NULL)
            v_sent_tap(to, zt__pkt_verb(pkt), pkt, len);
    }
    free(pkt);
}

static int v_send(void *user, int64_t local_socket, const zt_inetaddr *to, const uint8_t *data,
                  size_t len, unsigned ttl)
{
    (void)user;
    (void)local_socket;
    zt_fuzz_check_send(to, data, len, ttl);
    v_stats.sends++;
    v_decode_sent(data, len);
    return 0;
}

static void v_event(void *user, const zt_node_event *ev)
{
    (void)user;
    zt_fuzz_check_event(ev, ZT_NODE_EVENT_NETWORK_DOWN);
    if (ev->type == ZT_NODE_EVENT_NETWORK_OK) {
        if (ev->config == NULL || ev->config->nwid != ev->nwid ||
            ev->config->issued_to != v_id[V_NUT].address)
            abort();
        v_stats.configs_ok++;
    }
}

static void v_frame(void *user, uint64_t nwid, uint64_t src_mac, uint64_t dst_mac,
                    unsigned ethertype, const uint8_t *data, size_t len)
{
    (void)user;
    if (nwid != v_nwid || src_mac > ZT_MAC_BROADCAST || dst_mac > ZT_MAC_BROADCAST ||
        ethertype > 0xffff || len > ZT_MAX_MTU || (len > 0 && data == NULL))
        abort();
    zt_fuzz_touch(data, len);
    v_stats.frames++;
}

static zt_ssize v_state_get(void *user, zt_state_type type, uint64_t id, uint8_t *buf,
                            size_t cap)
{
    const uint8_t *src = NULL;
    size_t len = 0;

    (void)user;
    if (type == ZT_STATE_PEER && id == v_id[V_C].address) {
        src = v_peer_rec[0];
        len = v_peer_rec_len[0];
    } else if (type == ZT_STATE_PEER && id == v_id[V_M].address) {
        src = v_peer_rec[1];
        len = v_peer_rec_len[1];
    } else if (type == ZT_STATE_NETWORK_CONFIG && id == v_nwid && v_stored_config != NULL) {
        src = v_stored_config;
        len = v_stored_config_len;
    }
    if (src == NULL)
        return ZT_ERR_NOTFOUND;
    if (len > cap)
        return ZT_ERR_NOSPACE;
    memcpy(buf, src, len);
    return (zt_ssize)len;
}

static void v_state_put(void *user, zt_state_type type, uint64_t id, const uint8_t *data,
                        size_t len)
{
    (void)user;
    if ((data == NULL) != (len == 0))
        abort();
    zt_fuzz_touch(data, len);
    if (type != ZT_STATE_NETWORK_CONFIG || id != v_nwid)
        return; /* peers: the cache stays as made */
    free(v_stored_config);
    v_stored_config = NULL;
    v_stored_config_len = 0;
    if (len == 0)
        return;
    v_stored_config = malloc(len);
    if (v_stored_config == NULL)
        abort();
    memcpy(v_stored_config, data, len);
    v_stored_config_len = len;
}

/* ---------------------------------------------------------------- the cast and its config */

static void v_make_planet(void)
{
    zt_world *w = calloc(1, sizeof(*w));

    if (w == NULL)
        abort();
    w->nroots = 1;
    zt_fuzz_set_root(w, 0, &v_id[V_R], &v_addr[V_R], 1);
    zt_fuzz_sign_planet(w, 0x4655b, 5, 3, &v_planet, &v_planet_len);
    free(w);
}

static void v_make_peer_record(int who, int slot)
{
    zt_peercache *pc = calloc(1, sizeof(*pc));
    zt_ssize n;

    if (pc == NULL)
        abort();
    pc->identity = v_id[who];
    zt__identity_clear(&pc->identity);
    pc->proto_version = ZT_NODE_PROTO_VERSION;
    pc->major = ZT_NODE_VERSION_MAJOR;
    pc->minor = ZT_NODE_VERSION_MINOR;
    pc->revision = ZT_NODE_VERSION_REVISION;
    pc->npaths = 1;
    pc->paths[0] = v_addr[who];
    n = zt__peercache_write(pc, v_peer_rec[slot], sizeof(v_peer_rec[slot]));
    if (n <= 0)
        abort();
    v_peer_rec_len[slot] = (size_t)n;
    free(pc);
}

static uint64_t v_mac(int who)
{
    return zt__mac_from_address(v_id[who].address, v_nwid);
}

/* Credentials C issues to |who| (the node under test or M), all at time V_T0. */
static void v_make_com(zt_com *com, int who)
{
    if (zt__com_init(com, v_nwid, V_T0, ZT_CTMD_DEFAULT, &v_id[who]) != 0 ||
        zt__com_sign(com, &v_id[V_C]) != 0)
        abort();
}

static void v_make_tag(zt_tag *t, int who, uint32_t id, uint32_t value)
{
    memset(t, 0, sizeof(*t));
    t->nwid = v_nwid;
    t->timestamp = V_T0;
    t->id = id;
    t->value = value;
    t->issued_to = v_id[who].address;
    if (zt__tag_sign(t, &v_id[V_C]) != 0)
        abort();
}

/* Capability 7: IPv4 may pass (the network's rules leave IPv4 to capabilities). */
static void v_make_cap(zt_capability *c, int who)
{
    memset(c, 0, sizeof(*c));
    c->nwid = v_nwid;
    c->timestamp = V_T0;
    c->id = 7;
    c->rule_count = 3;
    c->rules[0].t = ZT_RULE_MATCH_ETHERTYPE;
    c->rules[0].v.ethertype = ZT_ETHERTYPE_IPV4;
    c->rules[1].t = ZT_RULE_MATCH_IP_PROTOCOL;
    c->rules[1].v.ip_protocol = 17;
    c->rules[2].t = ZT_RULE_ACTION_ACCEPT;
    c->max_custody = 3;
    if (zt__capability_sign(c, &v_id[V_C], v_id[who].address) != 0)
        abort();
}

static void v_make_coo(zt_coo *c, int who)
{
    static const uint8_t ip[2][4] = {{10, 147, 17, 5}, {10, 147, 17, 6}};
    uint8_t mac[6];

    memset(c, 0, sizeof(*c));
    c->nwid = v_nwid;
    c->timestamp = V_T0;
    c->id = 3;
    c->issued_to = v_id[who].address;
    zt__mac_to_bytes(v_mac(who), mac);
    if (zt__coo_add_thing(c, ZT_COO_THING_MAC, mac, 6) != 0 ||
        zt__coo_add_thing(c, ZT_COO_THING_IPV4, ip[who == V_M], 4) != 0 ||
        zt__coo_sign(c, &v_id[V_C]) != 0)
        abort();
}

static void v_rule(zt_rule *r, size_t *n, uint8_t t)
{
    memset(&r[*n], 0, sizeof(r[*n]));
    r[*n].t = t;
    (*n)++;
}

static void v_fwd(zt_rule *r, size_t *n, uint8_t action, int to, uint16_t length)
{
    v_rule(r, n, action);
    r[*n - 1].v.fwd.address = v_id[to].address;
    r[*n - 1].v.fwd.length = length;
}

/* The rules table of |variant|; returns the count. */
static size_t v_rules(int variant, zt_rule *r)
{
    size_t n = 0;

    if (variant == 1) {
        v_rule(r, &n, ZT_RULE_ACTION_ACCEPT);
        return n;
    }
    if (variant == 2) {
        v_rule(r, &n, ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS);
        r[n - 1].v.zt = v_id[V_M].address;
        v_rule(r, &n, ZT_RULE_MATCH_ETHERTYPE | ZT_RULE_OR);
        r[n - 1].v.ethertype = 0x88b5;
        v_fwd(r, &n, ZT_RULE_ACTION_TEE, V_R, 0);
        v_rule(r, &n, ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS);
        r[n - 1].v.zt = v_id[V_C].address;
        v_fwd(r, &n, ZT_RULE_ACTION_REDIRECT, V_M, 0);
        v_rule(r, &n, ZT_RULE_MATCH_MAC_DEST);
        r[n - 1].v.mac = ZT_MAC_BROADCAST;
        v_rule(r, &n, ZT_RULE_ACTION_DROP);
        v_rule(r, &n, ZT_RULE_MATCH_IPV6_SOURCE); /* link-local neighbor solicitations */
        r[n - 1].v.ipv6.ip[0] = 0xfe;
        r[n - 1].v.ipv6.ip[1] = 0x80;
        r[n - 1].v.ipv6.bits = 10;
        v_rule(r, &n, ZT_RULE_MATCH_ICMP);
        r[n - 1].v.icmp.type = 135;
        v_rule(r, &n, ZT_RULE_ACTION_ACCEPT);
        v_rule(r, &n, ZT_RULE_MATCH_INTEGER_RANGE);
        r[n - 1].v.int_range.start = 0;
        r[n - 1].v.int_range.end = 100;
        r[n - 1].v.int_range.idx = 20;
        r[n - 1].v.int_range.format = 0x01;
        v_rule(r, &n, ZT_RULE_ACTION_BREAK);
        v_rule(r, &n, ZT_RULE_ACTION_ACCEPT);
        return n;
    }
    /* ARP always; tag 1 = 200 senders are redirected to C; IPv6 copied (64 bytes) to M;
     * big frames watched by C; TCP to port 22 dropped; tagged 1 = 100 drops ethertype 0x88b5;
     * random priority; everything but IPv4 accepted, IPv4 left to capabilities (7: UDP). */
    v_rule(r, &n, ZT_RULE_MATCH_ETHERTYPE);
    r[n - 1].v.ethertype = ZT_ETHERTYPE_ARP;
    v_rule(r, &n, ZT_RULE_ACTION_ACCEPT);
    v_rule(r, &n, ZT_RULE_MATCH_TAG_SENDER);
    r[n - 1].v.tag.id = 1;
    r[n - 1].v.tag.value = 200;
    v_fwd(r, &n, ZT_RULE_ACTION_REDIRECT, V_C, 0);
    v_rule(r, &n, ZT_RULE_MATCH_ETHERTYPE);
    r[n - 1].v.ethertype = ZT_ETHERTYPE_IPV6;
    v_fwd(r, &n, ZT_RULE_ACTION_TEE, V_M, 64);
    v_rule(r, &n, ZT_RULE_MATCH_FRAME_SIZE_RANGE);
    r[n - 1].v.range.low = 1000;
    r[n - 1].v.range.high = 1500;
    v_fwd(r, &n, ZT_RULE_ACTION_WATCH, V_C, 0);
    v_rule(r, &n, ZT_RULE_MATCH_IP_PROTOCOL);
    r[n - 1].v.ip_protocol = 6;
    v_rule(r, &n, ZT_RULE_MATCH_IP_DEST_PORT_RANGE);
    r[n - 1].v.range.low = 22;
    r[n - 1].v.range.high = 22;
    v_rule(r, &n, ZT_RULE_MATCH_CHARACTERISTICS);
    r[n - 1].v.characteristics = ZT_RULE_CHAR_TCP_SYN;
    v_rule(r, &n, ZT_RULE_ACTION_DROP);
    v_rule(r, &n, ZT_RULE_MATCH_TAGS_EQUAL);
    r[n - 1].v.tag.id = 1;
    r[n - 1].v.tag.value = 100;
    v_rule(r, &n, ZT_RULE_MATCH_ETHERTYPE);
    r[n - 1].v.ethertype = 0x88b5;
    v_rule(r, &n, ZT_RULE_ACTION_DROP);
    v_rule(r, &n, ZT_RULE_MATCH_TAGS_DIFFERENCE | ZT_RULE_NOT);
    r[n - 1].v.tag.id = 2;
    r[n - 1].v.tag.value = 5;
    v_rule(r, &n, ZT_RULE_MATCH_IPV4_DEST);
    r[n - 1].v.ipv4.ip[0] = 10;
    r[n - 1].v.ipv4.ip[1] = 147;
    r[n - 1].v.ipv4.bits = 16;
    v_rule(r, &n, ZT_RULE_MATCH_RANDOM);
    r[n - 1].v.probability = 0x80000000u;
    v_rule(r, &n, ZT_RULE_ACTION_PRIORITY);
    v_rule(r, &n, ZT_RULE_MATCH_ETHERTYPE | ZT_RULE_NOT);
    r[n - 1].v.ethertype = ZT_ETHERTYPE_IPV4;
    v_rule(r, &n, ZT_RULE_ACTION_ACCEPT);
    return n; /* IPv4 matches nothing: capabilities decide (§6.3) */
}

/* Writes one credential blob into |nc|. */
#define V_SET_BLOB(nc, which, writer, value)                                                  \
    do {                                                                                      \
        uint8_t *b_ = malloc(4096);                                                           \
        zt_wr w_;                                                                             \
        if (b_ == NULL)                                                                       \
            abort();                                                                          \
        w_ = zt__wr_make(b_, 4096);                                                           \
        writer(&w_, value);                                                                   \
        if (w_.overflow || zt__netconf_set_blob(nc, which, b_, zt__wr_len(&w_)) != 0)         \
            abort();                                                                          \
        free(b_);                                                                             \
    } while (0)

/*
 * The config dictionary of |variant| (0-2) with |revision| and |nrules_extra| more rules
 * (the generator's multi-chunk config).  Returns its length.
 */
static size_t v_make_dict(int variant, uint64_t revision, unsigned nrules_extra, uint8_t *out,
                          size_t cap)
{
    zt_netconf *nc = calloc(1, sizeof(*nc));
    zt_rule *rules = calloc(ZT_RULES_MAX, sizeof(*rules));
    uint8_t ip[16] = {10, 147, 17, 5};
    size_t nrules;
    zt_ssize len;

    if (nc == NULL || rules == NULL)
        abort();
    zt__netconf_init(nc, NULL);
    nc->nwid = v_nwid;
    nc->timestamp = V_T0;
    nc->ctmd = ZT_CTMD_DEFAULT;
    nc->revision = revision;
    nc->issued_to = v_id[V_NUT].address;
    nc->type = variant == 1 ? ZT_NETWORK_TYPE_PUBLIC : ZT_NETWORK_TYPE_PRIVATE;
    nc->multicast_limit = variant == 2 ? 0 : ZT_MULTICAST_LIMIT_DEFAULT;
    nc->mtu = variant == 2 ? ZT_MIN_MTU : ZT_DEFAULT_MTU;
    nc->flags = variant == 2 ? ZT_NETCONF_FLAG_ENABLE_NDP_EMULATION |
                                   ZT_NETCONF_FLAG_RULES_RESULT_OF_UNSUPPORTED_MATCH
                             : ZT_NETCONF_FLAG_ENABLE_BROADCAST;
    memcpy(nc->name, "fuzz", 5);
    zt__inetaddr_set4(&nc->static_ips[0], ip, 24);
    nc->n_static_ips = 1;
    if (variant == 2) {
        /* A 6PLANE and an rfc4193 address, for NDP emulation. */
        static const uint8_t six[16] = {0xfc, 0xd9, 0x5d, 0x40, 0x8a, 0x56, 0xeb, 0xc7,
                                        0xcb, 0x87, 0, 0, 0, 0, 0, 1};
        static const uint8_t rfc[16] = {0xfd, 0xe1, 0x5d, 0xb0, 0x87, 0x38, 0x00, 0xf0,
                                        0x0d, 0x99, 0x93, 0x56, 0xeb, 0xc7, 0xcb, 0x87};
        zt__inetaddr_set6(&nc->static_ips[1], six, 40);
        zt__inetaddr_set6(&nc->static_ips[2], rfc, 88);
        nc->n_static_ips = 3;
    }
    nc->routes[0].target = nc->static_ips[0];
    nc->n_routes = 1;
    nc->specialists[0] = v_id[V_M].address | ZT_SPECIALIST_ROLE_MULTICAST_REPLICATOR;
    nc->n_specialists = 1;
    if (variant != 1) {
        zt_com com;
        zt_tag tag;
        zt_capability *capb = calloc(1, sizeof(*capb));
        zt_coo *coo = calloc(1, sizeof(*coo));
        uint8_t *b = malloc(8192);
        zt_wr w;
        if (capb == NULL || coo == NULL || b == NULL)
            abort();
        v_make_com(&com, V_NUT);
        V_SET_BLOB(nc, ZT_NETCONF_BLOB_COM, zt__com_write, &com);
        w = zt__wr_make(b, 8192);
        v_make_tag(&tag, V_NUT, 1, 100);
        zt__tag_write(&w, &tag);
        v_make_tag(&tag, V_NUT, 2, 3);
        zt__tag_write(&w, &tag);
        if (w.overflow || zt__netconf_set_blob(nc, ZT_NETCONF_BLOB_TAGS, b, zt__wr_len(&w)) != 0)
            abort();
        v_make_cap(capb, V_NUT);
        V_SET_BLOB(nc, ZT_NETCONF_BLOB_CAPS, zt__capability_write, capb);
        v_make_coo(coo, V_NUT);
        V_SET_BLOB(nc, ZT_NETCONF_BLOB_COOS, zt__coo_write, coo);
        free(capb);
        free(coo);
        free(b);
    }
    nrules = v_rules(variant, rules);
    for (unsigned i = 0; i < nrules_extra && nrules < ZT_RULES_MAX - 1; i++) {
        /* Never matching IPv6 source rules, to make the table big. */
        memmove(&rules[1], &rules[0], nrules * sizeof(*rules));
        memset(&rules[0], 0, sizeof(rules[0]));
        rules[0].t = ZT_RULE_MATCH_IPV6_SOURCE;
        rules[0].v.ipv6.ip[0] = 0x20;
        rules[0].v.ipv6.ip[15] = (uint8_t)i;
        rules[0].v.ipv6.bits = 128;
        nrules++;
    }
    {
        size_t rcap = 40 * (nrules + 1);
        uint8_t *b = malloc(rcap);
        zt_wr w;
        if (b == NULL)
            abort();
        w = zt__wr_make(b, rcap);
        zt__rules_write(&w, rules, nrules);
        if (w.overflow || zt__netconf_set_blob(nc, ZT_NETCONF_BLOB_RULES, b, zt__wr_len(&w)) != 0)
            abort();
        free(b);
    }
    len = zt__netconf_write(nc, out, cap);
    if (len <= 0)
        abort();
    zt__netconf_clear(nc);
    free(nc);
    free(rules);
    return (size_t)len;
}

static void v_init_once(void)
{
    static bool done;
    static const uint8_t c4[4] = {198, 51, 100, 10}, m4[4] = {192, 168, 7, 20};
    static const uint8_t r4[4] = {203, 0, 113, 1}, n4[4] = {198, 51, 100, 99};
    uint8_t u6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x20};
    uint8_t *dict;

    if (done)
        return;
    done = true;
    if (zt__crypto_init() != 0)
        abort();
    zt_fuzz_load_identities(v_id, v_secrets, V_NIDS);
    zt__inetaddr_set4(&v_addr[V_C], c4, 9993);
    zt__inetaddr_set4(&v_addr[V_M], m4, 9993);
    zt__inetaddr_set4(&v_addr[V_R], r4, 9993);
    zt__inetaddr_set6(&v_addr[V_U], u6, 9993);
    zt__inetaddr_set4(&v_addr[V_NUT], n4, 9993);
    for (int i = 0; i < V_NUT; i++)
        if (zt__identity_agree(&v_id[i], &v_id[V_NUT], v_key[i]) != 0 ||
            zt__pkt_derive_aes(v_key[i], &v_aes[i]) != 0)
            abort();
    v_nwid = v_id[V_C].address << ZT_NWID_CONTROLLER_SHIFT | V_NWID_LOW;
    v_make_planet();
    v_make_peer_record(V_C, 0);
    v_make_peer_record(V_M, 1);
    dict = malloc(ZT_CHUNK_MAX_DATA);
    if (dict == NULL)
        abort();
    for (int v = 0; v < V_NVARIANTS; v++) {
        size_t dlen = v_make_dict(v, 1, 0, dict, ZT_CHUNK_MAX_DATA);
        zt_ssize n;
        v_config_chunk[v] = malloc(V_CHUNK_MAX);
        if (v_config_chunk[v] == NULL || zt__config_chunk_count(dlen) != 1)
            abort();
        n = zt__config_chunk_write(v_config_chunk[v], V_CHUNK_MAX, &v_id[V_C], v_nwid, dict,
                                   dlen, 0, 0, 0x100 + (uint64_t)v);
        if (n <= 0)
            abort();
        v_config_chunk_len[v] = (size_t)n;
    }
    free(dict);
}

/* ---------------------------------------------------------------- one run */

/* Builds the packet |from| -> node under test and delivers it from |from|'s address. */
static void v_deliver(int from, unsigned verb, const uint8_t *payload, size_t len, bool aes)
{
    uint8_t *pkt = malloc(ZT_PKT_MAX_LEN);
    const zt_node_counters *c = zt__node_get_counters(v_node);
    uint64_t rx = c->rx_datagrams;
    uint8_t *exact;
    size_t n;
    int rv;

    if (pkt == NULL)
        abort();
    if (len > ZT_PKT_MAX_LEN - ZT_PKT_MIN_LEN)
        len = ZT_PKT_MAX_LEN - ZT_PKT_MIN_LEN;
    v_next_id += 0x0000000100000001ULL;
    if (zt__pkt_init(pkt, ZT_PKT_MAX_LEN, v_next_id, v_id[V_NUT].address, v_id[from].address,
                     verb) != ZT_PKT_MIN_LEN)
        abort();
    memcpy(pkt + ZT_PKT_IDX_PAYLOAD, payload, len);
    n = ZT_PKT_MIN_LEN + len;
    if (aes) {
        n = zt__pkt_compress(pkt, n);
        rv = zt__pkt_armor_aes(pkt, n, &v_aes[from]);
    } else {
        rv = zt__pkt_armor(pkt, n, v_key[from], ZT_CIPHER_POLY1305_SALSA2012);
    }
    if (rv != 0)
        abort();
    exact = malloc(n); /* exact size, so any overread is caught */
    if (exact == NULL)
        abort();
    memcpy(exact, pkt, n);
    free(pkt);
    rv = zt__node_recv_datagram(v_node, 0, &v_addr[from], exact, n, v_now);
    if ((rv != 0 && rv != ZT_ERR_DROP) || c->rx_datagrams != rx + 1)
        abort();
    free(exact);
}

/* OK(HELLO) from |who|, in re the last HELLO we sent (to anyone: the node only checks that
 * it asked).  A peer's OK confirms its path, so our packets go straight to it afterwards. */
static void v_hello_ok(int who)
{
    uint8_t buf[64];
    zt_wr w = zt__wr_make(buf, sizeof(buf));

    zt__wr_u8(&w, ZT_VERB_HELLO);
    zt__wr_u64(&w, v_last_sent[ZT_VERB_HELLO]);
    zt__wr_u64(&w, (uint64_t)v_now);
    zt__wr_u8(&w, ZT_NODE_PROTO_VERSION);
    zt__wr_u8(&w, ZT_NODE_VERSION_MAJOR);
    zt__wr_u8(&w, ZT_NODE_VERSION_MINOR);
    zt__wr_u16(&w, ZT_NODE_VERSION_REVISION);
    zt__inetaddr_write(&w, &v_addr[V_NUT]);
    zt__wr_u16(&w, 0);
    if (w.overflow)
        abort();
    v_deliver(who, ZT_VERB_OK, buf, zt__wr_len(&w), false);
}

static void v_begin(uint8_t flags)
{
    zt_node_config cfg;
    zt_node_callbacks cb = {.send = v_send,
                            .event = v_event,
                            .state_get = v_state_get,
                            .state_put = v_state_put,
                            .frame = v_frame};
    int variant = flags & 3;

    v_init_once();
    memset(v_last_sent, 0, sizeof(v_last_sent));
    memset(&v_stats, 0, sizeof(v_stats));
    v_next_id = 0x5eed000000000000ULL;
    zt__node_config_default(&cfg);
    cfg.identity = &v_id[V_NUT];
    cfg.seed[0] = 0x42;
    cfg.planet = v_planet;
    cfg.planet_len = v_planet_len;
    cfg.peer_cache = true;
    v_now = V_T0;
    v_node = zt_fuzz_node_new(&cfg, &cb, v_now);
    v_hello_ok(V_R); /* online */
    if (zt__node_join(v_node, v_nwid, v_now) != 0)
        abort();
    v_hello_ok(V_C); /* direct paths to C and M */
    v_hello_ok(V_M);
    if (variant < V_NVARIANTS)
        v_deliver(V_C, ZT_VERB_NETWORK_CONFIG, v_config_chunk[variant],
                  v_config_chunk_len[variant], false);
    zt_fuzz_check_timers(v_node, v_now);
}

static void v_end(void)
{
    zt__node_del(v_node);
    v_node = NULL;
    free(v_stored_config);
    v_stored_config = NULL;
    v_stored_config_len = 0;
}

static void v_check_views(void)
{
    zt_peer_info *info = malloc(8 * sizeof(*info));
    const zt_netconf *nc = zt__node_network_config(v_node, v_nwid);
    zt_network_status st;
    size_t n;

    if (info == NULL)
        abort();
    n = zt__node_peers(v_node, info, 8);
    for (size_t i = 0; i < n && i < 8; i++)
        if (info[i].npaths > ZT_NODE_MAX_PATHS || info[i].address == v_id[V_NUT].address)
            abort();
    free(info);
    if (nc != NULL && (nc->nwid != v_nwid || nc->issued_to != v_id[V_NUT].address ||
                       nc->mtu < ZT_MIN_MTU || nc->mtu > ZT_MAX_MTU))
        abort();
    if (zt__node_network_status(v_node, v_nwid, &st) == 0 && (st < 0 || st > 6))
        abort();
}

/* A local command: bytes[0] & 15 picks it.  0-6 and 11 send a frame (to M, to C, to a
 * multicast group from 6 bytes, broadcast, ourselves, the member with the 5-byte address
 * that follows, the root, any 6-byte MAC); with bit 7 set a 6-byte source MAC comes first;
 * then the ethertype and the payload.  7/8 subscribe/unsubscribe (MAC, ADI), 9 leave,
 * 10 join, others check the listings. */
static void v_command(const uint8_t *data, size_t len)
{
    zt_rd r = zt__rd_make(data, len);
    uint8_t op = 0, mac[6] = {0};
    uint64_t own = zt__node_network_mac(v_node, v_nwid), dst = 0, a = 0, adi = 0;
    uint16_t ethertype = 0;
    int rv = 0;

    (void)zt__rd_u8(&r, &op);
    switch (op & 15) {
    case 0: /* unicast to a member */
        dst = v_mac(V_M);
        break;
    case 1: /* to the controller */
        dst = v_mac(V_C);
        break;
    case 2: /* to a multicast group */
        (void)zt__rd_bytes(&r, mac, 6);
        mac[0] |= ZT_MAC_MULTICAST_BIT;
        dst = zt__mac_from_bytes(mac);
        break;
    case 3:
        dst = ZT_MAC_BROADCAST;
        break;
    case 4: /* ourselves */
        dst = own;
        break;
    case 5: /* any address of the network */
        (void)zt__rd_be(&r, &a, ZT_ADDRESS_LEN);
        dst = zt__mac_from_address(a, v_nwid);
        break;
    case 6: /* the root: not a member */
        dst = v_mac(V_R);
        break;
    case 11: /* any MAC (bridged destinations) */
        (void)zt__rd_bytes(&r, mac, 6);
        dst = zt__mac_from_bytes(mac);
        break;
    case 7:
    case 8:
        (void)zt__rd_bytes(&r, mac, 6);
        (void)zt__rd_be(&r, &adi, 4);
        if ((op & 15) == 7)
            rv = zt__node_multicast_subscribe(v_node, v_nwid, zt__mac_from_bytes(mac),
                                             (uint32_t)adi, v_now);
        else
            rv = zt__node_multicast_unsubscribe(v_node, v_nwid, zt__mac_from_bytes(mac),
                                               (uint32_t)adi);
        break;
    case 9:
        rv = zt__node_leave(v_node, v_nwid, v_now);
        break;
    case 10:
        rv = zt__node_join(v_node, v_nwid, v_now);
        break;
    default:
        v_check_views();
        break;
    }
    if ((op & 15) <= 6 || (op & 15) == 11) {
        uint64_t src = own;
        if (op & 0x80) { /* a source MAC not ours: refused */
            (void)zt__rd_bytes(&r, mac, 6);
            src = zt__mac_from_bytes(mac);
        }
        (void)zt__rd_u16(&r, &ethertype);
        rv = zt__node_send_frame(v_node, v_nwid, src, dst, ethertype, r.p, zt__rd_left(&r),
                                v_now);
    }
    if (zt__err_is_fatal(rv))
        abort();
}

/* OK or ERROR: in-re verb, the ID of the last packet the node sent with it, then |data|. */
static void v_reply(int from, unsigned verb, uint8_t inre, const uint8_t *data, size_t len,
                    bool aes)
{
    uint8_t *payload = malloc(9 + len);

    if (payload == NULL)
        abort();
    payload[0] = inre;
    zt__store_be(payload + 1, v_last_sent[inre & 31], 8);
    memcpy(payload + 9, data, len);
    v_deliver(from, verb, payload, 9 + len, aes);
    free(payload);
}

static void v_packet(int from, unsigned kind, const uint8_t *data, size_t len, bool aes)
{
    static const uint8_t verbs[] = {ZT_VERB_FRAME,           ZT_VERB_EXT_FRAME,
                                    ZT_VERB_NETWORK_CREDENTIALS, ZT_VERB_MULTICAST_LIKE,
                                    ZT_VERB_MULTICAST_GATHER, ZT_VERB_MULTICAST_FRAME,
                                    ZT_VERB_NETWORK_CONFIG};

    switch (kind) {
    case VK_OK_CONFIG:
        v_reply(from, ZT_VERB_OK, ZT_VERB_NETWORK_CONFIG_REQUEST, data, len, aes);
        break;
    case VK_OK_GATHER:
        v_reply(from, ZT_VERB_OK, ZT_VERB_MULTICAST_GATHER, data, len, aes);
        break;
    case VK_OK_MFRAME:
        v_reply(from, ZT_VERB_OK, ZT_VERB_MULTICAST_FRAME, data, len, aes);
        break;
    case VK_OK:
    case VK_ERROR:
        if (len > 0)
            v_reply(from, kind == VK_OK ? ZT_VERB_OK : ZT_VERB_ERROR, data[0], data + 1,
                    len - 1, aes);
        break;
    case VK_RAW:
        if (len > 0)
            v_deliver(from, data[0] & ZT_PKT_VERB_MASK, data + 1, len - 1, aes);
        break;
    default:
        if (kind < sizeof(verbs))
            v_deliver(from, verbs[kind], data, len, aes);
        break;
    }
}

/* One record: move the clock, deliver or run it, run timers. */
static void v_record(uint8_t sel, const uint8_t *data, size_t len)
{
    int from = sel & 3;
    unsigned kind = (sel >> 2) & 15;

    v_now += v_steps[sel >> 6];
    if (kind == VK_COMMAND)
        v_command(data, len);
    else if (kind == VK_AES) {
        if (len > 0)
            v_packet(from, data[0] % VK_AES, data + 1, len - 1, true);
    } else if (kind != VK_NOTHING)
        v_packet(from, kind, data, len, false);
    zt_fuzz_check_timers(v_node, v_now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zt_fuzz_records(data, size, V_MAX_RECORDS, v_begin, v_record, v_end);
    return 0;
}
