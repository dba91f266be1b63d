/* test_pipebuf.c - tests of 07-pipe-buffering: filling pipes and measuring their size */
#define _GNU_SOURCE /* F_GETPIPE_SZ, F_SETPIPE_SZ, FIONREAD */
#include "harness.h"
#include "pipebuf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/*
 * A stall detector: while the code under test runs, a timer samples how many
 * bytes sit in the watched pipe. Correct code never blocks, so the level
 * keeps moving until the call returns; a level that stays put for several
 * samples means a write is blocked on a full pipe, and the test fails at
 * once with a message instead of running into its time limit.
 */
#define TICK_SECONDS 0.1
#define STALL_TICKS 4

static timer_t ticker;
static int watched_fd;
static int last_level;
static int stalls;

static void on_tick(int sig)
{
    int level;

    (void)sig;
    if (ioctl(watched_fd, FIONREAD, &level) < 0)
        level = -1;
    if (level > 0 && level == last_level) {
        if (++stalls >= STALL_TICKS)
            ck_abort_msg("the call blocked: the pipe has held %d bytes without change "
                         "for a while; write with O_NONBLOCK set and stop at EAGAIN",
                         level);
    } else {
        stalls = 0;
    }
    last_level = level;
}

/* Starts watching the pipe that descriptor fd belongs to. */
static void watch_start(int fd)
{
    struct sigaction sa;
    struct sigevent ev;
    struct itimerspec every;
    double s = test_scaled(TICK_SECONDS);

    watched_fd = fd;
    last_level = -1;
    stalls = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_tick;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGALRM;
    ck_assert_int_eq(timer_create(CLOCK_MONOTONIC, &ev, &ticker), 0);
    every.it_value.tv_sec = (time_t)s;
    every.it_value.tv_nsec = (long)((s - (double)(time_t)s) * 1e9);
    every.it_interval = every.it_value;
    ck_assert_int_eq(timer_settime(ticker, 0, &every, NULL), 0);
}

static void watch_stop(void)
{
    timer_delete(ticker);
}

/* pipe_fill(wfd, chunk) under the stall detector, which watches rfd. */
static long fill(int rfd, int wfd, size_t chunk)
{
    long n;

    watch_start(rfd);
    n = pipe_fill(wfd, chunk);
    watch_stop();
    return n;
}

/* pipe_capacity(bytes) under the stall detector. pipe() takes the lowest
 * free descriptors, so the detector watches the one the read end will get. */
static long capacity(long bytes)
{
    int probe[2];
    long n;

    ck_assert_int_eq(pipe(probe), 0);
    close(probe[0]);
    close(probe[1]);
    watch_start(probe[0]);
    n = pipe_capacity(bytes);
    watch_stop();
    return n;
}

/* Reads everything in the pipe (the read end is made non-blocking). */
static long drain(int rfd)
{
    char buf[65536];
    long total = 0;
    ssize_t n;

    ck_assert_int_eq(fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK), 0);
    while ((n = read(rfd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            total += n;
    ck_assert_msg(n < 0 && errno == EAGAIN, "draining the pipe: read gave %zd (%s)", n,
                  strerror(errno));
    return total;
}

/* true when a non-blocking write of len bytes is refused with EAGAIN. */
static bool refuses(int wfd, size_t len)
{
    static char buf[65536];
    int flags = fcntl(wfd, F_GETFL);
    ssize_t n;
    int err;

    ck_assert_int_eq(fcntl(wfd, F_SETFL, flags | O_NONBLOCK), 0);
    n = write(wfd, buf, len);
    err = errno;
    ck_assert_int_eq(fcntl(wfd, F_SETFL, flags), 0);
    return n < 0 && err == EAGAIN;
}

/* What the kernel makes of a request for `bytes` on a pipe: the size it
 * gives, or -1 with *err set to its errno. */
static long kernel_size(long bytes, int *err)
{
    int fds[2];
    long size;

    ck_assert_int_eq(pipe(fds), 0);
    errno = 0;
    size = fcntl(fds[1], F_SETPIPE_SZ, (int)bytes);
    *err = errno;
    close(fds[0]);
    close(fds[1]);
    return size;
}

/* The value of /proc/sys/fs/pipe-max-size. */
static long pipe_max_size(void)
{
    FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
    long max = -1;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%ld", &max), 1);
    fclose(f);
    return max;
}

/* The number of write system calls this process has made so far (syscw in
 * /proc/self/io); fails the test when the kernel does not say. */
static long long write_calls(void)
{
    char line[128];
    long long calls = -1;
    FILE *f = fopen("/proc/self/io", "re");

    ck_assert_msg(f != NULL,
                  "/proc/self/io cannot be read (%s): this test counts the write "
                  "calls of pipe_capacity there and cannot run without it",
                  strerror(errno));
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "syscw:", 6) == 0)
            calls = atoll(line + 6);
    fclose(f);
    ck_assert_msg(calls >= 0, "/proc/self/io has no syscw line: this test counts the "
                              "write calls of pipe_capacity there and cannot run "
                              "without it");
    return calls;
}

