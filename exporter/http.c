/* http: routes and bytes over libmicrohttpd; see http.h. */
#include "exporter/http.h"

#include <ctype.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "exporter/flags.h"
#include "base/log.h"
#include "exporter/webauth.h"

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_handlers handlers;
    const struct webauth *auth;   /* borrowed; NULL: no authentication */
    int verify_clients;           /* mutual TLS */
    int active;                   /* atomic: requests not yet completed */
};

const char *
http_tls_priorities(int min_version)
{
    switch (min_version) {
    case 0: return "NORMAL:-VERS-SSL3.0";
    case 1: return "NORMAL:-VERS-SSL3.0:-VERS-TLS1.0";
    case 3: return "NORMAL:-VERS-ALL:+VERS-TLS1.3";
    default: return "NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1";
    }
}

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

/* --- Accept-Encoding and gzip ------------------------------------------- */

/* RFC 9110 tchar. */
static int
is_tchar(unsigned char c)
{
    return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *
skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* A qvalue, "0[.DDD]" or "1[.000]", as thousandths; advances *p.  -1 when
 * it is not one. */
static int
parse_qvalue(const char **p)
{
    const char *s = *p;
    int q, digits = 0, frac = 0;

    if (*s != '0' && *s != '1')
        return -1;
    q = (*s++ - '0') * 1000;
    if (*s == '.') {
        for (s++; isdigit((unsigned char)*s); s++) {
            if (++digits > 3)
                return -1;
            frac = frac * 10 + (*s - '0');
        }
        for (int i = digits; i < 3; i++)
            frac *= 10;
    }
    if (q + frac > 1000)
        return -1;
    *p = s;
    return q + frac;
}

/* A parameter value: a token or a quoted-string; advances *p.  -1 when
 * there is none. */
static int
skip_param_value(const char **p)
{
    const char *s = *p;

    if (*s == '"') {
        for (s++; *s != '"'; s++) {
            if (*s == '\0')
                return -1;
            if (*s == '\\' && *++s == '\0')
                return -1;
        }
        *p = s + 1;
        return 0;
    }
    if (!is_tchar((unsigned char)*s))
        return -1;
    while (is_tchar((unsigned char)*s))
        s++;
    *p = s;
    return 0;
}

/*
 * One element of the list at *p: "coding *( OWS ; OWS param )".  Sets
 * the coding's span and its q in thousandths (1000 when none), and
 * advances *p to the ',' or the end after it.  Returns 0, or -1 when the
 * element does not parse (then *p is past it all the same).
 */
static int
parse_coding(const char **p, const char **name, size_t *name_len, int *q)
{
    const char *s = *p;
    int ok = 1;

    *name = s;
    while (is_tchar((unsigned char)*s))
        s++;
    *name_len = (size_t)(s - *name);
    *q = 1000;
    if (*name_len == 0)
        ok = 0;
    for (s = skip_ows(s); ok && *s == ';'; s = skip_ows(s)) {
        s = skip_ows(s + 1);
        if ((s[0] == 'q' || s[0] == 'Q') && s[1] == '=') {
            s += 2;
            *q = parse_qvalue(&s);
            ok = *q >= 0;
            continue;
        }
        while (is_tchar((unsigned char)*s))
            s++;
        ok = *s == '=';
        if (ok) {
            s++;
            ok = skip_param_value(&s) == 0;
        }
    }
    if (*s != ',' && *s != '\0')
        ok = 0;
    /* Past the element, even a broken one: to its ',', outside quotes. */
    while (*s != ',' && *s != '\0') {
        if (*s == '"' && skip_param_value(&s) == 0)
            continue;
        s++;
    }
    *p = s;
    return ok ? 0 : -1;
}

static int
coding_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

int
http_accepts_gzip(const char *accept_encoding)
{
    int q_gzip = -1, q_any = -1, q_identity = -1, q;
    const char *p = accept_encoding;

    if (p == NULL)
        return 0;
    while (*p != '\0') {
        const char *name;
        size_t len;

        p = skip_ows(p);
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\0')
            break;
        if (parse_coding(&p, &name, &len, &q) != 0)
            continue;
        /* A coding listed twice counts with its higher q. */
        if (coding_is(name, len, "gzip") || coding_is(name, len, "x-gzip"))
            q_gzip = q > q_gzip ? q : q_gzip;
        else if (coding_is(name, len, "*"))
            q_any = q > q_any ? q : q_any;
        else if (coding_is(name, len, "identity"))
            q_identity = q > q_identity ? q : q_identity;
    }
    /* gzip's own entry decides over "*". */
    q = q_gzip >= 0 ? q_gzip : q_any >= 0 ? q_any : 0;
    return q > 0 && q >= q_identity;
}

int
http_gzip(const char *data, size_t len, char **out, size_t *out_len)
{
    z_stream zs;
    char *buf;
    uLong bound;
    int ret;

    if (len > UINT_MAX)
        return -1;
    memset(&zs, 0, sizeof(zs));
    /* 15 + 16: the largest window, with a gzip header and trailer. */
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    bound = deflateBound(&zs, (uLong)len);
    buf = bound <= UINT_MAX ? malloc(bound) : NULL;
    if (buf == NULL) {
        deflateEnd(&zs);
        return -1;
    }
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)buf;
    zs.avail_out = (uInt)bound;
    ret = deflate(&zs, Z_FINISH);
    if (ret != Z_STREAM_END) {
        deflateEnd(&zs);
        free(buf);
        return -1;
    }
    *out_len = zs.total_out;
    deflateEnd(&zs);
    *out = buf;
    return 0;
}

/*
 * A response holding body[len], in gzip when the request asks for it
 * (the plain body when compressing fails), with Vary: Accept-Encoding
 * either way.  Takes the body over when must_free.  NULL on failure.
 */
