/*
 * Unit tests for exporter/landing (the status page) and exporter/html (its
 * escapers).
 *
 * The page writer gets a table of situations (never probed, all well, a
 * revoked client, an AD extended status known and unknown, the lockout
 * guard, a stale result, a timeout, hostile realm, principal, service and
 * message text), each with what the page must and must not say.  Every
 * page is also held to what any page must be: only the tags and attributes
 * the writer knows (so no markup from a name survives), no script, no
 * external asset, a viewport, one card per realm, and the same bytes for
 * the same input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <krb5/krb5.h>

#include "exporter/html.h"
#include "exporter/landing.h"
#include "probes/krb5err.h"
#include "probes/ntstatus.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_REALMS 3
#define MAX_PROBES 4

/* ---- the escapers ------------------------------------------------------- */

struct escape_case {
    const char *input;
    const char *text;         /* html_add_text */
    const char *query;        /* html_add_query_value */
    const char *why;
};

static const struct escape_case escape_cases[] = {
    { "EXAMPLE.COM", "EXAMPLE.COM", "EXAMPLE.COM", "nothing to escape" },
    { "", "", "", "empty" },
    { "<script>", "&lt;script&gt;", "%3Cscript%3E", "a tag" },
    { "a&b", "a&amp;b", "a%26b", "ampersand: an entity, a query separator" },
    { "\"'", "&quot;&#39;", "%22%27", "both quotes, for attributes" },
    { "a=b#c?d", "a=b#c?d", "a%3Db%23c%3Fd", "query syntax" },
    { "x y+z", "x y+z", "x%20y%2Bz", "space and plus" },
    { "caf\xc3\xa9", "caf\xc3\xa9", "caf%C3%A9", "UTF-8" },
    { "a_b-c.d", "a_b-c.d", "a_b-c.d", "unreserved characters stay" },
};

static char *
take(struct sbuf *b)
{
    char *text;

    assert_int_equal(sbuf_status(b), 0);
    text = sbuf_take(b, NULL);
    return text != NULL ? text : strdup("");
}

static void
escapers(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(escape_cases); i++) {
        const struct escape_case *c = &escape_cases[i];
        struct sbuf b;
        char *text;

        print_message("case: %s\n", c->why);
        sbuf_init(&b);
        html_add_text(&b, c->input);
        text = take(&b);
        assert_string_equal(text, c->text);
        free(text);
        sbuf_init(&b);
        html_add_query_value(&b, c->input);
        text = take(&b);
        assert_string_equal(text, c->query);
        free(text);
    }
}

/* ---- ages --------------------------------------------------------------- */

struct age_case {
    double seconds;
    const char *text;
};

static const struct age_case age_cases[] = {
    { 0, "0 s" }, { -5, "0 s" }, { 0.9, "0 s" }, { 59.9, "59 s" },
    { 60, "1 min 0 s" }, { 125, "2 min 5 s" }, { 3599, "59 min 59 s" },
    { 3600, "1 h 0 min" }, { 86399, "23 h 59 min" }, { 86400, "1 d 0 h" },
    { 90061, "1 d 1 h" }, { 40 * 86400.0, "40 d 0 h" },
};

static void
ages(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(age_cases); i++) {
        struct sbuf b;
        char *text;

        sbuf_init(&b);
        landing_add_age(&b, age_cases[i].seconds);
        text = take(&b);
        assert_string_equal(text, age_cases[i].text);
        free(text);
    }
}

/* ---- the page ----------------------------------------------------------- */

/* One probe of a case's result. */
struct probe_spec {
    enum probe_kind kind;
    const char *target;
    int success;
    enum err_space space;
    long code;
    unsigned long status;
    const char *message;
    int skipped;
};

/* One realm of a case: its config and, when probed, its result. */
struct realm_spec {
    const char *realm;
    const char *principal;
    const char *service;      /* NULL: none */
    int probed;
    double age;               /* seconds since the result was had */
    double backoff_left;
    struct probe_spec probes[MAX_PROBES];
    size_t n_probes;
    int has_skew;             /* the kdc probe's KDC read a clock */
    double skew;
};

struct page_case {
    const char *why;
    struct realm_spec realms[MAX_REALMS];
    size_t n_realms;
    const char *must[10];     /* in the page, exactly */
    const char *must_not[6];  /* nowhere in it */
};

#define REVOKED ERR_SPACE_KRB5, KRB5KDC_ERR_CLIENT_REVOKED
#define OK_PROBE(kind, target) { kind, target, 1, ERR_SPACE_KRB5, 0, 0, \
                                 NULL, 0 }

