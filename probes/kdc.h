/*
 * kdc: is each KDC endpoint alive, and how far off is its clock?  Every
 * endpoint of a realm gets a real Kerberos exchange at once: an AS-REQ for
 * the monitoring principal without pre-authentication, which needs no
 * credentials.  Any well-formed KRB-ERROR (usually PREAUTH_REQUIRED) or
 * AS-REP means the KDC is up; a TCP connect or UDP send alone does not.
 */
#ifndef KRB5EXP_KDC_H
#define KRB5EXP_KDC_H

#include <krb5/krb5.h>
#include <stddef.h>

#include "probes/discovery.h"
#include "probes/result.h"
#include "probes/trace.h"

/*
 * The kdc probe runs beside the tgt and service probes, so that a silent
 * KDC costs the realm its timeout once instead of eating the time the TGT
 * needs.  kdc_probe_start() builds the AS-REQ with ctx and starts a thread
 * that only does socket I/O (until deadline); kdc_probe_finish() joins it
 * and judges the replies with ctx again.  ctx is thus used by one thread at
 * a time as long as the caller does not use it between the two calls from
 * another thread.
 */
struct kdc_run;

/*
 * Start probing every target of set for realm.  realm and set are borrowed
 * until kdc_probe_finish().  Returns 0 and sets *run_out, or ENOMEM.
 */
int kdc_probe_start(krb5_context ctx, const char *realm,
                    const char *client_principal, const struct kdc_set *set,
                    double deadline, struct trace *trace,
                    struct kdc_run **run_out);

/*
 * Wait for the probe, append one kdc probe result per target and the clock
 * skew read from each KRB-ERROR to res, and free run.  Returns 0 or ENOMEM.
 */
int kdc_probe_finish(krb5_context ctx, struct kdc_run *run,
                     struct realm_result *res);

/* What a reply to our AS-REQ says. */
struct kdc_verdict {
    int up;
    struct probe_error error; /* when not up */
    int has_skew;
    double kdc_time;          /* the KDC's clock, when has_skew */
};

/*
 * Judge a reply to an AS-REQ for `realm`: a well-formed KRB-ERROR (its
 * stime/susec give the KDC's clock) or AS-REP for that realm means up; a
 * reply for another realm is KRB5KDC_ERR_WRONG_REALM; anything else is
 * KRB5KRB_AP_ERR_MSG_TYPE, or libkrb5's decoder's code.
 */
struct kdc_verdict kdc_judge_reply(krb5_context ctx, const char *realm,
                                   const unsigned char *data, size_t len);

#endif
