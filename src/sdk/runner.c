/*
 * runner.c: one node, its sockets, its home directory and its I/O thread (runner.h).  This
 * file builds a runner, starts and stops its thread and frees it; the thread itself is in
 * runner_io.c, the commands and queries other threads post to it in runner_cmd.c.
 */
#include "sdk/runner.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zts_controller.h"

#include "controller/store.h"
#include "crypto/crypto.h"
#include "io/clock.h"
#include "sdk/home.h"
#include "sdk/runner_internal.h"
#include "util/errors.h"

#define RUNNER_RX_BATCH 64          /* datagrams per recvmmsg */
#define RUNNER_TX_BATCH 64          /* datagrams per sendmmsg */
#define RUNNER_TX_SLOT 2048         /* larger datagrams are sent one by one */
#define RUNNER_PORT_TRIES 256                            /* vl1.md §5.11 */
#define RUNNER_REBIND_MS 120000 /* offline this long: a new secondary port (vl1.md §5.11) */

/* ------------------------------------------------------------------ logging, helpers */

void zt__runner_log(zt_runner *r, zt_runner_log_level level, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    if (r->cfg.log == NULL)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    r->cfg.log(r->cfg.user, level, buf);
}

/* ------------------------------------------------------------------ construction */

void zt__runner_config_default(zt_runner_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->primary_port = 9993;
    cfg->secondary_port = 0;
    cfg->peer_cache = true;
    cfg->network_cache = true;
    cfg->advertise_local_addresses = true;
    cfg->tcp_fallback = true;
}

/* A random port in [cfg.random_port_min, cfg.random_port_max] (default [20000, 65499]). */
static uint16_t random_port(const zt_runner *r)
{
    uint32_t lo = r->cfg.random_port_min > 0 ? (uint32_t)r->cfg.random_port_min : 20000;
    uint32_t hi = r->cfg.random_port_max > 0 ? (uint32_t)r->cfg.random_port_max : 65499;
    uint32_t v;

    if (hi < lo)
        hi = lo;
    zt__random_bytes(&v, sizeof(v));
    return (uint16_t)(lo + v % (hi - lo + 1));
}

static uint16_t next_port(uint16_t port)
{
    return port == 65535 ? 20000 : (uint16_t)(port + 1); /* vl1.md §5.11: wraps to 20000 */
}

static void close_socks(zt_runner *r, unsigned from)
{
    while (r->nsocks > from) {
        r->nsocks--;
        close(r->socks[r->nsocks].fd);
    }
}

/* The address a socket of |family| binds: NULL for the wildcard.  *pskip when the config binds
 * specific addresses and none of this family. */
static const uint8_t *bind_ip(const zt_runner *r, int family, bool *pskip)
{
    const uint8_t *ip = NULL;

    *pskip = false;
    if (r->cfg.bind_specific) {
        ip = family == AF_INET ? (r->has_bind_ip4 ? r->bind_ip4 : NULL)
                               : (r->has_bind_ip6 ? r->bind_ip6 : NULL);
        *pskip = ip == NULL;
    }
    return ip;
}

/* Binds |port| for each family we use.  A family the host lacks is skipped; any other failure
 * undoes this port's sockets.  Returns 0 (at least one socket), ZT_ERR_EXISTS or ZT_ERR_IO. */
