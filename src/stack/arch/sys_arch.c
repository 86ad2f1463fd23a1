/*
 * sys_arch.c: our pthread port of lwIP's OS layer (include/lwip/sys.h is the contract).
 *
 *  - mutexes: pthread mutexes (error-checking in debug builds, so a double lock aborts
 *    instead of hanging);
 *  - semaphores: a count under a mutex and a condition variable; timed waits use
 *    CLOCK_MONOTONIC so that wall-clock jumps do not stretch or cut them;
 *  - mailboxes: bounded rings of pointers with "not empty" and "not full" conditions;
 *    post blocks while full, trypost fails;
 *  - threads: detached pthreads with all signals blocked (the application's handlers run
 *    on the application's threads);
 *  - sys_now(): CLOCK_MONOTONIC in milliseconds (lwIP compares with wrap-around);
 *  - sys_arch_protect(): one process-wide recursive mutex;
 *  - LWIP_RAND(): getrandom(2);
 *  - the core lock: lwIP's lock_tcpip_core plus a record of the holding thread, which
 *    LWIP_ASSERT_CORE_LOCKED() checks once tcpip_thread runs (style.md §7).
 *
 * Failures of pthread calls on objects we created are programmer errors and abort.
 */
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

struct zt_sys_mutex {
    pthread_mutex_t mu;
};

struct zt_sys_sem {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    unsigned count;
};

struct zt_sys_mbox {
    pthread_mutex_t mu;
    pthread_cond_t not_empty;
    pthread_cond_t not_full;
    void **slots;
    size_t cap;
    size_t head; /* index of the oldest message */
    size_t len;  /* messages queued */
};

struct thread_start {
    lwip_thread_fn fn;
    void *arg;
    char name[16]; /* pthread_setname_np's limit, with the NUL */
};

/* ---- helpers ------------------------------------------------------------------------------ */

static void check(int rv, const char *what)
{
    if (rv != 0) {
        fprintf(stderr, "lwip port: %s: %s\n", what, strerror(rv));
        abort();
    }
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    check(clock_gettime(CLOCK_MONOTONIC, &ts) == 0 ? 0 : errno, "clock_gettime");
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Milliseconds since |start|, as sys_arch_sem_wait() and sys_arch_mbox_fetch() report them:
 * never SYS_ARCH_TIMEOUT, which would read as "timed out". */
static u32_t ms_since(uint64_t start)
{
    uint64_t d = now_ms() - start;

    return d >= SYS_ARCH_TIMEOUT ? SYS_ARCH_TIMEOUT - 1 : (u32_t)d;
}

static void deadline_in(struct timespec *deadline, u32_t ms)
{
    check(clock_gettime(CLOCK_MONOTONIC, deadline) == 0 ? 0 : errno, "clock_gettime");
    deadline->tv_sec += (time_t)(ms / 1000u);
    deadline->tv_nsec += (long)(ms % 1000u) * 1000000L;
    if (deadline->tv_nsec >= 1000000000L) {
        deadline->tv_sec++;
        deadline->tv_nsec -= 1000000000L;
    }
}

static int mutex_init(pthread_mutex_t *mu)
{
    pthread_mutexattr_t attr;
    int rv;

    rv = pthread_mutexattr_init(&attr);
    if (rv != 0)
        return rv;
#ifndef NDEBUG
    rv = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
#endif
    if (rv == 0)
        rv = pthread_mutex_init(mu, &attr);
    pthread_mutexattr_destroy(&attr);
    return rv;
}

static int cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int rv;

    rv = pthread_condattr_init(&attr);
    if (rv != 0)
        return rv;
    rv = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rv == 0)
        rv = pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
    return rv;
}

/* Waits on |cond| until |deadline| (NULL: no deadline).  Returns false on timeout. */
static bool cond_wait(pthread_cond_t *cond, pthread_mutex_t *mu, const struct timespec *deadline)
{
    int rv;

    if (deadline == NULL) {
        check(pthread_cond_wait(cond, mu), "pthread_cond_wait");
        return true;
    }
    rv = pthread_cond_timedwait(cond, mu, deadline);
    if (rv == ETIMEDOUT)
        return false;
    check(rv, "pthread_cond_timedwait");
    return true;
}

/* ---- init, time, randomness, diagnostics -------------------------------------------------- */

static pthread_once_t protect_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t protect_mu;

static void protect_init(void)
{
    pthread_mutexattr_t attr;

    check(pthread_mutexattr_init(&attr), "pthread_mutexattr_init");
    check(pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE), "pthread_mutexattr_settype");
    check(pthread_mutex_init(&protect_mu, &attr), "pthread_mutex_init");
    pthread_mutexattr_destroy(&attr);
}

void sys_init(void)
{
    check(pthread_once(&protect_once, protect_init), "pthread_once");
}

