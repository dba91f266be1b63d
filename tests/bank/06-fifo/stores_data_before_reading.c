/* stores_data_before_reading.c - broken fifo.c for 06-fifo: hands the buffer to *data before reading, and leaves it there (freed) when a read fails
 * expect-fail: receive_leaves_data_unchanged_when_it_fails
 * grade-with: fast
 */
#include "fifo.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Reads fd until end of file into a malloc'd, NUL-terminated buffer. */
static ssize_t read_all(int fd, char **data)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);

    if (buf == NULL)
        return -1;
    *data = buf;
    for (;;) {
        ssize_t n;

        if (cap - len < 2) {
            char *bigger = realloc(buf, cap * 2);

            if (bigger == NULL)
                goto out_free;
            buf = bigger;
            *data = buf;
            cap *= 2;
        }
        n = read(fd, buf + len, cap - len - 1); /* room left for the NUL */
        if (n == 0)
            break;
        if (n == -1) {
            if (errno == EINTR)
                continue;
            goto out_free;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    *data = buf;
    return (ssize_t)len;

out_free:
    free(buf); /* glibc's free leaves errno alone (POSIX.1-2024 requires it) */
    return -1;
}

ssize_t fifo_receive(const char *path, char **data)
{
    ssize_t len;
    int fd, saved;

    if (mkfifo(path, 0600) == -1)
        return -1; /* EEXIST: whatever is there stays untouched */
    /* blocks until a writer opens the other end */
    while ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 && errno == EINTR)
        ;
    if (fd == -1)
        goto out_unlink;
    /* both ends are open: the name has done its job, and a second writer
     * now finds nothing instead of waiting for a reader that is gone */
    if (unlink(path) == -1)
        goto out_close;
    len = read_all(fd, data);
    saved = errno;
    close(fd);
    errno = saved;
    return len;

out_close:
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
out_unlink:
    saved = errno;
    unlink(path);
    errno = saved;
    return -1;
}

/* Writes all len bytes at p to fd, continuing after partial writes. */
static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Writes to a FIFO with SIGPIPE blocked, so that a reader leaving gives EPIPE
 * instead of killing the caller. The SIGPIPE this raises is taken back before
 * the mask is restored, unless the caller already had one pending (signals of
 * one kind do not queue: it was the caller's, and stays).
 */
static int write_without_sigpipe(int fd, const void *data, size_t len)
{
    static const struct timespec now = {0, 0};
    sigset_t sigpipe, old, pending;
    bool had_one;
    int ret, err, saved;

    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    if (sigpending(&pending) == -1)
        return -1;
    had_one = sigismember(&pending, SIGPIPE) == 1;
    err = pthread_sigmask(SIG_BLOCK, &sigpipe, &old);
    if (err != 0) {
        errno = err;
        return -1;
    }
    ret = write_all(fd, data, len);
    saved = errno;
    if (ret == -1 && saved == EPIPE && !had_one)
        while (sigtimedwait(&sigpipe, NULL, &now) == -1 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return ret;
}

int fifo_send(const char *path, const void *data, size_t len)
{
    struct stat st;
    int fd, saved;

    if (stat(path, &st) == -1)
        return -1; /* ENOENT when nothing is there */
    if (!S_ISFIFO(st.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    /* blocks until a reader opens the other end */
    while ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1 && errno == EINTR)
        ;
    if (fd == -1)
        return -1;
    /* the name may have been replaced since stat: check what was opened */
    if (fstat(fd, &st) == -1)
        goto out_close;
    if (!S_ISFIFO(st.st_mode)) {
        errno = EINVAL;
        goto out_close;
    }
    if (write_without_sigpipe(fd, data, len) == -1)
        goto out_close;
    return close(fd);

out_close:
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}
