/* run.c - runs an untrusted test program in a sandbox with limits, and kills all it started */
#define _GNU_SOURCE
#include "grade.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/mount.h>
#include <sys/file.h>
#include <sys/statfs.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The process tree of one run:
 *
 *   grader worker (a child subreaper: orphans of the run come back to it)
 *     jail: new session and process group, limits set, in cgroups of its own
 *       [as root] init, pid 1 of new PID, IPC and mount namespaces, with
 *       private /tmp, /var/tmp and /dev/shm: when it ends, the kernel kills
 *       every process of the namespace, setsid() or not, and what they left
 *       there goes too
 *         program (valgrind + the test binary), as an unprivileged user,
 *         allowed to write only in the work area and scratch places (Landlock)
 *
 * While the program runs, the worker drains its output (keeping the first
 * bytes), and every WATCH_INTERVAL counts the run's processes and their memory
 * (watch_run): a fork bomb or a memory hog is stopped at once, and results.c
 * learns which test it was from a line in the events file. After the program
 * ends (or its time is up) the worker kills the jail's process group, then
 * every process that was reparented to it, so nothing the submission started
 * survives the run.
 *
 * Limits, and why each:
 *   wall clock     per run (Check adds its own per test)
 *   CPU time       RLIMIT_CPU per process, a backstop for the wall clock
 *   processes      a pids cgroup of SANDBOX_NPROC per run as root, and
 *                  RLIMIT_NPROC, which counts the user's processes: as root
 *                  each exercise's tests have a user of their own
 *                  (tests_user), so it holds where no cgroup can; as a normal
 *                  user it is shared by the exercises graded at once. The
 *                  watchdog stops a run at FORK_BOMB before the limit makes
 *                  its forks spin
 *   CPU share      a cpu cgroup per run as root (v1): each setsid() makes an
 *                  autogroup that competes as an equal, so a bomb of sessions
 *                  would otherwise starve the worker and other graders
 *   memory         the watchdog, on resident private memory (no rlimit: a
 *                  process that fails to allocate crashes in a way that says
 *                  nothing of memory, and rlimits are per process)
 *   file size      RLIMIT_FSIZE; scratch tmpfs mounts of 1 GiB as root
 *   output         the first output_cap bytes kept, the rest drained
 */

/* Processes a run may have at once (a fork bomb stops there). */
#define SANDBOX_NPROC 512
/* The tests' user's process limit as root when a pids cgroup holds each run
 * to SANDBOX_NPROC (a backstop only). */
#define SANDBOX_NPROC_USER 4096
/* Memory (resident, private) all processes of one run may use: a fair share
 * of the machine, but never below SANDBOX_MEMORY_MIN, which the reference
 * needs with room to spare (04 forks 26 writers: 1.3 GiB under Valgrind
 * 3.19), nor above three quarters of the machine. */
#define SANDBOX_MEMORY_MIN (3072L << 20)
/* Seconds between two looks at the run's memory. */
#define WATCH_INTERVAL 0.05
/* What the places a run writes in may hold, all together, and so the
 * largest file it may write. */
#define SANDBOX_DISK (512L << 20)
#define SANDBOX_FSIZE SANDBOX_DISK
/* First of the user ids that runs as root give to the tests. */
#define SANDBOX_UID_BASE 61000
#define SANDBOX_UID_SPAN 4000

static bool use_namespace = false; /* runs get namespaces of their own */
static bool use_userns = false;    /* through a user namespace (not root) */
static uid_t sandbox_uid;
static uid_t uid_claimed; /* sandbox_uid when this grader holds its lock */
static uid_t tests_uid;   /* a worker's own user for its tests, 0 for none */
static uid_t run_uid;     /* the user of the run being made or watched */
static long memory_max;       /* bytes; see sandbox_init */

bool sandbox_is_namespace(void)
{
    return use_namespace;
}

/*
 * Claims uid for this grader alone: an exclusive lock on a file named after
 * it, held (the descriptor stays open) until the grader and its workers end.
 * The files stay; /run/lock is emptied at boot.
 */
static bool claim_uid(uid_t uid)
{
    char path[128];
    int fd;

    snprintf(path, sizeof(path), "%s/ipc-grader-uid-%ld",
             is_dir("/run/lock") ? "/run/lock" : "/tmp", (long)uid);
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return false;
    }
    return true;
}

/* A uid for runs when the grader is root: one that no other grader (nor
 * worker) on the machine uses meanwhile, so that a process limit counts only
 * these runs' processes and what they leave is theirs alone; 0 for none. */
static uid_t claim_some_uid(void)
{
    uid_t first = (uid_t)(getpid() % SANDBOX_UID_SPAN);

    for (uid_t i = 0; i < SANDBOX_UID_SPAN; i++) {
        uid_t uid = SANDBOX_UID_BASE + (first + i) % SANDBOX_UID_SPAN;

        if (claim_uid(uid))
            return uid;
    }
    return 0;
}

uid_t sandbox_user(void)
{
    if (geteuid() != 0)
        return geteuid();
    if (!sandbox_uid)
        sandbox_uid = uid_claimed = claim_some_uid();
    if (!sandbox_uid) /* no lock to be had: at least differ by pid */
        sandbox_uid = SANDBOX_UID_BASE + (uid_t)(getpid() % SANDBOX_UID_SPAN);
    return sandbox_uid;
}

static bool tests_uid_sought; /* this process is a worker */

uid_t tests_user(void)
{
    if (geteuid() == 0 && !tests_uid_sought) {
        tests_uid_sought = true;
        tests_uid = claim_some_uid();
    }
    return tests_uid ? tests_uid : sandbox_user();
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
    uid_t uid = run_uid;

    if (geteuid() != 0)
        return;
    if (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 || setuid(uid) < 0) {
        perror("grade: cannot drop privileges");
        _exit(125);
    }
}

/* The places where every user may write, private to a run in a namespace. */
static const char *const scratch[] = {"/tmp", "/var/tmp", "/dev/shm", NULL};

/*
 * Confines the program to what it needs (landlock.c): the system, the
 * folders lim names (for a test run, its own folder) and /dev/shm, which
 * POSIX shared memory and semaphores need: with a namespace the run's own,
 * without one shared with the machine.
 */
