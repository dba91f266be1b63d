/* integrity.c - lists protected files that a submission changed since its starter commit */
#define _GNU_SOURCE
#include "grade.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/*
 * Runs git -C repo with args; its standard output goes into out. Returns its
 * exit status, or -1. The checkout may belong to another user (the grader
 * runs as root in CI, over the runner's checkout): git is told to trust it,
 * and not to start any program the repository's configuration names.
 */
static int git(const char *repo, const char *const *args, char *out, size_t size)
{
    const char *argv[GIT_ARGS_MAX + 10] = {"git", "-c", "safe.directory=*", "-c",
                                           "core.fsmonitor=false", "-c",
                                           "core.hooksPath=/dev/null", "-C", repo};
    int fds[2], status, n = 9;
    size_t len = 0;
    pid_t pid;

    for (const char *const *a = args; *a && n < GIT_ARGS_MAX + 9; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int null_fd = open("/dev/null", O_WRONLY);

        dup2(fds[1], 1);
        if (null_fd >= 0)
            dup2(null_fd, 2);
        execvp("git", (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    for (;;) {
        char buf[4096];
        ssize_t r = read(fds[0], buf, sizeof(buf));

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r && len + 1 < size; i++)
            out[len++] = buf[i];
    }
    out[len] = '\0';
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void trim(char *s)
{
    size_t n = strlen(s);

    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
}

/* Adds each line of text to the comma-separated list (once). */
static int add_lines(char *list, size_t size, char *text)
{
    int added = 0;

    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char needle[PATH_LEN + 4];

        snprintf(needle, sizeof(needle), "%s,", line);
        if (strstr(list, needle))
            continue;
        append(list, size, "%s,", line);
        added++;
    }
    return added;
}

int check_integrity(const char *repo, const char *starter, char *list, size_t size,
                    char *why, size_t why_size)
{
    static char out[1 << 16], headers[1 << 14];
    char base[128];
    const char *args[GIT_ARGS_MAX];
    int n = 0, changed = 0;

    list[0] = '\0';
    why[0] = '\0';
    {
        const char *a[] = {"rev-parse", "--is-shallow-repository", NULL};

        if (git(repo, a, out, sizeof(out)) != 0) {
            snprintf(why, why_size, "not a git checkout: integrity not checked");
            return -1;
        }
        if (strncmp(out, "true", 4) == 0) {
            snprintf(why, why_size,
                     "shallow clone: integrity not checked (check out with fetch-depth: 0)");
            return -1;
        }
    }
    if (starter && *starter) {
        const char *a[] = {"rev-parse", "--verify", "--quiet", starter, NULL};

        if (git(repo, a, out, sizeof(out)) != 0) {
            snprintf(why, why_size, "no commit '%s': integrity not checked", starter);
            return -1;
        }
    } else {
        const char *a[] = {"rev-list", "--max-parents=0", "HEAD", NULL};

        if (git(repo, a, out, sizeof(out)) != 0 || !out[0]) {
            snprintf(why, why_size, "no starter commit: integrity not checked");
            return -1;
        }
        /* several roots (merged histories): the oldest is listed last */
        trim(out);
        if (strrchr(out, '\n'))
            memmove(out, strrchr(out, '\n') + 1, strlen(strrchr(out, '\n') + 1) + 1);
    }
    trim(out);
    snprintf(base, sizeof(base), "%s", out);

    {
        const char *a[] = {"ls-tree", "-r", "--name-only", base, "--", "exercises", NULL};

        if (git(repo, a, headers, sizeof(headers)) != 0)
            headers[0] = '\0';
    }
    args[n++] = "diff";
    args[n++] = "--name-only";
    args[n++] = base;
    args[n++] = "--";
    for (int i = 0; protected_paths[i]; i++)
        args[n++] = protected_paths[i];
    for (char *h = strtok(headers, "\n"); h && n < (int)(sizeof(args) / sizeof(args[0])) - 1;
         h = strtok(NULL, "\n")) {
        size_t len = strlen(h);

        /* exercises/NN-topic/name.h, nothing deeper */
        if (len > 2 && strcmp(h + len - 2, ".h") == 0 && strchr(h + 10, '/') &&
            !strchr(strchr(h + 10, '/') + 1, '/'))
            args[n++] = h;
    }
    args[n] = NULL;
    if (git(repo, args, out, sizeof(out)) != 0) {
        snprintf(why, why_size, "git diff failed: integrity not checked");
        return -1;
    }
    changed += add_lines(list, size, out);
    n = 0;
    args[n++] = "ls-files";
    args[n++] = "--others";
    args[n++] = "--exclude-standard";
    args[n++] = "--";
    for (int i = 0; protected_paths[i]; i++)
        args[n++] = protected_paths[i];
    args[n] = NULL;
    if (git(repo, args, out, sizeof(out)) == 0)
        changed += add_lines(list, size, out);
    if (list[0])
        list[strlen(list) - 1] = '\0'; /* the last comma */
    return changed;
}
