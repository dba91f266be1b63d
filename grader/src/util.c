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

int copy_file(const char *from, const char *to)
{
    char buf[65536];
    int in, out, saved;
    ssize_t n;

    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0)
        goto out_in;
    while ((n = read(in, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto out_out;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));

            if (w < 0) {
                if (errno == EINTR)
                    continue;
                goto out_out;
            }
            done += w;
        }
    }
    close(in);
    return close(out);
out_out:
    saved = errno;
    close(out);
    errno = saved;
out_in:
    saved = errno;
    close(in);
    errno = saved;
    return -1;
}

char *read_text(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "re");
    char *buf;
    size_t n;

    if (!f)
        return NULL;
    buf = malloc(max + 1);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    n = fread(buf, 1, max, f);
    fclose(f);
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
