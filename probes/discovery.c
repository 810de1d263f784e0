/* discovery: KDC endpoints from config or DNS; see discovery.h. */
#include "probes/discovery.h"

#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "base/grow.h"

/* The text of a discovery error, whatever its code space (a failed poll()
 * is an errno, a lookup a c-ares status). */
static const char *
error_text(struct probe_error e)
{
    switch (e.space) {
    case ERR_SPACE_ARES:
        return ares_strerror((int)e.code);
    case ERR_SPACE_ERRNO:
        return strerror((int)e.code);
    default:
        return krb5err_name(e.space, e.code);
    }
}

static int
transport_allows(enum conf_transport t, enum kdc_proto p)
{
    return t == TRANSPORT_BOTH || (t == TRANSPORT_UDP && p == KDC_PROTO_UDP) ||
           (t == TRANSPORT_TCP && p == KDC_PROTO_TCP);
}

int
discovery_add_specs(struct kdc_set *set, enum conf_transport transport,
                    const struct kdc_spec *specs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct kdc_target *t;
        char label[300];
        size_t j;

        if (!transport_allows(transport, specs[i].proto))
            continue;
        dnsparse_kdc_target(&specs[i], label);
        for (j = 0; j < set->n; j++) {
            if (strcmp(set->items[j].label, label) == 0)
                break;
        }
        if (j < set->n)
            continue;
        t = grow_one(&set->items, set->n, sizeof(*t));
        if (t == NULL)
            return ENOMEM;
        set->n++;
        t->spec = specs[i];
        memcpy(t->label, label, sizeof(label));
    }
    return 0;
}

/* Configured endpoints (the KDCs, or the kpasswd servers), once per
 * transport the realm uses (UDP first). */
static int
from_config(const struct conf_realm *conf, const struct conf_kdc *list,
            size_t n, struct kdc_set *set)
{
    static const enum kdc_proto protos[] = { KDC_PROTO_UDP, KDC_PROTO_TCP };

    set->source = "config";
    for (size_t p = 0; p < 2; p++) {
        for (size_t i = 0; i < n; i++) {
            struct kdc_spec spec;
            memset(&spec, 0, sizeof(spec));
            snprintf(spec.host, sizeof(spec.host), "%s", list[i].host);
            dnsparse_normalize_host(spec.host);
            spec.port = list[i].port;
            spec.proto = protos[p];
            if (discovery_add_specs(set, conf->transport, &spec, 1) != 0)
                return ENOMEM;
        }
    }
    return 0;
}

/* URI records _kerberos.REALM.  Returns 0 (maybe nothing found) or
 * ENOMEM; *status gets the lookup's c-ares status. */
static int
from_uri(const struct conf_realm *conf, struct dns_client *dc,
         struct kdc_set *set, struct probe_error *status)
{
    char name[300], **uris = NULL;
    size_t n = 0;
    int ret = 0;

    snprintf(name, sizeof(name), "_kerberos.%s", conf->realm);
    if (dns_uri(dc, name, &uris, &n, status) != 0)
        return 0;
    *status = (struct probe_error){ ERR_SPACE_ARES, ARES_SUCCESS };
    for (size_t i = 0; i < n && ret == 0; i++) {
        struct kdc_spec spec;
        if (dnsparse_uri(uris[i], &spec) == 0)
            ret = discovery_add_specs(set, conf->transport, &spec, 1);
    }
    for (size_t i = 0; i < n; i++)
        free(uris[i]);
    free(uris);
    if (set->n > 0)
        set->source = "dns_uri";
    return ret;
}

/* SRV records _SERVICE._udp.REALM and _SERVICE._tcp.REALM (service
 * "kerberos" or "kpasswd"), each ordered by priority and weight. */
static int
from_srv(const struct conf_realm *conf, const char *service,
         struct dns_client *dc, struct kdc_set *set,
         struct probe_error *status)
{
    static const enum kdc_proto protos[] = { KDC_PROTO_UDP, KDC_PROTO_TCP };
    int any_ok = 0;

