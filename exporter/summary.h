/*
 * summary: the human-readable account of one scrape that --once prints on
 * stderr: every probe's outcome, and for each failure its code, name,
 * message, likely cause and first fix.  Pure.
 */
#ifndef KRB5EXP_SUMMARY_H
#define KRB5EXP_SUMMARY_H

#include <stddef.h>

#include "base/sbuf.h"
#include "probes/result.h"

/*
 * Append a failed probe's message, likely cause and first fix, each on a
 * line of its own starting with indent.  Shared by --once and the debug
 * page.
 */
void summary_explain(struct sbuf *out, const struct probe_result *p,
                     const char *indent);

/* Append the summary of results to out.  Returns the number of failed
 * probes. */
size_t summary_write(struct sbuf *out, const struct realm_result *results,
                     size_t n);

#endif
