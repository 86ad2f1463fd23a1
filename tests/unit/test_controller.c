/*
 * Unit tests for src/controller/controller*.c (the sans-I/O controller, controller.md §2-§4)
 * and src/controller/api.c (include/zts_controller.h).  Every request goes through the real
 * payload codecs: requests are built with zt__config_request_write, answers are parsed as a
 * member would (chunk verify + reassembly + zt__netconf_parse + credential checks).
 */
#include "testutil.h"

#include "controller/controller.h"
#include "controller/controller_internal.h"
#include "controller/model.h"
#include "controller/store.h"
#include "core/configchunk.h"
#include "core/credential.h"
#include "core/ethernet.h"
#include "core/netconf.h"
#include "core/rules.h"
#include "zts_controller.h"

/* Test identities of spec/vectors/vl2.json (never used for anything real). */
static const char controller_secret[] =
    "7064247a5a:0:fe1fa7eb2b604654bed5a56ee321acccbf7c8a64954c03a77b9071d1a8ef0b4a402d53f3dfa"
    "e61262a04b41012be40c3bf89f9de9c73a31658386ce83b5a5f0c:343717da61c64524f4304f70df66d5f88d"
    "e4df3481cbae65c2aa40cf2fc9d3a0fd6696dc00c0188b49b918b245d4eeba88be52d43a00d895ea8eb15ac0"
    "768efa";
static const char member_secret[] =
    "136548ea94:0:0293bd5b32810d1ebf6bdad85436df23e130f4f1ea1672ee498219053601817e1b7063d2f0e"
    "65119fffc6772ece73f5b9fa14ceab9d82a068450f82ed1acaba5:67d193cc202cb8ef1deaa0873f64f98d3a"
    "198c2485eb05ec3ff6152b69e12aefe2f276e6f10d9944846aabe6168850c7de81686f89ae9e0d929ed9165"
    "97aec68";

#define NWID_PRIV 0x7064247a5a000001ULL
#define NWID_PUB 0x7064247a5a000002ULL
#define NWID_NONE 0x7064247a5a0000ffULL
#define NWID_FOREIGN 0x1111111111000001ULL
#define T0 1700000000000LL

static const char net_priv_json[] =
    "{\"id\":\"7064247a5a000001\",\"name\":\"lab\",\"private\":true,"
    "\"v4AssignMode\":{\"zt\":true},\"v6AssignMode\":{\"rfc4193\":true,\"6plane\":true,\"zt\":false},"
    "\"routes\":[{\"target\":\"10.147.17.0/24\",\"via\":null}],"
    "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.147.17.1\",\"ipRangeEnd\":\"10.147.17.254\"}],"
    "\"rules\":[{\"type\":\"MATCH_ETHERTYPE\",\"etherType\":2048,\"not\":true,\"or\":false},"
    "{\"type\":\"ACTION_DROP\"},{\"type\":\"NO_SUCH_RULE\"},{\"type\":\"ACTION_ACCEPT\"}],"
    "\"tags\":[{\"id\":7,\"default\":3}],"
    "\"capabilities\":[{\"id\":100,\"default\":true,\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}],"
    "\"mtu\":2800,\"multicastLimit\":32,\"enableBroadcast\":true}";

static const char net_pub_json[] =
    "{\"id\":\"7064247a5a000002\",\"name\":\"open\",\"private\":false,"
    "\"v4AssignMode\":{\"zt\":true},"
    "\"routes\":[{\"target\":\"10.20.0.0/16\",\"via\":null}],"
    "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.20.0.0\",\"ipRangeEnd\":\"10.20.0.80\"}]}";

/* ---- capture sink ----------------------------------------------------------------------------- */

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

static int cap_send(void *arg, uint64_t dest, uint8_t verb, const uint8_t *p, size_t len)
{
    capture *c = arg;
    if (c->fail)
        return -1;
    assert_true(c->n < CAP_MAX);
    c->pkt[c->n].dest = dest;
    c->pkt[c->n].verb = verb;
    c->pkt[c->n].p = malloc(len);
    assert_non_null(c->pkt[c->n].p);
    memcpy(c->pkt[c->n].p, p, len);
    c->pkt[c->n].len = len;
    c->n++;
    return 0;
}

static void cap_reset(capture *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->pkt[i].p);
    c->n = 0;
    c->fail = false;
}

/* ---- fixtures --------------------------------------------------------------------------------- */

static uint64_t seq_random(void *arg)
{
    uint64_t *s = arg;
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s ^ (*s >> 29);
}

typedef struct {
    zt_identity ctl_id, member;
    zt_store *store;
    zt_controller *ctl;
    capture cap;
    zt_controller_out out;
    uint64_t seed;
} fixture;

static void put_network(zt_store *st, const char *json)
{
    zt_ctl_network n;
    char err[256];
    assert_int_equal(zt_ctl_network_load(&n, json, strlen(json), err, sizeof(err)), 0);
    assert_int_equal(zt_store_save_network(st, &n, T0, NULL), 0);
    zt_ctl_network_clear(&n);
}

