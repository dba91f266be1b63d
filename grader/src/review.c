/* review.c - what a submission's code names that its exercise has no reason for */
#define _GNU_SOURCE
#include "grade.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * A test sees what the code under test does when the test calls it. Code
 * written against the harness could also act on the test's own process in
 * ways no assertion sees: read its memory, trace it, make a system call of
 * its own. No unit-test grader can stop all of that from inside the test's
 * process; a person reading the code can, and this file says where to look.
 *
 * What the code names is in its sealed object: the functions and data it
 * takes from the C library (tests/harness/seal-impl writes them, as the
 * code names them, to impl.o.calls) and the strings it holds. The calls
 * that neither tests/harness/allowed-calls (any exercise) nor the
 * exercise's own tests/NN-topic/allowed-calls lists, and the strings that
 * name another process's files or the grader's own variables, are kept in
 * the exercise's review and shown "for review". A review never changes a
 * score. It reads the object as data and runs nothing of it; it is made
 * before the tests run, so that nothing they do can change what it reads.
 */

/* Bytes read at a time from the object, and the most that a string kept as
 * a mention may have (the end of a read is kept for the next one, so that a
 * string across two reads is seen whole). */
#define SCAN_CHUNK (64 * 1024)
#define MENTION_LEN 80

/* A list of allowed names: the files' text, cut into names in place. */
struct allowed {
    char *text[2];
    char **names;
    size_t n;
};

/* Adds the names of the list file at path (missing: none) to a, which
 * keeps the file's text in a->text[slot]. */
static int allowed_read(const char *path, struct allowed *a, int slot)
{
    char *line, *save = NULL;

    a->text[slot] = read_text(path, 256 * 1024, NULL);
    if (!a->text[slot])
        return errno == ENOENT ? 0 : -1;
    for (line = strtok_r(a->text[slot], "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *hash = strchr(line, '#'), *name, *in = NULL;

        if (hash)
            *hash = '\0';
        for (name = strtok_r(line, " \t\r", &in); name; name = strtok_r(NULL, " \t\r", &in)) {
            char **grown = realloc(a->names, (a->n + 1) * sizeof(*grown));

            if (!grown)
                return -1;
            a->names = grown;
            a->names[a->n++] = name;
        }
    }
    return 0;
}

static bool allowed_has(const struct allowed *a, const char *name)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->names[i], name) == 0)
            return true;
    return false;
}

static void allowed_free(struct allowed *a)
{
    free(a->text[0]);
    free(a->text[1]);
    free(a->names);
}

/* Keeps text (its first len bytes) in list, once; counts it in more when
 * the list is full. */
static void keep(char (*list)[NAME_LEN], int *n, int *more, const char *text, size_t len)
{
    char item[NAME_LEN];

    snprintf(item, sizeof(item), "%.*s", (int)len, text);
    for (int i = 0; i < *n; i++)
        if (strcmp(list[i], item) == 0)
            return;
    if (*n == REVIEW_MAX) {
        (*more)++;
        return;
    }
    memcpy(list[(*n)++], item, sizeof(item));
}

/* The calls listed in the file at path (a name a line) that a does not
 * allow, into r. A name longer than a line buffer is judged by its start,
 * which no allowed name is. */
static int review_calls(const char *path, const struct allowed *a, struct review *r)
{
    FILE *f = fopen(path, "re");
    char line[512];

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        size_t len = strcspn(line, "\n");
        bool whole = line[len] == '\n' || feof(f);
        int c;

        line[len] = '\0';
        if (len > 0 && (!whole || !allowed_has(a, line)))
            keep(r->calls, &r->ncalls, &r->more, line, len);
        while (!whole && (c = getc(f)) != EOF && c != '\n')
            ; /* the rest of a long name */
    }
    fclose(f);
    return 0;
}

/* Bytes of a path, or of a format that makes one ("/proc/%d/mem"). */
static bool path_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("/._-%", c));
}

/* Length of the first component of path p (n bytes), up to a '/'. */
static size_t component(const char *p, size_t n)
{
    const char *slash = memchr(p, '/', n);

    return slash ? (size_t)(slash - p) : n;
}

static bool is(const char *p, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(p, word, n) == 0;
}

/*
 * true when the path p (n bytes, from "/proc") reaches into a process:
 * "/proc" or "/proc/" alone (a start for any process's files), another
 * process's directory ("/proc/1/...", "/proc/%d/..."), or anything of the
 * code's own but its descriptors ("/proc/self/mem", "/proc/self/maps",
 * "/proc/self/exe"; "/proc/self/fd" lists what to close before an exec).
 * The machine's own files ("/proc/sys/fs/pipe-max-size") are not.
 */
