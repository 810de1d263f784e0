/* scrape: parallel realm tasks under one deadline; see scrape.h. */
#include "exporter/scrape.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporter/log.h"
#include "probes/deadline.h"
#include "probes/realmprobe.h"

struct task {
    struct run *run;                  /* the scrape this task belongs to */
    const struct conf_realm *conf;    /* borrowed */
    const struct conf_dns *dns;       /* borrowed */
    double deadline;
    int done;                         /* under run->lock */
    struct realm_result result;       /* written by the task until done */
};

/*
 * Shared between the scrape and its tasks, freed by whichever lets go last:
 * an abandoned task may outlive the scrape that started it.
 */
struct run {
    pthread_mutex_t lock;
    pthread_cond_t cond;              /* on CLOCK_MONOTONIC */
    int refs;
    size_t pending;
    size_t n_tasks;
    struct task *tasks;
};

/*
 * Tasks alive in the whole process, so that shutdown can wait for
 * abandoned ones before freeing the config they read.  Daemon state.
 */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t live_cond = PTHREAD_COND_INITIALIZER;
static size_t live_tasks;

static void
live_add(int delta)
{
    pthread_mutex_lock(&live_lock);
    live_tasks = (size_t)((long)live_tasks + delta);
    if (live_tasks == 0)
        pthread_cond_broadcast(&live_cond);
    pthread_mutex_unlock(&live_lock);
}

size_t
scrape_drain(double seconds)
{
    struct timespec ts;
    size_t left;

    /* pthread_cond_timedwait on the default condvar clock (realtime) is
     * fine here: this runs once, at shutdown. */
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)seconds;
    ts.tv_nsec += (long)((seconds - floor(seconds)) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&live_lock);
    while (live_tasks > 0 &&
           pthread_cond_timedwait(&live_cond, &live_lock, &ts) == 0)
        ;
    left = live_tasks;
    pthread_mutex_unlock(&live_lock);
    return left;
}

static void
run_release(struct run *run)
{
    int last;

    pthread_mutex_lock(&run->lock);
    last = --run->refs == 0;
    pthread_mutex_unlock(&run->lock);
    if (!last)
        return;
    for (size_t i = 0; i < run->n_tasks; i++)
        result_clear(&run->tasks[i].result);
    free(run->tasks);
    pthread_cond_destroy(&run->cond);
    pthread_mutex_destroy(&run->lock);
    free(run);
}

static void *
task_main(void *arg)
{
    struct task *t = arg;
    struct realm_result res;

    memset(&res, 0, sizeof(res));
    if (realmprobe_run(t->conf, t->dns, t->deadline, &res) != 0)
        log_error("realm=%s: out of memory recording probe results",
                  t->conf->realm);
    pthread_mutex_lock(&t->run->lock);
    t->result = res;
    t->done = 1;
    t->run->pending--;
    pthread_cond_broadcast(&t->run->cond);
    pthread_mutex_unlock(&t->run->lock);
    run_release(t->run);
    live_add(-1);
    return NULL;
}

static struct run *
run_new(const struct conf *conf)
{
    struct run *run = calloc(1, sizeof(*run));
    pthread_condattr_t attr;

    if (run == NULL)
        return NULL;
    run->tasks = calloc(conf->n_realms ? conf->n_realms : 1,
                        sizeof(*run->tasks));
    if (run->tasks == NULL) {
        free(run);
        return NULL;
    }
    pthread_mutex_init(&run->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&run->cond, &attr);
    pthread_condattr_destroy(&attr);
    run->refs = 1;
    return run;
}

static struct timespec
to_timespec(double t)
{
    struct timespec ts;

    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - floor(t)) * 1e9);
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_nsec = 999999999L;
    return ts;
}

int
scrape_run(const struct conf *conf, double budget_seconds,
           struct realm_result **results_out)
{
    double now = deadline_now(), scrape_deadline = now, wait_until;
    struct realm_result *results;
    struct run *run;
    int ret = 0;

    results = calloc(conf->n_realms ? conf->n_realms : 1, sizeof(*results));
    run = run_new(conf);
    if (results == NULL || run == NULL) {
        free(results);
        if (run != NULL)
            run_release(run);
        return ENOMEM;
    }
    for (size_t i = 0; i < conf->n_realms; i++) {
        struct task *t = &run->tasks[i];
        double d = now + conf->realms[i].timeout;
        pthread_t tid;

        if (budget_seconds > 0 && now + budget_seconds < d)
            d = now + budget_seconds;
        if (d > scrape_deadline)
            scrape_deadline = d;
        t->run = run;
        t->conf = &conf->realms[i];
        t->dns = &conf->dns;
        t->deadline = d;
        pthread_mutex_lock(&run->lock);
        run->refs++;
        run->pending++;
        run->n_tasks++;
        pthread_mutex_unlock(&run->lock);
        live_add(1);
        ret = pthread_create(&tid, NULL, task_main, t);
        if (ret != 0) {
            live_add(-1);
            log_error("realm=%s: cannot start probe task: %s",
                      t->conf->realm, strerror(ret));
            pthread_mutex_lock(&run->lock);
            run->refs--;
            run->pending--;
            run->n_tasks--;
            pthread_mutex_unlock(&run->lock);
            break;
        }
        pthread_detach(tid);
    }
    /* Wait for every task, but never past the deadline plus a little grace:
     * the answer must reach Prometheus before its own timeout. */
    wait_until = scrape_deadline + SCRAPE_GRACE_SECONDS;
    pthread_mutex_lock(&run->lock);
    while (run->pending > 0) {
        struct timespec ts = to_timespec(wait_until);
        if (pthread_cond_timedwait(&run->cond, &run->lock, &ts) == ETIMEDOUT)
            break;
    }
    for (size_t i = 0; i < conf->n_realms && ret == 0; i++) {
        struct task *t = &run->tasks[i];
        if (i < run->n_tasks && t->done) {
            results[i] = t->result;
            memset(&t->result, 0, sizeof(t->result));
        } else {
            log_warn("realm=%s: probes did not finish before the scrape "
                     "deadline", conf->realms[i].realm);
            if (realmprobe_timed_out(&conf->realms[i], &results[i]) != 0)
                ret = ENOMEM;
        }
    }
    pthread_mutex_unlock(&run->lock);
    run_release(run);
    if (ret != 0) {
        scrape_results_free(results, conf->n_realms);
        return ret;
    }
    *results_out = results;
    return 0;
}

void
scrape_results_free(struct realm_result *results, size_t n)
{
    if (results == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        result_clear(&results[i]);
    free(results);
}
