/*
 * netconf.c: network configuration <-> dictionary (vl2.md §4.2-§4.4).
 */
#include "codec/netconf.h"

#include <string.h>

#include "codec/dictionary.h"

static const char *const blob_keys[ZT_NETCONF_NBLOBS] = {
    "C", "CAP", "TAG", "COO", "R", "aurl", "iurl", "ssoce", "sson", "ssos", "ssocid", "ssop",
};

#define SSO_PROVIDER_DEFAULT "default"

/* The largest binary value we build when writing: RT with 128 IPv6 target+via routes. */
#define ROUTE_WIRE_MAX (19 + 19 + 2 + 2)
#define TMP_MAX (ZT_NETCONF_MAX_ROUTES * ROUTE_WIRE_MAX)

void zt__netconf_init(zt_netconf *nc, const zt_mem *mem)
{
    memset(nc, 0, sizeof(*nc));
    nc->version = ZT_NETCONF_VERSION;
    nc->mtu = ZT_DEFAULT_MTU;
    nc->mem = mem;
}

void zt__netconf_clear(zt_netconf *nc)
{
    const zt_mem *mem = nc->mem;

    zt__mem_free(mem, nc->arena);
    zt__netconf_init(nc, mem);
}

bool zt__netconf_is_public(const zt_netconf *nc)
{
    return nc->type == ZT_NETWORK_TYPE_PUBLIC;
}

const uint8_t *zt__netconf_blob(const zt_netconf *nc, zt_netconf_blob_id which, size_t *len)
{
    if ((unsigned)which >= ZT_NETCONF_NBLOBS || nc->blob[which].len == 0) {
        *len = 0;
        return NULL;
    }
    *len = nc->blob[which].len;
    return nc->arena + nc->blob[which].off;
}

int zt__netconf_set_blob(zt_netconf *nc, zt_netconf_blob_id which, const void *data,
                         size_t len)
{
    size_t total = len, off = 0;
    uint8_t *arena = NULL;
    uint32_t offs[ZT_NETCONF_NBLOBS];

    if ((unsigned)which >= ZT_NETCONF_NBLOBS)
        return ZT_ERR_INVAL;
    for (unsigned i = 0; i < ZT_NETCONF_NBLOBS; i++)
        if (i != (unsigned)which)
            total += nc->blob[i].len;
    if (len > ZT_DICT_CONFIG_MAX || total > ZT_DICT_CONFIG_MAX)
        return ZT_ERR_RANGE;
    if (total > 0) {
        arena = zt__mem_calloc(nc->mem, 1, total);
        if (arena == NULL)
            return ZT_ERR_NOMEM;
    }
    /* Rebuild the arena: every other blob keeps its bytes, |which| gets the new ones. */
    for (unsigned i = 0; i < ZT_NETCONF_NBLOBS; i++) {
        size_t n = i == (unsigned)which ? len : nc->blob[i].len;
        offs[i] = (uint32_t)off;
        if (n > 0)
            memcpy(arena + off, i == (unsigned)which ? data : nc->arena + nc->blob[i].off, n);
        off += n;
    }
    for (unsigned i = 0; i < ZT_NETCONF_NBLOBS; i++) {
        nc->blob[i].off = offs[i];
        if (i == (unsigned)which)
            nc->blob[i].len = (uint32_t)len;
    }
    zt__mem_free(nc->mem, nc->arena);
    nc->arena = arena;
    nc->arena_len = total;
    return 0;
}

/* ---- parsing ---- */

/* Reads one InetAddress of a config blob.  Like zt__inetaddr_read, but an unknown type is
 * ZT_ERR_INVAL and a short read ZT_ERR_TRUNCATED, whichever the helper reports. */
static int read_addr(zt_rd *r, zt_inetaddr *a)
{
    int rv = zt__inetaddr_read(r, a);
    if (rv != 0)
        return rv == ZT_ERR_TRUNCATED ? ZT_ERR_TRUNCATED : ZT_ERR_INVAL;
    return 0;
}

