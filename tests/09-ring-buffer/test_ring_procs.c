/* test_ring_procs.c - tests of 09-ring-buffer across processes: blocking, close, many consumers */
#define _GNU_SOURCE
#include "harness.h"
#include "ring_util.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long a process must stay blocked to count as blocked (not scaled). */
#define STILL_BLOCKED 0.1
/* CPU time a ring_pop blocked for 300 ms may use. */
#define CPU_LIMIT_MS 20

/* Messages and consumers of the many-consumer test. */
#define MANY_MESSAGES 20000
#define CONSUMERS 4
#define MANY_SLOT_SIZE 1024
#define RACE_SLOTS 64
/* Pushes between two signals in the many-consumer test. */
#define PAUSE_EVERY 16

/* Child: pops one message with ring_pop and reports what came back. */
static void child_pop_and_report(struct ring *r, int fd)
{
    unsigned char buf[64];
    ssize_t n = ring_pop(r, buf, sizeof(buf));
    int err = errno;

    ring_detach(r);
    _exit(ru_write_report(fd, n, err, 0, buf, n > 0 ? (size_t)n : 0) ? 0 : 1);
}

/* Fails the test when the child already reported that `call` returned. */
static void expect_still_blocked(int fd, double seconds, const char *call,
                                 const char *hint)
{
    struct ru_report rep;

    if (!ru_readable(fd, seconds))
        return;
    ru_read_report(fd, &rep, 1, "the child");
    ck_abort_msg("%s returned %lld (%s) instead of waiting%s", call, (long long)rep.rc,
                 rep.rc < 0 ? strerror(rep.err) : "no error", hint);
}

GRADED_TEST(pop_blocks_until_push, 1, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "popblk", 4, 64);
    struct ru_report rep;
    int fds[2];
    pid_t pid;

    ru_pipe(fds);
    pid = ru_fork();
    if (pid == 0) {
        close(fds[0]);
        child_pop_and_report(r, fds[1]);
    }
    close(fds[1]);
    expect_still_blocked(fds[0], STILL_BLOCKED, "ring_pop on an empty ring", "");
    ru_push(r, 42, 10);
    ru_read_report(fds[0], &rep, 2, "ring_pop after a push");
    ck_assert_msg(rep.rc == 10 && ru_check(rep.data, 42, 10), "the blocked ring_pop "
                  "returned %lld (%s), expected the 10-byte message pushed",
                  (long long)rep.rc, rep.rc < 0 ? strerror(rep.err) : "wrong bytes");
    close(fds[0]);
    ru_reap(pid, 2, "the popping child");
    ru_destroy(r, name);
}

GRADED_TEST(push_blocks_until_pop, 1, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "pushblk", 1, 16);
    struct ru_report rep;
    int fds[2];
    pid_t pid;

    ru_push(r, 1, 16);
    ru_pipe(fds);
    pid = ru_fork();
    if (pid == 0) {
        unsigned char msg[16];
        int rc, err;

        close(fds[0]);
        ru_fill(msg, 2, 16);
        rc = ring_push(r, msg, 16);
        err = errno;
        ring_detach(r);
        _exit(ru_write_report(fds[1], rc, err, 0, NULL, 0) ? 0 : 1);
    }
    close(fds[1]);
    expect_still_blocked(fds[0], STILL_BLOCKED, "ring_push into a full ring", "");
    ru_expect(r, 1, 16);
    ru_read_report(fds[0], &rep, 2, "ring_push after a pop");
    ck_assert_msg(rep.rc == 0, "the blocked ring_push failed: %s", strerror(rep.err));
    ru_expect(r, 2, 16);
    close(fds[0]);
    ru_reap(pid, 2, "the pushing child");
    ru_destroy(r, name);
}

static volatile sig_atomic_t ticks;

static void on_tick(int sig)
{
    (void)sig;
    ticks++;
}

/* Child: signals every few milliseconds (no SA_RESTART) while it pops from
 * an empty ring, then pushes into a full one. Reports after each call. */
static void child_under_signals(struct ring *r, int fd)
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
    n = ring_pop(r, buf, sizeof(buf));
    err = errno;
    if (!ru_write_report(fd, n, err, ticks, buf, n > 0 ? (size_t)n : 0))
        _exit(1);
    ru_fill(buf, 2, 16);
    ticks = 0;
    rc = ring_push(r, buf, 16); /* fills the only slot */
    if (rc == 0)
        rc = ring_push(r, buf, 16); /* waits for the parent's pop */
    err = errno;
    setitimer(ITIMER_REAL, &off, NULL);
    if (!ru_write_report(fd, rc, err, ticks, NULL, 0))
        _exit(1);
    ring_detach(r);
    _exit(0);
}

