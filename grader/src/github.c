/* github.c - GitHub Actions outputs: job summary, annotations, Classroom's result */
#define _GNU_SOURCE
#include "grade.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GitHub shows at most 10 error annotations of a step: the first failures get
 * one each, the last one says how many more there are. */
#define MAX_ANNOTATIONS 10

/* Classroom's reporter gets the result through an environment variable, and
 * Linux caps one at 128 KiB (MAX_ARG_STRLEN): the base64 stays below this. */
#define RESULT_MAX (96 * 1024)

/* No test passes and most say ENOSYS: the starter stub, untouched. */
static bool not_started(const struct exercise *e)
{
    int enosys = 0;

    if (e->state != EX_GRADED || e->passed || !e->ntests)
        return false;
    for (int i = 0; i < e->ntests; i++)
        enosys += strstr(e->tests[i].reason, "not implemented") != NULL;
    return enosys * 2 >= e->ntests;
}

/* The failing check's place, else the test's own. */
static void test_place(const struct test *t, const char **file, int *line)
{
    *file = t->where[0] ? t->where : t->file;
    *line = t->where[0] ? t->where_line : t->line;
}

static void annotate_test(const struct exercise *e, const struct test *t)
{
    const char *file;
    int line;
    char title[NAME_LEN * 2 + 32];

    test_place(t, &file, &line);
    snprintf(title, sizeof(title), "%s: %s (%g pt%s%s)", e->name, t->name, t->points,
             t->points == 1 ? "" : "s", t->bonus ? ", bonus" : "");
    printf("::error file=");
    command_write(stdout, file, true);
    printf(",line=%d,title=", line);
    command_write(stdout, title, true);
    printf("::%s: ", verdict_word(t->verdict));
    command_write(stdout, t->reason, false);
    snprintf(title, sizeof(title), "\nrerun: make grade EX=%s TEST=%s", e->name, t->name);
    command_write(stdout, title, false);
    putchar('\n');
}

/* The first compiler error of a build log, as file and line. */
static bool first_error(const char *log, char *file, size_t size, int *line)
{
    const char *err = strstr(log, ": error:");
    const char *start, *colon;

    if (!err)
        return false;
    start = err;
    while (start > log && start[-1] != '\n')
        start--;
    colon = memchr(start, ':', (size_t)(err - start));
    if (!colon || (size_t)(colon - start) >= size)
        return false;
    memcpy(file, start, (size_t)(colon - start));
    file[colon - start] = '\0';
    *line = atoi(colon + 1);
    return *line > 0;
}

static void annotate_exercise(const struct exercise *e)
{
    char file[PATH_LEN], title[NAME_LEN + 32];
    int line;

    printf("::error ");
    if (e->state == EX_NO_BUILD && first_error(e->note, file, sizeof(file), &line)) {
        printf("file=");
        command_write(stdout, file, true);
        printf(",line=%d,", line);
    }
    snprintf(title, sizeof(title), "%s %s", e->name,
             e->state == EX_NO_BUILD ? "does not compile" : "could not be graded");
    printf("title=");
    command_write(stdout, title, true);
    printf("::");
    command_write(stdout, e->note, false);
    printf("\n");
}

static void annotations(const struct exercise *ex, int n)
{
    int shown = 0, more = 0;

    for (int i = 0; i < n; i++) {
        const struct exercise *e = &ex[i];

        if (e->state == EX_WRITTEN)
            continue;
        if (e->state != EX_GRADED) {
            if (shown < MAX_ANNOTATIONS - 1) {
                annotate_exercise(e);
                shown++;
            } else {
                more++;
            }
            continue;
        }
        if (not_started(e)) {
            printf("::notice title=");
            command_write(stdout, e->name, true);
            printf(" not started::every function still fails with ENOSYS "
                   "(\"not implemented\")\n");
            continue;
        }
        for (int j = 0; j < e->ntests; j++) {
            if (e->tests[j].verdict == V_PASS)
                continue;
            if (shown < MAX_ANNOTATIONS - 1) {
                annotate_test(e, &e->tests[j]);
                shown++;
            } else {
                more++;
            }
        }
    }
    if (more)
        printf("::error title=%d more failed test%s::see the job summary, or run make grade\n",
               more, more == 1 ? "" : "s");
}

static void totals(const struct exercise *ex, int n, double *total, double *max, double *bonus)
{
    *total = *max = *bonus = 0;
    for (int i = 0; i < n; i++) {
        *total += ex[i].earned;
        *max += ex[i].max;
        *bonus += ex[i].bonus_earned;
    }
}

