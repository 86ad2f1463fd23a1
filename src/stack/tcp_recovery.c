/*
 * tcp_recovery.c: loss recovery for lwIP's TCP sender, from lwIP's "incoming packet" hook
 * (LWIP_HOOK_TCP_INPACKET_PCB, lwipopts.h).  Compiled into zt_lwip; core lock held.
 *
 * lwIP 2.1 repairs one lost segment per window by fast retransmit and leaves every other loss
 * of that window to the retransmission timer; it also needs three duplicate ACKs, which a
 * small window never produces.  Over a lossy underlay (a ZeroTier frame of a full-size segment
 * is two UDP datagrams) that made a 100 MB transfer at 5 % datagram loss crawl from timeout
 * to timeout.  Before lwIP processes an ACK, this hook adds what RFC 6582 (NewReno) and
 * RFC 5827 (early retransmit) describe, using only lwIP's own machinery:
 *
 *  - Fast recovery lasts until everything sent before it is acknowledged (the recovery
 *    point, kept in the pcb's extension slot): every ACK that acknowledges new data short of
 *    that point (a partial ACK) puts the segment it now starts at back on the unsent queue,
 *    so lwIP sends it again when it is done with the ACK, one round trip per hole.  lwIP's
 *    "in fast retransmit" flag is kept set meanwhile, so duplicate ACKs inflate the window
 *    instead of starting a second recovery (and halving the window again).
 *  - Limited transmit (RFC 3042): each of the first two duplicate ACKs lets one new segment
 *    out, so that a small window still draws the duplicates fast retransmit needs.
 *  - Early retransmit: with fewer than four segments outstanding, the duplicate ACK threshold
 *    is one less than their number.
 *
 * A retransmission timeout ends our recovery: lwIP's go-back-N takes over.  Everything here
 * only moves segments between lwIP's queues as its own tcp_rexmit() does, so the worst a
 * wrong guess (reordering) costs is one needless retransmission.  docs/internals/stack.md.
 */
#include "lwiphooks.h"

#include <stdint.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

/* The pcb extension slots we use (allocated on first use; core lock): the recovery point, and
 * how much limited transmit has added to the congestion window. */
static u8_t slot = LWIP_TCP_PCB_NUM_EXT_ARGS;
static u8_t lt_slot = LWIP_TCP_PCB_NUM_EXT_ARGS;

/* The recovery point of |pcb|, if it is recovering (the slot holds it, 0 = not recovering). */
static int recovering(const struct tcp_pcb *pcb, u32_t *point)
{
    uintptr_t v = (uintptr_t)tcp_ext_arg_get(pcb, slot);

    *point = (u32_t)v;
    return v != 0;
}

static void set_recovering(struct tcp_pcb *pcb, int on, u32_t point)
{
    /* A recovery point of 0 is stored as 1: one byte early, which only ends it sooner. */
    tcp_ext_arg_set(pcb, slot, on ? (void *)(uintptr_t)(point != 0 ? point : 1) : NULL);
}

/* Moves the unacknowledged segment holding |seq| to its place on the unsent queue. */
static void requeue(struct tcp_pcb *pcb, u32_t seq)
{
    struct tcp_seg **at = &pcb->unacked, *seg, **cur;

    while (*at != NULL && !(TCP_SEQ_LEQ(lwip_ntohl((*at)->tcphdr->seqno), seq) &&
                            TCP_SEQ_LT(seq, lwip_ntohl((*at)->tcphdr->seqno) + TCP_TCPLEN(*at))))
        at = &(*at)->next;
    seg = *at;
    if (seg == NULL || seg->p->ref != 1) /* not there, or still held by the driver */
        return;
    *at = seg->next;
    cur = &pcb->unsent;
    while (*cur != NULL &&
           TCP_SEQ_LT(lwip_ntohl((*cur)->tcphdr->seqno), lwip_ntohl(seg->tcphdr->seqno)))
        cur = &(*cur)->next;
    seg->next = *cur;
    *cur = seg;
#if TCP_OVERSIZE
    if (seg->next == NULL)
        pcb->unsent_oversize = 0;
#endif
    pcb->rttest = 0; /* no round-trip sample from a retransmitted segment (Karn) */
}

