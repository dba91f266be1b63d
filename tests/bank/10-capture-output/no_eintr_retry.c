/* no_eintr_retry.c - broken capture.c for 10-capture-output: poll, read and waitpid failing with EINTR end the capture instead of being called again
 * expect-fail: retries_calls_interrupted_by_signals
 * grade-with: fast
 *
 * Without SA_RESTART, a signal handler that runs while the caller is asleep
 * in poll (between two bursts of output) or in waitpid (after the output,
 * before the command exits) makes the call fail with EINTR, and this
 * capture_output returns -1 for a command that did nothing wrong. (poll
 * fails with EINTR even with SA_RESTART.) The storm in the test hits both.
 */
#define _GNU_SOURCE
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Free space a buffer has before each read. */
#define READ_CHUNK 65536

/* A growing, always NUL-terminated byte buffer. */
struct buffer {
    char *data;
    size_t len;
    size_t cap;
};

/*
 * The descriptors every command of a run shares: its stdin, and the pipes
 * that carry stdout (of the last command) and stderr (of all) to the caller.
 * All are close-on-exec; -1 when closed. They are opened in this order, so
 * that each lies above the standard descriptor it will replace, even when
 * the caller runs with 0, 1 or 2 closed (see move_fd).
 */
struct plumbing {
    int null_fd;
    int err[2];
    int out[2];
};

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static void plumbing_close(struct plumbing *p)
{
    close_fd(&p->null_fd);
    close_fd(&p->err[0]);
    close_fd(&p->err[1]);
    close_fd(&p->out[0]);
    close_fd(&p->out[1]);
}

static int plumbing_open(struct plumbing *p)
{
    int saved;

    p->err[0] = p->err[1] = p->out[0] = p->out[1] = -1;
    p->null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (p->null_fd < 0)
        return -1;
    if (pipe2(p->err, O_CLOEXEC) < 0 || pipe2(p->out, O_CLOEXEC) < 0)
        goto out_close;
    return 0;

out_close:
    saved = errno;
    plumbing_close(p);
    errno = saved;
    return -1;
}

/* Makes fd the descriptor target, without close-on-exec (dup2 does not clear
 * the flag when both are the same descriptor). Returns 0 or -1. */
static int move_fd(int fd, int target)
{
    if (fd == target)
        return fcntl(fd, F_SETFD, 0);
    return dup2(fd, target) < 0 ? -1 : 0;
}

/* Forks a child that runs argv with in_fd, out_fd and err_fd as its stdin,
 * stdout and stderr. Returns its pid, or -1. */
static pid_t start_command(char *const argv[], int in_fd, int out_fd, int err_fd)
{
    pid_t pid = fork();

    if (pid != 0)
        return pid;
    /* every other descriptor of ours is close-on-exec */
    if (move_fd(in_fd, 0) == 0 && move_fd(out_fd, 1) == 0 && move_fd(err_fd, 2) == 0)
        execvp(argv[0], argv);
    _exit(127); /* not exit: the caller's stdio buffers are not ours to flush */
}

/*
 * Starts the n commands of a pipeline, stage i reading what stage i - 1
 * writes: the first reads p->null_fd (which this closes), the last writes
 * p->out[1]. Every inner pipe end is closed here once the stages that use it
 * hold it. Returns how many started: fewer than n on failure, with errno set.
 */
static size_t start_stages(char *const *const cmds[], size_t n, struct plumbing *p,
                           pid_t *pids)
{
    int in_fd = p->null_fd;
    size_t i;
    int saved;

    p->null_fd = -1;
    for (i = 0; i < n; i++) {
        int next[2] = {-1, p->out[1]};

        if (i + 1 < n && pipe2(next, O_CLOEXEC) < 0)
            break;
        pids[i] = start_command(cmds[i], in_fd, next[1], p->err[1]);
        saved = errno;
        close(in_fd);
        if (next[0] >= 0)
            close(next[1]);
        in_fd = next[0];
        errno = saved;
        if (pids[i] < 0)
            break;
    }
    saved = errno;
    close_fd(&in_fd);
    errno = saved;
    return i;
}

