/* kdcconn: one connection of a KDC exchange; see kdcconn.h. */
#include "probes/kdcconn.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clocks.h"
#include "probes/kdcreply.h"

void
kdcconn_init(struct kdcconn *c, const struct kdcio_endpoint *ep,
             const char *realm, int any_reply)
{
    memset(c, 0, sizeof(*c));
    c->ep = ep;
    c->fd = -1;
    c->realm = realm;
    c->any_reply = any_reply;
}

/*
 * When the connection expects a realm: 1 when buf is a well-framed KDC
 * reply for another realm, else 0.  The realm spelt in another case is
 * the same realm's KDC (it serves that realm; libkrb5 then judges the
 * spelling, as an MIT client configured the same way would).  A reply that
 * does not frame is passed on: libkrb5's decoder then says precisely what
 * is wrong with it (an ASN.1 overrun, say), which is worth more than a
 * timeout.
 */
static int
realm_check(const struct kdcconn *c, const unsigned char *buf, size_t len)
{
    struct kdcreply_info info;

    if (c->realm == NULL || kdcreply_parse(buf, len, &info) != 0)
        return 0;
    return !kdcreply_speaks_for(&info, c->realm);
}

/* End c with an outcome other than a reply; err is the errno for
 * KDCCONN_FAILED, else 0. */
static void
conn_end(struct kdcconn *c, enum kdcconn_outcome outcome, int err)
{
    c->ended = clocks_now();
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = KDCCONN_ENDED;
    c->outcome = outcome;
    c->err = err;
}

static void
conn_fail(struct kdcconn *c, int err)
{
    conn_end(c, KDCCONN_FAILED, err);
}

void
kdcconn_start(struct kdcconn *c, const unsigned char *msg, size_t msg_len)
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
        c->state = KDCCONN_READING;
    } else {
        c->state = KDCCONN_CONNECTING;
    }
}

void
kdcconn_clear(struct kdcconn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->out);
    free(c->in);
    c->out = c->in = NULL;
}

/*
 * Read what is there on a UDP socket.  Returns 1 when a reply is complete.
 * The datagram's length is asked first (MSG_PEEK | MSG_TRUNC gives it on
 * Linux) and it is read into a buffer of that size, so that no 64 KiB
 * buffer sits on the stack of every thread that reads a reply: with a
 * realm per worker and a kdc probe thread per realm, those pages add up.
 */
static int
udp_read(struct kdcconn *c)
{
    unsigned char peek;
    ssize_t len = recv(c->fd, &peek, 1, MSG_PEEK | MSG_TRUNC), n;
    unsigned char *buf;

    if (len < 0) {
        if (errno != EAGAIN && errno != EINTR)
            conn_fail(c, errno);
        return 0;
    }
    buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf == NULL) {
        conn_fail(c, ENOMEM);
        return 0;
    }
    n = recv(c->fd, buf, (size_t)len, 0);
    if (n < 0) {
        free(buf);
        if (errno != EAGAIN && errno != EINTR)
            conn_fail(c, errno);
        return 0;
    }
    if (!c->any_reply && !kdcio_looks_like_reply(buf, (size_t)n)) {
        free(buf);
        return 0;             /* not Kerberos: keep waiting */
    }
    if (realm_check(c, buf, (size_t)n)) {
        free(buf);
        conn_end(c, KDCCONN_WRONG_REALM, 0);
        return 0;
    }
    c->in = buf;
    c->in_len = c->in_off = (size_t)n;
    return 1;
}

/*
 * Read up to want bytes of a TCP stream into buf.  Returns how many came;
 * 0 when none did, either for now (EAGAIN, EINTR) or because c has failed:
 * the peer closing before the whole reply is ECONNRESET.
 */
static size_t
tcp_recv(struct kdcconn *c, unsigned char *buf, size_t want)
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
tcp_step(struct kdcconn *c, short revents)
{
    ssize_t n;
    size_t got;

    if (c->state == KDCCONN_CONNECTING) {
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
        c->state = KDCCONN_SENDING;
    }
    if (c->state == KDCCONN_SENDING) {
        n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                 MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                conn_fail(c, errno);
            return 0;
        }
        c->out_off += (size_t)n;
        if (c->out_off == c->out_len)
            c->state = KDCCONN_READING;
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
        conn_end(c, KDCCONN_WRONG_REALM, 0);
        return 0;
    }
    return 1;
}

int
kdcconn_step(struct kdcconn *c, short revents)
{
    int done = c->ep->proto == KDCIO_UDP ? udp_read(c) : tcp_step(c, revents);

    if (done) {
        c->wall_received = clocks_wall();
        c->ended = clocks_now();
        c->state = KDCCONN_ENDED;
        c->outcome = KDCCONN_REPLIED;
        close(c->fd);
        c->fd = -1;
    }
    return done;
}

short
kdcconn_events(const struct kdcconn *c)
{
    if (c->fd < 0 || c->state == KDCCONN_ENDED || c->state == KDCCONN_IDLE)
        return 0;
    return c->state == KDCCONN_CONNECTING || c->state == KDCCONN_SENDING
               ? POLLOUT
               : POLLIN;
}

const char *
kdcconn_what(const struct kdcconn *c)
{
    switch (c->outcome) {
    case KDCCONN_NONE:
        return c->state == KDCCONN_IDLE ? "not tried" : "no answer";
    case KDCCONN_REPLIED:
        return "replied";
    case KDCCONN_FAILED:
        return strerror(c->err);
    case KDCCONN_WRONG_REALM:
        return "answered for another realm";
    }
    return "no answer";
}