static void fixture_init(fixture *f, zt_store *store)
{
    zt_controller_opts o;

    memset(f, 0, sizeof(*f));
    assert_int_equal(zt__identity_from_string(&f->ctl_id, controller_secret,
                                              strlen(controller_secret)), 0);
    assert_int_equal(zt__identity_from_string(&f->member, member_secret, strlen(member_secret)),
                     0);
    f->member.has_secret = false; /* the controller only ever sees public identities */
    memset(f->member.sec, 0, sizeof(f->member.sec));
    if (store == NULL)
        assert_int_equal(zt_store_mem_new(&store), 0);
    f->store = store;
    put_network(store, net_priv_json);
    put_network(store, net_pub_json);
    zt_controller_opts_default(&o);
    f->seed = 42;
    o.random_u64 = seq_random;
    o.random_arg = &f->seed;
    assert_int_equal(zt_controller_new(&f->ctl, &f->ctl_id, store, &o), 0);
    f->out.send = cap_send;
    f->out.arg = &f->cap;
}

static void fixture_clear(fixture *f)
{
    cap_reset(&f->cap);
    zt_controller_del(f->ctl);
    zt_store_del(f->store);
}

static size_t make_request(uint8_t *buf, size_t cap, uint64_t nwid, uint64_t revr,
                           const char *auth)
{
    zt_config_meta m;
    uint8_t md[ZT_DICT_METADATA_MAX];
    zt_ssize mdlen, n;

    zt__config_meta_default(&m);
    m.rules_engine_rev = revr;
    if (auth != NULL)
        snprintf(m.auth, sizeof(m.auth), "%s", auth);
    mdlen = zt__config_meta_write(&m, md, sizeof(md));
    assert_true(mdlen > 0);
    n = zt__config_request_write(buf, cap, nwid, md, (size_t)mdlen, 0, 0);
    assert_true(n > 0);
    return (size_t)n;
}

static int request(fixture *f, const zt_identity *who, uint64_t nwid, uint64_t pid, int64_t now,
                   zt_controller_result *res)
{
    uint8_t buf[2048];
    size_t n = make_request(buf, sizeof(buf), nwid, 1, NULL);
    cap_reset(&f->cap);
    return zt_controller_handle_request(f->ctl, who, buf, n, pid, now, &f->out, res);
}

/* One ERROR payload for |pid| with |code| for |nwid|. */
static void expect_error(const capture *c, uint64_t dest, uint64_t pid, uint8_t code,
                         uint64_t nwid)
{
    zt_vl2_error e;
    assert_int_equal(c->n, 1);
    assert_int_equal(c->pkt[0].verb, ZT_VERB_ERROR);
    assert_true(c->pkt[0].dest == dest);
    assert_int_equal(zt__vl2_error_parse(&e, c->pkt[0].p, c->pkt[0].len), 0);
    assert_int_equal(e.in_re_verb, ZT_VERB_NETWORK_CONFIG_REQUEST);
    assert_true(e.in_re_packet_id == pid);
    assert_int_equal(e.code, code);
    assert_true(e.nwid == nwid);
}

/* Reassembles the config chunks in |c| (OK replies to |pid|, or pushes when pid is 0), checks
 * every signature, and parses the dictionary into |nc|. */
static void reassemble(const fixture *f, uint64_t nwid, uint64_t pid, zt_netconf *nc)
{
    zt_config_asm *a;
    const uint8_t *dict = NULL;
    size_t dlen = 0;
    uint64_t upd = 0;
    bool done = false;

    assert_true(f->cap.n > 0);
    assert_int_equal(zt__config_asm_new(&a, nwid, 0, NULL), 0);
    for (size_t i = 0; i < f->cap.n; i++) {
        const sent_pkt *s = &f->cap.pkt[i];
        const uint8_t *p = s->p;
        size_t len = s->len;
        zt_config_chunk ch;
        int rv;

        if (pid != 0) {
            assert_int_equal(s->verb, ZT_VERB_OK);
            assert_true(len > ZT_OK_HEADER_LEN);
            assert_int_equal(p[0], ZT_VERB_NETWORK_CONFIG_REQUEST);
            assert_true(zt__load_be(p + 1, 8) == pid);
            p += ZT_OK_HEADER_LEN;
            len -= ZT_OK_HEADER_LEN;
        } else {
            assert_int_equal(s->verb, ZT_VERB_NETWORK_CONFIG);
        }
        assert_int_equal(zt__config_chunk_parse(&ch, p, len), 0);
        assert_true(ch.is_signed);
        assert_true(zt__config_chunk_verify(&ch, &f->ctl_id));
        rv = zt__config_asm_add(a, &ch, &f->ctl_id, true, &dict, &dlen, &upd);
        if (rv == 0)
            done = true;
        else
            assert_int_equal(rv, ZT_ERR_AGAIN);
    }
    assert_true(done);
    assert_true(upd != 0);
    assert_int_equal(zt__netconf_parse(nc, dict, dlen, NULL), 0);
    zt__config_asm_del(a);
}

static bool has_static(const zt_netconf *nc, const zt_inetaddr *a)
{
    for (unsigned i = 0; i < nc->n_static_ips; i++) {
        if (zt__inetaddr_equal(&nc->static_ips[i], a))
            return true;
    }
    return false;
}

static void set_authorized(zt_store *st, uint64_t nwid, uint64_t node, bool auth, int64_t now)
{
    zt_ctl_member m;
    assert_int_equal(zt_store_get_member(st, nwid, node, &m), 0);
    m.authorized = auth;
    if (!auth)
        m.last_deauthorized_time = now;
    assert_int_equal(zt_store_save_member(st, &m, now, NULL), 0);
    zt_ctl_member_clear(&m);
}

