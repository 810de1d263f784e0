/*
 * log: one line per event on stderr, "TIME LEVEL message".  The level is
 * process-wide daemon state, set once at start from --log.level.
 */
#ifndef KRB5EXP_LOG_H
#define KRB5EXP_LOG_H

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN,
                 LOG_LEVEL_ERROR };

/* Parse "debug", "info", "warn" or "error"; returns 0 and sets *out. */
int log_parse_level(const char *s, enum log_level *out);
void log_set_level(enum log_level level);
int log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
