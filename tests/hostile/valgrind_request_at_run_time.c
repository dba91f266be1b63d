/* valgrind_request_at_run_time.c - a correct 02-ipc-names that leaks, and makes a Valgrind client request (stop looking for leaks) from code it writes into executable memory at run time, where the build cannot see it
 * exercise: 02-ipc-names
 * The code under test runs only the code it was compiled to: its calls
 * that would make memory executable (mmap, mprotect, syscall) fail, so the
 * request is never made and the leak costs its test.
 * expect: make_begins_with_tag_and_is_valid=VALGRIND valid_accepts_good_names=PASS
 * expect: made_names_work_with_shm_open_and_sem_open=VALGRIND
 * expect-score: 1.5
 * expect-review: mmap mprotect syscall
 * grade-with: valgrind
 * max-seconds: 60
 */
#define _GNU_SOURCE
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * x86_64: mov %rdi,%rax; mov %rsi,%rdx; Valgrind's preamble (four rol of
 * %rdi); xchg %rbx,%rbx (the request); mov %rdx,%rax; ret. Stored with each
 * byte xor 0x5a, so that the object holds no preamble.
 */
static const unsigned char hidden[] = {
    0x48 ^ 0x5a, 0x89 ^ 0x5a, 0xf8 ^ 0x5a, 0x48 ^ 0x5a, 0x89 ^ 0x5a, 0xf2 ^ 0x5a,
    0x48 ^ 0x5a, 0xc1 ^ 0x5a, 0xc7 ^ 0x5a, 0x03 ^ 0x5a, 0x48 ^ 0x5a, 0xc1 ^ 0x5a,
    0xc7 ^ 0x5a, 0x0d ^ 0x5a, 0x48 ^ 0x5a, 0xc1 ^ 0x5a, 0xc7 ^ 0x5a, 0x3d ^ 0x5a,
    0x48 ^ 0x5a, 0xc1 ^ 0x5a, 0xc7 ^ 0x5a, 0x33 ^ 0x5a, 0x48 ^ 0x5a, 0x87 ^ 0x5a,
    0xdb ^ 0x5a, 0x48 ^ 0x5a, 0x89 ^ 0x5a, 0xd0 ^ 0x5a, 0xc3 ^ 0x5a};

/* Asks Valgrind to stop checking for leaks, by every way there is to
 * executable memory. */
static void blind_valgrind(void)
{
#if defined(__x86_64__)
    static unsigned long args[6] = {0x1203 /* CLO_CHANGE */, 0, 0, 0, 0, 0};
    unsigned long (*request)(unsigned long *, unsigned long);
    unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (code == MAP_FAILED) {
        code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (code == MAP_FAILED)
            return;
        for (size_t i = 0; i < sizeof(hidden); i++)
            code[i] = hidden[i] ^ 0x5a;
        if (mprotect(code, 4096, PROT_READ | PROT_EXEC) < 0 &&
            syscall(SYS_mprotect, code, 4096, PROT_READ | PROT_EXEC) < 0)
            return; /* no way left: the leak stays visible */
    } else {
        for (size_t i = 0; i < sizeof(hidden); i++)
            code[i] = hidden[i] ^ 0x5a;
    }
    args[1] = (unsigned long)"--leak-check=no";
    *(void **)&request = code;
    request(args, 0);
#endif
}

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

    blind_valgrind();
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
