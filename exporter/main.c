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
#include "exporter/webauth.h"
#include "probes/ktcache.h"
#include "version.h"

/* The largest PEM file taken for TLS. */
#define PEM_MAX (1024 * 1024)

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

/* Read a whole PEM file into memory (caller frees).  NULL with a log
 * line on failure. */
static char *
read_pem(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = fopen(path, "re");

    if (f == NULL) {
        log_error("cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    text = calloc(1, PEM_MAX + 1);
    if (text != NULL)
        len = fread(text, 1, PEM_MAX, f);
    if (text != NULL && (ferror(f) || len == 0 || !feof(f))) {
        log_error("cannot read %s: %s", path, len == PEM_MAX
                  ? "larger than 1 MiB" : "empty or unreadable");
        free(text);
        text = NULL;
    }
    fclose(f);
    return text;
}

/* Serve until SIGINT or SIGTERM; SIGHUP reloads the config.  The web
 * settings (TLS, users, limits) are read here, at start, only. */
static int
serve(struct app *app, const char *listen_address, const sigset_t *sigs)
{
    struct http_handlers handlers;
    struct confref *conf = app_conf(app);
    const struct conf_web *web = &conf->conf->web;
    struct http_options options;
    struct http_server *server = NULL;
    struct webauth auth;
    char *cert = NULL, *key = NULL, *ca = NULL;
    char err[512];
    int sig = 0, status = 1, have_auth = 0;

    handlers_for(app, &handlers);
    memset(&options, 0, sizeof(options));
    options.max_connections = web->max_connections;
    options.idle_timeout = web->idle_timeout;
    options.max_request_size = web->max_request_size;
    if (web->tls_cert_file != NULL) {
        cert = read_pem(web->tls_cert_file);
        key = read_pem(web->tls_key_file);
        if (web->client_ca_file != NULL)
            ca = read_pem(web->client_ca_file);
        if (cert == NULL || key == NULL ||
            (web->client_ca_file != NULL && ca == NULL))
            goto done;
        options.tls_cert_pem = cert;
        options.tls_key_pem = key;
        options.client_ca_pem = ca;
        options.tls_priorities = http_tls_priorities((int)web->tls_min_version);
    }
    if (web->n_users > 0) {
        if (webauth_init(&auth, web->users, web->n_users) != 0) {
            log_error("cannot set up basic authentication");
            goto done;
        }
        have_auth = 1;
        options.auth = &auth;
    }
    server = http_start(listen_address, &handlers, &options, err,
                        sizeof(err));
    /* The key is in the TLS library's hands now; ours goes. */
    if (key != NULL)
        explicit_bzero(key, strlen(key));
    if (server == NULL) {
        log_error("%s", err);
        goto done;
    }
    log_info("listening on %s (%s%s) with %zu realm%s", listen_address,
             cert != NULL ? "TLS" : "plain HTTP",
             have_auth ? ", basic auth" : "", conf->conf->n_realms,
             conf->conf->n_realms == 1 ? "" : "s");
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
    if (have_auth)
        webauth_free(&auth);
    free(cert);
    free(key);
    free(ca);
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
        printf("%s: configuration OK (%zu realm%s)\n", flags.config_file,
               conf->n_realms, conf->n_realms == 1 ? "" : "s");
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
    status = flags.once ? run_once(&app) : serve(&app, flags.listen_address,
                                                 &sigs);
    /* app_destroy() lets every realm probe still running finish first; each
     * is bounded by its realm's timeout. */
    app_destroy(&app);
    ares_library_cleanup();
    return status;
}