static bool reaches_process(const char *p, size_t n)
{
    size_t len;

    if (n == 5)
        return true;
    if (p[5] != '/')
        return false; /* "/process" */
    p += 6;
    n -= 6;
    len = component(p, n);
    if (len == 0 || p[0] == '%' || (p[0] >= '0' && p[0] <= '9'))
        return true;
    if (!is(p, len, "self") && !is(p, len, "thread-self"))
        return false;
    if (len + 1 >= n)
        return true; /* "/proc/self", "/proc/self/" */
    p += len + 1;
    n -= len + 1;
    len = component(p, n);
    return !is(p, len, "fd") && !is(p, len, "fdinfo");
}

/* Looks at the bytes from buf[at] (len in all): keeps a mention that starts
 * there. */
static void look_at(const char *buf, size_t at, size_t len, struct review *r)
{
    const char *p = buf + at;
    size_t n = 0;

    if (*p == '/' && len - at >= 5 && memcmp(p, "/proc", 5) == 0) {
        while (at + n < len && n < MENTION_LEN && path_byte((unsigned char)p[n]))
            n++;
        if (reaches_process(p, n))
            keep(r->mentions, &r->nmentions, &r->more, p, n);
    } else if (*p == 'G' && len - at >= 7 && memcmp(p, "GRADER_", 7) == 0) {
        /* the harness's variables: where its channels and key are */
        while (at + n < len && n < MENTION_LEN &&
               ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9') || p[n] == '_'))
            n++;
        keep(r->mentions, &r->nmentions, &r->more, p, n);
    }
}

/* The mentions in the object at path, all of it (a string may be in any
 * section: the build has bounded the file's size). */
static int review_strings(const char *path, struct review *r)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf = malloc(SCAN_CHUNK + MENTION_LEN);
    size_t kept = 0;
    int rc = -1;

    if (fd < 0 || !buf)
        goto out;
    for (;;) {
        ssize_t n = read(fd, buf + kept, SCAN_CHUNK);
        size_t len, done;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto out;
        len = kept + (size_t)n;
        /* a mention starting in the last MENTION_LEN bytes waits for the
         * next read, unless there is none */
        done = n == 0 ? len : len - (len < MENTION_LEN ? len : MENTION_LEN);
        for (size_t at = 0; at < done; at++)
            look_at(buf, at, len, r);
        if (n == 0)
            break;
        kept = len - done;
        memmove(buf, buf + done, kept);
    }
    rc = 0;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

void review_exercise(const char *root, const char *build_dir, struct exercise *e)
{
    struct review *r = &e->review;
    struct allowed a = {0};
    char path[PATH_LEN];

    memset(r, 0, sizeof(*r));
    snprintf(path, sizeof(path), "%s/tests/harness/allowed-calls", root);
    if (allowed_read(path, &a, 0) < 0)
        goto out;
    snprintf(path, sizeof(path), "%s/tests/%s/allowed-calls", root, e->name);
    if (allowed_read(path, &a, 1) < 0)
        goto out;
    snprintf(path, sizeof(path), "%s/impl.o.calls", build_dir);
    if (review_calls(path, &a, r) < 0)
        goto out;
    snprintf(path, sizeof(path), "%s/impl.o", build_dir);
    if (review_strings(path, r) < 0)
        goto out;
    r->done = true;
out:
    if (!r->done)
        memset(r, 0, sizeof(*r));
    allowed_free(&a);
}

bool review_flagged(const struct review *r)
{
    return r->ncalls || r->nmentions || r->more;
}

/* Appends "word a, b" for the n names of list to buf, after "; " when buf
 * holds something already. */
static void list_text(char *buf, size_t size, const char *word,
                      const char (*list)[NAME_LEN], int n)
{
    for (int i = 0; i < n; i++) {
        if (i == 0)
            append(buf, size, "%s%s ", buf[0] ? "; " : "", word);
        append(buf, size, "%s%s", i ? ", " : "", list[i]);
    }
}

void review_text(const struct review *r, char *buf, size_t size)
{
    buf[0] = '\0';
    list_text(buf, size, "calls", r->calls, r->ncalls);
    list_text(buf, size, "mentions", r->mentions, r->nmentions);
    if (r->more)
        append(buf, size, "%sand %d more", buf[0] ? "; " : "", r->more);
}
