/* app: running state and request handlers; see app.h. */
#include "exporter/app.h"

#include <ares.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporter/debugpage.h"
#include "base/log.h"
#include "base/clocks.h"
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

void
app_destroy(struct app *app)
{
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

/*
 * Write the exposition of a scrape's outcome.  With self_metrics the
 * exporter's own metrics follow; errors_total is limited to the realms
 * shown otherwise.
 */
static int
render(struct app *app, const struct scrape_outcome *o, int self_metrics,
       double started, struct sbuf *out)
{
    struct error_count *errors = NULL;
    size_t n_errors = 0, kept = 0, n = o->n;
    struct expo_snapshot snap;
    struct expo_self self;
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
    ret = render(app, &outcome, 1, started, &out);
    if (ret != 0)
        goto cleanup;
    *text_out = sbuf_take(&out, len_out);
    if (outcome_out != NULL) {
        *outcome_out = outcome;
        memset(&outcome, 0, sizeof(outcome));
    }
cleanup:
    sbuf_free(&out);
    scrape_outcome_clear(&outcome);
    free(idx);
    confref_put(conf);
    return ret;
}

int
app_metrics(void *arg, double budget_seconds, struct http_reply *out)
{
    struct app *app = arg;
    int ret = app_scrape(app, budget_seconds, &out->body, &out->len, NULL);

    if (ret != 0) {
        log_error("scrape failed: %s", strerror(ret));
        return -1;
    }
    out->status = 200;
    out->content_type = HTTP_TYPE_METRICS;
    return 0;
}

/* Index of a configured realm by name, or -1. */
static long
realm_index(const struct conf *conf, const char *realm)
{
    for (size_t i = 0; i < conf->n_realms; i++) {
        if (strcmp(conf->realms[i].realm, realm) == 0)
            return (long)i;
    }
    return -1;
}

int
app_probe(void *arg, const struct probe_query *query, double budget_seconds,
          struct http_reply *out)
{
    struct app *app = arg;
    struct confref *conf = app_conf(app);
    struct scrape_outcome outcome;
    double started = clocks_now(), wall_start = clocks_wall();
    struct sbuf metrics, page;
    long i = realm_index(conf->conf, query->realm);
    size_t idx;
    int ret;

    if (i < 0) {
        /* Only configured realms are ever probed; the name is not echoed
         * back, so nothing from the query string reaches the reply. */
        confref_put(conf);
        return http_reply_text(out, 400, "unknown realm: it is not in the "
                               "configuration\n");
    }
    idx = (size_t)i;
    memset(&outcome, 0, sizeof(outcome));
    sbuf_init(&metrics);
    sbuf_init(&page);
    /* The trace belongs to the probe's flight, which outlives this
     * handler when the probe does not finish in time; the outcome gets a
     * copy of it. */
    ret = scrape_realms(&app->scraper, conf, &idx, 1, budget_seconds,
                        query->debug, &outcome);
    if (ret == 0)
        ret = render(app, &outcome, 0, started, &metrics);
    if (ret == 0 && query->debug) {
        debugpage_write(&page, outcome.results[0], outcome.trace,
                        metrics.data, wall_start);
        ret = sbuf_status(&page) == 0 ? 0 : ENOMEM;
    }
    if (ret == 0) {
        struct sbuf *body = query->debug ? &page : &metrics;
        out->status = 200;
        out->content_type = query->debug ? HTTP_TYPE_TEXT : HTTP_TYPE_METRICS;
        out->body = sbuf_take(body, &out->len);
        ret = out->body != NULL ? 0 : ENOMEM;
    }
    sbuf_free(&metrics);
    sbuf_free(&page);
    scrape_outcome_clear(&outcome);
    confref_put(conf);
    if (ret != 0) {
        log_error("probe of realm failed: %s", strerror(ret));
        return -1;
    }
    return 0;
}

int
app_reload_handler(void *arg, struct http_reply *out)
{
    struct app *app = arg;
    char *report = NULL;
    int ok = app_reload(app, &report) == 0;

    out->status = ok ? 200 : 500;
    out->content_type = HTTP_TYPE_TEXT;
    out->body = report;
    out->len = report != NULL ? strlen(report) : 0;
    return report != NULL ? 0 : -1;
}

int
app_ready(void *arg)
{
    struct app *app = arg;
    int ready;

    pthread_mutex_lock(&app->lock);
    ready = app->conf != NULL;
    pthread_mutex_unlock(&app->lock);
    return ready;
}

/* Append text with the five HTML special characters escaped. */
static void
add_html(struct sbuf *b, const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        switch (*p) {
        case '&': sbuf_add(b, "&amp;"); break;
        case '<': sbuf_add(b, "&lt;"); break;
        case '>': sbuf_add(b, "&gt;"); break;
        case '"': sbuf_add(b, "&quot;"); break;
        case '\'': sbuf_add(b, "&#39;"); break;
        default: sbuf_addn(b, p, 1); break;
        }
    }
}

