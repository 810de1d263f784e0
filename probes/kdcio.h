/*
 * kdcio: the KDC network I/O of the exporter.  One Kerberos message goes to
 * a realm's KDCs over UDP and/or TCP under one deadline, and the first reply
 * that looks like a Kerberos message wins.  libkrb5's own sendto loop is
 * bypassed through krb5_set_kdc_send_hook(), because it can wait half a
 * minute on a silent KDC.
 */
#ifndef KRB5EXP_KDCIO_H
#define KRB5EXP_KDCIO_H

#include <poll.h>
#include <stddef.h>

#include "probes/krb5err.h"
#include "probes/resolve.h"

enum kdcio_proto { KDCIO_UDP, KDCIO_TCP };

/* One place to send to: a transport and an address. */
struct kdcio_endpoint {
    enum kdcio_proto proto;
    struct resolved_addr addr;
    const char *label;        /* borrowed: "udp/host:port", for messages */
};

/*
 * Largest reply accepted over TCP.  A KDC reply is a few KiB; a length
 * prefix beyond this is a broken or hostile peer.
 */
#define KDCIO_MAX_REPLY (1u << 20)

/* Delay between starting one endpoint and the next, as MIT does. */
#define KDCIO_STAGGER_SECONDS 1.0

/*
 * Send msg to the endpoints in order, starting the next one after
 * KDCIO_STAGGER_SECONDS or as soon as every started one has failed, and wait
 * for the first well-formed reply for `realm` (NULL: any realm) until
 * deadline; a KDC answering for another realm counts as failed.  On success returns 0, sets
 * *reply_out (caller frees with free()), *reply_len_out and *used_out (index
 * of the endpoint that answered).  On failure returns -1, sets *err_out
 * (ETIMEDOUT when the deadline passed with endpoints still silent,
 * KRB5KDC_ERR_WRONG_REALM when every endpoint answered for another realm,
 * KRB5_KDC_UNREACH when every endpoint failed otherwise) and writes a one-line
 * explanation naming each endpoint's failure into why[why_len].
 */
int kdcio_exchange(const struct kdcio_endpoint *eps, size_t n_eps,
                   const unsigned char *msg, size_t msg_len,
                   const char *realm, double deadline,
                   unsigned char **reply_out, size_t *reply_len_out,
                   size_t *used_out, struct probe_error *err_out,
                   char *why, size_t why_len);

/*
 * One exchange as kdcio_exchange() makes it, driven from the caller's own
 * poll loop, so that many can be in flight at once (the TGS fan-out):
 *
 *   kdcio_xchg_new(...);                       nothing sent yet
 *   loop: state = kdcio_xchg_step(x, pfds, n, now, deadline);
 *         if (state != KDCIO_XCHG_WAITING) stop;
 *         n = kdcio_xchg_poll(x, pfds, &wake); poll(pfds, n, ...);
 *   kdcio_xchg_result(x, ...);
 *
 * The endpoints are started in order as kdcio_exchange() starts them, and
 * the first well-formed reply for the realm wins.  An exchange belongs to
 * one thread.
 */
struct kdcio_xchg;

enum kdcio_xchg_state {
    KDCIO_XCHG_WAITING,       /* endpoints still to hear from or start */
    KDCIO_XCHG_REPLIED,       /* a reply came: kdcio_xchg_result() has it */
    KDCIO_XCHG_FAILED,        /* every endpoint failed */
};

/*
 * A new exchange of msg (copied) with eps (borrowed until
 * kdcio_xchg_free()) for realm (borrowed; NULL: any realm).  Returns 0 and
 * sets *out, or ENOMEM.
 */
int kdcio_xchg_new(const struct kdcio_endpoint *eps, size_t n_eps,
                   const unsigned char *msg, size_t msg_len,
                   const char *realm, struct kdcio_xchg **out);

/*
 * Take in what poll() said of the n descriptors that the last
 * kdcio_xchg_poll() put in pfds (n = 0: nothing, as on the first call),
 * then, while now is before deadline, start the endpoints that are due.
 * Returns the exchange's state.
 */
enum kdcio_xchg_state kdcio_xchg_step(struct kdcio_xchg *x,
                                      const struct pollfd *pfds, size_t n,
                                      double now, double deadline);

/*
 * Put the descriptors x waits on into pfds (room for kdcio_xchg_width(x))
 * and return how many; lower *wake (monotonic) to when x next starts an
 * endpoint, if that is sooner.
 */
size_t kdcio_xchg_poll(struct kdcio_xchg *x, struct pollfd *pfds,
                       double *wake);

/* The most descriptors x puts in pfds at once: its number of endpoints. */
size_t kdcio_xchg_width(const struct kdcio_xchg *x);

/*
 * The outcome, as kdcio_exchange() returns it: 0 with the reply (moved to
 * the caller, who frees it with free()), its length and the index of the
 * endpoint that answered; or -1 with *err_out and why[why_len], ETIMEDOUT
 * when endpoints were still silent (the caller's deadline passed).
 */
int kdcio_xchg_result(struct kdcio_xchg *x, unsigned char **reply_out,
                      size_t *reply_len_out, size_t *used_out,
                      struct probe_error *err_out, char *why,
                      size_t why_len);

/* Close and free x; NULL is fine. */
void kdcio_xchg_free(struct kdcio_xchg *x);

/* What one endpoint did in kdcio_probe_all(). */
struct kdcio_reply {
    int err;                  /* 0: a reply came; else an errno value,
                                 ETIMEDOUT when the deadline passed */
    unsigned char *data;      /* owned (free()): the reply, any bytes */
    size_t len;
    double seconds;           /* from sending to the reply or failure */
    double wall_received;     /* CLOCK_REALTIME when the reply came */
};

/*
 * Send msg to every endpoint at once and wait until each has answered or
 * failed, or the deadline passes.  Any reply is taken as it is (the caller
 * judges it).  Fills replies[i] for eps[i]; the caller frees each data.
 * Returns 0, or ENOMEM.
 */
int kdcio_probe_all(const struct kdcio_endpoint *eps, size_t n_eps,
                    const unsigned char *msg, size_t msg_len, double deadline,
                    struct kdcio_reply *replies);

/*
 * Called by kdcio_probe_all_notify() as each endpoint ends, in the thread
 * that probes: endpoint i's outcome so far (r->data borrowed for the call
 * only).
 */
typedef void (*kdcio_ended_fn)(void *arg, size_t i,
                               const struct kdcio_reply *r);

/*
 * kdcio_probe_all(), telling ended(arg, ...) of each endpoint as it ends,
 * so that a caller can act on the first answer while the others are still
 * being waited for.  ended may be NULL.
 */
int kdcio_probe_all_notify(const struct kdcio_endpoint *eps, size_t n_eps,
                           const unsigned char *msg, size_t msg_len,
                           double deadline, struct kdcio_reply *replies,
                           kdcio_ended_fn ended, void *arg);

/*
 * Is a reply that kdcio_probe_all() took as it was one that
 * kdcio_exchange() would have accepted for realm: a KDC reply by its tags,
 * not framed for another realm (a realm spelt in another case is the
 * realm's)?  1 when it is; 0 when it is no KDC reply; -1 when it is one
 * for another realm.  Pure.
 */
int kdcio_reply_for_realm(const unsigned char *buf, size_t len,
                          const char *realm);

/*
 * Does buf start like a Kerberos reply (AS-REP, TGS-REP or KRB-ERROR, by
 * their ASN.1 application tags)?  Pure; exposed for tests.
 */
int kdcio_looks_like_reply(const unsigned char *buf, size_t len);

#endif
