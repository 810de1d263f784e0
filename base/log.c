/* log: leveled, structured logging to stderr; see log.h. */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clocks.h"

static _Atomic int current_level = LOG_LEVEL_INFO;
static _Atomic int current_format = LOG_FORMAT_LOGFMT;

static const char *const level_names[] = {
    [LOG_LEVEL_DEBUG] = "debug",
    [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_WARN] = "warn",
    [LOG_LEVEL_ERROR] = "error",
};

static const char *const format_names[] = {
    [LOG_FORMAT_LOGFMT] = "logfmt",
    [LOG_FORMAT_JSON] = "json",
};

/* The keys log_split_prefix() takes out of free text: those the exporter's
 * printf-style lines carried before log_kv(). */
static const char *const prefix_keys[] = {
    "realm", "probe", "target", "code", "name", "status",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int
log_parse_level(const char *s, enum log_level *out)
{
    for (size_t i = 0; i < COUNT(level_names); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

int
log_parse_format(const char *s, enum log_format *out)
{
    for (size_t i = 0; i < COUNT(format_names); i++) {
        if (strcmp(s, format_names[i]) == 0) {
            *out = (enum log_format)i;
            return 0;
        }
    }
    return -1;
}

void
log_set_level(enum log_level level)
{
    current_level = (int)level;
}

void
log_set_format(enum log_format format)
{
    current_format = (int)format;
}

int
log_enabled(enum log_level level)
{
    return (int)level >= current_level;
}

/* --- escaping ------------------------------------------------------------ */

#define REPLACEMENT 0xFFFDu

/*
 * Decode the UTF-8 sequence at p (NUL-terminated): set *cp and return its
 * length.  A byte that starts no well-formed sequence (stray continuation,
 * overlong form, surrogate, beyond U+10FFFF, cut short) is one byte long
 * and decodes to U+FFFD with *bad set.
 */
static size_t
utf8_next(const unsigned char *p, uint32_t *cp, int *bad)
{
    uint32_t c = p[0], min;
    size_t len;

    *bad = 0;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, c &= 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, c &= 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, c &= 0x07, min = 0x10000;
    } else {
        goto invalid;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            goto invalid;          /* also stops at the NUL */
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto invalid;
    *cp = c;
    return len;
invalid:
    *cp = REPLACEMENT;
    *bad = 1;
    return 1;
}

/* Characters written as \uXXXX: C0 and C1 controls, DEL, and the two
 * Unicode line separators that some readers split lines at. */
static int
is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
           cp == 0x2028 || cp == 0x2029;
}

/* Append s escaped for the inside of a double-quoted logfmt or JSON
 * string; both take the same escapes. */
static void
escape_quoted(struct sbuf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p != '\0') {
        uint32_t cp;
        int bad;
        size_t n = utf8_next(p, &cp, &bad);

        if (cp == '"')
            sbuf_add(out, "\\\"");
        else if (cp == '\\')
            sbuf_add(out, "\\\\");
        else if (cp == '\n')
            sbuf_add(out, "\\n");
        else if (cp == '\r')
            sbuf_add(out, "\\r");
        else if (cp == '\t')
            sbuf_add(out, "\\t");
        else if (is_control(cp))
            sbuf_addf(out, "\\u%04x", (unsigned)cp);
        else if (bad)
            sbuf_add(out, "\xEF\xBF\xBD");
        else
            sbuf_addn(out, (const char *)p, n);
        p += n;
    }
}

/* Does a logfmt value need quotes?  As Go's log/slog TextHandler decides:
 * empty, or a space, '=', '"', a control character or U+FFFD (which a
 * byte that is not UTF-8 becomes) in it.  A backslash alone does not. */
static int
logfmt_needs_quotes(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (*p == '\0')
        return 1;
    while (*p != '\0') {
        uint32_t cp;
        int bad;
        size_t n = utf8_next(p, &cp, &bad);

        if (cp == ' ' || cp == '=' || cp == '"' || is_control(cp) ||
            cp == REPLACEMENT)
            return 1;
        p += n;
    }
    return 0;
}

void
log_escape_logfmt(struct sbuf *out, const char *value)
{
    if (!logfmt_needs_quotes(value)) {
        sbuf_add(out, value);
        return;
    }
    sbuf_add(out, "\"");
    escape_quoted(out, value);
    sbuf_add(out, "\"");
}

void
log_escape_json(struct sbuf *out, const char *value)
{
    sbuf_add(out, "\"");
    escape_quoted(out, value);
    sbuf_add(out, "\"");
}

/* A logfmt key is a bare word: anything that would end it or need quotes
 * becomes '_'.  Keys are the exporter's own identifiers; this only keeps a
 * mistake from breaking the line. */
static void
logfmt_key(struct sbuf *out, const char *key)
{
    const unsigned char *p = (const unsigned char *)key;

    if (*p == '\0') {
        sbuf_add(out, "_");
        return;
    }
    for (; *p != '\0'; p++) {
        if (*p <= ' ' || *p == '=' || *p == '"' || *p >= 0x7F)
            sbuf_add(out, "_");
        else
            sbuf_addn(out, (const char *)p, 1);
    }
}

/* --- lines --------------------------------------------------------------- */

void
log_format_line(struct sbuf *out, enum log_format format,
                const struct timespec *when, enum log_level level,
                const char *msg, const struct log_field *fields,
                size_t n_fields)
{
    const char *lname = (unsigned)level < COUNT(level_names)
                        ? level_names[level] : "unknown";
    char stamp[48], day[32];
    struct tm tm;
    time_t secs = when->tv_sec;

    if (gmtime_r(&secs, &tm) == NULL ||
        strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        strcpy(day, "0000-00-00T00:00:00");
    snprintf(stamp, sizeof(stamp), "%s.%03ldZ", day,
             (long)(when->tv_nsec / 1000000L));
    if (msg == NULL)
        msg = "";
    if (format == LOG_FORMAT_JSON) {
        sbuf_addf(out, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", stamp,
                  lname);
        log_escape_json(out, msg);
        for (size_t i = 0; i < n_fields; i++) {
            sbuf_add(out, ",");
            log_escape_json(out, fields[i].key != NULL ? fields[i].key : "_");
            sbuf_add(out, ":");
            log_escape_json(out, fields[i].value != NULL ? fields[i].value
                                                         : "");
        }
        sbuf_add(out, "}\n");
        return;
    }
    sbuf_addf(out, "ts=%s level=%s msg=", stamp, lname);
    log_escape_logfmt(out, msg);
    for (size_t i = 0; i < n_fields; i++) {
        sbuf_add(out, " ");
        logfmt_key(out, fields[i].key != NULL ? fields[i].key : "_");
        sbuf_add(out, "=");
        log_escape_logfmt(out, fields[i].value != NULL ? fields[i].value
                                                       : "");
    }
    sbuf_add(out, "\n");
}

static int
is_prefix_key(const char *key, size_t len)
{
    for (size_t i = 0; i < COUNT(prefix_keys); i++)
        if (strlen(prefix_keys[i]) == len &&
            memcmp(prefix_keys[i], key, len) == 0)
            return 1;
    return 0;
}

size_t
log_split_prefix(char *text, struct log_field *fields, size_t max,
                 const char **msg)
{
    /* Where each word's key, '=' and value end; written only once the
     * whole prefix is known to be well formed. */
    char *eq[LOG_MAX_FIELDS], *end[LOG_MAX_FIELDS];
    char *p = text, *rest = NULL;
    size_t n = 0;

    *msg = text;
    if (max > LOG_MAX_FIELDS)
        max = LOG_MAX_FIELDS;
    while (rest == NULL) {
        char *e = strchr(p, '='), *word_end;

        if (e == NULL || n == max || !is_prefix_key(p, (size_t)(e - p)) ||
            memchr(p, ' ', (size_t)(e - p)) != NULL)
            return 0;
        word_end = e + strcspn(e, " ");
        if (word_end > e + 1 && word_end[-1] == ':') {
            /* The last word: its ':' ends the prefix. */
            eq[n] = e;
            end[n++] = word_end - 1;
            rest = *word_end == ' ' ? word_end + 1 : word_end;
        } else if (*word_end == ' ') {
            eq[n] = e;
            end[n++] = word_end;
            p = word_end + 1;
        } else {
            return 0;              /* ran out of text without a ':' */
        }
    }
    for (size_t i = 0; i < n; i++) {
        fields[i].key = i == 0 ? text : end[i - 1] + 1;
        fields[i].value = eq[i] + 1;
    }
    /* The last value's end is its ':', which the message does not need;
     * keys end at '='. */
    for (size_t i = 0; i < n; i++) {
        *eq[i] = '\0';
        *end[i] = '\0';
    }
    *msg = rest;
    return n;
}

void
log_fields(enum log_level level, const char *msg,
           const struct log_field *fields, size_t n_fields)
{
    struct timespec now;
    struct sbuf line;

    if (!log_enabled(level))
        return;
    now = clocks_wall_timespec();
    sbuf_init(&line);
    log_format_line(&line, (enum log_format)current_format, &now, level, msg,
                    fields, n_fields);
    /* One write per line so that lines from different threads do not
     * interleave (stderr is unbuffered). */
    if (sbuf_status(&line) == 0)
        fwrite(line.data, 1, line.len, stderr);
    else
        fputs(current_format == LOG_FORMAT_JSON
              ? "{\"level\":\"error\",\"msg\":\"a log line was lost: out of "
                "memory\"}\n"
              : "level=error msg=\"a log line was lost: out of memory\"\n",
              stderr);
    sbuf_free(&line);
}

void
log_kv(enum log_level level, const char *msg, ...)
{
    struct log_field fields[LOG_MAX_FIELDS];
    size_t n = 0;
    const char *key;
    va_list ap;

    if (!log_enabled(level))
        return;
    va_start(ap, msg);
    while ((key = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        if (n < LOG_MAX_FIELDS)
            fields[n++] = (struct log_field){ key, value };
    }
    va_end(ap);
    log_fields(level, msg, fields, n);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
    struct log_field fields[LOG_MAX_FIELDS];
    char text[2048];
    const char *msg;
    size_t n;
    va_list ap;

    if (!log_enabled(level))
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    n = log_split_prefix(text, fields, LOG_MAX_FIELDS, &msg);
    log_fields(level, msg, fields, n);
}
