/* pipefork.c - a child process at the other end of a pipe (reference) */
#define _GNU_SOURCE /* pipe2 */
#include "pipefork.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

enum { END_READ = 0, END_WRITE = 1 };

/* Writes all len bytes of buf to fd. Returns 0, or -1 with errno. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Copies everything from in to out until end of file. Returns 0, or -1. */
static int copy_all(int in, int out)
{
    char buf[16384];

    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));

        if (n == 0)
            return 0;
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (write_all(out, buf, (size_t)n) == -1)
            return -1;
    }
}

/*
 * Creates a pipe (both ends close-on-exec) and forks. The parent keeps only
 * fds[keep], the child only the other end. Returns what fork returns; on
 * failure -1 with errno and both ends closed.
 */
static pid_t fork_with_pipe(int fds[2], int keep)
{
    pid_t pid;
    int saved;

    if (pipe2(fds, O_CLOEXEC) == -1)
        return -1;
    pid = fork();
    if (pid == -1)
        goto out_close;
    close(fds[pid == 0 ? keep : 1 - keep]);
    return pid;

out_close:
    saved = errno;
    close(fds[0]);
    close(fds[1]);
    errno = saved;
    return -1;
}

pid_t spawn_writer(const void *data, size_t len, int *read_fd)
{
    int fds[2];
    pid_t pid;

    if (read_fd == NULL || (data == NULL && len > 0)) {
        errno = EINVAL;
        return -1;
    }
    pid = fork_with_pipe(fds, END_READ);
    if (pid == 0)
        _exit(write_all(fds[END_WRITE], data, len) == 0 ? 0 : 1);
    if (pid > 0)
        *read_fd = fds[END_READ];
    return pid;
}

pid_t spawn_reader(int out_fd, int *write_fd)
{
    int fds[2];
    pid_t pid;

    if (write_fd == NULL) {
        errno = EINVAL;
        return -1;
    }
    pid = fork_with_pipe(fds, END_WRITE);
    if (pid == 0)
        _exit(copy_all(fds[END_READ], out_fd) == 0 ? 0 : 1);
    if (pid > 0)
        *write_fd = fds[END_WRITE];
    return pid;
}
