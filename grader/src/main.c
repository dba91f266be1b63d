/*
 * main.c - the grader: builds each exercise against a submission, runs its
 * Check tests under Valgrind in a sandbox, and prints the score.
 *
 * Why C: the grader's job is the week's own material (fork, exec, pipes,
 * process groups, time limits, waiting for children), so the course's TAs can
 * read and fix it with what they teach, and it needs nothing beyond the C
 * toolchain the exercises already need. grader/grade, a thin shell script,
 * installs missing tools, builds this program and runs it.
 */
#define _GNU_SOURCE
#include "grade.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Default multiplier of test time limits under Valgrind. */
#define VALGRIND_SCALE 5.0

static char work_root[PATH_LEN];

static void usage(FILE *out)
{
    fputs("usage: grader/grade [options]\n"
          "  --impl DIR       folder holding the NN-topic implementation folders\n"
          "                   (default: exercises; the TA's check is --impl solutions)\n"
          "  --only LIST      comma-separated exercise folder names (default: all)\n"
          "  --test NAME      one test of the (single) exercise named by --only\n"
          "  --no-valgrind    functional run only, for a fast edit-test loop\n"
          "  --jobs N         exercises graded at once (default: the number of CPUs)\n"
          "  --json FILE      results in Gradescope's results.json form\n"
          "  --github         also: job summary, annotations, GitHub Classroom result\n"
          "  --fail-under N   exit 1 when the score is below N\n"
          "  --verbose        the full output of every failed test\n"
          "  --batch DIR...   grade each student checkout DIR with this course's tests;\n"
          "                   writes a CSV gradebook and each student's JSON to --out\n"
          "  --out DIR        where --batch writes (default: grades)\n"
          "  --starter REV    the starter commit for the integrity check (default: the\n"
          "                   checkout's root commit; checked with --github and --batch)\n"
          "  --time-scale F   multiply test time limits by F under Valgrind (default 5)\n",
          out);
}

static const char *find_program(const char *name, char *buf, size_t size)
{
    const char *dirs[] = {"/usr/local/bin", "/usr/bin", "/bin", NULL};

    for (int i = 0; dirs[i]; i++) {
        snprintf(buf, size, "%s/%s", dirs[i], name);
        if (access(buf, X_OK) == 0)
            return buf;
    }
    return NULL;
}

static bool batch_mode;

static void parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longs[] = {
        {"impl", required_argument, NULL, 'i'},
        {"only", required_argument, NULL, 'o'},
        {"test", required_argument, NULL, 't'},
        {"no-valgrind", no_argument, NULL, 'n'},
        {"jobs", required_argument, NULL, 'j'},
        {"json", required_argument, NULL, 'J'},
        {"github", no_argument, NULL, 'g'},
        {"fail-under", required_argument, NULL, 'f'},
        {"verbose", no_argument, NULL, 'v'},
        {"time-scale", required_argument, NULL, 's'},
        {"root", required_argument, NULL, 'r'},
        {"batch", no_argument, NULL, 'b'},
        {"out", required_argument, NULL, 'O'},
        {"starter", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    char *end;

    memset(o, 0, sizeof(*o));
    snprintf(o->impl, sizeof(o->impl), "exercises");
    snprintf(o->root, sizeof(o->root), ".");
    o->valgrind = true;
    o->jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    o->time_scale = VALGRIND_SCALE;
    o->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    opterr = 0; /* one line of our own instead of getopt's */
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'i':
            snprintf(o->impl, sizeof(o->impl), "%s", optarg);
            break;
        case 'o':
            snprintf(o->only, sizeof(o->only), "%s", optarg);
            break;
        case 't':
            snprintf(o->test, sizeof(o->test), "%s", optarg);
            break;
        case 'n':
            o->valgrind = false;
            break;
        case 'j':
            o->jobs = (int)strtol(optarg, &end, 10);
            if (*end || o->jobs < 1 || o->jobs > 64)
                fatal("--jobs wants a number from 1 to 64, not '%s'", optarg);
            break;
        case 'J':
            snprintf(o->json, sizeof(o->json), "%s", optarg);
            break;
        case 'g':
            o->github = true;
            fatal_hook = report_github_error;
            o->check_integrity = true;
            break;
        case 'f':
            o->fail_under = strtod(optarg, &end);
            if (*end)
                fatal("--fail-under wants a number, not '%s'", optarg);
            o->has_fail_under = true;
            break;
        case 'v':
            o->verbose = true;
            break;
        case 's':
            o->time_scale = strtod(optarg, &end);
            if (*end || o->time_scale < 1 || o->time_scale > 100)
                fatal("--time-scale wants a number from 1 to 100, not '%s'", optarg);
            break;
        case 'r':
            snprintf(o->root, sizeof(o->root), "%s", optarg);
            break;
        case 'b':
            batch_mode = true;
            o->check_integrity = true;
            break;
        case 'O':
            snprintf(o->out_dir, sizeof(o->out_dir), "%s", optarg);
            break;
        case 'S':
            snprintf(o->starter, sizeof(o->starter), "%s", optarg);
            o->check_integrity = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            fatal("unknown option or missing value: '%s' (grader/grade --help lists them)",
                  argv[optind - 1]);
        }
    }
    if (optind < argc && !batch_mode)
        fatal("unexpected argument '%s' (see grader/grade --help)", argv[optind]);
    if (batch_mode && optind == argc)
        fatal("--batch needs at least one student checkout");
    if (batch_mode && (o->test[0] || o->json[0] || o->github))
        fatal("--batch writes its own JSON; it takes no --test, --json or --github");
    if (!o->out_dir[0])
        snprintf(o->out_dir, sizeof(o->out_dir), "grades");
    if (o->test[0] && (!o->only[0] || strchr(o->only, ',')))
        fatal("--test needs exactly one exercise in --only (make grade EX=... TEST=...)");
    if (!o->valgrind)
        o->time_scale = 1;
}