static const struct page_case page_cases[] = {
    { "a realm never probed says so and offers its links",
      { { "GOOD.TEST", "krbmon", NULL, 0, 0, 0, { { 0 } }, 0, 0, 0 } }, 1,
      { "GOOD.TEST <span class=\"badge\">NOT PROBED YET</span>",
        "Not probed yet",
        "<a href=\"probe?realm=GOOD.TEST\">metrics</a>",
        "<a href=\"probe?realm=GOOD.TEST&amp;debug=true\">debug page</a>",
        "No realm failing (0 of 1 probed).", "krbmon" },
      { "<ul class=\"probes\">", "FAIL", "Probed " } },
    { "every probe well: each result, its age, a KDC's clock",
      { { "GOOD.TEST", "krbmon@GOOD.TEST", "HTTP/www.good.test", 1, 12.4, 0,
          { OK_PROBE(PROBE_DISCOVERY, "GOOD.TEST"),
            OK_PROBE(PROBE_KDC, "udp/127.0.0.1:88"),
            OK_PROBE(PROBE_TGT, "krbmon@GOOD.TEST"),
            OK_PROBE(PROBE_SERVICE, "HTTP/www.good.test@GOOD.TEST") }, 4,
          1, 1.5 } }, 1,
      { "<section class=\"card ok\" id=\"realm-1\">",
        "GOOD.TEST <span class=\"badge\">OK</span>",
        "Probed 12 s ago (2023-11-14 22:13:20 UTC): 0 of 4 probes failing.",
        "<span class=\"res\">OK</span> <span class=\"kind\">tgt</span> "
        "<code>krbmon@GOOD.TEST</code> <span class=\"dur\">0.250 s</span>",
        "<code>udp/127.0.0.1:88</code> <span class=\"dur\">0.250 s</span> "
        "<span class=\"skew\">clock +1.5 s</span>",
        "No realm failing (1 of 1 probed).",
        "HTTP/www.good.test" },
      { "FAIL", "Stale", "Not probed yet", "<dt>code</dt>" } },
    { "a revoked client: code, name, cause and first fix from krb5err",
      { { "BAD.TEST", "krbmon", NULL, 1, 3, 0,
          { OK_PROBE(PROBE_KDC, "udp/127.0.0.1:88"),
            { PROBE_TGT, "krbmon@BAD.TEST", 0, REVOKED, 0,
              "Client's entry in database has expired", 0 } }, 2, 1, 0.01 } },
      1,
      { "<section class=\"card fail\" id=\"realm-1\">",
        "BAD.TEST <span class=\"badge\">FAILING</span>",
        "<span class=\"res\">FAIL</span> <span class=\"kind\">tgt</span>",
        "<dt>code</dt><dd>-1765328366</dd>",
        "<dt>name</dt><dd>KRB5KDC_ERR_CLIENT_REVOKED</dd>",
        "<dt>message</dt><dd>Client&#39;s entry in database has expired</dd>",
        "1 of 1 realm failing: <a href=\"#realm-1\">BAD.TEST</a>",
        "<title>1 failing - krb5_exporter</title>",
        "<span class=\"skew\">clock in step</span>" },
      { "<dt>status</dt>", "not sent" } },
    { "an AD extended status: its name and number, its advice first",
      { { "AD.TEST", "krbmon", NULL, 1, 3, 0,
          { { PROBE_TGT, "krbmon@AD.TEST", 0, REVOKED, 0xC0000234UL, NULL,
              0 } }, 1, 0, 0 } }, 1,
      { "<dt>name</dt><dd>KRB5KDC_ERR_CLIENT_REVOKED</dd>",
        "<dt>status</dt><dd>STATUS_ACCOUNT_LOCKED_OUT (0xC0000234)</dd>" },
      { "<dt>message</dt>" } },
    { "a status the table does not know: UNKNOWN with its number",
      { { "AD.TEST", "krbmon", NULL, 1, 3, 0,
          { { PROBE_TGT, "krbmon@AD.TEST", 0, REVOKED, 0xC0FFEE01UL, NULL,
              0 } }, 1, 0, 0 } }, 1,
      { "<dt>status</dt><dd>UNKNOWN (0xC0FFEE01)</dd>" }, { NULL } },
    { "the lockout guard: the last error, marked as not sent",
      { { "LOCK.TEST", "krbmon", NULL, 1, 30, 250,
          { { PROBE_TGT, "krbmon@LOCK.TEST", 0, ERR_SPACE_KRB5,
              KRB5KDC_ERR_PREAUTH_FAILED, 0, NULL, 1 } }, 1, 0, 0 } }, 1,
      { "<dt>name</dt><dd>KRB5KDC_ERR_PREAUTH_FAILED</dd>",
        "not sent: the lockout guard holds the credentials back for "
        "4 min 10 s more",
        "Lockout guard: the credentials had 4 min 10 s of rest left then." },
      { NULL } },
    { "a result nobody has refreshed for long is flagged stale",
      { { "OLD.TEST", "krbmon", NULL, 1, 7200, 0,
          { OK_PROBE(PROBE_TGT, "krbmon@OLD.TEST") }, 1, 0, 0 } }, 1,
      { "Probed 2 h 0 min ago", "Stale: nothing has scraped" }, { NULL } },
    { "a timeout in the errno space",
      { { "SLOW.TEST", "krbmon", NULL, 1, 1, 0,
          { { PROBE_KDC, "tcp/[2001:db8::1]:88", 0, ERR_SPACE_ERRNO, 110,
              0, NULL, 0 } }, 1, 0, 0 } }, 1,
      { "<dt>code</dt><dd>110</dd>", "<dt>name</dt><dd>ETIMEDOUT</dd>",
        "<code>tcp/[2001:db8::1]:88</code>" }, { NULL } },
    { "hostile names: escaped as text, percent-encoded in links",
      { { "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
          "HTTP/a&b'\"<i>", 1, 1, 0,
          { { PROBE_TGT, "\"><img src=x onerror=alert(1)>@<b>", 0, REVOKED,
              0, "<b>bold</b> & \"quoted\"", 0 } }, 1, 0, 0 } }, 1,
      { "&lt;script&gt;alert(1)&lt;/script&gt; <span class=\"badge\">",
        "<code>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;@&lt;b&gt;</code>",
        "<a href=\"probe?realm=%3Cscript%3Ealert%281%29%3C%2Fscript%3E\">",
        "<a href=\"probe?realm=%3Cscript%3Ealert%281%29%3C%2Fscript%3E"
        "&amp;debug=true\">",
        "<dd>&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;</dd>",
        "HTTP/a&amp;b&#39;&quot;&lt;i&gt;",
        "failing: <a href=\"#realm-1\">&lt;script&gt;" },
      { "<script", "<img", "<b>", "<i>", "onerror=alert(1)>" } },
    { "three realms: the failing one listed at the top, in config order",
      { { "A.TEST", "krbmon", NULL, 1, 5, 0,
          { OK_PROBE(PROBE_TGT, "krbmon@A.TEST") }, 1, 0, 0 },
        { "B.TEST", "krbmon", NULL, 1, 5, 0,
          { { PROBE_TGT, "krbmon@B.TEST", 0, REVOKED, 0, NULL, 0 } }, 1, 0,
          0 },
        { "C.TEST", "krbmon", NULL, 0, 0, 0, { { 0 } }, 0, 0, 0 } }, 3,
      { "1 of 3 realms failing: <a href=\"#realm-2\">B.TEST</a>; "
        "1 not probed yet",
        "<section class=\"card ok\" id=\"realm-1\">",
        "<section class=\"card fail\" id=\"realm-2\">",
        "<section class=\"card none\" id=\"realm-3\">" },
      { "realm-4", "#realm-1\"", "#realm-3\"" } },
};

