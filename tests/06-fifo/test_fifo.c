/* test_fifo.c - tests of 06-fifo: one message through a FIFO between processes */
#define _GNU_SOURCE /* FIONREAD, pipe2 */
#include "fifo.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds (scaled) to wait for something a working solution does at once
 * (it takes well under 0.2 s natively on a busy machine). */
#define PATIENCE 1.0
/* A payload 16 times what a FIFO holds (64 KiB): the writer must block. */
#define BIG (1024 * 1024)

/*
 * The test program is linked with -Wl,--wrap=read (see TEST_LDFLAGS_06-fifo
 * in the Makefile): each read call of the code under test lands in
 * __wrap_read. While a test has set reads_fail, every read made by the
 * test's own process (where it calls fifo_receive) fails with EIO; its
 * helper processes read as usual.
 */
static bool reads_fail;
static pid_t reads_fail_in;

ssize_t __real_read(int fd, void *buf, size_t count);
ssize_t __wrap_read(int fd, void *buf, size_t count);

ssize_t __wrap_read(int fd, void *buf, size_t count)
{
    if (reads_fail && getpid() == reads_fail_in) {
        errno = EIO;
        return -1;
    }
    return __real_read(fd, buf, count);
}

/* ---- small tools ---------------------------------------------------- */

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&t, &t) == -1 && errno == EINTR)
        ;
}

static bool is_fifo(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0 && S_ISFIFO(st.st_mode);
}

static bool exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0 || errno != ENOENT;
}

/* true when child pid has ended (it is not reaped). */
static bool ended(pid_t pid)
{
    siginfo_t info;

    info.si_pid = 0;
    return waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == pid;
}

/* Waits until path is a FIFO; false at the deadline or, when pid > 0, as
 * soon as child pid has ended. */
static bool wait_for_fifo(const char *path, pid_t pid)
{
    double end = now() + test_scaled(PATIENCE);

    while (!is_fifo(path)) {
        if ((pid > 0 && ended(pid)) || now() > end)
            return false;
        pause_ms(1);
    }
    return true;
}

/* len bytes (plus a NUL) that hold every byte value, '\0' included, and
 * repeat no 4 KiB block, so that a lost or doubled piece shows. */
static char *pattern(size_t len)
{
    char *p = malloc(len + 1);

    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < len; i++)
        p[i] = (char)(i * 7 + i / 4093);
    p[len] = '\0';
    return p;
}

static bool write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Opens the FIFO at path for writing without ever blocking in open: retries
 * while it is missing or has no reader yet; -1 at the deadline. The
 * descriptor returned blocks on write. */
static int open_writer(const char *path)
{
    double end = now() + test_scaled(PATIENCE);

    for (;;) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

        if (fd >= 0) {
            if (fcntl(fd, F_SETFL, 0) == -1) {
                close(fd);
                return -1;
            }
            return fd;
        }
        if ((errno != ENOENT && errno != ENXIO && errno != EINTR) || now() > end)
            return -1;
        pause_ms(1);
    }
}

/* Lets a fifo_receive blocked in open at path go on (it then reads end of
 * file) after a failed send, so that a test never hangs on it. */
static void release_receiver(const char *path)
{
    int fd = open_writer(path);

    if (fd >= 0)
        close(fd);
}

static void stop_child(pid_t pid)
{
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
        ;
}

static const char *describe(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, size, "wait status %#x", (unsigned)status);
    return buf;
}

/* Index of the first byte where got (n bytes) and want (len bytes) differ. */
static size_t first_difference(const char *got, size_t n, const char *want, size_t len)
{
    size_t i = 0;

    while (i < n && i < len && got[i] == want[i])
        i++;
    return i;
}

/* Fails the test unless fifo_receive's result is exactly want (len bytes). */
static void assert_received(ssize_t n, int err, const char *data, const char *want,
                            size_t len)
{
    ck_assert_msg(n >= 0, "fifo_receive failed: %s", strerror(err));
    ck_assert_msg(data != NULL, "fifo_receive returned %zd but left *data NULL", n);
    ck_assert_msg((size_t)n == len,
                  "fifo_receive returned %zd, expected %zu (the bytes read, "
                  "without the NUL)%s",
                  n, len,
                  (size_t)n == len + 1 ? ": the count must not include the NUL"
                  : (size_t)n < len    ? ": read until end of file (read returns 0)"
                                       : "");
    if (memcmp(data, want, len) != 0)
        ck_abort_msg("the bytes received differ from those sent, first at offset %zu",
                     first_difference(data, len, want, len));
    ck_assert_msg(data[len] == '\0',
                  "the buffer is not NUL-terminated: *data[%zu] must be '\\0'", len);
}

/* ---- a plain writer (the test's own) -------------------------------- */

/*
 * Forks a child that (after waiting delay_ms from the moment the FIFO at
 * path appears) opens it for writing once a reader is there, writes the len
 * bytes at data and closes it. With split > 0 it writes the first split bytes, waits until the reader
 * has taken them all out of the FIFO, then writes the rest. Exit status 0
 * when everything was written.
 */
