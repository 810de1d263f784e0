/*
 * conf: the libconfig tree is walked group by group against tables of known
 * keys, and every value is checked and copied into plain structs.  Problems
 * are collected as "FILE:LINE: reason" and the walk keeps going, so that a
 * single run shows every mistake in the file.
 */
#include "conf/conf.h"

#include "conf/endpoint.h"
#include "conf/privfile.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_TIMEOUT 5.0
#define MAX_TIMEOUT 300.0
#define DEFAULT_CLOCKSKEW 300.0
#define MAX_CLOCKSKEW 86400.0
#define MAX_DNS_TIMEOUT 60.0
#define DEFAULT_BACKOFF 300.0
#define DEFAULT_BACKOFF_MAX 3600.0
#define MAX_BACKOFF (7 * 86400.0)
#define DEFAULT_WORKERS 16
#define DEFAULT_MAX_CONNECTIONS 64
#define DEFAULT_IDLE_TIMEOUT 30
#define DEFAULT_MAX_REQUEST_SIZE 16384
#define MAX_WORKERS 1024
#define MAX_CONF_SIZE (1024 * 1024)

/* State of one load: where messages go and whether anything went wrong. */
struct ctx {
    const char *name;            /* borrowed; FILE in messages */
    struct conf_errors *errs;    /* borrowed; messages are appended here */
    int failed;                  /* set by every problem, even when its
                                    message could not be stored (no memory) */
};

/*
 * One known key of a group.  `types` is a mask of the libconfig types the key
 * accepts; `expected` finishes the sentence "KEY must be ..." when the type
 * is wrong; `missing` is the reason reported when the key is absent (NULL for
 * optional keys).  apply() checks the value and stores it in `obj`, which is
 * the struct the group fills (named in each table's comment).  Adding a key
 * means adding a row and its apply() function.
 */
struct key {
    const char *name;
    unsigned types;
    const char *expected;
    const char *missing;
    void (*apply)(struct ctx *c, const config_setting_t *s,
                  const char *where, void *obj);
};

#define TYPE_BIT(t) (1u << (t))
#define T_STRING TYPE_BIT(CONFIG_TYPE_STRING)
#define T_NUMBER (TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64) \
                  | TYPE_BIT(CONFIG_TYPE_FLOAT))
#define T_GROUP TYPE_BIT(CONFIG_TYPE_GROUP)
#define T_SEQ (TYPE_BIT(CONFIG_TYPE_LIST) | TYPE_BIT(CONFIG_TYPE_ARRAY))

static const char *const transport_names[] = {
    [TRANSPORT_UDP] = "udp", [TRANSPORT_TCP] = "tcp",
    [TRANSPORT_BOTH] = "both",
};
static const char *const canon_names[] = {
    [CANON_NONE] = "none", [CANON_FORWARD] = "forward",
    [CANON_REVERSE] = "reverse",
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Append msg to errs, taking ownership of it (it is freed on failure). */
static void errs_add(struct conf_errors *errs, char *msg)
{
    char **grown = realloc(errs->messages, (errs->count + 1) * sizeof(*grown));

    if (grown == NULL) {
        free(msg);
        return;
    }
    errs->messages = grown;
    errs->messages[errs->count++] = msg;
}

/*
 * Record one problem as "FILE:LINE: WHERE: reason", leaving out LINE when it
 * is 0 and WHERE when it is NULL.
 */
static void vreport(struct ctx *c, const char *file, unsigned line,
                    const char *where, const char *fmt, va_list ap)
{
    char *reason = NULL, *msg = NULL;
    char pos[32] = "";
    int n;

    c->failed = 1;
    if (vasprintf(&reason, fmt, ap) < 0) {
        reason = NULL;
        goto cleanup;
    }
    if (line > 0)
        snprintf(pos, sizeof(pos), ":%u", line);
    n = asprintf(&msg, "%s%s: %s%s%s", file, pos, where ? where : "",
                 where ? ": " : "", reason);
    if (n < 0) {
        msg = NULL;
        goto cleanup;
    }
    errs_add(c->errs, msg);
    msg = NULL;
cleanup:
    free(reason);
    free(msg);
}

/* Report a problem found at setting s (its file and line). */
__attribute__((format(printf, 4, 5)))
static void report(struct ctx *c, const config_setting_t *s, const char *where,
                   const char *fmt, ...)
{
    const char *file = config_setting_source_file(s);
    va_list ap;

    va_start(ap, fmt);
    vreport(c, file ? file : c->name, config_setting_source_line(s), where,
            fmt, ap);
    va_end(ap);
}

/* Report a problem at a given file and line (0: the file as a whole). */
__attribute__((format(printf, 4, 5)))
static void report_at(struct ctx *c, const char *file, unsigned line,
                      const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(c, file ? file : c->name, line, NULL, fmt, ap);
    va_end(ap);
}

static const char *type_name(int type)
{
    switch (type) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a floating-point number";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_GROUP: return "a group { ... }";
    case CONFIG_TYPE_ARRAY: return "an array [ ... ]";
    case CONFIG_TYPE_LIST: return "a list ( ... )";
    default: return "an unknown type";
    }
}

