/* procstat: this process's figures from /proc; see procstat.h. */
#include "exporter/procstat.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Fields of /proc/PID/stat counted from the state (field 3) as 0. */
#define STAT_UTIME 11
#define STAT_STIME 12
#define STAT_STARTTIME 19
#define STAT_VSIZE 20
#define STAT_RSS 21

/* Read a decimal number of digits only, with a '-' before it where
 * *minus is given, ending at a space, a newline or the end; advance *p
 * past it.  Returns 0, or -1 on anything else or on overflow. */
static int
read_number(const char **p, int *minus, unsigned long long *out)
{
    const char *s = *p;
    unsigned long long v = 0;

    if (minus != NULL) {
        *minus = *s == '-';
        s += *minus;
    }
    if (!isdigit((unsigned char)*s))
        return -1;
    for (; isdigit((unsigned char)*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (*s != ' ' && *s != '\n' && *s != '\0')
        return -1;
    *out = v;
    *p = s;
    return 0;
}

int
procstat_parse_stat(const char *text, struct procstat_stat *out)
{
    const char *p = strrchr(text, ')');
    struct procstat_stat st;

    /* "PID (COMM) S N N ...": a state letter, then numbers, some of which
     * (priority, nice) may be negative. */
    if (p == NULL || strchr(text, '(') == NULL || p[1] != ' ' ||
        !isalpha((unsigned char)p[2]) || p[3] != ' ')
        return -1;
    p += 4;
    memset(&st, 0, sizeof(st));
    for (int field = 1; field <= STAT_RSS; field++) {
        unsigned long long v;
        int minus;

        if (field > 1 && *p++ != ' ')
            return -1;
        if (read_number(&p, &minus, &v) != 0)
            return -1;
        if (field < STAT_UTIME || (field > STAT_STIME &&
                                   field < STAT_STARTTIME))
            continue;
        /* Times and sizes are never negative. */
        if (minus || (field == STAT_RSS && v > (unsigned long long)INT64_MAX))
            return -1;
        switch (field) {
        case STAT_UTIME: st.utime = v; break;
        case STAT_STIME: st.stime = v; break;
        case STAT_STARTTIME: st.starttime = v; break;
        case STAT_VSIZE: st.vsize = v; break;
        case STAT_RSS: st.rss = (long long)v; break;
        default: break;
        }
    }
    *out = st;
    return 0;
}

int
procstat_parse_btime(const char *text, double *out)
{
    const char *p = text;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, "btime ", 6) == 0) {
            const char *s = p + 6;
            unsigned long long v;
            if (read_number(&s, NULL, &v) != 0 || *s == ' ')
                return -1;
            *out = (double)v;
            return 0;
        }
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return -1;
}

int
procstat_parse_max_fds(const char *text, double *out)
{
    static const char name[] = "Max open files";
    const char *p = text;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, name, sizeof(name) - 1) == 0 &&
            p[sizeof(name) - 1] == ' ') {
            const char *s = p + sizeof(name) - 1;
            unsigned long long v;
            while (*s == ' ')
                s++;
            if (strncmp(s, "unlimited", 9) == 0 &&
                (s[9] == ' ' || s[9] == '\n' || s[9] == '\0')) {
                *out = 18446744073709551615.0;
                return 0;
            }
            if (read_number(&s, NULL, &v) != 0)
                return -1;
            *out = (double)v;
            return 0;
        }
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return -1;
}

void
procstat_from_stat(const struct procstat_stat *st, long ticks_per_second,
                   long page_size, double boot_time, struct procstat *out)
{
    double hz = ticks_per_second > 0 ? (double)ticks_per_second : NAN;

    out->cpu_seconds = ((double)st->utime + (double)st->stime) / hz;
    out->virtual_bytes = (double)st->vsize;
    out->resident_bytes = page_size > 0
                          ? (double)st->rss * (double)page_size : NAN;
    out->start_time = boot_time + (double)st->starttime / hz;
}

/* --- the shell ---------------------------------------------------------- */

/*
 * Read a whole /proc file into buf[size] as a string.  /proc files report
 * size 0, so read until the end.  Returns 0, 1 when it does not fit, or -1
 * when it cannot be read.
 */
static int
read_text(const char *path, char *buf, size_t size)
{
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    for (;;) {
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == size - 1) {
            close(fd);
            return 1;
        }
    }
    close(fd);
    buf[len] = '\0';
    return 0;
}

static double boot_time = NAN;
static pthread_once_t boot_time_once = PTHREAD_ONCE_INIT;

/* /proc/stat has a line per CPU and one with every interrupt count before
 * btime, so it can be large; the boot time never changes, so read once. */
static void
read_boot_time(void)
{
    size_t size = 1 << 16;
    char *buf = NULL;
    double t;
    int ret = 1;

    while (ret == 1 && size <= (1u << 24)) {
        free(buf);
        buf = malloc(size);
        if (buf == NULL)
            return;
        ret = read_text("/proc/stat", buf, size);
        size *= 4;
    }
    if (ret == 0 && procstat_parse_btime(buf, &t) == 0)
        boot_time = t;
    free(buf);
}

/* Entries of /proc/self/fd, this directory's own descriptor included, as
 * client_golang counts them.  NaN when it cannot be read. */
static double
count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    double n = 0;

    if (d == NULL)
        return NAN;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

void
procstat_read(struct procstat *out)
{
    struct procstat_stat st;
    char buf[4096];
    double v;

    out->cpu_seconds = out->resident_bytes = out->virtual_bytes = NAN;
    out->start_time = out->max_fds = NAN;
    pthread_once(&boot_time_once, read_boot_time);
    if (read_text("/proc/self/stat", buf, sizeof(buf)) == 0 &&
        procstat_parse_stat(buf, &st) == 0)
        procstat_from_stat(&st, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE),
                           boot_time, out);
    out->open_fds = count_fds();
    if (read_text("/proc/self/limits", buf, sizeof(buf)) == 0 &&
        procstat_parse_max_fds(buf, &v) == 0)
        out->max_fds = v;
}
