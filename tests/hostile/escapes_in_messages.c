/* escapes_in_messages.c - a submission for 02-ipc-names whose made name, output and file names carry terminal escapes, HTML, Markdown, workflow commands and a spreadsheet formula
 * exercise: 02-ipc-names
 * The name it makes for "ring" reaches the failed check's message (Check
 * itself drops some control characters from it, and writes newlines as
 * &#xA;), the output reaches --verbose, the files' names the leftovers, and
 * the name of a function it refers to (weakly: nothing has that name) what
 * the grader shows for review. Every
 * place shows them as text: control characters by their number in the
 * terminal, the CI log and the gradebook, HTML and Markdown escaped in the
 * job summary, no workflow command but the grader's own, and no line of the
 * table that is not the grader's (nor a score on the TA's batch progress
 * line).
 * expect: make_begins_with_tag_and_is_valid=FAIL valid_accepts_good_names=PASS
 * expect-score: 4.5
 * expect-review: close getenv open \x1b[2J<h1>for-review</h1>**bold**|x
 * expect-output: for review: calls \x1b[2J<h1>for-review</h1>**bold**|x, close, getenv, open
 * expect-output: file \x1b[2J\x07<h1>Score 100 of 100 **bold** =HYPERLINK(1)
 * expect-output: ##\x5berror]forged
 * grade-with: fast
 * max-seconds: 30
 * display: yes
 */
#include "ipcname.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ESC ] title BEL, clear the screen, red; a score of its own; a table closed
 * and a heading; Markdown; a workflow command on a line of its own, one
 * after blanks, an old-style one; a formula; a C1 CSI, a lone 0x9b, DEL, a
 * right-to-left override, CR */
static const char payload[] =
    "/\033]0;owned\007\033[2J\033[31m\007Score: 100/100 </td></table><h1>Score 100/100</h1>"
    "**bold** [link](https://example.com) ![i](https://example.com/i.png) `c` | x"
    "\n::error title=forged::injected by the submission"
    "\n  ::stop-commands::pwned"
    "\n##[error]forged"
    "\n=HYPERLINK(\"https://example.com\",\"x\")\xc2\x9b\x9b\x7f\xe2\x80\xae\rend";

/* A function named with an escape, HTML and Markdown, and a pointer to it
 * (NULL: the reference is weak) */
__asm__(".weak \"\033[2J<h1>for-review</h1>**bold**|x\"\n"
        "\t.section .data.odd,\"aw\"\n"
        "\t.quad \"\033[2J<h1>for-review</h1>**bold**|x\"\n"
        "\t.previous\n");

/* Once per process: the payload on standard output, and files named with
 * escapes and newlines in the work area (leftovers the grader names and
 * removes). */
static void show_off(void)
{
    static int done;
    const char *dir = getenv("TMPDIR");
    char path[512];
    int fd;

    if (done++)
        return;
    fputs(payload, stdout);
    fflush(stdout);
    snprintf(path, sizeof(path), "%s/\033[2J\007<h1>Score 100 of 100 **bold** =HYPERLINK(1)",
             dir ? dir : "/tmp");
    fd = open(path, O_WRONLY | O_CREAT, 0600);
    if (fd >= 0)
        close(fd);
    /* lines that would pass for the table's own */
    snprintf(path, sizeof(path), "%s/x\n02-ipc-names 8 of 8 tests\nScore: 100 of 100",
             dir ? dir : "/tmp");
    fd = open(path, O_WRONLY | O_CREAT, 0600);
    if (fd >= 0)
        close(fd);
}

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

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    static unsigned long counter;
    int n;

    if (tag != NULL && strcmp(tag, "ring") == 0 && size >= sizeof(payload)) {
        show_off();
        memcpy(buf, payload, sizeof(payload));
        return 0;
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
