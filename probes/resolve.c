/* resolve: c-ares host resolution with a deadline; see resolve.h. */
#include "probes/resolve.h"

#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/deadline.h"

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

struct lookup_state {
    int done;
    int status;
    struct resolved_addr *addrs;   /* owned until handed out */
    size_t n;
    unsigned short port;
};

static void
on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    struct lookup_state *st = arg;
    size_t n = 0;

    (void)timeouts;
    st->done = 1;
    st->status = status;
    if (status != ARES_SUCCESS || res == NULL) {
        ares_freeaddrinfo(res);
        return;
    }
    for (struct ares_addrinfo_node *nd = res->nodes; nd; nd = nd->ai_next)
        n++;
    st->addrs = calloc(n ? n : 1, sizeof(*st->addrs));
    if (st->addrs == NULL) {
        st->status = ARES_ENOMEM;
        ares_freeaddrinfo(res);
        return;
    }
    for (struct ares_addrinfo_node *nd = res->nodes; nd; nd = nd->ai_next) {
        struct resolved_addr *a = &st->addrs[st->n];
        if ((size_t)nd->ai_addrlen > sizeof(a->addr))
            continue;
        if (nd->ai_family != AF_INET && nd->ai_family != AF_INET6)
            continue;
        memcpy(&a->addr, nd->ai_addr, (size_t)nd->ai_addrlen);
        a->len = (socklen_t)nd->ai_addrlen;
        if (nd->ai_family == AF_INET)
            ((struct sockaddr_in *)&a->addr)->sin_port = htons(st->port);
        else
            ((struct sockaddr_in6 *)&a->addr)->sin6_port = htons(st->port);
        st->n++;
    }
    if (st->n == 0)
        st->status = ARES_ENODATA;
    ares_freeaddrinfo(res);
}

/* Drive channel until the lookup is done or the deadline passes. */
static void
run_channel(ares_channel channel, struct lookup_state *st, double deadline)
{
    while (!st->done) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        struct pollfd pfds[ARES_GETSOCK_MAXNUM];
        struct timeval maxtv, tv, *tvp;
        nfds_t nfds = 0;
        int bits, ms, left_ms;

        bits = ares_getsock(channel, socks, ARES_GETSOCK_MAXNUM);
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
            short ev = 0;
            if (ARES_GETSOCK_READABLE(bits, i))
                ev |= POLLIN;
            if (ARES_GETSOCK_WRITABLE(bits, i))
                ev |= POLLOUT;
            if (ev == 0)
                continue;
            pfds[nfds].fd = socks[i];
            pfds[nfds].events = ev;
            pfds[nfds].revents = 0;
            nfds++;
        }
        left_ms = deadline_poll_ms(deadline);
        if (left_ms == 0) {
            ares_cancel(channel);
            st->status = ARES_ETIMEOUT;
            return;
        }
        maxtv.tv_sec = left_ms / 1000;
        maxtv.tv_usec = (left_ms % 1000) * 1000;
        tvp = ares_timeout(channel, &maxtv, &tv);
        ms = (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
        if (poll(pfds, nfds, ms) < 0 && errno != EINTR) {
            ares_cancel(channel);
            st->status = ARES_ESERVFAIL;
            return;
        }
        if (nfds == 0) {
            ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            continue;
        }
        for (nfds_t i = 0; i < nfds; i++) {
            ares_socket_t r = ARES_SOCKET_BAD, w = ARES_SOCKET_BAD;
            if (pfds[i].revents & (POLLIN | POLLERR | POLLHUP))
                r = pfds[i].fd;
            if (pfds[i].revents & POLLOUT)
                w = pfds[i].fd;
            ares_process_fd(channel, r, w);
        }
        /* Timeouts are processed by a call with no ready socket. */
        ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    }
}

int
resolve_host(const char *host, unsigned short port, double deadline,
             struct resolved_addr **addrs_out, size_t *n_out,
             struct probe_error *err_out)
{
    struct ares_addrinfo_hints hints;
    struct lookup_state st;
    ares_channel channel = NULL;
    struct resolved_addr one;
    int status;

    if (resolve_numeric(host, port, &one) == 0) {
        *addrs_out = malloc(sizeof(one));
        if (*addrs_out == NULL) {
            *err_out = (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM };
            return -1;
        }
        **addrs_out = one;
        *n_out = 1;
        return 0;
    }
    memset(&st, 0, sizeof(st));
    st.port = port;
    status = ares_init(&channel);
    if (status != ARES_SUCCESS) {
        *err_out = (struct probe_error){ ERR_SPACE_ARES, status };
        return -1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = ARES_AI_NOSORT;
    ares_getaddrinfo(channel, host, NULL, &hints, on_addrinfo, &st);
    run_channel(channel, &st, deadline);
    /* ares_cancel() runs the callback with ARES_ECANCELLED; the deadline is
     * the real cause, so keep ARES_ETIMEOUT. */
    status = st.status;
    ares_destroy(channel);
    if (status == ARES_ECANCELLED)
        status = ARES_ETIMEOUT;
    if (status != ARES_SUCCESS || st.n == 0) {
        free(st.addrs);
        *err_out = (struct probe_error){ ERR_SPACE_ARES,
                                         status ? status : ARES_ENODATA };
        return -1;
    }
    *addrs_out = st.addrs;
    *n_out = st.n;
    return 0;
}
