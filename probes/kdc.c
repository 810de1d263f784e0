/* kdc: per-endpoint liveness and clock skew; see kdc.h. */
#include "probes/kdc.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clocks.h"
#include "probes/clientname.h"
#include "probes/kdcio.h"
#include "probes/kdcreply.h"

struct kdc_verdict
kdc_judge_reply(krb5_context ctx, const char *realm,
                const unsigned char *data, size_t len)
{
    struct kdc_verdict v;
    struct kdcreply_info info;
    krb5_data d = { 0, (unsigned int)len, (char *)(uintptr_t)data };
    krb5_error *err = NULL;
    krb5_error_code ret;

    memset(&v, 0, sizeof(v));
    if (len >= 2 && data[0] == 0x7e) {
        /* libkrb5's own decoder first, for its precise ASN.1 codes. */
        ret = krb5_rd_error(ctx, &d, &err);
        if (ret != 0) {
            v.error = (struct probe_error){ ERR_SPACE_KRB5, ret };
            return v;
        }
        v.kdc_time = (double)(uint32_t)err->stime + err->susec / 1e6;
        krb5_free_error(ctx, err);
    }
    if (kdcreply_parse(data, len, &info) != 0 ||
        (info.type != KDCREPLY_ERROR && info.type != KDCREPLY_AS_REP)) {
        v.error = (struct probe_error){ ERR_SPACE_KRB5,
                                        KRB5KRB_AP_ERR_MSG_TYPE };
        return v;
    }
    /* A KDC of another realm is no KDC of this one, however alive; one
     * that spells this realm in another case is alive and serves it (the
     * tgt probe reports the spelling). */
    if (strcasecmp(info.realm, realm) != 0) {
        v.error = (struct probe_error){ ERR_SPACE_KRB5,
                                        KRB5KDC_ERR_WRONG_REALM };
        return v;
    }
    v.up = 1;
    /* An AS-REP (the principal needs no pre-authentication) has its times
     * encrypted for the client: no clock to read. */
    v.has_skew = info.type == KDCREPLY_ERROR;
    if (!v.has_skew)
        v.kdc_time = 0;
    return v;
}

/* The AS-REQ libkrb5 would send first for client, without pre-auth; for
 * a UPN, the enterprise name the tgt probe logs on with. */
static krb5_error_code
make_as_req(krb5_context ctx, const char *realm_name,
            const char *client_principal, krb5_data *out)
{
    krb5_init_creds_context icc = NULL;
    krb5_get_init_creds_opt *opts = NULL;
    krb5_principal client = NULL;
    krb5_data in = { 0, 0, NULL }, realm = { 0, 0, NULL };
    unsigned int flags = 0;
    krb5_error_code ret;

    ret = clientname_parse(ctx, client_principal, realm_name, &client);
    if (ret == 0)
        ret = krb5_get_init_creds_opt_alloc(ctx, &opts);
    if (ret == 0 && clientname_is_enterprise(client_principal, realm_name))
        krb5_get_init_creds_opt_set_canonicalize(opts, 1);
    if (ret == 0)
        ret = krb5_init_creds_init(ctx, client, NULL, NULL, 0, opts, &icc);
    if (ret == 0)
        ret = krb5_init_creds_step(ctx, icc, &in, out, &realm, &flags);
    krb5_free_data_contents(ctx, &realm);
    krb5_init_creds_free(ctx, icc);
    krb5_get_init_creds_opt_free(ctx, opts);
    krb5_free_principal(ctx, client);
    return ret;
}

/* Record a failed endpoint. */
static int
add_failure(struct realm_result *res, const char *label, double seconds,
            struct probe_error error, const char *message)
{
    char *target = strdup(label);
    char *m = message != NULL ? strdup(message) : NULL;

    if (target == NULL) {
        free(m);
        return ENOMEM;
    }
    if (result_add_probe(res, PROBE_KDC, target, 0, seconds, error, m) != 0)
        return ENOMEM;
    target = strdup(label);
    return target != NULL ? result_add_kdc(res, target, 0, 0) : ENOMEM;
}

