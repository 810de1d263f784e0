/*
 * discovery: which KDC endpoints a realm has, from the config or from DNS
 * (URI records first, then SRV records, as MIT krb5 looks them up), with
 * their addresses resolved through c-ares; and likewise its kpasswd
 * endpoints (the config, or SRV records).
 */
#ifndef KRB5EXP_DISCOVERY_H
#define KRB5EXP_DISCOVERY_H

#include <stddef.h>

#include "conf/conf.h"
#include "probes/dns.h"
#include "probes/dnsparse.h"
#include "probes/result.h"
#include "probes/trace.h"

/* One KDC endpoint: where to send, and how it is labelled. */
struct kdc_target {
    struct kdc_spec spec;
    char label[300];          /* "udp/host:port", host as configured/found */
    int resolved;             /* addr is valid */
    struct resolved_addr addr;   /* the first address of the host */
    struct probe_error resolve_error;  /* when not resolved */
};

struct kdc_set {
    struct kdc_target *items; /* owned array of n */
    size_t n;
    const char *source;       /* static: "config", "dns_uri", "dns_srv" */
    struct probe_error error; /* why nothing was found, when n_resolved 0 */
    char why[768];
    size_t n_resolved;
};

/*
 * Find conf's KDC endpoints and resolve them, recording the discovery probe
 * (target: the realm) and the count per source in res.  Fills *set (free
 * with discovery_free()) even on failure, possibly empty.  Returns 0 or
 * ENOMEM.
 */
int discovery_run(const struct conf_realm *conf, struct dns_client *dc,
                  struct trace *trace, struct kdc_set *set,
                  struct realm_result *res);
void discovery_free(struct kdc_set *set);

/*
 * discovery_run()'s finding and resolving without its probe: conf's KDC
 * endpoints into *set (free with discovery_free()) even on failure, with
 * set->error and set->why when none resolves.  `what` starts each trace
 * line ("discovery", or the trust walk's).  Returns 0 or ENOMEM.
 */
int discovery_find(const struct conf_realm *conf, struct dns_client *dc,
                   struct trace *trace, const char *what,
                   struct kdc_set *set);

/*
 * Find conf's kpasswd endpoints and resolve them: the `kpasswd` list, once
 * per transport the realm uses; for a realm with neither `kpasswd` nor
 * `kdcs`, the SRV records _kpasswd._udp.REALM and _kpasswd._tcp.REALM; for
 * a realm with `kdcs` but no `kpasswd`, none.  Records no probe: an empty
 * set means there is no kpasswd probe (set->why says why, for DNS).  Fills
 * *set (free with discovery_free()) even on failure.  Returns 0 or ENOMEM.
 */
int discovery_kpasswd(const struct conf_realm *conf, struct dns_client *dc,
                      struct trace *trace, struct kdc_set *set);

/*
 * Append the endpoints of one spec list to set, filtered by transport and
 * without duplicates.  Pure (no lookups): the targets come out unresolved.
 * Returns 0 or ENOMEM.
 */
int discovery_add_specs(struct kdc_set *set, enum conf_transport transport,
                        const struct kdc_spec *specs, size_t n);

#endif
