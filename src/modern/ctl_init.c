/*
 * ctl_init.c: the zts_init_* calls (api-modern.md §5.2, HEAD's of §5.14).  Each records a
 * setting for the next zts_node_start, under the service's mu, only while no run is active:
 * while running (or stopping, or after zts_node_free) each returns ZTS_ERR_SERVICE and changes
 * nothing, before any argument check (§5.2: DevilutionX calls them again while its node runs).
 * None blocks or does I/O; zts_init_from_memory checks the identity's address proof, which
 * costs a few tens of milliseconds of CPU.  The settings return to their defaults when the
 * run they configured ends (§7.6; ctl_node.c calls zt__modern_reset).
 */
#include "modern/ctl_internal.h"

#include <stdlib.h>
#include <string.h>

/* The settings before any zts_init_* (and after each run, zt__modern_reset). */
#define CFG_DEFAULTS                                                                           \
    {                                                                                          \
        .secondary = true, .port_mapping = true, .net_cache = true, .peer_cache = true,        \
        .roots_cache = true, .id_cache = true, .allow_tcp_relay = true,                        \
    }

zt_modern_cfg zt__modern = CFG_DEFAULTS;

zt_modern_run zt__modern_run;

void zt__modern_reset(void)
{
    free(zt__modern.path);
    free(zt__modern.roots);
    zt__identity_clear(&zt__modern.key);
    zt__modern = (zt_modern_cfg)CFG_DEFAULTS;
}

/* The prologue of every zts_init_*: takes mu and returns true if settings may change (no run
 * is active); else releases mu.  The caller releases mu after a true. */
static bool lock_idle(void)
{
    pthread_mutex_lock(&zt__svc.mu);
    if (zt__svc.state == ZT_SVC_IDLE)
        return true;
    pthread_mutex_unlock(&zt__svc.mu);
    return false;
}

static void unlock(void)
{
    pthread_mutex_unlock(&zt__svc.mu);
}

/* Sets |*flag| when no run is active. */
static int set_flag(bool *flag, bool value)
{
    if (!lock_idle())
        return ZTS_ERR_SERVICE;
    *flag = value;
    unlock();
    return ZTS_ERR_OK;
}

int zts_init_from_storage(const char *path)
{
    char *copy;

    if (!lock_idle())
        return ZTS_ERR_SERVICE;
    if (path == NULL || path[0] == '\0' || strnlen(path, ZT_MODERN_PATH_MAX) >= ZT_MODERN_PATH_MAX) {
        unlock();
        return ZTS_ERR_ARG;
    }
    copy = strdup(path);
    if (copy == NULL) {
        unlock();
        return ZTS_ERR_GENERAL;
    }
    free(zt__modern.path);
    zt__modern.path = copy;
    unlock();
    return ZTS_ERR_OK;
}

/* The secret identity |key| holds (up to its first NUL within |len|), if it parses and
 * passes local validation (the address proof).  No lock held: it takes a while. */
static int parse_key(const char *key, unsigned int len, zt_identity *id)
{
    size_t n;

    if (key == NULL || len < ZTS_ID_STR_BUF_LEN)
        return ZTS_ERR_ARG;
    n = strnlen(key, len);
    if (zt__identity_from_string(id, key, n) != 0 || !id->has_secret ||
        zt__identity_validate(id, NULL) != 0) {
        zt__identity_clear(id);
        return ZTS_ERR_ARG;
    }
    return ZTS_ERR_OK;
}

int zts_init_from_memory(const char *key, unsigned int len)
{
    zt_identity id;
    int rv;

    /* A first look without the check's cost: refused while running, whatever the key. */
    if (!lock_idle())
        return ZTS_ERR_SERVICE;
    unlock();
    rv = parse_key(key, len, &id);
    if (rv != ZTS_ERR_OK)
        return rv;
    if (!lock_idle()) {
        zt__identity_clear(&id);
        return ZTS_ERR_SERVICE; /* a start came in meanwhile */
    }
    zt__identity_clear(&zt__modern.key);
    zt__modern.key = id;
    zt__modern.has_key = true;
    unlock();
    zt__identity_clear(&id);
    return ZTS_ERR_OK;
}

int zts_init_set_event_handler(void (*callback)(void *))
{
    if (!lock_idle())
        return ZTS_ERR_SERVICE;
    if (callback == NULL) {
        unlock();
        return ZTS_ERR_ARG;
    }
    zt__modern.callback = callback;
    unlock();
    return ZTS_ERR_OK;
}

