/*
 * Unit tests for exporter/webconfig (exporter-toolkit's web config file,
 * YAML) and the TLS half of exporter/http that builds its settings.
 *
 * A table of files that parse, each with what they must mean; a table of
 * files that do not, each with every message it must give (FILE:LINE:
 * WHERE: reason) and how many; the bcrypt shape; the GnuTLS priority
 * strings; and, over files in a fresh mkdtemp() directory, the loader
 * (relative paths, PEM files, the key's mode, an empty file at a reload,
 * the watch noticing a rewrite, a rename and a removal) and
 * http_web_new() with a certificate and keys made here with GnuTLS.
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "exporter/http.h"
#include "exporter/httptls.h"
#include "exporter/webconfig.h"
#include "exporter/webwatch.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_EXPECTED 4

#define HASH_A "$2y$10$abcdefghijklmnopqrstuu5Mq8Kq2m5F0r3ZxIJv1cQy4O0mBa9e."
#define HASH_B "$2b$04$0123456789abcdefghijkuVqL8yYl6hQm1oXOJ0uS3a8y5b1wZx7W"

/* ---- files that parse -------------------------------------------------- */

#define TLS_AB "tls_server_config:\n  cert_file: /a\n  key_file: /b\n"

struct accept_case {
    const char *text;
    const char *cert, *key, *ca;      /* NULL: unset */
    enum webconfig_client_auth auth;
    enum conf_tls_version min, max;
    size_t n_users;
    size_t n_headers;
    const char *why;
};

static const struct accept_case accept_cases[] = {
    { "", NULL, NULL, NULL, WEBCONFIG_NO_CLIENT_CERT, TLS_V12, TLS_V13, 0, 0,
      "an empty file: plain HTTP, no auth, as in exporter-toolkit" },
    { "# only a comment\n", NULL, NULL, NULL, WEBCONFIG_NO_CLIENT_CERT,
      TLS_V12, TLS_V13, 0, 0, "comments only" },
    { "{}\n", NULL, NULL, NULL, WEBCONFIG_NO_CLIENT_CERT, TLS_V12, TLS_V13,
      0, 0, "an empty mapping" },
    { "tls_server_config:\nhttp_server_config:\nbasic_auth_users:\n", NULL,
      NULL, NULL, WEBCONFIG_NO_CLIENT_CERT, TLS_V12, TLS_V13, 0, 0,
      "empty sections are null" },
    { "tls_server_config:\n  cert_file: /etc/x/tls.crt\n"
      "  key_file: /etc/x/tls.key\n", "/etc/x/tls.crt", "/etc/x/tls.key",
      NULL, WEBCONFIG_NO_CLIENT_CERT, TLS_V12, TLS_V13, 0, 0,
      "TLS with absolute paths" },
    { "tls_server_config:\n  cert_file: tls.crt\n  key_file: sub/tls.key\n",
      "/etc/krb5/tls.crt", "/etc/krb5/sub/tls.key", NULL,
      WEBCONFIG_NO_CLIENT_CERT, TLS_V12, TLS_V13, 0, 0,
      "relative paths join the file's directory" },
    { "tls_server_config:\n  cert_file: \"/a.crt\"\n  key_file: '/a.key'\n"
      "  client_auth_type: RequireAndVerifyClientCert\n"
      "  client_ca_file: /ca.crt\n  min_version: TLS13\n"
      "  max_version: TLS13\n", "/a.crt", "/a.key", "/ca.crt",
      WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT, TLS_V13, TLS_V13, 0, 0,
      "mutual TLS, quoted scalars, TLS 1.3 only" },
    { "tls_server_config:\n  cert_file: /a\n  key_file: /b\n"
      "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: /c\n",
      "/a", "/b", "/c", WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN, TLS_V12,
      TLS_V13, 0, 0, "verify if given" },
    { "tls_server_config:\n  cert_file: /a\n  key_file: /b\n"
      "  client_auth_type: RequireAnyClientCert\n", "/a", "/b", NULL,
      WEBCONFIG_REQUIRE_ANY_CLIENT_CERT, TLS_V12, TLS_V13, 0, 0,
      "any certificate, no CA needed" },
    { "tls_server_config:\n  cert_file: /a\n  key_file: /b\n"
      "  client_auth_type: RequireClientCert\n", "/a", "/b", NULL,
      WEBCONFIG_REQUIRE_ANY_CLIENT_CERT, TLS_V12, TLS_V13, 0, 0,
      "exporter-toolkit's old name for RequireAnyClientCert" },
    { "tls_server_config:\n  cert_file: /a\n  key_file: /b\n"
      "  client_auth_type: RequestClientCert\n  client_ca_file: /c\n"
      "  min_version: TLS10\n  max_version: TLS11\n"
      "  prefer_server_cipher_suites: false\n", "/a", "/b", "/c",
      WEBCONFIG_REQUEST_CLIENT_CERT, TLS_V10, TLS_V11, 0, 0,
      "old versions, a CA with RequestClientCert, an ignored boolean" },
    { "tls_server_config:\n  cert_file: ''\n  key_file: ~\n"
      "  client_auth_type: \"\"\n", NULL, NULL, NULL,
      WEBCONFIG_NO_CLIENT_CERT, TLS_V12, TLS_V13, 0, 0,
      "empty and null values are unset: no TLS" },
    { TLS_AB "  min_version:\n  max_version: ~\n", "/a", "/b", NULL,
      WEBCONFIG_NO_CLIENT_CERT, TLS_V12, TLS_V13, 0, 0,
      "null versions are the defaults" },
    { "tls_server_config:\n  min_version: TLS13\n", NULL, NULL, NULL,
      WEBCONFIG_NO_CLIENT_CERT, TLS_V13, TLS_V13, 0, 0,
      "versions alone do not turn TLS on (TLSConfig.IsEnabled)" },
    { "basic_auth_users:\n  alice: " HASH_A "\n  bob: '" HASH_B "'\n", NULL,
      NULL, NULL, WEBCONFIG_NO_CLIENT_CERT, TLS_V12, TLS_V13, 2, 0,
      "two users, one hash quoted" },
    { "basic_auth_users: {}\n", NULL, NULL, NULL, WEBCONFIG_NO_CLIENT_CERT,
      TLS_V12, TLS_V13, 0, 0, "no users: no auth" },
    { "http_server_config:\n  http2: true\n  headers:\n"
      "    Strict-Transport-Security: max-age=31536000; includeSubDomains\n"
      "    X-Content-Type-Options: nosniff\n    X-Frame-Options: sameorigin\n"
      "    X-XSS-Protection: \"1; mode=block\"\n"
      "    Content-Security-Policy: default-src 'none'\n",
      NULL, NULL, NULL, WEBCONFIG_NO_CLIENT_CERT, TLS_V12, TLS_V13, 0, 5,
      "every header exporter-toolkit allows; http2 taken" },
    { "http_server_config:\n  headers:\n    X-Frame-Options: deny\n", NULL,
      NULL, NULL, WEBCONFIG_NO_CLIENT_CERT, TLS_V12, TLS_V13, 0, 1,
      "X-Frame-Options deny" },
    { "basic_auth_users:\n  alice: &h " HASH_A "\n  carol: *h\n", NULL,
      NULL, NULL, WEBCONFIG_NO_CLIENT_CERT, TLS_V12, TLS_V13, 2, 0,
      "anchors and aliases, as YAML has them" },
};

