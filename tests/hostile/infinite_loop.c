/* infinite_loop.c - a submission for 02-ipc-names whose validator never returns
 * exercise: 02-ipc-names
 * expect: valid_accepts_good_names=TIMEOUT valid_rejects_bad_names=TIMEOUT
 * expect: made_names_work_with_shm_open_and_sem_open=PASS
 * expect-score: 2.5
 * grade-with: fast
 * max-seconds: 40
 */
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool ipc_name_valid(const char *name)
{
    volatile bool spin = true;

    while (spin)
        ;
    return name != NULL;
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    static unsigned long counter;
    int n;

    if (tag == NULL || tag[0] == '\0' || strchr(tag, '/') != NULL) {
        errno = EINVAL;
        return -1;
    }
    n = snprintf(buf, size, "/%s-%ld-%lu", tag, (long)getpid(), counter++);
    if (n < 0 || (size_t)n >= size) {
        errno = ERANGE;
        return -1;
    }
    return 0;
}
