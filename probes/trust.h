/*
 * trust: the trust probe.  For every other realm the realm's services are
 * written with (HTTP/www.b.test@B.TEST), a walk along the trust path from
 * the realm to it (trustpath.h) with the first client's TGT: each
 * cross-realm TGT of the path asked for at the KDCs of the realm that
 * issues it (following a KDC's referral to the next realm on its own
 * path, as MIT's client does), and the last one presented with the
 * services of that realm, which the service probe asks for.  Every
 * exchange goes through the session's send hook or the TGS fan-out, the
 * other realms' through realmroute, under the session's deadline.
 *
 * One trust result per hop, target "krbtgt/B.TEST@A.TEST": success when
 * the KDC of the realm it leads to took it (issued the next TGT, or a
 * service ticket, or refused only the request itself); else the error of
 * the KDC that refused, A's (no such trust: S_PRINCIPAL_UNKNOWN) or B's
 * (BAD_INTEGRITY or MODIFIED for keys that differ, KRB_ERR_GENERIC with
 * PROCESS_TGS or BADKEYVER for a kvno out of step, or no KDC of B
 * answered).  A hop shared by several paths is reported once.
 *
 * In a probe: trust_walk_all() after the logon and before the services,
 * so that the service probe finds the cross-realm TGTs in the ccache and
 * goes straight to each service's realm; trust_finish() after them, which
 * judges each last hop by its services' answers and records the results.
 * The walks talk to the client's realm and the realms on the way, and end
 * their exchanges with the realms on the way by half the time left, so
 * that a trusted realm that does not answer leaves the services theirs.
 */
#ifndef KRB5EXP_TRUST_H
#define KRB5EXP_TRUST_H

#include <krb5/krb5.h>

#include "probes/realmctx.h"
#include "probes/result.h"

struct trust_walks;

/*
 * Walk every trust of rc's realm with client's TGT in cc, leaving the
 * cross-realm TGTs had in cc.  Returns 0 and sets *out (NULL when the
 * realm's services are all its own), or ENOMEM.  The walks are freed by
 * trust_finish().
 */
int trust_walk_all(struct realm_ctx *rc, krb5_ccache cc,
                   krb5_principal client, struct trust_walks **out);

/*
 * Judge each walk's last hop by the service results in res (the service
 * probe's), append every hop's trust result to res, and free walks (NULL
 * is fine).  Returns 0, or ENOMEM when a result could not be recorded.
 */
int trust_finish(struct realm_ctx *rc, struct trust_walks *walks,
                 struct realm_result *res);

/*
 * Record the planned hops of every trust of conf as failed with error,
 * not attempted (why: the TGT's failure, or no time left), so that their
 * series stay.  Pure.  Returns 0 or ENOMEM.
 */
int trust_record_skipped(const struct conf_realm *conf,
                         struct probe_error error, const char *why,
                         struct realm_result *res);

#endif