static int parse_static_ips(zt_netconf *nc, const uint8_t *v, size_t n)
{
    zt_rd r = zt__rd_make(v, n);

    for (unsigned i = 0; i < ZT_NETCONF_MAX_STATIC_IPS && zt__rd_left(&r) > 0; i++) {
        zt_inetaddr a;
        int rv = read_addr(&r, &a);
        if (rv != 0)
            return rv;
        if (a.family != 0)
            nc->static_ips[nc->n_static_ips++] = a;
    }
    return 0;
}

static int parse_routes(zt_netconf *nc, const uint8_t *v, size_t n)
{
    zt_rd r = zt__rd_make(v, n);

    while (nc->n_routes < ZT_NETCONF_MAX_ROUTES && zt__rd_left(&r) > 0) {
        zt_netconf_route *rt = &nc->routes[nc->n_routes];
        int rv = read_addr(&r, &rt->target);
        if (rv == 0)
            rv = read_addr(&r, &rt->via);
        if (rv == 0)
            rv = zt__rd_u16(&r, &rt->flags);
        if (rv == 0)
            rv = zt__rd_u16(&r, &rt->metric);
        if (rv != 0)
            return rv;
        nc->n_routes++;
    }
    return 0;
}

static void parse_specialists(zt_netconf *nc, const uint8_t *v, size_t n)
{
    /* A trailing partial entry is ignored (§4.4 does not count `S` as a failing blob). */
    for (size_t off = 0; off + 8 <= n && nc->n_specialists < ZT_NETCONF_MAX_SPECIALISTS;
         off += 8)
        nc->specialists[nc->n_specialists++] = zt__load_be(v + off, 8);
}

static int parse_dns(zt_netconf *nc, const uint8_t *v, size_t n)
{
    zt_rd r = zt__rd_make(v, n);
    int rv = zt__rd_bytes(&r, nc->dns.domain, ZT_NETCONF_DNS_DOMAIN_LEN);

    if (rv != 0)
        return rv;
    nc->dns.domain[ZT_NETCONF_DNS_DOMAIN_LEN - 1] = 0;
    for (unsigned i = 0; i < ZT_NETCONF_MAX_DNS_SERVERS; i++) {
        rv = read_addr(&r, &nc->dns.servers[i]);
        if (rv != 0)
            return rv;
    }
    nc->has_dns = true;
    return 0;
}

/* Unescapes the value of |key| into |scratch| (large enough for any value, see
 * parse_fields).  A missing key gives an empty value. */
static size_t get_value(const zt_dict *d, const char *key, uint8_t *scratch, size_t cap)
{
    zt_dict_entry e;
    zt_ssize n;

    if (zt__dict_find(d, key, &e) != 0)
        return 0;
    n = zt__dict_unescape(e.val, e.val_len, scratch, cap);
    return n > 0 ? (size_t)n : 0;
}

/* The largest unescaped length among the values of |keys|. */
static size_t max_value_len(const zt_dict *d, const char *const *keys, size_t nkeys)
{
    size_t max = 0;

    for (size_t i = 0; i < nkeys; i++) {
        zt_dict_entry e;
        if (zt__dict_find(d, keys[i], &e) == 0) {
            size_t n = zt__dict_unescaped_len(e.val, e.val_len);
            if (n > max)
                max = n;
        }
    }
    return max;
}

