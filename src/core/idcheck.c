/*
 * Work for identities we do not know yet (docs/internals/flood.md).  A HELLO from an unknown
 * identity costs a key agreement (to check its MAC) and then the identity's address proof, a
 * 2 MiB memory-hard hash of ~30 ms.  Besides the per-prefix gate of vl1.md §5.9 (vl1.c),
 * that work has a global budget here: token buckets for agreements and for proofs, a bound on
 * proofs in progress, and a memory of identities that failed.  What is over budget is shed,
 * never queued.  An embedder with a spare thread checks proofs there (check_identity
 * callback, zt_node_identity_checked, which node.c implements over zt__idcheck_finish), so the node's own thread keeps serving known peers,
 * timers and shutdown while a proof is checked; without one, the node checks within budget.
 */
#include "core/idcheck.h"

#include <string.h>

bool zt__idcheck_budget_take(zt_budget *b, unsigned rate, unsigned burst, int64_t now)
{
    const int64_t cap = (int64_t)burst * 1000;

    if (!b->started) { /* full at first use */
        b->milli = cap;
        b->started = true;
        b->last = now;
    } else if (now > b->last) { /* a clock that steps back refills nothing */
        int64_t dt = now - b->last;
        /* milli-tokens: |rate| per 1000 ms; a gap of |cap| ms refills any bucket */
        int64_t add = dt >= cap ? cap : dt * (int64_t)rate;
        b->milli = add >= cap - b->milli ? cap : b->milli + add;
        b->last = now;
    }
    if (b->milli < 1000)
        return false;
    b->milli -= 1000;
    return true;
}

static uint64_t fingerprint(const zt_identity *id)
{
    return zt__load_be(id->pub, 8) ^ id->address;
}

bool zt__idcheck_failed_before(const zt_node *n, const zt_identity *id)
{
    uint64_t f = fingerprint(id);

    for (unsigned i = 0; i < ZT_IDV_FAILED; i++)
        if (n->idv_failed[i] == f && f != 0)
            return true;
    return false;
}

static void remember_failed(zt_node *n, const zt_identity *id)
{
    n->idv_failed[n->idv_failed_pos] = fingerprint(id);
    n->idv_failed_pos = (n->idv_failed_pos + 1) % ZT_IDV_FAILED;
    n->counters.drop_invalid_identity++;
}

bool zt__idcheck_in_progress(const zt_node *n, uint64_t address)
{
    for (unsigned i = 0; i < ZT_IDV_PENDING; i++)
        if (n->idv_jobs[i].ticket != 0 && n->idv_jobs[i].id.address == address)
            return true;
    return false;
}

static void job_free(zt_node *n, zt_idv_job *j)
{
    for (unsigned i = 0; i < j->nheld; i++)
        zt__mem_free(n->mem, j->held[i].pkt);
    zt__wipe(j->key, sizeof(j->key));
    memset(j, 0, sizeof(*j));
}

/* Keeps a copy of the armored HELLO |in| with |j|; false if full or out of memory. */
static bool hold(zt_node *n, zt_idv_job *j, const uint8_t *in, size_t len, int64_t local_socket,
                 const zt_inetaddr *from)
{
    uint8_t *copy;

    if (j->nheld == ZT_IDV_HELD || (copy = zt__mem_calloc(n->mem, 1, len)) == NULL)
        return false;
    memcpy(copy, in, len);
    j->held[j->nheld].pkt = copy;
    j->held[j->nheld].len = len;
    j->held[j->nheld].local_socket = local_socket;
    j->held[j->nheld].from = *from;
    j->nheld++;
    return true;
}

/* Hands the proof to the embedder; false if it has no checker, no slot is free or it said no. */
static bool start_async(zt_node *n, const zt_identity *id, const uint8_t *key,
                        int64_t local_socket, const zt_inetaddr *from, const uint8_t *in,
                        size_t len, int64_t now)
{
    zt_idv_job *j = NULL;

    if (n->cb.check_identity == NULL)
        return false;
    for (unsigned i = 0; i < ZT_IDV_PENDING && j == NULL; i++)
        if (n->idv_jobs[i].ticket == 0)
            j = &n->idv_jobs[i];
    if (j == NULL || (in != NULL && !hold(n, j, in, len, local_socket, from))) {
        if (j != NULL)
            job_free(n, j);
        return false;
    }
    if (key != NULL) {
        memcpy(j->key, key, sizeof(j->key));
        j->has_key = true;
    }
    j->ticket = ++n->idv_next_ticket;
    j->id = *id;
    j->id.has_secret = false;
    memset(j->id.sec, 0, sizeof(j->id.sec));
    j->since = now;
    if (n->cb.check_identity(n->cb.user, j->ticket, &j->id) != 0) {
        job_free(n, j);
        return false;
    }
    return true;
}

