/* http: routes and bytes over libmicrohttpd; see http.h. */
#include "exporter/http.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "exporter/flags.h"
#include "exporter/log.h"

/* Requests beyond this many open connections are refused by MHD. */
#define HTTP_CONNECTION_LIMIT 64
/* Seconds a connection may sit idle. */
#define HTTP_IDLE_TIMEOUT 60

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_handlers handlers;
    int active;                   /* atomic: requests not yet completed */
};

/* Marks a request as counted in `active`. */
static int request_marker;

int
http_reply_text(struct http_reply *out, unsigned status, const char *text)
{
    out->status = status;
    out->content_type = HTTP_TYPE_TEXT;
    out->len = strlen(text);
    out->body = strdup(text);
    return out->body != NULL ? 0 : -1;
}

/* Queue a reply; takes the body over. */
static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct http_reply *r,
           const char *allow)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = MHD_create_response_from_buffer(r->len, r->body,
                                           MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(r->body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->content_type);
    if (allow != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    ret = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result
send_text(struct MHD_Connection *conn, unsigned status, const char *text,
          const char *allow)
{
    struct http_reply r;

    if (http_reply_text(&r, status, text) != 0)
        return MHD_NO;
    return send_reply(conn, &r, allow);
}

/* Send what a handler made, or a 500 when it failed. */
static enum MHD_Result
send_handled(struct MHD_Connection *conn, int ret, struct http_reply *r)
{
    if (ret != 0)
        return send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                         "internal error; see the exporter's log\n", NULL);
    return send_reply(conn, r, NULL);
}

/* Parse the scrape-timeout header; -1 when it is malformed. */
static int
scrape_budget(struct MHD_Connection *conn, double *budget)
{
    const char *hdr = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds");

    *budget = 0;
    if (hdr == NULL)
        return 0;
    return reqparse_scrape_timeout(hdr, budget);
}

static enum MHD_Result
serve_get(struct http_server *s, struct MHD_Connection *conn, const char *url)
{
    struct http_reply r = { 0, NULL, NULL, 0 };
    double budget = 0;

    if (strcmp(url, "/metrics") == 0 || strcmp(url, "/probe") == 0) {
        if (scrape_budget(conn, &budget) != 0) {
            log_warn("rejected %s: malformed "
                     "X-Prometheus-Scrape-Timeout-Seconds header", url);
            return send_text(conn, MHD_HTTP_BAD_REQUEST,
                             "X-Prometheus-Scrape-Timeout-Seconds must be a "
                             "positive number of seconds\n", NULL);
        }
    }
    if (strcmp(url, "/metrics") == 0)
        return send_handled(conn, s->handlers.metrics(s->handlers.arg, budget,
                                                      &r), &r);
    if (strcmp(url, "/probe") == 0) {
        struct probe_query q;
        char err[256], line[300];
        const char *realm = MHD_lookup_connection_value(
            conn, MHD_GET_ARGUMENT_KIND, "realm");
        const char *debug = MHD_lookup_connection_value(
            conn, MHD_GET_ARGUMENT_KIND, "debug");
        if (reqparse_probe_query(realm, debug, &q, err, sizeof(err)) != 0) {
            snprintf(line, sizeof(line), "%s\n", err);
            return send_text(conn, MHD_HTTP_BAD_REQUEST, line, NULL);
        }
        return send_handled(conn, s->handlers.probe(s->handlers.arg, &q,
                                                    budget, &r), &r);
    }
    if (strcmp(url, "/-/healthy") == 0)
        return send_text(conn, MHD_HTTP_OK, "OK\n", NULL);
    if (strcmp(url, "/-/ready") == 0) {
        if (s->handlers.ready(s->handlers.arg))
            return send_text(conn, MHD_HTTP_OK, "OK\n", NULL);
        return send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                         "not ready: no configuration loaded\n", NULL);
    }
    if (strcmp(url, "/-/reload") == 0)
        return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                         "use POST to reload\n", "POST");
    if (strcmp(url, "/") == 0)
        return send_handled(conn, s->handlers.landing(s->handlers.arg, &r),
                            &r);
    return send_text(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
           const char *method, const char *version, const char *upload_data,
           size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    int is_get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
                 strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    int is_reload = strcmp(url, "/-/reload") == 0;

    (void)version;
    (void)upload_data;
    if (*con_cls == NULL) {
        *con_cls = &request_marker;
        __atomic_add_fetch(&s->active, 1, __ATOMIC_RELAXED);
        /* A POST to /-/reload is answered once its body (ignored) is in. */
        if (is_reload && strcmp(method, MHD_HTTP_METHOD_POST) == 0)
            return MHD_YES;
    }
    if (is_reload && strcmp(method, MHD_HTTP_METHOD_POST) == 0) {
        struct http_reply r = { 0, NULL, NULL, 0 };
        if (*upload_data_size != 0) {
            *upload_data_size = 0;
            return MHD_YES;
        }
        return send_handled(conn, s->handlers.reload(s->handlers.arg, &r),
                            &r);
    }
    if (!is_get)
        return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                         "method not allowed\n", "GET, HEAD");
    return serve_get(s, conn, url);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;

    (void)conn;
    (void)toe;
    if (*con_cls == &request_marker) {
        __atomic_sub_fetch(&s->active, 1, __ATOMIC_RELAXED);
        *con_cls = NULL;
    }
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    size_t n;

    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    n = strcspn(line, "\n");
    line[n] = '\0';
    log_warn("http: %s", line);
}