static void confine(const struct run_limits *lim, const char *cwd)
{
    const char *write[16];
    int n = 0;

    for (int i = 0; lim->confine.write && lim->confine.write[i] && n < 10; i++)
        write[n++] = lim->confine.write[i];
    if (lim->scratch_cwd)
        write[n++] = cwd;
    /* /tmp and /var/tmp are not among them: with a namespace the grader's
     * work area is bound back there, and the run must not write in the
     * other exercises' part of it */
    write[n++] = "/dev/shm";
    write[n] = NULL;
    if (landlock_confine(&(struct confinement){lim->confine.run, write}) < 0) {
        perror("grade: cannot confine the run (Landlock)");
        _exit(125);
    }
}

static void exec_program(char *const argv[], char *const envp[], const char *cwd,
                         const struct run_limits *lim)
{
    drop_privileges();
    confine(lim, cwd);
    if (seccomp_no_network() < 0) {
        perror("grade: cannot keep the run off the network (seccomp)");
        _exit(125);
    }
    execve(argv[0], argv, envp);
    fprintf(stderr, "grade: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(126);
}

/* true in the jail and its init (which write events into the run's events
 * pipe); false in the worker (which keeps its own notes). */
static bool in_jail;
/* What the worker noted of a run with channels, appended to its events. */
static char notes[16384];
static size_t notes_len;

/* Records a line for results.c beside the harness's events: from the jail
 * through the events pipe, from the worker in its notes. */
static void note_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note_event(const char *fmt, ...)
{
    char line[PATH_LEN + 128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    if (in_jail) {
        while (write(CHANNEL_EVENTS_FD, line, (size_t)n) < 0 && errno == EINTR)
            ;
    } else if (notes_len + (size_t)n + 3 < sizeof(notes)) {
        /* headed like the lines from the events socket: -1 for no process */
        memcpy(notes + notes_len, "-1 ", 3);
        memcpy(notes + notes_len + 3, line, (size_t)n + 1);
        notes_len += (size_t)n + 3;
    }
}

/*
 * In the run's own mount namespace, one fresh tmpfs of SANDBOX_DISK serves
 * every place the run may write in: mounted on /tmp, and folders of it bound
 * on /var/tmp and /dev/shm and, for a test run, on the run's own folder
 * (cwd). What the tests leave there (files, FIFOs, shared memory objects,
 * semaphores, with or without the run's prefix) cannot touch another run,
 * is bounded in total, and dies with the namespace. The grader's work area,
 * when it is under /tmp or /var/tmp, is bound back in place.
 * Returns 0, or -1 when a mount failed (the run must not go on half-made).
 */
#define SCRATCH_SHM "/tmp/.grade-shm"
#define SCRATCH_VAR "/tmp/.grade-var-tmp"
#define SCRATCH_RUN "/tmp/.grade-run"

static int bind_dir(const char *from, const char *to, mode_t mode)
{
    if (mkdir(from, mode) < 0 || chmod(from, mode) < 0)
        return -1;
    return mount(from, to, NULL, MS_BIND, NULL);
}

static int private_scratch(const char *cwd, const struct run_limits *lim)
{
    char keep[PATH_LEN] = "", opts[64];
    int fd = -1;

    /* the top folder of the work area, when it is in a place about to be
     * covered: kept open, to be bound back on top */
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(scratch[i]);

        if (strncmp(cwd, scratch[i], n) == 0 && cwd[n] == '/') {
            const char *end = strchr(cwd + n + 1, '/');

            snprintf(keep, sizeof(keep), "%.*s",
                     end ? (int)(end - cwd) : (int)strlen(cwd), cwd);
            if ((fd = open(keep, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                return -1;
        }
    }
    snprintf(opts, sizeof(opts), "mode=1777,size=%ldk,nr_inodes=65536",
             (long)(SANDBOX_DISK >> 10));
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0 ||
        bind_dir(SCRATCH_SHM, "/dev/shm", 01777) < 0 ||
        bind_dir(SCRATCH_VAR, "/var/tmp", 01777) < 0)
        goto fail;
    if (fd >= 0) {
        char from[64];

        snprintf(from, sizeof(from), "/proc/self/fd/%d", fd);
        if (mkdir(keep, 0755) < 0 || mount(from, keep, NULL, MS_BIND | MS_REC, NULL) < 0)
            goto fail;
        close(fd);
        fd = -1;
    }
    if (lim->scratch_cwd) {
        if (bind_dir(SCRATCH_RUN, cwd, 0700) < 0 ||
            (geteuid() == 0 && chown(cwd, run_uid, (gid_t)run_uid) < 0))
            goto fail;
    }
    /* the program starts in the folder now on top */
    return chdir(cwd);
fail:
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Reports what the run left in folder dir of its private scratch: a
 * scratch place (where is its name), or the run's own folder (where NULL:
 * entries named alone, as main.c names what it finds there without a
 * namespace). */
static void report_place(const char *dir, const char *where)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool shm = where && strcmp(where, "/dev/shm") == 0;

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        char path[PATH_LEN];
        struct stat st;
        const char *name = e->d_name;
        bool sem = shm && strncmp(name, "sem.", 4) == 0;

        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
            strncmp(name, ".grade-", 7) == 0 || strncmp(name, "grade-", 6) == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (lstat(path, &st) < 0)
            continue;
        if (shm)
            note_event("leftover - 0 %s /%s\n",
                       sem ? "semaphore" : "shared-memory-object", name + (sem ? 4 : 0));
        else if (where)
            note_event("leftover - 0 %s %s/%s\n", S_ISFIFO(st.st_mode) ? "FIFO" : "file",
                       where, name);
        else
            note_event("leftover - 0 file %s\n", name);
    }
    closedir(d);
}

static void report_scratch(const char *cwd, const struct run_limits *lim)
{
    for (int i = 0; scratch[i]; i++)
        report_place(scratch[i], scratch[i]);
    if (lim->scratch_cwd)
        report_place(cwd, NULL);
}

/* true when pid is gone or its state is one of the letters in states */
static bool proc_stopped_state(long pid, const char *states)
{
    char path[64], buf[512], *q;
    FILE *f;
    bool in = true;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    if (!(f = fopen(path, "re")))
        return true;
    if (fgets(buf, sizeof(buf), f) && (q = strrchr(buf, ')')) != NULL && q[1] && q[2])
        in = strchr(states, q[2]) != NULL;
    fclose(f);
    return in;
}

/* Processes of this PID namespace other than its init (pid 1). */
static int count_namespace(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);

        /* the living: a zombie is already dead, only not yet reaped */
        if (!*end && pid > 1 && !proc_stopped_state(pid, "ZX"))
            n++;
    }
    closedir(d);
    return n;
}

