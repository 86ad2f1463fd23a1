/*
 * ctl_node.c: zts_node_* and the moons (api-modern.md §5.3), and the modern API's ops for the
 * service (src/sdk/svc.h): the runner of a run, built from the zts_init_* settings with the
 * state store of ctl_store.c, the joins asked before it existed, and the end of a run.
 *
 * States (§5.0): zts_node_start makes the node RUNNING synchronously (a second start, and
 * every zts_init_*, get ZTS_ERR_SERVICE at once); the service thread then builds the runner.
 * A run that cannot start ends with NODE_FATAL_ERROR and NODE_DOWN and the state falls back
 * to not running.  zts_node_stop and zts_node_free return once the run has ended and its last
 * event (NODE_DOWN) went out; zts_node_free then leaves the library FREED for good.
 */
#include "modern/ctl_internal.h"

#include "crypto/crypto.h"

#include <string.h>

int zt__modern_running(void)
{
    int rv;

    pthread_mutex_lock(&zt__svc.mu);
    rv = zt__svc.state == ZT_SVC_RUNNING ? ZTS_ERR_OK : ZTS_ERR_SERVICE;
    pthread_mutex_unlock(&zt__svc.mu);
    return rv;
}

/* ---- the service's ops -------------------------------------------------------------------- */

/* What zts_init_* asked for beyond the state (ports, blacklist, relay, bandwidth). */
static void apply_settings(zt_runner_config *cfg, zt_runner_local *local)
{
    cfg->primary_port = zt__modern.port;
    cfg->secondary_port = zt__modern.secondary ? 0 : -1;
    /* §5.2: libzt 1.8 moves its random secondary port after more than one path heartbeat
     * period (14 s) offline; zerotier-one's service after 120 s (the runner's default). */
    cfg->secondary_rebind_ms = ZT_MODERN_SECONDARY_REBIND_MS;
    /* §5.2: random ports in [20000, 45500] unless a bound was given. */
    cfg->random_port_min = zt__modern.range_start != 0 ? zt__modern.range_start : 20000;
    cfg->random_port_max = zt__modern.range_end != 0 ? zt__modern.range_end : 45500;
    /* The TCP relay only with an address (docs/decisions.md, "Issue 14"). */
    cfg->tcp_fallback = zt__modern.has_tcp_relay && zt__modern.allow_tcp_relay;
    cfg->tcp_force = zt__modern.has_tcp_relay && zt__modern.force_tcp_relay;
    if (zt__modern.has_tcp_relay)
        cfg->tcp_relay = zt__modern.tcp_relay;
    memset(local, 0, sizeof(*local));
    for (unsigned i = 0; i < zt__modern.nblacklist && i < ZT_RUNNER_MAX_IF_PREFIXES; i++) {
        memcpy(local->if_prefix_blacklist[i], zt__modern.blacklist[i],
               sizeof(local->if_prefix_blacklist[i]));
        local->n_if_prefix_blacklist++;
    }
    local->low_bandwidth = zt__modern.low_bandwidth;
    cfg->local = local;
}

/* The runner of a run (service thread): identity and planet first (their STORE events come
 * before NODE_UP, §6.3 item 1), then the sockets and the node. */
static zt_runner *build_runner(void)
{
    zt_runner_config cfg;
    zt_runner_local local;
    zt_runner *r = NULL;
    zt_identity id;
    const uint8_t *planet;
    size_t planet_len;
    bool loopback;
    char err[512];

    if (zt__modern_resolve_identity(&id) != 0)
        return NULL;
    pthread_mutex_lock(&zt__svc.mu);
    zt__modern_run.id = id;
    zt__modern_run.has_id = true;
    pthread_mutex_unlock(&zt__svc.mu);
    zt__modern_planet(&planet, &planet_len, &loopback);

    zt__runner_config_default(&cfg);
    cfg.home = NULL;
    cfg.store = zt__modern_store();
    cfg.identity = &id;
    cfg.identity_validated = true; /* zt__modern_resolve_identity checked it (or made it) */
    cfg.planet = planet;
    cfg.planet_len = planet_len;
    cfg.allow_loopback_paths = zt__svc_allow_loopback(loopback);
    cfg.event = zt__svc_runner_event;
    cfg.log = zt__svc_runner_log;
    apply_settings(&cfg, &local);
    if (zt__runner_new(&r, &cfg, err, sizeof(err)) != 0) {
        zt__svc_log(ZT_RUNNER_LOG_ERROR, err);
        r = NULL;
    }
    zt__identity_clear(&id);
    return r;
}

