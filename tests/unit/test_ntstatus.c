/*
 * Unit tests for probes/ntstatus (the closed NTSTATUS table) and
 * probes/edata (the decoder that finds an NTSTATUS in a KRB-ERROR's
 * e-data).
 *
 * The table is held against a list spelled out here by hand, both ways,
 * so that an entry added, dropped or renumbered on one side shows.  The
 * decoder gets a table of e-data: the bytes Samba and Windows send, the
 * bare 12-byte form, and what no DC should send (truncations, wrong
 * types, junk inside, lengths that claim more than there is).  Every
 * input is copied into a buffer of exactly its size, so that a read past
 * its end is caught by AddressSanitizer.
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/edata.h"
#include "probes/ntstatus.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the table ---------------------------------------------------------- */

struct status_case {
    unsigned long status;
    const char *name;
    const char *why;
};

/* Every status the table must hold, and nothing else. */
static const struct status_case expected_statuses[] = {
    { 0xC0000072UL, "STATUS_ACCOUNT_DISABLED", "Samba: disabled account, with CLIENT_REVOKED" },
    { 0xC0000234UL, "STATUS_ACCOUNT_LOCKED_OUT", "Windows and Samba: locked-out account" },
    { 0xC0000193UL, "STATUS_ACCOUNT_EXPIRED", "Samba: expired account" },
    { 0xC0000071UL, "STATUS_PASSWORD_EXPIRED", "password past its maximum age" },
    { 0xC0000224UL, "STATUS_PASSWORD_MUST_CHANGE", "Samba: with KDC_ERR_KEY_EXP" },
    { 0xC000006FUL, "STATUS_INVALID_LOGON_HOURS", "logon hours" },
    { 0xC0000070UL, "STATUS_INVALID_WORKSTATION", "userWorkstations" },
    { 0xC000006EUL, "STATUS_ACCOUNT_RESTRICTION", "Protected Users, policies" },
    { 0xC000006AUL, "STATUS_WRONG_PASSWORD", "bad password" },
    { 0xC000006DUL, "STATUS_LOGON_FAILURE", "generic logon failure" },
    { 0xC0000064UL, "STATUS_NO_SUCH_USER", "unknown account" },
    { 0xC000006CUL, "STATUS_PASSWORD_RESTRICTION", "password policy" },
    { 0xC0000133UL, "STATUS_TIME_DIFFERENCE_AT_DC", "Samba: clock skew" },
    { 0xC000005EUL, "STATUS_NO_LOGON_SERVERS", "no logon server" },
    { 0xC0000413UL, "STATUS_AUTHENTICATION_FIREWALL_FAILED", "authentication policy or silo" },
    { 0xC00002FAUL, "STATUS_SMARTCARD_LOGON_REQUIRED", "smart card required" },
};

static void
names_by_hand(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(expected_statuses); i++) {
        const struct status_case *c = &expected_statuses[i];
        const char *got = ntstatus_name(c->status);

        if (strcmp(got, c->name) != 0)
            fail_msg("%s: 0x%08lX is %s, want %s", c->why, c->status, got,
                     c->name);
        if (ntstatus_advice(c->status) == NULL)
            fail_msg("%s: %s has no advice", c->why, c->name);
    }
}

/* Closed both ways: nothing in the table that the list above lacks. */
static void
table_is_the_list(void **state)
{
    size_t n;
    const struct ntstatus_entry *t = ntstatus_table(&n);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        size_t found = 0;

        for (size_t j = 0; j < COUNT(expected_statuses); j++)
            found += expected_statuses[j].status == t[i].status &&
                     strcmp(expected_statuses[j].name, t[i].name) == 0;
        if (found != 1)
            fail_msg("table entry 0x%08lX %s is not in the test's list",
                     t[i].status, t[i].name);
    }
    assert_int_equal(n, COUNT(expected_statuses));
}

