/* Unit tests for exporter/flags and exporter/reqparse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "exporter/flags.h"
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(listen_addresses),
        cmocka_unit_test(command_lines),
        cmocka_unit_test(flag_values_and_defaults),
        cmocka_unit_test(scrape_timeout_header),
        cmocka_unit_test(probe_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
