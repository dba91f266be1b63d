/* test_pipefork.c - tests of 03-pipe-fork: a child at the other end of a pipe */
#define _GNU_SOURCE /* seccomp and prctl, to make fork fail */
#include "harness.h"
#include "pipefork.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIG (1024 * 1024) /* 16 times what a fresh pipe holds */

static char data[BIG];
static char got[BIG];

/* Fills data with n bytes that repeat no 4 KiB block, so that a lost,
 * doubled or reordered piece shows. */
static void fill(size_t n)
{
    uint32_t x = 2463534242u;

    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (char)x;
    }
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Milliseconds left until end, at most cap_ms, at least 0. */
static int ms_left(double end, int cap_ms)
{
    double ms = (end - now()) * 1000.0;

    if (ms <= 0)
        return 0;
    return ms < cap_ms ? (int)ms + 1 : cap_ms;
}

static void on_signal(int sig)
{
    (void)sig;
}

/* SIGUSR1 interrupts blocking calls (no SA_RESTART); children inherit it. */
static void interrupt_with_sigusr1(struct sigaction *old)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, old), 0);
}

/* A write to a pipe without a reader gives EPIPE instead of killing the test. */
static void ignore_sigpipe(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGPIPE, &sa, NULL), 0);
}

struct reading {
    size_t n; /* bytes that arrived (those beyond cap are counted, not kept) */
    bool eof; /* end of file was seen */
};

/*
 * Reads fd into buf (cap bytes) until `stop` bytes have arrived, end of file,
 * or `seconds` (scaled) have passed. When poke > 0, sends SIGUSR1 to process
 * poke before each read and reads at most 4 KiB at a time: a slow reader
 * whose writer keeps being interrupted.
 */
static struct reading read_for(int fd, char *buf, size_t cap, size_t stop,
                               double seconds, pid_t poke)
{
    struct reading r = {0, false};
    double end = now() + test_scaled(seconds);
    char scratch[4096];

    while (r.n < stop) {
        struct pollfd p = {fd, POLLIN, 0};
        size_t room = r.n < cap ? cap - r.n : sizeof(scratch);
        char *to = r.n < cap ? buf + r.n : scratch;
        ssize_t k;
        int ready;

        if (poke > 0) {
            kill(poke, SIGUSR1);
            if (room > 4096)
                room = 4096;
        }
        ready = poll(&p, 1, ms_left(end, 1000000));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            break;
        k = read(fd, to, room);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            r.eof = k == 0;
            break;
        }
        r.n += (size_t)k;
    }
    return r;
}

/*
 * Writes len bytes of buf into the pipe wfd (made non-blocking here), giving
 * up after `seconds` (scaled). Returns the bytes written (short: timeout or
 * EPIPE).
 */
static size_t send_for(int wfd, const char *buf, size_t len, double seconds)
{
    double end = now() + test_scaled(seconds);
    size_t sent = 0;

    ck_assert_int_eq(fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK), 0);
    while (sent < len) {
        struct pollfd p = {wfd, POLLOUT, 0};
        ssize_t k;
        int ready = poll(&p, 1, ms_left(end, 1000000));

        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            break;
        k = write(wfd, buf + sent, len - sent);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (k < 0)
            break;
        sent += (size_t)k;
    }
    return sent;
}

/*
 * Moves len bytes of data through a copier: writes them into wfd (made
 * non-blocking here) while reading what comes out of rfd into got, at most
 * 4 KiB at a time, sending SIGUSR1 to poke before every step. Stops when all
 * arrived, at end of file or EPIPE, or after `seconds` (scaled). Returns the
 * bytes that arrived.
 */
static size_t pump(int wfd, int rfd, const char *buf, char *out, size_t len,
                   double seconds, pid_t poke)
{
    double end = now() + test_scaled(seconds);
    size_t sent = 0, arrived = 0;

    ck_assert_int_eq(fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK), 0);
    while (arrived < len && now() < end) {
        struct pollfd p[2] = {{rfd, POLLIN, 0}, {sent < len ? wfd : -1, POLLOUT, 0}};
        ssize_t k;

        kill(poke, SIGUSR1);
        if (poll(p, 2, ms_left(end, 100)) <= 0)
            continue;
        if (p[1].revents) {
            k = write(wfd, buf + sent, len - sent);
            if (k > 0)
                sent += (size_t)k;
            else if (k < 0 && errno != EAGAIN && errno != EINTR)
                break;
        }
        if (p[0].revents) {
            size_t room = len - arrived < 4096 ? len - arrived : 4096;

            k = read(rfd, out + arrived, room);
            if (k > 0)
                arrived += (size_t)k;
            else if (k == 0 || errno != EINTR)
                break;
        }
    }
    return arrived;
}