int zts_init_blacklist_if(const char *prefix, unsigned int len)
{
    int rv = ZTS_ERR_OK;
    size_t n;

    if (!lock_idle())
        return ZTS_ERR_SERVICE;
    n = prefix != NULL ? strnlen(prefix, sizeof(zt__modern.blacklist[0])) : 0;
    if (prefix == NULL || len == 0 || len > 15 || n == 0 || n >= sizeof(zt__modern.blacklist[0]))
        rv = ZTS_ERR_ARG;
    else if (zt__modern.nblacklist >= ZT_MODERN_MAX_BLACKLIST)
        rv = ZTS_ERR_GENERAL;
    else
        memcpy(zt__modern.blacklist[zt__modern.nblacklist++], prefix, n + 1);
    unlock();
    return rv;
}

int zts_init_set_roots(const void *roots_data, unsigned int len)
{
    uint8_t *copy;

    if (!lock_idle())
        return ZTS_ERR_SERVICE;
    if (roots_data == NULL || len == 0 || len > ZTS_STORE_DATA_LEN) {
        unlock();
        return ZTS_ERR_ARG;
    }
    copy = malloc(len);
    if (copy == NULL) {
        unlock();
        return ZTS_ERR_GENERAL;
    }
    memcpy(copy, roots_data, len);
    free(zt__modern.roots);
    zt__modern.roots = copy;
    zt__modern.roots_len = len;
    unlock();
    return ZTS_ERR_OK;
}

int zts_init_set_port(unsigned short port)
{
    if (!lock_idle())
        return ZTS_ERR_SERVICE;
    zt__modern.port = port;
    unlock();
    return ZTS_ERR_OK;
}

int zts_init_set_random_port_range(unsigned short start_port, unsigned short end_port)
{
    if (!lock_idle())
        return ZTS_ERR_SERVICE;
    if (start_port != 0 && end_port != 0 && start_port > end_port) {
        unlock();
        return ZTS_ERR_ARG;
    }
    zt__modern.range_start = start_port;
    zt__modern.range_end = end_port;
    unlock();
    return ZTS_ERR_OK;
}

int zts_init_allow_secondary_port(unsigned int allowed)
{
    return set_flag(&zt__modern.secondary, allowed != 0);
}

int zts_init_allow_port_mapping(unsigned int allowed)
{
    return set_flag(&zt__modern.port_mapping, allowed != 0);
}

int zts_init_allow_net_cache(unsigned int allowed)
{
    return set_flag(&zt__modern.net_cache, allowed != 0);
}

int zts_init_allow_peer_cache(unsigned int allowed)
{
    return set_flag(&zt__modern.peer_cache, allowed != 0);
}

int zts_init_allow_roots_cache(unsigned int allowed)
{
    return set_flag(&zt__modern.roots_cache, allowed != 0);
}

int zts_init_allow_id_cache(unsigned int allowed)
{
    return set_flag(&zt__modern.id_cache, allowed != 0);
}

int zts_init_set_tcp_relay(const char *tcp_relay_addr, unsigned short tcp_relay_port)
{
    uint8_t ip[16];
    int family;

    if (!lock_idle())
        return ZTS_ERR_SERVICE;
    family = tcp_relay_addr != NULL ? zt__modern_parse_ip(tcp_relay_addr, ip) : 0;
    if (family == 0 || tcp_relay_port == 0) {
        unlock();
        return ZTS_ERR_ARG;
    }
    if (family == 4)
        zt__inetaddr_set4(&zt__modern.tcp_relay, ip, tcp_relay_port);
    else
        zt__inetaddr_set6(&zt__modern.tcp_relay, ip, tcp_relay_port);
    zt__modern.has_tcp_relay = true;
    unlock();
    return ZTS_ERR_OK;
}

int zts_init_allow_tcp_relay(int enabled)
{
    return set_flag(&zt__modern.allow_tcp_relay, enabled != 0);
}

int zts_init_force_tcp_relay(int enabled)
{
    return set_flag(&zt__modern.force_tcp_relay, enabled != 0);
}

int zts_init_set_low_bandwidth_mode(int enabled)
{
    return set_flag(&zt__modern.low_bandwidth, enabled != 0);
}
