/* grade.h - the grader's shared types: exercises, tests, verdicts, options */
#ifndef GRADE_H
#define GRADE_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NAME_LEN 96
#define PATH_LEN 1024
#define REASON_LEN 1536
#define MAX_EXERCISES 64
#define MAX_TESTS 128

/* Exit statuses that the harness and Valgrind give a test process. */
#define VALGRIND_EXIT 97
#define EARLY_EXIT 86

enum verdict {
    V_PASS,
    V_FAIL,      /* an assertion failed */
    V_TIMEOUT,   /* Check's per-test limit */
    V_CRASH,     /* killed by a signal */
    V_VALGRIND,  /* memcheck error or leak in the test's processes */
    V_LEFTOVER,  /* the audit found something left behind */
    V_EXIT,      /* the code under test ended the test's process */
    V_NOT_RUN,   /* the test program stopped before this test */
};

struct test {
    char name[NAME_LEN];
    double points;
    bool bonus;
    double seconds; /* native limit */
    char file[PATH_LEN];
    int line;
    /* results */
    enum verdict verdict;
    double earned;
    double duration;
    char where[PATH_LEN]; /* file of the failing check */
    int where_line;
    char reason[REASON_LEN]; /* one to five lines, '\n' separated */
};

/* What the code of an exercise names that the exercise has no reason for
 * (review.c): shown "for review", never part of a score. */
#define REVIEW_MAX 24
#define REVIEW_TEXT_LEN (2 * REVIEW_MAX * (NAME_LEN + 2) + 64) /* review_text's */
struct review {
    bool done;     /* the sealed object was read (it was built) */
    int ncalls;    /* calls outside the allowed lists, as the object names them */
    int nmentions; /* strings that reach into processes or the harness */
    int more;      /* found beyond the REVIEW_MAX of each kept here */
    char calls[REVIEW_MAX][NAME_LEN];
    char mentions[REVIEW_MAX][NAME_LEN];
};

enum ex_state {
    EX_GRADED,
    EX_WRITTEN,      /* no code: answers only */
    EX_NO_BUILD,     /* did not compile */
    EX_MISSING,      /* the submission has no folder for it */
    EX_BROKEN,       /* the test program could not list or run its tests */
};

struct exercise {
    char name[NAME_LEN];
    enum ex_state state;
    int ntests;
    struct test tests[MAX_TESTS];
    double max, earned, bonus_max, bonus_earned;
    int passed;
    double seconds; /* wall time to build and run */
    bool has_answers; /* the course has an ANSWERS.md template for it */
    int questions, answered;
    char note[REASON_LEN];      /* build errors, or why it could not run */
    char leftovers[REASON_LEN]; /* what the sandbox found and removed */
    struct review review;
};

struct options {
    char root[PATH_LEN];  /* the course checkout: tests, headers, Makefile */
    char impl[PATH_LEN];  /* the implementation folders */
    char only[1024];
    char test[NAME_LEN];
    bool valgrind;
    int jobs;
    char json[PATH_LEN];
    bool github;
    double fail_under;
    bool has_fail_under;
    bool verbose;
    bool color;
    double time_scale; /* limit multiplier under Valgrind */
    char student[PATH_LEN]; /* batch: the student's checkout */
    bool tampered;
    char tampered_files[REASON_LEN];
    bool check_integrity;     /* --github, --batch or --starter */
    char starter[128];        /* --starter REV; default the root commit */
    char integrity_note[256]; /* why integrity could not be checked */
    char out_dir[PATH_LEN];   /* batch: where the gradebook goes */
    bool quiet;               /* batch: no table on stdout */
    char ipc_base[24];        /* g<grader's pid>x: each exercise's IPC prefix
                                 is this and its index */
};

/* build.c */
int prepare_course(const struct options *o, const char *work);
int build_exercise(const struct options *o, const char *work, struct exercise *e);

/* run.c */

/* The descriptors a test run gets for its results (the harness reads their
 * numbers from GRADER_XML_FD, GRADER_EVENTS_FD, GRADER_KEY_FD and
 * GRADER_VALGRIND_FD; Valgrind from --log-fd). */
#define CHANNEL_XML_FD 200
#define CHANNEL_EVENTS_FD 201
#define CHANNEL_KEY_FD 202
#define CHANNEL_VALGRIND_FD 203
#define CHANNELS 4
#define CHANNEL_KEY_LEN 16

/* What a run may touch besides the system's programs and libraries
 * (landlock.c): folders whose files it may read and run, and folders it may
 * write in (and read, but never run from). NULL-terminated, NULL for none. */
struct confinement {
    const char *const *run;
    const char *const *write;
};

