/* handlers: HTTP requests to the app and back; see handlers.h. */
#include "exporter/handlers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "base/log.h"
#include "exporter/debugpage.h"
#include "exporter/landing.h"

int
handlers_metrics(void *arg, double budget_seconds, struct http_reply *out)
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
handlers_probe(void *arg, const struct probe_query *query, double budget_seconds,
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
        ret = app_render(app, &outcome, 0, started, &metrics);
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
    /* The status page shows this realm's result from now on. */
    app_keep_latest(app, &outcome);
    confref_put(conf);
    if (ret != 0) {
        log_error("probe of realm failed: %s", strerror(ret));
        return -1;
    }
    return 0;
}

int
handlers_reload(void *arg, struct http_reply *out)
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
handlers_ready(void *arg)
{
    return app_ready(arg);
}

/*
 * The status page: the config in force and each realm's latest result,
 * as the last /metrics or /probe left them.  It probes nothing: a person
 * reloading it at 3 a.m. sends no KDC a request.
 */
int
handlers_landing(void *arg, struct http_reply *out)
{
    struct app *app = arg;
    struct confref *ref = app_conf(app);
    size_t n = ref->conf->n_realms, slots = n ? n : 1;
    struct app_latest *held = calloc(slots, sizeof(*held));
    struct landing_realm *realms = calloc(slots, sizeof(*realms));
    struct landing_input in;
    struct sbuf b;

    sbuf_init(&b);
    if (held == NULL || realms == NULL) {
        free(held);
        free(realms);
        confref_put(ref);
        return -1;
    }
    app_latest_get(app, ref->conf, held);
    for (size_t i = 0; i < n; i++) {
        realms[i].result = held[i].result;
        realms[i].at = held[i].at;
        realms[i].at_wall = held[i].at_wall;
    }
    in.conf = ref->conf;
    in.realms = realms;
    in.now = clocks_now();
    in.version = app->build.version;
    landing_write(&b, &in);
    app_latest_release(held, n);
    free(held);
    free(realms);
    confref_put(ref);
    out->status = 200;
    out->content_type = HTTP_TYPE_HTML;
    out->body = sbuf_take(&b, &out->len);
    return out->body != NULL ? 0 : -1;
}

void
handlers_for(struct app *app, struct http_handlers *out)
{
    out->arg = app;
    out->metrics = handlers_metrics;
    out->probe = handlers_probe;
    out->reload = handlers_reload;
    out->ready = handlers_ready;
    out->landing = handlers_landing;
}
