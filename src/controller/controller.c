/*
 * The controller object: request intake and the decision flow of controller.md §2, config
 * delivery in signed chunks (§4.1).  Pushes (§4.3), revocations (§4.4) and change notes are in
 * controller_push.c; the config itself is built in controller_config.c and controller_ipam.c.
 */
#include "controller/controller.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "controller/controller_internal.h"
#include "controller/controller_object.h"
#include "codec/configchunk.h"
#include "codec/credential.h"
#include "codec/netconf.h"
#include "util/array.h"
#include "util/search.h"
#include "crypto/crypto.h"
#include "util/buf.h"

#define DEFAULT_MAX_TRACKED 65536

static uint64_t default_random(void *arg)
{
    uint64_t v;
    (void)arg;
    zt__random_bytes(&v, sizeof(v));
    return v;
}

void zt__controller_opts_default(zt_controller_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->random_u64 = default_random;
    opts->max_tracked = DEFAULT_MAX_TRACKED;
}

void zt__controller_set_err(zt_controller *ctl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctl->errmsg, sizeof(ctl->errmsg), fmt, ap);
    va_end(ap);
}

uint64_t zt__controller_rnd(zt_controller *ctl)
{
    return ctl->opts.random_u64(ctl->opts.random_arg);
}

int zt__controller_new(zt_controller **pctl, const zt_identity *identity, zt_store *store,
                      const zt_controller_opts *opts)
{
    zt_controller *ctl;
    const zt_mem *mem = opts != NULL ? opts->mem : NULL;
    int rv = ZT_ERR_NOMEM;

    if (pctl == NULL || identity == NULL || store == NULL || !identity->has_secret ||
        zt__address_is_reserved(identity->address))
        return ZT_ERR_INVAL;
    ctl = zt__mem_calloc(mem, 1, sizeof(*ctl));
    if (ctl == NULL)
        return ZT_ERR_NOMEM;
    ctl->mem = mem;
    ctl->id = *identity;
    ctl->store = store;
    if (opts != NULL)
        ctl->opts = *opts;
    else
        zt__controller_opts_default(&ctl->opts);
    if (ctl->opts.random_u64 == NULL)
        ctl->opts.random_u64 = default_random;
    zt__controller_tracks_init(ctl);
    ctl->max_tracked = ctl->opts.max_tracked != 0 ? ctl->opts.max_tracked : DEFAULT_MAX_TRACKED;
    if (ctl->max_tracked > ZT_CTL_MAX_TRACKED_LIMIT) /* slots are numbered in 32 bits */
        ctl->max_tracked = ZT_CTL_MAX_TRACKED_LIMIT;
    ctl->scratch = zt__mem_calloc(mem, 1, ZT_CTL_DICT_CAP);
    ctl->dict = zt__mem_calloc(mem, 1, ZT_CTL_DICT_CAP);
    ctl->pkt = zt__mem_calloc(mem, 1, ZT_CTL_PKT_CAP);
    ctl->notes = zt__mem_calloc(mem, ZT_CTL_PENDING_MAX, sizeof(zt_ctl_note));
    if (ctl->scratch == NULL || ctl->dict == NULL || ctl->pkt == NULL || ctl->notes == NULL)
        goto out;
    *pctl = ctl;
    ctl = NULL;
    rv = 0;
out:
    zt__controller_del(ctl);
    return rv;
}

void zt__controller_del(zt_controller *ctl)
{
    if (ctl == NULL)
        return;
    zt__identity_clear(&ctl->id);
    zt__mem_free(ctl->mem, ctl->scratch);
    zt__mem_free(ctl->mem, ctl->dict);
    zt__mem_free(ctl->mem, ctl->pkt);
    zt__mem_free(ctl->mem, ctl->notes);
    zt__controller_tracks_free(ctl);
    zt__mem_free(ctl->mem, ctl);
}

uint64_t zt__controller_address(const zt_controller *ctl)
{
    return ctl->id.address;
}

void zt__controller_stats_get(const zt_controller *ctl, zt_controller_stats *out)
{
    *out = ctl->stats;
}

const char *zt__controller_errmsg(const zt_controller *ctl)
{
    return ctl->errmsg;
}