/*
 * Waits at most `seconds` (scaled) until process pid sleeps (state S in
 * /proc/PID/stat: blocked in a system call). Returns true when it does.
 */
static bool wait_until_asleep(pid_t pid, double seconds)
{
    double end = now() + test_scaled(seconds);
    struct timespec nap = {0, 100000};
    char path[64], text[512];

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    do {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
        char *paren;

        if (fd >= 0)
            close(fd);
        if (n <= 0)
            return false;
        text[n] = '\0';
        paren = strrchr(text, ')');
        if (paren != NULL && paren[1] == ' ' && paren[2] == 'S')
            return true;
        nanosleep(&nap, NULL);
    } while (now() < end);
    return false;
}

/*
 * Waits at most `seconds` (scaled) until no SIGUSR1 is pending for process
 * pid any more (per /proc/PID/status): it has taken the signal, and a system
 * call it was blocked in has been interrupted. Returns true when so.
 */
static bool wait_until_taken(pid_t pid, double seconds)
{
    const unsigned long long bit = 1ULL << (SIGUSR1 - 1);
    double end = now() + test_scaled(seconds);
    struct timespec nap = {0, 100000};
    char path[64], line[256];

    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    do {
        FILE *f = fopen(path, "r");
        unsigned long long mask;
        bool pending = false;

        if (f == NULL)
            return false;
        while (fgets(line, sizeof(line), f) != NULL)
            if ((sscanf(line, "SigPnd: %llx", &mask) == 1 ||
                 sscanf(line, "ShdPnd: %llx", &mask) == 1) &&
                (mask & bit))
                pending = true;
        fclose(f);
        if (!pending)
            return true;
        nanosleep(&nap, NULL);
    } while (now() < end);
    return false;
}

/* Waits for child pid at most `seconds` (scaled); true when it was reaped. */
static bool reap(pid_t pid, double seconds, int *status)
{
    return test_wait_child(pid, seconds, status) == 0;
}

/* "exited with status N" or "was killed by signal N", for messages. */
static const char *how_it_ended(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, size, "ended with wait status %#x", (unsigned)status);
    return buf;
}

/* Offset of the first byte where a and b differ, or n. */
static size_t first_difference(const char *a, const char *b, size_t n)
{
    size_t i = 0;

    while (i < n && a[i] == b[i])
        i++;
    return i;
}

static int open_dev_null(void)
{
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

    ck_assert_msg(fd >= 0, "cannot open /dev/null: %s", strerror(errno));
    return fd;
}

/*
 * A fully buffered stream on a file of the test, holding "once\n" not yet
 * flushed. A child that leaves through exit() flushes its copy too.
 */
static FILE *pending_stdio(char *path, size_t size)
{
    FILE *f = fopen(test_path(path, size, "stdio"), "w");

    ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
    ck_assert_int_eq(setvbuf(f, NULL, _IOFBF, 4096), 0);
    ck_assert_int_ge(fputs("once\n", f), 0);
    return f;
}

/* Closes f and checks that "once\n" reached its file exactly once. */
static void assert_flushed_once(FILE *f, const char *path)
{
    char text[64] = {0};
    int fd;
    ssize_t n;

    ck_assert_int_eq(fclose(f), 0);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    n = read(fd, text, sizeof(text) - 1);
    close(fd);
    ck_assert_msg(n == 5 && strcmp(text, "once\n") == 0,
                  "a buffered stdio stream of the caller was written %s: the child "
                  "flushed its copy of the caller's stdio buffers, which exit() does "
                  "and _exit() does not",
                  n > 5 ? "twice" : "wrongly");
}

/* ---- spawn_writer ---- */

