/*
 * make_vl2_corpus: writes the seed corpus of fuzz_vl2 (fuzz/corpus/vl2/).
 *
 * It includes fuzz_vl2.c and runs each seed through the harness record by record while it
 * builds it, so the IDs of the node's requests are known (OK records name them) and the
 * printed counters show what each seed reaches.  The payloads are genuine: credentials and
 * config chunks signed by the controller C, frames with real IPv4/ARP/IPv6 headers.
 * Deterministic.  Not built by CMake; from the root of the repository, with any build tree
 * (here build/release):
 *
 *   cc -std=c11 -D_GNU_SOURCE -Isrc -Iinclude fuzz/make_vl2_corpus.c -o /tmp/make_vl2_corpus \
 *      build/release/src/core/libzt_core.a build/release/src/crypto/libzt_crypto.a \
 *      build/release/src/util/libzt_util.a -lsodium -llz4 -lcrypto
 *   /tmp/make_vl2_corpus fuzz/corpus/vl2
 */
#include "fuzz_vl2.c"

#include <stdio.h>

#define OUT_MAX 65536
#define SEL(from, kind, step) ((uint8_t)((from) | (kind) << 2 | (step) << 6))

static uint8_t out[OUT_MAX];
static size_t outlen;
static const char *outdir;

static void begin(uint8_t flags)
{
    outlen = 0;
    out[outlen++] = flags;
    v_begin(flags);
}

static void rec(uint8_t sel, const uint8_t *data, size_t len)
{
    if (outlen + 3 + len > sizeof(out)) {
        fprintf(stderr, "make_vl2_corpus: input too long\n");
        exit(1);
    }
    out[outlen++] = sel;
    out[outlen++] = (uint8_t)(len >> 8);
    out[outlen++] = (uint8_t)len;
    if (len > 0)
        memcpy(out + outlen, data, len);
    outlen += len;
    v_record(sel, data, len);
}

static void recw(uint8_t sel, const zt_wr *w, const uint8_t *buf)
{
    if (w->overflow)
        abort();
    rec(sel, buf, zt__wr_len(w));
}

static void finish(const char *name)
{
    char path[4096];
    FILE *f;
    const zt_node_counters *c = zt__node_get_counters(v_node);

    snprintf(path, sizeof(path), "%s/%s", outdir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(out, 1, outlen, f) != outlen || fclose(f) != 0) {
        fprintf(stderr, "make_vl2_corpus: cannot write %s\n", path);
        exit(1);
    }
    printf("%-18s %5zu B  frames %u configs %u sends %u (decoded %u) | auth %llu malformed "
           "%llu unexpected-ok %llu\n",
           name, outlen, v_stats.frames, v_stats.configs_ok, v_stats.sends, v_stats.sends_decoded,
           (unsigned long long)c->drop_auth, (unsigned long long)c->drop_malformed,
           (unsigned long long)c->drop_unexpected_ok);
    v_end();
}

/* ---------------------------------------------------------------- payload pieces */

static void v_revocation(zt_revocation *rev, uint8_t type, uint32_t cred_id, int64_t threshold,
                         bool fast)
{
    memset(rev, 0, sizeof(*rev));
    rev->id = 0x1234u + cred_id;
    rev->nwid = v_nwid;
    rev->credential_id = cred_id;
    rev->threshold = threshold;
    rev->flags = fast ? ZT_REVOCATION_FLAG_FAST_PROPAGATE : 0;
    rev->target = v_id[V_M].address;
    rev->type = type;
    if (zt__revocation_sign(rev, &v_id[V_C]) != 0)
        abort();
}

/* NETWORK_CREDENTIALS from M: its COM, capability 7 (and with |chains|, capability 8 that
 * came to M through R and 9 through U, whom the node does not know), tags 1 = |tag1| and
 * 2 = 3, its COO. */
