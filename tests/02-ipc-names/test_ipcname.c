/* test_ipcname.c - tests of 02-ipc-names: validating and making IPC names */
#include "harness.h"
#include "ipcname.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int compare_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Fails the test when two of the n names (each 64 bytes) are equal. */
static void assert_distinct(char (*names)[64], size_t n, const char *where)
{
    qsort(names, n, sizeof(names[0]), compare_names);
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            ck_abort_msg("%s: \"%s\" was made twice", where, names[i]);
}

/* A name of one slash followed by len copies of c. */
static char *repeated(size_t len, char c)
{
    char *s = malloc(len + 2);

    ck_assert_ptr_nonnull(s);
    s[0] = '/';
    memset(s + 1, c, len);
    s[len + 1] = '\0';
    return s;
}

GRADED_TEST(valid_accepts_good_names, 0.5, 2)
{
    static const char *good[] = {"/a", "/ring-42", "/...", "/.hidden", "/a.b_c-d"};
    char *longest = repeated(IPC_NAME_MAX, 'x');

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_msg(ipc_name_valid(good[i]), "ipc_name_valid(\"%s\") returned false",
                      good[i]);
    ck_assert_msg(ipc_name_valid(longest),
                  "a name of IPC_NAME_MAX (%d) characters after the slash is valid",
                  IPC_NAME_MAX);
    free(longest);
}

GRADED_TEST(valid_rejects_bad_names, 1, 2)
{
    static const char *bad[] = {"", "/", "a", "ring", "/a/b", "//a", "/a/", "/.", "/.."};
    char *too_long = repeated(IPC_NAME_MAX + 1, 'x');

    /* a predicate that says no to everything rejects nothing in particular */
    ck_assert_msg(ipc_name_valid("/a"), "ipc_name_valid(\"/a\") must be true for "
                                        "its rejections to mean anything");
    ck_assert_msg(!ipc_name_valid(NULL), "ipc_name_valid(NULL) returned true");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!ipc_name_valid(bad[i]), "ipc_name_valid(\"%s\") returned true",
                      bad[i]);
    ck_assert_msg(!ipc_name_valid(too_long),
                  "a name of IPC_NAME_MAX + 1 characters after the slash is too long");
    free(too_long);
}

GRADED_TEST(make_begins_with_tag_and_is_valid, 0.5, 2)
{
    char name[300], start[64];

    ck_assert_msg(ipc_name_make(name, sizeof(name), "ring") == 0,
                  "ipc_name_make failed: %s", strerror(errno));
    snprintf(start, sizeof(start), "/ring-");
    ck_assert_msg(strncmp(name, start, strlen(start)) == 0,
                  "name \"%s\" does not begin with \"%s\"", name, start);
    ck_assert_msg(ipc_name_valid(name), "made name \"%s\" is not valid", name);
}

GRADED_TEST(made_names_work_with_shm_open_and_sem_open, 1, 3)
{
    char name[300];
    int fd;
    sem_t *sem;

    ck_assert_int_eq(ipc_name_make(name, sizeof(name), test_prefix()), 0);
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd >= 0, "shm_open(\"%s\") failed: %s", name, strerror(errno));
    close(fd);
    shm_unlink(name);
    sem = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
    ck_assert_msg(sem != SEM_FAILED, "sem_open(\"%s\") failed: %s", name,
                  strerror(errno));
    sem_close(sem);
    sem_unlink(name);
}

GRADED_TEST(made_names_are_unique_within_a_process, 0.5, 3)
{
    enum { N = 1000 };
    static char names[N][64];

    for (int i = 0; i < N; i++)
        if (ipc_name_make(names[i], sizeof(names[i]), "u") != 0)
            ck_abort_msg("call %d failed: %s", i, strerror(errno));
    assert_distinct(names, N, "one process");
}

GRADED_TEST(made_names_are_unique_across_processes, 0.5, 5)
{
    enum { KIDS = 4, EACH = 50 };
    char seen[(KIDS + 1) * EACH][64];
    int fds[2];
    size_t n = 0;

    ck_assert_int_eq(pipe(fds), 0);
    /* the parent makes names first, so forked children start from the same
     * counter value and only the process identity can tell them apart */
    for (int i = 0; i < EACH; i++)
        ck_assert_int_eq(ipc_name_make(seen[n++], 64, "p"), 0);
    for (int k = 0; k < KIDS; k++) {
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            for (int i = 0; i < EACH; i++) {
                char name[64] = {0};

                if (ipc_name_make(name, sizeof(name), "p") != 0 ||
                    write(fds[1], name, sizeof(name)) != (ssize_t)sizeof(name))
                    _exit(1);
            }
            _exit(0);
        }
    }
    close(fds[1]);
    while (n < sizeof(seen) / sizeof(seen[0]) &&
           read(fds[0], seen[n], 64) == 64)
        n++;
    close(fds[0]);
    for (int k = 0; k < KIDS; k++) {
        int status;

        ck_assert_int_gt(wait(&status), 0);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "ipc_name_make failed in a forked child");
    }
    ck_assert_int_eq(n, sizeof(seen) / sizeof(seen[0]));
    assert_distinct(seen, n, "several processes");
}

GRADED_TEST(make_rejects_bad_tags_with_einval, 0.5, 2)
{
    char name[300];
    char *long_tag = repeated(IPC_NAME_MAX, 't');
    static const char *bad[] = {"", "a/b", "/"};

    errno = 0;
    ck_assert_int_eq(ipc_name_make(name, sizeof(name), NULL), -1);
    ck_assert_msg(errno == EINVAL, "NULL tag: errno %d (%s), expected EINVAL", errno,
                  strerror(errno));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        errno = 0;
        ck_assert_int_eq(ipc_name_make(name, sizeof(name), bad[i]), -1);
        ck_assert_msg(errno == EINVAL, "tag \"%s\": errno %d (%s), expected EINVAL",
                      bad[i], errno, strerror(errno));
    }
    /* the tag alone fills the limit: the whole name would be too long */
    errno = 0;
    ck_assert_int_eq(ipc_name_make(name, sizeof(name), long_tag + 1), -1);
    ck_assert_msg(errno == EINVAL,
                  "a name longer than IPC_NAME_MAX: errno %d (%s), expected EINVAL",
                  errno, strerror(errno));
    /* and in a small buffer too: no size would make that name valid */
    errno = 0;
    ck_assert_int_eq(ipc_name_make(name, 16, long_tag + 1), -1);
    ck_assert_msg(errno == EINVAL,
                  "a name longer than IPC_NAME_MAX, buffer of 16 bytes: errno %d (%s), "
                  "expected EINVAL (check the length before the buffer's size)",
                  errno, strerror(errno));
    free(long_tag);
}

GRADED_TEST(make_reports_erange_and_writes_nothing_past_size, 0.5, 2)
{
    char buf[64], fits[64];
    size_t need;

    ck_assert_int_eq(ipc_name_make(fits, sizeof(fits), "tag"), 0);
    need = strlen(fits) + 1; /* later names are at least as long */
    for (size_t size = 0; size < need; size++) {
        memset(buf, '#', sizeof(buf));
        errno = 0;
        ck_assert_msg(ipc_name_make(buf, size, "tag") == -1,
                      "size %zu is too small for \"%s\" but the call succeeded", size,
                      fits);
        ck_assert_msg(errno == ERANGE, "size %zu: errno %d (%s), expected ERANGE", size,
                      errno, strerror(errno));
        for (size_t i = size; i < sizeof(buf); i++)
            ck_assert_msg(buf[i] == '#', "size %zu: byte %zu was written", size, i);
    }
}
