/* webconfig: exporter-toolkit's web configuration file; see webconfig.h. */
#include "exporter/webconfig.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const client_auth_names[] = {
    [WEBCONFIG_NO_CLIENT_CERT] = "NoClientCert",
    [WEBCONFIG_REQUEST_CLIENT_CERT] = "RequestClientCert",
    [WEBCONFIG_REQUIRE_ANY_CLIENT_CERT] = "RequireAnyClientCert",
    [WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN] = "VerifyClientCertIfGiven",
    [WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT] = "RequireAndVerifyClientCert",
};

static const char *const tls_version_names[] = {
    [TLS_V10] = "TLS10", [TLS_V11] = "TLS11", [TLS_V12] = "TLS12",
    [TLS_V13] = "TLS13",
};

/* The headers exporter-toolkit lets a web config set, and the values it
 * allows where it allows only some (handler.go, extraHTTPHeaders).  Names
 * match as written, case included, as there. */
static const struct {
    const char *name;
    const char *values[3];    /* NULL-terminated; none: any value */
} allowed_headers[] = {
    { "Strict-Transport-Security", { NULL } },
    { "X-Content-Type-Options", { "nosniff", NULL } },
    { "X-Frame-Options", { "deny", "sameorigin", NULL } },
    { "X-XSS-Protection", { NULL } },
    { "Content-Security-Policy", { NULL } },
};

const char *
webconfig_client_auth_name(enum webconfig_client_auth a)
{
    if ((unsigned)a < N_OF(client_auth_names))
        return client_auth_names[a];
    return "unknown";
}

int
webconfig_bcrypt_ok(const char *h)
{
    static const char b64[] =
        "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    int cost;

    if (strlen(h) != 60 || strncmp(h, "$2", 2) != 0 ||
        strchr("aby", h[2]) == NULL || h[2] == '\0' || h[3] != '$' ||
        !isdigit((unsigned char)h[4]) || !isdigit((unsigned char)h[5]) ||
        h[6] != '$')
        return 0;
    cost = (h[4] - '0') * 10 + (h[5] - '0');
    if (cost < 4 || cost > 31)
        return 0;
    return strspn(h + 7, b64) == 53;
}

/* ---- problems ---------------------------------------------------------- */

/* One parse: where messages go, and whether anything went wrong. */
struct ctx {
    const char *name;             /* borrowed: FILE in messages */
    struct conf_errors *errs;     /* borrowed */
    int failed;                   /* set even when a message was lost */
    const char *where;            /* the section walk() is in */
    unsigned key_line;            /* the line of the key being applied */
    const char *key;              /* and its name */
    int client_auth_given;        /* client_auth_type was set, not empty */
};

/* Append "NAME:LINE: WHERE: reason" to errs. */
static void
vproblem(struct conf_errors *errs, const char *name, unsigned line,
         const char *where, const char *fmt, va_list ap)
{
    char reason[768], msg[1024], **grown;

    vsnprintf(reason, sizeof(reason), fmt, ap);
    if (line > 0)
        snprintf(msg, sizeof(msg), "%s:%u: %s%s%s", name, line,
                 where ? where : "", where ? ": " : "", reason);
    else
        snprintf(msg, sizeof(msg), "%s: %s%s%s", name, where ? where : "",
                 where ? ": " : "", reason);
    grown = realloc(errs->messages, (errs->count + 1) * sizeof(*grown));
    if (grown == NULL)
        return;
    errs->messages = grown;
    grown[errs->count] = strdup(msg);
    if (grown[errs->count] != NULL)
        errs->count++;
}

void
webconfig_problem(struct conf_errors *errs, const char *name, unsigned line,
                  const char *where, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vproblem(errs, name, line, where, fmt, ap);
    va_end(ap);
}