/* The runner runs: the joins asked before it existed, then (storage mode, net_cache) the
 * networks cached in networks.d (§5.2). */
static void started(zt_runner *r)
{
    uint64_t pending[ZT_MODERN_MAX_PENDING];
    unsigned n;

    pthread_mutex_lock(&zt__svc.mu);
    n = zt__modern_run.npending;
    memcpy(pending, zt__modern_run.pending, n * sizeof(pending[0]));
    zt__modern_run.npending = 0;
    zt__modern_run.started = true; /* from now on a join goes to the runner (ctl_net.c) */
    pthread_mutex_unlock(&zt__svc.mu);
    for (unsigned i = 0; i < n; i++)
        (void)zt__runner_join(r, pending[i]);
    if (zt__modern.path != NULL && zt__modern.net_cache)
        (void)zt__runner_rejoin_home(r, zt__modern.path);
}

/* The run is over (mu held): every setting back to its default (§7.6); the handler stays
 * for the run's last events. */
static void ended(void)
{
    zt__identity_clear(&zt__modern_run.id);
    zt__modern_run.has_id = false;
    zt__modern_run.npending = 0;
    zt__modern_run.started = false;
    zt__modern_reset();
}

static const zt_svc_ops modern_ops = {
    .build_runner = build_runner,
    .started = started,
    .deliver = zt__modern_deliver,
    .collided = NULL, /* §6.4: NODE_FATAL_ERROR, then the run ends */
    .ended = ended,
    .max_queued = 1024, /* §6.1: bound >= 1024, the newest dropped */
    .counts = zt__modern_counts, /* of the events the application gets */
    .tick = zt__modern_tick, /* §6.3 item 5: peer events from a scan, not the node's */
    .tick_ms = ZT_MODERN_SCAN_MS,
    .own_peer_events = true,
};

/* ---- zts_node_* --------------------------------------------------------------------------- */

int zts_node_start(void)
{
    int rv;

    pthread_mutex_lock(&zt__svc.mu);
    if (zt__svc.state != ZT_SVC_IDLE || zt__svc_on_service_thread()) {
        pthread_mutex_unlock(&zt__svc.mu);
        return ZTS_ERR_SERVICE;
    }
    zt__svc.state = ZT_SVC_RUNNING; /* reserved: a concurrent start gets ZTS_ERR_SERVICE */
    zt__svc_join_ended_locked();    /* the last run's thread, done with its last events */
    zt__modern_run.callback = zt__modern.callback;
    zt__modern_run.npending = 0;
    zt__modern_run.started = false;
    rv = zt__svc_launch_locked(&modern_ops) == 0 ? ZTS_ERR_OK : ZTS_ERR_GENERAL;
    pthread_mutex_unlock(&zt__svc.mu);
    return rv;
}

/* Stops the run and waits for its end (|free_after|: then FREED). */
static int stop_and_wait(bool free_after)
{
    pthread_mutex_lock(&zt__svc.mu);
    if (zt__svc.state != ZT_SVC_RUNNING || zt__svc_on_service_thread()) {
        pthread_mutex_unlock(&zt__svc.mu);
        return ZTS_ERR_SERVICE;
    }
    if (free_after)
        zt__svc.free_asked = true;
    pthread_mutex_unlock(&zt__svc.mu);
    zt__svc_ask_stop();
    pthread_mutex_lock(&zt__svc.mu);
    zt__svc_wait_ended_locked();
    zt__svc_join_ended_locked();
    pthread_mutex_unlock(&zt__svc.mu);
    return ZTS_ERR_OK;
}

