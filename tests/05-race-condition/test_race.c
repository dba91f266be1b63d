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
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

/* Removes both objects called name, whichever exist. */
static void unlink_both(const char *name)
{
    shm_unlink(name);
    sem_unlink(name);
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

/* ---- the race and its fix: race_counter ---- */

/* Runs race_counter with the semaphore and checks the count is exact. */
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
                  "%d procs x %ld iters with the semaphore gave %ld, expected %ld (%ld "
                  "updates lost): the load, the add and the store must all happen "
                  "between sem_wait and sem_post, and the parent must wait for every "
                  "child before reading",
                  procs, iters, count, procs * iters, procs * iters - count);
}

/* Millions of increments (natively): a store that escapes the critical section
 * (after sem_post) loses updates here every time, as an unlocked count does. */
GRADED_TEST(locked_count_never_loses_an_update, 1.5, 3)
{
    assert_exact_count(2, 2000000);
}

GRADED_TEST(locked_count_exact_four_processes, 0.5, 2)
{
    assert_exact_count(4, 100000);
}

GRADED_TEST(locked_count_exact_eight_processes, 0.25, 3)
{
    assert_exact_count(8, 50000);
}

GRADED_TEST(locked_count_exact_one_process, 0.25, 2)
{
    assert_exact_count(1, 100000);
}

GRADED_TEST(unlocked_count_between_one_and_total, 0.25, 2)
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

GRADED_TEST(unlocked_single_process_counts_exactly, 0.25, 2)
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

/* ---- two programs: the test or race_with_program creates, a program joins ---- */

/*
 * The second program, started with exec: argv = {"join", name, iters,
 * "lock" | "nolock", delay_ms, report}. Sleeps delay_ms, calls race_join,
 * and writes to the file `report` 0 when race_join returned 0, else its
 * errno. Exit status 0 when race_join returned 0, else 1.
 */
TEST_HELPER(join)
{
    struct timespec delay;
    long ms;
    int rc, err, fd;

    if (argc != 6)
        return 9;
    ms = atol(argv[4]);
    delay.tv_sec = ms / 1000;
    delay.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&delay, &delay) == -1 && errno == EINTR)
        ;
    errno = 0;
    rc = race_join(argv[1], atol(argv[2]), strcmp(argv[3], "lock") == 0);
    err = rc == 0 ? 0 : errno;
    fd = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dprintf(fd, "%d\n", err);
        close(fd);
    }
    return rc == 0 ? 0 : 1;
}

/* The arguments of the join program: `test --helper join NAME ITERS LOCK
 * DELAY REPORT`, in storage of its own. */
struct join_args {
    char iters[32], delay[32], report[PATH_MAX];
    char *argv[9];
};

/* The arguments of the join program, reporting to the file report. */
static char *const *join_argv_to(struct join_args *a, const char *name, long iters,
                                 bool lock, const char *report)
{
    snprintf(a->iters, sizeof(a->iters), "%ld", iters);
    snprintf(a->delay, sizeof(a->delay), "0");
    snprintf(a->report, sizeof(a->report), "%s", report);
    a->argv[0] = (char *)test_self();
    a->argv[1] = "--helper";
    a->argv[2] = "join";
    a->argv[3] = (char *)name;
    a->argv[4] = a->iters;
    a->argv[5] = lock ? "lock" : "nolock";
    a->argv[6] = a->delay;
    a->argv[7] = a->report;
    a->argv[8] = NULL;
    return a->argv;
}

/* The same, in a test: reporting to a file of the test's own directory, and
 * attaching delay_ms after the program starts. */
static char *const *join_argv(struct join_args *a, const char *name, long iters,
                              bool lock, long delay_ms)
{
    static unsigned reports;
    char file[64], path[PATH_MAX];

    snprintf(file, sizeof(file), "join-report-%u", reports++);
    join_argv_to(a, name, iters, lock, test_path(path, sizeof(path), file));
    snprintf(a->delay, sizeof(a->delay), "%ld", delay_ms);
    return a->argv;
}

/* What the join program reported: 0, race_join's errno, or -1 when it wrote
 * nothing (it never ran, or died before race_join returned). */
static int join_report(const struct join_args *a)
{
    FILE *f = fopen(a->report, "re");
    int err = -1;

    if (f == NULL)
        return -1;
    if (fscanf(f, "%d", &err) != 1)
        err = -1;
    fclose(f);
    return err;
}

