/*
 * realmctx: a krb5_context for one realm's probes, made from an in-memory
 * profile, with the KDC traffic routed through kdcio under the probe's
 * deadline.  A realm context belongs to one thread at a time.
 */
#ifndef KRB5EXP_REALMCTX_H
#define KRB5EXP_REALMCTX_H

#include <krb5/krb5.h>
#include <stddef.h>

#include "conf/conf.h"
#include "probes/ctxcache.h"
#include "probes/discovery.h"
#include "probes/kdcio.h"
#include "probes/krbprofile.h"
#include "probes/trace.h"

struct realm_ctx {
    krb5_context ctx;                 /* owned */
    char *realm;                      /* owned: the realm it was made for */
    struct krbprofile profile;        /* owned; backs ctx's profile */
    /* What follows is set for one probe, by realmctx_open(). */
    const struct conf_realm *conf;    /* borrowed; outlives the probe */
    struct kdcio_endpoint *eps;       /* owned array of n_eps; labels
                                         borrowed from the kdc_set */
    size_t n_eps;
    char resolve_why[256];            /* why some KDC names did not resolve */
    double deadline;                  /* monotonic; every exchange ends by */
    struct trace *trace;              /* borrowed; NULL: none */
};

/*
 * The context for one probe of conf, talking to the resolved targets of set
 * in their order (conf and set are borrowed until realmctx_close()).
 * Targets that did not resolve are left out and explained when no KDC can
 * be contacted.  With a cache (NULL: none), the context the realm's last
 * probe gave back is taken when it was made from the same profile;
 * otherwise a new one is made.  Returns 0 and sets *out, or a krb5 error
 * code.
 */
krb5_error_code realmctx_open(const struct conf_realm *conf,
                              const struct kdc_set *set, double deadline,
                              struct trace *trace, struct ctxcache *cache,
                              struct realm_ctx **out);

/*
 * End the probe: give rc back to cache for the realm's next probe, or free
 * it when cache is NULL.  rc may be NULL.
 */
void realmctx_close(struct realm_ctx *rc, struct ctxcache *cache);

/* Free rc and its context at once.  rc may be NULL. */
void realmctx_free(struct realm_ctx *rc);

/* Text of a krb5 error from rc's context; caller frees with free(). */
char *realmctx_message(struct realm_ctx *rc, krb5_error_code code);

#endif
