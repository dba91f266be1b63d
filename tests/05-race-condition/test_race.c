/* test_race.c - tests of 05-race-condition: a shared counter with and without a semaphore */
#define _GNU_SOURCE
#include "harness.h"
#include "race.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* true when /dev/shm holds the shared memory object (or, with sem, the
 * semaphore) called name. */
static bool ipc_entry_exists(const char *name, bool sem)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof(path), "/dev/shm/%s%s", sem ? "sem." : "", name + 1);
    return stat(path, &st) == 0;
}

/*
 * The test program is linked with -Wl,--wrap=sem_wait (see
 * TEST_LDFLAGS_05-race-condition in the Makefile): each sem_wait call of
 * the code under test lands in __wrap_sem_wait. Once a test has set
 * fail_sem_wait_in_children, every sem_wait in a child of the test's
 * process fails with EINVAL, as it would on a semaphore that is not valid;
 * fork copies both variables into the children.
 */
static bool fail_sem_wait_in_children;
static pid_t tester;

int __real_sem_wait(sem_t *sem);
int __wrap_sem_wait(sem_t *sem);

int __wrap_sem_wait(sem_t *sem)
{
    if (fail_sem_wait_in_children && getpid() != tester) {
        errno = EINVAL;
        return -1;
    }
    return __real_sem_wait(sem);
}

/* Longest name after the slash that sem_open accepts. */
#define IPC_LONGEST 251

/* Iterations for a counting test. Under Valgrind each increment costs about
 * 50 times more, so it gets a tenth: the counts stay exact with the
 * semaphore, and still come out short without it. */
static long scaled_iters(long iters)
{
    return test_under_valgrind() ? iters / 10 : iters;
}

/* Runs race_counter with the semaphore and checks the count is exact and that
 * both names are gone afterwards. */
static void assert_exact_count(int procs, long iters)
{
    char name[128];
    long count;

    iters = scaled_iters(iters);
    test_ipc_name(name, sizeof(name), "exact");
    errno = 0;
    count = race_counter(name, procs, iters, true);
    ck_assert_msg(count != -1, "race_counter(%d procs, %ld iters, semaphore) failed: %s",
                  procs, iters, strerror(errno));
    ck_assert_msg(count == procs * iters,
                  "%d procs x %ld iters with the semaphore gave %ld, expected %ld: the "
                  "load, the add and the store must all happen between sem_wait and "
                  "sem_post, and the parent must wait for every child before reading",
                  procs, iters, count, procs * iters);
}

GRADED_TEST(semaphore_count_exact_one_process, 0.5, 2)
{
    assert_exact_count(1, 100000);
}

/* Millions of increments (natively): a store that escapes the critical section
 * (after sem_post) loses updates here every time. */
GRADED_TEST(semaphore_count_exact_two_processes, 1, 3)
{
    assert_exact_count(2, 2000000);
}

GRADED_TEST(semaphore_count_exact_four_processes, 0.5, 2)
{
    assert_exact_count(4, 100000);
}

GRADED_TEST(semaphore_count_exact_eight_processes, 0.25, 3)
{
    assert_exact_count(8, 50000);
}

GRADED_TEST(unlocked_count_between_one_and_total, 0.75, 2)
{
    const long iters = scaled_iters(100000);
    char name[128];
    long count;

    test_ipc_name(name, sizeof(name), "unlocked");
    errno = 0;
    count = race_counter(name, 4, iters, false);
    ck_assert_msg(count != -1, "race_counter(4 procs, %ld iters, no semaphore) failed: %s",
                  iters, strerror(errno));
    ck_assert_msg(count >= 1 && count <= 4 * iters,
                  "4 procs x %ld iters without the semaphore gave %ld: lost updates can "
                  "make it smaller than %ld, but never below 1 or above it",
                  iters, count, 4 * iters);
}

GRADED_TEST(unlocked_single_process_counts_exactly, 0.5, 2)
{
    const long iters = scaled_iters(100000);
    char name[128];
    long count;

    test_ipc_name(name, sizeof(name), "single");
    errno = 0;
    count = race_counter(name, 1, iters, false);
    ck_assert_msg(count != -1, "race_counter(1 proc, %ld iters, no semaphore) failed: %s",
                  iters, strerror(errno));
    ck_assert_msg(count == iters,
                  "one process alone cannot race, yet it counted %ld of %ld: start the "
                  "counter at 0 and read it after the child has ended",
                  count, iters);
}

