/*
 * bench_flood: sends armored HELLOs from identities the target has never seen, as an attacker
 * would, to measure what a HELLO flood costs a node (issue 9; docs/internals/flood.md).  Not a
 * test; bench/bench_flood.sh runs it against real zt-service processes on loopback.
 *
 *   bench_flood --target-id FILE|STRING --to IP/PORT [--sources N] [--pps RATE]
 *               [--seconds S] [--reuse K] [--pool P]
 *   bench_flood --self-test
 *
 * Each fake identity is cheap: a random key pair (zt__keypair_generate) and a random 40-bit
 * address, no hashcash.  The HELLO carries a valid MAC (the attacker does the key agreement
 * with the target's public key), so the target can only learn that the identity is fake by
 * checking its address proof, the 2 MiB memory-hard hash of vl1.md §1.3-1.4, after a key
 * agreement of its own: the two costs the flood aims at (vl1.md §4, §5.9).
 *
 * The HELLOs leave from |--sources| UDP sockets bound to 127.A.B.1, one per /24 (Linux accepts
 * any address of 127.0.0.0/8), round robin.  --reuse K sends each identity K times in a row
 * (default 1: a new identity for every HELLO).  --pool P draws the identities from P made
 * before the clock starts, cycled, so that the rate is not bounded by this process's own key
 * agreements (the target remembers only the last 64 identities that failed: with P in the
 * thousands every HELLO is still new work to it).  --pps 0 sends as fast as possible.
 *
 * --self-test feeds such HELLOs to an in-process node and checks that they pass the MAC and
 * reach the address proof (a fake one fails it, a real identity built the same way is
 * answered with OK(HELLO)).
 *
 * Prints "bench_flood: flooding" when the clock starts (after the pool is made), stops after
 * --seconds or at SIGINT/SIGTERM, then prints one line of figures.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "codec/identity.h"
#include "codec/inetaddr.h"
#include "core/node.h"
#include "codec/packet.h"
#include "crypto/crypto.h"
#include "util/buf.h"

#define MAX_SOURCES (254 * 256)
#define HELLO_CAP 512

typedef struct fake {
    zt_identity id; /* with its secret: needed for the agreement */
    uint8_t key[ZT_SHARED_KEY_LEN];
} fake;

typedef struct opts {
    const char *target_id, *to;
    unsigned sources, reuse, pool;
    double pps, seconds;
} opts;

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A new fake identity and its shared key with |target|.  Returns 0 or a ZT_ERR_*. */
static int fake_new(fake *f, const zt_identity *target)
{
    uint8_t a[ZT_ADDRESS_LEN];

    memset(f, 0, sizeof(*f));
    zt__keypair_generate(f->id.pub, f->id.sec);
    f->id.has_secret = true;
    do {
        zt__random_bytes(a, sizeof(a));
        f->id.address = zt__load_be(a, sizeof(a));
    } while (zt__address_is_reserved(f->id.address));
    return zt__identity_agree(&f->id, target, f->key);
}

/*
 * Builds in |pkt| the HELLO a 1.14 node sends (vl1.md §4.2): protocol and version, timestamp,
 * identity (public), the target's address as we reach it, planet ID and timestamp 0, an empty
 * moon list under the HELLO field cipher; armored with suite 0 (MAC only).  Returns its
 * length, or 0 if it does not fit.
 */
static size_t hello_build(uint8_t *pkt, size_t cap, const fake *f, uint64_t dest,
                          const zt_inetaddr *to, uint64_t timestamp)
{
    uint64_t packet_id;
    size_t len, crypt_start;
    zt_wr w;

    zt__random_bytes(&packet_id, sizeof(packet_id));
    if (zt__pkt_init(pkt, cap, packet_id, dest, f->id.address, ZT_VERB_HELLO) < 0)
        return 0;
    w = zt__wr_make(pkt + ZT_PKT_IDX_PAYLOAD, cap - ZT_PKT_IDX_PAYLOAD);
    zt__wr_u8(&w, ZT_NODE_PROTO_VERSION);
    zt__wr_u8(&w, ZT_NODE_VERSION_MAJOR);
    zt__wr_u8(&w, ZT_NODE_VERSION_MINOR);
    zt__wr_u16(&w, ZT_NODE_VERSION_REVISION);
    zt__wr_u64(&w, timestamp);
    zt__identity_write(&w, &f->id, false);
    zt__inetaddr_write(&w, to);
    zt__wr_u64(&w, 0); /* planet ID: none offered */
    zt__wr_u64(&w, 0);
    crypt_start = ZT_PKT_IDX_PAYLOAD + zt__wr_len(&w);
    zt__wr_u16(&w, 0); /* moons */
    if (w.overflow)
        return 0;
    len = ZT_PKT_IDX_PAYLOAD + zt__wr_len(&w);
    zt__pkt_crypt_field(pkt, len, f->key, crypt_start);
    if (zt__pkt_armor(pkt, len, f->key, ZT_CIPHER_POLY1305_NONE) != 0)
        return 0;
    return len;
}

