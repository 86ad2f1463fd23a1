/* Unit tests for src/codec/packet.c: armor/dearmor over many lengths, tamper detection, hop
 * bits, suites, LZ4 limits.  The armor is cross-checked against a direct transcription of
 * vl1.md §3.2 on libsodium's own Salsa20/12 stream, so the block-counter path of our keystream
 * is checked at lengths the vectors do not reach. */
#include "testutil.h"

#include <lz4.h>
#include <sodium.h>

#include "codec/packet.h"

#define MAX_TEST_LEN 3000

static uint8_t KEY[ZT_SHARED_KEY_LEN];

/* A packet of |len| bytes: random ID, fixed addresses, |verb|, random payload. */
static void make_packet(uint8_t *pkt, size_t len, unsigned verb)
{
    uint64_t id;
    zt__random_bytes(&id, sizeof(id));
    assert_int_equal(zt__pkt_init(pkt, len, id, 0x0102030405ULL, 0x0a0b0c0d0eULL, verb),
                     ZT_PKT_MIN_LEN);
    zt__random_bytes(pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD);
}

/* vl1.md §3.2 step by step with crypto_stream_salsa2012 (keystream from block 0). */
static void reference_armor(uint8_t *pkt, size_t len, const uint8_t key[48], unsigned suite)
{
    static uint8_t ks[64 + MAX_TEST_LEN];
    uint8_t k[32], tag[16];
    size_t body = len - 27;

    assert_true(len <= MAX_TEST_LEN);
    pkt[18] = (uint8_t)((pkt[18] & 0x47) | (suite << 3) | (suite == 1 ? 0x80 : 0));
    for (int i = 0; i < 18; i++)
        k[i] = key[i] ^ pkt[i];
    k[18] = key[18] ^ (pkt[18] & 0xf8);
    k[19] = key[19] ^ (uint8_t)(len & 0xff);
    k[20] = key[20] ^ (uint8_t)(len >> 8);
    memcpy(k + 21, key + 21, 11);
    crypto_stream_salsa2012(ks, 64 + body, pkt, k);
    if (suite == 1)
        for (size_t i = 0; i < body; i++)
            pkt[27 + i] ^= ks[64 + i];
    crypto_onetimeauth_poly1305(tag, pkt + 27, body, ks);
    memcpy(pkt + 19, tag, 8);
}

