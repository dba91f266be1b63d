/* build.c - copies the course and a submission into the work area and compiles them */
#define _GNU_SOURCE
#include "grade.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Seconds a build may take before it counts as hung. */
#define BUILD_LIMIT 120

/* The most a course file copied into the work area may hold. */
#define COURSE_FILE_MAX ((off_t)16 << 20)

/* Copies the regular files of from/ whose names end in one of the suffixes;
 * a link or special file is passed over, never followed or read. */
static int copy_files(const char *from, const char *to, const char *const *suffixes)
{
    int from_fd, to_fd, saved;
    DIR *d = NULL;
    struct dirent *e;

    if (mkdir_p(to, 0755) < 0)
        return -1;
    to_fd = open(to, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (to_fd < 0)
        return -1;
    from_fd = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (from_fd < 0)
        goto out_fail;
    d = fdopendir(from_fd);
    if (!d) {
        saved = errno;
        close(from_fd);
        errno = saved;
        goto out_fail;
    }
    while ((e = readdir(d)) != NULL) {
        bool wanted = false;

        for (const char *const *s = suffixes; *s && !wanted; s++)
            wanted = has_suffix(e->d_name, *s) || strcmp(e->d_name, *s) == 0;
        if (!wanted || e->d_name[0] == '.')
            continue;
        if (copy_file_at(dirfd(d), e->d_name, to_fd, COURSE_FILE_MAX) < 0 &&
            errno != ELOOP && errno != EINVAL)
            goto out_fail;
    }
    closedir(d);
    close(to_fd);
    return 0;
out_fail:
    saved = errno;
    if (d)
        closedir(d);
    close(to_fd);
    errno = saved;
    return -1;
}

/* Runs make in the course copy for one target, with the submission's sources
 * (FOLDER/NAME.c words, checked by the intake) as IMPL_SOURCES: make then
 * lists no folder itself. Its output goes to log. */
static int run_make(const char *work, const char *target, const char *sources,
                    const char *log, char *out, size_t size)
{
    char course[PATH_LEN], impl[PATH_LEN], build[PATH_LEN], headers[PATH_LEN];
    char a_impl[PATH_LEN + 8], a_build[PATH_LEN + 8], a_headers[PATH_LEN + 8];
    struct strbuf a_sources = STRBUF_INIT;
    char *argv[] = {"/usr/bin/env", "make", "-s", "-C", course, a_impl, a_build,
                    a_headers, NULL, (char *)target, NULL};
    char tmpdir[PATH_LEN + 8];
    char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "HOME=/tmp",
                    "MAKEFLAGS=", tmpdir, NULL};
    /* the build reads the course and the submission and writes in build/
     * alone (the compiler's temporary files too) */
    const char *const readable[] = {course, impl, NULL}, *const writable[] = {build, NULL};
    struct run_limits lim = {.wall = BUILD_LIMIT, .output_cap = 64 * 1024,
                             .confine = {readable, writable}};
    struct run_result r;
    int ok;

    snprintf(course, sizeof(course), "%s/course", work);
    snprintf(impl, sizeof(impl), "%s/src", work);
    snprintf(build, sizeof(build), "%s/build", work);
    snprintf(headers, sizeof(headers), "%s/course/exercises", work);
    snprintf(a_impl, sizeof(a_impl), "IMPL=%s", impl);
    snprintf(a_build, sizeof(a_build), "BUILD=%s", build);
    snprintf(a_headers, sizeof(a_headers), "HEADERS=%s", headers);
    snprintf(tmpdir, sizeof(tmpdir), "TMPDIR=%s", build);
    if (strbuf_addf(&a_sources, "IMPL_SOURCES=%s", sources) < 0)
        return -1;
    argv[8] = a_sources.buf;
    ok = run_sandboxed(argv, envp, course, &lim, &r);
    strbuf_release(&a_sources);
    if (ok < 0)
        return -1;
    if (log)
        write_text(log, r.output);
    ok = !r.timed_out && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
    if (out) {
        if (r.timed_out)
            snprintf(out, size, "the build took longer than %d s", BUILD_LIMIT);
        else
            snprintf(out, size, "%s", r.output);
    }
    run_result_free(&r);
    return ok ? 0 : -1;
}

