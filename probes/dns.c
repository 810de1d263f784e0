/* dns: c-ares lookups under a deadline; see dns.h. */
#include "probes/dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"

/* c-ares's own per-try timeout, so that a lost datagram is retried within
 * the deadline; the deadline itself bounds the whole lookup. */
#define DNS_DEFAULT_TRY_MS 1000
#define DNS_TRIES 3

static struct probe_error
ares_error(int status)
{
    return (struct probe_error){ ERR_SPACE_ARES, status };
}

/*
 * Make dc's c-ares channel, the first time a lookup needs one: most realms
 * name their KDCs by address and canonicalise nothing, and they should not
 * pay for a channel (and the resolver files it reads) on every scrape.
 */
int
dns_client_channel(struct dns_client *dc, struct probe_error *err_out)
{
    const struct conf_dns *dns = dc->conf;
    struct ares_options opts;
    ares_channel channel = NULL;
    char lookups[] = "b";
    int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    int status;

    if (dc->channel != NULL)
        return 0;
    memset(&opts, 0, sizeof(opts));
    opts.timeout = dns != NULL && dns->timeout > 0
                       ? (int)(dns->timeout * 1000)
                       : DNS_DEFAULT_TRY_MS;
    opts.tries = DNS_TRIES;
    if (dns != NULL && dns->n_servers > 0) {
        /* Servers given: DNS only, never /etc/hosts. */
        opts.lookups = lookups;
        mask |= ARES_OPT_LOOKUPS;
    }
    status = ares_init_options(&channel, &opts, mask);
    if (status != ARES_SUCCESS) {
        *err_out = ares_error(status);
        return -1;
    }
    if (dns != NULL && dns->n_servers > 0) {
        char csv[2048] = "";
        size_t off = 0;
        for (size_t i = 0; i < dns->n_servers; i++) {
            int w = snprintf(csv + off, sizeof(csv) - off, "%s%s",
                             i ? "," : "", dns->servers[i]);
            if (w < 0 || (size_t)w >= sizeof(csv) - off)
                break;
            off += (size_t)w;
        }
        status = ares_set_servers_ports_csv(channel, csv);
        if (status != ARES_SUCCESS) {
            ares_destroy(channel);
            *err_out = ares_error(status);
            return -1;
        }
    }
    dc->channel = channel;
    return 0;
}

int
dns_client_open(const struct conf_dns *dns, double deadline,
                struct dns_client **out, struct probe_error *err_out)
{
    struct dns_client *dc = calloc(1, sizeof(*dc));

    if (dc == NULL) {
        *err_out = ares_error(ARES_ENOMEM);
        return -1;
    }
    dc->conf = dns;
    dc->deadline = deadline;
    *out = dc;
    return 0;
}

void
dns_client_free(struct dns_client *dc)
{
    if (dc == NULL)
        return;
    if (dc->channel != NULL)
        ares_destroy(dc->channel);
    free(dc);
}

/*
 * Drive the channel until *done or the deadline.  Returns 0 once *done.
 * Returns -1 with *err_out set when the deadline passes (ARES_ETIMEOUT) or
 * poll() fails (ERR_SPACE_ERRNO with poll's errno: no DNS server said
 * anything, so no c-ares status would be true); every pending query is
 * then cancelled, and their callbacks have run.
 */
static int
run(struct dns_client *dc, const int *done, struct probe_error *err_out)
{
    ares_channel channel = dc->channel;

    while (!*done) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        struct pollfd pfds[ARES_GETSOCK_MAXNUM];
        struct timeval maxtv, tv, *tvp;
        nfds_t nfds = 0;
        int bits, ms, left_ms;

        left_ms = clocks_poll_ms(dc->deadline);
        if (left_ms == 0) {
            ares_cancel(channel);
            *err_out = ares_error(ARES_ETIMEOUT);
            return -1;
        }
        bits = ares_getsock(channel, socks, ARES_GETSOCK_MAXNUM);
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
            short ev = 0;
            /* c-ares's own ARES_GETSOCK_WRITABLE shifts a signed 1 into the
             * sign bit for the last socket; test the bits unsigned. */
            if ((unsigned)bits & (1u << i))
                ev |= POLLIN;
            if ((unsigned)bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
                ev |= POLLOUT;
            if (ev == 0)
                continue;
            pfds[nfds].fd = socks[i];
            pfds[nfds].events = ev;
            pfds[nfds].revents = 0;
            nfds++;
        }
        maxtv.tv_sec = left_ms / 1000;
        maxtv.tv_usec = (left_ms % 1000) * 1000;
        tvp = ares_timeout(channel, &maxtv, &tv);
        ms = (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
        if (poll(pfds, nfds, ms) < 0) {
            int poll_errno = errno;

            /* A signal is no failure: go round again, which also takes the
             * time it ate off what is left. */
            if (poll_errno == EINTR)
                continue;
            /* Kept before ares_cancel(), whose callbacks may change errno. */
            ares_cancel(channel);
            *err_out = (struct probe_error){ ERR_SPACE_ERRNO, poll_errno };
            return -1;
        }
        for (nfds_t i = 0; i < nfds; i++) {
            ares_socket_t r = ARES_SOCKET_BAD, w = ARES_SOCKET_BAD;
            if (pfds[i].revents & (POLLIN | POLLERR | POLLHUP))
                r = pfds[i].fd;
            if (pfds[i].revents & POLLOUT)
                w = pfds[i].fd;
            if (r != ARES_SOCKET_BAD || w != ARES_SOCKET_BAD)
                ares_process_fd(channel, r, w);
        }
        /* A call with no ready socket processes c-ares's own timeouts. */
        ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    }
    return 0;
}

