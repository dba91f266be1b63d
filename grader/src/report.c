/* report.c - the grader's outputs: terminal table, Gradescope JSON, GitHub */
#define _GNU_SOURCE
#include "grade.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Failed tests shown per exercise when several exercises are graded. */
#define SHOWN_FAILURES 6

static const char *paint(const struct options *o, const char *code)
{
    return o->color ? code : "";
}

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define PLAIN "\033[0m"

static void rerun(const struct options *o, const struct exercise *e, const struct test *t,
                  char *buf, size_t size)
{
    if (o->student[0]) {
        snprintf(buf, size, "grader/grade --impl %s --only %s --test %s%s", o->impl,
                 e->name, t->name, o->valgrind ? "" : " --no-valgrind");
        return;
    }
    snprintf(buf, size, "make grade EX=%s TEST=%s%s%s%s", e->name, t->name,
             strcmp(o->impl, "exercises") ? " IMPL=" : "",
             strcmp(o->impl, "exercises") ? o->impl : "", o->valgrind ? "" : " FAST=1");
}

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

static void answers_line(const struct options *o, const struct exercise *e, bool alone)
{
    const char *word;

    if (!e->has_answers || !e->questions)
        return;
    word = e->answered == e->questions ? "answered"
           : e->answered              ? "partly answered"
                                      : "not answered";
    if (alone)
        printf("%-22s %swritten: %s (%d/%d questions)%s, for TA review\n", e->name,
               paint(o, e->answered == e->questions ? GREEN : YELLOW), word, e->answered,
               e->questions, paint(o, PLAIN));
    else
        printf("    written answers: %s (%d/%d questions), for TA review\n", word,
               e->answered, e->questions);
}

/* What the exercise's code names that it has no reason for, under it. */
static void review_line(const struct options *o, const struct exercise *e)
{
    char text[REVIEW_TEXT_LEN];

    if (!review_flagged(&e->review))
        return;
    review_text(&e->review, text, sizeof(text));
    printf("    %sfor review%s: ", paint(o, YELLOW), paint(o, PLAIN));
    term_write(stdout, text, 600);
    printf(" (not part of the score: a TA reads the code)\n");
}

/* Text that may come from the submission, one line after another: the first
 * after first, the others after indent (so that none can pass for a line of
 * the table), at most lines lines of at most max bytes each. */
static void print_lines(const char *first, const char *indent, const char *text, int lines,
                        size_t max)
{
    const char *p = text;

    for (int i = 0; p && *p && i < lines; i++) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[REASON_LEN];

        snprintf(line, sizeof(line), "%.*s", (int)len, p);
        fputs(i ? indent : first, stdout);
        term_write(stdout, line, max);
        putchar('\n');
        p = nl ? nl + 1 : NULL;
    }
}

/* The first four lines of a reason, at most 300 bytes each. */
static void print_reason(const char *reason, const char *indent)
{
    print_lines(indent, indent, reason, 4, 300);
}

/* A field of the submission's after its name, its later lines indented. */
static void print_line(const char *prefix, const char *text, size_t max)
{
    print_lines(prefix, "      ", text, INT_MAX, max);
}

static void print_exercise(const struct options *o, const struct exercise *e, bool alone)
{
    int shown = 0, failed = 0;

    if (e->state == EX_WRITTEN) {
        answers_line(o, e, true);
        return;
    }
    char count[32];

    snprintf(count, sizeof(count), "%d/%d tests", e->passed, e->ntests);
    printf("%-22s %-13s %s%5g/%-3g%s", e->name, count,
           paint(o, e->earned == e->max ? GREEN : e->earned > 0 ? YELLOW : RED),
           e->earned, e->max, paint(o, PLAIN));
    if (e->bonus_max > 0)
        printf(" (+%g/%g bonus)", e->bonus_earned, e->bonus_max);
    printf("  %5.1fs\n", e->seconds);
    switch (e->state) {
    case EX_NO_BUILD:
        printf("    %sdoes not compile%s: every test scores 0\n", paint(o, RED),
               paint(o, PLAIN));
        print_reason(e->note, "      ");
        break;
    case EX_MISSING:
    case EX_BROKEN:
        print_line("    ", e->note, SIZE_MAX);
        break;
    default:
        if (e->note[0])
            print_line("    note: ", e->note, SIZE_MAX);
        break;
    }
    if (e->leftovers[0])
        print_line("    left behind and removed: ", e->leftovers, 400);
    review_line(o, e);
    answers_line(o, e, false);
    if (e->state != EX_GRADED)
        return;
    if (not_started(e)) {
        printf("    not started: every function still fails with ENOSYS "
               "(\"not implemented\")\n");
        return;
    }
    for (int i = 0; i < e->ntests; i++) {
        const struct test *t = &e->tests[i];
        char cmd[512];

        if (t->verdict == V_PASS)
            continue;
        failed++;
        if (!alone && !o->verbose && shown == SHOWN_FAILURES)
            continue;
        shown++;
        printf("    %s%-8s%s %s (%g pt%s%s)\n", paint(o, RED), verdict_word(t->verdict),
               paint(o, PLAIN), t->name, t->points, t->points == 1 ? "" : "s",
               t->bonus ? ", bonus" : "");
        print_reason(t->reason, "             ");
        /* for a crash or an exit Check names the last check that passed */
        if (t->where[0] && t->verdict != V_TIMEOUT) {
            printf("             %s ",
                   t->verdict == V_FAIL || t->verdict == V_LEFTOVER ? "at" : "after");
            term_write(stdout, t->where, SIZE_MAX);
            printf(":%d\n", t->where_line);
        }
        rerun(o, e, t, cmd, sizeof(cmd));
        print_line("             rerun: ", cmd, SIZE_MAX);
    }
    if (failed > shown)
        printf("    ... and %d more failed tests: make grade EX=%s\n", failed - shown,
               e->name);
}

