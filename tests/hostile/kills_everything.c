/* kills_everything.c - a submission for 02-ipc-names that sends SIGKILL to every process it may signal (kill(-1)) when it makes a name
 * exercise: 02-ipc-names
 * kill(-1) reaches only the run: as root and through a user namespace it is
 * alone in a PID namespace; elsewhere Landlock (Linux 6.12 and later) keeps
 * its signals inside the run. The grader, the other exercise and the TA's
 * own processes go on; the test program dies with the first test that
 * calls ipc_name_make.
 * expect: valid_accepts_good_names=PASS valid_rejects_bad_names=PASS
 * expect: make_begins_with_tag_and_is_valid=CRASH
 * expect-score: 1.5
 * expect-review: kill
 * expect-output: the test program itself was killed
 * grade-with: fast
 * survives: yes
 * max-seconds: 40
 */
#include "ipcname.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

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
    (void)buf;
    (void)size;
    (void)tag;
    kill(-1, SIGKILL);
    errno = ENOSYS;
    return -1;
}