static bool selected(const struct options *o, const char *name)
{
    char list[1024];

    if (!o->only[0])
        return true;
    snprintf(list, sizeof(list), "%s", o->only);
    for (char *s = strtok(list, ","); s; s = strtok(NULL, ","))
        if (strcmp(s, name) == 0)
            return true;
    return false;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct exercise *)a)->name, ((const struct exercise *)b)->name);
}

/* The course's exercises: the NN-topic folders of tests/. */
static int discover(const struct options *o, struct exercise *ex)
{
    char path[PATH_LEN];
    DIR *d;
    struct dirent *e;
    int n = 0;

    snprintf(path, sizeof(path), "%s/tests", o->root);
    d = opendir(path);
    if (!d)
        fatal("cannot read %s: %s (run the grader from the course repository)", path,
              strerror(errno));
    while ((e = readdir(d)) != NULL && n < MAX_EXERCISES) {
        if (!(e->d_name[0] >= '0' && e->d_name[0] <= '9' && e->d_name[1] >= '0' &&
              e->d_name[1] <= '9' && e->d_name[2] == '-'))
            continue;
        snprintf(path, sizeof(path), "%s/tests/%s", o->root, e->d_name);
        if (!is_dir(path) || !selected(o, e->d_name))
            continue;
        memset(&ex[n], 0, sizeof(ex[n]));
        snprintf(ex[n].name, sizeof(ex[n].name), "%s", e->d_name);
        n++;
    }
    closedir(d);
    qsort(ex, (size_t)n, sizeof(ex[0]), by_name);
    if (o->only[0]) {
        char list[1024];

        snprintf(list, sizeof(list), "%s", o->only);
        for (char *s = strtok(list, ","); s; s = strtok(NULL, ",")) {
            bool found = false;

            for (int i = 0; i < n; i++)
                found = found || strcmp(ex[i].name, s) == 0;
            if (!found)
                fatal("no exercise named '%s' (the names are the folders of tests/)", s);
        }
    }
    return n;
}

static bool has_c_tests(const char *root, const char *name)
{
    char path[PATH_LEN];
    DIR *d;
    struct dirent *e;
    bool found = false;

    snprintf(path, sizeof(path), "%s/tests/%s", root, name);
    d = opendir(path);
    if (!d)
        return false;
    while (!found && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);

        found = len > 2 && strcmp(e->d_name + len - 2, ".c") == 0;
    }
    closedir(d);
    return found;
}

static void prefix_for(const struct options *o, int index, char *buf, size_t size)
{
    snprintf(buf, size, "%s%d", o->ipc_base, index);
}

