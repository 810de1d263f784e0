/* realmgroup: one entry of the `realms` list of the config; see
 * realmgroup.h. */
#include "conf/realmgroup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/grow.h"
#include "base/hostport.h"
#include "conf/capathgroup.h"
#include "conf/endpoint.h"
#include "conf/servicegroup.h"

#define DEFAULT_TIMEOUT 5.0
#define MAX_TIMEOUT 300.0
#define DEFAULT_CLOCKSKEW 300.0
#define MAX_CLOCKSKEW 86400.0
#define DEFAULT_BACKOFF 300.0
#define DEFAULT_BACKOFF_MAX 3600.0
#define MAX_BACKOFF (7 * 86400.0)
#define DEFAULT_MAX_IN_FLIGHT 16
#define MAX_MAX_IN_FLIGHT 256

static const char *const transport_names[] = {
    [TRANSPORT_UDP] = "udp", [TRANSPORT_TCP] = "tcp",
    [TRANSPORT_BOTH] = "both",
};
static const char *const canon_names[] = {
    [CANON_NONE] = "none", [CANON_FORWARD] = "forward",
    [CANON_REVERSE] = "reverse",
};

/* ---- client = { ... } and each clients entry: each apply() gets the
 * struct conf_client. ---- */

static void apply_principal(struct walk_ctx *c, const config_setting_t *s,
                            const char *where, void *obj)
{
    struct conf_client *cl = obj;
    const char *v = config_setting_get_string(s);

    if (v[0] == '\0')
        walk_report(c, s, where, "\"principal\" is empty: expected the "
               "monitoring principal, e.g. \"krbmon@EXAMPLE.COM\"");
    else if (walk_find_space(v) != NULL)
        walk_report(c, s, where, "principal \"%s\" contains whitespace or a "
               "control character", v);
    else
        cl->principal = walk_copy(c, s, v);
}

static void apply_keytab(struct walk_ctx *c, const config_setting_t *s,
                         const char *where, void *obj)
{
    struct conf_client *cl = obj;
    const char *v = config_setting_get_string(s);

    if (walk_secret_file(c, s, where, "keytab", v) == 0)
        cl->keytab = walk_copy(c, s, v);
}

static void apply_password_file(struct walk_ctx *c, const config_setting_t *s,
                                const char *where, void *obj)
{
    struct conf_client *cl = obj;
    const char *v = config_setting_get_string(s);

    if (walk_secret_file(c, s, where, "password_file", v) == 0)
        cl->password_file = walk_copy(c, s, v);
}

static const struct walk_key client_keys[] = {
    { "principal", T_STRING, "a string such as \"krbmon@EXAMPLE.COM\"",
      "missing \"principal\": the monitoring principal, e.g. "
      "principal = \"krbmon@EXAMPLE.COM\";", apply_principal },
    { "keytab", T_STRING, "a string: the path of a keytab file", NULL,
      apply_keytab },
    { "password_file", T_STRING, "a string: the path of a file whose first "
      "line is the password", NULL, apply_password_file },
};

/* ---- one realm group: each apply() gets the struct conf_realm. ---- */

static void apply_realm_name(struct walk_ctx *c, const config_setting_t *s,
                             const char *where, void *obj)
{
    struct conf_realm *r = obj;
    const char *v = config_setting_get_string(s);
    const char *bad = walk_find_space(v);

    if (bad == NULL)
        bad = strpbrk(v, "@/");
    if (v[0] == '\0')
        walk_report(c, s, where, "\"realm\" is empty: expected the realm name, "
               "e.g. \"EXAMPLE.COM\"");
    else if (bad != NULL && (*bad == '@' || *bad == '/'))
        walk_report(c, s, where, "realm name \"%s\" contains '%c': expected only "
               "the realm, e.g. \"EXAMPLE.COM\"", v, *bad);
    else if (bad != NULL)
        walk_report(c, s, where, "realm name \"%s\" contains whitespace or a "
               "control character", v);
    else
        r->realm = walk_copy(c, s, v);
}

