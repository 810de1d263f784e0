/* servicegroup: a realm's `services` list of the config; see
 * servicegroup.h. */
#include "conf/servicegroup.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/grow.h"
#include "base/hostport.h"

/* ---- a services entry written as a group: each apply() gets the
 * struct service_entry. ---- */

#define DEFAULT_HTTP_PORT 80
#define DEFAULT_HTTPS_PORT 443
#define MAX_URL 4096

struct service_entry {
    char *principal;          /* owned */
    char *keytab;             /* owned or NULL */
    struct conf_http http;    /* its strings owned; url NULL: no url */
};

static void service_entry_free(struct service_entry *se)
{
    free(se->principal);
    free(se->keytab);
    free(se->http.url);
    free(se->http.host);
    free(se->http.ca_file);
}

/* Check a service principal as written; report at s and return -1 when it
 * is empty or holds whitespace. */
static int check_service_name(struct walk_ctx *c, const config_setting_t *s,
                              const char *where, const char *v)
{
    if (v[0] == '\0') {
        walk_report(c, s, where, "\"services\" entry is empty: expected a "
               "service principal such as \"HTTP/www.example.com\"");
        return -1;
    }
    if (walk_find_space(v) != NULL) {
        walk_report(c, s, where, "service \"%s\" contains whitespace or a "
               "control character", v);
        return -1;
    }
    return 0;
}

static void apply_service_principal(struct walk_ctx *c, const config_setting_t *s,
                                    const char *where, void *obj)
{
    struct service_entry *se = obj;
    const char *v = config_setting_get_string(s);

    if (check_service_name(c, s, where, v) == 0)
        se->principal = walk_copy(c, s, v);
}

static void apply_service_entry_keytab(struct walk_ctx *c,
                                       const config_setting_t *s,
                                       const char *where, void *obj)
{
    struct service_entry *se = obj;
    const char *v = config_setting_get_string(s);

    if (walk_secret_file(c, s, where, "keytab", v) == 0)
        se->keytab = walk_copy(c, s, v);
}

/*
 * Split an http or https URL as curl reads it: the scheme, then the
 * authority up to the first '/', '?' or '#', parsed by base/hostport.  A
 * URL with user information is refused: the probe presents its ticket and
 * nothing else, and a password has no place in a URL of the config.
 * Returns 0 with out->host (lower case, owned by the caller), port and
 * https set, or -1 with a reason in why[why_len].
 */