/* What one case's page is made of; the writer borrows it all. */
struct built {
    struct conf conf;
    struct conf_realm realms[MAX_REALMS];
    struct conf_client clients[MAX_REALMS];
    struct conf_kdc kdcs[MAX_REALMS];
    char *services[MAX_REALMS][1];
    struct realm_result results[MAX_REALMS];
    struct landing_realm latest[MAX_REALMS];
    struct landing_input in;
};

#define NOW 1000.0
#define NOW_WALL 1700000000.0

static char *
xstrdup(const char *s)
{
    char *copy = strdup(s);

    assert_non_null(copy);
    return copy;
}

static void
build(const struct page_case *c, struct built *b)
{
    memset(b, 0, sizeof(*b));
    for (size_t i = 0; i < c->n_realms; i++) {
        const struct realm_spec *s = &c->realms[i];
        struct conf_realm *r = &b->realms[i];
        struct realm_result *res = &b->results[i];

        r->realm = xstrdup(s->realm);
        b->clients[i].principal = xstrdup(s->principal);
        r->clients = &b->clients[i];
        r->n_clients = 1;
        r->client_principal = b->clients[i].principal;
        b->kdcs[i].host = xstrdup("127.0.0.1");
        b->kdcs[i].port = 88;
        r->kdcs = &b->kdcs[i];
        r->n_kdcs = 1;
        r->transport = TRANSPORT_UDP;
        if (s->service != NULL) {
            b->services[i][0] = xstrdup(s->service);
            r->services = b->services[i];
            r->n_services = 1;
        }
        if (!s->probed)
            continue;
        res->realm = xstrdup(s->realm);
        for (size_t k = 0; k < s->n_probes; k++) {
            const struct probe_spec *p = &s->probes[k];
            struct probe_error e = { p->space, p->code };
            assert_int_equal(result_add_probe(
                res, p->kind, xstrdup(p->target), p->success, 0.25, e,
                p->message != NULL ? xstrdup(p->message) : NULL), 0);
            res->probes[k].status = p->status;
            res->probes[k].skipped = p->skipped;
            if (p->kind == PROBE_KDC)
                assert_int_equal(result_add_kdc(res, xstrdup(p->target),
                                                s->has_skew, s->skew), 0);
        }
        res->backoff_left = s->backoff_left;
        b->latest[i].result = res;
        b->latest[i].at = NOW - s->age;
        b->latest[i].at_wall = NOW_WALL;
    }
    b->conf.realms = b->realms;
    b->conf.n_realms = c->n_realms;
    b->in.conf = &b->conf;
    b->in.realms = b->latest;
    b->in.now = NOW;
    b->in.version = "0.1.0<beta>";
}

