/* Unit tests for exporter/expo: escaping, values, families, golden text. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <krb5/krb5.h>

#include "exporter/expo.h"

struct escape_case {
    const char *input;
    const char *label;
    const char *help;
    const char *why;
};

static const struct escape_case escape_cases[] = {
    { "plain", "plain", "plain", "nothing to escape" },
    { "", "", "", "empty" },
    { "a\"b", "a\\\"b", "a\"b", "quote: only labels escape it" },
    { "a\\b", "a\\\\b", "a\\\\b", "backslash" },
    { "a\nb", "a\\nb", "a\\nb", "newline" },
    { "\\\"\n", "\\\\\\\"\\n", "\\\\\"\\n", "all three in a row" },
    { "end\\", "end\\\\", "end\\\\", "trailing backslash" },
    { "tab\there", "tab\there", "tab\there", "tab stays" },
    { "HTTP/www.example.com@EXAMPLE.COM", "HTTP/www.example.com@EXAMPLE.COM",
      "HTTP/www.example.com@EXAMPLE.COM", "principal" },
    { "caf\xc3\xa9", "caf\xc3\xa9", "caf\xc3\xa9", "UTF-8 passes through" },
};

static void
escaping(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]);
         i++) {
        const struct escape_case *c = &escape_cases[i];
        struct sbuf b;
        char *text;

        print_message("case: %s\n", c->why);
        sbuf_init(&b);
        expo_escape_label(&b, c->input);
        text = sbuf_take(&b, NULL);
        assert_string_equal(text, c->label);
        free(text);
        sbuf_init(&b);
        expo_escape_help(&b, c->input);
        text = sbuf_take(&b, NULL);
        assert_string_equal(text, c->help);
        free(text);
    }
}

struct value_case {
    double v;
    const char *text;
};

static void
values(void **state)
{
    const struct value_case cases[] = {
        { 0, "0" },           { 1, "1" },         { -1765328366, "-1765328366" },
        { 0.25, "0.25" },     { 1.5e9, "1500000000" },
        { 0.1, "0.1" },       { 1e-7, "1e-07" },
        { NAN, "NaN" },       { INFINITY, "+Inf" }, { -INFINITY, "-Inf" },
        { 9007199254740991.0, "9007199254740991" },
        { 1e300, "1e+300" }, { -2.5, "-2.5" },
        { -7, "-7" },         { -0.0, "-0" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[40];
        expo_format_value(buf, cases[i].v);
        if (!isnan(cases[i].v) && !isinf(cases[i].v))
            assert_true(strtod(buf, NULL) == cases[i].v);
        /* Every row, 1e-7 too: %.15g reads back exactly for it, so the
         * shorter spelling is the one written. */
        assert_string_equal(buf, cases[i].text);
    }
}

/* A realm with a good tgt, one good and one failed service. */
static struct expo_self self_metrics;
static const double backoff_left[2] = { 120, 0 };

static void
fill_snapshot(struct realm_result *r, struct error_count *e,
              struct expo_build_info *b, struct expo_snapshot *s)
{
    struct client_info *ci;

