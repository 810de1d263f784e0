/*
 * Unit tests for the key-health helpers: keytab summaries (the highest kvno
 * per principal and enctype), the keytab cache's re-reading on change, and
 * enctype names and strength.
 */
#include <errno.h>
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
#include <krb5/krb5.h>

#include "probes/enctypes.h"
#include "probes/ktcache.h"
#include "probes/result.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ENTRIES 6

#define A256 "aes256-cts-hmac-sha1-96"
#define A128 "aes128-cts-hmac-sha1-96"

struct summary_case {
    struct ktcache_entry raw[MAX_ENTRIES];
    size_t n_raw;
    struct ktcache_entry want[MAX_ENTRIES];
    size_t n_want;
    const char *why;
};

static const struct summary_case summary_cases[] = {
    { { { 0 } }, 0, { { 0 } }, 0, "an empty keytab has no entries" },
    { { { "HTTP/w@R", A256, 3 } }, 1, { { "HTTP/w@R", A256, 3 } }, 1,
      "one key" },
    { { { "HTTP/w@R", A256, 1 }, { "HTTP/w@R", A256, 3 },
        { "HTTP/w@R", A256, 2 } }, 3,
      { { "HTTP/w@R", A256, 3 } }, 1,
      "old keys kept beside new ones: the highest kvno wins, in any order" },
    { { { "HTTP/w@R", A256, 2 }, { "HTTP/w@R", A128, 1 } }, 2,
      { { "HTTP/w@R", A128, 1 }, { "HTTP/w@R", A256, 2 } }, 2,
      "enctypes are kept apart, even when their kvnos differ" },
    { { { "host/b@R", A256, 5 }, { "HTTP/w@R", A256, 7 },
        { "host/b@R", A256, 4 }, { "HTTP/w@S", A256, 1 } }, 4,
      { { "HTTP/w@R", A256, 7 }, { "HTTP/w@S", A256, 1 },
        { "host/b@R", A256, 5 } }, 3,
      "principals are kept apart, realms too, sorted by name" },
    { { { "HTTP/w@R", A256, 256 }, { "HTTP/w@R", A256, 255 } }, 2,
      { { "HTTP/w@R", A256, 256 } }, 1,
      "kvnos past the 8-bit field of old keytabs" },
};

static void
summaries(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(summary_cases); i++) {
        const struct summary_case *c = &summary_cases[i];
        struct ktcache_summary s = { NULL, 0 }, copy = { NULL, 0 };

        print_message("case: %s\n", c->why);
        assert_int_equal(ktcache_summarize(c->raw, c->n_raw, &s), 0);
        assert_int_equal(s.n, c->n_want);
        for (size_t j = 0; j < c->n_want; j++) {
            assert_string_equal(s.entries[j].principal, c->want[j].principal);
            assert_string_equal(s.entries[j].enctype, c->want[j].enctype);
            assert_int_equal(s.entries[j].kvno, c->want[j].kvno);
        }
        /* The strings are copies, not the caller's. */
        for (size_t j = 0; j < s.n; j++)
            for (size_t k = 0; k < c->n_raw; k++)
                assert_ptr_not_equal(s.entries[j].principal,
                                     c->raw[k].principal);
        assert_int_equal(ktcache_summary_copy(&s, &copy), 0);
        assert_int_equal(copy.n, s.n);
        for (size_t j = 0; j < s.n; j++)
            assert_string_equal(copy.entries[j].principal,
                                s.entries[j].principal);
        ktcache_summary_clear(&copy);
        ktcache_summary_clear(&s);
        assert_null(s.entries);
    }
    ktcache_summary_clear(NULL);
}

struct enctype_case {
    int32_t enctype;
    const char *name;
    int weak;
    const char *why;
};

