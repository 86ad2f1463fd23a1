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
#include <ZeroTierSockets.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the application keeps (here only in memory): written by the event thread. */
static char saved_secret[ZTS_STORE_DATA_LEN], saved_public[ZTS_STORE_DATA_LEN];
static char saved_planet[ZTS_STORE_DATA_LEN];

/* ZT_EXAMPLE_ROOTS: a planet file for zts_init_set_roots (a private world).  Returns 0 when
 * the variable is unset or the roots were set, -1 (after a message) otherwise. */
static int use_private_roots(void)
{
    static char blob[ZTS_STORE_DATA_LEN];
    const char *path = getenv("ZT_EXAMPLE_ROOTS");
    size_t len;
    FILE *f;
    int err;

    if (path == NULL || path[0] == '\0')
        return 0;
    if ((f = fopen(path, "rb")) == NULL) {
        printf("Unable to read the roots in %s. Exiting.\n", path);
        return -1;
    }
    len = fread(blob, 1, sizeof(blob), f);
    fclose(f);
    if ((err = zts_init_set_roots(blob, (unsigned int)len)) != ZTS_ERR_OK) {
        printf("Unable to use the roots in %s, error = %d. Exiting.\n", path, err);
        return -1;
    }
    printf("Using the roots in %s (%u bytes)\n", path, (unsigned int)len);
    return 0;
}

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
        printf("ZTS_EVENT_NODE_ONLINE --- This node's ID is %llx\n",
               (unsigned long long)msg->node->node_id);
        break;
    default:
        break;
    }
}

int main(int argc, char **argv)
{
    int err;

    (void)argv;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 1) {
        printf("\nlibzt example: a node that writes nothing to disk\n");
        printf("nostorage\n");
        return 0;
    }
    if (use_private_roots() != 0)
        return 1;
    zts_init_set_event_handler(&on_zts_event);

    printf("Starting node...\n");
    if ((err = zts_node_start()) != ZTS_ERR_OK) {
        printf("Unable to start service, error = %d. Exiting.\n", err);
        return 1;
    }
    printf("Waiting for node to come online\n");
    while (!zts_node_is_online())
        zts_util_delay(50);
    printf("Node %llx is now online. Idling.\n", (unsigned long long)zts_node_get_id());
    for (;;)
        zts_util_delay(500);
}
