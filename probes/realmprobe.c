/* realmprobe: a realm's probes in order; see realmprobe.h. */
#include "probes/realmprobe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/discovery.h"
#include "probes/clientname.h"
#include "probes/dns.h"
#include "probes/kdc.h"
#include "probes/kpasswd.h"
#include "base/clocks.h"
#include "probes/httpprobe.h"
#include "probes/realmctx.h"
#include "probes/realmroute.h"
#include "probes/service.h"
#include "probes/tgt.h"
#include "probes/trust.h"

/* A tgt result for one client's failure that happened before any
 * exchange; skipped when nothing was attempted because of the guard. */
static int
record_tgt_failure(const struct conf_realm *conf,
                   const struct conf_client *cl, struct probe_error error,
                   const char *why, int skipped, struct realm_result *res)
{
    char *target = clientname_target(cl->principal, conf->realm);
    char *message = why != NULL ? strdup(why) : NULL;
    int status;

    if (target == NULL) {
        free(message);
        return ENOMEM;
    }
    status = result_add_probe(res, PROBE_TGT, target, 0, 0, error, message);
    if (status == 0)
        res->probes[res->n_probes - 1].skipped = skipped;
    return status;
}

/* The services, untried for want of the first client's TGT. */
static int
record_services_skipped(const struct conf_realm *conf,
                        struct probe_error error, const char *why,
                        int skipped, struct realm_result *res)
{
    size_t first = res->n_probes;
    int status = service_record_skipped(conf, error, why, res);

    if (status == 0)
        status = httpprobe_record_skipped(conf, error, why, res);
    if (status == 0)
        status = trust_record_skipped(conf, error, why, res);
    for (size_t i = first; i < res->n_probes; i++)
        res->probes[i].skipped = skipped;
    return status;
}

/* Every probe that needs a KDC fails with the same error: each client's
 * tgt, and the services. */
static int
record_no_kdc(const struct conf_realm *conf, struct probe_error error,
              const char *why, struct realm_result *res)
{
    int status = 0;

    for (size_t i = 0; i < conf->n_clients && status == 0; i++)
        status = record_tgt_failure(conf, &conf->clients[i], error, why, 0,
                                    res);
    if (status == 0)
        status = service_record_skipped(conf, error, why, res);
    if (status == 0)
        status = httpprobe_record_skipped(conf, error, why, res);
    if (status == 0)
        status = trust_record_skipped(conf, error, why, res);
    return status;
}

int
realmprobe_timed_out(const struct conf_realm *conf, struct realm_result *res)
{
    const struct probe_error timeout = { ERR_SPACE_ERRNO, ETIMEDOUT };
    const char *why = "the probe did not finish before the scrape deadline";

    res->realm = strdup(conf->realm);
    if (res->realm == NULL)
        return ENOMEM;
    return record_no_kdc(conf, timeout, why, res);
}

/*
 * A KDC that spells the realm in another case is alive and serves it, but
 * libkrb5 refuses its reply (KRB5_KDCREP_MODIFIED), as an MIT client set
 * up the same way would: say why, in the tgt result's message.
 */
static int
explain_realm_case(const struct realm_ctx *rc, struct realm_result *res)
{
    struct probe_result *tgt;
    char *why = NULL;

    if (rc->reply_realm[0] == '\0' || res->n_probes == 0 ||
        res->probes[res->n_probes - 1].kind != PROBE_TGT ||
        res->probes[res->n_probes - 1].success)
        return 0;
    tgt = &res->probes[res->n_probes - 1];
    if (asprintf(&why, "%s: the KDC answers for realm \"%s\", but the "
                 "config says realm = \"%s\"; realm names are "
                 "case-sensitive: write realm = \"%s\"",
                 tgt->message ? tgt->message : "failed", rc->reply_realm,
                 rc->conf->realm, rc->reply_realm) < 0)
        return ENOMEM;
    trace_add(rc->trace, "tgt: %s", why);
    free(tgt->message);
    tgt->message = why;
    return 0;
}

/* How one client's logon went. */
struct logon {
    krb5_error_code ret;      /* tgt_probe()'s code; 0: a TGT */
    int guarded;              /* the guard held it back: nothing was sent */
    int skipped;              /* ...because of a backoff: its probes are
                                 reported, not counted again */
    struct probe_error error; /* the failure, as reported */
    char why[768];            /* why, for the services that wait on it */
};

/*
 * Log client cl on through its lockout guard: the AS exchange runs only
 * when the guard allows it, and its outcome goes back to the guard.
 * Without a state there is no guard (unit tests).  The tgt result is
 * recorded in res either way.  Returns 0, or ENOMEM when the results could
 * not be recorded.
 */
