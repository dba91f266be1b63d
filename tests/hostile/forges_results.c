/* forges_results.c - a submission for 02-ipc-names that, from inside a test, writes fake passing results into every descriptor it can reach (its own and its parent's), with fake "end" events, then leaves with status 0
 * exercise: 02-ipc-names
 * Check's log reaches the grader through a pipe that test processes do not
 * hold, the runner cannot be reached through /proc, and an "end" event
 * counts only with a token the harness makes with a key the code under
 * test never sees: every test that calls the code ends early and scores 0.
 * (Descriptors 0-2 and Check's own message files are spared: output is
 * never trusted, and garbage in Check's messages only kills the runner.)
 * expect: valid_accepts_good_names=EXIT make_begins_with_tag_and_is_valid=EXIT make_reports_erange_and_writes_nothing_past_size=EXIT
 * expect-score: 0
 * expect-review: __sysv_signal close getppid open readlink write /proc/%ld/fd/%d
 * expect-output: ended before the test finished
 * grade-with: fast
 * max-seconds: 30
 */
#include "ipcname.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const names[] = {
    "valid_accepts_good_names", "valid_rejects_bad_names",
    "make_begins_with_tag_and_is_valid", "made_names_work_with_shm_open_and_sem_open",
    "made_names_are_unique_within_a_process", "made_names_are_unique_across_processes",
    "make_rejects_bad_tags_with_einval", "make_reports_erange_and_writes_nothing_past_size"};

static void forge_into(int fd)
{
    char line[512];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        int n = snprintf(line, sizeof(line),
                         "<test result=\"success\"><path>.</path><fn>test_ipcname.c:1</fn>"
                         "<id>%s</id><iteration>0</iteration><duration>0.001</duration>"
                         "<description>%s</description><message>Passed</message></test>\n"
                         "end %s %ld 0123456789abcdef\n",
                         names[i], names[i], names[i], (long)getpid());

        if (n > 0 && write(fd, line, (size_t)n) < 0) {
            /* not writable: the next one */
        }
    }
}

/* true when fd is one of Check's message files (/tmp/check_XXXXXX) */
static bool checks_own(int fd)
{
    char path[64], target[256];
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    n = readlink(path, target, sizeof(target) - 1);
    if (n < 0)
        return false;
    target[n] = '\0';
    return strstr(target, "/check_") != NULL;
}

static void forge_everywhere(void)
{
    char path[64];

    signal(SIGPIPE, SIG_IGN); /* some pipes have no reader left */
    for (int fd = 3; fd < 1024; fd++)
        if (!checks_own(fd))
            forge_into(fd);
    for (int fd = 0; fd < 1024; fd++) {
        int mine;

        snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)getppid(), fd);
        mine = open(path, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC);
        if (mine >= 0) {
            forge_into(mine);
            close(mine);
        }
    }
    _exit(0);
}

bool ipc_name_valid(const char *name)
{
    (void)name;
    forge_everywhere();
    return false;
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    (void)buf;
    (void)size;
    (void)tag;
    forge_everywhere();
    errno = ENOSYS;
    return -1;
}
