/*
 * zt-ctltool: sets up a controller's SQLite store before zt-service starts (tests only; built
 * by tests/integration/vl2.cmake).  Uses the embedding API of include/zts_controller.h.
 *
 *   zt-ctltool [-i IDENTITY.SECRET] DB create-network NWID JSON
 *   zt-ctltool [-i IDENTITY.SECRET] DB authorize NWID NODE
 *
 * create-network creates network NWID (16 hex digits) or updates it with the fields of JSON (a
 * zerotier-one REST body); authorize creates or updates member NODE (10 hex digits) with
 * "authorized": true (pre-authorization is allowed).  The saved object is printed on stdout.
 * The records do not depend on the controller's identity: -i names the controller's
 * identity.secret, else a throwaway identity is generated.  Exit status 0, 1 (failure) or 2
 * (usage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/identity.h"
#include "crypto/crypto.h"
#include "io/clock.h"
#include "util/hex.h"
#include "zts_controller.h"

static int usage(void)
{
    fprintf(stderr, "usage: zt-ctltool [-i IDENTITY.SECRET] DB create-network NWID JSON\n"
                    "       zt-ctltool [-i IDENTITY.SECRET] DB authorize NWID NODE\n");
    return 2;
}

static bool parse_hex(const char *s, size_t digits, uint64_t *out)
{
    return strlen(s) == digits && zt__hex_u64(s, digits, out) == 0 && *out != 0;
}

/* The identity with its secret, in text form, into |out|. */
static int load_identity(const char *path, char *out, size_t cap)
{
    zt_identity id;
    zt_ssize n;

    if (path != NULL) {
        FILE *f = fopen(path, "r");
        size_t got;
        if (f == NULL) {
            perror(path);
            return 1;
        }
        got = fread(out, 1, cap - 1, f);
        fclose(f);
        out[got] = 0;
        return 0;
    }
    if (zt__identity_generate(&id, NULL) != 0)
        return 1;
    n = zt__identity_to_string(&id, true, out, cap);
    zt__identity_clear(&id);
    return n < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *id_path = NULL, *db, *cmd;
    char secret[ZT_IDENTITY_STR_MAX + 64], *json = NULL;
    zts_controller_config cfg;
    zts_controller *ctl = NULL;
    uint64_t nwid, node;
    int64_t now = zt__io_clock_wall_ms();
    int argi = 1, rv;

    if (argc > 2 && strcmp(argv[1], "-i") == 0) {
        id_path = argv[2];
        argi = 3;
    }
    if (argc - argi != 4)
        return usage();
    db = argv[argi];
    cmd = argv[argi + 1];
    if (!parse_hex(argv[argi + 2], 16, &nwid)) {
        fprintf(stderr, "zt-ctltool: bad network ID '%s' (16 hex digits)\n", argv[argi + 2]);
        return 2;
    }
    if (strcmp(cmd, "authorize") == 0 && !parse_hex(argv[argi + 3], 10, &node)) {
        fprintf(stderr, "zt-ctltool: bad node address '%s' (10 hex digits)\n", argv[argi + 3]);
        return 2;
    }
    if (strcmp(cmd, "authorize") != 0 && strcmp(cmd, "create-network") != 0)
        return usage();
    if (zt__crypto_init() != 0 || load_identity(id_path, secret, sizeof(secret)) != 0) {
        fprintf(stderr, "zt-ctltool: no identity\n");
        return 1;
    }
    zts_controller_config_default(&cfg);
    cfg.identity_secret = secret;
    cfg.store_kind = ZTS_CONTROLLER_STORE_SQLITE;
    cfg.store_path = db;
    rv = zts_controller_new(&ctl, &cfg);
    zt__wipe(secret, sizeof(secret));
    if (rv != ZTS_CONTROLLER_OK) {
        fprintf(stderr, "zt-ctltool: cannot open %s (error %d): %s\n", db, rv,
                zts_controller_last_error(NULL));
        return 1;
    }
    if (strcmp(cmd, "create-network") == 0)
        rv = zts_controller_network_set(ctl, nwid, argv[argi + 3], now, &json);
    else
        rv = zts_controller_member_set(ctl, nwid, node, "{\"authorized\":true}", now, &json);
    if (rv != ZTS_CONTROLLER_OK)
        fprintf(stderr, "zt-ctltool: %s failed (error %d): %s\n", cmd, rv,
                zts_controller_last_error(ctl));
    else
        printf("%s\n", json);
    zts_controller_free(json);
    zts_controller_del(ctl);
    return rv == ZTS_CONTROLLER_OK ? 0 : 1;
}
