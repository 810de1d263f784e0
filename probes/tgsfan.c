/* tgsfan: a realm's service tickets at once; see tgsfan.h. */
#include "probes/tgsfan.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "probes/kdcreply.h"
#include "probes/realmroute.h"

/* RFC 4120's KRB_ERR_RESPONSE_TOO_BIG, as the KRB-ERROR's error-code. */
#define ERR_RESPONSE_TOO_BIG 52

/* One ticket's exchange. */
struct job {
    struct tgsfan_ticket *t;          /* borrowed: where the outcome goes */
    krb5_principal server;            /* owned: t->asked, parsed */
    krb5_tkt_creds_context tc;        /* owned while the job runs */
    krb5_data req;                    /* owned (libkrb5's): the request in
                                         flight */
    struct kdcio_endpoint tcp;        /* the endpoint of a retry over TCP */
    const struct kdcio_endpoint *eps; /* borrowed: where the request in
                                         flight went (the fan's, or another
                                         realm's route) */
    char realm[256];                  /* the realm it went to */
    double start;
};

struct fan {
    struct realm_ctx *rc;             /* borrowed */
    krb5_ccache cc;                   /* borrowed */
    krb5_principal client;            /* borrowed */
    size_t max_in_flight;
    struct kdcio_endpoint *eps;       /* owned copy of rc's, as they stood:
                                         rc's may move while requests are
                                         in flight */
    size_t n_eps;
    struct job *jobs;                 /* owned array, one per ticket */
};

/* The ticket's kvno, or -1 when the ticket does not decode. */
static int
ticket_kvno(const krb5_creds *creds)
{
    krb5_ticket *ticket = NULL;
    int kvno = -1;

    if (krb5_decode_ticket(&creds->ticket, &ticket) == 0)
        kvno = (int)ticket->enc_part.kvno;
    krb5_free_ticket(NULL, ticket);
    return kvno;
}

/* The job is over with ret (0: its tkt_creds context has the ticket):
 * record the outcome in its ticket and free what the exchange held. */
static void
finish(struct fan *f, struct job *j, krb5_error_code ret)
{
    krb5_context ctx = f->rc->ctx;
    struct tgsfan_ticket *t = j->t;
    krb5_creds *creds = NULL;
    char *name = NULL;

    t->seconds = clocks_now() - j->start;
    if (ret == 0) {
        creds = calloc(1, sizeof(*creds));
        ret = creds == NULL ? ENOMEM
                            : krb5_tkt_creds_get_creds(ctx, j->tc, creds);
        if (ret != 0)
            free(creds);
    }
    t->ret = ret;
    if (ret == 0) {
        t->creds = creds;
        t->kvno = ticket_kvno(creds);
    } else if (t->message == NULL) {
        t->message = realmctx_message(f->rc, ret);
    }
    if (krb5_unparse_name(ctx, ret == 0 ? creds->server : j->server,
                          &name) == 0) {
        t->principal = strdup(name);
        krb5_free_unparsed_name(ctx, name);
    }
    krb5_tkt_creds_free(ctx, j->tc);
    j->tc = NULL;
    krb5_free_data_contents(ctx, &j->req);
}

/*
 * Where the job goes after a step that returned ret with flags and, when
 * it continues, a request for realm in j->req: the next request in *out,
 * or the end.  Owns realm.
 */
