/* Unit tests for base/hostport: one table of inputs, fair and nasty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/hostport.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The flags a row passes: the KDC's default port, a required port, or a
 * required port where an empty host means every address. */
#define KDC 88, 0
#define NEED 0, 0
#define LISTEN 0, HOSTPORT_ANY_HOST

struct hp_case {
    const char *input;
    unsigned short default_port;
    unsigned flags;
    int ok;
    const char *host;         /* ok: the host expected */
    unsigned short port;      /* ok: the port expected */
    const char *reason;       /* !ok: a part of the reason expected */
    const char *why;
};

static const struct hp_case cases[] = {
    /* Accepted. */
    { "kdc.example.com", KDC, 1, "kdc.example.com", 88, NULL,
      "name, default port" },
    { "kdc.example.com:750", KDC, 1, "kdc.example.com", 750, NULL,
      "name and port" },
    { "KDC_1.Example-Corp.com.", KDC, 1, "KDC_1.Example-Corp.com.", 88,
      NULL, "case, '_', '-' and a trailing dot are kept as written" },
    { "127.0.0.1:1", KDC, 1, "127.0.0.1", 1, NULL, "IPv4, lowest port" },
    { "kdc:65535", KDC, 1, "kdc", 65535, NULL, "highest port" },
    { "kdc:0088", KDC, 1, "kdc", 88, NULL, "leading zeros within 5 digits" },
    { "kdc:00001", KDC, 1, "kdc", 1, NULL, "five digits, four of them 0" },
    { "[::1]", KDC, 1, "::1", 88, NULL, "bracketed IPv6, default port" },
    { "[::1]:8888", KDC, 1, "::1", 8888, NULL, "bracketed IPv6 and port" },
    { "[2001:DB8::1]:88", KDC, 1, "2001:DB8::1", 88, NULL,
      "IPv6 case kept" },
    { "[::ffff:127.0.0.1]:99", KDC, 1, "::ffff:127.0.0.1", 99, NULL,
      "IPv4-mapped IPv6" },
    { "[1:2:3:4:5:6:7:8]", KDC, 1, "1:2:3:4:5:6:7:8", 88, NULL,
      "IPv6 of eight groups" },
    { "[0000:0000:0000:0000:0000:ffff:255.255.255.255]:1", KDC, 1,
      "0000:0000:0000:0000:0000:ffff:255.255.255.255", 1, NULL,
      "the longest IPv6 text inet_pton takes (45 bytes)" },
    { "-kdc-", KDC, 1, "-kdc-", 88, NULL,
      "no DNS label rules: the resolver has the last word" },
    { "999.1.1.1", KDC, 1, "999.1.1.1", 88, NULL,
      "not an IPv4 address, but a name in the allowed bytes" },
    { "host:80", NEED, 1, "host", 80, NULL, "port required and given" },
    { "[::1]:80", NEED, 1, "::1", 80, NULL, "IPv6, port required" },
    { ":10088", LISTEN, 1, "", 10088, NULL, "empty host: every address" },
    { "127.0.0.1:9999", LISTEN, 1, "127.0.0.1", 9999, NULL,
      "listen on IPv4" },

    /* Hosts refused. */
    { "", KDC, 0, NULL, 0, "empty host: expected \"host\", \"host:port\" "
      "or \"[IPv6]:port\"", "empty" },
    { ":88", KDC, 0, NULL, 0, "empty host", "port only" },
    { ":", KDC, 0, NULL, 0, "empty host", "a colon alone" },
    { ":80", NEED, 0, NULL, 0, "empty host: expected \"host:port\" or",
      "port only, no default: the reason does not offer \"host\"" },
    { "kdc one", KDC, 0, NULL, 0, "host contains whitespace or a control "
      "character", "space in the host" },
    { " kdc", KDC, 0, NULL, 0, "host contains whitespace", "leading space" },
    { "kdc\t:88", KDC, 0, NULL, 0, "whitespace or a control character",
      "tab before the colon" },
    { "kdc\n", KDC, 0, NULL, 0, "control character", "newline" },
    { "kdc\x7f", KDC, 0, NULL, 0, "control character", "DEL" },
    { "k\xc3\xa9" "dc", KDC, 0, NULL, 0, "not ASCII",
      "UTF-8 name: write it as xn--" },
    { "kdc/x:88", KDC, 0, NULL, 0, "host contains '/': expected a DNS "
      "name or an IPv4 address", "slash" },
    { "user@kdc", KDC, 0, NULL, 0, "host contains '@'", "at sign" },
    { "kdc%eth0", KDC, 0, NULL, 0, "host contains '%'", "a zone on a name" },
    { "kdc]:88", KDC, 0, NULL, 0, "host contains ']'", "a closing bracket "
      "alone" },
    { "kdc[1]", KDC, 0, NULL, 0, "host contains '['", "bracket inside" },
    { "http://kdc", KDC, 0, NULL, 0, "port \"//kdc\"",
      "a URL: its scheme reads as the host" },
    { "2001:db8::1", KDC, 0, NULL, 0, "an IPv6 address must be written in "
      "brackets, e.g. \"[2001:db8::1]\" or \"[2001:db8::1]:88\"",
      "bare IPv6 cannot be split" },
    { "::1:80", NEED, 0, NULL, 0, "e.g. \"[2001:db8::1]:PORT\"",
      "bare IPv6, port required: the example says PORT" },
    { "a:b:c", KDC, 0, NULL, 0, "must be written in brackets",
      "two colons" },

    /* Brackets refused. */
    { "[", KDC, 0, NULL, 0, "unterminated '[': write an IPv6 address as "
      "\"[2001:db8::1]\" or \"[2001:db8::1]:88\"", "a '[' alone" },
    { "[::1", KDC, 0, NULL, 0, "unterminated '['", "unterminated" },
    { "[::1:80", NEED, 0, NULL, 0, "as \"[2001:db8::1]:PORT\"",
      "unterminated, port required" },
    { "[]", KDC, 0, NULL, 0, "brackets must hold an IPv6 address, e.g. "
      "\"[2001:db8::1]:88\"", "empty brackets" },
    { "[]:88", LISTEN, 0, NULL, 0, "brackets must hold an IPv6 address",
      "empty brackets are not \"every address\"" },
    { "[::1]x", KDC, 0, NULL, 0, "unexpected \"x\" after ']': expected "
      "\":port\" or nothing", "junk after the bracket" },
    { "[::1]80", NEED, 0, NULL, 0, "unexpected \"80\" after ']': expected "
      "\":port\"", "no colon after the bracket" },
    { "[::1]]:88", KDC, 0, NULL, 0, "unexpected \"]:88\" after ']'",
      "two closing brackets" },
    { "[[::1]]:88", KDC, 0, NULL, 0, "unexpected \"]:88\"",
      "brackets twice" },
    { "[kdc.example.com]:88", KDC, 0, NULL, 0, "\"kdc.example.com\" is not "
      "an IPv6 address", "a name in brackets" },
    { "[127.0.0.1]", KDC, 0, NULL, 0, "\"127.0.0.1\" is not an IPv6 "
      "address", "IPv4 in brackets" },
    { "[fe80::1%eth0]:88", KDC, 0, NULL, 0, "is not an IPv6 address",
      "a zone index is not taken" },
    { "[:::1]", KDC, 0, NULL, 0, "is not an IPv6 address", "three colons" },
    { "[ ::1]", KDC, 0, NULL, 0, "is not an IPv6 address",
      "space inside the brackets" },
    { "[0000:0000:0000:0000:0000:ffff:255.255.255.2555]", KDC, 0, NULL, 0,
      "brackets must hold an IPv6 address", "46 bytes: longer than any "
      "IPv6 text" },

    /* Ports refused. */
    { "kdc:", KDC, 0, NULL, 0, "port \"\" is not a number from 1 to 65535",
      "empty port" },
    { "kdc:0", KDC, 0, NULL, 0, "port \"0\" is not a number from 1 to "
      "65535", "port 0" },
    { "kdc:00000", KDC, 0, NULL, 0, "port \"00000\"", "port 0 in 5 digits" },
    { "kdc:65536", KDC, 0, NULL, 0, "port \"65536\"", "one too big" },
    { "kdc:99999", KDC, 0, NULL, 0, "port \"99999\"", "five nines" },
    { "kdc:000088", KDC, 0, NULL, 0, "port \"000088\"", "six digits" },
    { "kdc:4294967385", KDC, 0, NULL, 0, "port \"4294967385\"",
      "2^32 + 89: would wrap to 89 in 32 bits" },
    { "kdc:18446744073709551704", KDC, 0, NULL, 0, "is not a number",
      "2^64 + 88: would wrap to 88 in 64 bits" },
    { "kdc:+88", KDC, 0, NULL, 0, "port \"+88\"", "plus sign" },
    { "kdc:-1", KDC, 0, NULL, 0, "port \"-1\"", "negative" },
    { "kdc: 88", KDC, 0, NULL, 0, "port \" 88\"", "space before the port" },
    { "kdc:88 ", KDC, 0, NULL, 0, "port \"88 \"", "space after the port" },
    { "kdc:88x", KDC, 0, NULL, 0, "port \"88x\"", "junk after the port" },
    { "kdc:0x58", KDC, 0, NULL, 0, "port \"0x58\"", "hex" },
    { "kdc:1e3", KDC, 0, NULL, 0, "port \"1e3\"", "exponent" },
    { "kdc:kerberos", KDC, 0, NULL, 0, "port \"kerberos\"",
      "a service name" },
    { "[::1]:", KDC, 0, NULL, 0, "port \"\"", "IPv6, empty port" },
    { "[::1]:0", KDC, 0, NULL, 0, "port \"0\"", "IPv6, port 0" },
    { "[::1]:[88]", KDC, 0, NULL, 0, "port \"[88]\"", "port in brackets" },
    { "[::1]::88", KDC, 0, NULL, 0, "port \":88\"", "two colons after ']'" },
    { ":", LISTEN, 0, NULL, 0, "port \"\"", "every address, empty port" },
    { "host", NEED, 0, NULL, 0, "no port: expected \"host:port\" or",
      "port required, none given" },
    { "[::1]", NEED, 0, NULL, 0, "no port", "IPv6, port required" },
    { "", LISTEN, 0, NULL, 0, "no port: expected \"host:port\", \":port\" "
      "or \"[IPv6]:port\"", "empty listen address" },
};

