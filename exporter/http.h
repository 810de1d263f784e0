/*
 * http: the HTTP endpoint on libmicrohttpd.  It routes requests and sends
 * bytes; it knows nothing of Kerberos.  Handlers produce whole bodies.
 */
#ifndef KRB5EXP_HTTP_H
#define KRB5EXP_HTTP_H

#include <stddef.h>

struct http_handlers {
    void *arg;
    /*
     * Body of /metrics.  budget_seconds > 0 when Prometheus sent its
     * scrape timeout (already less the offset), 0 otherwise.  Returns 0 and
     * sets *body_out (the server frees it with free()), or -1 for a 500.
     */
    int (*metrics)(void *arg, double budget_seconds, char **body_out,
                   size_t *len_out);
    /* Body of the HTML landing page at /. Same contract. */
    int (*landing)(void *arg, char **body_out, size_t *len_out);
};

struct http_server;

/*
 * Listen on "HOST:PORT", ":PORT" or "[V6]:PORT" and serve in threads of
 * its own.  Returns the server (stop with http_stop()), or NULL with a
 * reason in err[err_len].  handlers is copied.
 */
struct http_server *http_start(const char *listen_address,
                               const struct http_handlers *handlers,
                               char *err, size_t err_len);

/* Stop accepting, finish in-flight requests and free the server. */
void http_stop(struct http_server *server);

#endif
