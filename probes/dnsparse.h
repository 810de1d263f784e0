/*
 * dnsparse: the pure half of KDC discovery and host-name canonicalisation.
 * Everything here works on memory; the c-ares I/O lives in dns.c.
 */
#ifndef KRB5EXP_DNSPARSE_H
#define KRB5EXP_DNSPARSE_H

#include <stddef.h>

enum kdc_proto { KDC_PROTO_UDP, KDC_PROTO_TCP };

/* Static "udp" or "tcp". */
const char *dnsparse_proto_name(enum kdc_proto proto);

/* A KDC endpoint as named by a record or the config. */
struct kdc_spec {
    char host[256];           /* without brackets or trailing dot */
    unsigned short port;
    enum kdc_proto proto;
    int primary;              /* URI flag "m" */
};

/*
 * Parse a Kerberos URI record value, "krb5srv:FLAGS:TRANSPORT:HOST[:PORT]"
 * (MIT's format: FLAGS may hold "m" for a primary KDC, TRANSPORT is "udp",
 * "tcp" or "kkdcp", HOST[:PORT] is read by base/hostport, so HOST may be a
 * bracketed IPv6 address).  Returns 0 and fills *out; 1 for a well-formed
 * record we do not use (kkdcp, i.e. HTTPS proxies); -1 for a malformed one.
 */
int dnsparse_uri(const char *uri, struct kdc_spec *out);

/* One SRV answer. */
struct srv_record {
    unsigned short priority;
    unsigned short weight;
    unsigned short port;
    char target[256];
};

/*
 * Order SRV records for use: lowest priority first and, within a priority,
 * heaviest weight first (a deterministic reading of RFC 2782's weighted
 * choice, so that the same DNS gives the same order every scrape).  Records
 * of equal priority and weight keep their order.  Records whose target is
 * "." (service decidedly not available) are dropped.  Returns the new count.
 */
size_t dnsparse_sort_srv(struct srv_record *records, size_t n);

/*
 * The canonical name of `query` after following a chain of CNAMEs given as
 * parallel arrays (alias -> name), in any order.  The result is lowercased,
 * without a trailing dot, into out[out_len].  Returns 0, or -1 on a loop or a
 * name too long.
 */
int dnsparse_follow_cnames(const char *query, const char *const *aliases,
                           const char *const *names, size_t n, char *out,
                           size_t out_len);

/* Lowercase a host name and drop one trailing dot, in place (as MIT does
 * with canonicalised host names). */
void dnsparse_normalize_host(char *host);

/*
 * Split a host-based service name "SERVICE/HOST[:PORT][/MORE][@REALM]" into
 * the host (without port) and the rest.  Returns 0 with host set, or -1 when
 * the name has no host component to canonicalise.
 */
int dnsparse_service_host(const char *service, char *host, size_t host_len);

/*
 * The principal to ask for: `service` with its host replaced by canon_host,
 * and "@realm" appended when it names no realm.  Caller frees the result.
 * NULL on allocation failure or when service has no host component.
 */
char *dnsparse_service_principal(const char *service, const char *canon_host,
                                 const char *realm);

/* "udp/host:port" or "tcp/[v6]:port": the target label of a KDC endpoint.
 * buf of 300 bytes. */
void dnsparse_kdc_target(const struct kdc_spec *spec, char buf[300]);

#endif
