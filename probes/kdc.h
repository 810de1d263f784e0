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
#include "probes/realmctx.h"
#include "probes/result.h"
#include "probes/trace.h"

/*
 * The kdc probe runs beside the tgt and service probes, so that a silent
 * KDC costs the realm its timeout once instead of eating the time the TGT
 * needs; a thread of its own does the probe's socket I/O (until the
 * deadline), and kdc_probe_finish() joins it and judges the replies.
 *
 * Its AS-REQ is the first client's own first AS-REQ: kdc_probe_arm() taps
 * the session (realmctx_tap_as()), so that the logon's unauthenticated
 * AS-REQ, made by the logon's init_creds context, goes to every endpoint at
 * once, and the first answer that kdcio_exchange() would take goes back to
 * that same context, which goes on to the pre-authenticated request.  A
 * realm thus sends E + 1 AS-REQs for E endpoints, not E + 2.  When the
 * first client does not log on (the lockout guard holds it back, its
 * credentials cannot be read), kdc_probe_go() sends an AS-REQ of the
 * probe's own, as before.  The session's context is used by one thread at
 * a time: the probing thread never touches it.
 */
struct kdc_run;

/*
 * Make the probe of every target of set (borrowed until
 * kdc_probe_finish()), sending nothing yet, and tap rc's next AS-REQ for
 * it.  Returns 0 and sets *run_out, or ENOMEM.
 */
int kdc_probe_arm(struct realm_ctx *rc, const struct kdc_set *set,
                  struct kdc_run **run_out);

/*
 * Take the tap off rc, and when the logon has not sent the probe's
 * AS-REQ, send one made for client_principal without pre-authentication
 * (which needs no credentials).  Call it once the first client's logon is
 * over or will not happen, and before kdc_probe_finish().  Returns 0 or
 * ENOMEM.
 */
int kdc_probe_go(struct kdc_run *run, const char *client_principal);

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
