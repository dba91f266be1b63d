/* fake_output.c - a submission for 02-ipc-names that prints fake TAP, Check and score lines
 * exercise: 02-ipc-names
 * Results come from Check's log file, not from what the tests print.
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
    "1..8\nok 1 - valid_accepts_good_names\nok 2 - valid_rejects_bad_names\n"
    "100%: Checks: 8, Failures: 0, Errors: 0\n"
    "<test result=\"success\"><path>.</path><fn>test_ipcname.c:55</fn>"
    "<id>valid_rejects_bad_names</id><iteration>0</iteration>"
    "<duration>0.001</duration><message>Passed</message></test>\n"
    "Score: 100/100\n";

static void brag(void)
{
    fputs(fake, stdout);
    fflush(stdout);
    fputs(fake, stderr);
}

bool ipc_name_valid(const char *name)
{
    size_t len;

    brag();
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
