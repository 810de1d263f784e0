/*
 * kdcconn: one connection of a KDC exchange.  A non-blocking UDP or TCP
 * socket to one endpoint: the request sent (over TCP behind its 4-byte
 * length), the reply read, and how it ended.  Nothing here waits: kdcio's
 * poll loops drive connections with kdcconn_events() and kdcconn_step().
 * Internal to kdcio (kdcio.c is the only caller).
 */
#ifndef KRB5EXP_KDCCONN_H
#define KRB5EXP_KDCCONN_H

#include <stddef.h>

#include "probes/kdcio.h"

/* Where a connection's I/O is; KDCCONN_ENDED once it has an outcome. */
enum kdcconn_state { KDCCONN_IDLE, KDCCONN_CONNECTING, KDCCONN_SENDING,
                     KDCCONN_READING, KDCCONN_ENDED };

/*
 * How a connection ended.  A KDC of another realm is an outcome of its own
 * rather than an errno, so that no errno value has to stand for it and a
 * real one cannot be mistaken for it.
 */
enum kdcconn_outcome {
    KDCCONN_NONE,             /* not ended: idle or still talking */
    KDCCONN_REPLIED,          /* in holds the reply */
    KDCCONN_FAILED,           /* err holds the errno */
    KDCCONN_WRONG_REALM,      /* a well-framed reply for another realm */
};

struct kdcconn {
    const struct kdcio_endpoint *ep;  /* borrowed */
    enum kdcconn_state state;
    enum kdcconn_outcome outcome;
    int fd;
    int err;                  /* errno, when KDCCONN_FAILED */
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

/*
 * Set c up, idle, for endpoint ep (borrowed).  With any_reply, any bytes
 * are the reply; otherwise only what looks like a KDC reply, and, when
 * realm is not NULL (borrowed), is not framed for another realm.
 */
void kdcconn_init(struct kdcconn *c, const struct kdcio_endpoint *ep,
                  const char *realm, int any_reply);

/* Open the socket and start sending msg (copied as needed).  A failure
 * ends c at once with KDCCONN_FAILED. */
void kdcconn_start(struct kdcconn *c, const unsigned char *msg,
                   size_t msg_len);

/* The poll() events c waits for; 0 when it waits for nothing (idle or
 * ended). */
short kdcconn_events(const struct kdcconn *c);

/* Advance c after poll() said revents.  Returns 1 when a reply has just
 * come (c is then KDCCONN_REPLIED), else 0. */
int kdcconn_step(struct kdcconn *c, short revents);

/* What c did, in a few words, for messages; static or strerror()
 * storage. */
const char *kdcconn_what(const struct kdcconn *c);

/* Close c's socket and free its buffers; c may be cleared twice. */
void kdcconn_clear(struct kdcconn *c);

#endif