static void
parses(void **state)
{
    int failures = 0;

    (void)state;
    for (size_t i = 0; i < COUNT(accept_cases); i++) {
        const struct accept_case *ac = &accept_cases[i];
        struct conf_errors errs = { NULL, 0 };
        struct webconfig *cfg = NULL;
        int ok;

        ok = webconfig_parse(ac->text, strlen(ac->text), "/etc/krb5/web.yml",
                             &cfg, &errs) == 0;
        if (ok) {
#define SAME(a, b) ((a) == NULL ? (b) == NULL : (b) != NULL && !strcmp(a, b))
            ok = SAME(ac->cert, cfg->cert_file) && SAME(ac->key, cfg->key_file)
                 && SAME(ac->ca, cfg->client_ca_file) &&
                 cfg->client_auth == ac->auth && cfg->min_version == ac->min &&
                 cfg->max_version == ac->max && cfg->n_users == ac->n_users &&
                 cfg->n_headers == ac->n_headers && cfg->cert_pem == NULL;
#undef SAME
        }
        if (!ok) {
            print_message("case %zu (%s) failed\n", i, ac->why);
            for (size_t k = 0; k < errs.count; k++)
                print_message("    %s\n", errs.messages[k]);
            failures++;
        }
        webconfig_free(cfg);
        conf_errors_clear(&errs);
    }
    assert_int_equal(failures, 0);
}

