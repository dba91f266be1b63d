/* harness.h - graded Check tests: declaration, audit and helpers for IPC tests */
#ifndef HARNESS_H
#define HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Declaring a graded test is one line:
 *
 *     GRADED_TEST(pop_blocks_until_push, 2, 5)
 *     {
 *         ...Check asserts...
 *     }
 *
 * names the test, the points it earns and its time limit in seconds (native;
 * Check scales it by CK_TIMEOUT_MULTIPLIER, which the grader sets under
 * Valgrind). BONUS_TEST is the same for bonus points. Every test runs in a
 * Check test case of its own (so it can be run alone), inside an audit that
 * fails it when it leaves a descriptor, a child process, an IPC name or a FIFO
 * behind. `build/.../test --list` prints the table the grader reads.
 */
#define GRADED_TEST(fn, points, seconds) HARNESS_TEST_(fn, points, false, seconds)
#define BONUS_TEST(fn, points, seconds) HARNESS_TEST_(fn, points, true, seconds)

/*
 * A helper program that a test starts with exec: `test_self() --helper NAME
 * args...` runs it in a fresh process image of the test binary (linked with
 * the code under test). Its return value is the process's exit status.
 */
#define TEST_HELPER(name)                                                    \
    static int name##_helper(int argc, char **argv);                         \
    __attribute__((constructor)) static void name##_helper_register(void)   \
    {                                                                        \
        harness_register_helper(#name, name##_helper);                       \
    }                                                                        \
    static int name##_helper(int argc, char **argv)

/* The run's IPC prefix: letters and digits, from GRADER_PREFIX when set. */
const char *test_prefix(void);

/*
 * Writes "/<prefix>-<tag>-<pid>-<n>" into buf: a name unique to this run,
 * process and call, valid for shm_open and sem_open. Fails the test when it
 * does not fit.
 */
const char *test_ipc_name(char *buf, size_t size, const char *tag);

/* This test's own temporary directory, made on first use and removed (with
 * everything in it) by the audit. */
const char *test_dir(void);

/* Writes "<test_dir()>/<file>" into buf and returns buf. */
const char *test_path(char *buf, size_t size, const char *file);

/* seconds scaled by CK_TIMEOUT_MULTIPLIER (the grader raises it under Valgrind). */
double test_scaled(double seconds);

/* true when this process runs under Valgrind (which preloads its own
 * libraries into the program), so that a test can size its work. */
bool test_under_valgrind(void);

/*
 * The interval, in microseconds, of a storm of signals that a test sends to
 * interrupt blocking calls: 1 ms natively, 10 ms under Valgrind, whose signal
 * delivery cannot keep up with a 1 ms timer while a large write is in
 * progress (Valgrind 3.19 spins there without ever finishing the write).
 */
long test_signal_interval_us(void);

/*
 * Waits for child pid at most `seconds` (scaled). Returns 0 with *status set,
 * or -1: ETIMEDOUT after killing and reaping the child, or waitpid's errno.
 */
int test_wait_child(pid_t pid, double seconds, int *status);

/* Path of the running test binary, for exec'ing TEST_HELPERs. */
const char *test_self(void);

/*
 * How many processes forked during this test (by the code under test or by
 * the test) have left through exit() instead of _exit() so far. exit() in a
 * child flushes stdio buffers copied from its parent and runs its handlers.
 */
int test_exit_calls(void);

/* Each open descriptor < the soft RLIMIT_NOFILE, and how many there are. */
int test_open_fds(void);

/* true when descriptor fd is open. */
bool test_fd_open(int fd);

/* Writes what descriptor fd (of this process) refers to, or "?" */
const char *test_fd_target(int fd, char *buf, size_t size);

/* Internal: the code under test's mmap, mprotect, pkey_mprotect and syscall
 * (and their other names), which refuse to make memory executable
 * (harness.c). */
void *harness_guard_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *harness_guard_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *harness_guard___mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int harness_guard_mprotect(void *addr, size_t len, int prot);
int harness_guard___mprotect(void *addr, size_t len, int prot);
int harness_guard_pkey_mprotect(void *addr, size_t len, int prot, int pkey);
long harness_guard_syscall(long number, ...);

/* Internal: what the macros above expand to. */
struct harness_test {
    const char *name;
    const TTest *const *tt;
    double points;
    bool bonus;
    double seconds;
    const char *file;
    int line;
};
void harness_register(const struct harness_test *t);
void harness_register_helper(const char *name, int (*fn)(int, char **));
void harness_begin(const struct harness_test *t);
void harness_end(void);

#define HARNESS_TEST_(fn, pts, is_bonus, secs)                                  \
    static void fn##_body(void);                                               \
    START_TEST(fn);                                                            \
    static const struct harness_test fn##_graded = {                           \
        #fn, &fn, pts, is_bonus, secs, __FILE__, __LINE__};                    \
    static void fn##_fn(int _i CK_ATTRIBUTE_UNUSED)                            \
    {                                                                          \
        harness_begin(&fn##_graded);                                           \
        fn##_body();                                                           \
        harness_end();                                                         \
    }                                                                          \
    __attribute__((constructor)) static void fn##_register(void)              \
    {                                                                          \
        harness_register(&fn##_graded);                                        \
    }                                                                          \
    static void fn##_body(void)

#endif