static pid_t start_writer(const char *path, const char *data, size_t len, long delay_ms,
                          size_t split)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd, queued = 1;

        signal(SIGPIPE, SIG_IGN);
        if (delay_ms > 0) {
            if (!wait_for_fifo(path, 0))
                _exit(2);
            pause_ms(delay_ms);
        }
        fd = open_writer(path);
        if (fd < 0)
            _exit(2);
        if (split > 0) {
            double end = now() + test_scaled(PATIENCE);

            if (!write_all(fd, data, split))
                _exit(3);
            while (ioctl(fd, FIONREAD, &queued) == 0 && queued > 0 && now() < end)
                pause_ms(1);
            data += split;
            len -= split;
        }
        if (!write_all(fd, data, len))
            _exit(3);
        close(fd);
        _exit(0);
    }
    return pid;
}

/* Reaps the test's writer and fails the test unless it wrote everything.
 * A receive that read until end of file returns after the writer closed. */
static void finish_writer(pid_t pid)
{
    char what[64];
    int status;

    ck_assert_msg(test_wait_child(pid, PATIENCE, &status) == 0,
                  "fifo_receive returned while the test's writer had not finished: "
                  "wait for a writer, then read until end of file");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the test's writer could not write everything (%s): fifo_receive "
                  "must read until end of file before closing the FIFO",
                  describe(status, what, sizeof(what)));
}

/* ---- fifo_receive in a child ---------------------------------------- */

enum { RECEIVE_FAILED = 10, RECEIVED_WRONG = 11, RECEIVE_LEFT_FD = 12 };

/* Forks a child that calls fifo_receive(path) and exits 0 when it got
 * exactly the string expect (and left no descriptor open). */
static pid_t start_receiver(const char *path, const char *expect)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char *data = NULL;
        int fds = test_open_fds(), code = 0;
        ssize_t n = fifo_receive(path, &data);

        if (n < 0)
            _exit(RECEIVE_FAILED);
        if ((size_t)n != strlen(expect) || memcmp(data, expect, (size_t)n) != 0 ||
            data[n] != '\0')
            code = RECEIVED_WRONG;
        free(data);
        if (code == 0 && test_open_fds() != fds)
            code = RECEIVE_LEFT_FD;
        _exit(code);
    }
    return pid;
}

/* Reaps the receiving child and fails the test unless it succeeded. */
static void finish_receiver(pid_t pid)
{
    char what[64];
    int status;

    ck_assert_msg(test_wait_child(pid, PATIENCE, &status) == 0,
                  "fifo_receive did not return after the writer closed the FIFO");
    if (WIFEXITED(status) && WEXITSTATUS(status) == RECEIVE_FAILED)
        ck_abort_msg("fifo_receive returned -1 in a process that sent it a message");
    if (WIFEXITED(status) && WEXITSTATUS(status) == RECEIVED_WRONG)
        ck_abort_msg("fifo_receive returned other bytes than were written");
    if (WIFEXITED(status) && WEXITSTATUS(status) == RECEIVE_LEFT_FD)
        ck_abort_msg("fifo_receive left a descriptor open");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the process calling fifo_receive ended with %s",
                  describe(status, what, sizeof(what)));
}

/* ---- fifo_send in a child, reporting what it saw -------------------- */

/* How the sending child sets up its signals before calling fifo_send. */
enum {
    PIPE_HANDLER = 1, /* a handler for SIGPIPE (else SIG_DFL) */
    PIPE_BLOCKED = 2, /* SIGPIPE in the signal mask */
    PIPE_PENDING = 4, /* SIGPIPE pending before the call (needs PIPE_BLOCKED) */
    USR1_BLOCKED = 8, /* SIGUSR1 in the signal mask */
    ALARMS = 16       /* SIGALRM every few milliseconds, without SA_RESTART */
};

struct send_report {
    int ret;           /* fifo_send's return value */
    int err;           /* errno after it */
    int fds_left;      /* descriptors it left open */
    bool mask_same;    /* signal mask as before */
    bool action_same;  /* SIGPIPE's disposition as before */
    bool pipe_pending; /* SIGPIPE pending after the call */
    bool pipe_blocked; /* SIGPIPE in the mask after the call */
};

static volatile sig_atomic_t sigpipes;

static void count_sigpipe(int sig)
{
    (void)sig;
    sigpipes++;
}

static void ignore_alarm(int sig)
{
    (void)sig;
}

static bool same_mask(const sigset_t *a, const sigset_t *b)
{
    for (int s = 1; s <= SIGRTMAX; s++)
        if (sigismember(a, s) != sigismember(b, s))
            return false;
    return true;
}

static bool same_action(const struct sigaction *a, const struct sigaction *b)
{
    return a->sa_handler == b->sa_handler && a->sa_flags == b->sa_flags &&
           same_mask(&a->sa_mask, &b->sa_mask);
}

/* SIGALRM every usec microseconds (0 stops it), interrupting slow calls. */
static void set_alarms(long usec)
{
    struct itimerval it = {{0, usec}, {0, usec}};
    struct sigaction sa;

    if (usec > 0) {
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = ignore_alarm;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; /* no SA_RESTART: blocking calls fail with EINTR */
        sigaction(SIGALRM, &sa, NULL);
    }
    setitimer(ITIMER_REAL, &it, NULL);
}

