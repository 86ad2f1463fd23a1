/*
 * sock_dns.c: the modern API's resolver calls (api-modern.md §5.9): zts_bsd_gethostbyname
 * over lwIP's DNS client, and its two servers as zts_ip_addr.
 *
 * zts_ip_addr is taken and returned in the client's layout (20 bytes: no zone byte, §2,
 * §4.8, §11 item 30), whatever lwIP's own ip_addr_t is: the public header is included before
 * any lwIP header (msock.h), and the fields are converted one by one.
 *
 * A lookup runs on lwIP's DNS client under the core lock; the caller sleeps on the core lock
 * itself (zt__sys_core_wait) until lwIP's callback, which runs with that lock held, says it is
 * done.  lwIP always calls back once a query is queued (answer, or its own timeout), and it
 * cannot cancel one: a caller that stops waiting first leaves the request to the callback to
 * free.
 */
#include "modern/msock.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/sys_arch.h"
#include "lwip/dns.h"
#include "lwip/tcpip.h"

_Static_assert(sizeof(zts_ip_addr) == 20, "zts_ip_addr: the client's layout (no zone)");
_Static_assert(DNS_MAX_SERVERS >= 2, "two DNS servers (§5.9)");

#define ZT_DNS_SERVERS 2
/* Bound of one lookup; lwIP's own retries end well before it. */
#define ZT_DNS_WAIT_MS 30000

/* zts_ip_addr.type values (lwIP's IPADDR_TYPE_*). */
#define TYPE_V4 0
#define TYPE_V6 6
#define TYPE_ANY 46

typedef struct lookup {
    pthread_cond_t cond;
    bool done;      /* lwIP has called back */
    bool abandoned; /* the caller stopped waiting: the callback frees */
    bool found;
    ip_addr_t ip;
} lookup;

/* The static results (not thread-safe for the caller, §5.9; filled under |mu|). */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    struct zts_hostent h;
    char name[DNS_MAX_NAME_LENGTH + 1];
    char *aliases[1];
    char *addrs[2];
    uint8_t addr[16];
} result;
static zts_ip_addr servers[ZT_DNS_SERVERS];

static void lookup_free(lookup *l)
{
    pthread_cond_destroy(&l->cond);
    free(l);
}

/* lwIP's answer (core lock held): |ip| NULL if the name was not resolved. */
static void on_found(const char *name, const ip_addr_t *ip, void *arg)
{
    lookup *l = arg;

    (void)name;
    if (l->abandoned) {
        lookup_free(l);
        return;
    }
    if (ip != NULL) {
        ip_addr_copy(l->ip, *ip);
        l->found = true;
    }
    l->done = true;
    pthread_cond_signal(&l->cond);
}

/* Resolves |name| into *|out|: true if found. */
static bool resolve(const char *name, ip_addr_t *out)
{
    struct timespec ts;
    bool found = false;
    lookup *l = calloc(1, sizeof(*l));
    err_t err;

    if (l == NULL)
        return false;
    zt__sys_cond_init(&l->cond);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ZT_DNS_WAIT_MS / 1000;
    LOCK_TCPIP_CORE();
    err = dns_gethostbyname(name, out, on_found, l);
    if (err == ERR_INPROGRESS) {
        /* The callback may already have run (no server set: lwIP answers at once). */
        while (!l->done && zt__sys_core_wait(&l->cond, &ts) == 0) {
        }
        if (!l->done) {
            l->abandoned = true;
            l = NULL;
        } else if (l->found) {
            ip_addr_copy(*out, l->ip);
            found = true;
        }
    } else {
        found = err == ERR_OK; /* a literal address, or one in lwIP's cache */
    }
    UNLOCK_TCPIP_CORE();
    if (l != NULL)
        lookup_free(l);
    return found;
}

struct zts_hostent *zts_bsd_gethostbyname(const char *name)
{
    ip_addr_t ip;
    size_t n;

    if (!zt__msock_up() || name == NULL)
        return NULL;
    n = strlen(name);
    if (n == 0 || n > DNS_MAX_NAME_LENGTH || !resolve(name, &ip))
        return NULL;
    pthread_mutex_lock(&mu);
    memset(&result, 0, sizeof(result));
    memcpy(result.name, name, n);
    if (IP_IS_V6_VAL(ip)) {
        result.h.h_addrtype = ZTS_AF_INET6;
        result.h.h_length = 16;
        memcpy(result.addr, ip_2_ip6(&ip)->addr, 16);
    } else {
        uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(&ip)); /* network order */
        result.h.h_addrtype = ZTS_AF_INET;
        result.h.h_length = 4;
        memcpy(result.addr, &v4, 4);
    }
    result.h.h_name = result.name;
    result.h.h_aliases = result.aliases;
    result.addrs[0] = (char *)result.addr;
    result.h.h_addr_list = result.addrs;
    pthread_mutex_unlock(&mu);
    return &result.h;
}

int zts_dns_set_server(uint8_t index, const zts_ip_addr *addr)
{
    ip_addr_t ip;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (index >= ZT_DNS_SERVERS || addr == NULL)
        return ZTS_ERR_ARG;
    switch (addr->type) {
    case TYPE_V4:
        ip_addr_set_ip4_u32_val(ip, addr->u_addr.ip4.addr);
        break;
    case TYPE_V6:
        memcpy(ip_2_ip6(&ip)->addr, addr->u_addr.ip6.addr, 16);
        ip6_addr_clear_zone(ip_2_ip6(&ip));
        IP_SET_TYPE_VAL(ip, IPADDR_TYPE_V6);
        break;
    case TYPE_ANY:
        ip_addr_set_zero_ip4(&ip); /* no server */
        break;
    default:
        return ZTS_ERR_ARG;
    }
    LOCK_TCPIP_CORE();
    dns_setserver(index, &ip);
    UNLOCK_TCPIP_CORE();
    return ZTS_ERR_OK;
}

const zts_ip_addr *zts_dns_get_server(uint8_t index)
{
    ip_addr_t ip;
    zts_ip_addr *out;

    if (!zt__msock_up() || index >= ZT_DNS_SERVERS)
        return NULL;
    LOCK_TCPIP_CORE();
    ip_addr_copy(ip, *dns_getserver(index));
    UNLOCK_TCPIP_CORE();
    pthread_mutex_lock(&mu);
    out = &servers[index];
    memset(out, 0, sizeof(*out));
    if (IP_IS_V6_VAL(ip)) {
        out->type = TYPE_V6;
        memcpy(out->u_addr.ip6.addr, ip_2_ip6(&ip)->addr, 16);
    } else {
        out->type = TYPE_V4; /* an unset server reads as 0.0.0.0 */
        out->u_addr.ip4.addr = ip4_addr_get_u32(ip_2_ip4(&ip));
    }
    pthread_mutex_unlock(&mu);
    return out;
}
