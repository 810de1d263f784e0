/* clocks: monotonic and wall-clock time; see clocks.h. */
#include "base/clocks.h"

#include <math.h>

double
clocks_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
clocks_left(double deadline)
{
    double left = deadline - clocks_now();

    return left > 0 ? left : 0;
}

int
clocks_poll_ms(double deadline)
{
    double ms = ceil(clocks_left(deadline) * 1000.0);

    return ms > 2147483647.0 ? 2147483647 : (int)ms;
}

struct timespec
clocks_timespec(double t)
{
    struct timespec ts;

    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - floor(t)) * 1e9);
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_nsec = 999999999L;
    return ts;
}

struct timespec
clocks_wall_timespec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ts;
}

double
clocks_wall(void)
{
    struct timespec ts = clocks_wall_timespec();

    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
