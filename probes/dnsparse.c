/* dnsparse: pure discovery and canonicalisation helpers; see dnsparse.h. */
#include "probes/dnsparse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hostport.h"

const char *
dnsparse_proto_name(enum kdc_proto proto)
{
    return proto == KDC_PROTO_TCP ? "tcp" : "udp";
}

/*
 * Parse the host part of a URI record, "HOST", "HOST:PORT", "[V6]" or
 * "[V6]:PORT", into spec (base/hostport rules, port 88 when none is
 * given), lowercased and without a trailing dot.  Returns 0, or -1 when it
 * is malformed or leaves no host.
 */
static int
parse_hostport(const char *s, struct kdc_spec *spec)
{
    struct hostport hp;

    if (hostport_parse(s, 88, 0, &hp, NULL, 0) != 0)
        return -1;
    _Static_assert(sizeof(spec->host) >= sizeof(hp.host),
                   "a kdc_spec holds every host hostport gives");
    memcpy(spec->host, hp.host, sizeof(hp.host));
    spec->port = hp.port;
    dnsparse_normalize_host(spec->host);
    return spec->host[0] != '\0' ? 0 : -1;
}

int
dnsparse_uri(const char *uri, struct kdc_spec *out)
{
    static const char scheme[] = "krb5srv:";
    const char *flags, *transport, *residual;
    struct kdc_spec spec;

    memset(&spec, 0, sizeof(spec));
    if (strncasecmp(uri, scheme, sizeof(scheme) - 1) != 0)
        return -1;
    flags = uri + sizeof(scheme) - 1;
    transport = strchr(flags, ':');
    if (transport == NULL)
        return -1;
    transport++;
    residual = strchr(transport, ':');
    if (residual == NULL)
        return -1;
    residual++;
    for (const char *f = flags; f < transport - 1; f++) {
        if (*f == 'm' || *f == 'M')
            spec.primary = 1;
    }
    if (residual - transport == 4 && strncasecmp(transport, "udp", 3) == 0)
        spec.proto = KDC_PROTO_UDP;
    else if (residual - transport == 4 && strncasecmp(transport, "tcp", 3) == 0)
        spec.proto = KDC_PROTO_TCP;
    else if (residual - transport == 6 &&
             strncasecmp(transport, "kkdcp", 5) == 0)
        return 1;
    else
        return -1;
    if (parse_hostport(residual, &spec) != 0)
        return -1;
    *out = spec;
    return 0;
}

size_t
dnsparse_sort_srv(struct srv_record *records, size_t n)
{
    size_t kept = 0;

    for (size_t i = 0; i < n; i++) {
        if (strcmp(records[i].target, ".") == 0 || records[i].target[0] == '\0')
            continue;
        records[kept++] = records[i];
    }
    /* Insertion sort: stable, and answers are a handful of records. */
    for (size_t i = 1; i < kept; i++) {
        struct srv_record r = records[i];
        size_t j = i;
        while (j > 0 && (records[j - 1].priority > r.priority ||
                         (records[j - 1].priority == r.priority &&
                          records[j - 1].weight < r.weight))) {
            records[j] = records[j - 1];
            j--;
        }
        records[j] = r;
    }
    for (size_t i = 0; i < kept; i++)
        dnsparse_normalize_host(records[i].target);
    return kept;
}

void
dnsparse_normalize_host(char *host)
{
    size_t n = strlen(host);

    for (size_t i = 0; i < n; i++)
        host[i] = (char)tolower((unsigned char)host[i]);
    if (n > 0 && host[n - 1] == '.')
        host[n - 1] = '\0';
}

/* Compare host names ignoring case and one trailing dot. */
static int
same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    if (la > 0 && a[la - 1] == '.')
        la--;
    if (lb > 0 && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

int
dnsparse_follow_cnames(const char *query, const char *const *aliases,
                       const char *const *names, size_t n, char *out,
                       size_t out_len)
{
    const char *cur = query;

    /* A chain longer than the number of links is a loop. */
    for (size_t hops = 0; hops <= n; hops++) {
        size_t i;
        for (i = 0; i < n; i++) {
            if (same_name(aliases[i], cur))
                break;
        }
        if (i == n) {
            if (strlen(cur) >= out_len)
                return -1;
            strcpy(out, cur);
            dnsparse_normalize_host(out);
            return 0;
        }
        cur = names[i];
    }
    return -1;
}

/* Where the host component of service starts and ends (before any port,
 * further component or realm).  Returns -1 when there is none. */
static int
host_span(const char *service, size_t *start, size_t *end)
{
    const char *slash = strchr(service, '/'), *p;

    if (slash == NULL || slash == service)
        return -1;
    p = slash + 1;
    *start = (size_t)(p - service);
    while (*p != '\0' && *p != ':' && *p != '/' && *p != '@')
        p++;
    *end = (size_t)(p - service);
    return *end > *start ? 0 : -1;
}

int
dnsparse_service_host(const char *service, char *host, size_t host_len)
{
    size_t start, end;

    if (host_span(service, &start, &end) != 0 || end - start >= host_len)
        return -1;
    memcpy(host, service + start, end - start);
    host[end - start] = '\0';
    return 0;
}

char *
dnsparse_service_principal(const char *service, const char *canon_host,
                           const char *realm)
{
    size_t start, end;
    const char *rest;
    char *out = NULL;
    int has_realm;

    if (host_span(service, &start, &end) != 0)
        return NULL;
    rest = service + end;
    has_realm = strchr(rest, '@') != NULL;
    if (asprintf(&out, "%.*s%s%s%s%s", (int)start, service, canon_host, rest,
                 has_realm ? "" : "@", has_realm ? "" : realm) < 0)
        return NULL;
    return out;
}

void
dnsparse_kdc_target(const struct kdc_spec *spec, char buf[300])
{
    int v6 = strchr(spec->host, ':') != NULL;

    snprintf(buf, 300, v6 ? "%s/[%s]:%u" : "%s/%s:%u",
             dnsparse_proto_name(spec->proto), spec->host,
             (unsigned)spec->port);
}
