/*
 * api_service.c: zts_start, zts_stop, zts_restart, zts_free and the zts_allow_* settings
 * (api.md §5.1), the service thread, and the bridge from the runner's reports to events
 * and netifs (docs/internals/api.md; the netifs themselves: api_config.c).
 *
 * zts_start returns at once: the service thread builds the runner (identity, sockets, node),
 * starts its I/O thread and then delivers events until a stop.  On its I/O thread the runner
 * tells us about the node (online, peers, networks) and hands us every frame for our port; a
 * network config becomes a netif carrying all its addresses and routes, and the frames go
 * straight into lwIP on that thread.  Frames lwIP sends come back through netif_output().
 */
#include "sdk/api_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/world.h"
#include "crypto/crypto.h"
#include "io/file.h"
#include "lwip/tcpip.h"
#include "sdk/home.h"
#include "sdk/localconf.h"
#include "socket/sock.h"
#include "socket/zts_gate.h"

zt_api zt__api = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .cond = PTHREAD_COND_INITIALIZER,
    .runner_lock = PTHREAD_RWLOCK_INITIALIZER,
    .net_cache = true,
    .peer_cache = true,
};

/* The runner frames go to; guarded by lwIP's core lock (the netif callbacks hold it). */
static zt_runner *output_runner;

bool zt__api_on_service_thread(void)
{
    return zt__api.has_thread && pthread_equal(pthread_self(), zt__api.thread);
}

/* ---- netif callbacks (core lock held) ----------------------------------------------------- */

static void netif_output(void *user, uint64_t nwid, uint64_t dst_mac, unsigned ethertype,
                         const uint8_t *data, size_t len)
{
    (void)user;
    if (output_runner != NULL)
        (void)zt__runner_send_frame(output_runner, nwid, dst_mac, ethertype, data, len);
}

static void netif_multicast(void *user, uint64_t nwid, uint64_t mac, bool join)
{
    (void)user;
    if (output_runner != NULL)
        (void)zt__runner_multicast(output_runner, nwid, mac, 0, join);
}

/* Every netif's, handed to zt__api_apply_config (api_config.c), which makes them. */
static const zt_stack_netif_ops netif_ops = {
    .output = netif_output,
    .multicast = netif_multicast,
};

/* ---- the runner's reports (on its I/O thread) --------------------------------------------- */

