/*
 * make_node_corpus: writes the seed corpus of fuzz_node (fuzz/corpus/node/).
 *
 * It includes fuzz_node.c and drives its node under test exactly as the harness does, record
 * by record, while real nodes for the root and two leaves (same fixed identities and planet)
 * run beside it on an in-memory network.  Whatever they send to the node under test becomes
 * the next record, so the corpus holds genuine HELLOs, OKs, relayed and direct packets,
 * RENDEZVOUS, fragments, in the order and at the times that make them valid on replay.
 * Deterministic: the same build writes the same files.  Not built by CMake; from the root of
 * the repository, with any build tree (here build/release):
 *
 *   cc -std=c11 -D_GNU_SOURCE -Isrc -Iinclude fuzz/make_node_corpus.c -o /tmp/make_node_corpus \
 *      build/release/src/core/libzt_core.a build/release/src/crypto/libzt_crypto.a \
 *      build/release/src/util/libzt_util.a -lsodium -llz4
 *   /tmp/make_node_corpus fuzz/corpus/node
 */
#include "fuzz_node.c"

#include <stdio.h>

#define GQ 1024
#define OUT_MAX 65536

/* A sixth identity, whose address does not match its keys (vl1.json identities[3]). */
static const char bad_secret[] =
    "99eb09ffa7:0:244dd45095bc0cdeae45131654e2c7440a3ebd04f1ca9717f19d7cc8ed86b0390f1d238e6f37a5"
    "799662d40fc956651b6f15f24354f39d458eef9e5fbf0e8351:62d77ac56d5769e0848adb1f97abe665db49337"
    "3efd6adda2fb1e7403acdc3901c6ddd1bab0dece4f761e1fe87081dac4145843397662ae8d827abaca7cfeecb";

enum { G_BAD = FZ_NIDS, G_N };

typedef struct {
    int from;
    zt_inetaddr to;
    size_t len;
    uint8_t data[ZT_MAX_PHYSMTU];
} gdgram;

static gdgram *q;
static size_t nq;
static zt_node *g_node[G_N];    /* [FZ_NUT] stays NULL: that one is fz_node */
static zt_inetaddr g_home[G_N];
static zt_identity g_bad;
static uint8_t out[OUT_MAX];
static size_t outlen;

static void enqueue(int from, const zt_inetaddr *to, const uint8_t *data, size_t len)
{
    if (nq == GQ || len > sizeof(q[0].data))
        return;
    q[nq].from = from;
    q[nq].to = *to;
    q[nq].len = len;
    memcpy(q[nq].data, data, len);
    nq++;
}

static int g_send(void *user, int64_t local_socket, const zt_inetaddr *to, const uint8_t *data,
                  size_t len, unsigned ttl)
{
    (void)local_socket;
    (void)ttl;
    enqueue((int)(intptr_t)user, to, data, len);
    return 0;
}

static unsigned ev_count[ZT_NODE_EVENT_WORLD_UPDATED + 1];

static void g_event(const zt_node_event *ev)
{
    ev_count[ev->type]++;
}

static void g_tap(const zt_inetaddr *to, const uint8_t *data, size_t len, unsigned ttl)
{
    (void)ttl;
    enqueue(FZ_NUT, to, data, len);
}

static int who_is(const zt_inetaddr *a)
{
    if (zt__inetaddr_equal(a, &fz_root_addr6))
        return FZ_ROOT;
    for (int i = 0; i < G_N; i++)
        if (g_home[i].family != 0 && zt__inetaddr_equal(a, &g_home[i]))
            return i;
    return -1;
}

static uint8_t selector_of(int from)
{
    for (uint8_t s = 0; s < 4; s++)
        if (zt__inetaddr_equal(&g_home[from], &fz_addr[s]))
            return s;
    fprintf(stderr, "make_node_corpus: node %d has no selector address\n", from);
    exit(1);
}

/* Appends a record and runs it through the harness. */
static void emit(uint8_t sel, const uint8_t *data, size_t len)
{
    if (outlen + 3 + len > sizeof(out)) {
        fprintf(stderr, "make_node_corpus: input too long\n");
        exit(1);
    }
    out[outlen++] = sel;
    out[outlen++] = (uint8_t)(len >> 8);
    out[outlen++] = (uint8_t)len;
    memcpy(out + outlen, data, len);
    outlen += len;
    fz_record(sel, data, len);
}

