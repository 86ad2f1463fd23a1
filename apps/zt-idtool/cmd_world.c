/* zt-idtool's world commands: initmoon, genmoon, mkplanet, printworld (service.md §7). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "idtool.h"
#include "io/file.h"
#include "util/hex.h"
#include "worlddef.h"

#define KEYPAIR_FILE_LEN (2 * ZT_IDENTITY_KEY_LEN) /* public || secret, as mkworld keeps them */

static json_t *hex_json(const uint8_t *data, size_t len)
{
    char buf[2 * ZT_IDENTITY_KEY_LEN + 1];
    json_t *s;
    (void)zt__hex_encode(buf, sizeof(buf), data, len);
    s = json_string(buf);
    zt__wipe(buf, sizeof(buf));
    return s;
}

int cmd_initmoon(int argc, char **argv)
{
    uint8_t pub[ZT_IDENTITY_KEY_LEN], sec[ZT_IDENTITY_KEY_LEN];
    char addr[11], ids[ZT_IDENTITY_STR_MAX + 1], *text;
    json_t *o, *root, *roots;
    zt_identity id;

    if (argc != 2)
        return idtool_usage("initmoon");
    if (idtool_load_identity(argv[1], &id) != 0)
        return EXIT_FAIL;
    zt__keypair_generate(pub, sec);
    zt__address_to_string(id.address, addr);
    (void)zt__identity_to_string(&id, false, ids, sizeof(ids));
    zt__identity_clear(&id);

    o = json_object();
    roots = json_array();
    root = json_object();
    json_object_set_new(root, "identity", json_string(ids));
    json_object_set_new(root, "stableEndpoints", json_array());
    json_array_append_new(roots, root);
    json_object_set_new(o, "id", json_string(addr));
    json_object_set_new(o, "objtype", json_string("world"));
    json_object_set_new(o, "roots", roots);
    json_object_set_new(o, "signingKey", hex_json(pub, sizeof(pub)));
    json_object_set_new(o, "signingKey_SECRET", hex_json(sec, sizeof(sec)));
    json_object_set_new(o, "updatesMustBeSignedBy", hex_json(pub, sizeof(pub)));
    json_object_set_new(o, "worldType", json_string("moon"));
    text = json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(o);
    zt__wipe(sec, sizeof(sec));
    if (text == NULL) {
        idtool_error("out of memory");
        return EXIT_FAIL;
    }
    printf("%s\n", text);
    zt__wipe(text, strlen(text));
    free(text);
    return EXIT_OK;
}

/* Reads a definition file; prints errors; returns 0 or -1. */
static int load_def(const char *path, uint8_t default_type, zt_worlddef *def)
{
    char err[256];
    uint8_t *text;
    size_t len;
    int rv;

    if (idtool_read_file(path, ZT_WORLDDEF_MAX_TEXT, "a world definition", &text, &len) != 0)
        return -1;
    rv = zt__worlddef_parse(def, (const char *)text, len, default_type, err, sizeof(err));
    zt__wipe(text, len);
    free(text);
    if (rv != 0) {
        idtool_error("%s: %s", path, rv == ZT_ERR_NOMEM ? "out of memory" : err);
        return -1;
    }
    return 0;
}

/* Signs and writes |w|; prints errors; returns 0 or -1. */
static int sign_and_write(zt_world *w, const uint8_t sec[ZT_IDENTITY_KEY_LEN], const char *path)
{
    uint8_t buf[ZT_WORLD_MAX_SERIALIZED];
    zt_ssize n;

    if (zt__world_sign(w, sec) != 0 || (n = zt__world_write(w, false, buf, sizeof(buf))) < 0) {
        idtool_error("the world does not fit in %d bytes", ZT_WORLD_MAX_SERIALIZED);
        return -1;
    }
    return idtool_write_file(path, buf, (size_t)n, 0644);
}

int cmd_genmoon(int argc, char **argv)
{
    char path[32];
    zt_worlddef def;
    int rv = EXIT_FAIL;

    if (argc != 2)
        return idtool_usage("genmoon");
    if (load_def(argv[1], 0, &def) != 0)
        return EXIT_FAIL;
    /* Only moons: a planet under a .moon name would be refused by every node that loads it
     * (and zerotier-idtool's habit of writing one is a trap); planets come from mkplanet. */
    if (def.world.type != ZT_WORLD_TYPE_MOON) {
        idtool_error("%s: worldType is \"planet\"; genmoon writes moons only (use mkplanet "
                     "for a planet)", argv[1]);
        goto out;
    }
    if (!def.has_signing_key) {
        idtool_error("%s: needs signingKey_SECRET to sign the world", argv[1]);
        goto out;
    }
    if (!def.has_update_key)
        memcpy(def.world.update_key, def.signing_pub, ZT_IDENTITY_KEY_LEN);
    if (idtool_world_timestamp(0, &def.world.timestamp) != 0)
        goto out;
    snprintf(path, sizeof(path), "%016llx.moon", (unsigned long long)def.world.id);
    if (sign_and_write(&def.world, def.signing_sec, path) != 0)
        goto out;
    printf("wrote %s (signed world with timestamp %llu)\n", path,
           (unsigned long long)def.world.timestamp);
    rv = EXIT_OK;
out:
    zt__worlddef_clear(&def);
    return rv;
}