static void on_node_event(zt_runner *r, const zt_node_event *ev)
{
    struct zts_node_details nd;
    zt_peer_info *info;

    switch (ev->type) {
    case ZT_NODE_EVENT_ONLINE:
    case ZT_NODE_EVENT_OFFLINE:
    case ZT_NODE_EVENT_IDENTITY_COLLISION:
        pthread_mutex_lock(&zt__api.mu);
        if (ev->type != ZT_NODE_EVENT_IDENTITY_COLLISION) {
            zt__api.online = ev->type == ZT_NODE_EVENT_ONLINE;
        } else {
            /* The run ends and the service thread starts a new node (service_main). */
            zt__api.collision = true;
            zt__api.stop_asked = true;
            pthread_cond_broadcast(&zt__api.cond);
        }
        pthread_mutex_unlock(&zt__api.mu);
        zt__api_node_details(r, &nd);
        zt__api_queue_node(ev->type == ZT_NODE_EVENT_ONLINE    ? ZTS_EVENT_NODE_ONLINE
                           : ev->type == ZT_NODE_EVENT_OFFLINE ? ZTS_EVENT_NODE_OFFLINE
                                                               : ZTS_EVENT_NODE_IDENTITY_COLLISION,
                           &nd);
        break;
    case ZT_NODE_EVENT_PEER_DIRECT:
    case ZT_NODE_EVENT_PEER_RELAY:
    case ZT_NODE_EVENT_PEER_UNREACHABLE:
        info = calloc(1, sizeof(*info));
        if (info == NULL)
            break;
        if (zt__runner_get_peer(r, ev->peer, info) != 0)
            info->address = ev->peer;
        zt__api_queue_peer(ev->type == ZT_NODE_EVENT_PEER_DIRECT  ? ZTS_EVENT_PEER_DIRECT
                           : ev->type == ZT_NODE_EVENT_PEER_RELAY ? ZTS_EVENT_PEER_RELAY
                                                                  : ZTS_EVENT_PEER_UNREACHABLE,
                           info);
        free(info);
        break;
    case ZT_NODE_EVENT_PATH_DISCOVERED:
    case ZT_NODE_EVENT_PATH_ALIVE:
    case ZT_NODE_EVENT_PATH_DEAD:
        zt__api_queue_path(ev->type == ZT_NODE_EVENT_PATH_DISCOVERED ? ZTS_EVENT_PATH_DISCOVERED
                           : ev->type == ZT_NODE_EVENT_PATH_ALIVE    ? ZTS_EVENT_PATH_ALIVE
                                                                     : ZTS_EVENT_PATH_DEAD,
                           &ev->remote);
        break;
    case ZT_NODE_EVENT_NETWORK_REQ_CONFIG:
        zt__api_set_net_status(ev->nwid, ZTS_EVENT_NETWORK_REQ_CONFIG);
        break;
    case ZT_NODE_EVENT_NETWORK_OK:
        zt__api_apply_config(r, ev->nwid, &netif_ops);
        break;
    case ZT_NODE_EVENT_NETWORK_ACCESS_DENIED:
    case ZT_NODE_EVENT_NETWORK_AUTH_REQUIRED: /* SSO: the 1.3 API has no code of its own */
        zt__api_set_net_status(ev->nwid, ZTS_EVENT_NETWORK_ACCESS_DENIED);
        break;
    case ZT_NODE_EVENT_NETWORK_NOT_FOUND:
        zt__api_set_net_status(ev->nwid, ZTS_EVENT_NETWORK_NOT_FOUND);
        break;
    case ZT_NODE_EVENT_NETWORK_DOWN:
        zt__api_drop_net(ev->nwid);
        break;
    default:
        break;
    }
}

static void ask_stop(void)
{
    pthread_mutex_lock(&zt__api.mu);
    zt__api.stop_asked = true;
    if (zt__api.state == ZT_API_RUNNING)
        zt__api.state = ZT_API_STOPPING;
    pthread_cond_broadcast(&zt__api.cond);
    pthread_mutex_unlock(&zt__api.mu);
    zt__sock_set_running(false);
}

/* The runner whose I/O thread calls on_runner_event(): set before it starts, cleared after
 * it has ended (the runner cannot be handed its own pointer in its config). */
static zt_runner *event_runner;

/* The I/O thread holds lwIP's core lock across a run of frames (zt__stack_input_begin). */
static bool frames_locked;

static void on_runner_event(void *user, const zt_runner_event *ev)
{
    zt_runner *r = event_runner;
    struct zts_node_details nd;

    (void)user;
    if (frames_locked && ev->type != ZT_RUNNER_EVENT_FRAME) {
        zt__stack_input_end();
        frames_locked = false;
    }
    switch (ev->type) {
    case ZT_RUNNER_EVENT_NODE:
        on_node_event(r, ev->node);
        break;
    case ZT_RUNNER_EVENT_FRAME: {
        zt_stack_netif *nif = NULL;
        zt_api_net *net;
        /* Only this thread changes the table while the node runs: no lock to read it. */
        net = zt__api_find_net(ev->nwid);
        if (net != NULL)
            nif = net->netif;
        if (nif == NULL)
            break;
        if (!frames_locked) {
            zt__stack_input_begin();
            frames_locked = true;
        }
        (void)zt__stack_netif_input(nif, ev->src_mac, ev->dst_mac, ev->ethertype, ev->data,
                                   ev->len);
        break;
    }
    case ZT_RUNNER_EVENT_FATAL:
        zt__api_node_details(r, &nd);
        zt__api_queue_node(ZTS_EVENT_NODE_UNRECOVERABLE_ERROR, &nd);
        ask_stop();
        break;
    default:
        break;
    }
}

