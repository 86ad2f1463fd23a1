/*
 * peercache.h: the peers.d record (vl1.md §7, service.md §2.1), so a home directory can be
 * shared with ZeroTier One.
 */
#ifndef ZT_CORE_PEERCACHE_H
#define ZT_CORE_PEERCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "codec/identity.h"
#include "codec/inetaddr.h"

#define ZT_PEERCACHE_VERSION 2
#define ZT_PEERCACHE_MAX_PATHS 64 /* ZT_MAX_PEER_NETWORK_PATHS */
#define ZT_PEERCACHE_MAX_LEN (1 + ZT_IDENTITY_BIN_PUBLIC_LEN + 10 + ZT_PEERCACHE_MAX_PATHS * 19)

typedef struct zt_peercache {
    zt_identity identity; /* public only */
    uint16_t proto_version, major, minor, revision;
    unsigned npaths;
    zt_inetaddr paths[ZT_PEERCACHE_MAX_PATHS];
} zt_peercache;

/* Returns the record length, or ZT_ERR_NOSPACE / ZT_ERR_RANGE (too many paths). */
zt_ssize zt__peercache_write(const zt_peercache *pc, uint8_t *out, size_t cap);
/* Returns 0, ZT_ERR_UNSUPPORTED (other record version: ignore the file), ZT_ERR_TRUNCATED,
 * ZT_ERR_INVAL or ZT_ERR_RANGE (more paths than we keep). */
int zt__peercache_parse(zt_peercache *pc, const uint8_t *data, size_t len);
/* File name "<10 hex>.peer" for |address|. */
void zt__peercache_filename(uint64_t address, char out[16]);

#endif
