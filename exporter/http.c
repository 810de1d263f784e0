/* http: routes and bytes over libmicrohttpd; see http.h. */
#include "exporter/http.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "exporter/flags.h"
#include "exporter/log.h"
#include "exporter/reqparse.h"

#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define CONTENT_TYPE_TEXT "text/plain; charset=utf-8"
#define CONTENT_TYPE_HTML "text/html; charset=utf-8"

/* Requests beyond this many open connections are refused by MHD. */
#define HTTP_CONNECTION_LIMIT 64
/* Seconds a connection may sit idle. */
#define HTTP_IDLE_TIMEOUT 60

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_handlers handlers;
};

/* Queue a response that takes ownership of body (malloc'd) or copies a
 * static text. */
static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned int status, const char *type,
      char *body, size_t len, int owned)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = MHD_create_response_from_buffer(
        len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        if (owned)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result
reply_text(struct MHD_Connection *conn, unsigned int status, const char *text)
{
    return reply(conn, status, CONTENT_TYPE_TEXT, (char *)(uintptr_t)text,
                 strlen(text), 0);
}

static enum MHD_Result
serve_metrics(struct http_server *s, struct MHD_Connection *conn)
{
    const char *hdr = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds");
    double budget = 0;
    char *body = NULL;
    size_t len = 0;

    if (hdr != NULL && reqparse_scrape_timeout(hdr, &budget) != 0) {
        log_warn("rejected scrape: malformed "
                 "X-Prometheus-Scrape-Timeout-Seconds header");
        return reply_text(conn, MHD_HTTP_BAD_REQUEST,
                          "X-Prometheus-Scrape-Timeout-Seconds must be a "
                          "positive number of seconds\n");
    }
    if (s->handlers.metrics(s->handlers.arg, budget, &body, &len) != 0)
        return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                          "scrape failed; see the exporter's log\n");
    return reply(conn, MHD_HTTP_OK, CONTENT_TYPE_METRICS, body, len, 1);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
           const char *method, const char *version, const char *upload_data,
           size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    char *body = NULL;
    size_t len = 0;

    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                          "method not allowed\n");
    if (strcmp(url, "/metrics") == 0)
        return serve_metrics(s, conn);
    if (strcmp(url, "/-/healthy") == 0)
        return reply_text(conn, MHD_HTTP_OK, "OK\n");
    if (strcmp(url, "/") == 0) {
        if (s->handlers.landing(s->handlers.arg, &body, &len) != 0)
            return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "cannot build the page\n");
        return reply(conn, MHD_HTTP_OK, CONTENT_TYPE_HTML, body, len, 1);
    }
    return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
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
                         MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
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
http_stop(struct http_server *server)
{
    if (server == NULL)
        return;
    MHD_stop_daemon(server->daemon);
    free(server);
}