GRADED_TEST(blocking_calls_retry_after_signals, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "eintr", 1, 16);
    struct ru_report rep;
    int fds[2];
    pid_t pid;

    ru_pipe(fds);
    pid = ru_fork();
    if (pid == 0) {
        close(fds[0]);
        child_under_signals(r, fds[1]);
    }
    close(fds[1]);
    expect_still_blocked(fds[0], STILL_BLOCKED, "ring_pop interrupted by signals",
                         ": retry sem_wait when it fails with EINTR");
    ru_push(r, 1, 16);
    ru_read_report(fds[0], &rep, 2, "ring_pop after a push");
    ck_assert_msg(rep.rc == 16 && ru_check(rep.data, 1, 16), "ring_pop under signals "
                  "returned %lld (%s)", (long long)rep.rc,
                  rep.rc < 0 ? strerror(rep.err) : "wrong bytes");
    ck_assert_msg(rep.extra > 0, "the child caught no signal while blocked; the test "
                  "proved nothing");
    expect_still_blocked(fds[0], STILL_BLOCKED, "ring_push interrupted by signals",
                         ": retry sem_wait when it fails with EINTR");
    ru_expect(r, 2, 16);
    ru_read_report(fds[0], &rep, 2, "ring_push after a pop");
    ck_assert_msg(rep.rc == 0, "ring_push under signals failed: %s", strerror(rep.err));
    ck_assert_msg(rep.extra > 0, "the child caught no signal while pushing");
    ru_expect(r, 2, 16);
    close(fds[0]);
    ru_reap(pid, 2, "the child");
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

GRADED_TEST(exec_program_opens_the_ring_by_name, 1, 5)
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
    int fds[2];

    ru_pipe(fds);
    for (int k = 0; k < CONSUMERS; k++) {
        pids[k] = ru_fork();
        if (pids[k] == 0) {
            close(fds[0]);
            child_pop_and_report(r, fds[1]);
        }
    }
    close(fds[1]);
    expect_still_blocked(fds[0], STILL_BLOCKED, "ring_pop on an empty ring", "");
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
    for (int k = 0; k < CONSUMERS; k++)
        ru_reap(pids[k], 2, "a consumer");
    ru_destroy(r, name);
}

/*
 * A blocked ring_pop must sleep in the kernel (sem_wait), not spin: the child
 * says when it calls ring_pop and measures its own CPU time across it; the
 * parent pushes 300 ms later. Sleeping costs well under 5 ms; a spinning
 * pop costs the share of a CPU it gets in 300 ms (about 300 ms on an idle
 * machine, still about 30 ms with twenty busy processes per core pair).
 */
GRADED_TEST(blocked_pop_uses_no_cpu, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "cpu", 4, 16);
    struct ru_report rep;
    int fds[2], ready[2];
    pid_t pid;
    char c;

    ru_pipe(fds);
    ru_pipe(ready);
    pid = ru_fork();
    if (pid == 0) {
        struct timespec t0, t1;
        unsigned char buf[16];
        ssize_t n;
        int err;

        close(fds[0]);
        close(ready[0]);
        (void)ring_try_pop(r, buf, sizeof(buf)); /* warm up */
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        if (write(ready[1], "r", 1) != 1)
            _exit(1);
        n = ring_pop(r, buf, sizeof(buf));
        err = errno;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
        ring_detach(r);
        _exit(ru_write_report(fds[1], n, err,
                              (int)((t1.tv_sec - t0.tv_sec) * 1000 +
                                    (t1.tv_nsec - t0.tv_nsec) / 1000000),
                              buf, n > 0 ? (size_t)n : 0)
                  ? 0
                  : 1);
    }
    close(fds[1]);
    close(ready[1]);
    ck_assert_msg(ru_readable(ready[0], 2) && read(ready[0], &c, 1) == 1,
                  "the child never got to call ring_pop");
    close(ready[0]);
    expect_still_blocked(fds[0], 3 * STILL_BLOCKED / test_scaled(1),
                         "ring_pop on an empty ring", "");
    ru_push(r, 5, 4);
    ru_read_report(fds[0], &rep, 2, "ring_pop after a push");
    ck_assert_msg(rep.rc == 4, "ring_pop returned %lld (%s)", (long long)rep.rc,
                  strerror(rep.err));
    ck_assert_msg(rep.extra < CPU_LIMIT_MS, "a ring_pop blocked for 300 ms used %d ms "
                  "of CPU: wait in sem_wait instead of polling", rep.extra);
    close(fds[0]);
    ru_reap(pid, 2, "the popping child");
    ru_destroy(r, name);
}
