/*
 * nostorage: a node that keeps nothing on disk.  The library writes no file in memory-only
 * mode (the default); what a node would store comes to the event handler instead
 * (ZTS_EVENT_STORE_IDENTITY_SECRET, _PUBLIC and ZTS_EVENT_STORE_PLANET), whose bytes an
 * application may keep and give back at the next start with zts_init_from_memory and
 * zts_init_set_roots.  This one prints them, copies them, and idles once online; runs until
 * killed.
 *
 *   nostorage
 *
 * ZT_EXAMPLE_ROOTS=<file> (optional): the signed planet to use instead of the built-in roots.
 */
#include "example_common.h"

#include <string.h>

/* What the application keeps (here only in memory): written by the event thread. */
static char saved_secret[ZTS_STORE_DATA_LEN], saved_public[ZTS_STORE_DATA_LEN];
static char saved_planet[ZTS_STORE_DATA_LEN];

/* Copies a store event's bytes into |dst| (ZTS_STORE_DATA_LEN bytes); returns the length. */
static int keep(char *dst, const zts_event_msg_t *msg)
{
    int len = msg->len;

    if (msg->cache == NULL || len < 0)
        return 0;
    if (len > ZTS_STORE_DATA_LEN - 1)
        len = ZTS_STORE_DATA_LEN - 1;
    memcpy(dst, msg->cache, (size_t)len);
    dst[len] = '\0';
    return len;
}

/* Called by the library on its event thread; |arg| is valid only during the call. */
static void on_zts_event(void *arg)
{
    zts_event_msg_t *msg = (zts_event_msg_t *)arg;
    int len;

    switch (msg->event_code) {
    case ZTS_EVENT_STORE_IDENTITY_SECRET:
        len = keep(saved_secret, msg);
        printf("ZTS_EVENT_STORE_IDENTITY_SECRET (len=%d): %s\n", len, saved_secret);
        break;
    case ZTS_EVENT_STORE_IDENTITY_PUBLIC:
        len = keep(saved_public, msg);
        printf("ZTS_EVENT_STORE_IDENTITY_PUBLIC (len=%d): %s\n", len, saved_public);
        break;
    case ZTS_EVENT_STORE_PLANET:
        len = keep(saved_planet, msg);
        printf("ZTS_EVENT_STORE_PLANET (len=%d)\n", len);
        break;
    case ZTS_EVENT_NODE_ONLINE:
        print_node_online(msg);
        break;
    default:
        break;
    }
}

int main(int argc, char **argv)
{
    (void)argv;
    check_usage(argc == 1, "a node that writes nothing to disk", "nostorage");
    use_private_roots();
    zts_init_set_event_handler(&on_zts_event);
    start_node();
    idle_online();
}