static void
parsed_values(void **state)
{
    static const char text[] =
        "basic_auth_users:\n  alice: " HASH_A "\n"
        "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
        "tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n";
    struct conf_errors errs = { NULL, 0 };
    struct webconfig *cfg = NULL;

    (void)state;
    assert_int_equal(webconfig_parse(text, strlen(text), "web.yml", &cfg,
                                     &errs), 0);
    assert_string_equal(cfg->users[0].name, "alice");
    assert_string_equal(cfg->users[0].hash, HASH_A);
    assert_string_equal(cfg->headers[0].name, "X-Frame-Options");
    assert_string_equal(cfg->headers[0].value, "deny");
    /* No directory in the name: paths stay as written (Go's Dir is "."). */
    assert_string_equal(cfg->cert_file, "c.pem");
    assert_int_equal(cfg->cert_line, 7);
    assert_int_equal(cfg->key_line, 8);
    webconfig_free(cfg);
    conf_errors_clear(&errs);
}

/* ---- files that do not ------------------------------------------------- */

struct reject_case {
    const char *text;
    const char *expected[MAX_EXPECTED];   /* each must start a message */
    size_t n_errors;
    const char *why;
};

static const struct reject_case reject_cases[] = {
    /* YAML itself. */
    { "tls_server_config:\n  cert_file: [\n", { "w.yml:3: YAML: " }, 1,
      "unterminated flow sequence" },
    { "a: b\n c: d\n", { "w.yml:2: YAML: " }, 1, "bad indentation" },
    { "tls_server_config: {}\n---\nbasic_auth_users: {}\n",
      { "w.yml:3: a second YAML document: the file holds one" }, 1,
      "two documents" },
    { "- a\n- b\n", { "w.yml:1: the file must be a mapping such as "
      "\"tls_server_config: ...\", not a list" }, 1, "a list at the top" },
    { "hello\n", { "w.yml:1: the file must be a mapping" }, 1,
      "a scalar at the top" },

    /* Strict keys, as yaml.UnmarshalStrict. */
    { "tls_config:\n  cert_file: /a\n",
      { "w.yml:1: unknown key \"tls_config\" (known keys: tls_server_config, "
        "http_server_config, basic_auth_users, rate_limit)" }, 1,
      "a top-level typo" },
    { TLS_AB "  certfile: /c\n",
      { "w.yml:4: tls_server_config: unknown key \"certfile\"" }, 1,
      "a typo inside tls_server_config" },
    { "http_server_config:\n  header:\n    X-Frame-Options: deny\n",
      { "w.yml:2: http_server_config: unknown key \"header\" (known keys: "
        "headers, http2)" }, 1, "headers misspelt" },
    { TLS_AB "  cert_file: /c\n",
      { "w.yml:4: tls_server_config: \"cert_file\" is given twice" }, 1,
      "a key twice" },
    { "basic_auth_users: {}\nbasic_auth_users: {}\n",
      { "w.yml:2: \"basic_auth_users\" is given twice" }, 1,
      "a section twice" },
    { "? [a, b]\n: c\n", { "w.yml:1: a key must be a name, not a list" }, 1,
      "a complex key" },

    /* Known to exporter-toolkit, refused here rather than ignored. */
    { TLS_AB "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
      { "w.yml:4: tls_server_config: \"cipher_suites\" is not supported by "
        "krb5_exporter: GnuTLS chooses" }, 1, "cipher_suites" },
    { TLS_AB "  curve_preferences: [X25519]\n",
      { "w.yml:4: tls_server_config: \"curve_preferences\" is not supported" },
      1, "curve_preferences" },
    { TLS_AB "  client_auth_type: RequireAnyClientCert\n"
      "  client_allowed_sans: [scraper]\n",
      { "w.yml:5: tls_server_config: \"client_allowed_sans\" is not "
        "supported" }, 1, "client_allowed_sans would check less if ignored" },
    { "tls_server_config:\n  cert: |\n    -----BEGIN CERTIFICATE-----\n"
      "  key_file: /b\n",
      { "w.yml:2: tls_server_config: \"cert\" is not supported by "
        "krb5_exporter: put the certificate in a file",
        "w.yml:1: tls_server_config: cert_file is missing" }, 2,
      "an inline certificate" },
    { "rate_limit:\n  burst: 5\n",
      { "w.yml:1: \"rate_limit\" is not supported by krb5_exporter" }, 1,
      "rate_limit" },

    /* Types. */
    { "tls_server_config: /a\n",
      { "w.yml:1: tls_server_config must be a mapping such as \"cert_file: "
        "server.crt\", not a single value" }, 1, "a section as a scalar" },
    { "basic_auth_users:\n  - alice\n",
      { "w.yml:2: basic_auth_users must be a mapping" }, 1,
      "users as a list" },
    { TLS_AB "  min_version: [TLS12]\n",
      { "w.yml:4: tls_server_config: min_version must be a single value, "
        "not a list" }, 1, "a version as a list" },
    { "tls_server_config:\n  cert_file: \"/a\\0b\"\n  key_file: /b\n",
      { "w.yml:2: tls_server_config: cert_file holds a NUL character",
        "w.yml:1: tls_server_config: cert_file is missing" }, 2,
      "a NUL in a path" },
    { "http_server_config:\n  http2: maybe\n",
      { "w.yml:2: http_server_config: http2 must be true or false, not "
        "\"maybe\"" }, 1, "a boolean that is not" },
    { TLS_AB "  prefer_server_cipher_suites: [1]\n",
      { "w.yml:4: tls_server_config: prefer_server_cipher_suites must be "
        "true or false, not a list" }, 1, "a list for a boolean" },

    /* tls_server_config's rules. */
    { "tls_server_config:\n  cert_file: /a\n",
      { "w.yml:1: tls_server_config: key_file is missing: TLS needs "
        "cert_file and key_file" }, 1, "no key" },
    { "tls_server_config:\n  key_file: /b\n",
      { "w.yml:1: tls_server_config: cert_file is missing" }, 1, "no cert" },
    { "tls_server_config:\n  client_auth_type: RequireAnyClientCert\n",
      { "w.yml:1: tls_server_config: cert_file is missing",
        "w.yml:1: tls_server_config: key_file is missing" }, 2,
      "a client policy turns TLS on, and TLS needs files" },
    { TLS_AB "  client_auth_type: RequireAndVerify\n",
      { "w.yml:4: tls_server_config: client_auth_type \"RequireAndVerify\" "
        "is not one of: NoClientCert, RequestClientCert, "
        "RequireAnyClientCert, VerifyClientCertIfGiven, "
        "RequireAndVerifyClientCert" }, 1, "an unknown client auth type" },
    { TLS_AB "  client_ca_file: /c\n",
      { "w.yml:4: tls_server_config: client_ca_file is set but "
        "client_auth_type is NoClientCert (the default)" }, 1,
      "a CA without a policy, as exporter-toolkit refuses it" },
    { TLS_AB "  client_auth_type: RequireAndVerifyClientCert\n",
      { "w.yml:1: tls_server_config: client_auth_type "
        "RequireAndVerifyClientCert needs client_ca_file" }, 1,
      "verification without CAs (Go would fall back to the system's)" },
    { TLS_AB "  client_auth_type: VerifyClientCertIfGiven\n",
      { "w.yml:1: tls_server_config: client_auth_type "
        "VerifyClientCertIfGiven needs client_ca_file" }, 1,
      "verify if given without CAs" },
    { TLS_AB "  min_version: SSL3\n  max_version: TLS14\n",
      { "w.yml:4: tls_server_config: min_version \"SSL3\" is not one of: "
        "TLS10, TLS11, TLS12, TLS13",
        "w.yml:5: tls_server_config: max_version \"TLS14\" is not one of" },
      2, "unknown versions" },
    { TLS_AB "  min_version: TLS13\n  max_version: TLS12\n",
      { "w.yml:1: tls_server_config: min_version TLS13 is above max_version "
        "TLS12" }, 1, "versions crossed" },
    { TLS_AB "  min_version: tls12\n",
      { "w.yml:4: tls_server_config: min_version \"tls12\" is not one of" },
      1, "versions are upper case, as exporter-toolkit spells them" },

    /* basic_auth_users. */
    { "basic_auth_users:\n  alice: hunter2\n",
      { "w.yml:2: basic_auth_users: user \"alice\": the value is not a bcrypt "
        "hash" }, 1, "a password where a hash goes" },
    { "basic_auth_users:\n  alice:\n",
      { "w.yml:2: basic_auth_users: user \"alice\": the value is not a "
        "bcrypt hash" }, 1, "no hash" },
    { "basic_auth_users:\n  alice: \"$2y$03$abcdefghijklmnopqrstuu5Mq8Kq2m"
      "5F0r3ZxIJv1cQy4O0mBa9e.\"\n",
      { "w.yml:2: basic_auth_users: user \"alice\": the value is not a "
        "bcrypt hash" }, 1, "cost below 4" },
    { "basic_auth_users:\n  \"al:ice\": " HASH_A "\n  \"\": " HASH_A "\n",
      { "w.yml:2: basic_auth_users: user \"al:ice\": a name must be "
        "non-empty, without ':'",
        "w.yml:3: basic_auth_users: user \"\": a name must be" }, 2,
      "names basic auth cannot carry" },
    { "basic_auth_users:\n  alice: " HASH_A "\n  alice: " HASH_B "\n",
      { "w.yml:3: basic_auth_users: user \"alice\" is given twice" }, 1,
      "a user twice" },
    { "basic_auth_users:\n  alice: [1]\n",
      { "w.yml:2: basic_auth_users: user \"alice\": the value is not a "
        "bcrypt hash" }, 1, "a list as a hash" },

    /* http_server_config.headers. */
    { "http_server_config:\n  headers:\n    Server: krb5\n",
      { "w.yml:3: http_server_config.headers: header \"Server\" can not be "
        "configured: only Strict-Transport-Security, X-Content-Type-Options, "
        "X-Frame-Options, X-XSS-Protection, Content-Security-Policy can" },
      1, "a header exporter-toolkit does not allow" },
    { "http_server_config:\n  headers:\n    x-frame-options: deny\n",
      { "w.yml:3: http_server_config.headers: header \"x-frame-options\" "
        "can not be configured" }, 1,
      "names match as written, case included" },
    { "http_server_config:\n  headers:\n    X-Frame-Options: DENY\n"
      "    X-Content-Type-Options: sniff\n",
      { "w.yml:3: http_server_config.headers: X-Frame-Options \"DENY\" is "
        "not one of: deny, sameorigin",
        "w.yml:4: http_server_config.headers: X-Content-Type-Options "
        "\"sniff\" is not one of: nosniff" }, 2, "restricted values" },
    { "http_server_config:\n  headers:\n    Content-Security-Policy: "
      "\"a\\r\\nSet-Cookie: x\"\n",
      { "w.yml:3: http_server_config.headers: Content-Security-Policy: the "
        "value holds a control character" }, 1, "header injection" },
    { "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
      "    X-Frame-Options: sameorigin\n",
      { "w.yml:4: http_server_config.headers: header \"X-Frame-Options\" is "
        "given twice" }, 1, "a header twice" },
    { "http_server_config:\n  headers: [X-Frame-Options]\n",
      { "w.yml:2: http_server_config: headers must be a mapping" }, 1,
      "headers as a list" },

    /* Every problem at once. */
    { "tls_server_config:\n  cert_file: /a\n  min_version: TLS9\n"
      "basic_auth_users:\n  bob: x\nextra: 1\n",
      { "w.yml:3: tls_server_config: min_version \"TLS9\"",
        "w.yml:1: tls_server_config: key_file is missing",
        "w.yml:5: basic_auth_users: user \"bob\"",
        "w.yml:6: unknown key \"extra\"" }, 4,
      "parsing goes on after the first problem" },
};