/* The sending child: sets up its signals as `setup` says, calls fifo_send,
 * writes a struct send_report to out and leaves. */
static void run_sender(const char *path, const void *data, size_t len, int setup,
                       int out)
{
    struct send_report rep;
    struct sigaction sa, act_before, act_after;
    sigset_t mask, mask_before, mask_after, pending;
    int fds;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_DFL;
    if (setup & PIPE_HANDLER) {
        /* flags and mask unlike what signal() would restore */
        sa.sa_handler = count_sigpipe;
        sigaddset(&sa.sa_mask, SIGUSR2);
    }
    sigaction(SIGPIPE, &sa, NULL);
    sigemptyset(&mask);
    if (setup & PIPE_BLOCKED)
        sigaddset(&mask, SIGPIPE);
    if (setup & USR1_BLOCKED)
        sigaddset(&mask, SIGUSR1);
    sigprocmask(SIG_SETMASK, &mask, NULL);
    if (setup & PIPE_PENDING)
        raise(SIGPIPE);
    sigaction(SIGPIPE, NULL, &act_before);
    sigprocmask(SIG_SETMASK, NULL, &mask_before);
    fds = test_open_fds();
    if (setup & ALARMS)
        set_alarms(test_signal_interval_us());

    errno = 0;
    memset(&rep, 0, sizeof(rep));
    rep.ret = fifo_send(path, data, len);
    rep.err = errno;

    if (setup & ALARMS)
        set_alarms(0);
    rep.fds_left = test_open_fds() - fds;
    sigaction(SIGPIPE, NULL, &act_after);
    sigprocmask(SIG_SETMASK, NULL, &mask_after);
    sigpending(&pending);
    rep.mask_same = same_mask(&mask_before, &mask_after);
    rep.action_same = same_action(&act_before, &act_after);
    rep.pipe_pending = sigismember(&pending, SIGPIPE) == 1;
    rep.pipe_blocked = sigismember(&mask_after, SIGPIPE) == 1;
    _exit(write_all(out, &rep, sizeof(rep)) ? 0 : 1);
}

/* Forks the sending child; *report_fd receives its report. close_fd (if not
 * -1) is a descriptor of the test's that the child must not keep. */
static pid_t start_sender(const char *path, const void *data, size_t len, int setup,
                          int *report_fd, int close_fd)
{
    int p[2];
    pid_t pid;

    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (close_fd >= 0)
            close(close_fd);
        close(p[0]);
        run_sender(path, data, len, setup, p[1]);
    }
    close(p[1]);
    *report_fd = p[0];
    return pid;
}

/* Reads the sender's report: 1 when it came, 0 when the sender ended
 * without one, -1 when none came before the deadline. */
static int read_report(int fd, struct send_report *rep)
{
    double end = now() + test_scaled(PATIENCE);
    size_t got = 0;

    while (got < sizeof(*rep)) {
        struct pollfd pf = {fd, POLLIN, 0};
        ssize_t n;

        if (now() > end)
            return -1;
        if (poll(&pf, 1, 10) <= 0)
            continue;
        n = read(fd, (char *)rep + got, sizeof(*rep) - got);
        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        got += (size_t)n;
    }
    return 1;
}

/* Collects the sender's report and reaps it; fails the test when the
 * sender was killed, got stuck or left a descriptor open. */
static void finish_sender(pid_t pid, int report_fd, struct send_report *rep)
{
    int got = read_report(report_fd, rep);
    char what[64];
    int status;

    close(report_fd);
    if (got == -1) {
        stop_child(pid);
        ck_abort_msg("fifo_send did not return within %g s", test_scaled(PATIENCE));
    }
    ck_assert_int_eq(test_wait_child(pid, PATIENCE, &status), 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE)
        ck_abort_msg("the process calling fifo_send was killed by SIGPIPE when the "
                     "reader left: block SIGPIPE while writing (and take back the "
                     "one the failed write raised) or ignore it for the call, then "
                     "restore what the caller had");
    ck_assert_msg(got == 1,
                  "the process calling fifo_send ended (%s) before it returned",
                  describe(status, what, sizeof(what)));
    ck_assert_msg(rep->fds_left == 0,
                  "fifo_send left %d descriptor(s) open: close the FIFO on every path",
                  rep->fds_left);
}

/*
 * Reads the test's end of a FIFO (opened O_NONBLOCK) until end of file,
 * pace_ms between reads, into buf (cap bytes). Stops early when the sender
 * has reported without ever opening the FIFO, or at the deadline. Returns
 * the number of bytes read.
 */
static size_t drain(int rfd, int report_fd, char *buf, size_t cap, long pace_ms)
{
    double end = now() + test_scaled(PATIENCE);
    size_t got = 0;
    bool writer_seen = false;

    while (now() < end) {
        struct pollfd pf[2] = {{rfd, POLLIN, 0}, {report_fd, POLLIN, 0}};
        char sink[4096];
        ssize_t n;

        if (poll(pf, 2, 10) <= 0)
            continue;
        if (pf[0].revents)
            writer_seen = true;
        else if (!pf[1].revents)
            continue;
        /* once the sender has reported, everything it wrote is in the FIFO */
        n = got < cap ? read(rfd, buf + got, cap - got) : read(rfd, sink, sizeof(sink));
        if (n == 0 && (writer_seen || pf[1].revents))
            break;
        if (n > 0) {
            got += got < cap ? (size_t)n : 0;
            if (pace_ms > 0)
                pause_ms(pace_ms);
        }
    }
    return got;
}