static void others_run(void)
{
    bool again = true;

    while (again) {
        again = false;
        for (size_t i = 0; i < nq;) {
            int to = who_is(&q[i].to);
            gdgram d;
            if (to == FZ_NUT) {
                i++;
                continue;
            }
            d = q[i];
            memmove(&q[i], &q[i + 1], (nq - i - 1) * sizeof(q[0]));
            nq--;
            if (to >= 0 && g_node[to] != NULL && d.from >= 0)
                (void)zt__node_recv_datagram(g_node[to], 0, &g_home[d.from], d.data, d.len, fz_now);
            again = true;
        }
        for (int i = 0; i < G_N; i++)
            if (g_node[i] != NULL && zt__node_next_deadline(g_node[i]) <= fz_now) {
                (void)zt__node_process_timers(g_node[i], fz_now);
                again = true;
            }
    }
}

/* One record: the next datagram for the node under test, or a pure clock step. */
static void step(unsigned adv)
{
    static const uint8_t nop[1] = {0};

    others_run();
    for (size_t i = 0; i < nq; i++) {
        if (who_is(&q[i].to) == FZ_NUT) {
            gdgram *d = malloc(sizeof(*d));
            if (d == NULL)
                abort();
            *d = q[i];
            memmove(&q[i], &q[i + 1], (nq - i - 1) * sizeof(q[0]));
            nq--;
            emit((uint8_t)(selector_of(d->from) | adv << 2), d->data, d->len);
            free(d);
            return;
        }
    }
    emit((uint8_t)(0x80 | adv << 2), nop, sizeof(nop));
}

static void steps(unsigned n, unsigned adv)
{
    for (unsigned i = 0; i < n; i++)
        step(adv);
}

static void command(const uint8_t *data, size_t len)
{
    emit(0x80, data, len);
}

/* Starts a scenario: the node under test, then the others named in |who| at their homes. */
static void begin(uint8_t flags, unsigned who, const zt_inetaddr *l_home)
{
    outlen = 0;
    nq = 0;
    out[outlen++] = flags;
    fz_tap = g_tap;
    fz_event_tap = g_event;
    memset(ev_count, 0, sizeof(ev_count));
    fz_begin(flags);
    memset(g_home, 0, sizeof(g_home));
    g_home[FZ_ROOT] = fz_addr[0];
    g_home[FZ_NUT] = fz_nut_addr;
    g_home[FZ_L] = *l_home;
    g_home[FZ_M] = fz_addr[2];
    g_home[G_BAD] = fz_addr[3];
    for (int i = 0; i < G_N; i++) {
        zt_node_config cfg;
        zt_node_callbacks cb = {.user = (void *)(intptr_t)i, .send = g_send};
        if (i == FZ_NUT || !(who & (1u << i)))
            continue;
        fz_config(&cfg, i == G_BAD ? FZ_L : i, flags);
        if (i == G_BAD)
            cfg.identity = &g_bad;
        if (zt__node_new(&g_node[i], &cfg, &cb, fz_now) != 0) {
            fprintf(stderr, "make_node_corpus: node %d\n", i);
            exit(1);
        }
    }
}

static void finish(const char *dir, const char *name)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(out, 1, outlen, f) != outlen || fclose(f) != 0) {
        fprintf(stderr, "make_node_corpus: cannot write %s\n", path);
        exit(1);
    }
    {
        const zt_node_counters *c = zt__node_get_counters(fz_node);
        printf("%-20s %5zu B  online %u direct %u messages %u echo %u | rx %llu relayed %llu "
               "whois %llu drops auth %llu malformed %llu unknown %llu idv %llu frag %llu\n",
               name, outlen, ev_count[ZT_NODE_EVENT_ONLINE], ev_count[ZT_NODE_EVENT_PEER_DIRECT],
               ev_count[ZT_NODE_EVENT_USER_MESSAGE], ev_count[ZT_NODE_EVENT_ECHO_REPLY],
               (unsigned long long)c->rx_datagrams, (unsigned long long)c->relayed,
               (unsigned long long)c->whois_sent, (unsigned long long)c->drop_auth,
               (unsigned long long)c->drop_malformed, (unsigned long long)c->drop_unknown_peer,
               (unsigned long long)c->drop_invalid_identity, (unsigned long long)c->drop_fragment);
    }
    fz_end();
    fz_tap = NULL;
    fz_event_tap = NULL;
    for (int i = 0; i < G_N; i++) {
        zt__node_del(g_node[i]);
        g_node[i] = NULL;
    }
}

