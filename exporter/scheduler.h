/*
 * scheduler: runs realm probes for scrapes.  One scrape makes one deadline;
 * each realm it asks for becomes a probe on the worker pool, and the scrape
 * waits for all of them or the deadline, whichever comes first.  A realm
 * whose probe has not finished by then is reported with every probe failed
 * as ETIMEDOUT; its probe goes on and frees itself.
 *
 * A scrape that arrives while the same realm's probe is in flight waits for
 * that probe and shares its result, so that several Prometheus servers do
 * not multiply the load on the KDCs.  Nothing is cached beyond the probe in
 * flight: a later scrape probes afresh.
 *
 * The scheduler also keeps each realm's lockout guard across scrapes,
 * counts every probe's failures once, and keeps each realm's krb5 context
 * for its next probe (see probes/ctxcache.h).
 */
#ifndef KRB5EXP_SCHEDULER_H
#define KRB5EXP_SCHEDULER_H

#include <pthread.h>
#include <stddef.h>

#include "exporter/confref.h"
#include "exporter/counters.h"
#include "exporter/pool.h"
#include "probes/ctxcache.h"
#include "probes/lockout.h"
#include "probes/result.h"
#include "probes/trace.h"

/* Grace given to a realm probe past its own deadline before it is left. */
#define SCHEDULER_GRACE_SECONDS 0.2

struct realm_state {
    char *realm;                      /* owned */
    struct lockout_state lockout;
    struct flight *flight;            /* the probe in flight, or NULL */
};

struct scheduler {
    pthread_mutex_t lock;
    pthread_cond_t cond;              /* on CLOCK_MONOTONIC; broadcast when
                                         any probe finishes */
    struct pool pool;
    struct counters *counters;        /* borrowed */
    struct realm_state **states;      /* owned array of n_states owned
                                         states; each stays put, since
                                         flights point at theirs */
    size_t n_states;
    struct ctxcache contexts;         /* krb5 contexts kept between probes */
};

/* Start `workers` worker threads.  Returns 0 or an errno value. */
int scheduler_start(struct scheduler *s, size_t workers,
                    struct counters *counters);

/* Finish every probe queued or running, then stop the workers. */
void scheduler_stop(struct scheduler *s);

/*
 * Probe the realms conf->conf->realms[idx[i]] for i < n.  budget_seconds
 * > 0 bounds the scrape; otherwise each realm's timeout does.  With a
 * trace (n must be 1), the probe is run afresh, not shared, and writes its
 * steps there.  On success returns 0 and sets *results_out to n results in
 * the order asked (the caller frees them with scheduler_results_free()).
 * Returns ENOMEM otherwise.
 */
int scheduler_scrape(struct scheduler *s, struct confref *conf,
                     const size_t *idx, size_t n, double budget_seconds,
                     struct trace *trace, struct realm_result **results_out);
void scheduler_results_free(struct realm_result *results, size_t n);

/* Seconds of lockout backoff left for a realm now (0: none). */
double scheduler_backoff_left(struct scheduler *s,
                              const struct conf_realm *realm);

/*
 * After a config reload: end every realm's backoff, and drop the kept krb5
 * contexts, so that nothing made for the old config outlives it.
 */
void scheduler_config_reloaded(struct scheduler *s);

/* Realm probes queued or running now. */
size_t scheduler_in_flight(struct scheduler *s);

#endif