/* The order of checks decides the reason when a string is wrong twice. */
static const struct hp_case order_cases[] = {
    { "kdc one:abc", KDC, 0, NULL, 0, "whitespace", "the host before the "
      "port" },
    { ":abc", KDC, 0, NULL, 0, "empty host", "an empty host before the "
      "port" },
    { "[kdc]x", KDC, 0, NULL, 0, "unexpected \"x\"", "junk after ']' "
      "before what is inside" },
    { "[kdc]:0", KDC, 0, NULL, 0, "is not an IPv6 address", "the address "
      "before the port" },
};

static void
check_case(const struct hp_case *c)
{
    struct hostport hp, before;
    char why[512];
    int ret;

    memset(&hp, 0xa5, sizeof(hp));
    before = hp;
    strcpy(why, "unchanged");
    print_message("case \"%s\": %s\n", c->input, c->why);
    ret = hostport_parse(c->input, c->default_port, c->flags, &hp, why,
                         sizeof(why));
    if (c->ok) {
        assert_int_equal(ret, 0);
        assert_string_equal(hp.host, c->host);
        assert_int_equal(hp.port, c->port);
        assert_string_equal(why, "unchanged");
        return;
    }
    assert_int_equal(ret, -1);
    /* Set only on success. */
    assert_memory_equal(&hp, &before, sizeof(hp));
    if (strstr(why, c->reason) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", why, c->reason);
    /* One line, for "FILE:LINE: reason" and one log line per event. */
    assert_null(strchr(why, '\n'));
}

static void
table(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++)
        check_case(&cases[i]);
}

