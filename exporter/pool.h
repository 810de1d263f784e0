/*
 * pool: a fixed number of worker threads taking jobs from a FIFO queue.
 * Realm probes run here, so that however many scrapes arrive, at most
 * `workers` probes run at once.
 */
#ifndef KRB5EXP_POOL_H
#define KRB5EXP_POOL_H

#include <pthread.h>
#include <stddef.h>

struct pool_job;

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct pool_job *head, *tail;   /* owned queue */
    pthread_t *threads;             /* owned array of n_threads */
    size_t n_threads;
    size_t queued, running;
    int stopping;
};

/* Start n worker threads.  Returns 0 or an errno value. */
int pool_start(struct pool *p, size_t n);

/* Queue run(arg).  Returns 0, or ENOMEM / ESHUTDOWN. */
int pool_submit(struct pool *p, void (*run)(void *arg), void *arg);

/* Jobs queued or running now. */
size_t pool_busy(struct pool *p);

/* Run every job still queued, then join the workers. */
void pool_stop(struct pool *p);

#endif
