/*
 * svc_service.c: the service behind both API generations (svc.h, docs/internals/api.md): the
 * state, the service thread and the bridge from the runner's reports to events and netifs.
 *
 * A front end's start reserves the RUNNING state and calls zt__svc_launch_locked(); the
 * service thread builds the runner through the front end (identity, sockets, node), starts
 * its I/O thread and then delivers events until a stop.  On its I/O thread the runner tells us
 * about the node (online, peers, networks) and hands us every frame for our port; a network
 * config becomes a netif carrying all its addresses and routes, and the frames go straight
 * into lwIP on that thread.  Frames lwIP sends come back through netif_output().
 */
#include "sdk/svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/world.h"
#include "crypto/crypto.h"
#include "io/clock.h"
#include "lwip/tcpip.h"
#include "socket/sock.h"
#include "socket/zts_gate.h"

zt_svc zt__svc = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .cond = PTHREAD_COND_INITIALIZER,
    .runner_lock = PTHREAD_RWLOCK_INITIALIZER,
    .mc_mu = PTHREAD_MUTEX_INITIALIZER,
};

/* The runner frames go to; guarded by lwIP's core lock (the netif callbacks hold it). */
static zt_runner *output_runner;

bool zt__svc_on_service_thread(void)
{
    return zt__svc.has_thread && pthread_equal(pthread_self(), zt__svc.thread);
}

void zt__svc_log(zt_runner_log_level level, const char *msg)
{
    /* The library is quiet unless asked: ZTS_LOG=1 shows warnings and errors on stderr (unset,
     * empty or 0: quiet). */
    const char *want;

    if (level > ZT_RUNNER_LOG_WARN)
        return; /* the common case (info, debug): no environment look-up */
    want = getenv("ZTS_LOG");
    if (want != NULL && want[0] != 0 && strcmp(want, "0") != 0)
        fprintf(stderr, "libzt: %s\n", msg);
}

void zt__svc_runner_log(void *user, zt_runner_log_level level, const char *msg)
{
    (void)user;
    zt__svc_log(level, msg);
}

/* ---- netif callbacks (core lock held) ----------------------------------------------------- */

static void netif_output(void *user, uint64_t nwid, uint64_t dst_mac, unsigned ethertype,
                         const uint8_t *data, size_t len)
{
    (void)user;
    if (output_runner != NULL)
        (void)zt__runner_send_frame(output_runner, nwid, dst_mac, ethertype, data, len);
}

static void netif_multicast(void *user, uint64_t nwid, uint64_t mac, bool join)
{
    (void)user;
    zt__svc_note_multicast(nwid, mac, join);
    if (output_runner != NULL)
        (void)zt__runner_multicast(output_runner, nwid, mac, 0, join);
}

/* Every netif's, handed to zt__svc_apply_config (svc_net.c), which makes them. */
static const zt_stack_netif_ops netif_ops = {
    .output = netif_output,
    .multicast = netif_multicast,
};

/* ---- the runner's reports (on its I/O thread) --------------------------------------------- */

static void on_node_state(zt_runner *r, const zt_node_event *ev)
{
    zt_svc_node node;

    pthread_mutex_lock(&zt__svc.mu);
    if (ev->type != ZT_NODE_EVENT_IDENTITY_COLLISION) {
        zt__svc.online = ev->type == ZT_NODE_EVENT_ONLINE;
    } else {
        /* The run's node ends; the service thread asks the front end what next. */
        zt__svc.collision = true;
        zt__svc.stop_asked = true;
        pthread_cond_broadcast(&zt__svc.cond);
    }
    pthread_mutex_unlock(&zt__svc.mu);
    zt__svc_node_info(r, &node);
    zt__svc_queue_node(ev->type == ZT_NODE_EVENT_ONLINE    ? ZT_SVC_EV_NODE_ONLINE
                       : ev->type == ZT_NODE_EVENT_OFFLINE ? ZT_SVC_EV_NODE_OFFLINE
                                                           : ZT_SVC_EV_NODE_COLLISION,
                       &node);
}

/* Peer and path events carry the peer's record as the node has it now.  A front end that
 * makes its own (the modern API's scan) gets none, but its next tick comes at once, so that
 * its events follow the node's changes closely (|ops| is set before the run's threads exist
 * and stays for the run). */
