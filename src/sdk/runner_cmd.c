/*
 * runner_cmd.c: commands and queries (runner.h).  Any thread posts them into the runner's
 * queue and wakes the I/O thread, which carries them out; a query's caller waits for the answer.
 */
#include "sdk/runner_internal.h"

#include <stdlib.h>
#include <string.h>

#include "controller/controller.h"
#include "io/clock.h"
#include "sdk/home.h"

#define RUNNER_MAX_COMMANDS 4096

typedef enum {
    CMD_USER_MESSAGE = ZT_RUNNER_CMD_USER_MESSAGE,
    CMD_PING = ZT_RUNNER_CMD_PING,
    CMD_ORBIT = ZT_RUNNER_CMD_ORBIT,
    CMD_DEORBIT = ZT_RUNNER_CMD_DEORBIT,
    CMD_JOIN = ZT_RUNNER_CMD_JOIN,
    CMD_LEAVE = ZT_RUNNER_CMD_LEAVE,
    CMD_SEND_FRAME = ZT_RUNNER_CMD_SEND_FRAME,
    CMD_MULTICAST_SUBSCRIBE = ZT_RUNNER_CMD_MULTICAST_SUBSCRIBE,
    CMD_MULTICAST_UNSUBSCRIBE = ZT_RUNNER_CMD_MULTICAST_UNSUBSCRIBE,
    CMD_ENABLE_CONTROLLER = 50,
    CMD_IDENTITY_CHECKED = 51,
    CMD_ADDRESSES = 52,
    CMD_QUERY = 100,
} cmd_kind;

typedef enum {
    QUERY_STATUS = 1,
    QUERY_PEERS,
    QUERY_PEER,
    QUERY_NETWORK,
    QUERY_NETWORKS,
    QUERY_CONTROLLER,
} query_kind;

/* What QUERY_CONTROLLER runs. */
typedef struct controller_call {
    void (*fn)(struct zts_controller *ctl, void *arg);
    void *arg;
} controller_call;

/* A query waiting for the I/O thread; lives on the asking thread's stack. */
typedef struct runner_query {
    query_kind kind;
    uint64_t address;
    void *out;
    size_t max;
    zt_ssize result;
    bool is_done;
} runner_query;

/* A command, or a query for the I/O thread to answer (|query|). */
struct zt_runner_cmd {
    zt_runner_cmd *next;
    cmd_kind kind;
    uint64_t a, b;
    unsigned ethertype;        /* CMD_SEND_FRAME; the ADI of CMD_MULTICAST_* */
    uint8_t *data;
    size_t len;
    runner_query *query;
};

static bool on_io_thread(zt_runner *r)
{
    return r->has_thread && pthread_equal(pthread_self(), r->thread);
}

/* ------------------------------------------------------------------ on the I/O thread */

static void finish_query(zt_runner *r, runner_query *q)
{
    pthread_mutex_lock(&r->mu);
    q->is_done = true;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

/* Our part in a network's config: type, broadcast, bridging, DNS. */
static void copy_config_flags(zt_runner *r, const zt_netconf *nc, zt_runner_network *net)
{
    net->is_public = nc->type == ZT_NETWORK_TYPE_PUBLIC;
    net->broadcast_enabled = (nc->flags & ZT_NETCONF_FLAG_ENABLE_BROADCAST) != 0;
    for (unsigned i = 0; i < nc->n_specialists && i < ZT_NETCONF_MAX_SPECIALISTS; i++)
        if ((nc->specialists[i] & 0xffffffffffULL) == r->address &&
            (nc->specialists[i] & ZT_SPECIALIST_ROLE_ACTIVE_BRIDGE) != 0)
            net->is_bridge = true;
    net->has_dns = nc->has_dns;
    if (nc->has_dns)
        net->dns = nc->dns;
}

static int send_for_controller(void *arg, uint64_t dest, uint8_t verb, const uint8_t *payload,
                               size_t len)
{
    zt_runner *r = arg;
    return zt__node_send_vl2(r->node, dest, verb, payload, len, zt__io_clock_ms());
}

/* |call| with our controller, then its queued pushes and revocations sent through the node. */
static zt_ssize call_controller(zt_runner *r, const controller_call *call)
{
    zt_controller_out out = {.send = send_for_controller, .arg = r};
    zt_controller *ctl = zt__controller_of(r->controller);
    int rv;

    call->fn(r->controller, call->arg);
    if (ctl == NULL || zt__controller_pending(ctl) == 0)
        return 0;
    rv = zt__controller_flush(ctl, zt__io_clock_wall_ms(), &out);
    if (rv != 0)
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "controller: pushing an edit failed: %s",
                       zt__strerror(rv));
    return 0;
}