/* ---- the (network, member) table (controller_track.c) ----------------------------------- */

bool zt__controller_track_online(const zt_ctl_track *t, int64_t now)
{
    return t->last_request != 0 && now >= t->last_request &&
           now - t->last_request < ZT_CTL_ONLINE_WINDOW;
}

bool zt__controller_is_online(const zt_controller *ctl, uint64_t nwid, uint64_t node, int64_t now)
{
    const zt_ctl_track *t = zt__controller_track_find(ctl, nwid, node);
    return t != NULL && zt__controller_track_online(t, now);
}

/* ---- output ---------------------------------------------------------------------------------- */

int zt__controller_emit(zt_controller *ctl, const zt_controller_out *out, uint64_t dest,
                        uint8_t verb, const uint8_t *p, size_t len)
{
    if (out->send(out->arg, dest, verb, p, len) != 0) {
        zt__controller_set_err(ctl, "controller: the send callback failed");
        return ZT_ERR_CALLBACK_FAILURE;
    }
    return 0;
}

/* ERROR(code) in re NETWORK_CONFIG_REQUEST |packet_id|, only for genuine requests (§2.3). */
static int send_error(zt_controller *ctl, const zt_controller_out *out, uint64_t dest,
                      uint64_t packet_id, uint8_t code, uint64_t nwid)
{
    zt_ssize n;

    if (packet_id == 0)
        return 0;
    n = zt__vl2_error_write(ctl->pkt, ZT_CTL_PKT_CAP, ZT_VERB_NETWORK_CONFIG_REQUEST, packet_id,
                            code, nwid);
    if (n < 0)
        return ZT_ERR_INTERNAL;
    ctl->stats.errors_sent++;
    return zt__controller_emit(ctl, out, dest, ZT_VERB_ERROR, ctl->pkt, (size_t)n);
}

/* §4.1: the dictionary in signed chunks, as OK replies or NETWORK_CONFIG pushes. */
/* Writes chunk |i| of ctl->dict (|dlen| bytes) into ctl->pkt as an OK reply to |packet_id|
 * or (0) a NETWORK_CONFIG push; its length, or ZT_ERR_INTERNAL with the sentence. */
static zt_ssize write_chunk(zt_controller *ctl, uint64_t nwid, uint64_t packet_id, size_t dlen,
                            unsigned i, uint64_t update_id)
{
    zt_ssize n = packet_id != 0 ? zt__config_ok_write(ctl->pkt, ZT_CTL_PKT_CAP, packet_id,
                                                      &ctl->id, nwid, ctl->dict, dlen, i, 0,
                                                      update_id)
                                : zt__config_chunk_write(ctl->pkt, ZT_CTL_PKT_CAP, &ctl->id,
                                                         nwid, ctl->dict, dlen, i, 0, update_id);

    if (n < 0) {
        zt__controller_set_err(ctl, "controller: cannot write config chunk %u (error %d)", i,
                               (int)n);
        return ZT_ERR_INTERNAL;
    }
    return n;
}

uint64_t zt__controller_update_id(zt_controller *ctl)
{
    uint64_t update_id = zt__controller_rnd(ctl);

    return update_id != 0 ? update_id : 1;
}

zt_ssize zt__controller_first_chunk(zt_controller *ctl, uint64_t nwid, uint64_t packet_id,
                                    size_t dlen, uint64_t update_id)
{
    return write_chunk(ctl, nwid, packet_id, dlen, 0, update_id);
}

int zt__controller_send_chunks(zt_controller *ctl, const zt_controller_out *out, uint64_t dest,
                               uint64_t nwid, uint64_t packet_id, size_t dlen,
                               uint64_t update_id, zt_ssize first)
{
    unsigned count = zt__config_chunk_count(dlen);
    uint8_t verb = packet_id != 0 ? ZT_VERB_OK : ZT_VERB_NETWORK_CONFIG;

    for (unsigned i = 0; i < count; i++) {
        zt_ssize n = i == 0 && first > 0 ? first
                                         : write_chunk(ctl, nwid, packet_id, dlen, i, update_id);
        int rv;
        if (n < 0)
            return (int)n;
        rv = zt__controller_emit(ctl, out, dest, verb, ctl->pkt, (size_t)n);
        if (rv != 0)
            return rv;
    }
    ctl->stats.configs_sent++;
    return 0;
}

