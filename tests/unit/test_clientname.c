/* clientname: which configured names are UPNs, and their tgt targets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "probes/clientname.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *configured, *realm;
    int enterprise;
    const char *target;
    const char *why;
} cases[] = {
    { "krbmon", "AD.TEST", 0, "krbmon@AD.TEST", "no realm: the realm's" },
    { "krbmon@AD.TEST", "AD.TEST", 0, "krbmon@AD.TEST", "the realm itself" },
    { "krbmon@ad.test", "AD.TEST", 1, "krbmon@ad.test",
      "the realm in another case is a UPN suffix" },
    { "monitor@corp.example", "AD.TEST", 1, "monitor@corp.example",
      "another DNS suffix: a UPN" },
    { "krbmon@ad.test", "ad.test", 0, "krbmon@ad.test",
      "a lowercase realm configured as such is the realm" },
    { "a\\@b@AD.TEST", "AD.TEST", 0, "a\\@b@AD.TEST",
      "an escaped @ is part of the name" },
    { "a\\@b", "AD.TEST", 0, "a\\@b@AD.TEST",
      "only an escaped @: no realm" },
    { "host/w.ad.test@CORP.EXAMPLE", "AD.TEST", 1,
      "host/w.ad.test@CORP.EXAMPLE", "another realm in capitals too" },
};

/* Does d hold exactly s? */
static int
data_is(const krb5_data *d, const char *s)
{
    return d->length == strlen(s) && memcmp(d->data, s, d->length) == 0;
}

static void
names_and_targets(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        char *t;
        if (clientname_is_enterprise(cases[i].configured, cases[i].realm) !=
            cases[i].enterprise)
            fail_msg("case %zu (%s): enterprise should be %d", i,
                     cases[i].why, cases[i].enterprise);
        t = clientname_target(cases[i].configured, cases[i].realm);
        assert_non_null(t);
        if (strcmp(t, cases[i].target) != 0)
            fail_msg("case %zu (%s): target %s, want %s", i, cases[i].why, t,
                     cases[i].target);
        free(t);
    }
}

/* A UPN parses as one enterprise component in the realm; the rest as
 * ordinary principals. */
static void
parse_kinds(void **state)
{
    krb5_context ctx = NULL;
    krb5_principal p = NULL;

    (void)state;
    assert_int_equal(krb5_init_context(&ctx), 0);
    assert_int_equal(krb5_set_default_realm(ctx, "AD.TEST"), 0);
    assert_int_equal(clientname_parse(ctx, "monitor@corp.example", "AD.TEST",
                                      &p), 0);
    assert_int_equal(krb5_princ_type(ctx, p), KRB5_NT_ENTERPRISE_PRINCIPAL);
    assert_int_equal(krb5_princ_size(ctx, p), 1);
    assert_true(data_is(&p->realm, "AD.TEST"));
    assert_true(data_is(&p->data[0], "monitor@corp.example"));
    krb5_free_principal(ctx, p);
    assert_int_equal(clientname_parse(ctx, "krbmon@AD.TEST", "AD.TEST", &p),
                     0);
    assert_int_not_equal(krb5_princ_type(ctx, p),
                         KRB5_NT_ENTERPRISE_PRINCIPAL);
    assert_true(data_is(&p->data[0], "krbmon"));
    krb5_free_principal(ctx, p);
    krb5_free_context(ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_and_targets),
        cmocka_unit_test(parse_kinds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