struct run_limits {
    double wall;        /* seconds for the whole run */
    size_t output_cap;  /* bytes of output kept */
    bool channels;      /* a test run: give it the result channels above */
    bool valgrind_log;  /* with channels: and a pipe for Valgrind's log */
    bool tests;         /* runs the test program: as tests_user() */
    bool scratch_cwd;   /* its folder (cwd) is scratch: bounded, and with a
                           namespace private to the run and gone after it */
    struct confinement confine;
};
struct run_result {
    int status;         /* wait status of the program */
    bool timed_out;
    char *output;       /* what it printed (capped), NUL-terminated */
    size_t output_len;
    bool output_cut;
    int stray;          /* processes still alive after it ended */
    bool out_of_memory; /* the watchdog stopped the whole run (memory, processes) */
    long memory_peak;   /* bytes: the most the run's processes held at once */
    /* with channels: Check's XML log, the events (each line headed by the
     * pid of the process that sent it, as the kernel says; -1 for the
     * sandbox's own notes), Valgrind's log, all NUL-terminated, and the key
     * that "end" events must be signed with (token.h) */
    char *xml;
    size_t xml_len;
    char *events;
    size_t events_len;
    char *valgrind;
    size_t valgrind_len;
    bool valgrind_cut; /* longer than its cap: the rest was dropped */
    unsigned char key[CHANNEL_KEY_LEN];
};
/* 0 when the program ran (r then holds what run_result_free releases); -1
 * with errno when it could not start, nothing left open and r empty. */
int run_sandboxed(char *const argv[], char *const envp[], const char *cwd,
                  const struct run_limits *lim, struct run_result *r);
void run_result_free(struct run_result *r);
bool sandbox_is_namespace(void);
void sandbox_init(void);
/* The layers that runs get here, in a few words (after sandbox_init); in
 * *contains_signals whether they keep the code under test from signalling
 * processes outside its run (the grader's, the user's own). */
const char *sandbox_layers(bool *contains_signals);
/* The users that runs have as root: sandbox_user() for builds, one of this
 * grader's alone; tests_user() for the test programs, one of this process's
 * alone (a worker's: each exercise's tests then have their own process
 * limit, even where no pids cgroup can hold them). As a normal user, both
 * are the user. */
uid_t sandbox_user(void);
uid_t tests_user(void);
/* As root without a namespace: removes what this process's user (the
 * worker's tests', else the grader's) left in /tmp, /var/tmp and /dev/shm. */
void sandbox_sweep(void);

/* cgroup.c: a run's control groups, as root where the machine has them */
struct run_cgroups {
    char pids[PATH_LEN], cpu[PATH_LEN], memory[PATH_LEN]; /* "" for none */
};
/* Finds which controllers runs can have; once, before any run. */
void cgroups_init(void);
/* true when runs' memory is counted by a memory cgroup. */
bool cgroups_count_memory(void);
/* Makes a run's cgroups (those there are): 0, or -1 with nothing left made. */
int cgroups_make(struct run_cgroups *c, int pids_max, long memory_limit);
/* Moves this process into c's cgroups (in the run's first process). */
void cgroups_join(const struct run_cgroups *c);
/* Bytes the run holds now, as its memory cgroup counts them; -1 for none. */
long cgroups_memory(const struct run_cgroups *c);
/* true when the kernel killed a process of the run for its memory limit. */
bool cgroups_oom_killed(const struct run_cgroups *c);
/* Removes c's cgroups (waiting a little for the last processes to go). */
void cgroups_remove(struct run_cgroups *c);

/* landlock.c */
/* The Landlock ABI this kernel offers (0: none, or GRADER_NO_LANDLOCK). */
int landlock_abi(void);
/* Confines this process and all it will start to c and the system: 0, or
 * -1 when the kernel refused (0 without Landlock: nothing to do). */
int landlock_confine(const struct confinement *c);

/* seccomp.c */
/* Makes socket() fail with EACCES for network families in this process and
 * all it starts: 0, or -1 with errno (0 where the filter is not built). */
int seccomp_no_network(void);

/* results.c */
int list_tests(const char *listing, struct exercise *e);
int scan_tests(const char *dir, struct exercise *e);
/* Verdicts of e's tests from what a run of its test program gave (r: its
 * XML log, events, Valgrind's log when valgrind, and the key). */
void read_results(const struct run_result *r, bool valgrind, const char *srcdir,
                  double scale, struct exercise *e);

/* answers.c */
void check_answers(const char *template_path, const char *answers_path,
                   struct exercise *e);

/* review.c */
/* Reviews the sealed object that the build of e left in build_dir (impl.o,
 * and impl.o.calls: what it calls) against the allowed lists of the course
 * at root (tests/harness/allowed-calls and tests/<e>/allowed-calls), into
 * e->review; left not done when they cannot be read. Runs nothing. */
void review_exercise(const char *root, const char *build_dir, struct exercise *e);
/* true when r holds something for review. */
bool review_flagged(const struct review *r);
/* r as "calls ptrace, syscall; mentions /proc/self/mem" ("" for nothing),
 * into buf of REVIEW_TEXT_LEN bytes. */
void review_text(const struct review *r, char *buf, size_t size);

/* report.c */
void report_table(const struct options *o, struct exercise *ex, int n, double wall);
int report_json(const struct options *o, const char *path, struct exercise *ex, int n,
                double wall);