static void fake_identity(zt_identity *id, uint64_t address)
{
    uint8_t sec[ZT_IDENTITY_KEY_LEN];
    memset(id, 0, sizeof(*id));
    id->address = address;
    zt__keypair_generate(id->pub, sec);
}

/* ---- cases ------------------------------------------------------------------------------------ */

static void test_unknown_network(void **state)
{
    fixture f;
    zt_controller_result res;
    zt_ctl_member m;
    (void)state;

    fixture_init(&f, NULL);
    assert_int_equal(request(&f, &f.member, NWID_NONE, 77, T0, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_NOT_FOUND);
    expect_error(&f.cap, f.member.address, 77, ZT_ERROR_OBJ_NOT_FOUND, NWID_NONE);
    /* nothing stored */
    assert_int_equal(zt_store_get_member(f.store, NWID_NONE, f.member.address, &m),
                     ZT_ERR_NOTFOUND);
    zt_ctl_member_clear(&m);

    /* not ours: dropped silently (controller.md §1) */
    assert_int_equal(request(&f, &f.member, NWID_FOREIGN, 78, T0, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_NOT_OURS);
    assert_int_equal(f.cap.n, 0);
    fixture_clear(&f);
}

static void test_private_flow(void **state)
{
    fixture f;
    zt_controller_result res;
    zt_ctl_member m;
    zt_netconf nc;
    zt_inetaddr v6;
    const uint8_t *blob;
    size_t blen;
    zt_rd r;
    zt_com com;
    zt_rule rules[8];
    size_t nrules;
    char idstr[ZT_IDENTITY_STR_MAX];
    (void)state;

    fixture_init(&f, NULL);
    /* unauthorised: ACCESS_DENIED and the member appears */
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 1001, T0, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_ACCESS_DENIED);
    expect_error(&f.cap, f.member.address, 1001, ZT_ERROR_NETWORK_ACCESS_DENIED, NWID_PRIV);
    assert_int_equal(zt_store_get_member(f.store, NWID_PRIV, f.member.address, &m), 0);
    assert_false(m.authorized);
    assert_true(zt__identity_to_string(&f.member, false, idstr, sizeof(idstr)) > 0);
    assert_string_equal(m.identity, idstr);
    assert_int_equal(m.nips, 0);
    assert_true(m.revision == 1);
    zt_ctl_member_clear(&m);

    /* flood limit: within 1000 ms, dropped */
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 1002, T0 + 500, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_FLOODED);
    assert_int_equal(f.cap.n, 0);

    /* authorise, ask again */
    set_authorized(f.store, NWID_PRIV, f.member.address, true, T0 + 1000);
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 1003, T0 + 2000, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_CONFIG);
    reassemble(&f, NWID_PRIV, 1003, &nc);
    assert_true(nc.nwid == NWID_PRIV);
    assert_true(nc.issued_to == f.member.address);
    assert_true(nc.timestamp == T0 + 2000);
    assert_true(nc.ctmd == ZT_CTL_CTMD_DEFAULT);
    assert_string_equal(nc.name, "lab");
    assert_false(zt__netconf_is_public(&nc));
    assert_true(nc.flags & ZT_NETCONF_FLAG_ENABLE_BROADCAST);
    assert_true(nc.flags & ZT_NETCONF_FLAG_ENABLE_NDP_EMULATION);
    assert_int_equal(nc.mtu, 2800);
    assert_int_equal(nc.multicast_limit, 32);
    assert_int_equal(nc.n_routes, 1);

    /* rfc4193 (§3.3): fd | nwid | 99 93 | address, /88 */
    zt__ipv6_rfc4193(NWID_PRIV, f.member.address, &v6);
    assert_true(has_static(&nc, &v6));
    assert_int_equal(v6.ip[0], 0xfd);
    assert_true(zt__load_be(v6.ip + 1, 8) == NWID_PRIV);
    assert_int_equal(v6.ip[9], 0x99);
    assert_int_equal(v6.ip[10], 0x93);
    assert_true(zt__load_be(v6.ip + 11, 5) == f.member.address);
    assert_int_equal(v6.port, 88);
    /* 6plane: fc | h | address | 0... | 01, /40 */
    zt__ipv6_6plane(NWID_PRIV, f.member.address, &v6);
    assert_true(has_static(&nc, &v6));
    assert_int_equal(v6.ip[0], 0xfc);
    assert_true(zt__load_be(v6.ip + 1, 4) ==
                (uint32_t)((NWID_PRIV ^ (NWID_PRIV >> 32)) & 0xffffffffu));
    assert_true(zt__load_be(v6.ip + 5, 5) == f.member.address);
    assert_int_equal(v6.ip[15], 0x01);
    assert_int_equal(v6.port, 40);
    /* one IPv4 from the pool, /24, stored back */
    assert_int_equal(nc.n_static_ips, 3);
    assert_int_equal(nc.static_ips[2].family, 4);
    assert_int_equal(nc.static_ips[2].port, 24);
    assert_int_equal(nc.static_ips[2].ip[0], 10);
    assert_int_equal(nc.static_ips[2].ip[1], 147);
    assert_int_equal(nc.static_ips[2].ip[2], 17);
    assert_int_equal(zt_store_get_member(f.store, NWID_PRIV, f.member.address, &m), 0);
    assert_int_equal(m.nips, 1);
    assert_memory_equal(m.ips[0].ip, nc.static_ips[2].ip, 4);
    assert_true(m.v_major == 1 && m.v_minor == 14 && m.v_rev == 1 && m.v_proto == 12);
    /* a new member... was created while unauthorised, so no default capability; tag default */
    assert_int_equal(m.ntags, 1);
    assert_int_equal(m.tags[0].id, 7);
    assert_int_equal(m.tags[0].value, 3);
    zt_ctl_member_clear(&m);

    /* COM verifies, with the right qualifiers */
    blob = zt__netconf_blob(&nc, ZT_NETCONF_BLOB_COM, &blen);
    assert_non_null(blob);
    r = zt__rd_make(blob, blen);
    assert_int_equal(zt__com_read(&r, &com), 0);
    assert_int_equal(zt__com_verify(&com, &f.ctl_id), 0);
    assert_true(zt__com_network_id(&com) == NWID_PRIV);
    assert_true(zt__com_issued_to(&com) == f.member.address);
    assert_true(zt__com_timestamp(&com) == T0 + 2000);
    /* COO with the static IPs */
    blob = zt__netconf_blob(&nc, ZT_NETCONF_BLOB_COOS, &blen);
    assert_non_null(blob);
    {
        zt_coo coo;
        r = zt__rd_make(blob, blen);
        assert_int_equal(zt__coo_read(&r, &coo), 0);
        assert_int_equal(zt__coo_verify(&coo, &f.ctl_id), 0);
        assert_int_equal(coo.thing_count, 3);
        assert_true(zt__coo_owns(&coo, ZT_COO_THING_IPV4, nc.static_ips[2].ip, 4));
    }
    /* tag credential */
    blob = zt__netconf_blob(&nc, ZT_NETCONF_BLOB_TAGS, &blen);
    assert_non_null(blob);
    {
        zt_tag tag;
        r = zt__rd_make(blob, blen);
        assert_int_equal(zt__tag_read(&r, &tag), 0);
        assert_int_equal(zt__tag_verify(&tag, &f.ctl_id), 0);
        assert_int_equal(tag.id, 7);
        assert_int_equal(tag.value, 3);
    }
    /* rules: the unknown type is skipped, the rest in order */
    blob = zt__netconf_blob(&nc, ZT_NETCONF_BLOB_RULES, &blen);
    assert_non_null(blob);
    r = zt__rd_make(blob, blen);
    assert_int_equal(zt__rules_read_all(&r, rules, 8, &nrules), 0);
    assert_int_equal(nrules, 3);
    assert_int_equal(rules[0].t, ZT_RULE_MATCH_ETHERTYPE | ZT_RULE_NOT);
    assert_int_equal(rules[0].v.ethertype, 0x0800);
    assert_int_equal(rules[1].t, ZT_RULE_ACTION_DROP);
    assert_int_equal(rules[2].t, ZT_RULE_ACTION_ACCEPT);
    zt__netconf_clear(&nc);

    /* the same address asked again gets the same IPv4 */
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 1004, T0 + 5000, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_CONFIG);
    reassemble(&f, NWID_PRIV, 1004, &nc);
    assert_int_equal(nc.n_static_ips, 3);
    zt__netconf_clear(&nc);

    /* identity pinning: same address, other key */
    {
        zt_identity impostor;
        fake_identity(&impostor, f.member.address);
        assert_int_equal(request(&f, &impostor, NWID_PRIV, 1005, T0 + 9000, &res), 0);
        assert_int_equal(res, ZT_CTL_RESULT_IDENTITY_MISMATCH);
        expect_error(&f.cap, f.member.address, 1005, ZT_ERROR_NETWORK_ACCESS_DENIED, NWID_PRIV);
    }
    fixture_clear(&f);
}

