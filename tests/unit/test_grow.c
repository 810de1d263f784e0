/* grow: appending to heap arrays one element at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "base/grow.h"

struct item {
    int a;
    char b[13];
};

/* Each append keeps what was there and hands back a zeroed element. */
static void
appends_keep_and_zero(void **state)
{
    struct item *items = NULL, *it;
    size_t n = 0;

    (void)state;
    for (int i = 0; i < 100; i++) {
        it = grow_one(&items, n, sizeof(*items));
        assert_non_null(it);
        assert_ptr_equal(it, &items[n]);
        assert_int_equal(it->a, 0);
        for (size_t k = 0; k < sizeof(it->b); k++)
            assert_int_equal(it->b[k], 0);
        it->a = i;
        it->b[0] = (char)i;
        n++;
    }
    for (int i = 0; i < 100; i++) {
        assert_int_equal(items[i].a, i);
        assert_int_equal(items[i].b[0], (char)i);
    }
    free(items);
}

/* A size that would overflow is refused, and the array is left alone. */
static void
overflow_is_refused(void **state)
{
    struct item *items = NULL, *first;
    static const struct { size_t n, size; const char *why; } cases[] = {
        { SIZE_MAX, 1, "n + 1 wraps" },
        { SIZE_MAX / 2, 2, "(n + 1) * size wraps" },
        { SIZE_MAX / 16, 16, "(n + 1) * size wraps at the edge" },
        { 1, 0, "zero-sized elements" },
    };

    (void)state;
    first = grow_one(&items, 0, sizeof(*items));
    assert_non_null(first);
    first->a = 7;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (grow_one(&items, cases[i].n, cases[i].size) != NULL)
            fail_msg("case %zu (%s): not refused", i, cases[i].why);
        assert_ptr_equal(items, first);
        assert_int_equal(items[0].a, 7);
    }
    free(items);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appends_keep_and_zero),
        cmocka_unit_test(overflow_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
