/*
 * consumer.c: a program built against an *installed* libzt (tests/integration/
 * libzt_install.sh), once through pkg-config and once through find_package(libzt), against
 * libzt.so and libzt.a.  It calls only what works with no node running (api.md 5.3,
 * 5.4, 5.7 helpers) and checks known answers; lwip_use.c proves lwIP's headers and symbols.
 * Exit status 0 when every check passes.
 */
#include <ZeroTierSockets.h>

#include <stdio.h>

int lwip_use(void); /* lwip_use.c */

static int failures;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "consumer: %s:%d: check failed: %s\n", __FILE__, __LINE__,    \
                    #cond);                                                                \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)

int main(void)
{
    /* Byte order: the low byte goes first on the wire whatever the host is. */
    uint16_t n = zts_htons(0x1234);
    const unsigned char *b = (const unsigned char *)&n;
    CHECK(b[0] == 0x12 && b[1] == 0x34);

    /* Nothing runs in this process. */
    CHECK(zts_get_node_status() == ZTS_STATE_NODE_OFFLINE);
    CHECK(zts_get_node_status() == 202);

    /* api.md 5.4: (22, 22) -> 0xff00160016000000. */
    CHECK(zts_generate_adhoc_nwid_from_range(22, 22) == UINT64_C(0xff00160016000000));

    /* 6PLANE: h = 0x8056c2e2 ^ 0x1c000001 = 0x9c56c2e3, then the node ID, then ::1. */
    struct zts_sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    CHECK(zts_get_6plane_addr(&ss, UINT64_C(0x8056c2e21c000001), UINT64_C(0xefcc1b0947)) ==
          ZTS_ERR_OK);
    unsigned char want[16];
    CHECK(zts_inet_pton(ZTS_AF_INET6, "fc9c:56c2:e3ef:cc1b:947::1", want) == 1);
    const unsigned char *got = (const unsigned char *)&ss + 8; /* sin6_addr (api.md 5.4) */
    CHECK(memcmp(got, want, 16) == 0);

    char text[ZTS_INET6_ADDRSTRLEN];
    CHECK(zts_inet_ntop(ZTS_AF_INET6, got, text, sizeof text) == text);
    CHECK(strcmp(text, "fc9c:56c2:e3ef:cc1b:947::1") == 0);

    unsigned char v4[4];
    CHECK(zts_inet_pton(ZTS_AF_INET, "10.147.17.1", v4) == 1);
    CHECK(v4[0] == 10 && v4[1] == 147 && v4[2] == 17 && v4[3] == 1);

    /* The global is a plain int, readable by name (api.md 2). */
    volatile int *perr = &zts_errno;
    (void)*perr;

    failures += lwip_use();

    if (failures != 0) {
        fprintf(stderr, "consumer: %d check(s) failed\n", failures);
        return 1;
    }
    printf("consumer: ok\n");
    return 0;
}