/* Removes what the run left in /dev/shm under its prefix; says what it was. */
static void sweep_shm(const char *prefix, struct exercise *e)
{
    DIR *d = opendir("/dev/shm");
    struct dirent *ent;

    if (!d)
        return;
    while ((ent = readdir(d)) != NULL) {
        const char *name = ent->d_name;
        bool sem = strncmp(name, "sem.", 4) == 0;
        char path[PATH_LEN];

        if (strncmp(name + (sem ? 4 : 0), prefix, strlen(prefix)) != 0 ||
            name[(sem ? 4 : 0) + strlen(prefix)] != '-')
            continue;
        append(e->leftovers, sizeof(e->leftovers), "%s%s /%s", e->leftovers[0] ? ", " : "",
               sem ? "semaphore" : "shared memory object", name + (sem ? 4 : 0));
        snprintf(path, sizeof(path), "/dev/shm/%s", name);
        unlink(path);
    }
    closedir(d);
}

/* Reports and removes anything left in the run directory. */
static void sweep_dir(const char *dir, struct exercise *e)
{
    DIR *d = opendir(dir);
    struct dirent *ent;

    if (!d)
        return;
    while ((ent = readdir(d)) != NULL) {
        char path[PATH_LEN];

        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        append(e->leftovers, sizeof(e->leftovers), "%sfile %s", e->leftovers[0] ? ", " : "",
               ent->d_name);
        snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
        remove_tree(path);
    }
    closedir(d);
}

static void make_owned_dir(const char *path, uid_t uid)
{
    mkdir_p(path, 0755);
    if (geteuid() == 0 && chown(path, uid, (gid_t)uid) < 0)
        fprintf(stderr, "grade: cannot hand %s to the sandbox user\n", path);
}

/*
 * true when the table the test binary listed (it runs the submission's code,
 * which could rewrite it) declares exactly the tests, points and limits of
 * the course's sources.
 */
static bool same_tests(const struct exercise *e)
{
    static struct exercise declared;
    char tests[PATH_LEN];

    snprintf(tests, sizeof(tests), "%s/course/tests/%s", work_root, e->name);
    if (scan_tests(tests, &declared) < 0 || declared.ntests != e->ntests)
        return false;
    for (int i = 0; i < e->ntests; i++) {
        const struct test *t = &e->tests[i];
        bool found = false;

        for (int j = 0; j < declared.ntests && !found; j++) {
            const struct test *d = &declared.tests[j];

            found = strcmp(d->name, t->name) == 0 && d->points == t->points &&
                    d->bonus == t->bonus && d->seconds == t->seconds;
        }
        if (!found)
            return false;
    }
    return true;
}

/* The tests of e as the course's sources declare them, all not run: what an
 * exercise that could not be graded is worth. */
static void declared_tests(struct exercise *e)
{
    char tests[PATH_LEN];

    snprintf(tests, sizeof(tests), "%s/course/tests/%s", work_root, e->name);
    scan_tests(tests, e);
    /* paths as the course names them */
    for (int i = 0; i < e->ntests; i++) {
        char *p = strstr(e->tests[i].file, "/course/");

        if (p)
            memmove(e->tests[i].file, p + 8, strlen(p + 8) + 1);
    }
}

