/* Unit tests for the pure parts of the probes: the in-memory profile, KDC
 * reply judgement, result splicing and principal defaults. */
#include <errno.h>
#include <profile.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <krb5/krb5.h>

#include "probes/discovery.h"
#include "probes/kdc.h"
#include "probes/kdcio.h"
#include "probes/kdcreply.h"
#include "probes/krbprofile.h"
#include "probes/realmctx.h"
#include "probes/result.h"
#include "probes/service.h"
#include "probes/trace.h"

static struct conf_realm
realm_conf(void)
{
    struct conf_realm r;

    memset(&r, 0, sizeof(r));
    r.realm = (char *)(uintptr_t) "EXAMPLE.COM";
    r.clockskew = 120;
    r.timeout = 5;
    return r;
}

static void
add_target(struct kdc_set *set, const char *host, unsigned short port,
           enum kdc_proto proto)
{
    struct kdc_spec spec;

    memset(&spec, 0, sizeof(spec));
    strcpy(spec.host, host);
    spec.port = port;
    spec.proto = proto;
    assert_int_equal(discovery_add_specs(set, TRANSPORT_BOTH, &spec, 1), 0);
}

static void
profile_holds_the_realm(void **state)
{
    struct conf_realm r = realm_conf();
    struct kdc_set set;
    struct krbprofile p;
    const char *kdc_names[] = { "realms", "EXAMPLE.COM", "kdc", NULL };
    const char *sync_names[] = { "libdefaults", "kdc_timesync", NULL };
    const char *skew_names[] = { "libdefaults", "clockskew", NULL };
    const char *none[] = { "libdefaults", "no_such_thing", NULL };
    char **values = NULL;

    (void)state;
    memset(&set, 0, sizeof(set));
    memset(&p, 0, sizeof(p));
    add_target(&set, "kdc1.example.com", 88, KDC_PROTO_UDP);
    add_target(&set, "2001:db8::1", 750, KDC_PROTO_UDP);
    /* The same host and port over TCP is one profile entry, not two. */
    add_target(&set, "kdc1.example.com", 88, KDC_PROTO_TCP);
    assert_int_equal(set.n, 3);
    assert_int_equal(krbprofile_build(&p, &r, &set), 0);

    /* Sorted, so that the same KDCs in another order make the same
     * profile. */
    assert_int_equal(krbprofile_lookup(&p, kdc_names, &values), 0);
    assert_string_equal(values[0], "[2001:db8::1]:750");
    assert_string_equal(values[1], "kdc1.example.com:88");
    assert_null(values[2]);
    krbprofile_free_values(values);

    /* libkrb5 reads kdc_timesync as an integer: "false" would not parse. */
    assert_int_equal(krbprofile_lookup(&p, sync_names, &values), 0);
    assert_string_equal(values[0], "0");
    krbprofile_free_values(values);
    assert_int_equal(krbprofile_lookup(&p, skew_names, &values), 0);
    assert_string_equal(values[0], "120");
    krbprofile_free_values(values);
    assert_int_equal(krbprofile_lookup(&p, none, &values), ENOENT);

    krbprofile_free(&p);
    discovery_free(&set);
}

/* A profile from the KDCs of set under r, into p. */
static void
build_profile(struct krbprofile *p, const struct conf_realm *r,
              const char *const *hosts)
{
    struct kdc_set set;

    memset(&set, 0, sizeof(set));
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; hosts[i] != NULL; i++)
        add_target(&set, hosts[i], 88, KDC_PROTO_UDP);
    assert_int_equal(krbprofile_build(p, r, &set), 0);
    discovery_free(&set);
}

