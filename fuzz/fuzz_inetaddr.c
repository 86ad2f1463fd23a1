/*
 * fuzz_inetaddr: InetAddress (vl1.md §4.16).  The input is read as back-to-back binary
 * addresses and, separately, parsed as "ip/port" text.  Every address obtained must survive
 * binary write/read and text format/parse unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/inetaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrips(const zt_inetaddr *a)
{
    char text[ZT_INETADDR_STR_MAX];
    uint8_t bin[19];
    zt_inetaddr b;
    zt_ssize n;
    zt_wr w;
    zt_rd r;

    if (a->family != 0 && a->family != 4 && a->family != 6)
        abort();
    w = zt__wr_make(bin, sizeof(bin));
    zt__inetaddr_write(&w, a);
    n = zt__wr_finish(&w);
    if (n != (a->family == 4 ? 7 : a->family == 6 ? 19 : 1))
        abort();
    r = zt__rd_make(bin, (size_t)n);
    if (zt__inetaddr_read(&r, &b) != 0 || zt__rd_left(&r) != 0 || !zt__inetaddr_equal(a, &b))
        abort();

    n = zt__inetaddr_format(a, text, sizeof(text));
    if (a->family == 0) {
        if (n != ZT_ERR_INVAL)
            abort();
        return;
    }
    if (n <= 0 || (size_t)n >= sizeof(text) || text[n] != '\0')
        abort();
    if (zt__inetaddr_parse(&b, text, (size_t)n) != 0 || !zt__inetaddr_equal(a, &b))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zt_rd r = zt__rd_make(data, size);
    zt_inetaddr a;
    int rv;

    while (zt__rd_left(&r) > 0) {
        const uint8_t *start = r.p;
        rv = zt__inetaddr_read(&r, &a);
        if (rv != 0) {
            if (rv != ZT_ERR_TRUNCATED && rv != ZT_ERR_INVAL)
                abort();
            break;
        }
        if (r.p <= start)
            abort();
        check_roundtrips(&a);
    }

    rv = zt__inetaddr_parse(&a, (const char *)data, size);
    if (rv == 0) {
        if (a.family != 4 && a.family != 6)
            abort();
        check_roundtrips(&a);
    } else if (rv != ZT_ERR_INVAL) {
        abort();
    }
    return 0;
}