static int
is_label_name(const char *s)
{
    if (strncmp(s, "STATUS_", 7) != 0 || s[7] == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!(isupper((unsigned char)*s) || isdigit((unsigned char)*s) ||
              *s == '_'))
            return 0;
    return 1;
}

static void
check_text(const char *what, const char *name, const char *text)
{
    size_t n = text != NULL ? strlen(text) : 0;

    if (n < 20)
        fail_msg("%s of %s is missing or too short", what, name);
    if (text[n - 1] != '.')
        fail_msg("%s of %s does not end a sentence: %s", what, name, text);
    if (strchr(text, '\n') != NULL)
        fail_msg("%s of %s spans lines", what, name);
    /* The exporter never reads krb5.conf; advice names its own keys. */
    if (strstr(text, "krb5.conf") != NULL)
        fail_msg("%s of %s mentions krb5.conf", what, name);
}

static void
table_entries_are_sound(void **state)
{
    size_t n;
    const struct ntstatus_entry *t = ntstatus_table(&n);

    (void)state;
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const struct ntstatus_entry *e = &t[i];

        if (!is_label_name(e->name))
            fail_msg("0x%08lX: name %s is not STATUS_[A-Z0-9_]+",
                     e->status, e->name);
        /* Only errors come with a KRB-ERROR, and edata keeps only those. */
        if ((e->status & 0xC0000000UL) != 0xC0000000UL ||
            e->status > 0xFFFFFFFFUL)
            fail_msg("%s: 0x%08lX is not an error NTSTATUS", e->name,
                     e->status);
        check_text("cause", e->name, e->advice.cause);
        check_text("fix", e->name, e->advice.fix);
        if (strcmp(e->advice.cause, e->advice.fix) == 0)
            fail_msg("%s: cause and fix are the same text", e->name);
        assert_ptr_equal(ntstatus_advice(e->status), &e->advice);
        assert_string_equal(ntstatus_name(e->status), e->name);
        for (size_t j = 0; j < i; j++) {
            if (t[j].status == e->status)
                fail_msg("0x%08lX twice (%s, %s)", e->status, t[j].name,
                         e->name);
            if (strcmp(t[j].name, e->name) == 0)
                fail_msg("%s twice (0x%08lX, 0x%08lX)", e->name,
                         t[j].status, e->status);
        }
    }
}

static void
none_and_unknown(void **state)
{
    static const unsigned long unknown[] = {
        0xC0001234UL, 0xC0000001UL, 0x80000005UL, 0x00000001UL,
        0xFFFFFFFFUL, 0xC0000235UL, 0xC0000233UL,
    };

    (void)state;
    assert_string_equal(ntstatus_name(0), "");
    assert_null(ntstatus_advice(0));
    for (size_t i = 0; i < COUNT(unknown); i++) {
        assert_string_equal(ntstatus_name(unknown[i]), "UNKNOWN");
        assert_null(ntstatus_advice(unknown[i]));
    }
}

/* The advice a person reads when the account is locked out. */
static void
locked_out_advice(void **state)
{
    const struct ntstatus_advice *a = ntstatus_advice(0xC0000234UL);

    (void)state;
    assert_non_null(a);
    assert_non_null(strstr(a->fix, "Unlock"));
    assert_non_null(strstr(a->fix, "source of the bad passwords"));
    assert_non_null(strstr(a->fix, "lockout guard"));
}

/* ---- the decoder -------------------------------------------------------- */

/* Enough room for every case below. */
#define MAX_EDATA 96

struct edata_case {
    const char *why;
    unsigned char bytes[MAX_EDATA];
    size_t len;
    int ret;                  /* 0, ENOENT or EINVAL */
    uint32_t status;          /* when ret is 0 */
};

/* The 12 bytes of a KERB-EXT-ERROR: status, reserved 0, flags. */
#define EXT(b0, b1, b2, b3) b0, b1, b2, b3, 0, 0, 0, 0, 1, 0, 0, 0
#define LOCKED_OUT EXT(0x34, 0x02, 0x00, 0xc0)

