/*
 * Unit tests for krb5err: code names, classification and advice.
 *
 * Expected names are spelled out by hand while the codes come from the
 * library headers' macros, so a wrong entry in the generated table or a
 * wrong lookup shows as a mismatch.  The completeness tests walk the
 * generated table itself (included below) and hold every entry against
 * com_err's and c-ares's own message tables.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <ares.h>
#include <krb5.h>

#include "probes/krb5err.h"

/* The same generated table krb5err.c is built from. */
#include "krb5err_table.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct name_case {
    enum err_space space;
    long code;
    const char *expected;
    const char *why;
};

static void
check_names(const struct name_case *cases, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *got = krb5err_name(cases[i].space, cases[i].code);

        if (got == NULL || strcmp(got, cases[i].expected) != 0)
            fail_msg("%s: code %ld in space %d: got %s, want %s",
                     cases[i].why, cases[i].code, (int)cases[i].space,
                     got != NULL ? got : "(null)", cases[i].expected);
    }
}

static void
test_krb5_names(void **state)
{
    static const struct name_case cases[] = {
        { ERR_SPACE_KRB5, KRB5KDC_ERR_CLIENT_REVOKED, "KRB5KDC_ERR_CLIENT_REVOKED",
          "disabled or locked-out account" },
        { ERR_SPACE_KRB5, KRB5_KDC_UNREACH, "KRB5_KDC_UNREACH", "no KDC reachable" },
        { ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED, "KRB5KDC_ERR_PREAUTH_FAILED",
          "wrong password or stale keytab" },
        { ERR_SPACE_KRB5, KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, "KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN",
          "unknown client" },
        { ERR_SPACE_KRB5, KRB5KDC_ERR_KEY_EXP, "KRB5KDC_ERR_KEY_EXP", "password expired" },
        { ERR_SPACE_KRB5, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, "KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN",
          "unknown SPN" },
        { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_SKEW, "KRB5KRB_AP_ERR_SKEW", "clock skew" },
        { ERR_SPACE_KRB5, KRB5_KT_NOTFOUND, "KRB5_KT_NOTFOUND", "keytab entry missing" },
        { ERR_SPACE_KRB5, KRB5_KT_KVNONOTFOUND, "KRB5_KT_KVNONOTFOUND", "keytab kvno stale" },
        { ERR_SPACE_KRB5, KRB5KDC_ERR_NONE, "KRB5KDC_ERR_NONE",
          "first code of the krb5 table is a code like any other" },
        { ERR_SPACE_KRB5, KRB5_TRACE_NOSUPP, "KRB5_TRACE_NOSUPP", "last code of the krb5 table" },
        { ERR_SPACE_KRB5, KRB5_KDB_RCSID, "KRB5_KDB_RCSID",
          "kdb5 table, lowest code of all: bsearch lower edge" },
        { ERR_SPACE_KRB5, KRB5_KDB_NOENTRY, "KRB5_KDB_NOENTRY", "kdb5 table" },
        { ERR_SPACE_KRB5, KV5M_PRINCIPAL, "KV5M_PRINCIPAL", "kv5m table" },
        { ERR_SPACE_KRB5, KRB5_PLUGIN_VER_NOTSUPP, "KRB5_PLUGIN_VER_NOTSUPP", "k5e1 table" },
        { ERR_SPACE_KRB5, KRB524_BADKEY, "KRB524_BADKEY", "krb524 table" },
        { ERR_SPACE_KRB5, ASN1_MISSING_FIELD, "ASN1_MISSING_FIELD",
          "asn1 table, whose codes are positive" },
        { ERR_SPACE_KRB5, ASN1_OMITTED, "ASN1_OMITTED",
          "asn1 table, highest code of all: bsearch upper edge" },
    };

    (void)state;
    check_names(cases, COUNT(cases));
}

