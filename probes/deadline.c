/* deadline: monotonic clock helpers; see deadline.h. */
#include "probes/deadline.h"

#include <math.h>
#include <time.h>

double
deadline_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
deadline_left(double deadline)
{
    double left = deadline - deadline_now();

    return left > 0 ? left : 0;
}

int
deadline_poll_ms(double deadline)
{
    double ms = ceil(deadline_left(deadline) * 1000.0);

    return ms > 2147483647.0 ? 2147483647 : (int)ms;
}