static void test_init(void **state)
{
    uint8_t pkt[ZT_PKT_MIN_LEN];
    (void)state;

    memset(pkt, 0xcc, sizeof(pkt));
    assert_int_equal(zt__pkt_init(pkt, 27, 1, 2, 3, 4), ZT_ERR_NOSPACE);
    assert_int_equal(pkt[0], 0xcc);
    assert_int_equal(zt__pkt_init(pkt, sizeof(pkt), 0x1122334455667788ULL, 0xaabbccddeeULL,
                                  0x0102030405ULL, 0xff),
                     ZT_PKT_MIN_LEN);
    assert_true(zt__pkt_id(pkt) == 0x1122334455667788ULL);
    assert_true(zt__pkt_dest(pkt) == 0xaabbccddeeULL);
    assert_true(zt__pkt_source(pkt) == 0x0102030405ULL);
    assert_int_equal(pkt[ZT_PKT_IDX_FLAGS], 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(pkt[ZT_PKT_IDX_MAC + i], 0);
    assert_int_equal(pkt[ZT_PKT_IDX_VERB], 0x1f); /* only the verb bits */
    assert_int_equal(zt__pkt_verb(pkt), 0x1f);
    assert_false(zt__pkt_is_compressed(pkt));
    assert_false(zt__pkt_is_fragmented(pkt));
    assert_int_equal(zt__pkt_hops(pkt), 0);
    assert_int_equal(zt__pkt_cipher(pkt), 0);
}

static void test_roundtrip_all_lengths(void **state)
{
    static uint8_t plain[MAX_TEST_LEN], pkt[MAX_TEST_LEN], ref[MAX_TEST_LEN];
    (void)state;

    for (unsigned suite = 0; suite <= 1; suite++) {
        for (size_t len = ZT_PKT_MIN_LEN; len <= MAX_TEST_LEN; len++) {
            make_packet(plain, len, ZT_VERB_ECHO);
            if (len % 3 == 0)
                plain[ZT_PKT_IDX_FLAGS] |= ZT_PKT_FLAG_FRAGMENTED;
            memcpy(pkt, plain, len);
            memcpy(ref, plain, len);
            assert_int_equal(zt__pkt_armor(pkt, len, KEY, suite), 0);
            reference_armor(ref, len, KEY, suite);
            assert_memory_equal(pkt, ref, len);

            assert_int_equal(zt__pkt_cipher(pkt), suite);
            assert_int_equal((pkt[ZT_PKT_IDX_FLAGS] & ZT_PKT_FLAG_ENCRYPTED) != 0, suite == 1);
            assert_int_equal(zt__pkt_is_fragmented(pkt), len % 3 == 0);
            assert_memory_equal(pkt, plain, ZT_PKT_IDX_FLAGS); /* header stays clear */
            if (suite == 0)
                assert_memory_equal(pkt + ZT_PKT_IDX_VERB, plain + ZT_PKT_IDX_VERB,
                                    len - ZT_PKT_IDX_VERB);
            else if (len >= ZT_PKT_MIN_LEN + 16)
                assert_memory_not_equal(pkt + ZT_PKT_IDX_VERB, plain + ZT_PKT_IDX_VERB,
                                        len - ZT_PKT_IDX_VERB);

            assert_int_equal(zt__pkt_dearmor(pkt, len, KEY), 0);
            assert_memory_equal(pkt + ZT_PKT_IDX_VERB, plain + ZT_PKT_IDX_VERB,
                                len - ZT_PKT_IDX_VERB);
        }
    }
}

static void test_max_length(void **state)
{
    static uint8_t plain[ZT_PKT_MAX_LEN + 1], pkt[ZT_PKT_MAX_LEN + 1];
    (void)state;

    make_packet(plain, ZT_PKT_MAX_LEN, ZT_VERB_FRAME);
    memcpy(pkt, plain, ZT_PKT_MAX_LEN);
    assert_int_equal(zt__pkt_armor(pkt, ZT_PKT_MAX_LEN, KEY, 1), 0);
    assert_int_equal(zt__pkt_dearmor(pkt, ZT_PKT_MAX_LEN, KEY), 0);
    assert_memory_equal(pkt + 27, plain + 27, ZT_PKT_MAX_LEN - 27);
    /* One byte more is out of range both ways. */
    assert_int_equal(zt__pkt_armor(pkt, ZT_PKT_MAX_LEN + 1, KEY, 1), ZT_ERR_INVAL);
    assert_int_equal(zt__pkt_dearmor(pkt, ZT_PKT_MAX_LEN + 1, KEY), ZT_ERR_DROP);
}

/* Flips every bit of an armored packet outside the hop bits; each must fail to verify and
 * leave the buffer as it was. */
static void check_all_flips(size_t len, unsigned suite)
{
    static uint8_t armored[MAX_TEST_LEN], pkt[MAX_TEST_LEN];

    make_packet(armored, len, ZT_VERB_ECHO);
    assert_int_equal(zt__pkt_armor(armored, len, KEY, suite), 0);
    for (size_t i = 0; i < len; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            int rv;
            uint8_t m = (uint8_t)(1u << bit);
            if (i == ZT_PKT_IDX_FLAGS && (m & ZT_PKT_HOPS_MASK))
                continue;
            memcpy(pkt, armored, len);
            pkt[i] ^= m;
            rv = zt__pkt_dearmor(pkt, len, KEY);
            if (i == ZT_PKT_IDX_FLAGS && (m & ZT_PKT_CIPHER_MASK) && ((suite ^ (m >> 3)) > 1)) {
                /* The cipher field now names suite 2 or 3. */
                assert_int_equal(rv, ZT_ERR_UNSUPPORTED);
            } else if (rv != ZT_ERR_AUTH) {
                fail_msg("len %zu suite %u: bit %u of byte %zu flipped gives %d", len, suite,
                         bit, i, rv);
            }
            pkt[i] ^= m;
            assert_memory_equal(pkt, armored, len); /* untouched on failure */
        }
    }
}

