/* results.c - turns Check's XML log, the harness's events and Valgrind's logs into verdicts */
#define _GNU_SOURCE
#include "grade.h"
#include "token.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


int list_tests(const char *listing, struct exercise *e)
{
    const char *line = listing;

    e->ntests = 0;
    while (line && *line) {
        const char *next = strchr(line, '\n');
        struct test *t = &e->tests[e->ntests];
        char kind[16];

        memset(t, 0, sizeof(*t));
        if (sscanf(line, "%95[^\t]\t%lf\t%15[^\t]\t%lf\t%1023[^\t]\t%d", t->name,
                   &t->points, kind, &t->seconds, t->file, &t->line) == 6) {
            t->bonus = strcmp(kind, "bonus") == 0;
            if (t->points < 0 || t->points > 100 || t->seconds <= 0)
                return -1;
            if (++e->ntests == MAX_TESTS)
                break;
        }
        line = next ? next + 1 : NULL;
    }
    return e->ntests > 0 ? 0 : -1;
}

/* Copies the text of <tag>...</tag> found in [from, end) into out, unescaped. */
static bool xml_field(const char *from, const char *end, const char *tag, char *out,
                      size_t size)
{
    char open[32], close[32];
    const char *a, *b;
    size_t n = 0;

    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    a = strstr(from, open);
    if (!a || a >= end)
        return false;
    a += strlen(open);
    b = strstr(a, close);
    if (!b || b > end)
        return false;
    while (a < b && n + 1 < size) {
        static const struct {
            const char *esc;
            char c;
        } ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'},
                    {"&apos;", '\''}};
        bool matched = false;

        for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]) && *a == '&'; i++) {
            size_t l = strlen(ents[i].esc);

            if (strncmp(a, ents[i].esc, l) == 0) {
                out[n++] = ents[i].c;
                a += l;
                matched = true;
                break;
            }
        }
        if (!matched)
            out[n++] = *a++;
    }
    out[n] = '\0';
    return true;
}

static struct test *find_test(struct exercise *e, const char *name)
{
    for (int i = 0; i < e->ntests; i++)
        if (strcmp(e->tests[i].name, name) == 0)
            return &e->tests[i];
    return NULL;
}

/* What Check said of each test: result, message, place, duration. */
struct check_says {
    char result[16];
    char message[REASON_LEN];
    char where[PATH_LEN];
    double duration;
    bool seen;
};

static void parse_xml(const char *xml, struct exercise *e, struct check_says *says)
{
    const char *p = xml;

    while (p && (p = strstr(p, "<test result=\"")) != NULL) {
        const char *end = strstr(p, "</test>");
        char id[NAME_LEN], dur[32];
        struct test *t;
        struct check_says *s;

        if (!end)
            break;
        char fn[PATH_LEN], result[16] = "";

        /* a block as Check writes it: the fields it always writes */
        if (xml_field(p, end, "id", id, sizeof(id)) && (t = find_test(e, id)) &&
            xml_field(p, end, "fn", fn, sizeof(fn)) &&
            xml_field(p, end, "duration", dur, sizeof(dur)) &&
            sscanf(p, "<test result=\"%15[^\"]", result) == 1) {
            s = &says[t - e->tests];
            /* Check writes each test once: of two blocks, trust the worse */
            if (!s->seen || strcmp(s->result, "success") == 0) {
                snprintf(s->result, sizeof(s->result), "%s", result);
                xml_field(p, end, "message", s->message, sizeof(s->message));
                snprintf(s->where, sizeof(s->where), "%s", fn);
                s->duration = strtod(dur, NULL);
            }
            s->seen = true;
        }
        p = end;
    }
}

/* true when the log holds text that Check never writes there: a line that is
 * not a tag, outside a message. Then the code under test wrote into it (a
 * runner whose standard output was closed opens its log as descriptor 1). */