/* METHOD-DATA of one PA-DATA { [1] 3, [2] OCTET STRING(12) }: Samba 4.17's
 * entry without the PA-ETYPE-INFO2 it puts before it. */
#define METHOD_DATA_1(...) 0x30, 0x17, 0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, \
    0x03, 0xa2, 0x0e, 0x04, 0x0c, __VA_ARGS__

static const struct edata_case edata_cases[] = {
    /* What domain controllers send. */
    { "Samba 4.17, disabled, as captured from its KDC: ETYPE-INFO2 (19), "
      "then the PA-PW-SALT entry",
      { 0x30, 0x41, 0x30, 0x28, 0xa1, 0x03, 0x02, 0x01, 0x13, 0xa2, 0x21,
        0x04, 0x1f, 0x30, 0x1d, 0x30, 0x1b, 0xa0, 0x03, 0x02, 0x01, 0x12,
        0xa1, 0x0c, 0x1b, 0x0a, 0x41, 0x44, 0x2e, 0x54, 0x45, 0x53, 0x54,
        0x64, 0x69, 0x73, 0xa2, 0x06, 0x04, 0x04, 0x00, 0x00, 0x10, 0x00,
        0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e, 0x04, 0x0c,
        0x72, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00 },
      67, 0, 0xC0000072u },
    { "METHOD-DATA of the PA-PW-SALT entry alone: locked out",
      { METHOD_DATA_1(LOCKED_OUT) }, 25, 0, 0xC0000234u },
    { "the same, disabled (with CLIENT_REVOKED)",
      { METHOD_DATA_1(EXT(0x72, 0x00, 0x00, 0xc0)) }, 25, 0, 0xC0000072u },
    { "the same, expired account",
      { METHOD_DATA_1(EXT(0x93, 0x01, 0x00, 0xc0)) }, 25, 0, 0xC0000193u },
    { "the same, password must change (with KEY_EXP)",
      { METHOD_DATA_1(EXT(0x24, 0x02, 0x00, 0xc0)) }, 25, 0, 0xC0000224u },
    { "Windows: one KERB-ERROR-DATA, data-type 3 (KERB_ERR_TYPE_EXTENDED)",
      { 0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e, 0x04, 0x0c,
        LOCKED_OUT }, 23, 0, 0xC0000234u },
    { "the bare 12 bytes as e-data",
      { LOCKED_OUT }, 12, 0, 0xC0000234u },
    { "flags 3 (a TGS-REQ, as Samba marks it) change nothing",
      { 0x72, 0x00, 0x00, 0xc0, 0, 0, 0, 0, 3, 0, 0, 0 }, 12, 0,
      0xC0000072u },
    { "an unknown status is still found (named UNKNOWN later)",
      { EXT(0x34, 0x12, 0x00, 0xc0) }, 12, 0, 0xC0001234u },
    { "the status after another entry (PA-ETYPE-INFO2, type 19)",
      { 0x30, 0x22,
        0x30, 0x09, 0xa1, 0x03, 0x02, 0x01, 0x13, 0xa2, 0x02, 0x04, 0x00,
        0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e, 0x04, 0x0c,
        LOCKED_OUT }, 36, 0, 0xC0000234u },
    { "a real 12-byte salt first (reserved word not zero), then the status",
      { 0x30, 0x2e,
        0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e, 0x04, 0x0c,
        'E', 'X', 'A', 'M', 'P', 'L', 'E', '.', 'C', 'O', 'M', 'a',
        0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e, 0x04, 0x0c,
        LOCKED_OUT }, 48, 0, 0xC0000234u },
    { "long-form lengths where short ones would do are still definite",
      { 0x30, 0x81, 0x18, 0x30, 0x81, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03,
        0xa2, 0x0e, 0x04, 0x0c, LOCKED_OUT }, 27, 0, 0xC0000234u },

    /* Well-formed, but no extended error in it. */
    { "no e-data at all", { 0 }, 0, ENOENT, 0 },
    { "an empty METHOD-DATA", { 0x30, 0x00 }, 2, ENOENT, 0 },
    { "a padata-value [2] with nothing in it",
      { 0x30, 0x14,
        0x30, 0x09, 0xa1, 0x03, 0x02, 0x01, 0x02, 0xa2, 0x02, 0x04, 0x00,
        0x30, 0x07, 0xa1, 0x03, 0x02, 0x01, 0x13, 0xa2, 0x00 }, 22,
      EINVAL, 0 },
    { "PREAUTH_REQUIRED's METHOD-DATA, well-formed",
      { 0x30, 0x16,
        0x30, 0x09, 0xa1, 0x03, 0x02, 0x01, 0x02, 0xa2, 0x02, 0x04, 0x00,
        0x30, 0x09, 0xa1, 0x03, 0x02, 0x01, 0x13, 0xa2, 0x02, 0x04, 0x00 },
      24, ENOENT, 0 },
    { "a real 12-byte PA-PW-SALT salt only",
      { 0x30, 0x17, 0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e,
        0x04, 0x0c, 'E', 'X', 'A', 'M', 'P', 'L', 'E', '.', 'C', 'O', 'M',
        'a' }, 25, ENOENT, 0 },
    { "wrong type: 12 good bytes under padata-type 4",
      { 0x30, 0x17, 0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x04, 0xa2, 0x0e,
        0x04, 0x0c, LOCKED_OUT }, 25, ENOENT, 0 },
    { "wrong type: -3 is not 3",
      { 0x30, 0x17, 0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0xfd, 0xa2, 0x0e,
        0x04, 0x0c, LOCKED_OUT }, 25, ENOENT, 0 },
    { "wrong type: 259 is not 3 (0x0103 in two octets)",
      { 0x30, 0x18, 0x30, 0x16, 0xa1, 0x04, 0x02, 0x02, 0x01, 0x03, 0xa2,
        0x0e, 0x04, 0x0c, LOCKED_OUT }, 26, ENOENT, 0 },
    { "type 3 with 11 bytes",
      { 0x30, 0x16, 0x30, 0x14, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0d,
        0x04, 0x0b, 0x34, 0x02, 0x00, 0xc0, 0, 0, 0, 0, 1, 0, 0 }, 24,
      ENOENT, 0 },
    { "type 3 with 13 bytes",
      { 0x30, 0x18, 0x30, 0x16, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0f,
        0x04, 0x0d, LOCKED_OUT, 0 }, 26, ENOENT, 0 },
    { "KERB-ERROR-DATA without its data-value",
      { 0x30, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x03 }, 7, ENOENT, 0 },
    { "bare form, reserved word not zero",
      { 0x34, 0x02, 0x00, 0xc0, 1, 0, 0, 0, 1, 0, 0, 0 }, 12, ENOENT, 0 },
    { "bare form, a warning (0x80000005) is no error status",
      { EXT(0x05, 0x00, 0x00, 0x80) }, 12, ENOENT, 0 },
    { "bare form, status 0",
      { EXT(0x00, 0x00, 0x00, 0x00) }, 12, ENOENT, 0 },
    { "bare form, a success code (0x00000103)",
      { EXT(0x03, 0x01, 0x00, 0x00) }, 12, ENOENT, 0 },

    /* Truncated. */
    { "one byte", { 0x30 }, 1, EINVAL, 0 },
    { "METHOD-DATA cut by one byte",
      { METHOD_DATA_1(LOCKED_OUT) }, 24, EINVAL, 0 },
    { "METHOD-DATA cut after the PA-DATA's type",
      { METHOD_DATA_1(LOCKED_OUT) }, 9, EINVAL, 0 },
    { "KERB-ERROR-DATA cut in its value",
      { 0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e, 0x04, 0x0c,
        LOCKED_OUT }, 20, EINVAL, 0 },
    { "bare form cut to 11 bytes",
      { LOCKED_OUT }, 11, EINVAL, 0 },
    { "long-form length with its octets missing",
      { 0x30, 0x84, 0x00, 0x00 }, 4, EINVAL, 0 },

    /* Lengths that claim more than there is. */
    { "outer length 0xFFFFFFFF",
      { 0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00 }, 8, EINVAL, 0 },
    { "five length octets",
      { 0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x02, 0x30, 0x00 }, 9, EINVAL,
      0 },
    { "the indefinite form (0x80), end-of-contents after",
      { 0x30, 0x80, 0x30, 0x80, 0x00, 0x00, 0x00, 0x00 }, 8, EINVAL, 0 },
    { "a PA-DATA longer than its METHOD-DATA",
      { 0x30, 0x17, 0x30, 0x7f, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e,
        0x04, 0x0c, LOCKED_OUT }, 25, EINVAL, 0 },
    { "an OCTET STRING of 0xFFFFFFFF bytes inside",
      { 0x30, 0x1b, 0x30, 0x19, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x12,
        0x04, 0x84, 0xff, 0xff, 0xff, 0xff, LOCKED_OUT }, 29, EINVAL, 0 },
    { "[2] shorter than the OCTET STRING it holds",
      { 0x30, 0x17, 0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x05,
        0x04, 0x0c, LOCKED_OUT }, 25, EINVAL, 0 },

    /* Junk inside. */
    { "not a SEQUENCE: an OCTET STRING",
      { 0x04, 0x0c, LOCKED_OUT }, 14, EINVAL, 0 },
    { "trailing bytes after the METHOD-DATA",
      { METHOD_DATA_1(LOCKED_OUT), 0x00 }, 26, EINVAL, 0 },
    { "a METHOD-DATA entry that is an INTEGER",
      { 0x30, 0x03, 0x02, 0x01, 0x03 }, 5, EINVAL, 0 },
    { "a PA-DATA with [0] where [1] belongs",
      { 0x30, 0x17, 0x30, 0x15, 0xa0, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e,
        0x04, 0x0c, LOCKED_OUT }, 25, EINVAL, 0 },
    { "a PA-DATA with a third field",
      { 0x30, 0x1c, 0x30, 0x1a, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e,
        0x04, 0x0c, LOCKED_OUT, 0xa3, 0x03, 0x02, 0x01, 0x00 }, 30, EINVAL,
      0 },
    { "padata-value holding an INTEGER, not an OCTET STRING",
      { 0x30, 0x17, 0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e,
        0x02, 0x0c, LOCKED_OUT }, 25, EINVAL, 0 },
    { "padata-type holding an OCTET STRING",
      { 0x30, 0x17, 0x30, 0x15, 0xa1, 0x03, 0x04, 0x01, 0x03, 0xa2, 0x0e,
        0x04, 0x0c, LOCKED_OUT }, 25, EINVAL, 0 },
    { "padata-type of five octets (beyond Int32)",
      { 0x30, 0x1b, 0x30, 0x19, 0xa1, 0x07, 0x02, 0x05, 0x00, 0x00, 0x00,
        0x00, 0x03, 0xa2, 0x0e, 0x04, 0x0c, LOCKED_OUT }, 29, EINVAL, 0 },
    { "padata-type of zero octets",
      { 0x30, 0x16, 0x30, 0x14, 0xa1, 0x02, 0x02, 0x00, 0xa2, 0x0e, 0x04,
        0x0c, LOCKED_OUT }, 24, EINVAL, 0 },
    { "[1] holding two elements",
      { 0x30, 0x1a, 0x30, 0x18, 0xa1, 0x06, 0x02, 0x01, 0x03, 0x02, 0x01,
        0x03, 0xa2, 0x0e, 0x04, 0x0c, LOCKED_OUT }, 28, EINVAL, 0 },
    { "a high tag number (0x1f) for the outer element",
      { 0x3f, 0x10, 0x02, 0x30, 0x00 }, 5, EINVAL, 0 },
    { "a SEQUENCE nested where a PA-DATA's fields belong",
      { 0x30, 0x19, 0x30, 0x17, 0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03,
        0xa2, 0x0e, 0x04, 0x0c, LOCKED_OUT }, 27, EINVAL, 0 },
};