/* Builds, runs and scores one exercise; runs in a worker process. */
static void grade_one(const struct options *o, int index, struct exercise *e)
{
    char dir[PATH_LEN], run[PATH_LEN], bin[PATH_LEN], src[PATH_LEN], prefix[32],
        valgrind[PATH_LEN];
    char env_prefix[64], env_tmp[PATH_LEN + 16], env_channels[CHANNELS][32],
        env_scale[64], env_home[PATH_LEN + 8], env_tmpdir[PATH_LEN + 8],
        env_temp[PATH_LEN + 8], vg_log[32];
    double start = now_seconds(), budget = 20;
    struct run_result r;
    char bin_dir[PATH_LEN];
    /* the tests read and run their program, and write in run/ alone */
    const char *const runnable[] = {bin_dir, NULL};
    struct run_limits lim = {.wall = 30, .output_cap = 1 << 20, .tests = true,
                             .scratch_cwd = true, .confine = {runnable, NULL}};

    snprintf(dir, sizeof(dir), "%s/%s", work_root, e->name);
    /* what the test program writes goes to run/, its own; dir stays the
     * grader's (root's), so no link it makes can steer a file the grader
     * writes. The results come through pipes and a socket (run.c). */
    snprintf(run, sizeof(run), "%s/run", dir);
    snprintf(bin, sizeof(bin), "%s/build/%s/test", work_root, e->name);
    snprintf(bin_dir, sizeof(bin_dir), "%s/build/%s", work_root, e->name);
    snprintf(src, sizeof(src), "%s/src/%s", work_root, e->name);
    mkdir_p(dir, 0755);
    make_owned_dir(run, tests_user());
    prefix_for(o, index, prefix, sizeof(prefix));

    if (build_exercise(o, work_root, e) < 0)
        goto out;
    /* what the code names, read before anything of it runs */
    review_exercise(o->root, bin_dir, e);

    /* the table of tests, from the test binary itself (the code under test
     * cannot run there: see protect_impl_code in tests/harness/harness.c) */
    {
        char *argv[] = {bin, "--list", NULL};
        char *envp[] = {"PATH=/usr/bin:/bin", NULL};

        lim.wall = 10;
        if (run_sandboxed(argv, envp, run, &lim, &r) < 0 || r.timed_out ||
            !WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
            e->state = EX_BROKEN;
            snprintf(e->note, sizeof(e->note),
                     "the test program could not list its tests%s",
                     r.timed_out ? " (it hung before main)" : "");
            run_result_free(&r);
            goto out;
        }
        if (r.output_cut || list_tests(r.output, e) < 0) {
            run_result_free(&r);
            e->state = EX_BROKEN;
            snprintf(e->note, sizeof(e->note), "the test program listed no tests");
            goto out;
        }
        run_result_free(&r);
        if (!same_tests(e)) {
            e->state = EX_BROKEN;
            snprintf(e->note, sizeof(e->note),
                     "the test program's table of tests differs from the course's "
                     "tests: the code under test changed it, so nothing is trusted");
            goto out;
        }
    }
    if (o->test[0]) {
        int keep = -1;

        for (int i = 0; i < e->ntests; i++)
            if (strcmp(e->tests[i].name, o->test) == 0)
                keep = i;
        if (keep < 0) {
            e->state = EX_BROKEN;
            snprintf(e->note, sizeof(e->note), "no test named %s here", o->test);
            e->ntests = 0;
            goto out;
        }
        e->tests[0] = e->tests[keep];
        e->ntests = 1;
    }
    for (int i = 0; i < e->ntests; i++)
        budget += e->tests[i].seconds * o->time_scale + (o->valgrind ? 1.0 : 0.2);

    snprintf(env_prefix, sizeof(env_prefix), "GRADER_PREFIX=%s", prefix);
    snprintf(env_tmp, sizeof(env_tmp), "GRADER_TMPDIR=%s", run);
    snprintf(env_channels[0], sizeof(env_channels[0]), "GRADER_XML_FD=%d", CHANNEL_XML_FD);
    snprintf(env_channels[1], sizeof(env_channels[1]), "GRADER_EVENTS_FD=%d",
             CHANNEL_EVENTS_FD);
    snprintf(env_channels[2], sizeof(env_channels[2]), "GRADER_KEY_FD=%d", CHANNEL_KEY_FD);
    snprintf(env_channels[3], sizeof(env_channels[3]), "GRADER_VALGRIND_FD=%d",
             CHANNEL_VALGRIND_FD);
    snprintf(env_scale, sizeof(env_scale), "CK_TIMEOUT_MULTIPLIER=%g", o->time_scale);
    snprintf(env_home, sizeof(env_home), "HOME=%s", run);
    snprintf(env_tmpdir, sizeof(env_tmpdir), "TMPDIR=%s", run);
    snprintf(env_temp, sizeof(env_temp), "TEMP=%s", run);
    /* Valgrind's log comes through a pipe of the grader's, which the code
     * under test can add to but neither remove from nor close */
    snprintf(vg_log, sizeof(vg_log), "--log-fd=%d", CHANNEL_VALGRIND_FD);
    {
        char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "CK_VERBOSITY=normal",
                        env_prefix, env_tmp, env_channels[0], env_channels[1],
                        env_channels[2], env_scale, env_home, env_tmpdir, env_temp,
                        o->valgrind ? env_channels[3] : NULL, NULL};
        char *vg_argv[] = {valgrind, "--error-exitcode=97", "--leak-check=full",
                           "--show-leak-kinds=definite,indirect",
                           "--errors-for-leak-kinds=definite,indirect",
                           "--run-libc-freeres=no", "--num-callers=16", "--vgdb=no",
                           vg_log, bin,
                           o->test[0] ? (char *)o->test : NULL, NULL};
        char *plain_argv[] = {bin, o->test[0] ? (char *)o->test : NULL, NULL};

        if (o->valgrind)
            find_program("valgrind", valgrind, sizeof(valgrind)); /* checked before */
        lim.wall = budget;
        lim.output_cap = 1 << 20;
        lim.channels = true;
        lim.valgrind_log = o->valgrind;
        if (run_sandboxed(o->valgrind ? vg_argv : plain_argv, envp, run, &lim, &r) < 0) {
            e->state = EX_BROKEN;
            snprintf(e->note, sizeof(e->note), "cannot start the tests: %s",
                     strerror(errno));
            goto out;
        }
    }
    read_results(&r, o->valgrind, src, o->time_scale, e);
    /* after what read_results noted */
    if (r.timed_out)
        append(e->note, sizeof(e->note),
               "%sthe exercise's tests ran out of time (%.0f s in all) and were stopped",
               e->note[0] ? "; " : "", budget);
    else if (r.stray)
        append(e->note, sizeof(e->note),
               "%s%d process(es) started by the tests were still running and were killed",
               e->note[0] ? "; " : "", r.stray);
    if (o->verbose && r.output_len) {
        char path[PATH_LEN];

        snprintf(path, sizeof(path), "%s/output.txt", dir);
        write_text(path, r.output);
        if (r.output_cut)
            append(e->note, sizeof(e->note), "%sthe tests' output was cut at %zu bytes",
                   e->note[0] ? "; " : "", r.output_len);
    }
    run_result_free(&r);
    e->state = EX_GRADED;
