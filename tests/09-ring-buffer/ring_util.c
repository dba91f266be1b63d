/* ring_util.c - shared helpers of the 09-ring-buffer tests */
#include "ring_util.h"

#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void ru_fill(void *buf, uint32_t seq, size_t len)
{
    unsigned char *p = buf;
    size_t i = 0;

    if (len >= 4) {
        memcpy(p, &seq, 4);
        i = 4;
    }
    for (; i < len; i++)
        p[i] = (unsigned char)(seq * 131u + i * 7u + len);
}

bool ru_check(const void *buf, uint32_t seq, size_t len)
{
    unsigned char want[4096];

    if (len > sizeof(want))
        return false;
    ru_fill(want, seq, len);
    return memcmp(buf, want, len) == 0;
}

uint32_t ru_seq(const void *buf)
{
    uint32_t seq;

    memcpy(&seq, buf, 4);
    return seq;
}

struct ring *ru_create(char *name, size_t size, const char *tag, size_t slots,
                       size_t slot_size)
{
    struct ring *r;

    test_ipc_name(name, size, tag);
    r = ring_create(name, slots, slot_size);
    ck_assert_msg(r != NULL, "ring_create(\"%s\", %zu, %zu) failed: %s", name, slots,
                  slot_size, strerror(errno));
    return r;
}

void ru_destroy(struct ring *r, const char *name)
{
    ck_assert_msg(ring_detach(r) == 0, "ring_detach failed: %s", strerror(errno));
    ck_assert_msg(ring_unlink(name) == 0, "ring_unlink(\"%s\") failed: %s", name,
                  strerror(errno));
}

void ru_push(struct ring *r, uint32_t seq, size_t len)
{
    unsigned char msg[4096];

    ck_assert(len <= sizeof(msg));
    ru_fill(msg, seq, len);
    ck_assert_msg(ring_push(r, msg, len) == 0, "ring_push of message %u (%zu bytes) "
                  "failed: %s", (unsigned)seq, len, strerror(errno));
}

void ru_expect(struct ring *r, uint32_t seq, size_t len)
{
    unsigned char buf[4096];
    ssize_t n;

    ck_assert(ring_slot_size(r) <= sizeof(buf));
    memset(buf, 0xee, sizeof(buf));
    n = ring_try_pop(r, buf, sizeof(buf));
    ck_assert_msg(n >= 0, "ring_try_pop failed (%s), expected message %u of %zu "
                  "bytes", strerror(errno), (unsigned)seq, len);
    ck_assert_msg((size_t)n == len, "ring_try_pop returned %zd, expected message %u "
                  "of %zu bytes", n, (unsigned)seq, len);
    ck_assert_msg(ru_check(buf, seq, len), "ring_try_pop returned %zu bytes that are "
                  "not message %u: order or contents are wrong", len, (unsigned)seq);
}

void ru_expect_errno(long rc, int want, const char *call)
{
    int err = errno;

    ck_assert_msg(rc == -1, "%s returned %ld, expected -1 with errno %s", call, rc,
                  strerror(want));
    ck_assert_msg(err == want, "%s set errno %d (%s), expected %d (%s)", call, err,
                  strerror(err), want, strerror(want));
}

pid_t ru_fork(void)
{
    pid_t pid = fork();

    ck_assert_msg(pid >= 0, "fork failed: %s", strerror(errno));
    return pid;
}

void ru_pipe(int fds[2])
{
    ck_assert_msg(pipe(fds) == 0, "pipe failed: %s", strerror(errno));
}

bool ru_readable(int fd, double seconds)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    struct timespec start, now;
    double left = test_scaled(seconds);

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int r = poll(&p, 1, (int)(left * 1000));

        if (r > 0)
            return true;
        if (r == 0 || errno != EINTR)
            return false;
        clock_gettime(CLOCK_MONOTONIC, &now);
        left = test_scaled(seconds) - (double)(now.tv_sec - start.tv_sec) -
               (double)(now.tv_nsec - start.tv_nsec) / 1e9;
        if (left <= 0)
            return false;
    }
}

void ru_read_report(int fd, struct ru_report *rep, double seconds, const char *what)
{
    ssize_t n;

    ck_assert_msg(ru_readable(fd, seconds), "%s: no report within %g s (is a process "
                  "still blocked?)", what, test_scaled(seconds));
    do
        n = read(fd, rep, sizeof(*rep));
    while (n < 0 && errno == EINTR);
    ck_assert_msg(n == (ssize_t)sizeof(*rep), "%s: the child ended without reporting "
                  "(did it crash?)", what);
}

bool ru_write_report(int fd, int64_t rc, int err, int extra, const void *data,
                     size_t len)
{
    struct ru_report rep;

    memset(&rep, 0, sizeof(rep));
    rep.rc = rc;
    rep.err = err;
    rep.extra = extra;
    if (data != NULL)
        memcpy(rep.data, data, len < sizeof(rep.data) ? len : sizeof(rep.data));
    return write(fd, &rep, sizeof(rep)) == (ssize_t)sizeof(rep);
}

void ru_reap(pid_t pid, double seconds, const char *who)
{
    int status;

    ck_assert_msg(test_wait_child(pid, seconds, &status) == 0,
                  "%s did not finish within %g s: %s", who, test_scaled(seconds),
                  strerror(errno));
    if (WIFSIGNALED(status))
        ck_abort_msg("%s was killed by signal %d (%s)", who, WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "%s exited with status %d, expected 0", who, WEXITSTATUS(status));
}