void report_github(const struct options *o, struct exercise *ex, int n);
void report_github_error(const char *message);

/* integrity.c: the number of protected files of the checkout repo that its
 * HEAD commit changed since starter (its root commit when empty), named
 * comma-separated in list; -1 with why when it cannot tell. Its git commands
 * read a clone that they make in the folder work. */
int check_integrity(const char *repo, const char *starter, const char *work, char *list,
                    size_t size, char *why, size_t why_size);

/* main.c: grades o->impl against the course in o->root; the score. */
double grade_submission(struct options *o, double *max, double *bonus);
const struct exercise *graded_exercises(int *n);

/* batch.c */
int grade_batch(struct options *o, char **dirs, int ndirs);

/* util.c */

/* A growable string (after Git's strbuf): {NULL, 0, 0} is the empty one. */
struct strbuf {
    char *buf;
    size_t len, alloc;
};
#define STRBUF_INIT {NULL, 0, 0}
/* Appends the formatted text; -1 with errno ENOMEM (sb unchanged). */
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s as it may be shown anywhere: bytes outside printable ASCII (and
 * the backslash) written as \n, \\ or \xNN; -1 with errno ENOMEM. */
int strbuf_add_shown(struct strbuf *sb, const char *s);
/* The text so far ("" when empty); valid until the next change. */
const char *strbuf_str(const struct strbuf *sb);
void strbuf_release(struct strbuf *sb);

double now_seconds(void);
int mkdir_p(const char *path, mode_t mode);
int remove_tree(const char *path);
/* Opens the file name of folder dir (AT_FDCWD: a path) for reading, without
 * following a link in its last part and without blocking. The descriptor, or
 * -1 with errno: ELOOP for a link, EINVAL when it is not a regular file (a
 * FIFO, device, socket or folder), EFBIG when it holds more than max bytes,
 * or open's. */
int open_regular_at(int dir, const char *name, off_t max);
/* Copies the regular file name of from_dir into to_dir under the same name,
 * at most max bytes; 0, or -1 with errno as open_regular_at's (EFBIG also
 * when the file grew past max while copied), nothing left in to_dir. */
int copy_file_at(int from_dir, const char *name, int to_dir, off_t max);
/* copy_file_at for paths: copies the regular file from to the file to. */
int copy_file(const char *from, const char *to);
/* Up to max bytes of the regular file path, NUL-terminated, length in *len;
 * NULL with errno when it cannot be read or is not a regular file (EINVAL):
 * it never waits on a FIFO or a device. The caller frees it. */
char *read_text(const char *path, size_t max, size_t *len);
int write_text(const char *path, const char *text);
void append(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* true when name ends in suffix and holds more than it. */
bool has_suffix(const char *name, const char *suffix);
bool is_dir(const char *path);
bool is_file(const char *path);
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Called by fatal with its message before the exit (--github: say it there). */
extern void (*fatal_hook)(const char *message);
const char *verdict_word(enum verdict v);

/* escape.c: text that may come from a submission (what it printed, a failed
 * check's message, a file name, a compiler's or Valgrind's report), written
 * for the place that shows it. Each shows control characters, formatting
 * characters and bytes that are not UTF-8 by their number (\x1b, \u202e)
 * and breaks GitHub workflow commands ("::" opening a line, "##["), so the
 * text neither acts on a terminal or a CI log nor hides part of itself. At
 * most max bytes of text are shown, whole characters, "..." when cut. */
/* For a terminal (or a CI log): as it is but for the above. */
void term_write(FILE *f, const char *text, size_t max);
/* For Markdown and HTML (the GitHub job summary), inline, as in a table cell:
 * HTML's specials as entities, Markdown's escaped, a newline as <br>. */
void md_write(FILE *f, const char *text, size_t max);
/* A fenced Markdown code block holding text, fences included. */
void md_code_write(FILE *f, const char *text);
/* The message (or a property value) of a GitHub workflow command: escaped
 * as the runner unescapes it, so the command ends where the grader ends it. */
void command_write(FILE *f, const char *text, bool property);
/* One CSV field: quoted when it must be; one that a spreadsheet would run as
 * a formula (opening with =, +, -, @ or a tab) starts with a quote mark. */
void csv_write(FILE *f, const char *text);
/* A JSON string (its quotes included) that always parses. */
void json_write(FILE *f, size_t max, const char *text);

/* intake.c: a submission's files, taken into the work area as data */

/*
 * Copies the sources (*.c), headers (*.h) and ANSWERS.md of exercise name of
 * the submission o->impl into the folder dest (made), never following a link
 * below the folder the user gave and never reading anything but a regular
 * file. Adds the names of the .c files taken to sources (when not NULL),
 * space-separated. 0 when the folder's files were all taken; otherwise -1
 * with errno, and note saying why: ENOENT when the submission has no such
 * folder, EPERM when entries were refused (each named, with why), another
 * errno when the folder could not be read. What was taken stays in dest.
 */
int intake_exercise(const struct options *o, const char *name, const char *dest,
                    struct strbuf *sources, char *note, size_t size);

#endif
