#include "worlddef.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "util/hex.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return ZT_ERR_INVAL;
}

static int get_key(json_t *obj, const char *name, uint8_t out[ZT_IDENTITY_KEY_LEN], bool *present,
                   char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, name);
    const char *s;

    *present = false;
    if (v == NULL)
        return 0;
    s = json_string_value(v);
    if (s == NULL || strlen(s) != 2 * ZT_IDENTITY_KEY_LEN ||
        zt__hex_decode(out, ZT_IDENTITY_KEY_LEN, s, strlen(s)) != ZT_IDENTITY_KEY_LEN)
        return fail(err, errlen, "\"%s\" must be %d hex digits", name, 2 * ZT_IDENTITY_KEY_LEN);
    *present = true;
    return 0;
}

static int get_id(json_t *obj, uint64_t *id, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, "id");
    const char *s = json_string_value(v);

    if (json_is_integer(v) && json_integer_value(v) > 0)
        *id = (uint64_t)json_integer_value(v);
    else if (s == NULL || zt__hex_u64(s, strlen(s), id) != 0)
        return fail(err, errlen, "\"id\" must be a hex string of 1 to 16 digits (or a number)");
    if (*id == 0)
        return fail(err, errlen, "\"id\" must not be zero");
    return 0;
}

static int get_type(json_t *obj, uint8_t default_type, uint8_t *type, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, "worldType");
    const char *s = json_string_value(v);

    if (v == NULL && default_type != 0) {
        *type = default_type;
        return 0;
    }
    if (s != NULL && strcmp(s, "moon") == 0)
        *type = ZT_WORLD_TYPE_MOON;
    else if (s != NULL && strcmp(s, "planet") == 0)
        *type = ZT_WORLD_TYPE_PLANET;
    else
        return fail(err, errlen, "invalid worldType (must be \"moon\" or \"planet\")");
    return 0;
}

static int cmp_endpoint(const void *a, const void *b)
{
    return zt__inetaddr_compare(a, b);
}

static int cmp_root(const void *a, const void *b)
{
    const zt_world_root *x = a, *y = b;
    if (x->identity.address != y->identity.address)
        return x->identity.address < y->identity.address ? -1 : 1;
    return memcmp(x->identity.pub, y->identity.pub, ZT_IDENTITY_KEY_LEN);
}

static int get_root(json_t *v, unsigned idx, zt_world_root *root, char *err, size_t errlen)
{
    json_t *eps = json_object_get(v, "stableEndpoints");
    const char *ids = json_string_value(json_object_get(v, "identity"));
    int rv;

    if (!json_is_object(v) || ids == NULL)
        return fail(err, errlen, "roots[%u] needs an \"identity\" string", idx);
    rv = zt__identity_from_string(&root->identity, ids, strlen(ids));
    if (rv != 0)
        return fail(err, errlen, "roots[%u].identity is not an identity (%s)", idx, zt__strerror(rv));
    zt__identity_clear(&root->identity); /* a world carries public identities only */
    rv = zt__identity_validate(&root->identity, NULL);
    if (rv == ZT_ERR_NOMEM)
        return rv;
    if (rv != 0)
        return fail(err, errlen, "roots[%u].identity fails validation", idx);
    if (eps != NULL && !json_is_array(eps))
        return fail(err, errlen, "roots[%u].stableEndpoints must be an array", idx);
    if (json_array_size(eps) > ZT_WORLD_MAX_ENDPOINTS)
        return fail(err, errlen, "roots[%u] has more than %d stable endpoints", idx,
                    ZT_WORLD_MAX_ENDPOINTS);
    root->nendpoints = 0;
    for (size_t j = 0; j < json_array_size(eps); j++) {
        const char *s = json_string_value(json_array_get(eps, j));
        if (s == NULL || zt__inetaddr_parse(&root->endpoints[j], s, strlen(s)) != 0)
            return fail(err, errlen, "roots[%u].stableEndpoints[%zu] is not \"ip/port\"", idx, j);
        root->nendpoints++;
    }
    qsort(root->endpoints, root->nendpoints, sizeof(root->endpoints[0]), cmp_endpoint);
    return 0;
}

