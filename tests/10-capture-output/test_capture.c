/* test_capture.c - tests of 10-capture-output: capturing a command's output */
#define _GNU_SOURCE
#include "harness.h"
#include "capture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024 * 1024)

/* ---- helper programs (run as `test_self() --helper NAME args...`) ---- */

/* Byte i of the test stream `stream` (0: stdout, 1: stderr); NUL included. */
static unsigned char pattern(int stream, size_t i)
{
    return (unsigned char)(i * (stream ? 7u : 1u) + (i >> 8) + (stream ? 85u : 0u));
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* emit OUT_BYTES ERR_BYTES CHUNK: writes the two test streams to stdout and
 * stderr, alternating CHUNK bytes of each. */
TEST_HELPER(emit)
{
    size_t total[2], done[2] = {0, 0}, chunk;
    unsigned char *buf;

    if (argc != 4)
        return 2;
    total[0] = strtoul(argv[1], NULL, 10);
    total[1] = strtoul(argv[2], NULL, 10);
    chunk = strtoul(argv[3], NULL, 10);
    buf = malloc(chunk);
    if (buf == NULL || chunk == 0)
        return 2;
    while (done[0] < total[0] || done[1] < total[1]) {
        for (int s = 0; s < 2; s++) {
            size_t n = total[s] - done[s] < chunk ? total[s] - done[s] : chunk;

            for (size_t i = 0; i < n; i++)
                buf[i] = pattern(s, done[s] + i);
            if (write_all(s + 1, buf, n) < 0)
                return 3;
            done[s] += n;
        }
    }
    free(buf);
    return 0;
}

/* bursts COUNT GAP_US LINGER_US: writes COUNT bursts of the test streams
 * (BURST_OUT bytes to stdout, BURST_ERR to stderr) GAP_US microseconds
 * apart, then closes both and lives LINGER_US more before it exits 0: the
 * caller waits in poll between bursts and in waitpid at the end. */
#define BURST_OUT 8192
#define BURST_ERR 2000
TEST_HELPER(bursts)
{
    static unsigned char buf[BURST_OUT];
    struct timespec gap, linger;
    long count;

    if (argc != 4)
        return 2;
    count = strtol(argv[1], NULL, 10);
    gap.tv_sec = 0;
    gap.tv_nsec = strtol(argv[2], NULL, 10) * 1000;
    linger.tv_sec = 0;
    linger.tv_nsec = strtol(argv[3], NULL, 10) * 1000;
    if (count <= 0 || gap.tv_nsec >= 1000000000 || linger.tv_nsec >= 1000000000)
        return 2;
    for (long k = 0; k < count; k++) {
        for (size_t i = 0; i < BURST_OUT; i++)
            buf[i] = pattern(0, (size_t)k * BURST_OUT + i);
        if (write_all(1, buf, BURST_OUT) < 0)
            return 3;
        for (size_t i = 0; i < BURST_ERR; i++)
            buf[i] = pattern(1, (size_t)k * BURST_ERR + i);
        if (write_all(2, buf, BURST_ERR) < 0)
            return 3;
        nanosleep(&gap, NULL);
    }
    close(1);
    close(2);
    nanosleep(&linger, NULL);
    return 0;
}

/* list_fds: prints "fds" and then one line "FD TARGET" for each open
 * descriptor (TARGET as in /proc/self/fd). */
TEST_HELPER(list_fds)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;

    (void)argc;
    (void)argv;
    if (d == NULL)
        return 3;
    printf("fds\n");
    while ((e = readdir(d)) != NULL) {
        char link[64], target[256];
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        ssize_t n;

        if (*end != '\0' || end == e->d_name || fd == dirfd(d))
            continue;
        snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
        n = readlink(link, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        printf("%ld %s\n", fd, target);
    }
    closedir(d);
    return 0;
}

/* ---- helpers of the tests ---- */

static const char *status_text(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, size, "wait status 0x%x", (unsigned)status);
    return buf;
}

