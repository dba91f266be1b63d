/* escapes_in_compiler_errors.c - a submission for 02-ipc-names that does not compile, under a file name (#line) holding newlines, workflow commands, terminal escapes and HTML
 * exercise: 02-ipc-names
 * The compiler names the file in each error, newlines and all: the lines the
 * grader keeps must show as text, no line of its output may open with a
 * workflow command of the submission's, and the backticks in the name must
 * not close the job summary's code block.
 * expect: valid_accepts_good_names=COMPILE
 * expect-score: 0
 * expect-output: does not compile
 * expect-output: \x3a:error title=forged::injected by the submission
 * expect-output: ##\x5berror]forged\x1b[2J\x07</td></table><h1>Score 100/100</h1>
 * grade-with: fast
 * max-seconds: 30
 * display: yes
 */
#include "ipcname.h"

#line 1 "x\n::error title=forged::injected by the submission\n##[error]forged\033[2J\007</td></table><h1>Score 100/100</h1>**bold** ``` =HYPERLINK(1).c"
bool ipc_name_valid(const char *name)
{
    return name != NULL /* missing semicolon */
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    (void)buf;
    (void)size;
    (void)tag;
    return -1;
}
