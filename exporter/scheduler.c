/* scheduler: shared, bounded realm probes under deadlines; see scheduler.h. */
#include "exporter/scheduler.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/clocks.h"
#include "probes/realmprobe.h"

/* One realm probe, shared by every scrape that waits for it. */
struct flight {
    struct scheduler *sched;
    struct confref *conf;             /* a reference held by the flight */
    const struct conf_realm *realm;   /* inside conf */
    double deadline;
    struct realmprobe_guard guard;
    char guard_message[512];
    struct cred_stamp stamp;          /* the credentials it presents */
    struct trace *trace;              /* borrowed from the one scrape that
                                         waits for a traced probe */
    struct realm_state *state;        /* NULL for traced probes */
    int refs;                         /* under sched->lock */
    int done;                         /* under sched->lock */
    struct realm_result result;       /* written by the worker until done */
};

/* Called with s->lock held. */
static struct realm_state *
state_for(struct scheduler *s, const char *realm)
{
    struct realm_state **grown, *st;

    for (size_t i = 0; i < s->n_states; i++) {
        if (strcmp(s->states[i]->realm, realm) == 0)
            return s->states[i];
    }
    grown = realloc(s->states, (s->n_states + 1) * sizeof(*grown));
    if (grown == NULL)
        return NULL;
    s->states = grown;
    st = calloc(1, sizeof(*st));
    if (st == NULL)
        return NULL;
    st->realm = strdup(realm);
    if (st->realm == NULL) {
        free(st);
        return NULL;
    }
    s->states[s->n_states++] = st;
    return st;
}

/* Drop a reference; the last one frees.  Called with s->lock held. */
static void
flight_release_locked(struct flight *f)
{
    if (--f->refs > 0)
        return;
    result_clear(&f->result);
    confref_put(f->conf);
    free(f);
}

/* The credentials file a realm presents. */
static const char *
cred_path(const struct conf_realm *r)
{
    return r->keytab != NULL ? r->keytab : r->password_file;
}

/* The tgt result of a run, or NULL. */
static const struct probe_result *
tgt_of(const struct realm_result *r)
{
    for (size_t i = 0; i < r->n_probes; i++) {
        if (r->probes[i].kind == PROBE_TGT)
            return &r->probes[i];
    }
    return NULL;
}

/* Count failures and move the lockout guard on; s->lock held. */
static void
account_locked(struct scheduler *s, struct flight *f)
{
    const struct probe_result *tgt = tgt_of(&f->result);
    struct lockout_policy policy = { f->realm->backoff, f->realm->backoff_max };

    if (counters_add_result(s->counters, &f->result) != 0)
        log_error("realm=%s: out of memory counting errors", f->realm->realm);
    if (f->state == NULL || tgt == NULL || tgt->skipped || f->guard.active)
        return;
    lockout_after_tgt(&f->state->lockout, &policy, tgt->success, tgt->error,
                      tgt->message, &f->stamp, clocks_now());
    if (f->state->lockout.until > 0 && !tgt->success)
        log_warn("realm=%s probe=tgt: credential failure %s; not presenting "
                 "the credentials again for %.0f s (lockout guard)",
                 f->realm->realm, krb5err_name(tgt->error.space,
                                                tgt->error.code),
                 f->state->lockout.period);
}

static void
run_flight(void *arg)
{
    struct flight *f = arg;
    struct scheduler *s = f->sched;
    struct realm_result res;
    int ret;

    memset(&res, 0, sizeof(res));
    if (clocks_left(f->deadline) <= 0) {
        /* It waited in the queue past its deadline: do not start now. */
        ret = realmprobe_timed_out(f->realm, &res);
    } else {
        struct realmprobe_opts opts = { &f->conf->conf->dns, f->deadline,
                                        f->trace, &f->guard, &s->contexts };
        ret = realmprobe_run(f->realm, &opts, &res);
    }
    if (ret != 0)
        log_error("realm=%s: out of memory recording probe results",
                  f->realm->realm);
    pthread_mutex_lock(&s->lock);
    f->result = res;
    f->done = 1;
    account_locked(s, f);
    if (f->state != NULL && f->state->flight == f)
        f->state->flight = NULL;
    pthread_cond_broadcast(&s->cond);
    flight_release_locked(f);
    pthread_mutex_unlock(&s->lock);
}

