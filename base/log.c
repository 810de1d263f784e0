/* log: leveled logging to stderr; see log.h. */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clocks.h"

static _Atomic int current_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {
    [LOG_LEVEL_DEBUG] = "debug",
    [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_WARN] = "warn",
    [LOG_LEVEL_ERROR] = "error",
};

int
log_parse_level(const char *s, enum log_level *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
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

int
log_enabled(enum log_level level)
{
    return (int)level >= current_level;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
    char line[2048], stamp[32];
    struct timespec now;
    struct tm tm;
    va_list ap;

    if (!log_enabled(level))
        return;
    now = clocks_wall_timespec();
    gmtime_r(&now.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One fprintf per line so that lines from different threads do not
     * interleave. */
    fprintf(stderr, "%s.%03ldZ level=%s %s\n", stamp, now.tv_nsec / 1000000L,
            level_names[level], line);
}
