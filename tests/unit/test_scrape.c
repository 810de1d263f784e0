/*
 * scrape: flights under one deadline, shared by coalesced scrapes, owning
 * all they touch.  The probe is the test's own, so that it can be held
 * past its scrape's deadline; run under ASan with
 * detect_stack_use_after_return=1, a probe that writes into memory of a
 * scrape that stopped waiting is caught.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/clocks.h"
#include "exporter/counters.h"
#include "exporter/scrape.h"
#include "probes/service.h"
#include "probes/trace.h"

/* What the test's probe does, and what it saw. */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int hold;                 /* 1: wait until released */
    int entered;              /* probes that started */
    int finished;             /* probes that returned */
    int released;
};

static struct gate gate = { PTHREAD_MUTEX_INITIALIZER,
                            PTHREAD_COND_INITIALIZER, 0, 0, 0, 0 };

static void
gate_reset(int hold)
{
    pthread_mutex_lock(&gate.lock);
    gate.hold = hold;
    gate.entered = gate.finished = gate.released = 0;
    pthread_mutex_unlock(&gate.lock);
}

static void
gate_release(void)
{
    pthread_mutex_lock(&gate.lock);
    gate.released = 1;
    pthread_cond_broadcast(&gate.cond);
    pthread_mutex_unlock(&gate.lock);
}

/* Wait until n probes have done `what` (entered or finished). */
static void
gate_wait(const int *what, int n)
{
    pthread_mutex_lock(&gate.lock);
    while (*what < n)
        pthread_cond_wait(&gate.cond, &gate.lock);
    pthread_mutex_unlock(&gate.lock);
}

/* The test's probe: one tgt result named after the realm; it traces
 * before and, when held, after the scrape has given up on it. */
static int
test_probe(const struct conf_realm *conf, const struct realmprobe_opts *opts,
           struct realm_result *res)
{
    struct probe_error none = { ERR_SPACE_KRB5, 0 };
    int status;

    trace_add(opts->trace, "test probe of %s started", conf->realm);
    pthread_mutex_lock(&gate.lock);
    gate.entered++;
    pthread_cond_broadcast(&gate.cond);
    while (gate.hold && !gate.released)
        pthread_cond_wait(&gate.cond, &gate.lock);
    pthread_mutex_unlock(&gate.lock);
    /* Long after the scrape stopped waiting, when held: all of this is
     * the flight's own. */
    for (int i = 0; i < 100; i++)
        trace_add(opts->trace, "test probe of %s: late line %d", conf->realm,
                  i);
    res->realm = strdup(conf->realm);
    status = res->realm == NULL ? ENOMEM
             : result_add_probe(res, PROBE_TGT, strdup(conf->realm), 1, 0.001,
                                none, NULL);
    pthread_mutex_lock(&gate.lock);
    gate.finished++;
    pthread_cond_broadcast(&gate.cond);
    pthread_mutex_unlock(&gate.lock);
    return status;
}

/* A config of n realms R0.TEST, R1.TEST ... with a timeout each. */
static struct confref *
make_conf(size_t n, double timeout)
{
    struct conf *c = calloc(1, sizeof(*c));

    assert_non_null(c);
    c->realms = calloc(n, sizeof(*c->realms));
    assert_non_null(c->realms);
    c->n_realms = n;
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof(name), "R%zu.TEST", i);
        c->realms[i].realm = strdup(name);
        c->realms[i].clients = calloc(1, sizeof(*c->realms[i].clients));
        assert_non_null(c->realms[i].clients);
        c->realms[i].clients[0].principal = strdup("mon");
        c->realms[i].n_clients = 1;
        c->realms[i].client_principal = c->realms[i].clients[0].principal;
        c->realms[i].timeout = timeout;
        c->realms[i].backoff = 300;
        c->realms[i].backoff_max = 3600;
    }
    return confref_new(c);
}

struct fixture {
    struct counters counters;
    struct scraper scraper;
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    assert_int_equal(counters_init(&fx->counters), 0);
    assert_int_equal(scrape_start(&fx->scraper, 4, &fx->counters), 0);
    fx->scraper.probe = test_probe;
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    gate_release();
    scrape_stop(&fx->scraper);
    counters_destroy(&fx->counters);
    free(fx);
    return 0;
}

/* Results come back in the order asked. */
static void
results_in_order(void **state)
{
    struct fixture *fx = *state;
    struct confref *conf = make_conf(5, 5);
    const size_t idx[] = { 3, 0, 4, 1 };
    struct scrape_outcome o;

    gate_reset(0);
    assert_int_equal(scrape_realms(&fx->scraper, conf, idx, 4, 0, 0, &o), 0);
    assert_int_equal(o.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(o.results[i]->realm,
                            conf->conf->realms[idx[i]].realm);
        assert_int_equal(o.results[i]->probes[0].success, 1);
        /* The view is the same result, shared. */
        assert_ptr_equal(o.view[i].probes, o.results[i]->probes);
    }
    assert_null(o.trace);
    scrape_outcome_clear(&o);
    confref_put(conf);
}

struct waiter {
    struct scraper *s;
    struct confref *conf;
    double budget;
    int traced;
    struct scrape_outcome o;
    int ret;
};

