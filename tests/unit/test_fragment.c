/* Unit tests for src/codec/fragment.c: sizing, building, reassembly limits and the slot ring. */
#include "testutil.h"

#include "codec/fragment.h"
#include "codec/packet.h"
#include "failmem.h"

static uint8_t KEY[ZT_SHARED_KEY_LEN];

/* Fragment count by walking the packet, written independently of the closed form. */
static unsigned ref_count(size_t len, size_t mtu)
{
    unsigned n = 1;
    size_t rest;

    if (len <= mtu)
        return 1;
    for (rest = len - mtu; rest > 0; n++)
        rest -= rest < mtu - ZT_FRAG_HEADER_LEN ? rest : mtu - ZT_FRAG_HEADER_LEN;
    return n;
}

static void check_sizes(size_t len, size_t mtu)
{
    unsigned want = ref_count(len, mtu);
    bool fits = len <= ZT_PKT_MAX_LEN && want <= ZT_MAX_FRAGMENTS;

    if (zt__frag_count(len, mtu) != want)
        fail_msg("frag_count(%zu, %zu) = %u, expected %u", len, mtu, zt__frag_count(len, mtu),
                 want);
    if (zt__frag_fits(len, mtu) != fits)
        fail_msg("frag_fits(%zu, %zu) = %d, expected %d", len, mtu, zt__frag_fits(len, mtu), fits);
}

static void test_count_and_fits(void **state)
{
    (void)state;

    /* Every length at the MTUs that matter; a stride of lengths at every MTU. */
    static const size_t mtus[] = {ZT_MIN_PHYSMTU, 1401, ZT_DEFAULT_PHYSMTU, 1500, 2800, 9000,
                                  ZT_MAX_PHYSMTU};
    for (size_t i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++)
        for (size_t len = 0; len <= ZT_PKT_MAX_LEN + 1; len++)
            check_sizes(len, mtus[i]);
    for (size_t mtu = ZT_MIN_PHYSMTU; mtu <= ZT_MAX_PHYSMTU; mtu++)
        for (size_t len = 0; len <= ZT_PKT_MAX_LEN; len += 53 + mtu % 7)
            check_sizes(len, mtu);

    /* Boundaries spelled out. */
    assert_int_equal(zt__frag_count(1432, 1432), 1);
    assert_int_equal(zt__frag_count(1433, 1432), 2);
    assert_int_equal(zt__frag_count(1432 + 1416, 1432), 2);
    assert_int_equal(zt__frag_count(1432 + 1417, 1432), 3);
    assert_true(zt__frag_fits(9928, 1432));   /* 1432 + 6 x 1416, vl1.md §2.4 */
    assert_false(zt__frag_fits(9929, 1432));
    assert_int_equal(zt__frag_count(9929, 1432), 8);
    assert_true(zt__frag_fits(ZT_PKT_MAX_LEN, 1500));
    assert_false(zt__frag_fits(ZT_PKT_MAX_LEN + 1, ZT_MAX_PHYSMTU));
    /* MTUs outside 1400..10324 are refused. */
    assert_false(zt__frag_fits(100, ZT_MIN_PHYSMTU - 1));
    assert_false(zt__frag_fits(100, ZT_MAX_PHYSMTU + 1));
    assert_false(zt__frag_fits(100, 0));
}