/* The numbers exactly as operators paste them from logs and articles. */
static void
test_literal_numbers(void **state)
{
    static const struct name_case cases[] = {
        { ERR_SPACE_KRB5, -1765328366L, "KRB5KDC_ERR_CLIENT_REVOKED", "revoked credentials" },
        { ERR_SPACE_KRB5, -1765328228L, "KRB5_KDC_UNREACH", "cannot contact any KDC" },
        { ERR_SPACE_KRB5, -1765328360L, "KRB5KDC_ERR_PREAUTH_FAILED", "preauth failed" },
        { ERR_SPACE_KRB5, -1765328378L, "KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN", "client not found" },
        { ERR_SPACE_KRB5, -1765328361L, "KRB5KDC_ERR_KEY_EXP", "password has expired" },
        { ERR_SPACE_KRB5, -1765328377L, "KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN", "server not found" },
        { ERR_SPACE_KRB5, -1765328347L, "KRB5KRB_AP_ERR_SKEW", "clock skew too great" },
        { ERR_SPACE_KRB5, -1765328237L, "KRB5_KDCREP_MODIFIED", "reply did not match" },
        { ERR_SPACE_KRB5, -1765328370L, "KRB5KDC_ERR_ETYPE_NOSUPP", "no common enctype" },
        { ERR_SPACE_KRB5, -1765328316L, "KRB5KDC_ERR_WRONG_REALM", "realm not local to KDC" },
        { ERR_SPACE_KRB5, -1765328353L, "KRB5KRB_AP_ERR_BAD_INTEGRITY", "decrypt integrity" },
    };

    (void)state;
    check_names(cases, COUNT(cases));
}

static void
test_errno_names(void **state)
{
    static const struct name_case cases[] = {
        { ERR_SPACE_ERRNO, ETIMEDOUT, "ETIMEDOUT", "errno space" },
        { ERR_SPACE_ERRNO, ECONNREFUSED, "ECONNREFUSED", "errno space" },
        { ERR_SPACE_ERRNO, EAGAIN, "EAGAIN", "errno space" },
        { ERR_SPACE_ERRNO, EBUSY, "EBUSY", "errno space" },
        { ERR_SPACE_ERRNO, EINTR, "EINTR", "4 is EINTR as errno, not ARES_ENOTFOUND" },
        { ERR_SPACE_KRB5, ETIMEDOUT, "ETIMEDOUT", "errno passed through by libkrb5" },
        { ERR_SPACE_KRB5, ECONNREFUSED, "ECONNREFUSED", "errno passed through by libkrb5" },
        { ERR_SPACE_KRB5, ENOENT, "ENOENT", "missing keytab passed through by libkrb5" },
    };

    (void)state;
    check_names(cases, COUNT(cases));
}

static void
test_ares_names(void **state)
{
    static const struct name_case cases[] = {
        { ERR_SPACE_ARES, ARES_ENOTFOUND, "ARES_ENOTFOUND", "4 is ARES_ENOTFOUND, not EINTR" },
        { ERR_SPACE_ARES, ARES_ETIMEOUT, "ARES_ETIMEOUT", "DNS timeout" },
        { ERR_SPACE_ARES, ARES_ECONNREFUSED, "ARES_ECONNREFUSED", "DNS refused" },
        { ERR_SPACE_ARES, ARES_ESERVFAIL, "ARES_ESERVFAIL", "DNS server failure" },
        { ERR_SPACE_ARES, ARES_ENODATA, "ARES_ENODATA", "lowest non-zero status" },
        { ERR_SPACE_ARES, ARES_ECANCELLED, "ARES_ECANCELLED", "later addition to the list" },
    };

    (void)state;
    check_names(cases, COUNT(cases));
}

static void
test_none_and_unknown(void **state)
{
    static const struct name_case cases[] = {
        { ERR_SPACE_KRB5, 0, "NONE", "0 is no error" },
        { ERR_SPACE_ERRNO, 0, "NONE", "0 is no error" },
        { ERR_SPACE_ARES, 0, "NONE", "0 is no error, although ares.h calls it ARES_SUCCESS" },
        { ERR_SPACE_KRB5, -1, "UNKNOWN", "negative, in no com_err table" },
        { ERR_SPACE_KRB5, ERROR_TABLE_BASE_krb5 + 256, "UNKNOWN",
          "just past the end of the full krb5 table" },
        { ERR_SPACE_KRB5, ERROR_TABLE_BASE_kdb5 - 1, "UNKNOWN", "just below the lowest table" },
        { ERR_SPACE_KRB5, 4096, "UNKNOWN", "too large for an errno, in no table" },
        { ERR_SPACE_KRB5, 145, "UNKNOWN",
          "the article's 145 is ETIMEDOUT elsewhere but no errno on Linux" },
        { ERR_SPACE_ERRNO, -5, "UNKNOWN", "errno values are positive" },
        { ERR_SPACE_ERRNO, 100000, "UNKNOWN", "no such errno" },
        { ERR_SPACE_ERRNO, KRB5_KDC_UNREACH, "UNKNOWN", "a krb5 code is no errno" },
        { ERR_SPACE_ARES, -1, "UNKNOWN", "no negative c-ares status" },
        { ERR_SPACE_ARES, 9999, "UNKNOWN", "no such c-ares status" },
        { ERR_SPACE_ARES, KRB5_KDC_UNREACH, "UNKNOWN", "a krb5 code is no c-ares status" },
    };

    (void)state;
    check_names(cases, COUNT(cases));
}

