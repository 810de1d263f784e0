/* trust: walks along the trust paths; see trust.h. */
#include "probes/trust.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "base/grow.h"
#include "probes/realmroute.h"
#include "probes/trustpath.h"

/* What one hop's result is made of, beside the walk's own record. */
struct hop_extra {
    double seconds;           /* its exchanges: the one that issued it and
                                 the one that judged it */
    char *message;            /* owned: why it failed; NULL when it held */
    unsigned long status;     /* AD's NTSTATUS, when the refusal had one */
};

/* The trust results recorded so far: res->probes[first ..], and which of
 * them were not attempted. */
struct book {
    size_t first;
    unsigned char *untried;   /* owned array of n, one per result */
    size_t n;
};

/* Is a result for target there already?  Its index, or res->n_probes. */
static size_t
recorded(const struct realm_result *res, const struct book *book,
         const char *target)
{
    size_t i;

    for (i = book->first; i < res->n_probes; i++)
        if (res->probes[i].kind == PROBE_TRUST &&
            strcmp(res->probes[i].target, target) == 0)
            break;
    return i;
}

/*
 * Record one hop (x->message taken over, even on failure) unless it is
 * there; a hop there as not attempted gives way to one that was.
 */
static int
record_hop(struct realm_result *res, struct book *book,
           const struct trust_hop *hop, struct hop_extra *x)
{
    char target[2 * TRUSTPATH_REALM_MAX + 16];
    struct probe_result *p;
    unsigned char *flag;
    size_t at;
    int ok = hop->state == TRUST_HOP_OK;
    char *t;

    if (trustpath_hop_name(hop, target, sizeof(target)) != 0) {
        free(x->message);
        x->message = NULL;
        return 0;
    }
    at = recorded(res, book, target);
    if (at < res->n_probes) {
        p = &res->probes[at];
        if (book->untried[at - book->first] &&
            hop->state != TRUST_HOP_UNTRIED) {
            book->untried[at - book->first] = 0;
            /* Not attempted on one path, walked on another. */
            free(p->message);
            p->success = ok;
            p->duration_seconds = x->seconds;
            p->error = ok ? (struct probe_error){ ERR_SPACE_KRB5, 0 }
                          : hop->error;
            p->message = x->message;
            p->status = x->status;
        } else {
            free(x->message);
        }
        x->message = NULL;
        return 0;
    }
    flag = grow_one(&book->untried, book->n, sizeof(*book->untried));
    t = strdup(target);
    if (t == NULL || flag == NULL) {
        free(t);
        free(x->message);
        x->message = NULL;
        return ENOMEM;
    }
    *flag = hop->state == TRUST_HOP_UNTRIED;
    book->n++;
    if (result_add_probe(res, PROBE_TRUST, t, ok, x->seconds,
                         ok ? (struct probe_error){ ERR_SPACE_KRB5, 0 }
                            : hop->error, x->message) != 0) {
        x->message = NULL;
        return ENOMEM;
    }
    x->message = NULL;
    res->probes[res->n_probes - 1].status = x->status;
    return 0;
}

/*
 * Why hop h failed, for its result's message: which KDC refused (label,
 * the one of h->to that answered, or NULL), and libkrb5's words (text).
 * A direct plan that the client realm's KDCs have no trust for is told
 * the realm hierarchy, which they did not offer either.  Caller frees.
 */