static void on_peer(zt_runner *r, const zt_node_event *ev, zt_svc_event_kind kind)
{
    zt_peer_info *info;

    if (zt__svc.ops != NULL && zt__svc.ops->own_peer_events) {
        pthread_mutex_lock(&zt__svc.mu);
        zt__svc.peers_changed = true;
        pthread_cond_broadcast(&zt__svc.cond);
        pthread_mutex_unlock(&zt__svc.mu);
        return;
    }
    info = calloc(1, sizeof(*info));
    if (info == NULL)
        return;
    if (zt__runner_get_peer(r, ev->peer, info) != 0)
        info->address = ev->peer;
    zt__svc_queue_peer(kind, info, &ev->remote);
    free(info);
}

static void on_node_event(zt_runner *r, const zt_node_event *ev)
{
    switch (ev->type) {
    case ZT_NODE_EVENT_ONLINE:
    case ZT_NODE_EVENT_OFFLINE:
    case ZT_NODE_EVENT_IDENTITY_COLLISION:
        on_node_state(r, ev);
        break;
    case ZT_NODE_EVENT_PEER_DIRECT:
        on_peer(r, ev, ZT_SVC_EV_PEER_DIRECT);
        break;
    case ZT_NODE_EVENT_PEER_RELAY:
        on_peer(r, ev, ZT_SVC_EV_PEER_RELAY);
        break;
    case ZT_NODE_EVENT_PEER_UNREACHABLE:
        on_peer(r, ev, ZT_SVC_EV_PEER_UNREACHABLE);
        break;
    case ZT_NODE_EVENT_PATH_DISCOVERED:
        on_peer(r, ev, ZT_SVC_EV_PATH_DISCOVERED);
        break;
    case ZT_NODE_EVENT_PATH_ALIVE:
        on_peer(r, ev, ZT_SVC_EV_PATH_ALIVE);
        break;
    case ZT_NODE_EVENT_PATH_DEAD:
        on_peer(r, ev, ZT_SVC_EV_PATH_DEAD);
        break;
    case ZT_NODE_EVENT_NETWORK_REQ_CONFIG:
        zt__svc_set_net_status(ev->nwid, ZT_SVC_EV_NET_REQ_CONFIG,
                               ZT_NETWORK_REQUESTING_CONFIGURATION);
        break;
    case ZT_NODE_EVENT_NETWORK_OK:
        zt__svc_apply_config(r, ev->nwid, &netif_ops);
        break;
    case ZT_NODE_EVENT_NETWORK_ACCESS_DENIED:
    case ZT_NODE_EVENT_NETWORK_AUTH_REQUIRED: /* SSO: neither API has a code of its own */
        zt__svc_set_net_status(ev->nwid, ZT_SVC_EV_NET_ACCESS_DENIED, ZT_NETWORK_ACCESS_DENIED);
        break;
    case ZT_NODE_EVENT_NETWORK_NOT_FOUND:
        zt__svc_set_net_status(ev->nwid, ZT_SVC_EV_NET_NOT_FOUND, ZT_NETWORK_NOT_FOUND);
        break;
    case ZT_NODE_EVENT_NETWORK_DOWN:
        zt__svc_drop_net(ev->nwid);
        break;
    default:
        break;
    }
}

void zt__svc_ask_stop(void)
{
    pthread_mutex_lock(&zt__svc.mu);
    zt__svc.stop_asked = true;
    if (zt__svc.state == ZT_SVC_RUNNING)
        zt__svc.state = ZT_SVC_STOPPING;
    pthread_cond_broadcast(&zt__svc.cond);
    pthread_mutex_unlock(&zt__svc.mu);
    zt__sock_set_running(false);
}

/* The runner whose I/O thread calls zt__svc_runner_event(): set before it starts, cleared
 * after it has ended (the runner cannot be handed its own pointer in its config). */
static zt_runner *event_runner;

/* The I/O thread holds lwIP's core lock across a run of frames (zt__stack_input_begin). */
static bool frames_locked;

static void on_frame(const zt_runner_event *ev)
{
    zt_stack_netif *nif = NULL;
    zt_svc_net *net;

    /* Only this thread changes the table while the node runs: no lock to read it. */
    net = zt__svc_find_net(ev->nwid);
    if (net != NULL)
        nif = net->netif;
    if (nif == NULL)
        return;
    if (!frames_locked) {
        zt__stack_input_begin();
        frames_locked = true;
    }
    (void)zt__stack_netif_input(nif, ev->src_mac, ev->dst_mac, ev->ethertype, ev->data,
                               ev->len);
}