/* Answers a query; the node must not be running on another thread. */
static zt_ssize answer_query(zt_runner *r, runner_query *q)
{
    switch (q->kind) {
    case QUERY_STATUS: {
        zt_runner_status *st = q->out;
        memset(st, 0, sizeof(*st));
        st->address = zt__node_address(r->node);
        st->planet_id = zt__node_planet_id(r->node);
        st->planet_timestamp = zt__node_planet_timestamp(r->node);
        st->is_online = zt__node_is_online(r->node);
        st->is_root = zt__node_is_root(r->node);
        st->counters = *zt__node_get_counters(r->node);
        st->tx_batches = r->tx.syscalls;
        st->tx_dropped = r->tx.dropped;
        st->tcp_fallback_active = zt__runner_tunnel_active(r);
        return 0;
    }
    case QUERY_PEERS:
        return (zt_ssize)zt__node_peers(r->node, q->out, q->max);
    case QUERY_PEER:
        return zt__node_peer(r->node, q->address, q->out);
    case QUERY_NETWORK: {
        zt_runner_network *net = q->out;
        const zt_netconf *nc;
        zt_network_status status;
        int rv = zt__node_network_status(r->node, q->address, &status);

        memset(net, 0, sizeof(*net));
        if (rv != 0)
            return rv;
        net->nwid = q->address;
        net->status = status;
        net->mac = zt__node_network_mac(r->node, q->address);
        nc = zt__node_network_config(r->node, q->address);
        if (nc != NULL) {
            net->has_config = true;
            memcpy(net->name, nc->name, sizeof(net->name));
            net->mtu = nc->mtu;
            net->revision = nc->revision;
            for (unsigned i = 0; i < nc->n_static_ips && net->n_ips < ZT_RUNNER_MAX_NETWORK_IPS;
                 i++)
                net->ips[net->n_ips++] = nc->static_ips[i];
            for (unsigned i = 0;
                 i < nc->n_routes && net->n_routes < ZT_RUNNER_MAX_NETWORK_ROUTES; i++)
                net->routes[net->n_routes++] = nc->routes[i];
            copy_config_flags(r, nc, net);
        }
        return 0;
    }
    case QUERY_NETWORKS:
        return (zt_ssize)zt__node_networks(r->node, q->out, q->max);
    case QUERY_CONTROLLER:
        return call_controller(r, q->out);
    }
    return ZT_ERR_INVAL;
}

static void free_cmd(zt_runner_cmd *c)
{
    if (c == NULL)
        return;
    free(c->data);
    free(c);
}

