/*
 * fuzz_dictionary: the dictionary text format (vl2.md §4.1).  For every entry the reader
 * finds: lookup by its key returns the first entry with that key; the unescaped length is
 * what unescaping produces, and one byte less of room fails cleanly.  Writing every entry
 * back (canonical escapes) and reading the result gives the same keys and values in order.
 * The typed readers and the request-metadata reader must not crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/configchunk.h"
#include "codec/dictionary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENTRIES 4096

static void check_entry(const zt_dict *d, const zt_dict_entry *e, uint8_t *val, size_t *vlen)
{
    zt_dict_entry first;
    char key[256];
    size_t n = zt__dict_unescaped_len(e->val, e->val_len);
    zt_ssize got;

    if (n > e->val_len)
        abort();
    got = zt__dict_unescape(e->val, e->val_len, val, n);
    if (got != (zt_ssize)n)
        abort();
    if (n > 0 && zt__dict_unescape(e->val, e->val_len, val, n - 1) != ZT_ERR_NOSPACE)
        abort();
    *vlen = n;

    if (e->key_len == 0 || e->key_len >= sizeof(key) || memchr(e->key, 0, e->key_len) != NULL)
        return;
    memcpy(key, e->key, e->key_len);
    key[e->key_len] = '\0';
    if (zt__dict_find(d, key, &first) != 0)
        abort();
    if (first.key_len != e->key_len || memcmp(first.key, e->key, e->key_len) != 0 ||
        first.key > e->key)
        abort();
    (void)zt__dict_get_u64(d, key, 0);
    (void)zt__dict_get_bool(d, key, false);
    (void)zt__dict_get_address(d, key, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zt_dict d, again;
    zt_dict_entry e, e2;
    size_t pos = 0, pos2 = 0, wcap = 2 * size + 16;
    uint8_t *val = malloc(size + 1), *val2 = malloc(size + 1), *out = malloc(wcap);
    zt_wr w;
    unsigned count = 0;
    zt_config_meta meta;

    if (val == NULL || val2 == NULL || out == NULL)
        abort();
    zt__dict_init(&d, data, size);
    if (d.len > size)
        abort();

    /* Pass 1: entries, and a canonical rewrite of those with writable keys. */
    w = zt__wr_make(out, wcap);
    while (zt__dict_next(&d, &pos, &e) && count < MAX_ENTRIES) {
        size_t vlen;
        char key[256];

        if (e.key < data || e.val + e.val_len > data + d.len || pos > d.len)
            abort();
        check_entry(&d, &e, val, &vlen);
        if (e.key_len == 0 || e.key_len >= sizeof(key))
            continue;
        memcpy(key, e.key, e.key_len);
        key[e.key_len] = '\0';
        if (zt__dict_add(&w, key, val, vlen) != 0)
            abort(); /* keys from the reader are valid; 2x + 16 is always room enough */
        count++;
    }

    /* Pass 2: the rewrite reads back entry for entry. */
    zt__dict_init(&again, out, zt__wr_len(&w));
    pos = 0;
    while (zt__dict_next(&d, &pos, &e)) {
        zt_ssize n1, n2;
        if (e.key_len == 0 || e.key_len >= 256)
            continue;
        if (count-- == 0)
            break;
        if (!zt__dict_next(&again, &pos2, &e2))
            abort();
        if (e2.key_len != e.key_len || memcmp(e2.key, e.key, e.key_len) != 0)
            abort();
        n1 = zt__dict_unescape(e.val, e.val_len, val, size + 1);
        n2 = zt__dict_unescape(e2.val, e2.val_len, val2, size + 1);
        if (n1 < 0 || n1 != n2 || memcmp(val, val2, (size_t)n1) != 0)
            abort();
    }

    if (zt__config_meta_read(&meta, data, size) == 0) {
        if (meta.os_arch[sizeof(meta.os_arch) - 1] != 0 || meta.auth[sizeof(meta.auth) - 1] != 0)
            abort();
    } else if (d.len <= ZT_DICT_METADATA_MAX) {
        abort();
    }
    free(out);
    free(val2);
    free(val);
    return 0;
}