static int bind_port(zt_runner *r, uint16_t port)
{
    static const int families[2] = {AF_INET, AF_INET6};
    unsigned first = r->nsocks;
    int rv = ZT_ERR_UNSUPPORTED;

    for (unsigned i = 0; i < 2; i++) {
        bool skip;
        const uint8_t *ip = bind_ip(r, families[i], &skip);
        zt_runner_sock *s = &r->socks[r->nsocks];
        uint16_t got = 0;
        int one;

        if (skip)
            continue;
        one = zt__io_udp_open(families[i], ip, port, ZT_IO_UDP_BUFFER, &s->fd, &got);
        if (one == ZT_ERR_UNSUPPORTED) {
            zt__runner_log(r, ZT_RUNNER_LOG_DEBUG, "no IPv%d here (%s)",
                           families[i] == AF_INET ? 4 : 6, strerror(errno));
            continue;
        }
        if (one != 0) {
            close_socks(r, first);
            return one;
        }
        s->family = families[i];
        atomic_init(&s->port, got);
        s->r = r;
        s->index = r->nsocks;
        r->nsocks++;
        rv = 0;
    }
    if (rv != 0)
        errno = EAFNOSUPPORT;
    return rv == ZT_ERR_UNSUPPORTED ? ZT_ERR_IO : rv;
}

/* A port of ours already (a random secondary or tertiary port must be another one). */
static bool is_our_port(const zt_runner *r, uint16_t port)
{
    return port == r->primary_port || port == atomic_load(&r->secondary_port) ||
           port == r->tertiary_port;
}

/* The secondary or tertiary port: |fixed| (> 0), or a random one counting up until a port
 * binds (vl1.md §5.11).  Returns 0 with *pport set, ZT_ERR_EXISTS or ZT_ERR_IO. */
static int bind_extra_port(zt_runner *r, int fixed, uint16_t *pport)
{
    uint16_t port = fixed > 0 ? (uint16_t)fixed : random_port(r);
    int rv = ZT_ERR_EXISTS;

    for (unsigned i = 0; i < 1000 && rv == ZT_ERR_EXISTS; i++) {
        if (!is_our_port(r, port))
            rv = bind_port(r, port);
        if (rv == ZT_ERR_EXISTS) {
            if (fixed > 0)
                break;
            port = next_port(port);
        }
    }
    if (rv == 0)
        *pport = port;
    return rv;
}

static int bind_sockets(zt_runner *r, char *err, size_t errlen)
{
    int rv = ZT_ERR_EXISTS;
    uint16_t port = 0;

    if (r->cfg.primary_port > 0) {
        port = (uint16_t)r->cfg.primary_port;
        rv = bind_port(r, port);
    } else {
        for (unsigned i = 0; i < RUNNER_PORT_TRIES && rv == ZT_ERR_EXISTS; i++) {
            port = random_port(r);
            rv = bind_port(r, port);
        }
    }
    if (rv != 0) {
        zt__err_set(err, errlen, "cannot bind UDP port %d: %s", r->cfg.primary_port,
                rv == ZT_ERR_EXISTS ? "address in use" : strerror(errno));
        return rv;
    }
    r->primary_port = port;

    if (r->cfg.secondary_port >= 0) {
        r->sec_first = r->nsocks;
        rv = bind_extra_port(r, r->cfg.secondary_port, &port);
        if (rv != 0) {
            zt__err_set(err, errlen, "cannot bind secondary UDP port %d: %s",
                        r->cfg.secondary_port,
                        rv == ZT_ERR_EXISTS ? "address in use" : strerror(errno));
            return rv;
        }
        r->sec_count = r->nsocks - r->sec_first;
        atomic_store(&r->secondary_port, port);
    }
    if (r->cfg.port_mapping) {
        rv = bind_extra_port(r, r->cfg.tertiary_port, &port);
        if (rv != 0) {
            zt__err_set(err, errlen, "cannot bind tertiary UDP port %d: %s",
                        r->cfg.tertiary_port,
                        rv == ZT_ERR_EXISTS ? "address in use" : strerror(errno));
            return rv;
        }
        r->tertiary_port = port;
    }
    return 0;
}

/* Opens the sockets of a new secondary port: one per family of the current ones, in order.
 * Returns 0, ZT_ERR_EXISTS (some family's port is taken) or another error; on failure
 * nothing stays open. */
