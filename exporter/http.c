/* http: routes and bytes over libmicrohttpd; see http.h. */
#include "exporter/http.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
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
#include "exporter/httptls.h"
#include "exporter/webauth.h"
#include "exporter/webconfig.h"
#include "exporter/webwatch.h"

struct http_web {
    int refs;                     /* atomic */
    struct webconfig *cfg;        /* owned; its PEM texts freed once loaded */
    struct httptls tls;           /* owned; tls.cred NULL: plain HTTP */
    struct webauth auth;
    int have_auth;
};

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_handlers handlers;
    int tls;                      /* the daemon serves TLS: fixed at start */
    int active;                   /* atomic: requests not yet completed */
    pthread_mutex_t web_lock;     /* guards web and watch */
    struct http_web *web;         /* the version in force: a reference */
    char *web_path;               /* owned or NULL: the web config file */
    struct webwatch watch;        /* the files of the last load tried */
};

/* A request's state between libmicrohttpd's calls. */
struct request {
    struct http_web *web;         /* a reference: its users and headers */
};

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

/* --- the web settings: versions, and the file they come from ---------- */

int
http_web_tls(const struct http_web *web)
{
    return web->tls.cred != NULL;
}

size_t
http_web_users(const struct http_web *web)
{
    return web->have_auth ? web->auth.n_users : 0;
}

void
http_web_put(struct http_web *web)
{
    if (web == NULL || __atomic_sub_fetch(&web->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    httptls_free(&web->tls);
    if (web->have_auth)
        webauth_free(&web->auth);
    webconfig_free(web->cfg);
    free(web);
}

/* Free a PEM text, wiping it first. */
static void
drop_pem(char **pem)
{
    if (*pem != NULL) {
        explicit_bzero(*pem, strlen(*pem));
        free(*pem);
        *pem = NULL;
    }
}

int
http_web_new(struct webconfig *cfg, struct http_web **out,
             struct conf_errors *errs)
{
    struct http_web *w = calloc(1, sizeof(*w));
    int failed = 0, ret;

    if (w == NULL) {
        webconfig_problem(errs, cfg->name, 0, NULL, "out of memory");
        webconfig_free(cfg);
        return -1;
    }
    w->refs = 1;
    w->cfg = cfg;
    if (cfg->cert_pem != NULL && cfg->key_pem != NULL)
        failed = httptls_init(&w->tls, cfg, errs) != 0;
    /* GnuTLS holds its own copies now. */
    drop_pem(&cfg->key_pem);
    drop_pem(&cfg->cert_pem);
    drop_pem(&cfg->ca_pem);
    if (!failed && cfg->n_users > 0) {
        ret = webauth_init(&w->auth, cfg->users, cfg->n_users);
        if (ret != 0)
            webconfig_problem(errs, cfg->name, 0, NULL, "basic_auth_users: %s",
                              ret == ENOMEM ? "out of memory"
                                            : "cannot make a bcrypt hash");
        w->have_auth = ret == 0;
        failed = ret != 0;
    }
    if (failed) {
        http_web_put(w);
        return -1;
    }
    *out = w;
    return 0;
}

/* One line about a version: what it serves, never a secret. */
static void
describe_web(const struct http_web *w, char *buf, size_t len)
{
    const struct webconfig *cfg = w->cfg;

    if (w->tls.cred != NULL)
        snprintf(buf, len, "TLS %s to %s, client_auth_type %s, %zu "
                 "basic-auth user%s, %zu extra header%s",
                 conf_tls_version_name(cfg->min_version),
                 conf_tls_version_name(cfg->max_version),
                 webconfig_client_auth_name(cfg->client_auth),
                 http_web_users(w), http_web_users(w) == 1 ? "" : "s",
                 cfg->n_headers, cfg->n_headers == 1 ? "" : "s");
    else
        snprintf(buf, len, "plain HTTP, %zu basic-auth user%s, %zu extra "
                 "header%s", http_web_users(w),
                 http_web_users(w) == 1 ? "" : "s", cfg->n_headers,
                 cfg->n_headers == 1 ? "" : "s");
}

/*
 * Reread the web config file, which changed.  Called with web_lock held.
 * The new version replaces the one in force only when it loads whole and
 * keeps TLS as the daemon serves it; else the reasons are logged (once:
 * the watch now holds the failed state, which is not read again until it
 * changes) and the version in force stays.
 */
static void
reload_web(struct http_server *s)
{
    struct conf_errors errs = { NULL, 0 };
    struct webconfig *cfg = NULL;
    struct http_web *w = NULL, *old;
    char what[256];
    int ok;

    ok = webwatch_load_file(s->web_path, 1, &s->watch, &cfg, &errs) == 0 &&
         http_web_new(cfg, &w, &errs) == 0;
    if (!ok) {
        for (size_t i = 0; i < errs.count; i++)
            log_kv(LOG_LEVEL_ERROR, errs.messages[i], "component",
                   "web-config", (char *)NULL);
        log_error("web config: %s is invalid (%zu problem%s); the web "
                  "configuration in force stays", s->web_path, errs.count,
                  errs.count == 1 ? "" : "s");
        conf_errors_clear(&errs);
        return;
    }
    if (http_web_tls(w) != s->tls) {
        log_error("web config: %s would turn TLS %s, which needs a restart; "
                  "the web configuration in force stays", s->web_path,
                  s->tls ? "off" : "on");
        http_web_put(w);
        return;
    }
    old = s->web;
    s->web = w;
    http_web_put(old);
    describe_web(w, what, sizeof(what));
    log_info("web config: %s reloaded: %s", s->web_path, what);
}

/* The version in force now, noticing a change of the file first.  Returns
 * a reference; drop it with http_web_put(). */
static struct http_web *
web_now(struct http_server *s)
{
    struct http_web *w;

    pthread_mutex_lock(&s->web_lock);
    if (s->web_path != NULL && webwatch_changed(&s->watch))
        reload_web(s);
    w = s->web;
    __atomic_add_fetch(&w->refs, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&s->web_lock);
    return w;
}

/*
 * A connection starts or ends.  libmicrohttpd calls this from its
 * listening thread once the TLS session exists and before its handshake,
 * so the session gets the credentials, versions and client-certificate
 * policy of the version in force now; the connection keeps a reference
 * to it (its socket context) until it closes.
 */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
    struct http_server *s = cls;
    const union MHD_ConnectionInfo *info;
    struct http_web *w;

    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        http_web_put(*socket_context);
        *socket_context = NULL;
        return;
    }
    w = web_now(s);
    *socket_context = w;
    if (w->tls.cred == NULL)
        return;
    info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (info == NULL || info->tls_session == NULL)
        return;
    httptls_session_setup(&w->tls, (gnutls_session_t)info->tls_session);
}

