/*
 * runner_ctl.c: the network controller beside a runner's node (runner.h cfg.controller,
 * zt__runner_controller_attach): where its records are (HOME/controller.d/controller.sqlite3,
 * or local.conf's controllerDbPath: another SQLite file or a PostgreSQL database) and the
 * handle opened on them with the node's identity.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "zts_controller.h"

#include "controller/store.h"
#include "crypto/crypto.h"
#include "sdk/home.h"
#include "sdk/runner_internal.h"
#include "util/errors.h"

/* local.conf's controllerDbPath naming a PostgreSQL database ("postgres:<conninfo>", as
 * zerotier-one writes it, or a postgresql:// URL): the libpq connection string, else NULL. */
const char *zt__runner_controller_db_pg(const char *db)
{
    if (strncmp(db, "postgres:", 9) == 0 && strncmp(db, "postgres://", 11) != 0)
        return db + 9;
    if (strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0)
        return db;
    return NULL;
}

/* Where the controller's records are: HOME/controller.d/controller.sqlite3, or local.conf's
 * controllerDbPath (a file, relative to the home, or a PostgreSQL database). */
static int controller_store(zt_runner *r, char *path, size_t cap, int *kind, char *err,
                            size_t errlen)
{
    char dir[ZT_HOME_PATH_MAX];
    const char *db = r->local.controller_db, *pg = zt__runner_controller_db_pg(db);

    *kind = pg != NULL ? ZTS_CONTROLLER_STORE_POSTGRESQL : ZTS_CONTROLLER_STORE_SQLITE;
    if (pg != NULL) {
        if ((size_t)snprintf(path, cap, "%s", pg) >= cap) {
            zt__err_set(err, errlen, "controllerDbPath too long");
            return ZT_ERR_INVAL;
        }
        return 0;
    }
    if ((size_t)snprintf(dir, sizeof(dir), "%s/controller.d", r->home) >= sizeof(dir) ||
        (size_t)snprintf(path, cap, "%s/" ZT_STORE_SQLITE_DEFAULT_NAME, dir) >= cap) {
        zt__err_set(err, errlen, "home directory path too long");
        return ZT_ERR_INVAL;
    }
    if (db[0] != 0 && (size_t)snprintf(path, cap, "%s%s%s", db[0] == '/' ? "" : r->home,
                                       db[0] == '/' ? "" : "/", db) >= cap) {
        zt__err_set(err, errlen, "controllerDbPath too long");
        return ZT_ERR_INVAL;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        zt__err_set(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return ZT_ERR_IO;
    }
    return 0;
}

/* Opens a handle on the controller store beside the node: the node's identity, records
 * where controller_store() says (runner_internal.h). */
int zt__runner_open_controller(zt_runner *r, struct zts_controller **pctl, char *err,
                               size_t errlen)
{
    char path[ZT_HOME_PATH_MAX], secret[ZT_IDENTITY_STR_MAX + 1];
    zts_controller_config ccfg;
    int rv, kind;

    if (r->home == NULL) {
        zt__err_set(err, errlen, "no home directory for a controller store");
        return ZT_ERR_INVAL;
    }
    if ((rv = controller_store(r, path, sizeof(path), &kind, err, errlen)) != 0)
        return rv;
    if (zt__identity_to_string(&r->id, true, secret, sizeof(secret)) < 0) {
        zt__err_set(err, errlen, "cannot format the identity for the controller");
        return ZT_ERR_INVAL;
    }
    zts_controller_config_default(&ccfg);
    ccfg.identity_secret = secret;
    ccfg.store_kind = kind;
    ccfg.store_path = path;
    rv = zts_controller_new(pctl, &ccfg);
    zt__wipe(secret, sizeof(secret));
    if (kind == ZTS_CONTROLLER_STORE_POSTGRESQL)
        zt__wipe(path, sizeof(path)); /* a connection string may hold a password */
    if (rv != ZTS_CONTROLLER_OK) {
        *pctl = NULL;
        zt__err_set(err, errlen, "cannot start the controller: %s", zts_controller_last_error(NULL));
        return rv == ZTS_CONTROLLER_ERR_GENERAL ? ZT_ERR_NOMEM
               : rv == ZTS_CONTROLLER_ERR_STORE ? ZT_ERR_IO
                                                : ZT_ERR_INVAL;
    }
    if (kind == ZTS_CONTROLLER_STORE_POSTGRESQL)
        zt__runner_log(r, ZT_RUNNER_LOG_INFO, "controller %010llx on PostgreSQL",
                       (unsigned long long)r->address);
    else
        zt__runner_log(r, ZT_RUNNER_LOG_INFO, "controller %010llx on %s",
                       (unsigned long long)r->address, path);
    return 0;
}

int zt__runner_controller_attach(zt_runner *r, struct zts_controller **pctl)
{
    char err[1024];
    int rv = zt__runner_open_controller(r, pctl, err, sizeof(err));

    if (rv != 0) {
        zt__runner_log(r, ZT_RUNNER_LOG_ERROR, "%s", err);
        return rv;
    }
    return zt__runner_enable_controller(r);
}
