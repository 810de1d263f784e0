/* app: running state and request handlers; see app.h. */
#include "exporter/app.h"

#include <ares.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/clocks.h"
#include "base/grow.h"
#include "exporter/procstat.h"
#include "probes/krb5err.h"
#include "version.h"

int
app_init(struct app *app, const char *config_path, struct conf *conf)
{
    int ret;

    memset(app, 0, sizeof(*app));
    app->conf = confref_new(conf);
    if (app->conf == NULL)
        return ENOMEM;
    ret = counters_init(&app->counters);
    if (ret != 0) {
        confref_put(app->conf);
        return ret;
    }
    ret = scrape_start(&app->scraper, conf->workers, &app->counters);
    if (ret != 0) {
        counters_destroy(&app->counters);
        confref_put(app->conf);
        return ret;
    }
    pthread_mutex_init(&app->lock, NULL);
    app->config_path = config_path;
    app->reload_successful = 1;
    app->reload_success_timestamp = clocks_wall();
    app->build.version = KRB5EXP_VERSION;
    app->build.krb5_version = KRB5EXP_KRB5_VERSION;
    app->build.cares_version = ares_version(NULL);
    app->build.microhttpd_version = MHD_get_version();
    return 0;
}

static void latest_drop_all(struct app *app);

void
app_destroy(struct app *app)
{
    latest_drop_all(app);
    scrape_stop(&app->scraper);
    counters_destroy(&app->counters);
    confref_put(app->conf);
    app->conf = NULL;
    pthread_mutex_destroy(&app->lock);
}

struct confref *
app_conf(struct app *app)
{
    struct confref *ref;

    pthread_mutex_lock(&app->lock);
    ref = confref_get(app->conf);
    pthread_mutex_unlock(&app->lock);
    return ref;
}

int
app_reload(struct app *app, char **report_out)
{
    struct conf_errors errs = { NULL, 0 };
    struct conf *conf = NULL;
    struct confref *fresh, *old;
    struct sbuf report;
    int ret = -1;

    sbuf_init(&report);
    if (conf_load_file(app->config_path, &conf, &errs) != 0) {
        for (size_t i = 0; i < errs.count; i++) {
            log_error("reload: %s", errs.messages[i]);
            sbuf_addf(&report, "%s\n", errs.messages[i]);
        }
        log_error("reload: %s is invalid; the previous configuration stays "
                  "in force", app->config_path);
        sbuf_addf(&report, "%s: configuration is invalid; the previous one "
                  "stays in force\n", app->config_path);
        pthread_mutex_lock(&app->lock);
        app->reload_successful = 0;
        pthread_mutex_unlock(&app->lock);
        goto done;
    }
    fresh = confref_new(conf);
    if (fresh == NULL) {
        sbuf_add(&report, "out of memory\n");
        goto done;
    }
    if (conf->workers != app->scraper.pool.n_threads)
        log_warn("reload: workers = %u takes effect at the next start",
                 conf->workers);
    pthread_mutex_lock(&app->lock);
    old = app->conf;
    app->conf = fresh;
    app->reload_successful = 1;
    app->reload_success_timestamp = clocks_wall();
    pthread_mutex_unlock(&app->lock);
    /* New config, new chance: end every lockout backoff; and no krb5
     * context made for the old config serves the new one. */
    scrape_config_reloaded(&app->scraper);
    confref_put(old);
    log_info("reload: %s loaded with %zu realm%s", app->config_path,
             conf->n_realms, conf->n_realms == 1 ? "" : "s");
    sbuf_addf(&report, "%s: configuration reloaded (%zu realm%s)\n",
              app->config_path, conf->n_realms,
              conf->n_realms == 1 ? "" : "s");
    ret = 0;
done:
    conf_errors_clear(&errs);
    *report_out = sbuf_take(&report, NULL);
    return ret;
}

static void
log_failures(const struct realm_result *results, size_t n)
{
    if (!log_enabled(LOG_LEVEL_DEBUG))
        return;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < results[i].n_probes; j++) {
            const struct probe_result *p = &results[i].probes[j];
            if (p->success)
                continue;
            log_debug("realm=%s probe=%s target=%s code=%ld name=%s: %s",
                      results[i].realm, probe_kind_name(p->kind), p->target,
                      p->error.code,
                      krb5err_name(p->error.space, p->error.code),
                      p->message ? p->message : "");
        }
    }
}

