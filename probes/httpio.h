/*
 * httpio: the http probe's I/O.  Each exchange is one GET, made by
 * libcurl's multi interface, all of them at once, driven by our own poll
 * loop (curl's socket and timer callbacks, as dns.c drives c-ares) that
 * never passes the deadline.  curl does no DNS of its own (a URL's host
 * is pinned with CURLOPT_RESOLVE, and a lookup curl would start itself is
 * refused), no authentication of its own (CURLOPT_HTTPAUTH none: the
 * Authorization header is the caller's), uses no proxy, follows no
 * redirect, speaks HTTP/1.1 on a connection of its own, and reads no
 * body: the final response's headers say all.  The header, a credential,
 * is wiped from curl's copy when the exchange ends.
 */
#ifndef KRB5EXP_HTTPIO_H
#define KRB5EXP_HTTPIO_H

#include <stddef.h>

#include "probes/krb5err.h"

/* One HTTP exchange for httpio_exchange_all(). */
struct http_exchange {
    /* In; all borrowed for the call. */
    const char *url;
    const char *resolve;      /* NULL, or a CURLOPT_RESOLVE entry
                                 "host:port:addr[,addr...]"; without one
                                 a URL that names a host fails, as curl
                                 may not resolve it itself */
    int address;              /* the URL's host is an IP address, which
                                 curl reads without a lookup */
    const char *ca_file;      /* NULL: the system's CAs */
    const char *authorization;    /* NULL, or the whole header line */
    /* Out. */
    long status;              /* final HTTP status; 0: no response */
    char *token;              /* owned (free()) or NULL: the base64 token
                                 of the final response's Negotiate
                                 challenge */
    int negotiate;            /* that response had a Negotiate challenge,
                                 with a token or without */
    struct probe_error error; /* code 0: a response came */
    char why[256];            /* what failed, when error is set */
    double seconds;           /* until the response or the failure */
};

/*
 * Run the n exchanges at once, each a GET with no body read (the headers
 * say all), until all are done or `deadline` (monotonic) passes; those
 * still running then fail with ETIMEDOUT.  Returns 0, or ENOMEM (with
 * every exchange failed) when curl could not be set up.
 */
int httpio_exchange_all(struct http_exchange *ex, size_t n,
                        double deadline);

/* Free what an exchange owns (its token); ex itself is the caller's. */
void httpio_exchange_clear(struct http_exchange *ex);

#endif