int zt__controller_send_config(zt_controller *ctl, const zt_controller_out *out, uint64_t dest,
                               uint64_t nwid, uint64_t packet_id, size_t dlen)
{
    return zt__controller_send_chunks(ctl, out, dest, nwid, packet_id, dlen,
                                      zt__controller_update_id(ctl), 0);
}

/* ---- store access ---------------------------------------------------------------------------- */

static int store_failed(zt_controller *ctl, int rv, const char *what, uint64_t nwid,
                        uint64_t node)
{
    ctl->stats.store_errors++;
    zt__controller_set_err(
        ctl, "controller: %s %016" PRIx64 "/%010" PRIx64 " failed: %s", what, nwid, node,
        zt__store_errmsg(ctl->store)[0] != '\0' ? zt__store_errmsg(ctl->store) : zt__strerror(rv));
    return rv;
}

/* Saves |m|, a change of |read| (NULL: a new member), atomically: it lands whole or not at
 * all, and only if the stored record is still |read| (else ZT_ERR_AGAIN: another controller
 * changed it since, and the request is evaluated again from a fresh read). */
static int saved(zt_controller *ctl, const zt_ctl_member *m, int rv)
{
    if (rv == ZT_ERR_AGAIN) /* a concurrent change, not a failure: evaluated again */
        zt__controller_set_err(ctl, "controller: member %016" PRIx64 "/%010" PRIx64
                               " changed meanwhile: %s", m->nwid, m->id,
                               zt__store_errmsg(ctl->store));
    else if (rv != 0)
        store_failed(ctl, rv, "saving member", m->nwid, m->id);
    return rv;
}

static int save_member(zt_controller *ctl, zt_ctl_member *m, const zt_ctl_member *read,
                       int64_t now)
{
    return saved(ctl, m, zt__store_save_member_cas(ctl->store, m, read, now, NULL));
}

/* The allocated-set lookups of one request (zt_ctl_netinfo.ip_used), through the store's
 * index: the listing of every member this replaced made a request O(network size). */
typedef struct ip_lookup {
    zt_controller *ctl;
    uint64_t nwid;
    bool failed;
    const zt_store_probe *probe; /* answered in the first read */
} ip_lookup;

static int ip_used(void *arg, const zt_ctl_ip *ip, bool *pused)
{
    ip_lookup *l = arg;
    int rv;

    for (size_t i = 0; i < l->probe->n; i++) {
        const zt_ctl_ip *p = &l->probe->ips[i];
        if (l->probe->state[i] != ZT_STORE_PROBE_UNKNOWN && p->family == ip->family &&
            memcmp(p->ip, ip->ip, ip->family == 4 ? 4 : 16) == 0) {
            *pused = l->probe->state[i] == ZT_STORE_PROBE_USED;
            return 0;
        }
    }
    rv = zt__store_ip_in_use(l->ctl->store, l->nwid, ip, pused);

    if (rv != 0) {
        l->failed = true;
        store_failed(l->ctl, rv, "looking up an address in", l->nwid, 0);
    }
    return rv;
}

/* ---- §2.3 ------------------------------------------------------------------------------------ */

static bool token_ok(const zt_ctl_network *net, const char *auth, int64_t now)
{
    const char *t;

    /* `a` = "token:<T>", longer than 6 characters (§2.3 step 6) */
    if (strlen(auth) <= 6 || strncmp(auth, "token:", 6) != 0)
        return false;
    t = auth + 6;
    for (size_t i = 0; i < net->ntokens; i++) {
        if (strcmp(net->tokens[i].token, t) == 0 &&
            (net->tokens[i].expires == 0 || net->tokens[i].expires > now))
            return true;
    }
    return false;
}

