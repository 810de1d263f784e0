/*
 * http: the HTTP endpoint on libmicrohttpd.  It routes requests and sends
 * bytes; it knows nothing of Kerberos.  Handlers produce whole replies.
 * A connection's GnuTLS session is set up by httptls.
 */
#ifndef KRB5EXP_HTTP_H
#define KRB5EXP_HTTP_H

#include <stddef.h>

#include "exporter/reqparse.h"

#define HTTP_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define HTTP_TYPE_TEXT "text/plain; charset=utf-8"
#define HTTP_TYPE_HTML "text/html; charset=utf-8"

/* A reply a handler made. */
struct http_reply {
    unsigned status;
    const char *content_type;     /* static */
    char *body;                   /* owned: malloc()ed, the server frees */
    size_t len;
};

/* Each handler returns 0 with *out filled, or -1 for a 500. */
struct http_handlers {
    void *arg;
    /* /metrics.  budget_seconds > 0 when Prometheus sent its scrape
     * timeout (already less the offset), 0 otherwise. */
    int (*metrics)(void *arg, double budget_seconds, struct http_reply *out);
    /* /probe?realm=R[&debug=true], the query already checked. */
    int (*probe)(void *arg, const struct probe_query *query,
                 double budget_seconds, struct http_reply *out);
    /* POST /-/reload. */
    int (*reload)(void *arg, struct http_reply *out);
    /* /-/ready: 1 while serving, 0 once shutting down. */
    int (*ready)(void *arg);
    /* / */
    int (*landing)(void *arg, struct http_reply *out);
};

struct conf_errors;
struct webconfig;
struct webwatch;

/*
 * One version of the web settings: TLS credentials and priorities, the
 * client-certificate policy, the basic-auth users and the extra headers,
 * made from a webconfig.  Shared by reference: a connection holds the
 * version it began under (its TLS handshake used it), a request the
 * version in force when it came (its users and headers), so a change
 * takes effect from the next connection and, for users and headers, from
 * the next request.
 */
struct http_web;

/*
 * Build the settings of cfg, taking cfg over even on failure.  Returns 0
 * with *out (one reference; drop it with http_web_put()), or -1 with
 * every problem appended to errs as "FILE:LINE: reason" (a certificate
 * that does not parse, a key that does not match it, a CA file without
 * a certificate).  The key's text is wiped once GnuTLS holds the key.
 */
int http_web_new(struct webconfig *cfg, struct http_web **out,
                 struct conf_errors *errs);

/* Drop a reference; the last one frees.  NULL is fine. */
void http_web_put(struct http_web *web);

/* What a version serves, for log lines: TLS or not, and its users. */
int http_web_tls(const struct http_web *web);
size_t http_web_users(const struct http_web *web);

/* How to serve.  Strings are borrowed for the call only. */
struct http_options {
    struct http_web *web;         /* the settings to begin with; the
                                     server takes this reference over,
                                     even when it fails to start */
    const char *web_config_file;  /* NULL: web holds for the server's
                                     life.  Else the file web came from,
                                     reread (refusing an empty file) when
                                     it or a PEM file it names changes; a
                                     stat() per connection and per request
                                     notices.  A file that does not load,
                                     or that would turn TLS on or off,
                                     is logged and the version in force
                                     stays */
    struct webwatch *web_watch;   /* with web_config_file: what its
                                     load read and the stamps; the server
                                     takes the contents over (zeroes it) */
    unsigned max_connections;
    unsigned idle_timeout;        /* seconds */
    unsigned max_request_size;    /* bytes of request line and headers */
};

struct http_server;

/*
 * Listen on "HOST:PORT", ":PORT" or "[V6]:PORT" and serve in threads of
 * its own.  Returns the server (stop with http_stop()), or NULL with a
 * reason in err[err_len].  handlers and options are copied.
 */
struct http_server *http_start(const char *listen_address,
                               const struct http_handlers *handlers,
                               const struct http_options *options,
                               char *err, size_t err_len);

/*
 * Stop accepting connections, let requests in flight finish (up to
 * grace_seconds), then stop and free the server.
 */
void http_stop(struct http_server *server, double grace_seconds);

/* Make a reply holding a copy of text; returns 0, or -1. */
int http_reply_text(struct http_reply *out, unsigned status, const char *text);

/*
 * Does an Accept-Encoding header value let us answer in gzip?  RFC 9110
 * section 12.5.3: yes when gzip (or x-gzip), or else "*", is listed with a
 * q above 0, unless identity is listed with a higher q.  "gzip;q=0" and
 * "*;q=0" say no; so does a missing header (NULL) or an empty one.  An
 * element that does not parse (a bad q, junk after it) counts as not
 * listed.  Pure.
 */
int http_accepts_gzip(const char *accept_encoding);

/*
 * Compress data[len] into one gzip member (RFC 1952) with zlib.  Returns
 * 0 with a malloc()ed *out (the caller frees) of *out_len bytes, or -1
 * and leaves both untouched.  Pure apart from allocating.
 */
int http_gzip(const char *data, size_t len, char **out, size_t *out_len);

#endif
