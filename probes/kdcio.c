/* kdcio: KDC exchanges over UDP and TCP with a deadline; see kdcio.h. */
#include "probes/kdcio.h"

#include <errno.h>
#include <fcntl.h>
#include <krb5/krb5.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clocks.h"
#include "probes/kdcreply.h"

/* Where a connection's I/O is; CONN_ENDED once it has an outcome. */
enum conn_state { CONN_IDLE, CONN_CONNECTING, CONN_SENDING, CONN_READING,
                  CONN_ENDED };

/*
 * How a connection ended.  A KDC of another realm is an outcome of its own
 * rather than an errno, so that no errno value has to stand for it and a
 * real one cannot be mistaken for it.
 */
enum conn_outcome {
    OUTCOME_NONE,             /* not ended: idle or still talking */
    OUTCOME_REPLIED,          /* c->in holds the reply */
    OUTCOME_FAILED,           /* c->err holds the errno */
    OUTCOME_WRONG_REALM,      /* a well-framed reply for another realm */
};

struct conn {
    const struct kdcio_endpoint *ep;  /* borrowed */
    enum conn_state state;
    enum conn_outcome outcome;
    int fd;
    int err;                  /* errno, when OUTCOME_FAILED */
    unsigned char *out;       /* owned: what to send (TCP: with prefix) */
    size_t out_len, out_off;
    unsigned char lenbuf[4];  /* TCP length prefix being read */
    size_t len_off;
    unsigned char *in;        /* owned: reply being read */
    size_t in_len, in_off;
    int any_reply;            /* take any bytes as the reply */
    const char *realm;        /* borrowed or NULL: the realm a reply must
                                 be framed for */
    double started, ended, wall_received;
};

int
kdcio_looks_like_reply(const unsigned char *buf, size_t len)
{
    /* [APPLICATION 11] AS-REP, [APPLICATION 13] TGS-REP, [APPLICATION 30]
     * KRB-ERROR, each a constructed tag. */
    if (len < 2)
        return 0;
    return buf[0] == 0x6b || buf[0] == 0x6d || buf[0] == 0x7e;
}

/*
 * When the connection expects a realm: 1 when buf is a well-framed KDC
 * reply for another realm, else 0.  The realm spelt in another case is
 * the same realm's KDC (it serves that realm; libkrb5 then judges the
 * spelling, as an MIT client configured the same way would).  A reply that does not frame is passed
 * on: libkrb5's decoder then says precisely what is wrong with it (an
 * ASN.1 overrun, say), which is worth more than a timeout.
 */
static int
realm_check(const struct conn *c, const unsigned char *buf, size_t len)
{
    struct kdcreply_info info;

    if (c->realm == NULL || kdcreply_parse(buf, len, &info) != 0)
        return 0;
    return strcasecmp(info.realm, c->realm) != 0;
}

/* End c with an outcome other than a reply; err is the errno for
 * OUTCOME_FAILED, else 0. */
static void
conn_end(struct conn *c, enum conn_outcome outcome, int err)
{
    c->ended = clocks_now();
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = CONN_ENDED;
    c->outcome = outcome;
    c->err = err;
}

static void
conn_fail(struct conn *c, int err)
{
    conn_end(c, OUTCOME_FAILED, err);
}

/* Open a non-blocking socket for c and start connecting. */
static void
conn_start(struct conn *c, const unsigned char *msg, size_t msg_len)
{
    const struct kdcio_endpoint *ep = c->ep;
    int type = ep->proto == KDCIO_UDP ? SOCK_DGRAM : SOCK_STREAM;

    c->started = clocks_now();
    c->fd = socket(ep->addr.addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   0);
    if (c->fd < 0) {
        conn_fail(c, errno);
        return;
    }
    if (ep->proto == KDCIO_TCP) {
        c->out = malloc(msg_len + 4);
        if (c->out == NULL) {
            conn_fail(c, ENOMEM);
            return;
        }
        c->out[0] = (unsigned char)(msg_len >> 24);
        c->out[1] = (unsigned char)(msg_len >> 16);
        c->out[2] = (unsigned char)(msg_len >> 8);
        c->out[3] = (unsigned char)msg_len;
        memcpy(c->out + 4, msg, msg_len);
        c->out_len = msg_len + 4;
    }
    /* A connected UDP socket reports ICMP port unreachable as
     * ECONNREFUSED, so a closed port fails at once instead of timing out. */
    if (connect(c->fd, (const struct sockaddr *)&ep->addr.addr,
                ep->addr.len) < 0 && errno != EINPROGRESS) {
        conn_fail(c, errno);
        return;
    }
    if (ep->proto == KDCIO_UDP) {
        if (send(c->fd, msg, msg_len, 0) < 0) {
            conn_fail(c, errno);
            return;
        }
        c->state = CONN_READING;
    } else {
        c->state = CONN_CONNECTING;
    }
}

