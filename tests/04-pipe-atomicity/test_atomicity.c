/* test_atomicity.c - tests of 04-pipe-atomicity: torn records and atomic pipe writes */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "atomicity.h"
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static timer_t watchdog;

static void on_watchdog(int sig)
{
    (void)sig;
    /* the code under test is blocked (in read or waitpid): failing from here
     * turns a hang into a message */
    ck_abort_msg("pipe_interleave did not return in time: does the parent still "
                 "hold the pipe's write end (then read never sees end of file), or "
                 "wait for a child that cannot finish?");
}

/* Fails the test if the code under test runs longer than seconds (scaled). */
static void watchdog_arm(double seconds)
{
    struct sigaction sa;
    struct sigevent ev;
    struct itimerspec when;
    double s = test_scaled(seconds);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_watchdog; /* no SA_RESTART: a blocked read returns */
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGALRM;
    ck_assert_int_eq(timer_create(CLOCK_MONOTONIC, &ev, &watchdog), 0);
    memset(&when, 0, sizeof(when));
    when.it_value.tv_sec = (time_t)s;
    when.it_value.tv_nsec = (long)((s - (double)(time_t)s) * 1e9);
    ck_assert_int_eq(timer_settime(watchdog, 0, &when, NULL), 0);
}

static void watchdog_disarm(void)
{
    timer_delete(watchdog);
}

/*
 * A spy on write(2). The test program is linked with -Wl,--wrap=write (see
 * TEST_LDFLAGS_04-pipe-atomicity in the Makefile), so every write call of the
 * code under test lands in __wrap_write, which passes it on to the real
 * write. While a test has armed the spy, the wrapper looks at the calls made
 * by processes other than the test's own (pipe_interleave's writers): it
 * logs the size each call asked for, or makes the first such call fail. Its
 * state lives in a shared anonymous mapping made before pipe_interleave
 * forks, so that the writers' calls are seen by the test.
 */
enum spy_mode { SPY_OFF, SPY_LOG, SPY_FAIL_FIRST };

/* Calls whose size is kept; further calls are only counted. */
#define SPY_SLOTS 2048

struct write_spy {
    atomic_int mode;
    pid_t tester;       /* the test's own process: its calls are not looked at */
    atomic_long calls;  /* calls seen so far */
    atomic_size_t sizes[SPY_SLOTS]; /* what each call asked for */
};

static struct write_spy *spy;

ssize_t __real_write(int fd, const void *buf, size_t count);
ssize_t __wrap_write(int fd, const void *buf, size_t count);

ssize_t __wrap_write(int fd, const void *buf, size_t count)
{
    if (spy != NULL && atomic_load(&spy->mode) != SPY_OFF && getpid() != spy->tester) {
        long n = atomic_fetch_add(&spy->calls, 1);

        if (atomic_load(&spy->mode) == SPY_FAIL_FIRST && n == 0) {
            errno = ENOSPC; /* a failure that no retry can cure */
            return -1;
        }
        if (n < SPY_SLOTS)
            atomic_store(&spy->sizes[n], count);
    }
    return __real_write(fd, buf, count);
}

/* Arms the spy in the given mode, with nothing seen yet. */
static void spy_arm(enum spy_mode mode)
{
    spy = mmap(NULL, sizeof(*spy), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
               -1, 0);
    ck_assert_msg(spy != MAP_FAILED, "test setup: mmap: %s", strerror(errno));
    spy->tester = getpid();
    atomic_store(&spy->calls, 0);
    atomic_store(&spy->mode, (int)mode);
}

/* Disarms the spy; returns how many calls it saw. *odd (when not NULL)
 * receives the size of the first logged call that did not ask for `want`
 * bytes, or `want` when every logged call did. */
static long spy_disarm(size_t want, size_t *odd)
{
    long calls = atomic_load(&spy->calls);

    if (odd != NULL) {
        *odd = want;
        for (long i = 0; i < calls && i < SPY_SLOTS; i++) {
            size_t size = atomic_load(&spy->sizes[i]);

            if (size != want) {
                *odd = size;
                break;
            }
        }
    }
    munmap(spy, sizeof(*spy));
    spy = NULL;
    return calls;
}

/* Longest a pipe_interleave call of these tests may take (natively): small
 * calls, and calls moving megabytes. */
#define QUICK_CALL 0.5
#define BULK_CALL 1.5

