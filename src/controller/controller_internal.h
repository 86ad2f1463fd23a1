/*
 * controller_internal.h: what the controller's files share (controller.c, controller_config.c,
 * controller_ipam.c, controller_rules_json.c).  Not for other modules.
 */
#ifndef ZT_CONTROLLER_CONTROLLER_INTERNAL_H
#define ZT_CONTROLLER_CONTROLLER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "controller/model.h"
#include "codec/configchunk.h"
#include "codec/identity.h"
#include "codec/netconf.h"
#include "codec/rules.h"

/* ---- rules, JSON form of controller.md §5.6 -> binary (controller_rules_json.c) ---- */

/* Parses one rule object.  Returns 0, or ZT_ERR_INVAL for anything §5.6 does not describe
 * (unknown type, missing or mistyped field): 1.14.1 skips such rules (§3.7). */
int zt__controller_rule_from_json(const json_t *j, zt_rule *out);

/* Parses a rules array given as JSON text (|text| NULL or "" means no rules) into |rules|
 * (capacity |cap|): unparseable entries are skipped, at most |cap| are kept.  *pcount gets the
 * number kept.  Returns 0, or ZT_ERR_INVAL when |text| is not a JSON array. */
int zt__controller_rules_from_text(const char *text, zt_rule *rules, size_t cap, size_t *pcount);

/* ---- the network around one member (controller.c fills it from the store's index) ---- */

typedef struct zt_ctl_netinfo {
    /* Sets *pused when another member record (or the stored record of this one) lists |ip|:
     * the allocated set of §3.5 step 3.  Returns 0 or a store error. */
    int (*ip_used)(void *arg, const zt_ctl_ip *ip, bool *pused);
    void *arg;
    uint64_t bridges[ZT_NETCONF_MAX_SPECIALISTS]; /* members with activeBridge */
    size_t nbridges;
} zt_ctl_netinfo;

/* A draw of 64 random bits. */
typedef uint64_t (*zt_ctl_random_fn)(void *arg);

/* ---- IP assignment (controller_ipam.c), §3.3-§3.6 ---- */

/* Fills nc->static_ips for member |m| on |net| (config routes already in nc->routes) and
 * appends pool picks to m->ips.  *pndp is set when an rfc4193/6plane address was issued.
 * A full list just stops assignment.  Returns 0, or the error of info->ip_used (nothing is
 * assigned from a pool whose lookups fail). */
int zt__controller_assign_ips(const zt_ctl_network *net, zt_ctl_member *m, const zt_ctl_netinfo *info,
                        zt_netconf *nc, bool *pndp, zt_ctl_random_fn rnd, void *rnd_arg);

/* True when |ip| (plain address) lies in |target| (prefix with bits). */
bool zt__controller_ip_in(const zt_ctl_ip *target, const zt_ctl_ip *ip);
void zt__controller_ip_to_inet(const zt_ctl_ip *ip, uint16_t port, zt_inetaddr *out);

/* The addresses pool allocation (§3.5-§3.6) tries first for member |id| with these pools:
 * each pool's first candidate when it does not depend on chance, IPv6 pools when |v6|
 * (v6AssignMode zt), IPv4 ones when |v4|; at most |cap| into |out|.  Returns the count.  A
 * config request asks the store about them in its first read (zt_store_probe). */
size_t zt__controller_first_candidates(bool v4, bool v6, const zt_ctl_pool *pools,
                                       size_t npools, uint64_t id, zt_ctl_ip *out, size_t cap);

/* ---- the config (controller_config.c), §3 ---- */

typedef struct zt_ctl_build {
    const zt_identity *signer;      /* controller identity with secret */
    const zt_ctl_network *net;
    zt_ctl_member *member;          /* updated by decide: ips, tags, caps */
    bool is_new;                    /* record did not exist before this request */
    const zt_identity *requester;
    const zt_config_meta *meta;
    const zt_ctl_netinfo *info;
    int64_t now;
    zt_ctl_random_fn rnd;
    void *rnd_arg;
    uint8_t *scratch;               /* at least ZT_DICT_CONFIG_MAX + 1 bytes */
    size_t scratch_cap;
} zt_ctl_build;

/* The member's config in two steps, so that the record can be saved while the credentials
 * are signed.  decide: fills the plain fields of |nc| (initialised by the caller) and
 * completes the member record (addresses, default capabilities and tags): after it, the
 * record is final.  Returns 0, ZT_ERR_NOMEM or the error of info->ip_used.  sign: adds the
 * signed credentials (COM, capabilities, tags, COO) and the rules; reads the record, never
 * changes it.  Returns 0, ZT_ERR_AUTH (a credential could not be signed), ZT_ERR_RANGE (the
 * blobs exceed the dictionary limit) or ZT_ERR_NOMEM. */
int zt__controller_decide_config(const zt_ctl_build *b, zt_netconf *nc);
int zt__controller_sign_config(const zt_ctl_build *b, zt_netconf *nc);

#endif