static bool xml_polluted(const char *xml)
{
    bool in_message = false;

    /* complete lines only: a runner killed while writing leaves half a line */
    for (const char *line = xml; line && *line && strchr(line, '\n');) {
        const char *next = strchr(line, '\n');
        size_t len = (size_t)(next - line);
        const char *p = line;

        while (p < line + len && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        if (in_message) {
            in_message = !memmem(line, len, "</message>", 10);
        } else if (p < line + len) {
            if (*p != '<' || line[len - 1] != '>') {
                if (!memmem(line, len, "<message>", 9) || memmem(line, len, "</message>", 10))
                    return true;
                in_message = true;
            }
        }
        line = next + 1;
    }
    return false;
}

/* What Valgrind's log says of one process: its parent and what memcheck
 * found in it. Each process's lines carry its pid ("==PID== ..."); lines of
 * processes that run at once are mixed in the one log. */
struct vglog {
    long pid, ppid;
    int errors;
    char first[REASON_LEN]; /* the first error, "kind at func (file:line)" */
    /* the error block being read */
    char header[256], frame[512];
    bool in_block, student;
};

/* true when the frame's "(file.c:N)" names a file of the submission. */
static bool student_frame(const char *frame, const char *srcdir)
{
    const char *open = strrchr(frame, '(');
    char file[256], path[PATH_LEN];

    if (!open || sscanf(open + 1, "%255[^:)]", file) != 1 || strchr(file, '/'))
        return false;
    snprintf(path, sizeof(path), "%s/%s", srcdir, file);
    return is_file(path);
}

/* Records the error block just read, if it is the first worth reporting. */
static void vg_block(struct vglog *v)
{
    const char *record;
    int keep;

    v->in_block = false;
    if (v->first[0] || !v->frame[0] || strncmp(v->header, "Process terminating", 19) == 0)
        return;
    record = strstr(v->header, " in loss record");
    keep = record ? (int)(record - v->header) : (int)strlen(v->header);
    snprintf(v->first, sizeof(v->first), "%.*s at %s", keep, v->header, v->frame);
}

/* One line of process v's log, without its "==PID== " head. Errors only
 * add up: a line that the code under test added can never take one away. */
static void vg_line(struct vglog *v, const char *body, const char *srcdir)
{
    int errors;
    long ppid;

    if (strncmp(body, "   at ", 6) == 0 || strncmp(body, "   by ", 6) == 0) {
        const char *f = strchr(body, ':');

        if (!v->in_block || !f || v->student)
            return;
        if (student_frame(f, srcdir)) {
            snprintf(v->frame, sizeof(v->frame), "%s", f + 2);
            v->student = true;
        } else if (!v->frame[0] && strstr(f, ".c:")) {
            snprintf(v->frame, sizeof(v->frame), "%s", f + 2);
        }
        return;
    }
    if (v->in_block)
        vg_block(v);
    if (sscanf(body, "Parent PID: %ld", &ppid) == 1) {
        if (!v->ppid)
            v->ppid = ppid;
        return;
    }
    if (sscanf(body, "ERROR SUMMARY: %d", &errors) == 1) {
        if (errors > v->errors)
            v->errors = errors;
        return;
    }
    /* Valgrind's options changed from inside the program (a client
     * request): nothing it found afterwards can be trusted */
    if (strncmp(body, "Handling new value", 18) == 0) {
        v->errors++;
        if (!v->first[0])
            snprintf(v->first, sizeof(v->first), "%s",
                     "Valgrind's options were changed from inside the program");
        return;
    }
    if (body[0] && body[0] != ' ') {
        snprintf(v->header, sizeof(v->header), "%s", body);
        v->frame[0] = '\0';
        v->student = false;
        v->in_block = true;
    }
}

/* Splits Valgrind's log (text, which this changes) by process into *logs
 * (malloc'd; the caller frees it); how many processes, or -1 when memory
 * ran out. */
static int read_vglog(char *text, const char *srcdir, struct vglog **logs)
{
    int n = 0, cap = 0, last = -1;

    *logs = NULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *body;
        long pid;
        int i = last;

        if (sscanf(line, "==%ld==", &pid) != 1 || pid <= 0 || !(body = strstr(line, "== ")))
            continue;
        /* a process's lines mostly come together */
        if (i < 0 || (*logs)[i].pid != pid)
            for (i = 0; i < n && (*logs)[i].pid != pid; i++)
                ;
        if (i == n) {
            if (n == cap) {
                struct vglog *more = realloc(*logs, (size_t)(cap + 256) * sizeof(**logs));

                if (!more)
                    return -1;
                *logs = more;
                cap += 256;
            }
            memset(&(*logs)[n], 0, sizeof(**logs));
            (*logs)[n++].pid = pid;
        }
        last = i;
        vg_line(&(*logs)[i], body + 3, srcdir);
    }
    for (int i = 0; i < n; i++)
        if ((*logs)[i].in_block)
            vg_block(&(*logs)[i]);
    return n;
}

