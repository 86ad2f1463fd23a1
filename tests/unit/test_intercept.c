/*
 * test_intercept.c: libztintercept.so without zt-service (docs/intercept.md).
 *
 *   test_intercept <libztintercept.so> <nm> <readelf>   the driver (what ctest runs)
 *   test_intercept child <case> <lib> [arg]             a case, under LD_PRELOAD
 *
 * The driver checks the library's symbols (nm: only the intercepted functions exported;
 * readelf: none of them called by name inside), then runs itself under LD_PRELOAD for each
 * case: inert (ZT_NC_NETWORK unset: real TCP and UDP on 127.0.0.1), down (nothing listens:
 * ENETDOWN at once, one message, AF_UNIX and files untouched), version (a service of another
 * protocol version), mock (the library against intercept_mock.c: streams, accept, connect,
 * options, datagrams, dup, fork, and a socket found again by LOOKUP after exec) and gone (the
 * service dies under a running program).  The program is built without sanitizers, like the
 * library: a sanitized program refuses to run with another library preloaded before its
 * runtime.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "intercept_mock.h"
#include "ncproto.h"

extern char **environ;

static int failures;

#define CHECK(cond) check((cond), #cond, __LINE__)

static bool check(bool ok, const char *what, int line)
{
    int e = errno;

    if (!ok) {
        fprintf(stderr, "FAIL line %d: %s (errno %d: %s)\n", line, what, e, strerror(e));
        failures++;
    }
    errno = e;
    return ok;
}

static struct sockaddr_in sin4(const char *ip, int port)
{
    struct sockaddr_in a;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static struct sockaddr_in6 sin6(const char *ip, int port)
{
    struct sockaddr_in6 a;

    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    a.sin6_port = htons((uint16_t)port);
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return a;
}

#define SA(x) ((struct sockaddr *)(x))

static bool is_in4(const struct sockaddr_in *a, const char *ip, int port)
{
    struct sockaddr_in b = sin4(ip, port);

    return a->sin_family == AF_INET && a->sin_port == b.sin_port &&
           a->sin_addr.s_addr == b.sin_addr.s_addr;
}

static bool is_in6(const struct sockaddr_in6 *a, const char *ip, int port)
{
    struct sockaddr_in6 b = sin6(ip, port);

    return a->sin6_family == AF_INET6 && a->sin6_port == b.sin6_port &&
           memcmp(&a->sin6_addr, &b.sin6_addr, 16) == 0;
}

static int int_opt(int fd, int level, int name)
{
    int v = -1000;
    socklen_t len = sizeof(v);

    if (getsockopt(fd, level, name, &v, &len) != 0 || len != sizeof(v))
        return -1000;
    return v;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads exactly |len| bytes from |fd| (waiting with poll when it is non-blocking). */
static bool read_all(int fd, char *buf, size_t len)
{
    size_t off = 0;

    while (off < len) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;

        if (poll(&p, 1, 5000) != 1)
            return false;
        n = read(fd, buf + off, len - off);
        if (n <= 0)
            return false;
        off += (size_t)n;
    }
    return true;
}

static bool echoes(int fd, const char *msg)
{
    char buf[64];
    size_t n = strlen(msg);

    return write(fd, msg, n) == (ssize_t)n && read_all(fd, buf, n) && memcmp(buf, msg, n) == 0;
}

/* ---- cases run under the library ---------------------------------------------------------- */

static bool is_loaded(const char *lib)
{
    const char *base = strrchr(lib, '/') != NULL ? strrchr(lib, '/') + 1 : lib;
    char line[1024];
    bool found = false;
    FILE *f = fopen("/proc/self/maps", "r");

    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        found = found || strstr(line, base) != NULL;
    if (f != NULL)
        fclose(f);
    return found;
}