struct http_server *
http_start(const char *listen_address, const struct http_handlers *handlers,
           char *err, size_t err_len)
{
    struct http_server *s;
    struct addrinfo hints, *ai = NULL;
    unsigned int flags = MHD_USE_THREAD_PER_CONNECTION |
                         MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
                         MHD_USE_ITC;
    char host[256];
    unsigned short port;
    int gai;

    if (flags_split_listen(listen_address, host, sizeof(host), &port) != 0) {
        snprintf(err, err_len, "malformed listen address \"%s\"",
                 listen_address);
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    s->handlers = *handlers;
    if (host[0] == '\0') {
        flags |= MHD_USE_DUAL_STACK;
    } else {
        memset(&hints, 0, sizeof(hints));
        hints.ai_flags = AI_PASSIVE;
        hints.ai_socktype = SOCK_STREAM;
        gai = getaddrinfo(host, NULL, &hints, &ai);
        if (gai != 0) {
            snprintf(err, err_len, "cannot resolve listen host \"%s\": %s",
                     host, gai_strerror(gai));
            free(s);
            return NULL;
        }
        if (ai->ai_family == AF_INET6) {
            flags |= MHD_USE_IPv6;
            ((struct sockaddr_in6 *)ai->ai_addr)->sin6_port = htons(port);
        } else {
            ((struct sockaddr_in *)ai->ai_addr)->sin_port = htons(port);
        }
    }
    errno = 0;
    s->daemon = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONNECTION_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_TIMEOUT,
        ai != NULL ? MHD_OPTION_SOCK_ADDR : MHD_OPTION_END,
        ai != NULL ? ai->ai_addr : NULL, MHD_OPTION_END);
    if (ai != NULL)
        freeaddrinfo(ai);
    if (s->daemon == NULL) {
        snprintf(err, err_len, "cannot listen on %s: %s", listen_address,
                 errno ? strerror(errno) : "libmicrohttpd refused");
        free(s);
        return NULL;
    }
    return s;
}

void
http_stop(struct http_server *server, double grace_seconds)
{
    struct timespec nap = { 0, 20 * 1000 * 1000 };
    int rounds = (int)(grace_seconds * 50);
    MHD_socket listen_fd;

    if (server == NULL)
        return;
    /* Stop taking connections, then let the requests in flight finish.
     * The listening socket is handed back to us to close. */
    listen_fd = MHD_quiesce_daemon(server->daemon);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    while (rounds-- > 0 &&
           __atomic_load_n(&server->active, __ATOMIC_RELAXED) > 0)
        nanosleep(&nap, NULL);
    MHD_stop_daemon(server->daemon);
    free(server);
}