static void test_bit_flips(void **state)
{
    static const size_t lens[] = {28, 29, 90, 91, 92, 155, 156, 1400, 3000};
    (void)state;

    for (unsigned suite = 0; suite <= 1; suite++)
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
            check_all_flips(lens[i], suite);
}

static void test_length_is_authenticated(void **state)
{
    static uint8_t pkt[200], copy[200];
    (void)state;

    /* Cutting bytes off, or claiming extra trailing bytes, fails. */
    make_packet(pkt, 150, ZT_VERB_ECHO);
    assert_int_equal(zt__pkt_armor(pkt, 150, KEY, 1), 0);
    memcpy(copy, pkt, sizeof(copy));
    for (size_t len = ZT_PKT_MIN_LEN; len < 200; len++) {
        if (len == 150)
            continue;
        assert_int_equal(zt__pkt_dearmor(pkt, len, KEY), ZT_ERR_AUTH);
    }
    assert_memory_equal(pkt, copy, sizeof(copy));
    /* Another key fails. */
    {
        uint8_t other[48];
        memcpy(other, KEY, 48);
        other[31] ^= 1;
        assert_int_equal(zt__pkt_dearmor(pkt, 150, other), ZT_ERR_AUTH);
        /* Bytes 32..47 of the shared key are not used by suites 0/1. */
        memcpy(other, KEY, 48);
        other[40] ^= 1;
        assert_int_equal(zt__pkt_dearmor(pkt, 150, other), 0);
    }
}

static void test_hops(void **state)
{
    static uint8_t plain[1500], armored[1500], pkt[1500];
    (void)state;

    for (unsigned suite = 0; suite <= 1; suite++) {
        make_packet(plain, sizeof(plain), ZT_VERB_FRAME);
        memcpy(armored, plain, sizeof(plain));
        assert_int_equal(zt__pkt_armor(armored, sizeof(armored), KEY, suite), 0);
        for (unsigned hops = 0; hops <= ZT_PKT_MAX_HOPS; hops++) {
            memcpy(pkt, armored, sizeof(pkt));
            pkt[ZT_PKT_IDX_FLAGS] = (uint8_t)((pkt[ZT_PKT_IDX_FLAGS] & ~ZT_PKT_HOPS_MASK) | hops);
            assert_int_equal(zt__pkt_hops(pkt), hops);
            assert_int_equal(zt__pkt_dearmor(pkt, sizeof(pkt), KEY), 0);
            assert_memory_equal(pkt + 27, plain + 27, sizeof(pkt) - 27);
            assert_int_equal(zt__pkt_hops(pkt), hops);
        }
        /* Armoring a packet that already carries hops: they are kept and not authenticated. */
        memcpy(pkt, plain, sizeof(pkt));
        pkt[ZT_PKT_IDX_FLAGS] = 5;
        assert_int_equal(zt__pkt_armor(pkt, sizeof(pkt), KEY, suite), 0);
        assert_int_equal(zt__pkt_hops(pkt), 5);
        pkt[ZT_PKT_IDX_FLAGS] &= (uint8_t)~ZT_PKT_HOPS_MASK;
        assert_memory_equal(pkt, armored, sizeof(pkt)); /* same MAC and ciphertext */
    }
}