static void on_runner_log(void *user, zt_runner_log_level level, const char *msg)
{
    /* The library is quiet unless asked: ZTS_LOG=1 shows warnings and errors on stderr (unset,
     * empty or 0: quiet). */
    const char *want = getenv("ZTS_LOG");

    (void)user;
    if (level <= ZT_RUNNER_LOG_WARN && want != NULL && want[0] != 0 && strcmp(want, "0") != 0)
        fprintf(stderr, "libzt: %s\n", msg);
}

/* ---- the service thread ------------------------------------------------------------------- */

/* True when the planet in |home| names a loopback endpoint: a world on this host, where
 * loopback is the only path there is (tests, demos; docs/internals/api.md). */
static bool planet_is_loopback(const char *home)
{
    char path[4096];
    uint8_t *data = NULL;
    size_t len = 0;
    zt_world *w;
    bool yes = false;

    if (snprintf(path, sizeof(path), "%s/planet", home) >= (int)sizeof(path))
        return false;
    if (zt__io_read_file(path, 1u << 20, &data, &len) != 0)
        return false;
    w = calloc(1, sizeof(*w));
    if (w != NULL && zt__world_parse(w, data, len) == 0)
        for (unsigned i = 0; i < w->nroots; i++)
            for (unsigned k = 0; k < w->roots[i].nendpoints; k++)
                if (zt__inetaddr_scope(&w->roots[i].endpoints[k]) == ZT_IP_SCOPE_LOOPBACK)
                    yes = true;
    free(w);
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

/* Re-joins the networks cached in networks.d (api.md §5.1, network caching on). */
static void rejoin_cached(zt_runner *r, const char *home)
{
    char path[4096];
    DIR *d;
    struct dirent *e;

    if (snprintf(path, sizeof(path), "%s/networks.d", home) >= (int)sizeof(path))
        return;
    d = opendir(path);
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        unsigned long long nwid;
        char tail[8];
        if (strlen(e->d_name) != 21 || sscanf(e->d_name, "%16llx%7s", &nwid, tail) != 2 ||
            strcmp(tail, ".conf") != 0 || nwid == 0)
            continue;
        (void)zt__runner_join(r, nwid);
    }
    closedir(d);
}

static void local_conf_warn(void *user, const char *msg)
{
    char line[600];

    (void)user;
    snprintf(line, sizeof(line), "local.conf: %s", msg);
    on_runner_log(NULL, ZT_RUNNER_LOG_WARN, line);
}

/* The runner of one life of the node; with zts_allow_local_conf(1), as HOME/local.conf says
 * (docs/embedding.md: its settings, the TCP fallback relay among them; never port mapping). */
static zt_runner *build_runner(void)
{
    static zt_local_conf local; /* cfg.local points here for the runner's life */
    zt_runner_config cfg;
    zt_runner *r = NULL;
    const char *env = getenv("ZTS_ALLOW_LOOPBACK");
    char err[512];

    zt__runner_config_default(&cfg);
    cfg.home = zt__api.path;
    cfg.primary_port = zt__api.port;
    cfg.secondary_port = 0;
    cfg.peer_cache = zt__api.peer_cache;
    cfg.network_cache = zt__api.net_cache;
    cfg.allow_loopback_paths = env != NULL ? strcmp(env, "0") != 0
                                           : planet_is_loopback(zt__api.path);
    /* A node that served as a controller (zts_controller_attach) serves again at once. */
    cfg.controller = has_controller_store(zt__api.path);
    cfg.event = on_runner_event;
    cfg.log = on_runner_log;
    if (zt__api.local_conf && zt__local_conf_apply(zt__api.path, &cfg, &local, local_conf_warn,
                                                   NULL, err, sizeof(err)) != 0) {
        on_runner_log(NULL, ZT_RUNNER_LOG_ERROR, err);
        return NULL;
    }
    if (zt__runner_new(&r, &cfg, err, sizeof(err)) != 0) {
        on_runner_log(NULL, ZT_RUNNER_LOG_ERROR, err);
        return NULL;
    }
    return r;
}

/* One life of the node: builds the runner, delivers events until a stop is asked, then stops
 * frames, the runner and the netifs.  False if the runner could not be built. */