static void apply_kdcs(struct walk_ctx *c, const config_setting_t *s,
                       const char *where, void *obj)
{
    struct conf_realm *r = obj;
    unsigned n = (unsigned)config_setting_length(s);

    if (n == 0) {
        walk_report(c, s, where, "\"kdcs\" is empty: list at least one KDC, e.g. "
               "kdcs = ( \"kdc1.example.com\" ); or leave \"kdcs\" out to "
               "find the KDCs through DNS");
        return;
    }
    r->kdcs = calloc(n, sizeof(*r->kdcs));
    if (r->kdcs == NULL) {
        walk_report(c, s, where, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        struct conf_kdc kdc;
        char reason[256];
        size_t j;

        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            walk_report(c, e, where, "\"kdcs\" entries must be strings such as "
                   "\"kdc1.example.com:88\", not %s",
                   walk_type_name(config_setting_type(e)));
            continue;
        }
        if (endpoint_parse_kdc(config_setting_get_string(e), &kdc, reason,
                      sizeof(reason)) != 0) {
            walk_report(c, e, where, "kdc \"%s\": %s",
                   config_setting_get_string(e), reason);
            continue;
        }
        for (j = 0; j < r->n_kdcs; j++)
            if (strcasecmp(r->kdcs[j].host, kdc.host) == 0
                && r->kdcs[j].port == kdc.port)
                break;
        if (j < r->n_kdcs) {
            walk_report(c, e, where, "kdc \"%s\" is listed twice",
                   config_setting_get_string(e));
            free(kdc.host);
            continue;
        }
        r->kdcs[r->n_kdcs++] = kdc;
    }
}

#define DEFAULT_KPASSWD_PORT 464

/* kpasswd = ( "host[:port]", ... ): the servers the kpasswd probe asks,
 * each parsed by base/hostport as a KDC entry is. */
static void apply_kpasswd(struct walk_ctx *c, const config_setting_t *s,
                          const char *where, void *obj)
{
    struct conf_realm *r = obj;
    unsigned n = (unsigned)config_setting_length(s);

    if (n == 0) {
        walk_report(c, s, where, "\"kpasswd\" is empty: list at least one "
               "kpasswd server, e.g. kpasswd = ( \"kdc1.example.com\" ); or "
               "leave \"kpasswd\" out");
        return;
    }
    r->kpasswd = calloc(n, sizeof(*r->kpasswd));
    if (r->kpasswd == NULL) {
        walk_report(c, s, where, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        const char *v;
        struct hostport hp;
        char reason[256];
        size_t j;

        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            walk_report(c, e, where, "\"kpasswd\" entries must be strings "
                   "such as \"kdc1.example.com:464\", not %s",
                   walk_type_name(config_setting_type(e)));
            continue;
        }
        v = config_setting_get_string(e);
        if (hostport_parse(v, DEFAULT_KPASSWD_PORT, 0, &hp, reason,
                           sizeof(reason)) != 0) {
            walk_report(c, e, where, "kpasswd \"%s\": %s", v, reason);
            continue;
        }
        for (j = 0; j < r->n_kpasswd; j++)
            if (strcasecmp(r->kpasswd[j].host, hp.host) == 0
                && r->kpasswd[j].port == hp.port)
                break;
        if (j < r->n_kpasswd) {
            walk_report(c, e, where, "kpasswd \"%s\" is listed twice", v);
            continue;
        }
        r->kpasswd[r->n_kpasswd].host = walk_copy(c, e, hp.host);
        if (r->kpasswd[r->n_kpasswd].host == NULL)
            continue;
        r->kpasswd[r->n_kpasswd++].port = hp.port;
    }
}

static void apply_transport(struct walk_ctx *c, const config_setting_t *s,
                            const char *where, void *obj)
{
    struct conf_realm *r = obj;
    const char *v = config_setting_get_string(s);
    int i = walk_name_index(transport_names, WALK_N_OF(transport_names), v);
    char known[64];

    if (i >= 0) {
        r->transport = (enum conf_transport)i;
        return;
    }
    walk_join_names(known, sizeof(known), transport_names, WALK_N_OF(transport_names));
    walk_report(c, s, where, "transport \"%s\" is not one of: %s", v, known);
}

static void apply_canonicalize(struct walk_ctx *c, const config_setting_t *s,
                               const char *where, void *obj)
{
    struct conf_realm *r = obj;
    const char *v = config_setting_get_string(s);
    int i = walk_name_index(canon_names, WALK_N_OF(canon_names), v);
    char known[64];

    if (i >= 0) {
        r->canonicalize = (enum conf_canon)i;
        return;
    }
    walk_join_names(known, sizeof(known), canon_names, WALK_N_OF(canon_names));
    walk_report(c, s, where, "canonicalize \"%s\" is not one of: %s", v, known);
}

static void apply_clockskew(struct walk_ctx *c, const config_setting_t *s,
                            const char *where, void *obj)
{
    struct conf_realm *r = obj;

    walk_seconds(c, s, where, "clockskew", MAX_CLOCKSKEW, "300", &r->clockskew);
}

static void apply_backoff(struct walk_ctx *c, const config_setting_t *s,
                          const char *where, void *obj)
{
    struct conf_realm *r = obj;

    walk_seconds(c, s, where, "backoff", MAX_BACKOFF, "300", &r->backoff);
}

