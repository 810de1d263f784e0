/*
 * expo: turns probe results into Prometheus text exposition (format 0.0.4).
 * Pure: no I/O, no clocks, no library state.  Each family is written in one
 * contiguous block with its HELP and TYPE once; families without samples are
 * left out.
 */
#ifndef KRB5EXP_EXPO_H
#define KRB5EXP_EXPO_H

#include <stddef.h>

#include "exporter/counters.h"
#include "base/sbuf.h"
#include "exporter/procstat.h"
#include "probes/result.h"

struct expo_build_info {
    const char *version;
    const char *krb5_version;
    const char *cares_version;
    const char *microhttpd_version;
};

/* The exporter's own metrics, shown on /metrics only. */
struct expo_self {
    const struct expo_build_info *build;
    double scrape_duration;
    int reload_successful;              /* the last reload (or the start) */
    double reload_success_timestamp;    /* unix time of the last success */
    size_t probes_in_flight;
    const struct procstat *process;     /* process_*; NULL: left out */
};

/* Everything one exposition shows.  All pointers are borrowed. */
struct expo_snapshot {
    const struct realm_result *realms;
    size_t n_realms;
    const double *backoff_left;         /* per realm, seconds; NULL: none */
    const struct error_count *errors;   /* krb5_probe_errors_total */
    size_t n_errors;
    const struct expo_self *self;       /* NULL: no exporter self metrics */
};

/* Append the whole exposition to out. */
void expo_write(struct sbuf *out, const struct expo_snapshot *s);

/* Append a label value escaped as the format wants: \ " and newline. */
void expo_escape_label(struct sbuf *out, const char *value);

/* Append HELP text escaped as the format wants: \ and newline. */
void expo_escape_help(struct sbuf *out, const char *text);

/* Format a sample value: shortest text that reads back to the same double;
 * NaN, +Inf and -Inf as the format spells them. */
void expo_format_value(char buf[40], double v);

#endif