/* count_torn on a string literal (its bytes, without the NUL). */
static long torn_in(const char *stream, size_t record_size)
{
    return count_torn((const unsigned char *)stream, strlen(stream), record_size);
}

/* Runs pipe_interleave and fails the test when it does not return 0 within
 * seconds (scaled). */
static struct interleave_report interleave(int writers, int records_each,
                                           size_t record_size, double seconds)
{
    struct interleave_report report = {-1, -1};
    int r;

    watchdog_arm(seconds);
    r = pipe_interleave(writers, records_each, record_size, &report);
    watchdog_disarm();

    ck_assert_msg(r == 0, "pipe_interleave(%d, %d, %zu, &report) returned %d (%s), "
                          "expected 0",
                  writers, records_each, record_size, r, strerror(errno));
    return report;
}

/* Asserts that pipe_interleave(writers, records_each, record_size, report)
 * fails with EINVAL. */
static void assert_interleave_einval(int writers, int records_each, size_t record_size,
                                     struct interleave_report *report)
{
    errno = 0;
    ck_assert_msg(pipe_interleave(writers, records_each, record_size, report) == -1 &&
                      errno == EINVAL,
                  "pipe_interleave(%d, %d, %zu, %s) must fail with EINVAL (errno was "
                  "%d: %s)",
                  writers, records_each, record_size, report ? "&report" : "NULL", errno,
                  strerror(errno));
}

GRADED_TEST(count_torn_finds_nothing_in_a_clean_stream, 0.5, 2)
{
    ck_assert_int_eq(torn_in("AAAABBBBAAAACCCC", 4), 0);
    ck_assert_int_eq(torn_in("ZZZZZZZZZZZZ", 3), 0);
    ck_assert_int_eq(torn_in("xyz", 1), 0);
}

GRADED_TEST(count_torn_counts_every_torn_record, 0.75, 2)
{
    /* records of 4: torn ones are the 1st, 3rd and 6th */
    ck_assert_msg(torn_in("ABBBCCCCCDDDEEEEFFFFGGGH", 4) == 3,
                  "\"ABBB CCCC CDDD EEEE FFFF GGGH\" with records of 4 has 3 torn "
                  "records, count_torn said %ld",
                  torn_in("ABBBCCCCCDDDEEEEFFFFGGGH", 4));
    /* the same bytes cut differently: "ABBBCC" "CCCDDD" "EEEEFF" "FFGGGH" */
    ck_assert_msg(torn_in("ABBBCCCCCDDDEEEEFFFFGGGH", 6) == 4,
                  "with records of 6 every record is torn; count_torn said %ld",
                  torn_in("ABBBCCCCCDDDEEEEFFFFGGGH", 6));
    ck_assert_int_eq(torn_in("AAAAAAAB", 8), 1);
}

GRADED_TEST(count_torn_counts_a_short_tail_as_one_record, 0.5, 2)
{
    long torn = torn_in("AAAABBBBCD", 4);

    ck_assert_msg(torn == 1, "\"AAAA BBBB CD\" with records of 4: the tail \"CD\" is "
                             "a torn record of its own, count_torn said %ld",
                  torn);
    ck_assert_msg(torn_in("AAAABBBBCC", 4) == 0,
                  "\"AAAA BBBB CC\": the tail \"CC\" is a whole record; count_torn said "
                  "%ld",
                  torn_in("AAAABBBBCC", 4));
    ck_assert_int_eq(torn_in("AAAABBBBC", 4), 0);
}

GRADED_TEST(count_torn_takes_a_stream_shorter_than_a_record_as_one_record, 0.5, 2)
{
    ck_assert_msg(torn_in("AAAB", 100) == 1,
                  "4 bytes with records of 100 are one torn record; count_torn said %ld",
                  torn_in("AAAB", 100));
    ck_assert_int_eq(torn_in("AAAA", 100), 0);
    ck_assert_int_eq(torn_in("AB", (size_t)-1), 1);
}

GRADED_TEST(count_torn_of_an_empty_stream_is_zero, 0.25, 2)
{
    unsigned char byte = 'A';

    ck_assert_int_eq(count_torn(&byte, 0, 4), 0);
    ck_assert_msg(count_torn(NULL, 0, 4) == 0,
                  "count_torn(NULL, 0, 4) must be 0: an empty stream may be NULL");
}

