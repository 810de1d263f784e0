/* trustpath: the plan, the realm hierarchy, and walks along a plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <krb5/krb5.h>

#include "probes/trustpath.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the plan ---- */

static char *c_via[] = { "C.TEST" };
static char *bcd_via[] = { "B.TEST", "C.TEST", "D.TEST" };
static struct conf_capath capaths[] = {
    { "D.TEST", c_via, 1, 0 },
    { "B.TEST", NULL, 0, 0 },     /* direct, written via = ( ) */
    { "E.TEST", bcd_via, 3, 0 },
};

static const struct {
    const char *server;
    const char *expected;     /* the realms joined by " -> "; NULL: none */
    int from_capaths;
    const char *why;
} plan_cases[] = {
    { "X.TEST", "A.TEST -> X.TEST", 0,
      "no capaths entry: straight to the server realm, as MIT 1.20" },
    { "D.TEST", "A.TEST -> C.TEST -> D.TEST", 1, "one realm between" },
    { "B.TEST", "A.TEST -> B.TEST", 1, "an entry with no realms between" },
    { "E.TEST", "A.TEST -> B.TEST -> C.TEST -> D.TEST -> E.TEST", 1,
      "three realms between, in order" },
    { "A.TEST", NULL, 0, "the realm itself has no plan" },
    { "d.test", "A.TEST -> d.test", 0, "realm names are case-sensitive" },
};

static void
plans(void **state)
{
    struct conf_realm conf;

    (void)state;
    memset(&conf, 0, sizeof(conf));
    conf.realm = "A.TEST";
    conf.capaths = capaths;
    conf.n_capaths = COUNT(capaths);
    for (size_t i = 0; i < COUNT(plan_cases); i++) {
        struct trustpath p;
        char got[512] = "";
        int ret = trustpath_plan(&conf, plan_cases[i].server, &p);

        if (plan_cases[i].expected == NULL) {
            if (ret != -1)
                fail_msg("case %zu (%s): a plan", i, plan_cases[i].why);
            continue;
        }
        if (ret != 0)
            fail_msg("case %zu (%s): no plan", i, plan_cases[i].why);
        for (size_t j = 0; j < p.n; j++)
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
                     j ? " -> " : "", p.realms[j]);
        if (strcmp(got, plan_cases[i].expected) != 0 ||
            p.from_capaths != plan_cases[i].from_capaths)
            fail_msg("case %zu (%s): %s (capaths %d), want %s", i,
                     plan_cases[i].why, got, p.from_capaths,
                     plan_cases[i].expected);
    }
}

/* A capaths entry longer than a plan holds is no plan. */
static void
plan_too_long(void **state)
{
    static char *via[TRUSTPATH_MAX - 1];
    struct conf_capath cp = { "Z.TEST", via, COUNT(via), 0 };
    struct conf_realm conf;
    struct trustpath p;

    (void)state;
    for (size_t i = 0; i < COUNT(via); i++)
        via[i] = "V.TEST";
    memset(&conf, 0, sizeof(conf));
    conf.realm = "A.TEST";
    conf.capaths = &cp;
    conf.n_capaths = 1;
    assert_int_equal(trustpath_plan(&conf, "Z.TEST", &p), -1);
    cp.n_via = TRUSTPATH_MAX - 2;
    assert_int_equal(trustpath_plan(&conf, "Z.TEST", &p), 0);
    assert_int_equal(p.n, TRUSTPATH_MAX);
}

/* ---- the hierarchy, as krb5_walk_realm_tree() walks it ---- */