/*
 * The reader goes away: the test opens a FIFO for reading, lets a child
 * (signals set up as `setup`) send BIG bytes into it, and once the FIFO is
 * full closes it without reading, so the sender's blocked write fails.
 */
static void send_to_leaving_reader(int setup, struct send_report *rep)
{
    static int calls;
    char path[PATH_MAX], name[32];
    struct pollfd pf[2];
    char *data = pattern(BIG);
    double end = now() + test_scaled(PATIENCE);
    int rfd, report_fd;
    pid_t pid;

    snprintf(name, sizeof(name), "leaving-%d", calls++);
    test_path(path, sizeof(path), name);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ck_assert_int_ge(rfd, 0);
    pid = start_sender(path, data, BIG, setup, &report_fd, rfd);
    /* data in the FIFO: the sender is writing, and will block once it is full */
    pf[0] = (struct pollfd){rfd, POLLIN, 0};
    pf[1] = (struct pollfd){report_fd, POLLIN, 0};
    while (now() < end) {
        int r = poll(pf, 2, 10);

        if (r > 0 || (r == -1 && errno != EINTR))
            break;
    }
    close(rfd);
    finish_sender(pid, report_fd, rep);
    unlink(path);
    free(data);
}

/* Fails the test unless the send to a leaving reader gave -1 with EPIPE. */
static void assert_epipe(const struct send_report *rep)
{
    ck_assert_msg(rep->ret == -1 && rep->err == EPIPE,
                  "fifo_send returned %d (errno %s) when the reader left, expected -1 "
                  "with EPIPE",
                  rep->ret, strerror(rep->err));
}

/* Exit status of a process whose fifo_send failed: SEND_FAILED + errno. */
#define SEND_FAILED 100

/* Forks a child that waits for the FIFO at path and sends len bytes with
 * fifo_send; on failure it lets the receiver go and exits SEND_FAILED +
 * errno (2 when no FIFO appeared). */
static pid_t start_student_sender(const char *path, const char *data, size_t len)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (!wait_for_fifo(path, 0))
            _exit(2);
        if (fifo_send(path, data, len) != 0) {
            int err = errno;

            release_receiver(path);
            _exit(SEND_FAILED + (err > 0 && err < 150 ? err : 0));
        }
        _exit(0);
    }
    return pid;
}

/* A separately started program: argv = {"send", path, message}. */
TEST_HELPER(send)
{
    if (argc != 3)
        return 2;
    if (!wait_for_fifo(argv[1], 0))
        return 2;
    if (fifo_send(argv[1], argv[2], strlen(argv[2])) != 0) {
        int err = errno;

        release_receiver(argv[1]);
        return SEND_FAILED + (err > 0 && err < 150 ? err : 0);
    }
    return 0;
}

/* Forks a child that, for as long as it lives (at most PATIENCE), lets any
 * reader blocked on a FIFO at path go on, so that a receive that should have
 * failed at once cannot hang the test. */
static pid_t start_unblocker(const char *path)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        double end = now() + test_scaled(PATIENCE);

        while (now() < end) {
            if (is_fifo(path)) {
                int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

                if (fd >= 0)
                    close(fd);
            }
            pause_ms(1);
        }
        _exit(0);
    }
    return pid;
}

/* Writes text into a new regular file at path with the given mode and an
 * old modification time, and returns its stat. */
static struct stat make_file(const char *path, const char *text, mode_t mode)
{
    const struct timespec old[2] = {{978307200, 0}, {978307200, 0}}; /* 2001 */
    struct stat st;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert(write_all(fd, text, strlen(text)));
    close(fd);
    ck_assert_int_eq(chmod(path, mode), 0);
    ck_assert_int_eq(utimensat(AT_FDCWD, path, old, 0), 0);
    ck_assert_int_eq(lstat(path, &st), 0);
    return st;
}

/* Fails the test unless the file at path still holds text, unchanged. */
static void assert_file_untouched(const char *path, const struct stat *before,
                                  const char *text, const char *who)
{
    char buf[256];
    struct stat st;
    ssize_t n;
    int fd;

    ck_assert_msg(lstat(path, &st) == 0, "%s removed the file at the path", who);
    ck_assert_msg(S_ISREG(st.st_mode) && st.st_ino == before->st_ino,
                  "%s replaced the file at the path", who);
    ck_assert_msg((st.st_mode & 07777) == (before->st_mode & 07777),
                  "%s changed the file's mode from %04o to %04o", who,
                  (unsigned)(before->st_mode & 07777), (unsigned)(st.st_mode & 07777));
    ck_assert_msg(st.st_size == before->st_size && st.st_mtim.tv_sec ==
                                                       before->st_mtim.tv_sec &&
                      st.st_mtim.tv_nsec == before->st_mtim.tv_nsec,
                  "%s changed the file (size %lld, was %lld; or its modification time)",
                  who, (long long)st.st_size, (long long)before->st_size);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    n = read(fd, buf, sizeof(buf));
    close(fd);
    ck_assert_msg(n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0,
                  "%s changed the file's content", who);
}