    memset(r, 0, sizeof(*r));
    r->realm = strdup("EXAMPLE.COM");
    ci = result_add_client(r, strdup("krbmon@EXAMPLE.COM"));
    result_add_probe(r, PROBE_TGT, strdup("krbmon@EXAMPLE.COM"), 1, 0.5,
                     (struct probe_error){ ERR_SPACE_KRB5, 0 }, NULL);
    result_add_probe(r, PROBE_SERVICE, strdup("HTTP/www.example.com@EXAMPLE.COM"),
                     1, 0.25, (struct probe_error){ ERR_SPACE_KRB5, 0 }, NULL);
    result_add_probe(r, PROBE_SERVICE, strdup("host/\"odd\"\\name@EXAMPLE.COM"),
                     0, 0.125,
                     (struct probe_error){ ERR_SPACE_KRB5,
                                           KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN },
                     strdup("Server not found"));
    result_add_probe(r, PROBE_VERIFY, strdup("HTTP/www.example.com@EXAMPLE.COM"),
                     0, 0.0625,
                     (struct probe_error){ ERR_SPACE_KRB5,
                                           KRB5KRB_AP_ERR_BADKEYVER },
                     strdup("Cannot find key for HTTP/www.example.com@EXAMPLE.COM kvno 3 in keytab"));
    result_add_service(r, strdup("HTTP/www.example.com"),
                       strdup("HTTP/www.example.com@EXAMPLE.COM"), 3);
    /* Same enctypes: one series; different: two, and RC4 is weak. */
    result_add_ticket(r, PROBE_TGT, strdup("krbmon@EXAMPLE.COM"),
                      strdup("aes256-cts-hmac-sha1-96"),
                      strdup("aes256-cts-hmac-sha1-96"), 0);
    result_add_ticket(r, PROBE_SERVICE,
                      strdup("HTTP/www.example.com@EXAMPLE.COM"),
                      strdup("aes256-cts-hmac-sha1-96"),
                      strdup("arcfour-hmac"), 1);
    /* The keytab lags the KDC (kvno 2 against 3); a second service sharing
     * the keytab adds its entries again, lower kvnos not winning. */
    result_add_keytab_kvno(r, "HTTP/www.example.com@EXAMPLE.COM",
                           "aes256-cts-hmac-sha1-96", 2);
    result_add_keytab_kvno(r, "HTTP/www.example.com@EXAMPLE.COM",
                           "aes128-cts-hmac-sha1-96", 2);
    result_add_keytab_kvno(r, "HTTP/www.example.com@EXAMPLE.COM",
                           "aes256-cts-hmac-sha1-96", 1);
    ci->has_account_expiry = 1;
    ci->account_expiry = 1900000000;
    ci->has_tgt_times = 1;
    ci->tgt_lifetime = 36000;
    ci->tgt_renewable = 1;
    result_add_service(r, strdup("host/\"odd\"\\name"),
                       strdup("host/\"odd\"\\name@EXAMPLE.COM"), -1);
    ci->has_password_expiry = 1;
    ci->password_expiry = 1800000000;
    r->has_discovered = 1;
    r->discovered.source = "dns_srv";
    r->discovered.count = 2;
    result_add_kdc(r, strdup("udp/kdc1.example.com:88"), 1, -1.5);
    result_add_kdc(r, strdup("tcp/kdc2.example.com:88"), 0, 0);
    e->realm = (char *)(uintptr_t) "EXAMPLE.COM";
    e->kind = PROBE_SERVICE;
    e->error = (struct probe_error){ ERR_SPACE_KRB5,
                                     KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN };
    e->count = 7;
    e->status = 0;
    b->version = "1.2.3";
    b->krb5_version = "1.20.1";
    b->cares_version = "1.18.1";
    b->microhttpd_version = "0.9.75";
    memset(s, 0, sizeof(*s));
    s->realms = r;
    s->n_realms = 1;
    s->errors = e;
    s->n_errors = 1;
    self_metrics.build = b;
    self_metrics.scrape_duration = 0.75;
    self_metrics.reload_successful = 1;
    self_metrics.reload_success_timestamp = 1700000000;
    self_metrics.probes_in_flight = 3;
    s->self = &self_metrics;
    s->backoff_left = backoff_left;
}

/* The expected exposition, in three parts: C11 compilers need only take
 * string literals of up to 4095 characters. */
