/* Controller data model: patches, the fields a request body changes, parsed and then applied
 * to a network or member record (controller.md §5.6).  style.md §10g. */
#include "controller/model_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- patches --------------------------------------------------------------------------------- */

int zt__ctl_network_patch_from_json(zt_ctl_network_patch *p, const json_t *j, char *err,
                                   size_t errlen)
{
    zt_ctl_pctx c = {true, err, errlen};
    int rv;

    p->has = 0;
    if ((rv = zt__ctl_network_init(&p->v, 0)) != 0)
        return rv;
    if (!json_is_object(j)) {
        zt__err_set(err, errlen, "the request body is not a JSON object");
        return ZT_ERR_INVAL;
    }
    return zt__ctl_network_writable(&c, j, &p->v, &p->has);
}

void zt__ctl_network_patch_clear(zt_ctl_network_patch *p)
{
    if (p == NULL)
        return;
    zt__ctl_network_clear(&p->v);
    p->has = 0;
}

/* The strings a patch brings (its rules, its capabilities' rules), copied up front so that a
 * failure leaves the network untouched; |caps| gets one per capability. */
static int dup_patch_strings(const zt_ctl_network_patch *p, char **prules, char **caps)
{
    const zt_ctl_network *v = &p->v;
    char *rules = NULL;
    size_t i;

    if ((p->has & ZT_CTL_NET_HAS_RULES) && (rules = zt__ctl_dup_str(v->rules_json)) == NULL)
        return ZT_ERR_NOMEM;
    if (p->has & ZT_CTL_NET_HAS_CAPS) {
        for (i = 0; i < v->ncaps; i++) {
            caps[i] = zt__ctl_dup_str(v->caps[i].rules_json);
            if (caps[i] == NULL) {
                while (i > 0)
                    free(caps[--i]);
                free(rules);
                return ZT_ERR_NOMEM;
            }
        }
    }
    *prules = rules;
    return 0;
}

/* The plain settings: name, access, multicast, MTU, address assignment. */
static void apply_settings(zt_ctl_network *n, const zt_ctl_network_patch *p)
{
    const zt_ctl_network *v = &p->v;

    if (p->has & ZT_CTL_NET_HAS_NAME)
        memcpy(n->name, v->name, sizeof(n->name));
    if (p->has & ZT_CTL_NET_HAS_PRIVATE)
        n->is_private = v->is_private;
    if (p->has & ZT_CTL_NET_HAS_MULTICAST_LIMIT)
        n->multicast_limit = v->multicast_limit;
    if (p->has & ZT_CTL_NET_HAS_ENABLE_BROADCAST)
        n->enable_broadcast = v->enable_broadcast;
    if (p->has & ZT_CTL_NET_HAS_MTU)
        n->mtu = v->mtu;
    if (p->has & ZT_CTL_NET_HAS_V4_ASSIGN)
        n->v4_zt = v->v4_zt;
    if (p->has & ZT_CTL_NET_HAS_V6_ASSIGN) {
        n->v6_6plane = v->v6_6plane;
        n->v6_rfc4193 = v->v6_rfc4193;
        n->v6_zt = v->v6_zt;
    }
}

/* The tables: routes, pools, rules and capabilities (taking |rules| and |caps|), tags, tokens. */
static void apply_tables(zt_ctl_network *n, const zt_ctl_network_patch *p, char *rules,
                         char **caps)
{
    const zt_ctl_network *v = &p->v;
    size_t i;

    if (p->has & ZT_CTL_NET_HAS_ROUTES) {
        n->nroutes = v->nroutes;
        memcpy(n->routes, v->routes, v->nroutes * sizeof(v->routes[0]));
    }
    if (p->has & ZT_CTL_NET_HAS_POOLS) {
        n->npools = v->npools;
        memcpy(n->pools, v->pools, v->npools * sizeof(v->pools[0]));
    }
    if (p->has & ZT_CTL_NET_HAS_RULES) {
        free(n->rules_json);
        n->rules_json = rules;
    }
    if (p->has & ZT_CTL_NET_HAS_CAPS) {
        for (i = 0; i < n->ncaps; i++)
            free(n->caps[i].rules_json);
        n->ncaps = v->ncaps;
        for (i = 0; i < v->ncaps; i++) {
            n->caps[i] = v->caps[i];
            n->caps[i].rules_json = caps[i];
        }
    }
    if (p->has & ZT_CTL_NET_HAS_TAGS) {
        n->ntags = v->ntags;
        memcpy(n->tags, v->tags, v->ntags * sizeof(v->tags[0]));
    }
    if (p->has & ZT_CTL_NET_HAS_TOKENS) {
        n->ntokens = v->ntokens;
        memcpy(n->tokens, v->tokens, v->ntokens * sizeof(v->tokens[0]));
    }
}