static void
test_from_krb5(void **state)
{
    static const struct {
        long code;
        enum err_space space;
        const char *why;
    } cases[] = {
        { 0, ERR_SPACE_KRB5, "success stays a krb5 code 0" },
        { KRB5KDC_ERR_CLIENT_REVOKED, ERR_SPACE_KRB5, "com_err code" },
        { KRB5_KDB_RCSID, ERR_SPACE_KRB5, "lowest com_err code" },
        { ASN1_OMITTED, ERR_SPACE_KRB5, "positive com_err code" },
        { ETIMEDOUT, ERR_SPACE_ERRNO, "errno passed through" },
        { ECONNREFUSED, ERR_SPACE_ERRNO, "errno passed through" },
        { 1, ERR_SPACE_ERRNO, "smallest errno" },
        { 4095, ERR_SPACE_ERRNO, "largest number taken for an errno" },
        { 4096, ERR_SPACE_KRB5, "first number not taken for an errno" },
        { -1, ERR_SPACE_KRB5, "negative numbers are never errno values" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < COUNT(cases); i++) {
        struct probe_error e = krb5err_from_krb5(cases[i].code);

        if (e.space != cases[i].space || e.code != cases[i].code)
            fail_msg("%s: code %ld: got space %d code %ld, want space %d",
                     cases[i].why, cases[i].code, (int)e.space, e.code,
                     (int)cases[i].space);
    }
}

/*
 * Every generated entry is a real com_err code, is named by krb5err_name()
 * as the table says, and the table is strictly ascending, which bsearch
 * needs.
 */
static void
test_table_complete(void **state)
{
    krb5_context ctx = NULL;
    const char *bogus;
    size_t i;

    (void)state;
    /* Creating a context registers all of libkrb5's error tables. */
    assert_int_equal(krb5_init_context(&ctx), 0);

    /* Without this the check below could not fail. */
    bogus = error_message(ERROR_TABLE_BASE_krb5 + 256);
    assert_non_null(strstr(bogus, "Unknown code"));

    assert_int_equal(krb5err_table_size(), ERRTABLE_KRB5_COUNT);
    assert_true(krb5err_table_size() > 200);

    for (i = 0; i < ERRTABLE_KRB5_COUNT; i++) {
        const struct errtable_entry *e = &errtable_krb5[i];
        const char *msg = error_message(e->code);

        if (strstr(msg, "Unknown code") != NULL)
            fail_msg("%s (%ld) is unknown to com_err: %s", e->name, e->code, msg);
        if (strcmp(krb5err_name(ERR_SPACE_KRB5, e->code), e->name) != 0)
            fail_msg("%s (%ld) is named %s", e->name, e->code,
                     krb5err_name(ERR_SPACE_KRB5, e->code));
        if (i > 0 && errtable_krb5[i - 1].code >= e->code)
            fail_msg("table not strictly ascending at %s", e->name);
    }
    krb5_free_context(ctx);
}

/* Each com_err table in krb5.h contributes codes, not only the big one. */
static void
test_every_table_present(void **state)
{
    static const struct {
        long base;
        const char *why;
    } cases[] = {
        { ERROR_TABLE_BASE_krb5, "krb5" },
        { ERROR_TABLE_BASE_k5e1, "k5e1" },
        { ERROR_TABLE_BASE_kdb5, "kdb5" },
        { ERROR_TABLE_BASE_kv5m, "kv5m" },
        { ERROR_TABLE_BASE_k524, "krb524" },
        { ERROR_TABLE_BASE_asn1, "asn1" },
    };
    size_t i, j;

    (void)state;
    for (i = 0; i < COUNT(cases); i++) {
        size_t n = 0;

        for (j = 0; j < ERRTABLE_KRB5_COUNT; j++) {
            if (errtable_krb5[j].code >= cases[i].base &&
                errtable_krb5[j].code < cases[i].base + 256)
                n++;
        }
        if (n == 0)
            fail_msg("no codes of com_err table %s", cases[i].why);
    }
}

static void
test_ares_table_complete(void **state)
{
    size_t i;

    (void)state;
    assert_true(ERRTABLE_ARES_COUNT >= 20);
    /* Without this the check below could not fail. */
    assert_string_equal(ares_strerror(9999), "unknown");

    for (i = 0; i < ERRTABLE_ARES_COUNT; i++) {
        const struct errtable_entry *e = &errtable_ares[i];

        /* c-ares numbers its statuses 0, 1, 2, ... without gaps. */
        if (e->code != (long)i)
            fail_msg("%s (%ld) at position %zu", e->name, e->code, i);
        /* c-ares 1.18 has no message for ARES_ESERVICE, added to ares.h
         * later than the others; every status up to ARES_ECANCELLED has. */
        if (e->code <= ARES_ECANCELLED &&
            strcmp(ares_strerror((int)e->code), "unknown") == 0)
            fail_msg("%s (%ld) is unknown to c-ares", e->name, e->code);
        if (e->code != 0 &&
            strcmp(krb5err_name(ERR_SPACE_ARES, e->code), e->name) != 0)
            fail_msg("%s (%ld) is named %s", e->name, e->code,
                     krb5err_name(ERR_SPACE_ARES, e->code));
    }
}

struct advice_case {
    enum err_space space;
    long code;
    const char *why;
};

static void
check_advice(const struct advice_case *c)
{
    const struct krb5err_advice *a = krb5err_advice(c->space, c->code);

    if (a == NULL)
        fail_msg("%s: no advice for code %ld in space %d", c->why, c->code, (int)c->space);
    if (a->cause == NULL || a->fix == NULL || a->cause[0] == '\0' || a->fix[0] == '\0')
        fail_msg("%s: empty cause or fix for code %ld", c->why, c->code);
    if (strchr(a->cause, '\n') != NULL || strchr(a->fix, '\n') != NULL)
        fail_msg("%s: cause and fix must be one line each", c->why);
    if (strcmp(a->cause, a->fix) == 0)
        fail_msg("%s: cause and fix are the same text", c->why);
    if (strcmp(krb5err_name(c->space, c->code), "UNKNOWN") == 0)
        fail_msg("%s: advice for a code that has no name", c->why);
}

/* Every code the field article lists, as it lists them. */
static void
test_advice_article(void **state)
{
    static const struct advice_case cases[] = {
        { ERR_SPACE_KRB5, -1765328228L, "cannot contact any KDC" },
        { ERR_SPACE_KRB5, -1765328366L, "client's credentials revoked" },
        { ERR_SPACE_ERRNO, EAGAIN, "error 11, resource temporarily unavailable" },
        { ERR_SPACE_KRB5, EAGAIN, "error 11 as libkrb5 returns it" },
        { ERR_SPACE_ERRNO, ETIMEDOUT, "error 145, connection timed out (ETIMEDOUT on Linux)" },
        { ERR_SPACE_ERRNO, EBUSY, "error 16, device or resource busy" },
        { ERR_SPACE_KRB5, EBUSY, "error 16 as libkrb5 returns it" },
        { ERR_SPACE_KRB5, -1765328237L, "KDC reply did not match expectations" },
        { ERR_SPACE_KRB5, -1765328378L, "client not found in Kerberos database" },
        { ERR_SPACE_KRB5, -1765328370L, "KDC has no support for encryption type" },
        { ERR_SPACE_KRB5, -1765328360L, "preauthentication failed" },
        { ERR_SPACE_KRB5, -1765328316L, "realm not local to KDC" },
        { ERR_SPACE_KRB5, -1765328353L, "decrypt integrity check failed" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < COUNT(cases); i++)
        check_advice(&cases[i]);
}

static void
test_advice_common(void **state)
{
    static const struct advice_case cases[] = {
        { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_SKEW, "clock skew" },
        { ERR_SPACE_KRB5, KRB5_KDCREP_SKEW, "clock skew seen in the KDC reply" },
        { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_BADKEYVER, "key version mismatch" },
        { ERR_SPACE_KRB5, KRB5_KT_KVNONOTFOUND, "keytab kvno mismatch" },
        { ERR_SPACE_KRB5, KRB5KDC_ERR_KEY_EXP, "password expired" },
        { ERR_SPACE_KRB5, KRB5KDC_ERR_NAME_EXP, "account expired" },
        { ERR_SPACE_KRB5, KRB5KDC_ERR_POLICY, "policy rejection" },
        { ERR_SPACE_KRB5, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, "unknown SPN" },
        { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_BAD_INTEGRITY, "wrong key" },
        { ERR_SPACE_KRB5, KRB5_KT_NOTFOUND, "keytab entry missing" },
        { ERR_SPACE_KRB5, KRB5_KT_END, "empty keytab" },
        { ERR_SPACE_KRB5, KRB5_REALM_UNKNOWN, "realm unknown" },
        { ERR_SPACE_KRB5, KRB5_CONFIG_NODEFREALM, "no default realm" },
        { ERR_SPACE_ERRNO, ECONNREFUSED, "KDC refused" },
        { ERR_SPACE_ERRNO, ETIMEDOUT, "KDC timed out" },
        { ERR_SPACE_ERRNO, ENOENT, "keytab missing" },
        { ERR_SPACE_KRB5, ENOENT, "keytab missing, as libkrb5 returns it" },
        { ERR_SPACE_ARES, ARES_ENOTFOUND, "DNS name missing" },
        { ERR_SPACE_ARES, ARES_ETIMEOUT, "DNS timed out" },
        { ERR_SPACE_ARES, ARES_ECONNREFUSED, "DNS refused" },
        { ERR_SPACE_ARES, ARES_ESERVFAIL, "DNS server failure" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < COUNT(cases); i++)
        check_advice(&cases[i]);
}

static void
test_advice_absent(void **state)
{
    static const struct advice_case cases[] = {
        { ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_REQUIRED, "a normal step, not a failure" },
        { ERR_SPACE_KRB5, 0, "no error" },
        { ERR_SPACE_KRB5, -1, "unknown code" },
        { ERR_SPACE_ERRNO, EINTR, "4 as errno has no advice; ARES_ENOTFOUND does" },
        { ERR_SPACE_ARES, ETIMEDOUT, "110 is no c-ares status" },
        { ERR_SPACE_ERRNO, ARES_ETIMEOUT, "12 as errno is ENOMEM, not a DNS timeout" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < COUNT(cases); i++) {
        if (krb5err_advice(cases[i].space, cases[i].code) != NULL)
            fail_msg("%s: unexpected advice for code %ld", cases[i].why, cases[i].code);
    }
}

/*
 * The exporter never reads krb5.conf: it builds each realm's profile in
 * memory from its own config file.  Advice that sends an operator to edit
 * krb5.conf sends them to a file that changes nothing.
 */
static int
names_krb5_conf(const char *text)
{
    return strstr(text, "krb5.conf") != NULL;
}

static void
check_no_krb5_conf(enum err_space space, long code, size_t *n_checked)
{
    const struct krb5err_advice *a = krb5err_advice(space, code);

    if (a == NULL)
        return;
    (*n_checked)++;
    if (names_krb5_conf(a->cause) || names_krb5_conf(a->fix))
        fail_msg("advice for %s (%ld) mentions krb5.conf: %s / %s",
                 krb5err_name(space, code), code, a->cause, a->fix);
}

/* Every code of every space, so that no advice entry is left out. */
static void
test_advice_no_krb5_conf(void **state)
{
    size_t n_checked = 0, i;
    long code;

    (void)state;
    /* Without this the walk below could not fail. */
    assert_true(names_krb5_conf("set kdc in krb5.conf"));
    assert_false(names_krb5_conf("the \"kdcs\" of the exporter's config"));

    for (i = 0; i < ERRTABLE_KRB5_COUNT; i++)
        check_no_krb5_conf(ERR_SPACE_KRB5, errtable_krb5[i].code, &n_checked);
    for (i = 0; i < ERRTABLE_ARES_COUNT; i++)
        check_no_krb5_conf(ERR_SPACE_ARES, errtable_ares[i].code, &n_checked);
    for (code = 1; code < 4096; code++)
        check_no_krb5_conf(ERR_SPACE_ERRNO, code, &n_checked);
    /* The walk met the whole advice table (34 entries when this was
     * written), not a few of them. */
    if (n_checked < 34)
        fail_msg("only %zu codes had advice: the walk missed the table",
                 n_checked);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_krb5_names),
        cmocka_unit_test(test_literal_numbers),
        cmocka_unit_test(test_errno_names),
        cmocka_unit_test(test_ares_names),
        cmocka_unit_test(test_none_and_unknown),
        cmocka_unit_test(test_from_krb5),
        cmocka_unit_test(test_table_complete),
        cmocka_unit_test(test_every_table_present),
        cmocka_unit_test(test_ares_table_complete),
        cmocka_unit_test(test_advice_article),
        cmocka_unit_test(test_advice_common),
        cmocka_unit_test(test_advice_absent),
        cmocka_unit_test(test_advice_no_krb5_conf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
