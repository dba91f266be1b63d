/* harness.c - runs graded Check tests, each in its own case, inside an audit */
#define _GNU_SOURCE
#include "harness.h"
#include "token.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Exit status of a test process that called exit() before its test ended. */
#define HARNESS_EARLY_EXIT 86
#define MAX_TESTS 256
#define MAX_HELPERS 32
#define MAX_FDS 4096
#define REPORT_MAX 1024

struct helper {
    const char *name;
    int (*fn)(int, char **);
};

static const struct harness_test *tests[MAX_TESTS];
static size_t ntests;
static struct helper helpers[MAX_HELPERS];
static size_t nhelpers;

static char prefix[32];
static char self_path[PATH_MAX];

/*
 * What the grader hands the runner (descriptors named in the environment):
 * a pipe for Check's XML log, which only the runner holds (each test process
 * closes its copies before the test starts, so the code under test cannot
 * write results); a pipe for events, which test processes write; and the
 * key that proves an "end" event was written by the harness (token.h).
 */
static int xml_fd = -1;
static int events_fd = -1;
static unsigned char key[TOKEN_KEY_LEN];

/*
 * The code under test, which tests/harness/seal-impl puts in a section of
 * its own, padded to whole pages. The runner (the process that starts each
 * test and records what Check saw of it) keeps it non-executable: it never
 * runs a byte of the submission, and if anything ever made it try, it would
 * crash rather than run it. A test's own process, and a helper program a
 * test starts, make it executable before the test calls it.
 */
extern char harness_impl_start[], harness_impl_end[];

static bool protect_impl_code(bool executable)
{
    size_t len = (size_t)(harness_impl_end - harness_impl_start);
    long page = sysconf(_SC_PAGESIZE);

    if (page <= 0 || (uintptr_t)harness_impl_start % (uintptr_t)page != 0 ||
        len % (size_t)page != 0) {
        errno = EFAULT; /* the code is not on pages of its own */
        return false;
    }
    return len == 0 ||
           mprotect(harness_impl_start, len, PROT_READ | (executable ? PROT_EXEC : 0)) == 0;
}

/* State of the test running in this (forked) process. */
static const struct harness_test *current;
static pid_t test_pid;
static bool finished;
static int marker[2] = {-1, -1};
static unsigned char fds_before[MAX_FDS];
static int fd_limit;
static char dir[PATH_MAX];
/* make debug: the one test runs in the runner itself (CK_FORK=no), where
 * the runner's own exit must not count as the test leaving early. */
static bool in_process;

void harness_register(const struct harness_test *t)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "harness: more than %d tests\n", MAX_TESTS);
        abort();
    }
    tests[ntests++] = t;
}

void harness_register_helper(const char *name, int (*fn)(int, char **))
{
    if (nhelpers == MAX_HELPERS) {
        fprintf(stderr, "harness: more than %d helpers\n", MAX_HELPERS);
        abort();
    }
    helpers[nhelpers].name = name;
    helpers[nhelpers].fn = fn;
    nhelpers++;
}

const char *test_prefix(void)
{
    return prefix;
}

const char *test_self(void)
{
    return self_path;
}

double test_scaled(double seconds)
{
    const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
    double f = m ? strtod(m, NULL) : 1.0;

    return f > 1.0 ? seconds * f : seconds;
}

bool test_under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");

    return preload && strstr(preload, "vgpreload") != NULL;
}

long test_signal_interval_us(void)
{
    return test_under_valgrind() ? 10000 : 1000;
}

const char *test_ipc_name(char *buf, size_t size, const char *tag)
{
    static unsigned counter;
    int n = snprintf(buf, size, "/%s-%s-%ld-%u", prefix, tag, (long)getpid(),
                     counter++);

    ck_assert_msg(n > 0 && (size_t)n < size, "test_ipc_name: buffer too small");
    return buf;
}

static const char *tmp_root(void)
{
    const char *t = getenv("GRADER_TMPDIR");

    if (!t || !*t)
        t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

const char *test_dir(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "%s/%s-%s-XXXXXX", tmp_root(), prefix,
                 current ? current->name : "test");
        ck_assert_msg(mkdtemp(dir) != NULL, "cannot make a temporary directory: %s",
                      strerror(errno));
    }
    return dir;
}

