/*
 * lossy_shim.c: a lossy underlay for tests, as an LD_PRELOAD library.  It wraps the calls a
 * node sends UDP with (sendmmsg, sendto) and, per datagram, drops it, sends it twice, or holds
 * it back to send after the next one (reordering and delay), by seeded chance:
 *
 *   ZT_SHIM_LOSS=5       percent of datagrams dropped          (default 0)
 *   ZT_SHIM_DUP=1        percent sent twice                    (default 0)
 *   ZT_SHIM_REORDER=1    percent held and sent after the next  (default 0)
 *   ZT_SHIM_SEED=n       the generator's seed                  (default: the pid)
 *
 * Only datagram sockets are touched.  The process under test never knows: every datagram
 * counts as sent.  Test code only; never part of the SDK.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int (*sendmmsg_fn)(int, struct mmsghdr *, unsigned int, int);
typedef ssize_t (*sendto_fn)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static sendmmsg_fn real_sendmmsg;
static sendto_fn real_sendto;
static unsigned loss_pct, dup_pct, reorder_pct;
static uint64_t rng;

/* One datagram held back for reordering. */
static struct {
    int fd;
    uint8_t data[65536];
    size_t len;
    struct sockaddr_storage to;
    socklen_t tolen;
    int has;
} held;

static unsigned env_pct(const char *name)
{
    const char *v = getenv(name);
    unsigned long n = v != NULL ? strtoul(v, NULL, 10) : 0;
    return n > 100 ? 100 : (unsigned)n;
}

static void init(void)
{
    const char *seed = getenv("ZT_SHIM_SEED");

    real_sendmmsg = (sendmmsg_fn)dlsym(RTLD_NEXT, "sendmmsg");
    real_sendto = (sendto_fn)dlsym(RTLD_NEXT, "sendto");
    loss_pct = env_pct("ZT_SHIM_LOSS");
    dup_pct = env_pct("ZT_SHIM_DUP");
    reorder_pct = env_pct("ZT_SHIM_REORDER");
    rng = seed != NULL ? strtoull(seed, NULL, 10) : (uint64_t)getpid();
    rng = rng * 2654435761u + 0x9e3779b97f4a7c15ull;
}

/* xorshift64*: a percentage draw, 0..99 (mu held). */
static unsigned draw(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (unsigned)((rng * 2685821657736338717ull) >> 32) % 100;
}

static int is_dgram(int fd)
{
    int type = 0;
    socklen_t len = sizeof(type);
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM;
}

static void send_one(int fd, const void *data, size_t len, const struct sockaddr *to,
                     socklen_t tolen)
{
    (void)real_sendto(fd, data, len, MSG_DONTWAIT, to, tolen);
}

static void flush_held(void)
{
    if (held.has) {
        held.has = 0;
        send_one(held.fd, held.data, held.len, (struct sockaddr *)&held.to, held.tolen);
    }
}

/* Decides the fate of one datagram (mu held). */
static void shim_one(int fd, const void *data, size_t len, const struct sockaddr *to,
                     socklen_t tolen)
{
    unsigned d = draw();

    if (d < loss_pct)
        return;
    d -= loss_pct;
    if (d < reorder_pct && !held.has && len <= sizeof(held.data) && tolen <= sizeof(held.to)) {
        held.fd = fd;
        memcpy(held.data, data, len);
        held.len = len;
        memcpy(&held.to, to, tolen);
        held.tolen = tolen;
        held.has = 1;
        return;
    }
    send_one(fd, data, len, to, tolen);
    if (d >= reorder_pct && d - reorder_pct < dup_pct)
        send_one(fd, data, len, to, tolen);
    flush_held(); /* what was held goes after this one */
}

int sendmmsg(int fd, struct mmsghdr *msgs, unsigned int vlen, int flags)
{
    pthread_once(&once, init);
    if (!is_dgram(fd))
        return real_sendmmsg(fd, msgs, vlen, flags);
    pthread_mutex_lock(&mu);
    for (unsigned i = 0; i < vlen; i++) {
        struct msghdr *m = &msgs[i].msg_hdr;
        uint8_t buf[65536];
        size_t len = 0;
        for (size_t k = 0; k < (size_t)m->msg_iovlen; k++) {
            size_t n = m->msg_iov[k].iov_len;
            if (len + n > sizeof(buf))
                n = sizeof(buf) - len;
            memcpy(buf + len, m->msg_iov[k].iov_base, n);
            len += n;
        }
        shim_one(fd, buf, len, m->msg_name, m->msg_namelen);
        msgs[i].msg_len = (unsigned)len;
    }
    pthread_mutex_unlock(&mu);
    return (int)vlen;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
               socklen_t tolen)
{
    pthread_once(&once, init);
    if (to == NULL || !is_dgram(fd))
        return real_sendto(fd, buf, len, flags, to, tolen);
    pthread_mutex_lock(&mu);
    shim_one(fd, buf, len, to, tolen);
    pthread_mutex_unlock(&mu);
    return (ssize_t)len;
}
