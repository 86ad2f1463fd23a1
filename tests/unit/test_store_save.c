/*
 * The shared suite's cases of one config request (test_store.c runs them on every backend):
 * saves with revisions and creation times (controller.md §4.5), saves conditional on the
 * revision read, and the request's reads at once (zt__store_get_request).
 */
#include "store_testutil.h"

void t_save_revisions(void **state)
{
    store_fixture *f = *state;
    zt_ctl_network n;
    zt_ctl_member m;
    bool changed;

    assert_int_equal(zt__ctl_network_init(&n, NWID1), 0);
    assert_int_equal(zt__store_save_network(f->st, &n, 1000, &changed), 0);
    assert_true(changed);
    assert_int_equal(n.revision, 1);
    assert_int_equal(n.creation_time, 1000);
    /* an unchanged save writes nothing (§4.5) */
    assert_int_equal(zt__store_save_network(f->st, &n, 2000, &changed), 0);
    assert_false(changed);
    assert_int_equal(n.revision, 1);
    n.mtu = 1500;
    n.creation_time = 0;
    assert_int_equal(zt__store_save_network(f->st, &n, 3000, &changed), 0);
    assert_true(changed);
    assert_int_equal(n.revision, 2);
    assert_int_equal(n.creation_time, 1000);
    zt__ctl_network_clear(&n);
    assert_int_equal(zt__store_get_network(f->st, NWID1, &n), 0);
    assert_int_equal(n.revision, 2);
    assert_int_equal(n.mtu, 1500);
    zt__ctl_network_clear(&n);

    zt__ctl_member_init(&m, NWID1, 0x1234567890ULL);
    assert_int_equal(zt__store_save_member(f->st, &m, 500, &changed), 0);
    assert_true(changed);
    assert_int_equal(m.revision, 1);
    assert_int_equal(zt__store_save_member(f->st, &m, 600, &changed), 0);
    assert_false(changed);
    m.authorized = true;
    assert_int_equal(zt__store_save_member(f->st, &m, 700, &changed), 0);
    assert_true(changed);
    assert_int_equal(m.revision, 2);
    assert_int_equal(m.creation_time, 500);

    /* save_member_if: a record read at revision 2 and changed elsewhere meanwhile (here: saved
     * again through another copy) is not overwritten; read again, the change goes in */
    {
        zt_ctl_member other;
        assert_int_equal(zt__store_get_member(f->st, NWID1, 0x1234567890ULL, &other), 0);
        other.authorized = false;
        assert_int_equal(zt__store_save_member(f->st, &other, 800, NULL), 0);
        assert_int_equal(other.revision, 3);
        zt__ctl_member_clear(&other);
    }
    m.active_bridge = true;
    assert_int_equal(zt__store_save_member_if(f->st, &m, 2, 900, &changed), ZT_ERR_AGAIN);
    assert_false(changed);
    assert_non_null(strstr(zt__store_errmsg(f->st), "changed since it was read"));
    zt__ctl_member_clear(&m);
    assert_int_equal(zt__store_get_member(f->st, NWID1, 0x1234567890ULL, &m), 0);
    assert_false(m.authorized); /* the other change stands */
    m.active_bridge = true;
    assert_int_equal(zt__store_save_member_if(f->st, &m, m.revision, 900, &changed), 0);
    assert_true(changed);
    assert_int_equal(m.revision, 4);
    zt__ctl_member_clear(&m);
    /* expected 0 (read as missing) but there now: refused too */
    zt__ctl_member_init(&m, NWID1, 0x1234567890ULL);
    assert_int_equal(zt__store_save_member_if(f->st, &m, 0, 900, NULL), ZT_ERR_AGAIN);
    zt__ctl_member_clear(&m);
}

/* save_network_if: a network read at one revision and changed elsewhere meanwhile is not
 * overwritten (the API's edits, on a database shared by several controllers). */
void t_save_network_if(void **state)
{
    store_fixture *f = *state;
    zt_ctl_network n, other;
    bool changed = true;

    assert_int_equal(zt__ctl_network_init(&n, NWID1), 0);
    /* read as missing, saved: revision 1 */
    assert_int_equal(zt__store_save_network_if(f->st, &n, 0, 100, &changed), 0);
    assert_true(changed);
    assert_int_equal(n.revision, 1);
    /* read as missing, but there by now: refused */
    n.mtu = 1400;
    assert_int_equal(zt__store_save_network_if(f->st, &n, 0, 200, &changed), ZT_ERR_AGAIN);
    assert_false(changed);
    /* changed elsewhere since revision 1 was read: refused, the other change stands */
    assert_int_equal(zt__store_get_network(f->st, NWID1, &other), 0);
    other.multicast_limit = 7;
    assert_int_equal(zt__store_save_network(f->st, &other, 300, NULL), 0);
    assert_int_equal(other.revision, 2);
    zt__ctl_network_clear(&other);
    assert_int_equal(zt__store_save_network_if(f->st, &n, 1, 400, &changed), ZT_ERR_AGAIN);
    assert_non_null(strstr(zt__store_errmsg(f->st), "changed since it was read"));
    assert_int_equal(zt__store_get_network(f->st, NWID1, &other), 0);
    assert_int_equal(other.multicast_limit, 7);
    assert_true(other.mtu != 1400);
    zt__ctl_network_clear(&other);
    /* read at the current revision: saved */
    assert_int_equal(zt__store_save_network_if(f->st, &n, 2, 500, &changed), 0);
    assert_true(changed);
    assert_int_equal(n.revision, 3);
    zt__ctl_network_clear(&n);
}