static const char golden_a[] =
    "# HELP krb5_probe_success 1 if the probe succeeded in this scrape, 0 if it failed.\n"
    "# TYPE krb5_probe_success gauge\n"
    "krb5_probe_success{realm=\"EXAMPLE.COM\",probe=\"tgt\",target=\"krbmon@EXAMPLE.COM\"} 1\n"
    "krb5_probe_success{realm=\"EXAMPLE.COM\",probe=\"service\",target=\"HTTP/www.example.com@EXAMPLE.COM\"} 1\n"
    "krb5_probe_success{realm=\"EXAMPLE.COM\",probe=\"service\",target=\"host/\\\"odd\\\"\\\\name@EXAMPLE.COM\"} 0\n"
    "krb5_probe_success{realm=\"EXAMPLE.COM\",probe=\"verify\",target=\"HTTP/www.example.com@EXAMPLE.COM\"} 0\n"
    "# HELP krb5_probe_duration_seconds How long the probe took in this scrape, in seconds.\n"
    "# TYPE krb5_probe_duration_seconds gauge\n"
    "krb5_probe_duration_seconds{realm=\"EXAMPLE.COM\",probe=\"tgt\",target=\"krbmon@EXAMPLE.COM\"} 0.5\n"
    "krb5_probe_duration_seconds{realm=\"EXAMPLE.COM\",probe=\"service\",target=\"HTTP/www.example.com@EXAMPLE.COM\"} 0.25\n"
    "krb5_probe_duration_seconds{realm=\"EXAMPLE.COM\",probe=\"service\",target=\"host/\\\"odd\\\"\\\\name@EXAMPLE.COM\"} 0.125\n"
    "krb5_probe_duration_seconds{realm=\"EXAMPLE.COM\",probe=\"verify\",target=\"HTTP/www.example.com@EXAMPLE.COM\"} 0.0625\n"
    "# HELP krb5_probe_error 1 for each probe failing in this scrape, with its error code and symbolic name, and the NTSTATUS of an Active Directory extended error (empty when none).\n"
    "# TYPE krb5_probe_error gauge\n"
    "krb5_probe_error{realm=\"EXAMPLE.COM\",probe=\"service\",target=\"host/\\\"odd\\\"\\\\name@EXAMPLE.COM\",code=\"-1765328377\",name=\"KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN\",status=\"\"} 1\n"
    "krb5_probe_error{realm=\"EXAMPLE.COM\",probe=\"verify\",target=\"HTTP/www.example.com@EXAMPLE.COM\",code=\"-1765328340\",name=\"KRB5KRB_AP_ERR_BADKEYVER\",status=\"\"} 1\n"
    "# HELP krb5_probe_errors_total Failed probes since the exporter started, by error and Active Directory extended status.\n"
    "# TYPE krb5_probe_errors_total counter\n"
    "krb5_probe_errors_total{realm=\"EXAMPLE.COM\",probe=\"service\",code=\"-1765328377\",name=\"KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN\",status=\"\"} 7\n"
    "# HELP krb5_kdc_discovered Number of KDC endpoints found for the realm, by source (config, dns_uri or dns_srv).\n"
    "# TYPE krb5_kdc_discovered gauge\n"
    "krb5_kdc_discovered{realm=\"EXAMPLE.COM\",source=\"dns_srv\"} 2\n"
    "# HELP krb5_kdc_clock_skew_seconds The KDC's clock minus the exporter's, read from the KDC's reply, in seconds.\n"
    "# TYPE krb5_kdc_clock_skew_seconds gauge\n"
    "krb5_kdc_clock_skew_seconds{realm=\"EXAMPLE.COM\",target=\"udp/kdc1.example.com:88\"} -1.5\n"
    "# HELP krb5_service_principal_info Maps each configured service to the principal actually used.\n"
    "# TYPE krb5_service_principal_info gauge\n"
    "krb5_service_principal_info{realm=\"EXAMPLE.COM\",service=\"HTTP/www.example.com\",principal=\"HTTP/www.example.com@EXAMPLE.COM\"} 1\n"
    "krb5_service_principal_info{realm=\"EXAMPLE.COM\",service=\"host/\\\"odd\\\"\\\\name\",principal=\"host/\\\"odd\\\"\\\\name@EXAMPLE.COM\"} 1\n"
    "# HELP krb5_service_ticket_kvno Key version number of the service ticket issued in this scrape.\n"
    "# TYPE krb5_service_ticket_kvno gauge\n"
    "krb5_service_ticket_kvno{realm=\"EXAMPLE.COM\",principal=\"HTTP/www.example.com@EXAMPLE.COM\"} 3\n";