static void apply_backoff_max(struct walk_ctx *c, const config_setting_t *s,
                              const char *where, void *obj)
{
    struct conf_realm *r = obj;

    walk_seconds(c, s, where, "backoff_max", MAX_BACKOFF, "3600", &r->backoff_max);
}

static void apply_timeout(struct walk_ctx *c, const config_setting_t *s,
                          const char *where, void *obj)
{
    struct conf_realm *r = obj;

    walk_seconds(c, s, where, "timeout", MAX_TIMEOUT, "5 or 2.5", &r->timeout);
}

static void apply_max_in_flight(struct walk_ctx *c, const config_setting_t *s,
                                const char *where, void *obj)
{
    struct conf_realm *r = obj;
    long long v = config_setting_type(s) == CONFIG_TYPE_INT64
                      ? config_setting_get_int64(s)
                      : config_setting_get_int(s);

    if (v >= 1 && v <= MAX_MAX_IN_FLIGHT)
        r->max_in_flight = (unsigned)v;
    else
        walk_report(c, s, where, "max_in_flight %lld is out of range: "
               "expected 1 to %d (the realm's TGS requests out at once)",
               v, MAX_MAX_IN_FLIGHT);
}

/* Walk one client group (`client`, or an entry of `clients`) and add it to
 * the realm's clients. */
static void add_client(struct walk_ctx *c, const config_setting_t *s,
                       const char *client_where, struct conf_realm *r)
{
    int has_keytab = config_setting_get_member(s, "keytab") != NULL;
    int has_pw = config_setting_get_member(s, "password_file") != NULL;
    struct conf_client cl = { NULL, NULL, NULL }, *slot;

    walk_group(c, s, client_keys, WALK_N_OF(client_keys), client_where, &cl);
    if (has_keytab && has_pw)
        walk_report(c, s, client_where, "set only one of \"keytab\" and "
               "\"password_file\", not both");
    else if (!has_keytab && !has_pw)
        walk_report(c, s, client_where, "set \"keytab\" (a keytab file) or "
               "\"password_file\" (a file whose first line is the "
               "password)");
    for (size_t i = 0; cl.principal != NULL && i < r->n_clients; i++)
        if (strcmp(r->clients[i].principal, cl.principal) == 0) {
            walk_report(c, s, client_where, "client \"%s\" is listed twice",
                   cl.principal);
            free(cl.principal);
            cl.principal = NULL;
        }
    slot = cl.principal != NULL
               ? grow_one(&r->clients, r->n_clients, sizeof(*slot)) : NULL;
    if (slot == NULL) {
        if (cl.principal != NULL)
            walk_report(c, s, client_where, "out of memory");
        free(cl.principal);
        free(cl.keytab);
        free(cl.password_file);
        return;
    }
    *slot = cl;
    r->n_clients++;
}

static void apply_client(struct walk_ctx *c, const config_setting_t *s,
                         const char *where, void *obj)
{
    char client_where[300];

    snprintf(client_where, sizeof(client_where), "%s: client", where);
    add_client(c, s, client_where, obj);
}

static void apply_clients(struct walk_ctx *c, const config_setting_t *s,
                          const char *where, void *obj)
{
    unsigned n = (unsigned)config_setting_length(s);

    if (n == 0)
        walk_report(c, s, where, "\"clients\" is empty: list one group or "
               "more, e.g. clients = ( { principal = \"krbmon@EXAMPLE.COM\"; "
               "keytab = \"/etc/krb5_exporter/krbmon.keytab\"; } );");
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        char client_where[300];

        snprintf(client_where, sizeof(client_where), "%s: clients entry %u",
                 where, i + 1);
        if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
            walk_report(c, e, where, "\"clients\" entries must be groups "
                   "such as { principal = \"krbmon@EXAMPLE.COM\"; keytab = "
                   "\"/etc/krb5_exporter/krbmon.keytab\"; }, not %s",
                   walk_type_name(config_setting_type(e)));
            continue;
        }
        add_client(c, e, client_where, obj);
    }
}

static void apply_service_keytab(struct walk_ctx *c, const config_setting_t *s,
                                 const char *where, void *obj)
{
    struct conf_realm *r = obj;
    const char *v = config_setting_get_string(s);

    if (walk_secret_file(c, s, where, "service_keytab", v) == 0)
        r->service_keytab = walk_copy(c, s, v);
}