static int
has_message(const struct conf_errors *errs, const char *prefix)
{
    for (size_t i = 0; i < errs->count; i++)
        if (strncmp(errs->messages[i], prefix, strlen(prefix)) == 0)
            return 1;
    return 0;
}

static void
refuses(void **state)
{
    int failures = 0;

    (void)state;
    for (size_t i = 0; i < COUNT(reject_cases); i++) {
        const struct reject_case *rc = &reject_cases[i];
        struct conf_errors errs = { NULL, 0 };
        struct webconfig *sentinel = (struct webconfig *)&errs;
        struct webconfig *out = sentinel;
        int ret = webconfig_parse(rc->text, strlen(rc->text), "w.yml", &out,
                                  &errs);
        int ok = ret == -1 && out == sentinel && errs.count == rc->n_errors;

        for (size_t k = 0; k < MAX_EXPECTED && rc->expected[k] != NULL; k++)
            if (!has_message(&errs, rc->expected[k])) {
                print_message("    missing: %s\n", rc->expected[k]);
                ok = 0;
            }
        for (size_t k = 0; k < errs.count; k++) {
            if (strncmp(errs.messages[k], "w.yml:", 6) != 0)
                ok = 0;
            /* No hash is ever quoted back. */
            if (strstr(errs.messages[k], "$2y$") != NULL &&
                strstr(errs.messages[k], "\"$2y$10$\"") == NULL)
                ok = 0;
        }
        if (!ok) {
            print_message("case %zu (%s): ret %d, %zu messages, want %zu\n",
                          i, rc->why, ret, errs.count, rc->n_errors);
            for (size_t k = 0; k < errs.count; k++)
                print_message("    %s\n", errs.messages[k]);
            failures++;
        }
        conf_errors_clear(&errs);
    }
    assert_int_equal(failures, 0);
}