/* Run the decoder on an exact-size heap copy of bytes[0..len). */
static int
decode(const unsigned char *bytes, size_t len, uint32_t *status)
{
    unsigned char *copy = len > 0 ? malloc(len) : NULL;
    int ret;

    if (len > 0) {
        assert_non_null(copy);
        memcpy(copy, bytes, len);
    }
    ret = edata_ntstatus(copy, len, status);
    free(copy);
    return ret;
}

static void
edata_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(edata_cases); i++) {
        const struct edata_case *c = &edata_cases[i];
        uint32_t status = 0xDEADBEEFu;
        int ret = decode(c->bytes, c->len, &status);

        if (ret != c->ret)
            fail_msg("%s: returned %d, want %d", c->why, ret, c->ret);
        if (ret == 0 && status != c->status)
            fail_msg("%s: status 0x%08X, want 0x%08X", c->why,
                     (unsigned)status, (unsigned)c->status);
        if (ret != 0 && status != 0xDEADBEEFu)
            fail_msg("%s: status set to 0x%08X on failure", c->why,
                     (unsigned)status);
    }
}

/* Every prefix of every case that decodes, cut anywhere, finds nothing
 * (or, for the 12-byte cut, only a real bare status); no prefix of any
 * case reads beyond its end or returns anything but 0, ENOENT or EINVAL. */
