/* httpio: HTTP exchanges with libcurl under a deadline; see httpio.h. */
#include "probes/httpio.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "base/grow.h"
#include "probes/httperr.h"
#include "probes/negotiate.h"
#include "version.h"

/* A server's Negotiate token is a few hundred bytes (an AP-REP in SPNEGO);
 * anything past this is no token of ours. */
#define MAX_TOKEN_B64 65536

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_status = CURLE_FAILED_INIT;

/* curl_global_init() is not to be raced; the first probe makes it. */
static void
init_curl(void)
{
    curl_init_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* One transfer of the loop. */
struct transfer {
    struct http_exchange *ex;
    CURL *easy;
    struct curl_slist *headers;   /* owned; holds the Authorization line */
    struct curl_slist *resolve;   /* owned */
    char errbuf[CURL_ERROR_SIZE];
    double start;
    int done;
    int body;                 /* the first body byte came: all headers
                                 are in, and the transfer is stopped */
};

/* The sockets curl wants watched, and its timer. */
struct loop {
    struct pollfd *pfds;      /* owned array of n */
    size_t n;
    double timer_at;          /* monotonic; < 0: no timer */
    int oom;
};

static int
on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct loop *l = userp;
    size_t i;

    (void)easy;
    (void)socketp;
    for (i = 0; i < l->n && l->pfds[i].fd != s; i++)
        ;
    if (what == CURL_POLL_REMOVE) {
        if (i < l->n)
            l->pfds[i] = l->pfds[--l->n];
        return 0;
    }
    if (i == l->n) {
        struct pollfd *p = grow_one(&l->pfds, l->n, sizeof(*p));
        if (p == NULL) {
            l->oom = 1;
            return -1;
        }
        l->n++;
        p->fd = s;
    }
    l->pfds[i].events = (short)((what & CURL_POLL_IN ? POLLIN : 0) |
                                (what & CURL_POLL_OUT ? POLLOUT : 0));
    l->pfds[i].revents = 0;
    return 0;
}

static int
on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct loop *l = userp;

    (void)multi;
    l->timer_at = timeout_ms < 0 ? -1 : clocks_now() + timeout_ms / 1000.0;
    return 0;
}

/* Headers: the Negotiate challenge of the final response.  A status line
 * starts a response (a 100 Continue comes before the real one). */
static size_t
on_header(char *line, size_t size, size_t n, void *userp)
{
    struct transfer *t = userp;
    struct http_exchange *ex = t->ex;
    size_t len = size * n;
    const char *token;
    size_t token_len;

    if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        free(ex->token);
        ex->token = NULL;
        ex->negotiate = 0;
        return len;
    }
    switch (negotiate_challenge(line, len, &token, &token_len)) {
    case NEGOTIATE_TOKEN:
        ex->negotiate = 1;
        if (token_len > MAX_TOKEN_B64)
            break;
        free(ex->token);
        ex->token = strndup(token, token_len);
        if (ex->token == NULL)
            return 0;         /* out of memory: curl stops the transfer */
        break;
    case NEGOTIATE_BARE:
        ex->negotiate = 1;
        break;
    case NEGOTIATE_NOT_HEADER:
    case NEGOTIATE_NONE:
        break;
    }
    return len;
}

/* The body is not read: the headers say all, and a server that streams
 * must not hold the probe. */
static size_t
on_body(char *data, size_t size, size_t n, void *userp)
{
    struct transfer *t = userp;

    (void)data;
    if (size * n == 0)
        return 0;
    t->body = 1;
    return 0;
}

/*
 * Curl may not start a name lookup of its own: the address is ours, in
 * CURLOPT_RESOLVE, and a name found there never gets here.  curl asks
 * before it reads an IP address too, which it does without a lookup.
 */
static int
refuse_resolve(void *resolver, void *reserved, void *userp)
{
    const struct transfer *t = userp;

    (void)resolver;
    (void)reserved;
    return t->ex->address ? 0 : 1;
}

#define SETOPT(easy, opt, val) \
    (curl_easy_setopt((easy), (opt), (val)) == CURLE_OK)

/* Set up transfer t for its exchange; 0 or -1 (out of memory or a curl
 * without what it needs, said in t->ex->why). */