GRADED_TEST(writer_delivers_data_then_eof, 1, 3)
{
    static const char msg[] = "one line through a pipe\n";
    struct reading r;
    int fd = -1, status;
    pid_t pid;

    pid = spawn_writer(msg, sizeof(msg) - 1, &fd);
    ck_assert_msg(pid > 0, "spawn_writer failed: %s", strerror(errno));
    r = read_for(fd, got, sizeof(got), SIZE_MAX, 1, 0);
    close(fd);
    reap(pid, 1, &status);
    ck_assert_msg(r.n == sizeof(msg) - 1, "read %zu bytes from *read_fd, expected %zu",
                  r.n, sizeof(msg) - 1);
    ck_assert_mem_eq(got, msg, sizeof(msg) - 1);
    ck_assert_msg(r.eof, "all the data arrived but no end of file within 1 s: a write "
                         "end of the pipe is still open (the parent must close its "
                         "write end right after fork)");
}

GRADED_TEST(writer_delivers_more_than_a_pipe_holds, 0.5, 2)
{
    struct reading r;
    int fd = -1, status;
    pid_t pid;

    fill(BIG);
    pid = spawn_writer(data, BIG, &fd);
    ck_assert_msg(pid > 0, "spawn_writer failed: %s", strerror(errno));
    r = read_for(fd, got, sizeof(got), SIZE_MAX, 1, 0);
    close(fd);
    reap(pid, 1, &status);
    ck_assert_msg(r.n == BIG, "read %zu bytes of %d: a pipe holds 64 KiB, so the "
                              "parent must return (not wait for the child) while the "
                              "child is still writing",
                  r.n, BIG);
    ck_assert_msg(memcmp(got, data, BIG) == 0, "the data differ from byte %zu on",
                  first_difference(got, data, BIG));
    ck_assert_msg(r.eof, "no end of file within 1 s after the data: a write end of "
                         "the pipe is still open");
}

GRADED_TEST(writer_loops_over_interrupted_writes, 1, 2)
{
    struct sigaction old;
    struct reading r;
    int fd = -1, status;
    pid_t pid;

    fill(BIG);
    /* the child inherits the handler: each signal cuts its blocked write short */
    interrupt_with_sigusr1(&old);
    pid = spawn_writer(data, BIG, &fd);
    ck_assert_msg(pid > 0, "spawn_writer failed: %s", strerror(errno));
    r = read_for(fd, got, sizeof(got), SIZE_MAX, 1, pid);
    close(fd);
    reap(pid, 1, &status);
    sigaction(SIGUSR1, &old, NULL);
    ck_assert_msg(r.n == BIG,
                  "read %zu bytes of %d while signals kept interrupting the child: "
                  "a write interrupted by a signal returns a short count (or -1 with "
                  "EINTR); the child must write the rest in a loop",
                  r.n, BIG);
    ck_assert_msg(memcmp(got, data, BIG) == 0, "the data differ from byte %zu on",
                  first_difference(got, data, BIG));
    ck_assert_msg(r.eof, "no end of file within 1 s after the data: a write end of "
                         "the pipe is still open");
}

GRADED_TEST(writer_len_zero_gives_immediate_eof, 0.5, 2)
{
    struct reading r;
    int fd = -1, status;
    pid_t pid;

    pid = spawn_writer("", 0, &fd);
    ck_assert_msg(pid > 0, "spawn_writer with len 0 failed: %s", strerror(errno));
    r = read_for(fd, got, sizeof(got), SIZE_MAX, 1, 0);
    close(fd);
    reap(pid, 1, &status);
    ck_assert_msg(r.n == 0, "len 0, yet %zu bytes came out of the pipe", r.n);
    ck_assert_msg(r.eof, "len 0: no end of file within 1 s");
}

GRADED_TEST(writer_child_exits_0_and_caller_reaps_it, 0.5, 2)
{
    static const char msg[] = "fits in the pipe";
    char how[64];
    int fd = -1, status = 0;
    pid_t pid;
    bool reaped;

    pid = spawn_writer(msg, sizeof(msg), &fd);
    ck_assert_msg(pid > 0, "spawn_writer failed: %s", strerror(errno));
    ck_assert_msg(pid != getpid(), "spawn_writer returned the caller's own pid");
    /* the data fit in the pipe: the child ends without anyone reading */
    reaped = reap(pid, 1, &status);
    close(fd);
    ck_assert_msg(reaped, "waitpid on the returned pid %ld: %s (it must be the child, "
                          "left for the caller to reap, and end once it wrote all)",
                  (long)pid, strerror(errno));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the child %s, expected exit status 0 after writing everything",
                  how_it_ended(status, how, sizeof(how)));
}