out:
    if (e->state != EX_GRADED)
        declared_tests(e);
    sweep_shm(prefix, e);
    sweep_dir(run, e);
    e->seconds = now_seconds() - start;
}

/* --verbose: everything the tests (or the build) printed, for an exercise
 * that lost points. */
static void show_output(const struct exercise *e)
{
    char path[PATH_LEN];
    char *text;

    if (e->state == EX_WRITTEN || (e->state == EX_GRADED && e->passed == e->ntests))
        return;
    snprintf(path, sizeof(path), "%s/%s/%s", work_root, e->name,
             e->state == EX_NO_BUILD ? "build.log" : "output.txt");
    text = read_text(path, 1 << 20, NULL);
    if (text && *text) {
        printf("    ---- %s of %s ----\n", e->state == EX_NO_BUILD ? "build log" : "output",
               e->name);
        term_write(stdout, text, SIZE_MAX);
        if (text[strlen(text) - 1] != '\n')
            putchar('\n');
        printf("    ---- end of %s ----\n", e->name);
    }
    free(text);
}

static void score(struct exercise *e)
{
    e->max = e->earned = e->bonus_max = e->bonus_earned = 0;
    e->passed = 0;
    for (int i = 0; i < e->ntests; i++) {
        struct test *t = &e->tests[i];

        if (e->state != EX_GRADED) {
            t->verdict = V_NOT_RUN;
            t->earned = 0;
        }
        if (t->bonus) {
            e->bonus_max += t->points;
            e->bonus_earned += t->earned;
        } else {
            e->max += t->points;
            e->earned += t->earned;
        }
        e->passed += t->verdict == V_PASS;
    }
}

static void save(const struct exercise *e, const char *path)
{
    FILE *f = fopen(path, "we");

    if (!f)
        _exit(3);
    if (fwrite(e, sizeof(*e), 1, f) != 1)
        _exit(3);
    if (fclose(f) != 0)
        _exit(3);
}

static bool load(struct exercise *e, const char *path)
{
    FILE *f = fopen(path, "re");
    bool ok;

    if (!f)
        return false;
    ok = fread(e, sizeof(*e), 1, f) == 1;
    fclose(f);
    return ok;
}

static bool in_worker; /* a worker never removes the shared work area */

/* true when every folder on the way to dir lets anybody through: as root the
 * tests run as a user of their own, who must reach the work area */
static bool searchable_by_all(const char *dir)
{
    char path[PATH_LEN];
    struct stat st;

    if (!realpath(dir, path)) /* absolute: "/a/b", then "/a", then "" */
        return false;
    while (path[0]) {
        if (stat(path, &st) < 0 || !(st.st_mode & S_IXOTH))
            return false;
        *strrchr(path, '/') = '\0';
    }
    return stat("/", &st) == 0 && (st.st_mode & S_IXOTH);
}