/* Write "a, b, c" into buf (truncated if it must be). */
static void join_names(char *buf, size_t size, const char *const *names,
                       size_t n)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                         names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Index of s in names, or -1. */
static int name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

/*
 * Walk the members of a group: unknown keys and wrong types are reported,
 * known keys go to their apply(), and absent required keys are reported
 * last, at the group's line.  `where` prefixes messages (NULL at top level).
 */
static void walk_group(struct ctx *c, const config_setting_t *group,
                       const struct key *keys, size_t n_keys,
                       const char *where, void *obj)
{
    int len = config_setting_length(group);

    for (int i = 0; i < len; i++) {
        const config_setting_t *s = config_setting_get_elem(group,
                                                            (unsigned)i);
        const char *name = config_setting_name(s);
        const struct key *k = NULL;

        for (size_t j = 0; j < n_keys && k == NULL; j++)
            if (strcmp(keys[j].name, name) == 0)
                k = &keys[j];
        if (k == NULL) {
            const char *names[16];
            char known[256];
            size_t n = 0;

            for (size_t j = 0; j < n_keys && n < N_OF(names); j++)
                names[n++] = keys[j].name;
            join_names(known, sizeof(known), names, n);
            report(c, s, where, "unknown %skey \"%s\" (known keys: %s)",
                   where ? "" : "top-level ", name, known);
            continue;
        }
        if ((k->types & TYPE_BIT(config_setting_type(s))) == 0) {
            report(c, s, where, "\"%s\" must be %s, not %s", name,
                   k->expected, type_name(config_setting_type(s)));
            continue;
        }
        k->apply(c, s, where, obj);
    }
    for (size_t j = 0; j < n_keys; j++)
        if (keys[j].missing != NULL
            && config_setting_get_member(group, keys[j].name) == NULL)
            report(c, group, where, "%s", keys[j].missing);
}

/* Copy a libconfig string (the tree frees its own), reporting failure. */
static char *copy(struct ctx *c, const config_setting_t *s, const char *text)
{
    char *dup = strdup(text);

    if (dup == NULL)
        report(c, s, NULL, "out of memory");
    return dup;
}

/* The first byte that is whitespace or a control character, or NULL. */
static const char *find_space(const char *s)
{
    for (; *s != '\0'; s++)
        if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
            return s;
    return NULL;
}

/* Check a keytab or password file (see privfile_check), reporting at s. */
static int check_secret_file(struct ctx *c, const config_setting_t *s,
                             const char *where, const char *what,
                             const char *path)
{
    char reason[512];

    if (privfile_check(path, what, reason, sizeof(reason)) == 0)
        return 0;
    report(c, s, where, "%s", reason);
    return -1;
}

/* ---- client = { ... }: each apply() gets the struct conf_realm. ---- */

static void apply_principal(struct ctx *c, const config_setting_t *s,
                            const char *where, void *obj)
{
    struct conf_realm *r = obj;
    const char *v = config_setting_get_string(s);

    if (v[0] == '\0')
        report(c, s, where, "\"principal\" is empty: expected the "
               "monitoring principal, e.g. \"krbmon@EXAMPLE.COM\"");
    else if (find_space(v) != NULL)
        report(c, s, where, "principal \"%s\" contains whitespace or a "
               "control character", v);
    else
        r->client_principal = copy(c, s, v);
}

static void apply_keytab(struct ctx *c, const config_setting_t *s,
                         const char *where, void *obj)
{
    struct conf_realm *r = obj;
    const char *v = config_setting_get_string(s);

    if (check_secret_file(c, s, where, "keytab", v) == 0)
        r->keytab = copy(c, s, v);
}

static void apply_password_file(struct ctx *c, const config_setting_t *s,
                                const char *where, void *obj)
{
    struct conf_realm *r = obj;
    const char *v = config_setting_get_string(s);

    if (check_secret_file(c, s, where, "password_file", v) == 0)
        r->password_file = copy(c, s, v);
}