static const struct {
    const char *client, *server;
    const char *expected;     /* NULL: none */
    const char *why;
} hier_cases[] = {
    { "A.EXAMPLE.COM", "B.EXAMPLE.COM",
      "A.EXAMPLE.COM -> EXAMPLE.COM -> B.EXAMPLE.COM", "siblings" },
    { "A.EXAMPLE.COM", "EXAMPLE.COM", "A.EXAMPLE.COM -> EXAMPLE.COM",
      "child to parent" },
    { "EXAMPLE.COM", "A.EXAMPLE.COM", "EXAMPLE.COM -> A.EXAMPLE.COM",
      "parent to child" },
    { "X.A.EXAMPLE.COM", "Y.B.EXAMPLE.COM",
      "X.A.EXAMPLE.COM -> A.EXAMPLE.COM -> EXAMPLE.COM -> B.EXAMPLE.COM -> "
      "Y.B.EXAMPLE.COM", "two levels up and two down" },
    { "ABC.EXAMPLE.COM", "BC.EXAMPLE.COM",
      "ABC.EXAMPLE.COM -> EXAMPLE.COM -> BC.EXAMPLE.COM",
      "BC.EXAMPLE.COM is no parent of ABC.EXAMPLE.COM (MIT's adjtail)" },
    { "A.TEST", "B.TEST", "A.TEST -> TEST -> B.TEST",
      "a one-component suffix is a realm on the path too" },
    { "CORP.EXAMPLE.ORG", "PARTNER.NET",
      "CORP.EXAMPLE.ORG -> EXAMPLE.ORG -> ORG -> NET -> PARTNER.NET",
      "no common suffix: up to the top and down again" },
    { "ONE", "TWO", "ONE -> TWO", "single components" },
    { "A.TEST", "A.TEST", NULL, "the same realm" },
    { "", "B.TEST", NULL, "an empty name" },
    { "A.TEST", "TEST", "A.TEST -> TEST", "a one-component parent" },
};

static void
hierarchy(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(hier_cases); i++) {
        char out[TRUSTPATH_MAX][TRUSTPATH_REALM_MAX];
        char got[1024] = "";
        size_t n = trustpath_hierarchy(hier_cases[i].client,
                                       hier_cases[i].server, out,
                                       TRUSTPATH_MAX);

        for (size_t j = 0; j < n; j++)
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
                     j ? " -> " : "", out[j]);
        if (hier_cases[i].expected == NULL
                ? n != 0 : strcmp(got, hier_cases[i].expected) != 0)
            fail_msg("case %zu (%s): \"%s\", want \"%s\"", i,
                     hier_cases[i].why, got,
                     hier_cases[i].expected ? hier_cases[i].expected : "");
    }
}

/* A path longer than the room given is none. */
static void
hierarchy_room(void **state)
{
    char out[3][TRUSTPATH_REALM_MAX];

    (void)state;
    assert_int_equal(trustpath_hierarchy("A.EXAMPLE.COM", "B.EXAMPLE.COM",
                                         out, 3), 3);
    assert_int_equal(trustpath_hierarchy("X.A.EXAMPLE.COM", "B.EXAMPLE.COM",
                                         out, 3), 0);
}

/* ---- the realm of a service as written ---- */

static const struct {
    const char *service, *expected, *why;
} realm_cases[] = {
    { "HTTP/www.b.test@B.TEST", "B.TEST", "written with a realm" },
    { "HTTP/www.a.test", "A.TEST", "no realm: the realm's own" },
    { "a\\@b", "A.TEST", "an escaped @ names no realm" },
    { "a\\@b@C.TEST", "C.TEST", "the realm after an escaped @" },
    { "HTTP/x@", "A.TEST", "an empty realm is none" },
};

static void
service_realms(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(realm_cases); i++) {
        const char *got = trustpath_service_realm(realm_cases[i].service,
                                                  "A.TEST");
        if (strcmp(got, realm_cases[i].expected) != 0)
            fail_msg("case %zu (%s): %s", i, realm_cases[i].why, got);
    }
}

/* ---- which errors say the next realm did not take the ticket ---- */