int zt__idcheck_hold(zt_node *n, const zt_identity *id, uint8_t *pkt, const uint8_t *in,
                     size_t len, int64_t local_socket, const zt_inetaddr *from, int64_t now)
{
    zt_idv_job *j = NULL;

    for (unsigned i = 0; i < ZT_IDV_PENDING && j == NULL; i++)
        if (n->idv_jobs[i].ticket != 0 && n->idv_jobs[i].id.address == id->address)
            j = &n->idv_jobs[i];
    if (j == NULL || !zt__identity_equal(&j->id, id)) {
        n->counters.drop_rate_limited++; /* another key under that address: later */
        return ZT_ERR_DROP;
    }
    if (!j->has_key) {
        if (!zt__idcheck_budget_take(&n->agree_budget, ZT_AGREE_RATE, ZT_AGREE_BURST, now)) {
            n->counters.drop_overload++;
            return ZT_ERR_DROP;
        }
        if (zt__identity_agree(&n->self, id, j->key) != 0) {
            n->counters.drop_auth++;
            return ZT_ERR_DROP;
        }
        j->has_key = true;
    }
    if (zt__pkt_dearmor(pkt, len, j->key) != 0) {
        n->counters.drop_auth++;
        return ZT_ERR_DROP;
    }
    if (!hold(n, j, in, len, local_socket, from)) {
        n->counters.drop_overload++;
        return ZT_ERR_DROP;
    }
    return 0;
}

bool zt__idcheck_fresh_prefix(zt_node *n, size_t bucket, int64_t now)
{
    int64_t *t = &n->idv_fresh[bucket % ZT_IDV_BUCKETS];

    if (*t != 0 && now - *t < ZT_IDV_FRESH_PERIOD && now >= *t)
        return false;
    *t = now != 0 ? now : 1;
    return true;
}

bool zt__idcheck_agree_budget(zt_node *n, bool fresh, int64_t now)
{
    return (fresh && zt__idcheck_budget_take(&n->agree_fresh_budget, ZT_AGREE_FRESH_RATE,
                                             ZT_AGREE_FRESH_BURST, now)) ||
           zt__idcheck_budget_take(&n->agree_budget, ZT_AGREE_RATE, ZT_AGREE_BURST, now);
}

/* A proof token: WHOIS answers from their own budget, a fresh prefix from the fresh one
 * first, then from the HELLOs' budget. */
static bool proof_budget(zt_node *n, bool whois, bool fresh, int64_t now)
{
    if (whois)
        return zt__idcheck_budget_take(&n->idv_whois_budget, ZT_IDV_RATE, ZT_IDV_BURST, now);
    return (fresh && zt__idcheck_budget_take(&n->idv_fresh_budget, ZT_IDV_FRESH_RATE,
                                             ZT_IDV_FRESH_BURST, now)) ||
           zt__idcheck_budget_take(&n->idv_budget, ZT_IDV_RATE, ZT_IDV_BURST, now);
}

int zt__idcheck_start(zt_node *n, const zt_identity *id, const uint8_t *key, bool fresh,
                      int64_t local_socket, const zt_inetaddr *from, const uint8_t *in,
                      size_t len, int64_t now)
{
    /* Identities a root gave us (WHOIS, in == NULL) passed that root's own checks and cannot
     * be made up by a flooder: they have a budget and two slots of their own, so that new
     * peers still get through while HELLOs from made-up identities flood us. */
    bool whois = in == NULL;
    unsigned free_slots = 0;

    for (unsigned i = 0; i < ZT_IDV_PENDING; i++)
        free_slots += n->idv_jobs[i].ticket == 0;
    if ((n->cb.check_identity != NULL && free_slots <= (whois ? 0u : ZT_IDV_RESERVED)) ||
        !proof_budget(n, whois, fresh, now)) {
        n->counters.drop_overload++;
        return ZT_ERR_LIMIT;
    }
    if (start_async(n, id, key, local_socket, from, in, len, now))
        return ZT_ERR_AGAIN;
    if (zt__identity_validate(id, n->mem) != 0) {
        remember_failed(n, id);
        return ZT_ERR_INVAL;
    }
    return 0;
}

int zt__idcheck_finish(zt_node *n, uint64_t ticket, bool valid, zt_idv_job *out)
{
    zt_idv_job *j = NULL;

    for (unsigned i = 0; i < ZT_IDV_PENDING && j == NULL; i++)
        if (ticket != 0 && n->idv_jobs[i].ticket == ticket)
            j = &n->idv_jobs[i];
    if (j == NULL)
        return ZT_ERR_NOTFOUND; /* expired, or never ours */
    if (!valid) {
        remember_failed(n, &j->id);
        job_free(n, j);
        return ZT_ERR_INVAL;
    }
    *out = *j;
    memset(j, 0, sizeof(*j)); /* the slot is free; |out| owns the held copies */
    return 0;
}

void zt__idcheck_job_clear(zt_node *n, zt_idv_job *j)
{
    job_free(n, j);
}

void zt__idcheck_expire(zt_node *n, int64_t now)
{
    for (unsigned i = 0; i < ZT_IDV_PENDING; i++)
        if (n->idv_jobs[i].ticket != 0 && now - n->idv_jobs[i].since > ZT_IDV_TIMEOUT) {
            n->counters.drop_overload++;
            job_free(n, &n->idv_jobs[i]);
        }
}

void zt__idcheck_free_all(zt_node *n)
{
    for (unsigned i = 0; i < ZT_IDV_PENDING; i++)
        job_free(n, &n->idv_jobs[i]);
}
