/*
 * loop.c: epoll + timerfd + eventfd (loop.h).  Watched descriptors live in a fixed table;
 * epoll's user data points at the table slot, and a slot freed during an iteration is only
 * reused by the next one, so a late event for a removed descriptor finds a dead slot, not a
 * new owner.
 */
#include "io/loop.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define LOOP_BATCH 32

typedef struct loop_slot {
    int fd;            /* -1: free */
    bool is_dead;      /* removed during this iteration: keep it out of reuse until the next */
    zt_loop_fd_cb cb;
    void *arg;
} loop_slot;

struct zt_loop {
    int epfd, timerfd, wakefd;
    zt_loop_cb on_timer, on_wakeup;
    void *arg;
    atomic_bool is_stopping;
    loop_slot slots[ZT_LOOP_MAX_FDS];
    /* Markers for the loop's own descriptors in epoll's user data. */
    char timer_tag, wake_tag;
};

int zt__loop_new(zt_loop **ploop, zt_loop_cb on_timer, zt_loop_cb on_wakeup, void *arg)
{
    struct epoll_event ev;
    zt_loop *loop;
    int rv = ZT_ERR_IO, saved;

    loop = calloc(1, sizeof(*loop));
    if (loop == NULL)
        return ZT_ERR_NOMEM;
    loop->epfd = loop->timerfd = loop->wakefd = -1;
    loop->on_timer = on_timer;
    loop->on_wakeup = on_wakeup;
    loop->arg = arg;
    atomic_init(&loop->is_stopping, false);
    for (size_t i = 0; i < ZT_LOOP_MAX_FDS; i++)
        loop->slots[i].fd = -1;

    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0)
        goto out;
    loop->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (loop->timerfd < 0)
        goto out;
    loop->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->wakefd < 0)
        goto out;

    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = &loop->timer_tag;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->timerfd, &ev) != 0)
        goto out;
    ev.data.ptr = &loop->wake_tag;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->wakefd, &ev) != 0)
        goto out;

    *ploop = loop;
    loop = NULL;
    rv = 0;
out:
    saved = errno;
    zt__loop_del(loop);
    errno = saved;
    return rv;
}

void zt__loop_del(zt_loop *loop)
{
    if (loop == NULL)
        return;
    if (loop->wakefd >= 0)
        close(loop->wakefd);
    if (loop->timerfd >= 0)
        close(loop->timerfd);
    if (loop->epfd >= 0)
        close(loop->epfd);
    free(loop);
}

int zt__loop_add(zt_loop *loop, int fd, zt_loop_fd_cb cb, void *arg)
{
    struct epoll_event ev;
    loop_slot *free_slot = NULL;

    for (size_t i = 0; i < ZT_LOOP_MAX_FDS; i++) {
        loop_slot *s = &loop->slots[i];
        if (s->fd == fd && !s->is_dead)
            return ZT_ERR_EXISTS;
        if (s->fd < 0 && !s->is_dead && free_slot == NULL)
            free_slot = s;
    }
    if (free_slot == NULL)
        return ZT_ERR_LIMIT;

    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = free_slot;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        return errno == EEXIST ? ZT_ERR_EXISTS : ZT_ERR_IO;
    free_slot->fd = fd;
    free_slot->cb = cb;
    free_slot->arg = arg;
    return 0;
}

int zt__loop_remove(zt_loop *loop, int fd)
{
    for (size_t i = 0; i < ZT_LOOP_MAX_FDS; i++) {
        loop_slot *s = &loop->slots[i];
        if (s->fd == fd && !s->is_dead) {
            (void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
            s->fd = -1;
            s->is_dead = true;
            s->cb = NULL;
            s->arg = NULL;
            return 0;
        }
    }
    return ZT_ERR_NOTFOUND;
}

int zt__loop_want_write(zt_loop *loop, int fd, bool want)
{
    for (size_t i = 0; i < ZT_LOOP_MAX_FDS; i++) {
        loop_slot *s = &loop->slots[i];
        struct epoll_event ev;
        if (s->fd != fd || s->is_dead)
            continue;
        memset(&ev, 0, sizeof(ev));
        ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
        ev.data.ptr = s;
        return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) == 0 ? 0 : ZT_ERR_IO;
    }
    return ZT_ERR_NOTFOUND;
}

int zt__loop_set_timer(zt_loop *loop, int64_t deadline_ms)
{
    struct itimerspec its;

    memset(&its, 0, sizeof(its));
    if (deadline_ms != ZT_LOOP_NEVER) {
        if (deadline_ms < 0)
            deadline_ms = 0;
        its.it_value.tv_sec = (time_t)(deadline_ms / 1000);
        its.it_value.tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
        /* An all-zero it_value disarms: make "the epoch" mean "as soon as possible". */
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
            its.it_value.tv_nsec = 1;
    }
    if (timerfd_settime(loop->timerfd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
        return ZT_ERR_IO;
    return 0;
}

int zt__loop_wakeup(zt_loop *loop)
{
    uint64_t one = 1;
    int saved = errno;
    ssize_t n;

    do
        n = write(loop->wakefd, &one, sizeof(one));
    while (n < 0 && errno == EINTR);
    /* EAGAIN means the counter is saturated: a wakeup is pending anyway. */
    if (n < 0 && errno != EAGAIN) {
        errno = saved;
        return ZT_ERR_IO;
    }
    errno = saved;
    return 0;
}

void zt__loop_stop(zt_loop *loop)
{
    atomic_store(&loop->is_stopping, true);
    (void)zt__loop_wakeup(loop);
}

bool zt__loop_is_stopping(const zt_loop *loop)
{
    return atomic_load(&((zt_loop *)loop)->is_stopping);
}

/* Drains a counter descriptor (timerfd or eventfd); both hold one 8-byte value. */
static void drain(int fd)
{
    uint64_t v;
    ssize_t n;

    do
        n = read(fd, &v, sizeof(v));
    while (n < 0 && errno == EINTR);
}

int zt__loop_run(zt_loop *loop)
{
    struct epoll_event evs[LOOP_BATCH];

    while (!atomic_load(&loop->is_stopping)) {
        int n = epoll_wait(loop->epfd, evs, LOOP_BATCH, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ZT_ERR_IO;
        }
        for (int i = 0; i < n && !atomic_load(&loop->is_stopping); i++) {
            void *p = evs[i].data.ptr;
            if (p == &loop->timer_tag) {
                drain(loop->timerfd);
                if (loop->on_timer != NULL)
                    loop->on_timer(loop, loop->arg);
            } else if (p == &loop->wake_tag) {
                drain(loop->wakefd);
                if (loop->on_wakeup != NULL)
                    loop->on_wakeup(loop, loop->arg);
            } else {
                loop_slot *s = p;
                if (s->fd >= 0 && !s->is_dead)
                    s->cb(loop, s->fd, s->arg);
            }
        }
        for (size_t i = 0; i < ZT_LOOP_MAX_FDS; i++)
            loop->slots[i].is_dead = false;
    }
    return 0;
}
