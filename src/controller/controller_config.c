/*
 * Building one member's network config (controller.md §3): every dictionary field from the
 * network and member records, the credentials (COM §3.1, COO §3.2, capabilities and tags
 * §3.8), IP assignment (controller_ipam.c), rules (§3.7) and the §3.9 limits.
 */
#include "controller/controller.h"
#include "controller/controller_internal.h"

#include <string.h>

#include "codec/credential.h"
#include "util/buf.h"

static uint64_t clamp_u64(int64_t v, int64_t lo, int64_t hi)
{
    if (v < lo)
        v = lo;
    if (v > hi)
        v = hi;
    return (uint64_t)v;
}

static uint64_t trace_address(const char *s)
{
    uint64_t a = 0;
    if (strlen(s) != 10 || zt__address_from_string(s, 10, &a) != 0)
        return 0;
    return a;
}

/* Inserts |id| into the ascending unique list |ids| (count *n, capacity |cap|). */
static void insert_cap(uint32_t *ids, size_t *n, size_t cap, uint32_t id)
{
    size_t i = 0;
    while (i < *n && ids[i] < id)
        i++;
    if ((i < *n && ids[i] == id) || *n >= cap)
        return;
    memmove(&ids[i + 1], &ids[i], (*n - i) * sizeof(ids[0]));
    ids[i] = id;
    (*n)++;
}

static void insert_tag(zt_ctl_member *m, uint32_t id, uint32_t value)
{
    size_t i = 0;
    while (i < m->ntags && m->tags[i].id < id)
        i++;
    if ((i < m->ntags && m->tags[i].id == id) || m->ntags >= ZT_CTL_MAX_TAGS)
        return;
    memmove(&m->tags[i + 1], &m->tags[i], (m->ntags - i) * sizeof(m->tags[0]));
    m->tags[i].id = id;
    m->tags[i].value = value;
    m->ntags++;
}

/* Stores the bytes written to |w| as blob |which|. */
static int finish_blob(zt_netconf *nc, zt_netconf_blob_id which, const zt_wr *w,
                       const uint8_t *start)
{
    zt_ssize n = zt__wr_finish(w);
    if (n < 0)
        return ZT_ERR_RANGE;
    if (n == 0)
        return 0;
    return zt__netconf_set_blob(nc, which, start, (size_t)n);
}

static void fill_plain_fields(const zt_ctl_build *b, zt_netconf *nc, uint64_t ctmd)
{
    const zt_ctl_network *net = b->net;
    const zt_ctl_member *m = b->member;
    size_t i;

    nc->version = ZT_NETCONF_VERSION;
    nc->nwid = net->id;
    nc->timestamp = b->now;
    nc->ctmd = ctmd;
    nc->revision = net->revision; /* the network's, never the member's (§4.5) */
    nc->issued_to = b->requester->address;
    if (strlen(m->remote_trace_target) == 10) {
        nc->trace_target = trace_address(m->remote_trace_target);
        nc->trace_level = (uint64_t)(m->remote_trace_level < 0 ? 0 : m->remote_trace_level);
    } else {
        nc->trace_target = trace_address(net->remote_trace_target);
        nc->trace_level = (uint64_t)(net->remote_trace_level < 0 ? 0 : net->remote_trace_level);
    }
    nc->flags = net->enable_broadcast ? ZT_NETCONF_FLAG_ENABLE_BROADCAST : 0;
    nc->multicast_limit = (uint64_t)(net->multicast_limit < 0 ? 0 : net->multicast_limit);
    nc->type = net->is_private ? ZT_NETWORK_TYPE_PRIVATE : ZT_NETWORK_TYPE_PUBLIC;
    memcpy(nc->name, net->name, ZT_NETCONF_NAME_MAX);
    nc->name[ZT_NETCONF_NAME_MAX] = '\0';
    nc->mtu = (uint32_t)clamp_u64(net->mtu, 1280, 10000);

    for (i = 0; i < b->info->nbridges && nc->n_specialists < ZT_NETCONF_MAX_SPECIALISTS; i++)
        nc->specialists[nc->n_specialists++] =
            (b->info->bridges[i] & ZT_SPECIALIST_ADDRESS_MASK) | ZT_SPECIALIST_ROLE_ACTIVE_BRIDGE;

    for (i = 0; i < net->nroutes && nc->n_routes < ZT_NETCONF_MAX_ROUTES; i++) {
        zt_netconf_route *r = &nc->routes[nc->n_routes++];
        memset(r, 0, sizeof(*r));
        zt__controller_ip_to_inet(&net->routes[i].target, net->routes[i].target.bits, &r->target);
        if (net->routes[i].via.family == net->routes[i].target.family)
            zt__controller_ip_to_inet(&net->routes[i].via, 0, &r->via);
    }

    if (net->has_dns) {
        nc->has_dns = true;
        memset(&nc->dns, 0, sizeof(nc->dns));
        if (net->has_domain) /* truncated to 127 (Q7); the last byte stays NUL */
            memcpy(nc->dns.domain, net->dns_domain,
                   strnlen(net->dns_domain, ZT_NETCONF_DNS_DOMAIN_LEN - 1));
        for (i = 0; i < net->nservers && i < ZT_NETCONF_MAX_DNS_SERVERS; i++) {
            zt_ctl_ip ip;
            if (zt__ctl_ip_parse(&ip, net->dns_servers[i], strlen(net->dns_servers[i]), false) ==
                0)
                zt__controller_ip_to_inet(&ip, 0, &nc->dns.servers[i]);
        }
    }
}