static char *
failure_message(const struct trustwalk *w, const struct trust_hop *h,
                const char *text, const char *label)
{
    char hier[TRUSTPATH_MAX][TRUSTPATH_REALM_MAX], via[1024] = "";
    char *m = NULL;
    size_t n;

    if (h->refused_by_to) {
        if (label != NULL
                ? asprintf(&m, "the KDC %s of realm %s did not take the "
                           "cross-realm TGT: %s", label, h->to, text) < 0
                : asprintf(&m, "no KDC of realm %s took the cross-realm "
                           "TGT: %s", h->to, text) < 0)
            m = NULL;
        return m;
    }
    if (h->error.space == ERR_SPACE_KRB5 &&
        h->error.code == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN &&
        w->n_path == 2 && strcmp(h->from, w->path[0]) == 0 &&
        (n = trustpath_hierarchy(h->from, h->to, hier, TRUSTPATH_MAX)) > 2) {
        for (size_t i = 0, off = strlen(via); i < n; i++) {
            /* Cut at the end of via, on purpose: the path is a hint. */
            int put = snprintf(via + off, sizeof(via) - off, "%s%s",
                               i ? " -> " : "", hier[i]);
            if (put < 0 || (size_t)put >= sizeof(via) - off)
                break;
            off += (size_t)put;
        }
        if (asprintf(&m, "the KDCs of realm %s have no trust to %s, and "
                     "handed out none on the realm hierarchy (%s): %s; for "
                     "a path through other realms, give the realm a "
                     "capaths entry", h->from, h->to, via, text) < 0)
            m = NULL;
        return m;
    }
    if (asprintf(&m, "the KDCs of realm %s issued no cross-realm TGT for "
                 "%s: %s", h->from, h->to, text) < 0)
        m = NULL;
    return m;
}

/* One walk, from its start before the services to its end after them. */
struct walk_state {
    char realm[TRUSTPATH_REALM_MAX];  /* the server realm */
    const char *service;              /* borrowed from the config: its
                                         first service there */
    struct trustwalk w;
    struct hop_extra extra[TRUSTPATH_MAX];
};

struct trust_walks {
    struct walk_state *walks;         /* owned array of n */
    size_t n;
};

/* The index of the hop awaiting cur's verdict, or w->n_hops. */
static size_t
pending_hop(const struct trustwalk *w)
{
    size_t n = w->n_hops;

    return n > 0 && w->hops[n - 1].state == TRUST_HOP_ISSUED &&
                   strcmp(w->hops[n - 1].to, w->cur) == 0
               ? n - 1 : n;
}

/*
 * After an exchange of `took` seconds moved the walk on from (pend,
 * before): it counts for the hop it presented and the hops it made, and
 * a hop that failed in it gets its message from text and label (the KDC
 * that refused, or NULL), and status, the NTSTATUS of the client realm's
 * refusal.
 */
static void
account(struct walk_state *ws, size_t pend, size_t before, double took,
        const char *text, const char *label, unsigned long status)
{
    for (size_t k = pend; k < ws->w.n_hops; k++) {
        const struct trust_hop *h = &ws->w.hops[k];
        if ((k != pend && k < before) || h->state == TRUST_HOP_UNTRIED)
            continue;
        ws->extra[k].seconds += took;
        if (h->state != TRUST_HOP_FAILED || ws->extra[k].message != NULL)
            continue;
        ws->extra[k].message = failure_message(
            &ws->w, h, text != NULL ? text
                                    : krb5err_name(h->error.space,
                                                   h->error.code),
            h->refused_by_to ? label : NULL);
        /* AD's extended error comes with the client realm's own KRB-ERRORs
         * (rc->last_status); a hop refused there gets it. */
        if (!h->refused_by_to && strcmp(h->from, ws->w.path[0]) == 0)
            ws->extra[k].status = status;
    }
}

/*
 * Tell the walk what the KDCs answered one TGT request for asked (ret:
 * what libkrb5 made of it): each answer the exchanges saw, in order, so
 * that a referral libkrb5 followed inside the request shows as the hops
 * it made.  *label_out: the KDC of the last error, when one answered.
 */
static void
replay(struct realm_ctx *rc, struct trustwalk *w, krb5_error_code ret,
       const char *asked, const char **label_out)
{
    const struct realmroute_seen *seen = NULL;
    size_t n = realmroute_seen(rc, &seen), hops = w->n_hops;
    int answered = 0, last_was_error = 0;

    *label_out = NULL;
    for (size_t i = 0; i < n && w->state == TRUSTWALK_ASKING; i++) {
        const struct realmroute_seen *a = &seen[i];
        if (strcmp(a->realm, w->cur) != 0)
            continue;         /* the walk asks cur's KDCs only */
        answered = 1;
        last_was_error = a->error;
        if (a->error) {
            *label_out = a->label;
            trustwalk_refused(w, krb5err_from_krb5(a->code),
                              a->etext[0] != '\0' ? a->etext : NULL);
        } else if (a->tgt_realm[0] != '\0') {
            trustwalk_issued(w, a->tgt_realm);
        }
    }
    if (w->state != TRUSTWALK_ASKING)
        return;
    if (ret != 0 && !last_was_error)
        /* No KDC answered, or libkrb5 did not take the last answer. */
        trustwalk_refused(w, krb5err_from_krb5(ret), NULL);
    else if (ret == 0 && !answered && w->n_hops == hops)
        /* Issued, with nothing seen: it was in the walk's ccache. */
        trustwalk_issued(w, asked);
}

