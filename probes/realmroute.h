/*
 * realmroute: where a probe's session sends the messages libkrb5 makes for
 * realms other than its own, the realms a trust walk passes through.  Each
 * other realm's KDCs come from its entry in the config (its `kdcs`, or DNS
 * discovery as for the realm itself), or, for a realm the config does not
 * list, from DNS; they are found on first use, through the session's DNS
 * client, and every exchange with them is kdcio's, under the session's
 * deadline.  libkrb5 finds no KDC of its own (see KRBPROFILE_ROUTED_KDC).
 *
 * The routes belong to the session (rc->routes): made by
 * realmroute_attach(), freed by realmctx_close().
 */
#ifndef KRB5EXP_REALMROUTE_H
#define KRB5EXP_REALMROUTE_H

#include <krb5/krb5.h>
#include <stddef.h>

#include "conf/conf.h"
#include "probes/dns.h"
#include "probes/kdcio.h"
#include "probes/realmctx.h"

struct realmroute;

/*
 * Let rc send to the other realms of all (borrowed, may be NULL: only
 * realms found in DNS), finding their KDCs through dc (borrowed); both
 * must outlive rc.  Returns 0 or ENOMEM.
 */
int realmroute_attach(struct realm_ctx *rc, const struct conf *all,
                      struct dns_client *dc);

/*
 * The KDC endpoints of realm, another realm than rc's, found now if they
 * have not been: returns 0 with *eps_out (borrowed from rc, valid until
 * realmctx_close(), the KDC that answered last first) and *n_out; or -1
 * with *err_out (KRB5_REALM_CANT_RESOLVE, or ENOMEM) and why[why_len].
 */
int realmroute_lookup(struct realm_ctx *rc, const char *realm,
                      const struct kdcio_endpoint **eps_out, size_t *n_out,
                      struct probe_error *err_out, char *why,
                      size_t why_len);

/*
 * The send hook's part for a realm other than rc's: the exchange of
 * message with the realm's KDCs, as the hook does it for rc's own (the
 * KDC that answered first next time, TCP after a RESPONSE_TOO_BIG), and
 * libkrb5's error message when there is no reply.  An AS-REQ is refused:
 * a probe logs on in its own realm only.  Sets *reply_out (libkrb5 frees
 * it) and returns 0, or returns a krb5 error code.
 */
krb5_error_code realmroute_send(struct realm_ctx *rc, const krb5_data *realm,
                                const krb5_data *message,
                                krb5_data **reply_out);

/* One answer a KDC gave, as the trust walk reads it. */
struct realmroute_seen {
    char realm[256];          /* the realm whose KDC was asked */
    const char *label;        /* borrowed like the endpoints: that KDC;
                                 NULL when not known */
    int error;                /* 1: a KRB-ERROR; 0: a KDC-REP */
    long code;                /* KRB-ERROR: its krb5 code */
    char etext[128];          /* KRB-ERROR: its e-text; "": none */
    char tgt_realm[256];      /* a KDC-REP whose ticket is the cross-realm
                                 TGT krbtgt/X@realm: X; "" for any other
                                 ticket */
};

#define REALMROUTE_MAX_SEEN 24

/*
 * Take in an answer from realm's KDC labelled label (NULL: not known):
 * the last answer of each realm is kept (realmroute_last()), and while
 * rc is watching, every answer in order (realmroute_seen()).  Called by
 * the exchanges: the send hook's, realmroute_send()'s and the TGS
 * fan-out's.
 */
void realmroute_observe(struct realm_ctx *rc, const char *realm,
                        const char *label, const unsigned char *reply,
                        size_t len);

/*
 * Start watching rc's answers (forgetting those seen before), and end the
 * exchanges with other realms' KDCs by deadline, when it is sooner than
 * rc's own, until realmroute_unwatch().
 */
void realmroute_watch(struct realm_ctx *rc, double deadline);
void realmroute_unwatch(struct realm_ctx *rc);

/* The answers seen since realmroute_watch() or the last call, in order,
 * into *out (borrowed until rc's next exchange); forgets them. */
size_t realmroute_seen(struct realm_ctx *rc,
                       const struct realmroute_seen **out);

/* The last answer from realm's KDCs, or NULL when none came. */
const struct realmroute_seen *realmroute_last(const struct realm_ctx *rc,
                                              const char *realm);

/* Free the routes; NULL is fine. */
void realmroute_free(struct realmroute *routes);

#endif
