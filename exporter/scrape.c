/* scrape: realm probes under one deadline, shared; see scrape.h. */
#include "exporter/scrape.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "base/log.h"
#include "probes/trace.h"

/* One realm probe, and everything it touches. */
struct flight {
    struct scraper *sched;
    struct confref *conf;             /* a reference held by the flight */
    const struct conf_realm *realm;   /* inside conf */
    struct realm_state *state;        /* borrowed from sched->states */
    double deadline;
    struct trace *trace;              /* owned; NULL: untraced */
    atomic_int refs;                  /* the worker's, each waiting
                                         scrape's, and the active list's */
    int done;                         /* under sched->lock */
    struct realm_result result;       /* written by the worker until done;
                                         immutable after */
};

/* Drop a reference; the last one frees the flight and all it owns. */
static void
flight_release(struct flight *f)
{
    if (f == NULL || atomic_fetch_sub(&f->refs, 1) != 1)
        return;
    result_clear(&f->result);
    if (f->trace != NULL) {
        trace_free(f->trace);
        free(f->trace);
    }
    confref_put(f->conf);
    free(f);
}

/* Take f off the active list, dropping the list's reference; s->lock
 * held.  Nothing happens when it is not there. */
static void
deactivate_locked(struct scraper *s, struct flight *f)
{
    for (size_t i = 0; i < s->n_active; i++) {
        if (s->active[i] == f) {
            s->active[i] = s->active[--s->n_active];
            flight_release(f);     /* never the last: the worker holds one */
            return;
        }
    }
}

static void
run_flight(void *arg)
{
    struct flight *f = arg;
    struct scraper *s = f->sched;
    struct realm_result res;
    int ret;

    memset(&res, 0, sizeof(res));
    if (clocks_left(f->deadline) <= 0) {
        /* It waited in the queue past its deadline: do not start now. */
        ret = realmprobe_timed_out(f->realm, &res);
    } else {
        struct realmprobe_opts opts = { &f->conf->conf->dns, f->deadline,
                                        f->trace, f->state, f->conf->conf };
        ret = s->probe(f->realm, &opts, &res);
    }
    if (ret != 0)
        log_error("realm=%s: out of memory recording probe results",
                  f->realm->realm);
    /* What rendering needs travels with the result. */
    if (f->state != NULL)
        res.backoff_left = realmstate_backoff_left(f->state, f->realm);
    if (counters_add_result(s->counters, &res) != 0)
        log_error("realm=%s: out of memory counting errors", f->realm->realm);
    pthread_mutex_lock(&s->lock);
    f->result = res;
    f->done = 1;
    deactivate_locked(s, f);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    flight_release(f);
}

/* The untraced flight of realm in the air, or NULL; s->lock held. */
static struct flight *
active_for_locked(struct scraper *s, const char *realm)
{
    for (size_t i = 0; i < s->n_active; i++) {
        if (!s->active[i]->done &&
            strcmp(s->active[i]->realm->realm, realm) == 0)
            return s->active[i];
    }
    return NULL;
}

/* Put f on the active list with a reference of the list's; s->lock held.
 * When the list cannot grow, f is simply not shared. */
static void
activate_locked(struct scraper *s, struct flight *f)
{
    if (s->n_active == s->cap_active) {
        size_t cap = s->cap_active ? s->cap_active * 2 : 8;
        struct flight **grown = realloc(s->active, cap * sizeof(*grown));
        if (grown == NULL)
            return;
        s->active = grown;
        s->cap_active = cap;
    }
    atomic_fetch_add(&f->refs, 1);
    s->active[s->n_active++] = f;
}

/* Make and queue a new flight, with a reference for the caller; s->lock
 * held.  Returns NULL on failure. */
static struct flight *
launch_locked(struct scraper *s, struct confref *conf,
              const struct conf_realm *realm, double deadline, int traced)
{
    struct flight *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
    f->sched = s;
    f->realm = realm;
    f->deadline = deadline;
    f->state = realmstates_get(&s->states, realm->realm);
    if (f->state == NULL)
        goto fail;
    if (traced) {
        f->trace = malloc(sizeof(*f->trace));
        if (f->trace == NULL)
            goto fail;
        trace_init(f->trace);
    }
    f->conf = confref_get(conf);
    atomic_init(&f->refs, 2);         /* the caller's and the worker's */
    if (pool_submit(&s->pool, run_flight, f) != 0) {
        atomic_init(&f->refs, 1);
        flight_release(f);
        return NULL;
    }
    if (!traced)
        activate_locked(s, f);
    return f;
fail:
    free(f);
    return NULL;
}

