/* writes_record_in_halves.c - broken atomicity.c for 04-pipe-atomicity: sends each record with two write calls, half at a time, so another writer can get in between
 * expect-fail: each_record_is_one_write
 * grade-with: fast
 */
#include "atomicity.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WRITERS 26

long pipe_atomic_limit(int fd)
{
    return fpathconf(fd, _PC_PIPE_BUF);
}

/* true when the len bytes at rec (len > 0) are all equal. */
static bool record_is_whole(const unsigned char *rec, size_t len)
{
    for (size_t i = 1; i < len; i++)
        if (rec[i] != rec[0])
            return false;
    return true;
}

long count_torn(const unsigned char *stream, size_t len, size_t record_size)
{
    long torn = 0;
    size_t off = 0;

    if ((stream == NULL && len > 0) || record_size == 0) {
        errno = EINVAL;
        return -1;
    }
    while (off < len) {
        size_t n = len - off < record_size ? len - off : record_size;

        if (!record_is_whole(stream + off, n))
            torn++;
        off += n;
    }
    return torn;
}

/* Writes all len bytes of buf to fd, continuing after partial writes. */
static int write_all(int fd, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Child: writes `records` records of `letter` from its copy of rec, then leaves. */
static void run_writer(int wfd, int letter, int records, unsigned char *rec,
                       size_t record_size)
{
    int status = 0;

    memset(rec, letter, record_size);
    for (int i = 0; i < records && status == 0; i++) {
        size_t half = record_size / 2;

        if (write_all(wfd, rec, half) < 0 ||
            write_all(wfd, rec + half, record_size - half) < 0)
            status = 1;
    }
    free(rec);
    _exit(status);
}

/* Forks the writers; returns how many started (fewer than asked: fork's errno). */
static int start_writers(const int fds[2], int writers, int records_each,
                         unsigned char *rec, size_t record_size, pid_t *pids)
{
    int i;

    for (i = 0; i < writers; i++) {
        pid_t pid = fork();

        if (pid < 0)
            break;
        if (pid == 0) {
            close(fds[0]);
            run_writer(fds[1], 'A' + i, records_each, rec, record_size);
        }
        pids[i] = pid;
    }
    return i;
}

/* Counts one record of len bytes read back. */
static void tally(struct interleave_report *report, const unsigned char *rec,
                  size_t len)
{
    report->records++;
    if (!record_is_whole(rec, len))
        report->torn++;
}

/* Reads fd until end of file, one record at a time, into report. */
static int read_records(int rfd, unsigned char *rec, size_t record_size,
                        struct interleave_report *report)
{
    size_t have = 0;

    report->records = 0;
    report->torn = 0;
    for (;;) {
        ssize_t n = read(rfd, rec + have, record_size - have);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        have += (size_t)n;
        if (have == record_size) {
            tally(report, rec, have);
            have = 0;
        }
    }
    if (have > 0)
        tally(report, rec, have);
    return 0;
}

/* Waits for one writer; -1 with EIO when it did not exit with status 0. */
static int reap_writer(pid_t pid)
{
    int status;

    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    errno = EIO;
    return -1;
}

/* Reaps all n writers, even after a failure; -1 with the first failure's errno. */
static int reap_writers(const pid_t *pids, int n)
{
    int ret = 0, saved = 0;

    for (int i = 0; i < n; i++) {
        if (reap_writer(pids[i]) < 0 && ret == 0) {
            ret = -1;
            saved = errno;
        }
    }
    if (ret < 0)
        errno = saved;
    return ret;
}

int pipe_interleave(int writers, int records_each, size_t record_size,
                    struct interleave_report *report)
{
    pid_t pids[MAX_WRITERS];
    unsigned char *rec;
    int fds[2], started, ret = -1, saved;

    if (writers < 1 || writers > MAX_WRITERS || records_each < 1 || record_size == 0 ||
        report == NULL) {
        errno = EINVAL;
        return -1;
    }
    rec = malloc(record_size);
    if (rec == NULL)
        return -1;
    if (pipe(fds) < 0)
        goto out_free;
    started = start_writers(fds, writers, records_each, rec, record_size, pids);
    saved = errno;
    /* from here only the writers hold the write end: EOF comes when they end */
    close(fds[1]);
    if (started == writers) {
        ret = read_records(fds[0], rec, record_size, report);
        saved = errno;
    }
    /* after a failure, closing the read end stops writers still writing */
    close(fds[0]);
    if (reap_writers(pids, started) < 0 && ret == 0) {
        ret = -1;
        saved = errno;
    }
    errno = saved;
out_free:
    saved = errno;
    free(rec);
    errno = saved;
    return ret;
}
