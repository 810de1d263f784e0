/* Unit tests for probes/dnsparse: URI records, SRV order, canonical names,
 * service principals and KDC target labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/dnsparse.h"

struct uri_case {
    const char *uri;
    int ret;
    const char *host;
    unsigned short port;
    enum kdc_proto proto;
    int primary;
    const char *why;
};

static const struct uri_case uri_cases[] = {
    { "krb5srv::udp:kdc1.example.com", 0, "kdc1.example.com", 88,
      KDC_PROTO_UDP, 0, "no flags, default port" },
    { "krb5srv:m:tcp:KDC2.Example.COM.:750", 0, "kdc2.example.com", 750,
      KDC_PROTO_TCP, 1, "primary flag, port, case and trailing dot" },
    { "KRB5SRV:M:UDP:kdc:88", 0, "kdc", 88, KDC_PROTO_UDP, 1,
      "scheme and transport case-insensitive" },
    { "krb5srv::udp:[2001:db8::1]:8888", 0, "2001:db8::1", 8888,
      KDC_PROTO_UDP, 0, "bracketed IPv6 with port" },
    { "krb5srv::tcp:[::1]", 0, "::1", 88, KDC_PROTO_TCP, 0,
      "bracketed IPv6 without port" },
    { "krb5srv:m:kkdcp:https://kdc.example.com/KdcProxy", 1, NULL, 0, 0, 0,
      "HTTPS proxy: well-formed, not used" },
    { "krb5srv::sctp:kdc", -1, NULL, 0, 0, 0, "unknown transport" },
    { "krb5srv::udp:", -1, NULL, 0, 0, 0, "no host" },
    { "krb5srv::udp:kdc:0", -1, NULL, 0, 0, 0, "port zero" },
    { "krb5srv::udp:kdc:99999", -1, NULL, 0, 0, 0, "port too large" },
    { "krb5srv::udp:kdc:88x", -1, NULL, 0, 0, 0, "junk after port" },
    { "krb5srv::udp:2001:db8::1", -1, NULL, 0, 0, 0,
      "IPv6 without brackets" },
    { "krb5srv::udp:[::1", -1, NULL, 0, 0, 0, "unterminated bracket" },
    { "krb5srv::udp:[kdc.example.com]", -1, NULL, 0, 0, 0,
      "a name in brackets" },
    { "krb5srv::udp:kdc one.example.com", -1, NULL, 0, 0, 0,
      "space in the host" },
    { "krb5srv::udp:kdc/x", -1, NULL, 0, 0, 0, "slash in the host" },
    { "krb5srv::udp:kdc:+88", -1, NULL, 0, 0, 0, "signed port" },
    { "krb5srv::udp:.", -1, NULL, 0, 0, 0, "a lone dot leaves no host" },
    { "krb5srv:udp:kdc", -1, NULL, 0, 0, 0, "missing flags field" },
    { "http://kdc.example.com", -1, NULL, 0, 0, 0, "other scheme" },
    { "", -1, NULL, 0, 0, 0, "empty" },
};

static void
uri_records(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(uri_cases) / sizeof(uri_cases[0]); i++) {
        const struct uri_case *c = &uri_cases[i];
        struct kdc_spec spec;
        int ret;

        memset(&spec, 0xa5, sizeof(spec));
        print_message("case \"%s\": %s\n", c->uri, c->why);
        ret = dnsparse_uri(c->uri, &spec);
        assert_int_equal(ret, c->ret);
        if (ret != 0)
            continue;
        assert_string_equal(spec.host, c->host);
        assert_int_equal(spec.port, c->port);
        assert_int_equal(spec.proto, c->proto);
        assert_int_equal(spec.primary, c->primary);
    }
}

static struct srv_record
srv(unsigned short prio, unsigned short weight, const char *target)
{
    struct srv_record r;

    memset(&r, 0, sizeof(r));
    r.priority = prio;
    r.weight = weight;
    r.port = 88;
    strcpy(r.target, target);
    return r;
}

static void
srv_order(void **state)
{
    struct srv_record recs[] = {
        srv(20, 0, "backup.example.com."),
        srv(10, 5, "light.example.com"),
        srv(10, 50, "HEAVY.example.com"),
        srv(0, 0, "."),
        srv(10, 5, "light2.example.com"),
        srv(5, 0, "first.example.com"),
    };
    const char *want[] = { "first.example.com", "heavy.example.com",
                           "light.example.com", "light2.example.com",
                           "backup.example.com" };
    size_t n;

    (void)state;
    n = dnsparse_sort_srv(recs, sizeof(recs) / sizeof(recs[0]));
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(recs[i].target, want[i]);
    assert_int_equal(dnsparse_sort_srv(recs, 0), 0);
}

static void
srv_only_unavailable(void **state)
{
    struct srv_record recs[] = { srv(0, 0, ".") };

    (void)state;
    assert_int_equal(dnsparse_sort_srv(recs, 1), 0);
}

struct cname_case {
    const char *query;
    const char *aliases[4];
    const char *names[4];
    size_t n;
    int ret;
    const char *want;
    const char *why;
};

static const struct cname_case cname_cases[] = {
    { "www.example.com", { NULL }, { NULL }, 0, 0, "www.example.com",
      "no CNAME: the name itself" },
    { "WWW.Example.com.", { NULL }, { NULL }, 0, 0, "www.example.com",
      "lowercased, trailing dot dropped" },
    { "www.example.com", { "www.example.com" }, { "web01.example.com" }, 1, 0,
      "web01.example.com", "one CNAME" },
    { "a.example", { "b.example", "a.example." }, { "c.example", "B.example" },
      2, 0, "c.example", "chain given out of order, case and dots differ" },
    { "a.example", { "a.example", "b.example" }, { "b.example", "a.example" },
      2, -1, NULL, "CNAME loop" },
    { "x.example", { "other.example" }, { "y.example" }, 1, 0, "x.example",
      "unrelated CNAME is ignored" },
};

static void
cname_chains(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cname_cases) / sizeof(cname_cases[0]);
         i++) {
        const struct cname_case *c = &cname_cases[i];
        char out[256] = "unchanged";
        int ret;

        print_message("case: %s\n", c->why);
        ret = dnsparse_follow_cnames(c->query, c->aliases, c->names, c->n,
                                     out, sizeof(out));
        assert_int_equal(ret, c->ret);
        if (ret == 0)
            assert_string_equal(out, c->want);
    }
}

static void
cname_too_long(void **state)
{
    char out[8];

    (void)state;
    assert_int_equal(dnsparse_follow_cnames("long.example.com", NULL, NULL, 0,
                                            out, sizeof(out)),
                     -1);
}

struct spn_case {
    const char *service;
    const char *host;
    const char *canon;
    const char *principal;
    const char *why;
};

static const struct spn_case spn_cases[] = {
    { "HTTP/www.example.com", "www.example.com", "web01.example.com",
      "HTTP/web01.example.com@EXAMPLE.COM", "realm appended" },
    { "host/files.example.com@OTHER.ORG", "files.example.com",
      "fs1.example.com", "host/fs1.example.com@OTHER.ORG",
      "realm kept when given" },
    { "MSSQLSvc/db.example.com:1433", "db.example.com", "sql1.example.com",
      "MSSQLSvc/sql1.example.com:1433@EXAMPLE.COM", "port kept" },
    { "ldap/dc1.example.com/example.com", "dc1.example.com",
      "dc1.corp.example.com", "ldap/dc1.corp.example.com/example.com@EXAMPLE.COM",
      "third component kept" },
    { "krbtgt", NULL, NULL, NULL, "no host component" },
    { "/host", NULL, NULL, NULL, "empty service type" },
    { "HTTP/", NULL, NULL, NULL, "empty host" },
    { "HTTP/@EXAMPLE.COM", NULL, NULL, NULL, "empty host before realm" },
};

static void
service_principals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(spn_cases) / sizeof(spn_cases[0]); i++) {
        const struct spn_case *c = &spn_cases[i];
        char host[256];
        char *p;

        print_message("case \"%s\": %s\n", c->service, c->why);
        if (c->host == NULL) {
            assert_int_equal(dnsparse_service_host(c->service, host,
                                                   sizeof(host)),
                             -1);
            assert_null(dnsparse_service_principal(c->service, "x",
                                                   "EXAMPLE.COM"));
            continue;
        }
        assert_int_equal(dnsparse_service_host(c->service, host,
                                               sizeof(host)),
                         0);
        assert_string_equal(host, c->host);
        p = dnsparse_service_principal(c->service, c->canon, "EXAMPLE.COM");
        assert_non_null(p);
        assert_string_equal(p, c->principal);
        free(p);
    }
}

static void
kdc_targets(void **state)
{
    struct kdc_spec spec;
    char buf[300];

    (void)state;
    memset(&spec, 0, sizeof(spec));
    strcpy(spec.host, "kdc1.example.com");
    spec.port = 88;
    spec.proto = KDC_PROTO_UDP;
    dnsparse_kdc_target(&spec, buf);
    assert_string_equal(buf, "udp/kdc1.example.com:88");
    strcpy(spec.host, "2001:db8::1");
    spec.port = 750;
    spec.proto = KDC_PROTO_TCP;
    dnsparse_kdc_target(&spec, buf);
    assert_string_equal(buf, "tcp/[2001:db8::1]:750");
    assert_string_equal(dnsparse_proto_name(KDC_PROTO_UDP), "udp");
    assert_string_equal(dnsparse_proto_name(KDC_PROTO_TCP), "tcp");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uri_records),
        cmocka_unit_test(srv_order),
        cmocka_unit_test(srv_only_unavailable),
        cmocka_unit_test(cname_chains),
        cmocka_unit_test(cname_too_long),
        cmocka_unit_test(service_principals),
        cmocka_unit_test(kdc_targets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