GRADED_TEST(count_torn_rejects_bad_arguments_with_einval, 0.5, 2)
{
    unsigned char stream[8] = "AAAABBBB";

    errno = 0;
    ck_assert_msg(count_torn(NULL, 8, 4) == -1 && errno == EINVAL,
                  "count_torn(NULL, 8, 4) must fail with EINVAL (errno %d: %s)", errno,
                  strerror(errno));
    errno = 0;
    ck_assert_msg(count_torn(stream, sizeof(stream), 0) == -1 && errno == EINVAL,
                  "count_torn with record_size 0 must fail with EINVAL (errno %d: %s)",
                  errno, strerror(errno));
}

GRADED_TEST(atomic_limit_is_pipe_buf, 0.5, 2)
{
    int fds[2];
    long limit, expected;

    ck_assert_int_eq(pipe(fds), 0);
    expected = fpathconf(fds[1], _PC_PIPE_BUF);
    limit = pipe_atomic_limit(fds[1]);
    ck_assert_msg(limit == expected,
                  "pipe_atomic_limit gave %ld, fpathconf(fd, _PC_PIPE_BUF) gives %ld "
                  "(4096 on Linux)",
                  limit, expected);
    ck_assert_int_eq(pipe_atomic_limit(fds[0]), expected);
    close(fds[0]);
    close(fds[1]);
}

GRADED_TEST(atomic_limit_fails_with_ebadf_for_a_negative_fd, 0.25, 2)
{
    static const int bad[] = {-1, -42};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long limit;

        errno = 0;
        limit = pipe_atomic_limit(bad[i]);
        ck_assert_msg(limit == -1 && errno == EBADF,
                      "pipe_atomic_limit(%d) gave %ld with errno %d (%s), expected -1 "
                      "with EBADF",
                      bad[i], limit, errno, strerror(errno));
    }
}

GRADED_TEST(interleave_rejects_bad_arguments_with_einval, 0.5, 2)
{
    struct interleave_report report;

    assert_interleave_einval(0, 1, 10, &report);
    assert_interleave_einval(27, 1, 10, &report);
    assert_interleave_einval(-1, 1, 10, &report);
    assert_interleave_einval(2, 0, 10, &report);
    assert_interleave_einval(2, -3, 10, &report);
    assert_interleave_einval(2, 1, 0, &report);
    assert_interleave_einval(2, 1, 10, NULL);
}

GRADED_TEST(interleave_ends_when_every_writer_is_done, 0.5, 2)
{
    struct interleave_report report = interleave(1, 1, 1, QUICK_CALL);

    ck_assert_int_eq(report.records, 1);
    ck_assert_int_eq(report.torn, 0);
}

GRADED_TEST(records_up_to_pipe_buf_never_tear, 0.75, 4)
{
    /* tearing needs an unlucky schedule: several rounds give it many chances */
    static const size_t sizes[] = {4096, 1000, 4096, 1};
    enum { WRITERS = 26, EACH = 40 };

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct interleave_report report =
            interleave(WRITERS, EACH, sizes[i], BULK_CALL);

        ck_assert_msg(report.records == WRITERS * EACH,
                      "%d writers x %d records of %zu bytes: %ld records read, "
                      "expected %d",
                      WRITERS, EACH, sizes[i], report.records, WRITERS * EACH);
        ck_assert_msg(report.torn == 0,
                      "records of %zu bytes (at most PIPE_BUF) came back torn %ld "
                      "times: each record must go out in one write call",
                      sizes[i], report.torn);
    }
}

GRADED_TEST(each_record_is_one_write, 1, 4)
{
    /* a record written in pieces may still arrive whole by luck: the spy
     * sees the pieces every time */
    static const size_t sizes[] = {4096, 1000, 2, 1};
    enum { WRITERS = 6, EACH = 30 };

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t odd;
        long calls;

        spy_arm(SPY_LOG);
        interleave(WRITERS, EACH, sizes[i], QUICK_CALL);
        calls = spy_disarm(sizes[i], &odd);
        ck_assert_msg(odd == sizes[i],
                      "records of %zu bytes: a writer called write for %zu bytes; "
                      "send each record (at most PIPE_BUF) with one write of the "
                      "whole record",
                      sizes[i], odd);
        ck_assert_msg(calls == WRITERS * EACH,
                      "%d writers x %d records of %zu bytes made %ld write calls, "
                      "expected exactly %d: one call per record",
                      WRITERS, EACH, sizes[i], calls, WRITERS * EACH);
    }
}

