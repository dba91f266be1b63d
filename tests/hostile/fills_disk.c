/* fills_disk.c - a correct 02-ipc-names that, in the test that makes names in several processes, writes files of 64 MiB without end into its folder, /tmp, /var/tmp and /dev/shm
 * exercise: 02-ipc-names
 * What a run may write is bounded in total, not only file by file: the
 * run's places share one bounded tmpfs (with a namespace) or the watchdog
 * adds up what the run wrote (without), and stops the run with a verdict
 * that says so before the machine's disk fills: the tests before keep
 * their points, the ones after do not run (the places are full).
 * expect: made_names_are_unique_across_processes=CRASH valid_accepts_good_names=PASS
 * expect: make_reports_erange_and_writes_nothing_past_size=NOT_RUN
 * expect-score: 3.5
 * expect-output: MiB of files and was stopped
 * grade-with: fast
 * max-seconds: 60
 * expect-review: close open write
 */
#include "ipcname.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Writes 64 MiB files in turn in each place, whatever fails: never
 * returns. */
static void fill(void)
{
    static char block[1 << 20];
    static const char *const places[] = {".", "/tmp", "/var/tmp", "/dev/shm"};

    memset(block, 'x', sizeof(block));
    for (unsigned n = 0;; n++) {
        char path[256];
        int fd;

        snprintf(path, sizeof(path), "%s/fill-%ld-%u", places[n % 4], (long)getpid(), n);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
            continue;
        for (int i = 0; i < 64; i++)
            if (write(fd, block, sizeof(block)) < 0)
                break;
        close(fd);
    }
}

bool ipc_name_valid(const char *name)
{
    size_t len;
    const char *rest;

    if (name == NULL || name[0] != '/')
        return false;
    rest = name + 1;
    len = strlen(rest);
    if (len < 1 || len > IPC_NAME_MAX || strchr(rest, '/'))
        return false;
    return strcmp(rest, ".") != 0 && strcmp(rest, "..") != 0;
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    static unsigned long counter;
    int n;

    if (tag && strcmp(tag, "p") == 0)
        fill();
    if (tag == NULL || tag[0] == '\0' || strchr(tag, '/') != NULL) {
        errno = EINVAL;
        return -1;
    }
    n = snprintf(NULL, 0, "/%s-%ld-%lu", tag, (long)getpid(), counter);
    if (n < 0)
        return -1;
    if ((size_t)n - 1 > IPC_NAME_MAX) {
        errno = EINVAL;
        return -1;
    }
    if (buf == NULL || (size_t)n >= size) {
        errno = ERANGE;
        return -1;
    }
    snprintf(buf, size, "/%s-%ld-%lu", tag, (long)getpid(), counter++);
    return 0;
}