/* pid 1 of the namespace: start the program, reap everything, report. */
static void be_init(char *const argv[], char *const envp[], const char *cwd,
                    const struct run_limits *lim, int status_fd)
{
    pid_t main_pid;
    int status = 0;

    /* dies with the jail (and so takes the namespace down) if the grader is
     * killed or interrupted */
    prctl(PR_SET_PDEATHSIG, SIGKILL);

    /* a /proc of this namespace, so that /proc/PID means the pids the tests
     * see; private, so that the mount does not reach the rest of the machine */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
        private_scratch(cwd, lim) < 0) {
        perror("grade: cannot make the run's private places");
        _exit(125);
    }
    main_pid = fork();

    if (main_pid < 0)
        _exit(125);
    if (main_pid == 0) {
        close(status_fd);
        exec_program(argv, envp, cwd, lim);
    }
    /* init only writes events: the logs and the key are the program's */
    close(CHANNEL_XML_FD);
    close(CHANNEL_KEY_FD);
    close(CHANNEL_VALGRIND_FD);
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
    {
        /* what is still alive here dies with us: count it for the report */
        int report[2] = {status, count_namespace()};

        report_scratch(cwd, lim);
        if (write(status_fd, report, sizeof(report)) < 0)
            _exit(125);
    }
    _exit(0); /* the kernel now kills the rest of the namespace */
}

/* Processes of this user, everywhere on the machine. */
static long user_processes(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    long n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        char path[64];

        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s", e->d_name);
        if (stat(path, &st) == 0 && st.st_uid == getuid())
            n++;
    }
    closedir(d);
    return n;
}

/* Writes text to a file of /proc in one write, as its maps want. */
static int write_proc(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* As a normal user: a user namespace of the process's own, in which the
 * user stays who it is and may make the other namespaces. */
static int enter_userns(void)
{
    char map[64];
    uid_t uid = geteuid();
    gid_t gid = getegid();

    if (unshare(CLONE_NEWUSER) < 0 || write_proc("/proc/self/setgroups", "deny") < 0)
        return -1;
    snprintf(map, sizeof(map), "%ld %ld 1\n", (long)uid, (long)uid);
    if (write_proc("/proc/self/uid_map", map) < 0)
        return -1;
    snprintf(map, sizeof(map), "%ld %ld 1\n", (long)gid, (long)gid);
    return write_proc("/proc/self/gid_map", map);
}

static void be_jail(char *const argv[], char *const envp[], const char *cwd,
                    const struct run_limits *lim, int out_fd, int status_fd,
                    const int *channel, const struct run_cgroups *cg)
{
    int null_fd = open("/dev/null", O_RDONLY);
    pid_t worker = getppid();

    in_jail = true;

    /* dies with the worker: a grader interrupted with Ctrl-C, whose signal
     * does not reach this new session, leaves nothing running */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != worker)
        _exit(125);
    setsid();
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
        dup2(out_fd, 2) < 0)
        _exit(125);
    /* the result channels at the numbers the harness is told (dup2 leaves
     * them open across exec) */
    if (channel && (dup2(channel[0], CHANNEL_XML_FD) < 0 ||
                    dup2(channel[1], CHANNEL_EVENTS_FD) < 0 ||
                    dup2(channel[2], CHANNEL_KEY_FD) < 0 ||
                    (channel[3] >= 0 && dup2(channel[3], CHANNEL_VALGRIND_FD) < 0)))
        _exit(125);
    if (chdir(cwd) < 0)
        _exit(125);
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_FSIZE, SANDBOX_FSIZE);
    set_limit(RLIMIT_CPU, (rlim_t)(lim->wall * 2 + 10));
    cgroups_join(cg);
    if (geteuid() == 0)
        set_limit(RLIMIT_NPROC, cg->pids[0] ? SANDBOX_NPROC_USER : SANDBOX_NPROC);
    else /* the limit counts all of the user's processes: ours come on top */
        set_limit(RLIMIT_NPROC, (rlim_t)(user_processes() + SANDBOX_NPROC));
    if (use_namespace) {
        pid_t init;

        /* as a normal user, a user namespace first, which lets it make the
         * others; a PID namespace, so that everything dies with its init;
         * an IPC namespace, so that System V objects and POSIX message
         * queues die with it too; a network namespace with no network */
        if ((use_userns && enter_userns() < 0) ||
            unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET) < 0)
            _exit(125);
        init = fork();

        if (init < 0)
            _exit(125);
        if (init == 0)
            be_init(argv, envp, cwd, lim, status_fd);
        /* the jail waits for init so that its group outlives nothing */
        while (waitpid(init, NULL, 0) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    exec_program(argv, envp, cwd, lim);
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

/* Appends n bytes of src to buf (len bytes, room for cap and a NUL) as far
 * as the cap allows; false when some were dropped. */
static bool append_capped(char *buf, size_t *len, size_t cap, const char *src, size_t n)
{
    size_t room = *len < cap ? cap - *len : 0;
    bool all = n <= room;

    if (!all)
        n = room;
    memcpy(buf + *len, src, n);
    *len += n;
    buf[*len] = '\0';
    return all;
}

static void keep_output(struct run_result *r, const char *buf, size_t n, size_t cap)
{
    if (!append_capped(r->output, &r->output_len, cap, buf, n))
        r->output_cut = true;
}

/* One process of the run, as the watchdog sees it. */
struct proc {
    pid_t pid, ppid, pgrp;
    long bytes; /* resident: its own, and shared memory it maps */
};

/* Resident anonymous and shared memory (shm, tmpfs, memfd) that pid maps,
 * in bytes. A mapping two processes share counts for each. */
static long proc_memory(pid_t pid)
{
    char path[64], line[128];
    long kib, total = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    if (!(f = fopen(path, "re")))
        return 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "RssAnon: %ld", &kib) == 1 || sscanf(line, "RssShmem: %ld", &kib) == 1)
            total += kib << 10;
    fclose(f);
    return total;
}

/* Reads pid's parent, process group and memory. */
static bool read_proc(pid_t pid, struct proc *p)
{
    char path[64], buf[512], *q;
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    if (!(f = fopen(path, "re")))
        return false;
    ok = fgets(buf, sizeof(buf), f) != NULL;
    fclose(f);
    if (!ok || !(q = strrchr(buf, ')')))
        return false;
    p->pid = pid;
    if (sscanf(q + 2, "%*c %d %d", &p->ppid, &p->pgrp) != 2)
        return false;
    p->bytes = proc_memory(pid);
    return true;
}

