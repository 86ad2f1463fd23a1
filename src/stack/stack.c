/*
 * stack.c: lwIP started once per process (stack.h).  tcpip_thread then runs lwIP's timers for
 * the life of the process; everything else drives lwIP under the core lock from its own
 * thread (docs/internals/stack.md).
 */
#include "stack/stack.h"

#include <pthread.h>
#include <stdatomic.h>

#include "lwip/sys.h"
#include "lwip/tcpip.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static atomic_bool is_up;

static void on_tcpip_ready(void *arg)
{
    sys_sem_signal((sys_sem_t *)arg);
}

static void init_stack(void)
{
    sys_sem_t ready;

    if (sys_sem_new(&ready, 0) != ERR_OK)
        return;
    tcpip_init(on_tcpip_ready, &ready);
    /* tcpip_init() fails by assertion, not by return; the wait only bounds a stuck start. */
    if (sys_arch_sem_wait(&ready, 10000) != SYS_ARCH_TIMEOUT)
        atomic_store(&is_up, true);
    sys_sem_free(&ready);
}

int zt__stack_init(void)
{
    pthread_once(&init_once, init_stack);
    return atomic_load(&is_up) ? 0 : ZT_ERR_INTERNAL;
}

bool zt__stack_is_up(void)
{
    return atomic_load(&is_up);
}
