/*
 * debugpage: the text a person reads at 3 a.m. when a realm's probe fails:
 * each step in order with its time, libkrb5's own trace, every error with
 * its code, name, message, likely cause and fix, then the metrics the probe
 * produced.  Pure.
 */
#ifndef KRB5EXP_DEBUGPAGE_H
#define KRB5EXP_DEBUGPAGE_H

#include "base/sbuf.h"
#include "probes/result.h"

/*
 * Append the page for realm r to out: `steps` is the trace text (borrowed),
 * `metrics` the exposition of the same result, `wall_start` the unix time
 * the probe began (for the header).
 */
void debugpage_write(struct sbuf *out, const struct realm_result *r,
                     const char *steps, const char *metrics,
                     double wall_start);

#endif