/* ---- the target's identity and address ------------------------------------------------- */

/* |arg| is a file holding the identity (identity.public) or the identity string itself. */
static int load_target(const char *arg, zt_identity *id)
{
    char buf[ZT_IDENTITY_STR_MAX + 2];
    size_t n = 0;
    FILE *f = fopen(arg, "r");

    if (f != NULL) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    } else {
        n = strlen(arg);
        if (n >= sizeof(buf))
            return ZT_ERR_INVAL;
        memcpy(buf, arg, n);
    }
    buf[n] = 0;
    return zt__identity_from_string(id, buf, n);
}

static int parse_to(const char *s, zt_inetaddr *a, struct sockaddr_in *sin)
{
    if (zt__inetaddr_parse(a, s, strlen(s)) != 0 || a->family != 4)
        return ZT_ERR_INVAL;
    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    memcpy(&sin->sin_addr, a->ip, 4);
    sin->sin_port = htons(a->port);
    return 0;
}

/* Non-blocking UDP sockets on 127.A.B.1 (A = 1 + i / 256, B = i % 256), ephemeral ports:
 * one per /24, none in 127.0.0.0/24 where the nodes are. */
static int open_sources(int *fds, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct sockaddr_in sin = {.sin_family = AF_INET};
        uint32_t ip = (127u << 24) | ((1u + i / 256) << 16) | ((i % 256) << 8) | 1u;

        sin.sin_addr.s_addr = htonl(ip);
        fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&sin, sizeof(sin)) != 0) {
            fprintf(stderr, "bench_flood: cannot bind 127.%u.%u.1: %s\n", 1 + i / 256, i % 256,
                    strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* ---- the flood ------------------------------------------------------------------------- */

typedef struct stats {
    uint64_t sent, identities, blocked, errors;
    double secs;
} stats;

static int flood(const opts *o, const zt_identity *target, const zt_inetaddr *to,
                 const struct sockaddr_in *sin, int *fds, stats *st)
{
    fake *pool = NULL, cur;
    unsigned next_pool = 0, uses = o->reuse;
    uint8_t pkt[HELLO_CAP];
    int64_t t0, deadline, now;
    uint64_t k = 0;
    int rv = 0;

    memset(st, 0, sizeof(*st));
    memset(&cur, 0, sizeof(cur));
    if (o->pool > 0) {
        pool = calloc(o->pool, sizeof(*pool));
        if (pool == NULL) {
            fprintf(stderr, "bench_flood: out of memory for --pool %u\n", o->pool);
            return -1;
        }
        for (unsigned i = 0; i < o->pool && rv == 0; i++)
            rv = fake_new(&pool[i], target);
        if (rv != 0)
            goto out;
    }
    /* The caller times the flood from this line. */
    printf("bench_flood: flooding\n");
    fflush(stdout);
    t0 = now_ns();
    deadline = t0 + (int64_t)(o->seconds * 1e9);
    for (now = t0; !stop_flag && now < deadline; k++) {
        size_t len;
        ssize_t w;

        if (uses == o->reuse) {
            if (pool != NULL) {
                cur = pool[next_pool];
                next_pool = (next_pool + 1) % o->pool;
                st->identities += st->identities < o->pool; /* distinct ones */
            } else if ((rv = fake_new(&cur, target)) != 0) {
                goto out;
            } else {
                st->identities++;
            }
            uses = 0;
        }
        uses++;
        len = hello_build(pkt, sizeof(pkt), &cur, target->address, to,
                          (uint64_t)(now / 1000000));
        if (len == 0) {
            rv = ZT_ERR_INTERNAL;
            goto out;
        }
        w = sendto(fds[k % o->sources], pkt, len, 0, (const struct sockaddr *)sin,
                   sizeof(*sin));
        if (w >= 0)
            st->sent++;
        else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
            st->blocked++;
        else
            st->errors++;
        now = now_ns();
        if (o->pps > 0) {
            /* Paced: the (k + 1)th packet is due at t0 + (k + 1) / pps. */
            int64_t due = t0 + (int64_t)((double)(k + 1) * 1e9 / o->pps);
            if (due > now + 200000) {
                struct timespec ts = {(due - now) / 1000000000, (due - now) % 1000000000};
                nanosleep(&ts, NULL);
                now = now_ns();
            }
        }
    }
    st->secs = (double)(now - t0) / 1e9;
out:
    if (rv != 0)
        fprintf(stderr, "bench_flood: cannot build a HELLO: %s\n", zt__strerror(rv));
    zt__wipe(&cur, sizeof(cur));
    if (pool != NULL) {
        zt__wipe(pool, o->pool * sizeof(*pool));
        free(pool);
    }
    return rv != 0 ? -1 : 0;
}

/* ---- --self-test: the HELLOs against a node in this process ---------------------------- */

typedef struct probe {
    uint64_t tickets[4];
    unsigned nchecks, nsent, nok_hello;
} probe;

static int probe_send(void *user, int64_t local_socket, const zt_inetaddr *to,
                      const uint8_t *data, size_t len, unsigned ttl)
{
    probe *p = user;
    (void)local_socket, (void)data, (void)ttl;
    p->nsent++;
    /* The OK is encrypted: count the datagrams back to the HELLO's source (port 40000). */
    if (to->port == 40000 && len > ZT_PKT_IDX_PAYLOAD)
        p->nok_hello++;
    return 0;
}

static int probe_check(void *user, uint64_t ticket, const zt_identity *id)
{
    probe *p = user;
    (void)id;
    if (p->nchecks < 4)
        p->tickets[p->nchecks] = ticket;
    p->nchecks++;
    return 0;
}

static int self_test(void)
{
    zt_identity target, real;
    zt_node_config cfg;
    zt_node_callbacks cb = {0};
    zt_inetaddr from, to;
    const zt_node_counters *c;
    zt_node *node = NULL;
    probe pr = {0};
    fake f, good;
    uint8_t pkt[HELLO_CAP], ip[4] = {127, 1, 0, 1}, tip[4] = {127, 0, 0, 1};
    size_t len;
    int64_t now = 1000000;
    int failures = 0;

    if (zt__identity_generate(&target, NULL) != 0 || zt__identity_generate(&real, NULL) != 0)
        return 1;
    zt__node_config_default(&cfg);
    cfg.identity = &target;
    cfg.allow_loopback_paths = true;
    cb.user = &pr;
    cb.send = probe_send;
    cb.check_identity = probe_check;
    if (zt__node_new(&node, &cfg, &cb, now) != 0)
        return 1;
    c = zt__node_get_counters(node);
    zt__inetaddr_set4(&from, ip, 40000);
    zt__inetaddr_set4(&to, tip, 9993);

    /* A fake identity: MAC accepted, proof requested, found invalid, then remembered. */
    if (fake_new(&f, &target) != 0)
        return 1;
    len = hello_build(pkt, sizeof(pkt), &f, target.address, &to, (uint64_t)now);
    (void)zt__node_recv_datagram(node, 0, &from, pkt, len, now);
    if (pr.nchecks != 1 || c->drop_auth != 0 || c->drop_malformed != 0) {
        fprintf(stderr, "self-test: a fake HELLO did not reach the address proof "
                        "(checks %u, drop_auth %llu, drop_malformed %llu)\n",
                pr.nchecks, (unsigned long long)c->drop_auth,
                (unsigned long long)c->drop_malformed);
        failures++;
    }
    (void)zt__node_identity_checked(node, pr.tickets[0], false, now + 30);
    len = hello_build(pkt, sizeof(pkt), &f, target.address, &to, (uint64_t)now);
    (void)zt__node_recv_datagram(node, 0, &from, pkt, len, now + 40);
    if (pr.nchecks != 1 || c->drop_invalid_identity != 2) {
        fprintf(stderr, "self-test: a failed identity was not remembered "
                        "(checks %u, drop_invalid_identity %llu)\n",
                pr.nchecks, (unsigned long long)c->drop_invalid_identity);
        failures++;
    }

    /* The same construction with a real identity: answered once its proof holds. */
    memset(&good, 0, sizeof(good));
    good.id = real;
    if (zt__identity_agree(&real, &target, good.key) != 0)
        return 1;
    from.ip[1] = 2; /* another /24 */
    len = hello_build(pkt, sizeof(pkt), &good, target.address, &to, (uint64_t)now);
    pr.nok_hello = 0;
    (void)zt__node_recv_datagram(node, 0, &from, pkt, len, now + 50);
    if (pr.nchecks == 2)
        (void)zt__node_identity_checked(node, pr.tickets[1], true, now + 80);
    if (pr.nchecks != 2 || pr.nok_hello == 0) {
        fprintf(stderr, "self-test: a real identity's HELLO was not answered (checks %u)\n",
                pr.nchecks);
        failures++;
    }
    zt__node_del(node);
    zt__wipe(&f, sizeof(f));
    zt__wipe(&good, sizeof(good));
    zt__identity_clear(&target);
    zt__identity_clear(&real);
    printf("bench_flood: self-test %s\n", failures == 0 ? "passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}

/* ---- main ------------------------------------------------------------------------------ */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: bench_flood --target-id FILE|STRING --to IP/PORT [options]\n"
            "       bench_flood --self-test\n"
            "Sends armored HELLOs from fake identities (valid MAC, no address proof) to a node.\n"
            "  --target-id FILE|STRING  the target's identity (identity.public or its text)\n"
            "  --to IP/PORT             the target's IPv4 UDP address, e.g. 127.0.0.1/9993\n"
            "  --sources N              source sockets on 127.A.B.1, one per /24 (default 200)\n"
            "  --pps RATE               HELLOs per second (default 0: as fast as possible)\n"
            "  --seconds S              duration (default 10); SIGINT/SIGTERM stop earlier\n"
            "  --reuse K                send each identity K times in a row (default 1)\n"
            "  --pool P                 cycle through P identities made before the clock starts\n"
            "                           (default 0: make each one as it is needed)\n"
            "  --self-test              check the HELLOs against a node in this process\n"
            "Prints one line: HELLOs sent, identities, rate, send errors.\n");
}

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != 0 || v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

static bool parse_double(const char *s, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    return errno == 0 && end != s && *end == 0 && *out >= 0;
}

static int parse_args(int argc, char **argv, opts *o, bool *selftest)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = v != NULL;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--self-test") == 0) {
            *selftest = true;
            continue;
        } else if (strcmp(a, "--target-id") == 0) {
            o->target_id = v;
        } else if (strcmp(a, "--to") == 0) {
            o->to = v;
        } else if (strcmp(a, "--sources") == 0) {
            ok = ok && parse_uint(v, MAX_SOURCES, &o->sources) && o->sources > 0;
        } else if (strcmp(a, "--pps") == 0) {
            ok = ok && parse_double(v, &o->pps);
        } else if (strcmp(a, "--seconds") == 0) {
            ok = ok && parse_double(v, &o->seconds);
        } else if (strcmp(a, "--reuse") == 0) {
            ok = ok && parse_uint(v, 1000000, &o->reuse) && o->reuse > 0;
        } else if (strcmp(a, "--pool") == 0) {
            ok = ok && parse_uint(v, 10000000, &o->pool);
        } else {
            fprintf(stderr, "bench_flood: unknown option '%s' (see --help)\n", a);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "bench_flood: bad or missing value for %s (see --help)\n", a);
            return 2;
        }
        i++;
    }
    if (!*selftest && (o->target_id == NULL || o->to == NULL)) {
        fprintf(stderr, "bench_flood: --target-id and --to are required (see --help)\n");
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts o = {.sources = 200, .reuse = 1, .seconds = 10};
    zt_identity target;
    zt_inetaddr to;
    struct sockaddr_in sin;
    struct sigaction sa;
    bool selftest = false;
    int *fds = NULL, rv, status = 1;
    char tobuf[ZT_INETADDR_STR_MAX];
    stats st;

    rv = parse_args(argc, argv, &o, &selftest);
    if (rv != 0)
        return rv;
    if (zt__crypto_init() != 0) {
        fprintf(stderr, "bench_flood: cannot initialise the crypto library\n");
        return 1;
    }
    if (selftest)
        return self_test();
    if (load_target(o.target_id, &target) != 0) {
        fprintf(stderr, "bench_flood: %s: not an identity (file or string)\n", o.target_id);
        return 1;
    }
    if (parse_to(o.to, &to, &sin) != 0) {
        fprintf(stderr, "bench_flood: bad address '%s' (IPv4/PORT)\n", o.to);
        return 2;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fds = calloc(o.sources, sizeof(*fds));
    if (fds == NULL) {
        fprintf(stderr, "bench_flood: out of memory\n");
        return 1;
    }
    for (unsigned i = 0; i < o.sources; i++)
        fds[i] = -1;
    if (open_sources(fds, o.sources) == 0 && flood(&o, &target, &to, &sin, fds, &st) == 0) {
        (void)zt__inetaddr_format(&to, tobuf, sizeof(tobuf));
        printf("bench_flood: sent=%llu identities=%llu seconds=%.1f rate=%.0f/s sources=%u "
               "reuse=%u pool=%u blocked=%llu errors=%llu target=%010llx to=%s\n",
               (unsigned long long)st.sent, (unsigned long long)st.identities, st.secs,
               st.secs > 0 ? (double)st.sent / st.secs : 0.0, o.sources, o.reuse, o.pool,
               (unsigned long long)st.blocked, (unsigned long long)st.errors,
               (unsigned long long)target.address, tobuf);
        status = 0;
    }
    for (unsigned i = 0; i < o.sources; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    return status;
}
