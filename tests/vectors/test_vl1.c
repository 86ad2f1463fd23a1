/* Known-answer tests: every vector of tests/vectors/vl1.json (copied to tests/vectors/). */
#include "testutil.h"

#include "codec/fragment.h"
#include "codec/identity.h"
#include "codec/inetaddr.h"
#include "codec/packet.h"
#include "codec/peercache.h"
#include "codec/world.h"

static json_t *V;

static zt_identity identity_of(const char *s)
{
    zt_identity id;
    assert_int_equal(zt__identity_from_string(&id, s, strlen(s)), 0);
    return id;
}

static void check_identity_entry(json_t *e)
{
    zt_identity id, back;
    char text[ZT_IDENTITY_STR_MAX + 1];
    uint8_t digest[64], bin[ZT_IDENTITY_BIN_SECRET_LEN];
    const char *sec = tu_str(e, "identity_secret_string");
    zt_wr w;
    zt_rd r;

    id = identity_of(sec);
    assert_true(id.has_secret);
    tu_assert_hex(e, "secret_key", id.sec, 64);
    tu_assert_hex(e, "public_key", id.pub, 64);
    zt__address_to_string(id.address, text);
    assert_string_equal(text, tu_str(e, "address"));

    assert_int_equal(zt__identity_address_hash(digest, id.pub, NULL), 0);
    tu_assert_hex(e, "memory_hard_digest", digest, 64);
    assert_int_equal(zt__identity_validate(&id, NULL) == 0, tu_bool(e, "locally_valid"));

    assert_true(zt__identity_to_string(&id, false, text, sizeof(text)) > 0);
    assert_string_equal(text, tu_str(e, "identity_public_string"));
    assert_true(zt__identity_to_string(&id, true, text, sizeof(text)) > 0);
    assert_string_equal(text, sec);

    w = zt__wr_make(bin, sizeof(bin));
    zt__identity_write(&w, &id, false);
    tu_assert_hex(e, "binary_public", bin, (size_t)zt__wr_finish(&w));
    w = zt__wr_make(bin, sizeof(bin));
    zt__identity_write(&w, &id, true);
    tu_assert_hex(e, "binary_with_secret", bin, (size_t)zt__wr_finish(&w));
    r = zt__rd_make(bin, zt__wr_len(&w));
    assert_int_equal(zt__identity_read(&r, &back), 0);
    assert_true(zt__identity_equal(&id, &back) && back.has_secret);
    assert_memory_equal(back.sec, id.sec, 64);
}

static void test_identities(void **state)
{
    json_t *list = tu_get(V, "identities");
    (void)state;
    assert_int_equal(json_array_size(list), 5);
    for (size_t i = 0; i < json_array_size(list); i++)
        check_identity_entry(json_array_get(list, i));
}

static void test_identity_reserved(void **state)
{
    const char *s = tu_str(V, "identity_reserved_address.identity_public_string");
    zt_identity id;
    (void)state;
    assert_false(tu_bool(V, "identity_reserved_address.parse_ok"));
    assert_int_equal(zt__identity_from_string(&id, s, strlen(s)), ZT_ERR_RESERVED);
}

static void test_agreement(void **state)
{
    zt_identity a = identity_of(tu_str(V, "agreement.a_identity_secret_string"));
    zt_identity b = identity_of(tu_str(V, "agreement.b_identity_secret_string"));
    uint8_t ab[48], ba[48], raw[32];
    (void)state;

    assert_int_equal(zt__x25519(raw, a.sec, b.pub), 0);
    tu_assert_hex(V, "agreement.x25519_raw_shared_secret", raw, 32);
    assert_int_equal(zt__identity_agree(&a, &b, ab), 0);
    assert_int_equal(zt__identity_agree(&b, &a, ba), 0);
    tu_assert_hex(V, "agreement.shared_key_48", ab, 48);
    assert_int_equal(memcmp(ab, ba, 48) == 0, tu_bool(V, "agreement.symmetric"));
}