/* A ccache of the walk's own, holding the client's TGT only, so that each
 * hop is asked of its KDC and seen.  Returns 0 or a krb5 code. */
static krb5_error_code
scratch_cache(struct realm_ctx *rc, krb5_ccache cc, krb5_principal client,
              krb5_ccache *out)
{
    krb5_creds match, tgt;
    krb5_principal local = NULL;
    krb5_ccache scratch = NULL;
    krb5_error_code ret;

    memset(&match, 0, sizeof(match));
    memset(&tgt, 0, sizeof(tgt));
    ret = krb5_build_principal_ext(rc->ctx, &local, client->realm.length,
                                   client->realm.data, 6, "krbtgt",
                                   client->realm.length, client->realm.data,
                                   0);
    if (ret == 0)
        ret = krb5_cc_new_unique(rc->ctx, "MEMORY", NULL, &scratch);
    if (ret == 0)
        ret = krb5_cc_initialize(rc->ctx, scratch, client);
    match.client = client;
    match.server = local;
    if (ret == 0)
        ret = krb5_cc_retrieve_cred(rc->ctx, cc, 0, &match, &tgt);
    if (ret == 0)
        ret = krb5_cc_store_cred(rc->ctx, scratch, &tgt);
    krb5_free_cred_contents(rc->ctx, &tgt);
    krb5_free_principal(rc->ctx, local);
    if (ret != 0) {
        if (scratch != NULL)
            krb5_cc_destroy(rc->ctx, scratch);
        return ret;
    }
    *out = scratch;
    return 0;
}

/* Put the cross-realm TGTs scratch holds into cc, for the services. */
static void
keep_tgts(struct realm_ctx *rc, krb5_ccache scratch, krb5_ccache cc)
{
    krb5_cc_cursor cur;
    krb5_creds creds;

    if (krb5_cc_start_seq_get(rc->ctx, scratch, &cur) != 0)
        return;
    while (krb5_cc_next_cred(rc->ctx, scratch, &cur, &creds) == 0) {
        const krb5_principal_data *s = creds.server;
        int local = s->length == 2 &&
                    s->realm.length == s->data[1].length &&
                    memcmp(s->realm.data, s->data[1].data,
                           s->realm.length) == 0;
        if (!local && !krb5_is_config_principal(rc->ctx, s))
            (void)krb5_cc_store_cred(rc->ctx, cc, &creds);
        krb5_free_cred_contents(rc->ctx, &creds);
    }
    krb5_cc_end_seq_get(rc->ctx, scratch, &cur);
}

/*
 * Walk from rc's realm to ws->realm, as far as that realm's TGT, asking
 * each hop of the KDCs that issue it, in a ccache of the walk's own, and
 * leave the TGTs had in cc.  Returns 0 or ENOMEM.
 */
static int
walk_to(struct realm_ctx *rc, krb5_ccache cc, krb5_principal client,
        struct walk_state *ws)
{
    struct trustwalk *w = &ws->w;
    krb5_ccache scratch = NULL;
    const struct realmroute_seen *stale;
    const char *realm;
    int final;
    krb5_error_code ret;