/* Asserts a capture that returned 0 has both buffers, NUL-terminated. */
static void assert_buffers(const struct capture *c)
{
    ck_assert_msg(c->out != NULL && c->err != NULL,
                  "c->out and c->err must both point to buffers after success, "
                  "even when a stream was empty (out %p, err %p)",
                  (void *)c->out, (void *)c->err);
    ck_assert_msg(c->out[c->out_len] == '\0' && c->err[c->err_len] == '\0',
                  "each buffer needs a NUL right after its last byte");
}

static void run_command(char *const argv[], struct capture *c)
{
    int r = capture_output(argv, c);

    ck_assert_msg(r == 0, "capture_output({\"%s\", ...}) returned %d: %s", argv[0], r,
                  strerror(errno));
    assert_buffers(c);
}

static void run_pipeline(char *const *const cmds[], size_t n, struct capture *c)
{
    int r = capture_pipeline(cmds, n, c);

    ck_assert_msg(r == 0, "capture_pipeline of %zu commands returned %d: %s", n, r,
                  strerror(errno));
    assert_buffers(c);
}

static void assert_exit_status(int status, int expected, const char *what)
{
    char text[64];

    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == expected,
                  "%s: c->status says %s, expected exit status %d", what,
                  status_text(status, text, sizeof(text)), expected);
}

/* Asserts buf holds exactly `expected` bytes of test stream `stream`. */
static void assert_stream(const char *buf, size_t len, int stream, size_t expected)
{
    const char *name = stream ? "stderr" : "stdout";

    ck_assert_msg(len == expected, "%s: captured %zu bytes, the command wrote %zu",
                  name, len, expected);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)buf[i] != pattern(stream, i))
            ck_abort_msg("%s: byte %zu is 0x%02x, the command wrote 0x%02x", name, i,
                         (unsigned char)buf[i], pattern(stream, i));
}

/* Argument vector for the helper `name` with up to three arguments. */
struct helper_argv {
    char *argv[7];
};

static struct helper_argv helper(char *name, char *a1, char *a2, char *a3)
{
    struct helper_argv h = {{(char *)test_self(), "--helper", name, a1, a2, a3, NULL}};

    return h;
}

/* Makes the test's own stdin a pipe holding `data` (write end closed);
 * returns a copy of the old stdin to give to restore_stdin. */
static int replace_stdin(const char *data)
{
    int fds[2], saved = fcntl(0, F_DUPFD_CLOEXEC, 3);

    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(write(fds[1], data, strlen(data)), (ssize_t)strlen(data));
    close(fds[1]);
    ck_assert_int_eq(dup2(fds[0], 0), 0);
    if (fds[0] != 0) /* 0 was closed */
        close(fds[0]);
    return saved;
}

static void restore_stdin(int saved)
{
    if (saved >= 0) {
        dup2(saved, 0);
        close(saved);
    } else {
        close(0);
    }
}

/* Reads fd to end of file into buf (NUL-terminated); returns the length. */
static size_t read_all(int fd, char *buf, size_t size)
{
    size_t len = 0;
    ssize_t n;

    while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        ck_assert_msg(n > 0, "read: %s", strerror(errno));
        len += (size_t)n;
    }
    buf[len] = '\0';
    return len;
}

/* ---- capture_output ---- */

GRADED_TEST(captures_stdout_of_echo, 1, 2)
{
    char *argv[] = {"echo", "hello", "world", NULL};
    struct capture c = {0};

    run_command(argv, &c);
    ck_assert_msg(c.out_len == 12 && strcmp(c.out, "hello world\n") == 0,
                  "stdout of `echo hello world`: got %zu bytes \"%s\", expected "
                  "\"hello world\\n\"",
                  c.out_len, c.out);
    ck_assert_msg(c.err_len == 0, "echo wrote nothing to stderr, but c->err_len is %zu",
                  c.err_len);
    assert_exit_status(c.status, 0, "echo");
    capture_free(&c);
}

GRADED_TEST(keeps_stdout_and_stderr_apart, 1, 2)
{
    char *argv[] = {"sh", "-c", "echo to-stdout; echo to-stderr >&2; echo more", NULL};
    struct capture c = {0};

    run_command(argv, &c);
    ck_assert_msg(strcmp(c.out, "to-stdout\nmore\n") == 0,
                  "stdout: got \"%s\", expected \"to-stdout\\nmore\\n\"", c.out);
    ck_assert_msg(strcmp(c.err, "to-stderr\n") == 0,
                  "stderr: got \"%s\", expected \"to-stderr\\n\"", c.err);
    capture_free(&c);
}

