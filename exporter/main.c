/*
 * main: flags, start and stop.  The only place that exits.
 */
#include <ares.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "exporter/app.h"
#include "exporter/handlers.h"
#include "exporter/flags.h"
#include "exporter/http.h"
#include "base/log.h"
#include "base/sbuf.h"
#include "exporter/scrape.h"
#include "exporter/summary.h"
#include "exporter/webconfig.h"
#include "exporter/webwatch.h"
#include "probes/ktcache.h"
#include "version.h"

/* How long SIGTERM waits for requests in flight to be answered. */
#define SHUTDOWN_GRACE_SECONDS 30.0

/* Load and validate the config, printing every problem.  NULL on failure. */
static struct conf *
load_config(const char *path)
{
    struct conf_errors errs = { NULL, 0 };
    struct conf *conf = NULL;

    if (conf_load_file(path, &conf, &errs) != 0) {
        for (size_t i = 0; i < errs.count; i++)
            fprintf(stderr, "%s\n", errs.messages[i]);
        fprintf(stderr, "%s: configuration is invalid (%zu problem%s)\n",
                path, errs.count, errs.count == 1 ? "" : "s");
        conf_errors_clear(&errs);
        return NULL;
    }
    conf_errors_clear(&errs);
    return conf;
}

/* --once: one scrape, exposition on stdout, summary on stderr. */
static int
run_once(struct app *app)
{
    struct scrape_outcome outcome;
    char *text = NULL;
    size_t len = 0, failed;
    struct sbuf summary;
    int ret;

    ret = app_scrape(app, 0, &text, &len, &outcome);
    if (ret != 0) {
        fprintf(stderr, "scrape failed: %s\n", strerror(ret));
        return 2;
    }
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    sbuf_init(&summary);
    failed = summary_write(&summary, outcome.view, outcome.n);
    if (sbuf_status(&summary) == 0)
        fputs(summary.data, stderr);
    sbuf_free(&summary);
    free(text);
    scrape_outcome_clear(&outcome);
    return failed == 0 ? 0 : 1;
}

/*
 * The web settings to begin serving with: from the web config file when
 * one is given, else from the libconfig `web` group.  TLS and users come
 * from one place: the group may not set them beside the file.  Prints
 * every problem (FILE:LINE: reason) to stderr and returns NULL on
 * failure; else a reference (drop it with http_web_put()), with what the
 * file's load read in *watch.
 */
static struct http_web *
load_web(const struct conf *conf, const char *web_config_file,
         struct webwatch *watch)
{
    struct conf_errors errs = { NULL, 0 };
    struct webconfig *cfg = NULL;
    struct http_web *web = NULL;
    int ret;

    if (web_config_file != NULL && conf->web.tls_auth_line > 0)
        webconfig_problem(&errs, conf->path, conf->web.tls_auth_line, "web",
                          "%s is set here and --web.config.file=%s is given: "
                          "TLS and basic auth come from one place; move them "
                          "to %s and keep only max_connections, idle_timeout "
                          "and max_request_size here", conf->web.tls_auth_key,
                          web_config_file, web_config_file);
    if (web_config_file != NULL)
        ret = webwatch_load_file(web_config_file, 0, watch, &cfg, &errs);
    else
        ret = webwatch_from_group(&conf->web, conf->path, &cfg, &errs);
    /* http_web_new() takes cfg over. */
    if (ret == 0 && http_web_new(cfg, &web, &errs) != 0)
        web = NULL;
    if (errs.count > 0 || web == NULL) {
        for (size_t i = 0; i < errs.count; i++)
            fprintf(stderr, "%s\n", errs.messages[i]);
        fprintf(stderr, "%s: web configuration is invalid (%zu problem%s)\n",
                web_config_file != NULL ? web_config_file : conf->path,
                errs.count, errs.count == 1 ? "" : "s");
        conf_errors_clear(&errs);
        http_web_put(web);
        return NULL;
    }
    return web;
}

/* Serve until SIGINT or SIGTERM; SIGHUP reloads the config.  The web
 * settings come from load_web(); with --web.config.file the server rereads
 * that file when it changes, else they hold until the exporter stops. */
