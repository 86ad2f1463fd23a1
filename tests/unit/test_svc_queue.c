/*
 * test_svc_queue.c: the event queue both APIs share (src/sdk/svc_events.c): the order of
 * delivery, the bound (api-modern.md §6.1: the newest dropped beyond it, never the final
 * events), and that only the events a front end hands to the application count toward it
 * (zt_svc_ops.counts), so that its internal markers neither fill the bound nor are dropped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sdk/svc.h"

static zt_svc_event_kind seen[32];
static unsigned nseen;

static void record(const zt_svc_event *ev)
{
    if (nseen < sizeof(seen) / sizeof(seen[0]))
        seen[nseen++] = ev->kind;
}

/* STACK_UP stands for a marker the front end does not deliver. */
static bool counts(zt_svc_event_kind kind)
{
    return kind != ZT_SVC_EV_STACK_UP;
}

static void queue(zt_svc_event_kind kind)
{
    zt_svc_node node;

    memset(&node, 0, sizeof(node));
    zt__svc_queue_node(kind, &node);
}

static void test_bound_counts_delivered_events(void **state)
{
    static const zt_svc_ops ops = {.deliver = record, .max_queued = 3, .counts = counts};
    static const zt_svc_event_kind want[] = {
        ZT_SVC_EV_NODE_UP, ZT_SVC_EV_STACK_UP,     ZT_SVC_EV_NODE_ONLINE, ZT_SVC_EV_STACK_UP,
        ZT_SVC_EV_NODE_OFFLINE, ZT_SVC_EV_STACK_UP, ZT_SVC_EV_NODE_DOWN,
    };
    uint64_t dropped0 = zt__svc.dropped;

    (void)state;
    zt__svc.ops = &ops;
    queue(ZT_SVC_EV_NODE_UP);
    queue(ZT_SVC_EV_STACK_UP);     /* not counted */
    queue(ZT_SVC_EV_NODE_ONLINE);
    queue(ZT_SVC_EV_STACK_UP);     /* not counted */
    queue(ZT_SVC_EV_NODE_OFFLINE); /* the third counted: the bound is reached */
    queue(ZT_SVC_EV_NODE_ONLINE);  /* beyond it: dropped */
    queue(ZT_SVC_EV_STACK_UP);     /* a marker: never dropped */
    queue(ZT_SVC_EV_NODE_DOWN);    /* final: never dropped */
    assert_int_equal(zt__svc.nqueued, 4); /* three counted, and the final one */
    assert_int_equal(zt__svc.dropped - dropped0, 1);
    zt__svc_deliver();
    assert_int_equal(zt__svc.nqueued, 0);
    assert_int_equal(nseen, sizeof(want) / sizeof(want[0]));
    for (unsigned i = 0; i < nseen; i++)
        assert_int_equal(seen[i], want[i]);
    /* room again once delivered */
    nseen = 0;
    queue(ZT_SVC_EV_NODE_ONLINE);
    zt__svc_deliver();
    assert_int_equal(nseen, 1);
    zt__svc.ops = NULL;
}

/* Without |counts| every event counts (the 1.3 API has no bound at all: max_queued 0). */
static void test_without_counts(void **state)
{
    static const zt_svc_ops ops = {.deliver = record, .max_queued = 2};
    uint64_t dropped0 = zt__svc.dropped;

    (void)state;
    nseen = 0;
    zt__svc.ops = &ops;
    queue(ZT_SVC_EV_NODE_UP);
    queue(ZT_SVC_EV_STACK_UP);
    queue(ZT_SVC_EV_NODE_ONLINE); /* dropped: STACK_UP counted */
    assert_int_equal(zt__svc.dropped - dropped0, 1);
    zt__svc_deliver();
    assert_int_equal(nseen, 2);
    zt__svc.ops = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound_counts_delivered_events),
        cmocka_unit_test(test_without_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
