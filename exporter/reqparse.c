/* reqparse: request header parsing; see reqparse.h. */
#include "exporter/reqparse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
reqparse_scrape_timeout(const char *value, double *budget_out)
{
    char *end;
    double v;

    /* strtod alone would take " 5", "inf", "nan" and "0x10". */
    for (const char *p = value; *p != '\0'; p++) {
        if (!isdigit((unsigned char)*p) && *p != '.')
            return -1;
    }
    if (value[0] == '\0')
        return -1;
    errno = 0;
    v = strtod(value, &end);
    if (*end != '\0' || errno != 0 || !isfinite(v) || v <= 0 || v > 86400)
        return -1;
    v -= REQPARSE_TIMEOUT_OFFSET;
    *budget_out = v < REQPARSE_MIN_BUDGET ? REQPARSE_MIN_BUDGET : v;
    return 0;
}

int
reqparse_probe_query(const char *realm, const char *debug,
                     struct probe_query *out, char *err, size_t err_len)
{
    struct probe_query q = { realm, 0 };

    if (realm == NULL || realm[0] == '\0') {
        snprintf(err, err_len, "missing realm: use /probe?realm=REALM");
        return -1;
    }
    if (debug != NULL) {
        if (strcmp(debug, "true") == 0 || strcmp(debug, "1") == 0) {
            q.debug = 1;
        } else if (strcmp(debug, "false") != 0 && strcmp(debug, "0") != 0) {
            snprintf(err, err_len, "debug must be true or false");
            return -1;
        }
    }
    *out = q;
    return 0;
}
