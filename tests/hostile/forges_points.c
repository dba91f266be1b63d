/* forges_points.c - a submission for 02-ipc-names that would rewrite the test program's table of tests, giving every test 100 points
 * exercise: 02-ipc-names
 * It hooks the program from an IFUNC resolver, which the dynamic loader runs
 * before main: the build refuses exercise code with IFUNCs, as it refuses
 * constructors and destructors. (Were the table forged anyway, the grader
 * compares it with the course's own declarations and trusts nothing.)
 * expect: valid_accepts_good_names=COMPILE
 * expect-score: 0
 * expect-output: IFUNC, whose resolver runs before main
 * grade-with: fast
 * max-seconds: 30
 */
#include <stdlib.h>
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char list_path[4096];

static void forge(void)
{
    FILE *f = fopen(list_path, "w");

    if (!f)
        return;
    fputs("valid_accepts_good_names\t100\tgraded\t2\tx.c\t1\n", f);
    fclose(f);
}

/* when the binary is asked for its table (--list FILE), rewrite FILE at exit */
static void hijack(void)
{
    char args[8192] = {0};
    FILE *f = fopen("/proc/self/cmdline", "r");
    size_t n;

    if (!f)
        return;
    n = fread(args, 1, sizeof(args) - 1, f);
    fclose(f);
    for (size_t i = 0; i < n; i += strlen(args + i) + 1)
        if (strcmp(args + i, "--list") == 0 && i + 7 < n) {
            snprintf(list_path, sizeof(list_path), "%s", args + i + 7);
            atexit(forge);
        }
}

static int answer(void)
{
    return 42;
}

/* the loader calls this to pick the code behind `lookup`: a hook before main */
static int (*pick_lookup(void))(void)
{
    hijack();
    return answer;
}

int lookup(void) __attribute__((ifunc("pick_lookup")));

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
    /* pid + counter: unique among live processes, and within this one. The
     * counter is per process, so a forked child (same counter, other pid)
     * still makes names of its own. */
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
