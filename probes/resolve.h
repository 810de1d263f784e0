/*
 * resolve: host name -> socket addresses, through c-ares in a poll loop
 * bounded by a deadline.  Numeric addresses never touch DNS.  There is no
 * getaddrinfo() on the probe path.
 */
#ifndef KRB5EXP_RESOLVE_H
#define KRB5EXP_RESOLVE_H

#include <stddef.h>
#include <sys/socket.h>

#include "probes/krb5err.h"

struct resolved_addr {
    struct sockaddr_storage addr;
    socklen_t len;
};

/*
 * Parse a numeric IPv4 or IPv6 address with a port.  Returns 0 and fills
 * *out, or -1 when host is not a numeric address.  Pure.
 */
int resolve_numeric(const char *host, unsigned short port,
                    struct resolved_addr *out);

/*
 * Resolve host to its IPv4 and IPv6 addresses with port set.  On success
 * returns 0 and sets *addrs_out (caller frees with free()) and *n_out (> 0).
 * On failure returns -1 and sets *err_out to a c-ares status
 * (ARES_ENOTFOUND, ARES_ETIMEOUT when the deadline passed, ...).
 */
int resolve_host(const char *host, unsigned short port, double deadline,
                 struct resolved_addr **addrs_out, size_t *n_out,
                 struct probe_error *err_out);

/* Text "host:port" or "[v6]:port" for an address; buf of 64 bytes. */
void resolve_format(const struct resolved_addr *a, char buf[64]);

#endif
