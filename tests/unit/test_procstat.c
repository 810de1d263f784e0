/* Unit tests for exporter/procstat: the /proc parsers over text, and one
 * read of this very process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "exporter/procstat.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The fields after the command name of a real line (cat's): state, then
 * ppid ... rss (utime 7, stime 3, starttime 257834, vsize 3133440, rss
 * 407), then what follows rss. */
#define TAIL " R 10366 10366 32484 0 -1 4194304 100 0 0 0 7 3 0 0 20 0 1 0 " \
             "257834 3133440 407 18446744073709551615 94405896060928 0 0\n"

struct stat_case {
    const char *text;
    int ok;
    struct procstat_stat want;
    const char *why;
};

static const struct stat_case stat_cases[] = {
    { "10368 (cat)" TAIL, 1, { 7, 3, 257834, 3133440, 407 },
      "a real line" },
    { "10368 (krb5_exporter)" TAIL, 1, { 7, 3, 257834, 3133440, 407 },
      "our own name" },
    { "1 (a b) c)" TAIL, 1, { 7, 3, 257834, 3133440, 407 },
      "spaces and ')' in the name: fields count from the last ')'" },
    { "1 ((x)" TAIL, 1, { 7, 3, 257834, 3133440, 407 },
      "'(' in the name" },
    { "1 () R 1 1 1 0 -1 0 0 0 0 0 18446744073709551615 0 0 0 20 -5 1 0 "
      "1 2 3", 1, { UINT64_MAX, 0, 1, 2, 3 },
      "the largest utime, a negative nice, and rss last without a newline" },
    { "1 (x) R 1 1 1 0 -1 0 0 0 0 0 18446744073709551616 0 0 0 20 0 1 0 "
      "1 2 3\n", 0, { 0 }, "utime past 2^64" },
    { "1 (x) R 1 1 1 0 -1 0 0 0 0 0 -7 3 0 0 20 0 1 0 1 2 3\n", 0, { 0 },
      "negative utime" },
    { "1 (x) R 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 2 -3\n", 0, { 0 },
      "negative rss" },
    { "1 (x) R 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 2\n", 0, { 0 },
      "cut short before rss" },
    { "1 (x) R 1 1 1 0 -1 0 0 0 0 0 7x 3 0 0 20 0 1 0 1 2 3\n", 0, { 0 },
      "junk in a number" },
    { "1 (x) R 1 1 1 0 -1 0 0 0 0 0 7  3 0 0 20 0 1 0 1 2 3\n", 0, { 0 },
      "two spaces" },
    { "1 (x) 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 2 3\n", 0, { 0 },
      "no state letter" },
    { "1 x R 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 2 3\n", 0, { 0 },
      "no parentheses" },
    { "1 (x)R 1\n", 0, { 0 }, "no space after ')'" },
    { "", 0, { 0 }, "empty" },
    { "1 (x) R", 0, { 0 }, "only the state" },
};

static void
stat_lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(stat_cases); i++) {
        const struct stat_case *c = &stat_cases[i];
        struct procstat_stat st = { 11, 11, 11, 11, 11 };
        int ret = procstat_parse_stat(c->text, &st);

        print_message("case %zu: %s\n", i, c->why);
        assert_int_equal(ret, c->ok ? 0 : -1);
        if (!c->ok) {
            assert_true(st.utime == 11 && st.rss == 11);
            continue;
        }
        assert_true(st.utime == c->want.utime);
        assert_true(st.stime == c->want.stime);
        assert_true(st.starttime == c->want.starttime);
        assert_true(st.vsize == c->want.vsize);
        assert_true(st.rss == c->want.rss);
    }
}

struct number_case {
    const char *text;
    int ok;
    double want;
    const char *why;
};

static const struct number_case btime_cases[] = {
    { "cpu  1 2 3\ncpu0 1 2 3\nintr 5 0 0\nctxt 9\nbtime 1796112464\n"
      "processes 7\n", 1, 1796112464, "a real /proc/stat" },
    { "btime 1\n", 1, 1, "first line" },
    { "ctxt 9\nbtime 42", 1, 42, "last line without a newline" },
    { "xbtime 5\nbtime 6\n", 1, 6, "btime must start its line" },
    { "cpu 1\nbtime \n", 0, 0, "no number" },
    { "btime -5\n", 0, 0, "negative" },
    { "btime 5 6\n", 0, 0, "two numbers" },
    { "btime 5x\n", 0, 0, "junk" },
    { "cpu 1\nctxt 2\n", 0, 0, "no btime line" },
    { "", 0, 0, "empty" },
};

