/*
 * Unit tests for exporter/counters: krb5_probe_errors_total counts every
 * failed probe once per (realm, probe, error, status), counts no success
 * and no probe the lockout guard skipped, keeps apart what differs only in
 * realm, probe kind, code space or AD extended status (by its label),
 * hands out snapshots that are copies, and loses no count to threads
 * adding at once.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ares.h>
#include <krb5.h>

#include "exporter/counters.h"
#include "probes/ntstatus.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* One probe of a realm_result the test builds. */
struct probe_row {
    enum probe_kind kind;
    int success;
    int skipped;
    enum err_space space;
    long code;
};

/* One counter expected in the snapshot. */
struct count_row {
    const char *realm;
    enum probe_kind kind;
    enum err_space space;
    long code;
    unsigned long long count;
    const char *why;
};

/* Fill *r with a realm's probes; the caller clears it with result_clear(). */
static void
make_result(struct realm_result *r, const char *realm,
            const struct probe_row *rows, size_t n)
{
    memset(r, 0, sizeof(*r));
    r->realm = strdup(realm);
    assert_non_null(r->realm);
    for (size_t i = 0; i < n; i++) {
        struct probe_error e = { rows[i].space, rows[i].code };

        assert_int_equal(result_add_probe(r, rows[i].kind, strdup("target"),
                                          rows[i].success, 0.5, e, NULL),
                         0);
        r->probes[r->n_probes - 1].skipped = rows[i].skipped;
    }
}

static void
add_rows(struct counters *c, const char *realm, const struct probe_row *rows,
         size_t n)
{
    struct realm_result r;

    make_result(&r, realm, rows, n);
    assert_int_equal(counters_add_result(c, &r), 0);
    result_clear(&r);
}

/* The snapshot holds exactly the expected counters, in any order. */
static void
check_snapshot(struct counters *c, const struct count_row *want, size_t n_want)
{
    struct error_count *got = NULL;
    size_t n = 0;

    assert_int_equal(counters_snapshot(c, &got, &n), 0);
    if (n != n_want)
        fail_msg("%zu counters, want %zu", n, n_want);
    for (size_t i = 0; i < n_want; i++) {
        const struct count_row *w = &want[i];
        size_t found = 0;

        for (size_t j = 0; j < n; j++) {
            if (strcmp(got[j].realm, w->realm) != 0 || got[j].kind != w->kind ||
                got[j].error.space != w->space || got[j].error.code != w->code)
                continue;
            found++;
            if (got[j].count != w->count)
                fail_msg("%s: count %llu, want %llu", w->why, got[j].count,
                         w->count);
        }
        if (found != 1)
            fail_msg("%s: %zu counters for the key, want 1", w->why, found);
    }
    counters_snapshot_free(got, n);
}

static void
empty(void **state)
{
    struct error_count dummy, *got = &dummy;   /* must be overwritten */
    struct counters c;
    size_t n = 99;

    (void)state;
    assert_int_equal(counters_init(&c), 0);
    assert_int_equal(counters_snapshot(&c, &got, &n), 0);
    assert_int_equal(n, 0);
    assert_null(got);
    counters_snapshot_free(got, n);
    counters_destroy(&c);
}