static int parse_blobs(zt_netconf *nc, const zt_dict *d)
{
    zt_dict_entry e[ZT_NETCONF_NBLOBS];
    bool present[ZT_NETCONF_NBLOBS];
    size_t total = 0, off = 0;
    const char *provider = SSO_PROVIDER_DEFAULT;

    for (unsigned i = 0; i < ZT_NETCONF_NBLOBS; i++) {
        present[i] = zt__dict_find(d, blob_keys[i], &e[i]) == 0;
        nc->blob[i].len = present[i] ? (uint32_t)zt__dict_unescaped_len(e[i].val, e[i].val_len)
                                     : 0;
        if (i == ZT_NETCONF_BLOB_SSO_PROVIDER && nc->blob[i].len == 0)
            nc->blob[i].len = (uint32_t)strlen(provider);
        total += nc->blob[i].len;
    }
    if (total == 0)
        return 0;
    nc->arena = zt__mem_calloc(nc->mem, 1, total);
    if (nc->arena == NULL)
        return ZT_ERR_NOMEM;
    nc->arena_len = total;
    for (unsigned i = 0; i < ZT_NETCONF_NBLOBS; i++) {
        nc->blob[i].off = (uint32_t)off;
        if (nc->blob[i].len == 0)
            continue;
        if (present[i] && zt__dict_unescaped_len(e[i].val, e[i].val_len) > 0)
            (void)zt__dict_unescape(e[i].val, e[i].val_len, nc->arena + off, nc->blob[i].len);
        else
            memcpy(nc->arena + off, provider, nc->blob[i].len);
        off += nc->blob[i].len;
    }
    return 0;
}

static void parse_scalars(zt_netconf *nc, const zt_dict *d)
{
    uint64_t mtu;

    nc->timestamp = (int64_t)zt__dict_get_u64(d, "ts", 0);
    nc->ctmd = zt__dict_get_u64(d, "ctmd", 0);
    nc->revision = zt__dict_get_u64(d, "r", 0);
    nc->trace_target = zt__dict_get_address(d, "tt", 0);
    nc->trace_level = zt__dict_get_u64(d, "tl", 0);
    nc->flags = zt__dict_get_u64(d, "f", 0);
    nc->multicast_limit = zt__dict_get_u64(d, "ml", 0);
    nc->type = zt__dict_get_u64(d, "t", ZT_NETWORK_TYPE_PRIVATE);
    mtu = zt__dict_get_u64(d, "mtu", ZT_DEFAULT_MTU);
    nc->mtu = (uint32_t)(mtu < ZT_MIN_MTU ? ZT_MIN_MTU : mtu > ZT_MAX_MTU ? ZT_MAX_MTU : mtu);
    nc->sso_version = zt__dict_get_u64(d, "ssov", 0);
    nc->sso_enabled = zt__dict_get_bool(d, "ssoe", false);
    nc->auth_expiry = (int64_t)zt__dict_get_u64(d, "aexpt", 0);
}

static int parse_fields(zt_netconf *nc, const zt_dict *d)
{
    static const char *const binary_keys[] = {"n", "I", "RT", "S", "DNS"};
    uint8_t *scratch = NULL;
    size_t cap, n;
    int rv = 0;

    nc->version = zt__dict_get_u64(d, "v", 0);
    if (nc->version < ZT_NETCONF_VERSION_MIN)
        return ZT_ERR_UNSUPPORTED;
    nc->nwid = zt__dict_get_u64(d, "nwid", 0);
    nc->issued_to = zt__dict_get_address(d, "id", 0);
    if (nc->nwid == 0 || nc->issued_to == 0)
        return ZT_ERR_INVAL;
    parse_scalars(nc, d);

    /* One scratch buffer for the binary values, as large as the largest of them (so at most
     * the dictionary's length), freed before returning.  Reserved InetAddress forms can make
     * an entry of I or RT up to 65 541 bytes, so no small fixed buffer would do. */
    cap = max_value_len(d, binary_keys, sizeof(binary_keys) / sizeof(binary_keys[0]));
    if (cap == 0)
        return 0;
    scratch = zt__mem_calloc(nc->mem, 1, cap);
    if (scratch == NULL)
        return ZT_ERR_NOMEM;

    /* The name is a C string of at most 127 bytes in 1.14.1: an escaped NUL ends it. */
    n = get_value(d, "n", scratch, cap);
    for (size_t i = 0; i < n && i < ZT_NETCONF_NAME_MAX && scratch[i] != 0; i++)
        nc->name[i] = (char)scratch[i];

    n = get_value(d, "I", scratch, cap);
    if ((rv = parse_static_ips(nc, scratch, n)) != 0)
        goto out;
    n = get_value(d, "RT", scratch, cap);
    if ((rv = parse_routes(nc, scratch, n)) != 0)
        goto out;
    n = get_value(d, "S", scratch, cap);
    parse_specialists(nc, scratch, n);
    /* An empty DNS value reads as absent, like every other key (§4.1). */
    n = get_value(d, "DNS", scratch, cap);
    if (n > 0)
        rv = parse_dns(nc, scratch, n);
out:
    zt__mem_free(nc->mem, scratch);
    return rv;
}

