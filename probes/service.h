/*
 * service: the TGS exchange for each configured service principal, using
 * the TGT the tgt probe left in the probe's MEMORY ccache; the exchanges
 * themselves run at once in tgsfan.
 */
#ifndef KRB5EXP_SERVICE_H
#define KRB5EXP_SERVICE_H

#include <krb5/krb5.h>

#include "probes/dns.h"
#include "probes/realmctx.h"
#include "probes/result.h"

/*
 * Request a ticket for every configured service and append one service
 * probe result and one service_info per service to res, in config order.
 * Host names are first canonicalised through dc as the realm's
 * `canonicalize` says, one after another; when that fails the probe fails
 * with the c-ares status and no other name is tried.  Then every ticket is
 * asked for at once (tgsfan), at most the realm's max_in_flight requests
 * out at a time, and stored in cc.  Returns 0, or ENOMEM when a result
 * could not be recorded.
 */
int service_probe_all(struct realm_ctx *rc, struct dns_client *dc,
                      krb5_ccache cc, krb5_principal client,
                      struct realm_result *res);

/*
 * The principal to ask for, after canonicalisation: returns 0 and sets
 * *principal_out (caller frees), or -1 with *err_out and why[why_len] set.
 */
int service_canonical(const struct conf_realm *conf, struct dns_client *dc,
                      const char *service, char **principal_out,
                      struct probe_error *err_out, char *why, size_t why_len);

/*
 * Record every configured service as failed with `error` without contacting
 * anything: used when there is no TGT to ask with, or no time left.  The
 * target is the service as configured with "@REALM" appended when it has no
 * realm.  Pure.  Returns 0 or ENOMEM.
 */
int service_record_skipped(const struct conf_realm *conf,
                           struct probe_error error, const char *why,
                           struct realm_result *res);

/*
 * Append the enctypes of creds (the TGT or a service ticket; kind says
 * which) to res as a ticket_info for target: the session key's and the one
 * the ticket is sealed in.  Returns 0, or ENOMEM.
 */
int service_record_enctypes(krb5_context ctx, enum probe_kind kind,
                            const char *target, const krb5_creds *creds,
                            struct realm_result *res);

/* "name@REALM" unless name already names a realm; caller frees. */
char *service_default_principal(const char *name, const char *realm);

#endif