void report_table(const struct options *o, struct exercise *ex, int n, double wall)
{
    double total = 0, max = 0, bonus = 0;

    if (!ex) {
        printf("%sGrading ", paint(o, BOLD));
        term_write(stdout, o->impl, SIZE_MAX); /* in --batch, a student's folder */
        printf("/ %s (%d job%s)%s\n",
               o->valgrind ? "under Valgrind" : "without Valgrind (FAST: leaks not checked)",
               o->jobs, o->jobs == 1 ? "" : "s", paint(o, PLAIN));
        if (o->tampered) {
            printf("%sTAMPERED%s: ", paint(o, RED), paint(o, PLAIN));
            print_line("protected files differ from the starter: ", o->tampered_files,
                       SIZE_MAX);
        } else if (o->integrity_note[0]) {
            print_line("integrity: ", o->integrity_note, SIZE_MAX);
        }
        fflush(stdout);
        return;
    }
    if (wall < 0) {
        print_exercise(o, ex, !!o->only[0] && !strchr(o->only, ','));
        fflush(stdout);
        return;
    }
    for (int i = 0; i < n; i++) {
        total += ex[i].earned;
        max += ex[i].max;
        bonus += ex[i].bonus_earned;
    }
    printf("Graded in %.1fs%s%s\n", wall, o->valgrind ? "" : " without Valgrind",
           o->tampered ? " (TAMPERED)" : "");
    printf("Score: %g/%g", total, max);
    if (bonus > 0)
        printf(" (+%g bonus)", bonus);
    printf("\n");
    fflush(stdout);
}

/* The text shown for one test: its reason and where to look. */
static void test_output(const struct options *o, const struct exercise *e,
                        const struct test *t, char *buf, size_t size)
{
    char cmd[512];

    buf[0] = '\0';
    if (e->state == EX_NO_BUILD) {
        snprintf(buf, size, "COMPILE: the exercise does not compile:\n%s", e->note);
        return;
    }
    if (e->state != EX_GRADED) {
        snprintf(buf, size, "%s: %s", e->state == EX_MISSING ? "MISSING" : "BROKEN",
                 e->note);
        return;
    }
    if (t->verdict == V_PASS)
        return;
    snprintf(buf, size, "%s: %s", verdict_word(t->verdict), t->reason);
    if (t->where[0])
        append(buf, size, "\nat %s:%d", t->where, t->where_line);
    rerun(o, e, t, cmd, sizeof(cmd));
    append(buf, size, "\nrerun: %s", cmd);
}

/* A JSON array of the n names of list. */
static void json_names(FILE *f, const char (*list)[NAME_LEN], int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        json_write(f, SIZE_MAX, list[i]);
    }
    fputc(']', f);
}

/* extra_data's "review": an entry for each exercise whose code was built,
 * {"exercise", "calls", "mentions", "more"} (see the README). */
static void review_json(FILE *f, const struct exercise *ex, int n)
{
    bool first = true;

    fputs("\"review\": [", f);
    for (int i = 0; i < n; i++) {
        const struct review *r = &ex[i].review;

        if (!r->done)
            continue;
        fputs(first ? "\n    {\"exercise\": " : ",\n    {\"exercise\": ", f);
        json_write(f, SIZE_MAX, ex[i].name);
        fputs(", \"calls\": ", f);
        json_names(f, r->calls, r->ncalls);
        fputs(", \"mentions\": ", f);
        json_names(f, r->mentions, r->nmentions);
        fprintf(f, ", \"more\": %d}", r->more);
        first = false;
    }
    fputs(first ? "]" : "\n  ]", f);
}

