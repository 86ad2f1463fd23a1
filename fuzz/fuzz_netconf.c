/*
 * fuzz_netconf: a config dictionary (vl2.md §4.3, §4.4).  A config that parses stays within
 * every limit, writes (1.14.1 key order), parses again, and writes the same bytes a second
 * time.  A rejected one returns one of the documented codes and holds no memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/netconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_limits(const zt_netconf *nc)
{
    size_t total = 0;

    if (nc->version < ZT_NETCONF_VERSION_MIN || nc->nwid == 0 || nc->issued_to == 0 ||
        nc->issued_to > 0xffffffffffULL || nc->trace_target > 0xffffffffffULL)
        abort();
    if (nc->mtu < ZT_MIN_MTU || nc->mtu > ZT_MAX_MTU)
        abort();
    if (nc->n_static_ips > ZT_NETCONF_MAX_STATIC_IPS || nc->n_routes > ZT_NETCONF_MAX_ROUTES ||
        nc->n_specialists > ZT_NETCONF_MAX_SPECIALISTS)
        abort();
    if (strlen(nc->name) > ZT_NETCONF_NAME_MAX)
        abort();
    for (unsigned i = 0; i < nc->n_static_ips; i++)
        if (nc->static_ips[i].family != 4 && nc->static_ips[i].family != 6)
            abort();
    if (nc->has_dns && nc->dns.domain[ZT_NETCONF_DNS_DOMAIN_LEN - 1] != 0)
        abort();
    for (unsigned i = 0; i < ZT_NETCONF_NBLOBS; i++) {
        size_t n;
        const uint8_t *p = zt__netconf_blob(nc, (zt_netconf_blob_id)i, &n);
        if ((p == NULL) != (n == 0) || (p != NULL && (p < nc->arena ||
                                                     p + n > nc->arena + nc->arena_len)))
            abort();
        total += n;
    }
    if (total != nc->arena_len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zt_netconf nc, again;
    uint8_t *out1, *out2;
    zt_ssize n1, n2;
    size_t cap;
    int rv = zt__netconf_parse(&nc, data, size, NULL);

    if (rv != 0) {
        if (rv != ZT_ERR_RANGE && rv != ZT_ERR_UNSUPPORTED && rv != ZT_ERR_INVAL &&
            rv != ZT_ERR_TRUNCATED)
            abort();
        if (nc.arena != NULL)
            abort();
        return 0;
    }
    check_limits(&nc);
    /* Output is at most twice the input (escapes) plus the keys always written (under 1 KiB
     * with DNS); 4 KiB of slack keeps the buffers small and the harness fast. */
    cap = 2 * size + 4096;
    out1 = malloc(cap);
    out2 = malloc(cap);
    if (out1 == NULL || out2 == NULL)
        abort();
    n1 = zt__netconf_write(&nc, out1, cap);
    if (n1 <= 0 && size + 4096 < ZT_DICT_CONFIG_MAX / 2)
        abort();
    if (n1 <= 0)
        goto out;
    if (zt__netconf_parse(&again, out1, (size_t)n1, NULL) != 0)
        abort();
    check_limits(&again);
    n2 = zt__netconf_write(&again, out2, cap);
    if (n2 != n1 || memcmp(out1, out2, (size_t)n1) != 0)
        abort();
    zt__netconf_clear(&again);
out:
    zt__netconf_clear(&nc);
    free(out2);
    free(out1);
    return 0;
}
