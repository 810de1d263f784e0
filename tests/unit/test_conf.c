/*
 * Unit tests for conf: every rejection path, the values of accepted configs,
 * conf_load_file()'s own checks, and the annotated example config.
 *
 * Config texts refer to real files made under a fresh mkdtemp() directory
 * (a keytab with mode 0600, one with 0644, a directory, ...).  A text names
 * them by placeholders such as @KT@ that expand() swaps for the real paths,
 * in the texts and in the expected messages alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "conf/conf.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_EXPECTED 4

/* Paths of the files the texts refer to; made by setup(). */
static char tmpdir[64];
static char kt[128], kt644[128], kt640[128], kt604[128], kt660[128];
static char pw[128], pw644[128], empty[128], noread[128], dir[128];
static char nofile[128], exdir[128];

static const struct {
    const char *token;        /* as written between '@'s */
    const char *path;
    unsigned mode;            /* 0: not made by setup() */
    int is_dir;
} files[] = {
    { "KT", kt, 0600, 0 },       { "KT644", kt644, 0644, 0 },
    { "KT640", kt640, 0640, 0 }, { "KT604", kt604, 0604, 0 },
    { "KT660", kt660, 0660, 0 }, { "PW", pw, 0600, 0 },
    { "PW644", pw644, 0644, 0 }, { "EMPTY", empty, 0600, 0 },
    { "NOREAD", noread, 0000, 0 }, { "DIR", dir, 0700, 1 },
    { "NOFILE", nofile, 0, 0 },  { "TMP", tmpdir, 0, 0 },
};

/* Write len bytes to path and give it exactly `mode` (whatever the umask). */
static int write_file(const char *path, const char *data, size_t len,
                      unsigned mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int ok;

    if (fd < 0)
        return -1;
    ok = write(fd, data, len) == (ssize_t)len && fchmod(fd, mode) == 0;
    return close(fd) == 0 && ok ? 0 : -1;
}

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/test_conf.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    snprintf(kt, sizeof(kt), "%s/krbmon.keytab", tmpdir);
    snprintf(kt644, sizeof(kt644), "%s/k644.keytab", tmpdir);
    snprintf(kt640, sizeof(kt640), "%s/k640.keytab", tmpdir);
    snprintf(kt604, sizeof(kt604), "%s/k604.keytab", tmpdir);
    snprintf(kt660, sizeof(kt660), "%s/k660.keytab", tmpdir);
    snprintf(pw, sizeof(pw), "%s/krbmon.pw", tmpdir);
    snprintf(pw644, sizeof(pw644), "%s/p644.pw", tmpdir);
    snprintf(empty, sizeof(empty), "%s/empty", tmpdir);
    snprintf(noread, sizeof(noread), "%s/noread", tmpdir);
    snprintf(dir, sizeof(dir), "%s/adir", tmpdir);
    snprintf(nofile, sizeof(nofile), "%s/missing", tmpdir);
    snprintf(exdir, sizeof(exdir), "%s/example", tmpdir);
    for (size_t i = 0; i < COUNT(files); i++) {
        const char *data = strcmp(files[i].token, "EMPTY") == 0 ? "" : "x\n";

        if (files[i].is_dir) {
            if (mkdir(files[i].path, files[i].mode) != 0)
                return -1;
        } else if (files[i].mode != 0
                   || strcmp(files[i].token, "NOREAD") == 0) {
            if (write_file(files[i].path, data, strlen(data),
                           files[i].mode) != 0)
                return -1;
        }
    }
    return mkdir(exdir, 0700);
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmpdir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Replace every @TOKEN@ naming a fixture file by its path (caller frees). */
static char *expand(const char *tmpl)
{
    size_t cap = strlen(tmpl) * 4 + 1024, len = 0;
    char *out = malloc(cap);

    assert_non_null(out);
    while (*tmpl != '\0') {
        const char *end = tmpl[0] == '@' ? strchr(tmpl + 1, '@') : NULL;
        size_t i = COUNT(files);

        if (end != NULL)
            for (i = 0; i < COUNT(files); i++)
                if (strlen(files[i].token) == (size_t)(end - tmpl - 1)
                    && strncmp(files[i].token, tmpl + 1,
                               (size_t)(end - tmpl - 1)) == 0)
                    break;
        if (i < COUNT(files)) {
            size_t n = strlen(files[i].path);

            assert_true(len + n < cap);
            memcpy(out + len, files[i].path, n);
            len += n;
            tmpl = end + 1;
        } else {
            assert_true(len + 1 < cap);
            out[len++] = *tmpl++;
        }
    }
    out[len] = '\0';
    return out;
}

static int has_message(const struct conf_errors *errs, const char *sub)
{
    for (size_t i = 0; i < errs->count; i++)
        if (strstr(errs->messages[i], sub) != NULL)
            return 1;
    return 0;
}

static void print_errors(const struct conf_errors *errs)
{
    for (size_t i = 0; i < errs->count; i++)
        print_message("    got: %s\n", errs->messages[i]);
}

/* ---- rejections ---- */

struct reject_case {
    const char *text;
    const char *expected[MAX_EXPECTED];  /* substrings, each in a message */
    size_t n_errors;                     /* exactly this many messages */
    const char *why;
};

/*
 * Most cases put the line under test at line 3 of a realm that is valid
 * otherwise: HEAD (lines 1-2), the line, KDCS, CLIENT, TAIL.
 */
#define HEAD "realms = (\n{ realm = \"EXAMPLE.COM\";\n"
#define KDCS "  kdcs = ( \"kdc1.example.com\" );\n"
#define CLIENT "  client = { principal = \"krbmon@EXAMPLE.COM\"; " \
    "keytab = \"@KT@\"; };\n"
#define TAIL "} );\n"
#define R3(line) HEAD line "\n" KDCS CLIENT TAIL
#define AT3 "x.conf:3: realm \"EXAMPLE.COM\": "
/* A realm whose client group, on line 3, is under test. */
#define C3(client) HEAD "  client = { " client " };\n" KDCS TAIL
#define CAT3 AT3 "client: "
/* A realm with one KDC entry under test, on line 3. */
#define K3(entry) HEAD "  kdcs = ( " entry " );\n" CLIENT TAIL
#define KNOWN_REALM_KEYS "(known keys: realm, kdcs, kpasswd, transport, " \
    "canonicalize, timeout, clockskew, backoff, backoff_max, " \
    "max_in_flight, client, clients, services, service_keytab, capaths)"

