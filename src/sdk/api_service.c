/*
 * api_service.c: zts_start, zts_stop, zts_restart, zts_free and the zts_allow_* settings
 * (api.md §5.1): the 1.3 API's front end of the service (svc.h, docs/internals/api.md).
 *
 * zts_start returns at once: the service thread builds the runner from the start path (its
 * home directory, and local.conf when allowed), starts it and then delivers events until a
 * stop.  After an identity collision the old secret is set aside and the run goes on with a
 * new identity (api.md §5.1).
 */
#include "sdk/api_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/file.h"
#include "sdk/home.h"
#include "sdk/localconf.h"
#include "socket/sock.h"

zt_api zt__api = {
    .net_cache = true,
    .peer_cache = true,
};

/* ---- the run ------------------------------------------------------------------------------ */

/* True when the planet in |home| names a loopback endpoint: a world on this host, where
 * loopback is the only path there is (tests, demos; docs/internals/api.md). */
static bool planet_is_loopback(const char *home)
{
    char path[4096];
    uint8_t *data = NULL;
    size_t len = 0;
    bool yes;

    if (snprintf(path, sizeof(path), "%s/planet", home) >= (int)sizeof(path))
        return false;
    if (zt__io_read_file(path, 1u << 20, &data, &len) != 0)
        return false;
    yes = zt__svc_world_is_loopback(data, len);
    free(data);
    return yes;
}

static bool has_controller_store(const char *home)
{
    char path[4096];

    return snprintf(path, sizeof(path), "%s/controller.d/controller.sqlite3", home) <
               (int)sizeof(path) &&
           access(path, F_OK) == 0;
}

static void local_conf_warn(void *user, const char *msg)
{
    char line[600];

    (void)user;
    snprintf(line, sizeof(line), "local.conf: %s", msg);
    zt__svc_log(ZT_RUNNER_LOG_WARN, line);
}

/* The runner of one life of the node; with zts_allow_local_conf(1), as HOME/local.conf says
 * (docs/embedding.md: its settings, the TCP fallback relay among them; never port mapping). */
static zt_runner *build_runner(void)
{
    static zt_local_conf local; /* cfg.local points here for the runner's life */
    zt_runner_config cfg;
    zt_runner *r = NULL;
    char err[512];

    zt__runner_config_default(&cfg);
    cfg.home = zt__api.path;
    cfg.primary_port = zt__api.port;
    cfg.secondary_port = 0;
    cfg.peer_cache = zt__api.peer_cache;
    cfg.network_cache = zt__api.net_cache;
    cfg.allow_loopback_paths = zt__svc_allow_loopback(planet_is_loopback(zt__api.path));
    /* A node that served as a controller (zts_controller_attach) serves again at once. */
    cfg.controller = has_controller_store(zt__api.path);
    cfg.event = zt__svc_runner_event;
    cfg.log = zt__svc_runner_log;
    if (zt__api.local_conf && zt__local_conf_apply(zt__api.path, &cfg, &local, local_conf_warn,
                                                   NULL, err, sizeof(err)) != 0) {
        zt__svc_log(ZT_RUNNER_LOG_ERROR, err);
        return NULL;
    }
    if (zt__runner_new(&r, &cfg, err, sizeof(err)) != 0) {
        zt__svc_log(ZT_RUNNER_LOG_ERROR, err);
        return NULL;
    }
    return r;
}

/* Network caching on: the networks cached in networks.d are joined again (api.md §5.1). */
static void started(zt_runner *r)
{
    if (zt__api.net_cache)
        (void)zt__runner_rejoin_home(r, zt__api.path);
}

/* api.md §5.1: after an identity collision the old secret is kept aside and the node
 * starts again with a new identity (the file work is zt-service's too: home.h).  False when
 * the identity could not be set aside: starting again would only collide again. */
static bool collided(void)
{
    char saved[ZT_HOME_PATH_MAX], err[ZT_HOME_PATH_MAX + 128];

    if (zt__home_set_identity_aside(zt__api.path, saved, sizeof(saved), err, sizeof(err)) != 0) {
        zt__svc_log(ZT_RUNNER_LOG_ERROR, err);
        return false;
    }
    return true;
}

static const zt_svc_ops api13_ops = {
    .build_runner = build_runner,
    .started = started,
    .deliver = zt__api_deliver,
    .collided = collided,
    .max_queued = 0, /* docs/embedding.md: events wait without bound */
};