static const struct enctype_case enctype_cases[] = {
    { ENCTYPE_AES256_CTS_HMAC_SHA1_96, A256, 0, "AES256, the usual" },
    { ENCTYPE_AES128_CTS_HMAC_SHA1_96, A128, 0, "AES128" },
    { ENCTYPE_AES256_CTS_HMAC_SHA384_192, "aes256-cts-hmac-sha384-192", 0,
      "RFC 8009 AES" },
    { ENCTYPE_AES128_CTS_HMAC_SHA256_128, "aes128-cts-hmac-sha256-128", 0,
      "RFC 8009 AES128" },
    { ENCTYPE_CAMELLIA256_CTS_CMAC, "camellia256-cts-cmac", 0, "Camellia" },
    { ENCTYPE_ARCFOUR_HMAC, "arcfour-hmac", 1,
      "RC4: MIT's primary name, deprecated (RFC 8429)" },
    { ENCTYPE_ARCFOUR_HMAC_EXP, "arcfour-hmac-exp", 1, "export RC4" },
    { ENCTYPE_DES3_CBC_SHA1, "des3-cbc-sha1", 1, "triple DES" },
    { ENCTYPE_DES_CBC_CRC, "des-cbc-crc", 1,
      "single DES: libkrb5 1.20 still names it, though it cannot use it" },
    { ENCTYPE_DES_CBC_MD5, "des-cbc-md5", 1, "single DES with MD5" },
    { ENCTYPE_DES3_CBC_SHA, "enctype-5", 1,
      "IANA's des3-cbc-md5: libkrb5 has no name for it, still weak" },
    { 7, "enctype-7", 1, "IANA's des3-cbc-sha1 without key derivation" },
    { 4242, "enctype-4242", 0, "an unknown number is named, not judged" },
    { -135, "enctype--135", 0, "a negative (private use) number" },
};

static void
enctypes(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(enctype_cases); i++) {
        const struct enctype_case *c = &enctype_cases[i];
        char name[64];

        print_message("case: %s\n", c->why);
        enctypes_name(c->enctype, name, sizeof(name));
        assert_string_equal(name, c->name);
        assert_int_equal(enctypes_weak(c->enctype), c->weak);
    }
}

/* The result fields hold what was recorded, keytab kvnos keep the highest
 * per pair, and result_clear() frees them all. */
static void
result_fields_recorded(void **state)
{
    struct realm_result r;
    struct client_info *ci;

    (void)state;
    memset(&r, 0, sizeof(r));
    r.realm = strdup("R");
    assert_int_equal(result_add_ticket(&r, PROBE_SERVICE, strdup("HTTP/w@R"),
                                       strdup(A256), strdup("arcfour-hmac"),
                                       1), 0);
    assert_int_equal(result_add_keytab_kvno(&r, "HTTP/w@R", A256, 4), 0);
    assert_int_equal(result_add_keytab_kvno(&r, "HTTP/w@R", A256, 2), 0);
    assert_int_equal(result_add_keytab_kvno(&r, "HTTP/w@R", A128, 5), 0);
    assert_int_equal(result_add_keytab_kvno(&r, "HTTP/w@R", A256, 6), 0);
    assert_int_equal(r.n_keytab_kvnos, 2);
    assert_int_equal(r.keytab_kvnos[0].kvno, 6);
    assert_int_equal(r.keytab_kvnos[1].kvno, 5);
    ci = result_add_client(&r, strdup("krbmon@R"));
    assert_non_null(ci);
    ci->has_account_expiry = 1;
    ci->account_expiry = 1900000000;
    ci->has_tgt_times = 1;
    ci->tgt_lifetime = 36000;
    ci->tgt_renewable = 1;
    /* A NULL principal is refused. */
    assert_null(result_add_client(&r, NULL));
    assert_int_equal(r.n_clients, 1);
    /* A NULL string is refused, and owns nothing afterwards. */
    assert_int_equal(result_add_ticket(&r, PROBE_TGT, NULL, strdup(A256),
                                       strdup(A256), 0), ENOMEM);
    assert_int_equal(r.n_tickets, 1);

    assert_int_equal(r.n_tickets, 1);
    assert_int_equal(r.tickets[0].kind, PROBE_SERVICE);
    assert_string_equal(r.tickets[0].target, "HTTP/w@R");
    assert_string_equal(r.tickets[0].session_enctype, A256);
    assert_string_equal(r.tickets[0].ticket_enctype, "arcfour-hmac");
    assert_int_equal(r.tickets[0].weak, 1);
    assert_int_equal(r.n_keytab_kvnos, 2);
    assert_string_equal(r.keytab_kvnos[1].enctype, A128);
    assert_int_equal(r.keytab_kvnos[0].kvno, 6);
    assert_string_equal(r.clients[0].principal, "krbmon@R");
    assert_int_equal(r.clients[0].has_account_expiry, 1);
    assert_true(r.clients[0].account_expiry == 1900000000);
    assert_int_equal(r.clients[0].has_tgt_times, 1);
    assert_true(r.clients[0].tgt_lifetime == 36000);
    assert_int_equal(r.clients[0].tgt_renewable, 1);
    assert_string_equal(probe_kind_name(PROBE_VERIFY), "verify");
    result_clear(&r);
    assert_null(r.tickets);
    assert_int_equal(r.n_keytab_kvnos, 0);
}

/* ---- ktcache_get on real keytab files ---- */

static char tmpdir[64], ktpath[128];

