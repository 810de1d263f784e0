/* resolve: numeric socket addresses; see resolve.h. */
#include "probes/resolve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>


int
resolve_numeric(const char *host, unsigned short port,
                struct resolved_addr *out)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;

    memset(out, 0, sizeof(*out));
    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));
    if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        sin.sin_port = htons(port);
        memcpy(&out->addr, &sin, sizeof(sin));
        out->len = sizeof(sin);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(port);
        memcpy(&out->addr, &sin6, sizeof(sin6));
        out->len = sizeof(sin6);
        return 0;
    }
    return -1;
}

void
resolve_format(const struct resolved_addr *a, char buf[64])
{
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    if (a->addr.ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)&a->addr;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
        port = ntohs(s->sin_port);
        snprintf(buf, 64, "%s:%u", ip, port);
    } else {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->addr;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
        port = ntohs(s->sin6_port);
        snprintf(buf, 64, "[%s]:%u", ip, port);
    }
}
