/*
 * test_fanout: the fan-out engine (probes/fanout) and the exchange it is
 * built of (kdcio_xchg), against a KDC of our own on loopback UDP that
 * answers each request with a TGS-REP tag and the request's job number,
 * after a delay, and counts the requests it holds at once.  The cases: at
 * most max_in_flight out at any time, every job in index order with its
 * own answer and a chain of two requests; a silent job that fails alone
 * at the deadline; a KDC that stops answering half-way, held to the
 * deadline; a closed port that fails at once; no jobs; and
 * kdcio_reply_for_realm()'s table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clocks.h"
#include "probes/fanout.h"
#include "probes/kdcio.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_HELD 256

/* --- the peer ---------------------------------------------------------- */

struct held {
    struct sockaddr_in to;
    unsigned char id;
    double due;
};

/*
 * A UDP "KDC" on 127.0.0.1.  A request is two bytes, 0x6c (a TGS-REQ's
 * tag) and the job's number; the answer, `delay` seconds later, is 0x6d
 * (a TGS-REP's tag) and the same number.  Jobs in `silent` are never
 * answered; after `answer_first` requests (0: no limit) nothing is.
 */
struct peer {
    int fd;
    unsigned short port;
    double delay;
    int silent[MAX_HELD];
    size_t answer_first;
    /* Counted by the peer: */
    size_t received;
    size_t holding, most_held;  /* taken in and not yet answered */
    int stop;
    pthread_t thread;
    pthread_mutex_t lock;
};

static void *
peer_serve(void *arg)
{
    struct peer *p = arg;
    struct held queue[MAX_HELD];
    size_t n = 0;

    for (;;) {
        struct pollfd pfd = { p->fd, POLLIN, 0 };
        double now = clocks_now(), next = now + 0.05;
        int stop;

        pthread_mutex_lock(&p->lock);
        stop = p->stop;
        pthread_mutex_unlock(&p->lock);
        if (stop)
            break;
        for (size_t i = 0; i < n; i++)
            if (queue[i].due < next)
                next = queue[i].due;
        if (poll(&pfd, 1, clocks_poll_ms(next)) > 0) {
            struct sockaddr_in from;
            socklen_t fl = sizeof(from);
            unsigned char buf[64];
            ssize_t got = recvfrom(p->fd, buf, sizeof(buf), 0,
                                   (struct sockaddr *)&from, &fl);
            if (got == 2 && n < MAX_HELD) {
                pthread_mutex_lock(&p->lock);
                p->received++;
                if (!p->silent[buf[1]] &&
                    (p->answer_first == 0 || p->received <= p->answer_first)) {
                    queue[n++] = (struct held){ from, buf[1],
                                                clocks_now() + p->delay };
                    p->holding++;
                    if (p->holding > p->most_held)
                        p->most_held = p->holding;
                }
                pthread_mutex_unlock(&p->lock);
            }
        }
        now = clocks_now();
        for (size_t i = 0; i < n;) {
            if (queue[i].due > now) {
                i++;
                continue;
            }
            /* Out of the count before the answer leaves, so that the next
             * request, which the answer lets out, finds it gone. */
            pthread_mutex_lock(&p->lock);
            p->holding--;
            pthread_mutex_unlock(&p->lock);
            unsigned char reply[2] = { 0x6d, queue[i].id };
            sendto(p->fd, reply, sizeof(reply), 0,
                   (const struct sockaddr *)&queue[i].to,
                   sizeof(queue[i].to));
            queue[i] = queue[--n];
        }
    }
    return NULL;
}

static void
peer_start(struct peer *p, double delay)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->delay = delay;
    p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(p->fd >= 0);
    assert_int_equal(bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(p->fd, (struct sockaddr *)&sa, &len), 0);
    p->port = ntohs(sa.sin_port);
    pthread_mutex_init(&p->lock, NULL);
    assert_int_equal(pthread_create(&p->thread, NULL, peer_serve, p), 0);
}

static void
peer_stop(struct peer *p)
{
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->lock);
    close(p->fd);
}

static struct kdcio_endpoint
endpoint(unsigned short port)
{
    struct kdcio_endpoint ep;

    memset(&ep, 0, sizeof(ep));
    ep.proto = KDCIO_UDP;
    ep.label = "udp/127.0.0.1";
    assert_int_equal(resolve_numeric("127.0.0.1", port, &ep.addr), 0);
    return ep;
}

/* --- the jobs ---------------------------------------------------------- */

/* What each job did, as its callbacks saw it. */
struct outcome {
    int begun, replies, done, failed, started;
    int err;
    size_t order;             /* when it began, among the jobs */
    unsigned char answer;     /* the job number its last reply carried */
};

struct jobs {
    struct kdcio_endpoint ep;
    unsigned char msg[MAX_HELD][2];
    struct outcome out[MAX_HELD];
    size_t begun;
    size_t chain;             /* jobs below this send two requests */
};