int zt__worlddef_parse(zt_worlddef *def, const char *text, size_t len, uint8_t default_type,
                      char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root, *roots;
    zt_world *w = &def->world;
    bool present;
    int rv;

    memset(def, 0, sizeof(*def));
    if (len > ZT_WORLDDEF_MAX_TEXT)
        return fail(err, errlen, "definition is larger than %d bytes", ZT_WORLDDEF_MAX_TEXT);
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return fail(err, errlen, "not valid JSON: %s (line %d)", jerr.text, jerr.line);
    if (!json_is_object(root)) {
        rv = fail(err, errlen, "definition must be a JSON object");
        goto out;
    }
    if ((rv = get_id(root, &w->id, err, errlen)) != 0 ||
        (rv = get_type(root, default_type, &w->type, err, errlen)) != 0 ||
        (rv = get_key(root, "signingKey", def->signing_pub, &present, err, errlen)) != 0 ||
        (rv = get_key(root, "signingKey_SECRET", def->signing_sec, &def->has_signing_key, err,
                      errlen)) != 0 ||
        (rv = get_key(root, "updatesMustBeSignedBy", w->update_key, &def->has_update_key, err,
                      errlen)) != 0)
        goto out;
    if (def->has_signing_key) {
        uint8_t pub[ZT_IDENTITY_KEY_LEN];
        zt__keypair_public(def->signing_sec, pub);
        if (present && memcmp(pub, def->signing_pub, sizeof(pub)) != 0) {
            rv = fail(err, errlen, "signingKey does not match signingKey_SECRET");
            goto out;
        }
        memcpy(def->signing_pub, pub, sizeof(pub));
    }
    roots = json_object_get(root, "roots");
    if (!json_is_array(roots) || json_array_size(roots) == 0 ||
        json_array_size(roots) > ZT_WORLD_MAX_ROOTS) {
        rv = fail(err, errlen, "\"roots\" must be an array of 1 to %d roots", ZT_WORLD_MAX_ROOTS);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(roots); i++) {
        if ((rv = get_root(json_array_get(roots, i), (unsigned)i, &w->roots[i], err, errlen)) != 0)
            goto out;
        w->nroots++;
    }
    qsort(w->roots, w->nroots, sizeof(w->roots[0]), cmp_root);
    for (unsigned i = 1; i < w->nroots; i++)
        if (w->roots[i].identity.address == w->roots[i - 1].identity.address) {
            rv = fail(err, errlen, "the same root is listed twice");
            goto out;
        }
out:
    json_decref(root);
    if (rv != 0)
        zt__worlddef_clear(def);
    return rv;
}

void zt__worlddef_clear(zt_worlddef *def)
{
    zt__wipe(def->signing_sec, sizeof(def->signing_sec));
    def->has_signing_key = false;
}

static json_t *hex_string(const uint8_t *data, size_t len)
{
    char buf[2 * ZT_SIGNATURE_LEN + 1];
    (void)zt__hex_encode(buf, sizeof(buf), data, len);
    return json_string(buf);
}

char *zt__world_to_json(const zt_world *w)
{
    json_t *o = json_object(), *roots = json_array();
    char id[17], *text = NULL;

    if (o == NULL || roots == NULL)
        goto out;
    snprintf(id, sizeof(id), "%016llx", (unsigned long long)w->id);
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "worldType", json_string(w->type == ZT_WORLD_TYPE_MOON ? "moon"
                                                                                  : "planet"));
    json_object_set_new(o, "timestamp", json_integer((json_int_t)w->timestamp));
    json_object_set_new(o, "updatesMustBeSignedBy", hex_string(w->update_key, ZT_IDENTITY_KEY_LEN));
    json_object_set_new(o, "signature", hex_string(w->signature, ZT_SIGNATURE_LEN));
    json_object_set_new(o, "signatureValidForUpdateKey",
                        json_boolean(zt__world_verify(w, w->update_key)));
    for (unsigned i = 0; i < w->nroots; i++) {
        char ids[ZT_IDENTITY_STR_MAX + 1], ep[ZT_INETADDR_STR_MAX];
        json_t *r = json_object(), *eps = json_array();
        (void)zt__identity_to_string(&w->roots[i].identity, false, ids, sizeof(ids));
        json_object_set_new(r, "identity", json_string(ids));
        for (unsigned j = 0; j < w->roots[i].nendpoints; j++)
            if (zt__inetaddr_format(&w->roots[i].endpoints[j], ep, sizeof(ep)) > 0)
                json_array_append_new(eps, json_string(ep));
        json_object_set_new(r, "stableEndpoints", eps);
        json_array_append_new(roots, r);
    }
    json_object_set(o, "roots", roots);
    text = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
out:
    json_decref(roots);
    json_decref(o);
    return text;
}
