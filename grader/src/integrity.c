/*
 * integrity.c - lists protected files that a submission changed since its starter commit
 *
 * The student's repository is data: its configuration, hooks and attributes
 * (filters, fsmonitor, diff drivers, core.*, include.path ...) must never act.
 * So git reads it once, to make a mirror clone in the work area (git clone
 * --no-local: git documents cloning an untrusted repository this way as safe,
 * as only objects and refs cross over), in an environment of the grader's
 * own: no system or user configuration but safe.directory=* (as root the
 * grader reads checkouts that others own), no GIT_* variable of the caller's,
 * no replace refs, the file transport only. Every later command reads that
 * clone only and compares the starter commit's tree with HEAD's, tree to
 * tree, never a working tree: no filter or fsmonitor has anything to run.
 * What is checked is the committed history.
 *
 * Each git command has a time limit (its whole process group is killed at
 * the end of it), a bound on the files it writes and on the output kept.
 */
#define _GNU_SOURCE
#include "grade.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What students must not change: the tests, the grader, the workflows, the
 * Makefile and the contract headers. */
static const char *const protected_paths[] = {"tests", "grader", ".github", "Makefile",
                                              NULL};
/* The contract headers: those the starter commit has; a student's own helper
 * header is theirs to add. */
#define MAX_HEADERS 64
/* The most arguments a git command here takes. */
#define GIT_ARGS_MAX (16 + MAX_HEADERS)
/* Seconds for the clone, and for each command on it. */
#define CLONE_SECONDS 60
#define GIT_SECONDS 20
/* The largest file git may write (the clone's pack). */
#define GIT_FILE_MAX ((rlim_t)512 << 20)

/* The environment every git command here runs in. */
struct git_env {
    char *envp[12];
    char home[PATH_LEN + 8];
    char global[PATH_LEN + 32];
    char git_dir[PATH_LEN + 16]; /* --git-dir=<the clone> */
};

/* Fills env for a work area: HOME and a global configuration of the
 * grader's, in work/git. 0, or -1 with errno. */
static int git_env_init(struct git_env *env, const char *work)
{
    char dir[PATH_LEN], config[PATH_LEN + 16];
    char *fixed[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "GIT_CONFIG_NOSYSTEM=1",
                     "GIT_ATTR_NOSYSTEM=1", "GIT_NO_REPLACE_OBJECTS=1",
                     "GIT_TERMINAL_PROMPT=0", "GIT_ALLOW_PROTOCOL=file",
                     "GIT_OPTIONAL_LOCKS=0"};
    size_t n = 0;

    snprintf(dir, sizeof(dir), "%s/git", work);
    snprintf(config, sizeof(config), "%s/config", dir);
    if (mkdir_p(dir, 0700) < 0 || write_text(config, "[safe]\n\tdirectory = *\n") < 0)
        return -1;
    snprintf(env->home, sizeof(env->home), "HOME=%s", dir);
    snprintf(env->global, sizeof(env->global), "GIT_CONFIG_GLOBAL=%s", config);
    snprintf(env->git_dir, sizeof(env->git_dir), "--git-dir=%s/history.git", work);
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        env->envp[n++] = fixed[i];
    env->envp[n++] = env->home;
    env->envp[n++] = env->global;
    env->envp[n] = NULL;
    return 0;
}

/* The child's side of git(): never returns. */
static void exec_git(const struct git_env *env, const char *const *argv, int out_fd)
{
    struct rlimit fsize = {GIT_FILE_MAX, GIT_FILE_MAX};
    int null_fd = open("/dev/null", O_RDWR);

    setpgid(0, 0);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(null_fd, 2) < 0)
        _exit(127);
    setrlimit(RLIMIT_FSIZE, &fsize);
    signal(SIGPIPE, SIG_DFL);
    execvpe("git", (char *const *)argv, env->envp);
    _exit(127);
}

/* Reads fd until end of file or the deadline: at most size - 1 bytes kept in
 * out (NUL-terminated, the rest read and dropped), their number in *len. 0 at
 * end of file, -1 with errno ETIMEDOUT at the deadline. */