static void test_build_pieces(void **state)
{
    static uint8_t pkt[ZT_PKT_MAX_LEN], dg[ZT_MAX_PHYSMTU];
    (void)state;

    zt__random_bytes(pkt, sizeof(pkt));
    for (size_t mtu = ZT_MIN_PHYSMTU; mtu <= 3000; mtu += 101) {
        for (size_t len = mtu + 1; len <= ZT_PKT_MAX_LEN; len += 211) {
            unsigned total = zt__frag_count(len, mtu);
            size_t covered = mtu;
            if (!zt__frag_fits(len, mtu)) {
                for (unsigned i = 0; i <= total; i++)
                    assert_int_equal(zt__frag_build(dg, sizeof(dg), pkt, len, mtu, i),
                                     ZT_ERR_RANGE);
                continue;
            }
            assert_int_equal(zt__frag_build(dg, sizeof(dg), pkt, len, mtu, 0), ZT_ERR_RANGE);
            assert_int_equal(zt__frag_build(dg, sizeof(dg), pkt, len, mtu, total), ZT_ERR_RANGE);
            for (unsigned i = 1; i < total; i++) {
                zt_ssize n = zt__frag_build(dg, sizeof(dg), pkt, len, mtu, i);
                assert_true(n > ZT_FRAG_HEADER_LEN && (size_t)n <= mtu);
                if (i + 1 < total)
                    assert_int_equal(n, mtu); /* all but the last are full */
                assert_memory_equal(dg, pkt, 13);
                assert_int_equal(dg[ZT_FRAG_IDX_INDICATOR], ZT_FRAG_INDICATOR);
                assert_int_equal(dg[ZT_FRAG_IDX_COUNTS], total << 4 | i);
                assert_int_equal(dg[ZT_FRAG_IDX_HOPS], 0);
                assert_memory_equal(dg + ZT_FRAG_HEADER_LEN, pkt + covered,
                                    (size_t)n - ZT_FRAG_HEADER_LEN);
                covered += (size_t)n - ZT_FRAG_HEADER_LEN;
                assert_int_equal(zt__dgram_classify(dg, (size_t)n), ZT_DGRAM_FRAGMENT);
                /* One byte too little room. */
                assert_int_equal(zt__frag_build(dg, (size_t)n - 1, pkt, len, mtu, i),
                                 ZT_ERR_NOSPACE);
            }
            assert_int_equal(covered, len);
        }
    }
    /* More than 7 fragments: refused at every index. */
    assert_int_equal(zt__frag_count(ZT_PKT_MAX_LEN, ZT_MIN_PHYSMTU), 8);
    for (unsigned i = 0; i < 9; i++)
        assert_int_equal(zt__frag_build(dg, sizeof(dg), pkt, ZT_PKT_MAX_LEN, ZT_MIN_PHYSMTU, i),
                         ZT_ERR_RANGE);
    /* A packet that fits in one datagram has no fragments. */
    assert_int_equal(zt__frag_build(dg, sizeof(dg), pkt, 1000, 1432, 1), ZT_ERR_RANGE);
}

static void test_classify(void **state)
{
    uint8_t d[64];
    (void)state;

    memset(d, 0, sizeof(d));
    d[ZT_FRAG_IDX_INDICATOR] = ZT_FRAG_INDICATOR;
    for (size_t len = 0; len <= ZT_FRAG_HEADER_LEN; len++)
        assert_int_equal(zt__dgram_classify(d, len), ZT_DGRAM_IGNORE);
    for (size_t len = ZT_FRAG_HEADER_LEN + 1; len < sizeof(d); len++)
        assert_int_equal(zt__dgram_classify(d, len), ZT_DGRAM_FRAGMENT);
    d[ZT_FRAG_IDX_INDICATOR] = 0xfe;
    for (size_t len = 0; len < ZT_PKT_MIN_LEN; len++)
        assert_int_equal(zt__dgram_classify(d, len), ZT_DGRAM_IGNORE);
    for (size_t len = ZT_PKT_MIN_LEN; len < sizeof(d); len++)
        assert_int_equal(zt__dgram_classify(d, len), ZT_DGRAM_PACKET);
}

/* Splits armored |pkt| into datagrams; returns their number.  dg[i] holds datagram i. */
static unsigned split(const uint8_t *pkt, size_t len, size_t mtu, uint8_t dg[][ZT_MAX_PHYSMTU],
                      size_t *dlen)
{
    unsigned total = zt__frag_count(len, mtu);

    memcpy(dg[0], pkt, mtu);
    dlen[0] = mtu;
    for (unsigned i = 1; i < total; i++) {
        zt_ssize n = zt__frag_build(dg[i], ZT_MAX_PHYSMTU, pkt, len, mtu, i);
        assert_true(n > 0);
        dlen[i] = (size_t)n;
    }
    return total;
}

static uint32_t rnd(uint32_t below)
{
    uint32_t v;
    zt__random_bytes(&v, sizeof(v));
    return v % below;
}

