/*
 * Unit tests for probes/lockout: which errors start the guard, how the
 * backoff starts, doubles and stops at its cap, what ends it, and what
 * lockout_stamp() sees of a real file.  Everything but lockout_stamp() is
 * pure, so the tests hand it times and stamps of their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <krb5.h>

#include "probes/lockout.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct probe_error NO_ERR = { ERR_SPACE_KRB5, 0 };
static const struct probe_error BAD_PASSWORD = { ERR_SPACE_KRB5,
                                                 KRB5KDC_ERR_PREAUTH_FAILED };
static const struct probe_error REVOKED = { ERR_SPACE_KRB5,
                                            KRB5KDC_ERR_CLIENT_REVOKED };
static const struct probe_error UNREACH = { ERR_SPACE_KRB5, KRB5_KDC_UNREACH };

/* A stamp that differs from another made with a different n. */
static struct cred_stamp
stamp_n(int n)
{
    struct cred_stamp s;

    memset(&s, 0, sizeof(s));
    s.ok = 1;
    s.dev = 1;
    s.ino = (ino_t)(100 + n);
    s.size = 64;
    s.mtime.tv_sec = 1700000000;
    return s;
}

static void
classification(void **state)
{
    static const struct {
        struct probe_error error;
        int credential;
        const char *why;
    } cases[] = {
        { { ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED }, 1, "wrong password or key" },
        { { ERR_SPACE_KRB5, KRB5KDC_ERR_CLIENT_REVOKED }, 1, "locked or disabled account" },
        { { ERR_SPACE_KRB5, KRB5KDC_ERR_KEY_EXP }, 1, "expired password" },
        { { ERR_SPACE_KRB5, KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN }, 1, "unknown client" },
        { { ERR_SPACE_KRB5, 0 }, 0, "no error" },
        { { ERR_SPACE_KRB5, KRB5_KDC_UNREACH }, 0, "the KDC unreachable says nothing of the keys" },
        { { ERR_SPACE_KRB5, KRB5KDC_ERR_WRONG_REALM }, 0, "another realm's KDC" },
        { { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_SKEW }, 0, "clock skew" },
        { { ERR_SPACE_KRB5, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN }, 0, "unknown service, not client" },
        { { ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_REQUIRED }, 0, "a normal first answer" },
        { { ERR_SPACE_ERRNO, ETIMEDOUT }, 0, "a timeout" },
        { { ERR_SPACE_ERRNO, KRB5KDC_ERR_PREAUTH_FAILED }, 0,
          "the number of a credential error in the errno space" },
        { { ERR_SPACE_ARES, KRB5KDC_ERR_CLIENT_REVOKED }, 0,
          "the number of a credential error in the c-ares space" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        int got = lockout_is_credential_error(cases[i].error);

        if (got != cases[i].credential)
            fail_msg("%s: got %d, want %d", cases[i].why, got,
                     cases[i].credential);
    }
}

/*
 * One tgt outcome after another, each with the state it must leave.  The
 * cap is not a power of two times the start, so that the doubling has to
 * be clamped rather than land on it.
 */
struct backoff_step {
    double now;
    int success;
    struct probe_error error;
    int stamp;                /* which stamp_n() was used */
    double period, until;     /* expected afterwards */
    const char *why;
};

static void
check_steps(const struct lockout_policy *p, const struct backoff_step *steps,
            size_t n)
{
    struct lockout_state s;

    memset(&s, 0, sizeof(s));
    for (size_t i = 0; i < n; i++) {
        const struct backoff_step *st = &steps[i];
        struct cred_stamp stamp = stamp_n(st->stamp);

        lockout_after_tgt(&s, p, st->success, st->error, "msg", &stamp,
                          st->now);
        if (s.period != st->period || s.until != st->until)
            fail_msg("step %zu (%s): period %g until %g, want %g and %g", i,
                     st->why, s.period, s.until, st->period, st->until);
    }
}

static void
backoff_sequence(void **state)
{
    static const struct lockout_policy policy = { 300, 1000 };
    static const struct backoff_step steps[] = {
        { 0, 0, { ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED }, 1, 300, 300,
          "first credential failure: the start" },
        { 400, 0, { ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED }, 1, 600, 1000,
          "repeated with the same credentials: doubled" },
        { 1100, 0, { ERR_SPACE_KRB5, KRB5KDC_ERR_CLIENT_REVOKED }, 1, 1000, 2100,
          "1200 would pass the cap" },
        { 2200, 0, { ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED }, 1, 1000, 3200,
          "at the cap it stays there" },
        { 3300, 0, { ERR_SPACE_KRB5, KRB5_KDC_UNREACH }, 1, 1000, 3200,
          "a failure of no credential kind leaves it alone" },
        { 3400, 0, { ERR_SPACE_ERRNO, ETIMEDOUT }, 1, 1000, 3200,
          "nor does a timeout" },
        { 3500, 1, { ERR_SPACE_KRB5, 0 }, 1, 0, 0,
          "a success clears it" },
        { 3600, 0, { ERR_SPACE_KRB5, KRB5KDC_ERR_KEY_EXP }, 1, 300, 3900,
          "after a success it starts over" },
        { 4000, 0, { ERR_SPACE_KRB5, KRB5KDC_ERR_KEY_EXP }, 1, 600, 4600,
          "and doubles again" },
        { 4700, 0, { ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED }, 2, 300, 5000,
          "new credentials that fail start over" },
        { 5100, 0, { ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED }, 2, 600, 5700,
          "the new credentials double from there" },
    };

    (void)state;
    check_steps(&policy, steps, COUNT(steps));
}

static void
backoff_start_above_cap(void **state)
{
    static const struct lockout_policy policy = { 500, 200 };
    static const struct backoff_step steps[] = {
        { 0, 0, { ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED }, 1, 200, 200,
          "a start above the cap is the cap" },
        { 300, 0, { ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED }, 1, 200, 500,
          "and never doubles past it" },
    };

    (void)state;
    check_steps(&policy, steps, COUNT(steps));
}

/* The error and message that started the guard are kept; a success clears
 * them with everything else. */
static void
records_error(void **state)
{
    static const struct lockout_policy policy = { 300, 3600 };
    struct cred_stamp stamp = stamp_n(1);
    struct lockout_state s;
    char longmsg[2000];

    (void)state;
    memset(&s, 0, sizeof(s));
    lockout_after_tgt(&s, &policy, 0, REVOKED, "Client's credentials have been revoked",
                      &stamp, 10);
    assert_int_equal(s.error.space, ERR_SPACE_KRB5);
    assert_int_equal(s.error.code, KRB5KDC_ERR_CLIENT_REVOKED);
    assert_string_equal(s.message, "Client's credentials have been revoked");
    assert_true(lockout_same_stamp(&s.stamp, &stamp));

    /* A failure that does not count keeps the first error. */
    lockout_after_tgt(&s, &policy, 0, UNREACH, "Cannot contact any KDC", &stamp, 20);
    assert_int_equal(s.error.code, KRB5KDC_ERR_CLIENT_REVOKED);
    assert_string_equal(s.message, "Client's credentials have been revoked");

    /* No message is an empty one, not a crash or stale text. */
    lockout_after_tgt(&s, &policy, 0, BAD_PASSWORD, NULL, &stamp, 30);
    assert_int_equal(s.error.code, KRB5KDC_ERR_PREAUTH_FAILED);
    assert_string_equal(s.message, "");

    /* A message too long for the state is cut, and still ends. */
    memset(longmsg, 'x', sizeof(longmsg) - 1);
    longmsg[sizeof(longmsg) - 1] = '\0';
    lockout_after_tgt(&s, &policy, 0, BAD_PASSWORD, longmsg, &stamp, 40);
    assert_int_equal(strlen(s.message), sizeof(s.message) - 1);

    lockout_after_tgt(&s, &policy, 1, NO_ERR, NULL, &stamp, 50);
    assert_int_equal(s.error.code, 0);
    assert_string_equal(s.message, "");
    assert_true(s.until == 0 && s.period == 0);
    assert_int_equal(s.stamp.ok, 0);
}

static void
reset_clears(void **state)
{
    static const struct lockout_policy policy = { 300, 3600 };
    struct cred_stamp stamp = stamp_n(1);
    struct lockout_state s;
    double left = -1;

    (void)state;
    memset(&s, 0, sizeof(s));
    lockout_after_tgt(&s, &policy, 0, BAD_PASSWORD, "bad", &stamp, 0);
    assert_true(lockout_active(&s, &stamp, 1, &left));
    lockout_reset(&s);
    assert_false(lockout_active(&s, &stamp, 1, &left));
    assert_true(s.period == 0 && s.until == 0);
    assert_string_equal(s.message, "");
    /* After a reset the next failure starts over. */
    lockout_after_tgt(&s, &policy, 0, BAD_PASSWORD, "bad", &stamp, 2);
    assert_true(s.period == 300);
}

static void
active_window(void **state)
{
    static const struct {
        double now;
        int stamp;
        int active;
        double left;
        const char *why;
    } cases[] = {
        { 100, 1, 1, 900, "inside the backoff, same credentials" },
        { 999.5, 1, 1, 0.5, "just before until" },
        { 1000, 1, 0, 0, "at until it is over" },
        { 5000, 1, 0, 0, "long after" },
        { 100, 2, 0, 0, "new credentials get a try at once" },
    };
    struct lockout_state s;

    (void)state;
    memset(&s, 0, sizeof(s));
    s.until = 1000;
    s.period = 1000;
    s.error = BAD_PASSWORD;
    s.stamp = stamp_n(1);
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct cred_stamp cur = stamp_n(cases[i].stamp);
        double left = -1;
        int got = lockout_active(&s, &cur, cases[i].now, &left);

        if (got != cases[i].active)
            fail_msg("%s: active %d, want %d", cases[i].why, got,
                     cases[i].active);
        if (got && left != cases[i].left)
            fail_msg("%s: %g left, want %g", cases[i].why, left, cases[i].left);
        if (!got && left != -1)
            fail_msg("%s: *left_out written while inactive", cases[i].why);
        /* NULL is allowed for left_out and changes nothing. */
        if (lockout_active(&s, &cur, cases[i].now, NULL) != got)
            fail_msg("%s: left_out NULL changed the answer", cases[i].why);
    }

    /* A state that never saw a failure is never active. */
    memset(&s, 0, sizeof(s));
    {
        struct cred_stamp none;
        memset(&none, 0, sizeof(none));
        assert_false(lockout_active(&s, &none, 0, NULL));
        assert_false(lockout_active(&s, &none, 1e9, NULL));
    }
}