GRADED_TEST(zero_iterations_count_zero, 0.5, 2)
{
    char name[128];
    long count;

    for (int sem = 0; sem <= 1; sem++) {
        test_ipc_name(name, sizeof(name), "zero");
        errno = 0;
        count = race_counter(name, 3, 0, sem);
        ck_assert_msg(count == 0, "3 procs x 0 iters (%s semaphore) gave %ld (%s), "
                      "expected 0", sem ? "with" : "without", count,
                      count == -1 ? strerror(errno) : "no error");
    }
}

GRADED_TEST(existing_shm_object_gives_eexist_untouched, 0.75, 2)
{
    enum { SIZE = 4096 };
    char name[128];
    unsigned char *p;
    struct stat st;
    long count;
    int fd, err;
    bool intact = true, sem_left;

    test_ipc_name(name, sizeof(name), "taken");
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd >= 0, "test setup: shm_open: %s", strerror(errno));
    ck_assert_int_eq(ftruncate(fd, SIZE), 0);
    p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_msg(p != MAP_FAILED, "test setup: mmap: %s", strerror(errno));
    memset(p, 0xA5, SIZE);

    errno = 0;
    count = race_counter(name, 2, 1000, true);
    err = errno;
    ck_assert_int_eq(fstat(fd, &st), 0);
    /* a shrunk object would raise SIGBUS past its end: look only if intact */
    for (size_t i = 0; st.st_size >= SIZE && i < SIZE; i++)
        if (p[i] != 0xA5)
            intact = false;
    munmap(p, SIZE);
    close(fd);
    ck_assert_msg(ipc_entry_exists(name, false),
                  "the existing shared memory object was unlinked: only unlink what "
                  "this call created");
    shm_unlink(name);
    sem_left = ipc_entry_exists(name, true);
    sem_unlink(name);
    ck_assert_msg(count == -1 && err == EEXIST,
                  "the shared memory object already existed: expected -1 with EEXIST, "
                  "got %ld (errno %d, %s); open it with O_CREAT | O_EXCL",
                  count, err, strerror(err));
    ck_assert_msg(st.st_size == SIZE && intact,
                  "the existing object was changed (size %lld, expected %d; contents "
                  "%s): an object this call did not create must be left as it was",
                  (long long)st.st_size, SIZE, intact ? "intact" : "overwritten");
    ck_assert_msg(!sem_left, "after EEXIST a semaphore %s was left behind", name);
}

/* What race_counter(name, 2, 1000, use_semaphore) did beside someone else's
 * semaphore of the same name, made with the value 3 before it ran. */
struct beside_semaphore {
    long count;
    int err;          /* errno after the call */
    bool still_there; /* the semaphore could be opened again afterwards */
    int value;        /* its value then (-1 when it was gone) */
    bool shm_left;    /* a shared memory object of the name was left */
};

static struct beside_semaphore race_beside_semaphore(const char *name, bool use_semaphore)
{
    struct beside_semaphore r = {0, 0, false, -1, false};
    sem_t *mine, *again;

    mine = sem_open(name, O_CREAT | O_EXCL, 0600, 3);
    ck_assert_msg(mine != SEM_FAILED, "test setup: sem_open: %s", strerror(errno));
    errno = 0;
    r.count = race_counter(name, 2, 1000, use_semaphore);
    r.err = errno;
    again = sem_open(name, 0);
    if (again != SEM_FAILED) {
        r.still_there = true;
        sem_getvalue(again, &r.value);
        sem_close(again);
    }
    sem_close(mine);
    sem_unlink(name);
    r.shm_left = ipc_entry_exists(name, false);
    shm_unlink(name);
    return r;
}

GRADED_TEST(existing_semaphore_gives_eexist_untouched, 0.75, 2)
{
    char name[128];
    struct beside_semaphore r;

    test_ipc_name(name, sizeof(name), "taken");
    r = race_beside_semaphore(name, true);
    ck_assert_msg(r.count == -1 && r.err == EEXIST,
                  "the semaphore already existed: expected -1 with EEXIST, got %ld "
                  "(errno %d, %s); open it with O_CREAT | O_EXCL",
                  r.count, r.err, strerror(r.err));
    ck_assert_msg(r.still_there,
                  "the existing semaphore was unlinked: on EEXIST it is not yours to "
                  "remove");
    ck_assert_msg(r.value == 3, "the existing semaphore's value went from 3 to %d", r.value);
    ck_assert_msg(!r.shm_left, "after EEXIST the shared memory object %s was left behind: "
                  "remove what this call created before failing", name);
}

