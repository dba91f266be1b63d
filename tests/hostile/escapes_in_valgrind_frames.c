/* escapes_in_valgrind_frames.c - a submission for 02-ipc-names that writes past a block, in a file named (#line) with terminal escapes, HTML, Markdown and workflow commands
 * exercise: 02-ipc-names
 * Valgrind names the file in the frame the grader reports: it must show as
 * text wherever the reason goes.
 * expect: make_begins_with_tag_and_is_valid=VALGRIND valid_accepts_good_names=PASS
 * expect-score: 4.5
 * expect-output: Invalid write of size 1 at ipc_name_make (\x1b]0;owned\x07\x1b[2J<h1>Score 100 of 100
 * expect-output: ##\x5berror]forged
 * grade-with: valgrind
 * max-seconds: 60
 * display: yes
 */
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool ipc_name_valid(const char *name)
{
    size_t len;

    if (name == NULL || name[0] != '/')
        return false;
    len = strlen(name + 1);
    if (len < 1 || len > IPC_NAME_MAX)
        return false;
    if (strchr(name + 1, '/') != NULL)
        return false;
    return strcmp(name, "/.") != 0 && strcmp(name, "/..") != 0;
}

/* Valgrind shows what follows the last slash of a file name: none here */
#line 1 "\033]0;owned\007\033[2J<h1>Score 100 of 100<img src=x onerror=alert(1)> **bold** [a](b) ::error::forged ##[error]forged =HYPERLINK(1).c"
int ipc_name_make(char *buf, size_t size, const char *tag)
{
    static unsigned long counter;
    int n;

    if (tag != NULL && strcmp(tag, "ring") == 0) {
        /* one byte past a block of four */
        volatile size_t at = 4;
        char *scratch = malloc(4);

        if (scratch)
            scratch[at] = 'x';
        free(scratch);
    }
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