GRADED_TEST(fill_takes_everything_a_fresh_pipe_holds, 1, 3)
{
    int fds[2];
    long size, n;

    ck_assert_int_eq(pipe(fds), 0);
    size = fcntl(fds[1], F_GETPIPE_SZ);
    n = fill(fds[0], fds[1], 1);
    ck_assert_msg(n == size,
                  "pipe_fill(wfd, 1) on a fresh pipe returned %ld (%s); the pipe "
                  "holds %ld bytes",
                  n, n < 0 ? strerror(errno) : "", size);
    ck_assert_msg(drain(fds[0]) == size, "the bytes written must stay in the pipe");
    close(fds[0]);
    close(fds[1]);
}

GRADED_TEST(fill_leaves_the_pipe_full, 0.75, 3)
{
    static const size_t chunks[] = {1, 4096};

    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        int fds[2];
        long n;

        ck_assert_int_eq(pipe(fds), 0);
        n = fill(fds[0], fds[1], chunks[i]);
        ck_assert_msg(n > 0, "pipe_fill(wfd, %zu) returned %ld (%s)", chunks[i], n,
                      strerror(errno));
        ck_assert_msg(refuses(fds[1], 1),
                      "after pipe_fill(wfd, %zu) the pipe still took a 1-byte write: "
                      "keep writing until write fails with EAGAIN",
                      chunks[i]);
        close(fds[0]);
        close(fds[1]);
    }
}

GRADED_TEST(fill_counts_the_bytes_actually_written, 1, 3)
{
    /* chunks above PIPE_BUF (4096) may be written in part */
    static const size_t chunks[] = {1000, 5000, 4097, 65537};

    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        int fds[2];
        long n, drained;

        ck_assert_int_eq(pipe(fds), 0);
        n = fill(fds[0], fds[1], chunks[i]);
        ck_assert_msg(n > 0, "pipe_fill(wfd, %zu) returned %ld (%s)", chunks[i], n,
                      strerror(errno));
        ck_assert_msg(refuses(fds[1], chunks[i]),
                      "after pipe_fill(wfd, %zu) the pipe still took another chunk",
                      chunks[i]);
        drained = drain(fds[0]);
        ck_assert_msg(n == drained,
                      "pipe_fill(wfd, %zu) returned %ld but the pipe held %ld bytes: "
                      "add what each write returned, a partial write included",
                      chunks[i], n, drained);
        close(fds[0]);
        close(fds[1]);
    }
}

GRADED_TEST(fill_does_not_block_on_a_blocking_descriptor, 0.75, 3)
{
    int fds[2];
    long n;

    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(fcntl(fds[1], F_GETFL) & O_NONBLOCK, 0);
    n = fill(fds[0], fds[1], 4096);
    ck_assert_msg(n > 0, "pipe_fill(wfd, 4096) returned %ld (%s)", n, strerror(errno));
    close(fds[0]);
    close(fds[1]);
}

GRADED_TEST(fill_restores_blocking_mode, 0.75, 3)
{
    int fds[2], before, after;
    long n;

    ck_assert_int_eq(pipe(fds), 0);
    before = fcntl(fds[1], F_GETFL);
    n = fill(fds[0], fds[1], 512);
    ck_assert_msg(n > 0, "pipe_fill(wfd, 512) returned %ld (%s)", n, strerror(errno));
    after = fcntl(fds[1], F_GETFL);
    ck_assert_msg(after == before,
                  "file status flags were %#x before pipe_fill and %#x after: put "
                  "back what F_GETFL gave (O_NONBLOCK was not set)",
                  (unsigned)before, (unsigned)after);
    close(fds[0]);
    close(fds[1]);
}

