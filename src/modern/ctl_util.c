/*
 * ctl_util.c: the modern API's calls that need no node (api-modern.md §5.1 identities, the
 * pure functions of §5.4-§5.5, zts_util_delay of §5.11) and HEAD's zts_in6addr_any.  The
 * derived IPv6 layouts come from the codec the node itself uses (codec/ethernet.h), so the
 * API and the node can never disagree on them.
 */
#include "modern/ctl_internal.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "codec/ethernet.h"

/* One definition, so that the header's extern declaration links from any number of
 * translation units (§2, HEAD's in-header definition does not). */
const struct zts_in6_addr zts_in6addr_any = ZTS_IN6ADDR_ANY_INIT;

/* ---- identities (§5.1) -------------------------------------------------------------------- */

int zts_id_new(char *key, unsigned int *key_buf_len)
{
    zt_identity id;
    zt_ssize n;

    if (key == NULL || key_buf_len == NULL || *key_buf_len != ZTS_ID_STR_BUF_LEN)
        return ZTS_ERR_ARG;
    if (zt__identity_generate(&id, NULL) != 0)
        return ZTS_ERR_GENERAL;
    /* The text and its NUL (a superset of the reference, which wrote no NUL). */
    n = zt__identity_to_string(&id, true, key, ZTS_ID_STR_BUF_LEN);
    zt__identity_clear(&id);
    if (n < 0)
        return ZTS_ERR_GENERAL;
    *key_buf_len = (unsigned int)n;
    return ZTS_ERR_OK;
}

int zts_id_pair_is_valid(const char *key, unsigned int len)
{
    zt_identity id;
    size_t n;
    int valid;

    if (key == NULL || len != ZTS_ID_STR_BUF_LEN)
        return 0;
    n = strnlen(key, len);
    if (n < 33 || key[10] != ':')
        return 0;
    valid = zt__identity_from_string(&id, key, n) == 0 && zt__identity_validate(&id, NULL) == 0;
    zt__identity_clear(&id);
    return valid;
}

/* ---- pure network and address functions (§5.4, §5.5) -------------------------------------- */

uint64_t zts_net_compute_adhoc_id(uint16_t start_port, uint16_t end_port)
{
    return 0xff00000000000000ULL | (uint64_t)start_port << 40 | (uint64_t)end_port << 24;
}

/* The address |derive| gives for |node_id| on |net_id| as a full zts_sockaddr_in6 (length,
 * family, port/flow/scope 0: a superset of the reference, which wrote the 16 bytes only). */
static int derived(uint64_t net_id, uint64_t node_id, struct zts_sockaddr_storage *addr,
                   void (*derive)(uint64_t nwid, uint64_t address, zt_inetaddr *out))
{
    zt_inetaddr ip;

    if (addr == NULL || net_id == 0 || node_id == 0)
        return ZTS_ERR_ARG;
    derive(net_id, node_id, &ip);
    ip.port = 0;
    zt__modern_storage_of(&ip, addr);
    return ZTS_ERR_OK;
}

int zts_addr_compute_6plane(const uint64_t net_id, const uint64_t node_id,
                            struct zts_sockaddr_storage *addr)
{
    return derived(net_id, node_id, addr, zt__ipv6_6plane);
}

int zts_addr_compute_rfc4193(const uint64_t net_id, const uint64_t node_id,
                             struct zts_sockaddr_storage *addr)
{
    return derived(net_id, node_id, addr, zt__ipv6_rfc4193);
}

/* The same as text; |len| must be ZTS_IP_MAX_STR_LEN exactly (§5.5). */
static int derived_str(uint64_t net_id, uint64_t node_id, char *dst, unsigned int len,
                       void (*derive)(uint64_t nwid, uint64_t address, zt_inetaddr *out))
{
    zt_inetaddr ip;

    if (dst == NULL || net_id == 0 || node_id == 0 || len != ZTS_IP_MAX_STR_LEN)
        return ZTS_ERR_ARG;
    derive(net_id, node_id, &ip);
    (void)zt__modern_ip_text(6, ip.ip, dst, len);
    return ZTS_ERR_OK;
}

int zts_addr_compute_rfc4193_str(uint64_t net_id, uint64_t node_id, char *dst, unsigned int len)
{
    return derived_str(net_id, node_id, dst, len, zt__ipv6_rfc4193);
}

int zts_addr_compute_6plane_str(uint64_t net_id, uint64_t node_id, char *dst, unsigned int len)
{
    return derived_str(net_id, node_id, dst, len, zt__ipv6_6plane);
}

/* ---- zts_util_delay ----------------------------------------------------------------------- */

void zts_util_delay(unsigned long milliseconds)
{
    struct timespec left;
    int saved = errno;

    left.tv_sec = (time_t)(milliseconds / 1000);
    left.tv_nsec = (long)(milliseconds % 1000) * 1000000L;
    /* The whole interval: a signal interrupting the sleep resumes it for the time left. */
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
    errno = saved; /* a utility: the caller's errno as it was */
}
