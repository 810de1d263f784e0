/*
 * kdcio: the KDC network I/O of the exporter.  One Kerberos message goes to
 * a realm's KDCs over UDP and/or TCP under one deadline, and the first reply
 * that looks like a Kerberos message wins.  libkrb5's own sendto loop is
 * bypassed through krb5_set_kdc_send_hook(), because it can wait half a
 * minute on a silent KDC.
 */
#ifndef KRB5EXP_KDCIO_H
#define KRB5EXP_KDCIO_H

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
 * Does buf start like a Kerberos reply (AS-REP, TGS-REP or KRB-ERROR, by
 * their ASN.1 application tags)?  Pure; exposed for tests.
 */
int kdcio_looks_like_reply(const unsigned char *buf, size_t len);

#endif
