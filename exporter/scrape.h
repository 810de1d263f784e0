/*
 * scrape: one scrape under one deadline.  Every realm runs in its own task
 * (a thread) in parallel; the scrape waits for all of them or the deadline,
 * whichever comes first.  A realm whose task has not finished by then is
 * reported with every probe failed as ETIMEDOUT, and its task is left to
 * finish and free itself.
 */
#ifndef KRB5EXP_SCRAPE_H
#define KRB5EXP_SCRAPE_H

#include <stddef.h>

#include "conf/conf.h"
#include "probes/result.h"

/*
 * Probe every realm of conf.  budget_seconds > 0 bounds the whole scrape;
 * otherwise each realm's own timeout does.  On success returns 0 and sets
 * *results_out to an array of conf->n_realms results in config order, which
 * the caller frees with scrape_results_free().  Returns ENOMEM or an errno
 * from thread creation otherwise.
 *
 * conf is borrowed and must outlive every task, including abandoned ones.
 */
int scrape_run(const struct conf *conf, double budget_seconds,
               struct realm_result **results_out);
void scrape_results_free(struct realm_result *results, size_t n);

/*
 * Wait up to `seconds` for every realm task still running (abandoned ones
 * included) to finish, so that the config they borrow can be freed.
 * Returns the number of tasks still running.
 */
size_t scrape_drain(double seconds);

/* Grace given to a realm task past its own deadline before it is abandoned. */
#define SCRAPE_GRACE_SECONDS 0.2

#endif