int prepare_course(const struct options *o, const char *work)
{
    static const char *const c_files[] = {".c", ".h", NULL};
    static const char *const harness_files[] = {".c", ".h", "seal-impl", NULL};
    static const char *const ex_files[] = {".h", "ANSWERS.md", NULL};
    char from[PATH_LEN], to[PATH_LEN], log[PATH_LEN];
    DIR *d;
    struct dirent *e;

    snprintf(from, sizeof(from), "%s/Makefile", o->root);
    snprintf(to, sizeof(to), "%s/course", work);
    if (mkdir_p(to, 0755) < 0)
        return -1;
    snprintf(to, sizeof(to), "%s/course/Makefile", work);
    if (copy_file(from, to) < 0)
        return -1;
    snprintf(from, sizeof(from), "%s/tests/harness", o->root);
    snprintf(to, sizeof(to), "%s/course/tests/harness", work);
    if (copy_files(from, to, harness_files) < 0)
        return -1;
    snprintf(from, sizeof(from), "%s/tests", o->root);
    d = opendir(from);
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (!(e->d_name[0] >= '0' && e->d_name[0] <= '9'))
            continue;
        snprintf(from, sizeof(from), "%s/tests/%s", o->root, e->d_name);
        snprintf(to, sizeof(to), "%s/course/tests/%s", work, e->d_name);
        if (is_dir(from) && copy_files(from, to, c_files) < 0)
            break;
        snprintf(from, sizeof(from), "%s/exercises/%s", o->root, e->d_name);
        snprintf(to, sizeof(to), "%s/course/exercises/%s", work, e->d_name);
        if (is_dir(from) && copy_files(from, to, ex_files) < 0)
            break;
    }
    closedir(d);
    if (e)
        return -1;
    snprintf(to, sizeof(to), "%s/src", work);
    mkdir_p(to, 0755);
    snprintf(to, sizeof(to), "%s/build/harness/harness.o", work);
    snprintf(log, sizeof(log), "%s/harness.log", work);
    return run_make(work, to, "", log, NULL, 0);
}

/* Keeps the first few compiler errors, with the work area's paths made
 * into the submission's. */
static void first_errors(const char *log, const char *work, const char *impl, char *note,
                         size_t size)
{
    char src[PATH_LEN], course[PATH_LEN];
    int kept = 0;
    char *copy = strdup(log);

    note[0] = '\0';
    if (!copy)
        return;
    snprintf(src, sizeof(src), "%s/src/", work);
    snprintf(course, sizeof(course), "%s/course/", work);
    for (char *line = strtok(copy, "\n"); line && kept < 5; line = strtok(NULL, "\n")) {
        char *p;

        if (!strstr(line, "error") && !strstr(line, "undefined reference"))
            continue;
        if (strstr(line, "make: ***") || strstr(line, "make[") ||
            strstr(line, "make: Target") ||
            strstr(line, "all warnings being treated as errors"))
            continue;
        if ((p = strstr(line, src)) != NULL)
            append(note, size, "%s%.*s%s/%s", kept ? "\n" : "", (int)(p - line), line,
                   impl, p + strlen(src));
        else if ((p = strstr(line, course)) != NULL)
            append(note, size, "%s%.*s%s", kept ? "\n" : "", (int)(p - line), line,
                   p + strlen(course));
        else
            append(note, size, "%s%s", kept ? "\n" : "", line);
        kept++;
    }
    if (!kept)
        append(note, size, "%s", "the build failed; rerun with --verbose for the log");
    free(copy);
}

/* Adds "folder/name" to words for each name of the space-separated names. */
static int add_folder(struct strbuf *words, const char *folder, const char *names)
{
    const char *p = names;

    while (*p) {
        size_t n = strcspn(p, " ");

        if (n && strbuf_addf(words, "%s%s/%.*s", words->len ? " " : "", folder, (int)n, p) < 0)
            return -1;
        p += n + (p[n] == ' ');
    }
    return 0;
}

int build_exercise(const struct options *o, const char *work, struct exercise *e)
{
    static const char *const hdr_files[] = {".h", NULL};
    struct strbuf names = STRBUF_INIT, sources = STRBUF_INIT;
    char from[PATH_LEN], to[PATH_LEN], target[PATH_LEN], log[PATH_LEN];
    char *out;
    int rc = -1;

    /* the submission's files, as data (intake.c), then the course's contract
     * headers over them */
    snprintf(to, sizeof(to), "%s/src/%s", work, e->name);
    if (intake_exercise(o, e->name, to, &names, e->note, sizeof(e->note)) < 0) {
        e->state = errno == ENOENT ? EX_MISSING : EX_BROKEN;
        goto out;
    }
    snprintf(from, sizeof(from), "%s/course/exercises/%s", work, e->name);
    if ((is_dir(from) && copy_files(from, to, hdr_files) < 0) ||
        add_folder(&sources, e->name, strbuf_str(&names)) < 0)
        goto out_io;
    snprintf(target, sizeof(target), "%s/build/%s/test", work, e->name);
    snprintf(log, sizeof(log), "%s/%s/build.log", work, e->name);
    out = malloc(64 * 1024 + 1);
    if (!out)
        goto out_io;
    rc = run_make(work, target, strbuf_str(&sources), log, out, 64 * 1024 + 1);
    if (rc < 0) {
        e->state = EX_NO_BUILD;
        first_errors(out, work, o->impl, e->note, sizeof(e->note));
    }
    free(out);
    goto out;
out_io:
    e->state = EX_BROKEN;
    snprintf(e->note, sizeof(e->note), "cannot copy the submission: %s", strerror(errno));
out:
    strbuf_release(&names);
    strbuf_release(&sources);
    return rc;
}
