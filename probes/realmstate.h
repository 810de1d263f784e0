/*
 * realmstate: what lives between one probe of a realm and the next.  Each
 * configured realm has one state object, made on its first probe and kept
 * until the exporter stops (a reload keeps it: states are found by realm
 * name).  It holds:
 *   - the krb5 context the realm's last probe gave back (see krbctx.h);
 *   - what its service keytabs hold, read again only when they change
 *     (see ktcache.h);
 *   - a lockout guard per monitoring client: the backoff after a
 *     credential failure, and whether a probe is presenting the client's
 *     credentials right now.
 *
 * Every path that presents a client's credentials (scrapes, /probe, the
 * debug page, --once) goes through realmstate_claim() and
 * realmstate_release(), so that a credential failure on one path holds
 * back every other.  Thread-safe.
 */
#ifndef KRB5EXP_REALMSTATE_H
#define KRB5EXP_REALMSTATE_H

#include <pthread.h>
#include <stddef.h>

#include "conf/conf.h"
#include "probes/krbctx.h"
#include "probes/ktcache.h"
#include "probes/lockout.h"

/* One client's lockout guard, found by its principal as configured. */
struct client_guard {
    char *principal;                  /* owned */
    struct lockout_state lockout;
    int presenting;                   /* a probe holds the claim */
};

struct realm_state {
    char *realm;                      /* owned */
    pthread_mutex_t lock;             /* guards what follows */
    pthread_cond_t released;          /* CLOCK_MONOTONIC; broadcast when a
                                         presentation ends */
    struct client_guard *guards;      /* owned array of n_guards */
    size_t n_guards;
    struct krbctx *idle;              /* owned: the kept context, or NULL */
    struct ktcache keytabs;           /* its own lock */
};

/* Every realm's state, found by name.  States never move once made. */
struct realm_states {
    pthread_mutex_t lock;
    struct realm_state **items;       /* owned array of n owned states */
    size_t n;
    size_t cap;
};

void realmstates_init(struct realm_states *set);

/* Free every state.  No probe may be running. */
void realmstates_destroy(struct realm_states *set);

/*
 * The state of realm, made on first use.  Borrowed: valid until
 * realmstates_destroy().  Returns NULL when out of memory.
 */
struct realm_state *realmstates_get(struct realm_states *set,
                                    const char *realm);

/*
 * After a config reload: end every realm's backoff (the operator asked for
 * a new try) and drop the kept contexts, so that nothing made for the old
 * config serves the new one.  A presentation in flight keeps its claim, and
 * its outcome still counts when it ends.
 */
void realmstates_reloaded(struct realm_states *set);

/*
 * Take the kept context when it was made from a profile equal to profile;
 * the caller owns it until realmstate_give_ctx().  A kept context made
 * from another profile is freed.  Returns NULL when there is none to take.
 */
struct krbctx *realmstate_take_ctx(struct realm_state *st,
                                   const struct krbprofile *profile);

/* Keep kc (taken over) for the realm's next probe, in place of any other. */
void realmstate_give_ctx(struct realm_state *st, struct krbctx *kc);

/* The answer of realmstate_claim(). */
enum guard_claim {
    GUARD_PRESENT,            /* the caller may present the credentials, and
                                 must call realmstate_release() after */
    GUARD_ARMED,              /* backoff: do not present them */
    GUARD_BUSY,               /* another probe was presenting them until the
                                 deadline */
    GUARD_NOMEM               /* no memory for the client's guard */
};

/* What the guard says when it holds a probe back. */
struct guard_view {
    double left;              /* seconds of backoff left */
    struct probe_error error; /* the credential error that armed it */
    unsigned long status;     /* its AD extended status; 0: none */
    char message[512];        /* its message */
};

/*
 * Ask to present client cl's credentials (its keytab or password file,
 * whose identity is stamped into *stamp_out).  While another probe
 * presents them, wait for its outcome, but not past deadline (monotonic).
 * With GUARD_ARMED, *view_out says why.
 */
enum guard_claim realmstate_claim(struct realm_state *st,
                                  const struct conf_client *cl,
                                  double deadline,
                                  struct cred_stamp *stamp_out,
                                  struct guard_view *view_out);

/*
 * End a presentation that realmstate_claim() allowed for cl, with the
 * outcome of the AS exchange made with stamp's credentials: a credential
 * failure arms the guard (policy from conf), a success disarms it,
 * anything else leaves it as it is.  The AD extended status is kept with
 * the error, so that a held-back probe reports the same status.  Logs when
 * the guard is armed.
 */
void realmstate_release(struct realm_state *st, const struct conf_realm *conf,
                        const struct conf_client *cl,
                        const struct cred_stamp *stamp, int success,
                        struct probe_error error, unsigned long status,
                        const char *message);

/* Seconds of backoff left now, the longest over conf's clients (0: none). */
double realmstate_backoff_left(struct realm_state *st,
                               const struct conf_realm *conf);

#endif
