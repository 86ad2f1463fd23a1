/* Peers we do not hold yet: the peer cache, WHOIS (vl1.md §4.3, §5.3) and the queues of
 * packets that wait for an identity; lookup.h. */
#include "core/lookup.h"

#include <string.h>

#include "codec/peercache.h"
#include "core/host.h"
#include "core/peer.h"
#include "core/send.h"

zt_peer *zt__lookup_peer(zt_node *n, uint64_t address, int64_t now)
{
    zt_inetaddr contact[ZT_PEERCACHE_MAX_PATHS];
    unsigned ncontact;
    zt_peer *p = zt__peer_find(n, address);

    if (p != NULL)
        return p;
    /* The cache is asked once per lookup episode: while a WHOIS is pending, it already
     * missed (a flood from unknown sources must not turn into file reads). */
    for (unsigned i = 0; i < n->nwhois; i++)
        if (n->whois[i].address == address)
            return NULL;
    p = zt__peer_load_cached(n, address, now, contact, &ncontact);
    for (unsigned i = 0; p != NULL && i < ncontact; i++)
        (void)zt__send_hello(n, p, ZT_LOCAL_SOCKET_ANY, &contact[i], now);
    return p;
}

static zt_whois *whois_entry(zt_node *n, uint64_t address, int64_t now)
{
    for (unsigned i = 0; i < n->nwhois; i++)
        if (n->whois[i].address == address)
            return &n->whois[i];
    if (n->nwhois >= ZT_WHOIS_PENDING_MAX) {
        n->counters.drop_queue_full++;
        return NULL;
    }
    memset(&n->whois[n->nwhois], 0, sizeof(n->whois[0]));
    n->whois[n->nwhois].address = address;
    n->whois[n->nwhois].first = now;
    n->whois[n->nwhois].last_sent = now - ZT_WHOIS_RETRY_DELAY;
    return &n->whois[n->nwhois++];
}

bool zt__lookup_whois(zt_node *n, uint64_t address, int64_t now)
{
    zt_whois *e = whois_entry(n, address, now);
    zt_peer *up;
    zt_wr w;

    if (e == NULL || now - e->last_sent < ZT_WHOIS_RETRY_DELAY)
        return false;
    e->last_sent = now;
    e->tries++;
    up = zt__peer_best_upstream(n, now);
    if (up == NULL || up->id.address == address)
        return false;
    w = zt__send_begin(n, up->id.address, ZT_VERB_WHOIS);
    zt__wr_be(&w, address, ZT_ADDRESS_LEN); /* one address per request (vl1.md §4.3) */
    n->counters.whois_sent++;
    (void)zt__send_to_peer(n, up, &w, true, now);
    return true;
}

static zt_queued *queued_new(zt_node *n, const uint8_t *data, size_t len)
{
    zt_queued *q = zt__mem_calloc(n->mem, 1, sizeof(*q) + len);
    if (q != NULL && len > 0)
        memcpy(q->data, data, len);
    if (q != NULL)
        q->len = len;
    return q;
}

static void queue_append(zt_queued **head, zt_queued *q)
{
    while (*head != NULL)
        head = &(*head)->next;
    *head = q;
}

int zt__lookup_queue_tx(zt_node *n, uint64_t dest, unsigned verb, const uint8_t *payload,
                        size_t len, int64_t now)
{
    zt_queued *q;

    if (n->ntxq >= ZT_QUEUE_SIZE) {
        n->counters.drop_queue_full++;
        return ZT_ERR_LIMIT;
    }
    q = queued_new(n, payload, len);
    if (q == NULL)
        return ZT_ERR_NOMEM;
    q->peer = dest;
    q->verb = verb;
    q->since = now;
    queue_append(&n->txq, q);
    n->ntxq++;
    zt__lookup_whois(n, dest, now);
    return 0;
}

void zt__lookup_queue_rx(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                         const uint8_t *pkt, size_t len, int64_t now)
{
    zt_queued *q;

    if (n->nrxq >= ZT_QUEUE_SIZE) {
        n->counters.drop_queue_full++;
        return;
    }
    q = queued_new(n, pkt, len);
    if (q == NULL)
        return;
    q->peer = zt__pkt_source(pkt);
    q->since = now;
    q->local_socket = local_socket;
    q->from = *from;
    queue_append(&n->rxq, q);
    n->nrxq++;
    zt__lookup_whois(n, q->peer, now);
}

int zt__lookup_send_or_queue(zt_node *n, zt_peer *p, uint64_t dest, const zt_wr *w,
                             bool expect_reply, int64_t now)
{
    if (w->overflow)
        return ZT_ERR_RANGE;
    if (p != NULL)
        return zt__send_to_peer(n, p, w, expect_reply, now);
    /* Unknown peer: the payload just built waits for its WHOIS (queue_tx copies it first). */
    return zt__lookup_queue_tx(n, dest, zt__pkt_verb(n->txbuf), n->txbuf + ZT_PKT_IDX_PAYLOAD,
                               zt__wr_len(w), now);
}

zt_queued *zt__lookup_take(zt_node *n, bool rx, int64_t now)
{
    zt_queued **pp = rx ? &n->rxq : &n->txq;
    unsigned *count = rx ? &n->nrxq : &n->ntxq;

    while (*pp != NULL) {
        zt_queued *q = *pp;
        bool known = zt__peer_find(n, q->peer) != NULL;
        if (!known && now - q->since < ZT_QUEUE_TIMEOUT) {
            pp = &q->next;
            continue;
        }
        *pp = q->next;
        (*count)--;
        if (known) {
            q->next = NULL;
            return q;
        }
        n->counters.drop_unknown_peer++;
        zt__mem_free(n->mem, q);
    }
    return NULL;
}

/* A peer just learned by WHOIS hears from us at once, so it learns our version (§8b). */
void zt__lookup_retry(zt_node *n, int64_t now)
{
    for (unsigned i = 0; i < n->nwhois;) {
        zt_whois *e = &n->whois[i];
        zt_peer *p = zt__peer_find(n, e->address);
        if (p != NULL || now - e->first >= ZT_QUEUE_TIMEOUT || e->tries >= ZT_WHOIS_MAX_TRIES) {
            if (p == NULL)
                zt__host_event_peer(n, ZT_NODE_EVENT_PEER_UNREACHABLE, e->address);
            *e = n->whois[--n->nwhois];
            continue;
        }
        zt__lookup_whois(n, e->address, now);
        i++;
    }
}

void zt__lookup_clear(zt_node *n)
{
    zt_queued *lists[2] = {n->txq, n->rxq};

    for (int i = 0; i < 2; i++) {
        zt_queued *q = lists[i];
        while (q != NULL) {
            zt_queued *next = q->next;
            zt__mem_free(n->mem, q);
            q = next;
        }
    }
    n->txq = n->rxq = NULL;
    n->ntxq = n->nrxq = 0;
}