/* ---- zts_* -------------------------------------------------------------------------------- */

static int set_flag(bool *flag, uint8_t allowed)
{
    int rv = ZTS_ERR_OK;

    pthread_mutex_lock(&zt__svc.mu);
    if (zt__svc.state == ZT_SVC_IDLE)
        *flag = allowed != 0;
    else
        rv = ZTS_ERR_SERVICE;
    pthread_mutex_unlock(&zt__svc.mu);
    return rv;
}

int zts_allow_network_caching(uint8_t allowed)
{
    return set_flag(&zt__api.net_cache, allowed);
}

int zts_allow_peer_caching(uint8_t allowed)
{
    return set_flag(&zt__api.peer_cache, allowed);
}

int zts_allow_local_conf(uint8_t allowed)
{
    return set_flag(&zt__api.local_conf, allowed);
}

int zts_start(const char *path, void (*callback)(void *), uint16_t port)
{
    char *copy;
    int rv;

    if (path == NULL || path[0] == '\0' || callback == NULL)
        return ZTS_ERR_ARG;
    pthread_mutex_lock(&zt__svc.mu);
    if (zt__svc.state != ZT_SVC_IDLE || zt__svc_on_service_thread()) {
        pthread_mutex_unlock(&zt__svc.mu);
        return ZTS_ERR_SERVICE;
    }
    zt__svc.state = ZT_SVC_RUNNING; /* reserved: a concurrent start gets ZTS_ERR_SERVICE */
    zt__svc_join_ended_locked();
    copy = strdup(path);
    if (copy == NULL) {
        zt__svc.state = ZT_SVC_IDLE;
        pthread_mutex_unlock(&zt__svc.mu);
        return ZTS_ERR_GENERAL;
    }
    free(zt__api.path);
    zt__api.path = copy;
    zt__api.port = port;
    zt__api.callback = callback;
    rv = zt__svc_launch_locked(&api13_ops) == 0 ? ZTS_ERR_OK : ZTS_ERR_GENERAL;
    pthread_mutex_unlock(&zt__svc.mu);
    return rv;
}

int zts_stop(void)
{
    pthread_mutex_lock(&zt__svc.mu);
    if (zt__svc.state != ZT_SVC_RUNNING) {
        pthread_mutex_unlock(&zt__svc.mu);
        return ZTS_ERR_SERVICE;
    }
    pthread_mutex_unlock(&zt__svc.mu);
    zt__svc_ask_stop();
    return ZTS_ERR_OK;
}

int zts_restart(void)
{
    int rv = ZTS_ERR_SERVICE;

    pthread_mutex_lock(&zt__svc.mu);
    if (zt__svc.state != ZT_SVC_RUNNING || zt__svc_on_service_thread()) {
        pthread_mutex_unlock(&zt__svc.mu);
        return ZTS_ERR_SERVICE;
    }
    pthread_mutex_unlock(&zt__svc.mu);
    zt__svc_ask_stop();
    pthread_mutex_lock(&zt__svc.mu);
    zt__svc_wait_ended_locked();
    if (zt__svc.state == ZT_SVC_IDLE) {
        zt__svc.state = ZT_SVC_RUNNING;
        zt__svc_join_ended_locked();
        rv = zt__svc_launch_locked(&api13_ops) == 0 ? ZTS_ERR_OK : ZTS_ERR_GENERAL;
    }
    pthread_mutex_unlock(&zt__svc.mu);
    return rv;
}

int zts_free(void)
{
    bool was_idle;

    pthread_mutex_lock(&zt__svc.mu);
    if (zt__svc.state == ZT_SVC_FREED || zt__svc.free_asked) {
        pthread_mutex_unlock(&zt__svc.mu);
        return ZTS_ERR_SERVICE;
    }
    zt__svc.free_asked = true;
    was_idle = zt__svc.state == ZT_SVC_IDLE;
    if (was_idle)
        zt__svc.state = ZT_SVC_FREED;
    pthread_mutex_unlock(&zt__svc.mu);
    if (was_idle) {
        zt__sock_close_all();
    } else {
        zt__svc_ask_stop();
        if (zt__svc_on_service_thread())
            return ZTS_ERR_OK; /* from the callback: the run ends after it returns */
    }
    pthread_mutex_lock(&zt__svc.mu);
    zt__svc_wait_ended_locked();
    zt__svc_join_ended_locked();
    pthread_mutex_unlock(&zt__svc.mu);
    return ZTS_ERR_OK;
}