static int add_com(const zt_ctl_build *b, zt_netconf *nc, uint64_t ctmd)
{
    zt_com com;
    zt_wr w = zt__wr_make(b->scratch, b->scratch_cap);

    if (zt__com_init(&com, b->net->id, b->now, ctmd, b->requester) != 0)
        return ZT_ERR_AUTH;
    if (zt__com_sign(&com, b->signer) != 0)
        return ZT_ERR_AUTH;
    zt__com_write(&w, &com);
    return finish_blob(nc, ZT_NETCONF_BLOB_COM, &w, b->scratch);
}

/* §3.2: one COO listing every static IP (a COO holds at most 16 things). */
static int add_coo(const zt_ctl_build *b, zt_netconf *nc)
{
    zt_coo coo;
    zt_wr w = zt__wr_make(b->scratch, b->scratch_cap);

    if (nc->n_static_ips == 0)
        return 0;
    memset(&coo, 0, sizeof(coo));
    coo.nwid = b->net->id;
    coo.timestamp = b->now;
    coo.id = 1;
    coo.issued_to = b->requester->address;
    for (unsigned i = 0; i < nc->n_static_ips && coo.thing_count < ZT_COO_MAX_THINGS; i++) {
        const zt_inetaddr *a = &nc->static_ips[i];
        if (a->family == 4)
            (void)zt__coo_add_thing(&coo, ZT_COO_THING_IPV4, a->ip, 4);
        else if (a->family == 6)
            (void)zt__coo_add_thing(&coo, ZT_COO_THING_IPV6, a->ip, 16);
    }
    if (zt__coo_sign(&coo, b->signer) != 0)
        return ZT_ERR_AUTH;
    zt__coo_write(&w, &coo);
    return finish_blob(nc, ZT_NETCONF_BLOB_COOS, &w, b->scratch);
}

/* §3.7 */
static int add_rules(const zt_ctl_build *b, zt_netconf *nc)
{
    zt_rule *rules;
    size_t n = 0;
    zt_wr w = zt__wr_make(b->scratch, b->scratch_cap);
    int rv;

    rules = zt__mem_calloc(NULL, ZT_RULES_MAX, sizeof(*rules));
    if (rules == NULL)
        return ZT_ERR_NOMEM;
    if (b->meta->rules_engine_rev == 0) {
        rules[0].t = ZT_RULE_ACTION_ACCEPT; /* old rules engine: one ACCEPT */
        n = 1;
    } else if (zt__controller_rules_from_text(b->net->rules_json, rules, ZT_RULES_MAX, &n) != 0) {
        n = 0; /* a corrupt rules text: nothing parses, so nothing is allowed */
    }
    zt__rules_write(&w, rules, n);
    rv = finish_blob(nc, ZT_NETCONF_BLOB_RULES, &w, b->scratch);
    zt__mem_free(NULL, rules);
    return rv;
}