static void test_suites_and_lengths(void **state)
{
    uint8_t pkt[100], copy[100];
    (void)state;

    make_packet(pkt, sizeof(pkt), ZT_VERB_ECHO);
    memcpy(copy, pkt, sizeof(pkt));
    for (unsigned suite = 2; suite < 9; suite++) {
        assert_int_equal(zt__pkt_armor(pkt, sizeof(pkt), KEY, suite), ZT_ERR_INVAL);
        assert_memory_equal(pkt, copy, sizeof(pkt));
    }
    assert_int_equal(zt__pkt_armor(pkt, 27, KEY, 1), ZT_ERR_INVAL);
    assert_int_equal(zt__pkt_armor(pkt, 0, KEY, 0), ZT_ERR_INVAL);
    assert_memory_equal(pkt, copy, sizeof(pkt));

    assert_int_equal(zt__pkt_armor(pkt, sizeof(pkt), KEY, 1), 0);
    for (unsigned suite = 2; suite < 8; suite++) {
        memcpy(copy, pkt, sizeof(pkt));
        copy[ZT_PKT_IDX_FLAGS] =
            (uint8_t)((copy[ZT_PKT_IDX_FLAGS] & ~ZT_PKT_CIPHER_MASK) | (suite << 3));
        assert_int_equal(zt__pkt_dearmor(copy, sizeof(copy), KEY), ZT_ERR_UNSUPPORTED);
    }
    for (size_t len = 0; len < ZT_PKT_MIN_LEN; len++)
        assert_int_equal(zt__pkt_dearmor(pkt, len, KEY), ZT_ERR_DROP);
}

/* The Salsa20/12 stream behind armor, against libsodium's over many blocks: checks the block
 * counter, including the carry out of its low byte (block 255 -> 256). */
static void test_salsa2012_counter(void **state)
{
    static uint8_t ref[300 * 64], buf[300 * 64];
    uint8_t key[32], nonce[8], block[64];
    (void)state;

    zt__random_bytes(key, sizeof(key));
    zt__random_bytes(nonce, sizeof(nonce));
    crypto_stream_salsa2012(ref, sizeof(ref), nonce, key);
    memset(buf, 0, sizeof(buf));
    zt__salsa2012_xor_ic(buf, sizeof(buf), nonce, 0, key);
    assert_memory_equal(buf, ref, sizeof(ref));
    /* Starting mid-stream, with lengths that are not whole blocks. */
    for (uint64_t start = 250; start < 258; start++) {
        size_t n = 64 * (300 - start) - 7;
        memset(buf, 0, n);
        zt__salsa2012_xor_ic(buf, n, nonce, start, key);
        assert_memory_equal(buf, ref + 64 * start, n);
        zt__salsa2012_block(block, nonce, start, key);
        assert_memory_equal(block, ref + 64 * start, 64);
    }
    /* Across a 32-bit boundary of the counter, against single blocks. */
    {
        const uint64_t base = 0xffffffffULL - 2;
        memset(buf, 0, 6 * 64);
        zt__salsa2012_xor_ic(buf, 6 * 64, nonce, base, key);
        for (uint64_t i = 0; i < 6; i++) {
            zt__salsa2012_block(block, nonce, base + i, key);
            assert_memory_equal(buf + 64 * i, block, 64);
        }
    }
}

static void test_crypt_field(void **state)
{
    uint8_t pkt[300], orig[300], ks[300];
    uint8_t nonce[8];
    (void)state;

    make_packet(pkt, sizeof(pkt), ZT_VERB_HELLO);
    pkt[7] |= 0x07; /* the low 3 bits of byte 7 are masked out of the nonce */
    memcpy(orig, pkt, sizeof(pkt));
    zt__pkt_crypt_field(pkt, sizeof(pkt), KEY, 100);
    assert_memory_equal(pkt, orig, 100);
    memcpy(nonce, pkt, 8);
    nonce[7] &= 0xf8;
    crypto_stream_salsa2012(ks, 200, nonce, KEY);
    for (size_t i = 0; i < 200; i++)
        assert_int_equal(pkt[100 + i], orig[100 + i] ^ ks[i]);
    zt__pkt_crypt_field(pkt, sizeof(pkt), KEY, 100);
    assert_memory_equal(pkt, orig, sizeof(pkt));
    /* Nothing after |start|: a no-op. */
    zt__pkt_crypt_field(pkt, sizeof(pkt), KEY, sizeof(pkt));
    zt__pkt_crypt_field(pkt, sizeof(pkt), KEY, sizeof(pkt) + 10);
    assert_memory_equal(pkt, orig, sizeof(pkt));
}

