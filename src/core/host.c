/* The node's way out: random numbers, events and datagrams (host.h). */
#include "core/host.h"

#include <string.h>

#include "crypto/crypto.h"

uint64_t zt__host_random(zt_node *n)
{
    uint64_t v;

    if (n->rng_pos + 8 > sizeof(n->rng_buf)) {
        zt__chacha20_block(n->rng_buf, n->rng_key, n->rng_counter++);
        n->rng_pos = 0;
    }
    memcpy(&v, n->rng_buf + n->rng_pos, 8);
    n->rng_pos += 8;
    return v;
}

void zt__host_event(zt_node *n, const zt_node_event *ev)
{
    if (n->cb.event != NULL)
        n->cb.event(n->cb.user, ev);
}

void zt__host_event_peer(zt_node *n, zt_node_event_type type, uint64_t peer)
{
    zt_node_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.peer = peer;
    zt__host_event(n, &ev);
}

int zt__host_datagram(zt_node *n, int64_t local_socket, const zt_inetaddr *to,
                      const uint8_t *data, size_t len, unsigned ttl)
{
    int rv = n->cb.send(n->cb.user, local_socket, to, data, len, ttl);
    if (rv == 0)
        n->counters.tx_datagrams++;
    else
        n->counters.tx_errors++;
    return rv;
}

void zt__host_frame(zt_node *n, const zt_network *net, uint64_t src_mac, uint64_t dst_mac,
                    unsigned ethertype, const uint8_t *data, size_t len)
{
    if (n->cb.frame != NULL)
        n->cb.frame(n->cb.user, net->nwid, src_mac, dst_mac, ethertype, data, len);
}
