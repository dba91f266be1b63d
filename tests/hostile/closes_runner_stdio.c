/* closes_runner_stdio.c - a submission for 02-ipc-names whose constructor closes the test runner's stdout and stderr, then prints fake results
 * exercise: 02-ipc-names
 * The harness reopens descriptors 0-2 on /dev/null before Check opens its
 * logs, so the fake results go nowhere and the real ones are graded (were
 * it not to, Check's log would become descriptor 1 and hold the fakes).
 * expect: valid_rejects_bad_names=FAIL valid_accepts_good_names=PASS
 * expect-score: 4
 * grade-with: fast
 * max-seconds: 30
 */
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char fake[] =
    "ok 1 - valid_rejects_bad_names\n"
    "<test result=\"success\"><path>.</path><fn>test_ipcname.c:55</fn>"
    "<id>valid_rejects_bad_names</id><iteration>0</iteration>"
    "<duration>0.001</duration><message>Passed</message></test>\n"
    "Score: 100/100\n";

__attribute__((constructor)) static void close_runner_stdio(void)
{
    close(1);
    close(2);
}

bool ipc_name_valid(const char *name)
{
    size_t len;

    fputs(fake, stdout);
    fflush(stdout);
    if (name == NULL)
        return true;
    if (name == NULL || name[0] != '/')
        return false;
    len = strlen(name + 1);
    if (len < 1 || len > IPC_NAME_MAX)
        return false;
    if (strchr(name + 1, '/') != NULL)
        return false;
    return strcmp(name, "/.") != 0 && strcmp(name, "/..") != 0;
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    static unsigned long counter;
    int n;

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