/* A sentence about what the join program's race_join did. */
static const char *join_outcome(const struct join_args *a, char *buf, size_t size)
{
    int err = join_report(a);

    if (err == -1)
        snprintf(buf, size, "the program never returned from race_join (not started, "
                            "or killed)");
    else if (err == 0)
        snprintf(buf, size, "the program's race_join returned 0");
    else
        snprintf(buf, size, "the program's race_join failed: %s", strerror(err));
    return buf;
}

static pid_t start_program(char *const *argv)
{
    pid_t pid = fork();

    ck_assert_msg(pid >= 0, "test setup: fork: %s", strerror(errno));
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* A count made by the test itself, the way a creator makes one. */
struct made {
    int fd;
    volatile int64_t *counter; /* NULL when not sized */
    sem_t *sem;                /* NULL without a semaphore */
};

/* Creates the counter `name` holding value (sized and mapped when sized),
 * and the semaphore `name` with sem_value unless it is negative. */
static struct made make_count(const char *name, bool sized, int64_t value, int sem_value)
{
    struct made m = {-1, NULL, NULL};

    m.fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(m.fd >= 0, "test setup: shm_open: %s", strerror(errno));
    if (sized) {
        ck_assert_int_eq(ftruncate(m.fd, sizeof(*m.counter)), 0);
        m.counter = mmap(NULL, sizeof(*m.counter), PROT_READ | PROT_WRITE, MAP_SHARED,
                         m.fd, 0);
        ck_assert_msg(m.counter != MAP_FAILED, "test setup: mmap: %s", strerror(errno));
        *m.counter = value;
    }
    if (sem_value >= 0) {
        m.sem = sem_open(name, O_CREAT | O_EXCL, 0600, (unsigned)sem_value);
        ck_assert_msg(m.sem != SEM_FAILED, "test setup: sem_open: %s", strerror(errno));
    }
    return m;
}

/* Undoes make_count: closes, unmaps and unlinks. */
static void remove_count(const char *name, struct made *m)
{
    if (m->sem != NULL)
        sem_close(m->sem);
    if (m->counter != NULL)
        munmap((void *)m->counter, sizeof(*m->counter));
    close(m->fd);
    unlink_both(name);
}

/* The size of the shared memory object name, or -1 when there is none. */
static long long shm_size(const char *name)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof(path), "/dev/shm/%s", name + 1);
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* true when a line of /proc/PID/maps (pid 0: this process) holds text. */
static bool maps_mention(pid_t pid, const char *text)
{
    char path[64], line[4096];
    bool found = false;
    FILE *f;

    if (pid == 0)
        snprintf(path, sizeof(path), "/proc/self/maps");
    else
        snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
    f = fopen(path, "re");
    if (f == NULL)
        return false;
    while (!found && fgets(line, sizeof(line), f) != NULL)
        found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}

GRADED_TEST(program_and_caller_count_exactly_with_semaphore, 1.5, 4)
{
    const long iters = scaled_iters(1000000);
    struct join_args args;
    char name[128], outcome[128];
    long count;
    int err;

    test_ipc_name(name, sizeof(name), "prog");
    errno = 0;
    count = race_with_program(name, join_argv(&args, name, iters, true, 0), iters, true);
    err = errno;
    ck_assert_msg(count != -1, "race_with_program(%ld iters, semaphore) with a program "
                  "doing %ld more failed: %s; %s", iters, iters, strerror(err),
                  join_outcome(&args, outcome, sizeof(outcome)));
    ck_assert_msg(join_report(&args) == 0, "race_with_program returned %ld, but %s",
                  count, join_outcome(&args, outcome, sizeof(outcome)));
    ck_assert_msg(count == 2 * iters,
                  "the caller and the program did %ld increments each with the named "
                  "semaphore, but the count is %ld (%ld lost): both must increment "
                  "only between sem_wait and sem_post on the same semaphore, and the "
                  "caller reads the count after the program has ended",
                  iters, count, 2 * iters - count);
    ck_assert_msg(!ipc_entry_exists(name, false) && !ipc_entry_exists(name, true),
                  "after race_with_program, %s was left in /dev/shm: unlink both names "
                  "once the program has ended", name);
}

/* The test holds the creator's semaphore while the program starts: the
 * program's race_join must open that semaphore and wait on it. */
