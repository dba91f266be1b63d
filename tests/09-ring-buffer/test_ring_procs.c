/* test_ring_procs.c - tests of 09-ring-buffer across processes: blocking, close, many consumers */
#define _GNU_SOURCE
#include "harness.h"
#include "ring_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * How a test knows that a child is blocked inside a ring call, whatever the
 * timing: the child writes one byte to a "ready" pipe just before the call;
 * after that byte, the first time /proc/PID/stat shows the child asleep in
 * the kernel (state S) it can only be asleep inside the call, and it stays
 * inside until it writes its report. A call that returns at once shows up as
 * a report; a call that polls never sleeps and runs into SLEEP_DEADLINE.
 */
/* Seconds (scaled) a child may take to fall asleep in the call it announced. */
#define SLEEP_DEADLINE 1.0
/* How long a blocked ring_pop is left waiting while it measures its CPU time
 * (not scaled: Valgrind makes a spinning loop no cheaper). */
#define CPU_WINDOW 0.3
/* CPU time, in ms, that a ring_pop blocked for CPU_WINDOW may use, and how
 * many times it may go to sleep. */
#define CPU_LIMIT_MS 20
#define MAX_SLEEPS 5

/* Messages and consumers of the many-consumer test. */
/* Messages in the many-consumer test: enough that consumers racing on the
 * read index collide (every run, natively, even with the other core busy),
 * fewer under Valgrind, which is slower but widens the window as much. */
#define MANY_MESSAGES many_messages
static uint32_t many_messages = 20000;
#define CONSUMERS 4
#define MANY_SLOT_SIZE 1024
#define RACE_SLOTS 64
/* Pushes between two signals in the many-consumer test. */
#define PAUSE_EVERY 16

/* Child: says it is ready, pops one message with ring_pop and reports what
 * came back. */
static void child_pop_and_report(struct ring *r, int ready_fd, int fd)
{
    unsigned char buf[64];
    ssize_t n;
    int err;

    if (write(ready_fd, "r", 1) != 1)
        _exit(1);
    n = ring_pop(r, buf, sizeof(buf));
    err = errno;
    ring_detach(r);
    _exit(ru_write_report(fd, n, err, 0, buf, n > 0 ? (size_t)n : 0) ? 0 : 1);
}

/* Reads the ready bytes of `count` children (asserts). */
static void read_ready(int ready_fd, int count, const char *call)
{
    for (int got = 0; got < count;) {
        char c[8];
        ssize_t n;

        ck_assert_msg(ru_readable(ready_fd, 2), "a child never got to call %s", call);
        n = read(ready_fd, c, (size_t)(count - got) < sizeof(c) ? (size_t)(count - got)
                                                               : sizeof(c));
        if (n < 0 && errno == EINTR)
            continue;
        ck_assert_msg(n > 0, "a child ended before it called %s (did an earlier ring "
                      "call fail?)", call);
        got += (int)n;
    }
}

/* Fails the test when a child has already reported that `call` returned. */
static void expect_no_report(int fd, const char *call, const char *hint)
{
    struct ru_report rep;

    if (!ru_readable(fd, 0))
        return;
    ru_read_report(fd, &rep, 1, "the child");
    ck_abort_msg("%s returned %lld (%s) instead of waiting%s", call, (long long)rep.rc,
                 rep.rc < 0 ? strerror(rep.err) : "no error", hint);
}

/* The state of process pid in /proc/PID/stat ('S': asleep, 'R': running),
 * or '?' when it cannot be read. */
static char process_state(pid_t pid)
{
    char path[64], buf[512];
    const char *paren;
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return '?';
    do
        n = read(fd, buf, sizeof(buf) - 1);
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n <= 0)
        return '?';
    buf[n] = '\0';
    paren = strrchr(buf, ')'); /* the command name may hold anything */
    return paren != NULL && paren[1] == ' ' && paren[2] != '\0' ? paren[2] : '?';
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/*
 * The child pid has sent its ready byte for `call`: returns once it is
 * asleep inside the call. Fails the test when the child reports (on fd)
 * that the call returned, or when it neither returns nor sleeps within
 * SLEEP_DEADLINE seconds.
 */
