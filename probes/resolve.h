/*
 * resolve: socket addresses for numeric hosts, and their text.  Pure; name
 * lookups go through c-ares in dns.c.
 */
#ifndef KRB5EXP_RESOLVE_H
#define KRB5EXP_RESOLVE_H

#include <stddef.h>
#include <sys/socket.h>


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

/* Text "host:port" or "[v6]:port" for an address; buf of 64 bytes. */
void resolve_format(const struct resolved_addr *a, char buf[64]);

#endif
