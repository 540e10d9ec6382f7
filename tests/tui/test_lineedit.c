/* test_lineedit.c: the ':' prompt's line editor: UTF-8 cursor motion and
 * deletion, history, and Tab completion from the command table and from
 * file names (in a scratch directory). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lineedit.h"
#include "session.h"
#include "tap.h"

static void type(line_edit *le, const char *s)
{
    le_insert(le, s, strlen(s));
}

int main(void)
{
    line_edit le;
    le_init(&le);

    /* "é" is 2 bytes, "→" 3: the cursor moves by code points */
    type(&le, "aé→b");
    tap_ok(le.len == 7 && le.cur == 7, "insert: 4 code points, 7 bytes (len %zu)", le.len);
    le_left(&le);
    tap_ok(le.cur == 6, "left over 'b' (cur %zu)", le.cur);
    le_left(&le);
    tap_ok(le.cur == 3, "left over the 3-byte arrow (cur %zu)", le.cur);
    le_backspace(&le);
    tap_ok(strcmp(le.buf, "a→b") == 0 && le.cur == 1, "backspace removes the whole 'é' (%s)",
           le.buf);
    le_delete(&le);
    tap_ok(strcmp(le.buf, "ab") == 0 && le.cur == 1, "delete removes the whole arrow (%s)",
           le.buf);
    type(&le, "X");
    tap_ok(strcmp(le.buf, "aXb") == 0, "insert in the middle (%s)", le.buf);
    le_home(&le);
    le_right(&le);
    le_kill_end(&le);
    tap_ok(strcmp(le.buf, "a") == 0, "kill to the end (%s)", le.buf);
    le_kill_line(&le);
    type(&le, "load  some file");
    le_kill_word(&le);
    tap_ok(strcmp(le.buf, "load  some ") == 0, "Ctrl-W deletes the word before the cursor (%s)",
           le.buf);
    le_left(&le);
    le_left(&le);
    le_left(&le);
    le_left(&le);
    le_left(&le);
    le_left(&le);
    le_kill_word(&le);
    /* the cursor sat between the two blanks: "load " goes, " some " stays */
    tap_ok(strcmp(le.buf, " some ") == 0 && le.cur == 0,
           "Ctrl-W skips blanks, then deletes a word (%s)", le.buf);
    char big[LE_MAX + 1];
    memset(big, 'x', LE_MAX);
    tap_ok(le_insert(&le, big, LE_MAX) == -1 && strcmp(le.buf, " some ") == 0,
           "an insert past the limit is refused and changes nothing");

    /* history */
    le_clear(&le);
    le_hist_add(&le, "echo one");
    le_hist_add(&le, "echo two");
    le_hist_add(&le, "echo two"); /* repeated: kept once */
    le_hist_add(&le, "");
    tap_ok(le.nhist == 2, "history keeps distinct non-empty lines (%d)", le.nhist);
    type(&le, "half typed");
    le_hist_prev(&le);
    tap_ok(strcmp(le.buf, "echo two") == 0, "up: the last line (%s)", le.buf);
    le_hist_prev(&le);
    le_hist_prev(&le); /* at the oldest: stays */
    tap_ok(strcmp(le.buf, "echo one") == 0, "up twice: the first line, and it stops there");
    le_hist_next(&le);
    le_hist_next(&le);
    tap_ok(strcmp(le.buf, "half typed") == 0 && le.cur == le.len,
           "down past the newest gives back the line being typed (%s)", le.buf);

    /* completion from the table */
    session s;
    session_init(&s);
    char shown[512];
    le_clear(&le);
    type(&le, "ech");
    int n = le_complete(&le, &s, shown, sizeof shown);
    tap_ok(n == 1 && strcmp(le.buf, "echo ") == 0 && !shown[0],
           "one candidate: completed, with a space (%s)", le.buf);
    le_clear(&le);
    type(&le, "s");
    n = le_complete(&le, &s, shown, sizeof shown);
    tap_ok(n >= 3 && strstr(shown, "set") && strstr(shown, "show") && strstr(shown, "source"),
           "several: listed (%s)", shown);
    tap_ok(strcmp(le.buf, "s") == 0, "and the word stays at their common prefix (%s)", le.buf);
    le_clear(&le);
    type(&le, "set see");
    n = le_complete(&le, &s, shown, sizeof shown);
    tap_ok(n == 1 && strcmp(le.buf, "set seed ") == 0, "a setting name (%s)", le.buf);
    le_clear(&le);
    type(&le, "zzz");
    tap_ok(le_complete(&le, &s, shown, sizeof shown) == 0 && strcmp(le.buf, "zzz") == 0,
           "no candidate: nothing changes");

    /* file names, in a scratch directory */
    char dir[] = "/tmp/sc-test-lineedit-XXXXXX";
    if (!mkdtemp(dir))
        return tap_skip_all("cannot make a scratch directory");
    char path[256];
    snprintf(path, sizeof path, "%s/pbmc_a.h5ad", dir);
    fclose(fopen(path, "w"));
    snprintf(path, sizeof path, "%s/pbmc_b.h5ad", dir);
    fclose(fopen(path, "w"));
    snprintf(path, sizeof path, "%s/sub", dir);
    mkdir(path, 0700);
    le_clear(&le);
    char line[512];
    snprintf(line, sizeof line, "source %s/pb", dir);
    type(&le, line);
    n = le_complete(&le, &s, shown, sizeof shown);
    snprintf(line, sizeof line, "source %s/pbmc_", dir);
    tap_ok(n == 2 && strcmp(le.buf, line) == 0, "files: common prefix (%s)", le.buf);
    tap_ok(strcmp(shown, "pbmc_a.h5ad pbmc_b.h5ad") == 0, "listed without the directory (%s)",
           shown);
    type(&le, "a");
    n = le_complete(&le, &s, shown, sizeof shown);
    snprintf(line, sizeof line, "source %s/pbmc_a.h5ad ", dir);
    tap_ok(n == 1 && strcmp(le.buf, line) == 0, "one file: completed with a space");
    le_clear(&le);
    snprintf(line, sizeof line, "source %s/su", dir);
    type(&le, line);
    le_complete(&le, &s, shown, sizeof shown);
    snprintf(line, sizeof line, "source %s/sub/", dir);
    tap_ok(strcmp(le.buf, line) == 0, "a directory gets '/' and no space (%s)", le.buf);

    snprintf(path, sizeof path, "%s/pbmc_a.h5ad", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/pbmc_b.h5ad", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/sub", dir);
    rmdir(path);
    rmdir(dir);
    session_free(&s);
    le_free(&le);
    return tap_done();
}