static int open_secondary(zt_runner *r, uint16_t port, int *fds)
{
    for (unsigned k = 0; k < r->sec_count; k++) {
        const zt_runner_sock *s = &r->socks[r->sec_first + k];
        bool skip;
        const uint8_t *ip = bind_ip(r, s->family, &skip);
        uint16_t got = 0;
        int rv = zt__io_udp_open(s->family, ip, port, ZT_IO_UDP_BUFFER, &fds[k], &got);

        if (rv != 0) {
            while (k > 0)
                close(fds[--k]);
            return rv;
        }
    }
    return 0;
}

/* Watches the new secondary sockets |fds|; on failure none is watched.  Returns 0 or an
 * error of zt__loop_add. */
static int watch_secondary(zt_runner *r, const int *fds)
{
    for (unsigned k = 0; k < r->sec_count; k++) {
        int rv = zt__loop_add(r->loop, fds[k], zt__runner_on_readable,
                              &r->socks[r->sec_first + k]);
        if (rv != 0) {
            while (k > 0)
                (void)zt__loop_remove(r->loop, fds[--k]);
            return rv;
        }
    }
    return 0;
}

int zt__runner_rebind_secondary(zt_runner *r)
{
    int fds[ZT_RUNNER_MAX_SOCKETS];
    uint16_t port = random_port(r);
    int rv = ZT_ERR_EXISTS;

    if (r->sec_count == 0)
        return ZT_ERR_NOTFOUND;
    for (unsigned i = 0; i < 1000; i++) {
        if (!is_our_port(r, port)) {
            rv = open_secondary(r, port, fds);
            if (rv != ZT_ERR_EXISTS)
                break;
        }
        port = next_port(port);
    }
    if (rv != 0)
        return rv; /* nothing was left open */
    rv = watch_secondary(r, fds);
    if (rv != 0) {
        for (unsigned k = 0; k < r->sec_count; k++)
            close(fds[k]);
        return rv;
    }
    /* Datagrams queued for the old descriptors leave first. */
    if (r->tx.n > 0)
        (void)zt__io_udp_tx_flush(&r->tx);
    for (unsigned k = 0; k < r->sec_count; k++) {
        zt_runner_sock *s = &r->socks[r->sec_first + k];
        (void)zt__loop_remove(r->loop, s->fd);
        close(s->fd);
        s->fd = fds[k];
        atomic_store(&s->port, port);
    }
    atomic_store(&r->secondary_port, port);
    return 0;
}

/* One moons.d file, checked as a moon first met on the wire is (zt__home_check_moon) and
 * named in the log by the ID in its contents; the file name only when there is none. */
static void on_moon(void *arg, uint64_t file_id, const char *path, const uint8_t *data,
                    size_t len, const char *why)
{
    zt_runner *r = arg;
    char reason[160];
    zt_world *w;
    int rv;

    if (data == NULL) {
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "moon file %s ignored (%s)", path, why);
        return;
    }
    w = calloc(1, sizeof(*w)); /* ~20 KiB: keep it off the stack */
    if (w == NULL) {
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "moon file %s ignored (out of memory)", path);
        return;
    }
    rv = zt__home_check_moon(w, data, len, reason, sizeof(reason));
    if (rv == 0 && (rv = zt__node_add_moon(r->node, data, len, zt__io_clock_ms())) != 0)
        snprintf(reason, sizeof(reason), "%s", zt__strerror(rv));
    if (rv != 0 && w->type == ZT_WORLD_TYPE_NULL)
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "moon file %s ignored (%s)", path, reason);
    else if (rv != 0)
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "moon %016llx refused (%s): %s",
                       (unsigned long long)w->id, path, reason);
    else if (w->id != file_id)
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "moon %016llx loaded from %s (named for %016llx)",
                       (unsigned long long)w->id, path, (unsigned long long)file_id);
    else
        zt__runner_log(r, ZT_RUNNER_LOG_INFO, "moon %016llx loaded from %s",
                       (unsigned long long)w->id, path);
    free(w);
}

