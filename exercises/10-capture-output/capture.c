/* capture.c - run a command or a pipeline and capture what it writes (your code) */
#include "capture.h"

#include <errno.h>

/*
 * TODO: make the pipes, fork, wire the child's 0, 1 and 2 with dup2 and
 * exec; in the caller, read both pipes as data arrives (poll(2)), then reap.
 * Linux-only calls such as pipe2 need `#define _GNU_SOURCE` above the
 * first #include.
 */
int capture_output(char *const argv[], struct capture *c)
{
    (void)argv;
    (void)c;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

/* TODO (bonus): one pipe between each pair of neighbouring commands. */
int capture_pipeline(char *const *const cmds[], size_t n, struct capture *c)
{
    (void)cmds;
    (void)n;
    (void)c;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

void capture_free(struct capture *c)
{
    (void)c; /* TODO: free both buffers, then zero the struct */
}