int zt__netconf_parse(zt_netconf *nc, const uint8_t *dict, size_t len, const zt_mem *mem)
{
    zt_dict d;
    int rv;

    zt__netconf_init(nc, mem);
    zt__dict_init(&d, dict, len); /* the text ends at a NUL, if any */
    if (d.len > ZT_DICT_CONFIG_MAX)
        return ZT_ERR_RANGE;
    rv = parse_fields(nc, &d);
    if (rv == 0)
        rv = parse_blobs(nc, &d);
    if (rv != 0)
        zt__netconf_clear(nc);
    return rv;
}

/* ---- writing ---- */

static int add_blob(zt_wr *w, const zt_netconf *nc, zt_netconf_blob_id which, bool always)
{
    size_t n;
    const uint8_t *p = zt__netconf_blob(nc, which, &n);

    if (n == 0 && !always)
        return 0;
    return zt__dict_add(w, blob_keys[which], p, n);
}

static int add_binary(zt_wr *w, const char *key, zt_wr *b)
{
    if (b->overflow)
        return ZT_ERR_INTERNAL; /* TMP_MAX covers every bounded table */
    return zt__dict_add(w, key, b->start, zt__wr_len(b));
}

/* The scalar keys and the name, in 1.14.1's order. */
static int write_scalars(const zt_netconf *nc, zt_wr *w)
{
    int rv = 0;
    size_t name_len = strnlen(nc->name, sizeof(nc->name) - 1);

    rv |= zt__dict_add_u64(w, "v", nc->version);
    rv |= zt__dict_add_u64(w, "nwid", nc->nwid);
    rv |= zt__dict_add_u64(w, "ts", (uint64_t)nc->timestamp);
    rv |= zt__dict_add_u64(w, "ctmd", nc->ctmd);
    rv |= zt__dict_add_u64(w, "r", nc->revision);
    rv |= zt__dict_add_address(w, "id", nc->issued_to);
    rv |= zt__dict_add_address(w, "tt", nc->trace_target);
    rv |= zt__dict_add_u64(w, "tl", nc->trace_level);
    rv |= zt__dict_add_u64(w, "f", nc->flags);
    rv |= zt__dict_add_u64(w, "ml", nc->multicast_limit);
    rv |= zt__dict_add_u64(w, "t", nc->type);
    rv |= zt__dict_add(w, "n", nc->name, name_len);
    rv |= zt__dict_add_u64(w, "mtu", nc->mtu);
    return rv != 0 ? ZT_ERR_NOSPACE : 0;
}

/* The credential blobs: COM, capabilities, tags, certificates of ownership. */
static int write_credentials(const zt_netconf *nc, zt_wr *w)
{
    int rv = add_blob(w, nc, ZT_NETCONF_BLOB_COM, false);

    if (rv == 0)
        rv = add_blob(w, nc, ZT_NETCONF_BLOB_CAPS, false);
    if (rv == 0)
        rv = add_blob(w, nc, ZT_NETCONF_BLOB_TAGS, false);
    if (rv == 0)
        rv = add_blob(w, nc, ZT_NETCONF_BLOB_COOS, false);
    return rv;
}

