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
 * The HTTP and TLS are libcurl's, driven through its multi interface by
 * our own poll loop under the realm's deadline, all URLs at once.  curl
 * does no DNS (its addresses are pinned with CURLOPT_RESOLVE to what our
 * c-ares lookup found, and a resolve it would start itself is refused),
 * no authentication of its own (CURLOPT_HTTPAUTH none: the header is
 * ours), no proxy and no redirect.  GSS-API does no KDC exchange: it is
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

/*
 * One HTTP exchange for httpprobe_exchange_all(): the I/O half of the
 * probe, apart so that tests can drive it against loopback peers.
 */
struct http_exchange {
    /* In; all borrowed for the call. */
    const char *url;
    const char *resolve;      /* NULL, or a CURLOPT_RESOLVE entry
                                 "host:port:addr[,addr...]"; without one
                                 a URL that names a host fails, as curl
                                 may not resolve it itself */
    int address;              /* the URL's host is an IP address, which
                                 curl reads without a lookup */
    const char *ca_file;      /* NULL: the system's CAs */
    const char *authorization;    /* NULL, or the whole header line */
    /* Out. */
    long status;              /* final HTTP status; 0: no response */
    char *token;              /* owned (free()) or NULL: the base64 token
                                 of the final response's Negotiate
                                 challenge */
    int negotiate;            /* that response had a Negotiate challenge,
                                 with a token or without */
    struct probe_error error; /* code 0: a response came */
    char why[256];            /* what failed, when error is set */
    double seconds;           /* until the response or the failure */
};

/*
 * Run the n exchanges at once, each a GET with no body read (the headers
 * say all), until all are done or `deadline` (monotonic) passes; those
 * still running then fail with ETIMEDOUT.  Returns 0, or ENOMEM (with
 * every exchange failed) when curl could not be set up.
 */
int httpprobe_exchange_all(struct http_exchange *ex, size_t n,
                           double deadline);

/* Free what an exchange owns (its token); ex itself is the caller's. */
void httpprobe_exchange_clear(struct http_exchange *ex);

#endif
