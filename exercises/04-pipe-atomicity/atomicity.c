/* atomicity.c - several writers on one pipe: which writes stay whole (your code) */
#include "atomicity.h"

#include <errno.h>

/* TODO: ask fpathconf(2) for _PC_PIPE_BUF. */
long pipe_atomic_limit(int fd)
{
    (void)fd;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

/* TODO: walk the stream one record at a time; do not forget the short tail. */
long count_torn(const unsigned char *stream, size_t len, size_t record_size)
{
    (void)stream;
    (void)len;
    (void)record_size;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

/* TODO: pipe(2), fork(2) per writer, read(2) until end of file, waitpid(2). */
int pipe_interleave(int writers, int records_each, size_t record_size,
                    struct interleave_report *report)
{
    (void)writers;
    (void)records_each;
    (void)record_size;
    (void)report;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}
