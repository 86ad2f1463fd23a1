#include "io/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int zt_io_read_file(const char *path, size_t max, uint8_t **pdata, size_t *plen)
{
    struct stat st;
    uint8_t *data = NULL;
    size_t len = 0;
    int fd, rv = ZT_ERR_IO, saved;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? ZT_ERR_NOTFOUND : ZT_ERR_IO;
    if (fstat(fd, &st) != 0)
        goto out;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        goto out;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max) {
        rv = ZT_ERR_RANGE;
        goto out;
    }
    data = malloc((size_t)st.st_size + 1);
    if (data == NULL) {
        rv = ZT_ERR_NOMEM;
        goto out;
    }
    /* Read until EOF rather than trusting st_size, but never past |max|. */
    for (;;) {
        ssize_t n;
        if (len == (size_t)st.st_size) {
            uint8_t probe;
            n = read(fd, &probe, 1);
            if (n == 0)
                break;
            if (n > 0) {
                rv = ZT_ERR_RANGE; /* the file grew while we read it */
                goto out;
            }
        } else {
            n = read(fd, data + len, (size_t)st.st_size - len);
            if (n == 0)
                break;
            if (n > 0) {
                len += (size_t)n;
                continue;
            }
        }
        if (errno != EINTR)
            goto out;
    }
    data[len] = 0;
    *pdata = data;
    *plen = len;
    data = NULL;
    rv = 0;
out:
    saved = errno;
    free(data);
    close(fd);
    errno = saved;
    return rv;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int zt_io_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char tmp[4096], dir[4096];
    int fd, dfd, saved;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= sizeof(tmp) ||
        (size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir)) {
        errno = ENAMETOOLONG;
        return ZT_ERR_IO;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return ZT_ERR_IO;
    if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        saved = errno;
        close(fd);
        unlink(tmp);
        errno = saved;
        return ZT_ERR_IO;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        saved = errno;
        unlink(tmp);
        errno = saved;
        return ZT_ERR_IO;
    }
    /* Make the rename itself durable. */
    dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
}