/* Early retransmit: with n < 4 segments outstanding, n - 1 duplicate ACKs start recovery. */
static void early_retransmit(struct tcp_pcb *pcb)
{
    const struct tcp_seg *seg = pcb->unacked;
    int n = 0;

    while (seg != NULL && n < 4) {
        n++;
        seg = seg->next;
    }
    if (n >= 2 && n < 4 && pcb->dupacks + 1 >= n - 1 && pcb->dupacks < 2)
        pcb->dupacks = 2; /* lwIP counts this ACK as the third and retransmits */
}

/* Limited transmit: lwIP can only be made to send by its congestion window, so it is raised
 * by one segment for each of the first two duplicates and lowered back by as much at the
 * next ACK that is not one of those two (before lwIP sees a third duplicate). */
static void limited_transmit(struct tcp_pcb *pcb, int dup)
{
    uintptr_t added = (uintptr_t)tcp_ext_arg_get(pcb, lt_slot);

    if (dup && pcb->dupacks < 2 && added < 2u * pcb->mss && !(pcb->flags & TF_INFR)) {
        TCP_WND_INC(pcb->cwnd, pcb->mss);
        tcp_ext_arg_set(pcb, lt_slot, (void *)(added + pcb->mss));
    } else if (added != 0) {
        pcb->cwnd = pcb->cwnd > added + pcb->mss ? (tcpwnd_size_t)(pcb->cwnd - added) : pcb->mss;
        tcp_ext_arg_set(pcb, lt_slot, NULL);
    }
}

err_t zt__stack_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr,
                             const struct pbuf *p)
{
    u8_t flags = TCPH_FLAGS(hdr);
    u32_t ackno, point;

    if (pcb->state < ESTABLISHED || pcb->state == TIME_WAIT || !(flags & TCP_ACK) ||
        (flags & (TCP_SYN | TCP_RST)))
        return ERR_OK;
    if (slot == LWIP_TCP_PCB_NUM_EXT_ARGS) {
        slot = tcp_ext_arg_alloc_id();
        lt_slot = tcp_ext_arg_alloc_id();
    }
    ackno = hdr->ackno; /* tcp_input has made it host order */
    if (pcb->flags & TF_RTO) { /* a timeout: lwIP's go-back-N recovers */
        tcp_ext_arg_set(pcb, lt_slot, NULL); /* the window was reset to one segment */
        if (recovering(pcb, &point)) {
            set_recovering(pcb, 0, 0);
            tcp_clear_flags(pcb, TF_INFR); /* ours since the first partial ACK */
        }
        return ERR_OK;
    }
    if (!recovering(pcb, &point)) {
        if (pcb->flags & TF_INFR) { /* lwIP started a fast recovery on the last ACK */
            point = pcb->snd_nxt;
            set_recovering(pcb, 1, point);
        } else {
            /* A duplicate by lwIP's rules: no new data acknowledged, none carried, the
             * window unchanged, data outstanding. */
            int dup = ackno == pcb->lastack && p->tot_len == 0 && !(flags & TCP_FIN) &&
                      (tcpwnd_size_t)SND_WND_SCALE(pcb, hdr->wnd) == pcb->snd_wnd &&
                      pcb->unacked != NULL;
            if (dup)
                early_retransmit(pcb);
            limited_transmit(pcb, dup);
            return ERR_OK;
        }
    }
    if (!TCP_SEQ_LT(ackno, point)) { /* everything sent before the loss is acknowledged */
        set_recovering(pcb, 0, 0);
        return ERR_OK;
    }
    tcp_set_flags(pcb, TF_INFR);
    if (TCP_SEQ_GT(ackno, pcb->lastack) && TCP_SEQ_LT(ackno, pcb->snd_nxt))
        requeue(pcb, ackno); /* a partial ACK: the next hole starts at ackno */
    return ERR_OK;
}
