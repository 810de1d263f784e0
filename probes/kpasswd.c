/* kpasswd: per-endpoint liveness of the kpasswd service; see kpasswd.h. */
#include "probes/kpasswd.h"

#include <errno.h>
#include <krb5/krb5.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/discovery.h"
#include "probes/kdcio.h"
#include "probes/kpwdmsg.h"

struct kpasswd_run {
    struct kdc_set set;               /* owned: the endpoints found */
    unsigned char req[16];            /* the request */
    size_t req_len;
    struct kdcio_endpoint *eps;       /* owned: the resolved endpoints */
    struct kdcio_reply *replies;      /* owned, one per eps */
    size_t n_eps;
    double deadline;
    struct trace *trace;              /* borrowed; NULL: none */
    int started;                      /* thread is running */
    int io_error;
    pthread_t thread;
};

static void *
run_io(void *arg)
{
    struct kpasswd_run *run = arg;

    run->io_error = kdcio_probe_all(run->eps, run->n_eps, run->req,
                                    run->req_len, run->deadline,
                                    run->replies);
    return NULL;
}

static void
run_free(struct kpasswd_run *run)
{
    if (run->replies != NULL) {
        for (size_t i = 0; i < run->n_eps; i++)
            free(run->replies[i].data);
    }
    free(run->replies);
    free(run->eps);
    discovery_free(&run->set);
    free(run);
}

int
kpasswd_probe_start(const struct conf_realm *conf, struct dns_client *dc,
                    double deadline, struct trace *trace,
                    struct kpasswd_run **run_out)
{
    struct kpasswd_run *run = calloc(1, sizeof(*run));
    const struct kdc_set *set;

    if (run == NULL)
        return ENOMEM;
    run->deadline = deadline;
    run->trace = trace;
    run->req_len = kpwdmsg_probe_request(run->req, sizeof(run->req));
    if (discovery_kpasswd(conf, dc, trace, &run->set) != 0) {
        run_free(run);
        return ENOMEM;
    }
    set = &run->set;
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
        if (pthread_create(&run->thread, NULL, run_io, run) == 0)
            run->started = 1;
        else
            run_io(run);      /* no thread to spare: probe here and now */
    }
    *run_out = run;
    return 0;
}

/* Record one endpoint's outcome; message is copied. */
static int
add_result(struct realm_result *res, const char *label, int up,
           double seconds, struct probe_error error, const char *message)
{
    char *target = strdup(label);
    char *m = message != NULL ? strdup(message) : NULL;

    if (target == NULL || (message != NULL && m == NULL)) {
        free(target);
        free(m);
        return ENOMEM;
    }
    return result_add_probe(res, PROBE_KPASSWD, target, up, seconds, error,
                            m);
}

/* Say in the trace what a reply was, up or not. */
static void
trace_reply(struct trace *trace, const char *label, const struct kdcio_reply *r,
            const struct kpwdmsg_verdict *v)
{
    char what[96];

    if (!v->up) {
        trace_add(trace, "kpasswd: %s: %zu bytes after %.3f s that are no "
                  "kpasswd answer (%s): %s", label, r->len, r->seconds,
                  v->why, krb5err_name(v->error.space, v->error.code));
        return;
    }
    if (v->form == KPWDMSG_REPLY)
        snprintf(what, sizeof(what), "kpasswd reply (version 0x%04x)",
                 v->version);
    else
        snprintf(what, sizeof(what), "KRB-ERROR without a kpasswd frame");
    if (!v->body_is_error) {
        trace_add(trace, "kpasswd: %s: %s with a KRB-PRIV after %.3f s",
                  label, what, r->seconds);
        return;
    }
    trace_add(trace, "kpasswd: %s: %s after %.3f s: KRB-ERROR %s of realm "
              "%s, result %d %s \"%s\"", label, what, r->seconds,
              krb5err_name(ERR_SPACE_KRB5, ERROR_TABLE_BASE_krb5 +
                                               v->krb_error),
              v->realm, v->result_code,
              v->result_code >= 0 ? kpwdmsg_result_name(v->result_code)
                                  : "(none)",
              v->result_string);
}

int
kpasswd_probe_finish(struct kpasswd_run *run, struct realm_result *res)
{
    const struct kdc_set *set;
    int ret = 0;

    if (run == NULL)
        return 0;
    set = &run->set;
    if (run->started)
        pthread_join(run->thread, NULL);
    if (run->io_error != 0) {
        run_free(run);
        return ENOMEM;
    }
    for (size_t i = 0, k = 0; i < set->n && ret == 0; i++) {
        const struct kdc_target *t = &set->items[i];
        const struct kdcio_reply *r;
        struct kpwdmsg_verdict v;

        if (!t->resolved) {
            ret = add_result(res, t->label, 0, 0, t->resolve_error,
                             "the kpasswd server's host name does not "
                             "resolve");
            continue;
        }
        r = &run->replies[k++];
        if (r->err != 0) {
            trace_add(run->trace, "kpasswd: %s: no answer after %.3f s: %s",
                      t->label, r->seconds, strerror(r->err));
            ret = add_result(res, t->label, 0, r->seconds,
                             (struct probe_error){ ERR_SPACE_ERRNO, r->err },
                             strerror(r->err));
            continue;
        }
        v = kpwdmsg_judge(r->data, r->len);
        trace_reply(run->trace, t->label, r, &v);
        if (!v.up) {
            char why[160];
            snprintf(why, sizeof(why), "the reply is not a kpasswd answer: "
                     "%s", v.why);
            ret = add_result(res, t->label, 0, r->seconds, v.error, why);
            continue;
        }
        ret = add_result(res, t->label, 1, r->seconds,
                         (struct probe_error){ ERR_SPACE_KRB5, 0 }, NULL);
    }
    run_free(run);
    return ret;
}
