/*
 * tgsfan: the service tickets of a realm, asked for all at once.  Each
 * ticket is a krb5_tkt_creds context of libkrb5 (what krb5_get_credentials()
 * runs inside), stepped with krb5_tkt_creds_step() by fanout's poll loop
 * over our own KDC connections: no libkrb5 sendto, no wait of libkrb5's,
 * the probe's one deadline, at most max_in_flight requests out at once.
 * Each ticket's time runs from its own first request to its own last
 * reply, and a ticket that fails or goes unanswered holds nothing else up.
 */
#ifndef KRB5EXP_TGSFAN_H
#define KRB5EXP_TGSFAN_H

#include <krb5/krb5.h>
#include <stddef.h>

#include "probes/fanout.h"
#include "probes/realmctx.h"

/* One service ticket to ask for, and how it went. */
struct tgsfan_ticket {
    const char *asked;        /* borrowed: the principal to ask for */
    /* Set by tgsfan_run(); freed with tgsfan_ticket_clear(): */
    krb5_error_code ret;      /* 0: issued */
    krb5_creds *creds;        /* owned, when issued */
    char *principal;          /* owned: as issued, or as asked; NULL when
                                 out of memory */
    int kvno;                 /* the ticket's kvno; -1 when not known */
    char *message;            /* owned: why it failed; NULL when issued */
    unsigned long status;     /* the NTSTATUS of AD's extended error in
                                 the KRB-ERROR that refused it; 0: none */
    double seconds;           /* from its first request to its last reply */
};

/*
 * Ask for every ticket of t[0..n) with client's TGT in cc (the tickets are
 * stored there, as krb5_get_credentials() stores them), at most
 * max_in_flight requests in flight, under rc's deadline, through rc's
 * KDC endpoints.  Fills every t[i]'s outcome; *stats_out when not NULL.
 * Returns 0, or ENOMEM when the fan-out itself could not run (the tickets
 * then say ENOMEM).
 */
int tgsfan_run(struct realm_ctx *rc, krb5_ccache cc, krb5_principal client,
               struct tgsfan_ticket *t, size_t n, size_t max_in_flight,
               struct fanout_stats *stats_out);

/* Free what tgsfan_run() set in t; t may be cleared twice. */
void tgsfan_ticket_clear(krb5_context ctx, struct tgsfan_ticket *t);

#endif