u32_t sys_now(void)
{
    return (u32_t)now_ms(); /* wraps every ~49 days; lwIP's timers compare differences */
}

u32_t sys_jiffies(void)
{
    return (u32_t)now_ms();
}

uint32_t zt__sys_random_u32(void)
{
    uint32_t v;
    uint8_t *p = (uint8_t *)&v;
    size_t got = 0;

    while (got < sizeof(v)) {
        ssize_t n = getrandom(p + got, sizeof(v) - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* No weaker fallback: ports, ISNs and DNS IDs must not become guessable. */
            check(errno != 0 ? errno : EIO, "getrandom");
        }
        got += (size_t)n;
    }
    return v;
}

void zt__sys_diag(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

void zt__sys_assert_fail(const char *msg, const char *file, int line)
{
    fprintf(stderr, "lwip: assertion \"%s\" failed at %s:%d\n", msg, file, line);
    fflush(stderr);
    abort();
}

/* ---- critical sections -------------------------------------------------------------------- */

sys_prot_t sys_arch_protect(void)
{
    check(pthread_once(&protect_once, protect_init), "pthread_once");
    check(pthread_mutex_lock(&protect_mu), "sys_arch_protect");
    return 0;
}

void sys_arch_unprotect(sys_prot_t pval)
{
    (void)pval;
    check(pthread_mutex_unlock(&protect_mu), "sys_arch_unprotect");
}

/* ---- mutexes ------------------------------------------------------------------------------ */

err_t sys_mutex_new(sys_mutex_t *pmutex)
{
    struct zt_sys_mutex *m = calloc(1, sizeof(*m));

    if (m == NULL)
        return ERR_MEM;
    if (mutex_init(&m->mu) != 0) {
        free(m);
        return ERR_MEM;
    }
    *pmutex = m;
    return ERR_OK;
}

void sys_mutex_lock(sys_mutex_t *pmutex)
{
    check(pthread_mutex_lock(&(*pmutex)->mu), "sys_mutex_lock");
}

void sys_mutex_unlock(sys_mutex_t *pmutex)
{
    check(pthread_mutex_unlock(&(*pmutex)->mu), "sys_mutex_unlock");
}

void sys_mutex_free(sys_mutex_t *pmutex)
{
    struct zt_sys_mutex *m = *pmutex;

    if (m == NULL)
        return;
    check(pthread_mutex_destroy(&m->mu), "sys_mutex_free");
    free(m);
    *pmutex = NULL;
}

int sys_mutex_valid(sys_mutex_t *pmutex)
{
    return pmutex != NULL && *pmutex != NULL;
}

void sys_mutex_set_invalid(sys_mutex_t *pmutex)
{
    *pmutex = NULL;
}

/* ---- semaphores --------------------------------------------------------------------------- */

err_t sys_sem_new(sys_sem_t *psem, u8_t count)
{
    struct zt_sys_sem *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return ERR_MEM;
    if (mutex_init(&s->mu) != 0) {
        free(s);
        return ERR_MEM;
    }
    if (cond_init(&s->cond) != 0) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return ERR_MEM;
    }
    s->count = count;
    *psem = s;
    return ERR_OK;
}

void sys_sem_signal(sys_sem_t *psem)
{
    struct zt_sys_sem *s = *psem;

    check(pthread_mutex_lock(&s->mu), "sys_sem_signal");
    s->count++;
    check(pthread_cond_signal(&s->cond), "pthread_cond_signal");
    check(pthread_mutex_unlock(&s->mu), "sys_sem_signal");
}

u32_t sys_arch_sem_wait(sys_sem_t *psem, u32_t timeout)
{
    struct zt_sys_sem *s = *psem;
    struct timespec deadline;
    uint64_t start = now_ms();
    bool ok = true;

    if (timeout != 0)
        deadline_in(&deadline, timeout);
    check(pthread_mutex_lock(&s->mu), "sys_arch_sem_wait");
    while (s->count == 0 && ok)
        ok = cond_wait(&s->cond, &s->mu, timeout != 0 ? &deadline : NULL);
    if (s->count == 0) {
        check(pthread_mutex_unlock(&s->mu), "sys_arch_sem_wait");
        return SYS_ARCH_TIMEOUT;
    }
    s->count--;
    check(pthread_mutex_unlock(&s->mu), "sys_arch_sem_wait");
    return ms_since(start);
}

void sys_sem_free(sys_sem_t *psem)
{
    struct zt_sys_sem *s = *psem;

    if (s == NULL)
        return;
    check(pthread_cond_destroy(&s->cond), "sys_sem_free");
    check(pthread_mutex_destroy(&s->mu), "sys_sem_free");
    free(s);
    *psem = NULL;
}