static const struct {
    struct probe_error err;
    const char *etext;
    int refuses;
    const char *why;
} refuse_cases[] = {
    { { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_BAD_INTEGRITY }, NULL, 1,
      "keys that differ on the two sides" },
    { { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_MODIFIED }, NULL, 1,
      "the same, another way" },
    { { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_BADKEYVER }, NULL, 1,
      "a kvno out of step" },
    { { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_NOT_US }, NULL, 1,
      "the realm has no such trust principal" },
    { { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_TKT_EXPIRED }, NULL, 1, "expired" },
    { { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_SKEW }, NULL, 1, "the KDC's clock" },
    { { ERR_SPACE_KRB5, KRB5KRB_AP_PATH_NOT_ACCEPTED }, NULL, 1,
      "a transit the realm refuses" },
    { { ERR_SPACE_KRB5, KRB5KDC_ERR_TGT_REVOKED }, NULL, 1, "a revoked TGT" },
    { { ERR_SPACE_KRB5, KRB5_KDC_UNREACH }, NULL, 1,
      "no KDC of the realm answers" },
    { { ERR_SPACE_KRB5, KRB5_REALM_CANT_RESOLVE }, NULL, 1, "none found" },
    { { ERR_SPACE_ERRNO, ETIMEDOUT }, NULL, 1, "silent KDCs" },
    { { ERR_SPACE_ARES, 4 }, NULL, 1, "a KDC name that does not resolve" },
    { { ERR_SPACE_KRB5, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN }, NULL, 0,
      "the service or the next trust is unknown: the ticket was taken" },
    { { ERR_SPACE_KRB5, KRB5KDC_ERR_POLICY }, NULL, 0,
      "a policy of the request" },
    { { ERR_SPACE_KRB5, KRB5KDC_ERR_ETYPE_NOSUPP }, NULL, 0,
      "the service's keys" },
    { { ERR_SPACE_KRB5, KRB5KRB_ERR_RESPONSE_TOO_BIG }, NULL, 0,
      "just past the AP range" },
    { { ERR_SPACE_KRB5, 0 }, NULL, 0, "no error" },
    { { ERR_SPACE_HTTP, 401 }, NULL, 0, "another space" },
    { { ERR_SPACE_KRB5, KRB5KRB_ERR_GENERIC }, "PROCESS_TGS", 1,
      "MIT's answer to a ticket of a kvno it has no key for" },
    { { ERR_SPACE_KRB5, KRB5KRB_ERR_GENERIC }, "LOOKING_UP_SERVER", 0,
      "a generic failure at a later stage is the request's" },
    { { ERR_SPACE_KRB5, KRB5KRB_ERR_GENERIC }, NULL, 0,
      "a generic failure without e-text says nothing of the ticket" },
};

static void
refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(refuse_cases); i++)
        if (trustpath_refuses_ticket(refuse_cases[i].err,
                                     refuse_cases[i].etext) !=
            refuse_cases[i].refuses)
            fail_msg("case %zu (%s)", i, refuse_cases[i].why);
}

/* ---- walks ---- */

#define BAD_INTEGRITY KRB5KRB_AP_ERR_BAD_INTEGRITY
#define S_UNKNOWN KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN

/* One answer to what the walk asks: 'i' issued a TGT for realm, 's'
 * served the service, 'r' refused with code (space KRB5; ETIMEDOUT:
 * errno) and, in realm, the KRB-ERROR's e-text. */
struct answer {
    const char *asked;        /* what the walk must ask: a realm, or "*"
                                 for the service; at cur's KDC */
    const char *at;           /* cur */
    char kind;
    const char *realm;
    long code;
};

#define MAX_ANSWERS 8