/* The test pid that pid descends from (through the logs' parent links). */
static long owner_test(long pid, const struct vglog *logs, int nlogs,
                       const long *test_pids, int ntests, int *which)
{
    for (int depth = 0; depth < 64 && pid > 0; depth++) {
        for (int i = 0; i < ntests; i++)
            if (test_pids[i] == pid) {
                *which = i;
                return pid;
            }
        long parent = 0;

        for (int i = 0; i < nlogs; i++)
            if (logs[i].pid == pid)
                parent = logs[i].ppid;
        pid = parent;
    }
    return 0;
}

/* What the sandbox (run.c) said about the run, beside the harness's events. */
struct sandbox_says {
    long memory_pids[16]; /* process groups stopped for memory (0: the run,
                             -1: a process the kernel killed at its limit) */
    int memory_kills;
    long memory_mib;
    long bomb_pids[16]; /* stopped as fork bombs (0: the run, -1: strays) */
    int bombs;
    int bomb_limit;
    long disk_mib; /* the run was stopped for its disk use at this limit */
};

/* What the events say of each test. */
struct test_events {
    long pid;      /* its process, as the harness reported it (the pid the
                      tests and Valgrind see) */
    long from;     /* the process that sent its "begin", as the kernel says */
    bool twice;    /* a second "begin": something else wrote events */
    bool ended;    /* a valid "end" from that same process */
    bool exited;   /* the harness saw exit() in its process */
};

/*
 * The events of a run: the harness's (begin, end, exit of each test), which
 * the code under test could also write, and the sandbox's. Each line comes
 * headed by the pid of the process that sent it, which the kernel vouches
 * for (-1: the sandbox's own notes). An "end" counts only from the process
 * that sent the test's "begin", and only with the token that only the
 * harness can make (token.h).
 */
static void read_events(char *text, const unsigned char *key, struct exercise *e,
                        struct test_events *ev, struct sandbox_says *box)
{
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char what[16], name[NAME_LEN], kind[32], thing[PATH_LEN];
        long from, pid, mib;
        int skip = 0;
        struct test *t;
        struct test_events *te;
        unsigned long long token;