static void wait_until_asleep(pid_t pid, int fd, const char *call, const char *hint)
{
    struct timespec start;
    char state;

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        state = process_state(pid);
        /* a report written before the state was read is seen here */
        expect_no_report(fd, call, hint);
        if (state == 'S')
            return;
        if (seconds_since(&start) > test_scaled(SLEEP_DEADLINE))
            break;
        (void)ru_readable(fd, 0.001); /* a short nap that a report cuts short */
    }
    ck_abort_msg("%s neither returned nor went to sleep within %g s (the process "
                 "stayed in state %c): a blocked call must sleep in sem_wait, not "
                 "poll", call, test_scaled(SLEEP_DEADLINE), state);
}

GRADED_TEST(pop_blocks_until_push, 1, 3)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "popblk", 4, 64);
    struct ru_report rep;
    int fds[2], ready[2];
    pid_t pid;

    ru_pipe(fds);
    ru_pipe(ready);
    pid = ru_fork();
    if (pid == 0) {
        close(fds[0]);
        close(ready[0]);
        child_pop_and_report(r, ready[1], fds[1]);
    }
    close(fds[1]);
    close(ready[1]);
    read_ready(ready[0], 1, "ring_pop");
    wait_until_asleep(pid, fds[0], "ring_pop on an empty ring", "");
    ru_push(r, 42, 10);
    ru_read_report(fds[0], &rep, 2, "ring_pop after a push");
    ck_assert_msg(rep.rc == 10 && ru_check(rep.data, 42, 10), "the blocked ring_pop "
                  "returned %lld (%s), expected the 10-byte message pushed",
                  (long long)rep.rc, rep.rc < 0 ? strerror(rep.err) : "wrong bytes");
    close(fds[0]);
    close(ready[0]);
    ru_reap(pid, 2, "the popping child");
    ru_destroy(r, name);
}

/* Child: says it is ready, pushes message seq of 16 bytes with ring_push
 * (into a full ring) and reports what came back. */
static void child_push_and_report(struct ring *r, uint32_t seq, int ready_fd, int fd)
{
    unsigned char msg[16];
    int rc, err;

    ru_fill(msg, seq, 16);
    if (write(ready_fd, "r", 1) != 1)
        _exit(1);
    rc = ring_push(r, msg, 16);
    err = errno;
    ring_detach(r);
    _exit(ru_write_report(fd, rc, err, 0, NULL, 0) ? 0 : 1);
}

/* Fills r, a ring of one 16-byte slot, with message 1 and starts a child
 * pushing message 2 into it: returns the child's pid once it is asleep in
 * ring_push, with its report pipe in fds[0] and its ready pipe in ready[0]
 * (the caller's to close). */
static pid_t start_blocked_push(struct ring *r, int fds[2], int ready[2])
{
    pid_t pid;

    ru_push(r, 1, 16);
    ru_pipe(fds);
    ru_pipe(ready);
    pid = ru_fork();
    if (pid == 0) {
        close(fds[0]);
        close(ready[0]);
        child_push_and_report(r, 2, ready[1], fds[1]);
    }
    close(fds[1]);
    close(ready[1]);
    read_ready(ready[0], 1, "ring_push");
    wait_until_asleep(pid, fds[0], "ring_push into a full ring", "");
    return pid;
}

GRADED_TEST(push_blocks_until_pop, 1, 3)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "pushblk", 1, 16);
    struct ru_report rep;
    int fds[2], ready[2];
    pid_t pid = start_blocked_push(r, fds, ready);

    ru_expect(r, 1, 16);
    ru_read_report(fds[0], &rep, 2, "ring_push after a pop");
    ck_assert_msg(rep.rc == 0, "the blocked ring_push failed: %s", strerror(rep.err));
    ru_expect(r, 2, 16);
    close(fds[0]);
    close(ready[0]);
    ru_reap(pid, 2, "the pushing child");
    ru_destroy(r, name);
}