static void test_old_rules_engine_and_token(void **state)
{
    fixture f;
    zt_controller_result res;
    uint8_t buf[2048];
    size_t n;
    zt_netconf nc;
    zt_ctl_network net;
    zt_ctl_member m;
    const uint8_t *blob;
    size_t blen;
    zt_rule rules[4];
    size_t nrules;
    zt_rd r;
    (void)state;

    fixture_init(&f, NULL);
    /* a join token authorises automatically */
    assert_int_equal(zt_store_get_network(f.store, NWID_PRIV, &net), 0);
    net.ntokens = 1;
    snprintf(net.tokens[0].token, sizeof(net.tokens[0].token), "sesame");
    net.tokens[0].expires = 0;
    assert_int_equal(zt_store_save_network(f.store, &net, T0, NULL), 0);
    zt_ctl_network_clear(&net);

    n = make_request(buf, sizeof(buf), NWID_PRIV, 0, "token:wrong");
    assert_int_equal(zt_controller_handle_request(f.ctl, &f.member, buf, n, 5, T0, &f.out, &res),
                     0);
    assert_int_equal(res, ZT_CTL_RESULT_ACCESS_DENIED);
    cap_reset(&f.cap);
    n = make_request(buf, sizeof(buf), NWID_PRIV, 0, "token:sesame");
    assert_int_equal(
        zt_controller_handle_request(f.ctl, &f.member, buf, n, 6, T0 + 2000, &f.out, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_CONFIG);
    reassemble(&f, NWID_PRIV, 6, &nc);
    /* revr 0: exactly one ACCEPT */
    blob = zt__netconf_blob(&nc, ZT_NETCONF_BLOB_RULES, &blen);
    r = zt__rd_make(blob, blen);
    assert_int_equal(zt__rules_read_all(&r, rules, 4, &nrules), 0);
    assert_int_equal(nrules, 1);
    assert_int_equal(rules[0].t, ZT_RULE_ACTION_ACCEPT);
    zt__netconf_clear(&nc);
    assert_int_equal(zt_store_get_member(f.store, NWID_PRIV, f.member.address, &m), 0);
    assert_true(m.authorized);
    assert_string_equal(m.last_auth_cred_type, "token");
    assert_string_equal(m.last_auth_cred, "sesame");
    zt_ctl_member_clear(&m);
    fixture_clear(&f);
}

static void test_public_and_50_members(void **state)
{
    fixture f;
    zt_controller_result res;
    zt_netconf nc;
    uint32_t seen[50];
    (void)state;

    fixture_init(&f, NULL);
    for (unsigned i = 0; i < 50; i++) {
        zt_identity id;
        zt_ctl_member m;
        uint32_t ip;

        fake_identity(&id, 0x1000000000ULL + (uint64_t)i * 7919);
        assert_int_equal(request(&f, &id, NWID_PUB, 100 + i, T0 + i, &res), 0);
        assert_int_equal(res, ZT_CTL_RESULT_CONFIG); /* public: no authorisation needed */
        reassemble(&f, NWID_PUB, 100 + i, &nc);
        assert_true(zt__netconf_is_public(&nc));
        assert_int_equal(nc.n_static_ips, 1);
        assert_int_equal(nc.static_ips[0].family, 4);
        assert_int_equal(nc.static_ips[0].port, 16);
        ip = (uint32_t)zt__load_be(nc.static_ips[0].ip, 4);
        /* inside the pool, never the end address (§3.6), never .255 */
        assert_true(ip >= 0x0a140000u && ip < 0x0a140050u);
        assert_true((ip & 0xff) != 0xff);
        for (unsigned k = 0; k < i; k++)
            assert_true(seen[k] != ip);
        seen[i] = ip;
        zt__netconf_clear(&nc);
        assert_int_equal(zt_store_get_member(f.store, NWID_PUB, id.address, &m), 0);
        assert_true(m.authorized);
        assert_string_equal(m.last_auth_cred_type, "public");
        assert_int_equal(m.nips, 1);
        assert_true(zt__load_be(m.ips[0].ip, 4) == ip);
        zt_ctl_member_clear(&m);
    }
    fixture_clear(&f);
}

static void test_deauthorize_and_revision(void **state)
{
    fixture f;
    zt_controller_result res;
    zt_netconf nc;
    zt_ctl_network net;
    zt_netcreds_reader it;
    zt_credential cred;
    uint64_t rev0;
    size_t count = 0;
    zt_identity other;
    (void)state;

    fixture_init(&f, NULL);
    fake_identity(&other, 0x2000000001ULL);
    /* two authorised, online members */
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 1, T0, &res), 0);
    assert_int_equal(request(&f, &other, NWID_PRIV, 2, T0, &res), 0);
    set_authorized(f.store, NWID_PRIV, f.member.address, true, T0);
    set_authorized(f.store, NWID_PRIV, other.address, true, T0);
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 3, T0 + 2000, &res), 0);
    reassemble(&f, NWID_PRIV, 3, &nc);
    rev0 = nc.revision;
    zt__netconf_clear(&nc);
    assert_int_equal(request(&f, &other, NWID_PRIV, 4, T0 + 2000, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_CONFIG);

    /* a network change bumps the revision and is pushed to both */
    assert_int_equal(zt_store_get_network(f.store, NWID_PRIV, &net), 0);
    snprintf(net.name, sizeof(net.name), "renamed");
    assert_int_equal(zt_store_save_network(f.store, &net, T0 + 3000, NULL), 0);
    zt_ctl_network_clear(&net);
    cap_reset(&f.cap);
    assert_int_equal(zt_controller_push_updates(f.ctl, NWID_PRIV, T0 + 3000, &f.out, &count), 0);
    assert_int_equal(count, 2);
    {
        /* split the capture by destination and check the member's config */
        fixture g = f;
        capture mine;
        memset(&mine, 0, sizeof(mine));
        for (size_t i = 0; i < f.cap.n; i++) {
            if (f.cap.pkt[i].dest == f.member.address)
                mine.pkt[mine.n++] = f.cap.pkt[i];
        }
        g.cap = mine;
        reassemble(&g, NWID_PRIV, 0, &nc);
        assert_true(nc.revision == rev0 + 1);
        assert_string_equal(nc.name, "renamed");
        zt__netconf_clear(&nc);
    }

    /* de-authorise the other member: a revocation goes to every online member */
    set_authorized(f.store, NWID_PRIV, other.address, false, T0 + 4000);
    assert_int_equal(zt_controller_note_member_deauthorized(f.ctl, NWID_PRIV, other.address), 0);
    assert_int_equal(zt_controller_note_member_deauthorized(f.ctl, NWID_PRIV, other.address), 0);
    assert_int_equal(zt_controller_pending(f.ctl), 1);
    cap_reset(&f.cap);
    assert_int_equal(zt_controller_flush(f.ctl, T0 + 4000, &f.out), 0);
    assert_int_equal(zt_controller_pending(f.ctl), 0);
    assert_int_equal(f.cap.n, 2); /* two revocations; no config for the de-authorised member */
    for (size_t i = 0; i < f.cap.n; i++) {
        assert_int_equal(f.cap.pkt[i].verb, ZT_VERB_NETWORK_CREDENTIALS);
        zt__netcreds_begin(&it, f.cap.pkt[i].p, f.cap.pkt[i].len);
        assert_int_equal(zt__netcreds_next(&it, &cred), 1);
        assert_int_equal(cred.type, ZT_CRED_REVOCATION);
        assert_int_equal(zt__revocation_verify(&cred.u.rev, &f.ctl_id), 0);
        assert_true(cred.u.rev.target == other.address);
        assert_true(cred.u.rev.nwid == NWID_PRIV);
        assert_true(cred.u.rev.threshold == T0 + 4000);
        assert_int_equal(cred.u.rev.type, ZT_CRED_COM);
        assert_true(cred.u.rev.flags & ZT_REVOCATION_FLAG_FAST_PROPAGATE);
        assert_int_equal(zt__netcreds_next(&it, &cred), 0);
    }
    /* offline (> 120 s): nobody to tell */
    cap_reset(&f.cap);
    assert_int_equal(zt_controller_revoke(f.ctl, NWID_PRIV, other.address, T0 + 200000, &f.out,
                                          &count), 0);
    assert_int_equal(count, 0);
    assert_int_equal(f.cap.n, 0);
    fixture_clear(&f);
}