        if (sscanf(line, "%ld %n", &from, &skip) != 1 || !skip)
            continue;
        line += skip;
        if (sscanf(line, "memory - %ld %ld", &pid, &mib) == 2) {
            if (box->memory_kills < 16)
                box->memory_pids[box->memory_kills++] = pid;
            box->memory_mib = mib;
            continue;
        }
        if (sscanf(line, "disk - %ld %ld", &pid, &mib) == 2) {
            box->disk_mib = mib;
            continue;
        }
        if (sscanf(line, "processes - %ld %ld", &pid, &mib) == 2) {
            if (box->bombs < 16)
                box->bomb_pids[box->bombs++] = pid;
            box->bomb_limit = (int)mib;
            continue;
        }
        if (sscanf(line, "kept - %*d %31s %1023[^\n]", kind, thing) == 2) {
            for (char *c = kind; *c; c++)
                if (*c == '-')
                    *c = ' ';
            bool first = !strstr(e->note, "not removed");

            if (first)
                append(e->note, sizeof(e->note), "%s%s", e->note[0] ? "; " : "",
                       "left in places shared with your other programs (not removed: "
                       "as a normal user the grader cannot tell them apart):");
            append(e->note, sizeof(e->note), "%s %s %s", first ? "" : ",", kind, thing);
            continue;
        }
        if (sscanf(line, "leftover - %*d %31s %1023[^\n]", kind, thing) == 2) {
            for (char *c = kind; *c; c++)
                if (*c == '-')
                    *c = ' ';
            append(e->leftovers, sizeof(e->leftovers), "%s%s %s",
                   e->leftovers[0] ? ", " : "", kind, thing);
            continue;
        }
        if (from <= 0 || sscanf(line, "%15s %95s %ld", what, name, &pid) != 3 ||
            !(t = find_test(e, name)))
            continue;
        te = &ev[t - e->tests];
        if (strcmp(what, "begin") == 0) {
            if (te->from)
                te->twice = true;
            else {
                te->from = from;
                te->pid = pid;
            }
        } else if (te->from != from || te->pid != pid) {
            continue; /* not from the test's own process */
        } else if (strcmp(what, "end") == 0) {
            if (sscanf(line, "end %*s %*d %16llx", &token) == 1 &&
                token == token_for(key, t->name, pid))
                te->ended = true;
        } else if (strcmp(what, "exit") == 0) {
            te->exited = true;
        }
    }
}

static void say(struct test *t, enum verdict v, const char *fmt, const char *detail)
{
    t->verdict = v;
    snprintf(t->reason, sizeof(t->reason), fmt, detail);
}

static void add_line(struct test *t, const char *text)
{
    if (text && *text)
        append(t->reason, sizeof(t->reason), "%s%s", t->reason[0] ? "\n" : "", text);
}