/* Frees what zt__runner_new() built, as far as it got.  The I/O thread is not running. */
static void release(zt_runner *r, bool has_mu, bool has_cond)
{
    /* First, while the queue it posts to still exists: deletes the mapping, ends its thread. */
    if (r->portmap != NULL)
        r->cfg.port_mapper->destroy(r->portmap);
    r->portmap = NULL;
    /* Saves the peers through the node's state callback, on this thread. */
    zt__node_del(r->node);
    r->node = NULL;
    zts_controller_del(r->controller);
    r->controller = NULL;
    close_socks(r, 0);
    zt__runner_tunnel_free(r);
    zt__loop_del(r->loop);
    zt__io_udp_rx_clear(&r->rx);
    zt__io_udp_tx_clear(&r->tx);
    zt__identity_clear(&r->id);
    free(r->planet);
    for (unsigned i = 0; i < r->nevents; i++)
        free(r->events[i].data);
    free(r->events);
    if (has_cond)
        pthread_cond_destroy(&r->cond);
    if (has_mu)
        pthread_mutex_destroy(&r->mu);
    free(r->home);
    free(r);
}

/* The home directory's path (trailing slashes dropped: "home/" and "home" name the same
 * files, keep log lines and messages tidy), or the store, the identity and the planet. */
static int copy_state_config(zt_runner *r, const zt_runner_config *cfg)
{
    if (cfg->store != NULL) {
        r->store = *cfg->store;
        r->has_store = true;
        r->id = *cfg->identity;
        r->id_validated = cfg->identity_validated;
    } else {
        r->home = strdup(cfg->home);
        if (r->home == NULL)
            return ZT_ERR_NOMEM;
        for (size_t n = strlen(r->home); n > 1 && r->home[n - 1] == '/'; n--)
            r->home[n - 1] = 0;
    }
    if (cfg->planet != NULL && cfg->planet_len > 0) {
        r->planet = malloc(cfg->planet_len);
        if (r->planet == NULL)
            return ZT_ERR_NOMEM;
        memcpy(r->planet, cfg->planet, cfg->planet_len);
        r->planet_len = cfg->planet_len;
    }
    return 0;
}

/* Copies |cfg| into |r|, with its own copies of the strings and addresses it points to. */
static int copy_config(zt_runner *r, const zt_runner_config *cfg, char *err, size_t errlen)
{
    r->cfg = *cfg;
    r->armed_deadline = ZT_LOOP_NEVER;
    atomic_init(&r->secondary_port, 0);
    r->rebind_ms = cfg->secondary_rebind_ms > 0 ? cfg->secondary_rebind_ms : RUNNER_REBIND_MS;
    zt__runner_tunnel_init(r, zt__io_clock_ms()); /* before anything that may fail */
    r->events = calloc(ZT_RUNNER_MAX_EVENTS, sizeof(*r->events));
    if (r->events == NULL || copy_state_config(r, cfg) != 0) {
        zt__err_set(err, errlen, "out of memory");
        return ZT_ERR_NOMEM;
    }
    r->cfg.home = r->home;
    r->cfg.store = NULL;
    r->cfg.identity = NULL;
    r->cfg.planet = NULL;
    if (cfg->bind_specific) {
        if (cfg->bind_ip4 != NULL) {
            memcpy(r->bind_ip4, cfg->bind_ip4, 4);
            r->has_bind_ip4 = true;
        }
        if (cfg->bind_ip6 != NULL) {
            memcpy(r->bind_ip6, cfg->bind_ip6, 16);
            r->has_bind_ip6 = true;
        }
    }
    r->cfg.bind_ip4 = r->cfg.bind_ip6 = NULL;
    if (cfg->local != NULL)
        r->local = *cfg->local;
    r->local.n_path_blacklist = r->local.n_path_blacklist > ZT_RUNNER_MAX_PATH_RULES
                                    ? ZT_RUNNER_MAX_PATH_RULES
                                    : r->local.n_path_blacklist;
    r->local.n_if_prefix_blacklist = r->local.n_if_prefix_blacklist > ZT_RUNNER_MAX_IF_PREFIXES
                                         ? ZT_RUNNER_MAX_IF_PREFIXES
                                         : r->local.n_if_prefix_blacklist;
    r->local.controller_db[sizeof(r->local.controller_db) - 1] = 0;
    for (unsigned i = 0; i < r->local.n_if_prefix_blacklist; i++)
        r->local.if_prefix_blacklist[i][sizeof(r->local.if_prefix_blacklist[i]) - 1] = 0;
    r->cfg.local = NULL;
    return 0;
}