GRADED_TEST(writer_read_fd_is_close_on_exec, 0.5, 2)
{
    int fd = -1, flags, status;
    pid_t pid;

    pid = spawn_writer("x", 1, &fd);
    ck_assert_msg(pid > 0, "spawn_writer failed: %s", strerror(errno));
    flags = fcntl(fd, F_GETFD);
    close(fd);
    reap(pid, 1, &status);
    ck_assert_msg(flags != -1 && (flags & FD_CLOEXEC),
                  "*read_fd has no FD_CLOEXEC: create the pipe with pipe2(fds, "
                  "O_CLOEXEC) so programs the caller starts do not inherit it");
}

GRADED_TEST(writer_parent_holds_only_the_read_end, 0.5, 2)
{
    int before, after, fd = -1, mode, status;
    pid_t pid;

    before = test_open_fds();
    pid = spawn_writer("x", 1, &fd);
    ck_assert_msg(pid > 0, "spawn_writer failed: %s", strerror(errno));
    after = test_open_fds();
    mode = fcntl(fd, F_GETFL);
    close(fd);
    reap(pid, 1, &status);
    ck_assert_msg(after == before + 1,
                  "spawn_writer left %d new descriptors in the caller, expected 1 "
                  "(the read end): close the write end in the parent",
                  after - before);
    ck_assert_msg(mode != -1 && (mode & O_ACCMODE) == O_RDONLY,
                  "*read_fd is not the read end of the pipe");
}

GRADED_TEST(writer_child_holds_only_the_write_end, 0.5, 2)
{
    int fd = -1, status;
    pid_t pid;

    fill(BIG);
    pid = spawn_writer(data, BIG, &fd);
    ck_assert_msg(pid > 0, "spawn_writer failed: %s", strerror(errno));
    /* nobody will read: the child's write must fail (SIGPIPE or EPIPE) */
    close(fd);
    ck_assert_msg(reap(pid, 1, &status),
                  "the caller closed *read_fd, yet the child kept writing into a full "
                  "pipe for 1 s: the child still holds the read end (close it in the "
                  "child right after fork)");
}

GRADED_TEST(writer_child_leaves_with__exit, 0.25, 2)
{
    char path[4096];
    FILE *f = pending_stdio(path, sizeof(path));
    int fd = -1, status, exits;
    pid_t pid;

    pid = spawn_writer("x", 1, &fd);
    ck_assert_msg(pid > 0, "spawn_writer failed: %s", strerror(errno));
    /* the byte fits in the pipe: the child ends without a reader */
    reap(pid, 1, &status);
    close(fd);
    exits = test_exit_calls();
    ck_assert_msg(exits == 0, "the child left through exit(): it must leave with "
                              "_exit(0), which does not flush the stdio buffers it "
                              "copied from the caller nor run the caller's atexit "
                              "handlers");
    assert_flushed_once(f, path);
}

/* ---- spawn_reader ---- */

GRADED_TEST(reader_copies_everything_to_out_fd, 1, 3)
{
    char path[4096], how[64];
    struct stat st;
    size_t sent;
    int out, fd = -1, status = 0;
    pid_t pid;
    bool reaped;

    fill(BIG / 4);
    ignore_sigpipe();
    out = open(test_path(path, sizeof(path), "out"), O_RDWR | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(out, 0);
    pid = spawn_reader(out, &fd);
    ck_assert_msg(pid > 0, "spawn_reader failed: %s", strerror(errno));
    sent = send_for(fd, data, BIG / 4, 1);
    close(fd);
    reaped = reap(pid, 1, &status);
    ck_assert_int_eq(fstat(out, &st), 0);
    ck_assert_int_ge(pread(out, got, BIG / 4, 0), 0);
    close(out);
    ck_assert_msg(sent == BIG / 4, "the pipe accepted only %zu of %d bytes: the child "
                                   "stopped reading",
                  sent, BIG / 4);
    ck_assert_msg(reaped, "the child did not finish within 1 s after *write_fd was "
                          "closed");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the child %s, expected exit status 0",
                  how_it_ended(status, how, sizeof(how)));
    ck_assert_msg(st.st_size == BIG / 4, "out_fd received %lld bytes, expected %d",
                  (long long)st.st_size, BIG / 4);
    ck_assert_msg(memcmp(got, data, BIG / 4) == 0, "out_fd differs from byte %zu on",
                  first_difference(got, data, BIG / 4));
}