static enum fanout_next
after_step(struct fan *f, struct job *j, krb5_error_code ret,
           unsigned int flags, krb5_data *realm, struct fanout_send *out)
{
    const char *ours = f->rc->conf->realm;
    krb5_context ctx = f->rc->ctx;
    const struct kdcio_endpoint *eps = f->eps;
    size_t n_eps = f->n_eps;

    if (ret == 0 && (flags & KRB5_TKT_CREDS_STEP_FLAG_CONTINUE) &&
        (realm->length != strlen(ours) ||
         memcmp(realm->data, ours, realm->length) != 0)) {
        /* Another realm of a trust walk: its KDCs, as the send hook
         * routes it (realmroute). */
        struct probe_error err = { ERR_SPACE_KRB5, KRB5_REALM_CANT_RESOLVE };
        char why[512] = "the realm's name is too long";
        int found = 0;

        if (realm->length < sizeof(j->realm)) {
            memcpy(j->realm, realm->data, realm->length);
            j->realm[realm->length] = '\0';
            found = realmroute_lookup(f->rc, j->realm, &eps, &n_eps, &err,
                                      why, sizeof(why)) == 0;
        }
        if (!found) {
            ret = (krb5_error_code)err.code;
            krb5_set_error_message(ctx, ret, "Cannot find KDC for realm "
                                   "'%.*s': %s", (int)realm->length,
                                   realm->data, why);
        }
    } else {
        snprintf(j->realm, sizeof(j->realm), "%s", ours);
    }
    krb5_free_data_contents(ctx, realm);
    if (ret != 0 || !(flags & KRB5_TKT_CREDS_STEP_FLAG_CONTINUE)) {
        finish(f, j, ret);
        return FANOUT_DONE;
    }
    out->msg = (const unsigned char *)j->req.data;
    out->len = j->req.length;
    j->eps = eps;
    out->eps = eps;
    out->n_eps = n_eps;
    out->realm = j->realm;
    return FANOUT_SEND;
}

static enum fanout_next
job_begin(void *arg, size_t i, struct fanout_send *out)
{
    struct fan *f = arg;
    struct job *j = &f->jobs[i];
    krb5_context ctx = f->rc->ctx;
    krb5_data none = { 0, 0, NULL }, realm = { 0, 0, NULL };
    unsigned int flags = 0;
    krb5_creds in;
    krb5_error_code ret;

    memset(&in, 0, sizeof(in));
    j->start = clocks_now();
    ret = krb5_parse_name(ctx, j->t->asked, &j->server);
    if (ret != 0) {
        j->t->ret = ret;
        j->t->message = realmctx_message(f->rc, ret);
        j->t->principal = strdup(j->t->asked);
        return FANOUT_DONE;
    }
    in.client = f->client;
    in.server = j->server;
    ret = krb5_tkt_creds_init(ctx, f->cc, &in, 0, &j->tc);
    if (ret == 0)
        ret = krb5_tkt_creds_step(ctx, j->tc, &none, &j->req, &realm, &flags);
    return after_step(f, j, ret, flags, &realm, out);
}

/* Is reply a KRB-ERROR saying the answer does not fit in a datagram? */
static int
too_big(const unsigned char *reply, size_t len)
{
    struct kdcreply_info info;

    return kdcreply_parse(reply, len, &info) == 0 &&
           info.type == KDCREPLY_ERROR &&
           info.error_code == ERR_RESPONSE_TOO_BIG;
}

static enum fanout_next
job_reply(void *arg, size_t i, const unsigned char *reply, size_t len,
          size_t used, struct fanout_send *out)
{
    struct fan *f = arg;
    struct job *j = &f->jobs[i];
    krb5_context ctx = f->rc->ctx;
    const struct kdcio_endpoint *ep = j->tcp.label != NULL ? &j->tcp
                                                           : &j->eps[used];
    int ours = strcmp(j->realm, f->rc->conf->realm) == 0;
    krb5_data in = { 0, (unsigned int)len, (char *)(uintptr_t)reply };
    krb5_data realm = { 0, 0, NULL };
    unsigned int flags = 0;
    krb5_error_code ret;

    if (ours)
        realmctx_trace_reply(f->rc, j->req.length, ep->label, reply, len);
    else
        trace_add(f->rc->trace, "send: %u-byte request to realm %s answered "
                  "by %s (%zu bytes, %s)", j->req.length, j->realm,
                  ep->label, len, reply[0] == 0x7e ? "KRB-ERROR" : "TGS-REP");
    if (j->tcp.label == NULL && ep->proto == KDCIO_UDP && too_big(reply, len)) {
        /* Ask the same KDC again over TCP, as libkrb5 would. */
        j->tcp = *ep;
        j->tcp.proto = KDCIO_TCP;
        out->msg = (const unsigned char *)j->req.data;
        out->len = j->req.length;
        out->eps = &j->tcp;
        out->n_eps = 1;
        out->realm = j->realm;
        return FANOUT_SEND;
    }
    memset(&j->tcp, 0, sizeof(j->tcp));
    f->rc->last_status = 0;
    if (ours)
        realmctx_note_reply(f->rc, 0, reply, len);
    else
        realmroute_observe(f->rc, j->realm, ep->label, reply, len);
    j->t->status = f->rc->last_status;
    krb5_free_data_contents(ctx, &j->req);
    ret = krb5_tkt_creds_step(ctx, j->tc, &in, &j->req, &realm, &flags);
    return after_step(f, j, ret, flags, &realm, out);
}