/* The pid that the processes of pid's namespace see (its last NSpid). */
static long inner_pid(pid_t pid)
{
    char path[64], line[256];
    long inner = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    if (!(f = fopen(path, "re")))
        return 0;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "NSpid:", 6) == 0) {
            char *tok = strtok(line + 6, " \t\n");

            for (; tok; tok = strtok(NULL, " \t\n"))
                inner = strtol(tok, NULL, 10);
        }
    fclose(f);
    return inner;
}

#define MAX_PROCS 8192

/*
 * The watchdog: counts the processes of the run and sums the private resident memory of every descendant
 * of this process (the run: the jail, the namespace's init, the program,
 * and orphans, which come back to us or to init). Over the budget, it kills
 * the process group that holds the most (a test process and its children, as
 * Check groups them) and tells results.c which test that was; when that is
 * the program's own group, the whole run. A fork bomb is stopped the same way
 * (see stop_fork_bomb). Returns true when it killed the whole run.
 */
static int scan_run(pid_t jail, long *bytes);

/* Reaps the dead children of this process (orphans of the run, without a
 * namespace), leaving the jail to the main loop: a zombie still counts
 * against the user's process limit. */
static void reap_orphans(pid_t jail)
{
    for (;;) {
        siginfo_t si;

        si.si_pid = 0;
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0 ||
            si.si_pid == jail)
            return;
        waitpid(si.si_pid, NULL, WNOHANG);
    }
}

/* true when pid is stopped (state T), dead, or gone */
static bool proc_stopped(pid_t pid)
{
    return proc_stopped_state(pid, "TtZX");
}

static ino_t run_ns; /* the PID namespace of the run being watched, 0 if none */
static struct proc procs[MAX_PROCS];
static bool member[MAX_PROCS];
static int nprocs;

/* A run that reaches this many processes is a fork bomb: stop it now rather
 * than let it spin on failing forks until its test's time is up. */
#define FORK_BOMB (SANDBOX_NPROC * 9 / 10)

/* Stops the program (the processes of the jail's group, but not the jail nor
 * a namespace's init, which must go on reaping) and keeps their pids in held;
 * how many it holds. */
#define HELD_MAX 64
static int hold_program(pid_t jail, pid_t held[HELD_MAX])
{
    int n = 0;

    for (int i = 0; i < nprocs && n < HELD_MAX; i++)
        if (member[i] && procs[i].pgrp == jail &&
            !(use_namespace && (procs[i].pid == jail || procs[i].ppid == jail)) &&
            kill(procs[i].pid, SIGSTOP) == 0)
            held[n++] = procs[i].pid;
    return n;
}

/* Kills the process group with the most processes of the run (when it holds
 * half of them: a test and its children), else every process outside the
 * program's own group; true when that was the program's group. The group is
 * killed as a group, again until none of it is left; processes scattered in
 * groups of their own are stopped first (a stopped process cannot fork) and
 * killed once stopped, until none is left.
 * Meanwhile the program is held stopped: else it would start its next test
 * while the bomb's dying processes still count against the process limit,
 * and that test's forks would fail. */
static bool stop_fork_bomb(pid_t jail, int count)
{
    pid_t most = 0, held[HELD_MAX];
    int most_n = 0, n_held;
    long inner;

    for (int i = 0; i < nprocs; i++) {
        int k = 0;

        if (!member[i])
            continue;
        for (int j = 0; j < nprocs; j++)
            k += member[j] && procs[j].pgrp == procs[i].pgrp;
        if (k > most_n) {
            most_n = k;
            most = procs[i].pgrp;
        }
    }
    if (most == jail) {
        note_event("processes - 0 %d\n", FORK_BOMB);
        kill(-jail, SIGKILL);
        return true;
    }
    if (!most || most_n * 2 < count)
        most = 0; /* scattered in groups of their own: all but the program's */
    inner = most ? inner_pid(most) : -1;
    note_event("processes - %ld %d\n", inner, FORK_BOMB);
    n_held = hold_program(jail, held);
    /* a look at /proc can miss a process born meanwhile (its pid may have
     * wrapped below where the listing was): done after three empty looks */
    for (int round = 0, empty = 0; round < 1000 && empty < 3; round++) {
        long bytes;
        int targets = 0;

        if (round)
            scan_run(jail, &bytes);
        /* a signal to a group reaches the children its members are forking
         * meanwhile too: this ends a bomb that one by one never catches */
        if (most)
            kill(-most, SIGKILL);
        for (int i = 0; i < nprocs; i++)
            if (member[i] && (most ? procs[i].pgrp == most : procs[i].pgrp != jail)) {
                /* the dead count against the process limit until reaped:
                 * those that came back to us (no namespace) by us, those of
                 * a namespace by its init, and the test itself by the
                 * program, once it goes on */
                if (proc_stopped_state(procs[i].pid, "ZX")) {
                    if (procs[i].ppid == getpid()) {
                        waitpid(procs[i].pid, NULL, WNOHANG);
                        targets++;
                    }
                    continue;
                }
                targets++;
                if (!most) /* a group has had its SIGKILL above */
                    kill(procs[i].pid, proc_stopped(procs[i].pid) ? SIGKILL : SIGSTOP);
            }
        reap_orphans(jail);
        empty = targets ? 0 : empty + 1;
        if (!targets || round % 10 == 9)
            usleep(1000); /* let the signals land, the dead be reaped */
    }
    for (int i = 0; i < n_held; i++)
        kill(held[i], SIGCONT);
    return false;
}

static int scan_run(pid_t jail, long *bytes)
{
    pid_t self = getpid();
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0, count = 0;

    *bytes = 0;
    nprocs = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL && n < MAX_PROCS) {
        char *end, path[64];
        long pid = strtol(e->d_name, &end, 10);
        struct stat st;

        if (*end || pid <= 0)
            continue;
        /* the run's processes are ours or the sandbox user's: skip the rest */
        snprintf(path, sizeof(path), "/proc/%ld", pid);
        if (stat(path, &st) < 0 || (st.st_uid != geteuid() && st.st_uid != run_uid))
            continue;
        if (read_proc((pid_t)pid, &procs[n]))
            n++;
    }
    closedir(d);
    nprocs = n;
    /* members: the jail and whatever descends from it or from us; with a
     * namespace, whatever is in it (a parent read after it died leaves a
     * process that descends from no one, until it is reparented) */
    if (use_namespace && !run_ns) {
        struct stat outer, inner;
        char path[64];

        snprintf(path, sizeof(path), "/proc/%ld/ns/pid_for_children", (long)jail);
        if (stat("/proc/self/ns/pid", &outer) == 0 && stat(path, &inner) == 0 &&
            inner.st_ino != outer.st_ino)
            run_ns = inner.st_ino;
    }
    for (int i = 0; i < n; i++) {
        member[i] = procs[i].pid == jail || procs[i].ppid == self;
        if (!member[i] && run_ns) {
            struct stat ns;
            char path[64];

            snprintf(path, sizeof(path), "/proc/%ld/ns/pid", (long)procs[i].pid);
            member[i] = stat(path, &ns) == 0 && ns.st_ino == run_ns;
        }
    }
    for (bool grew = true; grew;) {
        grew = false;
        for (int i = 0; i < n; i++) {
            if (member[i])
                continue;
            for (int j = 0; j < n; j++)
                if (member[j] && procs[j].pid == procs[i].ppid) {
                    member[i] = grew = true;
                    break;
                }
        }
    }
    for (int i = 0; i < n; i++)
        if (member[i]) {
            *bytes += procs[i].bytes;
            count++;
        }
    return count;
}

