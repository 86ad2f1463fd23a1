/*
 * token.c: the secrets of the local API (service.md §2): authtoken.secret and
 * metricstoken.secret, 24 characters of [a-z0-9] made once from the CSPRNG (each character a
 * random byte mod 36, as zerotier-one does), no newline, mode 0600, read back trimmed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api.h"
#include "crypto/crypto.h"
#include "io/file.h"
#include "util/errors.h"

#define TOKEN_LEN 24
#define TOKEN_FILE_MAX 4096

/* Creates |path| with a new token unless something is there already (never replaced). */
static int create_token(const char *path)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    uint8_t raw[TOKEN_LEN];
    char text[TOKEN_LEN];
    int rv;

    zt__random_bytes(raw, sizeof(raw));
    for (size_t i = 0; i < TOKEN_LEN; i++)
        text[i] = alphabet[raw[i] % 36];
    rv = zt__io_create_file(path, text, sizeof(text), 0600);
    zt__wipe(raw, sizeof(raw));
    zt__wipe(text, sizeof(text));
    return rv == ZT_ERR_EXISTS ? 0 : rv;
}

int zt__svc_token_load(const char *home, const char *name, char *out, size_t cap, char *err,
                       size_t errlen)
{
    char path[ZT_HOME_PATH_MAX], why[160];
    zt_io_file_info info;
    uint8_t *data = NULL;
    size_t size = 0, len, start = 0;
    int rv;

    snprintf(path, sizeof(path), "%s/%s", home, name);
    if ((rv = create_token(path)) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return rv;
    }
    rv = zt__io_read_file_info(path, TOKEN_FILE_MAX, &data, &size, &info);
    if (rv != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, zt__io_file_why(rv, &info, why,
                                                                      sizeof(why)));
        return rv;
    }
    (void)chmod(path, 0600); /* as zerotier-one does at each start (service.md §1.1) */
    len = size;
    while (start < len && isspace(data[start]))
        start++;
    while (len > start && isspace(data[len - 1]))
        len--;
    if (len == start || len - start >= cap) {
        snprintf(err, errlen, "%s is %s", path, len == start ? "empty" : "too long");
        rv = ZT_ERR_INVAL;
    } else {
        memcpy(out, data + start, len - start);
        out[len - start] = 0;
    }
    zt__wipe(data, size); /* the whole file, trimmed whitespace included */
    free(data);
    return rv;
}
