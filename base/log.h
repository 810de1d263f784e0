/*
 * log: one line per event on stderr, in logfmt or JSON as Prometheus's
 * promslog writes them (--log.format):
 *
 *   ts=2026-12-01T08:00:00.000Z level=warn msg="credential failure" realm=EXAMPLE.COM
 *   {"time":"2026-12-01T08:00:00.000Z","level":"warn","msg":"credential failure","realm":"EXAMPLE.COM"}
 *
 * Structured fields go in with log_kv().  The older printf-style calls
 * (log_info() and friends) still work: a message that starts with fields
 * written "realm=R probe=P target=T: rest" has them taken out as fields
 * and "rest" kept as msg (log_split_prefix()), so that calls in files not
 * yet converted give the same fields.  The level and the format are
 * process-wide daemon state, set once at start from the flags.
 */
#ifndef KRB5EXP_LOG_H
#define KRB5EXP_LOG_H

#include <stddef.h>
#include <time.h>

#include "base/sbuf.h"

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN,
                 LOG_LEVEL_ERROR };

enum log_format { LOG_FORMAT_LOGFMT, LOG_FORMAT_JSON };

/* One key=value of a line.  Both borrowed for the call. */
struct log_field {
    const char *key;
    const char *value;
};

/* The most fields one line carries; more are dropped. */
#define LOG_MAX_FIELDS 16

/* Parse "debug", "info", "warn" or "error"; returns 0 and sets *out. */
int log_parse_level(const char *s, enum log_level *out);
/* Parse "logfmt" or "json"; returns 0 and sets *out, -1 otherwise. */
int log_parse_format(const char *s, enum log_format *out);
void log_set_level(enum log_level level);
void log_set_format(enum log_format format);
int log_enabled(enum log_level level);

/*
 * Log msg (plain text, not a format) with fields given as key, value
 * pairs of strings, ended by a NULL key:
 *   log_kv(LOG_LEVEL_WARN, "credential failure", "realm", realm,
 *          "probe", "tgt", (char *)NULL);
 * A NULL value is written as "".  Keys should be short identifiers, and
 * never ts, time, level or msg.
 */
void log_kv(enum log_level level, const char *msg, ...)
    __attribute__((sentinel));
/* The same with the fields in an array. */
void log_fields(enum log_level level, const char *msg,
                const struct log_field *fields, size_t n_fields);
/* printf-style; a leading "realm=R probe=P: " becomes fields (above). */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

/* --- the pure core, for tests ------------------------------------------ */

/*
 * Append one whole line, newline included, in the given format.  Every
 * string is written as valid UTF-8 (a byte that is not becomes U+FFFD).
 * Pure.
 */
void log_format_line(struct sbuf *out, enum log_format format,
                     const struct timespec *when, enum log_level level,
                     const char *msg, const struct log_field *fields,
                     size_t n_fields);

/*
 * A logfmt value: as it is when it needs no quotes, else in double quotes
 * with \" \\ \n \r \t and \u00XX (other control characters, U+2028,
 * U+2029) escaped.  It needs them when it is empty or holds a space, '=',
 * '"', a control character or a byte that is not UTF-8.  Pure.
 */
void log_escape_logfmt(struct sbuf *out, const char *value);

/* A JSON string, quotes included, escaped as RFC 8259 wants.  Pure. */
void log_escape_json(struct sbuf *out, const char *value);

/*
 * The transition from free text: when text starts with one or more
 * "key=value" words (keys realm, probe, target, code, name, status) of
 * which the last ends in ':' followed by a space or the end, cut them out:
 * NUL-terminate the values in place, point fields[] at them, point *msg
 * at the rest and return how many.  Otherwise return 0, leave text as it
 * was and point *msg at it.  fields has room for max.  Pure.
 */
size_t log_split_prefix(char *text, struct log_field *fields, size_t max,
                        const char **msg);

#endif
