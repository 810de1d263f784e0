/*
 * reqparse: what the exporter reads from an HTTP request, parsed without
 * any I/O so that every case can be tested.
 */
#ifndef KRB5EXP_REQPARSE_H
#define KRB5EXP_REQPARSE_H

#include <stddef.h>

/* Subtracted from Prometheus's scrape timeout so the answer arrives in
 * time, as blackbox_exporter does. */
#define REQPARSE_TIMEOUT_OFFSET 0.5
/* The least budget a scrape gets, however short the timeout it is sent. */
#define REQPARSE_MIN_BUDGET 0.1

/*
 * Parse X-Prometheus-Scrape-Timeout-Seconds: a positive decimal number of
 * seconds, finite, at most one day.  Returns 0 and sets *budget_out to the
 * time the scrape may take (the value less REQPARSE_TIMEOUT_OFFSET, at least
 * REQPARSE_MIN_BUDGET), or -1 when the value is malformed.
 */
int reqparse_scrape_timeout(const char *value, double *budget_out);

/* What /probe was asked for. */
struct probe_query {
    const char *realm;        /* borrowed from the request */
    int debug;
};

/*
 * Check /probe's query arguments: realm (required, non-empty) and debug
 * ("true", "false", "1", "0"; optional).  Returns 0 and fills *out, or -1
 * with a one-line reason in err[err_len].  Whether the realm is configured
 * is for the caller to say.
 */
int reqparse_probe_query(const char *realm, const char *debug,
                         struct probe_query *out, char *err, size_t err_len);

#endif