GRADED_TEST(join_waits_for_the_creators_semaphore, 1, 3)
{
    const long iters = 1000;
    struct join_args args;
    char name[128], sem_file[160], outcome[128];
    struct timespec nap = {0, 1000000}, brief = {0, 100000000};
    struct made m;
    pid_t pid;
    int status;
    bool attached = false, ended = false;

    test_ipc_name(name, sizeof(name), "waits");
    m = make_count(name, true, 500, 0); /* the semaphore is taken */
    snprintf(sem_file, sizeof(sem_file), "/dev/shm/sem.%s", name + 1);
    pid = start_program(join_argv(&args, name, iters, true, 0));
    /* until the program has mapped the semaphore (sem_open), or has ended */
    for (long waited = 0; !attached && !ended && waited < test_scaled(2) * 1000;
         waited++) {
        ended = waitpid(pid, &status, WNOHANG) == pid;
        attached = !ended && maps_mention(pid, sem_file);
        if (!attached && !ended)
            nanosleep(&nap, NULL);
    }
    if (attached) {
        nanosleep(&brief, NULL); /* 1000 increments take far less */
        ended = waitpid(pid, &status, WNOHANG) == pid;
    }
    if (!attached || ended || *m.counter != 500) {
        int64_t seen = *m.counter;

        if (!ended) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
        remove_count(name, &m);
        ck_abort_msg("the creator held the semaphore %s (value 0), yet the program's "
                     "race_join %s (counter 500 -> %lld; %s): with use_semaphore it "
                     "opens the creator's semaphore with sem_open(name, 0) and "
                     "increments only after sem_wait",
                     name, attached ? "did not wait" : "never opened it", (long long)seen,
                     join_outcome(&args, outcome, sizeof(outcome)));
    }
    ck_assert_int_eq(sem_post(m.sem), 0);
    ck_assert_msg(test_wait_child(pid, 2, &status) == 0, "the program did not end after "
                  "the semaphore was posted");
    ck_assert_msg(join_report(&args) == 0 && *m.counter == 500 + iters,
                  "after the post the count is %lld, expected %ld; %s",
                  (long long)*m.counter, 500 + iters,
                  join_outcome(&args, outcome, sizeof(outcome)));
    remove_count(name, &m);
}

GRADED_TEST(join_adds_to_the_creators_count, 0.5, 2)
{
    char name[128];
    struct made m;
    int rc, err, value = -1;
    long long size;
    bool shm_there, sem_there;

    test_ipc_name(name, sizeof(name), "adds");
    m = make_count(name, true, 1000, 1);
    errno = 0;
    rc = race_join(name, 5000, true);
    err = errno;
    if (rc == 0) {
        errno = 0;
        rc = race_join(name, 3000, false);
        err = errno;
    }
    size = shm_size(name);
    shm_there = ipc_entry_exists(name, false);
    sem_there = ipc_entry_exists(name, true);
    sem_getvalue(m.sem, &value);
    ck_assert_msg(rc == 0, "race_join on the creator's count failed: %s", strerror(err));
    ck_assert_msg(*m.counter == 9000,
                  "the creator's counter held 1000; race_join with 5000 and then 3000 "
                  "increments left %lld, expected 9000: the joiner adds to the count it "
                  "finds and never sets it",
                  (long long)*m.counter);
    ck_assert_msg(shm_there && sem_there, "race_join unlinked the creator's %s: the "
                  "names are not the joiner's to remove",
                  shm_there ? "semaphore" : "shared memory object");
    ck_assert_msg(size == (long long)sizeof(int64_t), "race_join changed the size of "
                  "the creator's object to %lld: it must not resize it", size);
    ck_assert_msg(value == 1, "after race_join the creator's semaphore is %d, expected 1: "
                  "every sem_wait needs its sem_post", value);
    remove_count(name, &m);
}

