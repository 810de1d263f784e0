/* pool: worker threads and a job queue; see pool.h. */
#include "exporter/pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pool_job {
    void (*run)(void *arg);
    void *arg;
    struct pool_job *next;
};

static void *
worker(void *arg)
{
    struct pool *p = arg;

    pthread_mutex_lock(&p->lock);
    for (;;) {
        struct pool_job *job;

        while (p->head == NULL && !p->stopping)
            pthread_cond_wait(&p->cond, &p->lock);
        job = p->head;
        if (job == NULL)
            break;            /* stopping, and nothing left to run */
        p->head = job->next;
        if (p->head == NULL)
            p->tail = NULL;
        p->queued--;
        p->running++;
        pthread_mutex_unlock(&p->lock);
        job->run(job->arg);
        free(job);
        pthread_mutex_lock(&p->lock);
        p->running--;
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int
pool_start(struct pool *p, size_t n)
{
    int ret;

    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->threads = calloc(n ? n : 1, sizeof(*p->threads));
    if (p->threads == NULL)
        return ENOMEM;
    for (; p->n_threads < n; p->n_threads++) {
        ret = pthread_create(&p->threads[p->n_threads], NULL, worker, p);
        if (ret != 0) {
            pool_stop(p);
            return ret;
        }
    }
    return 0;
}

int
pool_submit(struct pool *p, void (*run)(void *arg), void *arg)
{
    struct pool_job *job = malloc(sizeof(*job));

    if (job == NULL)
        return ENOMEM;
    job->run = run;
    job->arg = arg;
    job->next = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->stopping) {
        pthread_mutex_unlock(&p->lock);
        free(job);
        return ESHUTDOWN;
    }
    if (p->tail != NULL)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    p->queued++;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

size_t
pool_busy(struct pool *p)
{
    size_t n;

    pthread_mutex_lock(&p->lock);
    n = p->queued + p->running;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void
pool_stop(struct pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    p->threads = NULL;
    p->n_threads = 0;
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
}
