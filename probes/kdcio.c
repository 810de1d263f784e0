/* kdcio: KDC exchanges over UDP and TCP with a deadline; see kdcio.h. */
#include "probes/kdcio.h"

#include <errno.h>
#include <krb5/krb5.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "probes/kdcconn.h"
#include "probes/kdcreply.h"

int
kdcio_looks_like_reply(const unsigned char *buf, size_t len)
{
    /* [APPLICATION 11] AS-REP, [APPLICATION 13] TGS-REP, [APPLICATION 30]
     * KRB-ERROR, each a constructed tag. */
    if (len < 2)
        return 0;
    return buf[0] == 0x6b || buf[0] == 0x6d || buf[0] == 0x7e;
}

int
kdcio_reply_for_realm(const unsigned char *buf, size_t len, const char *realm)
{
    struct kdcreply_info info;

    if (!kdcio_looks_like_reply(buf, len))
        return 0;
    /* As a connection with a realm judges it: a reply that does not frame
     * is passed on, for libkrb5's decoder to say what is wrong with it. */
    if (realm != NULL && kdcreply_parse(buf, len, &info) == 0 &&
        !kdcreply_speaks_for(&info, realm))
        return -1;
    return 1;
}

/* One exchange: its connections, started in order, and where it is. */
struct kdcio_xchg {
    struct kdcconn *conns;    /* owned array of n, one per endpoint */
    size_t n;
    size_t started;           /* conns[0..started) have been started */
    double next_start;        /* monotonic: when the next one is due */
    size_t winner;            /* the conn that replied; n: none */
    unsigned char *msg;       /* owned copy of the request */
    size_t msg_len;
    size_t *pidx;             /* owned, n: conn of each polled descriptor */
    size_t polled;            /* descriptors the last kdcio_xchg_poll() put */
};

int
kdcio_xchg_new(const struct kdcio_endpoint *eps, size_t n_eps,
               const unsigned char *msg, size_t msg_len, const char *realm,
               struct kdcio_xchg **out)
{
    struct kdcio_xchg *x = calloc(1, sizeof(*x));

    if (x == NULL)
        return ENOMEM;
    x->n = n_eps;
    x->winner = n_eps;
    x->msg_len = msg_len;
    x->conns = calloc(n_eps ? n_eps : 1, sizeof(*x->conns));
    x->pidx = calloc(n_eps ? n_eps : 1, sizeof(*x->pidx));
    x->msg = malloc(msg_len ? msg_len : 1);
    if (x->conns == NULL || x->pidx == NULL || x->msg == NULL) {
        kdcio_xchg_free(x);
        return ENOMEM;
    }
    if (msg_len > 0)
        memcpy(x->msg, msg, msg_len);
    for (size_t i = 0; i < n_eps; i++)
        kdcconn_init(&x->conns[i], &eps[i], realm, 0);
    *out = x;
    return 0;
}

void
kdcio_xchg_free(struct kdcio_xchg *x)
{
    if (x == NULL)
        return;
    if (x->conns != NULL)
        for (size_t i = 0; i < x->n; i++)
            kdcconn_clear(&x->conns[i]);
    free(x->conns);
    free(x->pidx);
    free(x->msg);
    free(x);
}

size_t
kdcio_xchg_width(const struct kdcio_xchg *x)
{
    return x->n;
}

/* How many started connections are still talking. */
static size_t
live_conns(const struct kdcio_xchg *x)
{
    size_t live = 0;

    for (size_t i = 0; i < x->started; i++)
        live += x->conns[i].outcome == KDCCONN_NONE;
    return live;
}

enum kdcio_xchg_state
kdcio_xchg_step(struct kdcio_xchg *x, const struct pollfd *pfds, size_t n,
                double now, double deadline)
{
    for (size_t k = 0; k < n && k < x->polled && x->winner == x->n; k++) {
        if (pfds[k].revents != 0 &&
            kdcconn_step(&x->conns[x->pidx[k]], pfds[k].revents))
            x->winner = x->pidx[k];
    }
    x->polled = 0;
    if (x->winner != x->n)
        return KDCIO_XCHG_REPLIED;
    /* Start the next endpoint when its stagger is up, or at once when
     * every started one has failed, as MIT's sendto loop does. */
    while (now < deadline && x->started < x->n &&
           (live_conns(x) == 0 || now >= x->next_start)) {
        kdcconn_start(&x->conns[x->started], x->msg, x->msg_len);
        x->started++;
        x->next_start = now + KDCIO_STAGGER_SECONDS;
    }
    if (x->started == x->n && live_conns(x) == 0)
        return KDCIO_XCHG_FAILED;
    return KDCIO_XCHG_WAITING;
}