/* Random packets at several MTUs, three at a time, their datagrams shuffled together. */
static void test_roundtrip_random_orders(void **state)
{
    static const size_t mtus[] = {ZT_MIN_PHYSMTU, ZT_DEFAULT_PHYSMTU, 1500, 2800, 4000};
    enum { NPKT = 3 };
    static uint8_t pkt[NPKT][ZT_PKT_MAX_LEN], plain[NPKT][ZT_PKT_MAX_LEN];
    static uint8_t dg[NPKT][ZT_MAX_FRAGMENTS][ZT_MAX_PHYSMTU], out[ZT_PKT_MAX_LEN];
    size_t dlen[NPKT][ZT_MAX_FRAGMENTS], len[NPKT];
    unsigned total[NPKT];
    zt_defrag *d;
    (void)state;

    assert_int_equal(zt__defrag_new(&d, NULL), 0);
    for (size_t m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
        size_t mtu = mtus[m], max = mtu;
        while (zt__frag_fits(max + 1, mtu))
            max++;
        for (int round = 0; round < 40; round++) {
            unsigned order[NPKT * ZT_MAX_FRAGMENTS][2], n = 0, done = 0;
            for (unsigned p = 0; p < NPKT; p++) {
                len[p] = mtu + 1 + rnd((uint32_t)(max - mtu));
                if (round == 0)
                    len[p] = p == 0 ? mtu + 1 : max; /* the extremes once */
                assert_int_equal(zt__pkt_init(plain[p], len[p], 0, 0x0102030405ULL,
                                              0x0605040302ULL, ZT_VERB_FRAME), ZT_PKT_MIN_LEN);
                zt__random_bytes(plain[p], 8);
                zt__random_bytes(plain[p] + ZT_PKT_IDX_PAYLOAD, len[p] - ZT_PKT_IDX_PAYLOAD);
                plain[p][ZT_PKT_IDX_FLAGS] |= ZT_PKT_FLAG_FRAGMENTED;
                memcpy(pkt[p], plain[p], len[p]);
                assert_int_equal(zt__pkt_armor(pkt[p], len[p], KEY, 1), 0);
                total[p] = split(pkt[p], len[p], mtu, dg[p], dlen[p]);
                assert_true(total[p] >= 2 && total[p] <= ZT_MAX_FRAGMENTS);
                for (unsigned i = 0; i < total[p]; i++) {
                    order[n][0] = p;
                    order[n++][1] = i;
                }
            }
            for (unsigned i = n; i > 1; i--) { /* Fisher-Yates */
                unsigned j = rnd(i), t0 = order[i - 1][0], t1 = order[i - 1][1];
                order[i - 1][0] = order[j][0];
                order[i - 1][1] = order[j][1];
                order[j][0] = t0;
                order[j][1] = t1;
            }
            for (unsigned k = 0; k < n; k++) {
                unsigned p = order[k][0], i = order[k][1];
                zt_ssize got = zt__defrag_add(d, dg[p][i], dlen[p][i], 1000 + round, out,
                                              sizeof(out));
                if (got == ZT_ERR_AGAIN)
                    continue;
                assert_int_equal(got, len[p]);
                assert_memory_equal(out, pkt[p], len[p]);
                assert_int_equal(zt__pkt_dearmor(out, len[p], KEY), 0);
                assert_memory_equal(out + ZT_PKT_IDX_VERB, plain[p] + ZT_PKT_IDX_VERB,
                                    len[p] - ZT_PKT_IDX_VERB);
                done++;
            }
            assert_int_equal(done, NPKT);
            assert_int_equal(zt__defrag_pending(d), 0);
        }
    }
    assert_int_equal(zt__defrag_drops(d), 0);
    zt__defrag_del(d);
}

/* A non-head fragment datagram with the given counts byte and |n| payload bytes. */
static size_t make_frag(uint8_t *dg, uint64_t id, uint8_t counts, size_t n)
{
    zt__store_be(dg, id, 8);
    zt__store_be(dg + 8, 0x0102030405ULL, 5);
    dg[ZT_FRAG_IDX_INDICATOR] = ZT_FRAG_INDICATOR;
    dg[ZT_FRAG_IDX_COUNTS] = counts;
    dg[ZT_FRAG_IDX_HOPS] = 0;
    memset(dg + ZT_FRAG_HEADER_LEN, (int)(counts & 0x0f), n);
    return ZT_FRAG_HEADER_LEN + n;
}

/* A head datagram of |n| bytes (fragmented flag set). */
static size_t make_head(uint8_t *dg, uint64_t id, size_t n)
{
    assert_int_equal(zt__pkt_init(dg, n, id, 0x0102030405ULL, 0x0a0b0c0d0eULL, ZT_VERB_FRAME),
                     ZT_PKT_MIN_LEN);
    dg[ZT_PKT_IDX_FLAGS] = ZT_PKT_FLAG_FRAGMENTED;
    memset(dg + ZT_PKT_MIN_LEN, 0xab, n - ZT_PKT_MIN_LEN);
    return n;
}

