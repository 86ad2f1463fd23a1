/*
 * customroots: a node of a private world.  It makes and signs its own planet (a root set)
 * with zts_util_sign_root_set, prints it, starts with that planet and with its storage in the
 * current directory (identity.secret, identity.public and roots appear there), prints the code
 * of every event (and the paths of its roots when they change), and idles once online; runs
 * until killed.  Run it in a scratch directory.
 *
 *   customroots
 *
 * The root is the one of ROOT_ID at ROOT_ENDPOINT below (a root on this machine: run one with
 * `zt-service -p 9993 <its home>`); ZT_EXAMPLE_ROOT_ID=<identity.public text> and
 * ZT_EXAMPLE_ROOT_ENDPOINT=<ip>/<port> (optional) replace them.  The planet is signed with the
 * keys in previous.c25519 and current.c25519 of the current directory if both are there, else
 * with a fresh key pair (printed, never written).
 */
#include "example_common.h"

#include <string.h>
#include <time.h>

/* An example root's public identity; replace it with your root's identity.public. */
#define ROOT_ID                                                                                    \
    "5646428790:0:5ad4d9d2a014c935130e0682767bc6b59794a53d29824df16fb017829ca1d6513d450286a222" \
    "f4be7c217fbde277f19b40b43ba36b94a39f5230073a39dd6745"
#define ROOT_ENDPOINT "127.0.0.1/9993"
#define WORLD_ID 0x00000000c0570001ULL /* any ID of your own; not ZeroTier's planet (0x8e9...) */

/* Prints one path of a root: "    path[<i>] = <ip>/<port>". */
static void print_path(unsigned int i, const zts_path_t *p)
{
    char ip[ZTS_INET6_ADDRSTRLEN] = {0};
    unsigned short port = 0;
    struct zts_sockaddr_storage ss = p->address;

    if (zts_util_ntop((struct zts_sockaddr *)&ss, sizeof(ss), ip, ZTS_INET6_ADDRSTRLEN, &port) !=
        ZTS_ERR_OK)
        snprintf(ip, sizeof(ip), "(unknown)");
    printf("    path[%u] = %s/%u\n", i, ip, (unsigned int)port);
}

/* Called by the library on its event thread; |arg| is valid only during the call. */
static void on_zts_event(void *arg)
{
    zts_event_msg_t *msg = (zts_event_msg_t *)arg;
    const zts_peer_info_t *peer = msg->peer;
    unsigned int i;

    printf("event_code = %d\n", (int)msg->event_code);
    if (msg->event_code == ZTS_EVENT_NODE_ONLINE)
        print_node_online(msg);
    /* Peer events: only the roots (role PLANET) here, with their paths. */
    if (peer == NULL || peer->role != ZTS_PEER_ROLE_PLANET)
        return;
    printf("  root %llx (PLANET): event %d, latency %d, %u path(s)\n",
           (unsigned long long)peer->peer_id, (int)msg->event_code, peer->latency,
           peer->path_count);
    for (i = 0; i < peer->path_count && i < ZTS_MAX_PEER_NETWORK_PATHS; i++)
        print_path(i, &peer->paths[i]);
}

/* Prints the signed root set: its bytes in hex, then the three lengths. */
static void print_roots(const char *blob, unsigned int len, unsigned int prev_len,
                        unsigned int curr_len)
{
    unsigned int i;

    printf("roots_data = ");
    for (i = 0; i < len; i++)
        printf("%02x", (unsigned int)(unsigned char)blob[i]);
    printf("\n");
    printf("roots_len = %u\n", len);
    printf("prev_key_len = %u\n", prev_len);
    printf("curr_key_len = %u\n", curr_len);
}

/* Makes and signs the planet into |blob| (ZTS_STORE_DATA_LEN bytes); sets *plen. */
static int make_roots(char *blob, unsigned int *plen)
{
    static zts_root_set_t spec; /* zeroed: rows and columns end at the first NULL */
    char prev_key[256] = {0}, curr_key[256] = {0};
    unsigned int prev_len = sizeof(prev_key), curr_len = sizeof(curr_key);
    const char *id = getenv("ZT_EXAMPLE_ROOT_ID"), *ep = getenv("ZT_EXAMPLE_ROOT_ENDPOINT");
    static char id_buf[ZTS_ID_STR_BUF_LEN], ep_buf[ZTS_MAX_ENDPOINT_STR_LEN];
    int err;

    snprintf(id_buf, sizeof(id_buf), "%s", id != NULL && id[0] != '\0' ? id : ROOT_ID);
    snprintf(ep_buf, sizeof(ep_buf), "%s", ep != NULL && ep[0] != '\0' ? ep : ROOT_ENDPOINT);
    id_buf[strcspn(id_buf, "\r\n")] = '\0'; /* an identity.public file's text may end in one */
    spec.public_id_str[0] = id_buf;
    spec.endpoint_ip_str[0][0] = ep_buf;
    printf("Root %.10s at %s\n", id_buf, ep_buf);

    err = zts_util_sign_root_set(blob, plen, prev_key, &prev_len, curr_key, &curr_len, WORLD_ID,
                                 (uint64_t)time(NULL) * 1000u, &spec);
    if (err != ZTS_ERR_OK) {
        printf("zts_util_sign_root_set failed, error = %d. Exiting.\n", err);
        return -1;
    }
    print_roots(blob, *plen, prev_len, curr_len);
    return 0;
}

int main(int argc, char **argv)
{
    static char roots[ZTS_STORE_DATA_LEN];
    unsigned int roots_len = 0;
    int err;

    (void)argv;
    check_usage(argc == 1, "a node with its own roots (a private world)", "customroots");
    if (make_roots(roots, &roots_len) != 0)
        return 1;

    zts_init_from_storage(".");
    zts_init_set_event_handler(&on_zts_event);
    if ((err = zts_init_set_roots(roots, roots_len)) != ZTS_ERR_OK) {
        printf("zts_init_set_roots failed, error = %d. Exiting.\n", err);
        return 1;
    }
    start_node();
    idle_online();
}