/* The binary tables S, RT and I, each only when it has entries. */
static int write_tables(const zt_netconf *nc, zt_wr *w)
{
    uint8_t tmp[TMP_MAX];
    zt_wr b;
    int rv;
    unsigned i;

    if (nc->n_specialists > 0) {
        b = zt__wr_make(tmp, sizeof(tmp));
        for (i = 0; i < nc->n_specialists && i < ZT_NETCONF_MAX_SPECIALISTS; i++)
            zt__wr_u64(&b, nc->specialists[i]);
        if ((rv = add_binary(w, "S", &b)) != 0)
            return rv;
    }
    if (nc->n_routes > 0) {
        b = zt__wr_make(tmp, sizeof(tmp));
        for (i = 0; i < nc->n_routes && i < ZT_NETCONF_MAX_ROUTES; i++) {
            zt__inetaddr_write(&b, &nc->routes[i].target);
            zt__inetaddr_write(&b, &nc->routes[i].via);
            zt__wr_u16(&b, nc->routes[i].flags);
            zt__wr_u16(&b, nc->routes[i].metric);
        }
        if ((rv = add_binary(w, "RT", &b)) != 0)
            return rv;
    }
    if (nc->n_static_ips > 0) {
        b = zt__wr_make(tmp, sizeof(tmp));
        for (i = 0; i < nc->n_static_ips && i < ZT_NETCONF_MAX_STATIC_IPS; i++)
            zt__inetaddr_write(&b, &nc->static_ips[i]);
        if ((rv = add_binary(w, "I", &b)) != 0)
            return rv;
    }
    return 0;
}

/* DNS is always written, zeros when there is none (what 1.14.1 controllers send). */
static int write_dns(const zt_netconf *nc, zt_wr *w)
{
    uint8_t tmp[TMP_MAX];
    zt_wr b = zt__wr_make(tmp, sizeof(tmp));

    if (nc->has_dns) {
        zt__wr_bytes(&b, nc->dns.domain, ZT_NETCONF_DNS_DOMAIN_LEN - 1);
        zt__wr_u8(&b, 0);
        for (unsigned i = 0; i < ZT_NETCONF_MAX_DNS_SERVERS; i++)
            zt__inetaddr_write(&b, &nc->dns.servers[i]);
    } else {
        static const uint8_t zeros[ZT_NETCONF_DNS_DOMAIN_LEN + ZT_NETCONF_MAX_DNS_SERVERS];
        zt__wr_bytes(&b, zeros, sizeof(zeros));
    }
    return add_binary(w, "DNS", &b);
}

/* The SSO keys: version 0 carries an auth URL and expiry, version 1 the OIDC blobs. */
static int write_sso(const zt_netconf *nc, zt_wr *w)
{
    int rv = 0;

    rv |= zt__dict_add_u64(w, "ssov", nc->sso_version);
    rv |= zt__dict_add_bool(w, "ssoe", nc->sso_enabled);
    if (rv == 0 && nc->sso_enabled) {
        if (nc->sso_version == 0) {
            rv |= add_blob(w, nc, ZT_NETCONF_BLOB_AUTH_URL, true);
            rv |= zt__dict_add_i64(w, "aexpt", nc->auth_expiry);
        } else if (nc->sso_version == 1) {
            for (unsigned i = ZT_NETCONF_BLOB_ISSUER_URL; i <= ZT_NETCONF_BLOB_SSO_PROVIDER; i++)
                rv |= add_blob(w, nc, (zt_netconf_blob_id)i, true);
        }
    }
    return rv != 0 ? ZT_ERR_NOSPACE : 0;
}

static int write_all(const zt_netconf *nc, zt_wr *w)
{
    int rv;

    if ((rv = write_scalars(nc, w)) != 0)
        return rv;
    if ((rv = write_credentials(nc, w)) != 0)
        return rv;
    if ((rv = write_tables(nc, w)) != 0)
        return rv;
    if ((rv = add_blob(w, nc, ZT_NETCONF_BLOB_RULES, false)) != 0)
        return rv;
    if ((rv = write_dns(nc, w)) != 0)
        return rv;
    return write_sso(nc, w);
}

zt_ssize zt__netconf_write(const zt_netconf *nc, uint8_t *out, size_t cap)
{
    zt_wr w = zt__wr_make(out, cap < ZT_DICT_CONFIG_MAX ? cap : ZT_DICT_CONFIG_MAX);
    int rv = write_all(nc, &w);

    if (rv != 0)
        return rv;
    return zt__wr_finish(&w);
}