static void creds_of_m(zt_wr *w, uint32_t tag1, bool with_com, bool chains)
{
    zt_com com;
    zt_tag tags[2];
    zt_capability *cap = calloc(3, sizeof(*cap));
    zt_coo *coo = calloc(1, sizeof(*coo));

    if (cap == NULL || coo == NULL)
        abort();
    v_make_com(&com, V_M);
    v_make_tag(&tags[0], V_M, 1, tag1);
    v_make_tag(&tags[1], V_M, 2, 3);
    v_make_cap(&cap[0], V_M);
    for (int i = 1; i < 3; i++) {
        int via = i == 1 ? V_R : V_U;
        v_make_cap(&cap[i], via);
        cap[i].id = 7 + (uint32_t)i;
        cap[i].custody_count = 0;
        if (zt__capability_sign(&cap[i], &v_id[V_C], v_id[via].address) != 0 ||
            zt__capability_sign(&cap[i], &v_id[via], v_id[V_M].address) != 0)
            abort();
    }
    v_make_coo(coo, V_M);
    zt__netcreds_write(w, with_com ? &com : NULL, cap, chains ? 3 : 1, tags, 2, NULL, 0, coo, 1);
    free(cap);
    free(coo);
}

static void send_creds_of_m(int step, uint32_t tag1, bool chains)
{
    uint8_t buf[4096];
    zt_wr w = zt__wr_make(buf, sizeof(buf));

    creds_of_m(&w, tag1, true, chains);
    recw(SEL(V_M, VK_CREDENTIALS, step), &w, buf);
}

static void put_mac(zt_wr *w, uint64_t mac)
{
    uint8_t b[6];
    zt__mac_to_bytes(mac, b);
    zt__wr_bytes(w, b, 6);
}

/* IPv4 from 10.147.17.6 to 10.147.17.5: UDP 5000 -> 53, or a TCP SYN to port 22. */
static void ipv4(zt_wr *w, bool tcp, size_t extra)
{
    static const uint8_t src[4] = {10, 147, 17, 6}, dst[4] = {10, 147, 17, 5};
    size_t l4 = tcp ? 20 : 8, total = 20 + l4 + extra;

    zt__wr_u8(w, 0x45);
    zt__wr_u8(w, 0);
    zt__wr_u16(w, (uint16_t)total);
    zt__wr_be(w, 0x12344000, 4);
    zt__wr_u8(w, 64);
    zt__wr_u8(w, tcp ? 6 : 17);
    zt__wr_u16(w, 0);
    zt__wr_bytes(w, src, 4);
    zt__wr_bytes(w, dst, 4);
    zt__wr_u16(w, 5000);
    zt__wr_u16(w, tcp ? 22 : 53);
    if (tcp) {
        zt__wr_be(w, 1, 4);
        zt__wr_be(w, 0, 4);
        zt__wr_u8(w, 0x50);
        zt__wr_u8(w, 0x02); /* SYN */
        zt__wr_u16(w, 65535);
        zt__wr_be(w, 0, 4);
    } else {
        zt__wr_u16(w, (uint16_t)(8 + extra));
        zt__wr_u16(w, 0);
    }
    for (size_t i = 0; i < extra; i++)
        zt__wr_u8(w, (uint8_t)(i * 37 + 11));
}

/* ARP request: who has 10.147.17.5, from M. */
static void arp(zt_wr *w)
{
    static const uint8_t head[8] = {0, 1, 8, 0, 6, 4, 0, 1};
    static const uint8_t sip[4] = {10, 147, 17, 6}, tip[4] = {10, 147, 17, 5};

    zt__wr_bytes(w, head, 8);
    put_mac(w, v_mac(V_M));
    zt__wr_bytes(w, sip, 4);
    put_mac(w, 0);
    zt__wr_bytes(w, tip, 4);
}

/* IPv6 ICMPv6 neighbor solicitation for |target| (16 bytes), 72 bytes. */
static void ndp_ns(zt_wr *w, const uint8_t *target)
{
    static const uint8_t src[16] = {0xfe, 0x80, [15] = 1};
    uint8_t dst[16] = {0xff, 0x02, [11] = 1, [12] = 0xff};

    memcpy(dst + 13, target + 13, 3);
    zt__wr_be(w, 0x60000000, 4);
    zt__wr_u16(w, 32);
    zt__wr_u8(w, 58);
    zt__wr_u8(w, 255);
    zt__wr_bytes(w, src, 16);
    zt__wr_bytes(w, dst, 16);
    zt__wr_u8(w, 135);
    zt__wr_u8(w, 0);
    zt__wr_u16(w, 0);
    zt__wr_be(w, 0, 4);
    zt__wr_bytes(w, target, 16);
    zt__wr_u8(w, 1);
    zt__wr_u8(w, 1);
    put_mac(w, v_mac(V_M));
}

