/*
 * fdtable.c: descriptor number -> virtual socket (docs/intercept.md, "The descriptor table").
 *
 * Any descriptor number can be tracked, so the table grows with the highest number it has
 * held (the kernel bounds those by RLIMIT_NOFILE).  It is a directory of fixed chunks of
 * slots.  The data calls read one byte per call without a lock (zt__icpt_fd_peek): chunks are
 * never freed, and a directory replaced by a bigger one is kept (its chunks are shared with the
 * new one), so a reader holding an old pointer reads valid memory.  Everything else happens
 * under one mutex, held only for table work, never across a request to the service.
 *
 * The mutex is an error-checking one: a signal handler that calls close() while its thread is
 * inside the table gets EDEADLK instead of a deadlock, and the table work is skipped (a stale
 * entry left that way is caught by the fstat checks in lookup.c).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "intercept.h"

#define CHUNK_BITS 8
#define CHUNK_SLOTS (1u << CHUNK_BITS)

typedef struct slot {
    atomic_uchar peek; /* ZT_ICPT_PEEK_*; the rest is guarded by |lock| */
    zt_icpt_sock s;
} slot;

typedef struct directory {
    struct directory *older; /* replaced directories, kept for lock-free readers */
    size_t nchunks;
    slot *_Atomic chunks[];
} directory;

static pthread_mutex_t lock = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static directory *_Atomic dir;
static int high; /* one past the highest descriptor ever given an entry */
static bool is_fork_locked;

static bool lock_table(void)
{
    return pthread_mutex_lock(&lock) == 0;
}

static void unlock_table(void)
{
    pthread_mutex_unlock(&lock);
}

static uint8_t peek_of(const zt_icpt_sock *s)
{
    if (s->id == 0)
        return ZT_ICPT_PEEK_PRESENT | ZT_ICPT_CLASS_NONE;
    if (s->type == SOCK_STREAM)
        return ZT_ICPT_PEEK_PRESENT | ZT_ICPT_CLASS_STREAM;
    if (s->state & ZT_NC_STATE_CONNECTED)
        return ZT_ICPT_PEEK_PRESENT | ZT_ICPT_CLASS_DGRAM_CONN;
    return ZT_ICPT_PEEK_PRESENT | ZT_ICPT_CLASS_DGRAM;
}

/* Under |lock|.  The slot of |fd|, or NULL when it has none and |is_create| is false or memory
 * runs out. */
static slot *slot_at(int fd, bool is_create)
{
    directory *d = atomic_load_explicit(&dir, memory_order_relaxed);
    size_t i = (size_t)fd >> CHUNK_BITS;
    slot *c;

    if (fd < 0)
        return NULL;
    if (d == NULL || i >= d->nchunks) {
        directory *nd;
        size_t n = d != NULL ? d->nchunks * 2 : 4;

        if (!is_create)
            return NULL;
        while (n <= i)
            n *= 2;
        nd = calloc(1, sizeof(*nd) + n * sizeof(nd->chunks[0]));
        if (nd == NULL)
            return NULL;
        nd->nchunks = n;
        nd->older = d;
        for (size_t k = 0; d != NULL && k < d->nchunks; k++)
            atomic_init(&nd->chunks[k], atomic_load_explicit(&d->chunks[k], memory_order_relaxed));
        for (size_t k = d != NULL ? d->nchunks : 0; k < n; k++)
            atomic_init(&nd->chunks[k], NULL);
        atomic_store_explicit(&dir, nd, memory_order_release);
        d = nd;
    }
    c = atomic_load_explicit(&d->chunks[i], memory_order_relaxed);
    if (c == NULL) {
        if (!is_create)
            return NULL;
        c = calloc(CHUNK_SLOTS, sizeof(*c));
        if (c == NULL)
            return NULL;
        atomic_store_explicit(&d->chunks[i], c, memory_order_release);
    }
    return &c[(unsigned)fd & (CHUNK_SLOTS - 1)];
}

uint8_t zt__icpt_fd_peek(int fd)
{
    directory *d = atomic_load_explicit(&dir, memory_order_acquire);
    size_t i = (size_t)fd >> CHUNK_BITS;
    slot *c;

    if (fd < 0 || d == NULL || i >= d->nchunks)
        return 0;
    c = atomic_load_explicit(&d->chunks[i], memory_order_acquire);
    if (c == NULL)
        return 0;
    return atomic_load_explicit(&c[(unsigned)fd & (CHUNK_SLOTS - 1)].peek, memory_order_acquire);
}

