/*
 * ctxcache: realm contexts kept from one probe of a realm to the next.
 *
 * Making a krb5_context is the dearest part of a probe after the exchanges
 * themselves: libkrb5 looks for and loads its plugins for every new context.
 * A realm's next probe takes the context its last probe left, as long as the
 * profile it would be made from is the same; when the realm's KDCs or
 * settings change, a new one is made.  At most one idle context is kept per
 * realm, and a context is used by one probe at a time: one taken is out of
 * the cache until given back, so two probes of a realm at once simply make
 * a second context.
 */
#ifndef KRB5EXP_CTXCACHE_H
#define KRB5EXP_CTXCACHE_H

#include <pthread.h>
#include <stddef.h>

#include "probes/krbprofile.h"

struct realm_ctx;

struct ctxcache {
    pthread_mutex_t lock;
    struct realm_ctx **idle;  /* owned array of n_idle owned contexts */
    size_t n_idle;
};

void ctxcache_init(struct ctxcache *c);

/*
 * Take the idle context of realm if it was made from a profile equal to
 * profile; the caller owns it until ctxcache_give().  An idle context of
 * realm made from another profile is freed.  Returns NULL when there is
 * none to take.
 */
struct realm_ctx *ctxcache_take(struct ctxcache *c, const char *realm,
                                const struct krbprofile *profile);

/*
 * Keep rc (ownership passes to c) for the next probe of its realm, in place
 * of any context of that realm given back earlier.  When it cannot be kept,
 * it is freed.
 */
void ctxcache_give(struct ctxcache *c, struct realm_ctx *rc);

/* Free every idle context: after a reload, when realms may be gone. */
void ctxcache_clear(struct ctxcache *c);

/* ctxcache_clear(), then release c itself.  c may be NULL. */
void ctxcache_destroy(struct ctxcache *c);

#endif