struct kdc_run {
    const struct kdc_set *set;        /* borrowed */
    krb5_error_code req_error;        /* the AS-REQ could not be made */
    char *req_message;                /* owned: why */
    krb5_data req;                    /* owned: the AS-REQ */
    struct kdcio_endpoint *eps;       /* owned: resolved targets */
    struct kdcio_reply *replies;      /* owned, one per eps */
    size_t n_eps;
    double deadline;
    const char *realm;                /* borrowed: the realm asked */
    struct trace *trace;              /* borrowed; NULL: none */
    struct realm_ctx *rc;             /* borrowed: the session tapped */
    int tapped;                       /* the tap is set on rc */
    int want_first;                   /* the logon waits for the first
                                         answer (set before the thread) */
    int started;                      /* the probing thread runs */
    int sent;                         /* the request went out */
    int went;                         /* kdc_probe_go() made its own */
    int io_error;
    pthread_t thread;
    /* Between the probing thread and the logon waiting for its first
     * answer: */
    pthread_mutex_t lock;
    pthread_cond_t changed;           /* CLOCK_MONOTONIC */
    unsigned char *first;             /* owned: the first answer that
                                         kdcio_exchange() would take */
    size_t first_len;
    size_t first_ep;                  /* its endpoint, in eps */
    int io_done;                      /* every endpoint has ended */
};

/* In the probing thread, as each endpoint ends: keep a copy of the first
 * answer the logon can go on with, and wake it. */
static void
on_ended(void *arg, size_t i, const struct kdcio_reply *r)
{
    struct kdc_run *run = arg;

    if (!run->want_first || r->err != 0 ||
        kdcio_reply_for_realm(r->data, r->len, run->realm) != 1)
        return;
    pthread_mutex_lock(&run->lock);
    if (run->first == NULL) {
        run->first = malloc(r->len);
        if (run->first != NULL) {
            memcpy(run->first, r->data, r->len);
            run->first_len = r->len;
            run->first_ep = i;
        }
        pthread_cond_broadcast(&run->changed);
    }
    pthread_mutex_unlock(&run->lock);
}

static void *
run_io(void *arg)
{
    struct kdc_run *run = arg;
    int err = kdcio_probe_all_notify(run->eps, run->n_eps,
                                     (const unsigned char *)run->req.data,
                                     run->req.length, run->deadline,
                                     run->replies, on_ended, run);

    pthread_mutex_lock(&run->lock);
    run->io_error = err;
    run->io_done = 1;
    pthread_cond_broadcast(&run->changed);
    pthread_mutex_unlock(&run->lock);
    return NULL;
}

static void
run_free(struct kdc_run *run)
{
    if (run->replies != NULL) {
        for (size_t i = 0; i < run->n_eps; i++)
            free(run->replies[i].data);
    }
    pthread_cond_destroy(&run->changed);
    pthread_mutex_destroy(&run->lock);
    free(run->first);
    free(run->replies);
    free(run->eps);
    free(run->req.data);
    free(run->req_message);
    free(run);
}

/* Send the request in run->req to every endpoint, from a thread of its own
 * when one can be had. */
static void
send_all(struct kdc_run *run)
{
    run->sent = 1;
    if (run->n_eps == 0) {
        run->io_done = 1;
        return;
    }
    if (pthread_create(&run->thread, NULL, run_io, run) == 0)
        run->started = 1;
    else
        run_io(run);          /* no thread to spare: probe here and now */
}

/* Why no endpoint answered the logon by the deadline, in the words of
 * kdcio_exchange(): "label: what; ...". */
