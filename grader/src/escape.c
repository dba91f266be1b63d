/* escape.c - text that came from a submission, made safe for what shows it */
#include "grade.h"

#include <stdio.h>
#include <string.h>

/*
 * Everything a submission can write (its output, the messages of failed
 * checks about what it returned, the names of the files it made or brought,
 * what the compiler and Valgrind said about it) is shown to people through a
 * terminal, GitHub's log and job summary, Gradescope and a spreadsheet. One
 * walk over the text decides what of it is shown as it is; each place that
 * shows it then escapes what has a meaning there. The walk makes visible
 * (as \x1b, \u202e) what would act on a terminal or hide text from a reader:
 *
 * - control characters but newline and tab (C0, DEL, C1), and the bytes that
 *   are not UTF-8: an ESC starts a terminal sequence (colours, the window's
 *   title, a cleared screen, a link), BEL rings, CR rewrites a line, and a
 *   lone byte 0x9b is an 8-bit terminal's ESC [;
 * - the invisible and bidirectional formatting characters (U+200B-U+200F,
 *   U+202A-U+202E, U+2060-U+2069, U+061C, U+FEFF) and the Unicode line and
 *   paragraph separators, which reorder or hide what is shown;
 * - a GitHub workflow command: the runner reads every line of a step's output
 *   that opens with "::" after blanks (Unicode blanks too) as a command, and
 *   "##[" anywhere in a line as an old-style one. The first colon of such a
 *   "::" and the "[" after "##" are shown as \x3a and \x5b.
 */

/* A place to write to: put writes n bytes of shown text there, escaped as
 * the place needs. The fields after put belong to the put function. */
struct sink {
    void (*put)(struct sink *s, const char *text, size_t n);
    FILE *f;
    bool property;    /* workflow command: a property, not the message */
    size_t run, most; /* Markdown code: the backticks in a row, the most */
    int first;        /* CSV: the first byte shown, -1 before it */
    bool quote;       /* CSV: the field needs quotes */
};

/* Length of the valid UTF-8 sequence at p (its code point in *cp), or 0
 * when it is not one. Reads no further than a NUL. */
static size_t utf8_char(const unsigned char *p, unsigned *cp)
{
    size_t n;

    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2;
        *cp = p[0] & 0x1f;
    } else if ((p[0] & 0xf0) == 0xe0) {
        n = 3;
        *cp = p[0] & 0x0f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        *cp = p[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        *cp = *cp << 6 | (p[i] & 0x3f);
    }
    if ((n == 3 && (*cp < 0x800 || (*cp >= 0xd800 && *cp <= 0xdfff))) ||
        (n == 4 && (*cp < 0x10000 || *cp > 0x10ffff)))
        return 0;
    return n;
}

/* Characters shown by their number: they act on a terminal, or are unseen. */
static bool hidden(unsigned cp)
{
    return (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7f && cp <= 0x9f) ||
           cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) ||
           cp == 0xfeff;
}

/* What GitHub's runner trims from the start of a line (.NET's white space),
 * less what hidden() shows by its number and the newline. */
static bool blank(unsigned cp)
{
    return cp == ' ' || cp == '\t' || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

static void put_str(struct sink *s, const char *text)
{
    s->put(s, text, strlen(text));
}

/* Writes at most max bytes of text (whole characters, then "..." when some
 * are left) to s, each character as it is or made visible (see above). */
static void walk(const char *text, size_t max, struct sink *s)
{
    const unsigned char *p = (const unsigned char *)text;
    bool line_start = true; /* only blanks since the start or the last newline */
    int hashes = 0;         /* '#' characters right before */
    size_t used = 0;

    while (*p) {
        unsigned cp = 0;
        size_t n = utf8_char(p, &cp);
        bool valid = n != 0;
        char number[16];

        n = valid ? n : 1;
        if (used + n > max) {
            put_str(s, "...");
            return;
        }
        if (!valid || hidden(cp)) {
            if (!valid || cp < 0x80)
                snprintf(number, sizeof(number), "\\x%02x", *p);
            else
                snprintf(number, sizeof(number), "\\u%04x", cp);
            put_str(s, number);
        } else if (cp == ':' && line_start && p[1] == ':') {
            put_str(s, "\\x3a");
        } else if (cp == '[' && hashes >= 2) {
            put_str(s, "\\x5b");
        } else {
            s->put(s, (const char *)p, n);
        }
        line_start = valid && (cp == '\n' || (line_start && blank(cp)));
        hashes = valid && cp == '#' ? hashes + 1 : 0;
        p += n;
        used += n;
    }
}

static void put_plain(struct sink *s, const char *text, size_t n)
{
    fwrite(text, 1, n, s->f);
}

void term_write(FILE *f, const char *text, size_t max)
{
    struct sink s = {.put = put_plain, .f = f};

    walk(text, max, &s);
}

/* Markdown as GitHub renders it (CommonMark with its tables, autolinks,
 * emoji and math), inline: HTML's specials as entities; with a backslash,
 * what can open emphasis, code, a link or an image ([ and ]), end a table
 * cell, or make an autolink (scheme:, www., user@host), an emoji (:name:),
 * a reference (#1) or math ($). What opens a block (a heading, a list, a
 * quote) does so only at the start of a line, where this text never is. */
static void put_markdown(struct sink *s, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = text[i];

        if (c == '\n')
            fputs("<br>", s->f);
        else if (c == '&')
            fputs("&amp;", s->f);
        else if (c == '<')
            fputs("&lt;", s->f);
        else if (c == '>')
            fputs("&gt;", s->f);
        else if (c == '"')
            fputs("&quot;", s->f);
        else if (c == '\'')
            fputs("&#39;", s->f);
        else if (c && strchr("\\`*_[]|~:@$#.", c))
            fprintf(s->f, "\\%c", c);
        else
            fputc(c, s->f);
    }
}