static void run_command(zt_runner *r, zt_runner_cmd *c, int64_t now)
{
    zt_runner_event ev;
    int rv = 0;

    switch (c->kind) {
    case CMD_USER_MESSAGE:
        rv = zt__node_send_user_message(r->node, c->a, c->b, c->data, c->len, now);
        break;
    case CMD_PING:
        rv = zt__node_ping(r->node, c->a, now);
        break;
    case CMD_ORBIT:
        rv = zt__node_orbit(r->node, c->a, c->b, now);
        break;
    case CMD_DEORBIT:
        rv = zt__node_deorbit(r->node, c->a, now);
        break;
    case CMD_JOIN:
        rv = zt__node_join(r->node, c->a, now);
        break;
    case CMD_LEAVE:
        rv = zt__node_leave(r->node, c->a, now);
        break;
    case CMD_SEND_FRAME: {
        uint64_t mac = zt__node_network_mac(r->node, c->a);
        rv = mac == 0 ? ZT_ERR_NOTFOUND
                      : zt__node_send_frame(r->node, c->a, mac, c->b, c->ethertype, c->data,
                                           c->len, now);
        break;
    }
    case CMD_MULTICAST_SUBSCRIBE:
        rv = zt__node_multicast_subscribe(r->node, c->a, c->b, c->ethertype, now);
        break;
    case CMD_MULTICAST_UNSUBSCRIBE:
        rv = zt__node_multicast_unsubscribe(r->node, c->a, c->b, c->ethertype);
        break;
    case CMD_ENABLE_CONTROLLER:
        if (r->controller == NULL) {
            char err[256];
            if (zt__runner_open_controller(r, &r->controller, err, sizeof(err)) != 0)
                zt__runner_log(r, ZT_RUNNER_LOG_ERROR, "%s", err);
        }
        return;
    case CMD_IDENTITY_CHECKED:
        rv = zt__node_identity_checked(r->node, c->a, c->b != 0, now);
        if (rv == ZT_ERR_NOTFOUND)
            rv = 0; /* the node gave up waiting: nothing to do */
        break;
    case CMD_ADDRESSES:
        zt__runner_refresh_addresses(r);
        return;
    case CMD_QUERY:
        c->query->result = answer_query(r, c->query);
        finish_query(r, c->query);
        return;
    }
    if (zt__err_is_fatal(rv)) {
        zt__runner_after_node(r);
        zt__runner_fail(r, rv, "a command");
        return;
    }
    if (rv != 0) {
        memset(&ev, 0, sizeof(ev));
        ev.type = ZT_RUNNER_EVENT_COMMAND_FAILED;
        ev.command = (zt_runner_command)c->kind;
        ev.peer = c->a;
        ev.error = rv;
        zt__runner_deliver_events(r); /* keep the order: what the node said first goes first */
        zt__runner_emit(r, &ev);
    }
}

/* Takes the whole queue out (and, when |stop|, marks the runner stopped) under the lock. */
static zt_runner_cmd *take_all(zt_runner *r, bool stop)
{
    zt_runner_cmd *list;

    pthread_mutex_lock(&r->mu);
    if (stop)
        r->state = ZT_RUNNER_STATE_STOPPED;
    list = r->head;
    r->head = r->tail = NULL;
    r->ncmds = 0;
    pthread_mutex_unlock(&r->mu);
    return list;
}

/* A command that will not run: a query's caller gets ZT_ERR_AGAIN. */
static void cancel(zt_runner *r, zt_runner_cmd *c)
{
    if (c->kind == CMD_QUERY) {
        c->query->result = ZT_ERR_AGAIN;
        finish_query(r, c->query);
    }
}

void zt__runner_on_wakeup(zt_loop *loop, void *arg)
{
    zt_runner *r = arg;
    zt_runner_cmd *list, *next;

    for (list = take_all(r, false); list != NULL; list = next) {
        next = list->next;
        if (!zt__loop_is_stopping(loop))
            run_command(r, list, zt__io_clock_ms());
        else
            cancel(r, list);
        free_cmd(list);
    }
    if (!zt__loop_is_stopping(loop))
        zt__runner_after_node(r);
}

void zt__runner_cmd_stop(zt_runner *r)
{
    zt_runner_cmd *list, *next;

    for (list = take_all(r, true); list != NULL; list = next) {
        next = list->next;
        cancel(r, list);
        free_cmd(list);
    }
}

/* ------------------------------------------------------------------ commands from any thread */

static int post(zt_runner *r, zt_runner_cmd *c)
{
    bool was_empty = false;
    int rv = 0;

    pthread_mutex_lock(&r->mu);
    if (r->state == ZT_RUNNER_STATE_STOPPED || (r->loop != NULL && zt__loop_is_stopping(r->loop)))
        rv = ZT_ERR_AGAIN;
    else if (r->ncmds >= RUNNER_MAX_COMMANDS)
        rv = ZT_ERR_LIMIT;
    if (rv == 0) {
        c->next = NULL;
        if (r->tail != NULL)
            r->tail->next = c;
        else
            r->head = c;
        r->tail = c;
        was_empty = r->ncmds == 0;
        r->ncmds++;
    }
    pthread_mutex_unlock(&r->mu);
    if (rv != 0) {
        free_cmd(c);
        return rv;
    }
    /* A queue that was not empty has a wakeup pending already: the I/O thread takes the
     * whole queue at once (take_all), so one wakeup per batch is enough. */
    if (was_empty)
        (void)zt__loop_wakeup(r->loop);
    return 0;
}