/*
 * Finish a lookup that run() saw done: the callback's status is the result.
 * Only run() cancels queries, and it reports why itself; a cancelled status
 * that still gets here reads as the deadline, as it always has.
 */
static int
finish(int status, struct probe_error *err_out)
{
    if (status == ARES_ECANCELLED)
        status = ARES_ETIMEOUT;
    if (status != ARES_SUCCESS) {
        *err_out = ares_error(status);
        return -1;
    }
    return 0;
}

struct addrs_state {
    int done;
    int status;
    unsigned short port;
    struct resolved_addr *addrs;
    size_t n;
    char *canon;
    size_t canon_len;
    const char *query;
};

static void
on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    struct addrs_state *st = arg;
    size_t n = 0, nc = 0;

    (void)timeouts;
    st->done = 1;
    st->status = status;
    if (status != ARES_SUCCESS || res == NULL)
        goto cleanup;
    for (struct ares_addrinfo_node *nd = res->nodes; nd; nd = nd->ai_next)
        n++;
    st->addrs = calloc(n ? n : 1, sizeof(*st->addrs));
    if (st->addrs == NULL) {
        st->status = ARES_ENOMEM;
        goto cleanup;
    }
    for (struct ares_addrinfo_node *nd = res->nodes; nd; nd = nd->ai_next) {
        struct resolved_addr *a = &st->addrs[st->n];
        if ((nd->ai_family != AF_INET && nd->ai_family != AF_INET6) ||
            (size_t)nd->ai_addrlen > sizeof(a->addr))
            continue;
        memcpy(&a->addr, nd->ai_addr, (size_t)nd->ai_addrlen);
        a->len = (socklen_t)nd->ai_addrlen;
        if (nd->ai_family == AF_INET)
            ((struct sockaddr_in *)&a->addr)->sin_port = htons(st->port);
        else
            ((struct sockaddr_in6 *)&a->addr)->sin6_port = htons(st->port);
        st->n++;
    }
    if (st->n == 0) {
        st->status = ARES_ENODATA;
        goto cleanup;
    }
    if (st->canon != NULL) {
        const char **aliases, **names;
        for (struct ares_addrinfo_cname *c = res->cnames; c; c = c->next)
            nc++;
        aliases = calloc(nc + 1, sizeof(*aliases));
        names = calloc(nc + 1, sizeof(*names));
        if (aliases == NULL || names == NULL) {
            st->status = ARES_ENOMEM;
        } else {
            size_t i = 0;
            for (struct ares_addrinfo_cname *c = res->cnames; c; c = c->next) {
                aliases[i] = c->alias;
                names[i++] = c->name;
            }
            if (dnsparse_follow_cnames(st->query, aliases, names, nc,
                                       st->canon, st->canon_len) != 0)
                st->status = ARES_EBADRESP;
        }
        free(aliases);
        free(names);
    }
cleanup:
    ares_freeaddrinfo(res);
}

int
dns_addrs(struct dns_client *dc, const char *host, unsigned short port,
          struct resolved_addr **addrs_out, size_t *n_out, char *canon,
          size_t canon_len, struct probe_error *err_out)
{
    struct ares_addrinfo_hints hints;
    struct addrs_state st;
    struct resolved_addr one;

    if (resolve_numeric(host, port, &one) == 0) {
        *addrs_out = malloc(sizeof(one));
        if (*addrs_out == NULL) {
            *err_out = ares_error(ARES_ENOMEM);
            return -1;
        }
        **addrs_out = one;
        *n_out = 1;
        if (canon != NULL)
            snprintf(canon, canon_len, "%s", host);
        return 0;
    }
    memset(&st, 0, sizeof(st));
    st.port = port;
    st.canon = canon;
    st.canon_len = canon_len;
    st.query = host;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = ARES_AI_NOSORT;
    if (dns_client_channel(dc, err_out) != 0)
        return -1;
    ares_getaddrinfo(dc->channel, host, NULL, &hints, on_addrinfo, &st);
    if (run(dc, &st.done, err_out) != 0 || finish(st.status, err_out) != 0) {
        free(st.addrs);
        return -1;
    }
    *addrs_out = st.addrs;
    *n_out = st.n;
    return 0;
}

struct ptr_state {
    int done;
    int status;
    char *name;
    size_t name_len;
};

