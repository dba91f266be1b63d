/* pipebuf.c - how much a pipe holds, measured by filling it (your code) */
#include "pipebuf.h"

#include <errno.h>

/* TODO: fcntl(2) F_GETFL/F_SETFL with O_NONBLOCK; write(2) until EAGAIN. */
long pipe_fill(int wfd, size_t chunk)
{
    (void)wfd;
    (void)chunk;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

/* TODO: pipe(2), fcntl(2) F_SETPIPE_SZ (needs _GNU_SOURCE), pipe_fill, close. */
long pipe_capacity(long bytes)
{
    (void)bytes;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}