static enum fanout_next
job_begin(void *arg, size_t i, struct fanout_send *out)
{
    struct jobs *j = arg;

    j->out[i].begun++;
    j->out[i].order = j->begun++;
    j->msg[i][0] = 0x6c;
    j->msg[i][1] = (unsigned char)i;
    out->msg = j->msg[i];
    out->len = 2;
    out->eps = &j->ep;
    out->n_eps = 1;
    out->realm = NULL;
    return FANOUT_SEND;
}

static enum fanout_next
job_reply(void *arg, size_t i, const unsigned char *reply, size_t len,
          size_t used, struct fanout_send *out)
{
    struct jobs *j = arg;

    assert_int_equal(len, 2);
    assert_int_equal(used, 0);
    j->out[i].replies++;
    j->out[i].answer = reply[1];
    if (i < j->chain && j->out[i].replies == 1) {
        out->msg = j->msg[i];
        out->len = 2;
        out->eps = &j->ep;
        out->n_eps = 1;
        return FANOUT_SEND;
    }
    j->out[i].done++;
    return FANOUT_DONE;
}

static void
job_failed(void *arg, size_t i, struct probe_error err, const char *why,
           int started)
{
    struct jobs *j = arg;

    assert_non_null(why);
    j->out[i].failed++;
    j->out[i].err = (int)err.code;
    j->out[i].started = started;
}

static const struct fanout_ops ops = { job_begin, job_reply, job_failed };

/* Every job ended exactly once. */
static void
assert_each_ended_once(const struct jobs *j, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(j->out[i].done + j->out[i].failed, 1);
}

/* --- the cases --------------------------------------------------------- */

/*
 * 40 jobs, at most 4 in flight, each answer 20 ms late: never more than 4
 * held by the KDC, 4 at the most as the engine counts, every job with its
 * own answer, begun in index order, and the first 3 with a second
 * request; in about 40 / 4 = 10 rounds, not 43.
 */
static void
test_at_most_max_in_flight(void **state)
{
    struct peer p;
    struct jobs *j = calloc(1, sizeof(*j));
    struct fanout_stats stats;
    double start;

    (void)state;
    memset(&p, 0, sizeof(p));
    peer_start(&p, 0.02);
    j->ep = endpoint(p.port);
    j->chain = 3;
    start = clocks_now();
    assert_int_equal(fanout_run(40, 4, clocks_now() + 10, &ops, j, &stats), 0);
    double took = clocks_now() - start;
    peer_stop(&p);
    assert_each_ended_once(j, 40);
    for (size_t i = 0; i < 40; i++) {
        assert_int_equal(j->out[i].done, 1);
        assert_int_equal(j->out[i].answer, i);
        assert_int_equal(j->out[i].order, i);
        assert_int_equal(j->out[i].replies, i < 3 ? 2 : 1);
    }
    assert_int_equal(stats.peak, 4);
    assert_int_equal(stats.never_started, 0);
    assert_true(p.most_held <= 4);
    assert_true(p.most_held >= 2);
    assert_int_equal(p.received, 43);
    assert_true(took < 0.02 * 43 / 2);
    free(j);
}

/* One silent job among 20: it alone fails, with ETIMEDOUT at the deadline;
 * the others do not wait for it. */
static void
test_silent_job_fails_alone(void **state)
{
    struct peer p;
    struct jobs *j = calloc(1, sizeof(*j));
    double start, deadline;

    (void)state;
    memset(&p, 0, sizeof(p));
    p.silent[7] = 1;
    peer_start(&p, 0.005);
    j->ep = endpoint(p.port);
    start = clocks_now();
    deadline = start + 0.6;
    assert_int_equal(fanout_run(20, 4, deadline, &ops, j, NULL), 0);
    double took = clocks_now() - start;
    peer_stop(&p);
    assert_each_ended_once(j, 20);
    for (size_t i = 0; i < 20; i++)
        assert_int_equal(j->out[i].done, i != 7);
    assert_int_equal(j->out[7].failed, 1);
    assert_int_equal(j->out[7].err, ETIMEDOUT);
    assert_int_equal(j->out[7].started, 1);
    assert_true(took >= 0.55 && took < 0.9);
    free(j);
}

/* A KDC that answers 10 requests and then nothing: held to the deadline;
 * what was in flight fails with ETIMEDOUT as started, what never got a
 * slot fails as not started. */
static void
test_kdc_stops_half_way(void **state)
{
    struct peer p;
    struct jobs *j = calloc(1, sizeof(*j));
    struct fanout_stats stats;
    size_t done = 0, in_flight = 0, queued = 0;
    double start;

    (void)state;
    memset(&p, 0, sizeof(p));
    p.answer_first = 10;
    peer_start(&p, 0.005);
    j->ep = endpoint(p.port);
    start = clocks_now();
    assert_int_equal(fanout_run(30, 4, start + 0.5, &ops, j, &stats), 0);
    double took = clocks_now() - start;
    peer_stop(&p);
    assert_each_ended_once(j, 30);
    for (size_t i = 0; i < 30; i++) {
        done += j->out[i].done;
        if (j->out[i].failed) {
            assert_int_equal(j->out[i].err, ETIMEDOUT);
            in_flight += j->out[i].started;
            queued += !j->out[i].started;
        }
    }
    assert_int_equal(done, 10);
    assert_int_equal(in_flight, 4);
    assert_int_equal(queued, 16);
    assert_int_equal(stats.never_started, 16);
    assert_true(took >= 0.45 && took < 0.8);
    free(j);
}