int sys_sem_valid(sys_sem_t *psem)
{
    return psem != NULL && *psem != NULL;
}

void sys_sem_set_invalid(sys_sem_t *psem)
{
    *psem = NULL;
}

/* ---- mailboxes ---------------------------------------------------------------------------- */

err_t sys_mbox_new(sys_mbox_t *pmbox, int size)
{
    struct zt_sys_mbox *mb;

    /* lwipopts.h sizes every mailbox; 0 means an option was left at opt.h's default. */
    LWIP_ASSERT("sys_mbox_new: size > 0", size > 0);
    if (size <= 0)
        return ERR_VAL;
    mb = calloc(1, sizeof(*mb));
    if (mb == NULL)
        return ERR_MEM;
    mb->slots = calloc((size_t)size, sizeof(*mb->slots));
    if (mb->slots == NULL)
        goto fail_slots;
    if (mutex_init(&mb->mu) != 0)
        goto fail_mutex;
    if (cond_init(&mb->not_empty) != 0)
        goto fail_not_empty;
    if (cond_init(&mb->not_full) != 0)
        goto fail_not_full;
    mb->cap = (size_t)size;
    *pmbox = mb;
    return ERR_OK;

fail_not_full:
    pthread_cond_destroy(&mb->not_empty);
fail_not_empty:
    pthread_mutex_destroy(&mb->mu);
fail_mutex:
    free(mb->slots);
fail_slots:
    free(mb);
    return ERR_MEM;
}

/* Appends |msg|; the caller holds mb->mu and has checked there is room. */
static void mbox_push(struct zt_sys_mbox *mb, void *msg)
{
    mb->slots[(mb->head + mb->len) % mb->cap] = msg;
    mb->len++;
    check(pthread_cond_signal(&mb->not_empty), "pthread_cond_signal");
}

/* Removes the oldest message into |*msg| (if |msg| is not NULL); caller holds mb->mu. */
static void mbox_pop(struct zt_sys_mbox *mb, void **msg)
{
    if (msg != NULL)
        *msg = mb->slots[mb->head];
    mb->slots[mb->head] = NULL;
    mb->head = (mb->head + 1) % mb->cap;
    mb->len--;
    check(pthread_cond_signal(&mb->not_full), "pthread_cond_signal");
}

void sys_mbox_post(sys_mbox_t *pmbox, void *msg)
{
    struct zt_sys_mbox *mb = *pmbox;

    check(pthread_mutex_lock(&mb->mu), "sys_mbox_post");
    while (mb->len == mb->cap)
        cond_wait(&mb->not_full, &mb->mu, NULL);
    mbox_push(mb, msg);
    check(pthread_mutex_unlock(&mb->mu), "sys_mbox_post");
}

