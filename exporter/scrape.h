/*
 * scrape: runs realm probes under one deadline, and lets scrapes of the
 * same realm share one probe.  A scrape makes one deadline; each realm it
 * asks for becomes a flight on the worker pool, and the scrape waits for
 * all of them or the deadline, whichever comes first.  A realm whose
 * flight has not finished by then is reported with every probe failed as
 * ETIMEDOUT.
 *
 * A flight owns everything its probe touches: its config snapshot, its
 * trace, its result.  A scrape that stops waiting takes nothing away from
 * a flight still running; it drops its reference, and the last one frees.
 *
 * A scrape that arrives while the same realm's (untraced) flight is in the
 * air waits for that flight and shares its result, so that several
 * Prometheus servers do not multiply the load on the KDCs.  A result is
 * built once by its flight, is never changed after, and is shared by
 * reference with every scrape that waited for it.  Nothing is cached
 * beyond the flight: a later scrape probes afresh.
 *
 * What lives between scrapes of a realm (the lockout guard, the kept krb5
 * context) is the realm's state in probes/realmstate.h, which every flight
 * of the realm, traced or not, goes through.
 */
#ifndef KRB5EXP_SCRAPE_H
#define KRB5EXP_SCRAPE_H

#include <pthread.h>
#include <stddef.h>

#include "exporter/confref.h"
#include "exporter/counters.h"
#include "exporter/pool.h"
#include "probes/realmprobe.h"
#include "probes/realmstate.h"
#include "probes/result.h"

/* Grace given to a realm probe past its own deadline before it is left. */
#define SCRAPE_GRACE_SECONDS 0.2

struct flight;

struct scraper {
    pthread_mutex_t lock;             /* guards active and every flight's
                                         `done` */
    pthread_cond_t cond;              /* on CLOCK_MONOTONIC; broadcast when
                                         any flight finishes */
    struct pool pool;
    struct counters *counters;        /* borrowed */
    struct realm_states states;       /* every realm's state */
    struct flight **active;           /* untraced flights in the air, one
                                         per realm at most; each holds a
                                         reference of its own */
    size_t n_active, cap_active;
    size_t n_waiting;                 /* scrapes waiting for flights now */
    /* The probe a flight runs: realmprobe_run(), or a test's own. */
    int (*probe)(const struct conf_realm *conf,
                 const struct realmprobe_opts *opts, struct realm_result *res);
};

/* What one scrape got. */
struct scrape_outcome {
    size_t n;
    /* n results in the order asked, shared and immutable: borrowed until
     * scrape_outcome_clear(). */
    const struct realm_result **results;
    /* The same n results as an array, for the pure writers: view[i] is a
     * bitwise copy of *results[i], whose arrays and strings it shares.
     * Never clear an entry. */
    struct realm_result *view;
    char *trace;                      /* owned: a traced scrape's step log
                                         (complete, or up to where the
                                         probe was at the deadline) */
    size_t probes_in_flight;          /* realm probes queued or running
                                         when the scrape ended */
    /* private */
    struct flight **held;             /* n references, NULL entries */
    struct realm_result *late;        /* n: results made here for realms
                                         whose flight did not finish */
};

/* Start `workers` worker threads.  Returns 0 or an errno value. */
int scrape_start(struct scraper *s, size_t workers, struct counters *counters);

/* Finish every flight queued or running, then stop the workers. */
void scrape_stop(struct scraper *s);

/*
 * Probe the realms conf->conf->realms[idx[i]] for i < n.  budget_seconds
 * > 0 bounds the scrape; otherwise each realm's timeout does.  A traced
 * scrape (n must be 1) runs its probe afresh, not shared, and returns the
 * probe's step log in out->trace.  On success returns 0 and fills *out
 * (the caller clears it with scrape_outcome_clear()).  Returns ENOMEM
 * otherwise.
 */
int scrape_realms(struct scraper *s, struct confref *conf, const size_t *idx,
                  size_t n, double budget_seconds, int traced,
                  struct scrape_outcome *out);

/* Drop what out holds; a zeroed outcome is fine. */
void scrape_outcome_clear(struct scrape_outcome *out);

/*
 * After a config reload: end every realm's backoff, and drop the kept krb5
 * contexts, so that nothing made for the old config outlives it.
 */
void scrape_config_reloaded(struct scraper *s);

#endif
