/*
 * procstat: the exporter's own process figures, as Prometheus's
 * client_golang exports them (process_cpu_seconds_total and friends), read
 * from /proc.  The parsers are pure functions over a file's text; only
 * procstat_read() touches the file system.
 */
#ifndef KRB5EXP_PROCSTAT_H
#define KRB5EXP_PROCSTAT_H

#include <stddef.h>

/* A figure that could not be read is NaN, and its family is left out. */
struct procstat {
    double cpu_seconds;        /* user + system CPU time */
    double resident_bytes;     /* resident set size */
    double virtual_bytes;      /* virtual memory size */
    double open_fds;           /* entries of /proc/self/fd */
    double max_fds;            /* soft RLIMIT_NOFILE */
    double start_time;         /* unix time the process started */
};

/* What /proc/PID/stat gives, in its own units. */
struct procstat_stat {
    unsigned long long utime;       /* clock ticks */
    unsigned long long stime;       /* clock ticks */
    unsigned long long starttime;   /* clock ticks after boot */
    unsigned long long vsize;       /* bytes */
    long long rss;                  /* pages */
};

/*
 * Parse the text of /proc/PID/stat.  The command name (field 2) is in
 * parentheses and may itself hold spaces and ')', so the fields are counted
 * from the last ')'.  Returns 0 with *out set, -1 when the text is not
 * such a line.  Pure.
 */
int procstat_parse_stat(const char *text, struct procstat_stat *out);

/* The boot time from the "btime N" line of /proc/stat.  Returns 0 with
 * *out set (unix seconds), -1 when there is none.  Pure. */
int procstat_parse_btime(const char *text, double *out);

/* The soft limit of the "Max open files" line of /proc/PID/limits; a
 * limit of "unlimited" is 2^64-1, as client_golang reads it.  Returns 0
 * with *out set, -1 when there is no such line.  Pure. */
int procstat_parse_max_fds(const char *text, double *out);

/*
 * Turn what /proc/PID/stat gave into the figures, with the clock-tick rate
 * (sysconf(_SC_CLK_TCK)), the page size and the boot time.  Sets
 * cpu_seconds, resident_bytes, virtual_bytes and start_time; leaves the
 * others.  Pure.
 */
void procstat_from_stat(const struct procstat_stat *st, long ticks_per_second,
                        long page_size, double boot_time,
                        struct procstat *out);

/*
 * Read this process's figures from /proc/self (stat, fd/, limits) and
 * /proc/stat (the boot time, read once).  Always fills *out; what could not
 * be read is NaN.  Thread-safe.
 */
void procstat_read(struct procstat *out);

#endif