static void
order_of_checks(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(order_cases); i++)
        check_case(&order_cases[i]);
}

/* A host of 255 bytes fits; one of 256 does not. */
static void
host_length_limit(void **state)
{
    char text[HOSTPORT_HOST_MAX + 8];
    struct hostport hp;
    char why[128];

    (void)state;
    memset(text, 'a', HOSTPORT_HOST_MAX - 1);
    strcpy(text + HOSTPORT_HOST_MAX - 1, ":88");
    assert_int_equal(hostport_parse(text, 88, 0, &hp, why, sizeof(why)), 0);
    assert_int_equal(strlen(hp.host), HOSTPORT_HOST_MAX - 1);
    assert_int_equal(hp.port, 88);

    memset(text, 'a', HOSTPORT_HOST_MAX);
    text[HOSTPORT_HOST_MAX] = '\0';
    assert_int_equal(hostport_parse(text, 88, 0, &hp, why, sizeof(why)),
                     -1);
    assert_non_null(strstr(why, "host is 256 bytes long"));
}

/* The reason is optional, and a short buffer truncates it safely. */
static void
reason_buffers(void **state)
{
    struct hostport hp;
    char small[8];

    (void)state;
    assert_int_equal(hostport_parse("kdc:0", 88, 0, &hp, NULL, 0), -1);
    assert_int_equal(hostport_parse("kdc:1", 88, 0, &hp, NULL, 0), 0);
    assert_int_equal(hp.port, 1);
    memset(small, 'x', sizeof(small));
    assert_int_equal(hostport_parse("kdc:0", 88, 0, &hp, small,
                                    sizeof(small)), -1);
    assert_string_equal(small, "port \"0");
}

struct port_case {
    const char *text;
    int ok;
    unsigned short port;
    const char *why;
};

static const struct port_case port_cases[] = {
    { "1", 1, 1, "lowest" },
    { "65535", 1, 65535, "highest" },
    { "00088", 1, 88, "leading zeros, five digits" },
    { "", 0, 0, "empty" },
    { "0", 0, 0, "zero" },
    { "65536", 0, 0, "one too big" },
    { "000088", 0, 0, "six digits" },
    { "-1", 0, 0, "negative" },
    { "+1", 0, 0, "plus sign" },
    { " 1", 0, 0, "leading space" },
    { "1 ", 0, 0, "trailing space" },
    { "\xd9\xa1", 0, 0, "ARABIC-INDIC DIGIT ONE is not a digit here" },
};

static void
ports(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(port_cases); i++) {
        const struct port_case *c = &port_cases[i];
        unsigned short port = 4242;
        int ret = hostport_parse_port(c->text, &port);

        print_message("port \"%s\": %s\n", c->text, c->why);
        assert_int_equal(ret, c->ok ? 0 : -1);
        assert_int_equal(port, c->ok ? c->port : 4242);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(order_of_checks),
        cmocka_unit_test(host_length_limit),
        cmocka_unit_test(reason_buffers),
        cmocka_unit_test(ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
