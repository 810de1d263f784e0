/* endpoint: KDC entries and name servers of the config; see endpoint.h. */
#include "conf/endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hostport.h"

/*
 * Parse one KDC entry: "host", "host:port", "[v6]" or "[v6]:port".  On
 * success returns 0 and fills *kdc_out (the caller owns kdc_out->host).  On
 * failure returns -1 and writes the reason into reason[size].
 */
int endpoint_parse_kdc(const char *text, struct conf_kdc *kdc_out,
                       char *reason, size_t size)
{
    struct hostport hp;
    char *dup;

    if (hostport_parse(text, ENDPOINT_DEFAULT_KDC_PORT, 0, &hp, reason,
                       size) != 0)
        return -1;
    dup = strdup(hp.host);
    if (dup == NULL) {
        snprintf(reason, size, "out of memory");
        return -1;
    }
    kdc_out->host = dup;
    kdc_out->port = hp.port;
    return 0;
}

/* Is v a numeric address with an optional port, as c-ares takes it:
 * "IPV4", "IPV4:PORT", "IPV6" or "[IPV6]:PORT"? */
int endpoint_dns_server_ok(const char *v)
{
    unsigned char buf[sizeof(struct in6_addr)];
    struct hostport hp;

    /* c-ares takes a bare IPv6 address (without a port), which hostport
     * refuses because it cannot tell such an address from host:port. */
    if (inet_pton(AF_INET6, v, buf) == 1)
        return 1;
    /* The string is kept as written, so the default port only makes the
     * port optional. */
    if (hostport_parse(v, 53, 0, &hp, NULL, 0) != 0)
        return 0;
    /* hostport has checked a bracketed host as IPv6, and only such a host
     * holds a ':'; any other must be an IPv4 address, not a name. */
    return strchr(hp.host, ':') != NULL
           || inet_pton(AF_INET, hp.host, buf) == 1;
}
