/*
 * ctl_roots.c: zts_util_sign_root_set (api-modern.md §5.11): a signed planet built from a
 * zts_root_set_t, for zts_init_set_roots.  The signing keys are mkworld's and zt-idtool
 * mkplanet's key files in the current directory (docs/idtool.md): previous.c25519 signs this
 * revision, current.c25519's public half becomes the update key; each holds 128 bytes, the
 * public half then the secret half.  If either file is missing one fresh pair serves as both
 * and nothing is written.
 */
#include "modern/ctl_internal.h"

#include "crypto/crypto.h"

#include <stdlib.h>
#include <string.h>

#include "codec/world.h"
#include "io/file.h"

#define KEYPAIR_LEN (2 * ZT_IDENTITY_KEY_LEN)

/* One key file into |pair| (public then secret, checked to match).  Returns 0,
 * ZT_ERR_NOTFOUND or ZT_ERR_INVAL (wrong size, unreadable, halves that do not match). */
static int load_pair(const char *path, uint8_t pair[KEYPAIR_LEN])
{
    uint8_t *data = NULL, check[ZT_IDENTITY_KEY_LEN];
    size_t len = 0;
    int rv = zt__io_read_file(path, KEYPAIR_LEN, &data, &len);

    if (rv == ZT_ERR_NOTFOUND)
        return rv;
    if (rv != 0 || len != KEYPAIR_LEN) {
        rv = ZT_ERR_INVAL;
        goto out;
    }
    zt__keypair_public(data + ZT_IDENTITY_KEY_LEN, check);
    rv = memcmp(check, data, sizeof(check)) == 0 ? 0 : ZT_ERR_INVAL;
    if (rv == 0)
        memcpy(pair, data, KEYPAIR_LEN);
out:
    if (data != NULL)
        zt__wipe(data, len);
    free(data);
    return rv;
}

/* The previous and current pairs (a fresh one for both if either file is missing). */
static int load_pairs(uint8_t prev[KEYPAIR_LEN], uint8_t curr[KEYPAIR_LEN])
{
    int a = load_pair("previous.c25519", prev);
    int b = a == ZT_ERR_INVAL ? a : load_pair("current.c25519", curr);

    if (a == ZT_ERR_INVAL || b == ZT_ERR_INVAL)
        return ZT_ERR_INVAL;
    if (a == ZT_ERR_NOTFOUND || b == ZT_ERR_NOTFOUND) {
        zt__keypair_generate(prev, prev + ZT_IDENTITY_KEY_LEN);
        memcpy(curr, prev, KEYPAIR_LEN);
    }
    return 0;
}

/* "<ip>/<port>" into |out|; false if it is not one. */
static bool parse_endpoint(const char *s, zt_inetaddr *out)
{
    char ip_text[ZTS_INET6_ADDRSTRLEN];
    const char *slash = strrchr(s, '/');
    uint8_t ip[16];
    unsigned long port = 0;
    size_t n;
    int family;

    if (slash == NULL || (n = (size_t)(slash - s)) == 0 || n >= sizeof(ip_text))
        return false;
    memcpy(ip_text, s, n);
    ip_text[n] = '\0';
    for (const char *p = slash + 1; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || (port = port * 10 + (unsigned long)(*p - '0')) > 65535)
            return false;
    }
    family = zt__modern_parse_ip(ip_text, ip);
    if (port == 0 || family == 0)
        return false;
    if (family == 4)
        zt__inetaddr_set4(out, ip, (uint16_t)port);
    else
        zt__inetaddr_set6(out, ip, (uint16_t)port);
    return true;
}