static void test_malformed(void **state)
{
    fixture f;
    zt_controller_result res;
    uint8_t buf[2048], junk[600];
    size_t n;
    (void)state;

    fixture_init(&f, NULL);
    /* truncated payloads */
    n = make_request(buf, sizeof(buf), NWID_PUB, 1, NULL);
    for (size_t cut = 0; cut < 10; cut++)
        assert_int_equal(zt_controller_handle_request(f.ctl, &f.member, buf, cut, 9, T0, &f.out,
                                                      &res),
                         ZT_ERR_DROP);
    /* metadata length beyond the payload */
    buf[8] = 0xff;
    buf[9] = 0xff;
    assert_int_equal(
        zt_controller_handle_request(f.ctl, &f.member, buf, n, 9, T0, &f.out, &res), ZT_ERR_DROP);
    /* NULL payload, NULL sink */
    assert_int_equal(zt_controller_handle_request(f.ctl, &f.member, NULL, 0, 9, T0, &f.out, &res),
                     ZT_ERR_DROP);
    assert_int_equal(zt_controller_handle_request(f.ctl, &f.member, buf, n, 9, T0, NULL, &res),
                     ZT_ERR_INVAL);
    /* garbage metadata: parsed as an (odd) dictionary, never a crash */
    for (unsigned round = 0; round < 200; round++) {
        uint64_t s = round + 1;
        size_t mdlen = (size_t)(seq_random(&s) % 500);
        for (size_t i = 0; i < mdlen; i++)
            junk[i] = (uint8_t)seq_random(&s);
        n = (size_t)zt__config_request_write(buf, sizeof(buf), NWID_PUB, junk, mdlen, 0, 0);
        cap_reset(&f.cap);
        (void)zt_controller_handle_request(f.ctl, &f.member, buf, n, 0, T0 + round, &f.out, &res);
    }
    /* reserved requester */
    {
        zt_identity bad = f.member;
        bad.address = 0xff00000001ULL;
        n = make_request(buf, sizeof(buf), NWID_PUB, 1, NULL);
        assert_int_equal(
            zt_controller_handle_request(f.ctl, &bad, buf, n, 9, T0, &f.out, &res), ZT_ERR_DROP);
    }
    /* send failure is reported */
    n = make_request(buf, sizeof(buf), NWID_NONE, 1, NULL);
    cap_reset(&f.cap);
    f.cap.fail = true;
    assert_int_equal(
        zt_controller_handle_request(f.ctl, &f.member, buf, n, 9, T0 + 90000, &f.out, &res),
        ZT_ERR_CALLBACK_FAILURE);
    fixture_clear(&f);
}