/* Record a problem of this parse. */
static void report(struct ctx *c, unsigned line, const char *where,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
report(struct ctx *c, unsigned line, const char *where, const char *fmt, ...)
{
    va_list ap;

    c->failed = 1;
    va_start(ap, fmt);
    vproblem(c->errs, c->name, line, where, fmt, ap);
    va_end(ap);
}

static char *
copy(struct ctx *c, const char *s)
{
    char *d = strdup(s);

    if (d == NULL)
        report(c, 0, NULL, "out of memory");
    return d;
}

/* "a, b, c" of names[n] into buf. */
static void
join_names(char *buf, size_t len, const char *const *names, size_t n)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                 i ? ", " : "", names[i]);
}

/* ---- YAML nodes -------------------------------------------------------- */

static unsigned
line_of(const yaml_node_t *n)
{
    return (unsigned)n->start_mark.line + 1;
}

static const char *
kind_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE: return "a mapping";
    case YAML_SEQUENCE_NODE: return "a list";
    default: return "a single value";
    }
}

static const char *
scalar(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* A plain null: nothing, "~" or "null" unquoted (YAML 1.1), or !!null. */
static int
is_null(const yaml_node_t *n)
{
    static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

    if (n->type != YAML_SCALAR_NODE)
        return 0;
    if (n->tag != NULL &&
        strcmp((const char *)n->tag, YAML_NULL_TAG) == 0)
        return 1;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    for (size_t i = 0; i < N_OF(nulls); i++)
        if (strcmp(scalar(n), nulls[i]) == 0)
            return 1;
    return 0;
}

/* A scalar's text when it is a string we can keep: no NUL inside. */
static const char *
string_value(struct ctx *c, const yaml_node_t *n, const char *where,
             const char *what)
{
    if (n->type != YAML_SCALAR_NODE) {
        report(c, line_of(n), where, "%s must be a single value, not %s",
               what, kind_name(n));
        return NULL;
    }
    if (strlen(scalar(n)) != n->data.scalar.length) {
        report(c, line_of(n), where, "%s holds a NUL character", what);
        return NULL;
    }
    return scalar(n);
}

/* A YAML 1.1 boolean, as yaml.v2 reads one.  -1 when it is none. */
static int
bool_value(const yaml_node_t *n)
{
    static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES", "true",
                                       "True", "TRUE", "on", "On", "ON" };
    static const char *const no[] = { "n", "N", "no", "No", "NO", "false",
                                      "False", "FALSE", "off", "Off", "OFF" };

    if (n->type != YAML_SCALAR_NODE ||
        n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return -1;
    for (size_t i = 0; i < N_OF(yes); i++)
        if (strcmp(scalar(n), yes[i]) == 0)
            return 1;
    for (size_t i = 0; i < N_OF(no); i++)
        if (strcmp(scalar(n), no[i]) == 0)
            return 0;
    return -1;
}

/* A mapping (or null, for an empty section): each pair's key and value.
 * Reports what is not and returns -1. */
static int
mapping_or_null(struct ctx *c, const yaml_node_t *n, const char *where,
                const char *what, const char *example)
{
    if (n->type == YAML_MAPPING_NODE || is_null(n))
        return 0;
    report(c, line_of(n), where, "%s must be a mapping such as \"%s\", not %s",
           what, example, kind_name(n));
    return -1;
}

/* One key of a section's table.  apply() gets the value node; unsupported
 * is the reason a key exporter-toolkit knows is refused here. */
struct key {
    const char *name;
    void (*apply)(struct ctx *c, yaml_document_t *doc, yaml_node_t *value,
                  struct webconfig *cfg);
    const char *unsupported;
};

/*
 * Walk a mapping against keys[n]: each key at most once, unknown and
 * unsupported ones reported.  Returns a mask of the keys seen.
 */
static unsigned
walk(struct ctx *c, yaml_document_t *doc, yaml_node_t *map, const char *where,
     const struct key *keys, size_t n, struct webconfig *cfg)
{
    unsigned seen = 0;

    if (map->type != YAML_MAPPING_NODE)
        return 0;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        size_t i;

        if (k == NULL || v == NULL)
            continue;
        if (k->type != YAML_SCALAR_NODE) {
            report(c, line_of(k), where, "a key must be a name, not %s",
                   kind_name(k));
            continue;
        }
        for (i = 0; i < n && strcmp(keys[i].name, scalar(k)) != 0; i++)
            ;
        if (i == n) {
            char known[256];
            const char *names[16];

            for (size_t j = 0; j < n && j < N_OF(names); j++)
                names[j] = keys[j].name;
            join_names(known, sizeof(known), names, n < 16 ? n : 16);
            report(c, line_of(k), where, "unknown key \"%s\" (known keys: %s)",
                   scalar(k), known);
            continue;
        }
        if (seen & (1u << i)) {
            report(c, line_of(k), where, "\"%s\" is given twice",
                   keys[i].name);
            continue;
        }
        seen |= 1u << i;
        c->where = where;
        c->key_line = line_of(k);
        c->key = keys[i].name;
        if (keys[i].unsupported != NULL) {
            report(c, line_of(k), where, "\"%s\" is not supported by "
                   "krb5_exporter: %s", keys[i].name, keys[i].unsupported);
            continue;
        }
        keys[i].apply(c, doc, v, cfg);
    }
    return seen;
}