/* Close and free every connection of an array, and the array; NULL is
 * fine. */
static void
conns_free(struct conn *conns, size_t n)
{
    if (conns == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        if (conns[i].fd >= 0)
            close(conns[i].fd);
        free(conns[i].out);
        free(conns[i].in);
    }
    free(conns);
}

/* Read what is there on a UDP socket.  Returns 1 when a reply is complete. */
static int
udp_read(struct conn *c)
{
    unsigned char buf[65536];
    ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR)
            conn_fail(c, errno);
        return 0;
    }
    if (!c->any_reply && !kdcio_looks_like_reply(buf, (size_t)n))
        return 0;             /* not Kerberos: keep waiting */
    if (realm_check(c, buf, (size_t)n)) {
        conn_end(c, OUTCOME_WRONG_REALM, 0);
        return 0;
    }
    c->in = malloc((size_t)n);
    if (c->in == NULL) {
        conn_fail(c, ENOMEM);
        return 0;
    }
    memcpy(c->in, buf, (size_t)n);
    c->in_len = c->in_off = (size_t)n;
    return 1;
}

/*
 * Read up to want bytes of a TCP stream into buf.  Returns how many came;
 * 0 when none did, either for now (EAGAIN, EINTR) or because c has failed:
 * the peer closing before the whole reply is ECONNRESET.
 */
static size_t
tcp_recv(struct conn *c, unsigned char *buf, size_t want)
{
    ssize_t n = recv(c->fd, buf, want, 0);

    if (n == 0) {
        conn_fail(c, ECONNRESET);
        return 0;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR)
            conn_fail(c, errno);
        return 0;
    }
    return (size_t)n;
}

/* Advance a TCP connection.  Returns 1 when a reply is complete. */
static int
tcp_step(struct conn *c, short revents)
{
    ssize_t n;
    size_t got;

    if (c->state == CONN_CONNECTING) {
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
            soerr = errno;
        if (soerr != 0) {
            conn_fail(c, soerr);
            return 0;
        }
        if (!(revents & POLLOUT))
            return 0;
        c->state = CONN_SENDING;
    }
    if (c->state == CONN_SENDING) {
        n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                 MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                conn_fail(c, errno);
            return 0;
        }
        c->out_off += (size_t)n;
        if (c->out_off == c->out_len)
            c->state = CONN_READING;
        return 0;
    }
    if (c->len_off < 4) {
        got = tcp_recv(c, c->lenbuf + c->len_off, 4 - c->len_off);
        if (got == 0)
            return 0;
        c->len_off += got;
        if (c->len_off < 4)
            return 0;
        c->in_len = (size_t)c->lenbuf[0] << 24 | (size_t)c->lenbuf[1] << 16 |
                    (size_t)c->lenbuf[2] << 8 | c->lenbuf[3];
        if (c->in_len == 0 || c->in_len > KDCIO_MAX_REPLY) {
            conn_fail(c, EMSGSIZE);
            return 0;
        }
        c->in = malloc(c->in_len);
        if (c->in == NULL) {
            conn_fail(c, ENOMEM);
            return 0;
        }
        return 0;
    }
    got = tcp_recv(c, c->in + c->in_off, c->in_len - c->in_off);
    if (got == 0)
        return 0;
    c->in_off += got;
    if (c->in_off < c->in_len)
        return 0;
    if (!c->any_reply && !kdcio_looks_like_reply(c->in, c->in_len)) {
        conn_fail(c, EBADMSG);
        return 0;
    }
    if (realm_check(c, c->in, c->in_len)) {
        conn_end(c, OUTCOME_WRONG_REALM, 0);
        return 0;
    }
    return 1;
}

