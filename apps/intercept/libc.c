/*
 * libc.c: the real libc functions, the environment and fork (docs/intercept.md).
 *
 * The table of real functions is the library's one piece of global state set once
 * (style.md §11): it is filled under pthread_once on the first call, which may come before
 * our constructor ran (another library's constructor opening a socket), and is read-only
 * afterwards.  ZT_NC_NETWORK is read at the first intercepted call, so that a program which
 * sets it in main() before its first socket still works; an exec starts over with a fresh copy
 * of the library.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intercept.h"

static zt_icpt_libc real;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

/* 0: not read yet, 1: inert, 2: active. */
static atomic_int mode;
static pthread_once_t mode_once = PTHREAD_ONCE_INIT;
static char path[4096];

/* A libc without one of these is not a libc we can run on: say so and stop, rather than call
 * through a NULL pointer later. */
static void *must(const char *name)
{
    char msg[160];
    void *p;
    int n;

    p = dlsym(RTLD_NEXT, name);
    if (p != NULL)
        return p;
    n = snprintf(msg, sizeof(msg), "libztintercept: no %s in the libraries after it\n", name);
    if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0) {
        /* nothing more to do */
    }
    abort();
}

static void resolve(void)
{
    real.socket = (int (*)(int, int, int))must("socket");
    real.bind = (int (*)(int, const struct sockaddr *, socklen_t))must("bind");
    real.listen = (int (*)(int, int))must("listen");
    real.accept = (int (*)(int, struct sockaddr *, socklen_t *))must("accept");
    real.accept4 = (int (*)(int, struct sockaddr *, socklen_t *, int))must("accept4");
    real.connect = (int (*)(int, const struct sockaddr *, socklen_t))must("connect");
    real.getsockname = (int (*)(int, struct sockaddr *, socklen_t *))must("getsockname");
    real.getpeername = (int (*)(int, struct sockaddr *, socklen_t *))must("getpeername");
    real.setsockopt = (int (*)(int, int, int, const void *, socklen_t))must("setsockopt");
    real.getsockopt = (int (*)(int, int, int, void *, socklen_t *))must("getsockopt");
    real.shutdown = (int (*)(int, int))must("shutdown");
    real.close = (int (*)(int))must("close");
    real.dup = (int (*)(int))must("dup");
    real.dup2 = (int (*)(int, int))must("dup2");
    real.dup3 = (int (*)(int, int, int))must("dup3");
    real.sendto = (ssize_t(*)(int, const void *, size_t, int, const struct sockaddr *,
                              socklen_t))must("sendto");
    real.recvfrom =
        (ssize_t(*)(int, void *, size_t, int, struct sockaddr *, socklen_t *))must("recvfrom");
    real.sendmsg = (ssize_t(*)(int, const struct msghdr *, int))must("sendmsg");
    real.recvmsg = (ssize_t(*)(int, struct msghdr *, int))must("recvmsg");
    real.send = (ssize_t(*)(int, const void *, size_t, int))must("send");
    real.recv = (ssize_t(*)(int, void *, size_t, int))must("recv");
    real.recv_chk = (ssize_t(*)(int, void *, size_t, size_t, int))must("__recv_chk");
    real.recvfrom_chk = (ssize_t(*)(int, void *, size_t, size_t, int, struct sockaddr *,
                                    socklen_t *))must("__recvfrom_chk");
}

const zt_icpt_libc *zt__icpt_libc(void)
{
    pthread_once(&real_once, resolve);
    return &real;
}

/* fork: the table must be consistent in the child (its lock is taken around fork), and the
 * child must not share the parent's control connection (service.md §8.2: re-opened in the
 * child).  The control connection's lock is not taken around fork: a request may wait for the
 * service for seconds, and fork must not. */
static void on_fork_prepare(void)
{
    zt__icpt_fd_fork_prepare();
}

static void on_fork_parent(void)
{
    zt__icpt_fd_fork_parent();
}

static void on_fork_child(void)
{
    zt__icpt_fd_fork_child();
    zt__icpt_ctl_fork_child();
}

static void read_mode(void)
{
    const char *v = getenv("ZT_NC_NETWORK");
    size_t n;

    if (v == NULL || v[0] == '\0') {
        atomic_store_explicit(&mode, 1, memory_order_release);
        return;
    }
    n = strlen(v);
    if (n >= sizeof(path))
        n = sizeof(path) - 1; /* too long for a socket path anyway: connecting will say so */
    memcpy(path, v, n);
    path[n] = '\0';
    pthread_atfork(on_fork_prepare, on_fork_parent, on_fork_child);
    atomic_store_explicit(&mode, 2, memory_order_release);
}

bool zt__icpt_active(void)
{
    int m = atomic_load_explicit(&mode, memory_order_acquire);

    if (m == 0) {
        pthread_once(&mode_once, read_mode);
        m = atomic_load_explicit(&mode, memory_order_acquire);
    }
    return m == 2;
}

const char *zt__icpt_path(void)
{
    return path;
}

/* Resolve early, while the process most likely has one thread; the lazy path above covers
 * calls that come before this. */
__attribute__((constructor)) static void on_load(void)
{
    (void)zt__icpt_libc();
}