GRADED_TEST(close_fails_a_push_blocked_on_a_full_ring, 0.5, 3)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "pushcls", 1, 16);
    unsigned char buf[16];
    struct ru_report rep;
    int fds[2], ready[2];
    ssize_t n;
    pid_t pid = start_blocked_push(r, fds, ready);

    ck_assert_int_eq(ring_close(r), 0);
    ck_assert_msg(ru_readable(fds[0], 2), "a ring_push blocked on a full ring still "
                  "waits %g s after ring_close: the close must wake the producer too",
                  test_scaled(2));
    ru_read_report(fds[0], &rep, 1, "ring_push woken by ring_close");
    ck_assert_msg(rep.rc == -1 && rep.err == EPIPE, "a ring_push blocked on a full "
                  "ring when ring_close came returned %lld (%s), expected -1 with EPIPE",
                  (long long)rep.rc, rep.rc < 0 ? strerror(rep.err) : "no error");
    ru_expect(r, 1, 16);
    n = ring_try_pop(r, buf, sizeof(buf));
    ck_assert_msg(n == 0, "after the message pushed before the close, ring_try_pop "
                  "returned %zd (%s), expected 0: the refused push must add nothing", n,
                  n < 0 ? strerror(errno) : "a message");
    close(fds[0]);
    close(ready[0]);
    ru_reap(pid, 2, "the pushing child");
    ru_destroy(r, name);
}

/* Signals the child has caught, counted in a mapping the parent shares. */
static _Atomic int *ticks;

static void on_tick(int sig)
{
    (void)sig;
    atomic_fetch_add_explicit(ticks, 1, memory_order_relaxed);
}

/* Child: catches a signal every few milliseconds (no SA_RESTART) while it
 * pops from an empty ring, then pushes into a full one. Says when it is
 * ready for each blocking call and reports after it. */
static void child_under_signals(struct ring *r, int ready_fd, int fd)
{
    struct sigaction sa;
    const long tick = test_signal_interval_us();
    struct itimerval every = {{0, tick}, {0, tick}}, off = {{0, 0}, {0, 0}};
    unsigned char buf[16];
    ssize_t n;
    int err, rc;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_tick;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGALRM, &sa, NULL) == -1 || setitimer(ITIMER_REAL, &every, NULL))
        _exit(1);
    if (write(ready_fd, "p", 1) != 1)
        _exit(1);
    n = ring_pop(r, buf, sizeof(buf));
    err = errno;
    if (!ru_write_report(fd, n, err, 0, buf, n > 0 ? (size_t)n : 0))
        _exit(1);
    ru_fill(buf, 2, 16);
    rc = ring_push(r, buf, 16); /* fills the only slot */
    if (rc == 0) {
        if (write(ready_fd, "q", 1) != 1)
            _exit(1);
        rc = ring_push(r, buf, 16); /* waits for the parent's pop */
    }
    err = errno;
    setitimer(ITIMER_REAL, &off, NULL);
    if (!ru_write_report(fd, rc, err, 0, NULL, 0))
        _exit(1);
    ring_detach(r);
    _exit(0);
}

/*
 * The child has been seen asleep inside `call`: waits until it catches one
 * more signal while it has still not reported. It is inside the call from
 * before it was seen asleep until it reports, so that signal interrupted the
 * call; a call that gives up on EINTR reports -1 then.
 */
static void expect_signal_while_blocked(int fd, const char *call)
{
    static const char hint[] = ": when sem_wait fails with EINTR, call it again";
    int seen = atomic_load(ticks);
    struct timespec start;

    clock_gettime(CLOCK_MONOTONIC, &start);
    while (atomic_load(ticks) == seen) {
        expect_no_report(fd, call, hint);
        ck_assert_msg(seconds_since(&start) < test_scaled(SLEEP_DEADLINE), "the child "
                      "caught no signal within %g s while blocked in %s; the test "
                      "proved nothing", test_scaled(SLEEP_DEADLINE), call);
        (void)ru_readable(fd, 0.001);
    }
    expect_no_report(fd, call, hint);
}