static const struct reject_case reject_cases[] = {
    /* Syntax. */
    { "realms = (\n{ realm = \"X\";\n  kdcs = ( ;\n} );\n",
      { "x.conf:3: syntax error: expected `name = value;`" }, 1,
      "libconfig syntax error, reported with its line" },
    { "a = 1;\na = 2;\n", { "x.conf:2: duplicate setting name" }, 1,
      "a key given twice in one group" },
    { "realms = [ 1, \"a\" ];\n",
      { "x.conf:1: mismatched element type in array" }, 1,
      "array of mixed types" },
    { "realms = ( { realm = \"A\"; } \n", { "x.conf:" }, 1,
      "unterminated list" },

    /* No @include: it would escape the owner-only check. */
    { "realms = ();\n  @include \"/etc/passwd\"\n@include \"/dev/zero\"\n",
      { "x.conf:2: @include is not allowed",
        "x.conf:3: @include is not allowed" }, 2, "@include refused" },

    /* The top level. */
    { "", { "x.conf: no \"realms\" list: configure at least one realm" },
      1, "empty file" },
    { "# nothing but a comment\n", { "x.conf: no \"realms\" list" }, 1,
      "no realms key" },
    { "realms = ();\n", { "x.conf:1: \"realms\" is empty: configure at "
      "least one realm" }, 1, "empty realms list" },
    { "realms = [];\n", { "x.conf:1: \"realms\" is empty" }, 1,
      "empty realms array" },
    { "realms = { realm = \"X\"; };\n",
      { "x.conf:1: \"realms\" must be a list of realm groups: realms = ( { "
        "realm = \"EXAMPLE.COM\"; ... } );, not a group { ... }" }, 1,
      "realms as a group" },
    { "realms = \"EXAMPLE.COM\";\n",
      { "x.conf:1: \"realms\" must be a list of realm groups",
        "not a string" },
      1, "realms as a string" },
    { "realms = 1;\n", { "x.conf:1: \"realms\" must be", "not an integer" },
      1, "realms as an integer" },
    { "realms = ( 5 );\n",
      { "x.conf:1: \"realms\" entries must be groups such as { realm = "
        "\"EXAMPLE.COM\"; ... }, not an integer" }, 1,
      "a realms entry that is not a group" },
    { "realms = [ \"EXAMPLE.COM\" ];\n",
      { "x.conf:1: \"realms\" entries must be groups", "not a string" }, 1,
      "realms as an array of strings" },
    { "listen = \":9100\";\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: unknown top-level key \"listen\" (known keys: web, workers, dns, realms)" },
      1, "unknown top-level key" },
    { "realm = \"EXAMPLE.COM\";\n",
      { "x.conf:1: unknown top-level key \"realm\"", "x.conf: no \"realms\"" },
      2, "typo at the top level also leaves realms missing" },

    /* Realm keys. */
    { R3("  timout = 5;"),
      { "x.conf:3: realm \"EXAMPLE.COM\": unknown key \"timout\" "
        KNOWN_REALM_KEYS }, 1, "typo in a realm key" },
    { R3("  Transport = \"tcp\";"), { AT3 "unknown key \"Transport\"" }, 1,
      "keys are case-sensitive" },
    { R3("  principal = \"krbmon@EXAMPLE.COM\";"),
      { AT3 "unknown key \"principal\"" }, 1,
      "a client key outside the client group" },
    { "realms = (\n{\n  timeout = 5;\n  badkey = 1;\n" KDCS CLIENT TAIL,
      { "x.conf:4: realm #1: unknown key \"badkey\"",
        "x.conf:2: realm #1: missing \"realm\": the realm name, e.g. "
        "realm = \"EXAMPLE.COM\";" }, 2,
      "realm name missing; the realm is numbered in messages" },

    /* The realm name. */
    { "realms = (\n{ realm = \"\";\n" KDCS CLIENT TAIL,
      { "x.conf:2: realm #1: \"realm\" is empty: expected the realm name" },
      1, "empty realm name" },
    { "realms = (\n{ realm = \"EXAMPLE COM\";\n" KDCS CLIENT TAIL,
      { "x.conf:2: realm \"EXAMPLE COM\": realm name \"EXAMPLE COM\" "
        "contains whitespace" }, 1, "realm name with a space" },
    { "realms = (\n{ realm = \"EXAMPLE.COM\\t\";\n" KDCS CLIENT TAIL,
      { "x.conf:2:", "contains whitespace" }, 1, "realm name with a tab" },
    { "realms = (\n{ realm = \"krbmon@EXAMPLE.COM\";\n" KDCS CLIENT TAIL,
      { "x.conf:2: realm \"krbmon@EXAMPLE.COM\": realm name "
        "\"krbmon@EXAMPLE.COM\" contains '@'" }, 1,
      "a principal where the realm belongs" },
    { "realms = (\n{ realm = \"krbtgt/EXAMPLE.COM\";\n" KDCS CLIENT TAIL,
      { "x.conf:2:", "contains '/'" }, 1, "realm name with a slash" },
    { "realms = (\n{ realm = 5;\n" KDCS CLIENT TAIL,
      { "x.conf:2: realm #1: \"realm\" must be a string such as "
        "\"EXAMPLE.COM\", not an integer" }, 1, "realm name not a string" },
    { HEAD KDCS CLIENT "},\n{ realm = \"EXAMPLE.COM\";\n" KDCS CLIENT TAIL,
      { "x.conf:6: realm \"EXAMPLE.COM\": defined twice: first at line 2" },
      1, "duplicate realm" },
    { HEAD KDCS CLIENT "},\n{ realm = \"OTHER.ORG\";\n" KDCS CLIENT "},\n"
      "{ realm = \"OTHER.ORG\";\n" KDCS CLIENT TAIL,
      { "x.conf:10: realm \"OTHER.ORG\": defined twice: first at line 6" },
      1, "duplicate of the second realm, not the first" },

    /* kdcs as a whole (absent means DNS discovery, which is fine). */
    { HEAD "  kdcs = ();\n" CLIENT TAIL,
      { AT3 "\"kdcs\" is empty: list at least one KDC, e.g. kdcs = ( "
        "\"kdc1.example.com\" ); or leave \"kdcs\" out to find the KDCs "
        "through DNS" }, 1, "kdcs empty list" },

    /* The lockout guard's backoff. */
    { R3("  backoff = 0;"), { AT3 "backoff 0 is out of range" }, 1,
      "backoff zero" },
    { R3("  backoff_max = 1e9;"), { AT3 "backoff_max 1e+09 is out of range" },
      1, "backoff_max too long" },
    { R3("  backoff = 600; backoff_max = 60;"),
      { "x.conf:2: realm \"EXAMPLE.COM\": backoff_max 60 is shorter than "
        "backoff 600" }, 1, "backoff_max below backoff" },

    /* The web group. */
    { "web = { tls_cert_file = \"@NOFILE@\"; tls_key_file = \"@KT@\"; };\n"
      HEAD KDCS CLIENT TAIL,
      { "x.conf:1: web: tls_cert_file \"@NOFILE@\": cannot open: No such "
        "file" }, 1, "certificate missing" },
    { "web = { tls_cert_file = \"@KT@\"; };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: web: set both \"tls_cert_file\" and \"tls_key_file\"" },
      1, "certificate without key" },
    { "web = { tls_cert_file = \"@KT@\"; tls_key_file = \"@KT644@\"; };\n"
      HEAD KDCS CLIENT TAIL,
      { "x.conf:1: web: tls_key_file \"@KT644@\" is accessible by group or "
        "others" }, 1, "private key readable by others" },
    { "web = { client_ca_file = \"@KT@\"; };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: web: \"client_ca_file\" needs TLS" }, 1,
      "client CA without TLS" },
    { "web = { tls_cert_file = \"@KT@\"; tls_key_file = \"@KT@\";\n"
      "  tls_min_version = \"SSL3\"; };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:2: web: tls_min_version \"SSL3\" is not one of: TLS10, "
        "TLS11, TLS12, TLS13" }, 1, "unknown TLS version" },
    { "web = { basic_auth_users = { alice = \"hunter2\"; }; };\n"
      HEAD KDCS CLIENT TAIL,
      { "x.conf:1: web: user \"alice\": the value is not a bcrypt hash" },
      1, "plain password instead of a hash" },
    { "web = { basic_auth_users = { alice = 5; }; };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: web: user \"alice\": the value must be a bcrypt hash in "
        "a string" }, 1, "hash not a string" },
    { "web = { basic_auth_users = { }; };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: web: \"basic_auth_users\" is empty" }, 1,
      "no users" },
    { "web = { max_connections = 0; idle_timeout = 0;\n"
      "  max_request_size = 10; };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: web: max_connections 0 is out of range",
        "x.conf:1: web: idle_timeout 0 is out of range",
        "x.conf:2: web: max_request_size 10 is out of range" }, 3,
      "limits out of range" },
    { "web = { listen = \":80\"; };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: web: unknown key \"listen\"" }, 1, "web typo" },

    /* workers. */
    { "workers = 0;\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: workers 0 is out of range: expected 1 to 1024" }, 1,
      "no workers" },
    { "workers = 2.5;\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: \"workers\" must be a whole number" }, 1,
      "fractional workers" },

    /* clockskew. */
    { R3("  clockskew = 0;"), { AT3 "clockskew 0 is out of range" }, 1,
      "clockskew zero" },
    { R3("  clockskew = 100000;"), { AT3 "clockskew 100000 is out of range" },
      1, "clockskew above a day" },
    { R3("  clockskew = \"300\";"),
      { AT3 "\"clockskew\" must be a number of seconds" }, 1,
      "clockskew as a string" },

    /* max_in_flight: the realm's TGS requests out at once. */
    { R3("  max_in_flight = 0;"),
      { AT3 "max_in_flight 0 is out of range: expected 1 to 256" }, 1,
      "max_in_flight zero" },
    { R3("  max_in_flight = -4;"),
      { AT3 "max_in_flight -4 is out of range: expected 1 to 256" }, 1,
      "max_in_flight negative" },
    { R3("  max_in_flight = 257;"),
      { AT3 "max_in_flight 257 is out of range: expected 1 to 256" }, 1,
      "max_in_flight above 256" },
    { R3("  max_in_flight = 10000000000L;"),
      { AT3 "max_in_flight 10000000000 is out of range" }, 1,
      "max_in_flight as a 64-bit number" },
    { R3("  max_in_flight = 2.5;"),
      { AT3 "\"max_in_flight\" must be a whole number" }, 1,
      "fractional max_in_flight" },
    { R3("  max_in_flight = \"16\";"),
      { AT3 "\"max_in_flight\" must be a whole number" }, 1,
      "max_in_flight as a string" },

    /* The dns group. */
    { "dns = { servers = ( \"127.0.0.1:5353\", \"dns.example.com\" ); };\n"
      HEAD KDCS CLIENT TAIL,
      { "x.conf:1: dns: server \"dns.example.com\" is not an IP address" },
      1, "dns server by name" },
    { "dns = { servers = ( \"[::1]:99999\" ); };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: dns: server \"[::1]:99999\" is not an IP address" }, 1,
      "dns server port out of range" },
    { "dns = { servers = ( \"[::1\" ); };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: dns: server \"[::1\"" }, 1, "dns server bracket open" },
    { "dns = { servers = ( ); };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: dns: \"servers\" is empty" }, 1, "dns servers empty" },
    { "dns = { servers = ( 53 ); };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: dns: \"servers\" entries must be strings" }, 1,
      "dns server not a string" },
    { "dns = { timeout = 0.0; };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: dns: timeout 0 is out of range" }, 1, "dns timeout zero" },
    { "dns = { timout = 2; };\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: dns: unknown key \"timout\" (known keys: servers, "
        "timeout)" }, 1, "dns typo" },
    { "dns = ( \"127.0.0.1\" );\n" HEAD KDCS CLIENT TAIL,
      { "x.conf:1: \"dns\" must be a group" }, 1, "dns not a group" },
    { HEAD "  kdcs = [];\n" CLIENT TAIL, { AT3 "\"kdcs\" is empty" }, 1,
      "kdcs empty array" },
    { HEAD "  kdcs = \"kdc1.example.com\";\n" CLIENT TAIL,
      { AT3 "\"kdcs\" must be a list of strings such as ( "
        "\"kdc1.example.com:88\" ), not a string" }, 1, "kdcs as a string" },
    { HEAD "  kdcs = { host = \"kdc1\"; };\n" CLIENT TAIL,
      { AT3 "\"kdcs\" must be a list", "not a group" }, 1, "kdcs as a group" },
    { K3("88"), { AT3 "\"kdcs\" entries must be strings such as "
      "\"kdc1.example.com:88\", not an integer" }, 1, "kdcs entry integer" },
    { K3("\"kdc1\", { host = \"kdc2\"; }"),
      { AT3 "\"kdcs\" entries must be strings", "not a group" }, 1,
      "kdcs entry group" },

    /* kpasswd: parsed as kdcs entries are, with port 464. */
    { R3("  kpasswd = ();"),
      { AT3 "\"kpasswd\" is empty: list at least one kpasswd server, e.g. "
        "kpasswd = ( \"kdc1.example.com\" ); or leave \"kpasswd\" out" }, 1,
      "kpasswd empty list" },
    { R3("  kpasswd = \"kdc1.example.com\";"),
      { AT3 "\"kpasswd\" must be a list of strings such as ( "
        "\"kdc1.example.com:464\" ), not a string" }, 1,
      "kpasswd as a string" },
    { R3("  kpasswd = ( 464 );"),
      { AT3 "\"kpasswd\" entries must be strings such as "
        "\"kdc1.example.com:464\", not an integer" }, 1,
      "kpasswd entry integer" },
    { R3("  kpasswd = ( \"kdc1:0\" );"),
      { AT3 "kpasswd \"kdc1:0\": port \"0\" is not a number from 1 to "
        "65535" }, 1, "kpasswd port 0" },
    { R3("  kpasswd = ( \"[::1\" );"),
      { AT3 "kpasswd \"[::1\": unterminated '[': write an IPv6 address as "
        "\"[2001:db8::1]\" or \"[2001:db8::1]:464\"" }, 1,
      "kpasswd IPv6 bracket, the example with port 464" },
    { R3("  kpasswd = ( \"2001:db8::1\" );"),
      { AT3 "kpasswd \"2001:db8::1\": an IPv6 address must be written in "
        "brackets" }, 1, "kpasswd IPv6 without brackets" },
    { R3("  kpasswd = ( \"kpw one\" );"),
      { AT3 "kpasswd \"kpw one\": host contains whitespace" }, 1,
      "kpasswd space in the host" },
    { R3("  kpasswd = ( \"kdc1.example.com\", \"KDC1.example.com:464\" );"),
      { AT3 "kpasswd \"KDC1.example.com:464\" is listed twice" }, 1,
      "kpasswd twice: host case and the default port do not make it "
      "another" },
    { R3("  kpasswd = ( \"a:1\", 2, \"b:0\" );"),
      { AT3 "\"kpasswd\" entries must be strings", AT3 "kpasswd \"b:0\"" },
      2, "every bad kpasswd entry is reported" },

    /* Single kdcs entries. */
    { K3("\"\""), { AT3 "kdc \"\": empty host: expected \"host\", "
      "\"host:port\" or \"[IPv6]:port\"" }, 1, "empty entry" },
    { K3("\":88\""), { AT3 "kdc \":88\": empty host" }, 1, "port only" },
    { K3("\"kdc1:0\""), { AT3 "kdc \"kdc1:0\": port \"0\" is not a number "
      "from 1 to 65535" }, 1, "port 0" },
    { K3("\"kdc1:70000\""), { AT3 "kdc \"kdc1:70000\": port \"70000\" is "
      "not a number from 1 to 65535" }, 1, "port too big" },
    { K3("\"kdc1:65536\""),
      { AT3 "kdc \"kdc1:65536\": port \"65536\" is not" }, 1,
      "port one too big" },
    { K3("\"kdc1:000088\""),
      { AT3 "kdc \"kdc1:000088\": port \"000088\" is not" }, 1,
      "port with too many digits" },
    { K3("\"kdc1:abc\""), { AT3 "kdc \"kdc1:abc\": port \"abc\" is not a "
      "number" }, 1, "port not a number" },
    { K3("\"kdc1:\""), { AT3 "kdc \"kdc1:\": port \"\" is not a number" }, 1,
      "empty port" },
    { K3("\"kdc1:+88\""), { AT3 "kdc \"kdc1:+88\": port \"+88\" is not" }, 1,
      "signed port" },
    { K3("\"kdc1:-1\""), { AT3 "kdc \"kdc1:-1\": port \"-1\" is not" }, 1,
      "negative port" },
    { K3("\"kdc1: 88\""), { AT3 "kdc \"kdc1: 88\": port \" 88\" is not" }, 1,
      "space before the port" },
    { K3("\"[::1\""), { AT3 "kdc \"[::1\": unterminated '[': write an IPv6 "
      "address as \"[2001:db8::1]\" or \"[2001:db8::1]:88\"" }, 1,
      "unterminated IPv6 bracket" },
    { K3("\"[]:88\""), { AT3 "kdc \"[]:88\": brackets must hold an IPv6 "
      "address" }, 1, "empty brackets" },
    { K3("\"[::1]x\""), { AT3 "kdc \"[::1]x\": unexpected \"x\" after ']'" },
      1, "junk after the bracket" },
    { K3("\"[::1]:0\""), { AT3 "kdc \"[::1]:0\": port \"0\" is not" }, 1,
      "IPv6 with port 0" },
    { K3("\"[::1]:\""), { AT3 "kdc \"[::1]:\": port \"\" is not" }, 1,
      "IPv6 with empty port" },
    { K3("\"[kdc1.example.com]:88\""),
      { AT3 "kdc \"[kdc1.example.com]:88\": \"kdc1.example.com\" is not "
        "an IPv6 address" }, 1, "a name in brackets" },
    { K3("\"2001:db8::1\""), { AT3 "kdc \"2001:db8::1\": an IPv6 address "
      "must be written in brackets" }, 1, "IPv6 without brackets" },
    { K3("\"kdc one.example.com\""),
      { AT3 "kdc \"kdc one.example.com\": host contains whitespace" }, 1,
      "space in the host" },
    { K3("\"kdc1/x:88\""), { AT3 "kdc \"kdc1/x:88\": host contains '/': "
      "expected a DNS name or an IPv4 address" }, 1, "slash in the host" },
    { K3("\"kdc1.example.com\", \"KDC1.example.com:88\""),
      { AT3 "kdc \"KDC1.example.com:88\" is listed twice" }, 1,
      "the same KDC twice, once with the default port spelled out" },
    { K3("\"kdc1:abc\", \"\", \"[::1\""),
      { AT3 "kdc \"kdc1:abc\"", AT3 "kdc \"\"", AT3 "kdc \"[::1\"" }, 3,
      "every bad entry is reported, not just the first" },

    /* transport, canonicalize. */
    { R3("  transport = \"tls\";"), { AT3 "transport \"tls\" is not one of: "
      "udp, tcp, both" }, 1, "unknown transport" },
    { R3("  transport = \"UDP\";"), { AT3 "transport \"UDP\" is not one of" },
      1, "transport values are lower case" },
    { R3("  transport = 1;"), { AT3 "\"transport\" must be one of the "
      "strings \"udp\", \"tcp\", \"both\", not an integer" }, 1,
      "transport not a string" },
    { R3("  canonicalize = \"yes\";"), { AT3 "canonicalize \"yes\" is not "
      "one of: none, forward, reverse" }, 1, "unknown canonicalize" },
    { R3("  canonicalize = true;"), { AT3 "\"canonicalize\" must be one of "
      "the strings \"none\", \"forward\", \"reverse\", not a boolean" }, 1,
      "canonicalize as a boolean" },

    /* timeout. */
    { R3("  timeout = 0;"), { AT3 "timeout 0 is out of range: expected "
      "seconds above 0 and at most 300, e.g. 5 or 2.5" }, 1, "timeout 0" },
    { R3("  timeout = 0.0;"), { AT3 "timeout 0 is out of range" }, 1,
      "timeout 0.0" },
    { R3("  timeout = -1;"), { AT3 "timeout -1 is out of range" }, 1,
      "negative timeout" },
    { R3("  timeout = 300.5;"), { AT3 "timeout 300.5 is out of range" }, 1,
      "timeout just over the limit" },
    { R3("  timeout = 1000L;"), { AT3 "timeout 1000 is out of range" }, 1,
      "64-bit integer timeout over the limit" },
    { R3("  timeout = \"5\";"), { AT3 "\"timeout\" must be a number of "
      "seconds, e.g. 5 or 2.5, not a string" }, 1, "timeout as a string" },
    { R3("  timeout = ( 5 );"), { AT3 "\"timeout\" must be", "not a list" },
      1, "timeout as a list" },

    /* clients: a list of client groups, in place of client. */
    { HEAD "  clients = ( { principal = \"a@EXAMPLE.COM\"; keytab = "
      "\"@KT@\"; } );\n" KDCS CLIENT TAIL,
      { "x.conf:2: realm \"EXAMPLE.COM\": set \"client\" (one client) or "
        "\"clients\" (a list of them), not both" }, 1,
      "client and clients both given" },
    { HEAD "  clients = ( );\n" KDCS TAIL,
      { AT3 "\"clients\" is empty" }, 1, "an empty clients list" },
    { HEAD "  clients = ( \"a@EXAMPLE.COM\" );\n" KDCS TAIL,
      { AT3 "\"clients\" entries must be groups", "not a string" }, 1,
      "a clients entry as a string" },
    { HEAD "  clients = ( { principal = \"a@EXAMPLE.COM\"; keytab = "
      "\"@KT@\"; }, { principal = \"a@EXAMPLE.COM\"; password_file = "
      "\"@PW@\"; } );\n" KDCS TAIL,
      { AT3 "clients entry 2: client \"a@EXAMPLE.COM\" is listed twice" },
      1, "the same client twice" },
    { HEAD "  clients = ( { principal = \"a@EXAMPLE.COM\"; keytab = "
      "\"@KT@\"; }, { keytab = \"@KT@\"; } );\n" KDCS TAIL,
      { AT3 "clients entry 2: missing \"principal\"" }, 1,
      "a clients entry without its principal" },
    { HEAD "  clients = ( { principal = \"a@EXAMPLE.COM\"; } );\n" KDCS TAIL,
      { AT3 "clients entry 1: set \"keytab\"" }, 1,
      "a clients entry without credentials" },

    /* client as a whole.  Without one, a realm is probed for discovery
     * and its KDCs only: what needs a TGT is refused. */
    { HEAD "  services = ( \"HTTP/www.example.com\" );\n" KDCS TAIL,
      { AT3 "\"services\" needs a \"client\": its tickets are asked for "
        "with the client's TGT; without \"client\" (or \"clients\") a realm "
        "is probed for discovery and its KDCs only" }, 1,
      "services without a client" },
    { HEAD "  service_keytab = \"@KT@\";\n" KDCS TAIL,
      { AT3 "\"service_keytab\" needs a \"client\"" }, 1,
      "a service keytab without a client" },
    { HEAD "  capaths = ( { realm = \"B.ORG\"; via = ( ); } );\n" KDCS TAIL,
      { AT3 "\"capaths\" needs a \"client\"" }, 1,
      "capaths without a client" },
    { HEAD "  services = ( { url = \"https://www.example.com/\"; } );\n"
      KDCS TAIL,
      { AT3 "\"services\" needs a \"client\"" }, 1,
      "a web service without a client" },
    { R3("  client = \"krbmon@EXAMPLE.COM\";") /* and CLIENT: duplicate */,
      { "x.conf:" }, 1, "client given twice is a libconfig error" },
    { HEAD "  client = \"krbmon@EXAMPLE.COM\";\n" KDCS TAIL,
      { AT3 "\"client\" must be a group such as { principal = \"...\"; "
        "keytab = \"...\"; }, not a string" }, 1, "client as a string" },
    { HEAD "  client = ( \"krbmon\" );\n" KDCS TAIL,
      { AT3 "\"client\" must be a group", "not a list" }, 1,
      "client as a list" },
    /* capaths: the trust paths to other realms. */
    { R3("  capaths = { realm = \"B.ORG\"; via = ( ); };"),
      { AT3 "\"capaths\" must be a list of groups such as ( { realm = "
        "\"C.EXAMPLE.COM\"; via = ( \"B.EXAMPLE.COM\" ); } ), not a group" },
      1, "capaths as a group" },
    { R3("  capaths = ( \"B.ORG\" );"),
      { AT3 "\"capaths\" entries must be groups such as { realm = "
        "\"C.EXAMPLE.COM\"; via = ( \"B.EXAMPLE.COM\" ); }, not a string" },
      1, "a capaths entry as a string" },
    { R3("  capaths = ( { via = ( \"B.ORG\" ); } );"),
      { AT3 "capaths entry 1: missing \"realm\": the realm the trust path "
        "leads to" }, 1, "a capaths entry without its realm" },
    { R3("  capaths = ( { realm = \"C.ORG\"; } );"),
      { AT3 "capaths entry 1: missing \"via\": the realms between, nearest "
        "first" }, 1, "a capaths entry without via" },
    { R3("  capaths = ( { realm = \"C.ORG\"; via = \"B.ORG\"; } );"),
      { AT3 "capaths entry 1: \"via\" must be a list of realm names",
        "not a string" }, 1, "via as a string" },
    { R3("  capaths = ( { realm = \"c@C.ORG\"; via = ( ); } );"),
      { AT3 "capaths entry 1: realm \"c@C.ORG\": it contains '@' or '/'" },
      1, "a capaths realm with an @" },
    { R3("  capaths = ( { realm = \"\"; via = ( ); } );"),
      { AT3 "capaths entry 1: realm \"\": it is empty" }, 1,
      "an empty capaths realm" },
    { R3("  capaths = ( { realm = \"EXAMPLE.COM\"; via = ( ); } );"),
      { AT3 "capaths entry 1: realm \"EXAMPLE.COM\" is this realm itself" },
      1, "a path to the realm itself" },
    { "realms = (\n{ capaths = ( { realm = \"EXAMPLE.COM\"; via = ( ); } );\n"
      "  realm = \"EXAMPLE.COM\";\n" KDCS CLIENT TAIL,
      { "x.conf:2: realm \"EXAMPLE.COM\": capaths entry 1: realm "
        "\"EXAMPLE.COM\" is this realm itself" }, 1,
      "a path to the realm itself, before the realm's name" },
    { R3("  capaths = ( { realm = \"C.ORG\"; via = ( \"EXAMPLE.COM\" ); } );"),
      { AT3 "capaths entry 1: via realm \"EXAMPLE.COM\" is this realm "
        "itself" }, 1, "a path back through the realm itself" },
    { R3("  capaths = ( { realm = \"C.ORG\"; via = ( \"B.ORG\", \"B.ORG\" "
         "); } );"),
      { AT3 "capaths entry 1: via realm \"B.ORG\" is listed twice" }, 1,
      "a loop in a path" },
    { R3("  capaths = ( { realm = \"C.ORG\"; via = ( \"B.ORG\", \"C.ORG\" "
         "); } );"),
      { AT3 "capaths entry 1: via realm \"C.ORG\" is the realm the path "
        "leads to" }, 1, "a path through its own end" },
    { R3("  capaths = ( { realm = \"C.ORG\"; via = ( 1 ); } );"),
      { AT3 "capaths entry 1: \"via\" entries must be realm names", "not an "
        "integer" }, 1, "a via entry that is not a string" },
    { R3("  capaths = ( { realm = \"C.ORG\"; via = ( \"B ORG\" ); } );"),
      { AT3 "capaths entry 1: via realm \"B ORG\": it contains whitespace" },
      1, "a via realm with a space" },
    { R3("  capaths = ( { realm = \"C.ORG\"; via = ( ); },\n"
         "              { realm = \"C.ORG\"; via = ( \"B.ORG\" ); } );"),
      { "x.conf:4: realm \"EXAMPLE.COM\": capaths entry 2: realm \"C.ORG\" "
        "has a path already: first at line 3" }, 1,
      "two paths to one realm" },
    { R3("  capaths = ( { realm = \"C.ORG\"; via = ( ); hops = 1; } );"),
      { AT3 "capaths entry 1: unknown key \"hops\" (known keys: realm, "
        "via)" }, 1, "an unknown key in a capaths entry" },

    { C3("principal = \"krbmon@EXAMPLE.COM\"; keytab = \"@KT@\"; "
         "keytabs = \"@KT@\";"),
      { CAT3 "unknown key \"keytabs\" (known keys: principal, keytab, "
        "password_file)" }, 1, "typo in a client key" },
    { C3("principal = \"krbmon@EXAMPLE.COM\"; password = \"secret\";"),
      { CAT3 "unknown key \"password\"", CAT3 "set \"keytab\"" }, 2,
      "a password in the config itself is not a key" },

    /* principal. */
    { C3("keytab = \"@KT@\";"), { CAT3 "missing \"principal\": the "
      "monitoring principal, e.g. principal = \"krbmon@EXAMPLE.COM\";" }, 1,
      "principal missing" },
    { C3("principal = \"\"; keytab = \"@KT@\";"),
      { CAT3 "\"principal\" is empty" }, 1, "principal empty" },
    { C3("principal = \"krb mon@EXAMPLE.COM\"; keytab = \"@KT@\";"),
      { CAT3 "principal \"krb mon@EXAMPLE.COM\" contains whitespace" }, 1,
      "principal with a space" },
    { C3("principal = 5; keytab = \"@KT@\";"),
      { CAT3 "\"principal\" must be a string such as "
        "\"krbmon@EXAMPLE.COM\", not an integer" }, 1,
      "principal not a string" },

    /* keytab and password_file: which one. */
    { C3("principal = \"krbmon@EXAMPLE.COM\"; keytab = \"@KT@\"; "
         "password_file = \"@PW@\";"),
      { CAT3 "set only one of \"keytab\" and \"password_file\", not both" },
      1, "both keytab and password file" },
    { C3("principal = \"krbmon@EXAMPLE.COM\";"),
      { CAT3 "set \"keytab\" (a keytab file) or \"password_file\" (a file "
        "whose first line is the password)" }, 1, "neither" },
    { C3("principal = \"krbmon@EXAMPLE.COM\"; keytab = \"@NOFILE@\"; "
         "password_file = \"@PW644@\";"),
      { CAT3 "keytab \"@NOFILE@\": cannot open", CAT3 "password_file "
        "\"@PW644@\" is accessible", CAT3 "set only one of" }, 3,
      "both, and both files bad: all three problems reported" },

    /* keytab and password_file: the files. */
    { C3("principal = \"p@EXAMPLE.COM\"; keytab = \"@NOFILE@\";"),
      { CAT3 "keytab \"@NOFILE@\": cannot open: No such file or directory" },
      1, "keytab does not exist" },
    { C3("principal = \"p@EXAMPLE.COM\"; keytab = \"@TMP@/no/dir/kt\";"),
      { CAT3 "keytab \"@TMP@/no/dir/kt\": cannot open: No such file or "
        "directory" }, 1, "keytab's directory does not exist" },
    { C3("principal = \"p@EXAMPLE.COM\"; keytab = \"@KT644@\";"),
      { CAT3 "keytab \"@KT644@\" is accessible by group or others (mode "
        "0644); run: chmod 600 @KT644@" }, 1, "keytab world-readable" },
    { C3("principal = \"p@EXAMPLE.COM\"; keytab = \"@KT640@\";"),
      { CAT3 "keytab \"@KT640@\" is accessible by group or others (mode "
        "0640); run: chmod 600 @KT640@" }, 1, "keytab group-readable" },
    { C3("principal = \"p@EXAMPLE.COM\"; keytab = \"@KT604@\";"),
      { CAT3 "keytab \"@KT604@\" is accessible by group or others "
        "(mode 0604)" }, 1, "keytab readable by others only" },
    { C3("principal = \"p@EXAMPLE.COM\"; keytab = \"@KT660@\";"),
      { CAT3 "keytab \"@KT660@\" is accessible by group or others "
        "(mode 0660)" }, 1, "keytab group-writable" },
    { C3("principal = \"p@EXAMPLE.COM\"; keytab = \"@DIR@\";"),
      { CAT3 "keytab \"@DIR@\" is a directory: expected a file" }, 1,
      "keytab is a directory" },
    { C3("principal = \"p@EXAMPLE.COM\"; keytab = \"/dev/null\";"),
      { CAT3 "keytab \"/dev/null\" is not a regular file" }, 1,
      "keytab is a device" },
    { C3("principal = \"p@EXAMPLE.COM\"; keytab = \"@EMPTY@\";"),
      { CAT3 "keytab \"@EMPTY@\" is empty" }, 1, "keytab is an empty file" },
    { C3("principal = \"p@EXAMPLE.COM\"; keytab = \"\";"),
      { CAT3 "\"keytab\" is empty: expected the path of a file" }, 1,
      "keytab path empty" },
    { C3("principal = \"p@EXAMPLE.COM\"; keytab = 1;"),
      { CAT3 "\"keytab\" must be a string: the path of a keytab file, not "
        "an integer" }, 1, "keytab not a string" },
    { C3("principal = \"p@EXAMPLE.COM\"; password_file = \"@NOFILE@\";"),
      { CAT3 "password_file \"@NOFILE@\": cannot open: No such file or "
        "directory" }, 1, "password file does not exist" },
    { C3("principal = \"p@EXAMPLE.COM\"; password_file = \"@PW644@\";"),
      { CAT3 "password_file \"@PW644@\" is accessible by group or others "
        "(mode 0644); run: chmod 600 @PW644@" }, 1,
      "password file world-readable" },
    { C3("principal = \"p@EXAMPLE.COM\"; password_file = \"@DIR@\";"),
      { CAT3 "password_file \"@DIR@\" is a directory" }, 1,
      "password file is a directory" },
    { C3("principal = \"p@EXAMPLE.COM\"; password_file = \"@EMPTY@\";"),
      { CAT3 "password_file \"@EMPTY@\" is empty" }, 1,
      "password file is empty" },
    { C3("principal = \"p@EXAMPLE.COM\"; password_file = [ \"@PW@\" ];"),
      { CAT3 "\"password_file\" must be a string", "not an array" }, 1,
      "password file not a string" },

    /* services. */
    { R3("  services = \"HTTP/www.example.com\";"),
      { AT3 "\"services\" must be a list of strings such as ( "
        "\"HTTP/www.example.com\" ), not a string" }, 1,
      "services as a string" },
    { R3("  services = ( \"\" );"), { AT3 "\"services\" entry is empty: "
      "expected a service principal such as \"HTTP/www.example.com\"" }, 1,
      "empty service" },
    { R3("  services = ( \"HTTP/a\", 5 );"), { AT3 "\"services\" entries "
      "must be strings such as \"HTTP/www.example.com\", or groups such "
      "as { principal = \"HTTP/www.example.com\"; keytab = "
      "\"/etc/krb5_exporter/http.keytab\"; }, not an integer" }, 1,
      "service not a string" },
    { R3("  services = ( \"HTTP/a\", \"host/b\", \"HTTP/a\" );"),
      { AT3 "service \"HTTP/a\" is listed twice" }, 1, "duplicate service" },
    { R3("  services = ( \"HTTP/a b\" );"),
      { AT3 "service \"HTTP/a b\" contains whitespace" }, 1,
      "service with a space" },

    /* Service keytabs. */
    { R3("  service_keytab = \"@KT644@\";"),
      { AT3 "service_keytab \"@KT644@\" is accessible by group or others "
        "(mode 0644); run: chmod 600 @KT644@" }, 1,
      "the realm's service keytab must be owner-only, like client keytabs" },
    { R3("  service_keytab = \"@NOFILE@\";"),
      { AT3 "service_keytab \"@NOFILE@\": cannot open: No such file or "
        "directory" }, 1, "the realm's service keytab does not exist" },
    { R3("  service_keytab = ( \"@KT@\" );"),
      { AT3 "\"service_keytab\" must be a string: the path of the "
        "services' keytab file, not a list" }, 1,
      "service_keytab not a string" },
    { R3("  services = ( { principal = \"HTTP/a\"; keytab = \"@KT640@\"; } );"),
      { AT3 "services entry 1: keytab \"@KT640@\" is accessible by group "
        "or others (mode 0640); run: chmod 600 @KT640@" }, 1,
      "a service's own keytab must be owner-only too" },
    { R3("  services = ( \"HTTP/a\", { keytab = \"@KT@\"; } );"),
      { AT3 "services entry 2: missing \"principal\": the service "
        "principal, e.g. principal = \"HTTP/www.example.com\";" }, 1,
      "a service group without its principal" },
    { R3("  services = ( { principal = \"HTTP/a\"; keytab = \"@KT@\"; "
         "kvno = 2; } );"),
      { AT3 "services entry 1: unknown key \"kvno\" (known keys: "
        "principal, keytab, url, ca_file)" }, 1,
      "unknown key in a service group" },
    { R3("  services = ( { principal = \"\"; } );"),
      { AT3 "services entry 1: \"services\" entry is empty" }, 1,
      "a service group with an empty principal" },
    { R3("  services = ( { principal = 5; } );"),
      { AT3 "services entry 1: \"principal\" must be a string such as "
        "\"HTTP/www.example.com\", not an integer" }, 1,
      "a service group whose principal is not a string: one message" },
    { R3("  services = ( \"HTTP/a\", { principal = \"HTTP/a\"; "
         "keytab = \"@KT@\"; } );"),
      { AT3 "service \"HTTP/a\" is listed twice" }, 1,
      "a service listed as a string and as a group" },

    /* A service's URL, for the http probe. */
    { R3("  services = ( { url = \"ftp://www.example.com/\"; } );"),
      { AT3 "services entry 1: url \"ftp://www.example.com/\": the scheme "
        "must be http:// or https://" }, 1, "a URL of another scheme" },
    { R3("  services = ( { url = \"www.example.com\"; } );"),
      { AT3 "services entry 1: url \"www.example.com\": the scheme must "
        "be" }, 1, "a URL without its scheme" },
    { R3("  services = ( { url = \"https://mon:pw@www.example.com/\"; } );"),
      { AT3 "services entry 1: url \"https://mon:pw@www.example.com/\": it "
        "holds user information" }, 1,
      "credentials in a URL are refused, not kept" },
    { R3("  services = ( { url = \"https:///path\"; } );"),
      { AT3 "services entry 1: url \"https:///path\": it names no host" },
      1, "a URL without a host" },
    { R3("  services = ( { url = \"http://www.example.com:0/\"; } );"),
      { AT3 "services entry 1: url \"http://www.example.com:0/\": port "
        "\"0\" is not a number from 1 to 65535" }, 1, "port 0" },
    { R3("  services = ( { url = \"http://www.example.com:80x/\"; } );"),
      { AT3 "services entry 1: url \"http://www.example.com:80x/\": " }, 1,
      "a port with junk" },
    { R3("  services = ( { url = \"http://2001:db8::1/\"; } );"),
      { AT3 "services entry 1: url \"http://2001:db8::1/\": " }, 1,
      "an IPv6 address without brackets" },
    { R3("  services = ( { url = \"http://www.example.com./\"; } );"),
      { AT3 "services entry 1: url \"http://www.example.com./\": its host "
        "ends in a dot" }, 1, "a host with a trailing dot" },
    { R3("  services = ( { url = \"http://www.exa mple.com/\"; } );"),
      { AT3 "services entry 1: url \"http://www.exa mple.com/\" contains "
        "whitespace" }, 1, "a URL with a space" },
    { R3("  services = ( { url = \"\"; } );"),
      { AT3 "services entry 1: \"url\" is empty" }, 1, "an empty URL" },
    { R3("  services = ( { url = 80; } );"),
      { AT3 "services entry 1: \"url\" must be a string: an http or https "
        "URL such as \"https://www.example.com/\", not an integer" }, 1,
      "a URL that is no string" },
    { R3("  services = ( { url = \"https://a.example.com/\"; },\n"
         "    { url = \"https://a.example.com/\"; } );"),
      { "x.conf:4: realm \"EXAMPLE.COM\": url \"https://a.example.com/\" "
        "is listed twice" }, 1, "the same URL twice" },
    { R3("  services = ( \"HTTP/a.example.com\", \"HTTP/a.example.com\", "
         "{ url = \"https://a.example.com/\"; } );"),
      { AT3 "service \"HTTP/a.example.com\" is listed twice" }, 1,
      "a principal without a URL is still listed once only" },
    { R3("  services = ( { principal = \"HTTP/a\"; keytab = \"@KT@\"; "
         "url = \"https://a/\"; },\n    { principal = \"HTTP/a\"; "
         "keytab = \"@PW@\"; url = \"https://b/\"; } );"),
      { "x.conf:4: realm \"EXAMPLE.COM\": service \"HTTP/a\" is given "
        "two keytabs, \"@KT@\" and \"@PW@\"" }, 1,
      "one principal, two keytabs" },
    { R3("  services = ( { url = \"http://a.example.com/\"; }, "
         "\"HTTP/a.example.com\" );"),
      { AT3 "service \"HTTP/a.example.com\" is listed twice" }, 1,
      "a URL's default principal listed again on its own" },
    { R3("  services = ( { principal = \"HTTP/a\"; ca_file = \"@KT@\"; } );"),
      { AT3 "services entry 1: \"ca_file\" needs a \"url\"" }, 1,
      "a ca_file without a URL" },
    { R3("  services = ( { url = \"http://a/\"; ca_file = \"@KT@\"; } );"),
      { AT3 "services entry 1: ca_file is set for url \"http://a/\", which "
        "is not https" }, 1, "a ca_file for plain HTTP" },
    { R3("  services = ( { url = \"https://a/\"; ca_file = \"@NOFILE@\"; "
         "} );"),
      { AT3 "services entry 1: ca_file \"@NOFILE@\": cannot open: No such "
        "file or directory" }, 1, "a ca_file that is not there" },
    { R3("  services = ( { keytab = \"@KT@\"; ca_file = \"@KT@\"; } );"),
      { AT3 "services entry 1: missing \"principal\"",
        AT3 "services entry 1: \"ca_file\" needs a \"url\"" }, 2,
      "neither principal nor url" },

    /* Keeping going. */
    { "realms = (\n"
      "{ realm = \"A.ORG\"; timout = 5;\n"
      "  kdcs = ( \"kdc:0\" );\n"
      "  client = { principal = \"p@A.ORG\"; keytab = \"@KT644@\"; };\n"
      "},\n"
      "{ realm = \"B/ORG\"; transport = \"udp6\";\n"
      "  client = { principal = \"\"; password_file = \"@PW@\"; };\n"
      "} );\n",
      { "x.conf:2: realm \"A.ORG\": unknown key \"timout\"",
        "x.conf:3: realm \"A.ORG\": kdc \"kdc:0\"",
        "x.conf:4: realm \"A.ORG\": client: keytab",
        "x.conf:6: realm \"B/ORG\": transport \"udp6\"" }, 6,
      "problems in several realms and groups are all reported "
      "(plus B/ORG's name and principal)" },
};