/* Add one key for principal at kvno (a fresh random key) to ktpath. */
static void
add_key(krb5_context ctx, const char *principal, krb5_kvno kvno,
        krb5_enctype enctype)
{
    krb5_keytab kt = NULL;
    krb5_keytab_entry ent;
    char name[160];

    memset(&ent, 0, sizeof(ent));
    snprintf(name, sizeof(name), "FILE:%s", ktpath);
    assert_int_equal(krb5_kt_resolve(ctx, name, &kt), 0);
    assert_int_equal(krb5_parse_name(ctx, principal, &ent.principal), 0);
    ent.vno = kvno;
    assert_int_equal(krb5_c_make_random_key(ctx, enctype, &ent.key), 0);
    assert_int_equal(krb5_kt_add_entry(ctx, kt, &ent), 0);
    krb5_free_keytab_entry_contents(ctx, &ent);
    krb5_kt_close(ctx, kt);
}

static int
setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/test_keys.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    snprintf(ktpath, sizeof(ktpath), "%s/service.keytab", tmpdir);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    unlink(ktpath);
    return rmdir(tmpdir);
}

static void
cache_reads_again_only_on_change(void **state)
{
    krb5_context ctx = NULL;
    struct ktcache_summary s = { NULL, 0 };
    struct ktcache cache;
    int was_read = -1;

    (void)state;
    ktcache_init(&cache);
    assert_int_equal(krb5_init_context(&ctx), 0);
    add_key(ctx, "HTTP/w@R", 1, ENCTYPE_AES256_CTS_HMAC_SHA1_96);
    add_key(ctx, "HTTP/w@R", 1, ENCTYPE_AES128_CTS_HMAC_SHA1_96);

    assert_int_equal(ktcache_get(&cache, ctx, ktpath, &s, &was_read), 0);
    assert_int_equal(was_read, 1);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.entries[0].enctype, A128);
    assert_string_equal(s.entries[1].enctype, A256);
    assert_int_equal(s.entries[1].kvno, 1);
    ktcache_summary_clear(&s);

    /* Unchanged: served from the cache. */
    assert_int_equal(ktcache_get(&cache, ctx, ktpath, &s, &was_read), 0);
    assert_int_equal(was_read, 0);
    assert_int_equal(s.n, 2);
    ktcache_summary_clear(&s);

    /* A new key appended (as kadmin ktadd does): read again. */
    add_key(ctx, "HTTP/w@R", 2, ENCTYPE_AES256_CTS_HMAC_SHA1_96);
    assert_int_equal(ktcache_get(&cache, ctx, ktpath, &s, &was_read), 0);
    assert_int_equal(was_read, 1);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.entries[1].enctype, A256);
    assert_int_equal(s.entries[1].kvno, 2);
    assert_int_equal(s.entries[0].kvno, 1);
    ktcache_summary_clear(&s);

    /* Gone: an error, and nothing returned. */
    assert_int_equal(unlink(ktpath), 0);
    assert_int_equal(ktcache_get(&cache, ctx, ktpath, &s, &was_read), ENOENT);
    assert_null(s.entries);

    /* Replaced by another file with other contents: read again. */
    add_key(ctx, "host/b@R", 9, ENCTYPE_AES256_CTS_HMAC_SHA1_96);
    assert_int_equal(ktcache_get(&cache, ctx, ktpath, &s, &was_read), 0);
    assert_int_equal(was_read, 1);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.entries[0].principal, "host/b@R");
    assert_int_equal(s.entries[0].kvno, 9);
    ktcache_summary_clear(&s);

    /* Not a keytab: libkrb5's error, not a summary. */
    {
        FILE *f = fopen(ktpath, "we");
        assert_non_null(f);
        fputs("not a keytab\n", f);
        fclose(f);
    }
    assert_int_not_equal(ktcache_get(&cache, ctx, ktpath, &s, &was_read), 0);
    assert_null(s.entries);

    /* Without a cache: read every time. */
    unlink(ktpath);
    add_key(ctx, "host/c@R", 3, ENCTYPE_AES256_CTS_HMAC_SHA1_96);
    for (int i = 0; i < 2; i++) {
        was_read = -1;
        assert_int_equal(ktcache_get(NULL, ctx, ktpath, &s, &was_read), 0);
        assert_int_equal(was_read, 1);
        assert_int_equal(s.n, 1);
        ktcache_summary_clear(&s);
    }
    ktcache_destroy(&cache);
    krb5_free_context(ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summaries),
        cmocka_unit_test(enctypes),
        cmocka_unit_test(result_fields_recorded),
        cmocka_unit_test_setup_teardown(cache_reads_again_only_on_change,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
