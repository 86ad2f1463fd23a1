/*
 * sim.c: the deterministic simulator of tests/sim (see sim.h and
 * docs/internals/simulation.md).
 *
 * Everything random comes from one splitmix64 generator owned by the world, drawn in a fixed
 * order (the order in which the cores call us back, which is itself deterministic), so a seed
 * fixes the whole run.  Identities are fixtures (below), so the run is also the same from one
 * process to the next: a seed printed by a failing test reproduces the failure anywhere.
 */
#include "sim.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/identity.h"
#include "core/world.h"

#define SIM_MAX_NODES 64
#define SIM_MAX_NATS 64
#define SIM_MAX_CUTS 256
#define SIM_TRACE_LINES 1024
#define SIM_TRACE_LINE_LEN 192
#define SIM_MAX_STATE_OBJS 4096
#define SIM_PLANET_ID 0x5157a11dULL       /* our simulated planet's world ID */
#define SIM_PLANET_TIMESTAMP 1700000000000ULL
#define SIM_NAT_DEFAULT_TIMEOUT (120 * SIM_SEC)
#define SIM_MEM_HEADER 16                  /* keeps max_align_t alignment */

/*
 * Identity fixtures, made once with `zt-idtool generate` for this simulator and used nowhere
 * else.  Node i of every world gets fixture i (roots first, in the order they are added).
 * Generating identities costs 20-300 ms each (more under ASan); fixtures also make traces
 * identical across processes.  Beyond the fixtures, identities are generated and cached.
 */
static const char *const fixture_ids[] = {
    "aee61fbd60:0:"
    "aa79822c410edbedf7ae7abc360e95d256b5a1097daf421adc6e0b45a8396c01"
    "e53e43248aea05ba18ed501f048c5672a3d44870ff38bfdc0e0b2b7d3192d32f"
    ":9a6ccf558b24157e011283300f160cd53644419bddeeccac5312b04871b29ecc"
    "14ff416760f3e369e593703ad6f08ed55c54aa118621c219b623977446d0c2fb",
    "39bcd7411a:0:"
    "0c9049a10ec4c107d4ab8ec75d0d91a197395d61c43001397264c5a2f5b14718"
    "36b99633d6b86a22ebaf16bf501581126450ec0c6dcaefc0c8bf89e9afb7f842"
    ":143a4bae4da7833d78c22108e723d3331e0dc060becfe931533b418810b9683d"
    "27623442a6c5c3ca796ba6d0b8eb9b4485974ed2abdf8cd7a88e37ae97b65911",
    "871cef7c67:0:"
    "0926169010be9a1ba015aa008221416f7b27bd0da39f61400567b9c2cd3ea314"
    "1ecdae5db7affd54a7bd9b3d5d0d88864dfd0820f2b795f21ac6931e1de722f5"
    ":4e8a9599bfb5de81fe6f6ede698783c1b0e7d487adabe4639f5e8ae74b86cbcf"
    "ff3ecb2591758df7d11d41d1b167300b8af009400fddf30aef5e0903b0e561d8",
    "27a72429b9:0:"
    "68875f87443d37050d0c4ab494a6216ca01471de8bc31c793bf36003f9420c5b"
    "7c9dda0e9e5624c396d9605be67da30dcd80578db6dc4fba6c16c7670b8c3cce"
    ":6bbd72e5421f212f7a4fd1220eafd0821fca7373b7bf3bf9aaff58a31c36a692"
    "2d7928941442164f0d40751903ca0335e6272334eec8d1c751fb21ccec8e6f8d",
    "b6adaa9559:0:"
    "217d48376abbf6cc2d74652702701dfdd9f9d322b3caf3f78faa0f1606da4c14"
    "73a02e3f40b8b0e18f033fe2159725085ed78d165b5f2f54897f3fe837f5f939"
    ":120450375d029c3781a6b0bf3087702072299ae7b0a4734e9ad8fcac4927405e"
    "180fee5cb0a7cc8e1942b95c8a49b29f6ac56d28276b3f195147f46927f2ab1e",
    "2da33550cf:0:"
    "7fbd065c787818a36d8fc5996deed476ee1d13481be0530df53ffc0b20e4ea5f"
    "09638853ea65227ba300a391112785f07c6d958818b8c437949f0e87c250e7a3"
    ":67ef3c6575bee03e9dc922b6e31338deba2bd667e7e21d72294eab5613aafff5"
    "b6e26397efc21704042b0cea10ed8607436e3405e8b590cc8b994c1feb80fbe9",
    "9b147b67a6:0:"
    "9da63e2e394502d38a7e4fa59ef45b98d47ada01414530117f262c743d3e5201"
    "918afaa9a01b8afcee609bf3ab61db620f13c817e68e2ce3217f0a5621d0bb4d"
    ":f121028934b2b8dd2409900ebef0028ce2910c59867e1656dbcfe6385b22eb3f"
    "21a42679146ee57ad153bdfbf42d1b94a46491d673182880f6ddb52e69667a20",
    "8f8eecc00f:0:"
    "3fe5e0f2caae1c67d4a3d13e80b27fc2a80238158b4cd0ac6e6158798185da74"
    "014d63587f8e9ca8db2570aa853c5e23b5a3d8120d570dccfdc7f60111468a55"
    ":191d273dd1628201e4c05a696aaa83b935fb0a8b4cf88a5585e83654b97bebe8"
    "b90186827801582a47cc1f55891127e1c4a209e7d71144c0c905034740979d97",
    "e57b073c3d:0:"
    "1c7ebbe2df2da8b21f7b6584bb798c4bf8c94b282c70a2273caf86b37d27a61f"
    "fc8fc8a806ff7c49df2f1b63c9ae8678d7e64f84bd5b518b5eef12a9f1f48579"
    ":feee3e384630c2d4cf47dfb1a622b1eadbd714b67825d96d767f9f549a0f644a"
    "ae928f099c0f80b5f5137ad7a554767f7cefb06e53beee0b41b9c048dc588e83",
    "f4c0353e71:0:"
    "ac3dd5b28a9b19f6592ed94d8b6927b8571c8a022f5c44465ace4025583fd27c"
    "ec934efcf44e9681416533180d1110034bf264bdf5e0a165dd41de80098e3174"
    ":119efcfe0df8e5d946c12b9c0a805e3b708d57fb0ac09b4a14c8aa8c3bab050e"
    "67f250657607fb03f1214f2df424af46af7c4a7c7f3e8082dce99fccbee580c5",
    "0663ff884b:0:"
    "7fd53ec9a3de495ffd52ddf524226fb79ec4ec6116412aa71c861fb2adeeba15"
    "178e635fc2faaa224954693ccb65549b01d5a163b0b41f6bfb2a5abde8fa6690"
    ":0b202b398322ec8e36a740d63e7f209509db5d2d95e07f1acd4d0acc1ff02e24"
    "9a9132ced9f752c91fefee600f68c4350e901637609d50317459a8ee3ecec72f",
    "d74bc38476:0:"
    "bcd0cc3b362f91440b8e27869d95aa3195e81265e002026caa4fabe59e52a530"
    "3d1bdc884d2bc21d4d4ce92378d52778f156944aa3a159338c4eb876f2eabbfa"
    ":70c4d2c8d05a2059f3484e62e9cfa82f7e516d5b26aa73e6c4b09945aefb589c"
    "8ed964fe2d88df7ef10ae72350ca9d27cce70db1e74aad40d2c62c27e8d2e2e4",
    "ef1440de10:0:"
    "e2a837b0376fa40b848c1a4c1861032543d9417f045911644ee3e0eeb84a0f25"
    "a4fe0e852505511e3e5feae5304422f43a5f10c5976c3c5d418f8830685e43ff"
    ":82ee09b3f0cc2cd25b1b8a4f44ab0b5b3aaacc0a980ee17035738c07f8d81273"
    "28610fe8bf6a82ded4e555c9c67174cff237777559c02bc65afe3fe7ddc08810",
    "0dbd4fb823:0:"
    "95469e671554de1286114cbec334ca1f2f40554b4c8b4fb7c5324b9a2c94847a"
    "d4fc44d47d71d1fc75d6f25d6df456db6aa2d3d929baf671c2764782405f9485"
    ":c6211b171582c53f22819918ed4a9f21c278a759252ec27b08fcc55e3b23a85d"
    "78405cc7304b4be39dc9a8cebb4967d7a737c41c8dc29f4351d42a20d2031ba1",
    "1667c9da6c:0:"
    "b99b5c1daf63c5bfe018f43c168d9e41a2d8028ca20ba12b07eb1905f6bc2c7f"
    "77a98d929a4eb7616573a853259435cbd1f33cb848baedb37b1b2fdf2d1ab4e0"
    ":c92299994e9aaa000d4756077347ecb3f50fc43f381d9240e0386cde15fe2e04"
    "8c3600934f683b5673037f7857bdde468e7614231158380bb60506b5f101f8b5",
    "5023a6c713:0:"
    "942a49120677f990443794860e789b777d0093e528d753db6d160da07222aa43"
    "2623b3e85d7aab20c2e0a4cdc8979ec94671e61a1c0fed7d5a584f3d926b9366"
    ":36e02c373004b0634b2c27dba3eb64d3f9323f5f433dd50968cedbc65e753868"
    "f0c051108b0b2052195affd3bd30808bd7aa85d0a473b0df13e441faeb221d9f",
};