static void test_rejects(void **state)
{
    static struct conf sentinel;
    size_t failures = 0;

    (void)state;
    for (size_t i = 0; i < COUNT(reject_cases); i++) {
        const struct reject_case *rc = &reject_cases[i];
        char *text = expand(rc->text);
        struct conf *out = &sentinel;
        struct conf_errors errs = { 0 };
        int ret = conf_load_string(text, "x.conf", &out, &errs);
        int ok = ret == -1 && out == &sentinel && errs.count == rc->n_errors;

        for (size_t k = 0; k < MAX_EXPECTED && rc->expected[k] != NULL; k++) {
            char *want = expand(rc->expected[k]);

            if (!has_message(&errs, want)) {
                print_message("    missing: %s\n", want);
                ok = 0;
            }
            free(want);
        }
        for (size_t k = 0; k < errs.count; k++)
            if (strncmp(errs.messages[k], "x.conf:", 7) != 0)
                ok = 0;
        if (!ok) {
            print_message("case %zu (%s): ret %d, %zu messages, want %zu\n",
                          i, rc->why, ret, errs.count, rc->n_errors);
            print_errors(&errs);
            failures++;
        }
        conf_errors_clear(&errs);
        free(text);
    }
    assert_int_equal(failures, 0);
}

/* A file mode only the superuser can ignore; skipped when running as root. */
static void test_reject_unreadable(void **state)
{
    char *text = expand(C3("principal = \"p@EXAMPLE.COM\"; "
                           "keytab = \"@NOREAD@\";"));
    char *want = expand(CAT3 "keytab \"@NOREAD@\": cannot open: "
                        "Permission denied");
    struct conf *out = NULL;
    struct conf_errors errs = { 0 };

    (void)state;
    if (geteuid() == 0) {
        free(text);
        free(want);
        skip();
    }
    assert_int_equal(conf_load_string(text, "x.conf", &out, &errs), -1);
    assert_null(out);
    assert_int_equal(errs.count, 1);
    assert_non_null(strstr(errs.messages[0], want));
    conf_errors_clear(&errs);
    free(text);
    free(want);
}

