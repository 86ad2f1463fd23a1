#include "io/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* open() failed: tell a dangling symbolic link (which must never pass for "no file", or a
 * caller would create one in its place) from nothing at all, and note what is there. */
static int open_failed(const char *path, zt_io_file_info *info)
{
    int saved = errno;
    struct stat st;

    if (lstat(path, &st) != 0) {
        errno = saved;
        return saved == ENOENT ? ZT_ERR_NOTFOUND : ZT_ERR_IO;
    }
    info->type = (unsigned)(st.st_mode & S_IFMT);
    if (saved == ENOENT && S_ISLNK(st.st_mode))
        info->is_dangling = true;
    else if (S_ISLNK(st.st_mode) && stat(path, &st) == 0)
        info->type = (unsigned)(st.st_mode & S_IFMT); /* what the link names */
    info->err = saved;
    errno = saved;
    return ZT_ERR_IO;
}

/* Reads |size| bytes (the size fstat() gave) until EOF, never past |max|. */
static int read_all(int fd, size_t size, size_t max, uint8_t **pdata, size_t *plen,
                    zt_io_file_info *info)
{
    uint8_t *data = malloc(size + 1);
    size_t len = 0;
    int rv = ZT_ERR_IO;

    if (data == NULL)
        return ZT_ERR_NOMEM;
    for (;;) {
        ssize_t n;
        if (len == size) {
            uint8_t probe;
            n = read(fd, &probe, 1);
            if (n == 0)
                break;
            if (n > 0) {
                info->size = (uint64_t)size + 1;
                rv = len < max ? ZT_ERR_IO : ZT_ERR_RANGE; /* it grew while we read it */
                if (rv == ZT_ERR_IO)
                    errno = EAGAIN;
                goto out;
            }
        } else {
            n = read(fd, data + len, size - len);
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
    if (rv == ZT_ERR_IO)
        info->err = errno;
    free(data);
    return rv;
}

int zt__io_read_file_info(const char *path, size_t max, uint8_t **pdata, size_t *plen,
                         zt_io_file_info *info)
{
    zt_io_file_info local;
    struct stat st;
    int fd, rv = ZT_ERR_IO, saved;

    if (info == NULL)
        info = &local;
    memset(info, 0, sizeof(*info));
    info->max = max;
    /* O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever (issue 9). */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return open_failed(path, info);
    if (fstat(fd, &st) != 0) {
        info->err = errno;
        goto out;
    }
    info->type = (unsigned)(st.st_mode & S_IFMT);
    if (!S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : ENXIO;
        info->err = errno;
        goto out;
    }
    info->size = (uint64_t)st.st_size;
    if (st.st_size < 0 || (uint64_t)st.st_size > max) {
        rv = ZT_ERR_RANGE;
        goto out;
    }
    rv = read_all(fd, (size_t)st.st_size, max, pdata, plen, info);
out:
    saved = errno;
    close(fd);
    errno = saved;
    return rv;
}

int zt__io_read_file(const char *path, size_t max, uint8_t **pdata, size_t *plen)
{
    return zt__io_read_file_info(path, max, pdata, plen, NULL);
}

static const char *type_name(unsigned type)
{
    switch (type) {
    case S_IFIFO:
        return "a FIFO";
    case S_IFDIR:
        return "a directory";
    case S_IFCHR:
        return "a character device";
    case S_IFBLK:
        return "a block device";
    case S_IFSOCK:
        return "a socket";
    default:
        return NULL;
    }
}

const char *zt__io_file_why(int rv, const zt_io_file_info *info, char *buf, size_t cap)
{
    const char *type = type_name(info->type);

    if (rv == ZT_ERR_NOTFOUND)
        snprintf(buf, cap, "no such file");
    else if (rv == ZT_ERR_RANGE)
        snprintf(buf, cap, "larger than %zu bytes (it has %llu)", info->max,
                 (unsigned long long)info->size);
    else if (rv == ZT_ERR_NOMEM)
        snprintf(buf, cap, "out of memory");
    else if (info->is_dangling)
        snprintf(buf, cap, "a dangling symbolic link");
    else if (type != NULL)
        snprintf(buf, cap, "%s, not a regular file", type);
    else
        snprintf(buf, cap, "%s", strerror(info->err));
    return buf;
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

/* Writes |len| bytes with |mode| to a new temporary file beside |path| (its name in |tmp|),
 * flushed to disk.  Returns 0 or ZT_ERR_IO (errno kept; nothing left behind). */
static int write_temp(const char *path, char tmp[4096], const void *data, size_t len,
                      mode_t mode)
{
    int fd, saved;

    if ((size_t)snprintf(tmp, 4096, "%s.tmp-XXXXXX", path) >= 4096) {
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
    if (close(fd) != 0) {
        saved = errno;
        unlink(tmp);
        errno = saved;
        return ZT_ERR_IO;
    }
    return 0;
}

/* Makes the rename or link that put |path| in place durable. */
static void sync_dir(const char *path)
{
    char dir[4096];
    int dfd;

    if ((size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir))
        return;
    dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
}

int zt__io_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char tmp[4096];
    int saved;

    if (write_temp(path, tmp, data, len, mode) != 0)
        return ZT_ERR_IO;
    if (rename(tmp, path) != 0) {
        saved = errno;
        unlink(tmp);
        errno = saved;
        return ZT_ERR_IO;
    }
    sync_dir(path);
    return 0;
}

int zt__io_create_file(const char *path, const void *data, size_t len, mode_t mode)
{
    char tmp[4096];
    int rv = 0, saved;

    if (write_temp(path, tmp, data, len, mode) != 0)
        return ZT_ERR_IO;
    /* link() fails with EEXIST whatever is at |path|, a dangling symbolic link included,
     * where rename() would replace it. */
    if (link(tmp, path) != 0)
        rv = errno == EEXIST ? ZT_ERR_EXISTS : ZT_ERR_IO;
    saved = errno;
    unlink(tmp);
    errno = saved;
    if (rv == 0)
        sync_dir(path);
    return rv;
}