GRADED_TEST(interleave_fails_with_eio_when_a_writer_fails, 0.5, 3)
{
    struct interleave_report report;
    long calls;
    int r, err;

    /* the first write of any writer fails (ENOSPC): that child cannot do its
     * work, so it must not exit with status 0, and the caller must say so */
    spy_arm(SPY_FAIL_FIRST);
    watchdog_arm(QUICK_CALL);
    errno = 0;
    r = pipe_interleave(4, 3, 100, &report);
    err = errno;
    watchdog_disarm();
    calls = spy_disarm(100, NULL);
    ck_assert_msg(calls > 0, "pipe_interleave's writers never called write");
    ck_assert_msg(r == -1 && err == EIO,
                  "one writer's write failed, yet pipe_interleave returned %d (errno "
                  "%d: %s), expected -1 with EIO: a writer whose write fails exits "
                  "with a non-zero status, and the parent checks each status",
                  r, err, strerror(err));
}

GRADED_TEST(large_records_are_counted_exactly, 0.75, 5)
{
    static const size_t sizes[] = {64 * 1024, 128 * 1024 + 17};
    enum { WRITERS = 4, EACH = 6 };

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct interleave_report report =
            interleave(WRITERS, EACH, sizes[i], BULK_CALL);

        ck_assert_msg(report.records == WRITERS * EACH,
                      "%d writers x %d records of %zu bytes: %ld records read, "
                      "expected %d: read the stream until end of file, whatever "
                      "size each read returns",
                      WRITERS, EACH, sizes[i], report.records, WRITERS * EACH);
        /* above PIPE_BUF tearing may or may not happen: only bounds hold */
        ck_assert_msg(report.torn >= 0 && report.torn <= report.records,
                      "torn = %ld is not between 0 and records = %ld", report.torn,
                      report.records);
    }
}

GRADED_TEST(interleave_reaps_every_writer, 0.5, 3)
{
    pid_t pid;
    int status;

    interleave(5, 3, 100, QUICK_CALL);
    pid = waitpid(-1, &status, WNOHANG);
    ck_assert_msg(pid == -1 && errno == ECHILD,
                  "after pipe_interleave returned, waitpid(-1, WNOHANG) gave %ld: a "
                  "writer was %s; waitpid every child before returning",
                  (long)pid, pid == 0 ? "still running" : "never reaped");
}

GRADED_TEST(interleave_leaves_callers_other_child_alone, 0.75, 3)
{
    siginfo_t info;
    pid_t mine, got;
    int status;

    mine = fork();
    ck_assert_int_ge(mine, 0);
    if (mine == 0)
        _exit(42);
    /* wait until it has ended, without reaping it: a wait() would take it now */
    while (waitid(P_PID, (id_t)mine, &info, WEXITED | WNOWAIT) < 0)
        ck_assert_int_eq(errno, EINTR);
    interleave(3, 2, 50, QUICK_CALL);
    got = waitpid(mine, &status, WNOHANG);
    ck_assert_msg(got == mine,
                  "the caller's own child (exited, not yet reaped) was taken by "
                  "pipe_interleave: use waitpid(pid, ...) for your own children, "
                  "never wait()");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 42,
                  "the caller's own child has the wrong status");
}

GRADED_TEST(interleave_writers_leave_with_exit_underscore, 0.5, 3)
{
    interleave(4, 2, 10, QUICK_CALL);
    ck_assert_msg(test_exit_calls() == 0,
                  "%d writer(s) left through exit(): a forked child must leave with "
                  "_exit so it does not flush or run what it copied from its parent",
                  test_exit_calls());
}

GRADED_TEST(interleave_fails_cleanly_when_no_descriptor_is_free, 0.5, 3)
{
    struct interleave_report report;
    struct rlimit old, low;
    int fillers[64], nfill = 0, r, err;

    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)test_open_fds();
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    /* take whatever gaps remain below the limit: now pipe() must fail */
    while (nfill < 64 && (fillers[nfill] = dup(0)) >= 0)
        nfill++;
    errno = 0;
    r = pipe_interleave(2, 2, 10, &report);
    err = errno;
    while (nfill > 0)
        close(fillers[--nfill]);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
    ck_assert_msg(r == -1 && err == EMFILE,
                  "with no descriptor free pipe_interleave gave %d with errno %d (%s), "
                  "expected -1 with pipe's EMFILE",
                  r, err, strerror(err));
}