static int
guarded_tgt(struct realm_ctx *rc, const struct realmprobe_opts *opts,
            const struct conf_client *cl, struct realm_result *res,
            krb5_ccache *cc, krb5_principal *client, struct kdc_run *kdc_run,
            struct logon *out)
{
    const struct conf_realm *conf = rc->conf;
    struct guard_view view;
    struct cred_stamp stamp;
    const struct probe_result *tgt;
    enum guard_claim claim = GUARD_PRESENT;
    int status = 0;

    memset(out, 0, sizeof(*out));
    if (opts->state != NULL) {
        /* First without waiting: while another probe presents the
         * client's credentials, the kdc probe (kdc_run, whose AS-REQ would
         * be this logon's) goes out now instead of waiting with us. */
        claim = realmstate_claim(opts->state, cl, clocks_now(), &stamp,
                                 &view);
        if (claim == GUARD_BUSY && kdc_run != NULL &&
            kdc_probe_go(kdc_run, cl->principal) != 0)
            return ENOMEM;
        if (claim == GUARD_BUSY)
            claim = realmstate_claim(opts->state, cl, opts->deadline, &stamp,
                                     &view);
    }
    switch (claim) {
    case GUARD_ARMED:
        snprintf(out->why, sizeof(out->why), "not attempted: lockout guard, "
                 "%.0f s of backoff left after \"%s\"; the credentials are "
                 "not presented again until then, or until the keytab or "
                 "password file changes, or the config is reloaded",
                 view.left, view.message);
        trace_add(opts->trace, "lockout guard for %s: %.0f s of backoff "
                  "left; the client's credentials are not presented",
                  cl->principal, view.left);
        out->guarded = 1;
        out->skipped = 1;
        out->error = view.error;
        status = record_tgt_failure(conf, cl, view.error, out->why, 1, res);
        if (status == 0)
            res->probes[res->n_probes - 1].status = view.status;
        return status;
    case GUARD_BUSY:
    case GUARD_NOMEM:
        snprintf(out->why, sizeof(out->why), "%s", claim == GUARD_BUSY
                 ? "not attempted: another probe was presenting the "
                   "client's credentials until the deadline"
                 : "not attempted: out of memory for the lockout guard");
        trace_add(opts->trace, "lockout guard for %s: %s", cl->principal,
                  out->why);
        out->guarded = 1;
        out->error = (struct probe_error){
            ERR_SPACE_ERRNO, claim == GUARD_BUSY ? ETIMEDOUT : ENOMEM };
        return record_tgt_failure(conf, cl, out->error, out->why, 0, res);
    case GUARD_PRESENT:
        break;
    }
    /* Each client presents its own credentials once: what a KDC said of
     * another's does not close the door on it. */
    rc->as_closed = 0;
    rc->last_status = 0;
    rc->reply_realm[0] = '\0';
    out->ret = tgt_probe(rc, cl, res, cc, client);
    if (explain_realm_case(rc, res) != 0)
        status = ENOMEM;
    tgt = res->n_probes > 0 && res->probes[res->n_probes - 1].kind == PROBE_TGT
              ? &res->probes[res->n_probes - 1] : NULL;
    out->error = tgt != NULL ? tgt->error : krb5err_from_krb5(out->ret);
    snprintf(out->why, sizeof(out->why), "not attempted: no TGT (%s)",
             tgt != NULL && tgt->message ? tgt->message : "failed");
    if (opts->state != NULL)
        realmstate_release(opts->state, conf, cl, &stamp, out->ret == 0,
                           out->error, tgt != NULL ? tgt->status : 0,
                           tgt != NULL ? tgt->message : NULL);
    if (out->ret == ENOMEM && tgt == NULL)
        status = ENOMEM;
    return status;
}

