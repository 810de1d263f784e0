/* realmstate: per-realm state kept between probes; see realmstate.h. */
#include "probes/realmstate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "base/grow.h"
#include "base/log.h"

void
realmstates_init(struct realm_states *set)
{
    memset(set, 0, sizeof(*set));
    pthread_mutex_init(&set->lock, NULL);
}

static void
state_free(struct realm_state *st)
{
    if (st == NULL)
        return;
    krbctx_free(st->idle);
    ktcache_destroy(&st->keytabs);
    for (size_t i = 0; i < st->n_guards; i++)
        free(st->guards[i].principal);
    free(st->guards);
    pthread_cond_destroy(&st->released);
    pthread_mutex_destroy(&st->lock);
    free(st->realm);
    free(st);
}

void
realmstates_destroy(struct realm_states *set)
{
    for (size_t i = 0; i < set->n; i++)
        state_free(set->items[i]);
    free(set->items);
    pthread_mutex_destroy(&set->lock);
    memset(set, 0, sizeof(*set));
}

static struct realm_state *
state_new(const char *realm)
{
    struct realm_state *st = calloc(1, sizeof(*st));
    pthread_condattr_t attr;

    if (st == NULL)
        return NULL;
    st->realm = strdup(realm);
    if (st->realm == NULL) {
        free(st);
        return NULL;
    }
    pthread_mutex_init(&st->lock, NULL);
    ktcache_init(&st->keytabs);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&st->released, &attr);
    pthread_condattr_destroy(&attr);
    return st;
}

struct realm_state *
realmstates_get(struct realm_states *set, const char *realm)
{
    struct realm_state *st = NULL;

    pthread_mutex_lock(&set->lock);
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->items[i]->realm, realm) == 0) {
            st = set->items[i];
            goto done;
        }
    }
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 8;
        struct realm_state **grown = realloc(set->items,
                                             cap * sizeof(*grown));
        if (grown == NULL)
            goto done;
        set->items = grown;
        set->cap = cap;
    }
    st = state_new(realm);
    if (st != NULL)
        set->items[set->n++] = st;
done:
    pthread_mutex_unlock(&set->lock);
    return st;
}

void
realmstates_reloaded(struct realm_states *set)
{
    pthread_mutex_lock(&set->lock);
    for (size_t i = 0; i < set->n; i++) {
        struct realm_state *st = set->items[i];
        struct krbctx *idle;

        pthread_mutex_lock(&st->lock);
        for (size_t j = 0; j < st->n_guards; j++)
            lockout_reset(&st->guards[j].lockout);
        idle = st->idle;
        st->idle = NULL;
        pthread_mutex_unlock(&st->lock);
        krbctx_free(idle);
    }
    pthread_mutex_unlock(&set->lock);
}

struct krbctx *
realmstate_take_ctx(struct realm_state *st, const struct krbprofile *profile)
{
    struct krbctx *kc;

    pthread_mutex_lock(&st->lock);
    kc = st->idle;
    st->idle = NULL;
    pthread_mutex_unlock(&st->lock);
    if (kc != NULL && !krbprofile_equal(&kc->profile, profile)) {
        krbctx_free(kc);      /* made for KDCs or settings now changed */
        kc = NULL;
    }
    return kc;
}

void
realmstate_give_ctx(struct realm_state *st, struct krbctx *kc)
{
    struct krbctx *older;

    pthread_mutex_lock(&st->lock);
    older = st->idle;
    st->idle = kc;
    pthread_mutex_unlock(&st->lock);
    krbctx_free(older);
}

/* The credentials file a client presents: its keytab or password file. */
static const char *
cred_path(const struct conf_client *cl)
{
    return cl->keytab != NULL ? cl->keytab : cl->password_file;
}

/* The guard of principal, made on first use; NULL when out of memory.
 * st->lock held.  The pointer is good until the lock is dropped. */