/* ---- tls_server_config ------------------------------------------------- */

#define TLS_WHERE "tls_server_config"

/* Join a relative path to the directory of the config file (c->name), as
 * exporter-toolkit's SetDirectory() does. */
static char *
joined_path(struct ctx *c, const char *path)
{
    const char *slash = strrchr(c->name, '/');
    size_t dir_len;
    char *out;

    if (path[0] == '/' || slash == NULL)
        return copy(c, path);
    dir_len = (size_t)(slash - c->name);
    out = malloc(dir_len + 1 + strlen(path) + 1);
    if (out == NULL) {
        report(c, 0, NULL, "out of memory");
        return NULL;
    }
    memcpy(out, c->name, dir_len);
    out[dir_len] = '/';
    strcpy(out + dir_len + 1, path);
    return out;
}

/* A path key: NULL when null or empty (unset, as in Go). */
static void
path_key(struct ctx *c, yaml_node_t *v, const char *what, char **out,
         unsigned *line)
{
    const char *s;

    if (is_null(v))
        return;
    s = string_value(c, v, TLS_WHERE, what);
    if (s == NULL || s[0] == '\0')
        return;
    *out = joined_path(c, s);
    *line = line_of(v);
}

static void
apply_cert_file(struct ctx *c, yaml_document_t *doc, yaml_node_t *v,
                struct webconfig *cfg)
{
    (void)doc;
    path_key(c, v, "cert_file", &cfg->cert_file, &cfg->cert_line);
}

static void
apply_key_file(struct ctx *c, yaml_document_t *doc, yaml_node_t *v,
               struct webconfig *cfg)
{
    (void)doc;
    path_key(c, v, "key_file", &cfg->key_file, &cfg->key_line);
}

static void
apply_client_ca_file(struct ctx *c, yaml_document_t *doc, yaml_node_t *v,
                     struct webconfig *cfg)
{
    (void)doc;
    path_key(c, v, "client_ca_file", &cfg->client_ca_file, &cfg->ca_line);
}

static void
apply_client_auth(struct ctx *c, yaml_document_t *doc, yaml_node_t *v,
                  struct webconfig *cfg)
{
    const char *s;
    char known[160];

    (void)doc;
    if (is_null(v))
        return;
    s = string_value(c, v, TLS_WHERE, "client_auth_type");
    if (s == NULL || s[0] == '\0')
        return;
    c->client_auth_given = 1;
    for (size_t i = 0; i < N_OF(client_auth_names); i++) {
        if (strcmp(s, client_auth_names[i]) == 0) {
            cfg->client_auth = (enum webconfig_client_auth)i;
            return;
        }
    }
    /* exporter-toolkit's old name, kept there for compatibility. */
    if (strcmp(s, "RequireClientCert") == 0) {
        cfg->client_auth = WEBCONFIG_REQUIRE_ANY_CLIENT_CERT;
        return;
    }
    join_names(known, sizeof(known), client_auth_names,
               N_OF(client_auth_names));
    report(c, line_of(v), TLS_WHERE, "client_auth_type \"%s\" is not one of: "
           "%s", s, known);
}

