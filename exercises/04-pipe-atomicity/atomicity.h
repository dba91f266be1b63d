/* atomicity.h - which pipe writes stay whole with many writers (contract) */
#ifndef ATOMICITY_H
#define ATOMICITY_H

#include <stddef.h>

/* What pipe_interleave read back from its writers. */
struct interleave_report {
    long records; /* records read back */
    long torn;    /* records whose bytes came from more than one writer */
};

/*
 * The size of the largest write that the kernel performs atomically on the
 * pipe fd: fpathconf(fd, _PC_PIPE_BUF). Returns that size, or -1 with errno
 * set (EBADF for a negative descriptor).
 */
long pipe_atomic_limit(int fd);

/*
 * Cuts the len bytes at stream into consecutive records of record_size bytes
 * (when len is not a multiple of record_size, the shorter tail is one more
 * record) and returns how many records are NOT made of one byte value
 * repeated. len == 0 gives 0 (stream may then be NULL).
 * Errors (-1): EINVAL when stream is NULL and len > 0, or record_size is 0.
 */
long count_torn(const unsigned char *stream, size_t len, size_t record_size);

/*
 * Creates one pipe and forks `writers` children that all write into it.
 * Child i (0-based) writes records_each records of record_size bytes, every
 * byte equal to 'A' + i, each record with ONE write call (a partial write is
 * continued with the rest of that record), and leaves with _exit.
 * Meanwhile the caller reads the whole stream until end of file, then stores
 * in *report the number of records read (a short tail counts as one) and
 * count_torn of the stream. Every child is reaped with waitpid (other
 * children of the caller are not touched) and both pipe ends are closed
 * before returning. Returns 0.
 * Errors (-1): EINVAL when writers is not 1..26, records_each < 1,
 * record_size == 0 or report is NULL; the errno of a failing pipe, fork,
 * read or malloc; EIO when a child did not exit with status 0 (for example
 * because one of its writes failed), after every child has been reaped. No
 * descriptor or child is left behind on any path.
 */
int pipe_interleave(int writers, int records_each, size_t record_size,
                    struct interleave_report *report);

#endif
