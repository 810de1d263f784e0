/*
 * deadline: monotonic time for every deadline and duration.  Wall-clock time
 * is only for timestamps people read.
 */
#ifndef KRB5EXP_DEADLINE_H
#define KRB5EXP_DEADLINE_H

/* Seconds on CLOCK_MONOTONIC. */
double deadline_now(void);
/* Seconds left until `deadline` (monotonic), never negative. */
double deadline_left(double deadline);
/* Milliseconds left, rounded up, for poll(); 0 when passed. */
int deadline_poll_ms(double deadline);

#endif