static void
unbuild(struct built *b)
{
    for (size_t i = 0; i < b->conf.n_realms; i++) {
        free(b->realms[i].realm);
        free(b->clients[i].principal);
        free(b->kdcs[i].host);
        free(b->services[i][0]);
        result_clear(&b->results[i]);
    }
}

static char *
page(const struct landing_input *in)
{
    struct sbuf b;

    sbuf_init(&b);
    landing_write(&b, in);
    return take(&b);
}

static const char *const known_tags[] = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "a",
    "section", "span", "ul", "li", "code", "dl", "dt", "dd", "details",
    "summary", "br",
};
static const char *const known_attributes[] = {
    "lang", "charset", "name", "content", "http-equiv", "class", "id", "href",
};

static int
known(const char *const *list, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(list[i]) == len && strncmp(list[i], s, len) == 0)
            return 1;
    }
    return 0;
}

/*
 * Every '<' in the page opens a tag the writer knows, with attributes it
 * knows, each value quoted and free of '<' and '"'.  So no name or
 * message can have added markup, whatever the browser makes of it.
 */
static void
assert_only_known_markup(const char *html)
{
    const char *p = html;

    assert_true(strncmp(p, "<!DOCTYPE html>\n", 16) == 0);
    p += 16;
    while ((p = strchr(p, '<')) != NULL) {
        const char *name;
        size_t len;
        int closing;

        p++;
        closing = *p == '/';
        if (closing)
            p++;
        name = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
            p++;
        len = (size_t)(p - name);
        if (!known(known_tags, COUNT(known_tags), name, len))
            fail_msg("unknown tag at: %.40s", name - 1);
        while (*p == ' ') {
            const char *attr = ++p;
            while ((*p >= 'a' && *p <= 'z') || *p == '-')
                p++;
            if (!known(known_attributes, COUNT(known_attributes), attr,
                       (size_t)(p - attr)))
                fail_msg("unknown attribute at: %.40s", attr);
            assert_true(p[0] == '=' && p[1] == '"');
            p += 2;
            while (*p != '"' && *p != '<' && *p != '\0')
                p++;
            assert_int_equal(*p, '"');
            p++;
        }
        if (*p != '>')
            fail_msg("tag not closed at: %.40s", name - 1);
        if (!closing && len == 5 && strncmp(name, "style", 5) == 0) {
            /* The stylesheet holds no '<' and loads nothing. */
            const char *end = strstr(p, "</style>");
            char *css;
            assert_non_null(end);
            css = strndup(p + 1, (size_t)(end - p - 1));
            assert_non_null(css);
            assert_null(strchr(css, '<'));
            assert_null(strstr(css, "url("));
            assert_null(strstr(css, "@import"));
            free(css);
            p = end;
        }
    }
}

