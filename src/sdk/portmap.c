/*
 * portmap.c: the tertiary port mapped on the gateway by UPnP IGD or NAT-PMP, from a thread of
 * its own (portmap.h).  The thread is the only user of libminiupnpc and libnatpmp here; what
 * other threads see is the published state (external address, method) under |mu|.
 */
#include "sdk/portmap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>
#define ENABLE_STRNATPMPERR 1 /* declares strnatpmperr(), which the library always has */
#include <natpmp.h>

#include "crypto/crypto.h"
#include "io/clock.h"
#include "util/errors.h"

#define PM_DISCOVER_MS 2000          /* SSDP: how long to wait for IGDs to answer */
#define PM_DEFAULT_LIFETIME_S 3600
#define PM_PERMANENT_RENEW_MS 600000 /* a permanent UPnP lease is still re-asserted this often */
#define PM_MIN_RENEW_MS 1000
#define PM_RETRY_FIRST_MS 60000
#define PM_RETRY_MAX_MS 600000
/* One NAT-PMP request: RFC 6886 §3.1 resends after 250 ms, doubling; this allows the tries
 * at 0, 0.25, 0.75, 1.75 and 3.75 s.  The deletion at stop waits less. */
#define PM_NATPMP_REQUEST_MS 4000
#define PM_NATPMP_DELETE_MS 2000
#define PM_UPNP_RANDOM_PORTS 4       /* external ports tried when the internal one is taken */
#define PM_UPNP_CONFLICT 718         /* ConflictInMappingEntry */
#define PM_UPNP_PERMANENT_ONLY 725   /* OnlyPermanentLeasesSupported */

typedef enum { PM_NONE = 0, PM_UPNP, PM_NATPMP } pm_method;

static const char *const method_names[] = {"none", "upnp", "natpmp"};

struct zt_portmap {
    zt_portmap_config cfg;
    pthread_t thread;
    int wake_fd;                /* eventfd written by zt__portmap_del() */
    atomic_bool stopping;

    pthread_mutex_t mu;         /* guards the two below */
    zt_inetaddr published;      /* family 0: no mapping */
    pm_method published_method;

    /* The thread's own. */
    pm_method method;           /* what holds the mapping now (PM_NONE: nothing) */
    zt_inetaddr external;
    uint32_t lifetime_s;        /* granted (NAT-PMP) or asked for (UPnP; 0: permanent) */
    char gateway[INET_ADDRSTRLEN];
    bool has_igd;               /* |urls|, |igd| and |lanaddr| hold a discovered IGD */
    struct UPNPUrls urls;
    struct IGDdatas igd;
    char lanaddr[64];
    char lease[16];             /* the UPnP lease asked for, decimal ("0": permanent) */
    int64_t next_at;            /* next mapping attempt or renewal */
    int64_t retry_ms;
    bool said_nothing;          /* "no gateway answered" logged once at info, then at debug */
};