static void summary_failures(FILE *f, const struct exercise *e)
{
    bool header = false;

    if (e->state == EX_NO_BUILD || e->state == EX_MISSING || e->state == EX_BROKEN) {
        fputs("### ", f);
        md_write(f, e->name, SIZE_MAX);
        fprintf(f, ": %s\n\n", e->state == EX_NO_BUILD ? "does not compile" : "not graded");
        md_code_write(f, e->note);
        fputc('\n', f);
        return;
    }
    if (not_started(e)) {
        fputs("### ", f);
        md_write(f, e->name, SIZE_MAX);
        fputs(": not started\n\nEvery function still fails with `ENOSYS`.\n\n", f);
        return;
    }
    for (int j = 0; j < e->ntests; j++) {
        const struct test *t = &e->tests[j];
        const char *file;
        int line;

        if (t->verdict == V_PASS)
            continue;
        if (!header) {
            fputs("### ", f);
            md_write(f, e->name, SIZE_MAX);
            fputs("\n\n| test | points | result | why | where |\n|---|---|---|---|---|\n", f);
            header = true;
        }
        test_place(t, &file, &line);
        fputs("| <code>", f);
        md_write(f, t->name, SIZE_MAX);
        fprintf(f, "</code> | %g%s | %s | ", t->points, t->bonus ? " bonus" : "",
                verdict_word(t->verdict));
        md_write(f, t->reason, 400);
        fputs(" | <code>", f);
        md_write(f, file, SIZE_MAX);
        fprintf(f, ":%d</code> |\n", line);
    }
    if (header) {
        fputs("\nRerun one test: <code>make grade EX=", f);
        md_write(f, e->name, SIZE_MAX);
        fputs(" TEST=&lt;name&gt;</code>\n\n", f);
    }
}

/* A list of what each exercise's code calls or names for no reason of its
 * exercise's, when there is any. */
static void summary_review(FILE *f, const struct exercise *ex, int n)
{
    bool header = false;
    char text[REVIEW_TEXT_LEN];

    for (int i = 0; i < n; i++) {
        if (!review_flagged(&ex[i].review))
            continue;
        if (!header) {
            fputs("### For review\n\nWhat an exercise's code calls or names that the "
                  "exercise has no reason for. Not part of the score: a TA reads the "
                  "code.\n\n",
                  f);
            header = true;
        }
        review_text(&ex[i].review, text, sizeof(text));
        fputs("- ", f);
        md_write(f, ex[i].name, SIZE_MAX);
        fputs(": ", f);
        md_write(f, text, 1000);
        fputc('\n', f);
    }
    if (header)
        fputc('\n', f);
}

static void summary(const struct options *o, const struct exercise *ex, int n,
                    const char *path)
{
    FILE *f = fopen(path, "ae");
    double total, max, bonus;

    if (!f)
        return;
    totals(ex, n, &total, &max, &bonus);
    fprintf(f, "## IPC week: %g/%g", total, max);
    if (bonus > 0)
        fprintf(f, " (+%g bonus)", bonus);
    fprintf(f, "%s\n\n", o->tampered ? " — TAMPERED" : "");
    if (o->tampered) {
        fputs("**Protected files differ from the starter:** ", f);
        md_write(f, o->tampered_files, SIZE_MAX);
        fputs("\n\nGitHub Classroom records 0 points for this push. Restore those files "
              "(`git checkout <starter commit> -- <file>`) and push again.\n\n",
              f);
    } else {
        fprintf(f, "GitHub Classroom records %g/%g%s.%s\n\n", total + bonus, max,
                bonus > 0 ? " (bonus included)" : "",
                o->valgrind ? "" : " **Graded without Valgrind: not the real score.**");
    }
    if (o->integrity_note[0]) {
        fputs("Integrity: ", f);
        md_write(f, o->integrity_note, SIZE_MAX);
        fputs("\n\n", f);
    }
    fprintf(f, "| exercise | tests passed | points | time |\n|---|---|---|---|\n");
    for (int i = 0; i < n; i++) {
        const struct exercise *e = &ex[i];

        fputs("| ", f);
        md_write(f, e->name, SIZE_MAX);
        if (e->state == EX_WRITTEN) {
            fprintf(f, " | written: %d/%d answered, for TA review | | |\n", e->answered,
                    e->questions);
            continue;
        }
        fprintf(f, " | %d/%d | %g/%g", e->passed, e->ntests, e->earned, e->max);
        if (e->bonus_max > 0)
            fprintf(f, " (+%g/%g bonus)", e->bonus_earned, e->bonus_max);
        fprintf(f, " | %.1fs |\n", e->seconds);
    }
    fprintf(f, "\n");
    summary_review(f, ex, n);
    for (int i = 0; i < n; i++)
        if (ex[i].state != EX_WRITTEN)
            summary_failures(f, &ex[i]);
    fclose(f);
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(FILE *f, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;

        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        fputc(b64[(v >> 18) & 63], f);
        fputc(b64[(v >> 12) & 63], f);
        fputc(i + 1 < n ? b64[(v >> 6) & 63] : '=', f);
        fputc(i + 2 < n ? b64[v & 63] : '=', f);
    }
}

/*
 * GitHub Classroom's grading reporter reads, for each runner id, the variable
 * <ID>_RESULTS: base64 of {"version":1,"status","max_score","tests":[...]}.
 * It records the sum of the tests' scores over max_score. The JSON is built
 * with messages of at most msg_max bytes; its length goes to *len.
 */