static void test_compress_small_payload(void **state)
{
    uint8_t pkt[ZT_PKT_MIN_LEN + 100], copy[sizeof(pkt)];
    uint8_t out[ZT_PKT_MAX_LEN];
    (void)state;

    /* Highly compressible, but only 64 payload bytes: untouched. */
    make_packet(pkt, sizeof(pkt), ZT_VERB_USER_MESSAGE);
    memset(pkt + ZT_PKT_IDX_PAYLOAD, 'z', 100);
    memcpy(copy, pkt, sizeof(pkt));
    for (size_t n = 0; n <= ZT_LZ4_MIN_PAYLOAD; n++) {
        size_t len = ZT_PKT_IDX_PAYLOAD + n;
        assert_int_equal(zt__pkt_compress(pkt, len), len);
        assert_memory_equal(pkt, copy, sizeof(pkt));
        assert_false(zt__pkt_is_compressed(pkt));
    }
    /* 65 bytes: compressed, and back. */
    {
        size_t clen = zt__pkt_compress(pkt, ZT_PKT_IDX_PAYLOAD + 65);
        assert_true(clen < ZT_PKT_IDX_PAYLOAD + 65);
        assert_true(zt__pkt_is_compressed(pkt));
        assert_int_equal(zt__pkt_verb(pkt), ZT_VERB_USER_MESSAGE);
        assert_int_equal(zt__pkt_uncompress(pkt, clen, out, sizeof(out)), ZT_PKT_IDX_PAYLOAD + 65);
        assert_memory_equal(out, copy, ZT_PKT_IDX_PAYLOAD + 65);
    }
}

static void test_compress_roundtrip(void **state)
{
    static uint8_t pkt[ZT_PKT_MAX_LEN], plain[ZT_PKT_MAX_LEN], out[ZT_PKT_MAX_LEN];
    static const size_t lens[] = {93, 200, 1400, 5000, ZT_PKT_MAX_LEN};
    (void)state;

    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t len = lens[i], clen;
        make_packet(plain, len, ZT_VERB_PUSH_DIRECT_PATHS);
        /* Text-like payload: a repeating phrase with a random byte here and there. */
        for (size_t j = ZT_PKT_IDX_PAYLOAD; j < len; j++)
            plain[j] = (uint8_t)("compressible payload "[j % 21]);
        for (size_t j = ZT_PKT_IDX_PAYLOAD; j < len; j += 97)
            plain[j] = (uint8_t)j;
        memcpy(pkt, plain, len);
        clen = zt__pkt_compress(pkt, len);
        assert_true(clen < len);
        assert_true(zt__pkt_is_compressed(pkt));
        assert_memory_equal(pkt, plain, ZT_PKT_IDX_VERB); /* header unchanged */
        assert_int_equal(zt__pkt_uncompress(pkt, clen, out, sizeof(out)), len);
        assert_memory_equal(out, plain, len);
        /* Through armor too, the order the wire uses. */
        assert_int_equal(zt__pkt_armor(pkt, clen, KEY, 1), 0);
        assert_int_equal(zt__pkt_dearmor(pkt, clen, KEY), 0);
        assert_int_equal(zt__pkt_uncompress(pkt, clen, out, sizeof(out)), len);
        assert_memory_equal(out + ZT_PKT_IDX_VERB, plain + ZT_PKT_IDX_VERB,
                            len - ZT_PKT_IDX_VERB);
        /* Too small an output buffer. */
        assert_int_equal(zt__pkt_uncompress(pkt, clen, out, len - 1), ZT_ERR_DROP);
    }
}