static void test_signature(void **state)
{
    zt_identity a = identity_of(tu_str(V, "signature.signer_identity_secret_string"));
    uint8_t sig[ZT_SIGNATURE_LEN], h[64];
    size_t n;
    uint8_t *msg = tu_hex(V, "signature.message_hex", &n);
    (void)state;

    zt__sha512(h, msg, n);
    tu_assert_hex(V, "signature.sha512_of_message", h, 64);
    assert_int_equal(zt__identity_sign(&a, msg, n, sig), 0);
    tu_assert_hex(V, "signature.signature_96", sig, sizeof(sig));
    assert_int_equal(zt__signature_verify(a.pub, msg, n, sig, sizeof(sig)),
                     tu_bool(V, "signature.verifies"));
    msg[0] ^= 1;
    assert_int_equal(zt__signature_verify(a.pub, msg, n, sig, sizeof(sig)),
                     tu_bool(V, "signature.tampered_verifies"));
    msg[0] ^= 1;
    assert_false(zt__signature_verify(a.pub, msg, n, sig, sizeof(sig) - 1));
    sig[70] ^= 1; /* the appended hash must match too */
    assert_false(zt__signature_verify(a.pub, msg, n, sig, sizeof(sig)));
    free(msg);
}

/* Builds the HELLO plaintext of the vector field by field from our encoders. */
static void test_hello_suite0(void **state)
{
    zt_identity a = identity_of(tu_str(V, "hello_suite0.sender_identity_secret_string"));
    zt_identity b = identity_of(tu_str(V, "hello_suite0.recipient_identity_public_string"));
    uint8_t key[48], pkt[512];
    size_t plen, start = tu_u64(V, "hello_suite0.crypt_field_start");
    uint8_t *plain = tu_hex(V, "hello_suite0.plaintext_packet", &plen);
    const char *phys = tu_str(V, "hello_suite0.physical_destination");
    zt_inetaddr dest;
    zt_wr w;
    (void)state;

    assert_int_equal(zt__identity_agree(&a, &b, key), 0);
    tu_assert_hex(V, "hello_suite0.shared_key_48", key, 48);

    assert_int_equal(zt__pkt_init(pkt, sizeof(pkt), 0x0123456789abcdefULL, b.address, a.address,
                                  ZT_VERB_HELLO), ZT_PKT_MIN_LEN);
    w = zt__wr_make(pkt + ZT_PKT_MIN_LEN, sizeof(pkt) - ZT_PKT_MIN_LEN);
    zt__wr_bytes(&w, plain + 28, 5); /* protocol and software versions, as the vector has them */
    zt__wr_u64(&w, tu_u64(V, "hello_suite0.timestamp"));
    zt__identity_write(&w, &a, false);
    assert_int_equal(zt__inetaddr_parse(&dest, phys, strlen(phys)), 0);
    zt__inetaddr_write(&w, &dest);
    zt__wr_u64(&w, tu_u64(V, "hello_suite0.planet_world_id"));
    zt__wr_u64(&w, tu_u64(V, "hello_suite0.planet_world_timestamp"));
    assert_int_equal(ZT_PKT_MIN_LEN + zt__wr_len(&w), start);
    zt__wr_u16(&w, 1);
    zt__wr_u8(&w, ZT_WORLD_TYPE_MOON);
    zt__wr_u64(&w, tu_u64(V, "hello_suite0.moon_world_id"));
    zt__wr_u64(&w, tu_u64(V, "hello_suite0.moon_world_timestamp"));
    assert_false(w.overflow);
    tu_assert_hex(V, "hello_suite0.plaintext_packet", pkt, ZT_PKT_MIN_LEN + zt__wr_len(&w));

    zt__pkt_crypt_field(pkt, plen, key, start);
    tu_assert_hex(V, "hello_suite0.after_crypt_field", pkt, plen);
    assert_int_equal(zt__pkt_armor(pkt, plen, key, ZT_CIPHER_POLY1305_NONE), 0);
    tu_assert_hex(V, "hello_suite0.armored", pkt, plen);

    assert_int_equal(zt__pkt_dearmor(pkt, plen, key) == 0, tu_bool(V, "hello_suite0.dearmor_ok"));
    zt__pkt_crypt_field(pkt, plen, key, start);
    pkt[ZT_PKT_IDX_FLAGS] = 0;
    memset(pkt + ZT_PKT_IDX_MAC, 0, 8);
    assert_memory_equal(pkt, plain, plen);
    free(plain);
}

