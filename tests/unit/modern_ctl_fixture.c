/* modern_ctl_fixture.c: the shared part of test_modern_control.c (modern_ctl_fixture.h). */
#include "modern_ctl_fixture.h"

pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
ev_t events[MAX_EVENTS];
unsigned nevents, bad_payloads, other_calls;
int stop_from_handler = 1;
char tmp[] = "/tmp/zt-modern-ctl.XXXXXX";
uint8_t roots[ZTS_STORE_DATA_LEN];
unsigned roots_len;
static int black_hole = -1; /* the root's UDP port: bound, never read */
/* A root that answers: a planet naming it, its address, the child process running it. */
uint8_t live_roots[ZTS_STORE_DATA_LEN];
unsigned live_roots_len;
uint64_t live_root_id;
pid_t live_root_pid = -1;

/* The payload pointer of a code's category, and its size (§6.2). */
static bool payload_ok(const zts_event_msg_t *m)
{
    int n = (m->node != NULL) + (m->network != NULL) + (m->netif != NULL) +
            (m->route != NULL) + (m->peer != NULL) + (m->addr != NULL) + (m->cache != NULL);
    int c = m->event_code;

    if (c <= 0 || c == ZTS_EVENT_NETWORK_READY_IP4_IP6)
        return false;
    if (c >= 220 && c <= 221)
        return n == 0 && m->len == 0;
    if (n != 1)
        return false;
    if (c >= 200 && c <= 204)
        return m->node != NULL && m->len == (int)sizeof(zts_node_info_t);
    if (c >= 210 && c <= 219)
        return m->network != NULL && m->len == (int)sizeof(zts_net_info_t);
    if (c >= 230 && c <= 234)
        return m->netif != NULL && m->len == (int)sizeof(zts_netif_info_t);
    if (c >= 240 && c <= 244)
        return m->peer != NULL && m->len == (int)sizeof(zts_peer_info_t);
    if (c >= 250 && c <= 251)
        return m->route != NULL && m->len == (int)sizeof(zts_route_info_t);
    if (c >= 260 && c <= 263)
        return m->addr != NULL && m->len == (int)sizeof(zts_addr_info_t);
    return c >= 270 && c <= 274 && m->cache != NULL && m->len > 0;
}

void on_event(void *p)
{
    zts_event_msg_t *m = p;
    ev_t *e;

    if (m->event_code == ZTS_EVENT_NODE_UP)
        stop_from_handler = zts_node_stop(); /* §6.1: refused, not a deadlock */
    pthread_mutex_lock(&mu);
    if (!payload_ok(m))
        bad_payloads++;
    if (nevents < MAX_EVENTS) {
        e = &events[nevents++];
        e->code = m->event_code;
        e->len = m->len;
        e->node_id = m->node != NULL ? m->node->node_id : 0;
        e->net_id = m->network != NULL ? m->network->net_id : m->addr != NULL ? m->addr->net_id : 0;
        if (m->network != NULL) {
            e->status = m->network->status;
            e->naddrs = m->network->assigned_addr_count;
            e->nmc = m->network->multicast_sub_count;
        }
        if (m->addr != NULL)
            e->addr = m->addr->addr;
        if (m->peer != NULL) {
            e->peer_id = m->peer->peer_id;
            e->paths = m->peer->path_count;
        }
        if (m->cache != NULL && m->len > 0 && m->len <= (int)sizeof(e->cache))
            memcpy(e->cache, m->cache, (size_t)m->len);
    }
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&mu);
}

/* A handler that must never be called (registered while running: refused). */
void on_other(void *p)
{
    (void)p;
    pthread_mutex_lock(&mu);
    other_calls++;
    pthread_mutex_unlock(&mu);
}

/* The index of event |code| at or after |from| (waits up to 60 s: the first events of a run
 * follow the making of an identity, slow under ThreadSanitizer); -1 if none. */
int wait_event(int code, unsigned from)
{
    struct timespec dl;
    int found = -1;

    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 60;
    pthread_mutex_lock(&mu);
    for (;;) {
        for (unsigned i = from; i < nevents && found < 0; i++)
            if (events[i].code == code)
                found = (int)i;
        if (found >= 0 || pthread_cond_timedwait(&cond, &mu, &dl) != 0)
            break;
    }
    pthread_mutex_unlock(&mu);
    return found;
}

/* The index of event |code| at or after |from| among those delivered so far; -1 if none. */
int find_event(int code, unsigned from)
{
    int found = -1;

    pthread_mutex_lock(&mu);
    for (unsigned i = from; i < nevents && found < 0; i++)
        if (events[i].code == code)
            found = (int)i;
    pthread_mutex_unlock(&mu);
    return found;
}