/* The version a connection began under; NULL before on_connection(). */
static const struct http_web *
connection_web(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(
        conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return info != NULL ? info->socket_context : NULL;
}

/*
 * A response holding body[len], in gzip when the request asks for it
 * (the plain body when compressing fails), with Vary: Accept-Encoding
 * either way, and the extra headers of web (the request's version; NULL:
 * none).  Takes the body over when must_free.  NULL on failure.
 */
static struct MHD_Response *
make_response(struct MHD_Connection *conn, const struct http_web *web,
              char *body, size_t len, int must_free, const char *content_type)
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
    /* http_server_config.headers, on every response, refusals too, as
     * exporter-toolkit sets them. */
    for (size_t i = 0; web != NULL && i < web->cfg->n_headers; i++)
        MHD_add_response_header(resp, web->cfg->headers[i].name,
                                web->cfg->headers[i].value);
    return resp;
}

/* Queue a reply; takes the body over. */
static enum MHD_Result
send_reply(struct MHD_Connection *conn, const struct http_web *web,
           struct http_reply *r, const char *allow)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = make_response(conn, web, r->body, r->len, 1, r->content_type);
    if (resp == NULL)
        return MHD_NO;
    if (allow != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    ret = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result
send_text(struct MHD_Connection *conn, const struct http_web *web,
          unsigned status, const char *text, const char *allow)
{
    struct http_reply r;

    if (http_reply_text(&r, status, text) != 0)
        return MHD_NO;
    return send_reply(conn, web, &r, allow);
}

/* Send what a handler made, or a 500 when it failed. */
static enum MHD_Result
send_handled(struct MHD_Connection *conn, const struct http_web *web, int ret,
             struct http_reply *r)
{
    if (ret != 0)
        return send_text(conn, web, MHD_HTTP_INTERNAL_SERVER_ERROR,
                         "internal error; see the exporter's log\n", NULL);
    return send_reply(conn, web, r, NULL);
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
serve_get(struct http_server *s, struct MHD_Connection *conn, const char *url,
          const struct http_web *web)
{
    struct http_reply r = { 0, NULL, NULL, 0 };
    double budget = 0;

    if (strcmp(url, "/metrics") == 0 || strcmp(url, "/probe") == 0) {
        if (scrape_budget(conn, &budget) != 0) {
            log_kv(LOG_LEVEL_WARN, "rejected a request: malformed "
                   "X-Prometheus-Scrape-Timeout-Seconds header", "path", url,
                   (char *)NULL);
            return send_text(conn, web, MHD_HTTP_BAD_REQUEST,
                             "X-Prometheus-Scrape-Timeout-Seconds must be a "
                             "positive number of seconds\n", NULL);
        }
    }
    if (strcmp(url, "/metrics") == 0)
        return send_handled(conn, web, s->handlers.metrics(s->handlers.arg,
                                                           budget, &r), &r);
    if (strcmp(url, "/probe") == 0) {
        struct probe_query q;
        char err[256], line[300];
        const char *realm = MHD_lookup_connection_value(
            conn, MHD_GET_ARGUMENT_KIND, "realm");
        const char *debug = MHD_lookup_connection_value(
            conn, MHD_GET_ARGUMENT_KIND, "debug");
        if (reqparse_probe_query(realm, debug, &q, err, sizeof(err)) != 0) {
            snprintf(line, sizeof(line), "%s\n", err);
            return send_text(conn, web, MHD_HTTP_BAD_REQUEST, line, NULL);
        }
        return send_handled(conn, web, s->handlers.probe(s->handlers.arg, &q,
                                                         budget, &r), &r);
    }
    if (strcmp(url, "/-/healthy") == 0)
        return send_text(conn, web, MHD_HTTP_OK, "OK\n", NULL);
    if (strcmp(url, "/-/ready") == 0) {
        if (s->handlers.ready(s->handlers.arg))
            return send_text(conn, web, MHD_HTTP_OK, "OK\n", NULL);
        return send_text(conn, web, MHD_HTTP_SERVICE_UNAVAILABLE,
                         "not ready: shutting down\n", NULL);
    }
    if (strcmp(url, "/-/reload") == 0)
        return send_text(conn, web, MHD_HTTP_METHOD_NOT_ALLOWED,
                         "use POST to reload\n", "POST");
    if (strcmp(url, "/") == 0)
        return send_handled(conn, web,
                            s->handlers.landing(s->handlers.arg, &r), &r);
    return send_text(conn, web, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
}

/* What the client's certificate is: -1 none, 0 one our CAs do not vouch
 * for, 1 one they do. */
static int
client_certificate(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(
        conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);

    if (info == NULL || info->tls_session == NULL)
        return -1;
    return httptls_client_certificate((gnutls_session_t)info->tls_session);
}

/*
 * Is the request allowed in?  Queues the refusal when it is not.  The
 * client certificate is judged by the version the connection began under
 * (cw, whose CAs the handshake used), the password by the request's (web).
 * /-/healthy needs no password, as in Prometheus's exporter-toolkit.
 */
static int
admitted(struct MHD_Connection *conn, const struct http_web *cw,
         const struct http_web *web, const char *url, enum MHD_Result *refusal)
{
    char *user, *password = NULL;
    int ok, cert;

    if (cw != NULL && cw->tls.cred != NULL &&
        (cw->cfg->refuse_unverified || cw->tls.verify)) {
        /* The handshake refused a certificate that does not verify
         * already; this is the check behind it, and the web group's
         * "a verified certificate or 403". */
        cert = client_certificate(conn);
        if (cert == 0 || (cert < 0 && cw->cfg->refuse_unverified)) {
            *refusal = send_text(conn, web, MHD_HTTP_FORBIDDEN,
                                 "a client certificate signed by a trusted "
                                 "CA is required\n", NULL);
            return 0;
        }
    }
    if (!web->have_auth || strcmp(url, "/-/healthy") == 0)
        return 1;
    user = MHD_basic_auth_get_username_password(conn, &password);
    ok = webauth_check(&web->auth, user, password);
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
        resp = make_response(conn, web, (char *)(uintptr_t)text,
                             sizeof(text) - 1, 0, HTTP_TYPE_TEXT);
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
    struct request *req = *con_cls;
    const struct http_web *web;

    (void)version;
    (void)upload_data;
    if (req == NULL) {
        /* The version in force for this request: a change of the file
         * shows here, between two requests of one connection too. */
        req = calloc(1, sizeof(*req));
        if (req == NULL)
            return MHD_NO;
        req->web = web_now(s);
        *con_cls = req;
        __atomic_add_fetch(&s->active, 1, __ATOMIC_RELAXED);
        if (!admitted(conn, connection_web(conn), req->web, url, &refusal))
            return refusal;
        /* A POST to /-/reload is answered once its body (ignored) is in. */
        if (is_reload && strcmp(method, MHD_HTTP_METHOD_POST) == 0)
            return MHD_YES;
    }
    web = req->web;
    if (is_reload && strcmp(method, MHD_HTTP_METHOD_POST) == 0) {
        struct http_reply r = { 0, NULL, NULL, 0 };
        if (*upload_data_size != 0) {
            *upload_data_size = 0;
            return MHD_YES;
        }
        return send_handled(conn, web,
                            s->handlers.reload(s->handlers.arg, &r), &r);
    }
    if (!is_get)
        return send_text(conn, web, MHD_HTTP_METHOD_NOT_ALLOWED,
                         "method not allowed\n", "GET, HEAD");
    return serve_get(s, conn, url, web);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct request *req = *con_cls;

    (void)conn;
    (void)toe;
    if (req != NULL) {
        http_web_put(req->web);
        free(req);
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

/* Free a server that is not serving (never started, or stopped). */
static void
free_server(struct http_server *s)
{
    http_web_put(s->web);
    free(s->web_path);
    webwatch_clear(&s->watch);
    pthread_mutex_destroy(&s->web_lock);
    free(s);
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

    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        http_web_put(options->web);
        if (options->web_watch != NULL)
            webwatch_clear(options->web_watch);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->web_lock, NULL);
    s->handlers = *handlers;
    s->web = options->web;
    s->tls = http_web_tls(s->web);
    if (options->web_watch != NULL) {
        s->watch = *options->web_watch;
        memset(options->web_watch, 0, sizeof(*options->web_watch));
    }
    if (options->web_config_file != NULL) {
        s->web_path = strdup(options->web_config_file);
        if (s->web_path == NULL) {
            snprintf(err, err_len, "out of memory");
            free_server(s);
            return NULL;
        }
    }
    if (flags_split_listen(listen_address, host, sizeof(host), &port) != 0) {
        snprintf(err, err_len, "malformed listen address \"%s\"",
                 listen_address);
        free_server(s);
        return NULL;
    }
    if (s->tls)
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
            free_server(s);
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
        /* Options are laid out in an array so that the TLS one can be
         * left out of a plain HTTP server. */
        struct MHD_OptionItem opts[12];
        size_t n = 0;

#define OPT(o, v, p) opts[n++] = (struct MHD_OptionItem){ (o), (v), (p) }
        OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL);
        OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s);
        OPT(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s);
        OPT(MHD_OPTION_CONNECTION_LIMIT, options->max_connections, NULL);
        OPT(MHD_OPTION_CONNECTION_TIMEOUT, options->idle_timeout, NULL);
        OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, options->max_request_size,
            NULL);
        if (ai != NULL)
            OPT(MHD_OPTION_SOCK_ADDR, 0, ai->ai_addr);
        /* libmicrohttpd holds no certificate or key of ours: each
         * session is given those of the version in force, with its
         * versions and client CAs, before its handshake (on_connection()),
         * so that a new certificate or CA takes effect from the next
         * connection.  The callback only satisfies MHD_USE_TLS. */
        if (s->tls)
            OPT(MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
                (void *)(intptr_t)httptls_no_certificate);
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
        free_server(s);
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
    free_server(server);
}