static void
same_stamp_fields(void **state)
{
    struct cred_stamp a = stamp_n(1), b;

    (void)state;
    b = a;
    assert_true(lockout_same_stamp(&a, &b));
    b = a; b.ok = 0;
    assert_false(lockout_same_stamp(&a, &b));
    b = a; b.dev++;
    assert_false(lockout_same_stamp(&a, &b));
    b = a; b.ino++;
    assert_false(lockout_same_stamp(&a, &b));
    b = a; b.size++;
    assert_false(lockout_same_stamp(&a, &b));
    b = a; b.mtime.tv_sec++;
    assert_false(lockout_same_stamp(&a, &b));
    b = a; b.mtime.tv_nsec++;
    assert_false(lockout_same_stamp(&a, &b));
}

/* Make a temporary file holding text, its name in path; the caller
 * unlinks it. */
static void
temp_file(char *path, size_t path_len, const char *text)
{
    const char *dir = getenv("TMPDIR");
    int fd;

    snprintf(path, path_len, "%s/test_lockout.XXXXXX",
             dir != NULL && dir[0] != '\0' ? dir : "/tmp");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(close(fd), 0);
}

static void
stamp_real_file(void **state)
{
    char path[4096], other[4096];
    struct cred_stamp s1, s2, none;
    struct timespec times[2];
    struct stat st;

    (void)state;
    temp_file(path, sizeof(path), "secret\n");
    lockout_stamp(path, &s1);
    assert_int_equal(s1.ok, 1);
    assert_int_equal(stat(path, &st), 0);
    assert_true(s1.dev == st.st_dev && s1.ino == st.st_ino);
    assert_int_equal(s1.size, 7);

    /* Nothing changed: the same stamp. */
    lockout_stamp(path, &s2);
    assert_true(lockout_same_stamp(&s1, &s2));

    /* Edited in place to the same size: only the mtime tells. */
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;
    times[1].tv_sec = s1.mtime.tv_sec - 100;
    times[1].tv_nsec = 0;
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
    lockout_stamp(path, &s2);
    assert_int_equal(s2.ok, 1);
    assert_false(lockout_same_stamp(&s1, &s2));

    /* Replaced by another file renamed over it, as deploy tools do. */
    lockout_stamp(path, &s1);
    temp_file(other, sizeof(other), "secret\n");
    assert_int_equal(rename(other, path), 0);
    lockout_stamp(path, &s2);
    assert_int_equal(s2.ok, 1);
    assert_false(lockout_same_stamp(&s1, &s2));

    /* Gone: not ok, and nothing else filled in. */
    assert_int_equal(unlink(path), 0);
    lockout_stamp(path, &s2);
    memset(&none, 0, sizeof(none));
    assert_int_equal(s2.ok, 0);
    assert_memory_equal(&s2, &none, sizeof(none));
    assert_false(lockout_same_stamp(&s1, &s2));

    lockout_stamp(NULL, &s2);
    assert_int_equal(s2.ok, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classification),
        cmocka_unit_test(backoff_sequence),
        cmocka_unit_test(backoff_start_above_cap),
        cmocka_unit_test(records_error),
        cmocka_unit_test(reset_clears),
        cmocka_unit_test(active_window),
        cmocka_unit_test(same_stamp_fields),
        cmocka_unit_test(stamp_real_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