    ret = scratch_cache(rc, cc, client, &scratch);
    if (ret != 0) {
        char *text = realmctx_message(rc, ret);
        trace_add(rc->trace, "trust: no ccache for the walk to %s: %s",
                  ws->realm, text != NULL ? text : "");
        trustwalk_refused(w, krb5err_from_krb5(ret), NULL);
        account(ws, w->n_hops, 0, 0, text, NULL, 0);
        free(text);
        return ret == ENOMEM ? ENOMEM : 0;
    }
    while (trustwalk_next(w, &realm, &final) == TRUSTWALK_ASKING && !final) {
        size_t before = w->n_hops, pend = pending_hop(w);
        char from[TRUSTPATH_REALM_MAX], asked[TRUSTPATH_REALM_MAX];
        const char *label = NULL;
        krb5_principal server = NULL;
        krb5_creds in, *out = NULL;
        double start = clocks_now();
        char *text = NULL;

        snprintf(from, sizeof(from), "%s", w->cur);
        snprintf(asked, sizeof(asked), "%s", realm);
        memset(&in, 0, sizeof(in));
        rc->last_status = 0;
        (void)realmroute_seen(rc, &stale);    /* only this request's */
        ret = krb5_build_principal(rc->ctx, &server,
                                   (unsigned int)strlen(from), from,
                                   "krbtgt", asked, (char *)NULL);
        if (ret == 0) {
            in.client = client;
            in.server = server;
            ret = krb5_get_credentials(rc->ctx, 0, scratch, &in, &out);
        }
        krb5_free_creds(rc->ctx, out);
        krb5_free_principal(rc->ctx, server);
        if (ret != 0)
            text = realmctx_message(rc, ret);
        trace_add(rc->trace, "trust: asked %s for krbtgt/%s@%s: %s%s%s",
                  from, asked, from,
                  ret == 0 ? "issued"
                           : krb5err_name(krb5err_from_krb5(ret).space, ret),
                  text != NULL ? ": " : "", text != NULL ? text : "");
        replay(rc, w, ret, asked, &label);
        account(ws, pend, before, clocks_now() - start, text, label,
                rc->last_status);
        free(text);
    }
    keep_tgts(rc, scratch, cc);
    krb5_cc_destroy(rc->ctx, scratch);
    return 0;
}

int
trust_walk_all(struct realm_ctx *rc, krb5_ccache cc, krb5_principal client,
               struct trust_walks **out)
{
    const struct conf_realm *conf = rc->conf;
    struct trust_walks *tw = NULL;
    int status = 0;

    *out = NULL;
    for (size_t i = 0; i < conf->n_services && status == 0; i++) {
        const char *realm = trustpath_service_realm(conf->services[i],
                                                    conf->realm);
        struct trustpath plan;
        struct walk_state *ws;
        size_t j;

        if (trustpath_plan(conf, realm, &plan) != 0)
            continue;         /* its own realm */
        for (j = 0; tw != NULL && j < tw->n; j++)
            if (strcmp(tw->walks[j].realm, realm) == 0)
                break;
        if (tw != NULL && j < tw->n)
            continue;         /* one walk per realm */
        if (tw == NULL && (tw = calloc(1, sizeof(*tw))) == NULL)
            return ENOMEM;
        ws = grow_one(&tw->walks, tw->n, sizeof(*ws));
        if (ws == NULL) {
            status = ENOMEM;
            break;
        }
        tw->n++;
        snprintf(ws->realm, sizeof(ws->realm), "%s", realm);
        ws->service = conf->services[i];
        trustwalk_start(&ws->w, &plan);
        trace_add(rc->trace, "trust: walking to %s (%s), for %s", realm,
                  plan.from_capaths ? "by the realm's capaths" : "direct",
                  ws->service);
    }
    if (tw == NULL)
        return 0;
    /* The realms on the way get half the time left; the services get the
     * rest, and in them the last hops are judged. */
    realmroute_watch(rc, clocks_now() + clocks_left(rc->deadline) / 2);
    for (size_t i = 0; i < tw->n && status == 0; i++) {
        const struct kdcio_endpoint *eps;
        struct probe_error err;
        char why[256];
        size_t n_eps;

        status = walk_to(rc, cc, client, &tw->walks[i]);
        /* The services' realm's KDCs now, not in the middle of the TGS
         * fan-out's poll loop (its DNS, when it has no kdcs). */
        if (status == 0 &&
            realmroute_lookup(rc, tw->walks[i].realm, &eps, &n_eps, &err,
                              why, sizeof(why)) != 0 &&
            err.space == ERR_SPACE_ERRNO && err.code == ENOMEM)
            status = ENOMEM;
    }
    realmroute_unwatch(rc);
    *out = tw;
    return status;
}