static void test_compress_incompressible(void **state)
{
    static uint8_t pkt[3000], copy[3000];
    (void)state;

    make_packet(pkt, sizeof(pkt), ZT_VERB_USER_MESSAGE); /* random payload */
    memcpy(copy, pkt, sizeof(pkt));
    assert_int_equal(zt__pkt_compress(pkt, sizeof(pkt)), sizeof(pkt));
    assert_memory_equal(pkt, copy, sizeof(pkt));
    assert_false(zt__pkt_is_compressed(pkt));
    /* Out of range lengths are left alone. */
    assert_int_equal(zt__pkt_compress(pkt, 10), 10);
    assert_int_equal(zt__pkt_compress(pkt, ZT_PKT_MIN_LEN), ZT_PKT_MIN_LEN);
}

/* A payload LZ4 compresses to exactly its own size is sent uncompressed ("strictly smaller"). */
static void test_compress_no_gain(void **state)
{
    static uint8_t pkt[ZT_PKT_MIN_LEN + 300], copy[sizeof(pkt)];
    static char tmp[LZ4_COMPRESSBOUND(300)];
    bool found = false;
    (void)state;

    /* Search: a run of zeros in front of random bytes; the run length tunes the output size. */
    for (int attempt = 0; attempt < 200 && !found; attempt++) {
        for (size_t run = 0; run < 40 && !found; run++) {
            size_t in_len = 200 + (size_t)attempt % 100;
            int c;
            make_packet(pkt, ZT_PKT_MIN_LEN + in_len, ZT_VERB_USER_MESSAGE);
            memset(pkt + ZT_PKT_IDX_PAYLOAD, 0, run);
            c = LZ4_compress_default((const char *)pkt + ZT_PKT_IDX_PAYLOAD, tmp, (int)in_len,
                                     (int)sizeof(tmp));
            if (c != (int)in_len)
                continue;
            found = true;
            memcpy(copy, pkt, sizeof(pkt));
            assert_int_equal(zt__pkt_compress(pkt, ZT_PKT_MIN_LEN + in_len),
                             ZT_PKT_MIN_LEN + in_len);
            assert_false(zt__pkt_is_compressed(pkt));
            assert_memory_equal(pkt, copy, sizeof(pkt));
        }
    }
    assert_true(found);
}

static void test_uncompress_garbage(void **state)
{
    static const uint8_t bad[][6] = {
        {0x0f, 0x00, 0x00},             /* match with offset 0 */
        {0x1f, 'a', 0x05, 0x00},        /* match reaching before the output */
        {0xf0},                         /* literal length continues past the end */
        {0x50, 'a', 'b'},               /* 5 literals promised, 2 present */
        {0x10, 'a', 0x01, 0x00, 0x0f},  /* last sequence is a match: not allowed to end so */
    };
    static const size_t bad_len[] = {3, 4, 1, 3, 5};
    uint8_t pkt[ZT_PKT_MIN_LEN + 16], out[ZT_PKT_MAX_LEN];
    (void)state;

    for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
        make_packet(pkt, sizeof(pkt), ZT_VERB_USER_MESSAGE);
        pkt[ZT_PKT_IDX_VERB] |= ZT_PKT_VERB_FLAG_COMPRESSED;
        memcpy(pkt + ZT_PKT_IDX_PAYLOAD, bad[i], bad_len[i]);
        assert_int_equal(zt__pkt_uncompress(pkt, ZT_PKT_IDX_PAYLOAD + bad_len[i], out, sizeof(out)),
                         ZT_ERR_DROP);
    }
    /* Random garbage never crashes or overruns, whatever it decodes to. */
    for (int i = 0; i < 2000; i++) {
        zt_ssize n;
        size_t len = ZT_PKT_MIN_LEN + 1 + (size_t)(i % 16);
        make_packet(pkt, len, ZT_VERB_USER_MESSAGE);
        pkt[ZT_PKT_IDX_VERB] |= ZT_PKT_VERB_FLAG_COMPRESSED;
        n = zt__pkt_uncompress(pkt, len, out, sizeof(out));
        assert_true(n == ZT_ERR_DROP || (n >= ZT_PKT_MIN_LEN && n <= ZT_PKT_MAX_LEN));
    }
    /* Not a packet at all. */
    assert_int_equal(zt__pkt_uncompress(pkt, ZT_PKT_MIN_LEN - 1, out, sizeof(out)), ZT_ERR_DROP);
    assert_int_equal(zt__pkt_uncompress(pkt, ZT_PKT_MIN_LEN, out, ZT_PKT_MIN_LEN - 1),
                     ZT_ERR_DROP);
}