/*
 * Without a memory cgroup: the bytes held by the memfd files that the run's
 * processes have open (each file once), which no mapping need show. Files
 * in /dev/shm and /tmp count as disk (run_disk).
 */
static long memfd_bytes(void)
{
    ino_t seen[256];
    int nseen = 0;
    long total = 0;

    for (int i = 0; i < nprocs; i++) {
        char dir[64];
        DIR *d;
        struct dirent *e;

        if (!member[i])
            continue;
        snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)procs[i].pid);
        if (!(d = opendir(dir)))
            continue;
        while ((e = readdir(d)) != NULL) {
            char path[PATH_LEN], target[64];
            ssize_t n;
            struct stat st;
            bool counted = false;

            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            n = readlink(path, target, sizeof(target) - 1);
            if (n < 7 || strncmp(target, "/memfd:", 7) != 0 || stat(path, &st) < 0)
                continue;
            for (int k = 0; k < nseen && !counted; k++)
                counted = seen[k] == st.st_ino;
            if (counted)
                continue;
            if (nseen < 256)
                seen[nseen++] = st.st_ino;
            total += (long)st.st_blocks * 512;
        }
        closedir(d);
    }
    return total;
}

static bool watch_run(pid_t jail, const struct run_cgroups *cg, long *peak)
{
    static long memfd_total;
    static unsigned ticks;
    static pid_t last_jail;
    static double grace_until; /* after a test's group was killed */
    long total, worst = 0, counted;
    pid_t worst_group = 0;
    int n, count = scan_run(jail, &total);

    n = nprocs;
    if (jail != last_jail) { /* a new run */
        last_jail = jail;
        ticks = 0;
        memfd_total = 0;
        grace_until = 0;
    }
    /* the kernel's count, where there is one: it sees shared memory that no
     * process maps any longer (files in tmpfs, memfd) */
    if ((counted = cgroups_memory(cg)) >= 0) {
        total = counted;
    } else {
        /* a tenth as often: it looks at every descriptor of the run */
        if (ticks++ % 10 == 0)
            memfd_total = memfd_bytes();
        total += memfd_total;
    }
    if (total > *peak)
        *peak = total;
    if (count >= FORK_BOMB)
        return stop_fork_bomb(jail, count);
    if (memory_max <= 0) /* sandbox_init not called */
        memory_max = SANDBOX_MEMORY_MIN;
    if (total <= memory_max)
        return false;
    for (int i = 0; i < n; i++) {
        long group = 0;

        if (!member[i])
            continue;
        for (int j = 0; j < n; j++)
            if (member[j] && procs[j].pgrp == procs[i].pgrp)
                group += procs[j].bytes;
        if (group > worst) {
            worst = group;
            worst_group = procs[i].pgrp;
        }
    }
    /* the kernel's count falls some time after a group was killed: the run
     * as a whole is stopped only when its processes' own still say so */
    if ((!worst_group || worst_group == jail) && counted >= 0 && now_seconds() < grace_until)
        return false;
    if (!worst_group || worst_group == jail) {
        note_event("memory - 0 %ld\n", memory_max >> 20);
        kill(-jail, SIGKILL);
        return true;
    }
    note_event("memory - %ld %ld\n", inner_pid(worst_group), memory_max >> 20);
    kill(-worst_group, SIGKILL);
    grace_until = now_seconds() + 1.0;
    return false;
}

/*
 * Without a namespace there is no private /tmp. As a normal user, what the
 * run leaves in the shared places cannot be told for sure from what the
 * user's other programs make at the same time, so it is reported, not
 * removed. As root, an exercise's tests run as a user of their own: what that
 * user owns there is theirs, reported, and removed when the exercise's worker
 * ends (sandbox_sweep; a test may still use it until then). The entries there
 * before the run are remembered (by name hash) to find the new ones.
 */
#define SEEN_MAX 8192
static const char *const shared_places[] = {"/tmp", "/var/tmp", "/dev/shm", NULL};

static unsigned long name_hash(const char *place, const char *name)
{
    unsigned long h = 5381;

    for (const char *p = place; *p; p++)
        h = h * 33 + (unsigned char)*p;
    for (const char *p = name; *p; p++)
        h = h * 33 + (unsigned char)*p;
    return h;
}

static int by_value(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

    return x < y ? -1 : x > y;
}

/* Calls fn on each entry of the shared places owned by the tests' user. */
static void each_own_entry(void (*fn)(const char *place, const char *name,
                                      const struct stat *st, void *arg),
                           void *arg)
{
    for (int i = 0; shared_places[i]; i++) {
        DIR *d = opendir(shared_places[i]);
        struct dirent *e;

        if (!d)
            continue;
        while ((e = readdir(d)) != NULL) {
            char path[PATH_LEN];
            struct stat st;

            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", shared_places[i], e->d_name);
            if (lstat(path, &st) == 0 && st.st_uid == run_uid)
                fn(shared_places[i], e->d_name, &st, arg);
        }
        closedir(d);
    }
}

struct seen {
    unsigned long hash[SEEN_MAX];
    int n;
};

static void remember(const char *place, const char *name, const struct stat *st, void *arg)
{
    struct seen *s = arg;

    (void)st;
    if (s->n < SEEN_MAX)
        s->hash[s->n++] = name_hash(place, name);
}