int zts_node_stop(void)
{
    return stop_and_wait(false);
}

int zts_node_free(void)
{
    return stop_and_wait(true);
}

int zts_node_is_online(void)
{
    int online;

    pthread_mutex_lock(&zt__svc.mu);
    online = zt__svc.state == ZT_SVC_RUNNING && zt__svc.online;
    pthread_mutex_unlock(&zt__svc.mu);
    return online;
}

uint64_t zts_node_get_id(void)
{
    zt_runner *r = zt__svc_runner(false);
    uint64_t id;

    if (r != NULL) {
        id = zt__runner_address(r);
        zt__svc_release_runner();
        return id;
    }
    /* Running but not built yet: 0 (§5.3). */
    return zt__modern_running() == ZTS_ERR_OK ? 0 : (uint64_t)(int64_t)ZTS_ERR_SERVICE;
}

int zts_node_get_id_pair(char *key, unsigned int *key_dst_len)
{
    char text[ZT_IDENTITY_STR_SECRET_LEN + 1];
    zt_ssize n = ZT_ERR_INVAL;
    int rv;

    pthread_mutex_lock(&zt__svc.mu);
    rv = zt__svc.state != ZT_SVC_RUNNING ? ZTS_ERR_SERVICE
         : key == NULL || key_dst_len == NULL || *key_dst_len < ZTS_ID_STR_BUF_LEN
             ? ZTS_ERR_ARG
         : !zt__modern_run.has_id ? ZTS_ERR_GENERAL
                                  : ZTS_ERR_OK;
    if (rv == ZTS_ERR_OK)
        n = zt__identity_to_string(&zt__modern_run.id, true, text, sizeof(text));
    pthread_mutex_unlock(&zt__svc.mu);
    if (rv == ZTS_ERR_OK && n < 0)
        rv = ZTS_ERR_GENERAL;
    if (rv == ZTS_ERR_OK) {
        memcpy(key, text, (size_t)n + 1);
        *key_dst_len = (unsigned int)n;
    }
    zt__wipe(text, sizeof(text));
    return rv;
}

int zts_node_get_port(void)
{
    zt_runner *r = zt__svc_runner(false);
    int port;

    if (r == NULL)
        return zt__modern_running() == ZTS_ERR_OK ? 0 : ZTS_ERR_SERVICE;
    port = zt__runner_primary_port(r);
    zt__svc_release_runner();
    return port;
}

/* ---- moons -------------------------------------------------------------------------------- */

int zts_moon_orbit(uint64_t moon_roots_id, uint64_t moon_seed)
{
    zt_runner *r = zt__svc_runner(false);
    int rv;

    if (r == NULL)
        return ZTS_ERR_SERVICE; /* not running, or the node is not built yet */
    rv = moon_roots_id == 0 ? ZTS_ERR_ARG
         : zt__runner_orbit(r, moon_roots_id, moon_seed) == 0 ? ZTS_ERR_OK
                                                               : ZTS_ERR_GENERAL;
    zt__svc_release_runner();
    return rv;
}

int zts_moon_deorbit(uint64_t moon_roots_id)
{
    zt_runner *r = zt__svc_runner(false);
    int rv;

    if (r == NULL)
        return ZTS_ERR_SERVICE;
    rv = moon_roots_id == 0                              ? ZTS_ERR_ARG
         : zt__runner_deorbit(r, moon_roots_id) == 0 ? ZTS_ERR_OK
                                                     : ZTS_ERR_GENERAL;
    zt__svc_release_runner();
    return rv;
}