/* Armors a plaintext vector with suite 1 and checks the wire bytes, then the way back. */
static void check_suite1(const char *name, const uint8_t key[48])
{
    char path[128];
    size_t plen, alen;
    uint8_t *plain, *armored, *pkt;

    snprintf(path, sizeof(path), "%s.plaintext_packet", name);
    plain = tu_hex(V, path, &plen);
    snprintf(path, sizeof(path), "%s.armored", name);
    armored = tu_hex(V, path, &alen);
    assert_int_equal(plen, alen);
    pkt = malloc(plen);
    memcpy(pkt, plain, plen);
    assert_int_equal(zt__pkt_armor(pkt, plen, key, ZT_CIPHER_POLY1305_SALSA2012), 0);
    assert_memory_equal(pkt, armored, plen);
    assert_int_equal(zt__pkt_cipher(pkt), 1);
    assert_int_equal(zt__pkt_dearmor(pkt, plen, key), 0);
    assert_memory_equal(pkt + ZT_PKT_IDX_VERB, plain + ZT_PKT_IDX_VERB, plen - ZT_PKT_IDX_VERB);
    /* Any flipped bit in the authenticated part fails; the hop bits do not count. */
    memcpy(pkt, armored, plen);
    pkt[ZT_PKT_IDX_FLAGS] |= 0x02;
    assert_int_equal(zt__pkt_dearmor(pkt, plen, key), 0);
    memcpy(pkt, armored, plen);
    pkt[plen - 1] ^= 0x40;
    assert_int_equal(zt__pkt_dearmor(pkt, plen, key), ZT_ERR_AUTH);
    assert_memory_equal(pkt, armored, plen - 1); /* untouched on failure */
    free(plain);
    free(armored);
    free(pkt);
}

static void shared_key(uint8_t key[48])
{
    size_t n;
    uint8_t *k = tu_hex(V, "agreement.shared_key_48", &n);
    assert_int_equal(n, 48);
    memcpy(key, k, 48);
    free(k);
}

static void test_suite1_packets(void **state)
{
    uint8_t key[48];
    (void)state;
    shared_key(key);
    check_suite1("ok_hello_suite1", key);
    check_suite1("echo_suite1", key);
    assert_true(tu_bool(V, "ok_hello_suite1.dearmor_ok") && tu_bool(V, "echo_suite1.dearmor_ok"));
}

static void test_ok_hello_fields(void **state)
{
    size_t n;
    uint8_t *p = tu_hex(V, "ok_hello_suite1.plaintext_packet", &n);
    const char *want = tu_str(V, "ok_hello_suite1.physical_address_reported");
    char text[ZT_INETADDR_STR_MAX];
    zt_inetaddr a;
    zt_rd r;
    (void)state;

    assert_int_equal(zt__pkt_verb(p), ZT_VERB_OK);
    assert_int_equal(p[ZT_PKT_IDX_INRE_VERB], ZT_VERB_HELLO);
    assert_int_equal(zt__load_be(p + ZT_PKT_IDX_INRE_ID, 8), 0x0123456789abcdefULL);
    r = zt__rd_make(p + 50, n - 50);
    assert_int_equal(zt__inetaddr_read(&r, &a), 0);
    assert_true(zt__inetaddr_format(&a, text, sizeof(text)) > 0);
    assert_string_equal(text, want);
    free(p);
}