int
realmprobe_run(const struct conf_realm *conf,
               const struct realmprobe_opts *opts, struct realm_result *res)
{
    struct dns_client *dc = NULL;
    struct realm_ctx *rc = NULL;
    struct kdc_set set;
    struct kdc_run *kdc_run = NULL;
    struct realm_result kdc_res;
    size_t kdc_at = 0;
    struct kpasswd_run *kpw_run = NULL;
    struct realm_result kpw_res;
    size_t kpw_at = 0;
    krb5_ccache cc = NULL;
    krb5_principal client = NULL;
    struct probe_error err;
    struct logon first;
    struct trust_walks *walks = NULL;
    krb5_error_code ret;
    char why[512];
    int status = 0;

    memset(&first, 0, sizeof(first));
    memset(&set, 0, sizeof(set));
    memset(&kdc_res, 0, sizeof(kdc_res));
    memset(&kpw_res, 0, sizeof(kpw_res));
    res->realm = strdup(conf->realm);
    if (res->realm == NULL)
        return ENOMEM;
    trace_add(opts->trace, "realm %s: probing with %.3f s left", conf->realm,
              clocks_left(opts->deadline));
    if (dns_client_open(opts->dns, opts->deadline, &dc, &err) != 0) {
        snprintf(why, sizeof(why), "cannot set up the DNS resolver: %s",
                 krb5err_name(err.space, err.code));
        trace_add(opts->trace, "%s", why);
        return record_no_kdc(conf, err, why, res);
    }
    status = discovery_run(conf, dc, opts->trace, &set, res);
    if (status != 0)
        goto cleanup;
    /* kpasswd is a service of its own: probed even when no KDC resolves. */
    kpw_at = res->n_probes;
    status = kpasswd_probe_start(conf, dc, opts->deadline, opts->trace,
                                 &kpw_run);
    if (status != 0)
        goto cleanup;
    if (set.n_resolved == 0) {
        /* libkrb5 would say it cannot resolve a KDC for the realm; the
         * discovery probe carries the DNS status. */
        status = record_no_kdc(conf, (struct probe_error){
                                   ERR_SPACE_KRB5, KRB5_REALM_CANT_RESOLVE },
                               set.why, res);
        goto cleanup;
    }
    ret = realmctx_open(conf, &set, opts->deadline, opts->trace,
                        opts->state, &rc);
    if (ret != 0) {
        snprintf(why, sizeof(why), "cannot set up a krb5 context: %s",
                 krb5err_name(ERR_SPACE_KRB5, ret));
        trace_add(opts->trace, "%s", why);
        status = record_no_kdc(conf, krb5err_from_krb5(ret), why, res);
        goto cleanup;
    }
    /* The other realms of trust walks, by the config's entries or DNS. */
    status = realmroute_attach(rc, opts->conf, dc);
    if (status != 0)
        goto cleanup;
    /* The kdc probe's AS-REQ is the first client's own first one. */
    status = kdc_probe_arm(rc, &set, &kdc_run);
    if (status != 0)
        goto cleanup;
    kdc_at = res->n_probes;
    /* Every client logs on; the services are asked for with the first
     * client's TGT. */
    for (size_t i = 0; i < conf->n_clients && status == 0; i++) {
        struct logon logon;
        status = guarded_tgt(rc, opts, &conf->clients[i], res,
                             i == 0 ? &cc : NULL, i == 0 ? &client : NULL,
                             i == 0 ? kdc_run : NULL, &logon);
        if (i == 0)
            first = logon;
        /* The first logon is over: the kdc probe goes out if it has not. */
        if (i == 0 && status == 0)
            status = kdc_probe_go(kdc_run, conf->client_principal);
    }
    if (status == 0 && conf->n_clients == 0)
        status = kdc_probe_go(kdc_run, conf->client_principal);
    if (status != 0)
        goto cleanup;
    if (first.guarded || first.ret != 0) {
        /* Without a TGT no service ticket can be asked for; the services
         * fail with the TGT's error so their series do not vanish. */
        status = record_services_skipped(conf, first.error, first.why,
                                         first.skipped, res);
        goto cleanup;
    }
    /* The trusts first, so that the services find the other realms'
     * TGTs in cc; their last hops are judged by the services. */
    status = trust_walk_all(rc, cc, client, &walks);
    if (status == 0)
        status = service_probe_all(rc, dc, cc, client, res);
    /* The web services, with the tickets the service probe left in cc. */
    if (status == 0)
        status = httpprobe_run(rc, dc, cc, res);
    {
        int st = trust_finish(rc, walks, res);
        if (status == 0)
            status = st;
    }
cleanup:
    if (kpw_run != NULL) {
        /* Spliced where the kdc results go, before they are: it ends up
         * right after them. */
        int st = kpasswd_probe_finish(kpw_run, &kpw_res);
        if (st == 0)
            st = result_splice(res, kpw_at, &kpw_res);
        if (status == 0)
            status = st;
        result_clear(&kpw_res);
    }
    if (kdc_run != NULL) {
        /* The kdc results go right after discovery, where a reader looks
         * for them. */
        int went = kdc_probe_go(kdc_run, conf->client_principal);
        int st = kdc_probe_finish(rc->ctx, kdc_run, &kdc_res);
        if (st == 0)
            st = went;
        if (st == 0)
            st = result_splice(res, kdc_at, &kdc_res);
        if (status == 0)
            status = st;
        result_clear(&kdc_res);
    }
    if (cc != NULL)
        krb5_cc_destroy(rc->ctx, cc);
    if (client != NULL)
        krb5_free_principal(rc->ctx, client);
    realmctx_close(rc);
    discovery_free(&set);
    dns_client_free(dc);
    trace_add(opts->trace, "realm %s: done", conf->realm);
    return status;
}