/* Loads a 128-byte public||secret key file and checks that the halves belong together. */
static int load_keypair(const char *path, uint8_t pub[ZT_IDENTITY_KEY_LEN],
                        uint8_t sec[ZT_IDENTITY_KEY_LEN])
{
    uint8_t *data, check[ZT_IDENTITY_KEY_LEN];
    size_t len;
    int rv = -1;

    if (idtool_read_file(path, KEYPAIR_FILE_LEN, "a key pair file", &data, &len) != 0)
        return -1;
    if (len != KEYPAIR_FILE_LEN) {
        idtool_error("%s: a key pair file holds exactly %d bytes (public, then secret)", path,
                     KEYPAIR_FILE_LEN);
        goto out;
    }
    memcpy(pub, data, ZT_IDENTITY_KEY_LEN);
    memcpy(sec, data + ZT_IDENTITY_KEY_LEN, ZT_IDENTITY_KEY_LEN);
    zt__keypair_public(sec, check);
    if (memcmp(check, pub, sizeof(check)) != 0) {
        idtool_error("%s: the public half does not match the secret half", path);
        goto out;
    }
    rv = 0;
out:
    zt__wipe(data, len);
    free(data);
    return rv;
}

static int create_keypairs(const char *previous, const char *current)
{
    uint8_t pair[KEYPAIR_FILE_LEN];
    int rv;

    zt__keypair_generate(pair, pair + ZT_IDENTITY_KEY_LEN);
    rv = idtool_write_file(previous, pair, sizeof(pair), 0600);
    if (rv == 0)
        rv = idtool_write_file(current, pair, sizeof(pair), 0600);
    zt__wipe(pair, sizeof(pair));
    if (rv == 0)
        fprintf(stderr,
                "zt-idtool: created a new signing key pair in %s and %s; keep them secret and "
                "safe: every future update of this planet must be signed with them\n",
                previous, current);
    return rv;
}

/* A world timestamp on the command line: decimal digits only (no sign, no blanks), 1 to
 * IDTOOL_MAX_TIMESTAMP, checked digit by digit so that nothing can overflow.  0 or -1. */
static int parse_timestamp(const char *text, uint64_t *pts)
{
    uint64_t v = 0;

    if (*text == '\0')
        return -1;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > (uint64_t)IDTOOL_MAX_TIMESTAMP)
            return -1;
    }
    if (v == 0)
        return -1;
    *pts = v;
    return 0;
}

int cmd_mkplanet(int argc, char **argv)
{
    const char *input = NULL, *output = "planet";
    const char *previous = "previous.c25519", *current = "current.c25519";
    uint8_t prev_pub[ZT_IDENTITY_KEY_LEN], prev_sec[ZT_IDENTITY_KEY_LEN];
    uint8_t cur_pub[ZT_IDENTITY_KEY_LEN], cur_sec[ZT_IDENTITY_KEY_LEN];
    uint64_t timestamp = 0;
    zt_worlddef def;
    int rv = EXIT_FAIL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 < argc && strcmp(a, "-o") == 0)
            output = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--previous") == 0)
            previous = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--current") == 0)
            current = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--timestamp") == 0) {
            if (parse_timestamp(argv[++i], &timestamp) != 0) {
                idtool_error("--timestamp %s: not a number of milliseconds from 1 to %lld (the "
                             "end of year 9999)", argv[i], (long long)IDTOOL_MAX_TIMESTAMP);
                return EXIT_USAGE;
            }
        } else if (a[0] != '-' && input == NULL)
            input = a;
        else
            return idtool_usage("mkplanet");
    }
    if (input == NULL)
        return idtool_usage("mkplanet");
    if (load_def(input, ZT_WORLD_TYPE_PLANET, &def) != 0)
        return EXIT_FAIL;
    if (def.world.type != ZT_WORLD_TYPE_PLANET) {
        idtool_error("%s: worldType must be \"planet\" (use genmoon for moons)", input);
        goto out;
    }
    if (access(previous, F_OK) != 0 && access(current, F_OK) != 0 &&
        create_keypairs(previous, current) != 0)
        goto out;
    if (load_keypair(previous, prev_pub, prev_sec) != 0 ||
        load_keypair(current, cur_pub, cur_sec) != 0)
        goto out;
    /* The previous key signs this revision; the current key must sign the next one. */
    memcpy(def.world.update_key, cur_pub, ZT_IDENTITY_KEY_LEN);
    if (idtool_world_timestamp(timestamp, &def.world.timestamp) != 0 ||
        sign_and_write(&def.world, prev_sec, output) != 0)
        goto out;
    printf("wrote %s (signed planet %016llx with timestamp %llu, %u root%s)\n", output,
           (unsigned long long)def.world.id, (unsigned long long)def.world.timestamp,
           def.world.nroots, def.world.nroots == 1 ? "" : "s");
    rv = EXIT_OK;
out:
    zt__wipe(prev_sec, sizeof(prev_sec));
    zt__wipe(cur_sec, sizeof(cur_sec));
    zt__worlddef_clear(&def);
    return rv;
}

int cmd_printworld(int argc, char **argv)
{
    uint8_t *data;
    size_t len;
    zt_world w;
    char *text;
    int rv;

    if (argc != 2)
        return idtool_usage("printworld");
    if (idtool_read_file(argv[1], ZT_WORLD_MAX_SERIALIZED, "a planet or moon file", &data,
                         &len) != 0)
        return EXIT_FAIL;
    rv = zt__world_parse(&w, data, len);
    free(data);
    if (rv != 0) {
        idtool_error("%s is not a planet or moon file (%s)", argv[1], zt__strerror(rv));
        return EXIT_FAIL;
    }
    text = zt__world_to_json(&w);
    if (text == NULL) {
        idtool_error("out of memory");
        return EXIT_FAIL;
    }
    printf("%s\n", text);
    free(text);
    return EXIT_OK;
}
