/*
 * Unit tests for exporter/pool: every job runs, in order on one worker;
 * pool_busy() counts queued and running jobs; pool_stop() runs what is
 * still queued before it returns, and refuses new work meanwhile.
 *
 * Jobs that must stay put wait on a gate the test opens, so that what is
 * running and what is queued is known, not hoped for.  Every wait for a
 * worker is bounded, so a broken pool fails the test instead of hanging it.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "exporter/pool.h"

/* How long a test waits for workers before it calls the pool broken. */
#define WAIT_SECONDS 10

/* What the jobs of one test share; every field under lock. */
struct tally {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int open;                 /* the gate: 0 holds gated jobs */
    size_t started, finished;
    size_t order[64];         /* job ids in the order they ran */
    size_t n_order;
    struct pool *pool;        /* for jobs that submit */
    int submit_ret;           /* what a job's own pool_submit() returned */
};

/* A job: its id and the tally it reports to. */
struct job {
    struct tally *t;
    size_t id;
};

static void
tally_init(struct tally *t)
{
    memset(t, 0, sizeof(*t));
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    t->submit_ret = -1;
}

static void
tally_destroy(struct tally *t)
{
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
}

static void
deadline_in(struct timespec *ts, int seconds)
{
    clock_gettime(CLOCK_REALTIME, ts);   /* what pthread_cond_timedwait uses */
    ts->tv_sec += seconds;
}

/* Wait until *counter reaches want; fails the test after WAIT_SECONDS. */
static void
wait_for(struct tally *t, const size_t *counter, size_t want)
{
    struct timespec until;
    int ret = 0;

    deadline_in(&until, WAIT_SECONDS);
    pthread_mutex_lock(&t->lock);
    while (*counter < want && ret == 0)
        ret = pthread_cond_timedwait(&t->cond, &t->lock, &until);
    pthread_mutex_unlock(&t->lock);
    if (ret != 0)
        fail_msg("waited %d s for %zu jobs", WAIT_SECONDS, want);
}