GRADED_TEST(reader_copies_every_burst, 0.5, 3)
{
    static const char one[] = "first burst\n", two[] = "second burst, later\n";
    struct reading r1, r2 = {0, false}, rest;
    int out[2], fd = -1, status;
    pid_t pid;

    ignore_sigpipe();
    ck_assert_int_eq(pipe(out), 0);
    pid = spawn_reader(out[1], &fd);
    close(out[1]); /* now only the child writes into out */
    ck_assert_msg(pid > 0, "spawn_reader failed: %s", strerror(errno));
    send_for(fd, one, sizeof(one) - 1, 1);
    r1 = read_for(out[0], got, sizeof(got), sizeof(one) - 1, 0.5, 0);
    if (r1.n == sizeof(one) - 1) {
        /* the child has copied the first burst and waits for more */
        send_for(fd, two, sizeof(two) - 1, 1);
        r2 = read_for(out[0], got + r1.n, sizeof(got) - r1.n, sizeof(two) - 1, 0.5, 0);
    }
    close(fd);
    rest = read_for(out[0], got + r1.n + r2.n, 64, SIZE_MAX, 0.5, 0);
    close(out[0]);
    reap(pid, 0.5, &status);
    ck_assert_msg(r1.n == sizeof(one) - 1, "the first burst (%zu bytes) did not reach "
                                           "out_fd within 0.5 s (%zu bytes did)",
                  sizeof(one) - 1, r1.n);
    ck_assert_mem_eq(got, one, sizeof(one) - 1);
    ck_assert_msg(r2.n == sizeof(two) - 1,
                  "a second burst, written after the first had been copied, never "
                  "reached out_fd: a read that returns fewer bytes than asked is not "
                  "the end; copy until read returns 0");
    ck_assert_mem_eq(got + r1.n, two, sizeof(two) - 1);
    ck_assert_msg(rest.n == 0 && rest.eof, "after the bursts out_fd got %zu more bytes "
                                           "%s end of file",
                  rest.n, rest.eof ? "before" : "and no");
}

GRADED_TEST(reader_finishes_when_write_end_is_closed, 0.5, 2)
{
    char how[64];
    int out = open_dev_null(), fd = -1, status = 0;
    pid_t pid;
    bool reaped;

    pid = spawn_reader(out, &fd);
    close(out);
    ck_assert_msg(pid > 0, "spawn_reader failed: %s", strerror(errno));
    ck_assert_int_eq(write(fd, "bye\n", 4), 4);
    close(fd);
    reaped = reap(pid, 1, &status);
    ck_assert_msg(reaped, "the caller closed *write_fd, yet the child was still "
                          "running 1 s later: it never saw end of file because a "
                          "write end is still open (the child must close its copy "
                          "of the write end right after fork)");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the child %s, expected exit status 0 at end of file",
                  how_it_ended(status, how, sizeof(how)));
}

GRADED_TEST(reader_write_fd_is_close_on_exec, 0.5, 2)
{
    int out = open_dev_null(), fd = -1, flags, status;
    pid_t pid;

    pid = spawn_reader(out, &fd);
    close(out);
    ck_assert_msg(pid > 0, "spawn_reader failed: %s", strerror(errno));
    flags = fcntl(fd, F_GETFD);
    close(fd);
    reap(pid, 0.5, &status);
    ck_assert_msg(flags != -1 && (flags & FD_CLOEXEC),
                  "*write_fd has no FD_CLOEXEC: create the pipe with pipe2(fds, "
                  "O_CLOEXEC); a program the caller starts would otherwise hold a "
                  "write end and the child would never see end of file");
}

