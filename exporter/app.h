/*
 * app: the exporter's running state (the loaded config, the error counters,
 * the build info) and the handlers that turn a scrape into bytes.
 */
#ifndef KRB5EXP_APP_H
#define KRB5EXP_APP_H

#include <stddef.h>

#include "conf/conf.h"
#include "exporter/counters.h"
#include "exporter/expo.h"
#include "probes/result.h"

struct app {
    struct conf *conf;                /* owned */
    struct counters counters;
    struct expo_build_info build;     /* static strings */
};

/* Take ownership of conf.  Returns 0 or an errno value. */
int app_init(struct app *app, struct conf *conf);
void app_destroy(struct app *app);

/*
 * One scrape: probe every realm, count the errors, and write the exposition.
 * On success returns 0 and sets *text_out (caller frees with free()) and,
 * when results_out is not NULL, the results (caller frees with
 * scrape_results_free(results, app->conf->n_realms)).
 */
int app_scrape(struct app *app, double budget_seconds, char **text_out,
               size_t *len_out, struct realm_result **results_out);

/* http_handlers callbacks; arg is the struct app. */
int app_metrics(void *arg, double budget_seconds, char **body_out,
                size_t *len_out);
int app_landing(void *arg, char **body_out, size_t *len_out);

#endif
