/* ignores_sigterm.c - a submission for 02-ipc-names that ignores and blocks every signal it can, then spins
 * exercise: 02-ipc-names
 * expect: valid_rejects_bad_names=TIMEOUT valid_accepts_good_names=PASS
 * expect-score: 4
 * expect-review: __sysv_signal fork setsid sigfillset sigprocmask
 * grade-with: fast
 * max-seconds: 40
 */
#include "ipcname.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void stubborn(void)
{
    sigset_t all;

    for (int sig = 1; sig <= 64; sig++)
        signal(sig, SIG_IGN);
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    if (fork() == 0)
        setsid();
    for (;;)
        ;
}

bool ipc_name_valid(const char *name)
{
    size_t len;

    if (name == NULL)
        stubborn();
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