static bool run_node(struct zts_node_details *nd)
{
    zt_runner *r;

    r = build_runner();
    if (r == NULL)
        return false;
    pthread_rwlock_wrlock(&zt__api.runner_lock);
    zt__api.runner = r;
    zt__api.address = zt__runner_address(r);
    zt__api.primary_port = zt__runner_primary_port(r);
    pthread_rwlock_unlock(&zt__api.runner_lock);
    /* The runner's event user pointer is its own config's: set after creation. */
    LOCK_TCPIP_CORE();
    output_runner = r;
    UNLOCK_TCPIP_CORE();

    event_runner = r;
    zt__api_node_details(r, nd);
    zt__api_queue_node(ZTS_EVENT_NODE_UP, nd);
    if (zt__runner_start(r) != 0) {
        zt__api_queue_node(ZTS_EVENT_NODE_UNRECOVERABLE_ERROR, nd);
        ask_stop();
    } else if (zt__api.net_cache) {
        rejoin_cached(r, zt__api.path);
    }

    /* Deliver until a stop is asked and everything queued so far went out. */
    for (;;) {
        bool stop;
        zt__api_deliver();
        pthread_mutex_lock(&zt__api.mu);
        while (zt__api.head == NULL && !zt__api.stop_asked)
            pthread_cond_wait(&zt__api.cond, &zt__api.mu);
        stop = zt__api.stop_asked && zt__api.head == NULL;
        pthread_mutex_unlock(&zt__api.mu);
        if (stop)
            break;
    }

    /* Frames stop first, then the runner (its I/O thread), then the netifs. */
    LOCK_TCPIP_CORE();
    output_runner = NULL;
    UNLOCK_TCPIP_CORE();
    pthread_rwlock_wrlock(&zt__api.runner_lock);
    zt__api.runner = NULL;
    pthread_rwlock_unlock(&zt__api.runner_lock);
    zt__runner_del(r);
    event_runner = NULL;
    zt__api_deliver();
    for (;;) {
        uint64_t nwid;
        pthread_mutex_lock(&zt__api.mu);
        nwid = zt__api.nnets > 0 ? zt__api.nets[0].nwid : 0;
        pthread_mutex_unlock(&zt__api.mu);
        if (nwid == 0) /* no joined network has ID 0 (zts_join refuses it) */
            break;
        zt__api_drop_net(nwid);
    }
    return true;
}

/* api.md §5.1: after an identity collision the old secret is kept aside and the node
 * starts again with a new identity (the file work is zt-service's too: home.h).  False when
 * the identity could not be set aside: starting again would only collide again. */
static bool replace_identity(const char *home)
{
    char saved[ZT_HOME_PATH_MAX], err[ZT_HOME_PATH_MAX + 128];

    if (zt__home_set_identity_aside(home, saved, sizeof(saved), err, sizeof(err)) != 0) {
        on_runner_log(NULL, ZT_RUNNER_LOG_ERROR, err);
        return false;
    }
    return true;
}