static void
job_failed(void *arg, size_t i, struct probe_error err, const char *why,
           int started)
{
    struct fan *f = arg;
    struct job *j = &f->jobs[i];
    krb5_error_code ret = (krb5_error_code)err.code;

    if (started && strcmp(j->realm, f->rc->conf->realm) != 0) {
        /* Another realm's KDCs, as realmroute says it. */
        trace_add(f->rc->trace, "send: %u-byte request to realm %s: no KDC "
                  "answered: %s", j->req.length, j->realm, why);
        krb5_set_error_message(f->rc->ctx, ret, "No KDC of realm '%s' "
                               "answered%s: %s", j->realm,
                               err.space == ERR_SPACE_KRB5 ? "" : " in time",
                               why);
    } else if (started) {
        trace_add(f->rc->trace, "send: %u-byte request to realm %s: no KDC "
                  "answered: %s", j->req.length, f->rc->conf->realm, why);
        ret = realmctx_fail_io(f->rc, err, why);
    } else {
        /* It never had its turn: nothing of its own to say but that. */
        if (asprintf(&j->t->message, "%s (max_in_flight = %zu)", why,
                     f->max_in_flight) < 0)
            j->t->message = NULL;
        trace_add(f->rc->trace, "service: %s: %s", j->t->asked, why);
        j->start = clocks_now();
        if (j->server == NULL &&
            krb5_parse_name(f->rc->ctx, j->t->asked, &j->server) != 0)
            j->server = NULL;
    }
    if (j->server == NULL) {
        /* Nothing parsed to name it by: as asked. */
        j->t->ret = ret;
        j->t->principal = strdup(j->t->asked);
        return;
    }
    finish(f, j, ret);
}

static const struct fanout_ops tgs_ops = { job_begin, job_reply, job_failed };

int
tgsfan_run(struct realm_ctx *rc, krb5_ccache cc, krb5_principal client,
           struct tgsfan_ticket *t, size_t n, size_t max_in_flight,
           struct fanout_stats *stats_out)
{
    struct fan f;
    int ret;

    memset(&f, 0, sizeof(f));
    f.rc = rc;
    f.cc = cc;
    f.client = client;
    f.max_in_flight = max_in_flight;
    f.n_eps = rc->n_eps;
    f.eps = calloc(rc->n_eps ? rc->n_eps : 1, sizeof(*f.eps));
    f.jobs = calloc(n ? n : 1, sizeof(*f.jobs));
    for (size_t i = 0; i < n; i++) {
        t[i].ret = 0;
        t[i].creds = NULL;
        t[i].principal = NULL;
        t[i].kvno = -1;
        t[i].message = NULL;
        t[i].status = 0;
        t[i].seconds = 0;
    }
    if (f.eps == NULL || f.jobs == NULL) {
        for (size_t i = 0; i < n; i++) {
            t[i].ret = ENOMEM;
            t[i].principal = strdup(t[i].asked);
        }
        ret = ENOMEM;
        goto cleanup;
    }
    memcpy(f.eps, rc->eps, rc->n_eps * sizeof(*f.eps));
    for (size_t i = 0; i < n; i++)
        f.jobs[i].t = &t[i];
    ret = fanout_run(n, max_in_flight, rc->deadline, &tgs_ops, &f, stats_out);
cleanup:
    for (size_t i = 0; f.jobs != NULL && i < n; i++) {
        krb5_tkt_creds_free(rc->ctx, f.jobs[i].tc);
        krb5_free_data_contents(rc->ctx, &f.jobs[i].req);
        krb5_free_principal(rc->ctx, f.jobs[i].server);
    }
    free(f.jobs);
    free(f.eps);
    return ret;
}

void
tgsfan_ticket_clear(krb5_context ctx, struct tgsfan_ticket *t)
{
    krb5_free_creds(ctx, t->creds);
    free(t->principal);
    free(t->message);
    t->creds = NULL;
    t->principal = NULL;
    t->message = NULL;
}