static void report_new(const char *place, const char *name, const struct stat *st,
                       void *arg)
{
    struct seen *s = arg;
    unsigned long h = name_hash(place, name);
    bool shm = strcmp(place, "/dev/shm") == 0, sem = shm && strncmp(name, "sem.", 4) == 0;
    long a, b;
    char c;

    if (bsearch(&h, s->hash, (size_t)s->n, sizeof(h), by_value))
        return;
    /* a grader's IPC names are main.c's to sweep; its work areas are its own */
    if (shm && sscanf(name + (sem ? 4 : 0), "g%ldx%ld%c", &a, &b, &c) == 3 && c == '-')
        return;
    if (strncmp(name, "grade-", 6) == 0 || strncmp(name, "check_", 6) == 0)
        return;
    /* the compiler's files, of a build that runs beside the tests */
    if (strncmp(name, "cc", 2) == 0 && strlen(name) > 9 && name[8] == '.')
        return;
    {
        const char *what = geteuid() == 0 ? "leftover" : "kept"; /* see above */

        if (shm)
            note_event("%s - 0 %s /%s\n", what, sem ? "semaphore" : "shared-memory-object",
                       name + (sem ? 4 : 0));
        else
            note_event("%s - 0 %s %s/%s\n", what, S_ISFIFO(st->st_mode) ? "FIFO" : "file",
                       place, name);
    }
}

static void remove_entry(const char *place, const char *name, const struct stat *st,
                         void *arg)
{
    char path[PATH_LEN];

    (void)st;
    (void)arg;
    snprintf(path, sizeof(path), "%s/%s", place, name);
    remove_tree(path);
}

void sandbox_sweep(void)
{
    if (geteuid() != 0 || use_namespace)
        return;
    /* a worker's user is its own (without one, its tests ran as the grader's,
     * which the grader sweeps once every worker is done); the grader's, only
     * when its lock is held */
    run_uid = tests_uid_sought ? tests_uid : uid_claimed;
    if (run_uid)
        each_own_entry(remove_entry, NULL);
}

/*
 * The disk a run uses: with a namespace, what its one scratch tmpfs holds
 * (seen through its init's root); without, the size of its folder and of
 * what its user made anew in the shared places. The watchdog stops a run at
 * SANDBOX_DISK, with a verdict that says so, before the machine's disk
 * fills (with a namespace the tmpfs is full there anyway).
 */
static long disk_bytes;

static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path;
    (void)flag;
    (void)ftw;
    disk_bytes += (long)st->st_blocks * 512;
    return 0;
}

static void add_new_entry(const char *place, const char *name, const struct stat *st,
                          void *arg)
{
    const struct seen *s = arg;
    unsigned long h = name_hash(place, name);
    char path[PATH_LEN];

    if (bsearch(&h, s->hash, (size_t)s->n, sizeof(h), by_value))
        return;
    if (!S_ISDIR(st->st_mode)) {
        disk_bytes += (long)st->st_blocks * 512;
        return;
    }
    snprintf(path, sizeof(path), "%s/%s", place, name);
    nftw(path, add_size, 16, FTW_PHYS | FTW_MOUNT);
}

static long run_disk(pid_t jail, const char *cwd, const struct seen *seen)
{
    disk_bytes = 0;
    if (use_namespace) {
        char root[64];
        struct statfs fs;

        for (int i = 0; i < nprocs; i++)
            if (member[i] && procs[i].ppid == jail) {
                snprintf(root, sizeof(root), "/proc/%ld/root/tmp", (long)procs[i].pid);
                if (statfs(root, &fs) == 0)
                    return (long)((fs.f_blocks - fs.f_bfree) * (unsigned long)fs.f_bsize);
            }
        return 0;
    }
    nftw(cwd, add_size, 16, FTW_PHYS | FTW_MOUNT);
    if (seen)
        each_own_entry(add_new_entry, (void *)seen);
    return disk_bytes;
}

/* A channel the worker reads results from, into a capped buffer: a pipe,
 * or a socket whose every line is kept with the pid of the process that
 * sent it, as the kernel vouches for it (SCM_CREDENTIALS). */
struct sink {
    int fd; /* -1 once closed */
    char *buf;
    size_t len, cap;
    bool cut;    /* bytes were dropped past the cap */
    bool sender; /* a socket: "PID line" for each line received */
};

static void close_sink(struct sink *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

/* One message from s's socket into chunk; its sender in *from (0 when the
 * kernel said nothing). Descriptors a sender passed along are closed. */
static ssize_t receive(struct sink *s, char *chunk, size_t size, pid_t *from)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(16 * sizeof(int))];
    } control;
    struct iovec iov = {chunk, size};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof(control.buf)};
    ssize_t n = recvmsg(s->fd, &msg, MSG_CMSG_CLOEXEC);

    *from = 0;
    if (n < 0)
        return n;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET)
            continue;
        if (c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred u;

            memcpy(&u, CMSG_DATA(c), sizeof(u));
            *from = u.pid;
        } else if (c->cmsg_type == SCM_RIGHTS) {
            size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

            for (size_t i = 0; i < nfds; i++) {
                int fd;

                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
                close(fd);
            }
        }
    }
    return n;
}

/* Appends each line of the n bytes at chunk as "FROM line\n". */
static void keep_lines(struct sink *s, const char *chunk, size_t n, pid_t from)
{
    char head[32];
    int h = snprintf(head, sizeof(head), "%ld ", (long)from);

    while (n > 0) {
        const char *nl = memchr(chunk, '\n', n);
        size_t len = nl ? (size_t)(nl - chunk) : n;

        if (!append_capped(s->buf, &s->len, s->cap, head, (size_t)h) ||
            !append_capped(s->buf, &s->len, s->cap, chunk, len) ||
            !append_capped(s->buf, &s->len, s->cap, "\n", 1))
            s->cut = true;
        len += nl != NULL;
        chunk += len;
        n -= len;
    }
}

/* Reads what is in s now (its end is non-blocking); closes it at end of
 * file. What does not fit in the cap is read and dropped. */