static void
explain_silence(struct kdc_run *run, char *why, size_t why_len)
{
    size_t off = 0;
    int done;

    pthread_mutex_lock(&run->lock);
    done = run->io_done;
    pthread_mutex_unlock(&run->lock);
    why[0] = '\0';
    for (size_t i = 0; done && i < run->n_eps && off + 1 < why_len; i++) {
        const struct kdcio_reply *r = &run->replies[i];
        const char *what =
            r->err == ETIMEDOUT ? "no answer"
            : r->err != 0 ? strerror(r->err)
            : kdcio_reply_for_realm(r->data, r->len, run->realm) < 0
                ? "answered for another realm"
                : "not a KDC reply";
        int w = snprintf(why + off, why_len - off, "%s%s: %s", i ? "; " : "",
                         run->eps[i].label, what);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

/*
 * The tap (realmctx.h): the first client's first AS-REQ is the probe's.
 * It goes to every endpoint at once; the logon goes on with the first
 * answer kdcio_exchange() would have taken, while the probe waits for the
 * others.  When no endpoint gave such an answer and time is left, the
 * message goes out the ordinary way, so that the logon fails as it always
 * did (a KDC whose first datagram is junk may still answer, say).
 */
static int
first_answer(void *arg, const unsigned char *msg, size_t msg_len,
             unsigned char **reply_out, size_t *reply_len_out,
             const char **label_out, struct probe_error *err_out, char *why,
             size_t why_len)
{
    struct kdc_run *run = arg;
    struct timespec until = clocks_timespec(run->deadline + 1.0);
    size_t used = 0;
    int got = -1;

    run->req.data = malloc(msg_len ? msg_len : 1);
    if (run->req.data == NULL) {
        *err_out = (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM };
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    memcpy(run->req.data, msg, msg_len);
    run->req.length = (unsigned int)msg_len;
    run->want_first = 1;
    trace_add(run->trace, "kdc: the first AS-REQ of %s's logon goes to "
              "every KDC endpoint at once (%zu); the logon goes on with the "
              "first answer", run->rc->conf->client_principal, run->n_eps);
    send_all(run);
    pthread_mutex_lock(&run->lock);
    while (run->first == NULL && !run->io_done)
        if (pthread_cond_timedwait(&run->changed, &run->lock, &until) ==
                ETIMEDOUT)
            break;
    if (run->first != NULL) {
        *reply_out = run->first;
        *reply_len_out = run->first_len;
        *label_out = run->eps[run->first_ep].label;
        run->first = NULL;
        got = 0;
    }
    pthread_mutex_unlock(&run->lock);
    if (got == 0)
        return 0;
    if (clocks_left(run->deadline) == 0) {
        explain_silence(run, why, why_len);
        *err_out = (struct probe_error){ ERR_SPACE_ERRNO, ETIMEDOUT };
        return -1;
    }
    trace_add(run->trace, "kdc: no KDC endpoint gave the logon an answer to "
              "go on with; asking the ordinary way");
    if (kdcio_exchange(run->rc->eps, run->rc->n_eps, msg, msg_len, run->realm,
                       run->deadline, reply_out, reply_len_out, &used,
                       err_out, why, why_len) != 0)
        return -1;
    *label_out = run->rc->eps[used].label;
    return 0;
}

int
kdc_probe_arm(struct realm_ctx *rc, const struct kdc_set *set,
              struct kdc_run **run_out)
{
    struct kdc_run *run = calloc(1, sizeof(*run));
    pthread_condattr_t attr;

    if (run == NULL)
        return ENOMEM;
    pthread_mutex_init(&run->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&run->changed, &attr);
    pthread_condattr_destroy(&attr);
    run->set = set;
    run->rc = rc;
    run->realm = rc->conf->realm;
    run->deadline = rc->deadline;
    run->trace = rc->trace;
    run->eps = calloc(set->n ? set->n : 1, sizeof(*run->eps));
    run->replies = calloc(set->n ? set->n : 1, sizeof(*run->replies));
    if (run->eps == NULL || run->replies == NULL) {
        run_free(run);
        return ENOMEM;
    }
    for (size_t i = 0; i < set->n; i++) {
        const struct kdc_target *t = &set->items[i];
        if (!t->resolved)
            continue;
        run->eps[run->n_eps].proto = t->spec.proto == KDC_PROTO_TCP
                                         ? KDCIO_TCP
                                         : KDCIO_UDP;
        run->eps[run->n_eps].addr = t->addr;
        run->eps[run->n_eps++].label = t->label;
    }
    if (run->n_eps > 0) {
        run->tapped = 1;
        realmctx_tap_as(rc, first_answer, run);
    }
    *run_out = run;
    return 0;
}

int
kdc_probe_go(struct kdc_run *run, const char *client_principal)
{
    krb5_context ctx = run->rc->ctx;
    krb5_data req = { 0, 0, NULL };

    if (run->tapped && run->rc->tap == first_answer)
        realmctx_tap_as(run->rc, NULL, NULL);
    run->tapped = 0;
    if (run->went || run->sent || run->set->n == 0)
        return 0;
    run->went = 1;
    run->req_error = make_as_req(ctx, run->realm, client_principal, &req);
    if (run->req_error != 0) {
        const char *m = krb5_get_error_message(ctx, run->req_error);
        run->req_message = strdup(m);
        krb5_free_error_message(ctx, m);
        return 0;
    }
    /* Keep the request in memory of our own, freed with free(). */
    run->req.length = req.length;
    run->req.data = malloc(req.length ? req.length : 1);
    if (run->req.data != NULL && req.length > 0)
        memcpy(run->req.data, req.data, req.length);
    krb5_free_data_contents(ctx, &req);
    if (run->req.data == NULL)
        return ENOMEM;
    send_all(run);
    return 0;
}

int
kdc_probe_finish(krb5_context ctx, struct kdc_run *run,
                 struct realm_result *res)
{
    const struct kdc_set *set = run->set;
    int ret = 0;

    if (run->started)
        pthread_join(run->thread, NULL);
    if (run->req_error != 0) {
        /* Without a request there is nothing to probe with; say so on
         * every endpoint. */
        for (size_t i = 0; i < set->n && ret == 0; i++)
            ret = add_failure(res, set->items[i].label, 0,
                              krb5err_from_krb5(run->req_error),
                              run->req_message);
        run_free(run);
        return ret;
    }
    if (run->io_error != 0) {
        run_free(run);
        return ENOMEM;
    }
    for (size_t i = 0, k = 0; i < set->n && ret == 0; i++) {
        const struct kdc_target *t = &set->items[i];
        struct kdcio_reply *r;
        struct kdc_verdict v;
        char *target;

        if (!t->resolved) {
            ret = add_failure(res, t->label, 0, t->resolve_error,
                              "the KDC's host name does not resolve");
            continue;
        }
        r = &run->replies[k++];
        if (r->err != 0)
            trace_add(run->trace, "kdc: %s: no answer after %.3f s: %s",
                      t->label, r->seconds, strerror(r->err));
        if (r->err != 0) {
            ret = add_failure(res, t->label, r->seconds,
                              (struct probe_error){ ERR_SPACE_ERRNO, r->err },
                              strerror(r->err));
            continue;
        }
        v = kdc_judge_reply(ctx, run->realm, r->data, r->len);
        if (v.up && v.has_skew)
            trace_add(run->trace, "kdc: %s: KRB-ERROR after %.3f s, KDC clock "
                      "%+.3f s from ours", t->label, r->seconds,
                      v.kdc_time - r->wall_received);
        else if (v.up)
            trace_add(run->trace, "kdc: %s: AS-REP after %.3f s", t->label,
                      r->seconds);
        else
            trace_add(run->trace, "kdc: %s: %zu bytes after %.3f s that are "
                      "no answer from a KDC of %s: %s", t->label, r->len,
                      r->seconds, run->realm,
                      krb5err_name(v.error.space, v.error.code));
        if (!v.up) {
            ret = add_failure(res, t->label, r->seconds, v.error,
                              v.error.code == KRB5KDC_ERR_WRONG_REALM
                                  ? "the reply is from a KDC of another realm"
                                  : "the reply is not a Kerberos answer to an "
                                    "AS-REQ");
            continue;
        }
        target = strdup(t->label);
        if (target == NULL ||
            result_add_probe(res, PROBE_KDC, target, 1, r->seconds,
                             (struct probe_error){ ERR_SPACE_KRB5, 0 },
                             NULL) != 0) {
            ret = ENOMEM;
            break;
        }
        target = strdup(t->label);
        ret = target != NULL
                  ? result_add_kdc(res, target, v.has_skew,
                                   v.kdc_time - r->wall_received)
                  : ENOMEM;
    }
    run_free(run);
    return ret;
}