/* Whether a kept krb5 context may serve the next probe of a realm. */
static void
profile_equality(void **state)
{
    static const struct {
        const char *hosts_a[3];
        const char *hosts_b[3];
        double skew_b;
        int equal;
        const char *why;
    } cases[] = {
        { { "kdc1", "kdc2", NULL }, { "kdc1", "kdc2", NULL }, 120, 1,
          "the same KDCs and settings" },
        { { "kdc1", "kdc2", NULL }, { "kdc2", "kdc1", NULL }, 120, 1,
          "the same KDCs in another order, as DNS may give them" },
        { { "kdc1", "kdc2", NULL }, { "kdc1", "kdc3", NULL }, 120, 0,
          "another KDC" },
        { { "kdc1", "kdc2", NULL }, { "kdc1", NULL, NULL }, 120, 0,
          "one KDC fewer" },
        { { "kdc1", NULL, NULL }, { "kdc1", NULL, NULL }, 300, 0,
          "another clockskew" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct conf_realm ra = realm_conf(), rb = realm_conf();
        struct krbprofile a, b;

        rb.clockskew = cases[i].skew_b;
        build_profile(&a, &ra, cases[i].hosts_a);
        build_profile(&b, &rb, cases[i].hosts_b);
        if (krbprofile_equal(&a, &b) != cases[i].equal ||
            krbprofile_equal(&b, &a) != cases[i].equal)
            fail_msg("case %zu (%s): expected %s", i, cases[i].why,
                     cases[i].equal ? "equal" : "different");
        krbprofile_free(&a);
        krbprofile_free(&b);
    }
}

/* A probe's session for r with the KDCs hosts, with the realm state st. */
static struct realm_ctx *
open_ctx(const struct conf_realm *r, const char *const *hosts,
         struct realm_state *st, struct kdc_set *set)
{
    struct realm_ctx *rc = NULL;

    memset(set, 0, sizeof(*set));
    for (size_t i = 0; hosts[i] != NULL; i++)
        add_target(set, hosts[i], 88, KDC_PROTO_UDP);
    assert_int_equal(realmctx_open(r, set, 0, NULL, st, &rc), 0);
    assert_non_null(rc);
    assert_ptr_equal(rc->conf, r);
    assert_ptr_equal(rc->ctx, rc->kept->ctx);
    return rc;
}

/* A realm's next probe gets the context its last one gave back, and only
 * while the KDCs and settings are the same. */
static void
contexts_are_kept_per_realm(void **state)
{
    static const char *const two[] = { "kdc1", "kdc2", NULL };
    static const char *const two_swapped[] = { "kdc2", "kdc1", NULL };
    static const char *const other[] = { "kdc3", NULL };
    struct conf_realm r = realm_conf(), s = realm_conf();
    struct realm_states states;
    struct realm_state *st_r, *st_s;
    struct kdc_set set_a, set_b;
    struct realm_ctx *a, *b;
    krb5_context kept;

    (void)state;
    s.realm = (char *)(uintptr_t) "OTHER.EXAMPLE.COM";
    realmstates_init(&states);
    st_r = realmstates_get(&states, r.realm);
    st_s = realmstates_get(&states, s.realm);
    assert_non_null(st_r);
    assert_non_null(st_s);
    assert_ptr_equal(realmstates_get(&states, r.realm), st_r);
    assert_ptr_not_equal(st_r, st_s);

    a = open_ctx(&r, two, st_r, &set_a);
    kept = a->ctx;
    realmctx_close(a);
    discovery_free(&set_a);
    assert_non_null(st_r->idle);

    /* The same KDCs, in another order: the same context, taken out. */
    a = open_ctx(&r, two_swapped, st_r, &set_a);
    assert_ptr_equal(a->ctx, kept);
    assert_null(st_r->idle);

    /* While it is out, a second probe of the realm gets its own. */
    b = open_ctx(&r, two, st_r, &set_b);
    assert_ptr_not_equal(b->ctx, kept);
    realmctx_close(a);
    realmctx_close(b);
    discovery_free(&set_a);
    discovery_free(&set_b);
    assert_non_null(st_r->idle);          /* one per realm */

    /* Another realm does not take it. */
    a = open_ctx(&s, two, st_s, &set_a);
    assert_non_null(st_r->idle);
    realmctx_close(a);
    discovery_free(&set_a);
    assert_non_null(st_s->idle);

    /* Other KDCs: a new context, and the stale one is gone. */
    a = open_ctx(&r, other, st_r, &set_a);
    assert_null(st_r->idle);
    realmctx_close(a);
    discovery_free(&set_a);

    /* A reload drops them all. */
    realmstates_reloaded(&states);
    assert_null(st_r->idle);
    assert_null(st_s->idle);
    a = open_ctx(&r, other, NULL, &set_a);
    realmctx_close(a);                    /* no state: freed */
    discovery_free(&set_a);
    assert_null(st_r->idle);
    realmstates_destroy(&states);
}

/* The profile really drives a krb5 context. */
static void
profile_makes_a_context(void **state)
{
    struct conf_realm r = realm_conf();
    struct kdc_set set;
    struct krbprofile p;
    profile_t profile = NULL;
    krb5_context ctx = NULL;
    char *realm = NULL;

    (void)state;
    memset(&set, 0, sizeof(set));
    memset(&p, 0, sizeof(p));
    add_target(&set, "127.0.0.1", 8888, KDC_PROTO_UDP);
    assert_int_equal(krbprofile_build(&p, &r, &set), 0);
    assert_int_equal(krbprofile_open(&p, (void **)&profile), 0);
    assert_int_equal(krb5_init_context_profile(profile, 0, &ctx), 0);
    profile_release(profile);
    assert_int_equal(krb5_get_default_realm(ctx, &realm), 0);
    assert_string_equal(realm, "EXAMPLE.COM");
    krb5_free_default_realm(ctx, realm);
    krb5_free_context(ctx);
    krbprofile_free(&p);
    discovery_free(&set);
}

/* Collects libkrb5's trace lines, one after another, without the
 * "[pid] time: " each starts with. */
static void KRB5_CALLCONV
collect_trace(krb5_context ctx, const krb5_trace_info *info, void *data)
{
    const char *text;

    (void)ctx;
    if (info == NULL)
        return;
    text = strstr(info->message, ": ");
    text = text != NULL ? text + 2 : info->message;
    strncat(data, text, 8191 - strlen(data));
}

/*
 * The profile switches PKINIT off, so that libkrb5 does not try to load
 * pkinit.so (seldom installed) and a debug trace starts with the exchange;
 * the other preauth mechanisms stay on.  Checked on the first step of an
 * AS exchange, which is where libkrb5 loads its preauth modules (the step
 * only makes the request: nothing is sent).
 */
static void
profile_disables_pkinit(void **state)
{
    struct conf_realm r = realm_conf();
    struct kdc_set set;
    struct krbprofile p;
    const char *disable[] = { "plugins", "clpreauth", "disable", NULL };
    const char *enable_only[] = { "plugins", "clpreauth", "enable_only",
                                  NULL };
    char **values = NULL;
    profile_t profile = NULL;
    krb5_context ctx = NULL;
    krb5_principal client = NULL;
    krb5_init_creds_context icc = NULL;
    krb5_data in = { 0, 0, NULL }, out = { 0, 0, NULL }, realm = { 0, 0, NULL };
    unsigned int flags = 0;
    static char trace[8192];

    (void)state;
    memset(&set, 0, sizeof(set));
    memset(&p, 0, sizeof(p));
    add_target(&set, "127.0.0.1", 8888, KDC_PROTO_UDP);
    assert_int_equal(krbprofile_build(&p, &r, &set), 0);
    /* Only PKINIT: encrypted timestamp (AD), encrypted challenge (FAST)
     * and the others are left as libkrb5 has them. */
    assert_int_equal(krbprofile_lookup(&p, disable, &values), 0);
    assert_string_equal(values[0], "pkinit");
    assert_null(values[1]);
    krbprofile_free_values(values);
    assert_int_equal(krbprofile_lookup(&p, enable_only, &values), ENOENT);

    assert_int_equal(krbprofile_open(&p, (void **)&profile), 0);
    assert_int_equal(krb5_init_context_profile(profile, 0, &ctx), 0);
    profile_release(profile);
    trace[0] = '\0';
    assert_int_equal(krb5_set_trace_callback(ctx, collect_trace, trace), 0);
    assert_int_equal(krb5_parse_name(ctx, "krbmon@EXAMPLE.COM", &client), 0);
    assert_int_equal(krb5_init_creds_init(ctx, client, NULL, NULL, 0, NULL,
                                          &icc), 0);
    assert_int_equal(krb5_init_creds_set_password(ctx, icc, "secret"), 0);
    assert_int_equal(krb5_init_creds_step(ctx, icc, &in, &out, &realm,
                                          &flags), 0);
    assert_true(flags & KRB5_INIT_CREDS_STEP_FLAG_CONTINUE);
    assert_true(out.length > 0);
    if (strncmp(trace, "Getting initial credentials for krbmon@EXAMPLE.COM",
                50) != 0 || strstr(trace, "pkinit") != NULL)
        fail_msg("the trace does not start with the exchange:\n%s", trace);
    assert_non_null(strstr(trace, "Sending unauthenticated request"));

    krb5_free_data_contents(ctx, &out);
    krb5_free_data_contents(ctx, &realm);
    krb5_init_creds_free(ctx, icc);
    krb5_free_principal(ctx, client);
    krb5_free_context(ctx);
    krbprofile_free(&p);
    discovery_free(&set);
}

static void
discovery_dedupes_and_filters(void **state)
{
    struct kdc_spec specs[3];
    struct kdc_set set;

    (void)state;
    memset(specs, 0, sizeof(specs));
    memset(&set, 0, sizeof(set));
    strcpy(specs[0].host, "kdc1");
    specs[0].port = 88;
    specs[0].proto = KDC_PROTO_UDP;
    specs[1] = specs[0];
    specs[2] = specs[0];
    specs[2].proto = KDC_PROTO_TCP;
    assert_int_equal(discovery_add_specs(&set, TRANSPORT_UDP, specs, 3), 0);
    assert_int_equal(set.n, 1);
    assert_string_equal(set.items[0].label, "udp/kdc1:88");
    assert_int_equal(discovery_add_specs(&set, TRANSPORT_TCP, specs, 3), 0);
    assert_int_equal(set.n, 2);
    assert_string_equal(set.items[1].label, "tcp/kdc1:88");
    discovery_free(&set);
}

static void
replies_by_tag(void **state)
{
    const unsigned char as_rep[] = { 0x6b, 0x01 }, tgs_rep[] = { 0x6d, 0x01 },
                        krb_error[] = { 0x7e, 0x01 }, junk[] = { 'h', 'i' },
                        as_req[] = { 0x6a, 0x01 };

    (void)state;
    assert_true(kdcio_looks_like_reply(as_rep, 2));
    assert_true(kdcio_looks_like_reply(tgs_rep, 2));
    assert_true(kdcio_looks_like_reply(krb_error, 2));
    assert_false(kdcio_looks_like_reply(junk, 2));
    assert_false(kdcio_looks_like_reply(as_req, 2));
    assert_false(kdcio_looks_like_reply(krb_error, 1));
}

/* A real KRB-ERROR made by libkrb5 is judged up, with the KDC's time. */
static void
judge_krb_error(void **state)
{
    krb5_context ctx = NULL;
    krb5_error err;
    krb5_data out = { 0, 0, NULL };
    krb5_principal server = NULL;
    struct kdc_verdict v;

    (void)state;
    assert_int_equal(krb5_init_context(&ctx), 0);
    assert_int_equal(krb5_parse_name(ctx, "krbtgt/EXAMPLE.COM@EXAMPLE.COM",
                                     &server), 0);
    memset(&err, 0, sizeof(err));
    err.stime = 1800000000;
    err.susec = 250000;
    err.error = KRB5KDC_ERR_PREAUTH_REQUIRED - ERROR_TABLE_BASE_krb5;
    err.server = server;
    assert_int_equal(krb5_mk_error(ctx, &err, &out), 0);

    v = kdc_judge_reply(ctx, "EXAMPLE.COM", (const unsigned char *)out.data,
                        out.length);
    assert_true(v.up);
    assert_true(v.has_skew);
    assert_true(v.kdc_time > 1800000000.24 && v.kdc_time < 1800000000.26);

    /* The same KDC is no KDC of another realm. */
    v = kdc_judge_reply(ctx, "OTHER.ORG", (const unsigned char *)out.data,
                        out.length);
    assert_false(v.up);
    assert_int_equal(v.error.code, KRB5KDC_ERR_WRONG_REALM);

    /* Cut short, the same bytes no longer decode. */
    v = kdc_judge_reply(ctx, "EXAMPLE.COM", (const unsigned char *)out.data,
                        out.length / 2);
    assert_false(v.up);
    assert_int_equal(v.error.space, ERR_SPACE_KRB5);
    assert_int_not_equal(v.error.code, 0);

    v = kdc_judge_reply(ctx, "EXAMPLE.COM", (const unsigned char *)"hello", 5);
    assert_false(v.up);
    assert_int_equal(v.error.code, KRB5KRB_AP_ERR_MSG_TYPE);

    /* The tag of an AS-REP in front of anything else is no AS-REP. */
    v = kdc_judge_reply(ctx, "EXAMPLE.COM",
                        (const unsigned char *)"\x6b\x05junk!", 7);
    assert_false(v.up);
    assert_int_equal(v.error.code, KRB5KRB_AP_ERR_MSG_TYPE);

    krb5_free_data_contents(ctx, &out);
    krb5_free_principal(ctx, server);
    krb5_free_context(ctx);
}

/* Read a file of the committed fuzz corpus: real replies of a real KDC. */
static unsigned char *
corpus_file(const char *name, size_t *len_out)
{
    const char *src = getenv("KRB5EXP_SRCDIR");
    char path[1024];
    unsigned char *buf = malloc(65536);
    FILE *f;

    snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/kdc/%s",
             src != NULL ? src : ".", name);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_non_null(buf);
    *len_out = fread(buf, 1, 65536, f);
    fclose(f);
    return buf;
}