static void
counting(void **state)
{
    static const struct probe_row first[] = {
        { PROBE_DISCOVERY, 1, 0, ERR_SPACE_ARES, 0 },
        { PROBE_KDC, 0, 0, ERR_SPACE_ERRNO, ETIMEDOUT },
        { PROBE_KDC, 0, 0, ERR_SPACE_ERRNO, ETIMEDOUT },
        { PROBE_KDC, 0, 0, ERR_SPACE_ERRNO, ECONNREFUSED },
        { PROBE_TGT, 0, 0, ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED },
        { PROBE_SERVICE, 1, 0, ERR_SPACE_KRB5, 0 },
        { PROBE_SERVICE, 0, 0, ERR_SPACE_KRB5, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN },
    };
    static const struct probe_row second[] = {
        { PROBE_KDC, 0, 0, ERR_SPACE_ERRNO, ETIMEDOUT },
        /* The guard did not present the credentials: no new failure. */
        { PROBE_TGT, 0, 1, ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED },
        /* ARES_ENOTFOUND and EINTR are both 4: two counters. */
        { PROBE_DISCOVERY, 0, 0, ERR_SPACE_ARES, ARES_ENOTFOUND },
        { PROBE_DISCOVERY, 0, 0, ERR_SPACE_ERRNO, 4 },
        /* The same error from another probe kind: its own counter. */
        { PROBE_SERVICE, 0, 0, ERR_SPACE_ERRNO, ETIMEDOUT },
    };
    static const struct probe_row other_realm[] = {
        { PROBE_KDC, 0, 0, ERR_SPACE_ERRNO, ETIMEDOUT },
        { PROBE_TGT, 1, 0, ERR_SPACE_KRB5, 0 },
    };
    static const struct count_row want[] = {
        { "A.TEST", PROBE_KDC, ERR_SPACE_ERRNO, ETIMEDOUT, 3,
          "one per failed probe, across results" },
        { "A.TEST", PROBE_KDC, ERR_SPACE_ERRNO, ECONNREFUSED, 1,
          "another code, another counter" },
        { "A.TEST", PROBE_TGT, ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED, 1,
          "the skipped tgt is not counted again" },
        { "A.TEST", PROBE_SERVICE, ERR_SPACE_KRB5,
          KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, 1, "a failed service" },
        { "A.TEST", PROBE_DISCOVERY, ERR_SPACE_ARES, ARES_ENOTFOUND, 1,
          "c-ares 4" },
        { "A.TEST", PROBE_DISCOVERY, ERR_SPACE_ERRNO, 4, 1,
          "errno 4, apart from c-ares 4" },
        { "A.TEST", PROBE_SERVICE, ERR_SPACE_ERRNO, ETIMEDOUT, 1,
          "ETIMEDOUT of a service, apart from the KDC's" },
        { "B.TEST", PROBE_KDC, ERR_SPACE_ERRNO, ETIMEDOUT, 1,
          "another realm, apart" },
    };
    struct counters c;

    (void)state;
    assert_int_equal(counters_init(&c), 0);
    add_rows(&c, "A.TEST", first, COUNT(first));
    add_rows(&c, "A.TEST", second, COUNT(second));
    add_rows(&c, "B.TEST", other_realm, COUNT(other_realm));
    check_snapshot(&c, want, COUNT(want));
    counters_destroy(&c);
}

/* Nothing but successes and skipped probes: no counter at all. */
static void
nothing_to_count(void **state)
{
    static const struct probe_row rows[] = {
        { PROBE_DISCOVERY, 1, 0, ERR_SPACE_ARES, 0 },
        { PROBE_KDC, 1, 0, ERR_SPACE_ERRNO, 0 },
        { PROBE_TGT, 0, 1, ERR_SPACE_KRB5, KRB5KDC_ERR_CLIENT_REVOKED },
        { PROBE_SERVICE, 0, 1, ERR_SPACE_KRB5, KRB5KDC_ERR_CLIENT_REVOKED },
    };
    struct counters c;

    (void)state;
    assert_int_equal(counters_init(&c), 0);
    add_rows(&c, "A.TEST", rows, COUNT(rows));
    check_snapshot(&c, NULL, 0);
    counters_destroy(&c);
}

/* A snapshot is the caller's: later counts and freeing the counters leave
 * it as it was. */
static void
snapshot_is_a_copy(void **state)
{
    static const struct probe_row rows[] = {
        { PROBE_KDC, 0, 0, ERR_SPACE_ERRNO, ETIMEDOUT },
    };
    struct error_count *snap = NULL;
    struct counters c;
    size_t n = 0;

    (void)state;
    assert_int_equal(counters_init(&c), 0);
    add_rows(&c, "A.TEST", rows, COUNT(rows));
    assert_int_equal(counters_snapshot(&c, &snap, &n), 0);
    assert_int_equal(n, 1);
    assert_ptr_not_equal(snap[0].realm, c.entries[0].realm);
    add_rows(&c, "A.TEST", rows, COUNT(rows));
    add_rows(&c, "B.TEST", rows, COUNT(rows));
    counters_destroy(&c);
    assert_int_equal(n, 1);
    assert_string_equal(snap[0].realm, "A.TEST");
    assert_int_equal(snap[0].count, 1);
    counters_snapshot_free(snap, n);
}