static void test_suite3_kdf(void **state)
{
    uint8_t key[48];
    zt_aes_keys k;
    (void)state;
    shared_key(key);
    assert_int_equal(zt__pkt_derive_aes(key, &k), 0);
    tu_assert_hex(V, "agreement.aes_k0", k.k0, 32);
    tu_assert_hex(V, "agreement.aes_k1", k.k1, 32);
    zt__pkt_clear_aes(&k);
}

/* Suite 3 (AES-GMAC-SIV): the wire bytes from the plaintext and the IV, and back. */
static void check_suite3(const char *name)
{
    char path[128];
    uint8_t key[48];
    zt_aes_keys k;
    size_t plen, alen, n;
    uint8_t *plain, *armored, *pkt, *iv;

    shared_key(key);
    assert_int_equal(zt__pkt_derive_aes(key, &k), 0);
    snprintf(path, sizeof(path), "%s.plaintext_packet", name);
    plain = tu_hex(V, path, &plen);
    snprintf(path, sizeof(path), "%s.armored", name);
    armored = tu_hex(V, path, &alen);
    snprintf(path, sizeof(path), "%s.packet_id_before_armor", name);
    iv = tu_hex(V, path, &n);
    assert_int_equal(plen, alen);
    assert_memory_equal(iv, plain, 8);
    pkt = malloc(plen);
    memcpy(pkt, plain, plen);
    assert_int_equal(zt__pkt_armor_aes(pkt, plen, &k), 0);
    snprintf(path, sizeof(path), "%s.gmac_aad_11", name);
    tu_assert_hex(V, path, pkt + ZT_PKT_IDX_DEST, 11);
    assert_memory_equal(pkt, armored, plen);
    assert_int_equal(zt__pkt_cipher(pkt), ZT_CIPHER_AES_GMAC_SIV);

    assert_int_equal(zt__pkt_dearmor_aes(pkt, plen, &k), 0);
    assert_memory_equal(pkt + ZT_PKT_IDX_VERB, plain + ZT_PKT_IDX_VERB, plen - ZT_PKT_IDX_VERB);
    /* Hop bits are outside the authentication; any other flipped bit is caught, and a failed
     * dearmor hands the buffer back unchanged. */
    memcpy(pkt, armored, plen);
    pkt[ZT_PKT_IDX_FLAGS] |= 0x03;
    assert_int_equal(zt__pkt_dearmor_aes(pkt, plen, &k), 0);
    for (size_t bit = 0; bit < plen * 8; bit += 37) {
        if (bit / 8 == ZT_PKT_IDX_FLAGS)
            continue;
        memcpy(pkt, armored, plen);
        pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(zt__pkt_dearmor_aes(pkt, plen, &k), ZT_ERR_AUTH);
        pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_memory_equal(pkt, armored, plen);
    }
    zt__pkt_clear_aes(&k);
    free(plain);
    free(armored);
    free(iv);
    free(pkt);
}

static void test_suite3_packets(void **state)
{
    (void)state;
    check_suite3("echo_suite3");
    check_suite3("ok_echo_suite3");
    assert_true(tu_bool(V, "echo_suite3.dearmor_ok") && tu_bool(V, "ok_echo_suite3.dearmor_ok"));
}

