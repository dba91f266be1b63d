/* does_not_compile.c - a submission for 02-ipc-names with a syntax error
 * exercise: 02-ipc-names
 * expect: valid_accepts_good_names=COMPILE
 * expect-score: 0
 * expect-output: does not compile
 * grade-with: fast
 * max-seconds: 30
 */
#include "ipcname.h"

bool ipc_name_valid(const char *name)
{
    return name != NULL   /* missing semicolon */
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    (void)buf;
    (void)size;
    (void)tag;
    return -1;
}