static void
tls_version(struct ctx *c, yaml_node_t *v, const char *what,
            enum conf_tls_version *out)
{
    const char *s;
    char known[64];

    if (is_null(v))
        return;
    s = string_value(c, v, TLS_WHERE, what);
    if (s == NULL)
        return;
    for (size_t i = 0; i < N_OF(tls_version_names); i++) {
        if (strcmp(s, tls_version_names[i]) == 0) {
            *out = (enum conf_tls_version)i;
            return;
        }
    }
    join_names(known, sizeof(known), tls_version_names,
               N_OF(tls_version_names));
    report(c, line_of(v), TLS_WHERE, "%s \"%s\" is not one of: %s", what, s,
           known);
}

static void
apply_min_version(struct ctx *c, yaml_document_t *doc, yaml_node_t *v,
                  struct webconfig *cfg)
{
    (void)doc;
    tls_version(c, v, "min_version", &cfg->min_version);
}

static void
apply_max_version(struct ctx *c, yaml_document_t *doc, yaml_node_t *v,
                  struct webconfig *cfg)
{
    (void)doc;
    tls_version(c, v, "max_version", &cfg->max_version);
}

/* A boolean that is taken and has no effect here (prefer_server_cipher_
 * suites, which Go ignores too since 1.18; http2, as only HTTP/1.1 is
 * served and clients negotiate it). */
static void
apply_ignored_bool(struct ctx *c, yaml_document_t *doc, yaml_node_t *v,
                   struct webconfig *cfg)
{
    (void)doc;
    (void)cfg;
    if (!is_null(v) && bool_value(v) < 0)
        report(c, line_of(v), c->where, "%s must be true or false, not %s%s%s",
               c->key,
               v->type == YAML_SCALAR_NODE ? "\"" : "",
               v->type == YAML_SCALAR_NODE ? scalar(v) : kind_name(v),
               v->type == YAML_SCALAR_NODE ? "\"" : "");
}

static const struct key tls_keys[] = {
    { "cert_file", apply_cert_file, NULL },
    { "key_file", apply_key_file, NULL },
    { "client_auth_type", apply_client_auth, NULL },
    { "client_ca_file", apply_client_ca_file, NULL },
    { "min_version", apply_min_version, NULL },
    { "max_version", apply_max_version, NULL },
    { "prefer_server_cipher_suites", apply_ignored_bool, NULL },
    { "cert", NULL, "put the certificate in a file and name it with "
      "cert_file" },
    { "key", NULL, "put the key in a file (not readable by others) and name "
      "it with key_file" },
    { "client_ca", NULL, "put the CA certificates in a file and name it "
      "with client_ca_file" },
    { "cipher_suites", NULL, "GnuTLS chooses the cipher suites (its NORMAL "
      "priorities); min_version and max_version choose the TLS versions" },
    { "curve_preferences", NULL, "GnuTLS chooses the curves (its NORMAL "
      "priorities)" },
    { "client_allowed_sans", NULL, "client certificates are checked "
      "against client_ca_file only; give the scrapers a CA of their own" },
};

static void
parse_tls(struct ctx *c, yaml_document_t *doc, yaml_node_t *v,
          struct webconfig *cfg)
{
    unsigned line = c->key_line;      /* tls_server_config's own line */
    int verify;