static struct client_guard *
guard_locked(struct realm_state *st, const char *principal)
{
    struct client_guard *g;

    for (size_t i = 0; i < st->n_guards; i++)
        if (strcmp(st->guards[i].principal, principal) == 0)
            return &st->guards[i];
    g = grow_one(&st->guards, st->n_guards, sizeof(*g));
    if (g == NULL)
        return NULL;
    g->principal = strdup(principal);
    if (g->principal == NULL)
        return NULL;
    st->n_guards++;
    return g;
}

enum guard_claim
realmstate_claim(struct realm_state *st, const struct conf_client *cl,
                 double deadline, struct cred_stamp *stamp_out,
                 struct guard_view *view_out)
{
    struct timespec until = clocks_timespec(deadline);
    struct client_guard *g;
    enum guard_claim claim;
    double left = 0;

    pthread_mutex_lock(&st->lock);
    /* Wait out a presentation in flight: its outcome decides ours. */
    for (;;) {
        g = guard_locked(st, cl->principal);
        if (g == NULL) {
            pthread_mutex_unlock(&st->lock);
            return GUARD_NOMEM;
        }
        if (!g->presenting)
            break;
        if (pthread_cond_timedwait(&st->released, &st->lock, &until) ==
                ETIMEDOUT) {
            g = guard_locked(st, cl->principal);
            if (g != NULL && !g->presenting)
                break;
            pthread_mutex_unlock(&st->lock);
            return GUARD_BUSY;
        }
    }
    /* Stamp the file under the lock, so that the stamp checked is the
     * stamp recorded with the outcome. */
    lockout_stamp(cred_path(cl), stamp_out);
    if (lockout_active(&g->lockout, stamp_out, clocks_now(), &left)) {
        view_out->left = left;
        view_out->error = g->lockout.error;
        view_out->status = g->lockout.status;
        snprintf(view_out->message, sizeof(view_out->message), "%s",
                 g->lockout.message);
        claim = GUARD_ARMED;
    } else {
        g->presenting = 1;
        claim = GUARD_PRESENT;
    }
    pthread_mutex_unlock(&st->lock);
    return claim;
}

void
realmstate_release(struct realm_state *st, const struct conf_realm *conf,
                   const struct conf_client *cl,
                   const struct cred_stamp *stamp, int success,
                   struct probe_error error, unsigned long status,
                   const char *message)
{
    struct lockout_policy policy = { conf->backoff, conf->backoff_max };
    struct client_guard *g;
    double period = 0;
    int armed;

    pthread_mutex_lock(&st->lock);
    /* The guard was made by the claim, and guards are never removed. */
    g = guard_locked(st, cl->principal);
    if (g != NULL) {
        lockout_after_tgt(&g->lockout, &policy, success, error, message,
                          stamp, clocks_now());
        period = g->lockout.period;
        g->presenting = 0;
    }
    armed = !success && lockout_is_credential_error(error);
    if (g != NULL && armed)
        g->lockout.status = status;
    pthread_cond_broadcast(&st->released);
    pthread_mutex_unlock(&st->lock);
    if (armed)
        log_warn("realm=%s probe=tgt target=%s: credential failure %s; not "
                 "presenting the credentials again for %.0f s (lockout "
                 "guard)", st->realm, cl->principal,
                 krb5err_name(error.space, error.code), period);
}

double
realmstate_backoff_left(struct realm_state *st, const struct conf_realm *conf)
{
    double longest = 0;

    for (size_t i = 0; i < conf->n_clients; i++) {
        const struct conf_client *cl = &conf->clients[i];
        struct cred_stamp stamp;
        double left = 0;

        lockout_stamp(cred_path(cl), &stamp);
        pthread_mutex_lock(&st->lock);
        for (size_t j = 0; j < st->n_guards; j++)
            if (strcmp(st->guards[j].principal, cl->principal) == 0 &&
                lockout_active(&st->guards[j].lockout, &stamp, clocks_now(),
                               &left) && left > longest)
                longest = left;
        pthread_mutex_unlock(&st->lock);
    }
    return longest;
}