/* ---- small pure pieces ------------------------------------------------- */

static void
bcrypt_shape(void **state)
{
    static const struct {
        const char *hash;
        int ok;
        const char *why;
    } cases[] = {
        { HASH_A, 1, "$2y$, cost 10" },
        { HASH_B, 1, "$2b$, cost 4" },
        { "$2a$31$abcdefghijklmnopqrstuu5Mq8Kq2m5F0r3ZxIJv1cQy4O0mBa9e.", 1,
          "$2a$, cost 31" },
        { "$2x$10$abcdefghijklmnopqrstuu5Mq8Kq2m5F0r3ZxIJv1cQy4O0mBa9e.", 0,
          "$2x$ is not taken" },
        { "$2y$32$abcdefghijklmnopqrstuu5Mq8Kq2m5F0r3ZxIJv1cQy4O0mBa9e.", 0,
          "cost 32" },
        { "$2y$10$abcdefghijklmnopqrstuu5Mq8Kq2m5F0r3ZxIJv1cQy4O0mBa9e", 0,
          "one short" },
        { "$2y$10$abcdefghijklmnopqrstuu5Mq8Kq2m5F0r3ZxIJv1cQy4O0mBa9+.", 0,
          "'+' is not bcrypt's base64" },
        { "$6$salt$hash", 0, "sha512-crypt" },
        { "", 0, "empty" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        print_message("case %s\n", cases[i].why);
        assert_int_equal(webconfig_bcrypt_ok(cases[i].hash), cases[i].ok);
    }
}

static void
tls_priorities(void **state)
{
    static const struct {
        int min, max;
        const char *want;
    } cases[] = {
        { 2, 3, "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3" },
        { 3, 3, "NORMAL:-VERS-ALL:+VERS-TLS1.3" },
        { 0, 1, "NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.1" },
        { 0, 3, "NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.1:+VERS-TLS1.2"
                ":+VERS-TLS1.3" },
    };
    char buf[160];

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        httptls_priorities(cases[i].min, cases[i].max, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
    }
    assert_string_equal(webconfig_client_auth_name(
                            WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT),
                        "RequireAndVerifyClientCert");
    assert_string_equal(
        webconfig_client_auth_name(WEBCONFIG_CLIENT_AUTH_COUNT), "unknown");
}

/* ---- the loader, over real files --------------------------------------- */

static char tmpdir[] = "/tmp/test_webconfig.XXXXXX";

static char *
in_tmp(const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];

    snprintf(p, 256, "%s/%s", tmpdir, name);
    return p;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* A PEM certificate and key made with GnuTLS: ECDSA P-256, self-signed. */
static void
make_cert(const char *cert_path, const char *key_path)
{
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
    unsigned char buf[8192];
    size_t len;
    time_t now = time(NULL);
    FILE *f;

    assert_int_equal(gnutls_x509_privkey_init(&key), 0);
    assert_int_equal(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
        GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
    assert_int_equal(gnutls_x509_crt_init(&crt), 0);
    gnutls_x509_crt_set_version(crt, 3);
    gnutls_x509_crt_set_serial(crt, "\x01", 1);
    gnutls_x509_crt_set_activation_time(crt, now - 60);
    gnutls_x509_crt_set_expiration_time(crt, now + 3600);
    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                  "test", 4);
    gnutls_x509_crt_set_key(crt, key);
    assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256,
                                           0), 0);
    len = sizeof(buf) - 1;
    assert_int_equal(gnutls_x509_crt_export(crt, GNUTLS_X509_FMT_PEM, buf,
                                            &len), 0);
    buf[len] = '\0';
    write_file(cert_path, (char *)buf, 0644);
    len = sizeof(buf) - 1;
    assert_int_equal(gnutls_x509_privkey_export(key, GNUTLS_X509_FMT_PEM, buf,
                                                &len), 0);
    buf[len] = '\0';
    f = fopen(key_path, "w");
    assert_non_null(f);
    fputs((char *)buf, f);
    fclose(f);
    assert_int_equal(chmod(key_path, 0600), 0);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
}