static const char golden_b[] =
    "# HELP krb5_keytab_kvno The highest key version number a configured service keytab holds, per principal and encryption type.\n"
    "# TYPE krb5_keytab_kvno gauge\n"
    "krb5_keytab_kvno{realm=\"EXAMPLE.COM\",principal=\"HTTP/www.example.com@EXAMPLE.COM\",enctype=\"aes256-cts-hmac-sha1-96\"} 2\n"
    "krb5_keytab_kvno{realm=\"EXAMPLE.COM\",principal=\"HTTP/www.example.com@EXAMPLE.COM\",enctype=\"aes128-cts-hmac-sha1-96\"} 2\n"
    "# HELP krb5_service_ticket_pac 1 if the service ticket verified with the service's keytab in this scrape carries a PAC whose server checksum verifies with the service key, else 0 (no PAC, a bad one, or no ticket verified).\n"
    "# TYPE krb5_service_ticket_pac gauge\n"
    "krb5_service_ticket_pac{realm=\"EXAMPLE.COM\",principal=\"HTTP/www.example.com@EXAMPLE.COM\"} 0\n";
static const char golden_c[] =
    "# HELP krb5_ticket_enctype_info 1 for each encryption type a ticket issued in this scrape uses: its session key's and the one it is sealed in (one series when they are the same).\n"
    "# TYPE krb5_ticket_enctype_info gauge\n"
    "krb5_ticket_enctype_info{realm=\"EXAMPLE.COM\",probe=\"tgt\",target=\"krbmon@EXAMPLE.COM\",enctype=\"aes256-cts-hmac-sha1-96\"} 1\n"
    "krb5_ticket_enctype_info{realm=\"EXAMPLE.COM\",probe=\"service\",target=\"HTTP/www.example.com@EXAMPLE.COM\",enctype=\"aes256-cts-hmac-sha1-96\"} 1\n"
    "krb5_ticket_enctype_info{realm=\"EXAMPLE.COM\",probe=\"service\",target=\"HTTP/www.example.com@EXAMPLE.COM\",enctype=\"arcfour-hmac\"} 1\n"
    "# HELP krb5_ticket_weak_enctype 1 if a ticket issued in this scrape uses a deprecated encryption type (DES, triple DES or RC4), else 0.\n"
    "# TYPE krb5_ticket_weak_enctype gauge\n"
    "krb5_ticket_weak_enctype{realm=\"EXAMPLE.COM\",probe=\"tgt\",target=\"krbmon@EXAMPLE.COM\"} 0\n"
    "krb5_ticket_weak_enctype{realm=\"EXAMPLE.COM\",probe=\"service\",target=\"HTTP/www.example.com@EXAMPLE.COM\"} 1\n"
    "# HELP krb5_password_expiry_timestamp_seconds When the monitoring client's password expires, as reported by the KDC, in seconds since the epoch.\n"
    "# TYPE krb5_password_expiry_timestamp_seconds gauge\n"
    "krb5_password_expiry_timestamp_seconds{realm=\"EXAMPLE.COM\",principal=\"krbmon@EXAMPLE.COM\"} 1800000000\n"
    "# HELP krb5_account_expiry_timestamp_seconds When the monitoring client's account expires, as reported by the KDC, in seconds since the epoch.\n"
    "# TYPE krb5_account_expiry_timestamp_seconds gauge\n"
    "krb5_account_expiry_timestamp_seconds{realm=\"EXAMPLE.COM\",principal=\"krbmon@EXAMPLE.COM\"} 1900000000\n"
    "# HELP krb5_tgt_lifetime_seconds Lifetime of the TGT issued in this scrape (end time minus authentication time), in seconds.\n"
    "# TYPE krb5_tgt_lifetime_seconds gauge\n"
    "krb5_tgt_lifetime_seconds{realm=\"EXAMPLE.COM\",principal=\"krbmon@EXAMPLE.COM\"} 36000\n"
    "# HELP krb5_tgt_renewable 1 if the TGT issued in this scrape is renewable, else 0.\n"
    "# TYPE krb5_tgt_renewable gauge\n"
    "krb5_tgt_renewable{realm=\"EXAMPLE.COM\",principal=\"krbmon@EXAMPLE.COM\"} 1\n"
    "# HELP krb5_probe_backoff_seconds Seconds left before the lockout guard lets the realm's client credentials be presented again after a credential failure; 0 when there is no backoff.\n"
    "# TYPE krb5_probe_backoff_seconds gauge\n"
    "krb5_probe_backoff_seconds{realm=\"EXAMPLE.COM\"} 120\n"
    "# HELP krb5_exporter_build_info Versions of the exporter and of the libraries it runs on.\n"
    "# TYPE krb5_exporter_build_info gauge\n"
    "krb5_exporter_build_info{version=\"1.2.3\",krb5_version=\"1.20.1\",cares_version=\"1.18.1\",microhttpd_version=\"0.9.75\"} 1\n"
    "# HELP krb5_exporter_scrape_duration_seconds How long the whole scrape took, in seconds.\n"
    "# TYPE krb5_exporter_scrape_duration_seconds gauge\n"
    "krb5_exporter_scrape_duration_seconds 0.75\n"
    "# HELP krb5_exporter_config_last_reload_successful 1 if the last configuration load (start or reload) succeeded.\n"
    "# TYPE krb5_exporter_config_last_reload_successful gauge\n"
    "krb5_exporter_config_last_reload_successful 1\n"
    "# HELP krb5_exporter_config_last_reload_success_timestamp_seconds When the configuration was last loaded successfully, in seconds since the epoch.\n"
    "# TYPE krb5_exporter_config_last_reload_success_timestamp_seconds gauge\n"
    "krb5_exporter_config_last_reload_success_timestamp_seconds 1700000000\n"
    "# HELP krb5_exporter_probes_in_flight Realm probes queued or running right now.\n"
    "# TYPE krb5_exporter_probes_in_flight gauge\n"
    "krb5_exporter_probes_in_flight 3\n";