size_t
kdcio_xchg_poll(struct kdcio_xchg *x, struct pollfd *pfds, double *wake)
{
    size_t nfds = 0;

    for (size_t i = 0; i < x->started; i++) {
        short events = kdcconn_events(&x->conns[i]);
        if (events == 0)
            continue;
        pfds[nfds].fd = x->conns[i].fd;
        pfds[nfds].events = events;
        pfds[nfds].revents = 0;
        x->pidx[nfds++] = i;
    }
    x->polled = nfds;
    if (x->started < x->n && x->next_start < *wake)
        *wake = x->next_start;
    return nfds;
}

static void
explain(char *why, size_t why_len, const struct kdcconn *conns, size_t n)
{
    size_t off = 0;

    why[0] = '\0';
    for (size_t i = 0; i < n && off + 1 < why_len; i++) {
        const char *what = kdcconn_what(&conns[i]);
        int w = snprintf(why + off, why_len - off, "%s%s: %s", i ? "; " : "",
                         conns[i].ep->label, what);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

int
kdcio_xchg_result(struct kdcio_xchg *x, unsigned char **reply_out,
                  size_t *reply_len_out, size_t *used_out,
                  struct probe_error *err_out, char *why, size_t why_len)
{
    int all_failed = x->started == x->n, all_foreign = x->n > 0;

    if (x->winner != x->n) {
        *reply_out = x->conns[x->winner].in;
        *reply_len_out = x->conns[x->winner].in_len;
        *used_out = x->winner;
        x->conns[x->winner].in = NULL;
        return 0;
    }
    explain(why, why_len, x->conns, x->n);
    for (size_t i = 0; i < x->started; i++) {
        all_failed &= x->conns[i].outcome == KDCCONN_FAILED ||
                      x->conns[i].outcome == KDCCONN_WRONG_REALM;
        all_foreign &= x->conns[i].outcome == KDCCONN_WRONG_REALM;
    }
    /* Every KDC answered, but for another realm: say so. */
    if (all_failed && all_foreign)
        *err_out = (struct probe_error){ ERR_SPACE_KRB5,
                                         KRB5KDC_ERR_WRONG_REALM };
    else if (all_failed)
        *err_out = (struct probe_error){ ERR_SPACE_KRB5, KRB5_KDC_UNREACH };
    else
        *err_out = (struct probe_error){ ERR_SPACE_ERRNO, ETIMEDOUT };
    return -1;
}

int
kdcio_exchange(const struct kdcio_endpoint *eps, size_t n_eps,
               const unsigned char *msg, size_t msg_len, const char *realm,
               double deadline, unsigned char **reply_out, size_t *reply_len_out,
               size_t *used_out, struct probe_error *err_out, char *why,
               size_t why_len)
{
    struct kdcio_xchg *x = NULL;
    struct pollfd *pfds = NULL;
    size_t nfds = 0;
    int ret = -1;

    pfds = calloc(n_eps ? n_eps : 1, sizeof(*pfds));
    if (pfds == NULL ||
        kdcio_xchg_new(eps, n_eps, msg, msg_len, realm, &x) != 0) {
        *err_out = (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM };
        snprintf(why, why_len, "out of memory");
        goto cleanup;
    }
    for (;;) {
        double now = clocks_now(), wake = deadline;

        if (kdcio_xchg_step(x, pfds, nfds, now, deadline) !=
                KDCIO_XCHG_WAITING || now >= deadline)
            break;
        nfds = kdcio_xchg_poll(x, pfds, &wake);
        if (poll(pfds, (nfds_t)nfds, clocks_poll_ms(wake)) < 0) {
            nfds = 0;
            if (errno == EINTR)
                continue;
            *err_out = (struct probe_error){ ERR_SPACE_ERRNO, errno };
            snprintf(why, why_len, "poll: %s", strerror(errno));
            goto cleanup;
        }
    }
    ret = kdcio_xchg_result(x, reply_out, reply_len_out, used_out, err_out,
                            why, why_len);
cleanup:
    kdcio_xchg_free(x);
    free(pfds);
    return ret;
}

/* What connection c did, as a kdcio_reply; the reply's bytes are moved to
 * r when take, else borrowed. */
static void
conn_reply(struct kdcconn *c, struct kdcio_reply *r, int take)
{
    memset(r, 0, sizeof(*r));
    switch (c->outcome) {
    case KDCCONN_REPLIED:
        r->data = c->in;
        r->len = c->in_len;
        if (take)
            c->in = NULL;
        r->wall_received = c->wall_received;
        r->seconds = c->ended - c->started;
        break;
    case KDCCONN_FAILED:
        r->err = c->err;
        r->seconds = c->ended - c->started;
        break;
    case KDCCONN_WRONG_REALM:
        /* Not reached: these connections ask for no realm, so every reply
         * passes and the caller judges realms itself.  Should one set a
         * realm, this is an errno for the caller that hands no reply on. */
        r->err = EPROTO;
        r->seconds = c->ended - c->started;
        break;
    case KDCCONN_NONE:
        r->err = ETIMEDOUT;
        r->seconds = clocks_now() - c->started;
        break;
    }
}

int
kdcio_probe_all_notify(const struct kdcio_endpoint *eps, size_t n_eps,
                       const unsigned char *msg, size_t msg_len,
                       double deadline, struct kdcio_reply *replies,
                       kdcio_ended_fn ended, void *arg)
{
    struct kdcconn *conns;
    struct pollfd *pfds;
    size_t *pidx;
    int ret = 0;

    conns = calloc(n_eps ? n_eps : 1, sizeof(*conns));
    pfds = calloc(n_eps ? n_eps : 1, sizeof(*pfds));
    pidx = calloc(n_eps ? n_eps : 1, sizeof(*pidx));
    if (conns == NULL || pfds == NULL || pidx == NULL) {
        ret = ENOMEM;
        goto cleanup;
    }
    /* Every endpoint at once: a silent KDC costs its timeout, not the sum
     * of all timeouts. */
    for (size_t i = 0; i < n_eps; i++) {
        kdcconn_init(&conns[i], &eps[i], NULL, 1);
        kdcconn_start(&conns[i], msg, msg_len);
        if (conns[i].outcome != KDCCONN_NONE && ended != NULL) {
            struct kdcio_reply r;
            conn_reply(&conns[i], &r, 0);
            ended(arg, i, &r);
        }
    }
    for (;;) {
        nfds_t nfds = 0;
        int ms = clocks_poll_ms(deadline);

        for (size_t i = 0; i < n_eps; i++) {
            short events = kdcconn_events(&conns[i]);
            if (events == 0)
                continue;
            pfds[nfds].fd = conns[i].fd;
            pfds[nfds].events = events;
            pfds[nfds].revents = 0;
            pidx[nfds++] = i;
        }
        if (nfds == 0 || ms == 0)
            break;
        if (poll(pfds, nfds, ms) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (nfds_t k = 0; k < nfds; k++) {
            struct kdcconn *c = &conns[pidx[k]];
            if (pfds[k].revents == 0)
                continue;
            kdcconn_step(c, pfds[k].revents);
            if (c->outcome != KDCCONN_NONE && ended != NULL) {
                struct kdcio_reply r;
                conn_reply(c, &r, 0);
                ended(arg, pidx[k], &r);
            }
        }
    }
    for (size_t i = 0; i < n_eps; i++)
        conn_reply(&conns[i], &replies[i], 1);
cleanup:
    if (conns != NULL)
        for (size_t i = 0; i < n_eps; i++)
            kdcconn_clear(&conns[i]);
    free(conns);
    free(pfds);
    free(pidx);
    return ret;
}

int
kdcio_probe_all(const struct kdcio_endpoint *eps, size_t n_eps,
                const unsigned char *msg, size_t msg_len, double deadline,
                struct kdcio_reply *replies)
{
    return kdcio_probe_all_notify(eps, n_eps, msg, msg_len, deadline, replies,
                                  NULL, NULL);
}