static void user_message(int from, int to, size_t len)
{
    uint8_t *msg = malloc(len + 1);
    if (msg == NULL)
        abort();
    for (size_t i = 0; i < len; i++)
        msg[i] = (uint8_t)(i * 131 + (i >> 3)); /* not too compressible */
    (void)zt__node_send_user_message(g_node[from], fz_id[to].address, 0x10000, msg, len, fz_now);
    free(msg);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "fuzz/corpus/node";
    const unsigned R = 1u << FZ_ROOT, L = 1u << FZ_L, M = 1u << FZ_M, BAD = 1u << G_BAD;

    q = calloc(GQ, sizeof(*q));
    if (q == NULL)
        abort();
    fz_init_once();
    if (zt__identity_from_string(&g_bad, bad_secret, strlen(bad_secret)) != 0)
        abort();

    /* Coming online: HELLO to the root, its OK; keepalives; a long silence. */
    begin(0, R, &fz_addr[1]);
    steps(6, 0);
    steps(3, 6);
    steps(1, 7);
    steps(3, 0);
    finish(dir, "online");

    /* A leaf writes to us through the root: relay, WHOIS, RENDEZVOUS, then a direct path;
     * we ping it, and write to a third leaf we do not know yet. */
    begin(0, R | L | M, &fz_addr[1]);
    steps(8, 0);
    user_message(FZ_L, FZ_NUT, 40);
    steps(24, 0);
    command((const uint8_t[]){1, FZ_L}, 2);
    steps(6, 0);
    command((const uint8_t[]){2, FZ_M, 0, 0, 0, 0, 0, 1, 0, 0, 'h', 'i'}, 12);
    steps(16, 0);
    steps(2, 5);
    steps(2, 6);
    finish(dir, "relay-whois-direct");

    /* The same with the leaf on 127.0.0.1 and loopback paths allowed. */
    begin(FZ_FLAG_LOOPBACK, R | L, &fz_addr[3]);
    steps(8, 0);
    user_message(FZ_L, FZ_NUT, 200);
    steps(24, 0);
    steps(1, 6);
    finish(dir, "loopback");

    /* We are a root too: leaves say HELLO, one writes to the other through us (relay,
     * unite; the other root stays silent); a leaf with an identity that does not check out;
     * peers cached on idle. */
    begin(FZ_FLAG_NUT_ROOT | FZ_FLAG_PEER_CACHE | FZ_FLAG_LOOPBACK, L | M | BAD,
          &fz_addr[1]);
    steps(16, 0);
    user_message(FZ_L, FZ_M, 100);
    steps(24, 0);
    steps(2, 6);
    steps(2, 7);
    finish(dir, "as-root-relay-cache");

    /* A small MTU: big messages arrive in fragments. */
    begin(FZ_FLAG_SMALL_MTU, R | L, &fz_addr[1]);
    steps(8, 0);
    user_message(FZ_L, FZ_NUT, 20);
    steps(24, 0);
    user_message(FZ_L, FZ_NUT, 1400);
    user_message(FZ_L, FZ_NUT, 3000);
    steps(12, 0);
    finish(dir, "fragments");

    /* Commands: orbit, deorbit, a bad moon, local addresses, listings, odd destinations. */
    begin(FZ_FLAG_LOOPBACK, R, &fz_addr[1]);
    steps(4, 0);
    command((const uint8_t[]){3, 0, 0, 0, 0, 0, 0, 0x12, 0x34, FZ_ROOT}, 10);
    steps(4, 0);
    command((const uint8_t[]){4, 0, 0, 0, 0, 0, 0, 0x12, 0x34}, 9);
    command((const uint8_t[]){5, 0x7f, 0, 0, 0, 0, 0, 0, 0, 1}, 10);
    {
        uint8_t buf[64];
        zt_wr w = zt__wr_make(buf + 1, sizeof(buf) - 1);
        buf[0] = 6;
        zt__inetaddr_write(&w, &fz_nut_addr);
        zt__inetaddr_write(&w, &fz_addr[2]);
        command(buf, 1 + zt__wr_len(&w));
    }
    command((const uint8_t[]){7}, 1);
    command((const uint8_t[]){1, 0x80, 0x01, 0x02, 0x03, 0x04, 0x05}, 7);
    command((const uint8_t[]){2, 0x80, 0xff, 0, 0, 0, 1}, 7);
    steps(2, 5);
    steps(2, 6);
    command((const uint8_t[]){7}, 1);
    finish(dir, "commands");

    zt__identity_clear(&g_bad);
    free(q);
    return 0;
}
