/* Unit tests for exporter/sbuf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/sbuf.h"

static void
appends_accumulate(void **state)
{
    struct sbuf b;
    char *text;
    size_t len = 0;

    (void)state;
    sbuf_init(&b);
    sbuf_add(&b, "abc");
    sbuf_addn(&b, "defgh", 2);
    sbuf_addf(&b, "-%d-%s", 42, "x");
    assert_int_equal(sbuf_status(&b), 0);
    text = sbuf_take(&b, &len);
    assert_string_equal(text, "abcde-42-x");
    assert_int_equal(len, strlen("abcde-42-x"));
    assert_null(b.data);
    free(text);
}

static void
grows_past_initial_capacity(void **state)
{
    struct sbuf b;
    char *text;
    size_t len = 0;

    (void)state;
    sbuf_init(&b);
    for (int i = 0; i < 10000; i++)
        sbuf_addf(&b, "%04d", i % 10000);
    text = sbuf_take(&b, &len);
    assert_non_null(text);
    assert_int_equal(len, 40000);
    assert_memory_equal(text + 4 * 9999, "9999", 4);
    free(text);
}

static void
empty_take_is_empty_string(void **state)
{
    struct sbuf b;
    char *text;
    size_t len = 99;

    (void)state;
    sbuf_init(&b);
    text = sbuf_take(&b, &len);
    assert_non_null(text);
    assert_string_equal(text, "");
    assert_int_equal(len, 0);
    free(text);
}

static void
failure_is_sticky(void **state)
{
    struct sbuf b;

    (void)state;
    sbuf_init(&b);
    sbuf_add(&b, "abc");
    /* An append that cannot fit in size_t fails without touching memory. */
    sbuf_addn(&b, "x", SIZE_MAX - 1);
    assert_int_equal(sbuf_status(&b), -1);
    sbuf_add(&b, "more");
    assert_int_equal(sbuf_status(&b), -1);
    assert_null(sbuf_take(&b, NULL));
    sbuf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appends_accumulate),
        cmocka_unit_test(grows_past_initial_capacity),
        cmocka_unit_test(empty_take_is_empty_string),
        cmocka_unit_test(failure_is_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