static const struct key client_keys[] = {
    { "principal", T_STRING, "a string such as \"krbmon@EXAMPLE.COM\"",
      "missing \"principal\": the monitoring principal, e.g. "
      "principal = \"krbmon@EXAMPLE.COM\";", apply_principal },
    { "keytab", T_STRING, "a string: the path of a keytab file", NULL,
      apply_keytab },
    { "password_file", T_STRING, "a string: the path of a file whose first "
      "line is the password", NULL, apply_password_file },
};

/* ---- one realm group: each apply() gets the struct conf_realm. ---- */

static void apply_realm_name(struct ctx *c, const config_setting_t *s,
                             const char *where, void *obj)
{
    struct conf_realm *r = obj;
    const char *v = config_setting_get_string(s);
    const char *bad = find_space(v);

    if (bad == NULL)
        bad = strpbrk(v, "@/");
    if (v[0] == '\0')
        report(c, s, where, "\"realm\" is empty: expected the realm name, "
               "e.g. \"EXAMPLE.COM\"");
    else if (bad != NULL && (*bad == '@' || *bad == '/'))
        report(c, s, where, "realm name \"%s\" contains '%c': expected only "
               "the realm, e.g. \"EXAMPLE.COM\"", v, *bad);
    else if (bad != NULL)
        report(c, s, where, "realm name \"%s\" contains whitespace or a "
               "control character", v);
    else
        r->realm = copy(c, s, v);
}

static void apply_kdcs(struct ctx *c, const config_setting_t *s,
                       const char *where, void *obj)
{
    struct conf_realm *r = obj;
    unsigned n = (unsigned)config_setting_length(s);

    if (n == 0) {
        report(c, s, where, "\"kdcs\" is empty: list at least one KDC, e.g. "
               "kdcs = ( \"kdc1.example.com\" ); or leave \"kdcs\" out to "
               "find the KDCs through DNS");
        return;
    }
    r->kdcs = calloc(n, sizeof(*r->kdcs));
    if (r->kdcs == NULL) {
        report(c, s, where, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        struct conf_kdc kdc;
        char reason[256];
        size_t j;

        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            report(c, e, where, "\"kdcs\" entries must be strings such as "
                   "\"kdc1.example.com:88\", not %s",
                   type_name(config_setting_type(e)));
            continue;
        }
        if (endpoint_parse_kdc(config_setting_get_string(e), &kdc, reason,
                      sizeof(reason)) != 0) {
            report(c, e, where, "kdc \"%s\": %s",
                   config_setting_get_string(e), reason);
            continue;
        }
        for (j = 0; j < r->n_kdcs; j++)
            if (strcasecmp(r->kdcs[j].host, kdc.host) == 0
                && r->kdcs[j].port == kdc.port)
                break;
        if (j < r->n_kdcs) {
            report(c, e, where, "kdc \"%s\" is listed twice",
                   config_setting_get_string(e));
            free(kdc.host);
            continue;
        }
        r->kdcs[r->n_kdcs++] = kdc;
    }
}

static void apply_transport(struct ctx *c, const config_setting_t *s,
                            const char *where, void *obj)
{
    struct conf_realm *r = obj;
    const char *v = config_setting_get_string(s);
    int i = name_index(transport_names, N_OF(transport_names), v);
    char known[64];

    if (i >= 0) {
        r->transport = (enum conf_transport)i;
        return;
    }
    join_names(known, sizeof(known), transport_names, N_OF(transport_names));
    report(c, s, where, "transport \"%s\" is not one of: %s", v, known);
}

static void apply_canonicalize(struct ctx *c, const config_setting_t *s,
                               const char *where, void *obj)
{
    struct conf_realm *r = obj;
    const char *v = config_setting_get_string(s);
    int i = name_index(canon_names, N_OF(canon_names), v);
    char known[64];

    if (i >= 0) {
        r->canonicalize = (enum conf_canon)i;
        return;
    }
    join_names(known, sizeof(known), canon_names, N_OF(canon_names));
    report(c, s, where, "canonicalize \"%s\" is not one of: %s", v, known);
}

/* The value of a number setting, whichever of libconfig's types it has. */
static double number_value(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT: return config_setting_get_int(s);
    case CONFIG_TYPE_INT64: return (double)config_setting_get_int64(s);
    default: return config_setting_get_float(s);
    }
}