static void drain_sink(struct sink *s)
{
    char chunk[65536];

    while (s->fd >= 0) {
        pid_t from = 0;
        ssize_t n = s->sender ? receive(s, chunk, sizeof(chunk), &from)
                              : read(s->fd, chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return; /* EAGAIN: nothing more for now */
        if (n == 0) {
            close_sink(s);
            return;
        }
        if (s->sender)
            keep_lines(s, chunk, (size_t)n, from);
        else if (!append_capped(s->buf, &s->len, s->cap, chunk, (size_t)n))
            s->cut = true;
    }
}

static int open_sink(struct sink *s, size_t cap, bool sender, int *write_end)
{
    int p[2], on = 1;

    s->fd = -1;
    s->len = 0;
    s->cap = cap;
    s->cut = false;
    s->sender = sender;
    s->buf = malloc(cap + 1);
    if (!s->buf)
        return -1;
    s->buf[0] = '\0';
    if (sender ? socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0
               : pipe2(p, O_CLOEXEC) < 0)
        return -1;
    s->fd = p[0];
    *write_end = p[1];
    if (sender && (setsockopt(s->fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0 ||
                   shutdown(s->fd, SHUT_WR) < 0))
        return -1;
    return fcntl(s->fd, F_SETFL, O_NONBLOCK);
}

/*
 * The result channels of a test run: a pipe for Check's XML log, a socket
 * for the events (each kept with its sender's pid), a pipe holding the key,
 * and, under Valgrind, a pipe for Valgrind's log. channel[] gets the
 * program's ends, in the order of the CHANNEL_*_FD numbers.
 */
struct run_channels {
    struct sink xml, events, valgrind;
    unsigned char *key;
};

static int open_channels(struct run_channels *c, bool valgrind, int channel[CHANNELS])
{
    int k[2];

    /* a key nobody else knows, for the tokens of "end" events (getrandom
     * gives up to 256 bytes whole) */
    if (open_sink(&c->xml, 8 << 20, false, &channel[0]) < 0 ||
        open_sink(&c->events, 1 << 20, true, &channel[1]) < 0 ||
        (valgrind && open_sink(&c->valgrind, 64 << 20, false, &channel[3]) < 0) ||
        getrandom(c->key, CHANNEL_KEY_LEN, 0) != CHANNEL_KEY_LEN)
        return -1;
    /* Check opens its log by name (/proc/self/fd/N), which asks the pipe's
     * owner: the program's user */
    if (geteuid() == 0 && fchown(channel[0], run_uid, (gid_t)run_uid) < 0)
        return -1;
    if (pipe2(k, O_CLOEXEC) < 0)
        return -1;
    /* a pipe holds far more than the key: this never blocks */
    if (write(k[1], c->key, CHANNEL_KEY_LEN) != CHANNEL_KEY_LEN) {
        close(k[0]);
        close(k[1]);
        return -1;
    }
    close(k[1]);
    channel[2] = k[0];
    return 0;
}

int run_sandboxed(char *const argv[], char *const envp[], const char *cwd,
                  const struct run_limits *lim, struct run_result *r)
{
    int out[2] = {-1, -1}, st[2] = {-1, -1}, channel[CHANNELS] = {-1, -1, -1, -1};
    double deadline, exited_at = 0, next_watch = 0;
    pid_t jail;
    bool done = false;
    unsigned ticks = 0;
    struct run_cgroups cg = {.pids = ""};
    long peak = 0;
    static struct seen seen;
    bool watch_shared = !use_namespace && lim->channels;
    struct run_channels ch = {{-1, NULL, 0, 0, false, false},
                              {-1, NULL, 0, 0, false, false},
                              {-1, NULL, 0, 0, false, false}, r->key};

    run_uid = lim->tests ? tests_user() : sandbox_user();
    memset(r, 0, sizeof(*r));
    r->output = malloc(lim->output_cap + 1);
    if (!r->output)
        return -1;
    r->output[0] = '\0';
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0)
        goto fail;
    notes_len = 0;
    notes[0] = '\0';
    if (lim->channels && open_channels(&ch, lim->valgrind_log, channel) < 0)
        goto fail;
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (watch_shared) {
        seen.n = 0;
        each_own_entry(remember, &seen);
        qsort(seen.hash, (size_t)seen.n, sizeof(seen.hash[0]), by_value);
    }
    /* a pids cgroup: the process limit is the run's alone; a cpu cgroup: the
     * run is one scheduling entity, however many sessions its processes make
     * (each setsid() makes a new autogroup, which competes as an equal) */
    run_ns = 0;
    /* best effort: without them, the limits of run.c alone */
    cgroups_make(&cg, SANDBOX_NPROC, memory_max + memory_max / 4);
    jail = fork();
    if (jail < 0)
        goto fail;
    if (jail == 0) {
        close(out[0]);
        close(st[0]);
        close_sink(&ch.xml);
        close_sink(&ch.events);
        close_sink(&ch.valgrind);
        be_jail(argv, envp, cwd, lim, out[1], st[1], lim->channels ? channel : NULL,
                &cg);
    }
    close(out[1]);
    close(st[1]);
    for (int i = 0; i < CHANNELS; i++)
        if (channel[i] >= 0)
            close(channel[i]);
    deadline = now_seconds() + lim->wall;
    for (;;) {
        struct pollfd p[4] = {{out[0], POLLIN, 0}, {ch.xml.fd, POLLIN, 0},
                              {ch.events.fd, POLLIN, 0}, {ch.valgrind.fd, POLLIN, 0}};
        char buf[65536];
        int status;
        pid_t pid;
        double now;

        /* reap the program, and orphans that came back to us as they end */
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            if (pid == jail && !done) {
                done = true;
                exited_at = now_seconds();
                r->status = status;
            }
        now = now_seconds();
        /* after the program ends, stragglers may hold the pipe: stop soon */
        if (done && now - exited_at > 0.1)
            break;
        if (!done && now > deadline) {
            r->timed_out = true;
            kill(-jail, SIGKILL);
            kill(jail, SIGKILL);
            while (waitpid(jail, &status, 0) < 0 && errno == EINTR)
                ;
            r->status = status;
            break;
        }
        if (!done && now >= next_watch) {
            next_watch = now + WATCH_INTERVAL;
            bool stop = watch_run(jail, &cg, &peak);

            /* a tenth as often: the disk fills no faster than it is written */
            if (!stop && lim->scratch_cwd && ++ticks % 10 == 0 &&
                run_disk(jail, cwd, watch_shared ? &seen : NULL) > SANDBOX_DISK * 9 / 10) {
                note_event("disk - 0 %ld\n", SANDBOX_DISK >> 20);
                kill(-jail, SIGKILL);
                stop = true;
            }
            if (stop) {
                r->out_of_memory = true;
                while (waitpid(jail, &status, 0) < 0 && errno == EINTR)
                    ;
                r->status = status;
                break;
            }
        }
        if (poll(p, 4, done ? 10 : (int)(WATCH_INTERVAL * 1000)) > 0) {
            /* results first: output may come in floods */
            if (p[1].revents)
                drain_sink(&ch.xml);
            if (p[2].revents)
                drain_sink(&ch.events);
            if (p[3].revents)
                drain_sink(&ch.valgrind);
            if (p[0].revents) {
                ssize_t n = read(out[0], buf, sizeof(buf));

                if (n > 0)
                    keep_output(r, buf, (size_t)n, lim->output_cap);
                else if (n == 0 && done)
                    break;
                else if (n == 0)
                    usleep(2000);
            }
        }
    }
    close(out[0]);
    kill(-jail, SIGKILL);
    if (use_namespace && !r->timed_out && !r->out_of_memory) {
        int report[2];

        if (read(st[0], report, sizeof(report)) == (ssize_t)sizeof(report)) {
            r->status = report[0];
            r->stray = report[1];
        } else {
            r->status = W_EXITCODE(125, 0);
        }
    }
    close(st[0]);
    r->stray += kill_orphans();
    r->memory_peak = peak;
    /* a process the kernel killed at the memory cgroup's hard limit (a test
     * that grew faster than the watchdog looks) */
    if (cgroups_oom_killed(&cg))
        note_event("memory - -1 %ld\n", memory_max >> 20);
    cgroups_remove(&cg);
    if (watch_shared)
        each_own_entry(report_new, &seen);
    if (lim->channels) {
        /* every writer is gone now: what is left in the pipes, then the
         * worker's own notes after the events */
        drain_sink(&ch.xml);
        drain_sink(&ch.events);
        drain_sink(&ch.valgrind);
        close_sink(&ch.xml);
        close_sink(&ch.events);
        close_sink(&ch.valgrind);
        r->xml = ch.xml.buf;
        r->xml_len = ch.xml.len;
        r->events = ch.events.buf;
        r->events_len = ch.events.len;
        r->valgrind = ch.valgrind.buf;
        r->valgrind_len = ch.valgrind.len;
        r->valgrind_cut = ch.valgrind.cut;
        if (notes_len) { /* however much the program wrote */
            char *all = realloc(r->events, r->events_len + notes_len + 1);

            if (all) {
                memcpy(all + r->events_len, notes, notes_len + 1);
                r->events = all;
                r->events_len += notes_len;
            }
        }
    }
    if (getenv("GRADER_DEBUG_RUNS")) { /* where the time and the memory go */
        int last = 0;

        while (argv[last + 1])
            last++;
        fprintf(stderr, "grade: run %s ... %s: %.2f s, peak %ld MiB, %d stray\n",
                argv[0], argv[last], now_seconds() - (deadline - lim->wall), peak >> 20,
                r->stray);
    }
    return 0;

fail: /* nothing started: undo what was made, keep the reason in errno */
    {
        int saved = errno;

        for (int i = 0; i < 2; i++) {
            if (out[i] >= 0)
                close(out[i]);
            if (st[i] >= 0)
                close(st[i]);
        }
        for (int i = 0; i < CHANNELS; i++)
            if (channel[i] >= 0)
                close(channel[i]);
        close_sink(&ch.xml);
        close_sink(&ch.events);
        close_sink(&ch.valgrind);
        free(ch.xml.buf);
        free(ch.events.buf);
        free(ch.valgrind.buf);
        run_result_free(r);
        cgroups_remove(&cg);
        errno = saved;
        return -1;
    }
}

void run_result_free(struct run_result *r)
{
    free(r->output);
    free(r->xml);
    free(r->events);
    free(r->valgrind);
    r->output = r->xml = r->events = r->valgrind = NULL;
}

/* Decides once whether runs get a PID namespace of their own: as root, when
 * the kernel allows it here; and sets the memory budget of a run. */
/* Open files a run may have: the result channels sit at 200-202, and the
 * tests, the linker and Valgrind (which keeps some at the top of the limit)
 * need room of their own. Below SANDBOX_FILES_MIN every run would fail in a
 * way that looks like the student's doing, so grading stops instead. */
#define SANDBOX_FILES 1024
#define SANDBOX_FILES_MIN 256

static void raise_file_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    if (rl.rlim_cur < SANDBOX_FILES) {
        rl.rlim_cur = rl.rlim_max < SANDBOX_FILES ? rl.rlim_max : SANDBOX_FILES;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < SANDBOX_FILES_MIN)
        fatal("only %ld files may be open at once here (ulimit -n), and grading needs "
              "%d: run 'ulimit -n %d' in this shell, then grade again",
              (long)rl.rlim_cur, SANDBOX_FILES_MIN, SANDBOX_FILES);
}