static int
setup_transfer(struct transfer *t, double deadline)
{
    struct http_exchange *ex = t->ex;
    long left_ms = (long)clocks_poll_ms(deadline);
    CURL *e = curl_easy_init();

    t->easy = e;
    if (e == NULL)
        return -1;
    if (ex->authorization != NULL) {
        t->headers = curl_slist_append(NULL, ex->authorization);
        if (t->headers == NULL)
            return -1;
    }
    if (ex->resolve != NULL) {
        t->resolve = curl_slist_append(NULL, ex->resolve);
        if (t->resolve == NULL)
            return -1;
    }
    if (!SETOPT(e, CURLOPT_URL, ex->url) ||
        !SETOPT(e, CURLOPT_PRIVATE, t) ||
        !SETOPT(e, CURLOPT_ERRORBUFFER, t->errbuf) ||
        !SETOPT(e, CURLOPT_NOSIGNAL, 1L) ||
        !SETOPT(e, CURLOPT_PROTOCOLS_STR, "http,https") ||
        !SETOPT(e, CURLOPT_FOLLOWLOCATION, 0L) ||
        !SETOPT(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_NONE) ||
        !SETOPT(e, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED) ||
        /* No proxy, whatever http_proxy and https_proxy say. */
        !SETOPT(e, CURLOPT_PROXY, "") ||
        !SETOPT(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) ||
        /* Each probe pays for its own handshake, as a client would. */
        !SETOPT(e, CURLOPT_FRESH_CONNECT, 1L) ||
        !SETOPT(e, CURLOPT_FORBID_REUSE, 1L) ||
        !SETOPT(e, CURLOPT_USERAGENT, "krb5_exporter/" KRB5EXP_VERSION) ||
        !SETOPT(e, CURLOPT_HTTPHEADER, t->headers) ||
        !SETOPT(e, CURLOPT_RESOLVE, t->resolve) ||
        !SETOPT(e, CURLOPT_RESOLVER_START_FUNCTION, refuse_resolve) ||
        !SETOPT(e, CURLOPT_RESOLVER_START_DATA, t) ||
        !SETOPT(e, CURLOPT_HEADERFUNCTION, on_header) ||
        !SETOPT(e, CURLOPT_HEADERDATA, t) ||
        !SETOPT(e, CURLOPT_WRITEFUNCTION, on_body) ||
        !SETOPT(e, CURLOPT_WRITEDATA, t) ||
        /* A backstop only: our loop ends the transfer at the deadline. */
        !SETOPT(e, CURLOPT_TIMEOUT_MS, left_ms + 1000L) ||
        /* A ca_file is the whole trust: not the system's CAs beside it. */
        (ex->ca_file != NULL &&
         (!SETOPT(e, CURLOPT_CAINFO, ex->ca_file) ||
          !SETOPT(e, CURLOPT_CAPATH, (char *)NULL)))) {
        snprintf(ex->why, sizeof(ex->why), "libcurl refused an option "
                 "the probe needs (libcurl %s)", curl_version_info(
                     CURLVERSION_NOW)->version);
        return -1;
    }
    return 0;
}

static void timeout_transfer(struct transfer *t);

/* A transfer curl says is done: its status, or why it failed. */
static void
finish_transfer(struct transfer *t, CURLcode code)
{
    struct http_exchange *ex = t->ex;
    long status = 0, os_errno = 0;

    if (code == CURLE_OPERATION_TIMEDOUT) {
        timeout_transfer(t);  /* curl's backstop: the deadline's words */
        return;
    }
    t->done = 1;
    ex->seconds = clocks_now() - t->start;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && t->body)) {
        ex->status = status;
        return;
    }
    curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
    ex->status = 0;
    ex->error = httperr_from_curl(code, os_errno);
    snprintf(ex->why, sizeof(ex->why), "%s", t->errbuf[0] != '\0'
             ? t->errbuf : curl_easy_strerror(code));
}

/* What a transfer the deadline cut short had got to. */
static void
timeout_transfer(struct transfer *t)
{
    struct http_exchange *ex = t->ex;
    double connected = 0;

    t->done = 1;
    ex->seconds = clocks_now() - t->start;
    curl_easy_getinfo(t->easy, CURLINFO_CONNECT_TIME, &connected);
    ex->status = 0;
    ex->error = (struct probe_error){ ERR_SPACE_ERRNO, ETIMEDOUT };
    snprintf(ex->why, sizeof(ex->why), "%s", connected > 0
             ? "connected, but no response before the deadline"
             : "no connection before the deadline");
}

