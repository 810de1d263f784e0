/*
 * tgt: the AS exchange for the realm's monitoring principal, with a keytab
 * or a password file, into a MEMORY ccache unique to the probe.
 */
#ifndef KRB5EXP_TGT_H
#define KRB5EXP_TGT_H

#include <krb5/krb5.h>

#include "probes/realmctx.h"
#include "probes/result.h"

/*
 * Acquire a TGT for client cl and append the tgt probe result to res, and a
 * client_info entry with the TGT's lifetime and renewability, the password
 * and account expiry when the KDC reports them, and the canonical name of
 * a UPN; the TGT's enctypes go to res's tickets.  On success returns 0 and,
 * when ccache_out is not NULL, sets *ccache_out and *client_out (the name
 * the KDC gave), which the caller releases with krb5_cc_destroy() and
 * krb5_free_principal().  Returns the krb5 error code of the failure
 * otherwise (already recorded in res); ENOMEM when even that could not be
 * recorded.
 */
krb5_error_code tgt_probe(struct realm_ctx *rc, const struct conf_client *cl,
                          struct realm_result *res, krb5_ccache *ccache_out,
                          krb5_principal *client_out);

/*
 * Read the first line of a password file into buf (without its newline).
 * Returns 0, or an errno value.  Pure I/O helper, exposed for tests.
 */
int tgt_read_password(const char *path, char *buf, size_t buf_len);

#endif
