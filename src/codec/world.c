/* Worlds: vl1.md §6. */
#include "codec/world.h"

#include <string.h>

static void write_body(zt_wr *w, const zt_world *world, bool with_signature)
{
    zt__wr_u8(w, world->type);
    zt__wr_u64(w, world->id);
    zt__wr_u64(w, world->timestamp);
    zt__wr_bytes(w, world->update_key, ZT_IDENTITY_KEY_LEN);
    if (with_signature)
        zt__wr_bytes(w, world->signature, ZT_SIGNATURE_LEN);
    zt__wr_u8(w, (uint8_t)world->nroots);
    for (unsigned i = 0; i < world->nroots; i++) {
        const zt_world_root *root = &world->roots[i];
        zt__identity_write(w, &root->identity, false);
        zt__wr_u8(w, (uint8_t)root->nendpoints);
        for (unsigned j = 0; j < root->nendpoints; j++)
            zt__inetaddr_write(w, &root->endpoints[j]);
    }
    if (world->type == ZT_WORLD_TYPE_MOON) {
        zt__wr_u16(w, world->dict_len);
        zt__wr_bytes(w, world->dict, world->dict_len);
    }
}

zt_ssize zt__world_write(const zt_world *world, bool for_signing, uint8_t *out, size_t cap)
{
    static const uint8_t head[8] = {0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f};
    static const uint8_t tail[8] = {0xf7, 0xf7, 0xf7, 0xf7, 0xf7, 0xf7, 0xf7, 0xf7};
    zt_wr w = zt__wr_make(out, cap);

    if (world->nroots > ZT_WORLD_MAX_ROOTS || world->dict_len > ZT_WORLD_MAX_DICT)
        return ZT_ERR_RANGE;
    for (unsigned i = 0; i < world->nroots; i++)
        if (world->roots[i].nendpoints > ZT_WORLD_MAX_ENDPOINTS)
            return ZT_ERR_RANGE;
    if (for_signing)
        zt__wr_bytes(&w, head, sizeof(head));
    write_body(&w, world, !for_signing);
    if (for_signing)
        zt__wr_bytes(&w, tail, sizeof(tail));
    return zt__wr_finish(&w);
}

int zt__world_read(zt_rd *r, zt_world *world)
{
    uint8_t n;
    int rv;

    memset(world, 0, sizeof(*world));
    if ((rv = zt__rd_u8(r, &world->type)) != 0)
        return rv;
    if (world->type != ZT_WORLD_TYPE_PLANET && world->type != ZT_WORLD_TYPE_MOON)
        return ZT_ERR_INVAL;
    if ((rv = zt__rd_u64(r, &world->id)) != 0 || (rv = zt__rd_u64(r, &world->timestamp)) != 0 ||
        (rv = zt__rd_bytes(r, world->update_key, ZT_IDENTITY_KEY_LEN)) != 0 ||
        (rv = zt__rd_bytes(r, world->signature, ZT_SIGNATURE_LEN)) != 0 ||
        (rv = zt__rd_u8(r, &n)) != 0)
        return rv;
    if (n > ZT_WORLD_MAX_ROOTS)
        return ZT_ERR_INVAL;
    world->nroots = n;
    for (unsigned i = 0; i < world->nroots; i++) {
        zt_world_root *root = &world->roots[i];
        if ((rv = zt__identity_read(r, &root->identity)) != 0)
            return rv == ZT_ERR_TRUNCATED ? rv : ZT_ERR_INVAL;
        if (root->identity.has_secret) {
            zt__identity_clear(&root->identity);
            return ZT_ERR_INVAL; /* a world never carries secrets */
        }
        if ((rv = zt__rd_u8(r, &n)) != 0)
            return rv;
        if (n > ZT_WORLD_MAX_ENDPOINTS)
            return ZT_ERR_INVAL;
        root->nendpoints = n;
        for (unsigned j = 0; j < root->nendpoints; j++)
            if ((rv = zt__inetaddr_read(r, &root->endpoints[j])) != 0)
                return rv;
    }
    if (world->type == ZT_WORLD_TYPE_MOON) {
        if ((rv = zt__rd_u16(r, &world->dict_len)) != 0)
            return rv;
        if (world->dict_len > ZT_WORLD_MAX_DICT)
            return zt__rd_left(r) < world->dict_len ? ZT_ERR_TRUNCATED : ZT_ERR_RANGE;
        if ((rv = zt__rd_bytes(r, world->dict, world->dict_len)) != 0)
            return rv;
    }
    return 0;
}

int zt__world_parse(zt_world *world, const uint8_t *data, size_t len)
{
    zt_rd r = zt__rd_make(data, len);
    int rv;

    if (len > ZT_WORLD_MAX_SERIALIZED)
        return ZT_ERR_RANGE;
    rv = zt__world_read(&r, world);
    if (rv == 0 && zt__rd_left(&r) != 0)
        rv = ZT_ERR_INVAL; /* trailing bytes */
    return rv;
}

int zt__world_sign(zt_world *world, const uint8_t sec[ZT_IDENTITY_KEY_LEN])
{
    uint8_t msg[ZT_WORLD_MAX_SERIALIZED + 16];
    zt_ssize n = zt__world_write(world, true, msg, sizeof(msg));

    if (n < 0)
        return (int)n;
    zt__signature_sign(sec, msg, (size_t)n, world->signature);
    return 0;
}

bool zt__world_verify(const zt_world *world, const uint8_t key[ZT_IDENTITY_KEY_LEN])
{
    uint8_t msg[ZT_WORLD_MAX_SERIALIZED + 16];
    zt_ssize n = zt__world_write(world, true, msg, sizeof(msg));

    if (n < 0)
        return false;
    return zt__signature_verify(key, msg, (size_t)n, world->signature, ZT_SIGNATURE_LEN);
}

bool zt__world_should_replace(const zt_world *held, const zt_world *candidate)
{
    if (held == NULL || held->type == ZT_WORLD_TYPE_NULL)
        return true;
    return candidate->id == held->id && candidate->type == held->type &&
           candidate->timestamp > held->timestamp &&
           zt__world_verify(candidate, held->update_key);
}
