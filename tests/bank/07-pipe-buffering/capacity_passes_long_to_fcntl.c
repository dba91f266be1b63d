/* capacity_passes_long_to_fcntl.c - broken pipebuf.c for 07-pipe-buffering: hands bytes to F_SETPIPE_SZ unchecked, so the kernel sees only its low 32 bits
 * expect-fail: capacity_rejects_sizes_above_int_max_with_einval
 * grade-with: fast
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include "pipebuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* Writes chunk-byte pieces of buf into the non-blocking wfd until it takes
 * no more; returns the bytes written. */
static long write_until_full(int wfd, const char *buf, size_t chunk)
{
    long total = 0;

    for (;;) {
        ssize_t n = write(wfd, buf, chunk);

        if (n > 0) {
            total += n;
            continue;
        }
        if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK)
            return total;
        if (errno != EINTR)
            return -1;
    }
}

long pipe_fill(int wfd, size_t chunk)
{
    long total = -1;
    char *buf;
    int flags, saved;

    if (chunk == 0) {
        errno = EINVAL;
        return -1;
    }
    flags = fcntl(wfd, F_GETFL);
    if (flags < 0)
        return -1;
    buf = calloc(chunk, 1);
    if (buf == NULL)
        return -1;
    if (!(flags & O_NONBLOCK) && fcntl(wfd, F_SETFL, flags | O_NONBLOCK) < 0)
        goto out_free;
    total = write_until_full(wfd, buf, chunk);
    saved = errno;
    if (!(flags & O_NONBLOCK) && fcntl(wfd, F_SETFL, flags) < 0 && total >= 0) {
        total = -1;
        saved = errno;
    }
    errno = saved;
out_free:
    saved = errno;
    free(buf);
    errno = saved;
    return total;
}

long pipe_capacity(long bytes)
{
    long held = -1;
    int fds[2], saved;

    if (bytes < 0) {
        errno = EINVAL;
        return -1;
    }
    if (pipe(fds) < 0)
        return -1;
    if (bytes > 0 && fcntl(fds[1], F_SETPIPE_SZ, bytes) < 0)
        goto out_close;
    held = pipe_fill(fds[1], 1);
out_close:
    saved = errno;
    close(fds[0]);
    close(fds[1]);
    errno = saved;
    return held;
}