const char *test_path(char *buf, size_t size, const char *file)
{
    int n = snprintf(buf, size, "%s/%s", test_dir(), file);

    ck_assert_msg(n > 0 && (size_t)n < size, "test_path: buffer too small");
    return buf;
}

int test_wait_child(pid_t pid, double seconds, int *status)
{
    struct timespec start, now, nap = {0, 200000};
    double limit = test_scaled(seconds);

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);

        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - start.tv_sec) +
                (double)(now.tv_nsec - start.tv_nsec) / 1e9 > limit) {
            kill(pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR)
                ;
            errno = ETIMEDOUT;
            return -1;
        }
        nanosleep(&nap, NULL);
        if (nap.tv_nsec < 10000000)
            nap.tv_nsec *= 2;
    }
}

int test_exit_calls(void)
{
    char buf[64];
    int n = 0;
    ssize_t r;

    if (marker[0] < 0)
        return 0;
    while ((r = read(marker[0], buf, sizeof(buf))) > 0 ||
           (r < 0 && errno == EINTR))
        if (r > 0)
            n += (int)r;
    return n;
}

bool test_fd_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

const char *test_fd_target(int fd, char *buf, size_t size)
{
    char link[64];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, buf, size - 1);
    if (n < 0)
        n = snprintf(buf, size, "?") > 0 ? 1 : 0;
    buf[n] = '\0';
    return buf;
}

/* Marks in `open` every descriptor below fd_limit; returns the count. */
static int scan_fds(unsigned char *open)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int count = 0, self;

    memset(open, 0, MAX_FDS);
    if (!d)
        return -1;
    self = dirfd(d);
    while ((e = readdir(d)) != NULL) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);

        if (*end || end == e->d_name || fd == self || fd >= fd_limit)
            continue;
        open[fd] = 1;
        count++;
    }
    closedir(d);
    return count;
}

int test_open_fds(void)
{
    unsigned char now[MAX_FDS];

    return scan_fds(now);
}

/* Writes one line to the grader's events pipe, if there is one. A line of
 * at most PIPE_BUF bytes is never mixed with another process's. */
static void event(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    if (events_fd < 0)
        return;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    while (write(events_fd, line, (size_t)n) < 0 && errno == EINTR)
        ;
    /* any other failure: the grader reports the missing event */
}

/* The descriptor named by environment variable `name`, or -1. */
static int env_fd(const char *name)
{
    const char *v = getenv(name);
    char *end;
    long fd;

    if (!v || !*v)
        return -1;
    fd = strtol(v, &end, 10);
    if (*end || fd < 3 || fd > 1000 || fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0)
        return -1;
    return (int)fd;
}

/*
 * Takes the grader's descriptors. The runner then makes itself undumpable,
 * so that a test process (of the same user) cannot reach the runner's
 * descriptors or memory through /proc or ptrace. Returns false when a key
 * was promised but could not be read.
 */