int
app_render(struct app *app, const struct scrape_outcome *o, int self_metrics,
       double started, struct sbuf *out)
{
    struct error_count *errors = NULL;
    size_t n_errors = 0, kept = 0, n = o->n;
    struct expo_snapshot snap;
    struct expo_self self;
    struct procstat process;
    double *backoff;
    int ret;

    backoff = calloc(n ? n : 1, sizeof(*backoff));
    if (backoff == NULL)
        return ENOMEM;
    for (size_t i = 0; i < n; i++)
        backoff[i] = o->results[i]->backoff_left;
    ret = counters_snapshot(&app->counters, &errors, &n_errors);
    if (ret != 0) {
        free(backoff);
        return ret;
    }
    /* Keep only the counts of the realms shown. */
    for (size_t i = 0; i < n_errors; i++) {
        int shown = 0;
        for (size_t j = 0; j < n && !shown; j++)
            shown = strcmp(errors[i].realm, o->results[j]->realm) == 0;
        if (shown) {
            struct error_count e = errors[i];
            errors[i] = errors[kept];
            errors[kept++] = e;
        }
    }
    memset(&snap, 0, sizeof(snap));
    snap.realms = o->view;
    snap.n_realms = n;
    snap.backoff_left = backoff;
    snap.errors = errors;
    snap.n_errors = kept;
    if (self_metrics) {
        pthread_mutex_lock(&app->lock);
        self.reload_successful = app->reload_successful;
        self.reload_success_timestamp = app->reload_success_timestamp;
        pthread_mutex_unlock(&app->lock);
        self.build = &app->build;
        self.probes_in_flight = o->probes_in_flight;
        procstat_read(&process);
        self.process = &process;
        self.scrape_duration = clocks_now() - started;
        snap.self = &self;
    }
    expo_write(out, &snap);
    counters_snapshot_free(errors, n_errors);
    free(backoff);
    return sbuf_status(out) == 0 ? 0 : ENOMEM;
}

int
app_scrape(struct app *app, double budget_seconds, char **text_out,
           size_t *len_out, struct scrape_outcome *outcome_out)
{
    struct confref *conf = app_conf(app);
    size_t n = conf->conf->n_realms, *idx;
    struct scrape_outcome outcome;
    double started = clocks_now();
    struct sbuf out;
    int ret;

    memset(&outcome, 0, sizeof(outcome));
    sbuf_init(&out);
    idx = calloc(n ? n : 1, sizeof(*idx));
    if (idx == NULL) {
        confref_put(conf);
        return ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    ret = scrape_realms(&app->scraper, conf, idx, n, budget_seconds, 0,
                        &outcome);
    if (ret != 0)
        goto cleanup;
    log_failures(outcome.view, n);
    ret = app_render(app, &outcome, 1, started, &out);
    if (ret != 0)
        goto cleanup;
    *text_out = sbuf_take(&out, len_out);
    if (outcome_out != NULL) {
        *outcome_out = outcome;
        memset(&outcome, 0, sizeof(outcome));
    } else {
        app_keep_latest(app, &outcome);
    }
cleanup:
    sbuf_free(&out);
    scrape_outcome_clear(&outcome);
    free(idx);
    confref_put(conf);
    return ret;
}

/* ---- the latest result of each realm, for the status page ---- */

/*
 * One scrape's outcome, kept while a result in it is the latest of some
 * realm or a reader holds it: one reference per slot and per reader.
 * Holding the outcome holds its flights, so the results stay as they
 * were made, shared with whatever else still holds them; nothing is
 * copied.  At most one outcome per realm stays alive this way.
 */
struct app_kept {
    atomic_int refs;
    struct scrape_outcome outcome;
};

/* One realm's latest result: kept->outcome.results[index]. */
struct app_latest_slot {
    const char *realm;                /* borrowed from that result */
    struct app_kept *kept;            /* a reference */
    size_t index;
    double at, at_wall;               /* when it was kept */
};

/* Drop a reference; the last one lets the outcome (and its flights) go.
 * Takes no lock, so it is safe with app->lock held or not. */
static void
kept_release(struct app_kept *k)
{
    if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1)
        return;
    scrape_outcome_clear(&k->outcome);
    free(k);
}