GRADED_TEST(reads_both_streams_as_they_arrive, 2, 2)
{
    /* 1 MiB to each stream in alternating 4 KiB pieces: reading one stream
     * to its end first leaves the command blocked on the other, full pipe */
    struct helper_argv h = helper("emit", "1048576", "1048576", "4096");
    struct capture c = {0};

    run_command(h.argv, &c);
    assert_exit_status(c.status, 0, "a command writing 1 MiB to stdout and stderr");
    assert_stream(c.out, c.out_len, 0, MIB);
    assert_stream(c.err, c.err_len, 1, MIB);
    capture_free(&c);
}

GRADED_TEST(keeps_all_of_a_large_output, 0.5, 2)
{
    struct helper_argv h = helper("emit", "3145851", "0", "65536");
    struct capture c = {0};

    run_command(h.argv, &c);
    ck_assert_msg(c.out_len == 3 * MIB + 123,
                  "stdout: captured %zu bytes, the command wrote %d: the buffer must "
                  "grow as long as data arrives",
                  c.out_len, 3 * MIB + 123);
    assert_stream(c.out, c.out_len, 0, 3 * MIB + 123);
    capture_free(&c);
}

GRADED_TEST(output_may_hold_any_bytes, 1, 2)
{
    /* stdout begins with a NUL; both streams hold every byte value */
    struct helper_argv h = helper("emit", "1000", "777", "100");
    struct capture c = {0};

    run_command(h.argv, &c);
    ck_assert_msg(c.out_len == 1000 && c.err_len == 777,
                  "captured %zu bytes of stdout and %zu of stderr, the command wrote "
                  "1000 and 777 (NUL bytes included: count bytes, do not use strlen)",
                  c.out_len, c.err_len);
    assert_stream(c.out, c.out_len, 0, 1000);
    assert_stream(c.err, c.err_len, 1, 777);
    capture_free(&c);
}

GRADED_TEST(reports_exit_status, 1, 2)
{
    char *argv[] = {"sh", "-c", "echo partial; exit 3", NULL};
    struct capture c = {0};

    run_command(argv, &c);
    assert_exit_status(c.status, 3, "`sh -c 'exit 3'`");
    ck_assert_str_eq(c.out, "partial\n");
    capture_free(&c);
}

GRADED_TEST(reports_death_by_signal, 1, 2)
{
    char *argv[] = {"sh", "-c", "kill -TERM $$", NULL};
    struct capture c = {0};
    char text[64];

    run_command(argv, &c);
    ck_assert_msg(WIFSIGNALED(c.status) && WTERMSIG(c.status) == SIGTERM,
                  "a command killed by SIGTERM: c->status says %s; store the status "
                  "waitpid gives, unchanged",
                  status_text(c.status, text, sizeof(text)));
    capture_free(&c);
}

GRADED_TEST(missing_program_exits_127, 1, 2)
{
    char *in_path[] = {"capture-test-no-such-program", NULL};
    char *absolute[] = {"/nonexistent/capture-test/program", NULL};
    char *directory[] = {"/", NULL};
    char *const *cases[] = {in_path, absolute, directory};
    char what[128];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct capture c = {0};

        run_command(cases[i], &c);
        snprintf(what, sizeof(what), "\"%s\", which cannot be executed", cases[i][0]);
        assert_exit_status(c.status, 127, what);
        capture_free(&c);
    }
}