/* A command carrying a copy of |data|.  Returns 0, ZT_ERR_RANGE or ZT_ERR_NOMEM. */
static int new_cmd(cmd_kind kind, uint64_t a, uint64_t b, const void *data, size_t len,
                   zt_runner_cmd **pc)
{
    zt_runner_cmd *c;

    if (len > ZT_RUNNER_MAX_MESSAGE)
        return ZT_ERR_RANGE;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ZT_ERR_NOMEM;
    c->kind = kind;
    c->a = a;
    c->b = b;
    if (len > 0) {
        c->data = malloc(len);
        if (c->data == NULL) {
            free(c);
            return ZT_ERR_NOMEM;
        }
        memcpy(c->data, data, len);
        c->len = len;
    }
    *pc = c;
    return 0;
}

static int post_simple(zt_runner *r, cmd_kind kind, uint64_t a, uint64_t b, const void *data,
                       size_t len)
{
    zt_runner_cmd *c;
    int rv = new_cmd(kind, a, b, data, len, &c);

    return rv != 0 ? rv : post(r, c);
}

int zt__runner_send_user_message(zt_runner *r, uint64_t dest, uint64_t type, const void *data,
                                size_t len)
{
    if (data == NULL && len > 0)
        return ZT_ERR_INVAL;
    return post_simple(r, CMD_USER_MESSAGE, dest, type, data, len);
}

int zt__runner_post_checked(zt_runner *r, uint64_t ticket, bool valid)
{
    return post_simple(r, CMD_IDENTITY_CHECKED, ticket, valid, NULL, 0);
}

int zt__runner_ping(zt_runner *r, uint64_t dest)
{
    return post_simple(r, CMD_PING, dest, 0, NULL, 0);
}

int zt__runner_orbit(zt_runner *r, uint64_t world_id, uint64_t seed)
{
    return post_simple(r, CMD_ORBIT, world_id, seed, NULL, 0);
}

int zt__runner_deorbit(zt_runner *r, uint64_t world_id)
{
    return post_simple(r, CMD_DEORBIT, world_id, 0, NULL, 0);
}

int zt__runner_join(zt_runner *r, uint64_t nwid)
{
    return post_simple(r, CMD_JOIN, nwid, 0, NULL, 0);
}

int zt__runner_leave(zt_runner *r, uint64_t nwid)
{
    return post_simple(r, CMD_LEAVE, nwid, 0, NULL, 0);
}

static bool rejoin(void *arg, uint64_t nwid)
{
    return zt__runner_join(arg, nwid) == 0;
}

unsigned zt__runner_rejoin_home(zt_runner *r, const char *home)
{
    return zt__home_for_each_network(home, rejoin, r);
}

int zt__runner_send_frame(zt_runner *r, uint64_t nwid, uint64_t dst_mac, unsigned ethertype,
                         const void *data, size_t len)
{
    zt_runner_cmd *c;
    int rv;

    if ((data == NULL && len > 0) || ethertype > 0xffff)
        return ZT_ERR_INVAL;
    if (on_io_thread(r)) {
        /* From an event callback (after the node call that raised it): straight to the node,
         * no copy and no wakeup; zt__runner_after_node() sends what it queues. */
        uint64_t mac = zt__node_network_mac(r->node, nwid);
        if (mac == 0)
            return ZT_ERR_NOTFOUND;
        rv = zt__node_send_frame(r->node, nwid, mac, dst_mac, ethertype, data, len,
                                zt__io_clock_ms());
        if (!zt__err_is_fatal(rv))
            return 0;
        /* The embedder is inside its event callback (maybe inside lwIP): the runner fails
         * once the delivery is over (zt__runner_after_node), as a failed command does. */
        r->deferred_fatal = rv;
        return rv;
    }
    rv = new_cmd(CMD_SEND_FRAME, nwid, dst_mac, data, len, &c);
    if (rv != 0)
        return rv;
    c->ethertype = ethertype;
    return post(r, c);
}