static struct MHD_Response *
make_response(struct MHD_Connection *conn, char *body, size_t len,
              int must_free, const char *content_type)
{
    struct MHD_Response *resp;
    char *zipped = NULL;
    size_t zipped_len = 0;
    const char *accept = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);

    if (http_accepts_gzip(accept) &&
        http_gzip(body, len, &zipped, &zipped_len) == 0) {
        if (must_free)
            free(body);
        body = zipped;
        len = zipped_len;
        must_free = 1;
    }
    resp = MHD_create_response_from_buffer(
        len, body, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        if (must_free)
            free(body);
        return NULL;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            content_type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY,
                            MHD_HTTP_HEADER_ACCEPT_ENCODING);
    if (zipped != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING,
                                "gzip");
    return resp;
}

/* Queue a reply; takes the body over. */
static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct http_reply *r,
           const char *allow)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = make_response(conn, r->body, r->len, 1, r->content_type);
    if (resp == NULL)
        return MHD_NO;
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
            log_kv(LOG_LEVEL_WARN, "rejected a request: malformed "
                   "X-Prometheus-Scrape-Timeout-Seconds header", "path", url,
                   (char *)NULL);
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
                         "not ready: shutting down\n", NULL);
    }
    if (strcmp(url, "/-/reload") == 0)
        return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                         "use POST to reload\n", "POST");
    if (strcmp(url, "/") == 0)
        return send_handled(conn, s->handlers.landing(s->handlers.arg, &r),
                            &r);
    return send_text(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
}

/* Did the client present a certificate our CAs vouch for? */
static int
client_verified(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(
        conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    unsigned int status = 0;

    if (info == NULL || info->tls_session == NULL)
        return 0;
    if (gnutls_certificate_verify_peers2(
            (gnutls_session_t)info->tls_session, &status) != 0)
        return 0;
    /* No certificate at all verifies as "nothing wrong": ask for one. */
    if (gnutls_certificate_get_peers((gnutls_session_t)info->tls_session,
                                     &(unsigned int){ 0 }) == NULL)
        return 0;
    return status == 0;
}

/* Is the request allowed in?  Queues the refusal when it is not.
 * /-/healthy needs no password, as in Prometheus's exporter-toolkit. */
static int
admitted(struct http_server *s, struct MHD_Connection *conn, const char *url,
         enum MHD_Result *refusal)
{
    char *user, *password = NULL;
    int ok;

    if (s->verify_clients && !client_verified(conn)) {
        *refusal = send_text(conn, MHD_HTTP_FORBIDDEN,
                             "a client certificate signed by a trusted CA "
                             "is required\n", NULL);
        return 0;
    }
    if (s->auth == NULL || strcmp(url, "/-/healthy") == 0)
        return 1;
    user = MHD_basic_auth_get_username_password(conn, &password);
    ok = webauth_check(s->auth, user, password);
    if (password != NULL) {
        explicit_bzero(password, strlen(password));
        MHD_free(password);
    }
    if (user != NULL)
        MHD_free(user);
    if (ok)
        return 1;
    {
        struct MHD_Response *resp;
        static const char text[] = "unauthorized\n";
        resp = make_response(conn, (char *)(uintptr_t)text, sizeof(text) - 1,
                             0, HTTP_TYPE_TEXT);
        if (resp == NULL) {
            *refusal = MHD_NO;
            return 0;
        }
        *refusal = MHD_queue_basic_auth_fail_response(conn, "krb5_exporter",
                                                      resp);
        MHD_destroy_response(resp);
    }
    return 0;
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
    enum MHD_Result refusal;

    (void)version;
    (void)upload_data;
    if (*con_cls == NULL) {
        *con_cls = &request_marker;
        __atomic_add_fetch(&s->active, 1, __ATOMIC_RELAXED);
        if (!admitted(s, conn, url, &refusal))
            return refusal;
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
    log_kv(LOG_LEVEL_WARN, line, "component", "libmicrohttpd", (char *)NULL);
}

struct http_server *
http_start(const char *listen_address, const struct http_handlers *handlers,
           const struct http_options *options, char *err, size_t err_len)
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
    s->auth = options->auth;
    s->verify_clients = options->client_ca_pem != NULL;
    if (options->tls_cert_pem != NULL)
        flags |= MHD_USE_TLS;
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
    {
        /* Options are laid out in an array so that the TLS ones can be
         * left out of a plain HTTP server. */
        struct MHD_OptionItem opts[12];
        size_t n = 0;

#define OPT(o, v, p) opts[n++] = (struct MHD_OptionItem){ (o), (v), (p) }
        OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL);
        OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s);
        OPT(MHD_OPTION_CONNECTION_LIMIT, options->max_connections, NULL);
        OPT(MHD_OPTION_CONNECTION_TIMEOUT, options->idle_timeout, NULL);
        OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, options->max_request_size,
            NULL);
        if (ai != NULL)
            OPT(MHD_OPTION_SOCK_ADDR, 0, ai->ai_addr);
        if (options->tls_cert_pem != NULL) {
            OPT(MHD_OPTION_HTTPS_MEM_CERT, 0,
                (void *)(uintptr_t)options->tls_cert_pem);
            OPT(MHD_OPTION_HTTPS_MEM_KEY, 0,
                (void *)(uintptr_t)options->tls_key_pem);
            OPT(MHD_OPTION_HTTPS_PRIORITIES, 0,
                (void *)(uintptr_t)options->tls_priorities);
            if (options->client_ca_pem != NULL)
                OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0,
                    (void *)(uintptr_t)options->client_ca_pem);
        }
        OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
        errno = 0;
        s->daemon = MHD_start_daemon(flags, port, NULL, NULL, on_request, s,
                                     MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    }
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
