/* webgroup: the `web` group of the config; see webgroup.h. */
#include "conf/webgroup.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the web group: each apply() gets the struct conf_web. ---- */

static const char *const tls_version_names[] = {
    [TLS_V10] = "TLS10", [TLS_V11] = "TLS11", [TLS_V12] = "TLS12",
    [TLS_V13] = "TLS13",
};

/* A file the exporter must be able to read at start (a certificate). */
static char *readable_file(struct walk_ctx *c, const config_setting_t *s,
                           const char *where, const char *what,
                           const char *path)
{
    FILE *f = fopen(path, "re");

    if (f == NULL) {
        walk_report(c, s, where, "%s \"%s\": cannot open: %s", what, path,
               strerror(errno));
        return NULL;
    }
    fclose(f);
    return walk_copy(c, s, path);
}

static void apply_tls_cert(struct walk_ctx *c, const config_setting_t *s,
                           const char *where, void *obj)
{
    struct conf_web *w = obj;

    w->tls_cert_file = readable_file(c, s, where, "tls_cert_file",
                                     config_setting_get_string(s));
}

static void apply_tls_key(struct walk_ctx *c, const config_setting_t *s,
                          const char *where, void *obj)
{
    struct conf_web *w = obj;
    const char *v = config_setting_get_string(s);

    if (walk_secret_file(c, s, where, "tls_key_file", v) == 0)
        w->tls_key_file = walk_copy(c, s, v);
}

static void apply_client_ca(struct walk_ctx *c, const config_setting_t *s,
                            const char *where, void *obj)
{
    struct conf_web *w = obj;

    w->client_ca_file = readable_file(c, s, where, "client_ca_file",
                                      config_setting_get_string(s));
}

static void apply_tls_min(struct walk_ctx *c, const config_setting_t *s,
                          const char *where, void *obj)
{
    struct conf_web *w = obj;
    const char *v = config_setting_get_string(s);
    int i = walk_name_index(tls_version_names, WALK_N_OF(tls_version_names), v);
    char known[64];

    if (i >= 0) {
        w->tls_min_version = (enum conf_tls_version)i;
        return;
    }
    walk_join_names(known, sizeof(known), tls_version_names,
               WALK_N_OF(tls_version_names));
    walk_report(c, s, where, "tls_min_version \"%s\" is not one of: %s", v, known);
}

/* Is h a bcrypt hash: "$2a$", "$2b$" or "$2y$", a two-digit cost from 04
 * to 31, "$", then 53 characters of bcrypt's base64? */
static int bcrypt_hash_ok(const char *h)
{
    static const char b64[] =
        "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    int cost;

    if (strlen(h) != 60 || strncmp(h, "$2", 2) != 0 ||
        strchr("aby", h[2]) == NULL || h[3] != '$' ||
        !isdigit((unsigned char)h[4]) || !isdigit((unsigned char)h[5]) ||
        h[6] != '$')
        return 0;
    cost = (h[4] - '0') * 10 + (h[5] - '0');
    if (cost < 4 || cost > 31)
        return 0;
    return strspn(h + 7, b64) == 53;
}

static void apply_users(struct walk_ctx *c, const config_setting_t *s,
                        const char *where, void *obj)
{
    struct conf_web *w = obj;
    unsigned n = (unsigned)config_setting_length(s);

    if (n == 0) {
        walk_report(c, s, where, "\"basic_auth_users\" is empty: add users as "
               "name = \"<bcrypt hash>\"; or leave it out to serve without "
               "authentication");
        return;
    }
    w->users = calloc(n, sizeof(*w->users));
    if (w->users == NULL) {
        walk_report(c, s, where, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        const char *name = config_setting_name(e), *hash;
        struct conf_user *u = &w->users[w->n_users];

        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            walk_report(c, e, where, "user \"%s\": the value must be a bcrypt "
                   "hash in a string, not %s", name,
                   walk_type_name(config_setting_type(e)));
            continue;
        }
        hash = config_setting_get_string(e);
        /* The hash is not quoted back: it is a secret of sorts. */
        if (!bcrypt_hash_ok(hash)) {
            walk_report(c, e, where, "user \"%s\": the value is not a bcrypt "
                   "hash (\"$2y$10$\" and 53 more characters); make one "
                   "with: htpasswd -nbBC 10 \"\" PASSWORD | tr -d ':\\n'",
                   name);
            continue;
        }
        u->name = walk_copy(c, e, name);
        u->hash = walk_copy(c, e, hash);
        if (u->name != NULL && u->hash != NULL)
            w->n_users++;
    }
}