/* A packet whose compressed payload expands to |n| bytes. */
static size_t bomb(uint8_t *pkt, size_t cap, size_t n)
{
    static char zeros[ZT_PKT_MAX_LEN + 100];
    int c;

    make_packet(pkt, ZT_PKT_MIN_LEN, ZT_VERB_USER_MESSAGE);
    pkt[ZT_PKT_IDX_VERB] |= ZT_PKT_VERB_FLAG_COMPRESSED;
    memset(zeros, 0, sizeof(zeros));
    assert_true(n <= sizeof(zeros));
    c = LZ4_compress_default(zeros, (char *)pkt + ZT_PKT_IDX_PAYLOAD, (int)n,
                             (int)(cap - ZT_PKT_IDX_PAYLOAD));
    assert_true(c > 0);
    return ZT_PKT_IDX_PAYLOAD + (size_t)c;
}

static void test_uncompress_limit(void **state)
{
    static uint8_t pkt[1024], out[ZT_PKT_MAX_LEN + 200];
    const size_t max_payload = ZT_PKT_MAX_LEN - ZT_PKT_IDX_PAYLOAD; /* 9996 */
    size_t len;
    (void)state;

    len = bomb(pkt, sizeof(pkt), max_payload);
    assert_int_equal(zt__pkt_uncompress(pkt, len, out, sizeof(out)), ZT_PKT_MAX_LEN);
    assert_false(zt__pkt_is_compressed(out));
    for (size_t i = ZT_PKT_IDX_PAYLOAD; i < ZT_PKT_MAX_LEN; i++)
        assert_int_equal(out[i], 0);

    /* One byte more is dropped, even with a larger output buffer. */
    len = bomb(pkt, sizeof(pkt), max_payload + 1);
    assert_int_equal(zt__pkt_uncompress(pkt, len, out, sizeof(out)), ZT_ERR_DROP);
    len = bomb(pkt, sizeof(pkt), max_payload + 100);
    assert_int_equal(zt__pkt_uncompress(pkt, len, out, sizeof(out)), ZT_ERR_DROP);
}

static void test_uncompress_plain_copy(void **state)
{
    uint8_t pkt[100], out[100];
    (void)state;

    make_packet(pkt, sizeof(pkt), ZT_VERB_ECHO);
    assert_int_equal(zt__pkt_uncompress(pkt, sizeof(pkt), out, sizeof(out)), sizeof(pkt));
    assert_memory_equal(out, pkt, sizeof(pkt));
    assert_int_equal(zt__pkt_uncompress(pkt, sizeof(pkt), out, sizeof(out) - 1), ZT_ERR_DROP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_roundtrip_all_lengths),
        cmocka_unit_test(test_max_length),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_length_is_authenticated),
        cmocka_unit_test(test_hops),
        cmocka_unit_test(test_suites_and_lengths),
        cmocka_unit_test(test_salsa2012_counter),
        cmocka_unit_test(test_crypt_field),
        cmocka_unit_test(test_compress_small_payload),
        cmocka_unit_test(test_compress_roundtrip),
        cmocka_unit_test(test_compress_incompressible),
        cmocka_unit_test(test_compress_no_gain),
        cmocka_unit_test(test_uncompress_garbage),
        cmocka_unit_test(test_uncompress_limit),
        cmocka_unit_test(test_uncompress_plain_copy),
    };

    if (zt__crypto_init() != 0)
        return 1;
    zt__random_bytes(KEY, sizeof(KEY));
    return cmocka_run_group_tests_name("unit.packet", tests, NULL, NULL);
}
