/*
 * dictionary.h: the key=value text format of network configs and config-request metadata
 * (vl2.md §4.1).
 *
 * Reader: a zt_dict is a view over a borrowed buffer; nothing is copied or allocated, and
 * every lookup scans the text (a config has ~25 keys, so that is cheap).  The text ends at
 * the buffer's end or at its first NUL byte, whichever comes first (1.14.1 keeps dictionaries
 * as C strings).  Entries are separated by LF or CR; a line without `=` is ignored.  Lookup
 * is by exact key, and the first occurrence wins.
 *
 * Writer: appends entries to a zt_wr (util/buf.h) sized by the caller, normally
 * ZT_DICT_CONFIG_MAX or ZT_DICT_METADATA_MAX bytes.  Entries are separated by a single LF;
 * there is no trailing LF.  An entry that does not fit is not written at all and the writer's
 * overflow flag is set.
 */
#ifndef ZT_CORE_DICTIONARY_H
#define ZT_CORE_DICTIONARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/wire/vl2.h"
#include "util/buf.h"
#include "util/errors.h"

typedef struct zt_dict {
    const uint8_t *data; /* borrowed */
    size_t len;          /* up to (not including) the first NUL */
} zt_dict;

/* One entry, pointing into the dictionary text.  |val| is still escaped. */
typedef struct zt_dict_entry {
    const uint8_t *key;
    size_t key_len;
    const uint8_t *val;
    size_t val_len;
} zt_dict_entry;

/* Makes |d| a view of |data| (borrowed; must outlive |d|). */
void zt__dict_init(zt_dict *d, const void *data, size_t len);

/* Iterates over the entries in text order: start with *pos = 0; returns false at the end. */
bool zt__dict_next(const zt_dict *d, size_t *pos, zt_dict_entry *e);

/* First entry whose key is exactly |key| (NUL-terminated).  Returns 0 or ZT_ERR_NOTFOUND. */
int zt__dict_find(const zt_dict *d, const char *key, zt_dict_entry *e);
bool zt__dict_has(const zt_dict *d, const char *key);

/* Length of the escaped value |val| once unescaped (§4.1: `\r` `\n` `\0` `\e`, `\` + any
 * other byte is that byte, and a lone `\` at the very end yields nothing). */
size_t zt__dict_unescaped_len(const uint8_t *val, size_t val_len);
/* Unescapes |val| into |out| (capacity |cap|).  Returns the length or ZT_ERR_NOSPACE. */
zt_ssize zt__dict_unescape(const uint8_t *val, size_t val_len, uint8_t *out, size_t cap);

/* The unescaped value of |key| into |out| (capacity |cap|, not NUL-terminated).  Returns its
 * length, ZT_ERR_NOTFOUND or ZT_ERR_NOSPACE (nothing useful written). */
zt_ssize zt__dict_get(const zt_dict *d, const char *key, void *out, size_t cap);

/* Typed readers (§4.1).  A missing key or an empty value gives |dflt|.
 * - u64: like strtoull(v, 16) on the first ZT_DICT_INT_MAX_CHARS unescaped bytes: leading
 *   white space, an optional sign (`-` negates modulo 2^64), an optional `0x`, then hex digits
 *   of either case up to the first other byte; no digits gives 0; overflow gives UINT64_MAX.
 * - bool: true iff the first byte is `1`, `t` or `T`.
 * - address: the u64 reading masked to 40 bits. */
uint64_t zt__dict_get_u64(const zt_dict *d, const char *key, uint64_t dflt);
bool zt__dict_get_bool(const zt_dict *d, const char *key, bool dflt);
uint64_t zt__dict_get_address(const zt_dict *d, const char *key, uint64_t dflt);

/* Writers.  |key| must be non-empty and free of `=`, CR, LF and NUL.  Each returns 0,
 * ZT_ERR_INVAL (bad key) or ZT_ERR_NOSPACE (the entry did not fit; nothing was written and
 * w->overflow is set, so zt__wr_finish() reports it too). */
int zt__dict_add(zt_wr *w, const char *key, const void *val, size_t len); /* escaped bytes */
int zt__dict_add_str(zt_wr *w, const char *key, const char *s);
int zt__dict_add_u64(zt_wr *w, const char *key, uint64_t v);   /* 16 lowercase hex digits */
/* 1.14.1's signed writer: the magnitude as 16 hex digits, the minus sign lost (§4.1). */
int zt__dict_add_i64(zt_wr *w, const char *key, int64_t v);
int zt__dict_add_bool(zt_wr *w, const char *key, bool v);       /* `1` or `0` */
int zt__dict_add_address(zt_wr *w, const char *key, uint64_t a); /* 10 lowercase hex digits */

#endif