static void
golden_exposition(void **state)
{
    struct realm_result r;
    struct error_count e;
    struct expo_build_info b;
    struct expo_snapshot s;
    struct sbuf out;
    char *text;

    (void)state;
    fill_snapshot(&r, &e, &b, &s);
    sbuf_init(&out);
    expo_write(&out, &s);
    text = sbuf_take(&out, NULL);
    assert_non_null(text);
    assert_true(strlen(text) > strlen(golden_a) + strlen(golden_b));
    assert_memory_equal(text, golden_a, strlen(golden_a));
    assert_memory_equal(text + strlen(golden_a), golden_b, strlen(golden_b));
    assert_string_equal(text + strlen(golden_a) + strlen(golden_b),
                        golden_c);
    free(text);
    result_clear(&r);
}

/* Every family's samples follow its TYPE line without another family's
 * lines in between, and each family is declared once. */
static void
families_are_contiguous(void **state)
{
    struct realm_result r[2];
    struct error_count e;
    struct expo_build_info b;
    struct expo_snapshot s;
    struct sbuf out;
    char *text, *line, *save = NULL;
    char seen[32][64];
    size_t n_seen = 0;
    char current[64] = "";

    (void)state;
    fill_snapshot(&r[0], &e, &b, &s);
    fill_snapshot(&r[1], &e, &b, &s);
    free(r[1].realm);
    r[1].realm = strdup("OTHER.ORG");
    s.realms = r;
    s.n_realms = 2;
    sbuf_init(&out);
    expo_write(&out, &s);
    text = sbuf_take(&out, NULL);
    for (line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char name[64];
        size_t n;
        if (strncmp(line, "# TYPE ", 7) == 0) {
            n = strcspn(line + 7, " ");
            snprintf(current, sizeof(current), "%.*s", (int)n, line + 7);
            for (size_t i = 0; i < n_seen; i++)
                assert_string_not_equal(seen[i], current);
            snprintf(seen[n_seen++], sizeof(seen[0]), "%s", current);
            continue;
        }
        if (line[0] == '#')
            continue;
        n = strcspn(line, "{ ");
        snprintf(name, sizeof(name), "%.*s", (int)n, line);
        assert_string_equal(name, current);
    }
    assert_int_equal(n_seen, 22);
    free(text);
    result_clear(&r[0]);
    result_clear(&r[1]);
}

/* krb5_service_ticket_pac: one series per verify probe, 1 only for a
 * ticket whose PAC verified; none for a realm without verify probes. */