struct reply_case {
    const char *file;
    int ok;
    enum kdcreply_type type;
    long error_code;
};

static void
kdc_reply_frames(void **state)
{
    static const struct reply_case cases[] = {
        { "as-rep", 1, KDCREPLY_AS_REP, 0 },
        { "krb-error-preauth-required", 1, KDCREPLY_ERROR, 25 },
        { "krb-error-client-revoked", 1, KDCREPLY_ERROR, 18 },
        { "krb-error-client-unknown", 1, KDCREPLY_ERROR, 6 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct kdcreply_info info;
        size_t len;
        unsigned char *buf = corpus_file(cases[i].file, &len);

        print_message("case %s\n", cases[i].file);
        assert_int_equal(kdcreply_parse(buf, len, &info), 0);
        assert_int_equal(info.type, cases[i].type);
        assert_true(strlen(info.realm) > 0);
        /* An AS-REP's ticket is the realm's own TGT. */
        if (info.type == KDCREPLY_AS_REP)
            assert_string_equal(info.ticket_realm, info.realm);
        assert_true(kdcreply_speaks_for(&info, info.realm));
        assert_int_equal(info.error_code, cases[i].error_code);
        /* Every strict prefix, and one byte more, is refused. */
        for (size_t cut = 0; cut < len; cut++)
            assert_int_equal(kdcreply_parse(buf, cut, &info), -1);
        buf[len] = 0;
        assert_int_equal(kdcreply_parse(buf, len + 1, &info), -1);
        /* So is the same frame with the pvno changed. */
        for (size_t k = 0; k + 4 < len; k++) {
            if (buf[k] == 0xa0 && buf[k + 1] == 0x03 && buf[k + 2] == 0x02 &&
                buf[k + 3] == 0x01 && buf[k + 4] == 0x05) {
                buf[k + 4] = 4;
                assert_int_equal(kdcreply_parse(buf, len, &info), -1);
                break;
            }
        }
        free(buf);
    }
}

/* Append a DER element of tag around n bytes of contents to b. */
static size_t
der_put(unsigned char *b, size_t at, unsigned char tag,
        const unsigned char *contents, size_t n)
{
    b[at++] = tag;
    b[at++] = (unsigned char)n;     /* short form: n < 128 here */
    memcpy(b + at, contents, n);
    return at + n;
}

/* A GeneralString [tag] wrapper around s, into b. */
static size_t
der_realm(unsigned char *b, unsigned char tag, const char *s)
{
    unsigned char gs[64];
    size_t n = der_put(gs, 0, 0x1b, (const unsigned char *)s, strlen(s));

    return der_put(b, 0, tag, gs, n);
}

/*
 * A cross-realm TGS-REP, as B.TEST's KDC sends a client of A.TEST in a
 * trust walk: crealm A.TEST, the ticket B.TEST's.  It speaks for B.TEST,
 * not for the client's realm; a KRB-ERROR speaks for its own realm field.
 */
static void
kdc_reply_ticket_realm(void **state)
{
    static const unsigned char pvno[] = { 0x02, 0x01, 0x05 };
    static const unsigned char type[] = { 0x02, 0x01, 0x0d };
    static const unsigned char empty_seq[] = { 0x30, 0x00 };
    unsigned char tkt_seq[128], tkt[128], el[128], seq[256], msg[300];
    unsigned char tmp[128];
    size_t n, t, k;
    struct kdcreply_info info;

    (void)state;
    /* Ticket ::= [APPLICATION 1] SEQUENCE { [0] 5, [1] "B.TEST", [2] {},
     * [3] {} } */
    k = der_put(tkt_seq, 0, 0xa0, pvno, sizeof(pvno));
    n = der_realm(tmp, 0xa1, "B.TEST");
    memcpy(tkt_seq + k, tmp, n);
    k += n;
    k = der_put(tkt_seq, k, 0xa2, empty_seq, sizeof(empty_seq));
    k = der_put(tkt_seq, k, 0xa3, empty_seq, sizeof(empty_seq));
    t = der_put(tmp, 0, 0x30, tkt_seq, k);
    t = der_put(tkt, 0, 0x61, tmp, t);
    /* KDC-REP ::= SEQUENCE { [0] 5, [1] 13, [3] "A.TEST", [4] {},
     * [5] ticket, [6] {} } */
    k = der_put(el, 0, 0xa0, pvno, sizeof(pvno));
    k = der_put(el, k, 0xa1, type, sizeof(type));
    n = der_realm(tmp, 0xa3, "A.TEST");
    memcpy(el + k, tmp, n);
    k += n;
    k = der_put(el, k, 0xa4, empty_seq, sizeof(empty_seq));
    k = der_put(el, k, 0xa5, tkt, t);
    k = der_put(el, k, 0xa6, empty_seq, sizeof(empty_seq));
    n = der_put(seq, 0, 0x30, el, k);
    n = der_put(msg, 0, 0x6d, seq, n);
    assert_int_equal(kdcreply_parse(msg, n, &info), 0);
    assert_int_equal(info.type, KDCREPLY_TGS_REP);
    assert_string_equal(info.realm, "A.TEST");
    assert_string_equal(info.ticket_realm, "B.TEST");
    assert_int_equal(info.ticket_len, t);
    assert_memory_equal(msg + info.ticket_off, tkt, t);
    assert_true(kdcreply_speaks_for(&info, "B.TEST"));
    assert_true(kdcreply_speaks_for(&info, "b.test"));
    assert_false(kdcreply_speaks_for(&info, "A.TEST"));
    assert_int_equal(kdcio_reply_for_realm(msg, n, "B.TEST"), 1);
    assert_int_equal(kdcio_reply_for_realm(msg, n, "A.TEST"), -1);
    /* A KDC-REP without its ticket is no reply. */
    k = der_put(el, 0, 0xa0, pvno, sizeof(pvno));
    k = der_put(el, k, 0xa1, type, sizeof(type));
    n = der_realm(tmp, 0xa3, "A.TEST");
    memcpy(el + k, tmp, n);
    k += n;
    n = der_put(seq, 0, 0x30, el, k);
    n = der_put(msg, 0, 0x6d, seq, n);
    assert_int_equal(kdcreply_parse(msg, n, &info), -1);
}

static void
splice_puts_probes_in_place(void **state)
{
    struct realm_result r, k;
    const struct probe_error ok = { ERR_SPACE_KRB5, 0 };

    (void)state;
    memset(&r, 0, sizeof(r));
    memset(&k, 0, sizeof(k));
    result_add_probe(&r, PROBE_DISCOVERY, strdup("R"), 1, 0, ok, NULL);
    result_add_probe(&r, PROBE_TGT, strdup("c@R"), 1, 0, ok, NULL);
    result_add_probe(&k, PROBE_KDC, strdup("udp/a:88"), 1, 0, ok, NULL);
    result_add_probe(&k, PROBE_KDC, strdup("tcp/a:88"), 1, 0, ok, NULL);
    result_add_kdc(&k, strdup("udp/a:88"), 1, 2.5);
    assert_int_equal(result_splice(&r, 1, &k), 0);
    assert_int_equal(r.n_probes, 4);
    assert_int_equal(r.probes[0].kind, PROBE_DISCOVERY);
    assert_string_equal(r.probes[1].target, "udp/a:88");
    assert_string_equal(r.probes[2].target, "tcp/a:88");
    assert_int_equal(r.probes[3].kind, PROBE_TGT);
    assert_int_equal(r.n_kdcs, 1);
    assert_true(r.kdcs[0].skew_seconds == 2.5);
    assert_int_equal(k.n_probes, 0);
    /* Splicing nothing, past the end, changes nothing. */
    assert_int_equal(result_splice(&r, 99, &k), 0);
    assert_int_equal(r.n_probes, 4);
    result_clear(&r);
    result_clear(&k);
}

static void
principal_defaults(void **state)
{
    struct {
        const char *name;
        const char *want;
    } cases[] = {
        { "krbmon", "krbmon@EXAMPLE.COM" },
        { "krbmon@OTHER.ORG", "krbmon@OTHER.ORG" },
        { "HTTP/www.example.com", "HTTP/www.example.com@EXAMPLE.COM" },
        { "odd\\@name", "odd\\@name@EXAMPLE.COM" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *p = service_default_principal(cases[i].name, "EXAMPLE.COM");
        assert_string_equal(p, cases[i].want);
        free(p);
    }
}

static void
trace_redaction(void **state)
{
    struct {
        const char *in;
        const char *want;
    } cases[] = {
        { "AS key obtained for encrypted timestamp: aes256-cts/1A2B\n",
          "AS key obtained for encrypted timestamp: aes256-cts/<redacted>" },
        { "session key is: rc4-hmac/00FF, then aes128-cts/ABCD",
          "session key is: rc4-hmac/<redacted>, then aes128-cts/<redacted>" },
        { "Encrypted timestamp (for 1795305700.267542): plain "
          "301AA011180F3230, encrypted 62E7910BBE8647D54702F2BF",
          "Encrypted timestamp (for 1795305700.267542): plain "
          "<8 bytes redacted>, encrypted <12 bytes redacted>" },
        { "Sending request (173 bytes) to DBG.TEST",
          "Sending request (173 bytes) to DBG.TEST" },
        { "Received error from KDC: -1765328359/Additional",
          "Received error from KDC: -1765328359/Additional" },
        { "ccache MEMORY:I1sbEj7", "ccache MEMORY:I1sbEj7" },
        { "path /tmp/ABCDEF0123456789ABCDEFxyz",
          "path /tmp/ABCDEF0123456789ABCDEFxyz" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[256];
        trace_redact(cases[i].in, out, sizeof(out));
        assert_string_equal(out, cases[i].want);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(profile_holds_the_realm),
        cmocka_unit_test(profile_equality),
        cmocka_unit_test(profile_makes_a_context),
        cmocka_unit_test(profile_disables_pkinit),
        cmocka_unit_test(contexts_are_kept_per_realm),
        cmocka_unit_test(discovery_dedupes_and_filters),
        cmocka_unit_test(replies_by_tag),
        cmocka_unit_test(judge_krb_error),
        cmocka_unit_test(splice_puts_probes_in_place),
        cmocka_unit_test(principal_defaults),
        cmocka_unit_test(trace_redaction),
        cmocka_unit_test(kdc_reply_frames),
        cmocka_unit_test(kdc_reply_ticket_realm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