GRADED_TEST(blocking_calls_retry_after_signals, 0.5, 3)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "eintr", 1, 16);
    struct ru_report rep;
    int fds[2], ready[2];
    pid_t pid;

    ticks = mmap(NULL, sizeof(*ticks), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_msg(ticks != MAP_FAILED, "mmap failed: %s", strerror(errno));
    atomic_init(ticks, 0);
    ru_pipe(fds);
    ru_pipe(ready);
    pid = ru_fork();
    if (pid == 0) {
        close(fds[0]);
        close(ready[0]);
        child_under_signals(r, ready[1], fds[1]);
    }
    close(fds[1]);
    close(ready[1]);
    read_ready(ready[0], 1, "ring_pop");
    wait_until_asleep(pid, fds[0], "ring_pop on an empty ring", "");
    expect_signal_while_blocked(fds[0], "ring_pop on an empty ring");
    ru_push(r, 1, 16);
    ru_read_report(fds[0], &rep, 2, "ring_pop after a push");
    ck_assert_msg(rep.rc == 16 && ru_check(rep.data, 1, 16), "ring_pop interrupted by "
                  "a signal returned %lld (%s), expected the message pushed after it",
                  (long long)rep.rc, rep.rc < 0 ? strerror(rep.err) : "wrong bytes");
    read_ready(ready[0], 1, "its second ring_push (the first one filled the ring)");
    wait_until_asleep(pid, fds[0], "ring_push into a full ring", "");
    expect_signal_while_blocked(fds[0], "ring_push into a full ring");
    ru_expect(r, 2, 16);
    ru_read_report(fds[0], &rep, 2, "ring_push after a pop");
    ck_assert_msg(rep.rc == 0, "ring_push interrupted by a signal failed: %s",
                  strerror(rep.err));
    ru_expect(r, 2, 16);
    close(fds[0]);
    close(ready[0]);
    ru_reap(pid, 2, "the child");
    munmap(ticks, sizeof(*ticks));
    ru_destroy(r, name);
}

GRADED_TEST(forked_child_uses_the_handle_and_opens_by_name, 0.5, 3)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "fork", 4, 16);
    pid_t pid;

    pid = ru_fork();
    if (pid == 0) {
        unsigned char msg[16];

        ru_fill(msg, 1, 16);
        _exit(ring_push(r, msg, 16) == 0 && ring_detach(r) == 0 ? 0 : 1);
    }
    ru_reap(pid, 2, "the child pushing through its copy of the handle");
    pid = ru_fork();
    if (pid == 0) {
        struct ring *own = ring_open(name);
        unsigned char msg[16];

        ru_fill(msg, 2, 12);
        if (own == NULL)
            _exit(2);
        _exit(ring_push(own, msg, 12) == 0 && ring_detach(own) == 0 ? 0 : 1);
    }
    ru_reap(pid, 2, "the child pushing through ring_open (2: ring_open failed)");
    ru_expect(r, 1, 16);
    ru_expect(r, 2, 12);
    ru_destroy(r, name);
}

/* exec'd consumer: argv = {name, ring, count}. Pops until 0; exit status 0
 * when exactly messages 0..count-1 of 8 + seq bytes came. */
TEST_HELPER(ring_consumer)
{
    unsigned char buf[64];
    struct ring *r;
    long count;
    ssize_t n;

    if (argc != 3)
        return 9;
    count = atol(argv[2]);
    r = ring_open(argv[1]);
    if (r == NULL)
        return 2;
    for (uint32_t seq = 0;; seq++) {
        n = ring_pop(r, buf, sizeof(buf));
        if (n == 0)
            return seq == count && ring_detach(r) == 0 ? 0 : 4;
        if (n < 0)
            return 5;
        if ((size_t)n != 8 + seq || !ru_check(buf, seq, (size_t)n))
            return 3;
    }
}

/* exec'd producer: argv = {name, ring, count}. Pushes messages 0..count-1 of
 * 8 + seq bytes and closes the ring. */
TEST_HELPER(ring_producer)
{
    unsigned char msg[64];
    struct ring *r;
    long count;

    if (argc != 3)
        return 9;
    count = atol(argv[2]);
    r = ring_open(argv[1]);
    if (r == NULL)
        return 2;
    for (uint32_t seq = 0; seq < count; seq++) {
        ru_fill(msg, seq, 8 + seq);
        if (ring_push(r, msg, 8 + seq) != 0)
            return 5;
    }
    return ring_close(r) == 0 && ring_detach(r) == 0 ? 0 : 6;
}