static void child_inert(void)
{
    struct sockaddr_in a = sin4("127.0.0.1", 0), b, peer;
    socklen_t len = sizeof(b), plen = sizeof(peer);
    char buf[16];
    int l, c, s, u1, u2, one = 1;

    l = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(l >= 0 && setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
    CHECK(bind(l, SA(&a), sizeof(a)) == 0 && listen(l, 4) == 0);
    CHECK(getsockname(l, SA(&b), &len) == 0 && b.sin_port != 0);
    c = socket(AF_INET, SOCK_STREAM, 0);
    errno = EDOM;
    CHECK(connect(c, SA(&b), sizeof(b)) == 0 && errno == EDOM);
    s = accept4(l, SA(&peer), &plen, SOCK_CLOEXEC);
    CHECK(s >= 0 && (fcntl(s, F_GETFD) & FD_CLOEXEC) && plen == sizeof(peer));
    CHECK(send(c, "abc", 3, 0) == 3 && recv(s, buf, sizeof(buf), 0) == 3);
    CHECK(memcmp(buf, "abc", 3) == 0);
    CHECK(int_opt(c, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
    CHECK(int_opt(c, SOL_SOCKET, SO_DOMAIN) == AF_INET);
    CHECK(dup2(c, 100) == 100 && send(100, "d", 1, 0) == 1 && recv(s, buf, 1, 0) == 1);
    errno = EDOM;
    CHECK(close(100) == 0 && close(c) == 0 && close(s) == 0 && close(l) == 0 && errno == EDOM);

    u1 = socket(AF_INET, SOCK_DGRAM, 0);
    u2 = socket(AF_INET, SOCK_DGRAM, 0);
    len = sizeof(b);
    CHECK(bind(u2, SA(&a), sizeof(a)) == 0 && getsockname(u2, SA(&b), &len) == 0);
    CHECK(sendto(u1, "dgram", 5, 0, SA(&b), sizeof(b)) == 5);
    plen = sizeof(peer);
    CHECK(recvfrom(u2, buf, sizeof(buf), 0, SA(&peer), &plen) == 5);
    CHECK(plen == sizeof(peer) && peer.sin_family == AF_INET && memcmp(buf, "dgram", 5) == 0);
    close(u1);
    close(u2);
}

static void child_down(void)
{
    int sp[2], fd;
    char buf[8], path[64];
    double t0 = now_s();

    CHECK(socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == ENETDOWN);
    CHECK(now_s() - t0 < 2.0);
    CHECK(socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0) == -1 && errno == ENETDOWN);
    CHECK(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) == -1 && errno == EPROTONOSUPPORT);
    CHECK(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) == -1 && errno == EPROTONOSUPPORT);
    CHECK(socket(AF_INET6, SOCK_SEQPACKET, 0) == -1 && errno == EPROTONOSUPPORT);
    CHECK(socket(AF_INET, SOCK_STREAM | 0x100000, 0) == -1 && errno == EINVAL);

    /* AF_UNIX and files go on as without the library. */
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(fd >= 0 && int_opt(fd, SOL_SOCKET, SO_TYPE) == SOCK_STREAM && close(fd) == 0);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
    CHECK(int_opt(sp[0], SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
    CHECK(int_opt(sp[0], SOL_SOCKET, SO_DOMAIN) == AF_UNIX);
    CHECK(send(sp[0], "u", 1, 0) == 1 && recv(sp[1], buf, 1, 0) == 1 && buf[0] == 'u');
    close(sp[0]);
    close(sp[1]);
    snprintf(path, sizeof(path), "/tmp/zt_icpt_file_%d", (int)getpid());
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && write(fd, "file", 4) == 4 && lseek(fd, 0, SEEK_SET) == 0);
    CHECK(read(fd, buf, 4) == 4 && memcmp(buf, "file", 4) == 0 && close(fd) == 0);
    unlink(path);
    CHECK(socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == ENETDOWN);
}

static void child_version(void)
{
    CHECK(socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == ENETDOWN);
}

/* A stream listener: bind, names, listen, accept4.  Returns the listener. */
static int mock_listen(void)
{
    struct sockaddr_in a = sin4("10.0.0.5", 0), b, peer;
    struct sockaddr_in6 any6 = sin6("::", 0);
    socklen_t len, plen;
    int l, s, c;
    char buf[8];

    l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(l >= 0 && (fcntl(l, F_GETFD) & FD_CLOEXEC) && !(fcntl(l, F_GETFL) & O_NONBLOCK));
    CHECK(int_opt(l, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
    CHECK(int_opt(l, SOL_SOCKET, SO_DOMAIN) == AF_INET);
    CHECK(int_opt(l, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP);
    CHECK(int_opt(l, SOL_SOCKET, SO_ACCEPTCONN) == 0);
    len = sizeof(b);
    CHECK(getsockname(l, SA(&b), &len) == 0 && len == sizeof(b) && is_in4(&b, "0.0.0.0", 0));
    errno = EDOM;
    CHECK(bind(l, SA(&a), sizeof(a)) == 0 && errno == EDOM);
    len = sizeof(b);
    CHECK(getsockname(l, SA(&b), &len) == 0 && b.sin_port != 0);
    memset(&peer, 0xee, sizeof(peer));
    len = 4; /* truncated: 4 bytes written, the full length returned */
    CHECK(getsockname(l, SA(&peer), &len) == 0 && len == sizeof(peer));
    CHECK(memcmp(&peer, &b, 4) == 0 && ((unsigned char *)&peer)[4] == 0xee);
    a.sin_port = htons(1);
    c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(bind(c, SA(&a), sizeof(a)) == -1 && errno == EADDRINUSE);
    CHECK(bind(c, SA(&any6), sizeof(any6)) == -1 && errno == EAFNOSUPPORT);
    CHECK(bind(c, SA(&a), 8) == -1 && errno == EINVAL);
    CHECK(accept(c, NULL, NULL) == -1 && errno == EINVAL); /* not listening */
    close(c);
    errno = EDOM;
    CHECK(listen(l, 8) == 0 && errno == EDOM && int_opt(l, SOL_SOCKET, SO_ACCEPTCONN) == 1);
    plen = sizeof(peer);
    s = accept4(l, SA(&peer), &plen, SOCK_NONBLOCK);
    CHECK(s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK) && !(fcntl(s, F_GETFD) & FD_CLOEXEC));
    CHECK(plen == sizeof(peer) && is_in4(&peer, "10.9.8.7", 5555));
    CHECK(read_all(s, buf, 2) && memcmp(buf, "hi", 2) == 0 && echoes(s, "ping"));
    CHECK(int_opt(s, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
    plen = sizeof(peer);
    CHECK(getpeername(s, SA(&peer), &plen) == 0 && is_in4(&peer, "10.9.8.7", 5555));
    CHECK(fcntl(l, F_SETFL, O_NONBLOCK) == 0);
    CHECK(accept(l, NULL, NULL) == -1 && errno == EAGAIN);
    close(s);
    return l;
}

/* Streams: connect both ways, options, an IPv6 listener, dup (|l| is a listener). */
static void mock_connect(int l)
{
    struct sockaddr_in b = sin4("10.0.0.9", 80), peer;
    struct sockaddr_in6 p6, any6 = sin6("::", 0);
    socklen_t len, plen;
    int c, n, l6, d, v = 1;
    char buf[8];

    /* Blocking: a connection of its own, the outcome as errno. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    errno = EDOM;
    CHECK(connect(c, SA(&b), sizeof(b)) == 0 && errno == EDOM);
    plen = sizeof(peer);
    CHECK(getpeername(c, SA(&peer), &plen) == 0 && is_in4(&peer, "10.0.0.9", 80));
    CHECK(echoes(c, "tcp"));
    CHECK(sendto(c, "x", 1, 0, SA(&b), sizeof(b)) == 1 && read_all(c, buf, 1)); /* ignored */
    n = socket(AF_INET, SOCK_STREAM, 0);
    b.sin_port = htons(1);
    CHECK(connect(n, SA(&b), sizeof(b)) == -1 && errno == ECONNREFUSED);
    close(n);

    /* Non-blocking: EINPROGRESS, writable at once, SO_ERROR waits for the outcome. */
    n = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(connect(n, SA(&b), sizeof(b)) == -1 && errno == EINPROGRESS);
    CHECK(int_opt(n, SOL_SOCKET, SO_ERROR) == ECONNREFUSED);
    CHECK(int_opt(n, SOL_SOCKET, SO_ERROR) == 0);
    close(n);
    n = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    b.sin_port = htons(443);
    CHECK(connect(n, SA(&b), sizeof(b)) == -1 && errno == EINPROGRESS);
    CHECK(poll(&(struct pollfd){n, POLLOUT, 0}, 1, 1000) == 1);
    CHECK(int_opt(n, SOL_SOCKET, SO_ERROR) == 0 && echoes(n, "nb"));
    close(n);

    /* Options: the service's, the kernel's, and unknown ones. */
    CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) == 0);
    CHECK(int_opt(c, IPPROTO_TCP, TCP_NODELAY) == 1);
    len = 2; /* truncated as the service sent it */
    CHECK(getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && len == 2);
    CHECK(getsockopt(c, 999, 1, &v, &(socklen_t){4}) == -1 && errno == ENOPROTOOPT);
    CHECK(setsockopt(c, 999, 1, &v, sizeof(v)) == -1 && errno == ENOPROTOOPT);
    v = 8192;
    CHECK(setsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == 0);
    CHECK(int_opt(c, SOL_SOCKET, SO_RCVBUF) >= 8192); /* the kernel's: the mock knows none */

    /* An IPv6 listener gets sockaddr_in6, the IPv4 peer mapped. */
    l6 = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK(bind(l6, SA(&any6), sizeof(any6)) == 0 && listen(l6, 1) == 0);
    plen = sizeof(p6);
    d = accept(l6, SA(&p6), &plen);
    CHECK(d >= 0 && plen == sizeof(p6) && is_in6(&p6, "::ffff:10.9.8.7", 5555));
    CHECK((fcntl(d, F_GETFD) & FD_CLOEXEC) == 0 && read_all(d, buf, 2));
    close(d);
    close(l6);

    /* dup: the copy is the same socket; dup2 onto it replaces it. */
    d = dup(c);
    CHECK(d >= 0 && int_opt(d, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
    CHECK(close(c) == 0 && echoes(d, "dup"));
    CHECK(dup2(l, d) == d && int_opt(d, SOL_SOCKET, SO_ACCEPTCONN) == 1);
    close(d);
}

/* Datagrams: records added and stripped, truncation, connect, errors. */
static void mock_dgram(void)
{
    struct sockaddr_in6 d6 = sin6("fd00::1", 53), from, c6 = sin6("fd00::2", 7);
    struct sockaddr_in d4 = sin4("10.1.1.1", 7), f4;
    socklen_t fl = sizeof(from);
    char buf[64];
    struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
    struct msghdr m;
    int u, u4, d;

    u = socket(AF_INET6, SOCK_DGRAM, 0);
    CHECK(int_opt(u, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM);
    CHECK(int_opt(u, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_UDP);
    CHECK(int_opt(u, SOL_SOCKET, SO_DOMAIN) == AF_INET6);
    CHECK(send(u, "x", 1, 0) == -1 && errno == EDESTADDRREQ);
    CHECK(sendto(u, "x", 1, 0, NULL, 0) == -1 && errno == EDESTADDRREQ);
    errno = EDOM;
    CHECK(sendto(u, "hello", 5, 0, SA(&d6), sizeof(d6)) == 5 && errno == EDOM);
    CHECK(recvfrom(u, buf, sizeof(buf), 0, SA(&from), &fl) == 5 && errno == EDOM);
    CHECK(memcmp(buf, "hello", 5) == 0 && fl == sizeof(from) && is_in6(&from, "fd00::1", 53));

    CHECK(sendto(u, "0123456789", 10, 0, SA(&d6), sizeof(d6)) == 10);
    CHECK(recvfrom(u, buf, 4, 0, NULL, NULL) == 4 && memcmp(buf, "0123", 4) == 0);
    CHECK(sendto(u, "0123456789", 10, 0, SA(&d6), sizeof(d6)) == 10);
    memset(&m, 0, sizeof(m));
    m.msg_name = &from;
    m.msg_namelen = sizeof(from);
    m.msg_iov = &(struct iovec){buf, 4};
    m.msg_iovlen = 1;
    CHECK(recvmsg(u, &m, 0) == 4 && (m.msg_flags & MSG_TRUNC));
    CHECK(m.msg_namelen == sizeof(from) && is_in6(&from, "fd00::1", 53));
    CHECK(sendto(u, "0123456789", 10, 0, SA(&d6), sizeof(d6)) == 10);
    CHECK(recv(u, buf, 4, MSG_TRUNC) == 10);

    memset(&m, 0, sizeof(m));
    m.msg_name = &d6;
    m.msg_namelen = sizeof(d6);
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    CHECK(sendmsg(u, &m, 0) == 4 && recv(u, buf, sizeof(buf), 0) == 4);
    CHECK(memcmp(buf, "abcd", 4) == 0);
    CHECK(sendto(u, "v4", 2, 0, SA(&d4), sizeof(d4)) == 2); /* mapped on an IPv6 socket */
    fl = sizeof(from);
    CHECK(recvfrom(u, buf, sizeof(buf), 0, SA(&from), &fl) == 2);
    CHECK(is_in6(&from, "::ffff:10.1.1.1", 7));
    CHECK(sendto(u, "peek", 4, 0, SA(&d6), sizeof(d6)) == 4);
    CHECK(recv(u, buf, sizeof(buf), MSG_PEEK) == 4 && recv(u, buf, sizeof(buf), 0) == 4);
    CHECK(recv(u, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN);

    /* Connected: bare datagrams, the peer as the source, no other destination. */
    errno = EDOM;
    CHECK(connect(u, SA(&c6), sizeof(c6)) == 0 && errno == EDOM);
    fl = sizeof(from);
    CHECK(getpeername(u, SA(&from), &fl) == 0 && is_in6(&from, "fd00::2", 7));
    CHECK(send(u, "bare", 4, 0) == 4 && read_all(u, buf, 4) && memcmp(buf, "bare", 4) == 0);
    CHECK(send(u, "again", 5, 0) == 5);
    fl = sizeof(from);
    memset(&from, 0, sizeof(from));
    CHECK(recvfrom(u, buf, sizeof(buf), 0, SA(&from), &fl) == 5 && is_in6(&from, "fd00::2", 7));
    CHECK(sendto(u, "x", 1, 0, SA(&c6), sizeof(c6)) == 1 && recv(u, buf, 1, 0) == 1);
    c6.sin6_port = htons(8);
    CHECK(sendto(u, "x", 1, 0, SA(&c6), sizeof(c6)) == -1 && errno == EISCONN);

    u4 = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(sendto(u4, "x", 1, 0, SA(&d6), sizeof(d6)) == -1 && errno == EAFNOSUPPORT);
    CHECK(sendto(u4, "x", 1, 0, SA(&d4), 4) == -1 && errno == EINVAL);
    d = dup(u4);
    CHECK(sendto(d, "dup", 3, 0, SA(&d4), sizeof(d4)) == 3);
    fl = sizeof(f4);
    CHECK(recvfrom(u4, buf, sizeof(buf), 0, SA(&f4), &fl) == 3 && is_in4(&f4, "10.1.1.1", 7));
    CHECK(dup2(u, d) == d && send(d, "c", 1, 0) == 1 && recv(u, buf, 1, 0) == 1);
    close(d);
    close(u4);
    close(u);
}

/* Descriptor numbers far beyond the first chunks of the table (when the limits allow). */
static void mock_high_fd(void)
{
    struct sockaddr_in to = sin4("10.3.3.3", 33), from;
    struct rlimit rl;
    socklen_t fl = sizeof(from);
    int u = socket(AF_INET, SOCK_DGRAM, 0), hi = 5000;
    char buf[8];

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_max <= (rlim_t)hi + 1)
        return;
    rl.rlim_cur = rl.rlim_max;
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0 && dup2(u, hi) == hi && close(u) == 0);
    CHECK(int_opt(hi, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM);
    CHECK(sendto(hi, "far", 3, 0, SA(&to), sizeof(to)) == 3);
    CHECK(recvfrom(hi, buf, sizeof(buf), 0, SA(&from), &fl) == 3 && is_in4(&from, "10.3.3.3", 33));
    close(hi);
    CHECK(int_opt(hi, SOL_SOCKET, SO_TYPE) == -1000 && errno == EBADF);
}

/* fork: the child opens its own control connection; the parent's goes on. */
static void mock_fork(void)
{
    int u = socket(AF_INET, SOCK_DGRAM, 0), status = -1;
    pid_t pid = fork();

    if (pid == 0) {
        struct sockaddr_in a;
        socklen_t len = sizeof(a);
        int s = socket(AF_INET, SOCK_STREAM, 0);

        _exit(s >= 0 && int_opt(u, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM &&
                      getsockname(u, SA(&a), &len) == 0
                  ? 0
                  : 1);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0);
    CHECK(socket(AF_INET, SOCK_STREAM, 0) >= 0);
    close(u);
}

/* exec: the new image has an empty table; LOOKUP finds the inherited socket. */
static void mock_exec(const char *lib)
{
    struct sockaddr_in a = sin4("10.0.0.5", 9999);
    int u = socket(AF_INET, SOCK_DGRAM, 0), status = -1;
    char arg[16];
    pid_t pid;

    CHECK(bind(u, SA(&a), sizeof(a)) == 0);
    snprintf(arg, sizeof(arg), "%d", u);
    pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", "test_intercept", "child", "lookup", lib, arg, (char *)NULL);
        _exit(127);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0);
    close(u);
}

static void child_lookup(int u)
{
    struct sockaddr_in a, to = sin4("10.0.0.8", 1);
    socklen_t len = sizeof(a);
    char buf[8];
    int sp[2], d;

    CHECK(int_opt(u, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM);
    CHECK(int_opt(u, SOL_SOCKET, SO_DOMAIN) == AF_INET);
    CHECK(getsockname(u, SA(&a), &len) == 0 && is_in4(&a, "10.0.0.5", 9999));
    CHECK(sendto(u, "lk", 2, 0, SA(&to), sizeof(to)) == 2);
    len = sizeof(a);
    CHECK(recvfrom(u, buf, sizeof(buf), 0, SA(&a), &len) == 2 && is_in4(&a, "10.0.0.8", 1));
    d = fcntl(u, F_DUPFD, 50); /* behind the library's back */
    CHECK(d >= 50 && int_opt(d, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_UDP);
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) == 0);
    CHECK(int_opt(sp[0], SOL_SOCKET, SO_TYPE) == SOCK_DGRAM); /* not ours: the kernel's */
    CHECK(int_opt(sp[0], SOL_SOCKET, SO_DOMAIN) == AF_UNIX);
}

static void child_mock(const char *lib)
{
    int l = mock_listen();

    mock_connect(l);
    close(l);
    mock_dgram();
    mock_high_fd();
    mock_fork();
    mock_exec(lib);
}

/* The service dies while the program runs: errors, never a hang. */
static void child_gone(void)
{
    struct sockaddr_in a = sin4("10.0.0.5", 80);
    int l = socket(AF_INET, SOCK_STREAM, 0), s, die = 1;
    double t0;
    char buf[4];

    CHECK(bind(l, SA(&a), sizeof(a)) == 0 && listen(l, 1) == 0);
    s = accept(l, NULL, NULL);
    CHECK(s >= 0 && read_all(s, buf, 2));
    CHECK(setsockopt(s, 777, 1, &die, sizeof(die)) == 0);
    t0 = now_s();
    CHECK(socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == ENETDOWN);
    CHECK(int_opt(s, SOL_SOCKET, SO_ERROR) == ENETDOWN);
    CHECK(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &die, &(socklen_t){4}) == -1 &&
          errno == ENETDOWN);
    CHECK(read(s, buf, sizeof(buf)) == 0);
    CHECK(accept(l, NULL, NULL) == -1 && errno == EINVAL);
    CHECK(now_s() - t0 < 2.0);
}

static int child_main(int argc, char **argv)
{
    const char *name = argv[2], *lib = argc > 3 ? argv[3] : "";

    if (!CHECK(is_loaded(lib)))
        return 1;
    if (strcmp(name, "inert") == 0)
        child_inert();
    else if (strcmp(name, "down") == 0)
        child_down();
    else if (strcmp(name, "version") == 0)
        child_version();
    else if (strcmp(name, "mock") == 0)
        child_mock(lib);
    else if (strcmp(name, "lookup") == 0 && argc > 4)
        child_lookup((int)strtol(argv[4], NULL, 10));
    else if (strcmp(name, "gone") == 0)
        child_gone();
    else
        return 2;
    return failures == 0 ? 0 : 1;
}

/* ---- the driver --------------------------------------------------------------------------- */

/* Runs case |name| under LD_PRELOAD=|lib| with ZT_NC_NETWORK=|net| (NULL: unset), its stderr
 * in |err|.  Returns its exit status, or -1. */
static int run_child(const char *lib, const char *net, const char *name, char *err,
                     size_t errsz)
{
    char *env[256], pre[4200], nc[4200];
    size_t n = 0, off = 0;
    int p[2], status = -1;
    pid_t pid;

    snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", lib);
    snprintf(nc, sizeof(nc), "ZT_NC_NETWORK=%s", net != NULL ? net : "");
    for (char **e = environ; *e != NULL && n < 250; e++)
        if (strncmp(*e, "LD_PRELOAD=", 11) != 0 && strncmp(*e, "ZT_NC_NETWORK=", 14) != 0)
            env[n++] = *e;
    env[n++] = pre;
    if (net != NULL)
        env[n++] = nc;
    env[n] = NULL;
    if (pipe(p) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(p[1], STDERR_FILENO);
        close(p[0]);
        close(p[1]);
        alarm(30);
        execle("/proc/self/exe", "test_intercept", "child", name, lib, (char *)NULL, env);
        _exit(127);
    }
    close(p[1]);
    for (;;) {
        ssize_t r = read(p[0], err + off, errsz - 1 - off);

        if (r <= 0)
            break;
        off += (size_t)r;
        if (off == errsz - 1)
            break;
    }
    err[off] = '\0';
    close(p[0]);
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int count_lines(const char *text, const char *prefix)
{
    int n = 0;

    for (const char *p = text; (p = strstr(p, prefix)) != NULL; p++)
        n++;
    return n;
}

static void run_case(const char *lib, const char *net, const char *name, const char *complaint)
{
    char err[16384];
    int rv = run_child(lib, net, name, err, sizeof(err));
    bool ok = rv == 0;

    if (complaint != NULL) {
        ok = ok && count_lines(err, "libztintercept:") == 1 && strstr(err, complaint) != NULL;
    } else {
        ok = ok && strstr(err, "libztintercept:") == NULL;
    }
    printf("%s - %s\n", ok ? "ok" : "not ok", name);
    if (!ok) {
        fprintf(stderr, "case %s: exit %d, stderr:\n%s\n", name, rv, err);
        failures++;
    }
}

static const char *const intercepted[] = {
    "socket",     "bind",     "listen",  "accept",   "accept4", "connect",  "getsockname",
    "getpeername", "setsockopt", "getsockopt", "shutdown", "close", "dup", "dup2",
    "dup3",       "sendto",   "recvfrom", "sendmsg", "recvmsg", "send",     "recv",
    "__recv_chk", "__recvfrom_chk"};
#define NINTERCEPTED (sizeof(intercepted) / sizeof(intercepted[0]))

static bool is_intercepted(const char *name)
{
    for (size_t i = 0; i < NINTERCEPTED; i++)
        if (strcmp(name, intercepted[i]) == 0)
            return true;
    return false;
}

/* nm -D --defined-only shows exactly the intercepted functions. */
static bool exports_ok(const char *lib, const char *nm)
{
    char cmd[8400], line[512], name[256], type;
    size_t seen = 0;
    bool ok = true;
    FILE *f;

    snprintf(cmd, sizeof(cmd), "'%s' -D --defined-only '%s'", nm, lib);
    f = popen(cmd, "r");
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "%*s %c %255s", &type, name) != 2)
            continue;
        name[strcspn(name, "@")] = '\0';
        if (!is_intercepted(name)) {
            fprintf(stderr, "unexpected export: %s", line);
            ok = false;
        }
        seen += is_intercepted(name);
    }
    return f != NULL && pclose(f) == 0 && ok && seen == NINTERCEPTED;
}

/* No relocation names an intercepted function: the library calls none of them by name, which
 * would come back into itself through the PLT (libc's go through dlsym). */
static bool no_self_calls(const char *lib, const char *readelf)
{
    char cmd[8400], line[512], name[256];
    bool ok = true;
    FILE *f;

    snprintf(cmd, sizeof(cmd), "'%s' -rW '%s'", readelf, lib);
    f = popen(cmd, "r");
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "%*s %*s %*s %*s %255s", name) != 1)
            continue;
        name[strcspn(name, "@")] = '\0';
        if (is_intercepted(name)) {
            fprintf(stderr, "relocation against an intercepted function: %s", line);
            ok = false;
        }
    }
    return f != NULL && pclose(f) == 0 && ok;
}

static void check_symbols(const char *lib, const char *nm, const char *readelf)
{
    bool ok = exports_ok(lib, nm);

    ok = no_self_calls(lib, readelf) && ok;

    printf("%s - symbols\n", ok ? "ok" : "not ok");
    if (!ok)
        failures++;
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/zt_icpt_XXXXXX", missing[128], sock[128], complaint[256];
    mock *m;

    if (argc >= 3 && strcmp(argv[1], "child") == 0)
        return child_main(argc, argv);
    if (argc != 4) {
        fprintf(stderr, "usage: test_intercept <libztintercept.so> <nm> <readelf>\n");
        return 2;
    }
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(missing, sizeof(missing), "%s/nc_missing", dir);
    snprintf(sock, sizeof(sock), "%s/nc_mock", dir);

    check_symbols(argv[1], argv[2], argv[3]);
    run_case(argv[1], NULL, "inert", NULL);
    run_case(argv[1], "", "inert", NULL);
    snprintf(complaint, sizeof(complaint), "cannot reach zt-service at %s: No such file", missing);
    run_case(argv[1], missing, "down", complaint);

    m = mock_start(sock, 99);
    run_case(argv[1], sock, "version", "speaks protocol version 99");
    CHECK(m != NULL && mock_stop(m) == 0);

    m = mock_start(sock, ZT_NC_VERSION);
    run_case(argv[1], sock, "mock", NULL);
    CHECK(m != NULL && mock_stop(m) == 0);

    m = mock_start(sock, ZT_NC_VERSION);
    snprintf(complaint, sizeof(complaint), "cannot reach zt-service at %s: ", sock);
    run_case(argv[1], sock, "gone", complaint);
    CHECK(m != NULL && mock_stop(m) == 0);

    unlink(sock);
    rmdir(dir);
    printf("%s\n", failures == 0 ? "all passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