static const struct {
    const char *plan[6];
    struct answer answers[MAX_ANSWERS];
    enum trustwalk_state end;
    const char *hops;         /* each "krbtgt/TO@FROM state", ", " between */
    const char *why;
} walk_cases[] = {
    { { "A.TEST", "B.TEST" },
      { { "B.TEST", "A.TEST", 'i', "B.TEST", 0 },
        { "*", "B.TEST", 's', NULL, 0 } },
      TRUSTWALK_DONE, "krbtgt/B.TEST@A.TEST ok",
      "a direct trust that works" },
    { { "A.TEST", "E.TEST" },
      { { "E.TEST", "A.TEST", 'r', NULL, S_UNKNOWN } },
      TRUSTWALK_FAILED, "krbtgt/E.TEST@A.TEST failed at A.TEST: S_UNKNOWN",
      "A knows no trust to E" },
    { { "A.TEST", "D.TEST" },
      { { "D.TEST", "A.TEST", 'i', "D.TEST", 0 },
        { "*", "D.TEST", 'r', NULL, BAD_INTEGRITY } },
      TRUSTWALK_FAILED,
      "krbtgt/D.TEST@A.TEST failed at D.TEST: BAD_INTEGRITY",
      "keys that differ: D's KDC refuses the ticket A issued" },
    { { "A.TEST", "B.TEST" },
      { { "B.TEST", "A.TEST", 'i', "B.TEST", 0 },
        { "*", "B.TEST", 'r', NULL, S_UNKNOWN } },
      TRUSTWALK_DONE, "krbtgt/B.TEST@A.TEST ok",
      "B took the ticket and knows no such service: the service's own "
      "error, the trust is fine" },
    { { "A.TEST", "B.TEST" },
      { { "B.TEST", "A.TEST", 'i', "B.TEST", 0 },
        { "*", "B.TEST", 'r', NULL, -ETIMEDOUT } },
      TRUSTWALK_FAILED, "krbtgt/B.TEST@A.TEST failed at B.TEST: ETIMEDOUT",
      "B's KDCs are silent" },
    { { "A.TEST", "B.TEST", "C.TEST" },
      { { "B.TEST", "A.TEST", 'i', "B.TEST", 0 },
        { "C.TEST", "B.TEST", 'i', "C.TEST", 0 },
        { "*", "C.TEST", 's', NULL, 0 } },
      TRUSTWALK_DONE, "krbtgt/B.TEST@A.TEST ok, krbtgt/C.TEST@B.TEST ok",
      "transit through B" },
    { { "A.TEST", "B.TEST", "C.TEST" },
      { { "B.TEST", "A.TEST", 'i', "B.TEST", 0 },
        { "C.TEST", "B.TEST", 'r', NULL, BAD_INTEGRITY } },
      TRUSTWALK_FAILED,
      "krbtgt/B.TEST@A.TEST failed at B.TEST: BAD_INTEGRITY, "
      "krbtgt/C.TEST@B.TEST untried: BAD_INTEGRITY",
      "B refuses A's ticket: the hop on is not tried" },
    { { "A.TEST", "B.TEST", "C.TEST" },
      { { "B.TEST", "A.TEST", 'i', "B.TEST", 0 },
        { "C.TEST", "B.TEST", 'r', NULL, S_UNKNOWN } },
      TRUSTWALK_FAILED,
      "krbtgt/B.TEST@A.TEST ok, krbtgt/C.TEST@B.TEST failed at B.TEST: "
      "S_UNKNOWN", "B took A's ticket but has no trust to C" },
    { { "A.TEST", "B.TEST", "C.TEST" },
      { { "B.TEST", "A.TEST", 'r', NULL, S_UNKNOWN } },
      TRUSTWALK_FAILED,
      "krbtgt/B.TEST@A.TEST failed at A.TEST: S_UNKNOWN, "
      "krbtgt/C.TEST@B.TEST untried: S_UNKNOWN",
      "the first hop of a transit is missing" },
    { { "A.TEST", "B.TEST", "C.TEST" },
      { { "B.TEST", "A.TEST", 'i', "B.TEST", 0 },
        { "C.TEST", "B.TEST", 'i', "C.TEST", 0 },
        { "*", "C.TEST", 'r', NULL, KRB5KRB_AP_ERR_BADKEYVER } },
      TRUSTWALK_FAILED,
      "krbtgt/B.TEST@A.TEST ok, krbtgt/C.TEST@B.TEST failed at C.TEST: "
      "BADKEYVER", "the last hop's kvno is out of step" },
    { { "A.EX.COM", "B.EX.COM" },
      { { "B.EX.COM", "A.EX.COM", 'i', "EX.COM", 0 },
        { "B.EX.COM", "EX.COM", 'i', "B.EX.COM", 0 },
        { "*", "B.EX.COM", 's', NULL, 0 } },
      TRUSTWALK_DONE, "krbtgt/EX.COM@A.EX.COM ok, krbtgt/B.EX.COM@EX.COM ok",
      "A's KDC refers the walk to its parent (the realm hierarchy)" },
    { { "A.EX.COM", "B.EX.COM" },
      { { "B.EX.COM", "A.EX.COM", 'i', "EX.COM", 0 },
        { "B.EX.COM", "EX.COM", 'r', NULL, BAD_INTEGRITY } },
      TRUSTWALK_FAILED, "krbtgt/EX.COM@A.EX.COM failed at EX.COM: "
      "BAD_INTEGRITY", "the parent refuses the child's ticket" },
    { { "A.TEST", "B.TEST", "C.TEST" },
      { { "B.TEST", "A.TEST", 'i', "C.TEST", 0 },
        { "*", "C.TEST", 's', NULL, 0 } },
      TRUSTWALK_DONE, "krbtgt/C.TEST@A.TEST ok",
      "a KDC that goes further along the plan than asked" },
    { { "A.TEST", "B.TEST" },
      { { "B.TEST", "A.TEST", 'i', "X.TEST", 0 },
        { "B.TEST", "X.TEST", 'i', "A.TEST", 0 } },
      TRUSTWALK_FAILED,
      "krbtgt/X.TEST@A.TEST ok, krbtgt/A.TEST@X.TEST failed at X.TEST: "
      "KDCREP_MODIFIED", "a referral back to the client's realm is a loop" },
    { { "A.TEST", "B.TEST" },
      { { "B.TEST", "A.TEST", 'r', NULL, KRB5_KDC_UNREACH } },
      TRUSTWALK_FAILED,
      "krbtgt/B.TEST@A.TEST failed at A.TEST: KDC_UNREACH",
      "the client's own KDCs cannot be reached: the first hop fails there" },
    { { "A.TEST", "K.TEST" },
      { { "K.TEST", "A.TEST", 'i', "K.TEST", 0 },
        { "*", "K.TEST", 'r', "PROCESS_TGS", KRB5KRB_ERR_GENERIC } },
      TRUSTWALK_FAILED, "krbtgt/K.TEST@A.TEST failed at K.TEST: GENERIC",
      "an MIT KDC with the trust's key at another kvno" },
    { { "A.TEST", "K.TEST" },
      { { "K.TEST", "A.TEST", 'i', "K.TEST", 0 },
        { "*", "K.TEST", 'r', "LOOKING_UP_SERVER", KRB5KRB_ERR_GENERIC } },
      TRUSTWALK_DONE, "krbtgt/K.TEST@A.TEST ok",
      "a generic failure after the ticket was checked is the service's" },
};