    if (mapping_or_null(c, v, NULL, TLS_WHERE, "cert_file: server.crt") != 0)
        return;
    c->client_auth_given = 0;
    walk(c, doc, v, TLS_WHERE, tls_keys, N_OF(tls_keys), cfg);
    /* TLS is on as soon as any of these is set, as in exporter-toolkit
     * (TLSConfig.IsEnabled); then it needs both the certificate and key. */
    if (cfg->cert_file == NULL && cfg->key_file == NULL &&
        cfg->client_ca_file == NULL && !c->client_auth_given)
        return;
    if (cfg->cert_file == NULL)
        report(c, line, TLS_WHERE, "cert_file is missing: TLS needs "
               "cert_file and key_file");
    if (cfg->key_file == NULL)
        report(c, line, TLS_WHERE, "key_file is missing: TLS needs "
               "cert_file and key_file");
    verify = cfg->client_auth == WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN ||
             cfg->client_auth == WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT;
    if (cfg->client_ca_file != NULL &&
        cfg->client_auth == WEBCONFIG_NO_CLIENT_CERT)
        report(c, cfg->ca_line, TLS_WHERE, "client_ca_file is set but "
               "client_auth_type is NoClientCert (the default), so no client "
               "certificate is asked for: set client_auth_type to "
               "RequireAndVerifyClientCert or VerifyClientCertIfGiven");
    if (verify && cfg->client_ca_file == NULL)
        report(c, line, TLS_WHERE, "client_auth_type %s needs "
               "client_ca_file: the CA certificates that vouch for clients",
               client_auth_names[cfg->client_auth]);
    if (cfg->min_version > cfg->max_version)
        report(c, line, TLS_WHERE, "min_version %s is above max_version %s",
               tls_version_names[cfg->min_version],
               tls_version_names[cfg->max_version]);
}

/* ---- basic_auth_users -------------------------------------------------- */

#define USERS_WHERE "basic_auth_users"

static void
parse_users(struct ctx *c, yaml_document_t *doc, yaml_node_t *v,
            struct webconfig *cfg)
{
    size_t n;

    if (mapping_or_null(c, v, NULL, USERS_WHERE,
                        "prometheus: <bcrypt hash>") != 0 ||
        v->type != YAML_MAPPING_NODE)
        return;
    n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    if (n == 0)
        return;
    cfg->users = calloc(n, sizeof(*cfg->users));
    if (cfg->users == NULL) {
        report(c, 0, NULL, "out of memory");
        return;
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
         p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *h = yaml_document_get_node(doc, p->value);
        const char *name, *hash;
        struct conf_user *u;
        int dup = 0;

        if (k == NULL || h == NULL)
            continue;
        name = string_value(c, k, USERS_WHERE, "a user name");
        if (name == NULL)
            continue;
        if (name[0] == '\0' || strchr(name, ':') != NULL ||
            strpbrk(name, "\r\n\t") != NULL) {
            report(c, line_of(k), USERS_WHERE, "user \"%s\": a name must be "
                   "non-empty, without ':' or control characters, to be "
                   "usable in basic auth", name);
            continue;
        }
        for (size_t i = 0; i < cfg->n_users; i++)
            dup |= strcmp(cfg->users[i].name, name) == 0;
        if (dup) {
            report(c, line_of(k), USERS_WHERE, "user \"%s\" is given twice",
                   name);
            continue;
        }
        hash = h->type == YAML_SCALAR_NODE && !is_null(h) ? scalar(h) : "";
        /* The hash is never quoted back: it is a secret of sorts. */
        if (!webconfig_bcrypt_ok(hash)) {
            report(c, line_of(h), USERS_WHERE, "user \"%s\": the value is not "
                   "a bcrypt hash (\"$2y$10$\" and 53 more characters); make "
                   "one with: htpasswd -nbBC 10 \"\" PASSWORD | tr -d ':\\n'",
                   name);
            continue;
        }
        u = &cfg->users[cfg->n_users];
        u->name = copy(c, name);
        u->hash = copy(c, hash);
        if (u->name == NULL || u->hash == NULL) {
            free(u->name);
            free(u->hash);
            u->name = u->hash = NULL;
            continue;
        }
        cfg->n_users++;
    }
}