static bool take_grader_channels(void)
{
    int key_fd = env_fd("GRADER_KEY_FD");
    size_t got = 0;

    int valgrind_fd = env_fd("GRADER_VALGRIND_FD");

    xml_fd = env_fd("GRADER_XML_FD");
    events_fd = env_fd("GRADER_EVENTS_FD");
    unsetenv("GRADER_KEY_FD");
    unsetenv("GRADER_XML_FD");
    unsetenv("GRADER_EVENTS_FD");
    unsetenv("GRADER_VALGRIND_FD");
    /* Valgrind writes its log through a copy of its own (--log-fd): this
     * one, the program's, is of no use to it */
    if (valgrind_fd >= 0)
        close(valgrind_fd);
    if (key_fd < 0)
        return true;
    while (got < sizeof(key)) {
        ssize_t n = read(key_fd, key + got, sizeof(key) - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(key_fd);
    prctl(PR_SET_DUMPABLE, 0);
    return got == sizeof(key);
}

/* In a test process: closes every descriptor of the XML log's pipe (the one
 * the grader gave, and Check's own from reopening it). */
static void drop_xml_channel(void)
{
    unsigned char open_now[MAX_FDS];
    struct stat log, st;

    if (xml_fd < 0 || fstat(xml_fd, &log) < 0)
        return;
    scan_fds(open_now);
    for (int fd = 0; fd < fd_limit; fd++)
        if (open_now[fd] && fd != xml_fd && fstat(fd, &st) == 0 &&
            st.st_dev == log.st_dev && st.st_ino == log.st_ino)
            close(fd);
    close(xml_fd);
    xml_fd = -1;
}

static void on_exit_hook(void)
{
    if (getpid() == test_pid) {
        if (!finished && !in_process) {
            event("exit %s %ld\n", current->name, (long)test_pid);
            _exit(HARNESS_EARLY_EXIT);
        }
    } else if (marker[1] >= 0) {
        if (write(marker[1], "x", 1) < 0) {
            /* the test sees the count; nothing else to do here */
        }
    }
}

/*
 * The code under test's calls that could make memory executable come here
 * instead (seal-impl renames them in its object): it runs only the code it
 * was compiled to, never code it wrote itself at run time (which could be
 * a Valgrind client request that the build would have refused). Every
 * other use of these calls works as the C library's.
 */
static bool refuse_exec(int prot)
{
    if (!(prot & PROT_EXEC))
        return false;
    errno = EACCES;
    return true;
}

void *harness_guard_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return refuse_exec(prot) ? MAP_FAILED : mmap(addr, len, prot, flags, fd, off);
}

void *harness_guard_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return harness_guard_mmap(addr, len, prot, flags, fd, off);
}

void *harness_guard___mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return harness_guard_mmap(addr, len, prot, flags, fd, off);
}

int harness_guard_mprotect(void *addr, size_t len, int prot)
{
    return refuse_exec(prot) ? -1 : mprotect(addr, len, prot);
}

int harness_guard___mprotect(void *addr, size_t len, int prot)
{
    return harness_guard_mprotect(addr, len, prot);
}

int harness_guard_pkey_mprotect(void *addr, size_t len, int prot, int pkey)
{
    return refuse_exec(prot) ? -1 : pkey_mprotect(addr, len, prot, pkey);
}

long harness_guard_syscall(long number, ...)
{
    long a[6];
    va_list ap;

    va_start(ap, number);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if ((number == SYS_mmap || number == SYS_mprotect || number == SYS_pkey_mprotect) &&
        refuse_exec((int)a[2]))
        return -1;
    return syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw);

/*
 * Removes what earlier tests of this run left when they failed before their
 * audit (IPC names with the run's prefix, test directories), so that nothing
 * is blamed on the test that comes next. Tests run one at a time.
 */
static void remove_stale(void)
{
    const char *where[2] = {"/dev/shm", tmp_root()};
    size_t plen = strlen(prefix);
    DIR *d;
    struct dirent *e;

    for (int i = 0; i < 2; i++) {
        d = opendir(where[i]);
        if (!d)
            continue;
        while ((e = readdir(d)) != NULL) {
            const char *name = e->d_name;
            char path[PATH_MAX];

            if (i == 0 && strncmp(name, "sem.", 4) == 0)
                name += 4;
            if (strncmp(name, prefix, plen) != 0 || name[plen] != '-')
                continue;
            snprintf(path, sizeof(path), "%s/%s", where[i], e->d_name);
            if (i == 0)
                unlink(path);
            else
                nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        }
        closedir(d);
    }
}

void harness_begin(const struct harness_test *t)
{
    struct rlimit rl;

    /* Valgrind keeps its own descriptors above the soft limit it reports. */
    fd_limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < MAX_FDS
                   ? (int)rl.rlim_cur
                   : MAX_FDS;
    /* before anything of the code under test runs in this process */
    drop_xml_channel();
    if (!protect_impl_code(true))
        ck_abort_msg("harness: cannot map the code under test: %s", strerror(errno));
    prctl(PR_SET_DUMPABLE, 1); /* its own children may be looked at */
    remove_stale();

    current = t;
    test_pid = getpid();
    finished = false;
    event("begin %s %ld\n", t->name, (long)test_pid);
    if (pipe2(marker, O_CLOEXEC | O_NONBLOCK) < 0)
        ck_abort_msg("harness: pipe2: %s", strerror(errno));
    atexit(on_exit_hook);
    scan_fds(fds_before);
}

