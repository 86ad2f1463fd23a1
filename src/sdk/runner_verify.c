/*
 * runner_verify.c: the node's check_identity callback (core/node.h).  Address proofs of
 * identities the node does not know yet (a 2 MiB memory-hard hash, ~30 ms each) are checked
 * on a thread of their own, started at the first one, so that the I/O thread keeps serving
 * known peers, timers and shutdown during a flood of new identities (docs/internals/flood.md).
 * The node bounds how many it hands over and how often; the answer goes back as a command.
 */
#include "sdk/runner_internal.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

#define VERIFY_QUEUE 8 /* the node has at most this many in progress (ZT_IDV_PENDING) */

struct zt_runner_verifier {
    pthread_t thread;
    bool has_thread, stop;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct {
        uint64_t ticket;
        zt_identity id;
    } q[VERIFY_QUEUE];
    unsigned head, n;
};

static void *verify_main(void *arg)
{
    zt_runner *r = arg;
    zt_runner_verifier *v = r->verifier;

    pthread_mutex_lock(&v->mu);
    for (;;) {
        uint64_t ticket;
        zt_identity id;
        bool valid;

        while (v->n == 0 && !v->stop)
            pthread_cond_wait(&v->cond, &v->mu);
        if (v->stop)
            break;
        ticket = v->q[v->head].ticket;
        id = v->q[v->head].id;
        v->head = (v->head + 1) % VERIFY_QUEUE;
        v->n--;
        pthread_mutex_unlock(&v->mu);
        valid = zt__identity_validate(&id, NULL) == 0;
        /* ZT_ERR_AGAIN once the runner stops: the answer is no longer wanted. */
        (void)zt__runner_post_checked(r, ticket, valid);
        pthread_mutex_lock(&v->mu);
    }
    pthread_mutex_unlock(&v->mu);
    zt__crypto_thread_stop();
    return NULL;
}

static zt_runner_verifier *verifier(zt_runner *r)
{
    zt_runner_verifier *v = r->verifier;

    if (v != NULL)
        return v;
    v = calloc(1, sizeof(*v));
    if (v == NULL)
        return NULL;
    if (pthread_mutex_init(&v->mu, NULL) != 0) {
        free(v);
        return NULL;
    }
    if (pthread_cond_init(&v->cond, NULL) != 0) {
        pthread_mutex_destroy(&v->mu);
        free(v);
        return NULL;
    }
    r->verifier = v;
    return v;
}

int zt__runner_check_identity(void *user, uint64_t ticket, const zt_identity *id)
{
    zt_runner *r = user;
    zt_runner_verifier *v = verifier(r);
    int rv = 0;

    if (v == NULL)
        return ZT_ERR_NOMEM; /* the node checks it itself */
    pthread_mutex_lock(&v->mu);
    if (v->n == VERIFY_QUEUE || v->stop)
        rv = ZT_ERR_LIMIT;
    else if (!v->has_thread && pthread_create(&v->thread, NULL, verify_main, r) != 0)
        rv = ZT_ERR_IO;
    if (rv == 0) {
        unsigned at = (v->head + v->n) % VERIFY_QUEUE;
        v->has_thread = true;
        v->q[at].ticket = ticket;
        v->q[at].id = *id;
        v->n++;
        pthread_cond_signal(&v->cond);
    }
    pthread_mutex_unlock(&v->mu);
    return rv;
}

void zt__runner_verify_stop(zt_runner *r)
{
    zt_runner_verifier *v = r->verifier;

    if (v == NULL)
        return;
    pthread_mutex_lock(&v->mu);
    v->stop = true;
    v->n = 0;
    pthread_cond_broadcast(&v->cond);
    pthread_mutex_unlock(&v->mu);
    if (v->has_thread) /* at most the proof being checked: ~30 ms */
        pthread_join(v->thread, NULL);
    pthread_cond_destroy(&v->cond);
    pthread_mutex_destroy(&v->mu);
    free(v);
    r->verifier = NULL;
}
