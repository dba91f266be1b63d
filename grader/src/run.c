/* run.c - runs an untrusted test program in a sandbox with limits, and kills all it started */
#define _GNU_SOURCE
#include "grade.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The process tree of one run:
 *
 *   grader worker (a child subreaper: orphans of the run come back to it)
 *     jail: new session and process group, limits set
 *       [as root] init, pid 1 of a new PID namespace: when it ends, the
 *       kernel kills every process of the namespace, setsid() or not
 *         program (valgrind + the test binary), as an unprivileged user
 *
 * After the program ends (or its time is up) the worker kills the jail's
 * process group, then every process that was reparented to it, so nothing
 * the submission started survives the run.
 */

/* Processes a run may have at once when its user is ours alone (root). */
#define SANDBOX_NPROC 512
/* Largest file a test may write. */
#define SANDBOX_FSIZE (1024L * 1024 * 1024)
/* First of the user ids that runs as root give to the tests. */
#define SANDBOX_UID_BASE 61000
#define SANDBOX_UID_SPAN 4000

static bool use_namespace = false;
static uid_t sandbox_uid;

bool sandbox_is_namespace(void)
{
    return use_namespace;
}

/* The uid tests run as when the grader is root: its own, so that a process
 * limit counts only this run's processes. */
uid_t sandbox_user(void)
{
    if (geteuid() != 0)
        return geteuid();
    if (!sandbox_uid)
        sandbox_uid = SANDBOX_UID_BASE + (uid_t)(getpid() % SANDBOX_UID_SPAN);
    return sandbox_uid;
}

static void set_limit(int resource, rlim_t value)
{
    struct rlimit rl;

    if (getrlimit(resource, &rl) < 0)
        return;
    if (rl.rlim_max != RLIM_INFINITY && value > rl.rlim_max)
        value = rl.rlim_max;
    rl.rlim_cur = value;
    if (rl.rlim_max == RLIM_INFINITY || geteuid() == 0)
        rl.rlim_max = value;
    setrlimit(resource, &rl);
}

static void drop_privileges(void)
{
    uid_t uid = sandbox_user();

    if (geteuid() != 0)
        return;
    if (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 || setuid(uid) < 0) {
        perror("grade: cannot drop privileges");
        _exit(125);
    }
}

static void exec_program(char *const argv[], char *const envp[])
{
    drop_privileges();
    execve(argv[0], argv, envp);
    fprintf(stderr, "grade: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(126);
}

/* pid 1 of the namespace: start the program, reap everything, report. */
static void be_init(char *const argv[], char *const envp[], int status_fd)
{
    pid_t main_pid;
    int status = 0;

    /* a /proc of this namespace, so that /proc/PID means the pids the tests
     * see; private, so that the mount does not reach the rest of the machine */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        _exit(125);
    main_pid = fork();

    if (main_pid < 0)
        _exit(125);
    if (main_pid == 0) {
        close(status_fd);
        exec_program(argv, envp);
    }
    for (;;) {
        int st;
        pid_t p = wait(&st);

        if (p == main_pid) {
            status = st;
            break;
        }
        if (p < 0 && errno != EINTR)
            break;
    }
    if (write(status_fd, &status, sizeof(status)) < 0)
        _exit(125);
    _exit(0); /* the kernel now kills the rest of the namespace */
}

static void be_jail(char *const argv[], char *const envp[], const char *cwd,
                    const struct run_limits *lim, int out_fd, int status_fd)
{
    int null_fd = open("/dev/null", O_RDONLY);

    setsid();
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
        dup2(out_fd, 2) < 0)
        _exit(125);
    if (chdir(cwd) < 0)
        _exit(125);
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_FSIZE, SANDBOX_FSIZE);
    set_limit(RLIMIT_CPU, (rlim_t)(lim->wall * 2 + 10));
    if (geteuid() == 0)
        set_limit(RLIMIT_NPROC, SANDBOX_NPROC);
    if (use_namespace) {
        pid_t init;

        if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0)
            _exit(125);
        init = fork();

        if (init < 0)
            _exit(125);
        if (init == 0)
            be_init(argv, envp, status_fd);
        /* the jail waits for init so that its group outlives nothing */
        while (waitpid(init, NULL, 0) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    exec_program(argv, envp);
}

