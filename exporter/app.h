/*
 * app: the exporter's running state (the config in force, the scraper,
 * the error counters, reload status, build info) and the handlers that turn
 * requests into replies.
 */
#ifndef KRB5EXP_APP_H
#define KRB5EXP_APP_H

#include <pthread.h>
#include <stddef.h>

#include "conf/conf.h"
#include "exporter/confref.h"
#include "exporter/counters.h"
#include "exporter/expo.h"
#include "exporter/http.h"
#include "exporter/scrape.h"
#include "probes/result.h"

struct app_kept;
struct app_latest_slot;

struct app {
    pthread_mutex_t lock;             /* guards conf, the reload fields and
                                         the latest results */
    const char *config_path;          /* borrowed: where reloads read */
    struct confref *conf;             /* the config in force */
    int reload_successful;
    double reload_success_timestamp;  /* unix time */
    struct counters counters;
    struct scraper scraper;
    struct expo_build_info build;     /* static strings */
    int stopping;                     /* shutting down: not ready */
    struct app_latest_slot *latest;   /* owned array of n_latest: each
                                         realm's latest result (below) */
    size_t n_latest;
};

/*
 * Start with conf (taken over, even on failure), loaded from config_path
 * (borrowed), with conf->workers probe workers.  Returns 0 or an errno
 * value.
 */
int app_init(struct app *app, const char *config_path, struct conf *conf);
void app_destroy(struct app *app);

/* The config in force, with a reference the caller drops. */
struct confref *app_conf(struct app *app);

/*
 * Load the config file again.  A good one replaces the one in force and
 * ends every lockout backoff; a bad one is refused and the old one goes on
 * serving.  Either way each problem is logged and *report_out (caller
 * frees) says what happened.  Returns 0 when the new config is in force.
 */
int app_reload(struct app *app, char **report_out);

/*
 * One scrape of every realm, counted and written as exposition.  On success
 * returns 0, sets *text_out (caller frees) and, when outcome_out is not
 * NULL, fills it with the results (caller clears it with
 * scrape_outcome_clear()).
 */
int app_scrape(struct app *app, double budget_seconds, char **text_out,
               size_t *len_out, struct scrape_outcome *outcome_out);

/*
 * Write the exposition of a scrape's outcome into out.  With self_metrics
 * the exporter's own metrics follow; errors_total is limited to the realms
 * shown otherwise.  Returns 0 or ENOMEM.
 */
int app_render(struct app *app, const struct scrape_outcome *o,
               int self_metrics, double started, struct sbuf *out);

/*
 * The latest result of each realm, for the status page, which shows them
 * and never probes.  Results are immutable and shared by reference: the
 * app keeps the scrape outcome a result came in (and so its flight's
 * reference) for as long as it is the latest of some realm in it, rather
 * than a copy.  /metrics and /probe (with or without debug) keep theirs;
 * --once keeps nothing, since nothing will read it.
 *
 * app_keep_latest() takes o over (even on failure; it is cleared) and
 * makes each of its results the latest of its realm.  It drops what it
 * kept for realms the config in force no longer has.
 */
void app_keep_latest(struct app *app, struct scrape_outcome *o);

/* One realm's latest result, as held for a reader. */
struct app_latest {
    const struct realm_result *result;  /* borrowed until
                                           app_latest_release(); NULL: the
                                           realm has not been probed since
                                           the start */
    double at;                        /* clocks_now() when it was kept */
    double at_wall;                   /* clocks_wall() then */
    struct app_kept *kept;            /* private: the reader's reference */
};

/*
 * Fill out[i] with the latest result of conf->realms[i], for each of
 * conf->n_realms, each holding a reference the caller drops with
 * app_latest_release(out, conf->n_realms).  Starts no probe.
 */
void app_latest_get(struct app *app, const struct conf *conf,
                    struct app_latest *out);
void app_latest_release(struct app_latest *latest, size_t n);

/* The exporter is shutting down: /-/ready says so from now on. */
void app_begin_shutdown(struct app *app);

/* 1 while the exporter serves, 0 once it is shutting down. */
int app_ready(struct app *app);

#endif