void zt__svc_runner_event(void *user, const zt_runner_event *ev)
{
    zt_runner *r = event_runner;
    zt_svc_node node;

    (void)user;
    if (frames_locked && ev->type != ZT_RUNNER_EVENT_FRAME) {
        zt__stack_input_end();
        frames_locked = false;
    }
    switch (ev->type) {
    case ZT_RUNNER_EVENT_NODE:
        on_node_event(r, ev->node);
        break;
    case ZT_RUNNER_EVENT_FRAME:
        on_frame(ev);
        break;
    case ZT_RUNNER_EVENT_FATAL:
        zt__svc_node_info(r, &node);
        zt__svc_queue_node(ZT_SVC_EV_NODE_FATAL, &node);
        zt__svc_ask_stop();
        break;
    default:
        break;
    }
}

/* ---- helpers for front ends --------------------------------------------------------------- */

bool zt__svc_world_is_loopback(const uint8_t *data, size_t len)
{
    zt_world *w = calloc(1, sizeof(*w));
    bool yes = false;

    if (w != NULL && zt__world_parse(w, data, len) == 0)
        for (unsigned i = 0; i < w->nroots; i++)
            for (unsigned k = 0; k < w->roots[i].nendpoints; k++)
                if (zt__inetaddr_scope(&w->roots[i].endpoints[k]) == ZT_IP_SCOPE_LOOPBACK)
                    yes = true;
    free(w);
    return yes;
}

bool zt__svc_allow_loopback(bool guess)
{
    const char *env = getenv("ZTS_ALLOW_LOOPBACK");

    return env != NULL ? strcmp(env, "0") != 0 : guess;
}

zt_runner *zt__svc_runner(bool need_online)
{
    bool ok;

    pthread_rwlock_rdlock(&zt__svc.runner_lock);
    pthread_mutex_lock(&zt__svc.mu);
    ok = zt__svc.state == ZT_SVC_RUNNING && (!need_online || zt__svc.online);
    pthread_mutex_unlock(&zt__svc.mu);
    if (ok && zt__svc.runner != NULL)
        return zt__svc.runner;
    pthread_rwlock_unlock(&zt__svc.runner_lock);
    return NULL;
}

void zt__svc_release_runner(void)
{
    pthread_rwlock_unlock(&zt__svc.runner_lock);
}

/* ---- the service thread ------------------------------------------------------------------- */

/* Publishes |r| as the run's runner (or withdraws it: NULL), for the calls and the frames. */
static void publish_runner(zt_runner *r)
{
    pthread_rwlock_wrlock(&zt__svc.runner_lock);
    zt__svc.runner = r;
    zt__svc.address = r != NULL ? zt__runner_address(r) : 0;
    zt__svc.primary_port = r != NULL ? zt__runner_primary_port(r) : 0;
    pthread_rwlock_unlock(&zt__svc.runner_lock);
    LOCK_TCPIP_CORE();
    output_runner = r;
    UNLOCK_TCPIP_CORE();
}

/* Waits (mu held) for an event or a stop, or until |due| (monotonic ms) when |ops| has a
 * tick.  Returns false once the tick is due. */
static bool wait_work_locked(const zt_svc_ops *ops, int64_t due)
{
    struct timespec dl;
    int64_t ms;

    if (ops->tick == NULL) {
        pthread_cond_wait(&zt__svc.cond, &zt__svc.mu);
        return true;
    }
    ms = due - zt__io_clock_ms();
    if (ms <= 0)
        return false;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += (time_t)(ms / 1000);
    dl.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    (void)pthread_cond_timedwait(&zt__svc.cond, &zt__svc.mu, &dl);
    return true;
}

/* Delivers until a stop is asked and everything queued so far went out; between deliveries,
 * the front end's tick about every tick_ms or after a peer report (it is woken for that, no
 * polling). */