struct report {
    char text[REPORT_MAX];
    size_t len;
    int count;
};

static void add(struct report *r, const char *fmt, ...)
{
    va_list ap;
    int n;

    r->count++;
    if (r->len >= sizeof(r->text) - 1)
        return;
    if (r->len) {
        r->text[r->len++] = ';';
        r->text[r->len++] = ' ';
    }
    va_start(ap, fmt);
    n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->len += (size_t)n < sizeof(r->text) - r->len ? (size_t)n
                                                         : sizeof(r->text) - r->len - 1;
}

static void audit_children(struct report *r)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) != 0) {
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            return; /* ECHILD: no child at all */
        }
        add(r, "child process %ld was never reaped (a zombie): call waitpid for "
               "every child",
            (long)pid);
    }
    add(r, "a child process is still running after the test: every child must "
           "end and be reaped before the function returns");
}

static void audit_fds(struct report *r)
{
    unsigned char now[MAX_FDS];
    char what[PATH_MAX];

    int marker_fds[2] = {marker[0], marker[1]};

    close(marker[0]);
    close(marker[1]);
    marker[0] = marker[1] = -1;
    scan_fds(now);
    for (int fd = 0; fd < fd_limit && fd < MAX_FDS; fd++) {
        if (now[fd] && !fds_before[fd])
            add(r, "descriptor %d (%s) was left open", fd,
                test_fd_target(fd, what, sizeof(what)));
        else if (!now[fd] && fds_before[fd] && fd != marker_fds[0] &&
                 fd != marker_fds[1])
            add(r, "descriptor %d, open before the test, was closed", fd);
    }
}

static int ipc_entries(struct report *r, const char *where, const char *kind,
                       size_t skip)
{
    DIR *d = opendir(where);
    struct dirent *e;
    size_t plen = strlen(prefix);
    int found = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        char path[PATH_MAX];

        if (skip && strncmp(name, "sem.", 4) != 0)
            continue;
        if (!skip && strncmp(name, "sem.", 4) == 0)
            continue;
        if (strncmp(name + skip, prefix, plen) != 0 || name[skip + plen] != '-')
            continue;
        add(r, "%s /%s was left behind (unlink it)", kind, name + skip);
        snprintf(path, sizeof(path), "%s/%s", where, name);
        unlink(path);
        found++;
    }
    closedir(d);
    return found;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static struct report *fifo_report;

static int find_fifo(const char *path, const struct stat *st, int flag,
                     struct FTW *ftw)
{
    (void)flag;
    (void)ftw;
    if (S_ISFIFO(st->st_mode))
        add(fifo_report, "FIFO %s was left behind (unlink it)", path);
    return 0;
}

static void audit_files(struct report *r)
{
    ipc_entries(r, "/dev/shm", "shared memory object", 0);
    ipc_entries(r, "/dev/shm", "semaphore", 4);
    if (dir[0]) {
        fifo_report = r;
        nftw(dir, find_fifo, 16, FTW_PHYS);
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        dir[0] = '\0';
    }
}

void harness_end(void)
{
    struct report r = {.len = 0, .count = 0};

    audit_children(&r);
    audit_fds(&r);
    audit_files(&r);
    if (r.count) {
        r.text[r.len] = '\0';
        _ck_assert_failed(current->file, current->line, "audit", "left behind: %s",
                          r.text);
    }
    finished = true;
    event("end %s %ld %016llx\n", current->name, (long)test_pid,
          (unsigned long long)token_for(key, current->name, (long)test_pid));
}