/* ---- accepted configs ---- */

/* Load text (after expand()) that must be accepted; the caller frees. */
static struct conf *load_ok(const char *tmpl)
{
    char *text = expand(tmpl);
    struct conf *conf = NULL;
    struct conf_errors errs = { 0 };
    int ret = conf_load_string(text, "ok.conf", &conf, &errs);

    if (ret != 0 || errs.count != 0) {
        print_message("text:\n%s\n", text);
        print_errors(&errs);
    }
    assert_int_equal(ret, 0);
    assert_int_equal(errs.count, 0);
    assert_non_null(conf);
    free(text);
    return conf;
}

static void test_defaults(void **state)
{
    struct conf *conf = load_ok("\n" HEAD KDCS CLIENT TAIL);
    const struct conf_realm *r = &conf->realms[0];

    (void)state;
    assert_string_equal(conf->path, "ok.conf");
    assert_int_equal(conf->n_realms, 1);
    assert_string_equal(r->realm, "EXAMPLE.COM");
    assert_int_equal(r->line, 3);
    assert_int_equal(r->n_kdcs, 1);
    assert_string_equal(r->kdcs[0].host, "kdc1.example.com");
    assert_int_equal(r->kdcs[0].port, 88);
    assert_int_equal(r->transport, TRANSPORT_UDP);
    assert_int_equal(r->canonicalize, CANON_NONE);
    assert_true(r->timeout == 5.0);
    assert_true(r->clockskew == 300.0);
    assert_true(r->backoff == 300.0);
    assert_true(r->backoff_max == 3600.0);
    assert_int_equal(r->max_in_flight, 16);
    assert_int_equal(conf->workers, 16);
    assert_int_equal(conf->dns.n_servers, 0);
    assert_true(conf->dns.timeout == 0);
    assert_string_equal(r->client_principal, "krbmon@EXAMPLE.COM");
    assert_string_equal(r->keytab, kt);
    assert_null(r->password_file);
    assert_int_equal(r->n_services, 0);
    assert_null(r->services);
    conf_free(conf);
}