static const char *
code_name(long code)
{
    switch (code) {
    case BAD_INTEGRITY: return "BAD_INTEGRITY";
    case S_UNKNOWN: return "S_UNKNOWN";
    case KRB5KRB_AP_ERR_BADKEYVER: return "BADKEYVER";
    case KRB5_KDCREP_MODIFIED: return "KDCREP_MODIFIED";
    case KRB5_KDC_UNREACH: return "KDC_UNREACH";
    case KRB5KRB_ERR_GENERIC: return "GENERIC";
    case ETIMEDOUT: return "ETIMEDOUT";
    default: return "?";
    }
}

/* The hops of w as the cases write them. */
static void
describe(const struct trustwalk *w, char *buf, size_t len)
{
    static const char *const names[] = { "issued", "ok", "failed",
                                         "untried" };

    buf[0] = '\0';
    for (size_t i = 0; i < w->n_hops; i++) {
        const struct trust_hop *h = &w->hops[i];
        char name[600];
        size_t at = strlen(buf);

        assert_int_equal(trustpath_hop_name(h, name, sizeof(name)), 0);
        snprintf(buf + at, len - at, "%s%s %s", i ? ", " : "", name,
                 names[h->state]);
        at = strlen(buf);
        if (h->state == TRUST_HOP_FAILED)
            snprintf(buf + at, len - at, " at %s: %s",
                     h->refused_by_to ? h->to : h->from,
                     code_name(h->error.code));
        else if (h->state == TRUST_HOP_UNTRIED)
            snprintf(buf + at, len - at, ": %s", code_name(h->error.code));
    }
}