/*
 * Judge ws's last hop, the TGT of its server realm, by the service
 * results of that realm in res: taken when a service ticket came, or a
 * service failed for a reason of its own; refused when they failed as a
 * KDC fails a ticket it will not take (or none of its KDCs answered).
 */
static void
judge_last(struct realm_ctx *rc, struct walk_state *ws,
           const struct realm_result *res)
{
    const struct probe_result *first = NULL;
    const struct realmroute_seen *last;
    const char *realm, *etext = NULL;
    size_t pend = pending_hop(&ws->w), before = ws->w.n_hops;
    int final;

    if (trustwalk_next(&ws->w, &realm, &final) != TRUSTWALK_ASKING || !final)
        return;
    for (size_t i = 0; i < res->n_probes; i++) {
        const struct probe_result *p = &res->probes[i];
        if (p->kind != PROBE_SERVICE ||
            strcmp(trustpath_service_realm(p->target, rc->conf->realm),
                   ws->realm) != 0)
            continue;
        if (p->success) {
            trustwalk_served(&ws->w);
            account(ws, pend, before, p->duration_seconds, NULL, NULL, 0);
            return;
        }
        /* A name that did not canonicalise in DNS never reached a KDC. */
        if (first == NULL && p->error.space != ERR_SPACE_ARES)
            first = p;
    }
    if (first == NULL) {
        /* No service of the realm reached its KDCs: nothing judged the
         * hop, and nothing says it was refused. */
        trustwalk_served(&ws->w);
        return;
    }
    last = realmroute_last(rc, ws->realm);
    if (last != NULL && last->error && last->etext[0] != '\0')
        etext = last->etext;
    trustwalk_refused(&ws->w, first->error, etext);
    account(ws, pend, before, first->duration_seconds, first->message,
            last != NULL ? last->label : NULL, first->status);
}

int
trust_finish(struct realm_ctx *rc, struct trust_walks *tw,
             struct realm_result *res)
{
    struct book book = { res->n_probes, NULL, 0 };
    int status = 0;

    if (tw == NULL)
        return 0;
    for (size_t i = 0; i < tw->n; i++) {
        struct walk_state *ws = &tw->walks[i];

        judge_last(rc, ws, res);
        for (size_t k = 0; k < ws->w.n_hops; k++) {
            const struct trust_hop *h = &ws->w.hops[k];
            if (h->state == TRUST_HOP_UNTRIED &&
                ws->extra[k].message == NULL &&
                asprintf(&ws->extra[k].message, "not attempted: an earlier "
                         "trust on the path to %s failed (%s)", ws->realm,
                         krb5err_name(h->error.space, h->error.code)) < 0)
                ws->extra[k].message = NULL;
        }
        for (size_t k = 0; k < ws->w.n_hops; k++) {
            if (status == 0)
                status = record_hop(res, &book, &ws->w.hops[k],
                                    &ws->extra[k]);
            free(ws->extra[k].message);
            ws->extra[k].message = NULL;
        }
    }
    free(book.untried);
    free(tw->walks);
    free(tw);
    return status;
}

int
trust_record_skipped(const struct conf_realm *conf, struct probe_error error,
                     const char *why, struct realm_result *res)
{
    struct book book = { res->n_probes, NULL, 0 };
    int status = 0;

    for (size_t i = 0; i < conf->n_services && status == 0; i++) {
        const char *realm = trustpath_service_realm(conf->services[i],
                                                    conf->realm);
        struct trustpath plan;

        if (strcmp(realm, conf->realm) == 0 ||
            trustpath_plan(conf, realm, &plan) != 0)
            continue;
        for (size_t k = 0; k + 1 < plan.n && status == 0; k++) {
            struct trust_hop hop;
            struct hop_extra x;

            memset(&hop, 0, sizeof(hop));
            memset(&x, 0, sizeof(x));
            snprintf(hop.from, sizeof(hop.from), "%s", plan.realms[k]);
            snprintf(hop.to, sizeof(hop.to), "%s", plan.realms[k + 1]);
            hop.state = TRUST_HOP_UNTRIED;
            hop.error = error;
            x.message = why != NULL ? strdup(why) : NULL;
            status = record_hop(res, &book, &hop, &x);
        }
    }
    free(book.untried);
    return status;
}