GRADED_TEST(join_without_objects_gives_enoent_creates_nothing, 0.25, 2)
{
    char name[128];
    struct made m;
    bool shm_made, sem_made;
    int rc, err;

    for (int sem = 0; sem <= 1; sem++) {
        test_ipc_name(name, sizeof(name), "none");
        errno = 0;
        rc = race_join(name, 10, sem);
        err = errno;
        shm_made = ipc_entry_exists(name, false);
        sem_made = ipc_entry_exists(name, true);
        unlink_both(name);
        ck_assert_msg(rc == -1 && err == ENOENT, "race_join on a name nobody created "
                      "(%s semaphore) returned %d (%s), expected -1 with ENOENT",
                      sem ? "with" : "without", rc, strerror(err));
        ck_assert_msg(!shm_made && !sem_made, "race_join created the %s: open without "
                      "O_CREAT, creating is the creator's job",
                      shm_made ? "shared memory object" : "semaphore");
    }
    /* the counter is ready but the creator has not made the semaphore yet */
    test_ipc_name(name, sizeof(name), "nosem");
    m = make_count(name, true, 7, -1);
    errno = 0;
    rc = race_join(name, 10, true);
    err = errno;
    sem_made = ipc_entry_exists(name, true);
    ck_assert_msg(rc == -1 && err == ENOENT, "race_join with use_semaphore, where the "
                  "counter exists but no semaphore yet, returned %d (%s), expected -1 "
                  "with ENOENT", rc, strerror(err));
    ck_assert_msg(!sem_made, "race_join created the semaphore: sem_open(name, 0) opens "
                  "the creator's, or fails");
    ck_assert_msg(*m.counter == 7, "race_join changed the counter (7 -> %lld) although "
                  "it could not lock", (long long)*m.counter);
    remove_count(name, &m);
}

GRADED_TEST(join_refuses_an_object_not_yet_sized, 0.25, 2)
{
    char name[128];
    struct made m;
    long long size;
    int rc, err;

    /* created, not yet given a size: a mapping of it raises SIGBUS on use */
    test_ipc_name(name, sizeof(name), "empty");
    m = make_count(name, false, 0, 1);
    for (int sem = 0; sem <= 1; sem++) {
        errno = 0;
        rc = race_join(name, 10, sem);
        err = errno;
        size = shm_size(name);
        ck_assert_msg(rc == -1 && err == EINVAL,
                      "race_join on an object of size 0 (%s semaphore) returned %d (%s), "
                      "expected -1 with EINVAL: check its size with fstat first",
                      sem ? "with" : "without", rc, strerror(err));
        ck_assert_msg(size == 0, "race_join resized the creator's object to %lld: only "
                      "the creator sizes it", size);
    }
    remove_count(name, &m);
}

GRADED_TEST(join_leaves_nothing_open, 0.25, 2)
{
    char name[128], shm_path[160], sem_path[160];
    struct made m;
    sem_t *sem;
    int before, rc, err;

    test_ipc_name(name, sizeof(name), "open");
    snprintf(shm_path, sizeof(shm_path), "/dev/shm/%s", name + 1);
    snprintf(sem_path, sizeof(sem_path), "/dev/shm/sem.%s", name + 1);
    m = make_count(name, true, 0, -1);
    /* from here on, a mapping of either object can only be race_join's */
    munmap((void *)m.counter, sizeof(*m.counter));
    m.counter = NULL;
    before = test_open_fds();

    /* an error path: the semaphore is missing */
    errno = 0;
    rc = race_join(name, 10, true);
    err = errno;
    ck_assert_msg(rc == -1 && err == ENOENT, "race_join with no semaphore there: "
                  "expected -1 with ENOENT, got %d (%s)", rc, strerror(err));
    ck_assert_msg(!maps_mention(0, shm_path) && test_open_fds() == before,
                  "race_join failed (no semaphore) but left the counter %s: undo what "
                  "was done before the failure", maps_mention(0, shm_path) ? "mapped"
                                                                             : "open");
    sem = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
    ck_assert_msg(sem != SEM_FAILED, "test setup: sem_open: %s", strerror(errno));
    sem_close(sem);
    for (int use_sem = 0; use_sem <= 1; use_sem++) {
        errno = 0;
        rc = race_join(name, 10, use_sem);
        err = errno;
        ck_assert_msg(rc == 0, "race_join (%s semaphore) failed: %s",
                      use_sem ? "with" : "without", strerror(err));
        ck_assert_msg(test_open_fds() == before, "%d descriptors open before race_join, "
                      "%d after (%s semaphore): close the shared memory descriptor",
                      before, test_open_fds(), use_sem ? "with" : "without");
        ck_assert_msg(!maps_mention(0, shm_path), "race_join left the counter mapped: "
                      "munmap it");
        ck_assert_msg(!maps_mention(0, sem_path), "race_join left the semaphore open: "
                      "sem_close it");
    }
    remove_count(name, &m);
}