/* Hand curl what poll() saw, then whatever its timer says is due. */
static void
drive(CURLM *multi, struct loop *l, const struct pollfd *seen, size_t n,
      int *running)
{
    for (size_t i = 0; i < n; i++) {
        int ev = 0;
        if (seen[i].revents == 0)
            continue;
        if (seen[i].revents & POLLIN)
            ev |= CURL_CSELECT_IN;
        if (seen[i].revents & POLLOUT)
            ev |= CURL_CSELECT_OUT;
        if (seen[i].revents & (POLLERR | POLLHUP | POLLNVAL))
            ev |= CURL_CSELECT_ERR;
        curl_multi_socket_action(multi, seen[i].fd, ev, running);
    }
    if (l->timer_at >= 0 && clocks_now() >= l->timer_at) {
        l->timer_at = -1;
        curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, running);
    }
}

/* Take the finished transfers off the multi. */
static void
reap(CURLM *multi)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
        struct transfer *t = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        if (t != NULL && !t->done)
            finish_transfer(t, msg->data.result);
    }
}

/* The poll loop: until every transfer is done or the deadline passes. */
static int
run_loop(CURLM *multi, struct loop *l, double deadline)
{
    int running = 1;
    struct pollfd *seen = NULL;

    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    reap(multi);
    while (running > 0 && !l->oom) {
        int left = clocks_poll_ms(deadline), ms = left, r;
        size_t n = l->n;

        if (left == 0)
            break;
        if (l->timer_at >= 0) {
            double due = l->timer_at - clocks_now();
            int t_ms = due <= 0 ? 0 : (int)(due * 1000) + 1;
            if (t_ms < ms)
                ms = t_ms;
        }
        /* curl's callbacks change l->pfds while we walk what poll saw. */
        free(seen);
        seen = n > 0 ? malloc(n * sizeof(*seen)) : NULL;
        if (n > 0 && seen == NULL) {
            l->oom = 1;
            break;
        }
        if (n > 0)
            memcpy(seen, l->pfds, n * sizeof(*seen));
        r = poll(seen, (nfds_t)n, ms);
        if (r < 0 && errno != EINTR)
            break;
        drive(multi, l, seen, r > 0 ? n : 0, &running);
        reap(multi);
    }
    free(seen);
    return l->oom ? ENOMEM : 0;
}

void
httpio_exchange_clear(struct http_exchange *ex)
{
    free(ex->token);
    ex->token = NULL;
}

int
httpio_exchange_all(struct http_exchange *ex, size_t n, double deadline)
{
    struct transfer *ts = calloc(n ? n : 1, sizeof(*ts));
    struct loop l = { NULL, 0, -1, 0 };
    CURLM *multi = NULL;
    int status = 0;

    pthread_once(&curl_once, init_curl);
    for (size_t i = 0; i < n; i++) {
        ex[i].status = 0;
        ex[i].token = NULL;
        ex[i].negotiate = 0;
        ex[i].error = (struct probe_error){ ERR_SPACE_ERRNO, 0 };
        ex[i].why[0] = '\0';
        ex[i].seconds = 0;
    }
    if (ts == NULL || curl_init_status != CURLE_OK ||
        (multi = curl_multi_init()) == NULL ||
        curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket) ||
        curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, &l) ||
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer) ||
        curl_multi_setopt(multi, CURLMOPT_TIMERDATA, &l)) {
        status = ENOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        ts[i].ex = &ex[i];
        ts[i].start = clocks_now();
        if (setup_transfer(&ts[i], deadline) != 0 ||
            curl_multi_add_handle(multi, ts[i].easy) != CURLM_OK) {
            ts[i].done = 1;
            ex[i].error = (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM };
            if (ex[i].why[0] == '\0')
                snprintf(ex[i].why, sizeof(ex[i].why), "cannot set up the "
                         "request: out of memory");
        }
    }
    status = run_loop(multi, &l, deadline);
cleanup:
    for (size_t i = 0; i < n; i++) {
        struct transfer *t = ts != NULL ? &ts[i] : NULL;
        if (t == NULL || t->ex == NULL) {
            ex[i].error = (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM };
            snprintf(ex[i].why, sizeof(ex[i].why), "cannot set up libcurl");
            continue;
        }
        if (!t->done)
            timeout_transfer(t);
        if (t->easy != NULL) {
            if (multi != NULL)
                curl_multi_remove_handle(multi, t->easy);
            curl_easy_cleanup(t->easy);
        }
        /* curl kept a copy of the header, which is a credential. */
        for (struct curl_slist *h = t->headers; h != NULL; h = h->next)
            explicit_bzero(h->data, strlen(h->data));
        curl_slist_free_all(t->headers);
        curl_slist_free_all(t->resolve);
    }
    if (multi != NULL)
        curl_multi_cleanup(multi);
    free(l.pfds);
    free(ts);
    return status;
}
