/*
 * fanout: many KDC exchanges at once in one poll loop, under one deadline,
 * with at most max_in_flight requests out at any time so that a KDC is
 * never flooded.  Each job is a chain of requests (a service ticket may take
 * more than one: a referral, a retry over TCP); its owner says what to send
 * first and what to make of each reply through struct fanout_ops, and the
 * engine does nothing but the I/O (kdcio_xchg) and the bookkeeping.  Jobs
 * are started in index order as requests in flight come back, so a silent
 * or failing job holds its slot no longer than its own exchange, and no job
 * outlives the deadline.  Everything runs in the calling thread.
 */
#ifndef KRB5EXP_FANOUT_H
#define KRB5EXP_FANOUT_H

#include <stddef.h>

#include "probes/kdcio.h"

/* The next request of a job. */
struct fanout_send {
    const unsigned char *msg;          /* borrowed for the call (copied) */
    size_t len;
    const struct kdcio_endpoint *eps;  /* borrowed until the job's next
                                          callback */
    size_t n_eps;
    const char *realm;                 /* borrowed likewise; NULL: any */
};

enum fanout_next { FANOUT_SEND, FANOUT_DONE };

struct fanout_ops {
    /*
     * Job i gets its slot: FANOUT_SEND with its first request in *out, or
     * FANOUT_DONE when it is over without one (its owner has recorded
     * why).
     */
    enum fanout_next (*begin)(void *arg, size_t i, struct fanout_send *out);
    /*
     * The reply (borrowed for the call) to job i's last request, from the
     * endpoint out->eps[used] of that request: FANOUT_SEND with the next
     * request in *out, or FANOUT_DONE.
     */
    enum fanout_next (*reply)(void *arg, size_t i, const unsigned char *reply,
                              size_t len, size_t used,
                              struct fanout_send *out);
    /*
     * Job i's last request got no reply (err and why as kdcio_exchange()
     * says it: ETIMEDOUT when the deadline passed), or the job never got a
     * slot before the deadline (started 0); the job is over.
     */
    void (*failed)(void *arg, size_t i, struct probe_error err,
                   const char *why, int started);
};

/* What a run did, for tests and traces. */
struct fanout_stats {
    size_t peak;              /* most requests in flight at once */
    size_t never_started;     /* jobs the deadline found without a slot */
};

/*
 * Run jobs 0 .. n_jobs-1 through ops (arg is theirs), at most
 * max_in_flight (at least 1) in flight, until every job is over or the
 * deadline (monotonic) passes; every job ends in exactly one FANOUT_DONE or
 * failed().  Fills *stats_out when not NULL.  Returns 0, or ENOMEM when the
 * poll set could not be made (jobs not over then failed() with ENOMEM).
 */
int fanout_run(size_t n_jobs, size_t max_in_flight, double deadline,
               const struct fanout_ops *ops, void *arg,
               struct fanout_stats *stats_out);

#endif