static int
setup_files(void **state)
{
    (void)state;
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    make_cert(in_tmp("a.crt"), in_tmp("a.key"));
    make_cert(in_tmp("b.crt"), in_tmp("b.key"));
    return 0;
}

static int
teardown_files(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Load web.yml holding text; 0 or -1, messages in errs. */
static int
load(const char *text, int refuse_empty, struct webwatch *watch,
     struct webconfig **out, struct conf_errors *errs)
{
    write_file(in_tmp("web.yml"), text, 0644);
    return webwatch_load_file(in_tmp("web.yml"), refuse_empty, watch, out,
                              errs);
}

static void
loads_files(void **state)
{
    struct conf_errors errs = { NULL, 0 };
    struct webwatch watch;
    struct webconfig *cfg = NULL;
    struct http_web *web = NULL;

    (void)state;
    memset(&watch, 0, sizeof(watch));
    /* Relative paths, from the file's directory. */
    assert_int_equal(load("tls_server_config:\n  cert_file: a.crt\n"
                          "  key_file: a.key\n", 0, &watch, &cfg, &errs), 0);
    assert_string_equal(cfg->cert_file, in_tmp("a.crt"));
    assert_non_null(strstr(cfg->cert_pem, "BEGIN CERTIFICATE"));
    assert_non_null(strstr(cfg->key_pem, "PRIVATE KEY"));
    assert_string_equal(watch.path[WEBWATCH_FILE_CERT], in_tmp("a.crt"));
    assert_string_equal(watch.path[WEBWATCH_FILE_KEY], in_tmp("a.key"));
    assert_null(watch.path[WEBWATCH_FILE_CA]);
    assert_int_equal(webwatch_changed(&watch), 0);
    /* The settings build, and take the texts out of the config. */
    assert_int_equal(http_web_new(cfg, &web, &errs), 0);
    assert_int_equal(http_web_tls(web), 1);
    assert_int_equal(http_web_users(web), 0);
    http_web_put(web);
    web = NULL;

    /* A rewrite of the certificate in place is a change; so is a rename
     * over it and a removal. */
    write_file(in_tmp("a.crt"), "x", 0644);
    assert_int_equal(webwatch_changed(&watch), 1);
    make_cert(in_tmp("a.crt"), in_tmp("a.key"));
    assert_int_equal(load("tls_server_config:\n  cert_file: a.crt\n"
                          "  key_file: a.key\n", 0, &watch, &cfg, &errs), 0);
    webconfig_free(cfg);
    assert_int_equal(webwatch_changed(&watch), 0);
    assert_int_equal(rename(in_tmp("b.crt"), in_tmp("c.crt")), 0);
    assert_int_equal(rename(in_tmp("c.crt"), in_tmp("b.crt")), 0);
    assert_int_equal(webwatch_changed(&watch), 0);
    make_cert(in_tmp("n.crt"), in_tmp("n.key"));
    assert_int_equal(rename(in_tmp("n.key"), in_tmp("a.key")), 0);
    assert_int_equal(webwatch_changed(&watch), 1);
    assert_int_equal(load("tls_server_config:\n  cert_file: a.crt\n"
                          "  key_file: a.key\n", 0, &watch, &cfg, &errs), 0);
    /* A certificate with another's key. */
    assert_int_equal(http_web_new(cfg, &web, &errs), -1);
    assert_int_equal(errs.count, 1);
    assert_true(has_message(&errs, in_tmp("web.yml")));
    assert_non_null(strstr(errs.messages[0], ":2: tls_server_config: "
                                             "cert_file \""));
    conf_errors_clear(&errs);
    make_cert(in_tmp("a.crt"), in_tmp("a.key"));
    assert_int_equal(unlink(in_tmp("a.key")), 0);
    assert_int_equal(webwatch_changed(&watch), 1);
    webwatch_clear(&watch);
    conf_errors_clear(&errs);
}

static void
refuses_files(void **state)
{
    struct conf_errors errs = { NULL, 0 };
    struct webwatch watch;
    struct webconfig *cfg = NULL;
    char want[512];

    (void)state;
    memset(&watch, 0, sizeof(watch));
    make_cert(in_tmp("a.crt"), in_tmp("a.key"));

    /* A missing file names the key and its line; the watch still has it,
     * so that it is noticed when it appears. */
    assert_int_equal(load("tls_server_config:\n  cert_file: a.crt\n"
                          "  key_file: none.key\n", 0, &watch, &cfg, &errs),
                     -1);
    snprintf(want, sizeof(want), "%s:3: tls_server_config: key_file \"%s\": "
             "cannot open: No such file or directory", in_tmp("web.yml"),
             in_tmp("none.key"));
    assert_int_equal(errs.count, 1);
    assert_string_equal(errs.messages[0], want);
    assert_string_equal(watch.path[WEBWATCH_FILE_KEY], in_tmp("none.key"));
    assert_int_equal(webwatch_changed(&watch), 0);
    make_cert(in_tmp("x.crt"), in_tmp("none.key"));
    assert_int_equal(webwatch_changed(&watch), 1);
    conf_errors_clear(&errs);
    assert_int_equal(unlink(in_tmp("none.key")), 0);

    /* A key others may read. */
    assert_int_equal(chmod(in_tmp("a.key"), 0644), 0);
    assert_int_equal(load("tls_server_config:\n  cert_file: a.crt\n"
                          "  key_file: a.key\n", 0, &watch, &cfg, &errs), -1);
    assert_true(errs.count == 1 && strstr(errs.messages[0],
        "key_file \"") != NULL && strstr(errs.messages[0],
        "others may read or write it (mode 0644)") != NULL);
    conf_errors_clear(&errs);
    assert_int_equal(chmod(in_tmp("a.key"), 0640), 0);
    assert_int_equal(load("tls_server_config:\n  cert_file: a.crt\n"
                          "  key_file: a.key\n", 0, &watch, &cfg, &errs), 0);
    webconfig_free(cfg);

    /* A CA file without a certificate in it, and a directory as a file. */
    write_file(in_tmp("ca.crt"), "not a certificate\n", 0644);
    assert_int_equal(load("tls_server_config:\n  cert_file: a.crt\n"
                          "  key_file: a.key\n"
                          "  client_auth_type: RequireAndVerifyClientCert\n"
                          "  client_ca_file: ca.crt\n", 0, &watch, &cfg,
                          &errs), 0);
    {
        struct http_web *web = NULL;

        assert_int_equal(http_web_new(cfg, &web, &errs), -1);
        assert_int_equal(errs.count, 1);
        assert_non_null(strstr(errs.messages[0], ":5: tls_server_config: "
                                                 "client_ca_file \""));
        conf_errors_clear(&errs);
    }
    assert_int_equal(load("tls_server_config:\n  cert_file: .\n"
                          "  key_file: a.key\n", 0, &watch, &cfg, &errs), -1);
    assert_non_null(strstr(errs.messages[0], "not a regular file"));
    conf_errors_clear(&errs);

    /* Empty: fine at start, refused at a reload (half-written?). */
    assert_int_equal(load("", 0, &watch, &cfg, &errs), 0);
    webconfig_free(cfg);
    assert_int_equal(load("\n# nothing\n", 1, &watch, &cfg, &errs), -1);
    snprintf(want, sizeof(want), "%s: the file is empty", in_tmp("web.yml"));
    assert_true(has_message(&errs, want));
    conf_errors_clear(&errs);

    /* No such file. */
    assert_int_equal(webwatch_load_file(in_tmp("nothing.yml"), 0, &watch,
                                        &cfg, &errs), -1);
    snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
             in_tmp("nothing.yml"));
    assert_string_equal(errs.messages[0], want);
    conf_errors_clear(&errs);
    webwatch_clear(&watch);
}