bool zt__icpt_fd_get(int fd, zt_icpt_sock *s)
{
    bool has = false;
    slot *sl;

    if (zt__icpt_fd_peek(fd) == 0 || !lock_table())
        return false;
    sl = slot_at(fd, false);
    if (sl != NULL && atomic_load_explicit(&sl->peek, memory_order_relaxed) != 0) {
        *s = sl->s;
        has = true;
    }
    unlock_table();
    return has;
}

int zt__icpt_fd_put(int fd, const zt_icpt_sock *s)
{
    int saved = errno, rv = 0;
    slot *sl;

    if (!lock_table())
        return -EDEADLK;
    sl = slot_at(fd, true);
    if (sl == NULL) {
        rv = -ENOMEM;
    } else {
        sl->s = *s;
        atomic_store_explicit(&sl->peek, peek_of(s), memory_order_release);
        if (fd >= high)
            high = fd + 1;
    }
    unlock_table();
    errno = saved; /* calloc's ENOMEM is returned, not left behind */
    return rv;
}

void zt__icpt_fd_drop(int fd)
{
    slot *sl;

    if (zt__icpt_fd_peek(fd) == 0 || !lock_table())
        return;
    sl = slot_at(fd, false);
    if (sl != NULL) {
        atomic_store_explicit(&sl->peek, 0, memory_order_release);
        memset(&sl->s, 0, sizeof(sl->s));
    }
    unlock_table();
}

void zt__icpt_fd_dup(int oldfd, int newfd)
{
    int saved = errno;
    slot *from, *to;

    if (oldfd == newfd || (zt__icpt_fd_peek(oldfd) == 0 && zt__icpt_fd_peek(newfd) == 0) ||
        !lock_table())
        return;
    from = slot_at(oldfd, false);
    if (from != NULL && atomic_load_explicit(&from->peek, memory_order_relaxed) != 0) {
        to = slot_at(newfd, true);
        if (to != NULL) {
            from->s.is_shared = true;
            to->s = from->s;
            atomic_store_explicit(&to->peek, peek_of(&to->s), memory_order_release);
            if (newfd >= high)
                high = newfd + 1;
        }
        /* out of memory: |newfd| stays unknown; a control call on it finds it by LOOKUP */
    } else {
        to = slot_at(newfd, false);
        if (to != NULL) {
            atomic_store_explicit(&to->peek, 0, memory_order_release);
            memset(&to->s, 0, sizeof(to->s));
        }
    }
    unlock_table();
    errno = saved;
}

static void update_slot(slot *sl, const zt_icpt_sock *s)
{
    zt_icpt_sock *t = &sl->s;

    if (atomic_load_explicit(&sl->peek, memory_order_relaxed) == 0 || t->id != s->id ||
        t->dev != s->dev || t->ino != s->ino)
        return;
    t->state = s->state;
    t->is_connect_pending = s->is_connect_pending;
    t->has_peer = s->has_peer;
    t->peer = s->peer;
    t->is_shared = t->is_shared || s->is_shared;
    atomic_store_explicit(&sl->peek, peek_of(t), memory_order_release);
}

void zt__icpt_fd_update(int fd, const zt_icpt_sock *s)
{
    bool is_shared = s->is_shared;
    slot *sl;

    if (!lock_table())
        return;
    sl = slot_at(fd, false);
    if (sl != NULL) {
        is_shared = is_shared || sl->s.is_shared;
        update_slot(sl, s);
    }
    /* Duplicates are rare and so are state changes: a scan is fine. */
    for (int i = 0; is_shared && i < high; i++) {
        if (i == fd || zt__icpt_fd_peek(i) == 0)
            continue;
        sl = slot_at(i, false);
        if (sl != NULL)
            update_slot(sl, s);
    }
    unlock_table();
}

void zt__icpt_fd_fork_prepare(void)
{
    is_fork_locked = lock_table();
}

void zt__icpt_fd_fork_parent(void)
{
    if (is_fork_locked)
        unlock_table();
    is_fork_locked = false;
}

/* The child's only thread is not the owner the error-checking mutex remembers (a new thread
 * ID), so it cannot unlock it: it starts a fresh one over the table it inherited whole. */
void zt__icpt_fd_fork_child(void)
{
    pthread_mutex_t fresh = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;

    lock = fresh;
    is_fork_locked = false;
}