/* ---- a store that fails on demand ------------------------------------------------------------- */

typedef struct {
    zt_store base;
    zt_store *inner;
    bool fail_put, fail_list;
} fail_store;

static int fs_get_network(zt_store *st, uint64_t nwid, zt_ctl_network *out)
{
    return zt_store_get_network(((fail_store *)st)->inner, nwid, out);
}
static int fs_put_network(zt_store *st, const zt_ctl_network *n)
{
    return zt_store_put_network(((fail_store *)st)->inner, n);
}
static int fs_delete_network(zt_store *st, uint64_t nwid)
{
    return zt_store_delete_network(((fail_store *)st)->inner, nwid);
}
static int fs_list_networks(zt_store *st, zt_store_network_cb cb, void *arg)
{
    return zt_store_list_networks(((fail_store *)st)->inner, cb, arg);
}
static int fs_get_member(zt_store *st, uint64_t nwid, uint64_t node, zt_ctl_member *out)
{
    return zt_store_get_member(((fail_store *)st)->inner, nwid, node, out);
}
static int fs_put_member(zt_store *st, const zt_ctl_member *m)
{
    fail_store *fs = (fail_store *)st;
    if (fs->fail_put) {
        zt__store_set_err(st, "disk on fire");
        return ZT_ERR_IO;
    }
    return zt_store_put_member(fs->inner, m);
}
static int fs_delete_member(zt_store *st, uint64_t nwid, uint64_t node)
{
    return zt_store_delete_member(((fail_store *)st)->inner, nwid, node);
}
static int fs_list_members(zt_store *st, uint64_t nwid, zt_store_member_cb cb, void *arg)
{
    fail_store *fs = (fail_store *)st;
    if (fs->fail_list) {
        zt__store_set_err(st, "index corrupt");
        return ZT_ERR_IO;
    }
    return zt_store_list_members(fs->inner, nwid, cb, arg);
}
static int fs_begin(zt_store *st)
{
    return zt_store_begin(((fail_store *)st)->inner);
}
static int fs_commit(zt_store *st)
{
    return zt_store_commit(((fail_store *)st)->inner);
}
static int fs_rollback(zt_store *st)
{
    return zt_store_rollback(((fail_store *)st)->inner);
}
static void fs_del(zt_store *st)
{
    zt_store_del(((fail_store *)st)->inner);
    free(st);
}