static void
edata_every_prefix(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(edata_cases); i++) {
        const struct edata_case *c = &edata_cases[i];

        for (size_t n = 0; n < c->len; n++) {
            uint32_t status = 0xDEADBEEFu;
            int ret = decode(c->bytes, n, &status);

            if (ret == 0 && c->ret == 0 && n != 12)
                fail_msg("%s: its first %zu bytes give status 0x%08X",
                         c->why, n, (unsigned)status);
            if (ret != 0 && ret != ENOENT && ret != EINVAL)
                fail_msg("%s, %zu bytes: returned %d", c->why, n, ret);
        }
    }
}

/* NULL with no length is "nothing there", not a crash. */
static void
edata_null(void **state)
{
    uint32_t status = 7;

    (void)state;
    assert_int_equal(edata_ntstatus(NULL, 0, &status), ENOENT);
    assert_int_equal(status, 7);
}

/* What a person sees for the statuses seen in the field, end to end. */
static void
decoded_names(void **state)
{
    static const struct {
        unsigned char bytes[25];
        const char *name;
    } cases[] = {
        { { METHOD_DATA_1(LOCKED_OUT) }, "STATUS_ACCOUNT_LOCKED_OUT" },
        { { METHOD_DATA_1(EXT(0x72, 0x00, 0x00, 0xc0)) },
          "STATUS_ACCOUNT_DISABLED" },
        { { METHOD_DATA_1(EXT(0x93, 0x01, 0x00, 0xc0)) },
          "STATUS_ACCOUNT_EXPIRED" },
        { { METHOD_DATA_1(EXT(0x24, 0x02, 0x00, 0xc0)) },
          "STATUS_PASSWORD_MUST_CHANGE" },
        { { METHOD_DATA_1(EXT(0x34, 0x12, 0x00, 0xc0)) }, "UNKNOWN" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        uint32_t status = 0;

        assert_int_equal(decode(cases[i].bytes, sizeof(cases[i].bytes),
                                &status), 0);
        assert_string_equal(ntstatus_name(status), cases[i].name);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_by_hand),
        cmocka_unit_test(table_is_the_list),
        cmocka_unit_test(table_entries_are_sound),
        cmocka_unit_test(none_and_unknown),
        cmocka_unit_test(locked_out_advice),
        cmocka_unit_test(edata_table),
        cmocka_unit_test(edata_every_prefix),
        cmocka_unit_test(edata_null),
        cmocka_unit_test(decoded_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