static void apply_clockskew(struct ctx *c, const config_setting_t *s,
                            const char *where, void *obj)
{
    struct conf_realm *r = obj;
    double v = number_value(s);

    if (v > 0 && v <= MAX_CLOCKSKEW)
        r->clockskew = v;
    else
        report(c, s, where, "clockskew %g is out of range: expected seconds "
               "above 0 and at most %g, e.g. 300", v, MAX_CLOCKSKEW);
}

static void apply_backoff(struct ctx *c, const config_setting_t *s,
                          const char *where, void *obj)
{
    struct conf_realm *r = obj;
    double v = number_value(s);

    if (v > 0 && v <= MAX_BACKOFF)
        r->backoff = v;
    else
        report(c, s, where, "backoff %g is out of range: expected seconds "
               "above 0 and at most %g, e.g. 300", v, MAX_BACKOFF);
}

static void apply_backoff_max(struct ctx *c, const config_setting_t *s,
                              const char *where, void *obj)
{
    struct conf_realm *r = obj;
    double v = number_value(s);

    if (v > 0 && v <= MAX_BACKOFF)
        r->backoff_max = v;
    else
        report(c, s, where, "backoff_max %g is out of range: expected "
               "seconds above 0 and at most %g, e.g. 3600", v, MAX_BACKOFF);
}

static void apply_timeout(struct ctx *c, const config_setting_t *s,
                          const char *where, void *obj)
{
    struct conf_realm *r = obj;
    double v = number_value(s);

    if (v > 0 && v <= MAX_TIMEOUT)
        r->timeout = v;
    else
        report(c, s, where, "timeout %g is out of range: expected seconds "
               "above 0 and at most %g, e.g. 5 or 2.5", v, MAX_TIMEOUT);
}

static void apply_client(struct ctx *c, const config_setting_t *s,
                         const char *where, void *obj)
{
    int has_keytab = config_setting_get_member(s, "keytab") != NULL;
    int has_pw = config_setting_get_member(s, "password_file") != NULL;
    char client_where[300];

    snprintf(client_where, sizeof(client_where), "%s: client", where);
    walk_group(c, s, client_keys, N_OF(client_keys), client_where, obj);
    if (has_keytab && has_pw)
        report(c, s, client_where, "set only one of \"keytab\" and "
               "\"password_file\", not both");
    else if (!has_keytab && !has_pw)
        report(c, s, client_where, "set \"keytab\" (a keytab file) or "
               "\"password_file\" (a file whose first line is the "
               "password)");
}

/* ---- a services entry written as a group: each apply() gets the
 * struct service_entry. ---- */

struct service_entry {
    char *principal;          /* owned */
    char *keytab;             /* owned or NULL */
};

/* Check a service principal as written; report at s and return -1 when it
 * is empty or holds whitespace. */
static int check_service_name(struct ctx *c, const config_setting_t *s,
                              const char *where, const char *v)
{
    if (v[0] == '\0') {
        report(c, s, where, "\"services\" entry is empty: expected a "
               "service principal such as \"HTTP/www.example.com\"");
        return -1;
    }
    if (find_space(v) != NULL) {
        report(c, s, where, "service \"%s\" contains whitespace or a "
               "control character", v);
        return -1;
    }
    return 0;
}

static void apply_service_principal(struct ctx *c, const config_setting_t *s,
                                    const char *where, void *obj)
{
    struct service_entry *se = obj;
    const char *v = config_setting_get_string(s);

    if (check_service_name(c, s, where, v) == 0)
        se->principal = copy(c, s, v);
}

static void apply_service_entry_keytab(struct ctx *c,
                                       const config_setting_t *s,
                                       const char *where, void *obj)
{
    struct service_entry *se = obj;
    const char *v = config_setting_get_string(s);

    if (check_secret_file(c, s, where, "keytab", v) == 0)
        se->keytab = copy(c, s, v);
}

static const struct key service_keys[] = {
    { "principal", T_STRING, "a string such as \"HTTP/www.example.com\"",
      "missing \"principal\": the service principal, e.g. principal = "
      "\"HTTP/www.example.com\";", apply_service_principal },
    { "keytab", T_STRING, "a string: the path of the service's keytab file",
      NULL, apply_service_entry_keytab },
};