/* Advance connection c after poll() said revents; note a finished reply. */
static int
conn_step(struct conn *c, short revents)
{
    int done = c->ep->proto == KDCIO_UDP ? udp_read(c) : tcp_step(c, revents);

    if (done) {
        c->wall_received = clocks_wall();
        c->ended = clocks_now();
        c->state = CONN_ENDED;
        c->outcome = OUTCOME_REPLIED;
        close(c->fd);
        c->fd = -1;
    }
    return done;
}

/* Fill pfds for every connection still waiting; returns how many. */
static nfds_t
poll_set(struct conn *conns, size_t n, struct pollfd *pfds, size_t *pidx)
{
    nfds_t nfds = 0;

    for (size_t i = 0; i < n; i++) {
        struct conn *c = &conns[i];
        if (c->fd < 0 || c->state == CONN_ENDED || c->state == CONN_IDLE)
            continue;
        pfds[nfds].fd = c->fd;
        pfds[nfds].events = c->state == CONN_CONNECTING ||
                                    c->state == CONN_SENDING
                                ? POLLOUT
                                : POLLIN;
        pfds[nfds].revents = 0;
        pidx[nfds++] = i;
    }
    return nfds;
}

/* What one connection did, in a few words, for explain(); static or
 * strerror() storage. */
static const char *
conn_what(const struct conn *c)
{
    switch (c->outcome) {
    case OUTCOME_NONE:
        return c->state == CONN_IDLE ? "not tried" : "no answer";
    case OUTCOME_REPLIED:
        return "replied";
    case OUTCOME_FAILED:
        return strerror(c->err);
    case OUTCOME_WRONG_REALM:
        return "answered for another realm";
    }
    return "no answer";
}