static void test_invalid_counts(void **state)
{
    static uint8_t dg[200], out[ZT_PKT_MAX_LEN];
    uint64_t drops = 0, id = 1;
    zt_defrag *d;
    (void)state;

    assert_int_equal(zt__defrag_new(&d, NULL), 0);
    for (unsigned total = 0; total < 16; total++) {
        for (unsigned num = 0; num < 16; num++) {
            bool ok = total >= 2 && total <= ZT_MAX_FRAGMENTS && num >= 1 && num < total;
            size_t n = make_frag(dg, id++, (uint8_t)(total << 4 | num), 50);
            unsigned before = zt__defrag_pending(d);
            zt_ssize rv = zt__defrag_add(d, dg, n, 0, out, sizeof(out));
            if (ok) {
                assert_int_equal(rv, ZT_ERR_AGAIN);
            } else {
                if (rv != ZT_ERR_DROP)
                    fail_msg("total %u number %u accepted (%zd)", total, num, rv);
                drops++;
                assert_int_equal(zt__defrag_pending(d), before);
            }
            assert_int_equal(zt__defrag_drops(d), drops);
        }
    }
    /* A head without the fragmented flag, and datagrams too short to be anything. */
    make_head(dg, id, 100);
    dg[ZT_PKT_IDX_FLAGS] = 0;
    assert_int_equal(zt__defrag_add(d, dg, 100, 0, out, sizeof(out)), ZT_ERR_DROP);
    make_frag(dg, id, 0x21, 0);
    assert_int_equal(zt__defrag_add(d, dg, ZT_FRAG_HEADER_LEN, 0, out, sizeof(out)), ZT_ERR_DROP);
    assert_int_equal(zt__defrag_add(d, dg, 5, 0, out, sizeof(out)), ZT_ERR_DROP);
    assert_int_equal(zt__defrag_drops(d), drops + 3);
    zt__defrag_del(d);
}

static void test_duplicates_and_hops(void **state)
{
    static uint8_t h[300], f1[300], f2[300], out[ZT_PKT_MAX_LEN];
    size_t hl, l1, l2;
    zt_defrag *d;
    (void)state;

    assert_int_equal(zt__defrag_new(&d, NULL), 0);
    hl = make_head(h, 77, 300);
    l1 = make_frag(f1, 77, 0x31, 100);
    l2 = make_frag(f2, 77, 0x32, 30);
    f1[ZT_FRAG_IDX_HOPS] = 2; /* relayed fragments carry a hop count */
    assert_int_equal(zt__defrag_add(d, f2, l2, 0, out, sizeof(out)), ZT_ERR_AGAIN);
    assert_int_equal(zt__defrag_add(d, f2, l2, 0, out, sizeof(out)), ZT_ERR_DROP);
    assert_int_equal(zt__defrag_add(d, h, hl, 0, out, sizeof(out)), ZT_ERR_AGAIN);
    assert_int_equal(zt__defrag_add(d, h, hl, 0, out, sizeof(out)), ZT_ERR_DROP);
    assert_int_equal(zt__defrag_pending(d), 1);
    /* Output buffer one byte short: the set is dropped. */
    assert_int_equal(zt__defrag_add(d, f1, l1, 0, out, 429), ZT_ERR_DROP);
    assert_int_equal(zt__defrag_pending(d), 0);
    /* Again, with room. */
    assert_int_equal(zt__defrag_add(d, f1, l1, 0, out, sizeof(out)), ZT_ERR_AGAIN);
    assert_int_equal(zt__defrag_add(d, h, hl, 0, out, sizeof(out)), ZT_ERR_AGAIN);
    assert_int_equal(zt__defrag_add(d, f2, l2, 0, out, sizeof(out)), 430);
    assert_memory_equal(out, h, 300);
    for (size_t i = 300; i < 400; i++)
        assert_int_equal(out[i], 1);
    for (size_t i = 400; i < 430; i++)
        assert_int_equal(out[i], 2);
    assert_int_equal(zt__defrag_drops(d), 3);
    zt__defrag_del(d);
}