/* Kills every process whose parent is this one (orphans reparented to us as
 * subreaper) and reaps it; returns how many there were. */
static int kill_orphans(void)
{
    int total = 0;

    for (int round = 0; round < 50; round++) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        int found = 0;

        if (!d)
            return total;
        while ((e = readdir(d)) != NULL) {
            char path[64], buf[512], *p;
            long pid = strtol(e->d_name, &p, 10);
            FILE *f;
            long ppid = 0;

            if (*p || pid <= 0)
                continue;
            snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
            f = fopen(path, "re");
            if (!f)
                continue;
            if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) != NULL)
                sscanf(p + 2, "%*c %ld", &ppid);
            fclose(f);
            if (ppid == (long)getpid()) {
                kill((pid_t)pid, SIGKILL);
                found++;
            }
        }
        closedir(d);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (!found)
            break;
        total += found;
        usleep(2000);
    }
    return total;
}

static void keep_output(struct run_result *r, const char *buf, size_t n, size_t cap)
{
    size_t room = r->output_len < cap ? cap - r->output_len : 0;

    if (n > room) {
        r->output_cut = true;
        n = room;
    }
    memcpy(r->output + r->output_len, buf, n);
    r->output_len += n;
    r->output[r->output_len] = '\0';
}

int run_sandboxed(char *const argv[], char *const envp[], const char *cwd,
                  const struct run_limits *lim, struct run_result *r)
{
    int out[2], st[2];
    double deadline, exited_at = 0;
    pid_t jail;
    bool done = false;

    memset(r, 0, sizeof(*r));
    r->output = malloc(lim->output_cap + 1);
    if (!r->output)
        return -1;
    r->output[0] = '\0';
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0)
        return -1;
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    jail = fork();
    if (jail < 0)
        return -1;
    if (jail == 0) {
        close(out[0]);
        close(st[0]);
        be_jail(argv, envp, cwd, lim, out[1], st[1]);
    }
    close(out[1]);
    close(st[1]);
    deadline = now_seconds() + lim->wall;
    for (;;) {
        struct pollfd p = {out[0], POLLIN, 0};
        char buf[65536];
        int status;

        if (!done && waitpid(jail, &status, WNOHANG) == jail) {
            done = true;
            exited_at = now_seconds();
            r->status = status;
        }
        /* after the program ends, stragglers may hold the pipe: stop soon */
        if (done && now_seconds() - exited_at > 0.3)
            break;
        if (!done && now_seconds() > deadline) {
            r->timed_out = true;
            kill(-jail, SIGKILL);
            kill(jail, SIGKILL);
            while (waitpid(jail, &status, 0) < 0 && errno == EINTR)
                ;
            r->status = status;
            break;
        }
        if (poll(&p, 1, 20) > 0) {
            ssize_t n = read(out[0], buf, sizeof(buf));

            if (n > 0)
                keep_output(r, buf, (size_t)n, lim->output_cap);
            else if (n == 0 && done)
                break;
            else if (n == 0)
                usleep(5000);
        }
    }
    close(out[0]);
    kill(-jail, SIGKILL);
    if (use_namespace && !r->timed_out) {
        int status;

        if (read(st[0], &status, sizeof(status)) == (ssize_t)sizeof(status))
            r->status = status;
        else
            r->status = W_EXITCODE(125, 0);
    }
    close(st[0]);
    r->stray = kill_orphans();
    return 0;
}

void run_result_free(struct run_result *r)
{
    free(r->output);
    r->output = NULL;
}

/* Decides once whether runs get a PID namespace of their own: as root, when
 * the kernel allows it here. */
void sandbox_init(void)
{
    pid_t pid;
    int status;

    if (geteuid() != 0 || getenv("GRADER_NO_NAMESPACE"))
        return;
    pid = fork();
    if (pid == 0)
        _exit(unshare(CLONE_NEWPID | CLONE_NEWNS) == 0 ? 0 : 1);
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0)
        use_namespace = true;
}