/*
 * Checks a round trip: fifo_receive returned n (errno err) with data, while
 * child pid (start_student_sender or the send helper) called fifo_send with
 * the len bytes at want. Blames the side that failed, and reaps the child.
 */
static void check_round_trip(pid_t pid, ssize_t n, int err, const char *data,
                             const char *want, size_t len)
{
    char what[64];
    int status, code = -1;

    if (n < 0) {
        stop_child(pid);
        ck_abort_msg("fifo_receive failed: %s", strerror(err));
    }
    if (test_wait_child(pid, PATIENCE, &status) == 0 && WIFEXITED(status))
        code = WEXITSTATUS(status);
    /* ENOENT: the receiver removed the FIFO before the sender got to it */
    if (code > SEND_FAILED && code != SEND_FAILED + ENOENT)
        ck_abort_msg("fifo_send failed in the sending process: %s",
                     strerror(code - SEND_FAILED));
    assert_received(n, err, data, want, len);
    ck_assert_msg(code == 0, "the process calling fifo_send ended with %s",
                  code == -1 ? "no exit status within the time limit"
                             : describe(status, what, sizeof(what)));
}

/* Runs fifo_receive(path, data) with a writer ready to send, while every
 * read(2) of this process fails with EIO; *err gets errno after it. */
static ssize_t receive_with_failing_reads(const char *path, char **data, int *err)
{
    pid_t pid = start_writer(path, "never read", 10, 0, 0);
    ssize_t n;

    reads_fail_in = getpid();
    reads_fail = true;
    errno = 0;
    n = fifo_receive(path, data);
    *err = errno;
    reads_fail = false;
    stop_child(pid); /* it may be blocked on a FIFO that nobody reads */
    return n;
}

/* ---- round trips ---------------------------------------------------- */

GRADED_TEST(round_trip_with_forked_sender, 0.5, 2)
{
    const size_t len = 200000; /* three FIFOs full */
    char path[PATH_MAX], *msg = pattern(len), *data = NULL;
    pid_t pid;
    ssize_t n;
    int err;

    test_path(path, sizeof(path), "fifo");
    pid = start_student_sender(path, msg, len);
    n = fifo_receive(path, &data);
    err = errno;
    check_round_trip(pid, n, err, data, msg, len);
    free(data);
    free(msg);
}

GRADED_TEST(round_trip_with_exec_sender, 0.75, 2)
{
    const char *msg = "sent by a program started with exec";
    char path[PATH_MAX], *data = NULL;
    pid_t pid;
    ssize_t n;
    int err;

    test_path(path, sizeof(path), "fifo");
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl(test_self(), test_self(), "--helper", "send", path, msg, (char *)NULL);
        _exit(127);
    }
    n = fifo_receive(path, &data);
    err = errno;
    check_round_trip(pid, n, err, data, msg, strlen(msg));
    free(data);
}

/* ---- fifo_receive --------------------------------------------------- */

GRADED_TEST(receive_handles_payload_larger_than_pipe, 0.5, 2)
{
    char path[PATH_MAX], *msg = pattern(BIG), *data = NULL;
    pid_t pid;
    ssize_t n;
    int err;

    test_path(path, sizeof(path), "fifo");
    pid = start_writer(path, msg, BIG, 0, 0);
    n = fifo_receive(path, &data);
    err = errno;
    if (n < 0)
        stop_child(pid);
    assert_received(n, err, data, msg, BIG);
    finish_writer(pid);
    free(data);
    free(msg);
}

GRADED_TEST(receive_reads_until_end_of_file, 0.5, 2)
{
    const char *msg = "first part, read before the second is written; second part";
    char path[PATH_MAX], *data = NULL;
    pid_t pid;
    ssize_t n;
    int err;

    test_path(path, sizeof(path), "fifo");
    /* the second part is written only after the first has been read */
    pid = start_writer(path, msg, strlen(msg), 0, 11);
    n = fifo_receive(path, &data);
    err = errno;
    if (n < 0)
        stop_child(pid);
    assert_received(n, err, data, msg, strlen(msg));
    finish_writer(pid);
    free(data);
}

GRADED_TEST(receive_handles_empty_payload, 0.5, 2)
{
    char path[PATH_MAX], *data = NULL;
    pid_t pid;
    ssize_t n;
    int err;

    test_path(path, sizeof(path), "fifo");
    pid = start_writer(path, "", 0, 0, 0); /* opens and closes */
    n = fifo_receive(path, &data);
    err = errno;
    if (n < 0)
        stop_child(pid);
    assert_received(n, err, data, "", 0);
    finish_writer(pid);
    free(data); /* an empty message is still a malloc'd "" */
}

