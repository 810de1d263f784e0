/*
 * realmctx: one probe's session with its realm: the krb5 context it uses
 * (taken from the realm's state, or made new), with the KDC traffic routed
 * through kdcio under the probe's deadline, and everything else that is the
 * probe's own: its KDC endpoints, its trace, its deadline.  A session
 * belongs to one thread, and ends with realmctx_close(), which gives the
 * context back to the realm and frees the rest.
 */
#ifndef KRB5EXP_REALMCTX_H
#define KRB5EXP_REALMCTX_H

#include <krb5/krb5.h>
#include <stddef.h>

#include "conf/conf.h"
#include "probes/discovery.h"
#include "probes/kdcio.h"
#include "probes/krbctx.h"
#include "probes/realmstate.h"
#include "probes/trace.h"

/*
 * A tap takes one AS-REQ of the session in place of kdcio_exchange(): the
 * kdc probe sends it to every KDC at once and hands back the first answer
 * that kdcio_exchange() would have accepted.  Returns 0 with *reply_out
 * (the caller frees it with free()), its length and *label_out, the label
 * of the endpoint that answered (one of the kdc_set's, borrowed); or -1
 * with *err_out and why[why_len] as kdcio_exchange() sets them.
 */
typedef int (*realmctx_tap_fn)(void *arg, const unsigned char *msg,
                               size_t msg_len, unsigned char **reply_out,
                               size_t *reply_len_out, const char **label_out,
                               struct probe_error *err_out, char *why,
                               size_t why_len);

struct realmroute;

struct realm_ctx {
    krb5_context ctx;                 /* kept->ctx, for short */
    struct krbctx *kept;              /* owned until realmctx_close() */
    struct realm_state *state;        /* borrowed; NULL: nothing kept */
    const struct conf_realm *conf;    /* borrowed; outlives the probe */
    struct kdcio_endpoint *eps;       /* owned array of n_eps; labels
                                         borrowed from the kdc_set */
    size_t n_eps;
    char resolve_why[256];            /* why some KDC names did not resolve */
    double deadline;                  /* monotonic; every exchange ends by */
    struct trace *trace;              /* borrowed; NULL: none */
    int as_closed;                    /* a credential failure came back:
                                         no further AS-REQ is sent */
    unsigned long last_status;        /* the NTSTATUS of AD's extended
                                         error in the last KRB-ERROR that
                                         came back; 0: none */
    char reply_realm[256];            /* the realm a KDC answered for when
                                         it spells conf->realm in another
                                         case; "" otherwise */
    realmctx_tap_fn tap;              /* NULL, or where the next AS-REQ
                                         goes (once): realmctx_tap_as() */
    void *tap_arg;                    /* borrowed: the tap's */
    struct realmroute *routes;        /* owned: the KDCs of the other
                                         realms of trust walks
                                         (realmroute_attach()); NULL: the
                                         hook refuses other realms */
};

/*
 * The session for one probe of conf, talking to the resolved targets of set
 * in their order (conf and set are borrowed until realmctx_close()).
 * Targets that did not resolve are left out and explained when no KDC can
 * be contacted.  With a realm state (NULL: none), the context the realm's
 * last probe gave back is taken when it was made from the same profile;
 * otherwise a new one is made.  Returns 0 and sets *out, or a krb5 error
 * code.
 *
 * Whatever the session's exchanges do, it sends at most one AS-REQ after a
 * KDC has judged the credentials (a credential error, see lockout.h): what
 * libkrb5 might retry on its own (another KDC, the primary KDC, a preauth
 * "try again") is refused, so a probe presents its credentials once.
 */
krb5_error_code realmctx_open(const struct conf_realm *conf,
                              const struct kdc_set *set, double deadline,
                              struct trace *trace, struct realm_state *state,
                              struct realm_ctx **out);

/*
 * End the probe: give the context back to the realm state for the realm's
 * next probe (or free it without one), and free the session.  rc may be
 * NULL.
 */
void realmctx_close(struct realm_ctx *rc);

/* Text of a krb5 error from rc's context; caller frees with free(). */
char *realmctx_message(struct realm_ctx *rc, krb5_error_code code);

/*
 * Send the session's next AS-REQ through tap(arg, ...) instead of
 * kdcio_exchange(), once; the tap is dropped as it is used.  NULL tap:
 * take a tap that has not been used off again.  The as_closed guarantee
 * holds either way: the hook refuses an AS-REQ before it reaches a tap.
 */
void realmctx_tap_as(struct realm_ctx *rc, realmctx_tap_fn tap, void *arg);

/*
 * For exchanges that do not go through libkrb5's send hook (the TGS
 * fan-out), the session's bookkeeping of the hook:
 *
 * realmctx_fail_io(): set the text libkrb5's error message has for an
 * exchange that got no reply (err and why as kdcio_exchange() gives them)
 * and return err's code, which realmctx_message() then explains.
 *
 * realmctx_trace_reply(): the trace line for a msg_len-byte request
 * answered by the endpoint labelled label.
 *
 * realmctx_note_reply(): take in a reply: the realm's spelling, the
 * NTSTATUS of AD's extended error into rc->last_status (0: none), and, for
 * an AS-REQ (as_req), a credential failure that closes the session to
 * further AS-REQs.
 */
krb5_error_code realmctx_fail_io(struct realm_ctx *rc, struct probe_error err,
                                 const char *why);
void realmctx_trace_reply(struct realm_ctx *rc, size_t msg_len,
                          const char *label, const unsigned char *reply,
                          size_t reply_len);
void realmctx_note_reply(struct realm_ctx *rc, int as_req,
                         const unsigned char *reply, size_t reply_len);

#endif
