/* github.c - GitHub Actions outputs: job summary, annotations, Classroom's result */
#define _GNU_SOURCE
#include "grade.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes s escaped for a workflow command's message (or property). */
static void command_text(FILE *f, const char *s, bool property)
{
    for (; *s; s++) {
        if (*s == '%')
            fputs("%25", f);
        else if (*s == '\r')
            fputs("%0D", f);
        else if (*s == '\n')
            fputs("%0A", f);
        else if (property && *s == ':')
            fputs("%3A", f);
        else if (property && *s == ',')
            fputs("%2C", f);
        else
            fputc(*s, f);
    }
}

static void annotate(const struct exercise *e, const struct test *t)
{
    const char *file = t->where[0] ? t->where : t->file;
    int line = t->where[0] ? t->where_line : t->line;
    char title[NAME_LEN * 2 + 8];

    snprintf(title, sizeof(title), "%s: %s", e->name, t->name);
    printf("::error file=");
    command_text(stdout, file, true);
    printf(",line=%d,title=", line);
    command_text(stdout, title, true);
    printf("::%s: ", verdict_word(t->verdict));
    command_text(stdout, t->reason, false);
    printf("\n");
}

/* Markdown cell text: no pipes or newlines. */
static void cell(FILE *f, const char *s, size_t max)
{
    for (size_t i = 0; s[i] && i < max; i++)
        fputc(s[i] == '|' ? '/' : s[i] == '\n' ? ' ' : s[i], f);
}

static void summary(const struct options *o, const struct exercise *ex, int n,
                    const char *path)
{
    FILE *f = fopen(path, "ae");
    double total = 0, max = 0, bonus = 0;

    if (!f)
        return;
    for (int i = 0; i < n; i++) {
        total += ex[i].earned;
        max += ex[i].max;
        bonus += ex[i].bonus_earned;
    }
    fprintf(f, "## IPC week: %g/%g", total, max);
    if (bonus > 0)
        fprintf(f, " (+%g bonus)", bonus);
    fprintf(f, "%s\n\n", o->tampered ? " — TAMPERED" : "");
    if (o->tampered)
        fprintf(f, "**Protected files differ from the starter:** %s\n\n", o->tampered_files);
    fprintf(f, "| exercise | tests passed | points | time |\n|---|---|---|---|\n");
    for (int i = 0; i < n; i++) {
        const struct exercise *e = &ex[i];

        if (e->state == EX_WRITTEN) {
            fprintf(f, "| %s | written: %d/%d answered, for TA review | | |\n", e->name,
                    e->answered, e->questions);
            continue;
        }
        fprintf(f, "| %s | %d/%d | %g/%g", e->name, e->passed, e->ntests, e->earned,
                e->max);
        if (e->bonus_max > 0)
            fprintf(f, " (+%g bonus)", e->bonus_earned);
        fprintf(f, " | %.1fs |\n", e->seconds);
    }
    fprintf(f, "\n");
    for (int i = 0; i < n; i++) {
        const struct exercise *e = &ex[i];
        bool header = false;

        if (e->state == EX_NO_BUILD || e->state == EX_MISSING || e->state == EX_BROKEN) {
            fprintf(f, "### %s\n\n```\n%s\n```\n\n", e->name, e->note);
            continue;
        }
        for (int j = 0; j < e->ntests; j++) {
            const struct test *t = &e->tests[j];

            if (t->verdict == V_PASS)
                continue;
            if (!header) {
                fprintf(f, "### %s\n\n| test | points | result | why |\n|---|---|---|---|\n",
                        e->name);
                header = true;
            }
            fprintf(f, "| `%s` | %g%s | %s | ", t->name, t->points, t->bonus ? " bonus" : "",
                    verdict_word(t->verdict));
            cell(f, t->reason, 400);
            fprintf(f, " |\n");
        }
        if (header)
            fprintf(f, "\nRerun one test: `make grade EX=%s TEST=<name>`\n\n", e->name);
    }
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

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

/*
 * GitHub Classroom's grading reporter reads, for each runner id, the variable
 * <ID>_RESULTS: base64 of {"version":1,"status","max_score","tests":[...]}.
 * The workflow passes this step output into it.
 */
static void classroom(const struct options *o, const struct exercise *ex, int n,
                      const char *path)
{
    char *json = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&json, &len);
    FILE *f;
    double max = 0;
    bool all = true, first = true;

    if (!m)
        return;
    for (int i = 0; i < n; i++) {
        max += ex[i].max;
        all = all && ex[i].earned == ex[i].max && ex[i].state != EX_NO_BUILD;
    }
    all = all && !o->tampered;
    fprintf(m, "{\"version\":1,\"status\":\"%s\",\"max_score\":%g,\"tests\":[",
            all ? "pass" : "fail", max);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < ex[i].ntests; j++) {
            const struct test *t = &ex[i].tests[j];
            char name[NAME_LEN * 2 + 4], msg[REASON_LEN + 64];

            snprintf(name, sizeof(name), "%s: %s%s", ex[i].name, t->name,
                     t->bonus ? " (bonus)" : "");
            if (ex[i].state != EX_GRADED)
                snprintf(msg, sizeof(msg), "%s", ex[i].note);
            else
                snprintf(msg, sizeof(msg), "%s", t->verdict == V_PASS ? "" : t->reason);
            fprintf(m, "%s{\"name\":", first ? "" : ",");
            json_str(m, name);
            fprintf(m, ",\"status\":\"%s\",\"score\":%g,\"message\":",
                    t->verdict == V_PASS ? "pass" : "fail", o->tampered ? 0 : t->earned);
            json_str(m, msg);
            fprintf(m, ",\"line_no\":%d,\"filename\":", t->line);
            json_str(m, t->file);
            fprintf(m, ",\"test_code\":");
            json_str(m, t->name);
            fputc('}', m);
            first = false;
        }
    }
    fputs("]}", m);
    fclose(m);
    f = fopen(path, "ae");
    if (f) {
        fputs("result=", f);
        base64(f, (const unsigned char *)json, len);
        fputc('\n', f);
        fclose(f);
    }
    free(json);
}

void report_github(const struct options *o, struct exercise *ex, int n)
{
    const char *s = getenv("GITHUB_STEP_SUMMARY");
    const char *out = getenv("GITHUB_OUTPUT");

    for (int i = 0; i < n; i++)
        for (int j = 0; j < ex[i].ntests && ex[i].state == EX_GRADED; j++)
            if (ex[i].tests[j].verdict != V_PASS)
                annotate(&ex[i], &ex[i].tests[j]);
    if (s && *s)
        summary(o, ex, n, s);
    if (out && *out)
        classroom(o, ex, n, out);
}