GRADED_TEST(receive_creates_fifo_with_mode_0600, 0.5, 2)
{
    char path[PATH_MAX];
    struct stat st;
    bool made;
    int fd;
    pid_t pid;

    umask(0); /* nothing taken away: the mode is what fifo_receive asked for */
    test_path(path, sizeof(path), "fifo");
    pid = start_receiver(path, "mode");
    made = wait_for_fifo(path, pid) && lstat(path, &st) == 0;
    if (!made) {
        stop_child(pid);
        ck_abort_msg("no FIFO appeared at the path while fifo_receive ran");
    }
    fd = open_writer(path); /* the receiver goes on once it has the message */
    if (fd >= 0) {
        ck_assert(write_all(fd, "mode", 4));
        close(fd);
    } else {
        stop_child(pid);
    }
    ck_assert_msg((st.st_mode & 07777) == 0600,
                  "the FIFO's mode is %04o, expected 0600 (only its owner may use it)",
                  (unsigned)(st.st_mode & 07777));
    ck_assert_msg(fd >= 0, "could not open the FIFO for writing");
    finish_receiver(pid);
}

GRADED_TEST(receive_waits_for_a_writer, 0.5, 2)
{
    char path[PATH_MAX];
    bool waited;
    int fd;
    pid_t pid;

    test_path(path, sizeof(path), "fifo");
    pid = start_receiver(path, "late");
    /* no writer for a while: fifo_receive must still be waiting after it */
    waited = wait_for_fifo(path, pid);
    if (waited) {
        pause_ms(50);
        waited = !ended(pid);
    }
    if (!waited)
        stop_child(pid);
    ck_assert_msg(waited, "fifo_receive returned before any writer opened the FIFO: "
                          "open it for reading without O_NONBLOCK, so that open waits "
                          "for a writer");
    fd = open_writer(path);
    ck_assert_msg(fd >= 0, "could not open the FIFO for writing");
    ck_assert(write_all(fd, "late", 4));
    close(fd);
    finish_receiver(pid);
}

GRADED_TEST(receive_removes_fifo_after_success, 0.5, 2)
{
    char path[PATH_MAX], *data = NULL;
    pid_t pid;
    ssize_t n;
    int err;

    test_path(path, sizeof(path), "fifo");
    pid = start_writer(path, "gone", 4, 0, 0);
    n = fifo_receive(path, &data);
    err = errno;
    if (n < 0)
        stop_child(pid);
    assert_received(n, err, data, "gone", 4);
    finish_writer(pid);
    free(data);
    ck_assert_msg(!exists(path), "the FIFO is still at the path after fifo_receive "
                                 "returned: unlink it");
}

GRADED_TEST(receive_removes_fifo_when_open_fails, 0.25, 2)
{
    char path[PATH_MAX], *data = NULL;
    struct rlimit old, none;
    pid_t guard;
    ssize_t n;
    int err, lowest;

    test_path(path, sizeof(path), "fifo");
    /* Valgrind applies the limit only after the real open has returned,
     * which for a FIFO means after a writer came: send one */
    guard = start_unblocker(path);
    /* no descriptor left to open: mkfifo works, open fails with EMFILE */
    lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(lowest, 0);
    close(lowest);
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    none = old;
    none.rlim_cur = (rlim_t)lowest;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &none), 0);
    errno = 0;
    n = fifo_receive(path, &data);
    err = errno;
    setrlimit(RLIMIT_NOFILE, &old);
    stop_child(guard);
    if (n >= 0)
        free(data);
    ck_assert_msg(n == -1 && err == EMFILE,
                  "with no descriptor free, fifo_receive returned %zd (errno %s), "
                  "expected -1 with open's EMFILE",
                  n, strerror(err));
    ck_assert_msg(!exists(path), "the FIFO was left at the path after open failed: "
                                 "remove it on every failure after mkfifo");
}

GRADED_TEST(receive_removes_fifo_when_read_fails, 0.25, 2)
{
    char path[PATH_MAX], *data = NULL;
    ssize_t n;
    int err;

    test_path(path, sizeof(path), "fifo");
    n = receive_with_failing_reads(path, &data, &err);
    if (n >= 0)
        free(data);
    ck_assert_msg(n == -1 && err == EIO,
                  "the test made every read(2) fail with EIO, yet fifo_receive "
                  "returned %zd (errno %s), expected -1 with read's EIO",
                  n, strerror(err));
    ck_assert_msg(!exists(path), "the FIFO was left at the path after read failed: "
                                 "remove it on every failure after mkfifo");
}

GRADED_TEST(receive_leaves_data_unchanged_when_it_fails, 0.25, 2)
{
    char path[PATH_MAX], mark, *data = &mark;
    pid_t guard;
    ssize_t n;
    int err;

    /* fails at once: something is already at the path */
    test_path(path, sizeof(path), "taken");
    make_file(path, "here first", 0600);
    guard = start_unblocker(path);
    errno = 0;
    n = fifo_receive(path, &data);
    err = errno;
    stop_child(guard);
    if (n >= 0 && data != &mark)
        free(data);
    ck_assert_msg(n == -1 && err == EEXIST,
                  "fifo_receive over an existing file returned %zd (errno %s), "
                  "expected -1 with EEXIST",
                  n, strerror(err));
    ck_assert_msg(data == &mark, "fifo_receive failed with EEXIST but changed *data: "
                                 "store into *data only on success");
    /* fails after reading began: read(2) fails */
    test_path(path, sizeof(path), "fifo");
    n = receive_with_failing_reads(path, &data, &err);
    if (n >= 0 && data != &mark)
        free(data);
    unlink(path); /* whether it is removed is another test's business */
    ck_assert_msg(n == -1 && err == EIO,
                  "with every read(2) failing with EIO, fifo_receive returned %zd "
                  "(errno %s), expected -1 with EIO",
                  n, strerror(err));
    ck_assert_msg(data == &mark, "fifo_receive failed (read gave EIO) but changed "
                                 "*data: store into *data only on success");
}