static void apply_services(struct ctx *c, const config_setting_t *s,
                           const char *where, void *obj)
{
    struct conf_realm *r = obj;
    unsigned n = (unsigned)config_setting_length(s);

    if (n == 0)
        return;
    r->services = calloc(n, sizeof(*r->services));
    r->service_keytabs = calloc(n, sizeof(*r->service_keytabs));
    if (r->services == NULL || r->service_keytabs == NULL) {
        report(c, s, where, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        struct service_entry se = { NULL, NULL };
        size_t j;

        if (config_setting_type(e) == CONFIG_TYPE_GROUP) {
            char entry_where[300];

            snprintf(entry_where, sizeof(entry_where), "%s: services entry "
                     "%u", where, i + 1);
            walk_group(c, e, service_keys, N_OF(service_keys), entry_where,
                       &se);
        } else if (config_setting_type(e) == CONFIG_TYPE_STRING) {
            const char *v = config_setting_get_string(e);

            if (check_service_name(c, e, where, v) == 0)
                se.principal = copy(c, e, v);
        } else {
            report(c, e, where, "\"services\" entries must be strings such "
                   "as \"HTTP/www.example.com\", or groups such as { "
                   "principal = \"HTTP/www.example.com\"; keytab = "
                   "\"/etc/krb5_exporter/http.keytab\"; }, not %s",
                   type_name(config_setting_type(e)));
        }
        if (se.principal == NULL) {
            free(se.keytab);
            continue;
        }
        for (j = 0; j < r->n_services; j++)
            if (strcmp(r->services[j], se.principal) == 0)
                break;
        if (j < r->n_services) {
            report(c, e, where, "service \"%s\" is listed twice",
                   se.principal);
            free(se.principal);
            free(se.keytab);
            continue;
        }
        r->services[r->n_services] = se.principal;
        r->service_keytabs[r->n_services] = se.keytab;
        r->n_services++;
    }
}

static void apply_service_keytab(struct ctx *c, const config_setting_t *s,
                                 const char *where, void *obj)
{
    struct conf_realm *r = obj;
    const char *v = config_setting_get_string(s);

    if (check_secret_file(c, s, where, "service_keytab", v) == 0)
        r->service_keytab = copy(c, s, v);
}

static const struct key realm_keys[] = {
    { "realm", T_STRING, "a string such as \"EXAMPLE.COM\"",
      "missing \"realm\": the realm name, e.g. realm = \"EXAMPLE.COM\";",
      apply_realm_name },
    { "kdcs", T_SEQ, "a list of strings such as ( \"kdc1.example.com:88\" )",
      NULL, apply_kdcs },
    { "transport", T_STRING, "one of the strings \"udp\", \"tcp\", \"both\"",
      NULL, apply_transport },
    { "canonicalize", T_STRING, "one of the strings \"none\", \"forward\", "
      "\"reverse\"", NULL, apply_canonicalize },
    { "timeout", T_NUMBER, "a number of seconds, e.g. 5 or 2.5", NULL,
      apply_timeout },
    { "clockskew", T_NUMBER, "a number of seconds, e.g. 300", NULL,
      apply_clockskew },
    { "backoff", T_NUMBER, "a number of seconds, e.g. 300", NULL,
      apply_backoff },
    { "backoff_max", T_NUMBER, "a number of seconds, e.g. 3600", NULL,
      apply_backoff_max },
    { "client", T_GROUP, "a group such as { principal = \"...\"; "
      "keytab = \"...\"; }", "missing \"client\" group, e.g. client = { "
      "principal = \"krbmon@EXAMPLE.COM\"; keytab = "
      "\"/etc/krb5_exporter/krbmon.keytab\"; };", apply_client },
    { "services", T_SEQ, "a list of strings such as ( "
      "\"HTTP/www.example.com\" )", NULL, apply_services },
    { "service_keytab", T_STRING, "a string: the path of the services' "
      "keytab file", NULL, apply_service_keytab },
};

/* Load realm number idx (0-based) of conf from group g. */
static void load_realm(struct ctx *c, const config_setting_t *g, unsigned idx,
                       struct conf *conf)
{
    struct conf_realm *r = &conf->realms[idx];
    const char *name = NULL;
    char where[256];

    r->transport = TRANSPORT_UDP;
    r->canonicalize = CANON_NONE;
    r->timeout = DEFAULT_TIMEOUT;
    r->clockskew = DEFAULT_CLOCKSKEW;
    r->backoff = DEFAULT_BACKOFF;
    r->backoff_max = DEFAULT_BACKOFF_MAX;
    r->line = (int)config_setting_source_line(g);

    /* Name the realm in every message about it, even those about keys
     * that come before "realm" in the group. */
    if (config_setting_lookup_string(g, "realm", &name) == CONFIG_TRUE
        && name[0] != '\0')
        snprintf(where, sizeof(where), "realm \"%.200s\"", name);
    else
        snprintf(where, sizeof(where), "realm #%u", idx + 1);

    walk_group(c, g, realm_keys, N_OF(realm_keys), where, r);
    if (r->backoff_max < r->backoff)
        report(c, g, where, "backoff_max %g is shorter than backoff %g: the "
               "backoff doubles from backoff up to backoff_max",
               r->backoff_max, r->backoff);

    if (r->realm == NULL)
        return;
    for (unsigned j = 0; j < idx; j++)
        if (conf->realms[j].realm != NULL
            && strcmp(conf->realms[j].realm, r->realm) == 0) {
            report(c, g, where, "defined twice: first at line %d",
                   conf->realms[j].line);
            break;
        }
}

/* ---- the top level: each apply() gets the struct conf. ---- */

static void apply_realms(struct ctx *c, const config_setting_t *s,
                         const char *where, void *obj)
{
    struct conf *conf = obj;
    unsigned n = (unsigned)config_setting_length(s);

    if (n == 0) {
        report(c, s, where, "\"realms\" is empty: configure at least one "
               "realm, e.g. realms = ( { realm = \"EXAMPLE.COM\"; ... } );");
        return;
    }
    conf->realms = calloc(n, sizeof(*conf->realms));
    if (conf->realms == NULL) {
        report(c, s, where, "out of memory");
        return;
    }
    conf->n_realms = n;
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);

        if (config_setting_type(e) == CONFIG_TYPE_GROUP)
            load_realm(c, e, i, conf);
        else
            report(c, e, where, "\"realms\" entries must be groups such as "
                   "{ realm = \"EXAMPLE.COM\"; ... }, not %s",
                   type_name(config_setting_type(e)));
    }
}