/* Prints the table of tests to path, or to stdout when path is NULL. */
static int list_tests(const char *path)
{
    FILE *out = path ? fopen(path, "we") : stdout;

    if (!out) {
        perror(path);
        return 2;
    }
    for (size_t i = 0; i < ntests; i++)
        fprintf(out, "%s\t%g\t%s\t%g\t%s\t%d\n", tests[i]->name, tests[i]->points,
               tests[i]->bonus ? "bonus" : "graded", tests[i]->seconds,
               tests[i]->file, tests[i]->line);
    return fclose(out) == 0 ? EXIT_SUCCESS : 2;
}

static int run_helper(int argc, char **argv)
{
    if (!protect_impl_code(true)) {
        perror("harness: cannot map the code under test");
        return 127;
    }
    for (size_t i = 0; i < nhelpers; i++)
        if (strcmp(helpers[i].name, argv[0]) == 0)
            return helpers[i].fn(argc, argv);
    fprintf(stderr, "no helper named %s\n", argv[0]);
    return 127;
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [TEST]      run every test, or the one named\n"
            "       %s --list [FILE]  name, points, graded|bonus, seconds, file, "
            "line\n",
            prog, prog);
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    const char *env_prefix = getenv("GRADER_PREFIX");
    const char *fork_mode = getenv("CK_FORK");
    Suite *suite;
    SRunner *runner;
    int failed;

    if (!protect_impl_code(false)) {
        fprintf(stderr, "%s: cannot keep the code under test from running here: %s\n",
                argv[0], strerror(errno));
        return 2;
    }
    /* descriptors 0-2 closed before main (by whoever started us) would
     * otherwise become Check's log files */
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDWR) != fd)
            return 2;
    if (!realpath(argv[0], self_path))
        snprintf(self_path, sizeof(self_path), "%s", argv[0]);
    if (env_prefix && *env_prefix && strlen(env_prefix) < 20 &&
        strspn(env_prefix, "abcdefghijklmnopqrstuvwxyz0123456789") ==
            strlen(env_prefix))
        snprintf(prefix, sizeof(prefix), "%s", env_prefix);
    else
        snprintf(prefix, sizeof(prefix), "ipcw%ld", (long)getpid());

    if (argc >= 3 && strcmp(argv[1], "--helper") == 0)
        return run_helper(argc - 2, argv + 2);
    if (!take_grader_channels()) {
        fprintf(stderr, "%s: the grader's key could not be read\n", argv[0]);
        return 2;
    }
    if ((argc == 2 || argc == 3) && strcmp(argv[1], "--list") == 0)
        return list_tests(argc == 3 ? argv[2] : NULL);
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        usage(argv[0]);
        return 2;
    }
    if (argc == 2) {
        only = argv[1];
        bool known = false;
        for (size_t i = 0; i < ntests && !known; i++)
            known = strcmp(tests[i]->name, only) == 0;
        if (!known) {
            fprintf(stderr, "%s: no test named %s (--list shows them)\n", argv[0],
                    only);
            return 2;
        }
    }
    /*
     * CK_FORK=no (make debug) runs one named test in this process, so that
     * a debugger sees it: no time limit, and a crash stops the runner. It
     * is refused when the grader's channels are here, so a graded run is
     * always in fork mode (and without them no result reaches a grader).
     */
    if (fork_mode && strcmp(fork_mode, "no") == 0) {
        if (!only || xml_fd >= 0 || events_fd >= 0) {
            fprintf(stderr, "%s: CK_FORK=no only runs one named test for a debugger "
                            "(make debug EX=... TEST=...), never a graded run\n",
                    argv[0]);
            return 2;
        }
        in_process = true;
    }
    setenv("GRADER_PREFIX", prefix, 1);

    suite = suite_create("ipc");
    for (size_t i = 0; i < ntests; i++) {
        TCase *tc = tcase_create(tests[i]->name);

        tcase_set_timeout(tc, tests[i]->seconds);
        tcase_add_test(tc, *tests[i]->tt);
        suite_add_tcase(suite, tc);
    }
    runner = srunner_create(suite);
    if (xml_fd >= 0) {
        static char path[64];

        snprintf(path, sizeof(path), "/proc/self/fd/%d", xml_fd);
        srunner_set_xml(runner, path);
    }
    srunner_run(runner, NULL, only, CK_ENV);
    remove_stale();
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