static void
open_gate(struct tally *t)
{
    pthread_mutex_lock(&t->lock);
    t->open = 1;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

static void
note_started(struct job *j)
{
    pthread_mutex_lock(&j->t->lock);
    j->t->started++;
    pthread_cond_broadcast(&j->t->cond);
    pthread_mutex_unlock(&j->t->lock);
}

static void
note_finished(struct job *j)
{
    pthread_mutex_lock(&j->t->lock);
    if (j->t->n_order < sizeof(j->t->order) / sizeof(j->t->order[0]))
        j->t->order[j->t->n_order++] = j->id;
    j->t->finished++;
    pthread_cond_broadcast(&j->t->cond);
    pthread_mutex_unlock(&j->t->lock);
}

/* Runs at once. */
static void
count_job(void *arg)
{
    struct job *j = arg;

    note_started(j);
    note_finished(j);
}

/* Holds its worker until the gate opens. */
static void
gated_job(void *arg)
{
    struct job *j = arg;

    note_started(j);
    pthread_mutex_lock(&j->t->lock);
    while (!j->t->open)
        pthread_cond_wait(&j->t->cond, &j->t->lock);
    pthread_mutex_unlock(&j->t->lock);
    note_finished(j);
}

static void
jobs_run(void **state)
{
    static const size_t workers[] = { 1, 2, 8 };
    struct job jobs[50];

    (void)state;
    for (size_t w = 0; w < sizeof(workers) / sizeof(workers[0]); w++) {
        struct tally t;
        struct pool p;

        tally_init(&t);
        assert_int_equal(pool_start(&p, workers[w]), 0);
        assert_int_equal(p.n_threads, workers[w]);
        for (size_t i = 0; i < 50; i++) {
            jobs[i] = (struct job){ &t, i };
            assert_int_equal(pool_submit(&p, count_job, &jobs[i]), 0);
        }
        /* The jobs run while the pool runs, not only when it stops. */
        wait_for(&t, &t.finished, 50);
        pool_stop(&p);
        assert_int_equal(t.finished, 50);
        assert_int_equal(t.started, 50);
        tally_destroy(&t);
    }
}

/* One worker takes the queue first in, first out. */
static void
fifo_on_one_worker(void **state)
{
    struct job jobs[20];
    struct tally t;
    struct pool p;

    (void)state;
    tally_init(&t);
    assert_int_equal(pool_start(&p, 1), 0);
    for (size_t i = 0; i < 20; i++) {
        jobs[i] = (struct job){ &t, i };
        assert_int_equal(pool_submit(&p, count_job, &jobs[i]), 0);
    }
    pool_stop(&p);
    assert_int_equal(t.n_order, 20);
    for (size_t i = 0; i < 20; i++)
        if (t.order[i] != i)
            fail_msg("position %zu ran job %zu", i, t.order[i]);
    tally_destroy(&t);
}

/* Wait until pool_busy() is want; fails the test after WAIT_SECONDS. */
static void
wait_busy(struct pool *p, size_t want)
{
    struct timespec pause = { 0, 1000000 };   /* 1 ms */

    for (long i = 0; i < WAIT_SECONDS * 1000L; i++) {
        if (pool_busy(p) == want)
            return;
        nanosleep(&pause, NULL);
    }
    fail_msg("pool_busy() stayed %zu, want %zu", pool_busy(p), want);
}

static void
busy_counts(void **state)
{
    struct job jobs[5];
    struct tally t;
    struct pool p;

    (void)state;
    tally_init(&t);
    assert_int_equal(pool_start(&p, 2), 0);
    assert_int_equal(pool_busy(&p), 0);
    for (size_t i = 0; i < 5; i++) {
        jobs[i] = (struct job){ &t, i };
        assert_int_equal(pool_submit(&p, gated_job, &jobs[i]), 0);
    }
    /* Two running on the two workers, held at the gate, three queued:
     * running jobs count as well as queued ones. */
    wait_for(&t, &t.started, 2);
    assert_int_equal(pool_busy(&p), 5);
    assert_int_equal(t.started, 2);
    assert_int_equal(t.finished, 0);

    open_gate(&t);
    wait_for(&t, &t.finished, 5);
    /* A worker counts its job done just after the job returns. */
    wait_busy(&p, 0);
    pool_stop(&p);
    tally_destroy(&t);
}

/* Calls pool_stop() on another thread, so that the test can watch it. */
static void *
stopper(void *arg)
{
    pool_stop(arg);
    return NULL;
}

/* While the pool stops, a job submits another: refused. */
static void
submit_job(void *arg)
{
    struct job *j = arg;
    int ret;

    gated_job(arg);
    ret = pool_submit(j->t->pool, count_job, j);
    pthread_mutex_lock(&j->t->lock);
    j->t->submit_ret = ret;
    pthread_mutex_unlock(&j->t->lock);
}

static int
is_stopping(struct pool *p)
{
    int stopping;

    pthread_mutex_lock(&p->lock);
    stopping = p->stopping;
    pthread_mutex_unlock(&p->lock);
    return stopping;
}

/*
 * One worker held at the gate, ten jobs queued behind it, and pool_stop()
 * called: it must not return before all of them ran, and a job submitting
 * meanwhile is told ESHUTDOWN.
 */
static void
stop_waits_for_queued(void **state)
{
    struct timespec pause = { 0, 1000000 };   /* 1 ms */
    struct job jobs[11];
    pthread_t th;
    struct tally t;
    struct pool p;
    long waited;

    (void)state;
    tally_init(&t);
    t.pool = &p;
    assert_int_equal(pool_start(&p, 1), 0);
    jobs[0] = (struct job){ &t, 0 };
    assert_int_equal(pool_submit(&p, submit_job, &jobs[0]), 0);
    wait_for(&t, &t.started, 1);
    for (size_t i = 1; i < 11; i++) {
        jobs[i] = (struct job){ &t, i };
        assert_int_equal(pool_submit(&p, count_job, &jobs[i]), 0);
    }
    assert_int_equal(pthread_create(&th, NULL, stopper, &p), 0);
    /* pool_stop() cannot finish while the gate is shut, so p is still
     * whole while this looks at it. */
    for (waited = 0; !is_stopping(&p) && waited < WAIT_SECONDS * 1000L;
         waited++)
        nanosleep(&pause, NULL);
    assert_true(is_stopping(&p));
    assert_int_equal(t.finished, 0);

    open_gate(&t);
    assert_int_equal(pthread_join(th, NULL), 0);
    /* pool_stop() returned: everything queued before it has run. */
    assert_int_equal(t.finished, 11);
    assert_int_equal(t.n_order, 11);
    for (size_t i = 0; i < 11; i++)
        assert_int_equal(t.order[i], i);
    assert_int_equal(t.submit_ret, ESHUTDOWN);
    tally_destroy(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jobs_run),
        cmocka_unit_test(fifo_on_one_worker),
        cmocka_unit_test(busy_counts),
        cmocka_unit_test(stop_waits_for_queued),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
