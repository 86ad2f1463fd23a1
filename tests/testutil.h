/*
 * testutil.h: helpers shared by the test programs (never linked into src/): cmocka includes,
 * loading the vector JSON, and hex fields as bytes.
 */
#ifndef ZT_TESTS_TESTUTIL_H
#define ZT_TESTS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "crypto/crypto.h"
#include "util/hex.h"

/* Loads tests/vectors/<name> or fails the test. */
static inline json_t *tu_load_json(const char *name)
{
    char path[512];
    json_error_t err;
    json_t *j;

    snprintf(path, sizeof(path), "%s/vectors/%s", ZT_TEST_DATA, name);
    j = json_load_file(path, 0, &err);
    if (j == NULL)
        fail_msg("cannot load %s: %s (line %d)", path, err.text, err.line);
    return j;
}

/* Object member by a dotted path ("planet.serialized"); fails the test if absent. */
static inline json_t *tu_get(json_t *root, const char *path)
{
    char buf[256], *save = NULL, *tok;
    json_t *j = root;

    snprintf(buf, sizeof(buf), "%s", path);
    for (tok = strtok_r(buf, ".", &save); tok != NULL; tok = strtok_r(NULL, ".", &save)) {
        j = json_object_get(j, tok);
        if (j == NULL)
            fail_msg("vector field %s missing", path);
    }
    return j;
}

static inline const char *tu_str(json_t *root, const char *path)
{
    json_t *j = tu_get(root, path);
    if (!json_is_string(j))
        fail_msg("vector field %s is not a string", path);
    return json_string_value(j);
}

static inline uint64_t tu_u64(json_t *root, const char *path)
{
    json_t *j = tu_get(root, path);
    if (!json_is_integer(j))
        fail_msg("vector field %s is not an integer", path);
    return (uint64_t)json_integer_value(j);
}

static inline int tu_bool(json_t *root, const char *path)
{
    json_t *j = tu_get(root, path);
    if (!json_is_boolean(j))
        fail_msg("vector field %s is not a boolean", path);
    return json_is_true(j);
}

/* Decodes a hex string into a malloc'd buffer; *len gets its size.  Caller frees. */
static inline uint8_t *tu_hex_of(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    uint8_t *out = malloc(n / 2 + 1);
    zt_ssize got;

    assert_non_null(out);
    got = zt__hex_decode(out, n / 2 + 1, hex, n);
    if (got < 0)
        fail_msg("bad hex in vector: %.40s", hex);
    *len = (size_t)got;
    return out;
}

static inline uint8_t *tu_hex(json_t *root, const char *path, size_t *len)
{
    return tu_hex_of(tu_str(root, path), len);
}

/* Asserts |got| equals the hex field |path|. */
static inline void tu_assert_hex(json_t *root, const char *path, const void *got, size_t len)
{
    size_t n;
    uint8_t *want = tu_hex(root, path, &n);
    if (n != len)
        fail_msg("%s: length %zu, expected %zu", path, len, n);
    if (memcmp(want, got, n) != 0) {
        for (size_t i = 0; i < n; i++)
            if (want[i] != ((const uint8_t *)got)[i]) {
                free(want);
                fail_msg("%s: first difference at byte %zu", path, i);
            }
    }
    free(want);
}

#endif