static void *service_main(void *arg)
{
    struct zts_node_details nd;
    bool collided;

    (void)arg;
    for (;;) {
        memset(&nd, 0, sizeof(nd));
        if (!run_node(&nd)) {
            zt__api_queue_node(ZTS_EVENT_NODE_UNRECOVERABLE_ERROR, &nd);
            goto down;
        }
        pthread_mutex_lock(&zt__api.mu);
        collided = zt__api.collision && zt__api.state == ZT_API_RUNNING && !zt__api.free_asked;
        zt__api.collision = false;
        if (collided) {
            zt__api.stop_asked = false;
            zt__api.online = false;
        }
        pthread_mutex_unlock(&zt__api.mu);
        if (!collided)
            break;
        if (!replace_identity(zt__api.path)) {
            zt__api_queue_node(ZTS_EVENT_NODE_UNRECOVERABLE_ERROR, &nd);
            goto down;
        }
    }
    nd.online = 0;
    nd.clock = 0;
    zt__api_queue_node(ZTS_EVENT_NODE_NORMAL_TERMINATION, &nd);
down:
    zt__api_queue_node(ZTS_EVENT_NODE_DOWN, &nd);
    zt__sock_set_running(false);
    pthread_mutex_lock(&zt__api.mu);
    if (zt__api.free_asked) {
        pthread_mutex_unlock(&zt__api.mu);
        zt__sock_close_all();
        zt__api_queue_plain(ZTS_EVENT_STACK_DOWN);
        pthread_mutex_lock(&zt__api.mu);
    }
    /* The run is over before its last events go out: a caller that waits for NODE_DOWN may
     * call zts_start at once (api.md §5.1).  The next run joins this thread first, so
     * its events never mix with these. */
    zt__api.online = false;
    zt__api.address = 0;
    free(zt__api.nets);
    zt__api.nets = NULL;
    zt__api.nnets = zt__api.capnets = 0;
    zt__api.state = zt__api.free_asked ? ZT_API_FREED : ZT_API_IDLE;
    pthread_cond_broadcast(&zt__api.cond);
    pthread_mutex_unlock(&zt__api.mu);
    zt__api_deliver();
    zt__crypto_thread_stop();
    return NULL;
}

/* ---- zts_* -------------------------------------------------------------------------------- */