#define NFIXTURES (sizeof(fixture_ids) / sizeof(fixture_ids[0]))

/* Fixed world signing key pair (secret halves; the public half is derived). */
static const uint8_t planet_secret[ZT_IDENTITY_KEY_LEN] = {
    0x51, 0x1d, 0x0c, 0x37, 0x8e, 0x42, 0x19, 0xa5, 0x6b, 0xf0, 0x23, 0x77, 0xc4, 0x08, 0x9e,
    0x31, 0x5d, 0xe2, 0x14, 0x86, 0x4b, 0x3a, 0xd9, 0x60, 0x0f, 0xb8, 0x72, 0x2c, 0x95, 0xe7,
    0x1a, 0x4e, 0x83, 0x2f, 0xcc, 0x06, 0x58, 0xa1, 0x3d, 0x97, 0xf4, 0x6e, 0x10, 0xbb, 0x29,
    0x75, 0xd3, 0x48, 0x0a, 0x9c, 0x67, 0xe1, 0x35, 0x8b, 0x52, 0xfd, 0x1e, 0xa9, 0x44, 0xc0,
    0x7b, 0x26, 0xe8, 0x93,
};

enum { STAGE_CORE = 1, STAGE_DELIVER = 2 };

typedef struct dgram {
    int64_t t;
    uint64_t seq;
    int stage;
    int from;          /* sending node index, -1 when injected */
    int to;            /* receiving node index (STAGE_DELIVER) */
    bool lan;          /* sender and receiver share a NAT's LAN: no translation */
    zt_inetaddr src;   /* source as seen at this point */
    zt_inetaddr dst;
    size_t len;
    uint8_t data[];
} dgram;

typedef struct nat_map {
    zt_inetaddr inside;
    zt_inetaddr remote; /* symmetric NATs only: the destination this mapping is for */
    uint16_t port;
    int64_t last;
} nat_map;

typedef struct nat_perm { /* port-restricted filter: (mapping port, remote endpoint) */
    uint16_t port;
    zt_inetaddr remote;
    int64_t last;
} nat_perm;

struct sim_nat {
    sim_world *w;
    unsigned idx;
    sim_nat_type type;
    zt_inetaddr ip; /* port 0 */
    int64_t timeout;
    uint16_t next_port;
    nat_map *maps;
    size_t nmaps, capmaps;
    nat_perm *perms;
    size_t nperms, capperms;
};

typedef struct state_obj {
    zt_state_type type;
    uint64_t id;
    size_t len;
    uint8_t *data;
} state_obj;

struct sim_node {
    sim_world *w;
    unsigned idx;
    char name[16];
    bool is_root;
    sim_node_opts opts;
    zt_identity id;
    zt_node *zt;
    bool started, killed, isolated;
    sim_nat *nat;
    zt_inetaddr addr;
    int64_t sock;
    sim_link_cfg link;
    int64_t last_timer;
    sim_event *ev;
    size_t nev, capev;
    state_obj *st;
    size_t nst;
    zt_mem mem;
    size_t mem_in_use, mem_peak;
    uint8_t seed[32];
};

typedef struct cut {
    unsigned a, b;
} cut;

struct sim_world {
    uint64_t rng;
    int64_t now;
    uint64_t seq;
    bool started;
    sim_link_cfg default_link;
    sim_node *nodes[SIM_MAX_NODES];
    unsigned nnodes, nroots;
    sim_nat *nats[SIM_MAX_NATS];
    unsigned nnats;
    uint8_t planet[ZT_WORLD_MAX_SERIALIZED];
    size_t planet_len;
    dgram **heap;
    size_t nheap, capheap;
    cut cuts[SIM_MAX_CUTS];
    unsigned ncuts;
    sim_stats stats;
    uint64_t hash;
    sim_tap_fn tap;
    void *tap_user;
    int trace_level;
    char (*trace)[SIM_TRACE_LINE_LEN];
    size_t ntrace;
};

/* ---- small helpers ---------------------------------------------------------------------- */

static void die(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);
    if (p == NULL)
        die("out of memory");
    return p;
}

/* Grows |*p| (|*cap| elements of |size|) to hold at least |need|. */
static void grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t ncap;
    void *np;

    if (need <= *cap)
        return;
    ncap = *cap < 16 ? 16 : *cap * 2;
    while (ncap < need)
        ncap *= 2;
    np = realloc(*p, ncap * size);
    if (np == NULL)
        die("out of memory");
    *p = np;
    *cap = ncap;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void hash_u64(sim_world *w, uint64_t v)
{
    w->hash = mix64(w->hash ^ v) + 0x9e3779b97f4a7c15ULL;
}

