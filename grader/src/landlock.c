/* landlock.c - the sandbox's Landlock layer: what a run may read, write, run, connect to and signal */
#define _GNU_SOURCE
#include "grade.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * Landlock (Linux 5.13 and later) lets an unprivileged process give up
 * rights for itself and everything it starts; nothing can take the limits
 * back. What each version of its interface (its ABI) adds, and what a run
 * gets from it:
 *   1 (5.13)  files: the run reads and runs only the system's programs and
 *             libraries and what the grader names (its work area's build);
 *             it writes only in the places the grader names (its own run
 *             folder and scratch places), and runs nothing it wrote there.
 *             Processes outside the run cannot be traced (ptrace).
 *   2 (5.19)  moving files between folders (refer) is controlled too.
 *   3 (6.2)   truncating files is controlled too.
 *   4 (6.7)   TCP: the run can neither connect nor listen.
 *   6 (6.12)  signals: the run cannot signal a process outside it (the
 *             grader, the TA's shell: kill(-1) reaches only the run), nor
 *             connect to an abstract Unix socket outside it.
 * Without Landlock (GRADER_NO_LANDLOCK, or an older kernel) none of this
 * holds; grade.h's landlock_abi() tells which version there is.
 */

/* Newer than some systems' headers (Debian 12's are of Linux 6.1). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* The ruleset's attributes up to ABI 6 (older headers lack the last two). */
struct ruleset_attr {
    __u64 handled_access_fs;
    __u64 handled_access_net;
    __u64 scoped;
};

#define READ_RIGHTS (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define WRITE_RIGHTS                                                                   \
    (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                  \
     LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |                  \
     LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                      \
     LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |                    \
     LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)

/* What every program needs to read and run: the system's programs,
 * libraries and settings, and the kernel's views. */
static const char *const system_paths[] = {"/usr", "/bin", "/sbin", "/lib", "/lib32",
                                           "/lib64", "/libx32", "/etc", "/opt", NULL};
static const char *const kernel_paths[] = {"/proc", "/sys", "/dev", NULL};

int landlock_abi(void)
{
    long abi;

    if (getenv("GRADER_NO_LANDLOCK"))
        return 0;
    abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi > 0 ? (int)abi : 0;
}

/* The rights that a file (not a folder) can be given. */
#define FILE_RIGHTS                                                                    \
    (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                     \
     LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)

/* Gives each existing path of paths the rights (those the ruleset handles). */
static void allow(int ruleset, const char *const *paths, __u64 rights, __u64 handled)
{
    for (int i = 0; paths && paths[i]; i++) {
        struct landlock_path_beneath_attr rule = {.allowed_access = rights & handled};
        struct stat st;

        rule.parent_fd = open(paths[i], O_PATH | O_CLOEXEC);
        if (rule.parent_fd < 0)
            continue;
        if (fstat(rule.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
            rule.allowed_access &= FILE_RIGHTS;
        syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
        close(rule.parent_fd);
    }
}

int landlock_confine(const struct confinement *c)
{
    int abi = landlock_abi();
    __u64 fs = READ_RIGHTS | WRITE_RIGHTS | LANDLOCK_ACCESS_FS_EXECUTE;
    struct ruleset_attr attr = {0};
    size_t size = sizeof(__u64); /* ABI 1 to 3 know the first field only */
    int ruleset, rc;

    if (abi < 1)
        return 0;
    if (abi >= 2)
        fs |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
    attr.handled_access_fs = fs;
    if (abi >= 4) {
        attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
        size = 2 * sizeof(__u64);
    }
    if (abi >= 6) {
        attr.scoped = LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
        size = 3 * sizeof(__u64);
    }
    ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0)
        return -1;
    allow(ruleset, system_paths, READ_RIGHTS | LANDLOCK_ACCESS_FS_EXECUTE, fs);
    /* the devices a program opens (/dev/null, /dev/tty ...) for writing too */
    allow(ruleset, kernel_paths, READ_RIGHTS, fs);
    allow(ruleset, (const char *const[]){"/dev/null", "/dev/zero", "/dev/full",
                                         "/dev/random", "/dev/urandom", NULL},
          READ_RIGHTS | LANDLOCK_ACCESS_FS_WRITE_FILE, fs);
    allow(ruleset, c->run, READ_RIGHTS | LANDLOCK_ACCESS_FS_EXECUTE, fs);
    /* written, never run: the run executes nothing it wrote */
    allow(ruleset, c->write, READ_RIGHTS | WRITE_RIGHTS | LANDLOCK_ACCESS_FS_REFER |
                                 LANDLOCK_ACCESS_FS_TRUNCATE,
          fs);
    rc = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
                 syscall(SYS_landlock_restrict_self, ruleset, 0) == 0
             ? 0
             : -1;
    close(ruleset);
    return rc;
}