static void
pac_family(void **state)
{
    static const char expected[] =
        "# HELP krb5_service_ticket_pac 1 if the service ticket verified with the service's keytab in this scrape carries a PAC whose server checksum verifies with the service key, else 0 (no PAC, a bad one, or no ticket verified).\n"
        "# TYPE krb5_service_ticket_pac gauge\n"
        "krb5_service_ticket_pac{realm=\"EXAMPLE.COM\",principal=\"HTTP/pac.example.com@EXAMPLE.COM\"} 1\n"
        "krb5_service_ticket_pac{realm=\"EXAMPLE.COM\",principal=\"HTTP/nopac.example.com@EXAMPLE.COM\"} 0\n"
        "krb5_service_ticket_pac{realm=\"EXAMPLE.COM\",principal=\"HTTP/badpac.example.com@EXAMPLE.COM\"} 0\n"
        "krb5_service_ticket_pac{realm=\"EXAMPLE.COM\",principal=\"HTTP/stale.example.com@EXAMPLE.COM\"} 0\n";
    const struct probe_error ok = { ERR_SPACE_KRB5, 0 };
    const struct probe_error modified = { ERR_SPACE_KRB5,
                                          KRB5KRB_AP_ERR_MODIFIED };
    const struct probe_error badkeyver = { ERR_SPACE_KRB5,
                                           KRB5KRB_AP_ERR_BADKEYVER };
    struct realm_result r[2];
    struct expo_snapshot s;
    struct sbuf out;
    char *text, *family;

    (void)state;
    memset(r, 0, sizeof(r));
    r[0].realm = strdup("EXAMPLE.COM");
    r[1].realm = strdup("NOKEYTABS.ORG");
    /* A service probe alone gives no series. */
    result_add_probe(&r[0], PROBE_SERVICE,
                     strdup("HTTP/pac.example.com@EXAMPLE.COM"), 1, 0, ok,
                     NULL);
    result_add_probe(&r[0], PROBE_VERIFY,
                     strdup("HTTP/pac.example.com@EXAMPLE.COM"), 1, 0, ok,
                     NULL);
    result_add_pac(&r[0], "HTTP/pac.example.com@EXAMPLE.COM", 1);
    /* Opened, no PAC: verify succeeds, the PAC series is 0. */
    result_add_probe(&r[0], PROBE_VERIFY,
                     strdup("HTTP/nopac.example.com@EXAMPLE.COM"), 1, 0, ok,
                     NULL);
    result_add_pac(&r[0], "HTTP/nopac.example.com@EXAMPLE.COM", 0);
    /* A PAC whose signature fails: the verify probe fails, nothing
     * recorded. */
    result_add_probe(&r[0], PROBE_VERIFY,
                     strdup("HTTP/badpac.example.com@EXAMPLE.COM"), 0, 0,
                     modified, strdup("the ticket's PAC fails its server "
                                      "checksum"));
    /* A stale keytab: the ticket was never opened. */
    result_add_probe(&r[0], PROBE_VERIFY,
                     strdup("HTTP/stale.example.com@EXAMPLE.COM"), 0, 0,
                     badkeyver, NULL);
    result_add_probe(&r[1], PROBE_SERVICE,
                     strdup("HTTP/www.nokeytabs.org@NOKEYTABS.ORG"), 1, 0, ok,
                     NULL);
    memset(&s, 0, sizeof(s));
    s.realms = r;
    s.n_realms = 2;
    sbuf_init(&out);
    expo_write(&out, &s);
    text = sbuf_take(&out, NULL);
    assert_non_null(text);
    family = strstr(text, "# HELP krb5_service_ticket_pac ");
    assert_non_null(family);
    assert_memory_equal(family, expected, strlen(expected));
    assert_null(strstr(family + strlen(expected), "krb5_service_ticket_pac"));
    free(text);

    /* Without verify probes, no family. */
    s.realms = &r[1];
    s.n_realms = 1;
    sbuf_init(&out);
    expo_write(&out, &s);
    text = sbuf_take(&out, NULL);
    assert_non_null(text);
    assert_null(strstr(text, "krb5_service_ticket_pac"));
    free(text);
    result_clear(&r[0]);
    result_clear(&r[1]);
}

/* The status label: the extended error's name, "UNKNOWN" for a status the
 * table lacks, "" for none; the same label set on every sample of the two
 * families, and one counter series per label value. */