static int read_until(int fd, double deadline, char *out, size_t size, size_t *len)
{
    *len = 0;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        double left = deadline - now_seconds();
        char buf[4096];
        ssize_t r;

        if (left <= 0) {
            out[*len] = '\0';
            errno = ETIMEDOUT;
            return -1;
        }
        if (poll(&p, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
            return -1;
        if (!p.revents)
            continue;
        r = read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r && *len + 1 < size; i++)
            out[(*len)++] = buf[i];
    }
    out[*len] = '\0';
    return 0;
}

/* Waits until pid has ended (left unreaped, so that its process group id
 * stays its own) or the deadline; 0, or -1 with errno ETIMEDOUT. */
static int wait_until(pid_t pid, double deadline)
{
    struct timespec pause = {0, 10 * 1000 * 1000};

    for (;;) {
        siginfo_t info = {0};

        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
            if (errno != EINTR)
                return -1;
        } else if (info.si_pid == pid) {
            return 0;
        }
        if (now_seconds() >= deadline) {
            errno = ETIMEDOUT;
            return -1;
        }
        nanosleep(&pause, NULL);
    }
}

/*
 * Runs git with args (on the clone when on_clone) in env, for at most
 * seconds. Its standard output goes into out (as read_until keeps it), its
 * length in *len. Returns git's exit status; -1 with errno when it could not
 * run, ETIMEDOUT when it ran out of time (its process group is killed).
 */