/* A test of no points that shows Gradescope's reader what is for review. */
static void review_test_json(FILE *f, const struct exercise *e)
{
    char text[REVIEW_TEXT_LEN], out[REVIEW_TEXT_LEN + 160], name[NAME_LEN + 16];

    review_text(&e->review, text, sizeof(text));
    snprintf(out, sizeof(out),
             "for review: %s\nNot part of the score: what this exercise has no reason to "
             "call or name; a TA reads the code.",
             text);
    snprintf(name, sizeof(name), "%s: for review", e->name);
    fputs("\n    {\"name\": ", f);
    json_write(f, SIZE_MAX, name);
    fputs(", \"score\": 0, \"max_score\": 0, \"status\": \"failed\", \"output\": ", f);
    json_write(f, SIZE_MAX, out);
    fputs(", \"tags\": [", f);
    json_write(f, SIZE_MAX, e->name);
    fputs(", \"review\"], \"visibility\": \"visible\"}", f);
}

int report_json(const struct options *o, const char *path, struct exercise *ex, int n,
                double wall)
{
    FILE *f = fopen(path, "we");
    double total = 0, bonus = 0, max = 0, bonus_max = 0;
    bool first = true;
    char out[REASON_LEN * 2];

    if (!f)
        return -1;
    for (int i = 0; i < n; i++) {
        total += ex[i].earned;
        bonus += ex[i].bonus_earned;
        max += ex[i].max;
        bonus_max += ex[i].bonus_max;
    }
    fprintf(f, "{\n  \"score\": %g,\n  \"execution_time\": %.0f,\n", total + bonus, wall);
    snprintf(out, sizeof(out), "Score: %g/%g", total, max);
    if (bonus > 0)
        append(out, sizeof(out), " (+%g bonus)", bonus);
    if (!o->valgrind)
        append(out, sizeof(out), " (without Valgrind: leaks not checked)");
    if (o->tampered)
        append(out, sizeof(out), "\nTAMPERED: protected files differ from the starter: %s",
               o->tampered_files);
    bool contained;

    fputs("  \"output\": ", f);
    json_write(f, SIZE_MAX, out);
    fputs(",\n  \"output_format\": \"text\",\n  \"visibility\": \"visible\",\n", f);
    fprintf(f, "  \"extra_data\": {\"max\": %g, \"bonus\": %g, \"bonus_max\": %g, "
               "\"tampered\": %s, "
               "\"valgrind\": %s, \"sandbox_uid\": %ld, \"ipc_prefix\": \"%s\", "
               "\"sandbox\": \"%s\", ",
            max, bonus, bonus_max, o->tampered ? "true" : "false",
            o->valgrind ? "true" : "false", (long)sandbox_user(), o->ipc_base,
            sandbox_layers(&contained));
    review_json(f, ex, n);
    fputs("},\n", f);
    fputs("  \"tests\": [", f);
    for (int i = 0; i < n; i++) {
        const struct exercise *e = &ex[i];

        if (e->has_answers && e->questions) {
            char name[NAME_LEN * 2];

            snprintf(out, sizeof(out), "%s (%d/%d questions), for TA review",
                     e->answered == e->questions ? "answered"
                     : e->answered              ? "partly answered"
                                                : "not answered",
                     e->answered, e->questions);
            snprintf(name, sizeof(name), "%s: written answers", e->name);
            fprintf(f, "%s\n    {\"name\": ", first ? "" : ",");
            json_write(f, SIZE_MAX, name);
            fprintf(f, ", \"score\": 0, \"max_score\": 0, \"status\": \"%s\", \"output\": ",
                    e->answered == e->questions ? "passed" : "failed");
            json_write(f, SIZE_MAX, out);
            fputs(", \"tags\": [", f);
            json_write(f, SIZE_MAX, e->name);
            fputs(", \"written\"], \"visibility\": \"visible\"}", f);
            first = false;
        }
        if (review_flagged(&e->review)) {
            fputs(first ? "" : ",", f);
            review_test_json(f, e);
            first = false;
        }
        for (int j = 0; j < e->ntests; j++) {
            const struct test *t = &e->tests[j];
            char name[NAME_LEN * 2 + 4];

            snprintf(name, sizeof(name), "%s: %s", e->name, t->name);
            test_output(o, e, t, out, sizeof(out));
            fprintf(f, "%s\n    {\"name\": ", first ? "" : ",");
            json_write(f, SIZE_MAX, name);
            fprintf(f, ", \"number\": \"%d.%d\", \"score\": %g, \"max_score\": %g, "
                       "\"status\": \"%s\", \"output\": ",
                    i + 1, j + 1, t->earned, t->bonus ? 0.0 : t->points,
                    t->verdict == V_PASS ? "passed" : "failed");
            json_write(f, SIZE_MAX, out);
            fputs(", \"tags\": [", f);
            json_write(f, SIZE_MAX, e->name);
            fprintf(f, "%s], \"visibility\": \"visible\"}", t->bonus ? ", \"bonus\"" : "");
            first = false;
        }
    }
    fputs("\n  ]\n}\n", f);
    return fclose(f) == 0 ? 0 : -1;
}