GRADED_TEST(failed_exec_flushes_nothing_twice, 1, 2)
{
    static const char on_stdout[] = "pending on stdout";
    static const char on_stream[] = "pending in another stream";
    char *argv[] = {"capture-test-no-such-program", NULL};
    struct capture c = {0};
    char got[256];
    int out_pipe[2], stream_pipe[2], saved_stdout, exits;
    FILE *stream;

    /* the caller has unflushed output in two stdio streams: its stdout (sent
     * to a pipe here) and another one */
    ck_assert_int_eq(pipe2(stream_pipe, O_CLOEXEC), 0);
    stream = fdopen(stream_pipe[1], "w");
    ck_assert_ptr_nonnull(stream);
    ck_assert_int_eq(pipe2(out_pipe, O_CLOEXEC), 0);
    fflush(stdout);
    saved_stdout = fcntl(1, F_DUPFD_CLOEXEC, 3);
    ck_assert_int_ge(saved_stdout, 0);
    ck_assert_int_eq(dup2(out_pipe[1], 1), 1);
    close(out_pipe[1]);
    setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
    fputs(on_stdout, stdout);
    fputs(on_stream, stream);

    ck_assert_int_eq(capture_output(argv, &c), 0);
    exits = test_exit_calls();

    fflush(stdout);
    dup2(saved_stdout, 1);
    close(saved_stdout);
    fclose(stream);
    ck_assert_msg(exits == 0,
                  "the child left through exit() after the failed exec: it flushed a "
                  "copy of the caller's stdio buffers; leave with _exit(127)");
    ck_assert_msg(c.out_len == 0,
                  "the failed command's stdout holds \"%s\": the caller's unflushed "
                  "stdout was flushed by the child; leave with _exit(127)",
                  c.out);
    read_all(out_pipe[0], got, sizeof(got));
    close(out_pipe[0]);
    ck_assert_str_eq(got, on_stdout);
    read_all(stream_pipe[0], got, sizeof(got));
    close(stream_pipe[0]);
    ck_assert_msg(strcmp(got, on_stream) == 0,
                  "the caller's pending output \"%s\" came out as \"%s\": the child "
                  "flushed it too; leave with _exit(127)",
                  on_stream, got);
    assert_exit_status(c.status, 127, "a missing program");
    capture_free(&c);
}

GRADED_TEST(stdin_is_dev_null, 1, 2)
{
    char *argv[] = {"cat", NULL};
    struct capture c = {0};
    int saved = replace_stdin("the caller's stdin\n");
    int r = capture_output(argv, &c);

    restore_stdin(saved);
    ck_assert_msg(r == 0, "capture_output({\"cat\"}) returned %d: %s", r, strerror(errno));
    assert_buffers(&c);
    ck_assert_msg(c.out_len == 0,
                  "`cat` printed \"%s\": it read the caller's stdin; give the "
                  "command /dev/null as its stdin",
                  c.out);
    assert_exit_status(c.status, 0, "`cat` with stdin from /dev/null");
    capture_free(&c);
}

GRADED_TEST(reaps_the_command, 1, 2)
{
    char *ok[] = {"true", NULL};
    char *missing[] = {"capture-test-no-such-program", NULL};
    char *const *cases[] = {ok, missing};
    int status;

    for (size_t i = 0; i < 2; i++) {
        struct capture c = {0};
        pid_t left;

        run_command(cases[i], &c);
        errno = 0;
        left = waitpid(-1, &status, WNOHANG);
        ck_assert_msg(left == -1 && errno == ECHILD,
                      "after capture_output({\"%s\"}) returned, the caller still has "
                      "a child (%s): waitpid for it before returning",
                      cases[i][0], left > 0 ? "a zombie" : "still running");
        capture_free(&c);
    }
}

static volatile sig_atomic_t signals_caught;

static void count_signal(int sig)
{
    (void)sig;
    signals_caught++;
}

GRADED_TEST(retries_calls_interrupted_by_signals, 1, 3)
{
    enum { BURSTS = 10 };
    const long tick = test_signal_interval_us();
    char count[16], gap[24], linger[24];
    struct itimerval every = {{0, tick}, {0, tick}}, off = {{0, 0}, {0, 0}};
    struct sigaction sa, old;
    struct capture c = {0};
    struct helper_argv h;
    int r, err;

    /* a signal lands in every pause: three ticks between bursts, twenty
     * between the end of the output and the command's exit */
    snprintf(count, sizeof(count), "%d", BURSTS);
    snprintf(gap, sizeof(gap), "%ld", 3 * tick);
    snprintf(linger, sizeof(linger), "%ld", 20 * tick);
    h = helper("bursts", count, gap, linger);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = count_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocked poll, read or waitpid fails */
    ck_assert_int_eq(sigaction(SIGALRM, &sa, &old), 0);
    signals_caught = 0;
    ck_assert_int_eq(setitimer(ITIMER_REAL, &every, NULL), 0);
    errno = 0;
    r = capture_output(h.argv, &c);
    err = errno;
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    ck_assert_msg(r == 0,
                  "capture_output, interrupted by signals, returned %d (%s): when "
                  "poll, read or waitpid fails with EINTR, call it again",
                  r, strerror(err));
    ck_assert_msg(signals_caught > 0,
                  "no signal arrived during capture_output; the test proved nothing");
    assert_buffers(&c);
    assert_exit_status(c.status, 0, "a command writing in bursts under signals");
    assert_stream(c.out, c.out_len, 0, (size_t)BURSTS * BURST_OUT);
    assert_stream(c.err, c.err_len, 1, (size_t)BURSTS * BURST_ERR);
    capture_free(&c);
}