GRADED_TEST(child_that_cannot_lock_gives_eio, 0.5, 2)
{
    char name[128];
    long count;
    int err;
    bool shm_left, sem_left;

    test_ipc_name(name, sizeof(name), "eio");
    tester = getpid();
    fail_sem_wait_in_children = true;
    errno = 0;
    count = race_counter(name, 3, 1000, true);
    err = errno;
    fail_sem_wait_in_children = false;
    shm_left = ipc_entry_exists(name, false);
    sem_left = ipc_entry_exists(name, true);
    shm_unlink(name);
    sem_unlink(name);
    ck_assert_msg(count == -1 && err == EIO,
                  "every child's sem_wait failed (EINVAL), so no child could do its "
                  "increments, yet race_counter returned %ld (errno %d, %s); expected "
                  "-1 with EIO: a child that cannot lock exits with a non-zero status "
                  "and the parent checks every child's status",
                  count, err, strerror(err));
    ck_assert_msg(!shm_left && !sem_left, "after the failure %s was left in /dev/shm",
                  shm_left ? "the shared memory object" : "the semaphore");
}

GRADED_TEST(no_semaphore_made_without_use_semaphore, 0.5, 2)
{
    char name[128];
    struct beside_semaphore r;

    /* someone else's semaphore of the same name: a run without the
     * semaphore has no business with it */
    test_ipc_name(name, sizeof(name), "nosem");
    r = race_beside_semaphore(name, false);
    ck_assert_msg(r.count >= 1 && r.count <= 2000,
                  "with use_semaphore false and a semaphore of the same name already "
                  "there, race_counter returned %ld (errno %d, %s): without the "
                  "semaphore, create no semaphore",
                  r.count, r.err, strerror(r.err));
    ck_assert_msg(r.still_there, "the existing semaphore was unlinked by a run "
                  "that does not use a semaphore");
    ck_assert_msg(r.value == 3, "the existing semaphore's value went from 3 to %d", r.value);
    ck_assert_msg(!r.shm_left, "the shared memory object %s was left behind", name);
}

GRADED_TEST(no_ipc_name_left_after_count, 0.75, 2)
{
    char name[128];
    long count;

    for (int sem = 0; sem <= 1; sem++) {
        bool shm_left, sem_left;

        int err;

        test_ipc_name(name, sizeof(name), "left");
        count = race_counter(name, 2, 1000, sem);
        err = errno;
        shm_left = ipc_entry_exists(name, false);
        sem_left = ipc_entry_exists(name, true);
        shm_unlink(name);
        sem_unlink(name);
        ck_assert_msg(count != -1, "race_counter (%s semaphore) failed: %s",
                      sem ? "with" : "without", strerror(err));
        ck_assert_msg(!shm_left, "the shared memory object %s was left in /dev/shm "
                      "(%s semaphore): shm_unlink it before returning", name,
                      sem ? "with" : "without");
        ck_assert_msg(!sem_left, "the semaphore %s was left in /dev/shm: sem_unlink "
                      "it before returning", name);
    }
}

/* Writes into buf (size > len + 1) a run-unique name with exactly
 * len characters after the slash. */
static const char *name_of_length(char *buf, size_t size, size_t len)
{
    size_t have;

    test_ipc_name(buf, size, "long");
    have = strlen(buf + 1);
    ck_assert_msg(have <= len && len + 2 <= size, "test setup: name too long");
    memset(buf + 1 + have, 'x', len - have);
    buf[1 + len] = '\0';
    return buf;
}

/* A name one character too long for sem_open (and so for race_counter). */
#define TOO_LONG 252

GRADED_TEST(invalid_name_gives_einval, 0.75, 2)
{
    char name[128], nested[160], longest[TOO_LONG + 2];
    const char *bad[7];
    size_t nbad = 0;

    test_ipc_name(name, sizeof(name), "bad");
    snprintf(nested, sizeof(nested), "%s/x", name);
    name_of_length(longest, sizeof(longest), TOO_LONG);
    bad[nbad++] = NULL;
    bad[nbad++] = name + 1; /* no leading slash */
    bad[nbad++] = nested;
    bad[nbad++] = "/";
    bad[nbad++] = "/.";
    bad[nbad++] = "/..";
    bad[nbad++] = longest;
    for (int sem = 0; sem <= 1; sem++) {
        for (size_t i = 0; i < nbad; i++) {
            long count;
            int err;
            bool created;

            errno = 0;
            count = race_counter(bad[i], 2, 10, sem);
            err = errno;
            /* glibc accepts a name without the slash, and shm_open one of
             * 252 characters: remove what a call that did not check made */
            created = ipc_entry_exists(name, false) || ipc_entry_exists(name, true) ||
                      ipc_entry_exists(longest, false) || ipc_entry_exists(longest, true);
            shm_unlink(name);
            sem_unlink(name);
            shm_unlink(longest);
            sem_unlink(longest);
            ck_assert_msg(count == -1 && err == EINVAL,
                          "name \"%.40s%s\" (%zu characters in all, %s semaphore): "
                          "expected -1 with EINVAL, got %ld (errno %d, %s)",
                          bad[i] ? bad[i] : "(null)",
                          bad[i] && strlen(bad[i]) > 40 ? "..." : "",
                          bad[i] ? strlen(bad[i]) : 0, sem ? "with" : "without", count,
                          err, strerror(err));
            ck_assert_msg(!created,
                          "name \"%.40s%s\" was rejected, but an object was left in "
                          "/dev/shm (%s semaphore): check the name before creating "
                          "anything",
                          bad[i] ? bad[i] : "(null)",
                          bad[i] && strlen(bad[i]) > 40 ? "..." : "",
                          sem ? "with" : "without");
        }
    }
}