/* ---- http_server_config ------------------------------------------------ */

#define HEADERS_WHERE "http_server_config.headers"

static void
header_names(char *buf, size_t len)
{
    const char *names[N_OF(allowed_headers)];

    for (size_t i = 0; i < N_OF(allowed_headers); i++)
        names[i] = allowed_headers[i].name;
    join_names(buf, len, names, N_OF(names));
}

static void
apply_headers(struct ctx *c, yaml_document_t *doc, yaml_node_t *v,
              struct webconfig *cfg)
{
    size_t n;

    if (mapping_or_null(c, v, "http_server_config", "headers",
                        "X-Frame-Options: deny") != 0 ||
        v->type != YAML_MAPPING_NODE)
        return;
    n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    if (n == 0)
        return;
    cfg->headers = calloc(n, sizeof(*cfg->headers));
    if (cfg->headers == NULL) {
        report(c, 0, NULL, "out of memory");
        return;
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
         p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *hv = yaml_document_get_node(doc, p->value);
        const char *name, *value;
        struct webconfig_header *h;
        size_t i;
        int ok = 0, dup = 0;

        if (k == NULL || hv == NULL)
            continue;
        name = string_value(c, k, HEADERS_WHERE, "a header name");
        if (name == NULL)
            continue;
        for (i = 0; i < N_OF(allowed_headers) &&
                    strcmp(allowed_headers[i].name, name) != 0; i++)
            ;
        if (i == N_OF(allowed_headers)) {
            char known[200];

            header_names(known, sizeof(known));
            report(c, line_of(k), HEADERS_WHERE, "header \"%s\" can not be "
                   "configured: only %s can (names as written here, case "
                   "included), as in exporter-toolkit", name, known);
            continue;
        }
        for (size_t j = 0; j < cfg->n_headers; j++)
            dup |= strcmp(cfg->headers[j].name, name) == 0;
        if (dup) {
            report(c, line_of(k), HEADERS_WHERE, "header \"%s\" is given "
                   "twice", name);
            continue;
        }
        value = is_null(hv) ? "" : string_value(c, hv, HEADERS_WHERE, name);
        if (value == NULL)
            continue;
        for (const char *q = value; *q != '\0'; q++)
            if ((unsigned char)*q < 0x20 || *q == 0x7f) {
                report(c, line_of(hv), HEADERS_WHERE, "%s: the value holds a "
                       "control character", name);
                value = NULL;
                break;
            }
        if (value == NULL)
            continue;
        ok = allowed_headers[i].values[0] == NULL;
        for (size_t j = 0; !ok && allowed_headers[i].values[j] != NULL; j++)
            ok = strcmp(allowed_headers[i].values[j], value) == 0;
        if (!ok) {
            char known[64];
            size_t nv = 0;

            while (allowed_headers[i].values[nv] != NULL)
                nv++;
            join_names(known, sizeof(known), allowed_headers[i].values, nv);
            report(c, line_of(hv), HEADERS_WHERE, "%s \"%s\" is not one of: "
                   "%s", name, value, known);
            continue;
        }
        h = &cfg->headers[cfg->n_headers];
        h->name = copy(c, name);
        h->value = copy(c, value);
        if (h->name == NULL || h->value == NULL) {
            free(h->name);
            free(h->value);
            h->name = h->value = NULL;
            continue;
        }
        cfg->n_headers++;
    }
}

static const struct key http_keys[] = {
    { "headers", apply_headers, NULL },
    { "http2", apply_ignored_bool, NULL },
};

static void
parse_http(struct ctx *c, yaml_document_t *doc, yaml_node_t *v,
           struct webconfig *cfg)
{
    if (mapping_or_null(c, v, NULL, "http_server_config",
                        "headers: {X-Frame-Options: deny}") == 0)
        walk(c, doc, v, "http_server_config", http_keys, N_OF(http_keys),
             cfg);
}

/* ---- the file ---------------------------------------------------------- */