void md_write(FILE *f, const char *text, size_t max)
{
    struct sink s = {.put = put_markdown, .f = f};

    walk(text, max, &s);
}

static void count_backticks(struct sink *s, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s->run = text[i] == '`' ? s->run + 1 : 0;
        if (s->run > s->most)
            s->most = s->run;
    }
}

void md_code_write(FILE *f, const char *text)
{
    struct sink s = {.put = count_backticks, .f = f};
    size_t fence;

    walk(text, SIZE_MAX, &s);
    /* a fence closes only on a line of as many backticks: one more than the
     * text's longest run, and nothing in it is read as Markdown or HTML */
    fence = s.most < 3 ? 3 : s.most + 1;
    for (size_t i = 0; i < fence; i++)
        fputc('`', f);
    fputc('\n', f);
    s.put = put_plain;
    walk(text, SIZE_MAX, &s);
    fputc('\n', f);
    for (size_t i = 0; i < fence; i++)
        fputc('`', f);
    fputc('\n', f);
}

/* GitHub's workflow commands (actions/runner, ActionCommand.cs): in the
 * message, '%', CR and LF as %25, %0D, %0A; in a property also ':' and ','
 * (which end the command's name and separate properties). */
static void put_command(struct sink *s, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = text[i];

        if (c == '%')
            fputs("%25", s->f);
        else if (c == '\r')
            fputs("%0D", s->f);
        else if (c == '\n')
            fputs("%0A", s->f);
        else if (s->property && c == ':')
            fputs("%3A", s->f);
        else if (s->property && c == ',')
            fputs("%2C", s->f);
        else
            fputc(c, s->f);
    }
}

void command_write(FILE *f, const char *text, bool property)
{
    struct sink s = {.put = put_command, .f = f, .property = property};

    walk(text, SIZE_MAX, &s);
}

static void scan_csv(struct sink *s, const char *text, size_t n)
{
    if (n && s->first < 0)
        s->first = (unsigned char)text[0];
    for (size_t i = 0; i < n; i++)
        s->quote |= text[i] == ',' || text[i] == '"' || text[i] == '\n';
}

static void put_csv(struct sink *s, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '"')
            fputc('"', s->f);
        fputc(text[i] == '\n' ? ' ' : text[i], s->f);
    }
}

void csv_write(FILE *f, const char *text)
{
    struct sink s = {.put = scan_csv, .f = f, .first = -1};
    bool formula;

    walk(text, SIZE_MAX, &s);
    /* a spreadsheet runs a cell that opens with one of these as a formula */
    formula = s.first > 0 && strchr("=+-@\t", s.first);
    if (s.quote)
        fputc('"', f);
    if (formula)
        fputc('\'', f);
    s.put = put_csv;
    walk(text, SIZE_MAX, &s);
    if (s.quote)
        fputc('"', f);
}

static void put_json(struct sink *s, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = text[i];

        if (c == '"' || c == '\\')
            fprintf(s->f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", s->f);
        else if (c == '\t')
            fputs("\\t", s->f);
        else
            fputc(c, s->f);
    }
}

void json_write(FILE *f, size_t max, const char *text)
{
    struct sink s = {.put = put_json, .f = f};

    fputc('"', f);
    walk(text, max, &s);
    fputc('"', f);
}