int zt__ctl_network_patch_apply(zt_ctl_network *n, const zt_ctl_network_patch *p)
{
    const zt_ctl_network *v = &p->v;
    char *rules = NULL, *caps[ZT_CTL_MAX_CAPS];

    /* Allocate first, so that a failure leaves |n| untouched. */
    if (dup_patch_strings(p, &rules, caps) != 0)
        return ZT_ERR_NOMEM;
    apply_settings(n, p);
    apply_tables(n, p, rules, caps);
    if (p->has & ZT_CTL_NET_HAS_DNS) {
        n->has_dns = v->has_dns;
        n->has_domain = v->has_domain;
        memcpy(n->dns_domain, v->dns_domain, sizeof(n->dns_domain));
        n->has_servers = v->has_servers;
        n->nservers = v->nservers;
        memcpy(n->dns_servers, v->dns_servers, sizeof(n->dns_servers));
    }
    if (p->has & ZT_CTL_NET_HAS_TRACE_TARGET)
        memcpy(n->remote_trace_target, v->remote_trace_target, sizeof(n->remote_trace_target));
    if (p->has & ZT_CTL_NET_HAS_TRACE_LEVEL)
        n->remote_trace_level = v->remote_trace_level; /* kept unless sent (quirk Q2) */
    return 0;
}

int zt__ctl_member_patch_from_json(zt_ctl_member_patch *p, const json_t *j, char *err,
                                  size_t errlen)
{
    zt_ctl_pctx c = {true, err, errlen};

    p->has = 0;
    zt__ctl_member_init(&p->v, 0, 0);
    if (!json_is_object(j)) {
        zt__err_set(err, errlen, "the request body is not a JSON object");
        return ZT_ERR_INVAL;
    }
    return zt__ctl_member_writable(&c, j, &p->v, &p->has);
}

void zt__ctl_member_patch_clear(zt_ctl_member_patch *p)
{
    if (p == NULL)
        return;
    zt__ctl_member_clear(&p->v);
    p->has = 0;
}

void zt__ctl_member_patch_apply(zt_ctl_member *m, const zt_ctl_member_patch *p, int64_t now)
{
    const zt_ctl_member *v = &p->v;

    if ((p->has & ZT_CTL_MEM_HAS_AUTHORIZED) && v->authorized != m->authorized) {
        m->authorized = v->authorized;
        if (v->authorized) {
            m->last_authorized_time = now;
            snprintf(m->last_auth_cred_type, sizeof(m->last_auth_cred_type), "api");
            m->has_last_auth_cred = false;
            m->last_auth_cred[0] = '\0';
        } else {
            m->last_deauthorized_time = now;
        }
    }
    if (p->has & ZT_CTL_MEM_HAS_ACTIVE_BRIDGE)
        m->active_bridge = v->active_bridge;
    if (p->has & ZT_CTL_MEM_HAS_NO_AUTO_IPS)
        m->no_auto_assign_ips = v->no_auto_assign_ips;
    if (p->has & ZT_CTL_MEM_HAS_IPS) {
        m->nips = v->nips;
        memcpy(m->ips, v->ips, v->nips * sizeof(v->ips[0]));
    }
    if (p->has & ZT_CTL_MEM_HAS_TAGS) {
        m->ntags = v->ntags;
        memcpy(m->tags, v->tags, v->ntags * sizeof(v->tags[0]));
    }
    if (p->has & ZT_CTL_MEM_HAS_CAPS) {
        m->ncaps = v->ncaps;
        memcpy(m->caps, v->caps, v->ncaps * sizeof(v->caps[0]));
    }
    if (p->has & ZT_CTL_MEM_HAS_NAME) {
        m->has_name = true;
        memcpy(m->name, v->name, sizeof(m->name));
    }
    if (p->has & ZT_CTL_MEM_HAS_AUTH_EXPIRY)
        m->authentication_expiry_time = v->authentication_expiry_time;
    if (p->has & ZT_CTL_MEM_HAS_TRACE_TARGET)
        memcpy(m->remote_trace_target, v->remote_trace_target, sizeof(m->remote_trace_target));
    if (p->has & ZT_CTL_MEM_HAS_TRACE_LEVEL)
        m->remote_trace_level = v->remote_trace_level;
}