static void test_mismatched_totals(void **state)
{
    static uint8_t h[200], f[200], out[ZT_PKT_MAX_LEN];
    size_t hl, fl;
    zt_defrag *d;
    (void)state;

    assert_int_equal(zt__defrag_new(&d, NULL), 0);
    hl = make_head(h, 5, 200);
    assert_int_equal(zt__defrag_add(d, h, hl, 0, out, sizeof(out)), ZT_ERR_AGAIN);
    fl = make_frag(f, 5, 0x31, 50);
    assert_int_equal(zt__defrag_add(d, f, fl, 0, out, sizeof(out)), ZT_ERR_AGAIN);
    fl = make_frag(f, 5, 0x42, 50); /* claims 4 where the set said 3 */
    assert_int_equal(zt__defrag_add(d, f, fl, 0, out, sizeof(out)), ZT_ERR_DROP);
    assert_int_equal(zt__defrag_pending(d), 0); /* the whole set is gone */
    /* The correct last fragment now starts a new, incomplete set. */
    fl = make_frag(f, 5, 0x32, 50);
    assert_int_equal(zt__defrag_add(d, f, fl, 0, out, sizeof(out)), ZT_ERR_AGAIN);
    assert_int_equal(zt__defrag_pending(d), 1);
    assert_int_equal(zt__defrag_drops(d), 3); /* the liar, plus the head and fragment it spoiled */
    zt__defrag_del(d);
}

static void test_oversize(void **state)
{
    static uint8_t h[ZT_MAX_PHYSMTU], f[ZT_MAX_PHYSMTU], out[ZT_PKT_MAX_LEN + 2000];
    size_t hl, fl;
    zt_defrag *d;
    (void)state;

    assert_int_equal(zt__defrag_new(&d, NULL), 0);
    /* Head plus fragments summing to one byte over 10024. */
    hl = make_head(h, 9, 9000);
    assert_int_equal(zt__defrag_add(d, h, hl, 0, out, sizeof(out)), ZT_ERR_AGAIN);
    fl = make_frag(f, 9, 0x31, 1000);
    assert_int_equal(zt__defrag_add(d, f, fl, 0, out, sizeof(out)), ZT_ERR_AGAIN);
    fl = make_frag(f, 9, 0x32, ZT_PKT_MAX_LEN - 10000 + 1);
    assert_int_equal(zt__defrag_add(d, f, fl, 0, out, sizeof(out)), ZT_ERR_DROP);
    assert_int_equal(zt__defrag_pending(d), 0);
    /* Exactly 10024 is fine. */
    assert_int_equal(zt__defrag_add(d, h, hl, 0, out, sizeof(out)), ZT_ERR_AGAIN);
    fl = make_frag(f, 9, 0x31, 1000);
    assert_int_equal(zt__defrag_add(d, f, fl, 0, out, sizeof(out)), ZT_ERR_AGAIN);
    fl = make_frag(f, 9, 0x32, ZT_PKT_MAX_LEN - 10000);
    assert_int_equal(zt__defrag_add(d, f, fl, 0, out, sizeof(out)), ZT_PKT_MAX_LEN);
    /* A head datagram alone bigger than any packet. */
    hl = make_head(h, 10, ZT_MAX_PHYSMTU);
    assert_int_equal(zt__defrag_add(d, h, hl, 0, out, sizeof(out)), ZT_ERR_DROP);
    /* Fragments alone, large ones, in the wrong order. */
    for (unsigned i = 1; i <= 6; i++) {
        fl = make_frag(f, 11, (uint8_t)(0x70 | (7 - i)), 2000);
        zt_ssize rv = zt__defrag_add(d, f, fl, 0, out, sizeof(out));
        assert_int_equal(rv, i <= 5 ? ZT_ERR_AGAIN : ZT_ERR_DROP);
    }
    assert_int_equal(zt__defrag_pending(d), 0);
    zt__defrag_del(d);
}