static const struct number_case limits_cases[] = {
    { "Limit                     Soft Limit           Hard Limit           "
      "Units     \n"
      "Max cpu time              unlimited            unlimited            "
      "seconds   \n"
      "Max open files            20000                524288               "
      "files     \n"
      "Max locked memory         8388608              8388608              "
      "bytes     \n", 1, 20000, "a real /proc/self/limits: the soft limit" },
    { "Max open files            unlimited            unlimited            "
      "files     \n", 1, 18446744073709551615.0,
      "unlimited, as client_golang reads it" },
    { "Max open files 1024 4096 files", 1, 1024, "single spaces" },
    { "Max open filesx 5 5 files\n", 0, 0, "another name" },
    { "Max open files            lots                 4096 files\n", 0, 0,
      "not a number" },
    { "Max processes             96365                96365   processes\n",
      0, 0, "no such line" },
    { "", 0, 0, "empty" },
};

static void
number_table(const struct number_case *cases, size_t n,
             int (*parse)(const char *, double *))
{
    for (size_t i = 0; i < n; i++) {
        const struct number_case *c = &cases[i];
        double v = -1;
        int ret = parse(c->text, &v);

        print_message("case %zu: %s\n", i, c->why);
        assert_int_equal(ret, c->ok ? 0 : -1);
        if (c->ok)
            assert_true(v == c->want);
        else
            assert_true(v == -1);
    }
}

static void
btime_lines(void **state)
{
    (void)state;
    number_table(btime_cases, COUNT(btime_cases), procstat_parse_btime);
}

static void
limits_lines(void **state)
{
    (void)state;
    number_table(limits_cases, COUNT(limits_cases), procstat_parse_max_fds);
}

static void
figures_from_stat(void **state)
{
    struct procstat_stat st = { 250, 150, 12345, 3133440, 407 };
    struct procstat p;

    (void)state;
    memset(&p, 0, sizeof(p));
    p.open_fds = 9;
    p.max_fds = 1024;
    procstat_from_stat(&st, 100, 4096, 1796112000, &p);
    assert_true(p.cpu_seconds == 4.0);
    assert_true(p.resident_bytes == 407.0 * 4096);
    assert_true(p.virtual_bytes == 3133440);
    assert_true(p.start_time == 1796112000 + 123.45);
    assert_true(p.open_fds == 9 && p.max_fds == 1024);
    /* Another tick rate; a rate or page size sysconf could not give. */
    procstat_from_stat(&st, 250, 16384, 0, &p);
    assert_true(p.cpu_seconds == 1.6);
    assert_true(p.resident_bytes == 407.0 * 16384);
    procstat_from_stat(&st, -1, -1, 0, &p);
    assert_true(isnan(p.cpu_seconds) && isnan(p.resident_bytes) &&
                isnan(p.start_time));
    assert_true(p.virtual_bytes == 3133440);
}

/* This process, read through /proc: the figures must agree with what the
 * process knows of itself. */
static void
read_self(void **state)
{
    struct procstat p;
    struct rlimit rl;
    double now = (double)time(NULL);

    (void)state;
    procstat_read(&p);
    print_message("cpu %g rss %g vsz %g fds %g/%g start %.3f\n",
                  p.cpu_seconds, p.resident_bytes, p.virtual_bytes,
                  p.open_fds, p.max_fds, p.start_time);
    assert_true(p.cpu_seconds >= 0 && p.cpu_seconds < 3600);
    assert_true(p.resident_bytes > 4096);
    assert_true(p.virtual_bytes >= p.resident_bytes);
    /* stdin, stdout, stderr and the directory being read. */
    assert_true(p.open_fds >= 4);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur == RLIM_INFINITY)
        assert_true(p.max_fds == 18446744073709551615.0);
    else
        assert_true(p.max_fds == (double)rl.rlim_cur);
    /* Started in the last hour, and not in the future (1 s of rounding:
     * the boot time is whole seconds). */
    assert_true(p.start_time > now - 3600 && p.start_time < now + 1.5);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stat_lines),
        cmocka_unit_test(btime_lines),
        cmocka_unit_test(limits_lines),
        cmocka_unit_test(figures_from_stat),
        cmocka_unit_test(read_self),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