/* save_member_cas: a change of the record as read, saved without reading it again: written
 * only while the stored record is still the one read. */
static void cas_changed_elsewhere(store_fixture *f, uint64_t node)
{
    zt_ctl_member other;

    assert_int_equal(zt__store_get_member(f->st, NWID1, node, &other), 0);
    other.authorized = !other.authorized;
    assert_int_equal(zt__store_save_member(f->st, &other, 800, NULL), 0);
    zt__ctl_member_clear(&other);
}

typedef int cas_fn(zt_store *st, zt_ctl_member *m, const zt_ctl_member *read, int64_t now,
                   bool *pchanged);

/* save_member_cas in its two halves (the pg store sends the write at start, collects it at
 * finish): the same answers as the one call. */
static int cas_split(zt_store *st, zt_ctl_member *m, const zt_ctl_member *read, int64_t now,
                     bool *pchanged)
{
    zt__store_save_member_cas_start(st, m, read, now);
    return zt__store_save_member_cas_finish(st, pchanged);
}

static void save_cas_cases(store_fixture *f, cas_fn *cas)
{
    const uint64_t node = 0x2222222222ULL;
    zt_ctl_member read, m;
    bool used = false, changed = true;

    put_network(f->st, NWID1, "cas");
    /* a new member (read as missing): written at revision 1 */
    zt__ctl_member_init(&m, NWID1, node);
    m.authorized = true;
    assert_int_equal(cas(f->st, &m, NULL, 500, &changed), 0);
    assert_true(changed);
    assert_int_equal(m.revision, 1);
    assert_int_equal(m.creation_time, 500);
    /* read as missing, but there by now: refused */
    zt__ctl_member_clear(&m);
    zt__ctl_member_init(&m, NWID1, node);
    assert_int_equal(cas(f->st, &m, NULL, 600, &changed), ZT_ERR_AGAIN);
    assert_false(changed);
    zt__ctl_member_clear(&m);
    /* unchanged from what was read: nothing written */
    assert_int_equal(zt__store_get_member(f->st, NWID1, node, &read), 0);
    assert_int_equal(zt__ctl_member_copy(&m, &read), 0);
    assert_int_equal(cas(f->st, &m, &read, 700, &changed), 0);
    assert_false(changed);
    assert_int_equal(m.revision, 1);
    /* changed: revision 2, the creation time kept, the index follows */
    m.active_bridge = true;
    m.creation_time = 0;
    assert_int_equal(zt__ctl_ip_parse(&m.ips[0], "10.9.0.5", 8, false), 0);
    m.nips = 1;
    assert_int_equal(cas(f->st, &m, &read, 700, &changed), 0);
    assert_true(changed);
    assert_int_equal(m.revision, 2);
    assert_int_equal(m.creation_time, 500);
    assert_int_equal(zt__store_ip_in_use(f->st, NWID1, &m.ips[0], &used), 0);
    assert_true(used);
    zt__ctl_member_clear(&read);
    assert_int_equal(zt__store_get_member(f->st, NWID1, node, &read), 0);
    assert_int_equal(read.revision, 2);
    assert_true(read.active_bridge);
    /* changed elsewhere since it was read: refused, the other change stands */
    cas_changed_elsewhere(f, node);
    m.nips = 0;
    assert_int_equal(cas(f->st, &m, &read, 900, &changed), ZT_ERR_AGAIN);
    assert_false(changed);
    assert_non_null(strstr(zt__store_errmsg(f->st), "changed since it was read"));
    zt__ctl_member_clear(&m);
    assert_int_equal(zt__store_get_member(f->st, NWID1, node, &m), 0);
    assert_int_equal(m.revision, 3);
    assert_false(m.authorized);
    assert_int_equal(m.nips, 1); /* not removed by the refused save */
    /* deleted since it was read: refused, not written back */
    zt__ctl_member_clear(&read);
    assert_int_equal(zt__ctl_member_copy(&read, &m), 0);
    assert_int_equal(zt__store_delete_member(f->st, NWID1, node), 0);
    m.authorized = true;
    assert_int_equal(cas(f->st, &m, &read, 950, &changed), ZT_ERR_AGAIN);
    zt__ctl_member_clear(&m);
    assert_int_equal(zt__store_get_member(f->st, NWID1, node, &m), ZT_ERR_NOTFOUND);
    zt__ctl_member_clear(&m);
    zt__ctl_member_clear(&read);
    /* a record put at revision 0 (imports may hold such): read, changed, saved at 1 */
    zt__ctl_member_init(&m, NWID1, node);
    assert_int_equal(zt__store_put_member(f->st, &m), 0);
    zt__ctl_member_clear(&m);
    assert_int_equal(zt__store_get_member(f->st, NWID1, node, &read), 0);
    assert_int_equal(read.revision, 0);
    assert_int_equal(zt__ctl_member_copy(&m, &read), 0);
    m.authorized = true;
    assert_int_equal(cas(f->st, &m, &read, 990, &changed), 0);
    assert_true(changed);
    assert_int_equal(m.revision, 1);
    zt__ctl_member_clear(&m);
    zt__ctl_member_clear(&read);
}