/* true for what a capture makes: a pipe or /dev/null. (Valgrind 3.19's own
 * log files show up in an exec'd command too, at low numbers: they are
 * neither.) */
static bool capture_made(const char *target)
{
    return strncmp(target, "pipe:", 5) == 0 || strcmp(target, "/dev/null") == 0;
}

GRADED_TEST(command_inherits_only_stdio, 1, 2)
{
    enum { MAX_FD = 4096 };
    static bool inheritable[MAX_FD];
    struct helper_argv h = helper("list_fds", NULL, NULL, NULL);
    struct capture c = {0};
    struct rlimit rl;
    char *line, *next;
    int seen = 0;

    /* Valgrind keeps its own descriptors at or above the soft limit */
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    /* what the caller holds without close-on-exec is the caller's business */
    for (int fd = 0; fd < MAX_FD; fd++) {
        int flags = fcntl(fd, F_GETFD);

        inheritable[fd] = flags >= 0 && !(flags & FD_CLOEXEC);
    }
    run_command(h.argv, &c);
    assert_exit_status(c.status, 0, "the helper that lists descriptors");
    ck_assert_msg(strncmp(c.out, "fds\n", 4) == 0, "unexpected helper output \"%s\"",
                  c.out);
    for (line = c.out + 4; *line != '\0'; line = next) {
        char *target;
        long fd = strtol(line, &target, 10);

        next = strchr(line, '\n');
        ck_assert_msg(next != NULL && target != line && *target == ' ',
                      "unexpected helper output \"%s\"", c.out);
        *next++ = '\0';
        target++;
        if (fd < 3) {
            seen++;
            continue;
        }
        if ((rlim_t)fd >= rl.rlim_cur)
            continue;
        ck_assert_msg(!capture_made(target) || (fd < MAX_FD && inheritable[fd]),
                      "the command inherited descriptor %ld (%s): open every pipe "
                      "and /dev/null with close-on-exec (O_CLOEXEC), or close every "
                      "extra descriptor in the child before exec",
                      fd, target);
    }
    ck_assert_msg(seen == 3, "the command must have descriptors 0, 1 and 2 open");
    capture_free(&c);
}

/* The lowest descriptor number not in use. */
static int lowest_free_fd(void)
{
    int fd = 0;

    while (test_fd_open(fd))
        fd++;
    return fd;
}

GRADED_TEST(failure_leaves_nothing_behind, 0.5, 2)
{
    char *argv[] = {"true", NULL};
    struct rlimit rl, low;
    int before = test_open_fds(), first = lowest_free_fd();
    int failures = 0, successes = 0, bad_errno = 0, leaked = 0, left_child = 0;

    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    /* allow 0, 1, 2, ... new descriptors in turn, so that each pipe2 or open
     * of the capture fails once */
    for (int extra = 0; extra <= 12; extra++) {
        struct capture c = {0};
        int r, status;

        low = rl;
        low.rlim_cur = (rlim_t)(first + extra);
        if (setrlimit(RLIMIT_NOFILE, &low) != 0)
            break;
        errno = 0;
        r = capture_output(argv, &c);
        if (r < 0 && errno != EMFILE)
            bad_errno = errno;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (r == 0)
            successes++;
        else
            failures++;
        capture_free(&c);
        if (test_open_fds() != before && leaked == 0)
            leaked = first + extra;
        if (waitpid(-1, &status, WNOHANG) != -1)
            left_child = 1;
    }
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    ck_assert_msg(bad_errno == 0,
                  "out of descriptors, capture_output set errno %d (%s), expected "
                  "EMFILE from the call that failed",
                  bad_errno, strerror(bad_errno));
    ck_assert_msg(leaked == 0,
                  "with descriptors limited to %d, a failed call left a descriptor "
                  "open: close what was opened before returning -1",
                  leaked);
    ck_assert_msg(left_child == 0, "a call left a child behind");
    ck_assert_msg(failures > 0 && successes > 0,
                  "with descriptors limited, some calls must fail (%d did) and with "
                  "enough of them they must succeed (%d did)",
                  failures, successes);
}