static void frame(int from, int step, uint16_t ethertype, int body, size_t extra)
{
    uint8_t buf[2048];
    zt_wr w = zt__wr_make(buf, sizeof(buf));

    zt__wr_u64(&w, v_nwid);
    zt__wr_u16(&w, ethertype);
    if (body == 0)
        ipv4(&w, false, extra);
    else if (body == 1)
        ipv4(&w, true, 0);
    else if (body == 2)
        arp(&w);
    else {
        static const uint8_t t[16] = {0xfd, 0xe1, 0x5d, 0xb0, 0x87, 0x38, 0x00, 0xf0,
                                      0x0d, 0x99, 0x93, 0x56, 0xeb, 0xc7, 0xcb, 0x87};
        ndp_ns(&w, t);
    }
    recw(SEL(from, VK_FRAME, step), &w, buf);
}

static void ext_frame(int step, uint8_t flags, uint64_t dst, uint64_t src, uint16_t ethertype,
                      bool aes)
{
    uint8_t buf[2048];
    zt_wr w = zt__wr_make(buf, sizeof(buf));

    if (aes)
        zt__wr_u8(&w, VK_EXT_FRAME);
    zt__wr_u64(&w, v_nwid);
    zt__wr_u8(&w, flags);
    if (flags & ZT_EXT_FRAME_FLAG_COM) {
        zt_com com;
        v_make_com(&com, V_M);
        zt__com_write(&w, &com);
    }
    put_mac(&w, dst);
    put_mac(&w, src);
    zt__wr_u16(&w, ethertype);
    ipv4(&w, false, 16);
    recw(SEL(V_M, aes ? VK_AES : VK_EXT_FRAME, step), &w, buf);
}

/* Local command |op| sending a frame: ethertype and an IPv4 UDP body. */
static void cmd_frame(uint8_t op, const uint8_t *mac6, uint16_t ethertype, size_t extra)
{
    uint8_t buf[2048];
    zt_wr w = zt__wr_make(buf, sizeof(buf));

    zt__wr_u8(&w, op);
    if (mac6 != NULL)
        zt__wr_bytes(&w, mac6, (op & 15) == 5 ? 5 : 6);
    zt__wr_u16(&w, ethertype);
    if (ethertype == ZT_ETHERTYPE_ARP)
        arp(&w);
    else
        ipv4(&w, false, extra);
    recw(SEL(0, VK_COMMAND, 0), &w, buf);
}

static void cmd(const uint8_t *b, size_t len)
{
    rec(SEL(0, VK_COMMAND, 0), b, len);
}

static void gather_results(zt_wr *w, int who)
{
    zt__wr_be(w, 2, 4);
    zt__wr_u16(w, 2);
    zt__wr_be(w, v_id[who].address, ZT_ADDRESS_LEN);
    zt__wr_be(w, 0x0102030405ULL, ZT_ADDRESS_LEN);
}

/* The group of ARP for 10.147.17.5 (broadcast, ADI = the IPv4 address). */
#define ARP_ADI 0x0a931105u

/* Config |variant| revision |rev| with |extra| rules, pushed as NETWORK_CONFIG chunks (or,
 * when |as_ok|, the first chunk as OK(NETWORK_CONFIG_REQUEST)). */
static void push_config(int variant, uint64_t rev, unsigned extra, uint8_t flags, bool as_ok)
{
    uint8_t *dict = malloc(ZT_DICT_CONFIG_MAX), *chunk = malloc(V_CHUNK_MAX);
    size_t dlen;
    unsigned count;

    if (dict == NULL || chunk == NULL)
        abort();
    dlen = v_make_dict(variant, rev, extra, dict, ZT_DICT_CONFIG_MAX);
    count = zt__config_chunk_count(dlen);
    for (unsigned i = 0; i < count; i++) {
        zt_ssize n = zt__config_chunk_write(chunk, V_CHUNK_MAX, &v_id[V_C], v_nwid, dict, dlen,
                                            i, flags, 0x900 + rev);
        if (n <= 0)
            abort();
        rec(SEL(V_C, as_ok ? VK_OK_CONFIG : VK_CONFIG, 0), chunk, (size_t)n);
    }
    free(dict);
    free(chunk);
}