GRADED_TEST(fill_keeps_nonblocking_mode, 0.5, 3)
{
    int fds[2], before, after;
    long n;

    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
    before = fcntl(fds[1], F_GETFL);
    n = fill(fds[0], fds[1], 512);
    ck_assert_msg(n > 0, "pipe_fill(wfd, 512) returned %ld (%s)", n, strerror(errno));
    after = fcntl(fds[1], F_GETFL);
    ck_assert_msg(after == before,
                  "file status flags were %#x before pipe_fill and %#x after: "
                  "O_NONBLOCK was set by the caller and must stay set",
                  (unsigned)before, (unsigned)after);
    close(fds[0]);
    close(fds[1]);
}

GRADED_TEST(fill_restores_flags_when_it_fails, 0.5, 3)
{
    int fds[2], before, after;
    long n;

    ck_assert_int_eq(pipe(fds), 0);
    before = fcntl(fds[0], F_GETFL);
    errno = 0;
    n = pipe_fill(fds[0], 16); /* the read end: every write fails */
    ck_assert_msg(n == -1 && errno == EBADF,
                  "pipe_fill on a read end returned %ld with errno %d (%s), expected "
                  "-1 with write's EBADF",
                  n, errno, strerror(errno));
    after = fcntl(fds[0], F_GETFL);
    ck_assert_msg(after == before,
                  "file status flags were %#x before the failed pipe_fill and %#x "
                  "after: restore them on the error path too",
                  (unsigned)before, (unsigned)after);
    close(fds[0]);
    close(fds[1]);
}

GRADED_TEST(fill_fails_with_epipe_without_a_reader, 0.25, 2)
{
    int fds[2];
    long n;
    int err;

    /* the test takes care of SIGPIPE itself: pipe_fill only reports EPIPE */
    ck_assert(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    ck_assert_int_eq(pipe(fds), 0);
    close(fds[0]);
    errno = 0;
    n = pipe_fill(fds[1], 1);
    err = errno;
    close(fds[1]);
    ck_assert_msg(n == -1 && err == EPIPE,
                  "pipe_fill on a pipe without a reader returned %ld with errno %d "
                  "(%s), expected -1 with write's EPIPE: only EAGAIN means full",
                  n, err, strerror(err));
}

GRADED_TEST(fill_rejects_chunk_zero_with_einval, 0.25, 2)
{
    int fds[2];
    long n;

    ck_assert_int_eq(pipe(fds), 0);
    errno = 0;
    n = pipe_fill(fds[1], 0);
    ck_assert_msg(n == -1 && errno == EINVAL,
                  "pipe_fill(wfd, 0) returned %ld with errno %d (%s), expected -1 "
                  "with EINVAL",
                  n, errno, strerror(errno));
    close(fds[0]);
    close(fds[1]);
}

GRADED_TEST(capacity_by_default_is_what_a_fresh_pipe_holds, 0.5, 3)
{
    int fds[2];
    long size, n;

    ck_assert_int_eq(pipe(fds), 0);
    size = fcntl(fds[1], F_GETPIPE_SZ);
    close(fds[0]);
    close(fds[1]);
    n = capacity(0);
    ck_assert_msg(n == size, "pipe_capacity(0) returned %ld (%s), a fresh pipe holds %ld",
                  n, n < 0 ? strerror(errno) : "", size);
}

GRADED_TEST(capacity_rounds_requested_sizes_like_the_kernel, 1, 4)
{
    /* on 4 KiB pages: 4096, 4096, 8192, 131072, 4096 */
    static const long asked[] = {1, 4096, 5000, 100000, 4097};

    for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
        int err;
        long expected = kernel_size(asked[i], &err);
        long n;

        ck_assert_msg(expected > 0, "F_SETPIPE_SZ %ld failed here: %s", asked[i],
                      strerror(err));
        n = capacity(asked[i]);
        ck_assert_msg(n == expected,
                      "pipe_capacity(%ld) returned %ld (%s); the kernel sizes such a "
                      "pipe to %ld bytes",
                      asked[i], n, n < 0 ? strerror(errno) : "", expected);
    }
}

