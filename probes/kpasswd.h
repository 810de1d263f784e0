/*
 * kpasswd: does each kpasswd endpoint of a realm answer?  Linux and macOS
 * clients send password changes to the kpasswd service (port 464, UDP and
 * TCP), and a firewall that blocks it breaks them while logons still work.
 * Every endpoint gets the same request at once: a kpasswd message with no
 * credential and no password (kpwdmsg_probe_request()), which no server
 * can act on.  A well-formed kpasswd reply or KRB-ERROR means the service
 * is up; a timeout, a refusal or anything else means it is down.
 */
#ifndef KRB5EXP_KPASSWD_H
#define KRB5EXP_KPASSWD_H

#include "conf/conf.h"
#include "probes/dns.h"
#include "probes/result.h"
#include "probes/trace.h"

/*
 * The kpasswd probe runs beside the others, as the kdc probe does, so
 * that a silent kpasswd server costs the realm its deadline once.
 * kpasswd_probe_start() finds the endpoints (discovery_kpasswd(): the
 * `kpasswd` list, or _kpasswd SRV records) with dc in the calling thread,
 * and starts a thread that only does socket I/O until deadline;
 * kpasswd_probe_finish() joins it and judges the replies.  No libkrb5
 * call is made, so no krb5_context is involved.
 */
struct kpasswd_run;

/*
 * Start probing conf's kpasswd endpoints.  conf and dc are used during
 * this call only; trace is borrowed until kpasswd_probe_finish().  Sets
 * *run_out (which may probe nothing: a realm without kpasswd servers) and
 * returns 0, or returns ENOMEM.
 */
int kpasswd_probe_start(const struct conf_realm *conf, struct dns_client *dc,
                        double deadline, struct trace *trace,
                        struct kpasswd_run **run_out);

/*
 * Wait for the probe, append one kpasswd probe result per endpoint to res
 * (target "udp/host:port", as for kdc), and free run.  Returns 0 or
 * ENOMEM; run is freed either way.
 */
int kpasswd_probe_finish(struct kpasswd_run *run, struct realm_result *res);

#endif