static const zt_store_ops fail_ops = {
    "fail",         fs_get_network, fs_put_network, fs_delete_network, fs_list_networks,
    fs_get_member,  fs_put_member,  fs_delete_member, fs_list_members, fs_begin,
    fs_commit,      fs_rollback,    fs_del,
};

static void test_store_failure(void **state)
{
    fixture f;
    fail_store *fs = calloc(1, sizeof(*fs));
    zt_controller_result res;
    zt_ctl_member m;
    zt_netconf nc;
    (void)state;

    assert_non_null(fs);
    fs->base.ops = &fail_ops;
    assert_int_equal(zt_store_mem_new(&fs->inner), 0);
    fixture_init(&f, &fs->base);

    /* unauthorised member cannot be saved: reported, nothing sent */
    fs->fail_put = true;
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 1, T0, &res), ZT_ERR_IO);
    assert_int_equal(f.cap.n, 0);
    assert_non_null(strstr(zt_controller_errmsg(f.ctl), "disk on fire"));

    /* public network: the IP cannot be recorded, so no config goes out */
    assert_int_equal(request(&f, &f.member, NWID_PUB, 2, T0 + 2000, &res), ZT_ERR_IO);
    assert_int_equal(f.cap.n, 0);
    assert_int_equal(zt_store_get_member(f.store, NWID_PUB, f.member.address, &m),
                     ZT_ERR_NOTFOUND);
    zt_ctl_member_clear(&m);
    fs->fail_put = false;
    fs->fail_list = true;
    assert_int_equal(request(&f, &f.member, NWID_PUB, 3, T0 + 4000, &res), ZT_ERR_IO);
    assert_non_null(strstr(zt_controller_errmsg(f.ctl), "index corrupt"));
    fs->fail_list = false;

    /* once the store is back, nothing was lost and the request succeeds */
    assert_int_equal(request(&f, &f.member, NWID_PUB, 4, T0 + 6000, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_CONFIG);
    reassemble(&f, NWID_PUB, 4, &nc);
    zt__netconf_clear(&nc);
    assert_int_equal(zt_store_get_member(f.store, NWID_PUB, f.member.address, &m), 0);
    assert_int_equal(m.nips, 1);
    zt_ctl_member_clear(&m);
    {
        zt_controller_stats st;
        zt_controller_stats_get(f.ctl, &st);
        assert_true(st.store_errors == 3);
    }
    fixture_clear(&f);
}

static void test_rules_json(void **state)
{
    static const char text[] =
        "[{\"type\":\"MATCH_SOURCE_ZEROTIER_ADDRESS\",\"zt\":\"136548ea94\",\"or\":true},"
        "{\"type\":\"MATCH_MAC_DEST\",\"mac\":\"01:02:03:04:05:06\"},"
        "{\"type\":\"MATCH_IPV4_SOURCE\",\"ip\":\"10.0.0.0/99\"},"
        "{\"type\":\"MATCH_IPV6_DEST\",\"ip\":\"fd00::/8\"},"
        "{\"type\":\"MATCH_IPV4_DEST\",\"ip\":\"not an ip/8\"},"
        "{\"type\":\"MATCH_ICMP\",\"icmpType\":8,\"icmpCode\":null},"
        "{\"type\":\"MATCH_IP_DEST_PORT_RANGE\",\"start\":80},"
        "{\"type\":\"MATCH_CHARACTERISTICS\",\"mask\":\"8000000000000002\"},"
        "{\"type\":\"ACTION_TEE\",\"address\":\"7064247a5a\",\"flags\":0,\"length\":64},"
        "{\"type\":\"INTEGER_RANGE\",\"start\":\"10\",\"end\":20,\"idx\":4,\"little\":true,"
        "\"bits\":16},"
        "{\"type\":\"MATCH_TAGS_EQUAL\",\"id\":5,\"value\":6},"
        "42,{\"no\":\"type\"},{\"type\":\"ACTION_ACCEPT\",\"not\":true}]";
    zt_rule r[32];
    size_t n;
    (void)state;

    assert_int_equal(zt__ctl_rules_from_text(text, r, 32, &n), 0);
    assert_int_equal(n, 11);
    assert_int_equal(r[0].t, ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS | ZT_RULE_OR);
    assert_true(r[0].v.zt == 0x136548ea94ULL);
    assert_true(r[1].v.mac == 0x010203040506ULL);
    assert_int_equal(r[2].v.ipv4.bits, 32); /* capped */
    assert_int_equal(r[3].v.ipv6.ip[0], 0xfd);
    assert_int_equal(r[3].v.ipv6.bits, 8);
    assert_int_equal(r[4].t, ZT_RULE_MATCH_ICMP);
    assert_int_equal(r[4].v.icmp.flags, 0);
    assert_int_equal(r[5].v.range.low, 80);
    assert_int_equal(r[5].v.range.high, 80);
    assert_true(r[6].v.characteristics == 0x8000000000000002ULL);
    assert_true(r[7].v.fwd.address == 0x7064247a5aULL);
    assert_int_equal(r[7].v.fwd.length, 64);
    assert_int_equal(r[8].t, ZT_RULE_MATCH_INTEGER_RANGE);
    assert_true(r[8].v.int_range.start == 0x10 && r[8].v.int_range.end == 20);
    assert_int_equal(r[8].v.int_range.format, 0x80 | 15);
    assert_int_equal(r[9].v.tag.value, 6);
    assert_int_equal(r[10].t, ZT_RULE_ACTION_ACCEPT); /* no NOT on actions */
    assert_int_equal(zt__ctl_rules_from_text("{}", r, 32, &n), ZT_ERR_INVAL);
    assert_int_equal(zt__ctl_rules_from_text("[", r, 32, &n), ZT_ERR_INVAL);
    assert_int_equal(zt__ctl_rules_from_text(text, r, 2, &n), 0);
    assert_int_equal(n, 2);
}

