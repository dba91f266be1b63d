/* util.c - small file and string helpers for the grader */
#define _GNU_SOURCE
#include "grade.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The most copy_file copies: the course's files are far smaller. */
#define COPY_MAX ((off_t)64 << 20)

double now_seconds(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void (*fatal_hook)(const char *message);

void fatal(const char *fmt, ...)
{
    char message[PATH_LEN + 256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    fprintf(stderr, "grade: %s\n", message);
    if (fatal_hook)
        fatal_hook(message);
    exit(2);
}

int mkdir_p(const char *path, mode_t mode)
{
    char buf[PATH_LEN];

    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    if (flag == FTW_DP)
        chmod(path, 0700); /* a submission may have made it read-only */
    remove(path);
    return 0;
}

static int open_up(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)f;
    if (flag == FTW_D || flag == FTW_DNR)
        chmod(path, (st->st_mode & 07777) | 0700);
    return 0;
}

int remove_tree(const char *path)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    nftw(path, open_up, 32, FTW_PHYS);
    return nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS);
}

/* Copies in to out, at most max bytes; -1 with errno EFBIG when in holds more. */
static int copy_fd(int in, int out, off_t max)
{
    char buf[65536];
    off_t total = 0;
    ssize_t n;

    while ((n = read(in, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        total += n;
        if (total > max) {
            errno = EFBIG;
            return -1;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));

            if (w < 0) {
                if (errno == EINTR)
                    continue;
                return -1;
            }
            done += w;
        }
    }
    return 0;
}

int open_regular_at(int dir, const char *name, off_t max)
{
    struct stat st;
    int fd, saved;

    fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0)
        goto out_close;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        goto out_close;
    }
    if (st.st_size > max) {
        errno = EFBIG;
        goto out_close;
    }
    return fd;
out_close:
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

/* Copies in (closed here) into the file to_name of to_dir, made or emptied;
 * the file is removed again when the copy fails. */
static int copy_into(int in, int to_dir, const char *to_name, off_t max)
{
    int out, saved;

    out = openat(to_dir, to_name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                 0644);
    if (out < 0)
        goto out_in;
    if (copy_fd(in, out, max) < 0)
        goto out_out;
    close(in);
    return close(out);
out_out:
    saved = errno;
    close(out);
    unlinkat(to_dir, to_name, 0);
    errno = saved;
out_in:
    saved = errno;
    close(in);
    errno = saved;
    return -1;
}

int copy_file_at(int from_dir, const char *name, int to_dir, off_t max)
{
    int in = open_regular_at(from_dir, name, max);

    return in < 0 ? -1 : copy_into(in, to_dir, name, max);
}

int copy_file(const char *from, const char *to)
{
    int in = open_regular_at(AT_FDCWD, from, COPY_MAX);

    return in < 0 ? -1 : copy_into(in, AT_FDCWD, to, COPY_MAX);
}

char *read_text(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    char *buf;
    size_t n = 0;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    buf = malloc(max + 1);
    if (!buf) {
        close(fd);
        return NULL;
    }
    while (n < max) {
        ssize_t r = read(fd, buf + n, max - n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");

    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f) == 0 ? 0 : -1;
}

void append(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;

    if (len + 1 >= size)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if (sb->len + (size_t)n + 1 > sb->alloc) {
        size_t alloc = (sb->len + (size_t)n + 1) * 2;
        char *buf = realloc(sb->buf, alloc);

        if (!buf)
            return -1;
        sb->buf = buf;
        sb->alloc = alloc;
    }
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
    return 0;
}

void strbuf_release(struct strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->alloc = 0;
}

const char *strbuf_str(const struct strbuf *sb)
{
    return sb->buf ? sb->buf : "";
}

int strbuf_add_shown(struct strbuf *sb, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int rc;

        if (*p == '\n')
            rc = strbuf_addf(sb, "\\n");
        else if (*p == '\\')
            rc = strbuf_addf(sb, "\\\\");
        else if (*p < 0x20 || *p >= 0x7f)
            rc = strbuf_addf(sb, "\\x%02x", *p);
        else
            rc = strbuf_addf(sb, "%c", *p);
        if (rc < 0)
            return -1;
    }
    return 0;
}

bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);

    return n > s && strcmp(name + n - s, suffix) == 0;
}

bool is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const char *verdict_word(enum verdict v)
{
    switch (v) {
    case V_PASS:
        return "pass";
    case V_FAIL:
        return "FAIL";
    case V_TIMEOUT:
        return "TIMEOUT";
    case V_CRASH:
        return "CRASH";
    case V_VALGRIND:
        return "VALGRIND";
    case V_LEFTOVER:
        return "LEFTOVER";
    case V_EXIT:
        return "EXIT";
    case V_NOT_RUN:
        return "NOT RUN";
    }
    return "?";
}