static void hash_bytes(sim_world *w, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 */
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    hash_u64(w, h ^ len);
}

static void hash_addr(sim_world *w, const zt_inetaddr *a)
{
    hash_u64(w, (uint64_t)a->family << 56 | (uint64_t)a->port << 32 |
                    (uint64_t)a->ip[0] << 24 | (uint64_t)a->ip[1] << 16 |
                    (uint64_t)a->ip[2] << 8 | a->ip[3]);
}

uint64_t sim_rand(sim_world *w)
{
    return splitmix64(&w->rng);
}

/* Uniform in [0, n) (n > 0); the modulo bias is irrelevant here. */
static uint64_t rand_below(sim_world *w, uint64_t n)
{
    return sim_rand(w) % n;
}

const char *sim_addr_str(const zt_inetaddr *a, char *buf, size_t cap)
{
    if (zt__inetaddr_format(a, buf, cap) < 0)
        snprintf(buf, cap, "(none)");
    return buf;
}

static zt_inetaddr parse_addr(const char *s)
{
    zt_inetaddr a;
    if (zt__inetaddr_parse(&a, s, strlen(s)) != 0)
        die("bad address \"%s\" (want ip/port)", s);
    return a;
}

static bool same_ip(const zt_inetaddr *a, const zt_inetaddr *b)
{
    return a->family == b->family && memcmp(a->ip, b->ip, a->family == 6 ? 16 : 4) == 0;
}

const char *sim_event_name(zt_node_event_type type)
{
    switch (type) {
    case ZT_NODE_EVENT_ONLINE: return "ONLINE";
    case ZT_NODE_EVENT_OFFLINE: return "OFFLINE";
    case ZT_NODE_EVENT_IDENTITY_COLLISION: return "IDENTITY_COLLISION";
    case ZT_NODE_EVENT_PEER_DIRECT: return "PEER_DIRECT";
    case ZT_NODE_EVENT_PEER_RELAY: return "PEER_RELAY";
    case ZT_NODE_EVENT_PEER_UNREACHABLE: return "PEER_UNREACHABLE";
    case ZT_NODE_EVENT_PATH_DISCOVERED: return "PATH_DISCOVERED";
    case ZT_NODE_EVENT_PATH_ALIVE: return "PATH_ALIVE";
    case ZT_NODE_EVENT_PATH_DEAD: return "PATH_DEAD";
    case ZT_NODE_EVENT_USER_MESSAGE: return "USER_MESSAGE";
    case ZT_NODE_EVENT_ECHO_REPLY: return "ECHO_REPLY";
    case ZT_NODE_EVENT_WORLD_UPDATED: return "WORLD_UPDATED";
    }
    return "?";
}

/* ---- trace ------------------------------------------------------------------------------ */

