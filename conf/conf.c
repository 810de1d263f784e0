/*
 * conf: the top level of the config and the public API.  The libconfig tree
 * is walked group by group against tables of known keys (walk.c), and every
 * value is checked and copied into plain structs; each realm, the dns group
 * and the web group have files of their own.
 */
#include "conf/conf.h"

#include "conf/capathgroup.h"
#include "conf/dnsgroup.h"
#include "conf/privfile.h"
#include "conf/realmgroup.h"
#include "conf/walk.h"
#include "conf/webgroup.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_WORKERS 16
#define MAX_WORKERS 1024
#define MAX_CONF_SIZE (1024 * 1024)

/* ---- the top level: each apply() gets the struct conf. ---- */

static void apply_realms(struct walk_ctx *c, const config_setting_t *s,
                         const char *where, void *obj)
{
    struct conf *conf = obj;
    unsigned n = (unsigned)config_setting_length(s);

    if (n == 0) {
        walk_report(c, s, where, "\"realms\" is empty: configure at least one "
               "realm, e.g. realms = ( { realm = \"EXAMPLE.COM\"; ... } );");
        return;
    }
    conf->realms = calloc(n, sizeof(*conf->realms));
    if (conf->realms == NULL) {
        walk_report(c, s, where, "out of memory");
        return;
    }
    conf->n_realms = n;
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);

        if (config_setting_type(e) == CONFIG_TYPE_GROUP)
            realmgroup_load(c, e, i, conf);
        else
            walk_report(c, e, where, "\"realms\" entries must be groups such as "
                   "{ realm = \"EXAMPLE.COM\"; ... }, not %s",
                   walk_type_name(config_setting_type(e)));
    }
}

static void apply_workers(struct walk_ctx *c, const config_setting_t *s,
                          const char *where, void *obj)
{
    struct conf *conf = obj;
    long long v = config_setting_type(s) == CONFIG_TYPE_INT64
                      ? config_setting_get_int64(s)
                      : config_setting_get_int(s);

    if (v >= 1 && v <= MAX_WORKERS)
        conf->workers = (unsigned)v;
    else
        walk_report(c, s, where, "workers %lld is out of range: expected 1 to %d",
               v, MAX_WORKERS);
}

static const struct walk_key top_keys[] = {
    { "web", T_GROUP, "a group such as { tls_cert_file = \"...\"; ... }",
      NULL, webgroup_apply },
    { "workers", TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64),
      "a whole number, e.g. 16", NULL, apply_workers },
    { "dns", T_GROUP, "a group such as { servers = ( \"127.0.0.1:53\" ); }",
      NULL, dnsgroup_apply },
    { "realms", T_SEQ, "a list of realm groups: realms = ( { realm = "
      "\"EXAMPLE.COM\"; ... } );", "no \"realms\" list: configure at least "
      "one realm, e.g. realms = ( { realm = \"EXAMPLE.COM\"; ... } );",
      apply_realms },
};

/*
 * Refuse libconfig's @include: an included file would escape the
 * owner-only check the config file gets, and one naming /dev/zero or a
 * FIFO would hang the load.  libconfig 1.5 cannot turn it off, so the text
 * is checked first.  Returns the number of @include lines reported.
 */
static int refuse_includes(struct walk_ctx *c, const char *text)
{
    unsigned line = 1;
    int found = 0;

    for (const char *p = text; *p != '\0'; line++) {
        const char *eol = strchr(p, '\n');
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "@include", 8) == 0) {
            walk_report_at(c, NULL, line, "@include is not allowed: keep the "
                           "whole configuration in this one owner-only "
                           "file");
            found++;
        }
        if (eol == NULL)
            break;
        p = eol + 1;
    }
    return found;
}

int conf_load_string(const char *text, const char *name,
                     struct conf **conf_out, struct conf_errors *errs)
{
    struct walk_ctx c = { .name = name ? name : "config", .errs = errs };
    struct conf *conf = NULL;
    config_t cfg;
    int ret = -1;