void t_save_cas(void **state)
{
    save_cas_cases(*state, zt__store_save_member_cas);
}

void t_save_cas_split(void **state)
{
    store_fixture *f = *state;

    save_cas_cases(f, cas_split);
    /* a finish without a start says so */
    assert_int_equal(zt__store_save_member_cas_finish(f->st, NULL), ZT_ERR_INVAL);
}

/* A probe's answers are ip_in_use's (pg answers every address it can write; the others
 * none); the unusable third address is never answered. */
static void check_probe(zt_store *st, const zt_store_probe *probe, bool answered)
{
    for (size_t i = 0; i < 2; i++) {
        bool used = false;
        assert_int_equal(zt__store_ip_in_use(st, NWID1, &probe->ips[i], &used), 0);
        if (answered || probe->state[i] != ZT_STORE_PROBE_UNKNOWN)
            assert_int_equal(probe->state[i], used ? ZT_STORE_PROBE_USED : ZT_STORE_PROBE_FREE);
        assert_int_equal(used, i == 0);
    }
    assert_int_equal(probe->state[2], ZT_STORE_PROBE_UNKNOWN);
}

/* get_request: network, member and active bridges at once, as the three calls answer. */
void t_get_request(void **state)
{
    store_fixture *f = *state;
    zt_store_probe probe;
    zt_ctl_network n;
    zt_ctl_member m, b;
    uint64_t ids[4];
    size_t nids = 99;
    bool found = true;

    /* no network: NOTFOUND, outputs initialised */
    assert_int_equal(zt__store_get_request(f->st, NWID1, 0x1111111111ULL, &n, &m, &found, ids,
                                           4, &nids, NULL),
                     ZT_ERR_NOTFOUND);
    assert_false(found);
    assert_int_equal(nids, 0);
    zt__ctl_member_clear(&m);
    zt__ctl_network_clear(&n);
    put_network(f->st, NWID1, "req");
    /* the network without the member: defaults, not found */
    assert_int_equal(zt__store_get_request(f->st, NWID1, 0x1111111111ULL, &n, &m, &found, ids,
                                           4, &nids, NULL),
                     0);
    assert_int_equal(n.id, NWID1);
    assert_string_equal(n.name, "req");
    assert_false(found);
    assert_true(m.id == 0x1111111111ULL && m.nwid == NWID1 && m.revision == 0);
    assert_int_equal(nids, 0);
    zt__ctl_member_clear(&m);
    zt__ctl_network_clear(&n);
    /* the member, and bridges (ascending, at most |cap|) */
    put_member(f->st, NWID1, 0x1111111111ULL, true);
    for (uint64_t id = 0x5000000005ULL; id > 0x5000000000ULL; id--) {
        zt__ctl_member_init(&b, NWID1, id);
        b.active_bridge = true;
        assert_int_equal(zt__store_put_member(f->st, &b), 0);
        zt__ctl_member_clear(&b);
    }
    /* with a probe: the member's address, a free one, one that cannot be (family 0) */
    memset(&probe, 0, sizeof(probe));
    assert_int_equal(zt__store_get_member(f->st, NWID1, 0x1111111111ULL, &b), 0);
    assert_int_equal(b.nips, 1);
    probe.ips[0] = b.ips[0];
    zt__ctl_member_clear(&b);
    assert_int_equal(zt__ctl_ip_parse(&probe.ips[1], "10.99.99.99", 11, false), 0);
    probe.n = 3;
    assert_int_equal(zt__store_get_request(f->st, NWID1, 0x1111111111ULL, &n, &m, &found, ids,
                                           4, &nids, &probe),
                     0);
    check_probe(f->st, &probe, strcmp(zt__store_name(f->st), "pg") == 0);
    assert_true(found);
    assert_true(m.authorized);
    assert_int_equal(m.revision, 1);
    assert_int_equal(m.nips, 1);
    assert_int_equal(nids, 4);
    for (size_t i = 0; i < 4; i++)
        assert_true(ids[i] == 0x5000000001ULL + i);
    zt__ctl_member_clear(&m);
    zt__ctl_network_clear(&n);
    /* bad arguments */
    assert_int_equal(zt__store_get_request(f->st, 0, 1, &n, &m, &found, ids, 4, &nids, NULL),
                     ZT_ERR_INVAL);
    zt__ctl_member_clear(&m);
    zt__ctl_network_clear(&n);
}