void read_results(const struct run_result *r, bool valgrind, const char *srcdir,
                  double scale, struct exercise *e)
{
    static struct check_says says[MAX_TESTS];
    struct test_events ev[MAX_TESTS];
    long pids[MAX_TESTS];
    char vgnote[MAX_TESTS][REASON_LEN];
    int vgerrors[MAX_TESTS] = {0};
    struct vglog *logs = NULL;
    int nlogs = 0;
    struct sandbox_says box = {.memory_kills = 0};
    bool polluted = r->xml && xml_polluted(r->xml);
    const char *vg_unread = NULL; /* why Valgrind's log cannot vouch for a test */

    memset(says, 0, sizeof(says));
    memset(ev, 0, sizeof(ev));
    memset(vgnote, 0, sizeof(vgnote));
    if (r->xml && !polluted) {
        char *xml = strdup(r->xml);

        if (xml)
            parse_xml(xml, e, says);
        free(xml);
    }
    if (r->events) {
        char *events = strdup(r->events);

        if (events)
            read_events(events, r->key, e, ev, &box);
        free(events);
    }
    for (int i = 0; i < e->ntests; i++)
        pids[i] = ev[i].pid;
    if (valgrind && r->valgrind_cut)
        vg_unread = "Valgrind's log was too long to read to its end (errors by the "
                    "thousand?): no test that ran under it can pass";
    else if (valgrind) {
        char *text = r->valgrind ? strdup(r->valgrind) : NULL;

        nlogs = text ? read_vglog(text, srcdir, &logs) : -1;
        free(text);
        if (nlogs < 0) {
            nlogs = 0;
            vg_unread = "the grader ran out of memory reading Valgrind's log";
        }
    }
    for (int i = 0; i < nlogs; i++) {
        int which;

        if (!logs[i].errors || !owner_test(logs[i].pid, logs, nlogs, pids, e->ntests,
                                           &which))
            continue;
        vgerrors[which] += logs[i].errors;
        if (!vgnote[which][0] && logs[i].first[0])
            snprintf(vgnote[which], REASON_LEN, "Valgrind: %s%s", logs[i].first,
                     pids[which] == logs[i].pid ? "" : " (in a child process)");
    }
    free(logs);
    if (vg_unread)
        for (int i = 0; i < e->ntests; i++) {
            vgerrors[i]++;
            snprintf(vgnote[i], REASON_LEN, "%s", vg_unread);
        }

    for (int i = 0; i < e->ntests; i++) {
        struct test *t = &e->tests[i];
        struct check_says *s = &says[i];
        int code, sig;
        char sigdesc[128];

        t->duration = s->duration > 0 ? s->duration : 0;
        t->where[0] = '\0';
        if (s->seen && sscanf(s->where, "%1023[^:]:%d", t->where, &t->where_line) != 2)
            t->where[0] = '\0';
        /* Check gives the file's base name: the test's own file when it matches */
        if (t->where[0] && !strchr(t->where, '/')) {
            const char *base = strrchr(t->file, '/');

            if (base && strcmp(base + 1, t->where) == 0)
                snprintf(t->where, sizeof(t->where), "%s", t->file);
        }
        bool memory = false, bomb = false;
        char msg[256];

        for (int k = 0; k < box.memory_kills; k++)
            memory = memory || (pids[i] && box.memory_pids[k] == pids[i]) ||
                     (box.memory_pids[k] == 0 && pids[i] && !s->seen) ||
                     (box.memory_pids[k] == -1 && s->seen &&
                      strstr(s->message, "Received signal 9"));
        bool disk = box.disk_mib && pids[i] && !s->seen;
        for (int k = 0; k < box.bombs; k++)
            bomb = bomb || (pids[i] && box.bomb_pids[k] == pids[i]) ||
                   (box.bomb_pids[k] == 0 && pids[i] && !s->seen) ||
                   (box.bomb_pids[k] == -1 && s->seen &&
                    strstr(s->message, "Received signal 9"));
        if (disk)
            snprintf(msg, sizeof(msg),
                     "wrote more than %ld MiB of files and was stopped: look for a "
                     "write in a loop that never ends",
                     box.disk_mib);
        else if (bomb)
            snprintf(msg, sizeof(msg),
                     "started %d processes or more and was stopped: look for a fork() "
                     "in a loop, or a child that returns into the caller's loop",
                     box.bomb_limit);
        else
            snprintf(msg, sizeof(msg),
                     "used more than %ld MiB of memory and was stopped: look for an "
                     "allocation in a loop that never ends",
                     box.memory_mib);
        if (polluted) {
            say(t, V_FAIL, "%s",
                "no result can be trusted: Check's log holds text that Check did not "
                "write (the code under test wrote into it: did it close the test "
                "program's standard output?)");
        } else if ((memory || bomb || disk) &&
                   (!s->seen || strcmp(s->result, "success") != 0)) {
            say(t, V_CRASH, "%s", msg);
        } else if (ev[i].twice) {
            say(t, V_FAIL, "%s",
                "two processes announced this test: something other than the "
                "harness wrote the test program's events, so nothing of it counts");
        } else if (!s->seen && pids[i]) {
            say(t, V_CRASH, "%s",
                "the test program itself was killed while this test ran: did the "
                "code under test kill its parent or its process group?");
        } else if (!s->seen) {
            say(t, V_NOT_RUN, "%s",
                "did not run: the test program stopped before reaching this test");
        } else if (strcmp(s->result, "success") == 0) {
            /* Check saw a process that ended with status 0; only the token
             * says the test itself got to its end */
            if (!ev[i].ended)
                say(t, V_EXIT, "%s",
                    "the test's process ended before the test finished: the code "
                    "under test called _exit() or exec() in the caller's process");
            else if (vgerrors[i])
                say(t, V_VALGRIND, "%s", vgnote[i][0] ? vgnote[i]
                                                      : "Valgrind reported errors");
            else
                t->verdict = V_PASS;
        } else if (strcmp(s->result, "failure") == 0) {
            if (strncmp(s->message, "left behind: ", 13) == 0)
                say(t, V_LEFTOVER, "%s", s->message);
            else
                say(t, V_FAIL, "%s", s->message);
            add_line(t, vgnote[i]);
        } else if (strstr(s->message, "Test timeout expired")) {
            snprintf(msg, sizeof(msg),
                     "timed out after %g s: a process may be waiting for end of file "
                     "on a pipe whose write end is still open, or on a semaphore "
                     "nobody posts",
                     t->seconds * scale);
            say(t, V_TIMEOUT, "%s", msg);
        } else if (sscanf(s->message, "Early exit with return value %d", &code) == 1) {
            if (code == VALGRIND_EXIT && vgerrors[i])
                say(t, V_VALGRIND, "%s", vgnote[i]);
            else if (code == EARLY_EXIT || ev[i].exited)
                say(t, V_EXIT, "%s",
                    "the code under test called exit() in the test's own process: "
                    "library code returns, it never exits");
            else {
                char msg[128];

                snprintf(msg, sizeof(msg),
                         "the test's process exited with status %d in the middle of "
                         "the test",
                         code);
                say(t, V_EXIT, "%s", msg);
            }
        } else if (sscanf(s->message, "Received signal %d (%127[^)])", &sig, sigdesc) ==
                   2) {
            snprintf(msg, sizeof(msg), "crashed: %s (signal %d)", sigdesc, sig);
            say(t, V_CRASH, "%s", msg);
            add_line(t, vgnote[i]);
        } else {
            say(t, V_FAIL, "%s", s->message);
            add_line(t, vgnote[i]);
        }
        t->earned = t->verdict == V_PASS ? t->points : 0;
    }
    if (polluted)
        append(e->note, sizeof(e->note), "%s",
               "the test program's log was written to by the code under test: no "
               "result of this run is trusted");
    for (int k = 0; k < box.memory_kills; k++) {
        bool known = false;

        for (int i = 0; i < e->ntests; i++)
            known = known || (pids[i] && pids[i] == box.memory_pids[k]);
        if (!known) {
            append(e->note, sizeof(e->note),
                   "%sprocesses of the tests used more than %ld MiB of memory and "
                   "were stopped",
                   e->note[0] ? "; " : "", box.memory_mib);
            break;
        }
    }
    if (box.disk_mib)
        append(e->note, sizeof(e->note),
               "%sthe tests wrote more than %ld MiB of files and were stopped",
               e->note[0] ? "; " : "", box.disk_mib);
}