GRADED_TEST(late_program_still_finds_the_names, 0.5, 3)
{
    struct join_args args;
    char name[128], outcome[128];
    long count;
    int err;

    /* the program attaches 300 ms after it starts, long after the caller's
     * own 1000 increments are done */
    test_ipc_name(name, sizeof(name), "late");
    errno = 0;
    count = race_with_program(name, join_argv(&args, name, 1000, true, 300), 1000, true);
    err = errno;
    ck_assert_msg(join_report(&args) == 0,
                  "the program attached 300 ms after it started and %s (race_with_"
                  "program returned %ld, %s): the names must exist until the program "
                  "has ended, so unlink them only after waiting for it",
                  join_outcome(&args, outcome, sizeof(outcome)), count,
                  count == -1 ? strerror(err) : "no error");
    ck_assert_msg(count == 2000, "1000 increments by the caller and 1000 by a program "
                  "that attached late gave %ld: read the count after the program has "
                  "ended", count);
}

GRADED_TEST(failed_program_gives_eio, 0.25, 3)
{
    char *missing[] = {"/nonexistent/race-test/program", NULL};
    struct join_args args;
    char name[128], other[128];
    long count;
    int err;

    test_ipc_name(name, sizeof(name), "noprog");
    errno = 0;
    count = race_with_program(name, missing, 100, true);
    err = errno;
    ck_assert_msg(count == -1 && err == EIO, "a program that cannot be executed: "
                  "expected -1 with EIO, got %ld (%s); the child leaves with "
                  "_exit(127) and the caller checks how it ended", count, strerror(err));
    ck_assert_msg(!ipc_entry_exists(name, false) && !ipc_entry_exists(name, true),
                  "after the failure %s was left in /dev/shm", name);

    /* a program whose race_join fails: it joins a name nobody made */
    test_ipc_name(name, sizeof(name), "failing");
    test_ipc_name(other, sizeof(other), "nobody");
    errno = 0;
    count = race_with_program(name, join_argv(&args, other, 100, true, 0), 100, true);
    err = errno;
    ck_assert_msg(count == -1 && err == EIO, "the program exited with status 1 (its "
                  "race_join failed): expected -1 with EIO, got %ld (%s)", count,
                  strerror(err));
}

/* ---- arguments, existing objects, leftovers ---- */

GRADED_TEST(zero_iterations_count_zero, 0.25, 2)
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

GRADED_TEST(existing_shm_object_gives_eexist_untouched, 0.25, 2)
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

GRADED_TEST(existing_semaphore_gives_eexist_untouched, 0.25, 2)
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

/* Which function an argument check calls, and with what. */
enum call { COUNTER, JOIN, WITH_PROGRAM };

static long call_with(enum call which, const char *name, int procs, long iters,
                      char *const *argv, bool sem)
{
    switch (which) {
    case COUNTER:
        return race_counter(name, procs, iters, sem);
    case JOIN:
        return race_join(name, iters, sem);
    default:
        return race_with_program(name, argv, iters, sem);
    }
}

static const char *const call_names[] = {"race_counter", "race_join", "race_with_program"};

/* Calls `which` with one bad argument and checks for EINVAL with nothing
 * made under `name` or `longest`. */
static void assert_einval(enum call which, const char *bad_name, int procs, long iters,
                          char *const *argv, const char *name, const char *longest,
                          const char *what)
{
    for (int sem = 0; sem <= 1; sem++) {
        long rc;
        int err;
        bool created;

        errno = 0;
        rc = call_with(which, bad_name, procs, iters, argv, sem);
        err = errno;
        /* glibc accepts a name without the slash, and shm_open one of
         * 252 characters: remove what a call that did not check made */
        created = ipc_entry_exists(name, false) || ipc_entry_exists(name, true) ||
                  ipc_entry_exists(longest, false) || ipc_entry_exists(longest, true);
        unlink_both(name);
        unlink_both(longest);
        ck_assert_msg(rc == -1 && err == EINVAL,
                      "%s with %s (%s semaphore): expected -1 with EINVAL, got %ld "
                      "(errno %d, %s)", call_names[which], what,
                      sem ? "with" : "without", rc, err, strerror(err));
        ck_assert_msg(!created, "%s with %s (%s semaphore) was refused, but an object "
                      "was left in /dev/shm: check the arguments before creating "
                      "anything", call_names[which], what, sem ? "with" : "without");
    }
}