static void pm_log(zt_portmap *pm, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void pm_log(zt_portmap *pm, int level, const char *fmt, ...)
{
    char buf[384];
    va_list ap;

    if (pm->cfg.log == NULL)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    pm->cfg.log(pm->cfg.user, level, buf);
}

static bool is_stopping(zt_portmap *pm)
{
    return atomic_load(&pm->stopping);
}

/* Sleeps until |deadline| (zt__io_clock_ms time) or a stop, whichever comes first. */
static void pause_until(zt_portmap *pm, int64_t deadline)
{
    struct pollfd p = {.fd = pm->wake_fd, .events = POLLIN};
    int64_t left;

    while (!is_stopping(pm) && (left = deadline - zt__io_clock_ms()) > 0)
        (void)poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
}

/* Makes the thread's state the published one; tells the embedder when it changed. */
static void publish(zt_portmap *pm)
{
    zt_inetaddr now_ext;
    bool changed;

    memset(&now_ext, 0, sizeof(now_ext));
    if (pm->method != PM_NONE)
        now_ext = pm->external;
    pthread_mutex_lock(&pm->mu);
    changed = !zt__inetaddr_equal(&pm->published, &now_ext) ||
              pm->published_method != pm->method;
    pm->published = now_ext;
    pm->published_method = pm->method;
    pthread_mutex_unlock(&pm->mu);
    if (changed && pm->cfg.changed != NULL && !is_stopping(pm))
        pm->cfg.changed(pm->cfg.user);
}

static uint16_t random_port(void)
{
    uint32_t v;

    zt__random_bytes(&v, sizeof(v));
    return (uint16_t)(20000 + v % 45500); /* vl1.md §5.11 */
}

/* ------------------------------------------------------------------ UPnP IGD */

/* One SSDP search for the IGD's device and WAN connection types at once (searching them one
 * after the other, as upnpDiscover() does, waits PM_DISCOVER_MS for each). */
static bool upnp_discover(zt_portmap *pm)
{
    static const char *const types[] = {
        "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
        "urn:schemas-upnp-org:device:InternetGatewayDevice:2",
        "urn:schemas-upnp-org:service:WANIPConnection:1",
        "urn:schemas-upnp-org:service:WANPPPConnection:1",
        NULL};
    struct UPNPDev *devs;
    int err = 0, rv;

    devs = upnpDiscoverDevices(types, PM_DISCOVER_MS, NULL, NULL, UPNP_LOCAL_PORT_ANY, 0, 2,
                               &err, 1);
    if (devs == NULL) {
        pm_log(pm, 3, "port mapping: no UPnP device answered (%d)", err);
        return false;
    }
    memset(&pm->urls, 0, sizeof(pm->urls));
    memset(&pm->igd, 0, sizeof(pm->igd));
    memset(pm->lanaddr, 0, sizeof(pm->lanaddr));
    rv = UPNP_GetValidIGD(devs, &pm->urls, &pm->igd, pm->lanaddr, (int)sizeof(pm->lanaddr));
    freeUPNPDevlist(devs);
    if (rv != 1) {
        /* 2: an IGD that says it is not connected; 3: a UPnP device that is no IGD. */
        pm_log(pm, 3, "port mapping: no connected UPnP IGD (%d)", rv);
        if (rv != 0)
            FreeUPNPUrls(&pm->urls);
        return false;
    }
    pm->has_igd = true;
    return true;
}

static void upnp_forget(zt_portmap *pm)
{
    if (pm->has_igd)
        FreeUPNPUrls(&pm->urls);
    pm->has_igd = false;
}

static int upnp_add(zt_portmap *pm, uint16_t ext)
{
    char e[8], in[8];
    int rv;

    snprintf(e, sizeof(e), "%u", (unsigned)ext);
    snprintf(in, sizeof(in), "%u", (unsigned)pm->cfg.port);
    rv = UPNP_AddPortMapping(pm->urls.controlURL, pm->igd.first.servicetype, e, in, pm->lanaddr,
                             pm->cfg.description, "UDP", NULL, pm->lease);
    if (rv == PM_UPNP_PERMANENT_ONLY && strcmp(pm->lease, "0") != 0) {
        snprintf(pm->lease, sizeof(pm->lease), "0");
        rv = UPNP_AddPortMapping(pm->urls.controlURL, pm->igd.first.servicetype, e, in,
                                 pm->lanaddr, pm->cfg.description, "UDP", NULL, pm->lease);
    }
    return rv;
}

static void upnp_delete(zt_portmap *pm, uint16_t ext)
{
    char e[8];
    int rv;

    snprintf(e, sizeof(e), "%u", (unsigned)ext);
    rv = UPNP_DeletePortMapping(pm->urls.controlURL, pm->igd.first.servicetype, e, "UDP", NULL);
    if (rv != 0)
        pm_log(pm, 1, "port mapping: UPnP DeletePortMapping UDP/%u failed: %s (%d)",
               (unsigned)ext, strupnperror(rv) != NULL ? strupnperror(rv) : "?", rv);
    else
        pm_log(pm, 2, "port mapping removed: upnp external port %u", (unsigned)ext);
}

/* The IGD's host, from its control URL ("http://10.0.0.1:5000/ctl"), for the log. */
static void igd_host(zt_portmap *pm)
{
    const char *u = pm->urls.controlURL != NULL ? pm->urls.controlURL : "";
    size_t n;

    if (strncmp(u, "http://", 7) == 0)
        u += 7;
    n = strcspn(u, ":/");
    if (n == 0 || n >= sizeof(pm->gateway))
        snprintf(pm->gateway, sizeof(pm->gateway), "-");
    else
        snprintf(pm->gateway, sizeof(pm->gateway), "%.*s", (int)n, u);
}

/* Maps (or, |renew|, maps again) through the IGD, discovering one first if needed. */
static bool upnp_map(zt_portmap *pm, bool renew)
{
    uint16_t ext = renew ? pm->external.port : pm->cfg.port;
    char ip[64];
    uint8_t a[4];
    int rv = UPNPCOMMAND_UNKNOWN_ERROR;

    if (is_stopping(pm) || (!pm->has_igd && (renew || !upnp_discover(pm))))
        return false;
    for (unsigned k = 0; k <= (renew ? 0u : PM_UPNP_RANDOM_PORTS) && !is_stopping(pm); k++) {
        if (k > 0)
            ext = random_port();
        rv = upnp_add(pm, ext);
        if (rv != PM_UPNP_CONFLICT)
            break;
    }
    if (rv != 0) {
        pm_log(pm, renew ? 1 : 3, "port mapping: UPnP AddPortMapping UDP/%u failed: %s (%d)",
               (unsigned)ext, strupnperror(rv) != NULL ? strupnperror(rv) : "?", rv);
        upnp_forget(pm);
        return false;
    }
    memset(ip, 0, sizeof(ip));
    rv = UPNP_GetExternalIPAddress(pm->urls.controlURL, pm->igd.first.servicetype, ip);
    if (rv != 0 || inet_pton(AF_INET, ip, a) != 1 || (a[0] | a[1] | a[2] | a[3]) == 0) {
        pm_log(pm, 1, "port mapping: the UPnP IGD gives no usable external address (%d, '%.40s')",
               rv, ip);
        upnp_delete(pm, ext);
        upnp_forget(pm);
        return false;
    }
    pm->method = PM_UPNP;
    zt__inetaddr_set4(&pm->external, a, ext);
    pm->lifetime_s = (uint32_t)strtoul(pm->lease, NULL, 10);
    igd_host(pm);
    pm->next_at = zt__io_clock_ms() + (pm->lifetime_s == 0 ? PM_PERMANENT_RENEW_MS
                                                            : (int64_t)pm->lifetime_s * 500);
    return true;
}

/* ------------------------------------------------------------------ NAT-PMP */

/* Waits for the answer to the request |n| has pending, resending it as libnatpmp schedules,
 * for at most |budget_ms| (and, when |interruptible|, until a stop).  Returns libnatpmp's
 * result: 0 with |resp| filled, NATPMP_TRYAGAIN when time ran out, or an error. */
static int natpmp_wait(zt_portmap *pm, natpmp_t *n, natpmpresp_t *resp, int64_t budget_ms,
                       bool interruptible)
{
    int64_t deadline = zt__io_clock_ms() + budget_ms;

    for (;;) {
        struct pollfd p[2] = {{.fd = n->s, .events = POLLIN},
                              {.fd = pm->wake_fd, .events = POLLIN}};
        struct timeval tv;
        int64_t left = deadline - zt__io_clock_ms(), wait = left;
        int rv;

        if (left <= 0 || (interruptible && is_stopping(pm)))
            return NATPMP_TRYAGAIN;
        if (getnatpmprequesttimeout(n, &tv) == 0) {
            int64_t t = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
            wait = t < 0 ? 0 : t < wait ? t : wait;
        }
        (void)poll(p, interruptible ? 2 : 1, (int)wait);
        rv = readnatpmpresponseorretry(n, resp);
        if (rv != NATPMP_TRYAGAIN && rv != NATPMP_ERR_WRONGPACKETSOURCE)
            return rv;
    }
}

static const char *natpmp_error(int rv)
{
    return rv == NATPMP_TRYAGAIN ? "no answer" : strnatpmperr(rv);
}

/* Asks the gateway for its public address, then for the mapping. */
static bool natpmp_exchange(zt_portmap *pm, natpmp_t *n, bool renew, struct in_addr *pub,
                            natpmpresp_t *map)
{
    uint16_t suggest = renew ? pm->external.port : pm->cfg.port;
    natpmpresp_t resp;
    int rv;

    rv = sendpublicaddressrequest(n);
    if (rv >= 0)
        rv = natpmp_wait(pm, n, &resp, PM_NATPMP_REQUEST_MS, true);
    if (rv != 0 || resp.type != NATPMP_RESPTYPE_PUBLICADDRESS) {
        pm_log(pm, renew ? 1 : 3, "port mapping: NAT-PMP public address from %s: %s",
               pm->gateway, rv != 0 ? natpmp_error(rv) : "unexpected answer");
        return false;
    }
    *pub = resp.pnu.publicaddress.addr;
    if (pub->s_addr == 0) {
        pm_log(pm, renew ? 1 : 3, "port mapping: NAT-PMP gateway %s has no public address yet",
               pm->gateway);
        return false;
    }
    rv = sendnewportmappingrequest(n, NATPMP_PROTOCOL_UDP, pm->cfg.port, suggest,
                                   pm->cfg.lifetime_s);
    if (rv >= 0)
        rv = natpmp_wait(pm, n, map, PM_NATPMP_REQUEST_MS, true);
    if (rv != 0 || map->type != NATPMP_RESPTYPE_UDPPORTMAPPING ||
        map->pnu.newportmapping.privateport != pm->cfg.port ||
        map->pnu.newportmapping.mappedpublicport == 0 || map->pnu.newportmapping.lifetime == 0) {
        pm_log(pm, renew ? 1 : 3, "port mapping: NAT-PMP mapping of UDP/%u by %s: %s",
               (unsigned)pm->cfg.port, pm->gateway,
               rv != 0 ? natpmp_error(rv) : "unexpected answer");
        return false;
    }
    return true;
}

static bool natpmp_map(zt_portmap *pm, bool renew)
{
    natpmp_t n;
    natpmpresp_t map;
    struct in_addr pub, gw;
    uint32_t life;
    int rv;

    rv = initnatpmp(&n, 0, 0);
    if (rv < 0) {
        pm_log(pm, 3, "port mapping: NAT-PMP: %s", strnatpmperr(rv));
        return false;
    }
    gw.s_addr = n.gateway;
    (void)inet_ntop(AF_INET, &gw, pm->gateway, sizeof(pm->gateway));
    if (!natpmp_exchange(pm, &n, renew, &pub, &map)) {
        closenatpmp(&n);
        return false;
    }
    closenatpmp(&n);
    life = map.pnu.newportmapping.lifetime;
    pm->method = PM_NATPMP;
    zt__inetaddr_set4(&pm->external, (const uint8_t *)&pub,
                      map.pnu.newportmapping.mappedpublicport);
    pm->lifetime_s = life;
    pm->next_at = zt__io_clock_ms() +
                  ((int64_t)life * 500 < PM_MIN_RENEW_MS ? PM_MIN_RENEW_MS : (int64_t)life * 500);
    return true;
}

/* RFC 6886 §3.4: a mapping request with lifetime 0 (and suggested port 0) deletes it. */
static void natpmp_unmap(zt_portmap *pm)
{
    natpmp_t n;
    natpmpresp_t resp;
    int rv;

    rv = initnatpmp(&n, 0, 0);
    if (rv < 0) {
        pm_log(pm, 1, "port mapping: NAT-PMP delete: %s", strnatpmperr(rv));
        return;
    }
    rv = sendnewportmappingrequest(&n, NATPMP_PROTOCOL_UDP, pm->cfg.port, 0, 0);
    if (rv >= 0)
        rv = natpmp_wait(pm, &n, &resp, PM_NATPMP_DELETE_MS, false);
    closenatpmp(&n);
    if (rv != 0)
        pm_log(pm, 1, "port mapping: NAT-PMP delete of UDP/%u by %s: %s",
               (unsigned)pm->cfg.port, pm->gateway, natpmp_error(rv));
    else
        pm_log(pm, 2, "port mapping removed: natpmp internal port %u", (unsigned)pm->cfg.port);
}

/* ------------------------------------------------------------------ the thread */

static void log_mapping(zt_portmap *pm, const zt_inetaddr *before, pm_method was)
{
    char ext[ZT_INETADDR_STR_MAX];

    if (zt__inetaddr_format(&pm->external, ext, sizeof(ext)) < 0)
        snprintf(ext, sizeof(ext), "?");
    pm_log(pm, was == pm->method && zt__inetaddr_equal(before, &pm->external) ? 3 : 2,
           "port mapping %s: external=%s internal=udp/%u lifetime=%us gateway=%s%s",
           was == PM_NONE ? "made" : "renewed", ext, (unsigned)pm->cfg.port,
           (unsigned)pm->lifetime_s, pm->gateway, pm->method == PM_UPNP ? " method=upnp"
                                                                          : " method=natpmp");
}

/* One attempt: renew what we have, else map from scratch (UPnP first, then NAT-PMP). */
static void map_step(zt_portmap *pm)
{
    zt_inetaddr before = pm->external;
    pm_method was = pm->method;
    bool ok = false;

    if (was == PM_UPNP)
        ok = upnp_map(pm, true);
    else if (was == PM_NATPMP)
        ok = natpmp_map(pm, true);
    if (was != PM_NONE && !ok) {
        if (is_stopping(pm))
            return; /* interrupted, not refused: the mapping is deleted on the way out */
        pm_log(pm, 1, "port mapping lost (%s renewal failed); looking for a gateway again",
               method_names[was]);
        pm->method = PM_NONE;
        was = PM_NONE;
        publish(pm);
    }
    if (!ok && !is_stopping(pm))
        ok = upnp_map(pm, false) || (!is_stopping(pm) && natpmp_map(pm, false));
    if (ok) {
        log_mapping(pm, &before, was);
        pm->retry_ms = PM_RETRY_FIRST_MS;
        pm->said_nothing = false;
        publish(pm);
        return;
    }
    if (is_stopping(pm))
        return;
    pm_log(pm, pm->said_nothing ? 3 : 2,
           "port mapping: no UPnP IGD or NAT-PMP gateway answered for udp/%u; next try in %llds",
           (unsigned)pm->cfg.port, (long long)(pm->retry_ms / 1000));
    pm->said_nothing = true;
    pm->next_at = zt__io_clock_ms() + pm->retry_ms;
    pm->retry_ms = pm->retry_ms * 2 > PM_RETRY_MAX_MS ? PM_RETRY_MAX_MS : pm->retry_ms * 2;
}

static void *pm_main(void *arg)
{
    zt_portmap *pm = arg;

    pm->next_at = zt__io_clock_ms();
    pm->retry_ms = PM_RETRY_FIRST_MS;
    while (!is_stopping(pm)) {
        if (zt__io_clock_ms() >= pm->next_at)
            map_step(pm);
        pause_until(pm, pm->next_at);
    }
    if (pm->method == PM_UPNP && pm->has_igd) /* (a failed renewal forgot the IGD) */
        upnp_delete(pm, pm->external.port);
    else if (pm->method == PM_NATPMP)
        natpmp_unmap(pm);
    pm->method = PM_NONE;
    publish(pm);
    upnp_forget(pm);
    zt__crypto_thread_stop();
    return NULL;
}

/* ------------------------------------------------------------------ API */

int zt__portmap_new(zt_portmap **ppm, const zt_portmap_config *cfg)
{
    zt_portmap *pm;

    if (cfg == NULL || cfg->port == 0)
        return ZT_ERR_INVAL;
    pm = calloc(1, sizeof(*pm));
    if (pm == NULL)
        return ZT_ERR_NOMEM;
    pm->cfg = *cfg;
    pm->cfg.description[sizeof(pm->cfg.description) - 1] = 0;
    if (pm->cfg.lifetime_s == 0)
        pm->cfg.lifetime_s = PM_DEFAULT_LIFETIME_S;
    snprintf(pm->lease, sizeof(pm->lease), "%u", (unsigned)pm->cfg.lifetime_s);
    snprintf(pm->gateway, sizeof(pm->gateway), "-");
    atomic_init(&pm->stopping, false);
    pm->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (pm->wake_fd < 0) {
        free(pm);
        return ZT_ERR_IO;
    }
    if (pthread_mutex_init(&pm->mu, NULL) != 0) {
        close(pm->wake_fd);
        free(pm);
        return ZT_ERR_NOMEM;
    }
    if (pthread_create(&pm->thread, NULL, pm_main, pm) != 0) {
        pthread_mutex_destroy(&pm->mu);
        close(pm->wake_fd);
        free(pm);
        return ZT_ERR_IO;
    }
    *ppm = pm;
    return 0;
}

void zt__portmap_del(zt_portmap *pm)
{
    uint64_t one = 1;

    if (pm == NULL)
        return;
    atomic_store(&pm->stopping, true);
    (void)!write(pm->wake_fd, &one, sizeof(one));
    pthread_join(pm->thread, NULL);
    pthread_mutex_destroy(&pm->mu);
    close(pm->wake_fd);
    free(pm);
}

bool zt__portmap_get(zt_portmap *pm, zt_inetaddr *external, const char **pmethod)
{
    bool mapped;

    pthread_mutex_lock(&pm->mu);
    mapped = pm->published_method != PM_NONE;
    if (external != NULL)
        *external = pm->published;
    if (pmethod != NULL)
        *pmethod = method_names[pm->published_method];
    pthread_mutex_unlock(&pm->mu);
    return mapped;
}

const zt_portmap_ops zt__portmap_gateway = {
    .create = zt__portmap_new,
    .destroy = zt__portmap_del,
    .get = zt__portmap_get,
};