static void deliver_until_stop(void)
{
    const zt_svc_ops *ops = zt__svc.ops;
    int64_t due = zt__io_clock_ms() + (int64_t)ops->tick_ms;

    for (;;) {
        bool stop, tick;
        zt__svc_deliver();
        tick = ops->tick != NULL && zt__io_clock_ms() >= due; /* also under a steady flow */
        pthread_mutex_lock(&zt__svc.mu);
        while (zt__svc.head == NULL && !zt__svc.stop_asked && !tick && !zt__svc.peers_changed)
            tick = !wait_work_locked(ops, due);
        tick = ops->tick != NULL && (tick || zt__svc.peers_changed);
        if (tick)
            zt__svc.peers_changed = false;
        stop = zt__svc.stop_asked && zt__svc.head == NULL;
        pthread_mutex_unlock(&zt__svc.mu);
        if (stop)
            return;
        if (tick) {
            ops->tick(); /* what it queued goes out at the top of the loop */
            due = zt__io_clock_ms() + (int64_t)ops->tick_ms;
        }
    }
}

/* One life of the node: builds the runner, delivers events until a stop is asked, then stops
 * frames, the runner and the netifs.  False if the runner could not be built. */
static bool run_node(zt_svc_node *node)
{
    const zt_svc_ops *ops = zt__svc.ops;
    zt_runner *r;

    r = ops->build_runner();
    if (r == NULL)
        return false;
    publish_runner(r);
    event_runner = r;
    zt__svc_node_info(r, node);
    zt__svc_queue_node(ZT_SVC_EV_NODE_UP, node);
    if (zt__runner_start(r) != 0) {
        zt__svc_queue_node(ZT_SVC_EV_NODE_FATAL, node);
        zt__svc_ask_stop();
    } else if (ops->started != NULL) {
        ops->started(r);
    }
    deliver_until_stop();

    /* Frames stop first, then the runner (its I/O thread), then the netifs. */
    publish_runner(NULL);
    zt__runner_del(r);
    event_runner = NULL;
    zt__svc_deliver();
    for (;;) {
        uint64_t nwid;
        pthread_mutex_lock(&zt__svc.mu);
        nwid = zt__svc.nnets > 0 ? zt__svc.nets[0].nwid : 0;
        pthread_mutex_unlock(&zt__svc.mu);
        if (nwid == 0) /* no joined network has ID 0 (joins refuse it) */
            break;
        zt__svc_drop_net(nwid);
    }
    return true;
}

/* True when an identity collision ended the node (and the run is not being stopped). */
static bool took_collision(void)
{
    bool collided;

    pthread_mutex_lock(&zt__svc.mu);
    collided = zt__svc.collision && zt__svc.state == ZT_SVC_RUNNING && !zt__svc.free_asked;
    zt__svc.collision = false;
    pthread_mutex_unlock(&zt__svc.mu);
    return collided;
}

/* The run goes on with a new node (the front end's collision rule). */
static void go_on(void)
{
    pthread_mutex_lock(&zt__svc.mu);
    zt__svc.stop_asked = false;
    zt__svc.online = false;
    pthread_mutex_unlock(&zt__svc.mu);
}

/* The end of a run: the last events, the state back to IDLE (or FREED). */
static void end_run(zt_svc_node *node)
{
    zt__svc_queue_node(ZT_SVC_EV_NODE_DOWN, node);
    zt__sock_set_running(false);
    pthread_mutex_lock(&zt__svc.mu);
    if (zt__svc.free_asked) {
        pthread_mutex_unlock(&zt__svc.mu);
        zt__sock_close_all();
        zt__svc_queue_plain(ZT_SVC_EV_STACK_DOWN);
        pthread_mutex_lock(&zt__svc.mu);
    }
    /* The run is over before its last events go out: a caller that waits for NODE_DOWN may
     * start again at once.  The next run joins this thread first, so its events never mix
     * with these. */
    zt__svc.online = false;
    zt__svc.address = 0;
    pthread_mutex_lock(&zt__svc.mc_mu);
    free(zt__svc.nets);
    zt__svc.nets = NULL;
    zt__svc.nnets = zt__svc.capnets = 0;
    pthread_mutex_unlock(&zt__svc.mc_mu);
    if (zt__svc.ops->ended != NULL)
        zt__svc.ops->ended();
    zt__svc.state = zt__svc.free_asked ? ZT_SVC_FREED : ZT_SVC_IDLE;
    pthread_cond_broadcast(&zt__svc.cond);
    pthread_mutex_unlock(&zt__svc.mu);
    zt__svc_deliver();
}