static void trace_vline(sim_world *w, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;

static void trace_vline(sim_world *w, const char *fmt, va_list ap)
{
    char *line = w->trace[w->ntrace % SIM_TRACE_LINES];
    int n = snprintf(line, SIM_TRACE_LINE_LEN, "%10" PRId64 " ", w->now);

    if (n < 0)
        n = 0;
    vsnprintf(line + n, SIM_TRACE_LINE_LEN - (size_t)n, fmt, ap);
    w->ntrace++;
    if (w->trace_level > 0)
        fprintf(stderr, "sim %s\n", line);
}

static void trace_line(sim_world *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void trace_line(sim_world *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    trace_vline(w, fmt, ap);
    va_end(ap);
}

void sim_note(sim_world *w, const char *fmt, ...)
{
    char buf[SIM_TRACE_LINE_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    trace_line(w, "NOTE %s", buf);
}

void sim_dump_trace(const sim_world *w, FILE *f, size_t n)
{
    size_t have = w->ntrace < SIM_TRACE_LINES ? w->ntrace : SIM_TRACE_LINES;
    if (n > have)
        n = have;
    fprintf(f, "---- sim trace: last %zu of %zu lines (time in ms) ----\n", n, w->ntrace);
    for (size_t i = w->ntrace - n; i < w->ntrace; i++)
        fprintf(f, "%s\n", w->trace[i % SIM_TRACE_LINES]);
}

/* One line describing a datagram's cleartext header (vl1.md §2.1, §2.4). */
static void describe(const uint8_t *d, size_t len, char *out, size_t cap)
{
    if (len > 16 && d[13] == 0xff) {
        snprintf(out, cap, "frag dst=%010" PRIx64 " %u/%u hops=%u", zt__load_be(d + 8, 5),
                 (unsigned)(d[14] & 0x0f), (unsigned)(d[14] >> 4), (unsigned)(d[15] & 7));
    } else if (len >= 28) {
        unsigned suite = (d[18] >> 3) & 7;
        if (suite == 0)
            snprintf(out, cap, "pkt %010" PRIx64 "->%010" PRIx64 " suite0 verb=0x%02x hops=%u",
                     zt__load_be(d + 13, 5), zt__load_be(d + 8, 5), (unsigned)(d[27] & 0x1f),
                     (unsigned)(d[18] & 7));
        else
            snprintf(out, cap, "pkt %010" PRIx64 "->%010" PRIx64 " suite%u hops=%u",
                     zt__load_be(d + 13, 5), zt__load_be(d + 8, 5), suite,
                     (unsigned)(d[18] & 7));
    } else {
        snprintf(out, cap, "short");
    }
}

static void trace_dgram(sim_world *w, const char *what, const dgram *dg)
{
    char s[ZT_INETADDR_STR_MAX], t[ZT_INETADDR_STR_MAX], d[96];

    if (w->trace_level < 2)
        return;
    describe(dg->data, dg->len, d, sizeof(d));
    trace_line(w, "%s %s -> %s len=%zu %s", what, sim_addr_str(&dg->src, s, sizeof(s)),
               sim_addr_str(&dg->dst, t, sizeof(t)), dg->len, d);
}

/* ---- identities ------------------------------------------------------------------------- */

static zt_identity id_cache[SIM_MAX_NODES];
static bool id_cached[SIM_MAX_NODES];

static void identity_for(unsigned i, zt_identity *out)
{
    if (i >= SIM_MAX_NODES)
        die("too many nodes");
    if (!id_cached[i]) {
        int rv;
        if (i < NFIXTURES) {
            const char *s = fixture_ids[i];
            rv = zt__identity_from_string(&id_cache[i], s, strlen(s));
        } else {
            rv = zt__identity_generate(&id_cache[i], NULL);
        }
        if (rv != 0 || !id_cache[i].has_secret)
            die("identity %u: %s", i, zt_strerror(rv));
        id_cached[i] = true;
    }
    *out = id_cache[i];
}

/* ---- the zt_mem hook: counts what each core holds --------------------------------------- */

static void *mem_calloc(void *user, size_t n, size_t size)
{
    sim_node *node = user;
    uint8_t *p;

    if (size != 0 && n > (SIZE_MAX - SIM_MEM_HEADER) / size)
        return NULL;
    p = calloc(1, SIM_MEM_HEADER + n * size);
    if (p == NULL)
        return NULL;
    memcpy(p, &(size_t){n * size}, sizeof(size_t));
    node->mem_in_use += n * size;
    if (node->mem_in_use > node->mem_peak)
        node->mem_peak = node->mem_in_use;
    return p + SIM_MEM_HEADER;
}

static void mem_free(void *user, void *ptr)
{
    sim_node *node = user;
    uint8_t *p;
    size_t size;

    if (ptr == NULL)
        return;
    p = (uint8_t *)ptr - SIM_MEM_HEADER;
    memcpy(&size, p, sizeof(size_t));
    node->mem_in_use -= size;
    free(p);
}

/* ---- the event queue: a binary heap on (t, seq) ----------------------------------------- */

static bool before(const dgram *a, const dgram *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void heap_push(sim_world *w, dgram *dg)
{
    size_t i;

    dg->seq = w->seq++;
    grow((void **)&w->heap, &w->capheap, w->nheap + 1, sizeof(dgram *));
    i = w->nheap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(dg, w->heap[parent]))
            break;
        w->heap[i] = w->heap[parent];
        i = parent;
    }
    w->heap[i] = dg;
}

static dgram *heap_pop(sim_world *w)
{
    dgram *top = w->heap[0], *last;
    size_t i = 0;

    last = w->heap[--w->nheap];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= w->nheap)
            break;
        if (c + 1 < w->nheap && before(w->heap[c + 1], w->heap[c]))
            c++;
        if (!before(w->heap[c], last))
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (w->nheap > 0)
        w->heap[i] = last;
    return top;
}

static dgram *dgram_new(const uint8_t *data, size_t len)
{
    dgram *dg = xcalloc(1, sizeof(dgram) + len);
    if (len > 0)
        memcpy(dg->data, data, len);
    dg->len = len;
    return dg;
}

static dgram *dgram_copy(const dgram *src)
{
    dgram *dg = dgram_new(src->data, src->len);

    dg->t = src->t;
    dg->stage = src->stage;
    dg->from = src->from;
    dg->to = src->to;
    dg->lan = src->lan;
    dg->src = src->src;
    dg->dst = src->dst;
    return dg;
}

/*
 * Crosses one access link: loss, then duplication, then latency + jitter per copy.  Takes
 * ownership of |dg| (queued or freed).  The draws happen in a fixed order whatever the outcome.
 */
static void cross_link(sim_world *w, const sim_link_cfg *link, dgram *dg)
{
    bool lost = link->loss_pct > 0 && rand_below(w, 100) < link->loss_pct;
    bool dup = link->dup_pct > 0 && rand_below(w, 100) < link->dup_pct;
    int copies = dup ? 2 : 1;

    if (lost) {
        w->stats.lost++;
        trace_dgram(w, "LOST", dg);
        free(dg);
        return;
    }
    if (dup)
        w->stats.duplicated++;
    for (int i = 0; i < copies; i++) {
        dgram *c = i == 0 ? dg : dgram_copy(dg);
        int64_t delay = link->latency_ms < 1 ? 1 : link->latency_ms;
        if (link->jitter_ms > 0)
            delay += (int64_t)rand_below(w, (uint64_t)link->jitter_ms + 1);
        c->t = w->now + delay;
        heap_push(w, c);
    }
}

/* ---- NAT boxes -------------------------------------------------------------------------- */

static bool map_live(const sim_nat *nat, int64_t last)
{
    return nat->w->now - last < nat->timeout;
}

static nat_map *nat_find_out(sim_nat *nat, const zt_inetaddr *inside, const zt_inetaddr *to)
{
    for (size_t i = 0; i < nat->nmaps; i++) {
        nat_map *m = &nat->maps[i];
        if (!map_live(nat, m->last) || !zt__inetaddr_equal(&m->inside, inside))
            continue;
        if (nat->type != SIM_NAT_SYMMETRIC || zt__inetaddr_equal(&m->remote, to))
            return m;
    }
    return NULL;
}

static nat_map *nat_find_port(sim_nat *nat, uint16_t port)
{
    for (size_t i = 0; i < nat->nmaps; i++)
        if (nat->maps[i].port == port && map_live(nat, nat->maps[i].last))
            return &nat->maps[i];
    return NULL;
}

static nat_perm *nat_find_perm(sim_nat *nat, uint16_t port, const zt_inetaddr *remote)
{
    for (size_t i = 0; i < nat->nperms; i++) {
        nat_perm *p = &nat->perms[i];
        if (p->port == port && map_live(nat, p->last) && zt__inetaddr_equal(&p->remote, remote))
            return p;
    }
    return NULL;
}

static uint16_t nat_new_port(sim_nat *nat)
{
    for (;;) {
        uint16_t port = nat->next_port;
        nat->next_port = (uint16_t)(port >= 65000 ? 20000 : port + 1);
        if (nat_find_port(nat, port) == NULL)
            return port;
    }
}

/* Outbound translation of a datagram from |inside| to |to|: creates or refreshes the mapping
 * (and, for port-restricted NATs, the permission for |to|).  Writes the outside source. */
static void nat_outbound(sim_nat *nat, const zt_inetaddr *inside, const zt_inetaddr *to,
                         zt_inetaddr *out)
{
    nat_map *m = nat_find_out(nat, inside, to);

    if (m == NULL) {
        size_t slot = nat->nmaps;
        for (size_t i = 0; i < nat->nmaps; i++)
            if (!map_live(nat, nat->maps[i].last)) {
                slot = i;
                break;
            }
        if (slot == nat->nmaps)
            grow((void **)&nat->maps, &nat->capmaps, ++nat->nmaps, sizeof(nat_map));
        m = &nat->maps[slot];
        memset(m, 0, sizeof(*m));
        m->inside = *inside;
        if (nat->type == SIM_NAT_SYMMETRIC)
            m->remote = *to;
        m->port = nat_new_port(nat);
    }
    m->last = nat->w->now;
    if (nat->type == SIM_NAT_PORT_RESTRICTED) {
        nat_perm *p = nat_find_perm(nat, m->port, to);
        if (p == NULL) {
            size_t slot = nat->nperms;
            for (size_t i = 0; i < nat->nperms; i++)
                if (!map_live(nat, nat->perms[i].last)) {
                    slot = i;
                    break;
                }
            if (slot == nat->nperms)
                grow((void **)&nat->perms, &nat->capperms, ++nat->nperms, sizeof(nat_perm));
            p = &nat->perms[slot];
            p->port = m->port;
            p->remote = *to;
        }
        p->last = nat->w->now;
    }
    *out = nat->ip;
    out->port = m->port;
}

/* Inbound: a datagram from |from| to our port |port|.  Returns the inside endpoint or false if
 * the NAT has no mapping or its filter refuses |from|.  Accepted traffic refreshes the state
 * (as Linux conntrack does for either direction). */
static bool nat_inbound(sim_nat *nat, const zt_inetaddr *from, uint16_t port, zt_inetaddr *inside)
{
    nat_map *m = nat_find_port(nat, port);
    nat_perm *p = NULL;

    if (m == NULL)
        return false;
    switch (nat->type) {
    case SIM_NAT_FULL_CONE:
        break;
    case SIM_NAT_PORT_RESTRICTED:
        p = nat_find_perm(nat, port, from);
        if (p == NULL)
            return false;
        p->last = nat->w->now;
        break;
    case SIM_NAT_SYMMETRIC:
        if (!zt__inetaddr_equal(&m->remote, from))
            return false;
        break;
    }
    m->last = nat->w->now;
    *inside = m->inside;
    return true;
}

bool sim_nat_external(sim_node *n, const zt_inetaddr *to, zt_inetaddr *out)
{
    nat_map *m;

    if (n->nat == NULL) {
        *out = n->addr;
        return true;
    }
    m = nat_find_out(n->nat, &n->addr, to);
    if (m == NULL)
        return false;
    *out = n->nat->ip;
    out->port = m->port;
    return true;
}

/* ---- routing ---------------------------------------------------------------------------- */

static sim_node *lan_host(sim_world *w, const sim_nat *nat, const zt_inetaddr *a)
{
    for (unsigned i = 0; i < w->nnodes; i++)
        if (w->nodes[i]->nat == nat && zt__inetaddr_equal(&w->nodes[i]->addr, a))
            return w->nodes[i];
    return NULL;
}

static bool is_cut(const sim_world *w, int a, int b)
{
    if (a < 0 || b < 0)
        return false;
    for (unsigned i = 0; i < w->ncuts; i++)
        if ((w->cuts[i].a == (unsigned)a && w->cuts[i].b == (unsigned)b) ||
            (w->cuts[i].a == (unsigned)b && w->cuts[i].b == (unsigned)a))
            return true;
    return false;
}

static void underlay_send(sim_node *n, const zt_inetaddr *to, const uint8_t *data, size_t len,
                          unsigned ttl)
{
    sim_world *w = n->w;
    dgram *dg = dgram_new(data, len);

    dg->from = (int)n->idx;
    dg->to = -1;
    dg->src = n->addr;
    dg->dst = *to;
    dg->stage = STAGE_CORE;
    dg->lan = n->nat != NULL && lan_host(w, n->nat, to) != NULL;
    if (n->isolated) {
        w->stats.cut++;
        trace_dgram(w, "CUT", dg);
        free(dg);
        return;
    }
    if (n->nat != NULL && !dg->lan)
        nat_outbound(n->nat, &n->addr, to, &dg->src);
    if (ttl > 0 && !dg->lan) {
        /* Hole-punch junk: it opened our NAT's state above and dies at the next hop. */
        w->stats.ttl_expired++;
        trace_dgram(w, "TTL", dg);
        free(dg);
        return;
    }
    trace_dgram(w, "SEND", dg);
    cross_link(w, &n->link, dg);
}

/* STAGE_CORE: the datagram reached the internet (or the LAN): find its receiver. */
static void route(sim_world *w, dgram *dg)
{
    sim_node *from = dg->from >= 0 ? w->nodes[dg->from] : NULL;
    sim_node *host = NULL;

    if (dg->lan && from != NULL) {
        host = lan_host(w, from->nat, &dg->dst);
    } else {
        for (unsigned i = 0; i < w->nnodes && host == NULL; i++)
            if (w->nodes[i]->nat == NULL && zt__inetaddr_equal(&w->nodes[i]->addr, &dg->dst))
                host = w->nodes[i];
        for (unsigned i = 0; i < w->nnats && host == NULL; i++) {
            sim_nat *nat = w->nats[i];
            zt_inetaddr inside;
            if (!same_ip(&nat->ip, &dg->dst))
                continue;
            if (!nat_inbound(nat, &dg->src, dg->dst.port, &inside)) {
                w->stats.nat_filtered++;
                trace_dgram(w, "NATDROP", dg);
                free(dg);
                return;
            }
            host = lan_host(w, nat, &inside);
        }
    }
    if (host == NULL) {
        w->stats.no_route++;
        trace_dgram(w, "NOROUTE", dg);
        free(dg);
        return;
    }
    if (host->isolated || is_cut(w, dg->from, (int)host->idx)) {
        w->stats.cut++;
        trace_dgram(w, "CUT", dg);
        free(dg);
        return;
    }
    dg->stage = STAGE_DELIVER;
    dg->to = (int)host->idx;
    dg->dst = host->addr;
    cross_link(w, &host->link, dg);
}

/* STAGE_DELIVER: hand the datagram to the receiving node. */
static void deliver(sim_world *w, dgram *dg)
{
    sim_node *n = w->nodes[dg->to];
    int rv;

    if (n->isolated) {
        w->stats.cut++;
        trace_dgram(w, "CUT", dg);
        return;
    }
    if (n->zt == NULL && !n->opts.bare) {
        w->stats.to_dead++;
        trace_dgram(w, "DEAD", dg);
        return;
    }
    w->stats.delivered++;
    hash_u64(w, (uint64_t)w->now);
    hash_u64(w, (uint64_t)(dg->from + 1) << 32 | (uint64_t)dg->to);
    hash_addr(w, &dg->src);
    hash_bytes(w, dg->data, dg->len);
    trace_dgram(w, "RECV", dg);
    if (w->tap != NULL)
        w->tap(w->tap_user, n, &dg->src, dg->data, dg->len);
    if (n->zt == NULL)
        return;
    rv = zt_node_recv_datagram(n->zt, n->sock, &dg->src, dg->data, dg->len, w->now);
    if (rv == ZT_ERR_DROP) {
        w->stats.recv_drop++;
    } else if (zt_err_is_fatal(rv)) {
        w->stats.fatal++;
        trace_line(w, "FATAL %s recv_datagram: %s", n->name, zt_strerror(rv));
    } else if (rv != 0) {
        w->stats.recv_error++;
    }
}

/* ---- core callbacks --------------------------------------------------------------------- */

static int cb_send(void *user, int64_t local_socket, const zt_inetaddr *to, const uint8_t *data,
                   size_t len, unsigned ttl)
{
    sim_node *n = user;
    sim_world *w = n->w;

    w->stats.sent++;
    if (local_socket != ZT_LOCAL_SOCKET_ANY && local_socket != n->sock) {
        char a[ZT_INETADDR_STR_MAX];
        w->stats.bad_socket++;
        trace_line(w, "BADSOCK %s socket %" PRId64 " (ours: %" PRId64 ") to %s", n->name,
                   local_socket, n->sock, sim_addr_str(to, a, sizeof(a)));
        return ZT_ERR_INVAL;
    }
    if (to == NULL || to->family != 4) {
        w->stats.no_route++; /* the underlay is IPv4 only */
        return 0;
    }
    underlay_send(n, to, data, len, ttl);
    return 0;
}

static void cb_event(void *user, const zt_node_event *ev)
{
    sim_node *n = user;
    sim_world *w = n->w;
    sim_event *e;
    char a[ZT_INETADDR_STR_MAX];

    grow((void **)&n->ev, &n->capev, n->nev + 1, sizeof(sim_event));
    e = &n->ev[n->nev++];
    memset(e, 0, sizeof(*e));
    e->time = w->now;
    e->type = ev->type;
    e->peer = ev->peer;
    e->local_socket = ev->local_socket;
    e->remote = ev->remote;
    e->message_type = ev->message_type;
    e->len = ev->len;
    if (ev->data != NULL && ev->len > 0)
        memcpy(e->data, ev->data, ev->len < SIM_EVENT_DATA_MAX ? ev->len : SIM_EVENT_DATA_MAX);
    e->rtt_ms = ev->rtt_ms;
    e->world_id = ev->world_id;

    hash_u64(w, (uint64_t)w->now);
    hash_u64(w, (uint64_t)n->idx << 32 | (uint64_t)ev->type);
    hash_u64(w, ev->peer);
    hash_u64(w, ev->message_type);
    hash_addr(w, &ev->remote);
    hash_bytes(w, e->data, ev->len < SIM_EVENT_DATA_MAX ? ev->len : SIM_EVENT_DATA_MAX);

    switch (ev->type) {
    case ZT_NODE_EVENT_PATH_DISCOVERED:
    case ZT_NODE_EVENT_PATH_ALIVE:
    case ZT_NODE_EVENT_PATH_DEAD:
        trace_line(w, "EVENT %s %s peer=%010" PRIx64 " sock=%" PRId64 " remote=%s", n->name,
                   sim_event_name(ev->type), ev->peer, ev->local_socket,
                   sim_addr_str(&ev->remote, a, sizeof(a)));
        break;
    case ZT_NODE_EVENT_USER_MESSAGE:
        trace_line(w, "EVENT %s USER_MESSAGE from=%010" PRIx64 " type=%" PRIu64 " len=%zu",
                   n->name, ev->peer, ev->message_type, ev->len);
        break;
    case ZT_NODE_EVENT_ECHO_REPLY:
        trace_line(w, "EVENT %s ECHO_REPLY peer=%010" PRIx64 " rtt=%" PRId64, n->name, ev->peer,
                   ev->rtt_ms);
        break;
    default:
        trace_line(w, "EVENT %s %s peer=%010" PRIx64, n->name, sim_event_name(ev->type),
                   ev->peer);
        break;
    }
}

static state_obj *state_find(sim_node *n, zt_state_type type, uint64_t id)
{
    for (size_t i = 0; i < n->nst; i++)
        if (n->st[i].type == type && n->st[i].id == id)
            return &n->st[i];
    return NULL;
}

static zt_ssize cb_state_get(void *user, zt_state_type type, uint64_t id, uint8_t *buf,
                             size_t cap)
{
    state_obj *o = state_find(user, type, id);

    if (o == NULL)
        return ZT_ERR_NOTFOUND;
    if (o->len > cap)
        return ZT_ERR_NOSPACE;
    memcpy(buf, o->data, o->len);
    return (zt_ssize)o->len;
}

static void cb_state_put(void *user, zt_state_type type, uint64_t id, const uint8_t *data,
                         size_t len)
{
    sim_node *n = user;
    state_obj *o = state_find(n, type, id);

    if (data == NULL || len == 0) {
        if (o != NULL) {
            free(o->data);
            *o = n->st[--n->nst];
        }
        return;
    }
    if (o == NULL) {
        if (n->nst >= SIM_MAX_STATE_OBJS)
            die("%s: more than %d state objects", n->name, SIM_MAX_STATE_OBJS);
        n->st = realloc(n->st, (n->nst + 1) * sizeof(state_obj));
        if (n->st == NULL)
            die("out of memory");
        o = &n->st[n->nst++];
        o->type = type;
        o->id = id;
        o->data = NULL;
    }
    free(o->data);
    o->data = xcalloc(1, len);
    memcpy(o->data, data, len);
    o->len = len;
}

/* ---- world and nodes -------------------------------------------------------------------- */

sim_world *sim_new(uint64_t seed)
{
    sim_world *w = xcalloc(1, sizeof(*w));
    const char *lvl = getenv("ZT_SIM_TRACE");

    w->rng = seed;
    w->hash = mix64(seed ^ 0x5157u);
    w->default_link = (sim_link_cfg){.latency_ms = 10};
    w->trace = xcalloc(SIM_TRACE_LINES, SIM_TRACE_LINE_LEN);
    w->trace_level = lvl != NULL ? (int)strtol(lvl, NULL, 10) : 0;
    return w;
}

int64_t sim_now(const sim_world *w)
{
    return w->now;
}

void sim_set_default_link(sim_world *w, sim_link_cfg cfg)
{
    w->default_link = cfg;
}

static sim_node *node_add(sim_world *w, sim_nat *nat, const char *addr, bool is_root,
                          const sim_node_opts *opts)
{
    sim_node *n;

    if (w->nnodes >= SIM_MAX_NODES)
        die("too many nodes");
    n = xcalloc(1, sizeof(*n));
    n->w = w;
    n->idx = w->nnodes;
    n->is_root = is_root;
    if (opts != NULL)
        n->opts = *opts;
    if (is_root)
        snprintf(n->name, sizeof(n->name), "root%u", w->nroots);
    else
        snprintf(n->name, sizeof(n->name), "n%u", n->idx);
    n->nat = nat;
    n->addr = parse_addr(addr);
    if (n->addr.family != 4)
        die("%s: the simulated underlay is IPv4 only", addr);
    if (lan_host(w, nat, &n->addr) != NULL)
        die("%s: address taken", addr);
    n->sock = 100 + (int64_t)n->idx; /* distinct per node: a wrong socket ID shows */
    n->link = w->default_link;
    n->last_timer = INT64_MIN;
    n->mem.user = n;
    n->mem.calloc = mem_calloc;
    n->mem.free = mem_free;
    for (size_t i = 0; i < sizeof(n->seed); i += 8) {
        uint64_t r = sim_rand(w);
        memcpy(n->seed + i, &r, 8);
    }
    if (!n->opts.bare)
        identity_for(n->idx, &n->id);
    w->nodes[w->nnodes++] = n;
    return n;
}

sim_node *sim_add_root(sim_world *w, const char *addr)
{
    sim_node *n;

    if (w->started)
        die("roots must be added before the world starts");
    if (w->nroots >= ZT_WORLD_MAX_ROOTS)
        die("at most %d roots", ZT_WORLD_MAX_ROOTS);
    n = node_add(w, NULL, addr, true, NULL);
    w->nroots++;
    return n;
}

sim_nat *sim_add_nat(sim_world *w, sim_nat_type type, const char *ip)
{
    char buf[64];
    sim_nat *nat;

    if (w->nnats >= SIM_MAX_NATS)
        die("too many NATs");
    nat = xcalloc(1, sizeof(*nat));
    nat->w = w;
    nat->idx = w->nnats;
    nat->type = type;
    snprintf(buf, sizeof(buf), "%s/0", ip);
    nat->ip = parse_addr(buf);
    nat->timeout = SIM_NAT_DEFAULT_TIMEOUT;
    nat->next_port = (uint16_t)(20000 + rand_below(w, 40000));
    w->nats[w->nnats++] = nat;
    return nat;
}

void sim_nat_set_timeout(sim_nat *nat, int64_t idle_ms)
{
    nat->timeout = idle_ms;
}

static void node_start(sim_node *n)
{
    sim_world *w = n->w;
    zt_node_config cfg;
    zt_node_callbacks cb;
    int rv;

    if (n->opts.bare || n->zt != NULL)
        return;
    zt_node_config_default(&cfg);
    cfg.identity = &n->id;
    memcpy(cfg.seed, n->seed, sizeof(cfg.seed));
    cfg.mem = &n->mem;
    cfg.planet = w->planet;
    cfg.planet_len = w->planet_len;
    if (n->opts.max_peers != 0)
        cfg.max_peers = n->opts.max_peers;
    if (n->opts.online_window_ms != 0)
        cfg.online_window_ms = n->opts.online_window_ms;
    if (n->opts.peer_idle_ms != 0)
        cfg.peer_idle_ms = n->opts.peer_idle_ms;
    memset(&cb, 0, sizeof(cb));
    cb.user = n;
    cb.send = cb_send;
    cb.event = cb_event;
    cb.state_get = cb_state_get;
    cb.state_put = cb_state_put;
    rv = zt_node_new(&n->zt, &cfg, &cb, w->now);
    if (rv != 0)
        die("%s: zt_node_new: %s", n->name, zt_strerror(rv));
    if (!n->opts.no_local_addresses) {
        rv = zt_node_set_local_addresses(n->zt, &n->addr, 1);
        if (rv != 0)
            die("%s: zt_node_set_local_addresses: %s", n->name, zt_strerror(rv));
    }
    n->started = true;
    n->killed = false;
    n->last_timer = w->now - 1;
    trace_line(w, "START %s %010" PRIx64 " at %u.%u.%u.%u/%u%s", n->name, n->id.address,
               n->addr.ip[0], n->addr.ip[1], n->addr.ip[2], n->addr.ip[3], n->addr.port,
               n->nat != NULL ? " (behind NAT)" : "");
}

sim_node *sim_add_node_opts(sim_world *w, sim_nat *nat, const char *addr,
                            const sim_node_opts *opts)
{
    sim_node *n = node_add(w, nat, addr, false, opts);
    if (w->started)
        node_start(n);
    return n;
}

sim_node *sim_add_node(sim_world *w, sim_nat *nat, const char *addr)
{
    return sim_add_node_opts(w, nat, addr, NULL);
}

void sim_set_link(sim_node *n, sim_link_cfg cfg)
{
    n->link = cfg;
}

static void build_planet(sim_world *w)
{
    static zt_world planet; /* large; built once per start, never used concurrently */
    uint8_t pub[ZT_IDENTITY_KEY_LEN];
    zt_ssize len;
    unsigned r = 0;

    memset(&planet, 0, sizeof(planet));
    planet.type = ZT_WORLD_TYPE_PLANET;
    planet.id = SIM_PLANET_ID;
    planet.timestamp = SIM_PLANET_TIMESTAMP;
    zt__keypair_public(planet_secret, pub);
    memcpy(planet.update_key, pub, sizeof(pub));
    for (unsigned i = 0; i < w->nnodes; i++) {
        sim_node *n = w->nodes[i];
        if (!n->is_root)
            continue;
        planet.roots[r].identity = n->id;
        zt__identity_clear(&planet.roots[r].identity); /* public only */
        planet.roots[r].identity.has_secret = false;
        planet.roots[r].nendpoints = 1;
        planet.roots[r].endpoints[0] = n->addr;
        r++;
    }
    planet.nroots = r;
    if (zt__world_sign(&planet, planet_secret) != 0)
        die("cannot sign the planet");
    len = zt__world_write(&planet, false, w->planet, sizeof(w->planet));
    if (len < 0)
        die("cannot write the planet: %s", zt_strerror((int)len));
    w->planet_len = (size_t)len;
}

void sim_start(sim_world *w)
{
    if (w->started)
        return;
    w->started = true;
    for (unsigned i = 0; i < w->nnodes; i++)
        if (!w->nodes[i]->opts.bare) {
            build_planet(w);
            break;
        }
    for (unsigned i = 0; i < w->nnodes; i++)
        node_start(w->nodes[i]);
}

static void state_clear(sim_node *n)
{
    for (size_t i = 0; i < n->nst; i++)
        free(n->st[i].data);
    free(n->st);
    n->st = NULL;
    n->nst = 0;
}

void sim_del(sim_world *w)
{
    if (w == NULL)
        return;
    for (unsigned i = 0; i < w->nnodes; i++) {
        sim_node *n = w->nodes[i];
        zt_node_del(n->zt);
        if (n->started && n->mem_in_use != 0)
            fprintf(stderr, "sim: %s: the core leaked %zu bytes\n", n->name, n->mem_in_use);
        state_clear(n);
        free(n->ev);
        zt__identity_clear(&n->id);
        free(n);
    }
    for (unsigned i = 0; i < w->nnats; i++) {
        free(w->nats[i]->maps);
        free(w->nats[i]->perms);
        free(w->nats[i]);
    }
    for (size_t i = 0; i < w->nheap; i++)
        free(w->heap[i]);
    free(w->heap);
    free(w->trace);
    free(w);
}

/* ---- the run loop ----------------------------------------------------------------------- */

static int64_t node_deadline(const sim_node *n)
{
    int64_t d;

    if (n->zt == NULL)
        return INT64_MAX;
    d = zt_node_next_deadline(n->zt);
    if (d <= n->last_timer)
        d = n->last_timer + 1; /* never spin at one instant; counted in run_timers */
    return d;
}

static void run_timers(sim_world *w, sim_node *n)
{
    int rv;

    if (zt_node_next_deadline(n->zt) <= n->last_timer)
        w->stats.deadline_stall++;
    n->last_timer = w->now;
    rv = zt_node_process_timers(n->zt, w->now);
    if (zt_err_is_fatal(rv)) {
        w->stats.fatal++;
        trace_line(w, "FATAL %s process_timers: %s", n->name, zt_strerror(rv));
    }
}

/* Runs the earliest thing due at or before |t_end|.  Returns false if nothing is. */
static bool step(sim_world *w, int64_t t_end)
{
    int64_t tq = w->nheap > 0 ? w->heap[0]->t : INT64_MAX, td = INT64_MAX, tn;
    sim_node *due = NULL;

    for (unsigned i = 0; i < w->nnodes; i++) {
        int64_t d = node_deadline(w->nodes[i]);
        if (d < td) {
            td = d;
            due = w->nodes[i];
        }
    }
    tn = tq <= td ? tq : td;
    if (tn > t_end)
        return false;
    if (tn > w->now)
        w->now = tn;
    w->stats.steps++;
    if (tq <= td) { /* datagrams first on ties, then nodes in index order */
        dgram *dg = heap_pop(w);
        if (dg->stage == STAGE_CORE) {
            route(w, dg); /* takes ownership */
        } else {
            deliver(w, dg);
            free(dg);
        }
    } else {
        run_timers(w, due);
    }
    return true;
}

void sim_run_until(sim_world *w, int64_t t)
{
    sim_start(w);
    while (step(w, t))
        ;
    if (t > w->now)
        w->now = t;
}

void sim_run_for(sim_world *w, int64_t dt)
{
    sim_run_until(w, w->now + dt);
}

static bool event_matches(const sim_event *e, zt_node_event_type type, uint64_t peer)
{
    return e->type == type && (peer == 0 || e->peer == peer);
}

const sim_event *sim_run_until_event(sim_world *w, sim_node *n, zt_node_event_type type,
                                     uint64_t peer, int64_t deadline)
{
    size_t seen = n->nev;

    sim_start(w);
    for (;;) {
        for (; seen < n->nev; seen++)
            if (event_matches(&n->ev[seen], type, peer))
                return &n->ev[seen];
        if (!step(w, deadline))
            break;
    }
    if (deadline > w->now)
        w->now = deadline;
    return NULL;
}

/* ---- faults ----------------------------------------------------------------------------- */

void sim_cut(sim_world *w, sim_node *a, sim_node *b)
{
    if (is_cut(w, (int)a->idx, (int)b->idx))
        return;
    if (w->ncuts >= SIM_MAX_CUTS)
        die("too many cuts");
    w->cuts[w->ncuts].a = a->idx;
    w->cuts[w->ncuts].b = b->idx;
    w->ncuts++;
    trace_line(w, "CUT %s <-> %s", a->name, b->name);
}

void sim_heal(sim_world *w, sim_node *a, sim_node *b)
{
    for (unsigned i = 0; i < w->ncuts; i++)
        if ((w->cuts[i].a == a->idx && w->cuts[i].b == b->idx) ||
            (w->cuts[i].a == b->idx && w->cuts[i].b == a->idx)) {
            w->cuts[i] = w->cuts[--w->ncuts];
            trace_line(w, "HEAL %s <-> %s", a->name, b->name);
            return;
        }
}

void sim_isolate(sim_node *n, bool on)
{
    n->isolated = on;
    trace_line(n->w, "%s %s", on ? "ISOLATE" : "RECONNECT", n->name);
}

void sim_kill(sim_node *n)
{
    if (n->zt == NULL)
        return;
    zt_node_del(n->zt);
    n->zt = NULL;
    n->killed = true;
    if (n->mem_in_use != 0)
        fprintf(stderr, "sim: %s: the core leaked %zu bytes\n", n->name, n->mem_in_use);
    trace_line(n->w, "KILL %s", n->name);
}

void sim_restart(sim_node *n)
{
    if (!n->killed)
        return;
    node_start(n);
}

void sim_inject(sim_world *w, sim_node *n, const zt_inetaddr *from, const uint8_t *data,
                size_t len)
{
    dgram *dg = dgram_new(data, len);

    dg->from = -1;
    dg->to = (int)n->idx;
    dg->src = *from;
    dg->dst = n->addr;
    dg->stage = STAGE_DELIVER;
    dg->t = w->now;
    w->stats.injected++;
    heap_push(w, dg);
}

void sim_send_raw(sim_node *n, const zt_inetaddr *to, const uint8_t *data, size_t len,
                  unsigned ttl)
{
    n->w->stats.sent++;
    underlay_send(n, to, data, len, ttl);
}

void sim_set_tap(sim_world *w, sim_tap_fn fn, void *user)
{
    w->tap = fn;
    w->tap_user = user;
}

/* ---- queries ---------------------------------------------------------------------------- */

zt_node *sim_zt(const sim_node *n)
{
    return n->zt;
}

uint64_t sim_address(const sim_node *n)
{
    return n->id.address;
}

const char *sim_name(const sim_node *n)
{
    return n->name;
}

unsigned sim_index(const sim_node *n)
{
    return n->idx;
}

const zt_inetaddr *sim_node_addr(const sim_node *n)
{
    return &n->addr;
}

bool sim_online(const sim_node *n)
{
    return n->zt != NULL && zt_node_is_online(n->zt);
}

bool sim_has_direct_path(const sim_node *a, const sim_node *b)
{
    static zt_peer_info pi; /* ~1 KiB; the sim is single-threaded */

    if (a->zt == NULL || zt_node_peer(a->zt, b->id.address, &pi) != 0)
        return false;
    for (unsigned i = 0; i < pi.npaths && i < ZT_NODE_MAX_PATHS; i++)
        if (pi.paths[i].alive)
            return true;
    return false;
}

size_t sim_npeers(const sim_node *n)
{
    static zt_peer_info one[1];
    return n->zt == NULL ? 0 : zt_node_peers(n->zt, one, 1);
}

const zt_node_counters *sim_counters(const sim_node *n)
{
    static const zt_node_counters none;
    return n->zt == NULL ? &none : zt_node_get_counters(n->zt);
}

const sim_stats *sim_get_stats(const sim_world *w)
{
    return &w->stats;
}

size_t sim_mem_in_use(const sim_node *n)
{
    return n->mem_in_use;
}

size_t sim_mem_peak(const sim_node *n)
{
    return n->mem_peak;
}

const sim_event *sim_events(const sim_node *n, size_t *count)
{
    *count = n->nev;
    return n->ev;
}

size_t sim_event_count(const sim_node *n, zt_node_event_type type, uint64_t peer, int64_t since)
{
    size_t c = 0;
    for (size_t i = 0; i < n->nev; i++)
        if (n->ev[i].time >= since && event_matches(&n->ev[i], type, peer))
            c++;
    return c;
}

const sim_event *sim_event_find(const sim_node *n, zt_node_event_type type, uint64_t peer,
                                int64_t since)
{
    for (size_t i = 0; i < n->nev; i++)
        if (n->ev[i].time >= since && event_matches(&n->ev[i], type, peer))
            return &n->ev[i];
    return NULL;
}

bool sim_got_message(const sim_node *to, const sim_node *from, uint64_t type, const void *data,
                     size_t len, int64_t since)
{
    size_t cmp = len < SIM_EVENT_DATA_MAX ? len : SIM_EVENT_DATA_MAX;

    for (size_t i = 0; i < to->nev; i++) {
        const sim_event *e = &to->ev[i];
        if (e->time >= since && e->type == ZT_NODE_EVENT_USER_MESSAGE &&
            e->peer == from->id.address && e->message_type == type && e->len == len &&
            memcmp(e->data, data, cmp) == 0)
            return true;
    }
    return false;
}

uint64_t sim_trace_hash(const sim_world *w)
{
    return w->hash;
}