/* ---- the dns group: each apply() gets the struct conf_dns. ---- */

static void apply_dns_servers(struct ctx *c, const config_setting_t *s,
                              const char *where, void *obj)
{
    struct conf_dns *d = obj;
    unsigned n = (unsigned)config_setting_length(s);

    if (n == 0) {
        report(c, s, where, "\"servers\" is empty: list name servers such "
               "as ( \"127.0.0.1:53\" ), or leave \"servers\" out to use "
               "the system's resolver configuration");
        return;
    }
    d->servers = calloc(n, sizeof(*d->servers));
    if (d->servers == NULL) {
        report(c, s, where, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        const char *v;

        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            report(c, e, where, "\"servers\" entries must be strings such as "
                   "\"127.0.0.1:53\", not %s",
                   type_name(config_setting_type(e)));
            continue;
        }
        v = config_setting_get_string(e);
        if (!endpoint_dns_server_ok(v)) {
            report(c, e, where, "server \"%s\" is not an IP address with an "
                   "optional port, e.g. \"127.0.0.1:5353\" or \"[::1]:53\"",
                   v);
            continue;
        }
        d->servers[d->n_servers] = copy(c, e, v);
        if (d->servers[d->n_servers] != NULL)
            d->n_servers++;
    }
}

static void apply_dns_timeout(struct ctx *c, const config_setting_t *s,
                              const char *where, void *obj)
{
    struct conf_dns *d = obj;
    double v = number_value(s);

    if (v > 0 && v <= MAX_DNS_TIMEOUT)
        d->timeout = v;
    else
        report(c, s, where, "timeout %g is out of range: expected seconds "
               "above 0 and at most %g, e.g. 2", v, MAX_DNS_TIMEOUT);
}

static const struct key dns_keys[] = {
    { "servers", T_SEQ, "a list of strings such as ( \"127.0.0.1:53\" )",
      NULL, apply_dns_servers },
    { "timeout", T_NUMBER, "a number of seconds, e.g. 2", NULL,
      apply_dns_timeout },
};

static void apply_dns(struct ctx *c, const config_setting_t *s,
                      const char *where, void *obj)
{
    struct conf *conf = obj;

    (void)where;
    walk_group(c, s, dns_keys, N_OF(dns_keys), "dns", &conf->dns);
}

static void apply_workers(struct ctx *c, const config_setting_t *s,
                          const char *where, void *obj)
{
    struct conf *conf = obj;
    long long v = config_setting_type(s) == CONFIG_TYPE_INT64
                      ? config_setting_get_int64(s)
                      : config_setting_get_int(s);

    if (v >= 1 && v <= MAX_WORKERS)
        conf->workers = (unsigned)v;
    else
        report(c, s, where, "workers %lld is out of range: expected 1 to %d",
               v, MAX_WORKERS);
}

