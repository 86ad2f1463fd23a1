/*
 * netstack.c: zt-service's userspace stack (netstack.h): netifs from network configs, frames
 * in and out, and the intercept bridge's sockets following the netifs.
 */
#include "netstack.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/tcpip.h"
#include "nc.h"
#include "sdk/netcfg.h"

typedef struct {
    uint64_t nwid;
    zt_stack_netif *netif;
} st_net;

struct svc_stack {
    service *svc;
    zt_runner *output;   /* where frames go; guarded by lwIP's core lock */
    st_net *nets;        /* I/O thread only */
    unsigned nnets;
    bool frames_locked;  /* the I/O thread holds the core lock across a run of frames */
    pthread_mutex_t mu;  /* guards |nc| against zt__svc_stack_stop */
    nc_bridge *nc;
};

static void netif_output(void *user, uint64_t nwid, uint64_t dst_mac, unsigned ethertype,
                         const uint8_t *data, size_t len)
{
    svc_stack *st = user;

    if (st->output != NULL)
        (void)zt__runner_send_frame(st->output, nwid, dst_mac, ethertype, data, len);
}

static void netif_multicast(void *user, uint64_t nwid, uint64_t mac, bool join)
{
    svc_stack *st = user;

    if (st->output != NULL)
        (void)zt__runner_multicast(st->output, nwid, mac, 0, join);
}

static st_net *find(svc_stack *st, uint64_t nwid)
{
    for (unsigned i = 0; i < st->nnets; i++)
        if (st->nets[i].nwid == nwid)
            return &st->nets[i];
    return NULL;
}

static void network_bridge(svc_stack *st, uint64_t nwid, bool up)
{
    pthread_mutex_lock(&st->mu);
    zt__nc_network(st->nc, nwid, up);
    pthread_mutex_unlock(&st->mu);
}

/* A config arrived (or changed): the network's netif carries it. */
static void network_ok(svc_stack *st, uint64_t nwid)
{
    zt_stack_netif_ops ops = {.user = st, .output = netif_output,
                              .multicast = netif_multicast};
    zt_runner_network rn;
    zt_netcfg nc;
    st_net *net = find(st, nwid);
    zt_stack_netif *nif = net != NULL ? net->netif : NULL;
    bool created;

    if (zt__runner_get_network(st->svc->runner, nwid, &rn) != 0 || !rn.has_config)
        return;
    zt__netcfg_of(&rn, &nc);
    if (zt__netcfg_apply(&nif, &rn, &nc, &ops, &created) != 0 && nif == NULL) {
        zt__svc_log(st->svc, ZT_RUNNER_LOG_WARN, "network %016llx: no netif for it",
                    (unsigned long long)nwid);
        return;
    }
    if (!created)
        return;
    if (net == NULL) {
        st_net *n = realloc(st->nets, (st->nnets + 1) * sizeof(*n));
        if (n == NULL) {
            zt__stack_netif_del(nif);
            return;
        }
        st->nets = n;
        net = &st->nets[st->nnets++];
        net->nwid = nwid;
    }
    net->netif = nif;
    network_bridge(st, nwid, true);
}

static void network_down(svc_stack *st, uint64_t nwid)
{
    st_net *net = find(st, nwid);

    if (net == NULL)
        return;
    network_bridge(st, nwid, false);
    zt__stack_netif_del(net->netif);
    *net = st->nets[--st->nnets];
}

static void frames_unlock(svc_stack *st)
{
    if (st->frames_locked) {
        zt__stack_input_end();
        st->frames_locked = false;
    }
}

bool zt__svc_stack_event(svc_stack *st, const zt_runner_event *ev)
{
    st_net *net;

    if (st == NULL)
        return false;
    if (ev->type != ZT_RUNNER_EVENT_FRAME)
        frames_unlock(st);
    if (ev->type == ZT_RUNNER_EVENT_NODE && ev->node->type == ZT_NODE_EVENT_NETWORK_OK)
        network_ok(st, ev->node->nwid);
    else if (ev->type == ZT_RUNNER_EVENT_NODE && ev->node->type == ZT_NODE_EVENT_NETWORK_DOWN)
        network_down(st, ev->node->nwid);
    if (ev->type != ZT_RUNNER_EVENT_FRAME || (net = find(st, ev->nwid)) == NULL)
        return false;
    if (!st->frames_locked) {
        zt__stack_input_begin();
        st->frames_locked = true;
    }
    (void)zt__stack_netif_input(net->netif, ev->src_mac, ev->dst_mac, ev->ethertype, ev->data,
                                ev->len);
    return true;
}

int zt__svc_stack_new(svc_stack **pst, service *svc, const char *home, char *err,
                      size_t errlen)
{
    svc_stack *st = calloc(1, sizeof(*st));

    *pst = NULL;
    if (st == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (zt__stack_init() != 0) {
        snprintf(err, errlen, "the userspace stack did not start");
        free(st);
        return -1;
    }
    st->svc = svc;
    pthread_mutex_init(&st->mu, NULL);
    if (zt__nc_start(&st->nc, svc, home, err, errlen) != 0) {
        pthread_mutex_destroy(&st->mu);
        free(st);
        return -1;
    }
    LOCK_TCPIP_CORE();
    st->output = svc->runner;
    UNLOCK_TCPIP_CORE();
    *pst = st;
    return 0;
}

void zt__svc_stack_stop(svc_stack *st)
{
    nc_bridge *nc;

    if (st == NULL)
        return;
    pthread_mutex_lock(&st->mu);
    nc = st->nc;
    st->nc = NULL;
    pthread_mutex_unlock(&st->mu);
    zt__nc_stop(nc);
    LOCK_TCPIP_CORE();
    st->output = NULL;
    UNLOCK_TCPIP_CORE();
}

void zt__svc_stack_del(svc_stack *st)
{
    if (st == NULL)
        return;
    /* The I/O thread has ended: it holds no lock and calls nothing here any more. */
    for (unsigned i = 0; i < st->nnets; i++)
        zt__stack_netif_del(st->nets[i].netif);
    free(st->nets);
    pthread_mutex_destroy(&st->mu);
    free(st);
}