static int parse_url(const char *url, struct conf_http *out, char *why,
                     size_t why_len)
{
    char authority[HOSTPORT_HOST_MAX + 8];
    struct hostport hp;
    const char *auth;
    size_t len;
    int https;

    if (strncasecmp(url, "https://", 8) == 0) {
        https = 1;
        auth = url + 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        https = 0;
        auth = url + 7;
    } else {
        snprintf(why, why_len, "the scheme must be http:// or https://");
        return -1;
    }
    len = strcspn(auth, "/?#");
    if (memchr(auth, '@', len) != NULL) {
        snprintf(why, why_len, "it holds user information (\"...@\"): the "
                 "probe presents its Kerberos ticket and nothing else; "
                 "write the URL without it");
        return -1;
    }
    if (len == 0) {
        snprintf(why, why_len, "it names no host");
        return -1;
    }
    if (len >= sizeof(authority)) {
        snprintf(why, why_len, "its host is too long");
        return -1;
    }
    memcpy(authority, auth, len);
    authority[len] = '\0';
    if (hostport_parse(authority, https ? DEFAULT_HTTPS_PORT
                                        : DEFAULT_HTTP_PORT, 0, &hp, why,
                       why_len) != 0)
        return -1;
    if (hp.host[strlen(hp.host) - 1] == '.') {
        snprintf(why, why_len, "its host ends in a dot: write the name "
                 "without it, as the service principal spells it");
        return -1;
    }
    for (char *p = hp.host; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    out->host = strdup(hp.host);
    if (out->host == NULL) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    out->port = hp.port;
    out->https = https;
    return 0;
}

static void apply_service_url(struct walk_ctx *c, const config_setting_t *s,
                              const char *where, void *obj)
{
    struct service_entry *se = obj;
    const char *v = config_setting_get_string(s);
    struct conf_http h;
    char why[300];

    memset(&h, 0, sizeof(h));
    if (v[0] == '\0') {
        walk_report(c, s, where, "\"url\" is empty: expected an http or "
               "https URL such as \"https://www.example.com/\"");
    } else if (walk_find_space(v) != NULL) {
        walk_report(c, s, where, "url \"%s\" contains whitespace or a "
               "control character", v);
    } else if (strlen(v) > MAX_URL) {
        walk_report(c, s, where, "url is longer than %d bytes", MAX_URL);
    } else if (parse_url(v, &h, why, sizeof(why)) != 0) {
        walk_report(c, s, where, "url \"%s\": %s", v, why);
    } else {
        h.url = walk_copy(c, s, v);
        if (h.url == NULL) {
            free(h.host);
            return;
        }
        se->http.url = h.url;
        se->http.host = h.host;
        se->http.port = h.port;
        se->http.https = h.https;
    }
}

/* ca_file: a file of PEM CAs, public but needed at every probe. */
static void apply_service_ca_file(struct walk_ctx *c, const config_setting_t *s,
                                  const char *where, void *obj)
{
    struct service_entry *se = obj;
    const char *v = config_setting_get_string(s);
    FILE *f;

    if (v[0] == '\0') {
        walk_report(c, s, where, "\"ca_file\" is empty: expected the path of "
               "a file of PEM CA certificates");
        return;
    }
    f = fopen(v, "re");
    if (f == NULL) {
        walk_report(c, s, where, "ca_file \"%s\": cannot open: %s", v,
               strerror(errno));
        return;
    }
    fclose(f);
    se->http.ca_file = walk_copy(c, s, v);
}

static const struct walk_key service_keys[] = {
    { "principal", T_STRING, "a string such as \"HTTP/www.example.com\"",
      NULL, apply_service_principal },
    { "keytab", T_STRING, "a string: the path of the service's keytab file",
      NULL, apply_service_entry_keytab },
    { "url", T_STRING, "a string: an http or https URL such as "
      "\"https://www.example.com/\"", NULL, apply_service_url },
    { "ca_file", T_STRING, "a string: the path of a file of PEM CA "
      "certificates", NULL, apply_service_ca_file },
};

/*
 * What a group entry needs beyond its keys: a principal, or a url whose
 * host gives the default "HTTP/<host>" (as browsers and curl name the
 * service); a ca_file only beside an https url.
 */
static void check_service_group(struct walk_ctx *c, const config_setting_t *e,
                                const char *where, struct service_entry *se)
{
    int has_principal = config_setting_get_member(e, "principal") != NULL;
    int has_url = config_setting_get_member(e, "url") != NULL;

    if (!has_principal && !has_url)
        walk_report(c, e, where, "missing \"principal\": the service "
               "principal, e.g. principal = \"HTTP/www.example.com\"; (or a "
               "\"url\", whose host names the principal HTTP/<host>)");
    if (config_setting_get_member(e, "ca_file") != NULL && !has_url)
        walk_report(c, e, where, "\"ca_file\" needs a \"url\": it is the "
               "trust for an https URL");
    else if (se->http.ca_file != NULL && se->http.url != NULL &&
             !se->http.https)
        walk_report(c, e, where, "ca_file is set for url \"%s\", which is "
               "not https", se->http.url);
    if (se->http.url != NULL && !has_principal &&
        asprintf(&se->principal, "HTTP/%s", se->http.host) < 0) {
        se->principal = NULL;
        walk_report(c, e, where, "out of memory");
    }
}

/* Give service j the URL of se (taken over). */
static void add_http(struct walk_ctx *c, const config_setting_t *e,
                     const char *where, struct conf_realm *r,
                     struct service_entry *se, size_t j)
{
    struct conf_http *h;

    for (size_t k = 0; k < r->n_http; k++)
        if (strcmp(r->http[k].url, se->http.url) == 0) {
            walk_report(c, e, where, "url \"%s\" is listed twice",
                   se->http.url);
            return;
        }
    h = grow_one(&r->http, r->n_http, sizeof(*h));
    if (h == NULL) {
        walk_report(c, e, where, "out of memory");
        return;
    }
    *h = se->http;
    h->service = j;
    r->n_http++;
    memset(&se->http, 0, sizeof(se->http));
}

void servicegroup_apply(struct walk_ctx *c, const config_setting_t *s,
                        const char *where, void *obj)
{
    struct conf_realm *r = obj;
    unsigned n = (unsigned)config_setting_length(s);

    if (n == 0)
        return;
    r->services = calloc(n, sizeof(*r->services));
    r->service_keytabs = calloc(n, sizeof(*r->service_keytabs));
    if (r->services == NULL || r->service_keytabs == NULL) {
        walk_report(c, s, where, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        struct service_entry se;
        size_t j;

        memset(&se, 0, sizeof(se));
        if (config_setting_type(e) == CONFIG_TYPE_GROUP) {
            char entry_where[300];

            snprintf(entry_where, sizeof(entry_where), "%s: services entry "
                     "%u", where, i + 1);
            walk_group(c, e, service_keys, WALK_N_OF(service_keys), entry_where,
                       &se);
            check_service_group(c, e, entry_where, &se);
        } else if (config_setting_type(e) == CONFIG_TYPE_STRING) {
            const char *v = config_setting_get_string(e);

            if (check_service_name(c, e, where, v) == 0)
                se.principal = walk_copy(c, e, v);
        } else {
            walk_report(c, e, where, "\"services\" entries must be strings such "
                   "as \"HTTP/www.example.com\", or groups such as { "
                   "principal = \"HTTP/www.example.com\"; keytab = "
                   "\"/etc/krb5_exporter/http.keytab\"; }, not %s",
                   walk_type_name(config_setting_type(e)));
        }
        if (se.principal == NULL) {
            service_entry_free(&se);
            continue;
        }
        for (j = 0; j < r->n_services; j++)
            if (strcmp(r->services[j], se.principal) == 0)
                break;
        if (j < r->n_services && se.http.url == NULL) {
            walk_report(c, e, where, "service \"%s\" is listed twice",
                   se.principal);
            service_entry_free(&se);
            continue;
        }
        if (j < r->n_services) {
            /* One principal in front of several URLs: its ticket is asked
             * for once, and each URL gets a probe of its own. */
            if (se.keytab != NULL && r->service_keytabs[j] != NULL &&
                strcmp(se.keytab, r->service_keytabs[j]) != 0) {
                walk_report(c, e, where, "service \"%s\" is given two "
                       "keytabs, \"%s\" and \"%s\"", se.principal,
                       r->service_keytabs[j], se.keytab);
                service_entry_free(&se);
                continue;
            }
            if (r->service_keytabs[j] == NULL) {
                r->service_keytabs[j] = se.keytab;
                se.keytab = NULL;
            }
        } else {
            r->services[r->n_services] = se.principal;
            r->service_keytabs[r->n_services] = se.keytab;
            r->n_services++;
            se.principal = NULL;
            se.keytab = NULL;
        }
        if (se.http.url != NULL)
            add_http(c, e, where, r, &se, j);
        service_entry_free(&se);
    }
}