static pid_t spawn_helper(const char *helper, const char *ring, const char *count)
{
    pid_t pid = ru_fork();

    if (pid == 0) {
        execl(test_self(), test_self(), "--helper", helper, ring, count, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void reap_helper(pid_t pid, const char *who)
{
    int status;

    ck_assert_msg(test_wait_child(pid, 3, &status) == 0, "the exec'd %s did not end",
                  who);
    ck_assert_msg(WIFEXITED(status), "the exec'd %s was killed by signal %d (a pointer "
                  "in shared memory is not valid in another process)", who,
                  WTERMSIG(status));
    switch (WEXITSTATUS(status)) {
    case 0:
        return;
    case 2:
        ck_abort_msg("ring_open by name failed in the exec'd %s", who);
    case 3:
        ck_abort_msg("the exec'd %s received a wrong message", who);
    case 4:
        ck_abort_msg("the exec'd %s received the wrong number of messages", who);
    default:
        ck_abort_msg("the exec'd %s exited with status %d (5: ring_pop or ring_push "
                     "failed; 6: ring_close or ring_detach failed)", who,
                     WEXITSTATUS(status));
    }
}

GRADED_TEST(exec_program_opens_the_ring_by_name, 0.5, 5)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "exec", 8, 64);
    unsigned char buf[64];
    pid_t pid;

    for (uint32_t seq = 0; seq < 5; seq++)
        ru_push(r, seq, 8 + seq);
    ck_assert_int_eq(ring_close(r), 0);
    pid = spawn_helper("ring_consumer", name, "5");
    reap_helper(pid, "consumer");
    ck_assert_msg(ring_try_pop(r, buf, sizeof(buf)) == 0, "the ring is not closed and "
                  "empty after the exec'd consumer drained it");
    ru_destroy(r, name);

    r = ru_create(name, sizeof(name), "exec", 8, 64);
    pid = spawn_helper("ring_producer", name, "6");
    reap_helper(pid, "producer");
    for (uint32_t seq = 0; seq < 6; seq++)
        ru_expect(r, seq, 8 + seq);
    ck_assert_msg(ring_try_pop(r, buf, sizeof(buf)) == 0, "the exec'd producer's "
                  "ring_close did not reach this process");
    ru_destroy(r, name);
}

GRADED_TEST(second_handle_works_after_the_first_is_detached, 0.5, 3)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "twice", 4, 16);
    struct ring *other = ring_open(name);
    pid_t pid;

    ck_assert_msg(other != NULL, "ring_open failed: %s", strerror(errno));
    ck_assert_msg((void *)other != (void *)r, "ring_open returned the same handle");
    ru_push(r, 1, 16);
    pid = ru_fork();
    if (pid == 0) {
        unsigned char buf[16];

        /* the first mapping goes away: the second must not depend on it */
        ring_detach(r);
        if (ring_try_pop(other, buf, sizeof(buf)) != 16 || !ru_check(buf, 1, 16))
            _exit(3);
        ru_fill(buf, 2, 7);
        if (ring_push(other, buf, 7) != 0 || ring_try_pop(other, buf, 16) != 7 ||
            !ru_check(buf, 2, 7))
            _exit(4);
        _exit(ring_detach(other) == 0 ? 0 : 5);
    }
    ru_reap(pid, 2, "a child using only the ring_open handle (a crash means the "
                    "shared layout holds a pointer)");
    ck_assert_int_eq(ring_detach(other), 0);
    ru_destroy(r, name);
}

/* Messages of the many-consumer test: seq, then len - 4 bytes of a fixed
 * table starting at an offset that depends on seq (cheap to make and check
 * even under Valgrind). */
static unsigned char table[MANY_SLOT_SIZE + 256];

static size_t many_len(uint32_t seq)
{
    return 8 + seq % (MANY_SLOT_SIZE - 7);
}

static void many_table(void)
{
    for (size_t i = 0; i < sizeof(table); i++)
        table[i] = (unsigned char)(i * 7 + 3);
}

static void many_fill(unsigned char *msg, uint32_t seq)
{
    memcpy(msg, &seq, 4);
    memcpy(msg + 4, table + seq % 256, many_len(seq) - 4);
}

static bool many_check(const unsigned char *msg, size_t len)
{
    uint32_t seq = ru_seq(msg);

    return seq < MANY_MESSAGES && len == many_len(seq) &&
           memcmp(msg + 4, table + seq % 256, len - 4) == 0;
}