/* The trace text of f so far, copied (caller frees), or NULL. */
static char *
trace_text(struct flight *f)
{
    char *text;

    if (f == NULL || f->trace == NULL)
        return NULL;
    pthread_mutex_lock(&f->trace->lock);
    text = strdup(f->trace->text.data != NULL ? f->trace->text.data : "");
    pthread_mutex_unlock(&f->trace->lock);
    return text;
}

int
scrape_realms(struct scraper *s, struct confref *conf, const size_t *idx,
              size_t n, double budget_seconds, int traced,
              struct scrape_outcome *out)
{
    struct scrape_outcome o;
    double now = clocks_now(), wait_until = now;
    size_t slots = n ? n : 1;
    int ret = 0;

    memset(&o, 0, sizeof(o));
    o.n = n;
    o.held = calloc(slots, sizeof(*o.held));
    o.results = calloc(slots, sizeof(*o.results));
    o.view = calloc(slots, sizeof(*o.view));
    o.late = calloc(slots, sizeof(*o.late));
    if (o.held == NULL || o.results == NULL || o.view == NULL ||
        o.late == NULL) {
        scrape_outcome_clear(&o);
        return ENOMEM;
    }
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < n; i++) {
        const struct conf_realm *realm = &conf->conf->realms[idx[i]];
        double d = now + realm->timeout;

        if (budget_seconds > 0 && now + budget_seconds < d)
            d = now + budget_seconds;
        if (d > wait_until)
            wait_until = d;
        o.held[i] = traced ? NULL : active_for_locked(s, realm->realm);
        if (o.held[i] != NULL) {
            atomic_fetch_add(&o.held[i]->refs, 1);
            continue;
        }
        o.held[i] = launch_locked(s, conf, realm, d, traced);
        if (o.held[i] == NULL)
            log_error("realm=%s: cannot queue its probe", realm->realm);
    }
    /* Wait for every probe, but never past the deadline plus a little
     * grace: the answer must reach Prometheus before its own timeout. */
    wait_until += SCRAPE_GRACE_SECONDS;
    s->n_waiting++;
    for (;;) {
        struct timespec ts = clocks_timespec(wait_until);
        int pending = 0;
        for (size_t i = 0; i < n; i++)
            pending |= o.held[i] != NULL && !o.held[i]->done;
        if (!pending ||
            pthread_cond_timedwait(&s->cond, &s->lock, &ts) == ETIMEDOUT)
            break;
    }
    s->n_waiting--;
    for (size_t i = 0; i < n; i++) {
        const struct conf_realm *realm = &conf->conf->realms[idx[i]];
        if (o.held[i] != NULL && o.held[i]->done) {
            o.results[i] = &o.held[i]->result;
            continue;
        }
        log_warn("realm=%s: probes did not finish before the scrape "
                 "deadline", realm->realm);
        if (realmprobe_timed_out(realm, &o.late[i]) != 0)
            ret = ENOMEM;
        o.results[i] = &o.late[i];
    }
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < n; i++) {
        if (o.results[i] == &o.late[i] && o.held[i] != NULL &&
            o.held[i]->state != NULL)
            o.late[i].backoff_left = realmstate_backoff_left(
                o.held[i]->state, o.held[i]->realm);
        o.view[i] = *o.results[i];
    }
    if (traced && n == 1) {
        o.trace = trace_text(o.held[0]);
        if (o.trace == NULL)
            ret = ENOMEM;
    }
    o.probes_in_flight = pool_busy(&s->pool);
    if (ret != 0) {
        scrape_outcome_clear(&o);
        return ret;
    }
    *out = o;
    return 0;
}

void
scrape_outcome_clear(struct scrape_outcome *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->n; i++) {
        if (o->held != NULL)
            flight_release(o->held[i]);
        if (o->late != NULL)
            result_clear(&o->late[i]);
    }
    free(o->held);
    free(o->late);
    free(o->view);
    free(o->results);
    free(o->trace);
    memset(o, 0, sizeof(*o));
}

void
scrape_config_reloaded(struct scraper *s)
{
    realmstates_reloaded(&s->states);
}

int
scrape_start(struct scraper *s, size_t workers, struct counters *counters)
{
    pthread_condattr_t attr;

    memset(s, 0, sizeof(*s));
    s->counters = counters;
    s->probe = realmprobe_run;
    pthread_mutex_init(&s->lock, NULL);
    realmstates_init(&s->states);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &attr);
    pthread_condattr_destroy(&attr);
    return pool_start(&s->pool, workers);
}

void
scrape_stop(struct scraper *s)
{
    pool_stop(&s->pool);
    /* Every flight has finished and left the active list. */
    free(s->active);
    s->active = NULL;
    s->n_active = s->cap_active = 0;
    realmstates_destroy(&s->states);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
}