int zt__runner_multicast(zt_runner *r, uint64_t nwid, uint64_t mac, uint32_t adi,
                        bool subscribe)
{
    zt_runner_cmd *c;
    int rv = new_cmd(subscribe ? CMD_MULTICAST_SUBSCRIBE : CMD_MULTICAST_UNSUBSCRIBE, nwid, mac,
                     NULL, 0, &c);

    if (rv != 0)
        return rv;
    c->ethertype = adi;
    return post(r, c);
}

int zt__runner_enable_controller(zt_runner *r)
{
    return post_simple(r, CMD_ENABLE_CONTROLLER, 0, 0, NULL, 0);
}

int zt__runner_post_addresses(zt_runner *r)
{
    return post_simple(r, CMD_ADDRESSES, 0, 0, NULL, 0);
}

static zt_ssize query(zt_runner *r, runner_query *q)
{
    zt_runner_cmd *c;
    zt_ssize rv;

    /* Decide under the lock: zt__runner_start() sets the state and the thread together, and
     * the I/O thread may already be asking (from its STARTED event). */
    pthread_mutex_lock(&r->mu);
    if (r->state != ZT_RUNNER_STATE_RUNNING) {
        /* No I/O thread touches the node: answer here, under the lock. */
        rv = answer_query(r, q);
        pthread_mutex_unlock(&r->mu);
        return rv;
    }
    if (on_io_thread(r)) {
        pthread_mutex_unlock(&r->mu);
        return answer_query(r, q);
    }
    pthread_mutex_unlock(&r->mu);

    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ZT_ERR_NOMEM;
    c->kind = CMD_QUERY;
    c->query = q;
    rv = post(r, c);
    if (rv != 0)
        return rv;
    pthread_mutex_lock(&r->mu);
    while (!q->is_done)
        pthread_cond_wait(&r->cond, &r->mu);
    pthread_mutex_unlock(&r->mu);
    return q->result;
}

int zt__runner_controller_call(zt_runner *r, void (*fn)(struct zts_controller *ctl, void *arg),
                               void *arg)
{
    controller_call call = {.fn = fn, .arg = arg};
    runner_query q = {.kind = QUERY_CONTROLLER, .out = &call};
    return (int)query(r, &q);
}

int zt__runner_get_status(zt_runner *r, zt_runner_status *out)
{
    runner_query q = {.kind = QUERY_STATUS, .out = out};
    return (int)query(r, &q);
}

zt_ssize zt__runner_get_peers(zt_runner *r, zt_peer_info *out, size_t max)
{
    runner_query q = {.kind = QUERY_PEERS, .out = out, .max = max};
    return query(r, &q);
}

int zt__runner_get_peer(zt_runner *r, uint64_t address, zt_peer_info *out)
{
    runner_query q = {.kind = QUERY_PEER, .address = address, .out = out};
    return (int)query(r, &q);
}

int zt__runner_get_network(zt_runner *r, uint64_t nwid, zt_runner_network *out)
{
    runner_query q = {.kind = QUERY_NETWORK, .address = nwid, .out = out};
    return (int)query(r, &q);
}

zt_ssize zt__runner_get_networks(zt_runner *r, uint64_t *out, size_t max)
{
    runner_query q = {.kind = QUERY_NETWORKS, .out = out, .max = max};
    return query(r, &q);
}

bool zt__runner_peer_is_direct(const zt_peer_info *info, const zt_path_info **ppath)
{
    const zt_path_info *best = NULL;

    for (unsigned i = 0; i < info->npaths && i < ZT_NODE_MAX_PATHS; i++) {
        const zt_path_info *p = &info->paths[i];
        if (!p->alive)
            continue;
        if (best == NULL || (p->preferred && !best->preferred))
            best = p;
    }
    if (ppath != NULL)
        *ppath = best;
    return best != NULL;
}