/* Makes room for a read of READ_CHUNK bytes plus the terminating NUL. */
static int buffer_reserve(struct buffer *b)
{
    size_t cap = b->cap ? b->cap : READ_CHUNK;
    char *data;

    while (cap - b->len <= READ_CHUNK) {
        if (cap > SIZE_MAX / 2) {
            errno = ENOMEM;
            return -1;
        }
        cap *= 2;
    }
    if (cap == b->cap)
        return 0;
    data = realloc(b->data, cap);
    if (data == NULL)
        return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

/* Appends what one read of fd gives. Returns the byte count, 0 at end of
 * file, -1 on error. */
static ssize_t buffer_read(struct buffer *b, int fd)
{
    ssize_t n;

    if (buffer_reserve(b) < 0)
        return -1;
    n = read(fd, b->data + b->len, b->cap - b->len - 1); /* BUG: no EINTR retry */
    if (n > 0)
        b->len += (size_t)n;
    b->data[b->len] = '\0';
    return n;
}

/* Reads the two pipes together, as data arrives, until both reach end of
 * file. */
static int collect(int out_fd, int err_fd, struct buffer *out, struct buffer *err)
{
    struct pollfd pfd[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    struct buffer *buf[2] = {out, err};
    int open_count = 2;

    while (open_count > 0) {
        if (poll(pfd, 2, -1) < 0)
            return -1; /* BUG: a caught signal ends the capture */
        for (int i = 0; i < 2; i++) {
            ssize_t n;

            if (pfd[i].fd < 0 || pfd[i].revents == 0)
                continue;
            n = buffer_read(buf[i], pfd[i].fd);
            if (n < 0)
                return -1;
            if (n == 0) {
                pfd[i].fd = -1; /* poll skips it from now on */
                open_count--;
            }
        }
    }
    return 0;
}

static int reap(pid_t pid, int *status)
{
    /* BUG: EINTR is taken for a failure, and the child is left a zombie */
    return waitpid(pid, status, 0) < 0 ? -1 : 0;
}

/* Reaps every child; stores the last one's status. */
static int reap_all(const pid_t *pids, size_t n, int *last_status)
{
    int result = 0, saved = 0;

    for (size_t i = 0; i < n; i++) {
        int status;

        if (reap(pids[i], &status) < 0) {
            result = -1;
            saved = errno;
        } else if (i + 1 == n) {
            *last_status = status;
        }
    }
    errno = saved;
    return result;
}

/* Stops and reaps the started children after a failure in the caller. */
static void stop_all(const pid_t *pids, size_t started)
{
    int status;

    for (size_t i = 0; i < started; i++)
        kill(pids[i], SIGKILL);
    for (size_t i = 0; i < started; i++)
        reap(pids[i], &status);
}

static bool valid_pipeline(char *const *const cmds[], size_t n)
{
    if (cmds == NULL || n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (cmds[i] == NULL || cmds[i][0] == NULL)
            return false;
    return true;
}

int capture_pipeline(char *const *const cmds[], size_t n, struct capture *c)
{
    struct buffer out = {NULL, 0, 0}, err = {NULL, 0, 0};
    struct plumbing p;
    size_t started;
    pid_t *pids;
    int saved;

    if (c == NULL) {
        errno = EINVAL;
        return -1;
    }
    memset(c, 0, sizeof(*c));
    if (!valid_pipeline(cmds, n)) {
        errno = EINVAL;
        return -1;
    }
    pids = calloc(n, sizeof(*pids));
    if (pids == NULL)
        return -1;
    if (plumbing_open(&p) < 0)
        goto out_free_pids;
    started = start_stages(cmds, n, &p, pids);
    saved = errno;
    /* from here on, only the children hold the write ends */
    close_fd(&p.out[1]);
    close_fd(&p.err[1]);
    errno = saved;
    if (started < n)
        goto out_stop;
    if (collect(p.out[0], p.err[0], &out, &err) < 0)
        goto out_stop;
    plumbing_close(&p);
    if (reap_all(pids, n, &c->status) < 0)
        goto out_free_buffers;
    free(pids);
    c->out = out.data;
    c->out_len = out.len;
    c->err = err.data;
    c->err_len = err.len;
    return 0;

out_stop:
    saved = errno;
    plumbing_close(&p);
    stop_all(pids, started);
    errno = saved;
out_free_buffers:
    free(out.data);
    free(err.data);
out_free_pids:
    free(pids);
    c->status = 0;
    return -1;
}

int capture_output(char *const argv[], struct capture *c)
{
    char *const *cmds[1] = {argv};

    if (argv == NULL) {
        if (c != NULL)
            memset(c, 0, sizeof(*c));
        errno = EINVAL;
        return -1;
    }
    return capture_pipeline(cmds, 1, c);
}

void capture_free(struct capture *c)
{
    if (c == NULL)
        return;
    free(c->out);
    free(c->err);
    memset(c, 0, sizeof(*c));
}
