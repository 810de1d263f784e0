/* Unit tests for exporter/flags, exporter/reqparse and the Accept-Encoding
 * reading of exporter/http. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "exporter/flags.h"
#include "exporter/http.h"
#include "exporter/reqparse.h"

struct listen_case {
    const char *input;
    int ok;
    const char *host;
    unsigned short port;
    const char *why;
};

static const struct listen_case listen_cases[] = {
    { ":10088", 1, "", 10088, "port only: every address" },
    { "127.0.0.1:9999", 1, "127.0.0.1", 9999, "IPv4 host" },
    { "[::1]:80", 1, "::1", 80, "bracketed IPv6" },
    { "localhost:1", 1, "localhost", 1, "name and lowest port" },
    { "::1:80", 0, NULL, 0, "IPv6 without brackets is ambiguous" },
    { "[::1]80", 0, NULL, 0, "no colon after bracket" },
    { "[::1:80", 0, NULL, 0, "unterminated bracket" },
    { "host", 0, NULL, 0, "no port" },
    { "host:", 0, NULL, 0, "empty port" },
    { "host:0", 0, NULL, 0, "port 0" },
    { "host:65536", 0, NULL, 0, "port too large" },
    { "host:12ab", 0, NULL, 0, "junk in port" },
    { "host:-5", 0, NULL, 0, "negative port" },
    { "host:+80", 0, NULL, 0, "signed port" },
    { "host: 80", 0, NULL, 0, "space before the port" },
    { "[]:80", 0, NULL, 0, "empty brackets are not every address" },
    { "[localhost]:80", 0, NULL, 0, "a name in brackets" },
    { "local host:80", 0, NULL, 0, "space in the host" },
};

static void
listen_addresses(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(listen_cases) / sizeof(listen_cases[0]);
         i++) {
        const struct listen_case *c = &listen_cases[i];
        char host[64] = "unchanged";
        unsigned short port = 0;
        int ret = flags_split_listen(c->input, host, sizeof(host), &port);
        print_message("case %s: %s\n", c->input, c->why);
        assert_int_equal(ret, c->ok ? 0 : -1);
        if (c->ok) {
            assert_string_equal(host, c->host);
            assert_int_equal(port, c->port);
        }
    }
}

struct argv_case {
    const char *args[5];
    int ok;
    const char *err_part;
    const char *why;
};

static const struct argv_case argv_cases[] = {
    { { "--once", "--config.file=/x.conf" }, 1, NULL, "equals form" },
    { { "--config.file", "/x.conf", "--log.level", "debug" }, 1, NULL,
      "separate values" },
    { { "--bogus" }, 0, "unknown flag \"--bogus\"", "unknown flag" },
    { { "--config.file" }, 0, "needs a value", "missing value" },
    { { "--config.file=" }, 0, "needs a value", "empty value" },
    { { "--log.level=loud" }, 0, "not one of debug", "bad level" },
    { { "--web.listen-address=nope" }, 0, "is not HOST:PORT",
      "bad address" },
    { { "--config.filex=/a" }, 0, "unknown flag", "prefix is not a match" },
    { { "--log.format=json" }, 1, NULL, "JSON logs" },
    { { "--log.format", "logfmt" }, 1, NULL, "logfmt, value apart" },
    { { "--log.format=xml" }, 0, "--log.format: \"xml\" is not one of "
      "logfmt, json", "an unknown format" },
    { { "--log.format=JSON" }, 0, "is not one of logfmt, json",
      "formats are lower case, as promslog spells them" },
    { { "--log.format=" }, 0, "needs a value", "empty format" },
    { { "--log.format" }, 0, "needs a value", "format without a value" },
    { { "--web.config.file=/etc/krb5_exporter/web.yml" }, 1, NULL,
      "the exporter-toolkit web config file" },
    { { "--web.config.file", "web.yml", "--once" }, 1, NULL,
      "web config, value apart" },
    { { "--web.config.file=" }, 0, "needs a value",
      "an empty web config path is refused, not taken as none" },
    { { "--web.config.file" }, 0, "needs a value",
      "web config without a value" },
    { { "--web.config=web.yml" }, 0, "unknown flag", "a shorter name" },
};

static void
command_lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(argv_cases) / sizeof(argv_cases[0]); i++) {
        const struct argv_case *c = &argv_cases[i];
        char *argv[7] = { (char *)(uintptr_t) "krb5_exporter" };
        int argc = 1;
        struct flags f;
        char err[256] = "";
        int ret;

        for (size_t k = 0; k < 5 && c->args[k] != NULL; k++)
            argv[argc++] = (char *)(uintptr_t)c->args[k];
        ret = flags_parse(argc, argv, &f, err, sizeof(err));
        print_message("case %s\n", c->why);
        assert_int_equal(ret, c->ok ? 0 : -1);
        if (!c->ok)
            assert_non_null(strstr(err, c->err_part));
    }
}

static void
flag_values_and_defaults(void **state)
{
    char *argv[] = { (char *)(uintptr_t) "x",
                     (char *)(uintptr_t) "--config.file=/etc/k.conf",
                     (char *)(uintptr_t) "--check-config",
                     (char *)(uintptr_t) "--log.level=warn" };
    struct flags f;
    char err[128];

    (void)state;
    assert_int_equal(flags_parse(4, argv, &f, err, sizeof(err)), 0);
    assert_string_equal(f.config_file, "/etc/k.conf");
    assert_string_equal(f.listen_address, FLAGS_DEFAULT_LISTEN);
    assert_int_equal(f.check_config, 1);
    assert_int_equal(f.once, 0);
    assert_int_equal(f.log_level, LOG_LEVEL_WARN);
    assert_int_equal(flags_parse(1, argv, &f, err, sizeof(err)), 0);
    assert_string_equal(f.config_file, FLAGS_DEFAULT_CONFIG);
    assert_int_equal(f.log_level, LOG_LEVEL_INFO);
    assert_int_equal(f.log_format, LOG_FORMAT_LOGFMT);
    assert_null(f.web_config_file);
    argv[1] = (char *)(uintptr_t) "--web.config.file=/w.yml";
    assert_int_equal(flags_parse(2, argv, &f, err, sizeof(err)), 0);
    assert_string_equal(f.web_config_file, "/w.yml");
    argv[1] = (char *)(uintptr_t) "--log.format=json";
    assert_int_equal(flags_parse(2, argv, &f, err, sizeof(err)), 0);
    assert_int_equal(f.log_format, LOG_FORMAT_JSON);
}

struct timeout_case {
    const char *value;
    int ok;
    double budget;
    const char *why;
};

static const struct timeout_case timeout_cases[] = {
    { "10", 1, 9.5, "integer seconds less the offset" },
    { "2.5", 1, 2.0, "fraction" },
    { "0.3", 1, REQPARSE_MIN_BUDGET, "shorter than the offset" },
    { "", 0, 0, "empty" },
    { "abc", 0, 0, "not a number" },
    { "0", 0, 0, "zero" },
    { "-1", 0, 0, "negative" },
    { " 5", 0, 0, "leading space" },
    { "5s", 0, 0, "unit suffix" },
    { "inf", 0, 0, "infinity" },
    { "nan", 0, 0, "not a number word" },
    { "1e3", 0, 0, "exponent form" },
    { "0x10", 0, 0, "hex" },
    { "100000", 0, 0, "more than a day" },
    { "1.2.3", 0, 0, "two dots" },
};

static void
scrape_timeout_header(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(timeout_cases) / sizeof(timeout_cases[0]);
         i++) {
        const struct timeout_case *c = &timeout_cases[i];
        double budget = -1;
        int ret = reqparse_scrape_timeout(c->value, &budget);
        print_message("case \"%s\": %s\n", c->value, c->why);
        assert_int_equal(ret, c->ok ? 0 : -1);
        if (c->ok)
            assert_true(budget > c->budget - 1e-9 &&
                        budget < c->budget + 1e-9);
        else
            assert_true(budget == -1);
    }
}

struct query_case {
    const char *realm;
    const char *debug;
    int ok;
    int want_debug;
    const char *err_part;
    const char *why;
};

static const struct query_case query_cases[] = {
    { "EXAMPLE.COM", NULL, 1, 0, NULL, "realm only" },
    { "EXAMPLE.COM", "true", 1, 1, NULL, "debug true" },
    { "EXAMPLE.COM", "1", 1, 1, NULL, "debug 1" },
    { "EXAMPLE.COM", "false", 1, 0, NULL, "debug false" },
    { "EXAMPLE.COM", "0", 1, 0, NULL, "debug 0" },
    { NULL, NULL, 0, 0, "missing realm", "no realm" },
    { "", NULL, 0, 0, "missing realm", "empty realm" },
    { "EXAMPLE.COM", "yes", 0, 0, "debug must be true or false",
      "debug yes" },
    { "EXAMPLE.COM", "", 0, 0, "debug must be true or false",
      "debug empty" },
};

static void
probe_queries(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(query_cases) / sizeof(query_cases[0]);
         i++) {
        const struct query_case *c = &query_cases[i];
        struct probe_query q = { NULL, -1 };
        char err[128] = "";
        int ret = reqparse_probe_query(c->realm, c->debug, &q, err,
                                       sizeof(err));
        print_message("case: %s\n", c->why);
        assert_int_equal(ret, c->ok ? 0 : -1);
        if (c->ok) {
            assert_string_equal(q.realm, c->realm);
            assert_int_equal(q.debug, c->want_debug);
        } else {
            assert_non_null(strstr(err, c->err_part));
            assert_null(strchr(err, '\n'));
        }
    }
}

struct accept_case {
    const char *header;
    int gzip;
    const char *why;
};

static const struct accept_case accept_cases[] = {
    { NULL, 0, "no header: identity" },
    { "", 0, "empty: identity only" },
    { "gzip", 1, "what Prometheus sends" },
    { "GZip", 1, "codings are case-insensitive" },
    { "x-gzip", 1, "the old alias" },
    { "gzip, deflate, br", 1, "a browser's list" },
    { "deflate, gzip;q=1.0", 1, "gzip second, q=1.0" },
    { "  gzip  ", 1, "spaces around" },
    { ",, gzip ,,", 1, "empty list elements" },
    { "gzip;q=0", 0, "q=0 refuses" },
    { "gzip;q=0.000", 0, "q=0.000 refuses" },
    { "gzip;q=0.001", 1, "the smallest q that accepts" },
    { "gzip; q=0.5", 1, "space before the parameter" },
    { "gzip ;q=0.5", 1, "space before the ';'" },
    { "gzip;Q=0.5", 1, "Q in capitals" },
    { "gzip;q=1", 1, "q=1" },
    { "gzip;q=1.", 1, "q=1. has no digits after the dot, as allowed" },
    { "gzip;q=1.000", 1, "q=1.000" },
    { "gzip;q=1.0000", 0, "four decimals: not a qvalue, so not listed" },
    { "gzip;q=1.001", 0, "above 1" },
    { "gzip;q=2", 0, "q=2" },
    { "gzip;q=.5", 0, "no leading digit" },
    { "gzip;q=", 0, "empty q" },
    { "gzip;q=0.5x", 0, "junk after q" },
    { "gzip;q=-1", 0, "negative q" },
    { "gzip;q=0.8 deflate", 0, "junk after the element" },
    { "gzip;level=9;q=0.2", 1, "another parameter first" },
    { "gzip;foo=\"a,b;q=0\";q=0.3", 1, "a quoted parameter with , and ;" },
    { "deflate;foo=\"a,gzip\", br", 0, "gzip inside quotes is no coding" },
    { "gzip;foo", 0, "a parameter without a value" },
    { "*", 1, "anything" },
    { "*;q=0", 0, "nothing but identity" },
    { "*;q=0, gzip", 1, "gzip's own entry beats *" },
    { "gzip;q=0, *", 0, "gzip's own refusal beats *" },
    { "identity", 0, "identity only" },
    { "identity;q=0", 0, "identity refused, gzip not offered: identity "
      "anyway" },
    { "identity;q=0, gzip", 1, "identity refused" },
    { "gzip;q=0.5, identity", 0, "identity listed and preferred" },
    { "gzip;q=0.5, identity;q=0.5", 1, "a tie goes to gzip" },
    { "identity;q=0.4, *;q=0.5", 1, "* above identity" },
    { "br, deflate", 0, "other codings only" },
    { "gzipx", 0, "not gzip" },
    { "gzip-x", 0, "not gzip either" },
    { "gzip, gzip;q=0", 1, "listed twice: the higher q" },
    { "compress;q=0.5, gzip;q=0.9", 1, "a lower q is still yes" },
    { "gzip\t;\tq=0.7", 1, "tabs are whitespace too" },
    { "gz\"ip", 0, "a quote in the name" },
    { ";q=1", 0, "no coding at all" },
};

static void
accept_encoding(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(accept_cases) / sizeof(accept_cases[0]);
         i++) {
        const struct accept_case *c = &accept_cases[i];
        print_message("case %s: %s\n", c->header ? c->header : "(none)",
                      c->why);
        assert_int_equal(http_accepts_gzip(c->header), c->gzip);
    }
}

/* http_gzip gives one gzip member that zlib reads back to the input. */
static void
gzip_round_trip(void **state)
{
    const char *inputs[] = { "", "# HELP x y\nx 1\n", NULL };
    char big[100000];

    (void)state;
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)("krb5_probe_success{realm=\"R\"} 1\n"[i % 32] ^
                        (i % 997 == 0));
    big[sizeof(big) - 1] = '\0';
    inputs[2] = big;
    for (size_t i = 0; i < 3; i++) {
        size_t len = strlen(inputs[i]), zlen = 0;
        char *z = NULL, *back = malloc(len + 16);
        z_stream zs;

        assert_non_null(back);
        assert_int_equal(http_gzip(inputs[i], len, &z, &zlen), 0);
        assert_true(zlen >= 18);
        assert_int_equal((unsigned char)z[0], 0x1f);
        assert_int_equal((unsigned char)z[1], 0x8b);
        memset(&zs, 0, sizeof(zs));
        assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
        zs.next_in = (Bytef *)z;
        zs.avail_in = (uInt)zlen;
        zs.next_out = (Bytef *)back;
        zs.avail_out = (uInt)(len + 16);
        assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
        assert_int_equal(zs.total_out, len);
        assert_int_equal(zs.avail_in, 0);
        assert_memory_equal(back, inputs[i], len);
        inflateEnd(&zs);
        if (i == 2)
            assert_true(zlen < len / 4);
        free(z);
        free(back);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(listen_addresses),
        cmocka_unit_test(command_lines),
        cmocka_unit_test(flag_values_and_defaults),
        cmocka_unit_test(scrape_timeout_header),
        cmocka_unit_test(probe_queries),
        cmocka_unit_test(accept_encoding),
        cmocka_unit_test(gzip_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
