/* calls_the_harness.c - a submission for 02-ipc-names that calls the harness's own end-of-test function, then leaves the test early
 * exercise: 02-ipc-names
 * Exercise code may call only its own functions and the C library: the
 * build refuses a call into the tests' harness or into Check.
 * expect: valid_accepts_good_names=COMPILE
 * expect-score: 0
 * expect-output: calls the tests' own functions (harness_end)
 * grade-with: fast
 * max-seconds: 30
 */
#include "ipcname.h"

#include <errno.h>
#include <unistd.h>

void harness_end(void);

/* "the test is over": then out, before any assertion can fail */
static void claim_success(void)
{
    harness_end();
    _exit(0);
}

bool ipc_name_valid(const char *name)
{
    (void)name;
    claim_success();
    return false;
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    (void)buf;
    (void)size;
    (void)tag;
    claim_success();
    errno = ENOSYS;
    return -1;
}
