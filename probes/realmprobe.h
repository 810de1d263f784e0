/*
 * realmprobe: one realm's probes in order (discovery, kdc, tgt, service), run by one
 * task under one deadline, returning plain result structs.
 */
#ifndef KRB5EXP_REALMPROBE_H
#define KRB5EXP_REALMPROBE_H

#include "conf/conf.h"
#include "probes/realmstate.h"
#include "probes/result.h"
#include "probes/trace.h"

struct realmprobe_opts {
    const struct conf_dns *dns;        /* borrowed */
    double deadline;                   /* monotonic */
    struct trace *trace;               /* NULL: no step log */
    struct realm_state *state;         /* borrowed: the realm's lockout
                                          guard and kept context; NULL:
                                          no guard, a new context */
    const struct conf *conf;           /* borrowed: the whole config, for
                                          the entries of the other realms
                                          of trust walks; NULL: those are
                                          found in DNS */
};

/*
 * Run every probe of conf in order (discovery, kdc, tgt, service, http,
 * and the trusts to the other realms of its services: walked before the
 * services, judged and recorded after them), each network exchange ending
 * by opts->deadline, asking DNS as opts->dns says.
 * The credentials are presented only when the realm state's lockout guard
 * allows it (realmstate_claim()), and the outcome is given back to it.
 * When the guard holds them back, tgt and service are not attempted: they
 * report the guard's error with `skipped` set.  Fills res (caller clears it with
 * result_clear()).  Returns 0, or ENOMEM when the results could not be
 * recorded in full.
 */
int realmprobe_run(const struct conf_realm *conf,
                   const struct realmprobe_opts *opts,
                   struct realm_result *res);

/*
 * Fill res as a realm whose task did not finish in time: every probe
 * failed with ETIMEDOUT.  Pure.  Returns 0 or ENOMEM.
 */
int realmprobe_timed_out(const struct conf_realm *conf,
                         struct realm_result *res);

#endif