static char *classroom_json(const struct options *o, const struct exercise *ex, int n,
                            size_t msg_max, size_t *len)
{
    char *json = NULL;
    FILE *m = open_memstream(&json, len);
    double total, max, bonus;
    bool first = true;

    if (!m)
        return NULL;
    totals(ex, n, &total, &max, &bonus);
    fprintf(m, "{\"version\":1,\"status\":\"%s\",\"max_score\":%g,\"tests\":[",
            total == max && !o->tampered ? "pass" : "fail", max);
    if (o->tampered) {
        /* first, so that the reporter's log says why every score is 0 */
        char text[REASON_LEN + 128];

        snprintf(text, sizeof(text),
                 "TAMPERED: protected files differ from the starter commit (%s); "
                 "every test scores 0 here, and TAs regrade with the course's own tests",
                 o->tampered_files);
        fputs("{\"name\":\"integrity: protected files unchanged\",\"status\":\"fail\","
              "\"score\":0,\"message\":",
              m);
        json_write(m, 400, text); /* short enough for every cap below */
        fputs(",\"line_no\":1,\"filename\":\"Makefile\",\"test_code\":\"integrity\"}", m);
        first = false;
    }
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < ex[i].ntests; j++) {
            const struct test *t = &ex[i].tests[j];
            char name[NAME_LEN * 2 + 16];
            const char *msg, *file;
            int line;

            snprintf(name, sizeof(name), "%s: %s%s", ex[i].name, t->name,
                     t->bonus ? " (bonus)" : "");
            msg = ex[i].state != EX_GRADED ? ex[i].note
                  : t->verdict == V_PASS   ? ""
                                           : t->reason;
            test_place(t, &file, &line);
            fprintf(m, "%s{\"name\":", first ? "" : ",");
            json_write(m, sizeof(name), name);
            fprintf(m, ",\"status\":\"%s\",\"score\":%g,\"message\":",
                    t->verdict == V_PASS ? "pass" : "fail", o->tampered ? 0 : t->earned);
            if (t->verdict != V_PASS && ex[i].state == EX_GRADED) {
                /* the verdict word first, as in the terminal */
                char text[REASON_LEN + 16];

                snprintf(text, sizeof(text), "%s: %s", verdict_word(t->verdict), msg);
                json_write(m, msg_max, text);
            } else {
                json_write(m, msg_max, msg);
            }
            fprintf(m, ",\"line_no\":%d,\"filename\":", line);
            json_write(m, PATH_LEN, file);
            fprintf(m, ",\"test_code\":");
            json_write(m, NAME_LEN, t->name);
            fputc('}', m);
            first = false;
        }
    }
    fputs("]}", m);
    if (fclose(m) != 0) {
        free(json);
        return NULL;
    }
    return json;
}

/* Appends the step output "result=<base64 of json>" to the file at path. */
static void put_result(const char *path, const char *json, size_t len)
{
    FILE *f = fopen(path, "ae");

    if (!f)
        return;
    fputs("result=", f);
    base64(f, (const unsigned char *)json, len);
    fputc('\n', f);
    fclose(f);
}

static void classroom(const struct options *o, const struct exercise *ex, int n,
                      const char *path)
{
    static const size_t caps[] = {400, 120, 0};
    char *json = NULL;
    size_t len = 0;

    for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
        free(json);
        json = classroom_json(o, ex, n, caps[c], &len);
        if (!json || (len + 2) / 3 * 4 <= RESULT_MAX)
            break;
    }
    if (!json)
        return;
    put_result(path, json, len);
    free(json);
}

/* Grading could not run at all: an error annotation, and a Classroom result
 * with status "error" (the reporter then fails the job and says why). */
void report_github_error(const char *message)
{
    const char *out = getenv("GITHUB_OUTPUT");
    char *json = NULL;
    size_t len = 0;
    FILE *m;

    printf("::error title=Grading failed::");
    command_write(stdout, message, false);
    putchar('\n');
    fflush(stdout);
    if (!out || !*out || !(m = open_memstream(&json, &len)))
        return;
    fputs("{\"version\":1,\"status\":\"error\",\"max_score\":0,\"tests\":[{\"name\":"
          "\"grading\",\"status\":\"error\",\"score\":0,\"message\":",
          m);
    json_write(m, 400, message);
    fputs(",\"line_no\":1,\"filename\":\"Makefile\",\"test_code\":\"make grade\"}]}", m);
    if (fclose(m) == 0)
        put_result(out, json, len);
    free(json);
}

void report_github(const struct options *o, struct exercise *ex, int n)
{
    const char *s = getenv("GITHUB_STEP_SUMMARY");
    const char *out = getenv("GITHUB_OUTPUT");

    annotations(ex, n);
    fflush(stdout);
    if (s && *s)
        summary(o, ex, n, s);
    if (out && *out)
        classroom(o, ex, n, out);
}