GRADED_TEST(receive_reports_eexist_and_leaves_it_untouched, 0.5, 2)
{
    const char *text = "a file that was here first\n";
    char path[PATH_MAX], *data = NULL;
    struct stat before;
    pid_t guard;
    ssize_t n;
    int err;

    test_path(path, sizeof(path), "taken");
    before = make_file(path, text, 0640);
    guard = start_unblocker(path);
    errno = 0;
    n = fifo_receive(path, &data);
    err = errno;
    stop_child(guard);
    if (n >= 0)
        free(data);
    ck_assert_msg(n == -1 && err == EEXIST,
                  "with a regular file at the path, fifo_receive returned %zd (errno "
                  "%s), expected -1 with EEXIST",
                  n, strerror(err));
    assert_file_untouched(path, &before, text, "fifo_receive");

    /* a FIFO someone else made is not ours to read either */
    test_path(path, sizeof(path), "other-fifo");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    guard = start_unblocker(path);
    errno = 0;
    n = fifo_receive(path, &data);
    err = errno;
    stop_child(guard);
    if (n >= 0)
        free(data);
    ck_assert_msg(n == -1 && err == EEXIST,
                  "with a FIFO already at the path, fifo_receive returned %zd (errno "
                  "%s), expected -1 with EEXIST",
                  n, strerror(err));
    ck_assert_msg(is_fifo(path), "fifo_receive removed a FIFO it did not create");
    unlink(path);
}

GRADED_TEST(receive_retries_after_signal_interruptions, 0.25, 2)
{
    const size_t len = 200000;
    char path[PATH_MAX], *msg = pattern(len), *data = NULL;
    pid_t pid;
    ssize_t n;
    int err;

    test_path(path, sizeof(path), "fifo");
    /* the writer comes late, so signals hit the blocked open and reads */
    pid = start_writer(path, msg, len, 30, 0);
    set_alarms(test_signal_interval_us());
    n = fifo_receive(path, &data);
    err = errno;
    set_alarms(0);
    if (n < 0)
        stop_child(pid);
    ck_assert_msg(n >= 0 || err != EINTR,
                  "fifo_receive failed with EINTR: a caught signal interrupted open "
                  "or read; call it again");
    assert_received(n, err, data, msg, len);
    finish_writer(pid);
    free(data);
    free(msg);
}

/* ---- fifo_send ------------------------------------------------------ */

GRADED_TEST(send_reports_enoent_when_nothing_is_there, 0.5, 2)
{
    char path[PATH_MAX];
    struct send_report rep;
    int report_fd;
    pid_t pid;

    test_path(path, sizeof(path), "nothing");
    pid = start_sender(path, "lost", 4, 0, &report_fd, -1);
    finish_sender(pid, report_fd, &rep);
    ck_assert_msg(rep.ret == -1 && rep.err == ENOENT,
                  "with nothing at the path, fifo_send returned %d (errno %s), "
                  "expected -1 with ENOENT",
                  rep.ret, strerror(rep.err));
    ck_assert_msg(!exists(path), "fifo_send created something at the path: it must "
                                 "only open an existing FIFO");
}

GRADED_TEST(send_of_zero_bytes_gives_an_empty_message, 0.25, 2)
{
    char path[PATH_MAX], *data = NULL;
    pid_t pid;
    ssize_t n;
    int err;

    test_path(path, sizeof(path), "fifo");
    pid = start_student_sender(path, "", 0);
    n = fifo_receive(path, &data);
    err = errno;
    check_round_trip(pid, n, err, data, "", 0);
    free(data);
}

GRADED_TEST(send_rejects_regular_file_with_einval, 0.75, 2)
{
    const char *text = "a regular file, not a FIFO\n";
    char path[PATH_MAX];
    struct send_report rep;
    struct stat before;
    int report_fd;
    pid_t pid;

    test_path(path, sizeof(path), "file");
    before = make_file(path, text, 0644);
    pid = start_sender(path, "overwritten", 11, 0, &report_fd, -1);
    finish_sender(pid, report_fd, &rep);
    ck_assert_msg(rep.ret == -1 && rep.err == EINVAL,
                  "with a regular file at the path, fifo_send returned %d (errno "
                  "%s), expected -1 with EINVAL",
                  rep.ret, strerror(rep.err));
    assert_file_untouched(path, &before, text, "fifo_send");
}