static void
status_label(void **state)
{
    static const char want[] =
        "# HELP krb5_probe_error 1 for each probe failing in this scrape, with its error code and symbolic name, and the NTSTATUS of an Active Directory extended error (empty when none).\n"
        "# TYPE krb5_probe_error gauge\n"
        "krb5_probe_error{realm=\"AD.EXAMPLE.COM\",probe=\"tgt\",target=\"krbmon@AD.EXAMPLE.COM\",code=\"-1765328366\",name=\"KRB5KDC_ERR_CLIENT_REVOKED\",status=\"STATUS_ACCOUNT_LOCKED_OUT\"} 1\n"
        "krb5_probe_error{realm=\"AD.EXAMPLE.COM\",probe=\"service\",target=\"HTTP/www.ad.example.com@AD.EXAMPLE.COM\",code=\"-1765328366\",name=\"KRB5KDC_ERR_CLIENT_REVOKED\",status=\"\"} 1\n"
        "krb5_probe_error{realm=\"AD.EXAMPLE.COM\",probe=\"service\",target=\"cifs/files.ad.example.com@AD.EXAMPLE.COM\",code=\"-1765328377\",name=\"KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN\",status=\"UNKNOWN\"} 1\n"
        "# HELP krb5_probe_errors_total Failed probes since the exporter started, by error and Active Directory extended status.\n"
        "# TYPE krb5_probe_errors_total counter\n"
        "krb5_probe_errors_total{realm=\"AD.EXAMPLE.COM\",probe=\"tgt\",code=\"-1765328366\",name=\"KRB5KDC_ERR_CLIENT_REVOKED\",status=\"STATUS_ACCOUNT_LOCKED_OUT\"} 1\n"
        "krb5_probe_errors_total{realm=\"AD.EXAMPLE.COM\",probe=\"tgt\",code=\"-1765328366\",name=\"KRB5KDC_ERR_CLIENT_REVOKED\",status=\"STATUS_ACCOUNT_DISABLED\"} 2\n"
        "krb5_probe_errors_total{realm=\"AD.EXAMPLE.COM\",probe=\"tgt\",code=\"-1765328361\",name=\"KRB5KDC_ERR_KEY_EXP\",status=\"\"} 3\n";
    const struct probe_error revoked = { ERR_SPACE_KRB5,
                                         KRB5KDC_ERR_CLIENT_REVOKED };
    const struct probe_error unknown_spn = { ERR_SPACE_KRB5,
                                             KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN };
    struct error_count e[3];
    struct realm_result r;
    struct expo_snapshot s;
    struct sbuf out;
    char *text, *failed;

    (void)state;
    memset(&r, 0, sizeof(r));
    r.realm = strdup("AD.EXAMPLE.COM");
    result_add_probe(&r, PROBE_TGT, strdup("krbmon@AD.EXAMPLE.COM"), 0, 0.5,
                     revoked, strdup("Client's credentials have been revoked"));
    r.probes[0].status = 0xC0000234UL;
    result_add_probe(&r, PROBE_SERVICE,
                     strdup("HTTP/www.ad.example.com@AD.EXAMPLE.COM"), 0, 0,
                     revoked, NULL);
    result_add_probe(&r, PROBE_SERVICE,
                     strdup("cifs/files.ad.example.com@AD.EXAMPLE.COM"), 0,
                     0.25, unknown_spn, NULL);
    r.probes[2].status = 0xC0001234UL;
    memset(e, 0, sizeof(e));
    for (size_t i = 0; i < 3; i++) {
        e[i].realm = r.realm;
        e[i].kind = PROBE_TGT;
        e[i].error = revoked;
        e[i].count = i + 1;
    }
    e[0].status = 0xC0000234UL;
    e[1].status = 0xC0000072UL;
    e[2].error.code = KRB5KDC_ERR_KEY_EXP;
    memset(&s, 0, sizeof(s));
    s.realms = &r;
    s.n_realms = 1;
    s.errors = e;
    s.n_errors = 3;
    sbuf_init(&out);
    expo_write(&out, &s);
    text = sbuf_take(&out, NULL);
    assert_non_null(text);
    failed = strstr(text, "# HELP krb5_probe_error ");
    assert_non_null(failed);
    assert_string_equal(failed, want);
    free(text);
    result_clear(&r);
}

