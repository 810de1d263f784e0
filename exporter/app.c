/* app: running state and scrape handlers; see app.h. */
#include "exporter/app.h"

#include <ares.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/log.h"
#include "exporter/scrape.h"
#include "probes/deadline.h"
#include "probes/krb5err.h"
#include "version.h"

int
app_init(struct app *app, struct conf *conf)
{
    int ret;

    memset(app, 0, sizeof(*app));
    ret = counters_init(&app->counters);
    if (ret != 0)
        return ret;
    app->conf = conf;
    app->build.version = KRB5EXP_VERSION;
    app->build.krb5_version = KRB5EXP_KRB5_VERSION;
    app->build.cares_version = ares_version(NULL);
    app->build.microhttpd_version = MHD_get_version();
    return 0;
}

void
app_destroy(struct app *app)
{
    counters_destroy(&app->counters);
    conf_free(app->conf);
    app->conf = NULL;
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
app_scrape(struct app *app, double budget_seconds, char **text_out,
           size_t *len_out, struct realm_result **results_out)
{
    struct realm_result *results = NULL;
    struct error_count *errors = NULL;
    size_t n_errors = 0, n = app->conf->n_realms;
    double start = deadline_now();
    struct expo_snapshot snap;
    struct sbuf out;
    int ret;

    ret = scrape_run(app->conf, budget_seconds, &results);
    if (ret != 0)
        return ret;
    log_failures(results, n);
    for (size_t i = 0; i < n && ret == 0; i++)
        ret = counters_add_result(&app->counters, &results[i]);
    if (ret == 0)
        ret = counters_snapshot(&app->counters, &errors, &n_errors);
    if (ret != 0)
        goto cleanup;
    memset(&snap, 0, sizeof(snap));
    snap.realms = results;
    snap.n_realms = n;
    snap.errors = errors;
    snap.n_errors = n_errors;
    snap.build = &app->build;
    snap.scrape_duration = deadline_now() - start;
    sbuf_init(&out);
    expo_write(&out, &snap);
    *text_out = sbuf_take(&out, len_out);
    if (*text_out == NULL) {
        ret = ENOMEM;
        goto cleanup;
    }
    if (results_out != NULL) {
        *results_out = results;
        results = NULL;
    }
cleanup:
    counters_snapshot_free(errors, n_errors);
    scrape_results_free(results, n);
    return ret;
}

int
app_metrics(void *arg, double budget_seconds, char **body_out,
            size_t *len_out)
{
    struct app *app = arg;
    int ret = app_scrape(app, budget_seconds, body_out, len_out, NULL);

    if (ret != 0) {
        log_error("scrape failed: %s", strerror(ret));
        return -1;
    }
    return 0;
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

int
app_landing(void *arg, char **body_out, size_t *len_out)
{
    struct app *app = arg;
    struct sbuf b;

    sbuf_init(&b);
    sbuf_add(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                 "<title>krb5_exporter</title></head><body>\n"
                 "<h1>krb5_exporter</h1>\n<p>Kerberos authentication "
                 "health for Prometheus, version ");
    add_html(&b, app->build.version);
    sbuf_add(&b, ".</p>\n<ul>\n<li><a href=\"metrics\">/metrics</a>: probe "
                 "every realm now</li>\n<li><a href=\"-/healthy\">/-/healthy"
                 "</a></li>\n</ul>\n<h2>Realms</h2>\n<table>\n<tr><th>realm"
                 "</th><th>client</th><th>KDCs</th><th>transport</th>"
                 "<th>services</th></tr>\n");
    for (size_t i = 0; i < app->conf->n_realms; i++) {
        const struct conf_realm *r = &app->conf->realms[i];
        sbuf_add(&b, "<tr><td>");
        add_html(&b, r->realm);
        sbuf_add(&b, "</td><td>");
        add_html(&b, r->client_principal);
        sbuf_add(&b, "</td><td>");
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
        sbuf_add(&b, "</td></tr>\n");
    }
    sbuf_add(&b, "</table>\n</body></html>\n");
    *body_out = sbuf_take(&b, len_out);
    return *body_out != NULL ? 0 : -1;
}