/* Make and queue a new flight; s->lock held.  Returns NULL on failure. */
static struct flight *
launch_locked(struct scheduler *s, struct confref *conf,
              const struct conf_realm *realm, struct realm_state *st,
              double deadline, struct trace *trace)
{
    struct flight *f = calloc(1, sizeof(*f));
    double left = 0;

    if (f == NULL)
        return NULL;
    f->sched = s;
    f->conf = confref_get(conf);
    f->realm = realm;
    f->deadline = deadline;
    f->trace = trace;
    f->state = trace == NULL ? st : NULL;
    f->refs = 2;              /* the scrape's and the worker's */
    lockout_stamp(cred_path(realm), &f->stamp);
    if (st != NULL &&
        lockout_active(&st->lockout, &f->stamp, clocks_now(), &left)) {
        f->guard.active = 1;
        f->guard.left = left;
        f->guard.error = st->lockout.error;
        snprintf(f->guard_message, sizeof(f->guard_message), "%s",
                 st->lockout.message);
        f->guard.message = f->guard_message;
    }
    if (pool_submit(&s->pool, run_flight, f) != 0) {
        confref_put(f->conf);
        free(f);
        return NULL;
    }
    if (f->state != NULL)
        st->flight = f;
    return f;
}

int
scheduler_scrape(struct scheduler *s, struct confref *conf, const size_t *idx,
                 size_t n, double budget_seconds, struct trace *trace,
                 struct realm_result **results_out)
{
    struct flight **flights;
    struct realm_result *results;
    double now = clocks_now(), wait_until = now;
    int ret = 0;

    flights = calloc(n ? n : 1, sizeof(*flights));
    results = calloc(n ? n : 1, sizeof(*results));
    if (flights == NULL || results == NULL) {
        free(flights);
        free(results);
        return ENOMEM;
    }
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < n; i++) {
        const struct conf_realm *realm = &conf->conf->realms[idx[i]];
        struct realm_state *st = state_for(s, realm->realm);
        double d = now + realm->timeout;

        if (budget_seconds > 0 && now + budget_seconds < d)
            d = now + budget_seconds;
        if (d > wait_until)
            wait_until = d;
        if (trace == NULL && st != NULL && st->flight != NULL &&
            !st->flight->done) {
            flights[i] = st->flight;
            flights[i]->refs++;
            continue;
        }
        flights[i] = launch_locked(s, conf, realm, st, d, trace);
        if (flights[i] == NULL)
            log_error("realm=%s: cannot queue its probe", realm->realm);
    }
    /* Wait for every probe, but never past the deadline plus a little
     * grace: the answer must reach Prometheus before its own timeout. */
    wait_until += SCHEDULER_GRACE_SECONDS;
    for (;;) {
        struct timespec ts = clocks_timespec(wait_until);
        int pending = 0;
        for (size_t i = 0; i < n; i++)
            pending |= flights[i] != NULL && !flights[i]->done;
        if (!pending ||
            pthread_cond_timedwait(&s->cond, &s->lock, &ts) == ETIMEDOUT)
            break;
    }
    for (size_t i = 0; i < n; i++) {
        const struct conf_realm *realm = &conf->conf->realms[idx[i]];
        int r;
        if (flights[i] != NULL && flights[i]->done) {
            r = result_copy(&flights[i]->result, &results[i]);
        } else {
            log_warn("realm=%s: probes did not finish before the scrape "
                     "deadline", realm->realm);
            r = realmprobe_timed_out(realm, &results[i]);
        }
        if (r != 0)
            ret = ENOMEM;
        if (flights[i] != NULL)
            flight_release_locked(flights[i]);
    }
    pthread_mutex_unlock(&s->lock);
    free(flights);
    if (ret != 0) {
        scheduler_results_free(results, n);
        return ret;
    }
    *results_out = results;
    return 0;
}

void
scheduler_results_free(struct realm_result *results, size_t n)
{
    if (results == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        result_clear(&results[i]);
    free(results);
}

double
scheduler_backoff_left(struct scheduler *s, const struct conf_realm *realm)
{
    struct cred_stamp stamp;
    double left = 0;

    lockout_stamp(cred_path(realm), &stamp);
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_states; i++) {
        if (strcmp(s->states[i]->realm, realm->realm) == 0) {
            if (!lockout_active(&s->states[i]->lockout, &stamp, clocks_now(),
                                &left))
                left = 0;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return left;
}

void
scheduler_config_reloaded(struct scheduler *s)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_states; i++)
        lockout_reset(&s->states[i]->lockout);
    pthread_mutex_unlock(&s->lock);
    ctxcache_clear(&s->contexts);
}

size_t
scheduler_in_flight(struct scheduler *s)
{
    return pool_busy(&s->pool);
}

int
scheduler_start(struct scheduler *s, size_t workers, struct counters *counters)
{
    pthread_condattr_t attr;

    memset(s, 0, sizeof(*s));
    s->counters = counters;
    pthread_mutex_init(&s->lock, NULL);
    ctxcache_init(&s->contexts);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &attr);
    pthread_condattr_destroy(&attr);
    return pool_start(&s->pool, workers);
}

void
scheduler_stop(struct scheduler *s)
{
    pool_stop(&s->pool);
    for (size_t i = 0; i < s->n_states; i++) {
        free(s->states[i]->realm);
        free(s->states[i]);
    }
    free(s->states);
    s->states = NULL;
    s->n_states = 0;
    ctxcache_destroy(&s->contexts);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
}