static int
serve(struct app *app, const struct flags *flags, const sigset_t *sigs)
{
    struct http_handlers handlers;
    struct confref *conf = app_conf(app);
    const struct conf_web *web = &conf->conf->web;
    struct webwatch watch;
    struct http_options options;
    struct http_server *server = NULL;
    size_t users;
    char err[512];
    int sig = 0, status = 1, tls;

    memset(&watch, 0, sizeof(watch));
    handlers_for(app, &handlers);
    memset(&options, 0, sizeof(options));
    options.max_connections = web->max_connections;
    options.idle_timeout = web->idle_timeout;
    options.max_request_size = web->max_request_size;
    options.web = load_web(conf->conf, flags->web_config_file, &watch);
    if (options.web == NULL)
        goto done;
    options.web_config_file = flags->web_config_file;
    options.web_watch = &watch;
    tls = http_web_tls(options.web);
    users = http_web_users(options.web);
    /* The server takes options.web and the watch over, even in failing. */
    server = http_start(flags->listen_address, &handlers, &options, err,
                        sizeof(err));
    if (server == NULL) {
        log_error("%s", err);
        goto done;
    }
    log_info("listening on %s (%s%s%s%s) with %zu realm%s",
             flags->listen_address, tls ? "TLS" : "plain HTTP",
             users > 0 ? ", basic auth" : "",
             flags->web_config_file != NULL ? ", web config " : "",
             flags->web_config_file != NULL ? flags->web_config_file : "",
             conf->conf->n_realms, conf->conf->n_realms == 1 ? "" : "s");
    if (flags->web_config_file != NULL)
        log_info("web config: %s is reread when it or a file it names "
                 "changes; turning TLS on or off needs a restart",
                 flags->web_config_file);
    for (;;) {
        if (sigwait(sigs, &sig) != 0)
            continue;
        if (sig == SIGINT || sig == SIGTERM)
            break;
        if (sig == SIGHUP) {
            char *report = NULL;
            log_info("SIGHUP: reloading the configuration");
            app_reload(app, &report);
            free(report);
        }
    }
    log_info("%s: finishing requests in flight, then stopping",
             sig == SIGTERM ? "SIGTERM" : "SIGINT");
    app_begin_shutdown(app);
    http_stop(server, SHUTDOWN_GRACE_SECONDS);
    status = 0;
done:
    webwatch_clear(&watch);
    confref_put(conf);
    return status;
}

int
main(int argc, char **argv)
{
    struct flags flags;
    struct conf *conf;
    struct app app;
    sigset_t sigs;
    char err[512];
    int status;

    if (flags_parse(argc, argv, &flags, err, sizeof(err)) != 0) {
        fprintf(stderr, "krb5_exporter: %s\n", err);
        return 2;
    }
    if (flags.help) {
        fputs(flags_usage(), stdout);
        return 0;
    }
    if (flags.version) {
        printf("krb5_exporter %s (krb5 %s, c-ares %s)\n", KRB5EXP_VERSION,
               KRB5EXP_KRB5_VERSION, ares_version(NULL));
        return 0;
    }
    log_set_level(flags.log_level);
    log_set_format(flags.log_format);
    conf = load_config(flags.config_file);
    if (conf == NULL)
        return 1;
    if (flags.check_config) {
        struct webwatch watch;
        struct http_web *web;

        memset(&watch, 0, sizeof(watch));
        web = load_web(conf, flags.web_config_file, &watch);
        webwatch_clear(&watch);
        if (web == NULL) {
            conf_free(conf);
            return 1;
        }
        printf("%s: configuration OK (%zu realm%s)\n", flags.config_file,
               conf->n_realms, conf->n_realms == 1 ? "" : "s");
        if (flags.web_config_file != NULL)
            printf("%s: web configuration OK (%s, %zu basic-auth user%s)\n",
                   flags.web_config_file,
                   http_web_tls(web) ? "TLS" : "plain HTTP",
                   http_web_users(web), http_web_users(web) == 1 ? "" : "s");
        http_web_put(web);
        conf_free(conf);
        return 0;
    }
    /* Block the signals main waits for before any thread starts, so that
     * every thread inherits the mask and only sigwait() sees them. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
        fprintf(stderr, "krb5_exporter: cannot initialise c-ares\n");
        conf_free(conf);
        return 1;
    }
    if (app_init(&app, flags.config_file, conf) != 0) {
        /* app_init() took conf over, even in failing. */
        fprintf(stderr, "krb5_exporter: cannot start the probe workers\n");
        ares_library_cleanup();
        return 1;
    }
    status = flags.once ? run_once(&app) : serve(&app, &flags, &sigs);
    /* app_destroy() lets every realm probe still running finish first; each
     * is bounded by its realm's timeout. */
    app_destroy(&app);
    ares_library_cleanup();
    return status;
}