/*
 * GRADER_LEDGER=FILE: appends "UID PREFIX" (the user the tests run as, the
 * prefix of their IPC names) to FILE, so that the course's own tests can
 * check that nothing of any grader they started is left on the machine,
 * without confusing it with other graders running there.
 */
static void note_in_ledger(const struct options *o, uid_t uid)
{
    const char *path = getenv("GRADER_LEDGER");
    char line[64];
    int fd, n;

    if (!path || !*path)
        return;
    n = snprintf(line, sizeof(line), "%ld %s\n", (long)uid, o->ipc_base);
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (write(fd, line, (size_t)n) < 0) {
        /* the tests that read it say what is missing */
    }
    close(fd);
}

static void cleanup(void)
{
    if (work_root[0] && !in_worker) {
        remove_tree(work_root);
        sandbox_sweep();
    }
}

static pid_t workers_alive[MAX_EXERCISES];

/* Ctrl-C or a kill: stop the workers (their runs die with them), wait for
 * them, then remove the work area. */
static void on_signal(int sig)
{
    for (int i = 0; i < MAX_EXERCISES; i++)
        if (workers_alive[i] > 0)
            kill(workers_alive[i], SIGKILL);
    for (int i = 0; i < MAX_EXERCISES; i++)
        if (workers_alive[i] > 0)
            waitpid(workers_alive[i], NULL, 0);
    cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

static struct exercise ex[MAX_EXERCISES];
static int graded;

const struct exercise *graded_exercises(int *n)
{
    *n = graded;
    return ex;
}

double grade_submission(struct options *o_, double *max_out, double *bonus_out)
{
    struct options o = *o_;
    int n, next = 0, running = 0, reported = 0;
    pid_t workers[MAX_EXERCISES] = {0};
    bool done[MAX_EXERCISES] = {false};
    double start = now_seconds(), total = 0, max = 0, bonus = 0;
    char path[PATH_LEN], tmpl[PATH_LEN];
    const char *tmp = getenv("TMPDIR");

    if (!is_dir(o.impl))
        fatal("no folder '%s' to grade (--impl names the folder holding NN-topic folders)",
              o.impl);
    n = discover(&o, ex);
    if (n == 0)
        fatal("no exercises found in %s/tests", o.root);
    if (tmp && *tmp && geteuid() == 0 && !searchable_by_all(tmp)) {
        fprintf(stderr, "grade: TMPDIR %s is closed to the tests' own user: the work area "
                        "goes in /tmp\n", tmp);
        tmp = NULL;
    }
    snprintf(tmpl, sizeof(tmpl), "%s/grade-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpl))
        fatal("cannot make a work directory in %s: %s", tmpl, strerror(errno));
    snprintf(work_root, sizeof(work_root), "%s", tmpl);
    chmod(work_root, 0755);
    atexit(cleanup);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    /* grade | head: the reader is gone; stop as cleanly as for Ctrl-C */
    signal(SIGPIPE, on_signal);
    if (o.valgrind && !find_program("valgrind", path, sizeof(path)))
        fatal("valgrind is missing: run grader/setup grade");
    sandbox_init();
    {
        bool contained;
        const char *layers = sandbox_layers(&contained);

        if (getenv("GRADER_DEBUG_RUNS"))
            fprintf(stderr, "grade: sandbox: %s\n", layers);
        if (!contained)
            fprintf(stderr, "grade: warning: nothing on this machine keeps the code under "
                            "test from signalling your own processes (no user namespaces, "
                            "Landlock older than 6): a submission could kill your shell; "
                            "grade with sudo, or in the course's Codespace\n");
    }
    sandbox_user(); /* fixed here, before any worker is forked */
    snprintf(o.ipc_base, sizeof(o.ipc_base), "g%ldx", (long)getpid() % 10000000);
    note_in_ledger(&o, sandbox_user());
    if (o.check_integrity) {
        int changed = check_integrity(o.student[0] ? o.student : o.root, o.starter,
                                      work_root, o.tampered_files, sizeof(o.tampered_files),
                                      o.integrity_note, sizeof(o.integrity_note));

        o.tampered = changed > 0;
    }
    snprintf(path, sizeof(path), "%s/build", work_root);
    make_owned_dir(path, sandbox_user());
    if (prepare_course(&o, work_root) < 0) {
        char *log;

        snprintf(path, sizeof(path), "%s/harness.log", work_root);
        log = read_text(path, 4096, NULL);
        fatal("cannot build the test harness (is Check installed? run grader/setup "
              "grade)\n%s",
              log ? log : "");
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/tests/%s", o.root, ex[i].name);
        if (!has_c_tests(o.root, ex[i].name)) {
            ex[i].state = EX_WRITTEN;
            done[i] = true;
        }
    }
    report_table(&o, NULL, 0, 0); /* the heading */
    while (reported < n) {
        while (running < o.jobs && next < n) {
            if (!done[next]) {
                pid_t pid = fork();

                if (pid < 0)
                    fatal("fork: %s", strerror(errno));
                if (pid == 0) {
                    in_worker = true; /* the parent removes the work area */
                    fatal_hook = NULL;  /* and reports for the whole run */
                    signal(SIGINT, SIG_DFL);
                    signal(SIGTERM, SIG_DFL);
                    signal(SIGHUP, SIG_DFL);
                    signal(SIGPIPE, SIG_DFL);
                    note_in_ledger(&o, tests_user());
                    grade_one(&o, next, &ex[next]);
                    snprintf(path, sizeof(path), "%s/%s/result", work_root, ex[next].name);
                    save(&ex[next], path);
                    sandbox_sweep();
                    _exit(0);
                }
                workers[next] = pid;
                workers_alive[next] = pid;
                running++;
            }
            next++;
        }
        while (reported < n && done[reported]) {
            struct exercise *e = &ex[reported];
            char t[PATH_LEN], a[PATH_LEN];

            /* the answers as the intake took them: a worker took a graded
             * exercise's, a written one's are taken here */
            snprintf(a, sizeof(a), "%s/src/%s", work_root, e->name);
            if (e->state == EX_WRITTEN &&
                intake_exercise(&o, e->name, a, NULL, e->note, sizeof(e->note)) < 0) {
                if (errno != ENOENT)
                    e->state = EX_BROKEN; /* says what was refused */
                else
                    e->note[0] = '\0';
            }
            snprintf(t, sizeof(t), "%s/exercises/%s/ANSWERS.md", o.root, e->name);
            snprintf(a, sizeof(a), "%s/src/%s/ANSWERS.md", work_root, e->name);
            check_answers(t, a, e);
            score(&ex[reported]);
            report_table(&o, &ex[reported], 1, -1);
            if (o.verbose)
                show_output(&ex[reported]);
            reported++;
        }
        if (reported == n)
            break;
        {
            int status;
            pid_t pid = wait(&status);

            if (pid < 0) {
                if (errno == EINTR)
                    continue;
                fatal("wait: %s", strerror(errno));
            }
            for (int i = 0; i < n; i++) {
                if (workers[i] != pid)
                    continue;
                workers_alive[i] = 0;
                snprintf(path, sizeof(path), "%s/%s/result", work_root, ex[i].name);
                if (!load(&ex[i], path)) {
                    /* what the exercise is worth still comes from the
                     * course's tests: every one of them counts as not run */
                    declared_tests(&ex[i]);
                    ex[i].state = EX_BROKEN;
                    if (WIFSIGNALED(status))
                        snprintf(ex[i].note, sizeof(ex[i].note),
                                 "the grader's worker for this exercise was killed "
                                 "(signal %d): nothing of it could be graded",
                                 WTERMSIG(status));
                    else
                        snprintf(ex[i].note, sizeof(ex[i].note),
                                 "the grader's worker for this exercise failed (status "
                                 "%d): nothing of it could be graded",
                                 WEXITSTATUS(status));
                }
                done[i] = true;
                running--;
            }
        }
    }
    for (int i = 0; i < n; i++) {
        total += ex[i].earned;
        max += ex[i].max;
        bonus += ex[i].bonus_earned;
    }
    if (o.json[0] && report_json(&o, o.json, ex, n, now_seconds() - start) < 0)
        fprintf(stderr, "grade: cannot write %s: %s\n", o.json, strerror(errno));
    if (o.github)
        report_github(&o, ex, n);
    report_table(&o, ex, n, now_seconds() - start); /* the summary and score */
    graded = n;
    if (max_out)
        *max_out = max;
    if (bonus_out)
        *bonus_out = bonus;
    *o_ = o;
    return total;
}

int main(int argc, char **argv)
{
    struct options o;
    double total;

    parse_options(argc, argv, &o);
    if (batch_mode)
        return grade_batch(&o, argv + optind, argc - optind);
    total = grade_submission(&o, NULL, NULL);
    if (o.has_fail_under && total < o.fail_under)
        return 1;
    return 0;
}