static void test_all_keys(void **state)
{
    struct conf *conf = load_ok(
        "# comment\n"
        "realms = (\n"
        "  { services = ( \"HTTP/www.example.com\", \"host/files.example.com\","
        " \"HTTP/WWW.example.com\" );\n"
        "    client = { password_file = \"@PW@\"; principal = \"m@EXAMPLE.COM\"; };\n"
        "    timeout = 2.5; canonicalize = \"reverse\"; transport = \"both\";\n"
        "    kdcs = [ \"kdc2.example.com:750\", \"kdc1.example.com\" ];\n"
        "    realm = \"EXAMPLE.COM\";\n"
        "  },\n"
        "  { realm = \"b.example\"; kdcs = ( \"127.0.0.1:8888\" );\n"
        "    transport = \"tcp\"; canonicalize = \"forward\"; timeout = 300;\n"
        "    client = { principal = \"krbmon\"; keytab = \"@KT@\"; };\n"
        "    services = ();\n"
        "  },\n"
        "  { realm = \"C\"; kdcs = ( \"[::1]\" ); timeout = 7L;\n"
        "    client = { principal = \"c@C\"; keytab = \"@KT@\"; }; }\n"
        ");\n");
    const struct conf_realm *a = &conf->realms[0], *b = &conf->realms[1];
    const struct conf_realm *c = &conf->realms[2];

    (void)state;
    assert_int_equal(conf->n_realms, 3);

    assert_int_equal(a->line, 3);
    assert_string_equal(a->realm, "EXAMPLE.COM");
    assert_int_equal(a->n_services, 3);
    assert_string_equal(a->services[0], "HTTP/www.example.com");
    assert_string_equal(a->services[1], "host/files.example.com");
    assert_string_equal(a->services[2], "HTTP/WWW.example.com");
    assert_string_equal(a->password_file, pw);
    assert_null(a->keytab);
    assert_string_equal(a->client_principal, "m@EXAMPLE.COM");
    assert_true(a->timeout == 2.5);
    assert_int_equal(a->canonicalize, CANON_REVERSE);
    assert_int_equal(a->transport, TRANSPORT_BOTH);
    assert_int_equal(a->n_kdcs, 2);
    assert_string_equal(a->kdcs[0].host, "kdc2.example.com");
    assert_int_equal(a->kdcs[0].port, 750);
    assert_string_equal(a->kdcs[1].host, "kdc1.example.com");
    assert_int_equal(a->kdcs[1].port, 88);

    assert_int_equal(b->line, 9);
    assert_string_equal(b->realm, "b.example");
    assert_int_equal(b->transport, TRANSPORT_TCP);
    assert_int_equal(b->canonicalize, CANON_FORWARD);
    assert_true(b->timeout == 300.0);
    assert_string_equal(b->client_principal, "krbmon");
    assert_string_equal(b->keytab, kt);
    assert_null(b->password_file);
    assert_int_equal(b->n_services, 0);

    assert_string_equal(c->realm, "C");
    assert_true(c->timeout == 7.0);
    assert_string_equal(c->kdcs[0].host, "::1");
    assert_int_equal(c->kdcs[0].port, 88);
    conf_free(conf);
}

