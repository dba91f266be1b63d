/* child_exit_status_1.c - broken pipefork.c for 03-pipe-fork: spawn_writer's child exits with status 1 on success (true/false mix-up)
 * expect-fail: writer_child_exits_0_and_caller_reaps_it
 * grade-with: fast
 */
#define _GNU_SOURCE /* pipe2 */
#include "pipefork.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

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

static int copy_all(int in, int out)
{
    char buf[4096];
    ssize_t n;

    for (;;) {
        n = read(in, buf, sizeof(buf));
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

pid_t spawn_writer(const void *data, size_t len, int *read_fd)
{
    int fds[2];
    pid_t pid;
    int saved;

    if (pipe2(fds, O_CLOEXEC) == -1)
        return -1;
    pid = fork();
    if (pid == -1) {
        saved = errno;
        close(fds[0]);
        close(fds[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        _exit(write_all(fds[1], data, len) == 0);
    }
    close(fds[1]);
    *read_fd = fds[0];
    return pid;
}

pid_t spawn_reader(int out_fd, int *write_fd)
{
    int fds[2];
    pid_t pid;
    int saved;

    if (pipe2(fds, O_CLOEXEC) == -1)
        return -1;
    pid = fork();
    if (pid == -1) {
        saved = errno;
        close(fds[0]);
        close(fds[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        close(fds[1]);
        _exit(copy_all(fds[0], out_fd) == 0 ? 0 : 1);
    }
    close(fds[0]);
    *write_fd = fds[1];
    return pid;
}