static int64_t meta_int(uint64_t v)
{
    return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* §2.3 step 4: pins a record without an identity to |requester| (|idstr| its text form).
 * False when the record is pinned to another identity. */
static bool pin_identity(zt_ctl_member *m, const zt_identity *requester, const char *idstr)
{
    zt_identity pinned;

    if (m->identity[0] == '\0') {
        copy_str(m->identity, sizeof(m->identity), idstr);
        return true;
    }
    return zt__identity_from_string(&pinned, m->identity, strlen(m->identity)) == 0 &&
           zt__identity_equal(&pinned, requester);
}

/* §2.3 step 6 for a member not authorised yet: a public network, or a valid token on a private
 * one, authorises it (first match wins). */
static void auto_authorize(const zt_ctl_network *net, zt_ctl_member *m,
                           const zt_config_meta *meta, int64_t now)
{
    const char *type = NULL;

    if (!net->is_private) {
        type = "public";
        m->has_last_auth_cred = false;
    } else if (token_ok(net, meta->auth, now)) {
        type = "token";
        m->has_last_auth_cred = true;
        copy_str(m->last_auth_cred, sizeof(m->last_auth_cred), meta->auth + 6);
    }
    if (type != NULL) {
        m->authorized = true;
        m->last_authorized_time = now;
        copy_str(m->last_auth_cred_type, sizeof(m->last_auth_cred_type), type);
    }
}

/* What a push replays for a genuine request, authorised or not: an edit that authorises a
 * refused member reaches it at once (§4.3), as a hosted controller's does. */
static void remember_request(zt_controller *ctl, const zt_ctl_member *m,
                             const zt_identity *requester, const zt_config_meta *meta)
{
    zt_ctl_track *t = zt__controller_track_find(ctl, m->nwid, requester->address);

    if (t != NULL) {
        t->has_meta = true;
        t->meta = *meta;
        t->id = *requester;
        t->id.has_secret = false;
        memset(t->id.sec, 0, sizeof(t->id.sec));
    }
}

/* §2.3 step 9: the member's versions, for authorised genuine requests only (Q8). */
static void remember_versions(zt_ctl_member *m, const zt_config_meta *meta)
{
    m->v_major = meta_int(meta->major);
    m->v_minor = meta_int(meta->minor);
    m->v_rev = meta_int(meta->revision);
    m->v_proto = meta_int(meta->proto_version);
}

/* What one evaluation read from the store at once (zt__store_get_request, §2.3 steps 2, 3
 * and 10): the network, the member as stored (|found|), the network around it (active
 * bridges; addresses looked up on demand through |lookup|). */
typedef struct ctl_read {
    zt_ctl_network net;
    zt_ctl_member stored;
    bool found;
    zt_ctl_netinfo info;
    ip_lookup lookup;
    zt_store_probe probe;
} ctl_read;

/* ---- the address probe --------------------------------------------------------------------- */

/* The addresses a request of |node| on |nwid| will likely look up first: the first pool
 * candidates (§3.5-§3.6) by the network's pools as last read, for a member not yet sent a
 * config (one that was has its address).  The store answers them in its first read, which
 * saves a new member's lookup round trip; a guess that misses costs nothing but the probe. */
static size_t probe_for(const zt_controller *ctl, uint64_t nwid, uint64_t node, zt_ctl_ip *ips)
{
    const zt_ctl_track *t = zt__controller_track_find(ctl, nwid, node);

    if (t != NULL && t->configured)
        return 0;
    for (size_t i = 0; i < ZT_CTL_POOL_HINTS; i++) {
        const zt_ctl_pool_hint *h = &ctl->hints[i];
        if (h->nwid == nwid)
            return zt__controller_first_candidates(h->v4, h->v6, h->pools, h->npools, node, ips,
                                                   ZT_STORE_PROBE_MAX);
    }
    return 0;
}

/* Keeps |net|'s pools for the next probe_for (a few networks, the oldest replaced). */
static void remember_pools(zt_controller *ctl, const zt_ctl_network *net)
{
    zt_ctl_pool_hint *h = NULL;

    for (size_t i = 0; i < ZT_CTL_POOL_HINTS && h == NULL; i++)
        if (ctl->hints[i].nwid == net->id)
            h = &ctl->hints[i];
    if (h == NULL) {
        h = &ctl->hints[ctl->next_hint];
        ctl->next_hint = (ctl->next_hint + 1) % ZT_CTL_POOL_HINTS;
    }
    h->nwid = net->id;
    h->v4 = net->v4_zt;
    h->v6 = net->v6_zt;
    h->npools = net->npools < ZT_STORE_PROBE_MAX ? net->npools : ZT_STORE_PROBE_MAX;
    memcpy(h->pools, net->pools, h->npools * sizeof(h->pools[0]));
}

/* §2.3 steps 10-11 for an authorised member |m| of |net|: decides its config (the record
 * final), saves the record while signing the credentials (the store's write under way: a
 * server works meanwhile), and sends the config once the record is saved: an address goes
 * out only once it is recorded. */
static int deliver_config(zt_controller *ctl, ctl_read *rd, zt_ctl_member *m,
                          const zt_identity *requester, const zt_config_meta *meta,
                          uint64_t packet_id, int64_t now, const zt_controller_out *out,
                          zt_controller_result *presult)
{
    const zt_ctl_member *read = rd->found ? &rd->stored : NULL;
    const zt_ctl_build b = {
        .signer = &ctl->id,
        .net = &rd->net,
        .member = m,
        .is_new = read == NULL,
        .requester = requester,
        .meta = meta,
        .info = &rd->info,
        .now = now,
        .rnd = ctl->opts.random_u64,
        .rnd_arg = ctl->opts.random_arg,
        .scratch = ctl->scratch,
        .scratch_cap = ZT_CTL_DICT_CAP,
    };
    uint64_t nwid = m->nwid, update_id;
    zt_netconf nc;
    zt_ssize dlen = 0, first = 0;
    int rv, signed_rv;

    zt__netconf_init(&nc, ctl->mem);
    rv = zt__controller_decide_config(&b, &nc);
    if (rv != 0 && rd->lookup.failed)
        goto out; /* the store's sentence is in errmsg */
    if (rv != 0) {
        zt__controller_set_err(
            ctl, "controller: cannot build the config of %016" PRIx64 "/%010" PRIx64 ": %s", nwid,
            requester->address, zt__strerror(rv));
        goto out;
    }
    update_id = zt__controller_update_id(ctl); /* drawn after the pool picks, as always */
    zt__store_save_member_cas_start(ctl->store, m, read, now);
    signed_rv = zt__controller_sign_config(&b, &nc);
    if (signed_rv == 0)
        dlen = zt__netconf_write(&nc, ctl->dict, ZT_CTL_DICT_CAP);
    if (dlen > 0) /* the first chunk signed meanwhile too; it leaves after the save */
        first = zt__controller_first_chunk(ctl, nwid, packet_id, (size_t)dlen, update_id);
    rv = saved(ctl, m, zt__store_save_member_cas_finish(ctl->store, NULL));
    if (rv != 0)
        goto out;
    if (signed_rv == ZT_ERR_AUTH) {
        /* 11: signing failed: OBJ_NOT_FOUND on the wire (the record, saved, sends nothing) */
        *presult = ZT_CTL_RESULT_SIGN_FAILED;
        zt__controller_set_err(ctl, "controller: cannot sign credentials for network %016" PRIx64,
                               nwid);
        rv = send_error(ctl, out, requester->address, packet_id, ZT_ERROR_OBJ_NOT_FOUND, nwid);
        goto out;
    }
    if (signed_rv != 0 || dlen <= 0) {
        rv = signed_rv != 0 && signed_rv != ZT_ERR_RANGE ? signed_rv : ZT_ERR_RANGE;
        zt__controller_set_err(
            ctl, "controller: the config of %016" PRIx64 "/%010" PRIx64 " cannot be made: %s",
            nwid, requester->address, rv == ZT_ERR_RANGE ? "too large" : zt__strerror(rv));
        goto out;
    }
    *presult = ZT_CTL_RESULT_CONFIG;
    rv = zt__controller_send_chunks(ctl, out, requester->address, nwid, packet_id, (size_t)dlen,
                                    update_id, first);
    if (rv == 0) {
        zt_ctl_track *t = zt__controller_track_find(ctl, nwid, requester->address);
        if (t != NULL)
            t->configured = true;
        zt__controller_cache_put(ctl, nwid, requester->address, (size_t)dlen);
    }
out:
    zt__netconf_clear(&nc);
    return rv;
}

/* §2.3 steps 6-11 for the pinned member |m| of the network read in |rd|: authorises it, then
 * answers with a refusal or its config. */
static int answer_member(zt_controller *ctl, ctl_read *rd, zt_ctl_member *m,
                         const zt_identity *requester, const zt_config_meta *meta,
                         uint64_t packet_id, int64_t now, const zt_controller_out *out,
                         zt_controller_result *presult)
{
    const zt_ctl_network *net = &rd->net;
    int rv;

    /* 6: authorisation, first match wins; automatic ones are saved (permanent) */
    if (!m->authorized)
        auto_authorize(net, m, meta, now);

    /* 7: SSO is not offered (controller.md §3.10 recommendation): ssoEnabled is ignored. */

    if (packet_id != 0)
        remember_request(ctl, m, requester, meta);

    /* 8: not authorised: the member becomes visible, the requester is told */
    if (!m->authorized) {
        zt__controller_cache_drop(ctl, zt__controller_track_find(ctl, m->nwid, m->id));
        rv = save_member(ctl, m, rd->found ? &rd->stored : NULL, now);
        if (rv != 0)
            return rv;
        *presult = ZT_CTL_RESULT_ACCESS_DENIED;
        ctl->stats.denied++;
        return send_error(ctl, out, requester->address, packet_id, ZT_ERROR_NETWORK_ACCESS_DENIED,
                          m->nwid);
    }

    /* 9: versions (authorised, genuine requests only: Q8) */
    if (packet_id != 0)
        remember_versions(m, meta);

    /* 10-11: build, save, send */
    return deliver_config(ctl, rd, m, requester, meta, packet_id, now, out, presult);
}

/* §2.3 steps 2-3 (and 10's bridges): reads |rd| for |requester| on |nwid| and sets |m| to the
 * member as stored, or to a new member's defaults. */
static int read_request(zt_controller *ctl, uint64_t nwid, uint64_t address, ctl_read *rd,
                        zt_ctl_member *m)
{
    int rv;

    memset(&rd->info, 0, sizeof(rd->info));
    memset(&rd->lookup, 0, sizeof(rd->lookup));
    rd->lookup.ctl = ctl;
    rd->lookup.nwid = nwid;
    rd->lookup.probe = &rd->probe;
    rd->info.ip_used = ip_used;
    rd->info.arg = &rd->lookup;
    rd->probe.n = probe_for(ctl, nwid, address, rd->probe.ips);
    rv = zt__store_get_request(ctl->store, nwid, address, &rd->net, &rd->stored, &rd->found,
                               rd->info.bridges, ZT_NETCONF_MAX_SPECIALISTS, &rd->info.nbridges,
                               &rd->probe);
    if (rv != 0)
        return rv;
    remember_pools(ctl, &rd->net);
    zt__ctl_member_clear(m);
    if (!rd->found)
        zt__ctl_member_init(m, nwid, address);
    else if ((rv = zt__ctl_member_copy(m, &rd->stored)) != 0)
        zt__ctl_member_init(m, nwid, address);
    return rv;
}

/* Steps 2-11 of §2.3 for |requester| on |nwid|, once. */
static int evaluate_once(zt_controller *ctl, const zt_identity *requester, uint64_t nwid,
                         const zt_config_meta *meta, uint64_t packet_id, int64_t now,
                         const zt_controller_out *out, zt_controller_result *presult)
{
    ctl_read rd;
    zt_ctl_member m;
    char idstr[ZT_IDENTITY_STR_MAX + 1];
    int rv;

    zt__ctl_member_init(&m, nwid, requester->address);

    /* 2-3: the network (else OBJ_NOT_FOUND), the member or a new one's defaults */
    rv = read_request(ctl, nwid, requester->address, &rd, &m);
    if (rv == ZT_ERR_NOTFOUND) {
        *presult = ZT_CTL_RESULT_NOT_FOUND;
        rv = send_error(ctl, out, requester->address, packet_id, ZT_ERROR_OBJ_NOT_FOUND, nwid);
        goto out;
    }
    if (rv == ZT_ERR_NOMEM)
        goto out;
    if (rv != 0) {
        store_failed(ctl, rv, "loading network and member", nwid, requester->address);
        goto unreadable;
    }

    /* 4: identity pinning */
    if (zt__identity_to_string(requester, false, idstr, sizeof(idstr)) < 0) {
        rv = ZT_ERR_DROP;
        goto out;
    }
    if (!pin_identity(&m, requester, idstr)) {
        *presult = ZT_CTL_RESULT_IDENTITY_MISMATCH;
        ctl->stats.denied++;
        rv = send_error(ctl, out, requester->address, packet_id, ZT_ERROR_NETWORK_ACCESS_DENIED,
                        nwid);
        goto out;
    }

    /* 5: id/address/nwid are the record's keys (model.h), already forced */
    m.nwid = nwid;
    m.id = requester->address;

    rv = answer_member(ctl, &rd, &m, requester, meta, packet_id, now, out, presult);
    goto out;
unreadable:
    /* The store cannot be read (a database gone away): a member we configured before gets
     * that config again; others wait (their requests are dropped, as on any failure). */
    if (rv == ZT_ERR_IO && packet_id != 0 &&
        zt__controller_cache_answer(ctl, nwid, requester->address, packet_id, out, presult) ==
            0)
        rv = 0;
out:
    zt__ctl_member_clear(&m);
    zt__ctl_member_clear(&rd.stored);
    zt__ctl_network_clear(&rd.net); /* get_request always initialises both */
    return rv;
}

/* Steps 2-11 of §2.3 for |requester| on |nwid|.  |packet_id| 0 = internal re-evaluation.
 * A member record another process changed between our read and our save (controllers
 * sharing a database) is read again and the request evaluated again: nothing was sent yet
 * (the save comes before any answer). */
int zt__controller_evaluate(zt_controller *ctl, const zt_identity *requester, uint64_t nwid,
                            const zt_config_meta *meta, uint64_t packet_id, int64_t now,
                            const zt_controller_out *out, zt_controller_result *presult)
{
    int rv = ZT_ERR_AGAIN;

    for (int attempt = 0; attempt < ZT_CTL_SAVE_TRIES && rv == ZT_ERR_AGAIN; attempt++) {
        ctl->errmsg[0] = '\0'; /* what an attempt says is about that attempt */
        rv = evaluate_once(ctl, requester, nwid, meta, packet_id, now, out, presult);
    }
    return rv;
}

int zt__controller_handle_request(zt_controller *ctl, const zt_identity *requester,
                                 const uint8_t *payload, size_t len, uint64_t packet_id,
                                 int64_t now, const zt_controller_out *out,
                                 zt_controller_result *presult)
{
    zt_config_request req;
    zt_config_meta meta;
    zt_controller_result result = ZT_CTL_RESULT_NOT_OURS;
    zt_ctl_track *t;
    int rv;

    if (ctl == NULL || requester == NULL || (payload == NULL && len > 0) || out == NULL ||
        out->send == NULL)
        return ZT_ERR_INVAL;
    ctl->stats.requests++;
    ctl->errmsg[0] = '\0';
    if (payload == NULL || zt__config_request_parse(&req, payload, len) != 0 ||
        zt__address_is_reserved(requester->address) ||
        zt__config_meta_read(&meta, req.metadata, req.metadata_len) != 0) {
        ctl->stats.malformed++;
        return ZT_ERR_DROP;
    }
    /* §1: only networks under our address; others are dropped without a reply */
    if ((req.nwid >> ZT_NWID_CONTROLLER_SHIFT) != ctl->id.address) {
        ctl->stats.not_ours++;
        if (presult != NULL)
            *presult = ZT_CTL_RESULT_NOT_OURS;
        return 0;
    }
    /* §2.1 step 4 flood limit and §2.3 step 1 presence, genuine requests only */
    if (packet_id != 0) {
        rv = zt__controller_track_get(ctl, req.nwid, requester->address, &t);
        if (rv != 0)
            return rv;
        if (t->last_request != 0 && now >= t->last_request &&
            now - t->last_request <= ZT_CTL_MIN_REQUEST_PERIOD) {
            ctl->stats.flooded++;
            if (presult != NULL)
                *presult = ZT_CTL_RESULT_FLOODED;
            return 0;
        }
        zt__controller_track_touch(ctl, t, now);
    }
    rv = zt__controller_evaluate(ctl, requester, req.nwid, &meta, packet_id, now, out, &result);
    if (rv == 0 && presult != NULL)
        *presult = result;
    return rv;
}