static const struct key top_keys[] = {
    { "tls_server_config", parse_tls, NULL },
    { "http_server_config", parse_http, NULL },
    { "basic_auth_users", parse_users, NULL },
    { "rate_limit", NULL, "bound the load with max_connections in the "
      "config file's web group" },
};

/* A libyaml error as "NAME:LINE: YAML: problem (context)". */
static void
report_yaml(struct ctx *c, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "malformed";

    if (p->error == YAML_MEMORY_ERROR) {
        report(c, 0, NULL, "out of memory reading the YAML");
        return;
    }
    if (p->context != NULL)
        report(c, (unsigned)p->problem_mark.line + 1, NULL, "YAML: %s %s "
               "(line %u)", problem, p->context,
               (unsigned)p->context_mark.line + 1);
    else
        report(c, (unsigned)p->problem_mark.line + 1, NULL, "YAML: %s",
               problem);
}

int
webconfig_parse_text(const char *text, size_t len, const char *name,
                     int refuse_empty, struct webconfig **out,
                     struct conf_errors *errs)
{
    struct ctx c = { .name = name, .errs = errs };
    struct webconfig *cfg;
    yaml_parser_t parser;
    yaml_document_t doc, next;
    yaml_node_t *root;

    cfg = calloc(1, sizeof(*cfg));
    if (cfg == NULL) {
        report(&c, 0, NULL, "out of memory");
        return -1;
    }
    cfg->min_version = TLS_V12;
    cfg->max_version = TLS_V13;
    if (!yaml_parser_initialize(&parser)) {
        report(&c, 0, NULL, "out of memory");
        free(cfg);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        report_yaml(&c, &parser);
        yaml_parser_delete(&parser);
        webconfig_free(cfg);
        return -1;
    }
    root = yaml_document_get_root_node(&doc);
    if (root == NULL || is_null(root)) {
        /* An empty file: plain HTTP without authentication, as in
         * exporter-toolkit; unless the caller fears a half-written file. */
        if (refuse_empty)
            report(&c, 0, NULL, "the file is empty (caught half-written?); "
                   "write {} for no TLS and no authentication");
    } else if (root->type != YAML_MAPPING_NODE) {
        report(&c, line_of(root), NULL, "the file must be a mapping such as "
               "\"tls_server_config: ...\", not %s", kind_name(root));
    } else {
        walk(&c, &doc, root, NULL, top_keys, N_OF(top_keys), cfg);
    }
    if (root != NULL) {
        /* exporter-toolkit reads one document; a second is a mistake. */
        if (!yaml_parser_load(&parser, &next)) {
            report_yaml(&c, &parser);
        } else {
            yaml_node_t *second = yaml_document_get_root_node(&next);
            if (second != NULL)
                report(&c, line_of(second), NULL, "a second YAML document: "
                       "the file holds one");
            yaml_document_delete(&next);
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (c.failed) {
        webconfig_free(cfg);
        return -1;
    }
    *out = cfg;
    return 0;
}

int
webconfig_parse(const char *text, size_t len, const char *name,
                struct webconfig **out, struct conf_errors *errs)
{
    return webconfig_parse_text(text, len, name, 0, out, errs);
}

void
webconfig_free(struct webconfig *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->cert_file);
    free(cfg->key_file);
    free(cfg->client_ca_file);
    for (size_t i = 0; i < cfg->n_users; i++) {
        free(cfg->users[i].name);
        free(cfg->users[i].hash);
    }
    free(cfg->users);
    for (size_t i = 0; i < cfg->n_headers; i++) {
        free(cfg->headers[i].name);
        free(cfg->headers[i].value);
    }
    free(cfg->headers);
    free(cfg->cert_pem);
    if (cfg->key_pem != NULL) {
        explicit_bzero(cfg->key_pem, strlen(cfg->key_pem));
        free(cfg->key_pem);
    }
    free(cfg->ca_pem);
    free(cfg->name);
    free(cfg);
}