/* The AD extended status is part of the key, by its label: locked out,
 * disabled and none are three counters; two statuses the table does not
 * know share the one "UNKNOWN" counter (one label set, one series). */
static void
statuses_are_kept_apart(void **state)
{
    static const struct {
        unsigned long status;
        int skipped;
    } rows[] = {
        { 0xC0000234UL, 0 }, { 0xC0000234UL, 0 }, { 0, 0 },
        { 0xC0000072UL, 0 }, { 0xC0001234UL, 0 }, { 0xC0005678UL, 0 },
        /* Skipped by the guard: not counted, whatever its status. */
        { 0xC0000234UL, 1 },
    };
    static const struct {
        const char *name;
        unsigned long long count;
    } want[] = {
        { "STATUS_ACCOUNT_LOCKED_OUT", 2 }, { "", 1 },
        { "STATUS_ACCOUNT_DISABLED", 1 }, { "UNKNOWN", 2 },
    };
    const struct probe_error revoked = { ERR_SPACE_KRB5,
                                         KRB5KDC_ERR_CLIENT_REVOKED };
    struct error_count *got = NULL;
    struct realm_result r;
    struct counters c;
    size_t n = 0;

    (void)state;
    assert_int_equal(counters_init(&c), 0);
    memset(&r, 0, sizeof(r));
    r.realm = strdup("AD.TEST");
    assert_non_null(r.realm);
    for (size_t i = 0; i < COUNT(rows); i++) {
        assert_int_equal(result_add_probe(&r, PROBE_TGT, strdup("target"), 0,
                                          0.5, revoked, NULL), 0);
        r.probes[i].status = rows[i].status;
        r.probes[i].skipped = rows[i].skipped;
    }
    assert_int_equal(counters_add_result(&c, &r), 0);
    result_clear(&r);
    assert_int_equal(counters_snapshot(&c, &got, &n), 0);
    assert_int_equal(n, COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++) {
        size_t found = 0;

        for (size_t j = 0; j < n; j++) {
            if (strcmp(ntstatus_name(got[j].status), want[i].name) != 0)
                continue;
            found++;
            if (got[j].count != want[i].count)
                fail_msg("status \"%s\": count %llu, want %llu",
                         want[i].name, got[j].count, want[i].count);
        }
        if (found != 1)
            fail_msg("status \"%s\": %zu counters, want 1", want[i].name,
                     found);
    }
    counters_snapshot_free(got, n);
    counters_destroy(&c);
}

#define THREADS 8
#define ROUNDS 500

static void *
adder(void *arg)
{
    static const struct probe_row rows[] = {
        { PROBE_KDC, 0, 0, ERR_SPACE_ERRNO, ETIMEDOUT },
        { PROBE_TGT, 0, 0, ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED },
    };
    struct counters *c = arg;
    struct realm_result r;
    intptr_t failures = 0;

    make_result(&r, "A.TEST", rows, COUNT(rows));
    for (int i = 0; i < ROUNDS; i++)
        failures += counters_add_result(c, &r) != 0;
    result_clear(&r);
    return (void *)failures;
}

static void
threads_lose_nothing(void **state)
{
    static const struct count_row want[] = {
        { "A.TEST", PROBE_KDC, ERR_SPACE_ERRNO, ETIMEDOUT,
          THREADS * ROUNDS, "every thread's KDC failures" },
        { "A.TEST", PROBE_TGT, ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED,
          THREADS * ROUNDS, "every thread's tgt failures" },
    };
    pthread_t th[THREADS];
    struct counters c;

    (void)state;
    assert_int_equal(counters_init(&c), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, adder, &c), 0);
    for (int i = 0; i < THREADS; i++) {
        void *failures = NULL;
        assert_int_equal(pthread_join(th[i], &failures), 0);
        assert_null(failures);
    }
    check_snapshot(&c, want, COUNT(want));
    counters_destroy(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty),
        cmocka_unit_test(counting),
        cmocka_unit_test(nothing_to_count),
        cmocka_unit_test(snapshot_is_a_copy),
        cmocka_unit_test(statuses_are_kept_apart),
        cmocka_unit_test(threads_lose_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