static size_t
occurrences(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* What every page must be, whatever it shows. */
static void
assert_any_page(const char *html, size_t n_realms)
{
    static const char *const never[] = {
        "<script", "<link", "<img", "<iframe", "<object", "<form",
        "http://", "https://",
    };

    assert_only_known_markup(html);
    for (size_t i = 0; i < COUNT(never); i++) {
        if (strstr(html, never[i]) != NULL)
            fail_msg("the page holds \"%s\"", never[i]);
    }
    assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
    assert_non_null(strstr(html, "<meta name=\"viewport\" content=\""
                                 "width=device-width, initial-scale=1\">"));
    assert_non_null(strstr(html, "<meta http-equiv=\"refresh\""));
    assert_non_null(strstr(html, "<style>"));
    assert_int_equal(occurrences(html, "<section class=\"card "), n_realms);
    assert_int_equal(occurrences(html, "</section>"), n_realms);
    assert_non_null(strstr(html, "krb5_exporter 0.1.0&lt;beta&gt;</p>"));
    assert_non_null(strstr(html, "</body></html>\n"));
}

static void
page_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(page_cases); i++) {
        const struct page_case *c = &page_cases[i];
        struct built b;
        char *html, *again;

        print_message("case: %s\n", c->why);
        build(c, &b);
        html = page(&b.in);
        assert_any_page(html, c->n_realms);
        for (size_t k = 0; k < COUNT(c->must) && c->must[k] != NULL; k++) {
            if (strstr(html, c->must[k]) == NULL)
                fail_msg("missing: %s\n--- page ---\n%s", c->must[k], html);
        }
        for (size_t k = 0; k < COUNT(c->must_not) && c->must_not[k] != NULL;
             k++) {
            if (strstr(html, c->must_not[k]) != NULL)
                fail_msg("present: %s\n--- page ---\n%s", c->must_not[k],
                         html);
        }
        /* Pure: the same input gives the same bytes. */
        again = page(&b.in);
        assert_string_equal(html, again);
        free(again);
        free(html);
        unbuild(&b);
    }
}

/* The text of s as html_add_text writes it (caller frees). */
static char *
escaped(const char *s)
{
    struct sbuf b;

    sbuf_init(&b);
    html_add_text(&b, s);
    return take(&b);
}

static int
page_says(const char *html, const char *term, const char *value)
{
    char *v = escaped(value), *item;
    size_t len = strlen(term) + strlen(v) + 32;
    int found;

    item = malloc(len);
    assert_non_null(item);
    snprintf(item, len, "<dt>%s</dt><dd>%s</dd>", term, v);
    found = strstr(html, item) != NULL;
    free(item);
    free(v);
    return found;
}

/*
 * The cause and first fix are --once's: krb5err_advice for the code, or
 * ntstatus_advice when the KDC sent a status the table knows (which then
 * wins, as in summary_explain).
 */
static void
advice_is_the_summarys(void **state)
{
    const struct krb5err_advice *revoked =
        krb5err_advice(ERR_SPACE_KRB5, KRB5KDC_ERR_CLIENT_REVOKED);
    const struct ntstatus_advice *locked = ntstatus_advice(0xC0000234UL);
    static const size_t which[] = { 2, 3, 4 };

    (void)state;
    assert_non_null(revoked);
    assert_non_null(locked);
    for (size_t i = 0; i < COUNT(which); i++) {
        const struct page_case *c = &page_cases[which[i]];
        int by_status = c->realms[0].probes[c->realms[0].n_probes - 1]
                            .status == 0xC0000234UL;
        struct built b;
        char *html;

        print_message("case: %s\n", c->why);
        build(c, &b);
        html = page(&b.in);
        if (by_status) {
            assert_true(page_says(html, "cause", locked->cause));
            assert_true(page_says(html, "first fix", locked->fix));
            assert_false(page_says(html, "cause", revoked->cause));
        } else {
            assert_true(page_says(html, "cause", revoked->cause));
            assert_true(page_says(html, "first fix", revoked->fix));
        }
        free(html);
        unbuild(&b);
    }
}

/* A page of no realm at all is still a page. */
static void
no_realms(void **state)
{
    struct conf conf;
    struct landing_input in;
    char *html;

    (void)state;
    memset(&conf, 0, sizeof(conf));
    in.conf = &conf;
    in.realms = NULL;
    in.now = NOW;
    in.version = "0.1.0<beta>";
    html = page(&in);
    assert_any_page(html, 0);
    assert_non_null(strstr(html, "No realm failing (0 of 0 probed)."));
    free(html);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapers),
        cmocka_unit_test(ages),
        cmocka_unit_test(page_table),
        cmocka_unit_test(advice_is_the_summarys),
        cmocka_unit_test(no_realms),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
