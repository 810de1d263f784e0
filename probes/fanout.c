/* fanout: many KDC exchanges in one poll loop; see fanout.h. */
#include "probes/fanout.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"

/* One request in flight: the job it is for, and its exchange. */
struct slot {
    size_t job;
    struct kdcio_xchg *x;     /* owned; NULL: the slot is free */
    size_t first_fd, n_fds;   /* its descriptors in the poll set */
};

struct run {
    const struct fanout_ops *ops;
    void *arg;
    double deadline;
    struct slot *slots;       /* owned array of n_slots */
    size_t n_slots;
    size_t busy;              /* slots with a request in flight */
    struct pollfd *pfds;      /* owned, room for cap */
    size_t cap;
};

/* The slot's exchange is over without a reply: say so to its job. */
static void
fail_slot(struct run *r, struct slot *sl, struct probe_error err,
          const char *why)
{
    r->ops->failed(r->arg, sl->job, err, why, 1);
    kdcio_xchg_free(sl->x);
    sl->x = NULL;
    r->busy--;
}

/* Put the job's next request in flight in sl, whose exchange (if any) is
 * done with; ends the job with ENOMEM when no exchange can be made. */
static void
send_next(struct run *r, struct slot *sl, const struct fanout_send *req,
          double now)
{
    kdcio_xchg_free(sl->x);
    sl->x = NULL;
    if (kdcio_xchg_new(req->eps, req->n_eps, req->msg, req->len, req->realm,
                       &sl->x) != 0) {
        r->ops->failed(r->arg, sl->job,
                       (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM },
                       "out of memory", 1);
        r->busy--;
        return;
    }
    sl->n_fds = 0;
    (void)kdcio_xchg_step(sl->x, NULL, 0, now, r->deadline);
}

/*
 * Act on the state of sl's exchange until it waits: a reply goes to the
 * job, which may send its next request at once; a failure ends the job.
 */
static void
settle(struct run *r, struct slot *sl, enum kdcio_xchg_state st, double now)
{
    while (sl->x != NULL && st != KDCIO_XCHG_WAITING) {
        struct fanout_send next;
        struct probe_error err;
        unsigned char *reply = NULL;
        size_t len = 0, used = 0;
        char why[1024];

        if (kdcio_xchg_result(sl->x, &reply, &len, &used, &err, why,
                              sizeof(why)) != 0) {
            fail_slot(r, sl, err, why);
            return;
        }
        memset(&next, 0, sizeof(next));
        if (r->ops->reply(r->arg, sl->job, reply, len, used, &next) ==
                FANOUT_DONE) {
            free(reply);
            kdcio_xchg_free(sl->x);
            sl->x = NULL;
            r->busy--;
            return;
        }
        free(reply);
        send_next(r, sl, &next, now);
        if (sl->x == NULL)
            return;
        st = kdcio_xchg_step(sl->x, NULL, 0, now, r->deadline);
    }
}

/* Give job i the free slot sl. */
static void
start_job(struct run *r, struct slot *sl, size_t i, double now)
{
    struct fanout_send first;

    memset(&first, 0, sizeof(first));
    sl->job = i;
    sl->x = NULL;
    if (r->ops->begin(r->arg, i, &first) == FANOUT_DONE)
        return;
    r->busy++;
    send_next(r, sl, &first, now);
    if (sl->x != NULL)
        settle(r, sl, kdcio_xchg_step(sl->x, NULL, 0, now, r->deadline),
               now);
}

/* Lay out the poll set of every slot in flight; returns its size, or
 * (size_t)-1 when there is no memory for it. */