    for (size_t p = 0; p < 2; p++) {
        struct srv_record *recs = NULL;
        struct probe_error err;
        char name[300];
        size_t n = 0;

        if (!transport_allows(conf->transport, protos[p]))
            continue;
        snprintf(name, sizeof(name), "_%s._%s.%s", service,
                 dnsparse_proto_name(protos[p]), conf->realm);
        if (dns_srv(dc, name, &recs, &n, &err) != 0) {
            if (!any_ok)
                *status = err;
            continue;
        }
        any_ok = 1;
        *status = (struct probe_error){ ERR_SPACE_ARES, ARES_SUCCESS };
        n = dnsparse_sort_srv(recs, n);
        for (size_t i = 0; i < n; i++) {
            struct kdc_spec spec;
            memset(&spec, 0, sizeof(spec));
            snprintf(spec.host, sizeof(spec.host), "%s", recs[i].target);
            spec.port = recs[i].port;
            spec.proto = protos[p];
            if (discovery_add_specs(set, conf->transport, &spec, 1) != 0) {
                free(recs);
                return ENOMEM;
            }
        }
        free(recs);
    }
    if (set->n > 0)
        set->source = "dns_srv";
    return 0;
}

/* Resolve every target's host, each host once. */
static void
resolve_all(struct dns_client *dc, struct kdc_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        struct kdc_target *t = &set->items[i];
        struct resolved_addr *addrs = NULL;
        size_t n = 0, j;

        for (j = 0; j < i; j++) {
            if (strcmp(set->items[j].spec.host, t->spec.host) == 0)
                break;
        }
        if (j < i) {
            t->resolved = set->items[j].resolved;
            t->resolve_error = set->items[j].resolve_error;
            t->addr = set->items[j].addr;
        } else if (dns_addrs(dc, t->spec.host, t->spec.port, &addrs, &n, NULL,
                             0, &t->resolve_error) == 0) {
            t->resolved = 1;
            t->addr = addrs[0];
            free(addrs);
        }
        if (t->resolved) {
            /* The port is this endpoint's own, even for a shared host. */
            if (t->addr.addr.ss_family == AF_INET)
                ((struct sockaddr_in *)&t->addr.addr)->sin_port =
                    htons(t->spec.port);
            else
                ((struct sockaddr_in6 *)&t->addr.addr)->sin6_port =
                    htons(t->spec.port);
            set->n_resolved++;
        }
    }
}

/* Say in the trace what was found and where it points; `what` names the
 * step ("discovery", "kpasswd discovery"). */
static void
trace_set(struct trace *trace, const char *what, const struct kdc_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct kdc_target *t = &set->items[i];
        char addr[64];
        if (t->resolved) {
            resolve_format(&t->addr, addr);
            trace_add(trace, "%s: %s (%s) -> %s", what, t->label,
                      set->source, addr);
        } else {
            trace_add(trace, "%s: %s (%s) does not resolve: %s", what,
                      t->label, set->source,
                      krb5err_name(t->resolve_error.space,
                                   t->resolve_error.code));
        }
    }
}

int
discovery_find(const struct conf_realm *conf, struct dns_client *dc,
               struct trace *trace, const char *what, struct kdc_set *set)
{
    struct probe_error status = { ERR_SPACE_ARES, ARES_ENOTFOUND };
    int ret;