/* Consumer k of the many-consumer test: waits for the go byte on go_fd,
 * then records each seq it gets in got[i] and the count in *count. Exit
 * status 0, or 2 (pop failed), 3 (bad bytes), 4 (out of order), 5 (too many). */
static int consume_all(struct ring *r, int go_fd, uint32_t *got, uint32_t *count)
{
    unsigned char buf[MANY_SLOT_SIZE];
    uint32_t n = 0;
    char go;

    if (read(go_fd, &go, 1) != 1)
        return 2;
    for (;;) {
        ssize_t len = ring_pop(r, buf, sizeof(buf));
        uint32_t seq;

        if (len == 0)
            break;
        if (len < 8)
            return len < 0 ? 2 : 3;
        if (!many_check(buf, (size_t)len))
            return 3;
        seq = ru_seq(buf);
        if (n > 0 && seq <= got[n - 1])
            return 4;
        if (n == MANY_MESSAGES)
            return 5;
        got[n++] = seq;
    }
    *count = n;
    return 0;
}

/* Fails the test unless every consumer exited 0 and, together, they got
 * each of MANY_MESSAGES messages exactly once. */
static void check_consumers(const pid_t *pids, const uint32_t *got,
                            const uint32_t *counts)
{
    static const char *why[] = {"", "", "ring_pop failed", "received corrupted bytes",
                                "received messages out of order",
                                "received more messages than were sent"};
    unsigned char *seen = calloc(MANY_MESSAGES, 1);
    uint32_t total = 0;

    ck_assert_ptr_nonnull(seen);
    for (int k = 0; k < CONSUMERS; k++) {
        int status;

        ck_assert_msg(test_wait_child(pids[k], 5, &status) == 0, "consumer %d did not "
                      "return 0 after the close and the last message", k);
        ck_assert_msg(WIFEXITED(status), "consumer %d was killed by signal %d", k,
                      WTERMSIG(status));
        ck_assert_msg(WEXITSTATUS(status) == 0, "consumer %d %s (exit status %d)", k,
                      WEXITSTATUS(status) < 6 ? why[WEXITSTATUS(status)] : "failed",
                      WEXITSTATUS(status));
    }
    for (int k = 0; k < CONSUMERS; k++)
        for (uint32_t i = 0; i < counts[k]; i++) {
            uint32_t seq = got[k * MANY_MESSAGES + i];

            if (seen[seq]++)
                ck_abort_msg("message %u was delivered twice: consumers must not "
                             "claim the same slot", seq);
            total++;
        }
    ck_assert_msg(total == MANY_MESSAGES, "%u of %d messages were delivered", total,
                  MANY_MESSAGES);
    free(seen);
}

/* Pushes message *seq with ring_try_push; false when the ring is full or
 * every message has been pushed. */
static bool try_next(struct ring *r, uint32_t *seq)
{
    unsigned char msg[MANY_SLOT_SIZE];

    if (*seq == MANY_MESSAGES)
        return false;
    many_fill(msg, *seq);
    if (ring_try_push(r, msg, many_len(*seq)) != 0) {
        if (errno != EAGAIN)
            ck_abort_msg("ring_try_push of message %u failed: %s", *seq,
                         strerror(errno));
        return false;
    }
    (*seq)++;
    return true;
}

static void signal_all(const pid_t *pids, int sig)
{
    for (int k = 0; k < CONSUMERS; k++)
        kill(pids[k], sig);
}

/* Fails the test when a consumer has ended before the close (it reports why
 * through its exit status; the producer would otherwise wait for it). */