GRADED_TEST(send_waits_for_a_reader, 0.25, 2)
{
    char path[PATH_MAX], buf[64];
    struct send_report rep;
    struct pollfd pf;
    bool returned;
    size_t got;
    int rfd, report_fd;
    pid_t pid;

    test_path(path, sizeof(path), "fifo");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    pid = start_sender(path, "waited", 6, 0, &report_fd, -1);
    pause_ms(50); /* no reader yet: fifo_send must still be waiting */
    pf = (struct pollfd){report_fd, POLLIN, 0};
    returned = poll(&pf, 1, 0) > 0;
    rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ck_assert_int_ge(rfd, 0);
    got = drain(rfd, report_fd, buf, sizeof(buf), 0);
    close(rfd);
    finish_sender(pid, report_fd, &rep);
    unlink(path);
    ck_assert_msg(!returned, "fifo_send returned %d (errno %s) before any reader had "
                             "opened the FIFO: open it without O_NONBLOCK, so that "
                             "open waits for a reader",
                  rep.ret, strerror(rep.err));
    ck_assert_msg(rep.ret == 0, "fifo_send failed: %s", strerror(rep.err));
    ck_assert_msg(got == 6 && memcmp(buf, "waited", 6) == 0,
                  "the reader got %zu bytes instead of the 6 sent", got);
}

GRADED_TEST(send_survives_signal_interruptions, 0.25, 2)
{
    char path[PATH_MAX], *msg = pattern(BIG), *buf = malloc(BIG);
    struct send_report rep;
    size_t got;
    int rfd, report_fd;
    pid_t pid;

    ck_assert_ptr_nonnull(buf);
    test_path(path, sizeof(path), "fifo");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ck_assert_int_ge(rfd, 0);
    /* a slow reader: the sender blocks on a full FIFO while signals arrive */
    pid = start_sender(path, msg, BIG, ALARMS, &report_fd, rfd);
    got = drain(rfd, report_fd, buf, BIG, 1);
    close(rfd);
    finish_sender(pid, report_fd, &rep);
    unlink(path);
    ck_assert_msg(rep.ret == 0, "fifo_send failed under signals: %s%s",
                  strerror(rep.err),
                  rep.err == EINTR ? " (a write a signal interrupted must be retried)"
                                   : "");
    ck_assert_msg(got == BIG,
                  "the reader got %zu of %d bytes: a signal cut a write short and "
                  "fifo_send took it as done; write again until every byte is out",
                  got, BIG);
    if (memcmp(buf, msg, BIG) != 0)
        ck_abort_msg("the bytes received differ from those sent, first at offset %zu",
                     first_difference(buf, BIG, msg, BIG));
    free(buf);
    free(msg);
}

GRADED_TEST(send_reports_epipe_when_reader_leaves, 0.75, 2)
{
    struct send_report rep;

    send_to_leaving_reader(0, &rep); /* SIGPIPE at its default: death */
    assert_epipe(&rep);
}

GRADED_TEST(send_restores_sigpipe_disposition, 0.5, 2)
{
    struct send_report rep;

    send_to_leaving_reader(PIPE_HANDLER, &rep);
    assert_epipe(&rep);
    ck_assert_msg(rep.action_same,
                  "SIGPIPE's disposition (handler, flags or mask) after fifo_send "
                  "differs from the caller's: save it with sigaction and restore "
                  "exactly that");
}

GRADED_TEST(send_restores_signal_mask, 0.5, 2)
{
    struct send_report rep;

    send_to_leaving_reader(USR1_BLOCKED, &rep);
    assert_epipe(&rep);
    ck_assert_msg(rep.mask_same, "the signal mask after fifo_send differs from the "
                                 "caller's (SIGPIPE %s): restore the saved mask",
                  rep.pipe_blocked ? "is now blocked" : "changed");
    send_to_leaving_reader(USR1_BLOCKED | PIPE_BLOCKED, &rep);
    assert_epipe(&rep);
    ck_assert_msg(rep.mask_same,
                  "the caller had SIGPIPE blocked and the mask after fifo_send "
                  "differs (SIGPIPE %s): restore the saved mask with SIG_SETMASK "
                  "instead of unblocking SIGPIPE",
                  rep.pipe_blocked ? "still blocked" : "now unblocked");
}

GRADED_TEST(send_leaves_no_sigpipe_pending, 0.25, 2)
{
    struct send_report rep;

    /* a pending SIGPIPE would kill the caller when it unblocks the signal */
    send_to_leaving_reader(PIPE_BLOCKED, &rep);
    assert_epipe(&rep);
    ck_assert_msg(!rep.pipe_pending,
                  "a SIGPIPE from the failed write is still pending after fifo_send "
                  "returned: the caller dies as soon as it unblocks SIGPIPE; take "
                  "it back (sigtimedwait with a zero timeout) before restoring the "
                  "mask");
}

GRADED_TEST(send_keeps_an_earlier_pending_sigpipe, 0.25, 2)
{
    struct send_report rep;

    send_to_leaving_reader(PIPE_BLOCKED | PIPE_PENDING, &rep);
    assert_epipe(&rep);
    ck_assert_msg(rep.pipe_pending,
                  "the caller had a SIGPIPE pending before fifo_send and it is gone "
                  "after: take back only a SIGPIPE that was not pending before the "
                  "call");
    ck_assert_msg(rep.mask_same, "the signal mask after fifo_send differs from the "
                                 "caller's");
}
