/* kdc: per-endpoint liveness and clock skew; see kdc.h. */
#include "probes/kdc.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    int started;
    int io_error;
    pthread_t thread;
};

static void *
run_io(void *arg)
{
    struct kdc_run *run = arg;

    run->io_error = kdcio_probe_all(run->eps, run->n_eps,
                                    (const unsigned char *)run->req.data,
                                    run->req.length, run->deadline,
                                    run->replies);
    return NULL;
}

static void
run_free(struct kdc_run *run)
{
    if (run->replies != NULL) {
        for (size_t i = 0; i < run->n_eps; i++)
            free(run->replies[i].data);
    }
    free(run->replies);
    free(run->eps);
    free(run->req.data);
    free(run->req_message);
    free(run);
}

int
kdc_probe_start(krb5_context ctx, const char *realm,
                const char *client_principal, const struct kdc_set *set,
                double deadline, struct trace *trace,
                struct kdc_run **run_out)
{
    struct kdc_run *run = calloc(1, sizeof(*run));
    krb5_data req = { 0, 0, NULL };

    if (run == NULL)
        return ENOMEM;
    run->set = set;
    run->realm = realm;
    run->deadline = deadline;
    run->trace = trace;
    run->req_error = set->n > 0 ? make_as_req(ctx, realm, client_principal, &req)
                                : 0;
    if (run->req_error != 0) {
        const char *m = krb5_get_error_message(ctx, run->req_error);
        run->req_message = strdup(m);
        krb5_free_error_message(ctx, m);
        *run_out = run;
        return 0;
    }
    /* Keep the request in memory of our own, freed with free(). */
    run->req.length = req.length;
    run->req.data = malloc(req.length ? req.length : 1);
    if (run->req.data != NULL && req.length > 0)
        memcpy(run->req.data, req.data, req.length);
    krb5_free_data_contents(ctx, &req);
    run->eps = calloc(set->n ? set->n : 1, sizeof(*run->eps));
    run->replies = calloc(set->n ? set->n : 1, sizeof(*run->replies));
    if (run->req.data == NULL || run->eps == NULL || run->replies == NULL) {
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
        if (pthread_create(&run->thread, NULL, run_io, run) == 0) {
            run->started = 1;
        } else {
            /* No thread to spare: probe here and now instead. */
            run_io(run);
        }
    }
    *run_out = run;
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