static const struct walk_key realm_keys[] = {
    { "realm", T_STRING, "a string such as \"EXAMPLE.COM\"",
      "missing \"realm\": the realm name, e.g. realm = \"EXAMPLE.COM\";",
      apply_realm_name },
    { "kdcs", T_SEQ, "a list of strings such as ( \"kdc1.example.com:88\" )",
      NULL, apply_kdcs },
    { "kpasswd", T_SEQ, "a list of strings such as ( "
      "\"kdc1.example.com:464\" )", NULL, apply_kpasswd },
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
    { "max_in_flight", TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64),
      "a whole number, e.g. 16", NULL, apply_max_in_flight },
    { "client", T_GROUP, "a group such as { principal = \"...\"; "
      "keytab = \"...\"; }", NULL, apply_client },
    { "clients", T_SEQ, "a list of groups such as ( { principal = \"...\"; "
      "keytab = \"...\"; } )", NULL, apply_clients },
    { "services", T_SEQ, "a list of strings such as ( "
      "\"HTTP/www.example.com\" )", NULL, servicegroup_apply },
    { "service_keytab", T_STRING, "a string: the path of the services' "
      "keytab file", NULL, apply_service_keytab },
    { "capaths", T_SEQ, "a list of groups such as ( { realm = "
      "\"C.EXAMPLE.COM\"; via = ( \"B.EXAMPLE.COM\" ); } )", NULL,
      capathgroup_apply },
};

/* The keys that need a client: what they ask for is asked with its TGT. */
static const char *const needs_client[] = { "services", "service_keytab",
                                            "capaths" };

/* A realm has `client` or `clients`, never both; the first client is
 * the one the rest of the tree names through client_principal.  A realm
 * with neither is probed for discovery and its KDCs only. */
static void check_clients(struct walk_ctx *c, const config_setting_t *g,
                          const char *where, struct conf_realm *r)
{
    int has_client = config_setting_get_member(g, "client") != NULL;
    int has_clients = config_setting_get_member(g, "clients") != NULL;

    if (has_client && has_clients)
        walk_report(c, g, where, "set \"client\" (one client) or \"clients\" "
               "(a list of them), not both");
    for (size_t i = 0; !has_client && !has_clients &&
                       i < WALK_N_OF(needs_client); i++) {
        const config_setting_t *s = config_setting_get_member(g,
                                                              needs_client[i]);
        /* An empty list asks for nothing. */
        if (s != NULL && (!config_setting_is_aggregate(s) ||
                          config_setting_length(s) > 0))
            walk_report(c, s, where, "\"%s\" needs a \"client\": its "
                   "tickets are asked for with the client's TGT; without "
                   "\"client\" (or \"clients\") a realm is probed for "
                   "discovery and its KDCs only", needs_client[i]);
    }
    if (r->n_clients > 0) {
        r->client_principal = r->clients[0].principal;
        r->keytab = r->clients[0].keytab;
        r->password_file = r->clients[0].password_file;
    } else if (!has_client && !has_clients) {
        r->client_principal = CONF_KDC_PROBE_PRINCIPAL;
    }
}

void realmgroup_load(struct walk_ctx *c, const config_setting_t *g,
                     unsigned idx, struct conf *conf)
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
    r->max_in_flight = DEFAULT_MAX_IN_FLIGHT;
    r->line = (int)config_setting_source_line(g);

    /* Name the realm in every message about it, even those about keys
     * that come before "realm" in the group. */
    if (config_setting_lookup_string(g, "realm", &name) == CONFIG_TRUE
        && name[0] != '\0')
        snprintf(where, sizeof(where), "realm \"%.200s\"", name);
    else
        snprintf(where, sizeof(where), "realm #%u", idx + 1);

    walk_group(c, g, realm_keys, WALK_N_OF(realm_keys), where, r);
    check_clients(c, g, where, r);
    if (r->backoff_max < r->backoff)
        walk_report(c, g, where, "backoff_max %g is shorter than backoff %g: the "
               "backoff doubles from backoff up to backoff_max",
               r->backoff_max, r->backoff);

    if (r->realm == NULL)
        return;
    for (unsigned j = 0; j < idx; j++)
        if (conf->realms[j].realm != NULL
            && strcmp(conf->realms[j].realm, r->realm) == 0) {
            walk_report(c, g, where, "defined twice: first at line %d",
                   conf->realms[j].line);
            break;
        }
}

const char *realmgroup_transport_name(enum conf_transport t)
{
    if ((unsigned)t < WALK_N_OF(transport_names))
        return transport_names[t];
    return "unknown";
}

const char *realmgroup_canon_name(enum conf_canon c)
{
    if ((unsigned)c < WALK_N_OF(canon_names))
        return canon_names[c];
    return "unknown";
}