/* A whole number in [lo, hi] for a web limit. */
static int web_limit(struct walk_ctx *c, const config_setting_t *s,
                     const char *where, const char *what, long long lo,
                     long long hi, unsigned *out)
{
    long long v = config_setting_type(s) == CONFIG_TYPE_INT64
                      ? config_setting_get_int64(s)
                      : config_setting_get_int(s);

    if (v < lo || v > hi) {
        walk_report(c, s, where, "%s %lld is out of range: expected %lld to %lld",
               what, v, lo, hi);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static void apply_max_connections(struct walk_ctx *c, const config_setting_t *s,
                                  const char *where, void *obj)
{
    struct conf_web *w = obj;

    web_limit(c, s, where, "max_connections", 1, 10000, &w->max_connections);
}

static void apply_idle_timeout(struct walk_ctx *c, const config_setting_t *s,
                               const char *where, void *obj)
{
    struct conf_web *w = obj;

    web_limit(c, s, where, "idle_timeout", 1, 3600, &w->idle_timeout);
}

static void apply_max_request_size(struct walk_ctx *c, const config_setting_t *s,
                                   const char *where, void *obj)
{
    struct conf_web *w = obj;

    web_limit(c, s, where, "max_request_size", 4096, 1048576,
              &w->max_request_size);
}

#define T_INT (TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64))

static const struct walk_key web_keys[] = {
    { "tls_cert_file", T_STRING, "a string: the path of a PEM certificate",
      NULL, apply_tls_cert },
    { "tls_key_file", T_STRING, "a string: the path of a PEM private key",
      NULL, apply_tls_key },
    { "tls_min_version", T_STRING, "one of the strings \"TLS10\", "
      "\"TLS11\", \"TLS12\", \"TLS13\"", NULL, apply_tls_min },
    { "client_ca_file", T_STRING, "a string: the path of PEM CA "
      "certificates", NULL, apply_client_ca },
    { "basic_auth_users", T_GROUP, "a group such as { alice = \"$2y$10$"
      "...\"; }", NULL, apply_users },
    { "max_connections", T_INT, "a whole number, e.g. 64", NULL,
      apply_max_connections },
    { "idle_timeout", T_INT, "a whole number of seconds, e.g. 30", NULL,
      apply_idle_timeout },
    { "max_request_size", T_INT, "a whole number of bytes, e.g. 16384",
      NULL, apply_max_request_size },
};

void webgroup_apply(struct walk_ctx *c, const config_setting_t *s,
                      const char *where, void *obj)
{
    struct conf *conf = obj;
    struct conf_web *w = &conf->web;
    int has_cert = config_setting_get_member(s, "tls_cert_file") != NULL;
    int has_key = config_setting_get_member(s, "tls_key_file") != NULL;

    static const char *const tls_auth_keys[] = {
        "tls_cert_file", "tls_key_file", "tls_min_version", "client_ca_file",
        "basic_auth_users",
    };

    (void)where;
    walk_group(c, s, web_keys, WALK_N_OF(web_keys), "web", w);
    /* Where TLS or users are set here, for refusing them beside
     * --web.config.file (exporter/main.c). */
    for (size_t i = 0; i < WALK_N_OF(tls_auth_keys); i++) {
        const config_setting_t *m =
            config_setting_get_member(s, tls_auth_keys[i]);
        unsigned line = m != NULL ? (unsigned)config_setting_source_line(m)
                                  : 0;

        if (line > 0 && (w->tls_auth_line == 0 || line < w->tls_auth_line)) {
            w->tls_auth_line = line;
            w->tls_auth_key = tls_auth_keys[i];
        }
    }
    if (has_cert != has_key)
        walk_report(c, s, "web", "set both \"tls_cert_file\" and "
               "\"tls_key_file\" to serve TLS, or neither");
    if (config_setting_get_member(s, "client_ca_file") != NULL && !has_cert)
        walk_report(c, s, "web", "\"client_ca_file\" needs TLS: set "
               "\"tls_cert_file\" and \"tls_key_file\" too");
    if (config_setting_get_member(s, "tls_min_version") != NULL && !has_cert)
        walk_report(c, s, "web", "\"tls_min_version\" needs TLS: set "
               "\"tls_cert_file\" and \"tls_key_file\" too");
}

const char *webgroup_tls_version_name(enum conf_tls_version v)
{
    if ((unsigned)v < WALK_N_OF(tls_version_names))
        return tls_version_names[v];
    return "unknown";
}