    memset(set, 0, sizeof(*set));
    if (conf->n_kdcs > 0) {
        ret = from_config(conf, conf->kdcs, conf->n_kdcs, set);
    } else {
        trace_add(trace, "%s: asking DNS for URI _kerberos.%s", what,
                  conf->realm);
        ret = from_uri(conf, dc, set, &status);
        if (ret == 0 && set->n == 0) {
            trace_add(trace, "%s: no usable URI record (%s); asking "
                      "for SRV _kerberos._udp/_tcp.%s", what,
                      krb5err_name(status.space, status.code), conf->realm);
            ret = from_srv(conf, "kerberos", dc, set, &status);
        }
    }
    if (ret != 0)
        return ret;
    resolve_all(dc, set);
    if (set->source == NULL)
        set->source = "dns_srv";
    trace_set(trace, what, set);
    if (set->n == 0) {
        set->error = status.code != ARES_SUCCESS
                         ? status
                         : (struct probe_error){ ERR_SPACE_ARES,
                                                 ARES_ENODATA };
        snprintf(set->why, sizeof(set->why),
                 "no KDC found in DNS for realm %s (_kerberos URI and "
                 "_kerberos._udp/_tcp SRV records): %s", conf->realm,
                 error_text(set->error));
    } else if (set->n_resolved == 0) {
        set->error = set->items[0].resolve_error;
        snprintf(set->why, sizeof(set->why),
                 "no KDC host name of realm %s resolves: %s: %s", conf->realm,
                 set->items[0].spec.host,
                 error_text(set->error));
    }
    if (set->n_resolved == 0)
        trace_add(trace, "%s failed: %s", what, set->why);
    return 0;
}

int
discovery_run(const struct conf_realm *conf, struct dns_client *dc,
              struct trace *trace, struct kdc_set *set,
              struct realm_result *res)
{
    double start = clocks_now();
    char *target, *message = NULL;
    int ret = discovery_find(conf, dc, trace, "discovery", set);

    if (ret != 0)
        return ret;
    res->has_discovered = 1;
    res->discovered.source = set->source;
    res->discovered.count = set->n;
    target = strdup(conf->realm);
    if (target == NULL)
        return ENOMEM;
    if (set->n_resolved == 0) {
        message = strdup(set->why);
        if (message == NULL) {
            free(target);
            return ENOMEM;
        }
    }
    return result_add_probe(res, PROBE_DISCOVERY, target,
                            set->n_resolved > 0, clocks_now() - start,
                            set->n_resolved > 0
                                ? (struct probe_error){ ERR_SPACE_ARES, 0 }
                                : set->error,
                            message);
}

int
discovery_kpasswd(const struct conf_realm *conf, struct dns_client *dc,
                  struct trace *trace, struct kdc_set *set)
{
    struct probe_error status = { ERR_SPACE_ARES, ARES_ENOTFOUND };
    int ret = 0;

    memset(set, 0, sizeof(*set));
    if (conf->n_kpasswd > 0) {
        ret = from_config(conf, conf->kpasswd, conf->n_kpasswd, set);
    } else if (conf->n_kdcs > 0) {
        /* A realm whose KDCs are listed says where its servers are; one
         * that lists no kpasswd server has none to probe. */
        set->source = "config";
        return 0;
    } else {
        trace_add(trace, "kpasswd discovery: asking DNS for SRV "
                  "_kpasswd._udp/_tcp.%s", conf->realm);
        ret = from_srv(conf, "kpasswd", dc, set, &status);
        if (set->source == NULL)
            set->source = "dns_srv";
    }
    if (ret != 0)
        return ret;
    resolve_all(dc, set);
    trace_set(trace, "kpasswd discovery", set);
    if (set->n == 0) {
        set->error = status.code != ARES_SUCCESS
                         ? status
                         : (struct probe_error){ ERR_SPACE_ARES,
                                                 ARES_ENODATA };
        snprintf(set->why, sizeof(set->why),
                 "no kpasswd server found in DNS for realm %s "
                 "(_kpasswd._udp/_tcp SRV records): %s; no kpasswd probe",
                 conf->realm, error_text(set->error));
        trace_add(trace, "kpasswd discovery: %s", set->why);
    }
    return 0;
}

void
discovery_free(struct kdc_set *set)
{
    free(set->items);
    memset(set, 0, sizeof(*set));
}
