/* hostport: "host[:port]" and "[v6][:port]" strings; see hostport.h. */
#include "base/hostport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Write the reason for a refusal, when the caller gave room for one. */
static void say(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(char *why, size_t why_len, const char *fmt, ...)
{
    va_list ap;

    if (why == NULL || why_len == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

/*
 * The bytes a DNS name or an IPv4 address is written with.  Spelt out in
 * ASCII rather than with isalnum(), whose answer depends on the locale.
 */
static int
host_byte_ok(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
           || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
}

/*
 * Check the n bytes of an unbracketed host.  Returns 0, or -1 with the
 * reason naming the first byte that cannot be in one.
 */
static int
check_host_bytes(const char *host, size_t n, char *why, size_t why_len)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)host[i];

        if (host_byte_ok(ch))
            continue;
        if (ch > ' ' && ch < 0x7f)
            say(why, why_len, "host contains '%c': expected a DNS name or "
                "an IPv4 address", ch);
        else if (ch >= 0x80)
            say(why, why_len, "host contains a byte that is not ASCII: "
                "expected a DNS name (an international one in its xn-- "
                "form) or an IPv4 address");
        else
            say(why, why_len, "host contains whitespace or a control "
                "character: expected a DNS name or an IPv4 address");
        return -1;
    }
    return 0;
}

int
hostport_parse_port(const char *text, unsigned short *port_out)
{
    unsigned long v = 0;
    size_t i;

    /* Five digits at most, so that no count of leading zeros or run of
     * digits can overflow v and wrap into range. */
    for (i = 0; text[i] != '\0'; i++) {
        if (text[i] < '0' || text[i] > '9' || i >= 5)
            return -1;
        v = v * 10 + (unsigned long)(text[i] - '0');
    }
    if (i == 0 || v < 1 || v > 65535)
        return -1;
    *port_out = (unsigned short)v;
    return 0;
}

int
hostport_parse(const char *text, unsigned short default_port,
               unsigned flags, struct hostport *out, char *why,
               size_t why_len)
{
    struct hostport hp;
    const char *host = text, *port = NULL;
    size_t host_len;
    char ex_both[64], ex_port[32];
    int need_port = default_port == 0;
    int ret = -1;

    /* Examples in the reasons show the caller's own default port, or say
     * PORT where a port must be written. */
    if (need_port) {
        snprintf(ex_port, sizeof(ex_port), "\"[2001:db8::1]:PORT\"");
        snprintf(ex_both, sizeof(ex_both), "%s", ex_port);
    } else {
        snprintf(ex_port, sizeof(ex_port), "\"[2001:db8::1]:%u\"",
                 (unsigned)default_port);
        snprintf(ex_both, sizeof(ex_both), "\"[2001:db8::1]\" or %s",
                 ex_port);
    }
    memset(&hp, 0, sizeof(hp));

    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        struct in6_addr a6;

        if (close == NULL) {
            say(why, why_len, "unterminated '[': write an IPv6 address as %s",
                ex_both);
            goto cleanup;
        }
        host = text + 1;
        host_len = (size_t)(close - host);
        if (close[1] == ':') {
            port = close + 2;
        } else if (close[1] != '\0') {
            say(why, why_len, "unexpected \"%s\" after ']': expected "
                "\":port\"%s", close + 1, need_port ? "" : " or nothing");
            goto cleanup;
        }
        if (host_len == 0 || host_len >= INET6_ADDRSTRLEN) {
            say(why, why_len, "brackets must hold an IPv6 address, e.g. %s",
                ex_port);
            goto cleanup;
        }
        memcpy(hp.host, host, host_len);
        hp.host[host_len] = '\0';
        if (inet_pton(AF_INET6, hp.host, &a6) != 1) {
            say(why, why_len, "\"%s\" is not an IPv6 address", hp.host);
            goto cleanup;
        }
    } else {
        const char *colon = strchr(text, ':');

        if (colon != NULL && strchr(colon + 1, ':') != NULL) {
            say(why, why_len, "an IPv6 address must be written in "
                "brackets, e.g. %s", ex_both);
            goto cleanup;
        }
        host_len = colon != NULL ? (size_t)(colon - text) : strlen(text);
        if (colon != NULL)
            port = colon + 1;
        if (host_len == 0 && !(flags & HOSTPORT_ANY_HOST)) {
            say(why, why_len, "empty host: expected %s\"host:port\" or "
                "\"[IPv6]:port\"", need_port ? "" : "\"host\", ");
            goto cleanup;
        }
        if (check_host_bytes(host, host_len, why, why_len) != 0)
            goto cleanup;
        if (host_len >= sizeof(hp.host)) {
            say(why, why_len, "host is %zu bytes long: a DNS name or an "
                "IPv4 address has at most %d", host_len,
                HOSTPORT_HOST_MAX - 1);
            goto cleanup;
        }
        memcpy(hp.host, host, host_len);
        hp.host[host_len] = '\0';
    }

    hp.port = default_port;
    if (port == NULL && need_port) {
        say(why, why_len, "no port: expected \"host:port\"%s or "
            "\"[IPv6]:port\"", (flags & HOSTPORT_ANY_HOST) ? ", \":port\"" : "");
        goto cleanup;
    }
    if (port != NULL && hostport_parse_port(port, &hp.port) != 0) {
        say(why, why_len, "port \"%s\" is not a number from 1 to 65535", port);
        goto cleanup;
    }
    *out = hp;
    ret = 0;
cleanup:
    return ret;
}
