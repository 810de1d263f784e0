/*
 * realmprobe: one realm's probes in order (discovery, kdc, tgt, service), run by one
 * task under one deadline, returning plain result structs.
 */
#ifndef KRB5EXP_REALMPROBE_H
#define KRB5EXP_REALMPROBE_H

#include "conf/conf.h"
#include "probes/result.h"

/*
 * Run every probe of conf in order (discovery, kdc, tgt, service), each
 * network exchange ending by `deadline` (monotonic), asking DNS as dns says.
 * Fills res (caller clears it with result_clear()).  Returns 0, or ENOMEM
 * when the results could not be recorded in full.
 */
int realmprobe_run(const struct conf_realm *conf, const struct conf_dns *dns,
                   double deadline, struct realm_result *res);

/*
 * Fill res as a realm whose task did not finish in time: every probe
 * failed with ETIMEDOUT.  Pure.  Returns 0 or ENOMEM.
 */
int realmprobe_timed_out(const struct conf_realm *conf,
                         struct realm_result *res);

#endif