static void test_expiry(void **state)
{
    static uint8_t h[100], f[100], out[ZT_PKT_MAX_LEN];
    size_t hl, fl;
    zt_defrag *d;
    const int64_t t = 1700000000000LL;
    (void)state;

    assert_int_equal(zt__defrag_new(&d, NULL), 0);
    for (uint64_t id = 1; id <= 3; id++) {
        hl = make_head(h, id, 100);
        assert_int_equal(zt__defrag_add(d, h, hl, t + (int64_t)id, out, sizeof(out)),
                         ZT_ERR_AGAIN);
    }
    assert_int_equal(zt__defrag_pending(d), 3);
    zt__defrag_expire(d, t + 1 + ZT_DEFRAG_TIMEOUT_MS);
    assert_int_equal(zt__defrag_pending(d), 3);
    zt__defrag_expire(d, t + 2 + ZT_DEFRAG_TIMEOUT_MS); /* id 1 is 5001 ms old */
    assert_int_equal(zt__defrag_pending(d), 2);
    zt__defrag_expire(d, t + 5001 + 3);
    assert_int_equal(zt__defrag_pending(d), 0);

    /* A fragment arriving after the timeout does not complete the stale set, even without an
     * explicit expire in between. */
    hl = make_head(h, 50, 100);
    assert_int_equal(zt__defrag_add(d, h, hl, t, out, sizeof(out)), ZT_ERR_AGAIN);
    fl = make_frag(f, 50, 0x21, 10);
    assert_int_equal(zt__defrag_add(d, f, fl, t + 5001, out, sizeof(out)), ZT_ERR_AGAIN);
    /* Within the timeout it completes. */
    hl = make_head(h, 51, 100);
    assert_int_equal(zt__defrag_add(d, h, hl, t, out, sizeof(out)), ZT_ERR_AGAIN);
    fl = make_frag(f, 51, 0x21, 10);
    assert_int_equal(zt__defrag_add(d, f, fl, t + 5000, out, sizeof(out)), 110);
    zt__defrag_del(d);
}

static void test_slot_exhaustion(void **state)
{
    static uint8_t h[100], f[100], out[ZT_PKT_MAX_LEN];
    size_t hl, fl;
    zt_defrag *d;
    const uint64_t base = 0x1000;
    (void)state;

    assert_int_equal(zt__defrag_new(&d, NULL), 0);
    /* 33 concurrent sets, each started 1 ms after the previous. */
    for (unsigned i = 0; i <= ZT_DEFRAG_SLOTS; i++) {
        hl = make_head(h, base + i, 100);
        assert_int_equal(zt__defrag_add(d, h, hl, 100 + i, out, sizeof(out)), ZT_ERR_AGAIN);
        assert_int_equal(zt__defrag_pending(d), i < ZT_DEFRAG_SLOTS ? i + 1 : ZT_DEFRAG_SLOTS);
    }
    /* Sets 1..32 are all still there and complete. */
    for (unsigned i = 1; i <= ZT_DEFRAG_SLOTS; i++) {
        fl = make_frag(f, base + i, 0x21, 20);
        assert_int_equal(zt__defrag_add(d, f, fl, 200, out, sizeof(out)), 120);
        assert_true(zt__load_be(out, 8) == base + i);
    }
    assert_int_equal(zt__defrag_pending(d), 0);
    /* Set 0, the oldest, was evicted: its fragment starts over. */
    fl = make_frag(f, base, 0x21, 20);
    assert_int_equal(zt__defrag_add(d, f, fl, 200, out, sizeof(out)), ZT_ERR_AGAIN);

    /* A flood of fresh IDs keeps the table bounded. */
    for (unsigned i = 0; i < 1000; i++) {
        fl = make_frag(f, 0x900000 + i, 0x31, 20);
        assert_int_equal(zt__defrag_add(d, f, fl, 300 + i, out, sizeof(out)), ZT_ERR_AGAIN);
        assert_true(zt__defrag_pending(d) <= ZT_DEFRAG_SLOTS);
    }
    zt__defrag_del(d);
}

static void test_alloc_failure(void **state)
{
    failmem_state st;
    zt_mem m;
    zt_defrag *d = (zt_defrag *)&st; /* a sentinel that must survive the failure */
    (void)state;

    m = failmem_make(&st, 1);
    assert_int_equal(zt__defrag_new(&d, &m), ZT_ERR_NOMEM);
    assert_true(d == (zt_defrag *)&st);
    assert_int_equal(st.calls, 1);
    assert_int_equal(st.live, 0);

    m = failmem_make(&st, 2);
    assert_int_equal(zt__defrag_new(&d, &m), 0);
    assert_int_equal(st.live, 1);
    zt__defrag_del(d); /* frees through the same hook */
    assert_int_equal(st.live, 0);
    zt__defrag_del(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_and_fits),
        cmocka_unit_test(test_build_pieces),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_roundtrip_random_orders),
        cmocka_unit_test(test_invalid_counts),
        cmocka_unit_test(test_duplicates_and_hops),
        cmocka_unit_test(test_mismatched_totals),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_slot_exhaustion),
        cmocka_unit_test(test_alloc_failure),
    };

    if (zt__crypto_init() != 0)
        return 1;
    zt__random_bytes(KEY, sizeof(KEY));
    return cmocka_run_group_tests_name("unit.fragment", tests, NULL, NULL);
}