static void revoke(int step, uint8_t type, uint32_t id, bool fast)
{
    uint8_t buf[1024];
    zt_wr w = zt__wr_make(buf, sizeof(buf));
    zt_revocation rev;

    v_revocation(&rev, type, id, V_T0 + 1, fast);
    zt__netcreds_write(&w, NULL, NULL, 0, NULL, 0, &rev, 1, NULL, 0);
    recw(SEL(V_C, VK_CREDENTIALS, step), &w, buf);
}

int main(int argc, char **argv)
{
    uint8_t b[256];
    zt_wr w;
    uint8_t grp[6];

    outdir = argc > 1 ? argv[1] : "fuzz/corpus/vl2";
    v_init_once();

    /* Credentials, then frames through the rules: capability (IPv4), ARP, TCP 22 dropped,
     * IPv6 teed, a big one watched; EXT_FRAME with ACK, with a COM, forwarded. */
    begin(0);
    send_creds_of_m(0, 50, true);
    frame(V_M, 0, ZT_ETHERTYPE_IPV4, 0, 10);
    frame(V_M, 0, ZT_ETHERTYPE_ARP, 2, 0);
    frame(V_M, 0, ZT_ETHERTYPE_IPV4, 1, 0);
    frame(V_M, 0, ZT_ETHERTYPE_IPV6, 3, 0);
    frame(V_M, 0, 0x88b5, 0, 1100);
    ext_frame(0, ZT_EXT_FRAME_FLAG_ACK, v_mac(V_NUT), v_mac(V_M), ZT_ETHERTYPE_IPV4, false);
    ext_frame(1, ZT_EXT_FRAME_FLAG_COM, v_mac(V_NUT), v_mac(V_M), ZT_ETHERTYPE_IPV4, false);
    ext_frame(0, ZT_EXT_FRAME_IN_TEE, v_mac(V_C), v_mac(V_M), ZT_ETHERTYPE_IPV4, false);
    finish("creds-frames");

    /* Tag 1 = 200: M's frames are redirected to C; then revocations (fast propagated to M). */
    begin(0);
    send_creds_of_m(0, 200, false);
    frame(V_M, 0, ZT_ETHERTYPE_IPV4, 0, 0);
    revoke(1, ZT_CRED_TAG, 1, true);
    frame(V_M, 0, ZT_ETHERTYPE_IPV4, 0, 0);
    revoke(1, ZT_CRED_CAPABILITY, 7, false);
    revoke(1, ZT_CRED_COO, 3, true);
    revoke(1, ZT_CRED_COM, 0, true);
    frame(V_M, 0, ZT_ETHERTYPE_IPV4, 0, 0);
    finish("revocations");

    /* Multicast: M likes and gathers, sends to the ARP group; we subscribe, send, gather. */
    begin(0);
    send_creds_of_m(0, 50, false);
    w = zt__wr_make(b, sizeof(b));
    zt__wr_u64(&w, v_nwid);
    put_mac(&w, ZT_MAC_BROADCAST);
    zt__wr_be(&w, ARP_ADI, 4);
    zt__wr_u64(&w, v_nwid);
    put_mac(&w, 0x333300000001ULL);
    zt__wr_be(&w, 0, 4);
    recw(SEL(V_M, VK_LIKE, 0), &w, b);
    w = zt__wr_make(b, sizeof(b));
    zt__wr_u64(&w, v_nwid);
    zt__wr_u8(&w, 0);
    put_mac(&w, ZT_MAC_BROADCAST);
    zt__wr_be(&w, ARP_ADI, 4);
    zt__wr_be(&w, 16, 4);
    recw(SEL(V_M, VK_GATHER, 0), &w, b);
    w = zt__wr_make(b, sizeof(b));
    zt__wr_u64(&w, v_nwid);
    zt__wr_u8(&w, 0x02);
    zt__wr_be(&w, 8, 4);
    put_mac(&w, ZT_MAC_BROADCAST);
    zt__wr_be(&w, ARP_ADI, 4);
    zt__wr_u16(&w, ZT_ETHERTYPE_ARP);
    arp(&w);
    recw(SEL(V_M, VK_MFRAME, 0), &w, b);
    cmd((const uint8_t[]){7, 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb, 0, 0, 0, 0}, 11);
    cmd_frame(3, NULL, ZT_ETHERTYPE_ARP, 0);
    grp[0] = 0x33, grp[1] = 0x33, grp[2] = 0, grp[3] = 0, grp[4] = 0, grp[5] = 2;
    cmd_frame(2, grp, ZT_ETHERTYPE_IPV6, 0);
    w = zt__wr_make(b, sizeof(b));
    zt__wr_u64(&w, v_nwid);
    zt__wr_bytes(&w, grp, 6);
    zt__wr_be(&w, 0, 4);
    gather_results(&w, V_M);
    recw(SEL(V_R, VK_OK_GATHER, 0), &w, b);
    w = zt__wr_make(b, sizeof(b));
    zt__wr_u64(&w, v_nwid);
    put_mac(&w, ZT_MAC_BROADCAST);
    zt__wr_be(&w, ARP_ADI, 4);
    zt__wr_u8(&w, 0x02);
    gather_results(&w, V_C);
    recw(SEL(V_M, VK_OK_MFRAME, 2), &w, b);
    cmd((const uint8_t[]){8, 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb, 0, 0, 0, 0}, 11);
    rec(SEL(0, VK_NOTHING, 3), NULL, 0);
    finish("multicast");

    /* Local sends: to M (credentials pushed first), IPv6 teed, to C, ourselves, an unknown
     * member, the root, a bridged MAC, a foreign source MAC; leave and join again. */
    begin(0);
    send_creds_of_m(0, 50, false);
    cmd_frame(0, NULL, ZT_ETHERTYPE_IPV4, 0);
    cmd_frame(0, NULL, ZT_ETHERTYPE_IPV6, 100);
    cmd_frame(1, NULL, ZT_ETHERTYPE_IPV4, 1200);
    cmd_frame(4, NULL, ZT_ETHERTYPE_IPV4, 0);
    cmd_frame(5, (const uint8_t[]){0x12, 0x34, 0x56, 0x78, 0x9a}, ZT_ETHERTYPE_IPV4, 0);
    cmd_frame(6, NULL, ZT_ETHERTYPE_IPV4, 0);
    cmd_frame(11, (const uint8_t[]){0x02, 0x11, 0x22, 0x33, 0x44, 0x55}, ZT_ETHERTYPE_IPV4, 0);
    cmd_frame(0x80, (const uint8_t[]){2, 0, 0, 0, 0, 1}, ZT_ETHERTYPE_IPV4, 0);
    cmd((const uint8_t[]){12}, 1);
    cmd((const uint8_t[]){9}, 1);
    cmd((const uint8_t[]){10}, 1);
    cmd((const uint8_t[]){12}, 1);
    finish("local-sends");

    /* No config at first: pushed (then a fast-propagated update), then refused. */
    begin(3);
    push_config(0, 2, 0, 0, false);
    push_config(1, 3, 0, ZT_CHUNK_FLAG_FAST_PROPAGATE, false);
    rec(SEL(V_C, VK_ERROR, 1),
        (const uint8_t[]){ZT_VERB_NETWORK_CONFIG_REQUEST, ZT_ERROR_NETWORK_ACCESS_DENIED,
                          (uint8_t)(v_nwid >> 56), (uint8_t)(v_nwid >> 48),
                          (uint8_t)(v_nwid >> 40), (uint8_t)(v_nwid >> 32),
                          (uint8_t)(v_nwid >> 24), (uint8_t)(v_nwid >> 16),
                          (uint8_t)(v_nwid >> 8), (uint8_t)v_nwid},
        10);
    finish("config-push");

    /* The answer to our request, after it was asked again. */
    begin(3);
    rec(SEL(0, VK_NOTHING, 2), NULL, 0);
    push_config(2, 2, 0, 0, true);
    finish("config-ok");

    /* A config of several chunks. */
    begin(0);
    push_config(0, 5, 500, 0, false);
    finish("config-chunks");

    /* A public network: no credentials needed. */
    begin(1);
    frame(V_M, 0, ZT_ETHERTYPE_IPV4, 0, 0);
    frame(V_M, 0, ZT_ETHERTYPE_ARP, 2, 0);
    w = zt__wr_make(b, sizeof(b));
    zt__wr_u64(&w, v_nwid);
    zt__wr_u8(&w, 0x04);
    put_mac(&w, v_mac(V_M));
    put_mac(&w, ZT_MAC_BROADCAST);
    zt__wr_be(&w, 0, 4);
    zt__wr_u16(&w, ZT_ETHERTYPE_IPV4);
    ipv4(&w, false, 4);
    recw(SEL(V_M, VK_MFRAME, 0), &w, b);
    cmd_frame(3, NULL, ZT_ETHERTYPE_ARP, 0);
    finish("public");

    /* NDP emulation, IPv6 addresses, multicast off, TEE to R and REDIRECT to M. */
    begin(2);
    send_creds_of_m(0, 50, false);
    frame(V_M, 0, ZT_ETHERTYPE_IPV6, 3, 0);
    frame(V_M, 0, 0x88b5, 0, 0);
    cmd_frame(1, NULL, ZT_ETHERTYPE_IPV4, 0);
    cmd_frame(3, NULL, ZT_ETHERTYPE_ARP, 0);
    finish("ndp-variant");

    /* Replies and errors: NEED_MEMBERSHIP_CERTIFICATE (we push), the root's OK(HELLO) (online),
     * UNWANTED_MULTICAST, an ECHO. */
    begin(0);
    w = zt__wr_make(b, sizeof(b));
    zt__wr_u8(&w, ZT_VERB_FRAME);
    zt__wr_u8(&w, ZT_ERROR_NEED_MEMBERSHIP_CERTIFICATE);
    zt__wr_u64(&w, v_nwid);
    recw(SEL(V_M, VK_ERROR, 0), &w, b);
    w = zt__wr_make(b, sizeof(b));
    zt__wr_u8(&w, ZT_VERB_HELLO);
    zt__wr_u64(&w, (uint64_t)V_T0);
    zt__wr_u8(&w, ZT_NODE_PROTO_VERSION);
    zt__wr_u8(&w, 1);
    zt__wr_u8(&w, 14);
    zt__wr_u16(&w, 1);
    zt__inetaddr_write(&w, &v_addr[V_NUT]);
    zt__wr_u16(&w, 0);
    recw(SEL(V_R, VK_OK, 0), &w, b);
    w = zt__wr_make(b, sizeof(b));
    zt__wr_u8(&w, ZT_VERB_MULTICAST_FRAME);
    zt__wr_u8(&w, ZT_ERROR_UNWANTED_MULTICAST);
    zt__wr_u64(&w, v_nwid);
    put_mac(&w, ZT_MAC_BROADCAST);
    zt__wr_be(&w, ARP_ADI, 4);
    recw(SEL(V_M, VK_ERROR, 0), &w, b);
    rec(SEL(V_M, VK_RAW, 1), (const uint8_t[]){ZT_VERB_ECHO, 1, 2, 3}, 4);
    finish("replies-errors");

    /* Suite 3 and compression: credentials, an EXT_FRAME. */
    begin(0);
    {
        uint8_t cb[4096];
        zt_wr cw = zt__wr_make(cb, sizeof(cb));
        zt__wr_u8(&cw, VK_CREDENTIALS);
        creds_of_m(&cw, 50, true, false);
        recw(SEL(V_M, VK_AES, 0), &cw, cb);
    }
    ext_frame(0, 0, v_mac(V_NUT), v_mac(V_M), ZT_ETHERTYPE_IPV4, true);
    finish("aes-compressed");

    /* An unknown sender: queued while the root is asked. */
    begin(0);
    frame(V_U, 0, ZT_ETHERTYPE_IPV4, 0, 0);
    rec(SEL(V_U, VK_NOTHING, 2), NULL, 0);
    finish("unknown-sender");
    return 0;
}