static void expect_consumers_alive(const pid_t *pids, const uint32_t *got,
                                   const uint32_t *counts)
{
    for (int k = 0; k < CONSUMERS; k++) {
        siginfo_t info;

        info.si_pid = 0;
        if (waitid(P_PID, (id_t)pids[k], &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            info.si_pid != 0)
            check_consumers(pids, got, counts);
    }
}

/*
 * Over and over: the ring is filled while every consumer is stopped, then
 * all of them start at once on the full ring, and a moment later one of them
 * is stopped wherever it is while the others go on (as if the scheduler had
 * taken its CPU away). A claim on the read index that is not serialised then
 * shows up as a message delivered twice. The producer never waits while a
 * consumer is stopped, since that consumer may hold a lock.
 */
GRADED_TEST(four_consumers_get_each_message_exactly_once, 2, 5)
{
    many_messages = test_under_valgrind() ? 20000 : 200000;
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "many", RACE_SLOTS, MANY_SLOT_SIZE);
    size_t shared = (CONSUMERS * MANY_MESSAGES + CONSUMERS) * sizeof(uint32_t);
    uint32_t *got = mmap(NULL, shared, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    uint32_t *counts = got + CONSUMERS * MANY_MESSAGES;
    pid_t pids[CONSUMERS];
    uint32_t seq = 0;
    int go[2];

    ck_assert_msg(got != MAP_FAILED, "mmap failed: %s", strerror(errno));
    many_table();
    ru_pipe(go);
    for (int k = 0; k < CONSUMERS; k++) {
        pids[k] = ru_fork();
        if (pids[k] == 0) {
            int rc;

            close(go[1]);
            rc = consume_all(r, go[0], got + k * MANY_MESSAGES, counts + k);
            ring_detach(r);
            _exit(rc);
        }
    }
    close(go[0]);
    ck_assert_int_eq(write(go[1], "gogo", CONSUMERS), CONSUMERS);
    close(go[1]);
    while (seq < MANY_MESSAGES) {
        unsigned char msg[MANY_SLOT_SIZE];

        signal_all(pids, SIGSTOP);
        while (try_next(r, &seq))
            ;
        signal_all(pids, SIGCONT);
        for (int i = 0; i < PAUSE_EVERY && try_next(r, &seq); i++)
            ;
        for (int k = 0; k < CONSUMERS; k++) {
            kill(pids[k], SIGSTOP);
            for (int i = 0; i < PAUSE_EVERY && try_next(r, &seq); i++)
                ;
            kill(pids[k], SIGCONT);
        }
        if (seq == MANY_MESSAGES)
            break;
        expect_consumers_alive(pids, got, counts);
        /* wait for room rather than spin */
        many_fill(msg, seq);
        if (ring_push(r, msg, many_len(seq)) != 0)
            ck_abort_msg("ring_push of message %u failed: %s", seq, strerror(errno));
        seq++;
    }
    ck_assert_int_eq(ring_close(r), 0);
    check_consumers(pids, got, counts);
    munmap(got, shared);
    ru_destroy(r, name);
}

GRADED_TEST(close_wakes_every_blocked_consumer, 1, 3)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "wake", 4, 16);
    struct ru_report rep;
    pid_t pids[CONSUMERS];
    int fds[2], ready[2];

    ru_pipe(fds);
    ru_pipe(ready);
    for (int k = 0; k < CONSUMERS; k++) {
        pids[k] = ru_fork();
        if (pids[k] == 0) {
            close(fds[0]);
            close(ready[0]);
            child_pop_and_report(r, ready[1], fds[1]);
        }
    }
    close(fds[1]);
    close(ready[1]);
    read_ready(ready[0], CONSUMERS, "ring_pop");
    for (int k = 0; k < CONSUMERS; k++)
        wait_until_asleep(pids[k], fds[0], "ring_pop on an empty ring", "");
    ck_assert_int_eq(ring_close(r), 0);
    for (int k = 0; k < CONSUMERS; k++) {
        char what[80];

        snprintf(what, sizeof(what), "consumer %d of %d after ring_close", k + 1,
                 CONSUMERS);
        ru_read_report(fds[0], &rep, 2, what);
        ck_assert_msg(rep.rc == 0, "a consumer woken by ring_close got %lld (%s), "
                      "expected 0", (long long)rep.rc, strerror(rep.err));
    }
    close(fds[0]);
    close(ready[0]);
    for (int k = 0; k < CONSUMERS; k++)
        ru_reap(pids[k], 2, "a consumer");
    ru_destroy(r, name);
}

/* How a blocked ring_pop fared over CPU_WINDOW: what it returned, and the
 * CPU time it used and the times it went to sleep, measured in the child. */
struct waiting_cost {
    int64_t rc;
    int32_t err;
    int32_t cpu_ms;
    int64_t sleeps;
};

static int64_t cpu_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t sleeps_so_far(void)
{
    struct rusage u;

    return getrusage(RUSAGE_SELF, &u) == 0 ? (int64_t)u.ru_nvcsw : 0;
}

