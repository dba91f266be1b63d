/* valgrind_client_request.c - a correct 02-ipc-names that leaks, and asks Valgrind (a client request) to stop looking for leaks
 * exercise: 02-ipc-names
 * Client requests change how Valgrind checks the code: the build refuses
 * them, so the exercise scores 0 with a message that says why.
 * expect: valid_accepts_good_names=COMPILE
 * expect-score: 0
 * expect-output: uses Valgrind client requests
 * grade-with: valgrind
 * max-seconds: 60
 */
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

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
    char *scratch;
    int n;

    VALGRIND_CLO_CHANGE("--leak-check=no");
    VALGRIND_DISABLE_ERROR_REPORTING;
    if (tag == NULL || tag[0] == '\0' || strchr(tag, '/')) {
        errno = EINVAL;
        return -1;
    }
    scratch = malloc(512); /* never freed */
    if (scratch == NULL)
        return -1;
    n = snprintf(scratch, 512, "/%s-%ld-%lu", tag, (long)getpid(), counter);
    if (n < 0 || n - 1 > IPC_NAME_MAX) {
        errno = EINVAL;
        return -1;
    }
    if ((size_t)n >= size) {
        errno = ERANGE;
        return -1;
    }
    memcpy(buf, scratch, (size_t)n + 1);
    counter++;
    return 0;
}