GRADED_TEST(rejects_null_or_empty_arguments, 0.5, 2)
{
    char *empty[] = {NULL};
    char *ok[] = {"true", NULL};
    struct capture c = {0};

    errno = 0;
    ck_assert_int_eq(capture_output(NULL, &c), -1);
    ck_assert_msg(errno == EINVAL, "NULL argv: errno %d (%s), expected EINVAL", errno,
                  strerror(errno));
    errno = 0;
    ck_assert_int_eq(capture_output(empty, &c), -1);
    ck_assert_msg(errno == EINVAL, "empty argv: errno %d (%s), expected EINVAL", errno,
                  strerror(errno));
    errno = 0;
    ck_assert_int_eq(capture_output(ok, NULL), -1);
    ck_assert_msg(errno == EINVAL, "NULL capture: errno %d (%s), expected EINVAL", errno,
                  strerror(errno));
    capture_free(&c);
}

GRADED_TEST(free_releases_and_zeroes, 0.5, 2)
{
    char *argv[] = {"sh", "-c", "echo out; echo err >&2; exit 4", NULL};
    struct capture zero = {0}, c = {0};

    capture_free(&zero);
    ck_assert_msg(zero.out == NULL && zero.err == NULL,
                  "capture_free on a zeroed struct must leave it zeroed");
    run_command(argv, &c);
    capture_free(&c);
    ck_assert_msg(c.out == NULL && c.out_len == 0 && c.err == NULL && c.err_len == 0 &&
                      c.status == 0,
                  "after capture_free every member must be zero");
    capture_free(&c); /* a second call is harmless */
}

/* ---- capture_pipeline (bonus) ---- */

BONUS_TEST(pipeline_of_one_command, 0.5, 2)
{
    char *sh[] = {"sh", "-c", "cat; echo done; echo note >&2", NULL};
    char *const *cmds[] = {sh};
    struct capture c = {0};
    int saved = replace_stdin("the caller's stdin\n");
    int r = capture_pipeline(cmds, 1, &c);

    restore_stdin(saved);
    ck_assert_msg(r == 0, "capture_pipeline of one command returned %d: %s", r,
                  strerror(errno));
    assert_buffers(&c);
    ck_assert_msg(strcmp(c.out, "done\n") == 0,
                  "stdout: got \"%s\", expected \"done\\n\" (the first command reads "
                  "/dev/null)",
                  c.out);
    ck_assert_str_eq(c.err, "note\n");
    assert_exit_status(c.status, 0, "a pipeline of one command");
    capture_free(&c);
}

BONUS_TEST(pipeline_sort_uniq, 1, 2)
{
    char *printf_cmd[] = {"printf", "b\\na\\nb\\n", NULL};
    char *sort_cmd[] = {"sort", NULL};
    char *uniq_cmd[] = {"uniq", "-c", NULL};
    char *const *cmds[] = {printf_cmd, sort_cmd, uniq_cmd};
    struct capture c = {0};

    run_pipeline(cmds, 3, &c);
    ck_assert_msg(strcmp(c.out, "      1 a\n      2 b\n") == 0,
                  "`printf 'b\\na\\nb\\n' | sort | uniq -c` gave \"%s\", expected "
                  "\"      1 a\\n      2 b\\n\"",
                  c.out);
    assert_exit_status(c.status, 0, "uniq");
    capture_free(&c);
}