GRADED_TEST(reader_parent_holds_only_the_write_end, 0.5, 2)
{
    int out = open_dev_null(), before, after, fd = -1, mode, status;
    pid_t pid;

    before = test_open_fds();
    pid = spawn_reader(out, &fd);
    ck_assert_msg(pid > 0, "spawn_reader failed: %s", strerror(errno));
    after = test_open_fds();
    mode = fcntl(fd, F_GETFL);
    close(fd);
    close(out);
    reap(pid, 0.5, &status);
    ck_assert_msg(after == before + 1,
                  "spawn_reader left %d new descriptors in the caller, expected 1 "
                  "(the write end): close the read end in the parent",
                  after - before);
    ck_assert_msg(mode != -1 && (mode & O_ACCMODE) == O_WRONLY,
                  "*write_fd is not the write end of the pipe");
}

GRADED_TEST(reader_retries_interrupted_reads_and_writes, 0.5, 3)
{
    enum { STEP = 1000, STEPS = 32, FLOOD = BIG / 4 };
    struct sigaction old;
    size_t arrived = 0;
    int out[2], fd = -1, status;
    pid_t pid;

    fill(STEP * STEPS + FLOOD);
    ignore_sigpipe();
    interrupt_with_sigusr1(&old);
    ck_assert_int_eq(pipe(out), 0);
    pid = spawn_reader(out[1], &fd);
    close(out[1]);
    ck_assert_msg(pid > 0, "spawn_reader failed: %s", strerror(errno));
    /* small steps, each sent once the child waits in read and has taken a
     * signal: that read was interrupted before any data came */
    for (int i = 0; i < STEPS && arrived == (size_t)i * STEP; i++) {
        if (wait_until_asleep(pid, 0.5) && kill(pid, SIGUSR1) == 0)
            wait_until_taken(pid, 0.5);
        arrived += pump(fd, out[0], data + arrived, got + arrived, STEP, 0.5, pid);
    }
    /* a flood read slowly: the signals find it waiting in write */
    if (arrived == STEP * STEPS)
        arrived += pump(fd, out[0], data + arrived, got + arrived, FLOOD, 1, pid);
    close(fd);
    close(out[0]);
    reap(pid, 0.5, &status);
    sigaction(SIGUSR1, &old, NULL);
    ck_assert_msg(arrived == STEP * STEPS + FLOOD,
                  "only %zu of %d bytes reached out_fd while signals kept "
                  "interrupting the child: retry read and write after EINTR, and "
                  "loop over short writes",
                  arrived, STEP * STEPS + FLOOD);
    ck_assert_msg(memcmp(got, data, arrived) == 0, "out_fd differs from byte %zu on",
                  first_difference(got, data, arrived));
}

GRADED_TEST(reader_child_leaves_with__exit, 0.25, 2)
{
    char path[4096];
    FILE *f = pending_stdio(path, sizeof(path));
    int out = open_dev_null(), fd = -1, status, exits;
    pid_t pid;

    pid = spawn_reader(out, &fd);
    close(out);
    ck_assert_msg(pid > 0, "spawn_reader failed: %s", strerror(errno));
    close(fd);
    reap(pid, 0.5, &status);
    exits = test_exit_calls();
    ck_assert_msg(exits == 0, "the child left through exit(): it must leave with "
                              "_exit(0), which does not flush the stdio buffers it "
                              "copied from the caller nor run the caller's atexit "
                              "handlers");
    assert_flushed_once(f, path);
}

/* ---- failures: pipe2 and fork ---- */

/* Lowest descriptor number not in use. */
static int lowest_free_fd(void)
{
    int fd = open_dev_null();

    close(fd);
    return fd;
}

/*
 * Calls spawn_writer (writer true) or spawn_reader while no descriptor is
 * free (RLIMIT_NOFILE lowered to the lowest free one), so pipe2 fails with
 * EMFILE, and checks that nothing was left behind.
 */
static void fail_at_pipe(bool writer)
{
    const char *fn = writer ? "spawn_writer" : "spawn_reader";
    struct rlimit old, low;
    int out = open_dev_null(), before, fd = -1, err, status;
    pid_t pid;

    before = test_open_fds();
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)lowest_free_fd();
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    errno = 0;
    pid = writer ? spawn_writer("x", 1, &fd) : spawn_reader(out, &fd);
    err = errno;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
    if (pid > 0) {
        close(fd);
        reap(pid, 1, &status);
    }
    ck_assert_msg(pid == -1, "%s returned %ld although pipe2 failed with EMFILE: "
                             "check what pipe2 returns",
                  fn, (long)pid);
    ck_assert_msg(err == EMFILE, "%s: errno %d (%s), expected EMFILE from pipe2", fn,
                  err, strerror(err));
    ck_assert_msg(test_open_fds() == before, "%s failed but left %d descriptors open",
                  fn, test_open_fds() - before);
    close(out);
}

