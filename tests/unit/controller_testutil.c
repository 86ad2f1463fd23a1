/*
 * controller_testutil.c: the controller test fixtures (controller_testutil.h).
 */
#include "controller_testutil.h"

/* Test identities of tests/vectors/vl2.json (never used for anything real). */
const char controller_secret[] =
    "7064247a5a:0:fe1fa7eb2b604654bed5a56ee321acccbf7c8a64954c03a77b9071d1a8ef0b4a402d53f3dfa"
    "e61262a04b41012be40c3bf89f9de9c73a31658386ce83b5a5f0c:343717da61c64524f4304f70df66d5f88d"
    "e4df3481cbae65c2aa40cf2fc9d3a0fd6696dc00c0188b49b918b245d4eeba88be52d43a00d895ea8eb15ac0"
    "768efa";
const char member_secret[] =
    "136548ea94:0:0293bd5b32810d1ebf6bdad85436df23e130f4f1ea1672ee498219053601817e1b7063d2f0e"
    "65119fffc6772ece73f5b9fa14ceab9d82a068450f82ed1acaba5:67d193cc202cb8ef1deaa0873f64f98d3a"
    "198c2485eb05ec3ff6152b69e12aefe2f276e6f10d9944846aabe6168850c7de81686f89ae9e0d929ed9165"
    "97aec68";

const char net_priv_json[] =
    "{\"id\":\"7064247a5a000001\",\"name\":\"lab\",\"private\":true,"
    "\"v4AssignMode\":{\"zt\":true},\"v6AssignMode\":{\"rfc4193\":true,\"6plane\":true,\"zt\":false},"
    "\"routes\":[{\"target\":\"10.147.17.0/24\",\"via\":null}],"
    "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.147.17.1\",\"ipRangeEnd\":\"10.147.17.254\"}],"
    "\"rules\":[{\"type\":\"MATCH_ETHERTYPE\",\"etherType\":2048,\"not\":true,\"or\":false},"
    "{\"type\":\"ACTION_DROP\"},{\"type\":\"NO_SUCH_RULE\"},{\"type\":\"ACTION_ACCEPT\"}],"
    "\"tags\":[{\"id\":7,\"default\":3}],"
    "\"capabilities\":[{\"id\":100,\"default\":true,\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}],"
    "\"mtu\":2800,\"multicastLimit\":32,\"enableBroadcast\":true}";

const char net_pub_json[] =
    "{\"id\":\"7064247a5a000002\",\"name\":\"open\",\"private\":false,"
    "\"v4AssignMode\":{\"zt\":true},"
    "\"routes\":[{\"target\":\"10.20.0.0/16\",\"via\":null}],"
    "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.20.0.0\",\"ipRangeEnd\":\"10.20.0.80\"}]}";

/* ---- capture sink ----------------------------------------------------------------------------- */

int cap_send(void *arg, uint64_t dest, uint8_t verb, const uint8_t *p, size_t len)
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

void cap_reset(capture *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->pkt[i].p);
    c->n = 0;
    c->fail = false;
}

/* ---- fixtures --------------------------------------------------------------------------------- */

uint64_t seq_random(void *arg)
{
    uint64_t *s = arg;
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s ^ (*s >> 29);
}

void put_network(zt_store *st, const char *json)
{
    zt_ctl_network n;
    char err[256];
    assert_int_equal(zt__ctl_network_load(&n, json, strlen(json), err, sizeof(err)), 0);
    assert_int_equal(zt__store_save_network(st, &n, T0, NULL), 0);
    zt__ctl_network_clear(&n);
}

void fixture_init(fixture *f, zt_store *store)
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
        assert_int_equal(zt__store_mem_new(&store), 0);
    f->store = store;
    put_network(store, net_priv_json);
    put_network(store, net_pub_json);
    zt__controller_opts_default(&o);
    f->seed = 42;
    o.random_u64 = seq_random;
    o.random_arg = &f->seed;
    assert_int_equal(zt__controller_new(&f->ctl, &f->ctl_id, store, &o), 0);
    f->out.send = cap_send;
    f->out.arg = &f->cap;
}

void fixture_clear(fixture *f)
{
    cap_reset(&f->cap);
    zt__controller_del(f->ctl);
    zt__store_del(f->store);
}

size_t make_request(uint8_t *buf, size_t cap, uint64_t nwid, uint64_t revr, const char *auth)
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

int request(fixture *f, const zt_identity *who, uint64_t nwid, uint64_t pid, int64_t now,
            zt_controller_result *res)
{
    uint8_t buf[2048];
    size_t n = make_request(buf, sizeof(buf), nwid, 1, NULL);
    cap_reset(&f->cap);
    return zt__controller_handle_request(f->ctl, who, buf, n, pid, now, &f->out, res);
}

/* One ERROR payload for |pid| with |code| for |nwid|. */
void expect_error(const capture *c, uint64_t dest, uint64_t pid, uint8_t code, uint64_t nwid)
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
void reassemble(const fixture *f, uint64_t nwid, uint64_t pid, zt_netconf *nc)
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

bool has_static(const zt_netconf *nc, const zt_inetaddr *a)
{
    for (unsigned i = 0; i < nc->n_static_ips; i++) {
        if (zt__inetaddr_equal(&nc->static_ips[i], a))
            return true;
    }
    return false;
}

void set_authorized(zt_store *st, uint64_t nwid, uint64_t node, bool auth, int64_t now)
{
    zt_ctl_member m;
    assert_int_equal(zt__store_get_member(st, nwid, node, &m), 0);
    m.authorized = auth;
    if (!auth)
        m.last_deauthorized_time = now;
    assert_int_equal(zt__store_save_member(st, &m, now, NULL), 0);
    zt__ctl_member_clear(&m);
}

void fake_identity(zt_identity *id, uint64_t address)
{
    uint8_t sec[ZT_IDENTITY_KEY_LEN];
    memset(id, 0, sizeof(*id));
    id->address = address;
    zt__keypair_generate(id->pub, sec);
}