static size_t
poll_set(struct run *r, double *wake)
{
    size_t total = 0;

    for (size_t s = 0; s < r->n_slots; s++) {
        struct slot *sl = &r->slots[s];
        size_t want;

        if (sl->x == NULL)
            continue;
        want = total + kdcio_xchg_width(sl->x);
        if (want > r->cap) {
            struct pollfd *p = realloc(r->pfds, want * sizeof(*p));
            if (p == NULL)
                return (size_t)-1;
            r->pfds = p;
            r->cap = want;
        }
        sl->first_fd = total;
        sl->n_fds = kdcio_xchg_poll(sl->x, r->pfds + total, wake);
        total += sl->n_fds;
    }
    return total;
}

int
fanout_run(size_t n_jobs, size_t max_in_flight, double deadline,
           const struct fanout_ops *ops, void *arg,
           struct fanout_stats *stats_out)
{
    struct run r;
    struct fanout_stats stats = { 0, 0 };
    size_t next = 0;
    int ret = 0;

    memset(&r, 0, sizeof(r));
    r.ops = ops;
    r.arg = arg;
    r.deadline = deadline;
    r.n_slots = max_in_flight < 1 ? 1 : max_in_flight;
    if (r.n_slots > n_jobs)
        r.n_slots = n_jobs;
    r.slots = calloc(r.n_slots ? r.n_slots : 1, sizeof(*r.slots));
    if (r.slots == NULL) {
        ret = ENOMEM;
        goto cleanup;
    }
    for (;;) {
        double now = clocks_now(), wake = deadline;
        size_t nfds;

        /* Free slots go to the next jobs in order, while time is left. */
        for (size_t s = 0; s < r.n_slots && now < deadline; s++)
            while (r.slots[s].x == NULL && next < n_jobs)
                start_job(&r, &r.slots[s], next++, now);
        if (r.busy > stats.peak)
            stats.peak = r.busy;
        if ((r.busy == 0 && next == n_jobs) || now >= deadline)
            break;
        nfds = poll_set(&r, &wake);
        if (nfds == (size_t)-1) {
            ret = ENOMEM;
            break;
        }
        if (poll(r.pfds, (nfds_t)nfds, clocks_poll_ms(wake)) < 0) {
            if (errno != EINTR) {
                ret = errno;
                break;
            }
            for (size_t s = 0; s < r.n_slots; s++)
                r.slots[s].n_fds = 0;
        }
        now = clocks_now();
        for (size_t s = 0; s < r.n_slots; s++) {
            struct slot *sl = &r.slots[s];
            if (sl->x != NULL)
                settle(&r, sl, kdcio_xchg_step(sl->x, r.pfds + sl->first_fd,
                                               sl->n_fds, now, deadline),
                       now);
        }
    }
cleanup:
    /* What is still out has run into the deadline (or out of memory). */
    for (size_t s = 0; r.slots != NULL && s < r.n_slots; s++) {
        struct slot *sl = &r.slots[s];
        struct probe_error err;
        unsigned char *reply = NULL;
        size_t len = 0, used = 0;
        char why[1024];

        if (sl->x == NULL)
            continue;
        if (kdcio_xchg_result(sl->x, &reply, &len, &used, &err, why,
                              sizeof(why)) == 0) {
            /* A reply that came with the last poll but was not taken. */
            free(reply);
            err = (struct probe_error){ ERR_SPACE_ERRNO, ETIMEDOUT };
            snprintf(why, sizeof(why), "the deadline passed");
        }
        if (ret != 0)
            err = (struct probe_error){ ERR_SPACE_ERRNO, ret };
        fail_slot(&r, sl, err, why);
    }
    for (; next < n_jobs; next++, stats.never_started++)
        ops->failed(arg, next,
                    (struct probe_error){ ERR_SPACE_ERRNO,
                                          ret != 0 ? ret : ETIMEDOUT },
                    ret != 0 ? "out of memory for the poll set"
                             : "not sent: the deadline passed while the "
                               "realm's other requests were in flight",
                    0);
    free(r.slots);
    free(r.pfds);
    if (stats_out != NULL)
        *stats_out = stats;
    return ret == ENOMEM ? ENOMEM : 0;
}