/*
 * Makes every later fork of this process fail with EAGAIN: a seccomp filter
 * that refuses the process-creating system calls (no privileges needed; it
 * binds this process and its children only). Returns 0 or -1.
 */
static int forbid_fork(void)
{
    static const unsigned forks[] = {
        __NR_clone,
#ifdef __NR_clone3
        __NR_clone3,
#endif
#ifdef __NR_fork
        __NR_fork,
#endif
#ifdef __NR_vfork
        __NR_vfork,
#endif
    };
    struct sock_filter code[2 + 2 * sizeof(forks) / sizeof(forks[0])];
    struct sock_fprog prog = {0, code};

    code[prog.len++] = (struct sock_filter)BPF_STMT(
        BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    for (size_t i = 0; i < sizeof(forks) / sizeof(forks[0]); i++) {
        code[prog.len++] =
            (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, forks[i], 0, 1);
        code[prog.len++] = (struct sock_filter)BPF_STMT(
            BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EAGAIN & SECCOMP_RET_DATA));
    }
    code[prog.len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

struct outcome {
    int setup_errno; /* nonzero: forbid_fork failed */
    pid_t pid;       /* what the function returned */
    int err;         /* errno after it */
    int new_fds;     /* descriptors it left open */
    bool child;      /* a child of it exists */
};

/*
 * In a process of its own where fork always fails, calls spawn_writer
 * (writer true) or spawn_reader and reports what it returned and left.
 */
static void fail_at_fork(bool writer)
{
    const char *fn = writer ? "spawn_writer" : "spawn_reader";
    struct outcome o;
    struct reading r;
    int report[2], status;
    pid_t kid;

    ck_assert_int_eq(pipe(report), 0);
    kid = fork();
    ck_assert_int_ge(kid, 0);
    if (kid == 0) {
        int out = open("/dev/null", O_WRONLY), before, fd = -1;

        memset(&o, 0, sizeof(o));
        close(report[0]);
        if (forbid_fork() != 0)
            o.setup_errno = errno ? errno : EINVAL;
        before = test_open_fds();
        errno = 0;
        o.pid = writer ? spawn_writer("x", 1, &fd) : spawn_reader(out, &fd);
        o.err = errno;
        o.new_fds = test_open_fds() - before;
        o.child = !(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
        _exit(write(report[1], &o, sizeof(o)) == (ssize_t)sizeof(o) ? 0 : 1);
    }
    close(report[1]);
    r = read_for(report[0], (char *)&o, sizeof(o), sizeof(o), 1, 0);
    close(report[0]);
    ck_assert_msg(reap(kid, 1, &status), "the process calling %s did not end", fn);
    ck_assert_msg(r.n == sizeof(o), "%s did not return within 1 s when fork failed",
                  fn);
    ck_assert_msg(o.setup_errno == 0, "this machine cannot make fork fail "
                                      "(seccomp: %s)",
                  strerror(o.setup_errno));
    ck_assert_msg(o.pid == -1, "%s returned %ld although fork failed: check what "
                               "fork returns",
                  fn, (long)o.pid);
    ck_assert_msg(o.err == EAGAIN, "%s: errno %d (%s), expected fork's EAGAIN", fn,
                  o.err, strerror(o.err));
    ck_assert_msg(o.new_fds == 0, "%s failed at fork but left %d descriptors open: "
                                  "close both ends of the pipe when fork fails",
                  fn, o.new_fds);
    ck_assert_msg(!o.child, "%s failed but a child exists", fn);
}

GRADED_TEST(writer_pipe_failure_leaves_nothing_behind, 0.25, 2)
{
    fail_at_pipe(true);
}

GRADED_TEST(writer_fork_failure_leaves_nothing_behind, 0.25, 3)
{
    fail_at_fork(true);
}

GRADED_TEST(reader_pipe_failure_leaves_nothing_behind, 0.25, 2)
{
    fail_at_pipe(false);
}

GRADED_TEST(reader_fork_failure_leaves_nothing_behind, 0.25, 3)
{
    fail_at_fork(false);
}