err_t sys_mbox_trypost(sys_mbox_t *pmbox, void *msg)
{
    struct zt_sys_mbox *mb = *pmbox;
    err_t err = ERR_MEM;

    check(pthread_mutex_lock(&mb->mu), "sys_mbox_trypost");
    if (mb->len < mb->cap) {
        mbox_push(mb, msg);
        err = ERR_OK;
    }
    check(pthread_mutex_unlock(&mb->mu), "sys_mbox_trypost");
    return err;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *pmbox, void *msg)
{
    return sys_mbox_trypost(pmbox, msg); /* no interrupts here */
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *pmbox, void **msg, u32_t timeout)
{
    struct zt_sys_mbox *mb = *pmbox;
    struct timespec deadline;
    uint64_t start = now_ms();
    bool ok = true;

    if (timeout != 0)
        deadline_in(&deadline, timeout);
    check(pthread_mutex_lock(&mb->mu), "sys_arch_mbox_fetch");
    while (mb->len == 0 && ok)
        ok = cond_wait(&mb->not_empty, &mb->mu, timeout != 0 ? &deadline : NULL);
    if (mb->len == 0) {
        check(pthread_mutex_unlock(&mb->mu), "sys_arch_mbox_fetch");
        if (msg != NULL)
            *msg = NULL;
        return SYS_ARCH_TIMEOUT;
    }
    mbox_pop(mb, msg);
    check(pthread_mutex_unlock(&mb->mu), "sys_arch_mbox_fetch");
    return ms_since(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *pmbox, void **msg)
{
    struct zt_sys_mbox *mb = *pmbox;
    u32_t rv = SYS_MBOX_EMPTY;

    check(pthread_mutex_lock(&mb->mu), "sys_arch_mbox_tryfetch");
    if (mb->len > 0) {
        mbox_pop(mb, msg);
        rv = 0;
    }
    check(pthread_mutex_unlock(&mb->mu), "sys_arch_mbox_tryfetch");
    return rv;
}

void sys_mbox_free(sys_mbox_t *pmbox)
{
    struct zt_sys_mbox *mb = *pmbox;

    if (mb == NULL)
        return;
    /* sys.h: messages left behind mean an lwIP bug; lwIP drains its mailboxes first. */
    LWIP_ASSERT("sys_mbox_free: mailbox not empty", mb->len == 0);
    check(pthread_cond_destroy(&mb->not_full), "sys_mbox_free");
    check(pthread_cond_destroy(&mb->not_empty), "sys_mbox_free");
    check(pthread_mutex_destroy(&mb->mu), "sys_mbox_free");
    free(mb->slots);
    free(mb);
    *pmbox = NULL;
}

int sys_mbox_valid(sys_mbox_t *pmbox)
{
    return pmbox != NULL && *pmbox != NULL;
}

void sys_mbox_set_invalid(sys_mbox_t *pmbox)
{
    *pmbox = NULL;
}

/* ---- threads ------------------------------------------------------------------------------ */

static void *thread_main(void *p)
{
    struct thread_start st = *(struct thread_start *)p;

    free(p);
    pthread_setname_np(pthread_self(), st.name); /* best effort: only for debuggers */
    st.fn(st.arg);
    return NULL;
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn thread, void *arg, int stacksize,
                            int prio)
{
    struct thread_start *st;
    pthread_attr_t attr;
    pthread_t tid;
    sigset_t all, old;

    (void)prio;
    st = calloc(1, sizeof(*st));
    if (st == NULL)
        check(ENOMEM, "sys_thread_new"); /* sys.h gives no way to report failure */
    st->fn = thread;
    st->arg = arg;
    snprintf(st->name, sizeof(st->name), "%s", name != NULL ? name : "lwip");

    check(pthread_attr_init(&attr), "pthread_attr_init");
    check(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED), "pthread_attr");
    if (stacksize > 0) {
        size_t sz = (size_t)stacksize < (size_t)PTHREAD_STACK_MIN ? (size_t)PTHREAD_STACK_MIN
                                                                   : (size_t)stacksize;
        check(pthread_attr_setstacksize(&attr, sz), "pthread_attr_setstacksize");
    }
    /* The new thread inherits this mask: signals meant for the application stay off it. */
    sigfillset(&all);
    check(pthread_sigmask(SIG_SETMASK, &all, &old), "pthread_sigmask");
    check(pthread_create(&tid, &attr, thread_main, st), "sys_thread_new");
    check(pthread_sigmask(SIG_SETMASK, &old, NULL), "pthread_sigmask");
    pthread_attr_destroy(&attr);
    return tid;
}

/* ---- the core lock ------------------------------------------------------------------------ */

/* Each thread's identity for the check: the address of its own copy of this byte. */
static _Thread_local char thread_token;
static _Atomic uintptr_t core_holder;      /* token of the thread holding the lock, or 0 */
static atomic_bool core_check_on;          /* set once tcpip_thread runs */

void zt__sys_core_lock(void)
{
    sys_mutex_lock(&lock_tcpip_core);
    atomic_store_explicit(&core_holder, (uintptr_t)&thread_token, memory_order_relaxed);
}

void zt__sys_core_unlock(void)
{
    atomic_store_explicit(&core_holder, 0, memory_order_relaxed);
    sys_mutex_unlock(&lock_tcpip_core);
}

void zt__sys_mark_tcpip_thread(void)
{
    atomic_store(&core_check_on, true);
}

void zt__sys_assert_core_locked(void)
{
    /* Before tcpip_thread starts, tcpip_init() runs lwip_init() unlocked, by design. */
    if (!atomic_load(&core_check_on))
        return;
    if (atomic_load_explicit(&core_holder, memory_order_relaxed) != (uintptr_t)&thread_token)
        zt__sys_assert_fail("lwIP core called without LOCK_TCPIP_CORE()", __FILE__, __LINE__);
}

int zt__sys_core_wait(pthread_cond_t *cond, const struct timespec *deadline)
{
    int rv;

    /* The waiter gives the core lock up while it sleeps: the holder record must follow. */
    atomic_store_explicit(&core_holder, 0, memory_order_relaxed);
    if (deadline == NULL)
        rv = pthread_cond_wait(cond, &lock_tcpip_core->mu);
    else
        rv = pthread_cond_timedwait(cond, &lock_tcpip_core->mu, deadline);
    atomic_store_explicit(&core_holder, (uintptr_t)&thread_token, memory_order_relaxed);
    if (rv != 0 && rv != ETIMEDOUT)
        check(rv, "pthread_cond_wait");
    return rv;
}

void zt__sys_cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t attr;

    check(pthread_condattr_init(&attr), "pthread_condattr_init");
    check(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC), "pthread_condattr_setclock");
    check(pthread_cond_init(cond, &attr), "pthread_cond_init");
    pthread_condattr_destroy(&attr);
}
