/* pipebuf.h - how much a pipe holds, measured by filling it (contract) */
#ifndef PIPEBUF_H
#define PIPEBUF_H

#include <stddef.h>

/*
 * Writes chunks of `chunk` bytes into the pipe whose write end is wfd until
 * the pipe accepts no more, without ever blocking (the descriptor is
 * switched to non-blocking mode for the duration if it was not already).
 * Returns the number of bytes written, counting a partial write by what it
 * wrote; they stay in the pipe for the caller to read. On return (success or
 * failure) the descriptor's file status flags (F_GETFL) are what they were.
 * Errors (-1): EINVAL when chunk is 0; ENOMEM; the errno of fcntl or write
 * (EBADF when wfd is not open for writing; EPIPE when no reader is left,
 * which the caller only sees when it ignores, blocks or catches SIGPIPE: the
 * same write also raises that signal, whose default action kills).
 */
long pipe_fill(int wfd, size_t chunk);

/*
 * Creates a pipe; when bytes > 0, asks the kernel to size it to `bytes`
 * (F_SETPIPE_SZ, which rounds up); then measures with pipe_fill(write end, 1)
 * how many bytes it holds, closes both ends and returns the measurement.
 * bytes == 0 keeps the kernel's default size.
 * Errors (-1): EINVAL when bytes < 0 or bytes > INT_MAX (F_SETPIPE_SZ takes
 * an int, so a larger size cannot even be asked for); the errno of a size
 * the kernel refuses (EPERM above /proc/sys/fs/pipe-max-size for a process
 * without CAP_SYS_RESOURCE); the errno of pipe or of pipe_fill. No
 * descriptor is left open, on any path.
 */
long pipe_capacity(long bytes);

#endif