/* §3.8 capabilities (the member's list complete: add_defaults) */
static int add_caps(const zt_ctl_build *b, zt_netconf *nc)
{
    const zt_ctl_network *net = b->net;
    const zt_ctl_member *m = b->member;
    zt_capability *cap;
    zt_wr w = zt__wr_make(b->scratch, b->scratch_cap);
    size_t issued = 0, n;
    int rv = 0;

    cap = zt__mem_calloc(NULL, 1, sizeof(*cap));
    if (cap == NULL)
        return ZT_ERR_NOMEM;
    for (size_t i = 0; i < m->ncaps && issued < ZT_NETCONF_MAX_CAPABILITIES; i++) {
        const zt_ctl_cap_def *def = NULL;
        for (size_t k = 0; k < net->ncaps; k++) {
            if (net->caps[k].id == m->caps[i])
                def = &net->caps[k];
        }
        if (def == NULL)
            continue;
        memset(cap, 0, sizeof(*cap));
        cap->nwid = net->id;
        cap->timestamp = b->now;
        cap->id = def->id;
        cap->max_custody = 1;
        if (zt__controller_rules_from_text(def->rules_json, cap->rules, ZT_RULES_CAPABILITY_MAX, &n) != 0)
            n = 0;
        cap->rule_count = (unsigned)n;
        if (zt__capability_sign(cap, b->signer, m->id) != 0) {
            rv = ZT_ERR_AUTH;
            goto out;
        }
        zt__capability_write(&w, cap);
        issued++;
    }
    rv = finish_blob(nc, ZT_NETCONF_BLOB_CAPS, &w, b->scratch);
out:
    zt__mem_free(NULL, cap);
    return rv;
}

/* §3.8 tags (the member's list complete: add_defaults) */
static int add_tags(const zt_ctl_build *b, zt_netconf *nc)
{
    const zt_ctl_network *net = b->net;
    const zt_ctl_member *m = b->member;
    zt_wr w = zt__wr_make(b->scratch, b->scratch_cap);
    zt_tag tag;

    for (size_t i = 0; i < m->ntags && i < ZT_CTL_MAX_TAGS; i++) {
        memset(&tag, 0, sizeof(tag));
        tag.nwid = net->id;
        tag.timestamp = b->now;
        tag.id = m->tags[i].id;
        tag.value = m->tags[i].value;
        tag.issued_to = m->id;
        if (zt__tag_sign(&tag, b->signer) != 0)
            return ZT_ERR_AUTH;
        zt__tag_write(&w, &tag);
    }
    return finish_blob(nc, ZT_NETCONF_BLOB_TAGS, &w, b->scratch);
}

/* §3.8: what the member record gains from the network's definitions: a new member its
 * default capabilities, every member the tags with a default it lacks. */
static void add_defaults(const zt_ctl_build *b)
{
    const zt_ctl_network *net = b->net;
    zt_ctl_member *m = b->member;

    if (b->is_new) {
        for (size_t k = 0; k < net->ncaps; k++) {
            if (net->caps[k].is_default)
                insert_cap(m->caps, &m->ncaps, ZT_CTL_MAX_CAPS, net->caps[k].id);
        }
    }
    for (size_t k = 0; k < net->ntags; k++) {
        if (net->tags[k].has_default)
            insert_tag(m, net->tags[k].id, net->tags[k].default_value);
    }
}

static uint64_t cert_window(const zt_ctl_build *b)
{
    return b->net->has_cert_window
               ? clamp_u64(b->net->cert_window, ZT_CTL_CTMD_MIN, ZT_CTL_CTMD_MAX)
               : ZT_CTL_CTMD_DEFAULT;
}

int zt__controller_decide_config(const zt_ctl_build *b, zt_netconf *nc)
{
    bool ndp = false;
    int rv;

    fill_plain_fields(b, nc, cert_window(b));
    rv = zt__controller_assign_ips(b->net, b->member, b->info, nc, &ndp, b->rnd, b->rnd_arg);
    if (rv != 0)
        return rv;
    if (ndp)
        nc->flags |= ZT_NETCONF_FLAG_ENABLE_NDP_EMULATION;
    add_defaults(b);
    return 0;
}

int zt__controller_sign_config(const zt_ctl_build *b, zt_netconf *nc)
{
    int rv = add_com(b, nc, cert_window(b));

    if (rv == 0)
        rv = add_caps(b, nc);
    if (rv == 0)
        rv = add_tags(b, nc);
    if (rv == 0)
        rv = add_coo(b, nc);
    if (rv == 0)
        rv = add_rules(b, nc);
    return rv;
}