/* The home directory: its layout, the identity (loaded or made) and the planet check.  With
 * a store: the identity given (copy_config), checked as a loaded one would be. */
static int open_home(zt_runner *r, bool *phas_planet, char *err, size_t errlen)
{
    bool created = false;
    int rv;

    if (r->has_store) {
        r->address = r->id.address;
        if (!r->id.has_secret ||
            (!r->id_validated && zt__identity_validate(&r->id, NULL) != 0)) {
            zt__err_set(err, errlen, "the identity given is not valid or has no secret");
            return ZT_ERR_INVAL;
        }
        return 0;
    }
    rv = zt__home_prepare(r->home, err, errlen);
    if (rv != 0)
        return rv;
    rv = zt__home_load_identity(r->home, &r->id, &created, err, errlen);
    if (rv != 0)
        return rv;
    r->address = r->id.address;
    if (created)
        zt__runner_log(r, ZT_RUNNER_LOG_INFO, "new identity %010llx written to %s/identity.secret",
                       (unsigned long long)r->address, r->home);
    return zt__home_check_planet(r->home, phas_planet, err, errlen);
}

/* The controller beside the node (cfg.controller). */
static int open_controller(zt_runner *r, char *err, size_t errlen)
{
    if (!r->cfg.controller)
        return 0;
    return zt__runner_open_controller(r, &r->controller, err, errlen);
}

/* Batches, the event loop, the sockets (watched by the loop) and zerotier-one.port. */
static int open_io(zt_runner *r, char *err, size_t errlen)
{
    char port_text[16];
    int rv;

    rv = zt__io_udp_rx_init(&r->rx, RUNNER_RX_BATCH);
    if (rv == 0)
        rv = zt__io_udp_tx_init(&r->tx, RUNNER_TX_BATCH, RUNNER_TX_SLOT);
    if (rv != 0) {
        zt__err_set(err, errlen, "out of memory");
        return rv;
    }
    rv = zt__loop_new(&r->loop, zt__runner_on_timer, zt__runner_on_wakeup, r);
    if (rv != 0) {
        zt__err_set(err, errlen, "cannot create the event loop: %s", strerror(errno));
        return rv;
    }
    rv = bind_sockets(r, err, errlen);
    if (rv != 0)
        return rv;
    for (unsigned i = 0; i < r->nsocks; i++) {
        rv = zt__loop_add(r->loop, r->socks[i].fd, zt__runner_on_readable, &r->socks[i]);
        if (rv != 0) {
            zt__err_set(err, errlen, "cannot watch a socket: %s", zt__strerror(rv));
            return rv;
        }
    }
    if (r->has_store)
        return 0; /* no file at all */
    snprintf(port_text, sizeof(port_text), "%u", (unsigned)r->primary_port);
    if (zt__home_write_text(r->home, "zerotier-one.port", port_text, 0644) != 0)
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "cannot write %s/zerotier-one.port: %s", r->home,
                       strerror(errno));
    return 0;
}