/* The slot of realm, or NULL; app->lock held. */
static struct app_latest_slot *
latest_find_locked(struct app *app, const char *realm)
{
    for (size_t i = 0; i < app->n_latest; i++) {
        if (strcmp(app->latest[i].realm, realm) == 0)
            return &app->latest[i];
    }
    return NULL;
}

/* Drop the slots of realms the config in force does not have, so that
 * reloads that remove realms do not keep their results; app->lock held. */
static void
latest_prune_locked(struct app *app)
{
    const struct conf *conf = app->conf->conf;
    size_t kept = 0;

    for (size_t i = 0; i < app->n_latest; i++) {
        int configured = 0;
        for (size_t j = 0; j < conf->n_realms && !configured; j++)
            configured = strcmp(conf->realms[j].realm,
                                app->latest[i].realm) == 0;
        if (configured)
            app->latest[kept++] = app->latest[i];
        else
            kept_release(app->latest[i].kept);
    }
    app->n_latest = kept;
}

void
app_keep_latest(struct app *app, struct scrape_outcome *o)
{
    double at = clocks_now(), at_wall = clocks_wall();
    struct app_kept *k;

    if (o->n == 0) {
        scrape_outcome_clear(o);
        return;
    }
    k = calloc(1, sizeof(*k));
    if (k == NULL) {
        log_error("out of memory keeping the latest results for the "
                  "status page");
        scrape_outcome_clear(o);
        return;
    }
    /* A debug page's trace served that page; the status page has no use
     * for it. */
    free(o->trace);
    o->trace = NULL;
    k->outcome = *o;
    memset(o, 0, sizeof(*o));
    atomic_init(&k->refs, 1);         /* this function's, dropped below */
    pthread_mutex_lock(&app->lock);
    for (size_t i = 0; i < k->outcome.n; i++) {
        const char *realm = k->outcome.results[i]->realm;
        struct app_latest_slot *s;

        if (realm == NULL)
            continue;
        s = latest_find_locked(app, realm);
        if (s == NULL) {
            s = grow_one(&app->latest, app->n_latest, sizeof(*s));
            if (s == NULL) {
                log_error("realm=%s: out of memory keeping its latest "
                          "result for the status page", realm);
                continue;
            }
            app->n_latest++;
        } else {
            /* s->realm may point into the outcome let go here: it is
             * replaced at once. */
            kept_release(s->kept);
        }
        atomic_fetch_add(&k->refs, 1);
        s->realm = realm;
        s->kept = k;
        s->index = i;
        s->at = at;
        s->at_wall = at_wall;
    }
    latest_prune_locked(app);
    pthread_mutex_unlock(&app->lock);
    kept_release(k);
}

void
app_latest_get(struct app *app, const struct conf *conf,
               struct app_latest *out)
{
    pthread_mutex_lock(&app->lock);
    for (size_t i = 0; i < conf->n_realms; i++) {
        struct app_latest_slot *s =
            latest_find_locked(app, conf->realms[i].realm);

        memset(&out[i], 0, sizeof(out[i]));
        if (s == NULL)
            continue;
        atomic_fetch_add(&s->kept->refs, 1);
        out[i].kept = s->kept;
        out[i].result = s->kept->outcome.results[s->index];
        out[i].at = s->at;
        out[i].at_wall = s->at_wall;
    }
    pthread_mutex_unlock(&app->lock);
}

void
app_latest_release(struct app_latest *latest, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        kept_release(latest[i].kept);
        memset(&latest[i], 0, sizeof(latest[i]));
    }
}

static void
latest_drop_all(struct app *app)
{
    for (size_t i = 0; i < app->n_latest; i++)
        kept_release(app->latest[i].kept);
    free(app->latest);
    app->latest = NULL;
    app->n_latest = 0;
}

void
app_begin_shutdown(struct app *app)
{
    pthread_mutex_lock(&app->lock);
    app->stopping = 1;
    pthread_mutex_unlock(&app->lock);
}

int
app_ready(struct app *app)
{
    int ready;

    pthread_mutex_lock(&app->lock);
    ready = !app->stopping;
    pthread_mutex_unlock(&app->lock);
    return ready;
}