static int git(const struct git_env *env, bool on_clone, const char *const *args,
               double seconds, char *out, size_t size, size_t *len)
{
    const char *argv[GIT_ARGS_MAX + 4] = {"git"};
    double deadline = now_seconds() + seconds;
    int fds[2], n = 1, rc, status = 0, saved;
    pid_t pid;

    if (on_clone)
        argv[n++] = env->git_dir;
    for (const char *const *a = args; *a && n < GIT_ARGS_MAX + 3; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        saved = errno;
        close(fds[0]);
        close(fds[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0)
        exec_git(env, argv, fds[1]);
    setpgid(pid, pid); /* as the child does: no window before the kill */
    close(fds[1]);
    rc = read_until(fds[0], deadline, out, size, len);
    close(fds[0]);
    if (rc == 0)
        rc = wait_until(pid, deadline);
    saved = errno;
    kill(-pid, SIGKILL); /* whatever of it is left, the clone's upload-pack too */
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc < 0) {
        errno = saved;
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Adds the NUL-separated names in text[0..len) to the comma-separated list,
 * each as it may be shown. Their number. */
static int add_names(char *list, size_t size, const char *text, size_t len)
{
    int added = 0;

    for (size_t i = 0; i < len; i += strlen(text + i) + 1) {
        struct strbuf shown = STRBUF_INIT;

        if (!text[i] || strbuf_add_shown(&shown, text + i) < 0)
            continue;
        append(list, size, "%s%s", list[0] ? "," : "", strbuf_str(&shown));
        strbuf_release(&shown);
        added++;
    }
    return added;
}

/* true for exercises/NN-topic/name.h, nothing deeper. */
static bool contract_header(const char *path)
{
    const char *slash = strncmp(path, "exercises/", 10) == 0 ? strchr(path + 10, '/') : NULL;

    return slash && !strchr(slash + 1, '/') && has_suffix(path, ".h");
}

/* The commit integrity compares with: starter, or HEAD's oldest root commit,
 * into base. 0, or -1 with why. */
static int find_base(const struct git_env *env, const char *starter, char *base,
                     size_t base_size, char *why, size_t why_size)
{
    char out[4096], rev[160];
    size_t len;

    if (starter && *starter) {
        const char *a[] = {"rev-parse", "--verify", "--quiet", "--end-of-options", rev, NULL};

        snprintf(rev, sizeof(rev), "%s^{commit}", starter);
        if (git(env, true, a, GIT_SECONDS, out, sizeof(out), &len) != 0) {
            snprintf(why, why_size, "no commit '%s': integrity not checked", starter);
            return -1;
        }
    } else {
        static char roots[1 << 16];
        const char *a[] = {"rev-list", "--max-parents=0", "HEAD", NULL};
        char *last;

        if (git(env, true, a, GIT_SECONDS, roots, sizeof(roots), &len) != 0 || !len) {
            snprintf(why, why_size, "no starter commit: integrity not checked");
            return -1;
        }
        /* several roots (merged histories): the oldest is listed last */
        while (len && roots[len - 1] == '\n')
            roots[--len] = '\0';
        last = strrchr(roots, '\n');
        snprintf(out, sizeof(out), "%s", last ? last + 1 : roots);
    }
    out[strcspn(out, "\n")] = '\0';
    snprintf(base, base_size, "%s", out);
    return 0;
}

/* Clones repo into the work area (as the file header says). 0, or -1 with why. */
static int clone_repo(const struct git_env *env, const char *repo, const char *work,
                      char *why, size_t why_size)
{
    char out[256], clone[PATH_LEN + 16];
    char *source = realpath(repo, NULL); /* a path, never read as a URL */
    const char *a[] = {"clone", "--mirror", "--no-local", "--quiet", "--template=", "--",
                       source, clone, NULL};
    size_t len;
    int rc;

    if (!source) {
        snprintf(why, why_size, "not a git checkout: integrity not checked");
        return -1;
    }
    snprintf(clone, sizeof(clone), "%s/history.git", work);
    rc = git(env, false, a, CLONE_SECONDS, out, sizeof(out), &len);
    free(source);
    if (rc < 0 && errno == ETIMEDOUT)
        snprintf(why, why_size,
                 "git could not copy the history within %d s: integrity not checked",
                 CLONE_SECONDS);
    else if (rc != 0)
        snprintf(why, why_size, "not a git checkout: integrity not checked");
    return rc == 0 ? 0 : -1;
}

int check_integrity(const char *repo, const char *starter, const char *work, char *list,
                    size_t size, char *why, size_t why_size)
{
    static char out[1 << 16], headers[1 << 14];
    struct git_env env;
    char base[160];
    const char *args[GIT_ARGS_MAX];
    size_t len, headers_len;
    int n = 0;

    list[0] = '\0';
    why[0] = '\0';
    if (git_env_init(&env, work) < 0) {
        snprintf(why, why_size, "cannot prepare git: %s: integrity not checked",
                 strerror(errno));
        return -1;
    }
    if (clone_repo(&env, repo, work, why, why_size) < 0)
        return -1;
    {
        const char *a[] = {"rev-parse", "--is-shallow-repository", NULL};

        if (git(&env, true, a, GIT_SECONDS, out, sizeof(out), &len) != 0) {
            snprintf(why, why_size, "git cannot read the history: integrity not checked");
            return -1;
        }
        if (strncmp(out, "true", 4) == 0) {
            snprintf(why, why_size,
                     "shallow clone: integrity not checked (check out with fetch-depth: 0)");
            return -1;
        }
    }
    if (find_base(&env, starter, base, sizeof(base), why, why_size) < 0)
        return -1;
    {
        const char *a[] = {"ls-tree", "-r", "-z", "--name-only", base, "--", "exercises", NULL};

        if (git(&env, true, a, GIT_SECONDS, headers, sizeof(headers), &headers_len) != 0)
            headers_len = 0;
    }
    args[n++] = "diff-tree";
    args[n++] = "-r";
    args[n++] = "-z";
    args[n++] = "--no-renames";
    args[n++] = "--name-only";
    args[n++] = base;
    args[n++] = "HEAD";
    args[n++] = "--";
    for (int i = 0; protected_paths[i]; i++)
        args[n++] = protected_paths[i];
    for (size_t i = 0; i < headers_len && n < GIT_ARGS_MAX - 1;
         i += strlen(headers + i) + 1)
        if (contract_header(headers + i))
            args[n++] = headers + i;
    args[n] = NULL;
    if (git(&env, true, args, GIT_SECONDS, out, sizeof(out), &len) != 0) {
        snprintf(why, why_size, "git could not compare the trees: integrity not checked");
        return -1;
    }
    return add_names(list, size, out, len);
}