GRADED_TEST(capacity_reaches_pipe_max_size, 0.5, 8)
{
    long max = pipe_max_size();
    long n = capacity(max);

    ck_assert_msg(n == max,
                  "pipe_capacity(%ld) (/proc/sys/fs/pipe-max-size) returned %ld (%s)",
                  max, n, n < 0 ? strerror(errno) : "");
}

GRADED_TEST(capacity_above_the_maximum_fails_like_the_kernel, 0.5, 3)
{
    long above = pipe_max_size() + 1;
    int kernel_err, err;
    long kernel = kernel_size(above, &kernel_err);
    long n;

    errno = 0;
    n = capacity(above);
    err = errno;
    if (kernel < 0) /* the usual case: no CAP_SYS_RESOURCE, EPERM */
        ck_assert_msg(n == -1 && err == kernel_err,
                      "pipe_capacity(%ld) returned %ld with errno %d (%s); the kernel "
                      "refuses that size with %s",
                      above, n, err, strerror(err), strerror(kernel_err));
    else
        ck_assert_msg(n == kernel, "pipe_capacity(%ld) returned %ld; the kernel "
                                   "gives this process a pipe of %ld",
                      above, n, kernel);
}

GRADED_TEST(capacity_rejects_negative_sizes_with_einval, 0.25, 2)
{
    long n;

    errno = 0;
    n = pipe_capacity(-1);
    ck_assert_msg(n == -1 && errno == EINVAL,
                  "pipe_capacity(-1) returned %ld with errno %d (%s), expected -1 with "
                  "EINVAL",
                  n, errno, strerror(errno));
    errno = 0;
    ck_assert_int_eq(pipe_capacity(-65536), -1);
    ck_assert_int_eq(errno, EINVAL);
}

GRADED_TEST(capacity_measures_by_filling_the_pipe, 0.75, 4)
{
    /* asking the kernel (F_GETPIPE_SZ) gives the same number without a single
     * write: only the count of write calls tells a measurement from it */
    static const long asked[] = {0, 5000};

    for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
        long long before = write_calls(), calls;
        long n = capacity(asked[i]);

        calls = write_calls() - before;
        ck_assert_msg(n > 0, "pipe_capacity(%ld) returned %ld (%s)", asked[i], n,
                      strerror(errno));
        ck_assert_msg(calls >= n,
                      "pipe_capacity(%ld) returned %ld after only %lld write calls: "
                      "measure with pipe_fill(write end, 1), one byte per write, "
                      "instead of asking the kernel for the size",
                      asked[i], n, calls);
    }
}

GRADED_TEST(capacity_rejects_sizes_above_int_max_with_einval, 0.25, 2)
{
    /* F_SETPIPE_SZ takes an int: 2^32 + 8192 passed on as it is would
     * quietly become a request for 8192 */
    static const long above[] = {(long)INT_MAX + 1, (1L << 32) + 8192, LONG_MAX};

    for (size_t i = 0; i < sizeof(above) / sizeof(above[0]); i++) {
        long n;
        int err;

        errno = 0;
        n = capacity(above[i]);
        err = errno;
        ck_assert_msg(n == -1 && err == EINVAL,
                      "pipe_capacity(%ld) returned %ld with errno %d (%s), expected -1 "
                      "with EINVAL: F_SETPIPE_SZ takes an int, so refuse anything "
                      "above INT_MAX before calling fcntl",
                      above[i], n, err, strerror(err));
    }
}

GRADED_TEST(capacity_closes_its_pipe, 0.5, 3)
{
    int before = test_open_fds();
    long n;

    /* whatever size it measures: only a call that ran can be checked */
    n = capacity(8192);
    ck_assert_msg(n > 0, "pipe_capacity(8192) failed (%s): this test needs a call "
                         "that works to see whether it closes its pipe",
                  strerror(errno));
    ck_assert_msg(test_open_fds() == before,
                  "%d descriptor(s) more are open after pipe_capacity: close both "
                  "ends of the pipe",
                  test_open_fds() - before);
    (void)capacity(pipe_max_size() + 1);
    ck_assert_msg(test_open_fds() == before,
                  "%d descriptor(s) more are open after pipe_capacity was refused a "
                  "size: close both ends on the error path too",
                  test_open_fds() - before);
}