/* The node itself, then the moons in moons.d. */
static int open_node(zt_runner *r, bool has_planet, char *err, size_t errlen)
{
    zt_node_callbacks cb;
    zt_node_config ncfg;
    int rv;

    zt__node_config_default(&ncfg);
    ncfg.identity = &r->id;
    ncfg.planet = r->planet;
    ncfg.planet_len = r->planet_len;
    zt__random_bytes(ncfg.seed, sizeof(ncfg.seed));
    ncfg.peer_cache = r->cfg.peer_cache;
    ncfg.allow_loopback_paths = r->cfg.allow_loopback_paths;
    if (r->cfg.online_window_ms > 0)
        ncfg.online_window_ms = r->cfg.online_window_ms;
    if (r->cfg.peer_idle_ms > 0)
        ncfg.peer_idle_ms = r->cfg.peer_idle_ms;
    if (r->local.low_bandwidth)
        ncfg.config_refresh_ms *= 64;
    zt__runner_callbacks(r, &cb);
    rv = zt__node_new(&r->node, &ncfg, &cb, zt__io_clock_ms());
    zt__wipe(ncfg.seed, sizeof(ncfg.seed));
    if (rv != 0) {
        zt__err_set(err, errlen, "cannot create the node: %s%s", zt__strerror(rv),
                has_planet ? " (is the planet file usable?)" : "");
        return rv;
    }
    if (r->tx.n > 0)
        (void)zt__io_udp_tx_flush(&r->tx);
    if (!r->has_store)
        (void)zt__home_for_each_moon(r->home, on_moon, r);
    return 0;
}

/* The port mapper's callbacks (its thread). */
static void on_mapping_changed(void *user)
{
    zt_runner *r = user;
    int rv = zt__runner_post_addresses(r);

    if (rv != 0 && rv != ZT_ERR_AGAIN)
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "port mapping: cannot advertise it: %s",
                       zt__strerror(rv));
}

static void on_mapping_log(void *user, int level, const char *msg)
{
    zt__runner_log(user, (zt_runner_log_level)level, "%s", msg);
}

/* cfg.port_mapping: the mapper's thread starts on the tertiary port.  A mapper that cannot
 * start is not fatal: the node runs without the mapping. */
static void open_portmap(zt_runner *r)
{
    zt_portmap_config pcfg;
    int rv;

    if (!r->cfg.port_mapping)
        return;
    zt__runner_log(r, ZT_RUNNER_LOG_INFO, "tertiary port %u bound; mapping it on the gateway",
                   (unsigned)r->tertiary_port);
    memset(&pcfg, 0, sizeof(pcfg));
    pcfg.port = r->tertiary_port;
    snprintf(pcfg.description, sizeof(pcfg.description), "ZeroTier %010llx udp/%u",
             (unsigned long long)r->address, (unsigned)r->tertiary_port);
    pcfg.changed = on_mapping_changed;
    pcfg.log = on_mapping_log;
    pcfg.user = r;
    rv = r->cfg.port_mapper->create(&r->portmap, &pcfg);
    if (rv != 0) {
        r->portmap = NULL;
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "port mapping not started: %s", zt__strerror(rv));
    }
}

/* A home directory, or a store with an identity and neither home nor controller. */
static bool state_config_is_valid(const zt_runner_config *cfg)
{
    if (cfg->store != NULL)
        return cfg->home == NULL && cfg->identity != NULL && !cfg->controller;
    return cfg->home != NULL && cfg->home[0] != 0;
}

static bool config_is_valid(const zt_runner_config *cfg)
{
    return cfg != NULL && state_config_is_valid(cfg) && cfg->primary_port >= 0 &&
           cfg->primary_port <= 65535 && cfg->secondary_port >= -1 &&
           cfg->secondary_port <= 65535 && cfg->tertiary_port >= 0 &&
           cfg->tertiary_port <= 65535 && cfg->secondary_rebind_ms >= 0 &&
           (!cfg->port_mapping || cfg->port_mapper != NULL) && cfg->random_port_min >= 0 &&
           cfg->random_port_max >= 0 && cfg->random_port_min <= 65535 &&
           cfg->random_port_max <= 65535;
}

