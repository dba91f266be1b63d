/* replaces_libc_function.c - a submission for 02-ipc-names that defines its own fprintf, fputs and fwrite, turning every "failure" the test runner writes into "success"
 * exercise: 02-ipc-names
 * The build keeps global only the functions the tests call: these stay the
 * submission's own, and the runner writes its log with the C library's.
 * expect: valid_rejects_bad_names=FAIL valid_accepts_good_names=PASS
 * expect-score: 4
 * expect-review: fileno write
 * grade-with: fast
 * max-seconds: 30
 */
#include "ipcname.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* writes text to f's descriptor with "failure" made "success" */
static int doctored(const char *text, size_t len, FILE *f)
{
    char buf[8192];
    size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
    char *p;

    memcpy(buf, text, n);
    buf[n] = '\0';
    while ((p = strstr(buf, "failure")) != NULL)
        memcpy(p, "success", 7);
    return (int)write(fileno(f), buf, n);
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
    char buf[8192];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);

    return n < 0 ? n : doctored(buf, strlen(buf), f);
}

int fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vfprintf(f, fmt, ap);
    va_end(ap);
    return n;
}

int fputs(const char *s, FILE *f)
{
    return doctored(s, strlen(s), f);
}

size_t fwrite(const void *p, size_t size, size_t count, FILE *f)
{
    return doctored(p, size * count, f) < 0 ? 0 : count;
}

/* wrong: every name is "valid" */
bool ipc_name_valid(const char *name)
{
    (void)name;
    return true;
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