/* The roots of |spec| into |w|; false on a bad identity or endpoint, or too many. */
static bool add_roots(zt_world *w, const zts_root_set_t *spec)
{
    for (unsigned i = 0; i < ZTS_MAX_NUM_ROOTS && spec->public_id_str[i] != NULL; i++) {
        zt_world_root *root;
        const char *text = spec->public_id_str[i];
        if (i >= ZT_WORLD_MAX_ROOTS)
            return false; /* a world holds at most 4 roots (§4.4) */
        root = &w->roots[w->nroots++];
        if (zt__identity_from_string(&root->identity, text, strnlen(text, ZTS_ID_STR_BUF_LEN)) != 0)
            return false;
        zt__identity_clear(&root->identity); /* public only, whatever the text held */
        if (zt__identity_validate(&root->identity, NULL) != 0)
            return false;
        for (unsigned k = 0; k < ZTS_MAX_ENDPOINTS_PER_ROOT && spec->endpoint_ip_str[i][k] != NULL;
             k++) {
            if (k >= ZT_WORLD_MAX_ENDPOINTS ||
                !parse_endpoint(spec->endpoint_ip_str[i][k], &root->endpoints[root->nendpoints++]))
                return false;
        }
    }
    return w->nroots > 0;
}

/* Builds and signs the planet into |out| (at most ZTS_STORE_DATA_LEN bytes, the most
 * zts_init_set_roots takes).  Returns its length, or ZTS_ERR_ARG / ZTS_ERR_GENERAL. */
static int build(uint64_t id, uint64_t ts, const zts_root_set_t *spec,
                 const uint8_t prev[KEYPAIR_LEN], const uint8_t curr[KEYPAIR_LEN], uint8_t *out)
{
    zt_world *w = calloc(2, sizeof(*w)); /* the planet and its re-parsed check */
    zt_ssize n;
    int rv;

    if (w == NULL)
        return ZTS_ERR_GENERAL;
    w->type = ZT_WORLD_TYPE_PLANET;
    w->id = id;
    w->timestamp = ts;
    memcpy(w->update_key, curr, ZT_IDENTITY_KEY_LEN);
    if (!add_roots(w, spec)) {
        rv = ZTS_ERR_ARG;
        goto out;
    }
    n = zt__world_sign(w, prev + ZT_IDENTITY_KEY_LEN) != 0
            ? ZT_ERR_INVAL
            : zt__world_write(w, false, out, ZTS_STORE_DATA_LEN);
    if (n == ZT_ERR_NOSPACE) {
        rv = ZTS_ERR_ARG; /* larger than any planet zts_init_set_roots accepts */
        goto out;
    }
    /* The self-check: it parses back and its signature verifies under the previous key. */
    rv = n > 0 && zt__world_parse(&w[1], out, (size_t)n) == 0 && zt__world_verify(&w[1], prev)
             ? (int)n
             : ZTS_ERR_GENERAL;
out:
    free(w);
    return rv;
}

int zts_util_sign_root_set(char *roots_out, unsigned int *roots_len, char *prev_key,
                           unsigned int *prev_key_len, char *curr_key, unsigned int *curr_key_len,
                           uint64_t id, uint64_t ts, zts_root_set_t *roots_spec)
{
    uint8_t prev[KEYPAIR_LEN], curr[KEYPAIR_LEN], *blob;
    int rv;

    if (roots_out == NULL || roots_len == NULL || prev_key == NULL || prev_key_len == NULL ||
        curr_key == NULL || curr_key_len == NULL || roots_spec == NULL)
        return ZTS_ERR_ARG;
    blob = malloc(ZTS_STORE_DATA_LEN);
    if (blob == NULL)
        return ZTS_ERR_GENERAL;
    rv = load_pairs(prev, curr) != 0 ? ZTS_ERR_ARG : build(id, ts, roots_spec, prev, curr, blob);
    if (rv > 0) {
        memcpy(roots_out, blob, (size_t)rv);
        *roots_len = (unsigned int)rv;
        memcpy(prev_key, prev, KEYPAIR_LEN);
        *prev_key_len = KEYPAIR_LEN;
        memcpy(curr_key, curr, KEYPAIR_LEN);
        *curr_key_len = KEYPAIR_LEN;
        rv = ZTS_ERR_OK;
    }
    zt__wipe(prev, sizeof(prev));
    zt__wipe(curr, sizeof(curr));
    free(blob);
    return rv;
}