static int set_flag(bool *flag, uint8_t allowed)
{
    int rv = ZTS_ERR_OK;

    pthread_mutex_lock(&zt__api.mu);
    if (zt__api.state == ZT_API_IDLE)
        *flag = allowed != 0;
    else
        rv = ZTS_ERR_SERVICE;
    pthread_mutex_unlock(&zt__api.mu);
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

/* Takes the thread of the run that has ended, for the caller to join once it has released mu
 * (mu held; the thread may still be delivering its last events, which take mu). */
static bool take_thread(pthread_t *out)
{
    if (!zt__api.has_thread || zt__api_on_service_thread())
        return false;
    *out = zt__api.thread;
    zt__api.has_thread = false;
    return true;
}

/* Joins the ended run's thread, if any (mu held on entry and return; released meanwhile). */
static void join_ended(void)
{
    pthread_t t;

    if (take_thread(&t)) {
        pthread_mutex_unlock(&zt__api.mu);
        pthread_join(t, NULL);
        pthread_mutex_lock(&zt__api.mu);
    }
}

/* At exit with a node still running (DevilutionX never stops it; the client example stops and
 * returns at once), the run is ended in order, for at most 5 s, before the process's memory
 * goes away under the service and I/O threads (api.md §5.1). */
static void stop_at_exit(void)
{
    struct timespec deadline;
    pthread_t t;
    bool has = false;

    if (zt__api_on_service_thread())
        return;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(&zt__api.mu);
    if (zt__api.state == ZT_API_RUNNING || zt__api.state == ZT_API_STOPPING) {
        pthread_mutex_unlock(&zt__api.mu);
        ask_stop();
        pthread_mutex_lock(&zt__api.mu);
        while ((zt__api.state == ZT_API_RUNNING || zt__api.state == ZT_API_STOPPING) &&
               pthread_cond_timedwait(&zt__api.cond, &zt__api.mu, &deadline) == 0)
            ;
    }
    if (zt__api.state == ZT_API_IDLE || zt__api.state == ZT_API_FREED)
        has = take_thread(&t);
    pthread_mutex_unlock(&zt__api.mu);
    /* Bounded too: a callback that never returns must not hold the process at exit. */
    if (has && pthread_timedjoin_np(t, NULL, &deadline) != 0)
        pthread_detach(t);
}

/* Starts a run with the settings in zt__api (mu held; state already RUNNING, reserved by the
 * caller; the previous run's thread joined).  On failure the state goes back to IDLE. */
static int launch_locked(void)
{
    static bool has_atexit;

    /* Crypto first: its libraries' exit handlers must run after ours. */
    if (zt__crypto_init() != 0)
        goto fail;
    if (!has_atexit && atexit(stop_at_exit) == 0)
        has_atexit = true;
    if (!zt__stack_is_up()) {
        if (zt__stack_init() != 0)
            goto fail;
        pthread_mutex_unlock(&zt__api.mu);
        zt__api_queue_plain(ZTS_EVENT_STACK_UP);
        pthread_mutex_lock(&zt__api.mu);
    }
    zt__api.stop_asked = false;
    zt__api.collision = false;
    zt__api.online = false;
    zt__sock_set_running(true);
    if (pthread_create(&zt__api.thread, NULL, service_main, NULL) != 0) {
        zt__sock_set_running(false);
        goto fail;
    }
    zt__api.has_thread = true;
    return ZTS_ERR_OK;
fail:
    zt__api.state = ZT_API_IDLE;
    return ZTS_ERR_GENERAL;
}

int zts_start(const char *path, void (*callback)(void *), uint16_t port)
{
    char *copy;
    int rv;

    if (path == NULL || path[0] == '\0' || callback == NULL)
        return ZTS_ERR_ARG;
    pthread_mutex_lock(&zt__api.mu);
    if (zt__api.state != ZT_API_IDLE || zt__api_on_service_thread()) {
        pthread_mutex_unlock(&zt__api.mu);
        return ZTS_ERR_SERVICE;
    }
    zt__api.state = ZT_API_RUNNING; /* reserved: a concurrent start gets ZTS_ERR_SERVICE */
    join_ended();
    copy = strdup(path);
    if (copy == NULL) {
        zt__api.state = ZT_API_IDLE;
        pthread_mutex_unlock(&zt__api.mu);
        return ZTS_ERR_GENERAL;
    }
    free(zt__api.path);
    zt__api.path = copy;
    zt__api.port = port;
    zt__api.callback = callback;
    rv = launch_locked();
    pthread_mutex_unlock(&zt__api.mu);
    return rv;
}

int zts_stop(void)
{
    pthread_mutex_lock(&zt__api.mu);
    if (zt__api.state != ZT_API_RUNNING) {
        pthread_mutex_unlock(&zt__api.mu);
        return ZTS_ERR_SERVICE;
    }
    pthread_mutex_unlock(&zt__api.mu);
    ask_stop();
    return ZTS_ERR_OK;
}

/* Waits until the run has ended (mu held; not on the service thread). */
static void wait_ended(void)
{
    while (zt__api.state == ZT_API_RUNNING || zt__api.state == ZT_API_STOPPING)
        pthread_cond_wait(&zt__api.cond, &zt__api.mu);
}

int zts_restart(void)
{
    int rv = ZTS_ERR_SERVICE;

    pthread_mutex_lock(&zt__api.mu);
    if (zt__api.state != ZT_API_RUNNING || zt__api_on_service_thread()) {
        pthread_mutex_unlock(&zt__api.mu);
        return ZTS_ERR_SERVICE;
    }
    pthread_mutex_unlock(&zt__api.mu);
    ask_stop();
    pthread_mutex_lock(&zt__api.mu);
    wait_ended();
    if (zt__api.state == ZT_API_IDLE) {
        zt__api.state = ZT_API_RUNNING;
        join_ended();
        rv = launch_locked();
    }
    pthread_mutex_unlock(&zt__api.mu);
    return rv;
}

int zts_free(void)
{
    bool was_idle;

    pthread_mutex_lock(&zt__api.mu);
    if (zt__api.state == ZT_API_FREED || zt__api.free_asked) {
        pthread_mutex_unlock(&zt__api.mu);
        return ZTS_ERR_SERVICE;
    }
    zt__api.free_asked = true;
    was_idle = zt__api.state == ZT_API_IDLE;
    if (was_idle)
        zt__api.state = ZT_API_FREED;
    pthread_mutex_unlock(&zt__api.mu);
    if (was_idle) {
        zt__sock_close_all();
    } else {
        ask_stop();
        if (zt__api_on_service_thread())
            return ZTS_ERR_OK; /* from the callback: the run ends after it returns */
    }
    pthread_mutex_lock(&zt__api.mu);
    wait_ended();
    join_ended();
    pthread_mutex_unlock(&zt__api.mu);
    return ZTS_ERR_OK;
}
