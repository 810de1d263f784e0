/*
 * verify: does a service's keytab open the tickets the KDC issues for it?
 * Each service ticket is presented, in an AP-REQ made in memory, to
 * krb5_rd_req() with the service's keytab, as the service itself would
 * accept it (no replay cache, nothing sent anywhere).  Also reports what
 * each service keytab holds: the highest kvno per principal and enctype.
 */
#ifndef KRB5EXP_VERIFY_H
#define KRB5EXP_VERIFY_H

#include <krb5/krb5.h>

#include "conf/conf.h"
#include "probes/realmctx.h"
#include "probes/result.h"

/* The keytab of configured service i: its own, else the realm's
 * service_keytab, else NULL (no verify probe).  Borrowed from conf. */
const char *verify_keytab_of(const struct conf_realm *conf, size_t i);

/*
 * Verify creds (a service ticket just issued; its server is the canonical
 * principal and the result's target) with the keytab file at path, and
 * append one verify result to res.  A failure carries libkrb5's code, e.g.
 * KRB5KRB_AP_ERR_BADKEYVER when the keytab lacks the ticket's kvno.
 * Returns 0, or ENOMEM when the result could not be recorded.
 */
int verify_ticket(struct realm_ctx *rc, const char *path, krb5_creds *creds,
                  struct realm_result *res);

/*
 * Append the kvno entries of every distinct service keytab of the realm to
 * res (through ktcache, so a file is read again only when it changed).
 * A keytab that cannot be read adds nothing; its verify probes say why.
 * Returns 0, or ENOMEM.
 */
int verify_keytab_kvnos(struct realm_ctx *rc, struct realm_result *res);

#endif