static void test_fragmentation(void **state)
{
    uint8_t key[48], out[ZT_PKT_MAX_LEN], dg[ZT_MAX_PHYSMTU];
    size_t plen, n;
    size_t mtu = tu_u64(V, "fragmentation.mtu");
    uint8_t *pkt = tu_hex(V, "fragmentation.plaintext_packet_unfragmented_flag_clear", &plen);
    json_t *wire = tu_get(V, "fragmentation.wire_datagrams");
    unsigned total;
    zt_defrag *d;
    zt_ssize got;
    (void)state;
    shared_key(key);

    total = zt__frag_count(plen, mtu);
    assert_int_equal(total, tu_u64(V, "fragmentation.total_fragments"));
    assert_int_equal(json_array_size(wire), total);
    pkt[ZT_PKT_IDX_FLAGS] |= ZT_PKT_FLAG_FRAGMENTED;
    tu_assert_hex(V, "fragmentation.plaintext_packet_with_fragmented_flag", pkt, plen);
    assert_int_equal(zt__pkt_armor(pkt, plen, key, ZT_CIPHER_POLY1305_SALSA2012), 0);
    tu_assert_hex(V, "fragmentation.armored_whole_packet", pkt, plen);

    {
        uint8_t *want = tu_hex_of(json_string_value(json_array_get(wire, 0)), &n);
        assert_int_equal(n, mtu);
        assert_memory_equal(want, pkt, mtu);
        free(want);
    }
    for (unsigned i = 1; i < total; i++) {
        uint8_t *want = tu_hex_of(json_string_value(json_array_get(wire, i)), &n);
        got = zt__frag_build(dg, sizeof(dg), pkt, plen, mtu, i);
        assert_int_equal(got, n);
        assert_memory_equal(dg, want, n);
        free(want);
    }

    /* Reassembly in every rotation of the arrival order, with a duplicate thrown in. */
    assert_int_equal(zt__defrag_new(&d, NULL), 0);
    for (unsigned start = 0; start < total; start++) {
        got = ZT_ERR_AGAIN;
        for (unsigned k = 0; k < total; k++) {
            uint8_t *piece = tu_hex_of(json_string_value(json_array_get(wire, (start + k) % total)), &n);
            assert_int_equal(got, ZT_ERR_AGAIN);
            got = zt__defrag_add(d, piece, n, 1000, out, sizeof(out));
            if (k == 0)
                assert_int_equal(zt__defrag_add(d, piece, n, 1000, out, sizeof(out)), ZT_ERR_DROP);
            free(piece);
        }
        assert_int_equal(got, plen);
        assert_memory_equal(out, pkt, plen);
    }
    assert_int_equal(zt__defrag_pending(d), 0);
    zt__defrag_del(d);

    assert_int_equal(zt__pkt_dearmor(out, plen, key) == 0, tu_bool(V, "fragmentation.dearmor_ok"));
    free(pkt);
}

static void test_lz4(void **state)
{
    uint8_t key[48], out[ZT_PKT_MAX_LEN], buf[ZT_PKT_MAX_LEN];
    size_t ulen, clen, len;
    uint8_t *plain = tu_hex(V, "lz4_user_message.plaintext_uncompressed_packet", &ulen);
    uint8_t *comp = tu_hex(V, "lz4_user_message.plaintext_compressed_packet", &clen);
    zt_ssize got;
    (void)state;
    shared_key(key);

    assert_true(tu_bool(V, "lz4_user_message.compressed"));
    assert_int_equal(comp[ZT_PKT_IDX_VERB], 0x80 | ZT_VERB_USER_MESSAGE);
    got = zt__pkt_uncompress(comp, clen, out, sizeof(out));
    assert_int_equal(got, ulen);
    assert_memory_equal(out, plain, ulen);

    /* Our compressor need not produce the same bytes, but what it produces must shrink the
     * packet and come back intact. */
    memcpy(buf, plain, ulen);
    len = zt__pkt_compress(buf, ulen);
    assert_true(len < ulen);
    assert_true(zt__pkt_is_compressed(buf));
    got = zt__pkt_uncompress(buf, len, out, sizeof(out));
    assert_int_equal(got, ulen);
    assert_memory_equal(out, plain, ulen);

    memcpy(buf, comp, clen);
    assert_int_equal(zt__pkt_armor(buf, clen, key, ZT_CIPHER_POLY1305_SALSA2012), 0);
    tu_assert_hex(V, "lz4_user_message.armored", buf, clen);
    assert_int_equal(zt__pkt_dearmor(buf, clen, key), 0);
    assert_int_equal(zt__pkt_uncompress(buf, clen, out, sizeof(out)) == (zt_ssize)ulen,
                     tu_bool(V, "lz4_user_message.dearmor_and_uncompress_ok"));
    free(plain);
    free(comp);
}