static void
on_hostent(void *arg, int status, int timeouts, struct hostent *h)
{
    struct ptr_state *st = arg;

    (void)timeouts;
    st->done = 1;
    st->status = status;
    if (status != ARES_SUCCESS)
        return;
    if (h == NULL || h->h_name == NULL || strlen(h->h_name) >= st->name_len) {
        st->status = ARES_EBADRESP;
        return;
    }
    strcpy(st->name, h->h_name);
    dnsparse_normalize_host(st->name);
}

int
dns_ptr(struct dns_client *dc, const struct resolved_addr *addr, char *name,
        size_t name_len, struct probe_error *err_out)
{
    struct ptr_state st;

    if (dns_client_channel(dc, err_out) != 0)
        return -1;
    memset(&st, 0, sizeof(st));
    st.name = name;
    st.name_len = name_len;
    if (addr->addr.ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)&addr->addr;
        ares_gethostbyaddr(dc->channel, &s->sin_addr, sizeof(s->sin_addr),
                           AF_INET, on_hostent, &st);
    } else {
        const struct sockaddr_in6 *s =
            (const struct sockaddr_in6 *)&addr->addr;
        ares_gethostbyaddr(dc->channel, &s->sin6_addr, sizeof(s->sin6_addr),
                           AF_INET6, on_hostent, &st);
    }
    if (run(dc, &st.done, err_out) != 0)
        return -1;
    return finish(st.status, err_out);
}

struct query_state {
    int done;
    int status;
    int type;
    struct srv_record *srv;
    char **uris;
    size_t n;
};

static void
on_srv(struct query_state *st, const unsigned char *abuf, int alen)
{
    struct ares_srv_reply *reply = NULL;
    size_t n = 0;

    st->status = ares_parse_srv_reply(abuf, alen, &reply);
    if (st->status != ARES_SUCCESS)
        return;
    for (struct ares_srv_reply *r = reply; r; r = r->next)
        n++;
    st->srv = calloc(n ? n : 1, sizeof(*st->srv));
    if (st->srv == NULL) {
        st->status = ARES_ENOMEM;
    } else {
        for (struct ares_srv_reply *r = reply; r; r = r->next) {
            struct srv_record *s = &st->srv[st->n];
            if (strlen(r->host) >= sizeof(s->target))
                continue;
            s->priority = r->priority;
            s->weight = r->weight;
            s->port = r->port;
            strcpy(s->target, r->host);
            st->n++;
        }
    }
    ares_free_data(reply);
}

static void
on_uri(struct query_state *st, const unsigned char *abuf, int alen)
{
    struct ares_uri_reply *reply = NULL;
    size_t n = 0;

    st->status = ares_parse_uri_reply(abuf, alen, &reply);
    if (st->status != ARES_SUCCESS)
        return;
    for (struct ares_uri_reply *r = reply; r; r = r->next)
        n++;
    st->uris = calloc(n + 1, sizeof(*st->uris));
    if (st->uris == NULL) {
        st->status = ARES_ENOMEM;
    } else {
        for (struct ares_uri_reply *r = reply; r; r = r->next) {
            st->uris[st->n] = strdup(r->uri);
            if (st->uris[st->n] == NULL) {
                st->status = ARES_ENOMEM;
                break;
            }
            st->n++;
        }
    }
    ares_free_data(reply);
}

static void
on_query(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct query_state *st = arg;

    (void)timeouts;
    st->done = 1;
    st->status = status;
    if (status != ARES_SUCCESS)
        return;
    if (st->type == ns_t_srv)
        on_srv(st, abuf, alen);
    else
        on_uri(st, abuf, alen);
}

static int
query(struct dns_client *dc, const char *name, int type,
      struct query_state *st, struct probe_error *err_out)
{
    memset(st, 0, sizeof(*st));
    st->type = type;
    if (dns_client_channel(dc, err_out) != 0)
        return -1;
    ares_query(dc->channel, name, ns_c_in, type, on_query, st);
    /* run() fills st->status, so st->status is read only after it. */
    if (run(dc, &st->done, err_out) != 0)
        return -1;
    return finish(st->status, err_out);
}

int
dns_srv(struct dns_client *dc, const char *name, struct srv_record **out,
        size_t *n_out, struct probe_error *err_out)
{
    struct query_state st;

    if (query(dc, name, ns_t_srv, &st, err_out) != 0) {
        free(st.srv);
        return -1;
    }
    *out = st.srv;
    *n_out = st.n;
    return 0;
}

int
dns_uri(struct dns_client *dc, const char *name, char ***out, size_t *n_out,
        struct probe_error *err_out)
{
    struct query_state st;

    /* URI is RR type 256 (RFC 7553); older headers have no name for it. */
    if (query(dc, name, 256, &st, err_out) != 0) {
        for (size_t i = 0; i < st.n; i++)
            free(st.uris[i]);
        free(st.uris);
        return -1;
    }
    *out = st.uris;
    *n_out = st.n;
    return 0;
}
