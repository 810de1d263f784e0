/*
 * httpprobe: does each web service take our ticket, and prove that it
 * holds the key?  For every URL of the realm's services entries, the
 * service ticket the service probe put in the probe's MEMORY ccache is
 * wrapped by GSS-API in SPNEGO (mutual authentication requested, never
 * delegation) and sent in an `Authorization: Negotiate` header (RFC 4559).
 * The probe succeeds when the final status is below 400 and the server's
 * `WWW-Authenticate: Negotiate` token completes the GSS context with the
 * mutual flag: the server decrypted the ticket with its key and proved it
 * (steps 6, 7 and 9 of the primer).
 *
 * The HTTP and TLS are libcurl's (httpio.h), all URLs at once under the
 * realm's deadline, with the addresses pinned to what our c-ares lookup
 * found.  GSS-API does no KDC exchange: it is
 * called only once the ticket is in the ccache, so that libkrb5's own
 * sendto never runs.  Neither the token nor the header reaches a log, a
 * metric, a message or the trace: only their sizes do.
 */
#ifndef KRB5EXP_HTTPPROBE_H
#define KRB5EXP_HTTPPROBE_H

#include <krb5/krb5.h>
#include <stddef.h>

#include "conf/conf.h"
#include "probes/dns.h"
#include "probes/realmctx.h"
#include "probes/result.h"

/*
 * Probe every URL of rc->conf's services (conf->http) with the tickets in
 * cc, after service_probe_all() has recorded the services in res: one
 * http result per URL, target the URL as configured, appended to res.  A
 * URL whose service got no ticket fails with the service's error, untried.
 * Host names resolve through dc.  Returns 0, or ENOMEM when a result could
 * not be recorded.
 */
int httpprobe_run(struct realm_ctx *rc, struct dns_client *dc,
                  krb5_ccache cc, struct realm_result *res);

/*
 * Record every URL of conf as failed with `error`, untried: no TGT, no
 * KDC, no time.  Pure.  Returns 0 or ENOMEM.
 */
int httpprobe_record_skipped(const struct conf_realm *conf,
                             struct probe_error error, const char *why,
                             struct realm_result *res);

#endif