static void
explain(char *why, size_t why_len, const struct conn *conns, size_t n)
{
    size_t off = 0;

    why[0] = '\0';
    for (size_t i = 0; i < n && off + 1 < why_len; i++) {
        const char *what = conn_what(&conns[i]);
        int w = snprintf(why + off, why_len - off, "%s%s: %s", i ? "; " : "",
                         conns[i].ep->label, what);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

int
kdcio_exchange(const struct kdcio_endpoint *eps, size_t n_eps,
               const unsigned char *msg, size_t msg_len, const char *realm,
               double deadline, unsigned char **reply_out, size_t *reply_len_out,
               size_t *used_out, struct probe_error *err_out, char *why,
               size_t why_len)
{
    struct conn *conns;
    struct pollfd *pfds;
    size_t *pidx, started = 0, winner = n_eps;
    double next_start = clocks_now();
    int ret = -1;

    conns = calloc(n_eps ? n_eps : 1, sizeof(*conns));
    pfds = calloc(n_eps ? n_eps : 1, sizeof(*pfds));
    pidx = calloc(n_eps ? n_eps : 1, sizeof(*pidx));
    if (conns == NULL || pfds == NULL || pidx == NULL) {
        *err_out = (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM };
        snprintf(why, why_len, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n_eps; i++) {
        conns[i].ep = &eps[i];
        conns[i].fd = -1;
        conns[i].realm = realm;
    }
    for (;;) {
        double now = clocks_now();
        size_t live = 0;
        nfds_t nfds = 0;
        int timeout_ms;

        if (now >= deadline)
            break;
        /* No connection has replied here: a reply ends the loop below. */
        for (size_t i = 0; i < started; i++)
            live += conns[i].outcome == OUTCOME_NONE;
        if (started < n_eps && (live == 0 || now >= next_start)) {
            conn_start(&conns[started], msg, msg_len);
            started++;
            next_start = now + KDCIO_STAGGER_SECONDS;
            continue;
        }
        if (live == 0)
            break;            /* every endpoint failed */
        nfds = poll_set(conns, started, pfds, pidx);
        timeout_ms = clocks_poll_ms(deadline);
        if (started < n_eps) {
            int to_next = clocks_poll_ms(next_start);
            if (to_next < timeout_ms)
                timeout_ms = to_next;
        }
        if (poll(pfds, nfds, timeout_ms) < 0) {
            if (errno == EINTR)
                continue;
            *err_out = (struct probe_error){ ERR_SPACE_ERRNO, errno };
            snprintf(why, why_len, "poll: %s", strerror(errno));
            goto cleanup;
        }
        for (nfds_t k = 0; k < nfds && winner == n_eps; k++) {
            if (pfds[k].revents != 0 &&
                conn_step(&conns[pidx[k]], pfds[k].revents))
                winner = pidx[k];
        }
        if (winner != n_eps)
            break;
    }
    if (winner != n_eps) {
        *reply_out = conns[winner].in;
        *reply_len_out = conns[winner].in_len;
        *used_out = winner;
        conns[winner].in = NULL;
        ret = 0;
        goto cleanup;
    }
    explain(why, why_len, conns, n_eps);
    {
        int all_failed = started == n_eps, all_foreign = n_eps > 0;
        for (size_t i = 0; i < started; i++) {
            all_failed &= conns[i].outcome == OUTCOME_FAILED ||
                          conns[i].outcome == OUTCOME_WRONG_REALM;
            all_foreign &= conns[i].outcome == OUTCOME_WRONG_REALM;
        }
        /* Every KDC answered, but for another realm: say so. */
        if (all_failed && all_foreign)
            *err_out = (struct probe_error){ ERR_SPACE_KRB5,
                                             KRB5KDC_ERR_WRONG_REALM };
        else if (all_failed)
            *err_out = (struct probe_error){ ERR_SPACE_KRB5,
                                             KRB5_KDC_UNREACH };
        else
            *err_out = (struct probe_error){ ERR_SPACE_ERRNO, ETIMEDOUT };
    }
cleanup:
    conns_free(conns, n_eps);
    free(pfds);
    free(pidx);
    return ret;
}

int
kdcio_probe_all(const struct kdcio_endpoint *eps, size_t n_eps,
                const unsigned char *msg, size_t msg_len, double deadline,
                struct kdcio_reply *replies)
{
    struct conn *conns;
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
        conns[i].ep = &eps[i];
        conns[i].fd = -1;
        conns[i].any_reply = 1;
        conn_start(&conns[i], msg, msg_len);
    }
    for (;;) {
        nfds_t nfds = poll_set(conns, n_eps, pfds, pidx);
        int ms = clocks_poll_ms(deadline);

        if (nfds == 0 || ms == 0)
            break;
        if (poll(pfds, nfds, ms) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (nfds_t k = 0; k < nfds; k++) {
            if (pfds[k].revents != 0)
                conn_step(&conns[pidx[k]], pfds[k].revents);
        }
    }
    for (size_t i = 0; i < n_eps; i++) {
        struct conn *c = &conns[i];
        struct kdcio_reply *r = &replies[i];
        memset(r, 0, sizeof(*r));
        switch (c->outcome) {
        case OUTCOME_REPLIED:
            r->data = c->in;
            r->len = c->in_len;
            c->in = NULL;
            r->wall_received = c->wall_received;
            r->seconds = c->ended - c->started;
            break;
        case OUTCOME_FAILED:
            r->err = c->err;
            r->seconds = c->ended - c->started;
            break;
        case OUTCOME_WRONG_REALM:
            /* Not reached: these connections ask for no realm, so
             * realm_check() passes every reply and the kdc probe judges
             * realms itself.  Should one set a realm, this is an errno for
             * the caller that hands no reply on. */
            r->err = EPROTO;
            r->seconds = c->ended - c->started;
            break;
        case OUTCOME_NONE:
            r->err = ETIMEDOUT;
            r->seconds = clocks_now() - c->started;
            break;
        }
    }
cleanup:
    conns_free(conns, n_eps);
    free(pfds);
    free(pidx);
    return ret;
}