/* A closed port: every job fails at once (ECONNREFUSED makes the one
 * endpoint fail, so KRB5_KDC_UNREACH), long before the deadline. */
static void
test_closed_port_fails_at_once(void **state)
{
    struct peer p;
    struct jobs *j = calloc(1, sizeof(*j));
    unsigned short port;
    double start;

    (void)state;
    memset(&p, 0, sizeof(p));
    peer_start(&p, 0);
    port = p.port;
    peer_stop(&p);            /* nothing listens there now */
    j->ep = endpoint(port);
    start = clocks_now();
    assert_int_equal(fanout_run(8, 3, start + 5, &ops, j, NULL), 0);
    assert_true(clocks_now() - start < 1.0);
    assert_each_ended_once(j, 8);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(j->out[i].failed, 1);
        assert_int_equal(j->out[i].started, 1);
        assert_int_equal(j->out[i].err, -1765328228);  /* KDC_UNREACH */
    }
    free(j);
}

/* No jobs: nothing to do; max_in_flight 0 counts as 1. */
static void
test_no_jobs_and_zero_slots(void **state)
{
    struct peer p;
    struct jobs *j = calloc(1, sizeof(*j));
    struct fanout_stats stats;

    (void)state;
    assert_int_equal(fanout_run(0, 16, clocks_now() + 1, &ops, j, &stats), 0);
    assert_int_equal(stats.peak, 0);
    memset(&p, 0, sizeof(p));
    peer_start(&p, 0.002);
    j->ep = endpoint(p.port);
    assert_int_equal(fanout_run(5, 0, clocks_now() + 5, &ops, j, &stats), 0);
    peer_stop(&p);
    assert_int_equal(stats.peak, 1);
    assert_true(p.most_held <= 1);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(j->out[i].done, 1);
    free(j);
}

/* kdcio_reply_for_realm(): what kdcio_exchange() would take. */
static void
test_reply_for_realm(void **state)
{
    /* A KRB-ERROR for realm A.TEST (PREAUTH_REQUIRED, 25): the frame
     * kdcreply_parse() reads (pvno, msg-type, stime, susec, error-code,
     * realm, sname). */
    static const unsigned char err_a[] = {
        0x7e, 0x48, 0x30, 0x46, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03,
        0x02, 0x01, 0x1e, 0xa4, 0x11, 0x18, 0x0f, '2', '0', '2', '6', '0',
        '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z', 0xa5, 0x03, 0x02,
        0x01, 0x00, 0xa6, 0x03, 0x02, 0x01, 0x19, 0xa9, 0x08, 0x1b, 0x06,
        'A', '.', 'T', 'E', 'S', 'T', 0xaa, 0x13, 0x30, 0x11, 0xa0, 0x03,
        0x02, 0x01, 0x02, 0xa1, 0x0a, 0x30, 0x08, 0x1b, 0x06, 'k', 'r',
        'b', 't', 'g', 't',
    };
    static const unsigned char junk[] = { 'h', 'e', 'l', 'l', 'o' };
    static const unsigned char tag_only[] = { 0x6b, 0x00 };
    static const struct {
        const unsigned char *buf;
        size_t len;
        const char *realm;
        int want;
        const char *why;
    } cases[] = {
        { err_a, sizeof(err_a), "A.TEST", 1, "its own realm" },
        { err_a, sizeof(err_a), "a.test", 1, "the realm in another case" },
        { err_a, sizeof(err_a), NULL, 1, "any realm" },
        { err_a, sizeof(err_a), "B.TEST", -1, "another realm's KDC" },
        { junk, sizeof(junk), "A.TEST", 0, "no Kerberos tag" },
        { tag_only, sizeof(tag_only), "A.TEST", 1,
          "an AS-REP tag that does not frame: for libkrb5 to judge" },
        { err_a, 1, "A.TEST", 0, "one byte" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        int got = kdcio_reply_for_realm(cases[i].buf, cases[i].len,
                                        cases[i].realm);
        if (got != cases[i].want)
            fail_msg("%s: got %d, want %d", cases[i].why, got,
                     cases[i].want);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_at_most_max_in_flight),
        cmocka_unit_test(test_silent_job_fails_alone),
        cmocka_unit_test(test_kdc_stops_half_way),
        cmocka_unit_test(test_closed_port_fails_at_once),
        cmocka_unit_test(test_no_jobs_and_zero_slots),
        cmocka_unit_test(test_reply_for_realm),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