static void *
scrape_thread(void *arg)
{
    struct waiter *w = arg;
    const size_t idx = 0;

    w->ret = scrape_realms(w->s, w->conf, &idx, 1, w->budget, w->traced,
                           &w->o);
    return NULL;
}

/* Wait until n scrapes are waiting for their flights. */
static void
wait_for_waiters(struct scraper *s, size_t n)
{
    for (;;) {
        size_t waiting;
        pthread_mutex_lock(&s->lock);
        waiting = s->n_waiting;
        pthread_mutex_unlock(&s->lock);
        if (waiting >= n)
            return;
        sched_yield();
    }
}

/* Two scrapes of a realm while its probe is in the air share that probe
 * and its very result; a traced scrape runs a probe of its own. */
static void
scrapes_share_one_flight(void **state)
{
    struct fixture *fx = *state;
    struct confref *conf = make_conf(1, 10);
    struct waiter a = { &fx->scraper, conf, 0, 0, { 0 }, -1 };
    struct waiter b = a, t = a;
    pthread_t ta, tb, tt;

    t.traced = 1;
    gate_reset(1);
    assert_int_equal(pthread_create(&ta, NULL, scrape_thread, &a), 0);
    gate_wait(&gate.entered, 1);
    assert_int_equal(pthread_create(&tb, NULL, scrape_thread, &b), 0);
    assert_int_equal(pthread_create(&tt, NULL, scrape_thread, &t), 0);
    gate_wait(&gate.entered, 2);      /* the traced one's own */
    /* All three wait (b on a's flight) before any probe may finish. */
    wait_for_waiters(&fx->scraper, 3);
    gate_release();
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_join(tt, NULL);
    assert_int_equal(a.ret, 0);
    assert_int_equal(b.ret, 0);
    assert_int_equal(t.ret, 0);
    assert_int_equal(gate.entered, 2);
    assert_ptr_equal(a.o.results[0], b.o.results[0]);
    assert_ptr_not_equal(a.o.results[0], t.o.results[0]);
    assert_non_null(t.o.trace);
    assert_non_null(strstr(t.o.trace, "late line 99"));
    scrape_outcome_clear(&a.o);
    scrape_outcome_clear(&b.o);
    scrape_outcome_clear(&t.o);
    confref_put(conf);
}

/* A traced probe held past its scrape's deadline: the scrape reports a
 * timeout with the trace so far, and the probe, released later, writes
 * its trace and result into what is its own.  Then the realm's next
 * scrape works. */
static void
late_probe_owns_its_trace(void **state)
{
    struct fixture *fx = *state;
    struct confref *conf = make_conf(1, 10);
    struct waiter w = { &fx->scraper, conf, 0.05, 1, { 0 }, -1 };
    const struct probe_result *tgt;
    pthread_t th;

    gate_reset(1);
    assert_int_equal(pthread_create(&th, NULL, scrape_thread, &w), 0);
    pthread_join(th, NULL);           /* gave up at its deadline */
    assert_int_equal(w.ret, 0);
    tgt = &w.o.results[0]->probes[0];
    assert_int_equal(tgt->kind, PROBE_TGT);
    assert_int_equal(tgt->success, 0);
    assert_int_equal(tgt->error.space, ERR_SPACE_ERRNO);
    assert_int_equal(tgt->error.code, ETIMEDOUT);
    assert_non_null(w.o.trace);
    assert_non_null(strstr(w.o.trace, "test probe of R0.TEST started"));
    assert_null(strstr(w.o.trace, "late line"));
    /* Everything of the scrape's is gone before the probe goes on. */
    scrape_outcome_clear(&w.o);
    confref_put(conf);
    gate_release();
    gate_wait(&gate.finished, 1);

    /* The next scrape of the realm, with a config of its own. */
    conf = make_conf(1, 10);
    gate_reset(0);
    w.conf = conf;
    w.traced = 0;
    w.budget = 0;
    scrape_thread(&w);
    assert_int_equal(w.ret, 0);
    assert_int_equal(w.o.results[0]->probes[0].success, 1);
    scrape_outcome_clear(&w.o);
    confref_put(conf);
}

/* Failures are counted once per flight, however many scrapes share it. */
static void
failures_counted_per_flight(void **state)
{
    struct fixture *fx = *state;
    struct confref *conf = make_conf(2, 0.05);
    const size_t idx[] = { 0, 1 };
    struct error_count *errors = NULL;
    size_t n = 0;
    struct scrape_outcome o;

    /* Both probes are held: both realms time out in the scrape. */
    gate_reset(1);
    assert_int_equal(scrape_realms(&fx->scraper, conf, idx, 2, 0, 0, &o), 0);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(o.results[i]->probes[0].error.code, ETIMEDOUT);
        assert_string_equal(o.results[i]->realm,
                            conf->conf->realms[i].realm);
    }
    scrape_outcome_clear(&o);
    gate_release();
    gate_wait(&gate.finished, 2);
    /* The probes themselves succeeded late: nothing to count. */
    assert_int_equal(counters_snapshot(&fx->counters, &errors, &n), 0);
    assert_int_equal(n, 0);
    counters_snapshot_free(errors, n);
    confref_put(conf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(results_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(scrapes_share_one_flight, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(late_probe_owns_its_trace, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(failures_counted_per_flight, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