/* The libconfig web group's TLS and users, as a webconfig. */
static void
from_group(void **state)
{
    struct conf_user user = { (char *)(uintptr_t)"alice",
                              (char *)(uintptr_t)HASH_A };
    struct conf_web web;
    struct conf_errors errs = { NULL, 0 };
    struct webconfig *cfg = NULL;

    (void)state;
    make_cert(in_tmp("a.crt"), in_tmp("a.key"));
    memset(&web, 0, sizeof(web));
    web.tls_cert_file = in_tmp("a.crt");
    web.tls_key_file = in_tmp("a.key");
    web.client_ca_file = in_tmp("a.crt");
    web.tls_min_version = TLS_V13;
    web.users = &user;
    web.n_users = 1;
    assert_int_equal(webwatch_from_group(&web, "x.conf", &cfg, &errs), 0);
    assert_int_equal(cfg->from_group, 1);
    assert_int_equal(cfg->refuse_unverified, 1);
    assert_int_equal(cfg->client_auth, WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN);
    assert_int_equal(cfg->min_version, TLS_V13);
    assert_int_equal(cfg->max_version, TLS_V13);
    assert_int_equal(cfg->n_users, 1);
    assert_non_null(cfg->ca_pem);
    webconfig_free(cfg);
    web.tls_key_file = in_tmp("gone.key");
    assert_int_equal(webwatch_from_group(&web, "x.conf", &cfg, &errs), -1);
    assert_true(has_message(&errs, "x.conf: web: tls_key_file \""));
    conf_errors_clear(&errs);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses),
        cmocka_unit_test(parsed_values),
        cmocka_unit_test(refuses),
        cmocka_unit_test(bcrypt_shape),
        cmocka_unit_test(tls_priorities),
        cmocka_unit_test(loads_files),
        cmocka_unit_test(refuses_files),
        cmocka_unit_test(from_group),
    };

    return cmocka_run_group_tests(tests, setup_files, teardown_files);
}