    if (refuse_includes(&c, text) > 0)
        return -1;
    config_init(&cfg);
    if (config_read_string(&cfg, text) != CONFIG_TRUE) {
        const char *why = config_error_text(&cfg);
        int line = config_error_line(&cfg);

        /* libconfig's own words are terse; say what is expected. */
        if (why != NULL && strcmp(why, "syntax error") == 0)
            why = "syntax error: expected `name = value;` with \"...\" "
                  "for strings, ( ... ) for lists and { ... } for groups";
        else if (why != NULL && strcmp(why, "duplicate setting name") == 0)
            why = "duplicate setting name: each key may appear only once "
                  "in a group";
        walk_report_at(&c, config_error_file(&cfg), line > 0 ? (unsigned)line : 0,
                  "%s", why ? why : "cannot parse");
        goto cleanup;
    }
    conf = calloc(1, sizeof(*conf));
    if (conf == NULL || (conf->path = strdup(c.name)) == NULL) {
        walk_report_at(&c, NULL, 0, "out of memory");
        goto cleanup;
    }
    conf->workers = DEFAULT_WORKERS;
    conf->web.tls_min_version = TLS_V12;
    conf->web.max_connections = WEBGROUP_DEFAULT_MAX_CONNECTIONS;
    conf->web.idle_timeout = WEBGROUP_DEFAULT_IDLE_TIMEOUT;
    conf->web.max_request_size = WEBGROUP_DEFAULT_MAX_REQUEST_SIZE;
    walk_group(&c, config_root_setting(&cfg), top_keys, WALK_N_OF(top_keys),
               NULL, conf);
    if (c.failed)
        goto cleanup;
    *conf_out = conf;
    conf = NULL;
    ret = 0;
cleanup:
    conf_free(conf);
    config_destroy(&cfg);
    return ret;
}

int conf_load_file(const char *path, struct conf **conf_out,
                   struct conf_errors *errs)
{
    struct walk_ctx c = { .name = path, .errs = errs };
    char reason[512];
    char *text = NULL;
    int ret;

    /* The file names the keytabs and password files, so only its owner
     * may read or change it, as ssh insists for its keys. */
    if (privfile_read(path, MAX_CONF_SIZE, &text, reason,
                      sizeof(reason)) != 0) {
        walk_report_at(&c, NULL, 0, "%s", reason);
        return -1;
    }
    ret = conf_load_string(text, path, conf_out, errs);
    free(text);
    return ret;
}

static void realm_free(struct conf_realm *r)
{
    free(r->realm);
    for (size_t i = 0; i < r->n_kdcs; i++)
        free(r->kdcs[i].host);
    free(r->kdcs);
    for (size_t i = 0; i < r->n_kpasswd; i++)
        free(r->kpasswd[i].host);
    free(r->kpasswd);
    for (size_t i = 0; i < r->n_clients; i++) {
        free(r->clients[i].principal);
        free(r->clients[i].keytab);
        free(r->clients[i].password_file);
    }
    free(r->clients);
    for (size_t i = 0; i < r->n_services; i++)
        free(r->services[i]);
    free(r->services);
    for (size_t i = 0; r->service_keytabs != NULL && i < r->n_services; i++)
        free(r->service_keytabs[i]);
    free(r->service_keytabs);
    free(r->service_keytab);
    for (size_t i = 0; i < r->n_http; i++) {
        free(r->http[i].url);
        free(r->http[i].host);
        free(r->http[i].ca_file);
    }
    free(r->http);
    capathgroup_free(r);
}

void conf_free(struct conf *conf)
{
    if (conf == NULL)
        return;
    for (size_t i = 0; i < conf->n_realms; i++)
        realm_free(&conf->realms[i]);
    free(conf->realms);
    for (size_t i = 0; i < conf->dns.n_servers; i++)
        free(conf->dns.servers[i]);
    free(conf->dns.servers);
    free(conf->web.tls_cert_file);
    free(conf->web.tls_key_file);
    free(conf->web.client_ca_file);
    for (size_t i = 0; i < conf->web.n_users; i++) {
        free(conf->web.users[i].name);
        if (conf->web.users[i].hash != NULL)
            explicit_bzero(conf->web.users[i].hash,
                           strlen(conf->web.users[i].hash));
        free(conf->web.users[i].hash);
    }
    free(conf->web.users);
    free(conf->path);
    free(conf);
}

void conf_errors_clear(struct conf_errors *errs)
{
    if (errs == NULL)
        return;
    for (size_t i = 0; i < errs->count; i++)
        free(errs->messages[i]);
    free(errs->messages);
    errs->messages = NULL;
    errs->count = 0;
}

const char *conf_transport_name(enum conf_transport t)
{
    return realmgroup_transport_name(t);
}

const char *conf_tls_version_name(enum conf_tls_version v)
{
    return webgroup_tls_version_name(v);
}

const char *conf_canon_name(enum conf_canon c)
{
    return realmgroup_canon_name(c);
}