/* Append text escaped for a URL query value. */
static void
add_query_value(struct sbuf *b, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_') {
            sbuf_addn(b, (const char *)p, 1);
        } else {
            char enc[4] = { '%', hex[*p >> 4], hex[*p & 15], '\0' };
            sbuf_add(b, enc);
        }
    }
}

int
app_landing(void *arg, struct http_reply *out)
{
    struct app *app = arg;
    struct confref *ref = app_conf(app);
    const struct conf *conf = ref->conf;
    struct sbuf b;

    sbuf_init(&b);
    sbuf_add(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                 "<title>krb5_exporter</title></head><body>\n"
                 "<h1>krb5_exporter</h1>\n<p>Kerberos authentication "
                 "health for Prometheus, version ");
    add_html(&b, app->build.version);
    sbuf_add(&b, ".</p>\n<ul>\n<li><a href=\"metrics\">/metrics</a>: probe "
                 "every realm now</li>\n<li><a href=\"-/healthy\">/-/healthy"
                 "</a></li>\n<li><a href=\"-/ready\">/-/ready</a></li>\n"
                 "</ul>\n<h2>Realms</h2>\n<table>\n<tr><th>realm</th>"
                 "<th>client</th><th>KDCs</th><th>transport</th>"
                 "<th>services</th><th>probe</th></tr>\n");
    for (size_t i = 0; i < conf->n_realms; i++) {
        const struct conf_realm *r = &conf->realms[i];
        sbuf_add(&b, "<tr><td>");
        add_html(&b, r->realm);
        sbuf_add(&b, "</td><td>");
        add_html(&b, r->client_principal);
        sbuf_add(&b, "</td><td>");
        if (r->n_kdcs == 0)
            sbuf_add(&b, "(DNS)");
        for (size_t k = 0; k < r->n_kdcs; k++) {
            char port[8];
            snprintf(port, sizeof(port), "%u", (unsigned)r->kdcs[k].port);
            sbuf_add(&b, k ? ", " : "");
            add_html(&b, r->kdcs[k].host);
            sbuf_add(&b, ":");
            sbuf_add(&b, port);
        }
        sbuf_add(&b, "</td><td>");
        sbuf_add(&b, conf_transport_name(r->transport));
        sbuf_add(&b, "</td><td>");
        for (size_t k = 0; k < r->n_services; k++) {
            sbuf_add(&b, k ? "<br>" : "");
            add_html(&b, r->services[k]);
        }
        sbuf_add(&b, "</td><td><a href=\"probe?realm=");
        add_query_value(&b, r->realm);
        sbuf_add(&b, "\">metrics</a> <a href=\"probe?realm=");
        add_query_value(&b, r->realm);
        sbuf_add(&b, "&amp;debug=true\">debug</a></td></tr>\n");
    }
    sbuf_add(&b, "</table>\n</body></html>\n");
    confref_put(ref);
    out->status = 200;
    out->content_type = HTTP_TYPE_HTML;
    out->body = sbuf_take(&b, &out->len);
    return out->body != NULL ? 0 : -1;
}