static void
walks(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(walk_cases); i++) {
        struct trustpath plan;
        struct trustwalk w;
        size_t k;
        char got[2048];

        memset(&plan, 0, sizeof(plan));
        while (plan.n < 6 && walk_cases[i].plan[plan.n] != NULL) {
            plan.realms[plan.n] = walk_cases[i].plan[plan.n];
            plan.n++;
        }
        trustwalk_start(&w, &plan);
        for (k = 0; k < MAX_ANSWERS && walk_cases[i].answers[k].kind; k++) {
            const struct answer *a = &walk_cases[i].answers[k];
            const char *realm = NULL;
            int final = -1;
            struct probe_error err = { ERR_SPACE_KRB5, a->code };

            if (trustwalk_next(&w, &realm, &final) != TRUSTWALK_ASKING)
                fail_msg("case %zu (%s): answer %zu: the walk asks nothing",
                         i, walk_cases[i].why, k);
            if (strcmp(w.cur, a->at) != 0 ||
                (strcmp(a->asked, "*") == 0 ? !final
                                            : final || strcmp(realm,
                                                              a->asked)))
                fail_msg("case %zu (%s): answer %zu: asked %s at %s", i,
                         walk_cases[i].why, k, final ? "*" : realm, w.cur);
            if (a->code < 0 && a->code > -4096)
                err = (struct probe_error){ ERR_SPACE_ERRNO, -a->code };
            if (a->kind == 'i')
                trustwalk_issued(&w, a->realm);
            else if (a->kind == 's')
                trustwalk_served(&w);
            else
                trustwalk_refused(&w, err, a->realm);
        }
        if (w.state != walk_cases[i].end)
            fail_msg("case %zu (%s): ended %d, want %d", i,
                     walk_cases[i].why, w.state, walk_cases[i].end);
        describe(&w, got, sizeof(got));
        if (strcmp(got, walk_cases[i].hops) != 0)
            fail_msg("case %zu (%s):\n  got  %s\n  want %s", i,
                     walk_cases[i].why, got, walk_cases[i].hops);
    }
}

/* Answers after the end change nothing. */
static void
walk_after_end(void **state)
{
    struct trustpath plan = { { "A.TEST", "B.TEST" }, 2, 0 };
    struct trustwalk w;
    const char *realm;
    int final;

    (void)state;
    trustwalk_start(&w, &plan);
    trustwalk_refused(&w, (struct probe_error){ ERR_SPACE_KRB5, S_UNKNOWN },
                      NULL);
    assert_int_equal(w.state, TRUSTWALK_FAILED);
    trustwalk_issued(&w, "B.TEST");
    trustwalk_served(&w);
    assert_int_equal(w.n_hops, 1);
    assert_int_equal(trustwalk_next(&w, &realm, &final), TRUSTWALK_FAILED);
}

/* A hop name that does not fit is refused. */
static void
hop_names(void **state)
{
    struct trust_hop h;
    char small[10], big[64];

    (void)state;
    memset(&h, 0, sizeof(h));
    strcpy(h.from, "A.TEST");
    strcpy(h.to, "B.TEST");
    assert_int_equal(trustpath_hop_name(&h, big, sizeof(big)), 0);
    assert_string_equal(big, "krbtgt/B.TEST@A.TEST");
    assert_int_equal(trustpath_hop_name(&h, small, sizeof(small)), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plans),
        cmocka_unit_test(plan_too_long),
        cmocka_unit_test(hierarchy),
        cmocka_unit_test(hierarchy_room),
        cmocka_unit_test(service_realms),
        cmocka_unit_test(refusals),
        cmocka_unit_test(walks),
        cmocka_unit_test(walk_after_end),
        cmocka_unit_test(hop_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