/* ---- the web group: each apply() gets the struct conf_web. ---- */

static const char *const tls_version_names[] = {
    [TLS_V10] = "TLS10", [TLS_V11] = "TLS11", [TLS_V12] = "TLS12",
    [TLS_V13] = "TLS13",
};

/* A file the exporter must be able to read at start (a certificate). */
static char *readable_file(struct ctx *c, const config_setting_t *s,
                           const char *where, const char *what,
                           const char *path)
{
    FILE *f = fopen(path, "re");

    if (f == NULL) {
        report(c, s, where, "%s \"%s\": cannot open: %s", what, path,
               strerror(errno));
        return NULL;
    }
    fclose(f);
    return copy(c, s, path);
}

static void apply_tls_cert(struct ctx *c, const config_setting_t *s,
                           const char *where, void *obj)
{
    struct conf_web *w = obj;

    w->tls_cert_file = readable_file(c, s, where, "tls_cert_file",
                                     config_setting_get_string(s));
}

static void apply_tls_key(struct ctx *c, const config_setting_t *s,
                          const char *where, void *obj)
{
    struct conf_web *w = obj;
    const char *v = config_setting_get_string(s);

    if (check_secret_file(c, s, where, "tls_key_file", v) == 0)
        w->tls_key_file = copy(c, s, v);
}

static void apply_client_ca(struct ctx *c, const config_setting_t *s,
                            const char *where, void *obj)
{
    struct conf_web *w = obj;

    w->client_ca_file = readable_file(c, s, where, "client_ca_file",
                                      config_setting_get_string(s));
}