unsigned count(void)
{
    unsigned n;

    pthread_mutex_lock(&mu);
    n = nevents;
    pthread_mutex_unlock(&mu);
    return n;
}

int code_at(unsigned i)
{
    int c;

    pthread_mutex_lock(&mu);
    c = events[i].code;
    pthread_mutex_unlock(&mu);
    return c;
}

/* Peer events among events |from| to |to| (exclusive) about |peer| (0: any). */
unsigned peer_events(unsigned from, unsigned to, uint64_t peer)
{
    unsigned n = 0;

    pthread_mutex_lock(&mu);
    for (unsigned i = from; i < to && i < nevents; i++)
        n += events[i].code >= ZTS_EVENT_PEER_DIRECT &&
             events[i].code <= ZTS_EVENT_PEER_PATH_DEAD && (peer == 0 || events[i].peer_id == peer);
    pthread_mutex_unlock(&mu);
    return n;
}

/* Files directly in |dir| (not . and ..). */
unsigned files_in(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    unsigned n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

bool exists(const char *dir, const char *name)
{
    char path[512];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

/* ---- fixture: a temp directory (the cwd), the black-hole root and its planet -------------- */

/* A UDP socket bound to 127.0.0.1 (*port: its port), or -1. */
static int loopback_udp(uint16_t *port)
{
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);
    int s = socket(AF_INET, SOCK_DGRAM, 0);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s >= 0 && (bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
                   getsockname(s, (struct sockaddr *)&sin, &slen) != 0)) {
        close(s);
        s = -1;
    }
    *port = ntohs(sin.sin_port);
    return s;
}

/* A new identity into |pair| and a planet naming it at 127.0.0.1/|port| into |out|. */
static int make_planet(char *pair, uint16_t port, uint64_t id, uint8_t *out, unsigned *len)
{
    char pub[ZTS_ID_STR_BUF_LEN], ep[64], prev[128], curr[128];
    unsigned int idlen = ZTS_ID_STR_BUF_LEN, plen, clen;
    zts_root_set_t spec;

    if (zts_id_new(pair, &idlen) != ZTS_ERR_OK)
        return -1;
    memcpy(pub, pair, sizeof(pub));
    pub[141] = '\0';
    snprintf(ep, sizeof(ep), "127.0.0.1/%u", (unsigned)port);
    memset(&spec, 0, sizeof(spec));
    spec.public_id_str[0] = pub;
    spec.endpoint_ip_str[0][0] = ep;
    return zts_util_sign_root_set((char *)out, len, prev, &plen, curr, &clen, id, 1, &spec) ==
                   ZTS_ERR_OK
               ? 0
               : -1;
}

/* The live root: a child process, forked before this one starts any thread of the library,
 * runs a node with the root's identity and planet on its port until killed (or orphaned). */
static int start_live_root(void)
{
    char pair[ZTS_ID_STR_BUF_LEN];
    uint16_t port;

    close(loopback_udp(&port)); /* a free port */
    if (make_planet(pair, port, 0x7a7a0002ull, live_roots, &live_roots_len) != 0)
        return -1;
    live_root_id = strtoull(pair, NULL, 16);
    fflush(NULL);
    live_root_pid = fork();
    if (live_root_pid != 0)
        return live_root_pid > 0 ? 0 : -1;
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (zts_init_from_memory(pair, ZTS_ID_STR_BUF_LEN) != ZTS_ERR_OK ||
        zts_init_set_roots(live_roots, live_roots_len) != ZTS_ERR_OK ||
        zts_init_set_port(port) != ZTS_ERR_OK || zts_node_start() != ZTS_ERR_OK)
        _exit(1);
    for (;;)
        pause();
}

void stop_live_root(void)
{
    if (live_root_pid > 0) {
        kill(live_root_pid, SIGKILL);
        (void)waitpid(live_root_pid, NULL, 0);
        live_root_pid = -1;
    }
}

int setup(void **state)
{
    char pair[ZTS_ID_STR_BUF_LEN];
    uint16_t port;

    (void)state;
    if (mkdtemp(tmp) == NULL || chdir(tmp) != 0)
        return -1;
    black_hole = loopback_udp(&port);
    if (black_hole < 0 || make_planet(pair, port, 0x7a7a0001ull, roots, &roots_len) != 0)
        return -1;
    return start_live_root();
}

int teardown(void **state)
{
    char cmd[128];

    (void)state;
    stop_live_root();
    close(black_hole);
    if (chdir("/") != 0)
        return -1;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
    return system(cmd) == 0 ? 0 : -1;
}