GRADED_TEST(name_of_251_characters_is_accepted, 0.25, 2)
{
    char longest[IPC_LONGEST + 2];

    for (int sem = 0; sem <= 1; sem++) {
        long count;
        int err;

        name_of_length(longest, sizeof(longest), IPC_LONGEST);
        errno = 0;
        count = race_counter(longest, 2, 100, sem);
        err = errno;
        ck_assert_msg(count != -1,
                      "a name with %d characters after the slash (the longest that "
                      "sem_open takes) was refused (%s semaphore): %s",
                      IPC_LONGEST, sem ? "with" : "without", strerror(err));
        ck_assert_msg(count >= 1 && count <= 200, "2 procs x 100 iters gave %ld", count);
    }
}

GRADED_TEST(bad_procs_or_iters_give_einval, 0.25, 2)
{
    static const struct {
        int procs;
        long iters;
    } bad[] = {{0, 10}, {-1, 10}, {2, -1}};
    char name[128];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long count;
        int err;
        bool created;

        test_ipc_name(name, sizeof(name), "args");
        errno = 0;
        count = race_counter(name, bad[i].procs, bad[i].iters, true);
        err = errno;
        created = ipc_entry_exists(name, false) || ipc_entry_exists(name, true);
        shm_unlink(name);
        sem_unlink(name);
        ck_assert_msg(count == -1 && err == EINVAL,
                      "procs %d, iters %ld: expected -1 with EINVAL, got %ld (errno %d, "
                      "%s)", bad[i].procs, bad[i].iters, count, err, strerror(err));
        ck_assert_msg(!created, "procs %d, iters %ld: an IPC object was left behind",
                      bad[i].procs, bad[i].iters);
    }
}

GRADED_TEST(children_leave_with__exit, 0.5, 2)
{
    char name[128];
    long count;

    test_ipc_name(name, sizeof(name), "exit");
    count = race_counter(name, 4, 1000, false);
    ck_assert_msg(count != -1, "race_counter failed: %s", strerror(errno));
    ck_assert_msg(test_exit_calls() == 0,
                  "%d children left through exit(): a forked child must end with "
                  "_exit so that it does not run its parent's exit handlers",
                  test_exit_calls());
}

GRADED_TEST(callers_other_child_left_alone, 0.5, 2)
{
    char name[128];
    siginfo_t info;
    long count;
    pid_t mine, got;
    int status, err;

    mine = fork();
    ck_assert_int_ge(mine, 0);
    if (mine == 0)
        _exit(42);
    /* wait until it is a zombie without reaping it */
    memset(&info, 0, sizeof(info));
    ck_assert_int_eq(waitid(P_PID, (id_t)mine, &info, WEXITED | WNOWAIT), 0);

    test_ipc_name(name, sizeof(name), "other");
    count = race_counter(name, 2, 1000, false);
    err = errno;
    got = waitpid(mine, &status, WNOHANG);
    ck_assert_msg(count != -1, "race_counter failed: %s", strerror(err));
    ck_assert_msg(got == mine, "the caller's own child (pid %ld) was reaped by "
                  "race_counter: wait for your children by pid (waitpid), not with "
                  "wait()", (long)mine);
    ck_assert_int_eq(WEXITSTATUS(status), 42);
}

GRADED_TEST(no_descriptor_left, 0.5, 2)
{
    char name[128];
    int before = test_open_fds();

    for (int sem = 0; sem <= 1; sem++) {
        long count;
        int after, err;

        test_ipc_name(name, sizeof(name), "fds");
        count = race_counter(name, 2, 1000, sem);
        err = errno;
        after = test_open_fds();
        ck_assert_msg(count != -1, "race_counter failed: %s", strerror(err));
        ck_assert_msg(after == before, "%d descriptors open before the call, %d after "
                      "(%s semaphore): close the shared memory descriptor",
                      before, after, sem ? "with" : "without");
    }
}
