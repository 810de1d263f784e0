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

/*
 * Probe every target of set until deadline; append one kdc probe result per
 * target and the clock skew read from each KRB-ERROR to res.  ctx is the
 * realm's context, used only to build and decode messages.  Returns 0 or
 * ENOMEM.
 */
int kdc_probe_all(krb5_context ctx, const char *client_principal,
                  const struct kdc_set *set, double deadline,
                  struct realm_result *res);

/* What a reply to our AS-REQ says. */
struct kdc_verdict {
    int up;
    struct probe_error error; /* when not up */
    int has_skew;
    double kdc_time;          /* the KDC's clock, when has_skew */
};

/*
 * Judge a reply: KRB-ERROR (its stime/susec give the KDC's clock), AS-REP,
 * or something else (KRB5KRB_AP_ERR_MSG_TYPE, or the decoder's code).
 */
struct kdc_verdict kdc_judge_reply(krb5_context ctx, const unsigned char *data,
                                   size_t len);

#endif