/* The runs of nodes until a stop: a node that cannot be built, or a collision the front end
 * does not recover from, ends the run with NODE_FATAL; a stop with NODE_TERMINATED. */
static void *service_main(void *arg)
{
    zt_svc_node node;
    bool fatal = false;

    (void)arg;
    for (;;) {
        memset(&node, 0, sizeof(node));
        if (!run_node(&node)) {
            fatal = true;
            break;
        }
        if (!took_collision())
            break;
        if (zt__svc.ops->collided == NULL || !zt__svc.ops->collided()) {
            fatal = true;
            break;
        }
        go_on();
    }
    node.online = false;
    if (fatal) {
        zt__svc_queue_node(ZT_SVC_EV_NODE_FATAL, &node);
    } else {
        node.wall_ms = 0; /* the end of a run has no clock reading (the 1.3 API's details) */
        zt__svc_queue_node(ZT_SVC_EV_NODE_TERMINATED, &node);
    }
    end_run(&node);
    zt__crypto_thread_stop();
    return NULL;
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

/* Takes the thread of the run that has ended, for the caller to join once it has released mu
 * (mu held; the thread may still be delivering its last events, which take mu). */
static bool take_thread(pthread_t *out)
{
    if (!zt__svc.has_thread || zt__svc_on_service_thread())
        return false;
    *out = zt__svc.thread;
    zt__svc.has_thread = false;
    return true;
}

void zt__svc_join_ended_locked(void)
{
    pthread_t t;

    if (take_thread(&t)) {
        pthread_mutex_unlock(&zt__svc.mu);
        pthread_join(t, NULL);
        pthread_mutex_lock(&zt__svc.mu);
    }
}

void zt__svc_wait_ended_locked(void)
{
    while (zt__svc.state == ZT_SVC_RUNNING || zt__svc.state == ZT_SVC_STOPPING)
        pthread_cond_wait(&zt__svc.cond, &zt__svc.mu);
}

/* At exit with a node still running (DevilutionX never stops it; the client example stops and
 * returns at once), the run is ended in order, for at most 5 s, before the process's memory
 * goes away under the service and I/O threads. */
static void stop_at_exit(void)
{
    struct timespec deadline;
    pthread_t t;
    bool has = false;

    if (zt__svc_on_service_thread())
        return;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(&zt__svc.mu);
    if (zt__svc.state == ZT_SVC_RUNNING || zt__svc.state == ZT_SVC_STOPPING) {
        pthread_mutex_unlock(&zt__svc.mu);
        zt__svc_ask_stop();
        pthread_mutex_lock(&zt__svc.mu);
        while ((zt__svc.state == ZT_SVC_RUNNING || zt__svc.state == ZT_SVC_STOPPING) &&
               pthread_cond_timedwait(&zt__svc.cond, &zt__svc.mu, &deadline) == 0)
            ;
    }
    if (zt__svc.state == ZT_SVC_IDLE || zt__svc.state == ZT_SVC_FREED)
        has = take_thread(&t);
    pthread_mutex_unlock(&zt__svc.mu);
    /* Bounded too: a callback that never returns must not hold the process at exit. */
    if (has && pthread_timedjoin_np(t, NULL, &deadline) != 0)
        pthread_detach(t);
}

int zt__svc_launch_locked(const zt_svc_ops *ops)
{
    static bool has_atexit;

    zt__svc.ops = ops;
    /* Crypto first: its libraries' exit handlers must run after ours. */
    if (zt__crypto_init() != 0)
        goto fail;
    if (!has_atexit && atexit(stop_at_exit) == 0)
        has_atexit = true;
    if (!zt__stack_is_up()) {
        if (zt__stack_init() != 0)
            goto fail;
        pthread_mutex_unlock(&zt__svc.mu);
        zt__svc_queue_plain(ZT_SVC_EV_STACK_UP);
        pthread_mutex_lock(&zt__svc.mu);
    }
    zt__svc.stop_asked = false;
    zt__svc.collision = false;
    zt__svc.online = false;
    zt__svc.peers_changed = false;
    zt__sock_set_running(true);
    if (pthread_create(&zt__svc.thread, NULL, service_main, NULL) != 0) {
        zt__sock_set_running(false);
        goto fail;
    }
    zt__svc.has_thread = true;
    return 0;
fail:
    zt__svc.state = ZT_SVC_IDLE;
    return ZT_ERR_INTERNAL;
}