static void check_world(const char *name, uint8_t type, json_t *endpoints, const char *root_id)
{
    char path[128];
    uint8_t buf[ZT_WORLD_MAX_SERIALIZED + 16], sec[64];
    size_t n;
    zt_world w, parsed, next;
    zt_identity root = identity_of(root_id);
    uint8_t *tmp;

    memset(&w, 0, sizeof(w));
    w.type = type;
    snprintf(path, sizeof(path), "%s.world_id", name);
    w.id = tu_u64(V, path);
    snprintf(path, sizeof(path), "%s.timestamp", name);
    w.timestamp = tu_u64(V, path);
    snprintf(path, sizeof(path), "%s.signing_key_public_64", name);
    tmp = tu_hex(V, path, &n);
    memcpy(w.update_key, tmp, 64);
    free(tmp);
    snprintf(path, sizeof(path), "%s.signing_key_secret_64", name);
    tmp = tu_hex(V, path, &n);
    memcpy(sec, tmp, 64);
    free(tmp);
    w.nroots = 1;
    w.roots[0].identity = root;
    for (size_t i = 0; i < json_array_size(endpoints); i++) {
        const char *ep = json_string_value(json_array_get(endpoints, i));
        assert_int_equal(zt__inetaddr_parse(&w.roots[0].endpoints[i], ep, strlen(ep)), 0);
        w.roots[0].nendpoints++;
    }

    snprintf(path, sizeof(path), "%s.signed_message", name);
    tu_assert_hex(V, path, buf, (size_t)zt__world_write(&w, true, buf, sizeof(buf)));
    assert_int_equal(zt__world_sign(&w, sec), 0);
    snprintf(path, sizeof(path), "%s.signature_96", name);
    tu_assert_hex(V, path, w.signature, ZT_SIGNATURE_LEN);
    snprintf(path, sizeof(path), "%s.serialized", name);
    tu_assert_hex(V, path, buf, (size_t)zt__world_write(&w, false, buf, sizeof(buf)));

    tmp = tu_hex(V, path, &n);
    assert_int_equal(zt__world_parse(&parsed, tmp, n), 0);
    assert_true(zt__world_verify(&parsed, w.update_key));
    assert_true(zt__world_should_replace(NULL, &parsed));
    assert_false(zt__world_should_replace(&parsed, &parsed)); /* not newer */
    next = parsed;
    next.timestamp++;
    assert_int_equal(zt__world_sign(&next, sec), 0);
    assert_true(zt__world_should_replace(&parsed, &next));
    next.signature[5] ^= 1;
    assert_false(zt__world_should_replace(&parsed, &next));
    assert_int_equal(zt__world_parse(&parsed, tmp, n - 1), ZT_ERR_TRUNCATED);
    free(tmp);
}

static void test_planet_and_moon(void **state)
{
    const char *root = tu_str(V, "planet.root_identity_public_string");
    json_t *eps = tu_get(V, "planet.root_stable_endpoints");
    (void)state;
    assert_true(tu_bool(V, "planet.roundtrip_ok") && tu_bool(V, "planet.newer_update_accepted"));
    check_world("planet", ZT_WORLD_TYPE_PLANET, eps, root);
    check_world("moon", ZT_WORLD_TYPE_MOON, eps, root);
}