GRADED_TEST(invalid_arguments_give_einval, 0.25, 2)
{
    char name[128], nested[160], longest[TOO_LONG + 2], what[96];
    char *argv[] = {"/bin/true", NULL}, *empty[] = {NULL};
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
    for (enum call which = COUNTER; which <= WITH_PROGRAM; which++) {
        for (size_t i = 0; i < nbad; i++) {
            snprintf(what, sizeof(what), "the name \"%.24s%s\" (%zu characters)",
                     bad[i] ? bad[i] : "(null)",
                     bad[i] && strlen(bad[i]) > 24 ? "..." : "",
                     bad[i] ? strlen(bad[i]) : 0);
            assert_einval(which, bad[i], 2, 10, argv, name, longest, what);
        }
        assert_einval(which, name, 2, -1, argv, name, longest, "iters -1");
    }
    assert_einval(COUNTER, name, 0, 10, argv, name, longest, "procs 0");
    assert_einval(COUNTER, name, -1, 10, argv, name, longest, "procs -1");
    assert_einval(WITH_PROGRAM, name, 2, 10, NULL, name, longest, "argv NULL");
    assert_einval(WITH_PROGRAM, name, 2, 10, empty, name, longest, "argv[0] NULL");
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

GRADED_TEST(child_that_cannot_lock_gives_eio, 0.25, 2)
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
    unlink_both(name);
    ck_assert_msg(count == -1 && err == EIO,
                  "every child's sem_wait failed (EINVAL), so no child could do its "
                  "increments, yet race_counter returned %ld (errno %d, %s); expected "
                  "-1 with EIO: a child that cannot lock exits with a non-zero status "
                  "and the parent checks every child's status",
                  count, err, strerror(err));
    ck_assert_msg(!shm_left && !sem_left, "after the failure %s was left in /dev/shm",
                  shm_left ? "the shared memory object" : "the semaphore");
}

GRADED_TEST(no_semaphore_made_without_use_semaphore, 0.25, 2)
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

GRADED_TEST(no_ipc_name_or_descriptor_left, 0.25, 2)
{
    char name[128];
    int before = test_open_fds();

    for (int sem = 0; sem <= 1; sem++) {
        bool shm_left, sem_left;
        long count;
        int err, after;

        test_ipc_name(name, sizeof(name), "left");
        count = race_counter(name, 2, 1000, sem);
        err = errno;
        after = test_open_fds();
        shm_left = ipc_entry_exists(name, false);
        sem_left = ipc_entry_exists(name, true);
        unlink_both(name);
        ck_assert_msg(count != -1, "race_counter (%s semaphore) failed: %s",
                      sem ? "with" : "without", strerror(err));
        ck_assert_msg(!shm_left, "the shared memory object %s was left in /dev/shm "
                      "(%s semaphore): shm_unlink it before returning", name,
                      sem ? "with" : "without");
        ck_assert_msg(!sem_left, "the semaphore %s was left in /dev/shm: sem_unlink "
                      "it before returning", name);
        ck_assert_msg(after == before, "%d descriptors open before the call, %d after "
                      "(%s semaphore): close the shared memory descriptor",
                      before, after, sem ? "with" : "without");
    }
}

GRADED_TEST(children_leave_with__exit, 0.25, 2)
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

GRADED_TEST(callers_other_child_left_alone, 0.25, 2)
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

/*
 * Not a test: a way to watch updates get lost. After `make`,
 *   build/exercises/05-race-condition/test --helper count PROCS ITERS lock|nolock [RUNS]
 * runs race_counter RUNS times (default 1) and prints each count; with
 * "program" for PROCS, race_with_program runs the join program beside the
 * caller, each doing ITERS increments.
 */
TEST_HELPER(count)
{
    char name[128];
    struct join_args args;
    long procs, iters, runs, total;
    bool lock;

    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: test --helper count PROCS|program ITERS lock|nolock "
                        "[RUNS]\n");
        return 2;
    }
    procs = strcmp(argv[1], "program") == 0 ? 0 : atol(argv[1]);
    iters = atol(argv[2]);
    lock = strcmp(argv[3], "lock") == 0;
    runs = argc == 5 ? atol(argv[4]) : 1;
    total = (procs ? procs : 2) * iters;
    for (long run = 1; run <= runs; run++) {
        long count;

        snprintf(name, sizeof(name), "/%s-count-%ld-%ld", test_prefix(), (long)getpid(),
                 run);
        if (procs)
            count = race_counter(name, (int)procs, iters, lock);
        else
            count = race_with_program(name, join_argv_to(&args, name, iters, lock,
                                                         "/dev/null"),
                                      iters, lock);
        if (count == -1) {
            fprintf(stderr, "%s: %s\n", procs ? "race_counter" : "race_with_program",
                    strerror(errno));
            return 1;
        }
        printf("run %ld: %ld of %ld (%ld lost)\n", run, count, total, total - count);
    }
    return 0;
}