/* ---- the embedding API ------------------------------------------------------------------------ */

static uint64_t api_random(void *arg)
{
    return seq_random(arg);
}

static void test_api(void **state)
{
    zts_controller *c;
    zts_controller_config cfg;
    uint64_t seed = 7, nwid = 0, ids[8];
    size_t count;
    char *json = NULL;
    (void)state;

    zts_controller_config_default(&cfg);
    cfg.identity_secret = controller_secret;
    cfg.random_u64 = api_random;
    cfg.random_arg = &seed;
    assert_int_equal(zts_controller_new(&c, &cfg), ZTS_CONTROLLER_OK);
    assert_true(zts_controller_address(c) == 0x7064247a5aULL);

    assert_int_equal(zts_controller_network_create(c, "{\"name\":\"api\",\"private\":true}", T0,
                                                   &nwid, &json),
                     ZTS_CONTROLLER_OK);
    assert_true(nwid >> 24 == 0x7064247a5aULL);
    assert_non_null(strstr(json, "\"name\":\"api\""));
    zts_controller_free(json);
    assert_int_equal(zts_controller_network_set(c, nwid, "{\"name\":\"api2\"}", T0, &json),
                     ZTS_CONTROLLER_OK);
    assert_non_null(strstr(json, "\"revision\":2"));
    zts_controller_free(json);
    assert_int_equal(zts_controller_network_set(c, nwid, "not json", T0, NULL),
                     ZTS_CONTROLLER_ERR_ARG);
    assert_true(strlen(zts_controller_last_error(c)) > 0);
    assert_int_equal(zts_controller_network_list(c, ids, 8, &count), ZTS_CONTROLLER_OK);
    assert_int_equal(count, 1);
    assert_true(ids[0] == nwid);

    assert_int_equal(zts_controller_member_set(c, nwid, 0x136548ea94ULL,
                                               "{\"authorized\":true,"
                                               "\"ipAssignments\":[\"10.0.0.5\"]}",
                                               T0, &json),
                     ZTS_CONTROLLER_OK);
    assert_non_null(strstr(json, "\"authorized\":true"));
    zts_controller_free(json);
    assert_int_equal(zts_controller_member_set_authorized(c, nwid, 0x136548ea94ULL, false, T0),
                     ZTS_CONTROLLER_OK);
    assert_int_equal(zts_controller_member_get(c, nwid, 0x136548ea94ULL, &json),
                     ZTS_CONTROLLER_OK);
    assert_non_null(strstr(json, "\"authorized\":false"));
    zts_controller_free(json);
    assert_int_equal(zts_controller_member_list(c, nwid, ids, 8, &count), ZTS_CONTROLLER_OK);
    assert_int_equal(count, 1);
    assert_int_equal(zts_controller_member_get(c, nwid, 0x1111111111ULL, &json),
                     ZTS_CONTROLLER_ERR_NOT_FOUND);
    assert_int_equal(zts_controller_member_set(c, NWID_NONE, 0x1111111111ULL, "{}", T0, NULL),
                     ZTS_CONTROLLER_ERR_NOT_FOUND);
    assert_int_equal(zts_controller_member_delete(c, nwid, 0x136548ea94ULL, T0),
                     ZTS_CONTROLLER_OK);
    assert_int_equal(zts_controller_network_set_private(c, nwid, false, T0), ZTS_CONTROLLER_OK);
    assert_int_equal(zts_controller_network_set_name(c, nwid, "x", T0), ZTS_CONTROLLER_OK);
    assert_int_equal(zts_controller_network_delete(c, nwid, T0), ZTS_CONTROLLER_OK);
    assert_int_equal(zts_controller_network_get(c, nwid, &json), ZTS_CONTROLLER_ERR_NOT_FOUND);
    assert_int_equal(zts_controller_network_list(c, ids, 8, &count), ZTS_CONTROLLER_OK);
    assert_int_equal(count, 0);
    assert_int_equal(zts_controller_new(NULL, &cfg), ZTS_CONTROLLER_ERR_ARG);
    zts_controller_del(c);
    zts_controller_del(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_network),
        cmocka_unit_test(test_private_flow),
        cmocka_unit_test(test_old_rules_engine_and_token),
        cmocka_unit_test(test_public_and_50_members),
        cmocka_unit_test(test_deauthorize_and_revision),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_store_failure),
        cmocka_unit_test(test_rules_json),
        cmocka_unit_test(test_api),
    };
    if (zt_crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
