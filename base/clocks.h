/*
 * clocks: the one place the exporter reads a clock.  Monotonic time is for
 * every deadline and duration; wall-clock time only for timestamps people
 * read (log lines, expiry times, clock skew, reload times).
 */
#ifndef KRB5EXP_CLOCKS_H
#define KRB5EXP_CLOCKS_H

#include <time.h>

/* Seconds on CLOCK_MONOTONIC. */
double clocks_now(void);
/* Seconds left until `deadline` (monotonic), never negative. */
double clocks_left(double deadline);
/* Milliseconds left, rounded up, for poll(); 0 when passed. */
int clocks_poll_ms(double deadline);
/* A monotonic time in seconds as an absolute timespec, for
 * pthread_cond_timedwait() on a CLOCK_MONOTONIC condition variable. */
struct timespec clocks_timespec(double t);

/* Unix time in seconds, with its fraction (CLOCK_REALTIME). */
double clocks_wall(void);
/* The same, as a timespec. */
struct timespec clocks_wall_timespec(void);

#endif