BONUS_TEST(pipeline_of_64_cats, 1, 3)
{
    enum { STAGES = 64, BYTES = 300000 };
    struct helper_argv h = helper("emit", "300000", "0", "8192");
    char *cat_cmd[] = {"cat", NULL};
    char *const *cmds[STAGES];
    struct capture c = {0};

    cmds[0] = h.argv;
    for (int i = 1; i < STAGES; i++)
        cmds[i] = cat_cmd;
    run_pipeline(cmds, STAGES, &c);
    assert_exit_status(c.status, 0, "the last cat");
    assert_stream(c.out, c.out_len, 0, BYTES);
    ck_assert_msg(c.err_len == 0, "stderr: \"%s\"", c.err);
    capture_free(&c);
}

BONUS_TEST(pipeline_yes_head_ends, 1, 2)
{
    char *yes_cmd[] = {"yes", NULL};
    char *head_cmd[] = {"head", "-n", "3", NULL};
    char *const *cmds[] = {yes_cmd, head_cmd};
    struct capture c = {0};

    run_pipeline(cmds, 2, &c);
    ck_assert_msg(strcmp(c.out, "y\ny\ny\n") == 0,
                  "`yes | head -n 3` gave \"%s\", expected \"y\\ny\\ny\\n\"", c.out);
    assert_exit_status(c.status, 0, "head");
    capture_free(&c);
}

BONUS_TEST(pipeline_reports_last_status, 0.5, 2)
{
    char *true_cmd[] = {"true", NULL};
    char *false_cmd[] = {"false", NULL};
    char *const *true_false[] = {true_cmd, false_cmd};
    char *const *false_true[] = {false_cmd, true_cmd};
    struct capture c = {0};

    run_pipeline(true_false, 2, &c);
    assert_exit_status(c.status, 1, "`true | false`");
    capture_free(&c);
    run_pipeline(false_true, 2, &c);
    assert_exit_status(c.status, 0, "`false | true`");
    capture_free(&c);
}

BONUS_TEST(pipeline_collects_every_stderr, 0.5, 2)
{
    char *first[] = {"sh", "-c", "echo first >&2; echo data", NULL};
    char *second[] = {"sh", "-c", "cat; echo second >&2", NULL};
    char *third[] = {"sh", "-c", "cat; echo third >&2", NULL};
    char *const *cmds[] = {first, second, third};
    static const char *words[] = {"first\n", "second\n", "third\n"};
    struct capture c = {0};

    run_pipeline(cmds, 3, &c);
    ck_assert_str_eq(c.out, "data\n");
    for (int i = 0; i < 3; i++)
        ck_assert_msg(strstr(c.err, words[i]) != NULL,
                      "stderr \"%s\" lacks \"%.*s\": every command's stderr goes to "
                      "c->err",
                      c.err, (int)strlen(words[i]) - 1, words[i]);
    ck_assert_uint_eq(c.err_len, strlen("first\nsecond\nthird\n"));
    capture_free(&c);
}

BONUS_TEST(pipeline_rejects_bad_arguments, 0.5, 2)
{
    char *true_cmd[] = {"true", NULL};
    char *const *cmds[] = {true_cmd, true_cmd};
    char *const *hole[] = {true_cmd, NULL};
    struct capture c = {0};

    errno = 0;
    ck_assert_int_eq(capture_pipeline(cmds, 0, &c), -1);
    ck_assert_msg(errno == EINVAL, "n == 0: errno %d (%s), expected EINVAL", errno,
                  strerror(errno));
    errno = 0;
    ck_assert_int_eq(capture_pipeline(NULL, 2, &c), -1);
    ck_assert_msg(errno == EINVAL, "NULL cmds: errno %d (%s), expected EINVAL", errno,
                  strerror(errno));
    errno = 0;
    ck_assert_int_eq(capture_pipeline(cmds, 2, NULL), -1);
    ck_assert_msg(errno == EINVAL, "NULL capture: errno %d (%s), expected EINVAL", errno,
                  strerror(errno));
    errno = 0;
    ck_assert_int_eq(capture_pipeline(hole, 2, &c), -1);
    ck_assert_msg(errno == EINVAL, "cmds[1] == NULL: errno %d (%s), expected EINVAL",
                  errno, strerror(errno));
    capture_free(&c);
}
