/* endpoint: KDC entries and name servers of the config; see endpoint.h. */
#include "conf/endpoint.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Parse a port of 1 to 65535 written in decimal digits only.  Returns 0 and
 * sets *port_out, or -1.
 */
int endpoint_parse_port(const char *text, unsigned short *port_out)
{
    unsigned long v = 0;
    size_t i;

    for (i = 0; text[i] != '\0'; i++) {
        if (!isdigit((unsigned char)text[i]) || i >= 5)
            return -1;
        v = v * 10 + (unsigned long)(text[i] - '0');
    }
    if (i == 0 || v < 1 || v > 65535)
        return -1;
    *port_out = (unsigned short)v;
    return 0;
}

/*
 * Parse one KDC entry: "host", "host:port", "[v6]" or "[v6]:port".  On
 * success returns 0 and fills *kdc_out (the caller owns kdc_out->host).  On
 * failure returns -1 and writes the reason into reason[size].
 */
int endpoint_parse_kdc(const char *text, struct conf_kdc *kdc_out,
                       char *reason, size_t size)
{
    const char *host = text, *port = NULL;
    size_t host_len;
    unsigned short port_num = ENDPOINT_DEFAULT_KDC_PORT;
    char *dup;

    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        char addr[INET6_ADDRSTRLEN];
        struct in6_addr a6;

        if (close == NULL) {
            snprintf(reason, size, "unterminated '[': write an IPv6 address "
                     "as \"[2001:db8::1]\" or \"[2001:db8::1]:88\"");
            return -1;
        }
        host = text + 1;
        host_len = (size_t)(close - host);
        if (close[1] == ':')
            port = close + 2;
        else if (close[1] != '\0') {
            snprintf(reason, size, "unexpected \"%s\" after ']': expected "
                     "\":port\" or nothing", close + 1);
            return -1;
        }
        if (host_len == 0 || host_len >= sizeof(addr)) {
            snprintf(reason, size, "brackets must hold an IPv6 address, "
                     "e.g. \"[2001:db8::1]:88\"");
            return -1;
        }
        memcpy(addr, host, host_len);
        addr[host_len] = '\0';
        if (inet_pton(AF_INET6, addr, &a6) != 1) {
            snprintf(reason, size, "\"%s\" is not an IPv6 address", addr);
            return -1;
        }
    } else {
        const char *colon = strchr(text, ':');

        if (colon != NULL && strchr(colon + 1, ':') != NULL) {
            snprintf(reason, size, "an IPv6 address must be written in "
                     "brackets, e.g. \"[2001:db8::1]\" or "
                     "\"[2001:db8::1]:88\"");
            return -1;
        }
        host_len = colon ? (size_t)(colon - text) : strlen(text);
        if (colon != NULL)
            port = colon + 1;
        if (host_len == 0) {
            snprintf(reason, size, "empty host: expected \"host\", "
                     "\"host:port\" or \"[IPv6]:port\"");
            return -1;
        }
        for (size_t i = 0; i < host_len; i++) {
            unsigned char ch = (unsigned char)host[i];

            if (isalnum(ch) || ch == '.' || ch == '-' || ch == '_')
                continue;
            if (isgraph(ch))
                snprintf(reason, size, "host contains '%c': expected a DNS "
                         "name or an IPv4 address", ch);
            else
                snprintf(reason, size, "host contains whitespace or a "
                         "control character: expected a DNS name or an "
                         "IPv4 address");
            return -1;
        }
    }
    if (port != NULL && endpoint_parse_port(port, &port_num) != 0) {
        snprintf(reason, size, "port \"%s\" is not a number from 1 to 65535",
                 port);
        return -1;
    }
    dup = strndup(host, host_len);
    if (dup == NULL) {
        snprintf(reason, size, "out of memory");
        return -1;
    }
    kdc_out->host = dup;
    kdc_out->port = port_num;
    return 0;
}

/* Is v a numeric address with an optional port, as c-ares takes it:
 * "IPV4", "IPV4:PORT", "IPV6" or "[IPV6]:PORT"? */
int endpoint_dns_server_ok(const char *v)
{
    char host[64];
    const char *port = NULL, *end;
    unsigned char buf[sizeof(struct in6_addr)];
    size_t n;

    if (v[0] == '[') {
        end = strchr(v, ']');
        if (end == NULL || (end[1] != '\0' && end[1] != ':'))
            return 0;
        n = (size_t)(end - v - 1);
        if (n >= sizeof(host))
            return 0;
        memcpy(host, v + 1, n);
        host[n] = '\0';
        if (end[1] == ':')
            port = end + 2;
        if (inet_pton(AF_INET6, host, buf) != 1)
            return 0;
    } else if (inet_pton(AF_INET6, v, buf) == 1) {
        return 1;
    } else {
        end = strchr(v, ':');
        n = end ? (size_t)(end - v) : strlen(v);
        if (n >= sizeof(host))
            return 0;
        memcpy(host, v, n);
        host[n] = '\0';
        if (end != NULL)
            port = end + 1;
        if (inet_pton(AF_INET, host, buf) != 1)
            return 0;
    }
    if (port != NULL) {
        unsigned short p;
        if (endpoint_parse_port(port, &p) != 0)
            return 0;
    }
    return 1;
}