/* Child: says it is ready, pops one message and reports its waiting_cost. */
static void child_measure_pop(struct ring *r, int ready_fd, int fd)
{
    struct waiting_cost cost;
    unsigned char buf[16];
    int64_t cpu0, sleeps0;

    (void)ring_try_pop(r, buf, sizeof(buf)); /* warm up */
    sleeps0 = sleeps_so_far();
    cpu0 = cpu_ns();
    if (write(ready_fd, "r", 1) != 1)
        _exit(1);
    cost.rc = ring_pop(r, buf, sizeof(buf));
    cost.err = errno;
    cost.cpu_ms = (int32_t)((cpu_ns() - cpu0) / 1000000);
    cost.sleeps = sleeps_so_far() - sleeps0;
    ring_detach(r);
    _exit(write(fd, &cost, sizeof(cost)) == (ssize_t)sizeof(cost) ? 0 : 1);
}

/*
 * A blocked ring_pop must sleep in the kernel (sem_wait) until a push wakes
 * it, not poll: the child measures its own CPU time and the times it went to
 * sleep (voluntary context switches) from just before ring_pop until it
 * returns, and the parent pushes CPU_WINDOW (300 ms) after the child said it
 * was calling.
 *
 * CPU: the limit is CPU_LIMIT_MS (20 ms). A pop that sleeps, after at most a
 * bounded spin of a few microseconds, uses under 1 ms natively and 2 to 7 ms
 * under Valgrind (which translates code on first use). A pop that polls for
 * the whole 300 ms gets the share of a CPU that the scheduler gives it: about
 * 300 ms on an idle machine, about 150 ms when it shares a CPU with one busy
 * process, and more than 20 ms as long as fewer than about 30 busy processes
 * compete for two CPUs.
 *
 * Sleeps: a pop that sleeps until it is woken goes to sleep once (measured:
 * 1, natively and under Valgrind); one that polls with short sleeps goes to
 * sleep once per round, 30 times for sleeps of 10 ms. The limit is
 * MAX_SLEEPS.
 */
GRADED_TEST(blocked_pop_uses_no_cpu, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "cpu", 4, 16);
    struct waiting_cost cost;
    int fds[2], ready[2];
    ssize_t n;
    pid_t pid;

    ru_pipe(fds);
    ru_pipe(ready);
    pid = ru_fork();
    if (pid == 0) {
        close(fds[0]);
        close(ready[0]);
        child_measure_pop(r, ready[1], fds[1]);
    }
    close(fds[1]);
    close(ready[1]);
    read_ready(ready[0], 1, "ring_pop");
    close(ready[0]);
    /* CPU_WINDOW seconds, not scaled: ru_readable scales its argument */
    ck_assert_msg(!ru_readable(fds[0], CPU_WINDOW / test_scaled(1)), "ring_pop on an "
                  "empty ring returned instead of waiting");
    ru_push(r, 5, 4);
    ck_assert_msg(ru_readable(fds[0], 2), "ring_pop did not return after a push");
    do
        n = read(fds[0], &cost, sizeof(cost));
    while (n < 0 && errno == EINTR);
    ck_assert_msg(n == (ssize_t)sizeof(cost), "the child ended without reporting");
    ck_assert_msg(cost.rc == 4, "ring_pop returned %lld (%s)", (long long)cost.rc,
                  cost.rc < 0 ? strerror(cost.err) : "a wrong length");
    ck_assert_msg(cost.cpu_ms < CPU_LIMIT_MS, "a ring_pop blocked for %g ms used %d ms "
                  "of CPU (limit %d ms): sleep in sem_wait instead of polling",
                  CPU_WINDOW * 1000, cost.cpu_ms, CPU_LIMIT_MS);
    ck_assert_msg(cost.sleeps <= MAX_SLEEPS, "a ring_pop blocked for %g ms went to "
                  "sleep %lld times (limit %d): it polls with short sleeps; sleep in "
                  "sem_wait, once, until a push posts", CPU_WINDOW * 1000,
                  (long long)cost.sleeps, MAX_SLEEPS);
    close(fds[0]);
    ru_reap(pid, 2, "the popping child");
    ru_destroy(r, name);
}