const char *sandbox_layers(bool *contains_signals)
{
    static char text[128];
    int abi = landlock_abi();

    snprintf(text, sizeof(text), "%s%s, Landlock %d%s",
             use_userns ? "user namespaces" : use_namespace ? "namespaces" : "no namespaces",
             cgroups_count_memory() ? ", cgroups" : "", abi,
             getenv("GRADER_NO_SECCOMP") ? "" : ", seccomp");
    /* kill(-1) stays in the run: a PID namespace, or Landlock's scopes */
    *contains_signals = use_namespace || abi >= 6;
    return text;
}

/* In a child of the grader: true when a run could get its namespaces here,
 * /proc and a tmpfs mounted in them. */
static bool namespaces_work(void)
{
    pid_t pid;
    int status;

    if ((use_userns && enter_userns() < 0) ||
        unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET) < 0)
        return false;
    pid = fork();
    if (pid == 0)
        _exit(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
                      mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                            NULL) == 0 &&
                      mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") == 0
                  ? 0
                  : 1);
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

void sandbox_init(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), cpus = sysconf(_SC_NPROCESSORS_ONLN);
    const char *mib = getenv("GRADER_MEMORY_MIB");
    pid_t pid;
    int status;

    raise_file_limit();

    /* a fair share of the machine's memory for each run (one per CPU at
     * once), within SANDBOX_MEMORY_MIN and three quarters of the machine */
    memory_max = SANDBOX_MEMORY_MIN;
    if (pages > 0 && cpus > 0) {
        long ram = pages * sysconf(_SC_PAGESIZE);

        if (ram / (2 * cpus) > memory_max)
            memory_max = ram / (2 * cpus);
        if (memory_max > ram / 4 * 3)
            memory_max = ram / 4 * 3;
    }
    if (mib && strtol(mib, NULL, 10) > 0)
        memory_max = strtol(mib, NULL, 10) << 20;
    cgroups_init();
    if (getenv("GRADER_NO_NAMESPACE"))
        return;
    /* as root: namespaces; as a normal user: the same through a user
     * namespace, where the kernel lets users make them (Debian does; Ubuntu
     * 24.04's AppArmor and many containers do not) */
    use_userns = geteuid() != 0;
    pid = fork();
    if (pid == 0)
        _exit(namespaces_work() ? 0 : 1);
    use_namespace = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                    WEXITSTATUS(status) == 0;
    if (!use_namespace)
        use_userns = false;
}
