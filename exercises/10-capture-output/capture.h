/* capture.h - run a command or a pipeline and capture what it writes (contract) */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stddef.h>

/*
 * What one run produced. Both buffers are malloc'd by the capture functions
 * and owned by the caller, who releases them with capture_free.
 */
struct capture {
    char *out;      /* all bytes the command wrote to stdout, NUL-terminated */
    size_t out_len; /* not counting the NUL */
    char *err;      /* likewise for stderr */
    size_t err_len;
    int status;     /* wait status as waitpid reports it */
};

/*
 * Runs the program argv[0] with the arguments argv (NULL-terminated); a name
 * without '/' is searched in PATH. Its stdin is /dev/null; its stdout and
 * stderr go to two pipes that the caller reads at the same time, as data
 * arrives, so a command that fills one of them while the other is being read
 * never deadlocks. The command inherits no descriptor of the capture besides
 * 0, 1 and 2. When both streams have ended, the command is reaped.
 *
 * Returns 0 whatever the command's exit status: c->out and c->err hold
 * everything written to stdout and stderr (any bytes, NUL included; each
 * buffer is non-NULL and has a NUL after its last byte even when empty), and
 * c->status the wait status (WIFEXITED, WEXITSTATUS, WIFSIGNALED, WTERMSIG).
 * A program that cannot be executed (missing, not executable) shows as exit
 * status 127; the child it was to run in leaves with _exit, so it flushes
 * nothing that the caller had buffered.
 *
 * *c need not be initialised: it is overwritten.
 * Errors (-1, only for failures in the caller's own process; *c is then
 * zeroed, when c is not NULL): EINVAL when argv or c is NULL or argv[0] is
 * NULL; the errno of a failing pipe2, open, fork, poll, read, malloc or
 * waitpid (EMFILE, EAGAIN, ENOMEM, ...). On every path, success or failure,
 * no descriptor and no child process is left behind (a command already
 * started when the caller fails is killed with SIGKILL and reaped).
 */
int capture_output(char *const argv[], struct capture *c);

/*
 * (bonus) Runs the pipeline cmds[0] | cmds[1] | ... | cmds[n - 1]: each
 * cmds[i] is an argv as for capture_output. The first command reads
 * /dev/null, each next one reads what the one before it writes, c->out is
 * the last command's stdout, c->err what all the commands wrote to stderr,
 * and c->status the last command's wait status (after every command has been
 * reaped). No command and not the caller holds a pipe end it does not use,
 * so every command sees end of file when the one before it finishes, and a
 * writer whose reader has gone (yes | head -n 3) ends.
 *
 * Returns 0 as capture_output does. Errors (-1, *c zeroed when c is not
 * NULL): EINVAL when n is 0, cmds or c is NULL, or some cmds[i] is NULL or
 * empty; otherwise as capture_output. Nothing is left behind.
 */
int capture_pipeline(char *const *const cmds[], size_t n, struct capture *c);

/*
 * Frees c->out and c->err and sets every member of *c to zero. Harmless on
 * a zeroed struct (and so when called twice).
 */
void capture_free(struct capture *c);

#endif