static void
empty_families_are_left_out(void **state)
{
    struct expo_snapshot s;
    struct sbuf out;
    char *text;

    (void)state;
    memset(&s, 0, sizeof(s));
    sbuf_init(&out);
    expo_write(&out, &s);
    text = sbuf_take(&out, NULL);
    assert_string_equal(text, "");
    free(text);
}

/* The process_* families: client_golang's names, types and HELP, after
 * the exporter's own; a figure that could not be read (NaN) leaves its
 * family out; none without process figures, and none on /probe (no
 * self metrics at all). */
struct process_case {
    struct procstat p;
    int with;                 /* 0: self->process NULL */
    const char *want;         /* from the first process_ line on */
    const char *why;
};

static const struct process_case process_cases[] = {
    { { 12.34, 123904000, 1234567168, 9, 1024, 1796112000.25 }, 1,
      "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
      "# TYPE process_cpu_seconds_total counter\n"
      "process_cpu_seconds_total 12.34\n"
      "# HELP process_open_fds Number of open file descriptors.\n"
      "# TYPE process_open_fds gauge\n"
      "process_open_fds 9\n"
      "# HELP process_max_fds Maximum number of open file descriptors.\n"
      "# TYPE process_max_fds gauge\n"
      "process_max_fds 1024\n"
      "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
      "# TYPE process_virtual_memory_bytes gauge\n"
      "process_virtual_memory_bytes 1234567168\n"
      "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      "# TYPE process_resident_memory_bytes gauge\n"
      "process_resident_memory_bytes 123904000\n"
      "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
      "# TYPE process_start_time_seconds gauge\n"
      "process_start_time_seconds 1796112000.25\n",
      "every figure" },
    { { NAN, NAN, NAN, 3, 18446744073709551615.0, NAN }, 1,
      "# HELP process_open_fds Number of open file descriptors.\n"
      "# TYPE process_open_fds gauge\n"
      "process_open_fds 3\n"
      "# HELP process_max_fds Maximum number of open file descriptors.\n"
      "# TYPE process_max_fds gauge\n"
      "process_max_fds 1.8446744073709552e+19\n",
      "no /proc/self/stat: its four families left out; unlimited fds" },
    { { NAN, NAN, NAN, NAN, NAN, NAN }, 1, NULL, "nothing could be read" },
    { { 0, 0, 0, 0, 0, 0 }, 0, NULL, "no process figures given" },
};

static void
process_families(void **state)
{
    struct expo_build_info b = { "1", "2", "3", "4" };
    struct expo_self self;
    struct expo_snapshot s;

    (void)state;
    for (size_t i = 0; i < sizeof(process_cases) / sizeof(process_cases[0]);
         i++) {
        const struct process_case *c = &process_cases[i];
        struct sbuf out;
        char *text;
        const char *first;

        print_message("case %zu: %s\n", i, c->why);
        memset(&self, 0, sizeof(self));
        self.build = &b;
        self.process = c->with ? &c->p : NULL;
        memset(&s, 0, sizeof(s));
        s.self = &self;
        sbuf_init(&out);
        expo_write(&out, &s);
        text = sbuf_take(&out, NULL);
        assert_non_null(text);
        first = strstr(text, "# HELP process_");
        if (c->want == NULL) {
            assert_null(strstr(text, "process_"));
        } else {
            assert_non_null(first);
            assert_string_equal(first, c->want);
            /* After the exporter's own families. */
            assert_non_null(strstr(text, "krb5_exporter_probes_in_flight"));
            assert_true(strstr(text, "krb5_exporter_probes_in_flight") <
                        first);
        }
        free(text);
        /* /probe: no self metrics, so no process ones either. */
        s.self = NULL;
        sbuf_init(&out);
        expo_write(&out, &s);
        text = sbuf_take(&out, NULL);
        assert_null(strstr(text, "process_"));
        free(text);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escaping),
        cmocka_unit_test(values),
        cmocka_unit_test(golden_exposition),
        cmocka_unit_test(families_are_contiguous),
        cmocka_unit_test(empty_families_are_left_out),
        cmocka_unit_test(status_label),
        cmocka_unit_test(pac_family),
        cmocka_unit_test(process_families),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