/* The declared tests of an exercise read from its sources (GRADED_TEST and
 * BONUS_TEST lines): used when the test binary cannot be built, so that the
 * exercise still shows what it is worth. */
int scan_tests(const char *dir, struct exercise *e)
{
    DIR *d = opendir(dir);
    struct dirent *ent;

    e->ntests = 0;
    if (!d)
        return -1;
    while ((ent = readdir(d)) != NULL) {
        char path[PATH_LEN], line[512];
        size_t len = strlen(ent->d_name);
        FILE *f;
        int lineno = 0;

        if (len < 3 || strcmp(ent->d_name + len - 2, ".c") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
        f = fopen(path, "re");
        if (!f)
            continue;
        while (fgets(line, sizeof(line), f) && e->ntests < MAX_TESTS) {
            struct test *t = &e->tests[e->ntests];
            bool bonus = strncmp(line, "BONUS_TEST(", 11) == 0;

            lineno++;
            if (!bonus && strncmp(line, "GRADED_TEST(", 12) != 0)
                continue;
            memset(t, 0, sizeof(*t));
            if (sscanf(strchr(line, '(') + 1, " %95[A-Za-z0-9_] , %lf , %lf", t->name,
                       &t->points, &t->seconds) != 3)
                continue;
            t->bonus = bonus;
            t->line = lineno;
            snprintf(t->file, sizeof(t->file), "%s", path);
            t->verdict = V_NOT_RUN;
            e->ntests++;
        }
        fclose(f);
    }
    closedir(d);
    return 0;
}