struct kdc_case {
    const char *entry;
    const char *host;
    unsigned port;
    const char *why;
};

/* max_in_flight within its range is taken as it is, per realm. */
static void test_max_in_flight(void **state)
{
    static const struct {
        const char *line;
        unsigned want;
    } cases[] = {
        { "  max_in_flight = 1;", 1 },
        { "  max_in_flight = 16;", 16 },
        { "  max_in_flight = 256;", 256 },
        { "  max_in_flight = 64L;", 64 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        struct conf *conf;

        snprintf(text, sizeof(text), "%s%s\n%s%s%s", HEAD, cases[i].line,
                 KDCS, CLIENT, TAIL);
        conf = load_ok(text);
        assert_int_equal(conf->realms[0].max_in_flight, cases[i].want);
        conf_free(conf);
    }
}

static void test_dns_and_discovery(void **state)
{
    struct conf *conf = load_ok(
        "dns = { servers = ( \"127.0.0.1:5353\", \"[::1]:53\", \"::1\", "
        "\"10.0.0.1\" ); timeout = 2.5; };\n"
        HEAD "  clockskew = 60;\n" CLIENT TAIL);
    const struct conf_realm *r = &conf->realms[0];

    (void)state;
    assert_int_equal(conf->dns.n_servers, 4);
    assert_string_equal(conf->dns.servers[0], "127.0.0.1:5353");
    assert_string_equal(conf->dns.servers[1], "[::1]:53");
    assert_string_equal(conf->dns.servers[2], "::1");
    assert_string_equal(conf->dns.servers[3], "10.0.0.1");
    assert_true(conf->dns.timeout == 2.5);
    assert_int_equal(r->n_kdcs, 0);
    assert_null(r->kdcs);
    assert_true(r->clockskew == 60.0);
    conf_free(conf);
}

static void test_web(void **state)
{
    static const char hash[] =
        "$2y$10$P1ezNtkCOPrpsF2w7CmAWO7ROrvePbg7L8tqVa8v1lDcJQ8kSB43O";
    struct conf *conf = load_ok("web = { tls_cert_file = \"@KT@\"; "
                                "tls_key_file = \"@KT@\";\n"
                                "  tls_min_version = \"TLS13\";\n"
                                "  basic_auth_users = { alice = \"$2y$10$"
                                "P1ezNtkCOPrpsF2w7CmAWO7ROrvePbg7L8tqVa8v1lD"
                                "cJQ8kSB43O\"; };\n"
                                "  max_connections = 8; idle_timeout = 5;\n"
                                "  max_request_size = 8192; };\n"
                                HEAD KDCS CLIENT TAIL);
    const struct conf_web *w = &conf->web;

    (void)state;
    assert_string_equal(w->tls_cert_file, kt);
    assert_string_equal(w->tls_key_file, kt);
    assert_null(w->client_ca_file);
    assert_int_equal(w->tls_min_version, TLS_V13);
    assert_int_equal(w->n_users, 1);
    assert_string_equal(w->users[0].name, "alice");
    assert_string_equal(w->users[0].hash, hash);
    assert_int_equal(w->max_connections, 8);
    assert_int_equal(w->idle_timeout, 5);
    assert_int_equal(w->max_request_size, 8192);
    assert_string_equal(conf_tls_version_name(TLS_V12), "TLS12");
    conf_free(conf);
}

static void test_kdc_entries(void **state)
{
    static const struct kdc_case cases[] = {
        { "kdc.example.com", "kdc.example.com", 88, "name, default port" },
        { "kdc.example.com:750", "kdc.example.com", 750, "name and port" },
        { "KDC_1.Example-Corp.com:1", "KDC_1.Example-Corp.com", 1,
          "case kept, '_' and '-', lowest port" },
        { "kdc:65535", "kdc", 65535, "highest port" },
        { "127.0.0.1:8888", "127.0.0.1", 8888, "IPv4 literal" },
        { "[::1]:88", "::1", 88, "IPv6 loopback, brackets removed" },
        { "[::1]:8888", "::1", 8888, "IPv6 with another port" },
        { "[2001:db8::1]", "2001:db8::1", 88, "IPv6, default port" },
        { "[::ffff:127.0.0.1]:99", "::ffff:127.0.0.1", 99,
          "IPv4-mapped IPv6" },
        { "kdc:0088", "kdc", 88, "leading zero in the port" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        char tmpl[512];
        struct conf *conf;

        snprintf(tmpl, sizeof(tmpl), K3("\"%s\""), cases[i].entry);
        conf = load_ok(tmpl);
        if (conf->realms[0].n_kdcs != 1
            || strcmp(conf->realms[0].kdcs[0].host, cases[i].host) != 0
            || conf->realms[0].kdcs[0].port != cases[i].port) {
            print_message("%s: \"%s\" gave host \"%s\" port %u\n",
                          cases[i].why, cases[i].entry,
                          conf->realms[0].kdcs[0].host,
                          conf->realms[0].kdcs[0].port);
            conf_free(conf);
            fail();
        }
        conf_free(conf);
    }
}

/* kpasswd entries: read as kdcs entries are, with port 464 by default,
 * with or without kdcs. */
static void test_kpasswd_entries(void **state)
{
    static const struct kdc_case cases[] = {
        { "kpw.example.com", "kpw.example.com", 464, "name, default port" },
        { "kpw.example.com:1464", "kpw.example.com", 1464, "name and port" },
        { "KPW.Example.com", "KPW.Example.com", 464, "case kept" },
        { "127.0.0.1", "127.0.0.1", 464, "IPv4 literal" },
        { "[::1]", "::1", 464, "IPv6, default port" },
        { "[2001:db8::1]:88", "2001:db8::1", 88, "IPv6 and port" },
    };
    struct conf *conf;

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        char tmpl[512];
        const struct conf_realm *r;

        snprintf(tmpl, sizeof(tmpl), R3("  kpasswd = ( \"%s\" );"),
                 cases[i].entry);
        conf = load_ok(tmpl);
        r = &conf->realms[0];
        if (r->n_kpasswd != 1 || strcmp(r->kpasswd[0].host, cases[i].host) != 0
            || r->kpasswd[0].port != cases[i].port || r->n_kdcs != 1) {
            print_message("%s: \"%s\" gave %zu entries, host \"%s\" port "
                          "%u\n", cases[i].why, cases[i].entry, r->n_kpasswd,
                          r->n_kpasswd ? r->kpasswd[0].host : "-",
                          r->n_kpasswd ? r->kpasswd[0].port : 0);
            conf_free(conf);
            fail();
        }
        conf_free(conf);
    }
    /* Several, in order, and without kdcs (DNS finds the KDCs). */
    conf = load_ok(HEAD "  kpasswd = [ \"b.example.com\", \"a.example.com:5\" ];\n"
                   CLIENT TAIL);
    assert_int_equal(conf->realms[0].n_kdcs, 0);
    assert_int_equal(conf->realms[0].n_kpasswd, 2);
    assert_string_equal(conf->realms[0].kpasswd[0].host, "b.example.com");
    assert_int_equal(conf->realms[0].kpasswd[0].port, 464);
    assert_string_equal(conf->realms[0].kpasswd[1].host, "a.example.com");
    assert_int_equal(conf->realms[0].kpasswd[1].port, 5);
    conf_free(conf);
    /* Left out: none. */
    conf = load_ok(HEAD KDCS CLIENT TAIL);
    assert_int_equal(conf->realms[0].n_kpasswd, 0);
    assert_null(conf->realms[0].kpasswd);
    conf_free(conf);
}

struct timeout_case {
    const char *value;
    double expected;
    const char *why;
};

/* Service keytabs: the realm's, and a service's own in a group entry. */
static void test_service_keytabs(void **state)
{
    struct conf *conf = load_ok(
        HEAD KDCS CLIENT
        "  service_keytab = \"@KT@\";\n"
        "  services = ( \"HTTP/a\", { principal = \"host/b\"; "
        "keytab = \"@PW@\"; }, { principal = \"HTTP/c\"; } );\n"
        TAIL);
    const struct conf_realm *r = &conf->realms[0];
    struct conf *plain;

    (void)state;
    assert_string_equal(r->service_keytab, kt);
    assert_int_equal(r->n_services, 3);
    assert_string_equal(r->services[0], "HTTP/a");
    assert_string_equal(r->services[1], "host/b");
    assert_string_equal(r->services[2], "HTTP/c");
    assert_non_null(r->service_keytabs);
    assert_null(r->service_keytabs[0]);
    assert_string_equal(r->service_keytabs[1], pw);
    assert_null(r->service_keytabs[2]);
    conf_free(conf);

    /* Without any: nothing to verify. */
    plain = load_ok(HEAD KDCS CLIENT "  services = ( \"HTTP/a\" );\n" TAIL);
    assert_null(plain->realms[0].service_keytab);
    assert_null(plain->realms[0].service_keytabs[0]);
    conf_free(plain);
}

/* Services entries with URLs: the default principal, one principal in
 * front of several URLs, the ports and the ca_file. */
static void test_service_urls(void **state)
{
    struct conf *conf = load_ok(
        HEAD KDCS CLIENT
        "  services = ( \"host/files.example.com\",\n"
        "    { principal = \"HTTP/sso.example.com\"; "
        "url = \"https://sso.example.com/login\"; },\n"
        "    { url = \"http://DC1.Example.com:5985/wsman\"; },\n"
        "    { principal = \"HTTP/sso.example.com\"; keytab = \"@KT@\"; "
        "url = \"HTTPS://sso2.example.com/\"; ca_file = \"@PW@\"; },\n"
        "    { url = \"http://[::1]:8080/x?y#z\"; },\n"
        "    { principal = \"HTTP/dc1.example.com\"; "
        "url = \"https://dc1.example.com/\"; } );\n"
        TAIL);
    const struct conf_realm *r = &conf->realms[0];

    (void)state;
    /* HTTP/dc1.example.com is named by its URL's host, then again in
     * front of another URL: it is one service. */
    assert_int_equal(r->n_services, 4);
    assert_string_equal(r->services[0], "host/files.example.com");
    assert_string_equal(r->services[1], "HTTP/sso.example.com");
    assert_string_equal(r->services[2], "HTTP/dc1.example.com");
    assert_string_equal(r->services[3], "HTTP/::1");
    /* The keytab given beside the second URL is the service's. */
    assert_string_equal(r->service_keytabs[1], kt);
    assert_int_equal(r->n_http, 5);
    assert_string_equal(r->http[0].url, "https://sso.example.com/login");
    assert_string_equal(r->http[0].host, "sso.example.com");
    assert_int_equal(r->http[0].port, 443);
    assert_int_equal(r->http[0].https, 1);
    assert_null(r->http[0].ca_file);
    assert_int_equal(r->http[0].service, 1);
    assert_string_equal(r->http[1].url, "http://DC1.Example.com:5985/wsman");
    assert_string_equal(r->http[1].host, "dc1.example.com");
    assert_int_equal(r->http[1].port, 5985);
    assert_int_equal(r->http[1].https, 0);
    assert_int_equal(r->http[1].service, 2);
    assert_string_equal(r->http[2].host, "sso2.example.com");
    assert_int_equal(r->http[2].https, 1);
    assert_string_equal(r->http[2].ca_file, pw);
    assert_int_equal(r->http[2].service, 1);
    assert_string_equal(r->http[3].host, "::1");
    assert_int_equal(r->http[3].port, 8080);
    assert_int_equal(r->http[3].service, 3);
    assert_int_equal(r->http[4].service, 2);
    conf_free(conf);
}

/* A realm without a client: discovery and its KDCs only. */
static void test_no_client(void **state)
{
    struct conf *conf = load_ok(
        "realms = (\n"
        "{ capaths = ( { realm = \"C.ORG\"; via = ( \"B.ORG\" ); },\n"
        "              { realm = \"B.ORG\"; via = ( ); } );\n"
        "  realm = \"A.ORG\";\n"
        "  kdcs = ( \"kdc.a.org\" );\n"
        "  client = { principal = \"m@A.ORG\"; keytab = \"@KT@\"; };\n"
        "  services = ( \"HTTP/www.b.org@B.ORG\", \"HTTP/www.c.org@C.ORG\" );"
        " },\n"
        "{ realm = \"B.ORG\"; kdcs = ( \"kdc.b.org\" ); services = ( );\n"
        "  capaths = ( ); },\n"
        "{ realm = \"C.ORG\"; kpasswd = ( \"kdc.c.org\" ); }\n"
        ");\n");
    const struct conf_realm *a = &conf->realms[0], *b = &conf->realms[1];
    const struct conf_realm *c = &conf->realms[2];

    (void)state;
    assert_int_equal(conf->n_realms, 3);
    assert_int_equal(b->n_clients, 0);
    assert_null(b->clients);
    assert_string_equal(b->client_principal, CONF_KDC_PROBE_PRINCIPAL);
    assert_string_equal(b->client_principal, "krb5_exporter/probe");
    assert_null(b->keytab);
    assert_null(b->password_file);
    assert_int_equal(b->n_services, 0);
    assert_int_equal(b->n_kdcs, 1);
    assert_int_equal(c->n_clients, 0);
    assert_int_equal(c->n_capaths, 0);
    assert_int_equal(c->n_kpasswd, 1);
    /* A service written with another realm is kept as written. */
    assert_int_equal(a->n_services, 2);
    assert_string_equal(a->services[0], "HTTP/www.b.org@B.ORG");
    assert_int_equal(a->n_capaths, 2);
    assert_string_equal(a->capaths[0].realm, "C.ORG");
    assert_int_equal(a->capaths[0].n_via, 1);
    assert_string_equal(a->capaths[0].via[0], "B.ORG");
    assert_int_equal(a->capaths[0].line, 2);
    assert_string_equal(a->capaths[1].realm, "B.ORG");
    assert_int_equal(a->capaths[1].n_via, 0);
    conf_free(conf);
}

/* Every client of `clients`, in order; the first is the realm's client. */
static void test_clients(void **state)
{
    struct conf *conf = load_ok(
        HEAD KDCS
        "  clients = ( { principal = \"a@EXAMPLE.COM\"; keytab = \"@KT@\"; },\n"
        "              { principal = \"b@corp.example\"; "
        "password_file = \"@PW@\"; } );\n"
        TAIL);
    const struct conf_realm *r = &conf->realms[0];
    struct conf *one;

    (void)state;
    assert_int_equal(r->n_clients, 2);
    assert_string_equal(r->clients[0].principal, "a@EXAMPLE.COM");
    assert_string_equal(r->clients[0].keytab, kt);
    assert_null(r->clients[0].password_file);
    assert_string_equal(r->clients[1].principal, "b@corp.example");
    assert_null(r->clients[1].keytab);
    assert_string_equal(r->clients[1].password_file, pw);
    assert_ptr_equal(r->client_principal, r->clients[0].principal);
    assert_ptr_equal(r->keytab, r->clients[0].keytab);
    assert_null(r->password_file);
    conf_free(conf);

    /* `client` is a list of one. */
    one = load_ok(HEAD KDCS CLIENT TAIL);
    assert_int_equal(one->realms[0].n_clients, 1);
    assert_string_equal(one->realms[0].client_principal, "krbmon@EXAMPLE.COM");
    conf_free(one);
}

static void test_timeouts(void **state)
{
    static const struct timeout_case cases[] = {
        { "1", 1.0, "integer" },
        { "0.001", 0.001, "small float" },
        { "300", 300.0, "the upper limit, inclusive" },
        { "300.0", 300.0, "the upper limit as a float" },
        { "12L", 12.0, "64-bit integer" },
        { "1e1", 10.0, "exponent notation" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        char tmpl[512];
        struct conf *conf;

        snprintf(tmpl, sizeof(tmpl), R3("  timeout = %s;"), cases[i].value);
        conf = load_ok(tmpl);
        if (conf->realms[0].timeout != cases[i].expected) {
            print_message("%s: timeout = %s gave %g\n", cases[i].why,
                          cases[i].value, conf->realms[0].timeout);
            conf_free(conf);
            fail();
        }
        conf_free(conf);
    }
}

/* Keys that are only checked for existence must also keep their value. */
static void test_strings_are_copies(void **state)
{
    char *text = expand(HEAD KDCS CLIENT TAIL);
    struct conf *conf = NULL;
    struct conf_errors errs = { 0 };

    (void)state;
    assert_int_equal(conf_load_string(text, "copy.conf", &conf, &errs), 0);
    /* Scribbling over the input must not change what was loaded. */
    memset(text, 'Z', strlen(text));
    free(text);
    assert_string_equal(conf->realms[0].realm, "EXAMPLE.COM");
    assert_string_equal(conf->realms[0].kdcs[0].host, "kdc1.example.com");
    assert_string_equal(conf->path, "copy.conf");
    conf_free(conf);
}

/* ---- conf_load_file ---- */

struct file_case {
    const char *content;      /* expanded; NULL: do not create the file */
    size_t pad;               /* bytes of comment appended */
    int nul;                  /* put a NUL byte in the middle */
    unsigned mode;
    const char *expected;     /* substring with @FILE@; NULL: must load */
    const char *why;
};

static void test_load_file(void **state)
{
    static const struct file_case cases[] = {
        { HEAD KDCS CLIENT TAIL, 0, 0, 0600, NULL, "owner read-write" },
        { HEAD KDCS CLIENT TAIL, 0, 0, 0400, NULL, "owner read-only" },
        { HEAD KDCS CLIENT TAIL, 0, 0, 0640, "@FILE@: is accessible by group "
          "or others (mode 0640); run: chmod 600 @FILE@", "group-readable" },
        { HEAD KDCS CLIENT TAIL, 0, 0, 0644, "@FILE@: is accessible by group "
          "or others (mode 0644); run: chmod 600 @FILE@", "world-readable" },
        { HEAD KDCS CLIENT TAIL, 0, 0, 0602, "(mode 0602)",
          "world-writable only" },
        { NULL, 0, 0, 0, "@FILE@: cannot open: No such file or directory",
          "missing file" },
        { HEAD KDCS "  kdcs = ( \"kdc2\" );\n" CLIENT TAIL, 0, 0, 0600,
          "@FILE@:4: duplicate setting name", "syntax errors name the file" },
        { HEAD KDCS "  timeout = 0;\n" CLIENT TAIL, 0, 0, 0600,
          "@FILE@:4: realm \"EXAMPLE.COM\": timeout 0 is out of range",
          "validation errors name the file" },
        { HEAD KDCS CLIENT TAIL, 1024 * 1024, 0, 0600, "@FILE@: is larger "
          "than 1048576 bytes", "over the size limit" },
        { HEAD KDCS CLIENT TAIL, 1024 * 1024 - 400, 0, 0600, NULL,
          "just under the size limit" },
        { HEAD KDCS CLIENT TAIL, 0, 1, 0600, "@FILE@: contains a NUL byte",
          "a NUL would silently cut the text short" },
    };
    char path[128];

    (void)state;
    snprintf(path, sizeof(path), "%s/file.conf", tmpdir);
    for (size_t i = 0; i < COUNT(cases); i++) {
        const struct file_case *fc = &cases[i];
        struct conf *conf = NULL;
        struct conf_errors errs = { 0 };
        int ret, ok;

        unlink(path);
        if (fc->content != NULL) {
            char *text = expand(fc->content);
            size_t len = strlen(text);
            char *data = malloc(len + fc->pad + 1);

            assert_non_null(data);
            memcpy(data, text, len);
            if (fc->pad > 0) {
                memset(data + len, 'x', fc->pad);
                data[len] = '#';
                data[len + fc->pad - 1] = '\n';
            }
            if (fc->nul)
                data[len / 2] = '\0';
            assert_int_equal(write_file(path, data, len + fc->pad, fc->mode),
                             0);
            free(data);
            free(text);
        }
        ret = conf_load_file(path, &conf, &errs);
        if (fc->expected == NULL) {
            ok = ret == 0 && conf != NULL && errs.count == 0
                 && strcmp(conf->path, path) == 0;
        } else {
            char want[512];
            const char *at = strstr(fc->expected, "@FILE@");
            size_t used = 0;
            const char *from = fc->expected;

            /* Swap every @FILE@ for the path. */
            while (at != NULL) {
                used += (size_t)snprintf(want + used, sizeof(want) - used,
                                         "%.*s%s", (int)(at - from), from,
                                         path);
                from = at + 6;
                at = strstr(from, "@FILE@");
            }
            snprintf(want + used, sizeof(want) - used, "%s", from);
            ok = ret == -1 && conf == NULL && errs.count == 1
                 && has_message(&errs, want);
            if (!ok)
                print_message("    want: %s\n", want);
        }
        if (!ok) {
            print_message("case %zu (%s): ret %d\n", i, fc->why, ret);
            print_errors(&errs);
        }
        conf_free(conf);
        conf_errors_clear(&errs);
        assert_true(ok);
    }
    unlink(path);
}

static void test_load_file_directory(void **state)
{
    struct conf *conf = NULL;
    struct conf_errors errs = { 0 };
    char want[256];

    (void)state;
    /* The directory is 0700, so only its type can be the problem. */
    assert_int_equal(conf_load_file(dir, &conf, &errs), -1);
    assert_null(conf);
    assert_int_equal(errs.count, 1);
    snprintf(want, sizeof(want), "%s: is a directory", dir);
    assert_non_null(strstr(errs.messages[0], want));
    conf_errors_clear(&errs);
}

/* ---- the example config ---- */

/* Where conf/krb5_exporter.conf is: $KRB5EXP_SRCDIR, else next to __FILE__. */
static char *example_path(void)
{
    const char *src = getenv("KRB5EXP_SRCDIR");
    const char *tail = strstr(__FILE__, "tests/unit/test_conf.c");
    char *path = NULL;
    int n;

    if (src != NULL)
        n = asprintf(&path, "%s/conf/krb5_exporter.conf", src);
    else
        n = asprintf(&path, "%.*sconf/krb5_exporter.conf",
                     tail ? (int)(tail - __FILE__) : 0, __FILE__);
    assert_true(n > 0);
    return path;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;

    if (f == NULL)
        print_message("cannot open %s: %s (set KRB5EXP_SRCDIR)\n", path,
                      strerror(errno));
    assert_non_null(f);
    n = getdelim(&buf, &cap, '\0', f);
    fclose(f);
    assert_true(n > 0);
    return buf;
}

/*
 * The example must load as shipped, except that its files live in
 * /etc/krb5_exporter/: the test points those paths at a scratch directory
 * and makes each file the example names there, mode 0600.
 */
static void test_example(void **state)
{
    static const char prefix[] = "/etc/krb5_exporter/";
    char *path = example_path(), *orig = read_all(path), *text, *out;
    struct conf *conf = NULL;
    struct conf_errors errs = { 0 };
    size_t n_files = 0, len = 0;

    (void)state;
    text = malloc(strlen(orig) * 4 + 1);
    assert_non_null(text);
    for (const char *p = orig; *p != '\0';) {
        if (strncmp(p, prefix, sizeof(prefix) - 1) == 0) {
            len += (size_t)sprintf(text + len, "%s/", exdir);
            p += sizeof(prefix) - 1;
        } else {
            text[len++] = *p++;
        }
    }
    text[len] = '\0';
    /* Make every file named after the scratch directory in a string. */
    for (out = strstr(text, exdir); out != NULL;
         out = strstr(out + 1, exdir)) {
        size_t plen = strcspn(out, "\"\n");
        char file[256];

        if (out[plen] != '"' || plen >= sizeof(file))
            continue;
        memcpy(file, out, plen);
        file[plen] = '\0';
        assert_int_equal(write_file(file, "x\n", 2, 0600), 0);
        n_files++;
    }
    assert_true(n_files >= 2);

    if (conf_load_string(text, "krb5_exporter.conf", &conf, &errs) != 0)
        print_errors(&errs);
    assert_int_equal(errs.count, 0);
    assert_non_null(conf);
    /* What the example's comments promise about its three realms. */
    assert_int_equal(conf->n_realms, 3);
    assert_string_equal(conf->realms[0].realm, "EXAMPLE.COM");
    assert_non_null(conf->realms[0].keytab);
    assert_null(conf->realms[0].password_file);
    assert_int_equal(conf->realms[0].n_kdcs, 3);
    assert_string_equal(conf->realms[0].kdcs[2].host, "2001:db8::88");
    assert_int_equal(conf->realms[0].n_services, 2);
    assert_null(conf->realms[1].keytab);
    assert_non_null(conf->realms[1].password_file);
    assert_int_equal(conf->realms[1].transport, TRANSPORT_UDP);
    assert_int_equal(conf->realms[1].canonicalize, CANON_NONE);
    assert_true(conf->realms[1].timeout == 5.0);
    assert_int_equal(conf->realms[1].n_services, 0);
    assert_int_equal(conf->realms[2].n_clients, 2);
    assert_non_null(conf->realms[2].clients[0].keytab);
    assert_non_null(conf->realms[2].clients[1].password_file);
    assert_string_equal(conf->realms[2].clients[1].principal,
                        "sso-monitor@example.com");
    conf_free(conf);
    free(text);
    free(orig);
    free(path);
}

/* ---- the small things ---- */

static void test_errors_accumulate(void **state)
{
    struct conf *conf = NULL;
    struct conf_errors errs = { 0 };

    (void)state;
    assert_int_equal(conf_load_string("realms = ();", "a.conf", &conf, &errs),
                     -1);
    assert_int_equal(conf_load_string("", "b.conf", &conf, &errs), -1);
    assert_int_equal(errs.count, 2);
    assert_non_null(strstr(errs.messages[0], "a.conf:1:"));
    assert_non_null(strstr(errs.messages[1], "b.conf:"));
    conf_errors_clear(&errs);
    assert_int_equal(errs.count, 0);
    assert_null(errs.messages);
    conf_errors_clear(&errs);
    conf_free(NULL);
}

struct name_case {
    int value;
    const char *expected;
};

static void test_names(void **state)
{
    static const struct name_case transports[] = {
        { TRANSPORT_UDP, "udp" }, { TRANSPORT_TCP, "tcp" },
        { TRANSPORT_BOTH, "both" }, { 17, "unknown" },
    };
    static const struct name_case canons[] = {
        { CANON_NONE, "none" }, { CANON_FORWARD, "forward" },
        { CANON_REVERSE, "reverse" }, { -1, "unknown" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(transports); i++)
        assert_string_equal(
            conf_transport_name((enum conf_transport)transports[i].value),
            transports[i].expected);
    for (size_t i = 0; i < COUNT(canons); i++)
        assert_string_equal(conf_canon_name((enum conf_canon)canons[i].value),
                            canons[i].expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_reject_unreadable),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_all_keys),
        cmocka_unit_test(test_max_in_flight),
        cmocka_unit_test(test_dns_and_discovery),
        cmocka_unit_test(test_web),
        cmocka_unit_test(test_kdc_entries),
        cmocka_unit_test(test_kpasswd_entries),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_strings_are_copies),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_load_file_directory),
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_errors_accumulate),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_service_keytabs),
        cmocka_unit_test(test_service_urls),
        cmocka_unit_test(test_clients),
        cmocka_unit_test(test_no_client),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