int zt__runner_new(zt_runner **prunner, const zt_runner_config *cfg, char *err, size_t errlen)
{
    zt_runner *r;
    bool has_planet = false, has_mu = false, has_cond = false;
    int rv;

    if (!config_is_valid(cfg)) {
        zt__err_set(err, errlen, "invalid runner configuration");
        return ZT_ERR_INVAL;
    }
    rv = zt__crypto_init();
    if (rv != 0) {
        zt__err_set(err, errlen, "cannot initialize the crypto library");
        return rv;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        zt__err_set(err, errlen, "out of memory");
        return ZT_ERR_NOMEM;
    }
    rv = copy_config(r, cfg, err, errlen);
    if (rv != 0)
        goto out;
    has_mu = pthread_mutex_init(&r->mu, NULL) == 0;
    has_cond = has_mu && pthread_cond_init(&r->cond, NULL) == 0;
    if (!has_cond) {
        rv = ZT_ERR_NOMEM;
        zt__err_set(err, errlen, "cannot create a mutex");
        goto out;
    }
    rv = open_home(r, &has_planet, err, errlen);
    if (rv != 0)
        goto out;
    rv = open_controller(r, err, errlen);
    if (rv != 0)
        goto out;
    rv = open_io(r, err, errlen);
    if (rv != 0)
        goto out;
    rv = open_node(r, has_planet, err, errlen);
    if (rv != 0)
        goto out;
    open_portmap(r);

    *prunner = r;
    r = NULL;
out:
    if (r != NULL)
        release(r, has_mu, has_cond);
    return rv;
}

/* ------------------------------------------------------------------ lifecycle */

int zt__runner_start(zt_runner *r)
{
    int rv = 0;

    pthread_mutex_lock(&r->mu);
    if (r->state != ZT_RUNNER_STATE_NEW) {
        rv = ZT_ERR_INVAL;
    } else {
        r->state = ZT_RUNNER_STATE_RUNNING;
        if (pthread_create(&r->thread, NULL, zt__runner_io_main, r) != 0) {
            r->state = ZT_RUNNER_STATE_STOPPED;
            rv = ZT_ERR_IO;
        } else {
            r->has_thread = true;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return rv;
}

void zt__runner_stop(zt_runner *r)
{
    zt__loop_stop(r->loop);
}

void zt__runner_del(zt_runner *r)
{
    if (r == NULL)
        return;
    zt__loop_stop(r->loop);
    if (r->has_thread)
        pthread_join(r->thread, NULL);
    zt__runner_verify_stop(r); /* done by the I/O thread if it ran */
    zt__runner_cmd_stop(r); /* frees commands posted to a runner that never started */
    release(r, true, true);
}

uint64_t zt__runner_address(const zt_runner *r)
{
    return r->address;
}

uint16_t zt__runner_primary_port(const zt_runner *r)
{
    return r->primary_port;
}

uint16_t zt__runner_secondary_port(const zt_runner *r)
{
    return atomic_load(&r->secondary_port);
}

uint16_t zt__runner_tertiary_port(const zt_runner *r)
{
    return r->tertiary_port;
}

bool zt__runner_port_mapping(const zt_runner *r, zt_inetaddr *external, const char **pmethod)
{
    if (r->portmap == NULL)
        return false;
    return r->cfg.port_mapper->get(r->portmap, external, pmethod);
}

const char *zt__runner_home(const zt_runner *r)
{
    return r->home;
}

size_t zt__runner_local_sockets(const zt_runner *r, zt_inetaddr *out, size_t max)
{
    static const uint8_t any[16];

    for (unsigned i = 0; i < r->nsocks && i < max; i++) {
        const zt_runner_sock *s = &r->socks[i];
        bool is_bound = r->cfg.bind_specific;

        uint16_t port = atomic_load(&s->port);

        if (s->family == AF_INET)
            zt__inetaddr_set4(&out[i], is_bound ? r->bind_ip4 : any, port);
        else
            zt__inetaddr_set6(&out[i], is_bound ? r->bind_ip6 : any, port);
    }
    return r->nsocks;
}