static void test_default_planet(void **state)
{
    json_t *roots = tu_get(V, "default_planet.roots");
    char text[ZT_IDENTITY_STR_MAX + 1];
    zt_world w;
    (void)state;

    tu_assert_hex(V, "default_planet.serialized", zt__default_planet, ZT_DEFAULT_PLANET_LEN);
    assert_int_equal(zt__world_parse(&w, zt__default_planet, ZT_DEFAULT_PLANET_LEN), 0);
    assert_int_equal(w.type, tu_u64(V, "default_planet.type"));
    assert_int_equal(w.id, tu_u64(V, "default_planet.world_id"));
    assert_int_equal(w.id, ZT_WORLD_ID_EARTH);
    assert_int_equal(w.timestamp, tu_u64(V, "default_planet.timestamp"));
    tu_assert_hex(V, "default_planet.updates_must_be_signed_by", w.update_key, 64);
    assert_int_equal(zt__world_verify(&w, w.update_key),
                     tu_bool(V, "default_planet.self_signature_verifies_with_updates_must_be_signed_by"));
    assert_int_equal(w.nroots, json_array_size(roots));
    for (unsigned i = 0; i < w.nroots; i++) {
        json_t *r = json_array_get(roots, i);
        json_t *eps = tu_get(r, "endpoints");
        assert_true(zt__identity_to_string(&w.roots[i].identity, false, text, sizeof(text)) > 0);
        assert_string_equal(text, tu_str(r, "identity"));
        assert_int_equal(zt__identity_validate(&w.roots[i].identity, NULL) == 0,
                         tu_bool(r, "locally_valid"));
        assert_int_equal(w.roots[i].nendpoints, json_array_size(eps));
        for (unsigned j = 0; j < w.roots[i].nendpoints; j++) {
            char ep[ZT_INETADDR_STR_MAX];
            zt_inetaddr want;
            const char *s = json_string_value(json_array_get(eps, j));
            assert_int_equal(zt__inetaddr_parse(&want, s, strlen(s)), 0);
            assert_true(zt__inetaddr_equal(&want, &w.roots[i].endpoints[j]));
            assert_true(zt__inetaddr_format(&w.roots[i].endpoints[j], ep, sizeof(ep)) > 0);
        }
    }
}

static void test_peer_cache(void **state)
{
    size_t n;
    uint8_t *rec = tu_hex(V, "peer_cache.contents", &n);
    uint8_t out[ZT_PEERCACHE_MAX_LEN];
    zt_identity b = identity_of(tu_str(V, "agreement.b_identity_secret_string"));
    zt_peercache pc;
    char name[16];
    (void)state;

    assert_int_equal(zt__peercache_parse(&pc, rec, n), 0);
    assert_true(zt__identity_equal(&pc.identity, &b));
    assert_int_equal(pc.proto_version, 12);
    assert_int_equal(pc.npaths, 2);
    assert_int_equal(zt__peercache_write(&pc, out, sizeof(out)), n);
    assert_memory_equal(out, rec, n);
    zt__peercache_filename(pc.identity.address, name);
    assert_string_equal(name, tu_str(V, "peer_cache.file_name"));
    rec[0] = 3;
    assert_int_equal(zt__peercache_parse(&pc, rec, n), ZT_ERR_UNSUPPORTED);
    rec[0] = 2;
    assert_int_equal(zt__peercache_parse(&pc, rec, n - 1), ZT_ERR_TRUNCATED);
    free(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identities),
        cmocka_unit_test(test_identity_reserved),
        cmocka_unit_test(test_agreement),
        cmocka_unit_test(test_signature),
        cmocka_unit_test(test_hello_suite0),
        cmocka_unit_test(test_suite1_packets),
        cmocka_unit_test(test_ok_hello_fields),
        cmocka_unit_test(test_suite3_kdf),
        cmocka_unit_test(test_suite3_packets),
        cmocka_unit_test(test_fragmentation),
        cmocka_unit_test(test_lz4),
        cmocka_unit_test(test_planet_and_moon),
        cmocka_unit_test(test_default_planet),
        cmocka_unit_test(test_peer_cache),
    };
    int rv;

    if (zt__crypto_init() != 0)
        return 1;
    V = tu_load_json("vl1.json");
    rv = cmocka_run_group_tests_name("vectors.vl1", tests, NULL, NULL);
    json_decref(V);
    return rv;
}