static void apply_tls_min(struct ctx *c, const config_setting_t *s,
                          const char *where, void *obj)
{
    struct conf_web *w = obj;
    const char *v = config_setting_get_string(s);
    int i = name_index(tls_version_names, N_OF(tls_version_names), v);
    char known[64];

    if (i >= 0) {
        w->tls_min_version = (enum conf_tls_version)i;
        return;
    }
    join_names(known, sizeof(known), tls_version_names,
               N_OF(tls_version_names));
    report(c, s, where, "tls_min_version \"%s\" is not one of: %s", v, known);
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

static void apply_users(struct ctx *c, const config_setting_t *s,
                        const char *where, void *obj)
{
    struct conf_web *w = obj;
    unsigned n = (unsigned)config_setting_length(s);

    if (n == 0) {
        report(c, s, where, "\"basic_auth_users\" is empty: add users as "
               "name = \"<bcrypt hash>\"; or leave it out to serve without "
               "authentication");
        return;
    }
    w->users = calloc(n, sizeof(*w->users));
    if (w->users == NULL) {
        report(c, s, where, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        const char *name = config_setting_name(e), *hash;
        struct conf_user *u = &w->users[w->n_users];

        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            report(c, e, where, "user \"%s\": the value must be a bcrypt "
                   "hash in a string, not %s", name,
                   type_name(config_setting_type(e)));
            continue;
        }
        hash = config_setting_get_string(e);
        /* The hash is not quoted back: it is a secret of sorts. */
        if (!bcrypt_hash_ok(hash)) {
            report(c, e, where, "user \"%s\": the value is not a bcrypt "
                   "hash (\"$2y$10$\" and 53 more characters); make one "
                   "with: htpasswd -nbBC 10 \"\" PASSWORD | tr -d ':\\n'",
                   name);
            continue;
        }
        u->name = copy(c, e, name);
        u->hash = copy(c, e, hash);
        if (u->name != NULL && u->hash != NULL)
            w->n_users++;
    }
}

/* A whole number in [lo, hi] for a web limit. */
static int web_limit(struct ctx *c, const config_setting_t *s,
                     const char *where, const char *what, long long lo,
                     long long hi, unsigned *out)
{
    long long v = config_setting_type(s) == CONFIG_TYPE_INT64
                      ? config_setting_get_int64(s)
                      : config_setting_get_int(s);

    if (v < lo || v > hi) {
        report(c, s, where, "%s %lld is out of range: expected %lld to %lld",
               what, v, lo, hi);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static void apply_max_connections(struct ctx *c, const config_setting_t *s,
                                  const char *where, void *obj)
{
    struct conf_web *w = obj;

    web_limit(c, s, where, "max_connections", 1, 10000, &w->max_connections);
}

static void apply_idle_timeout(struct ctx *c, const config_setting_t *s,
                               const char *where, void *obj)
{
    struct conf_web *w = obj;

    web_limit(c, s, where, "idle_timeout", 1, 3600, &w->idle_timeout);
}

static void apply_max_request_size(struct ctx *c, const config_setting_t *s,
                                   const char *where, void *obj)
{
    struct conf_web *w = obj;

    web_limit(c, s, where, "max_request_size", 4096, 1048576,
              &w->max_request_size);
}

#define T_INT (TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64))

static const struct key web_keys[] = {
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

static void apply_web(struct ctx *c, const config_setting_t *s,
                      const char *where, void *obj)
{
    struct conf *conf = obj;
    struct conf_web *w = &conf->web;
    int has_cert = config_setting_get_member(s, "tls_cert_file") != NULL;
    int has_key = config_setting_get_member(s, "tls_key_file") != NULL;

    (void)where;
    walk_group(c, s, web_keys, N_OF(web_keys), "web", w);
    if (has_cert != has_key)
        report(c, s, "web", "set both \"tls_cert_file\" and "
               "\"tls_key_file\" to serve TLS, or neither");
    if (config_setting_get_member(s, "client_ca_file") != NULL && !has_cert)
        report(c, s, "web", "\"client_ca_file\" needs TLS: set "
               "\"tls_cert_file\" and \"tls_key_file\" too");
    if (config_setting_get_member(s, "tls_min_version") != NULL && !has_cert)
        report(c, s, "web", "\"tls_min_version\" needs TLS: set "
               "\"tls_cert_file\" and \"tls_key_file\" too");
}

static const struct key top_keys[] = {
    { "web", T_GROUP, "a group such as { tls_cert_file = \"...\"; ... }",
      NULL, apply_web },
    { "workers", TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64),
      "a whole number, e.g. 16", NULL, apply_workers },
    { "dns", T_GROUP, "a group such as { servers = ( \"127.0.0.1:53\" ); }",
      NULL, apply_dns },
    { "realms", T_SEQ, "a list of realm groups: realms = ( { realm = "
      "\"EXAMPLE.COM\"; ... } );", "no \"realms\" list: configure at least "
      "one realm, e.g. realms = ( { realm = \"EXAMPLE.COM\"; ... } );",
      apply_realms },
};

int conf_load_string(const char *text, const char *name,
                     struct conf **conf_out, struct conf_errors *errs)
{
    struct ctx c = { .name = name ? name : "config", .errs = errs };
    struct conf *conf = NULL;
    config_t cfg;
    int ret = -1;

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
        report_at(&c, config_error_file(&cfg), line > 0 ? (unsigned)line : 0,
                  "%s", why ? why : "cannot parse");
        goto cleanup;
    }
    conf = calloc(1, sizeof(*conf));
    if (conf == NULL || (conf->path = strdup(c.name)) == NULL) {
        report_at(&c, NULL, 0, "out of memory");
        goto cleanup;
    }
    conf->workers = DEFAULT_WORKERS;
    conf->web.tls_min_version = TLS_V12;
    conf->web.max_connections = DEFAULT_MAX_CONNECTIONS;
    conf->web.idle_timeout = DEFAULT_IDLE_TIMEOUT;
    conf->web.max_request_size = DEFAULT_MAX_REQUEST_SIZE;
    walk_group(&c, config_root_setting(&cfg), top_keys, N_OF(top_keys),
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
    struct ctx c = { .name = path, .errs = errs };
    char reason[512];
    char *text = NULL;
    int ret;

    /* The file names the keytabs and password files, so only its owner
     * may read or change it, as ssh insists for its keys. */
    if (privfile_read(path, MAX_CONF_SIZE, &text, reason,
                      sizeof(reason)) != 0) {
        report_at(&c, NULL, 0, "%s", reason);
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
    free(r->client_principal);
    free(r->keytab);
    free(r->password_file);
    for (size_t i = 0; i < r->n_services; i++)
        free(r->services[i]);
    free(r->services);
    for (size_t i = 0; r->service_keytabs != NULL && i < r->n_services; i++)
        free(r->service_keytabs[i]);
    free(r->service_keytabs);
    free(r->service_keytab);
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
    if ((unsigned)t < N_OF(transport_names))
        return transport_names[t];
    return "unknown";
}

const char *conf_tls_version_name(enum conf_tls_version v)
{
    if ((unsigned)v < N_OF(tls_version_names))
        return tls_version_names[v];
    return "unknown";
}

const char *conf_canon_name(enum conf_canon c)
{
    if ((unsigned)c < N_OF(canon_names))
        return canon_names[c];
    return "unknown";
}
