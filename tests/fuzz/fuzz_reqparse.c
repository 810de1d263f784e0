/*
 * fuzz_reqparse: the request parsing the exporter does before any probe,
 * on values a client chooses.  Input: "HEADER\0REALM\0DEBUG\0ERRLEN" cut at
 * NUL bytes; a missing part is a missing argument.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/reqparse.h"
#include "fuzzutil.h"

static void
check_timeout(const char *value)
{
    double budget = -42.0;
    int ret = reqparse_scrape_timeout(value, &budget);

    if (ret == -1) {
        if (budget != -42.0)
            fuzz_fail("timeout \"%s\": refused but the budget was set", value);
        return;
    }
    if (ret != 0)
        fuzz_fail("timeout \"%s\": returned %d", value, ret);
    if (!isfinite(budget) || budget < REQPARSE_MIN_BUDGET ||
        budget > 86400 - REQPARSE_TIMEOUT_OFFSET)
        fuzz_fail("timeout \"%s\": budget %g out of range", value, budget);
    /* Only digits and dots are a number of seconds. */
    if (value[0] == '\0' || value[strspn(value, "0123456789.")] != '\0')
        fuzz_fail("timeout \"%s\": taken although not a plain number", value);
    double v = strtod(value, NULL);
    double want = v - REQPARSE_TIMEOUT_OFFSET;
    if (want < REQPARSE_MIN_BUDGET)
        want = REQPARSE_MIN_BUDGET;
    if (budget != want)
        fuzz_fail("timeout \"%s\": budget %.17g, expected %.17g", value,
                  budget, want);
}

static int
debug_value(const char *debug)
{
    if (debug == NULL || strcmp(debug, "false") == 0 ||
        strcmp(debug, "0") == 0)
        return 0;
    if (strcmp(debug, "true") == 0 || strcmp(debug, "1") == 0)
        return 1;
    return -1;
}

static void
check_query(const char *realm, const char *debug, size_t err_len)
{
    struct probe_query q = { "untouched", 42 };
    char *err = malloc(err_len ? err_len : 1);
    int want_debug = debug_value(debug);
    int ok = realm != NULL && realm[0] != '\0' && want_debug >= 0;
    int ret;

    if (err == NULL)
        abort();
    ret = reqparse_probe_query(realm, debug, &q, err, err_len);
    if (ok) {
        if (ret != 0 || q.realm != realm || q.debug != want_debug)
            fuzz_fail("query realm=\"%s\" debug=\"%s\": not taken as it is",
                      realm, debug ? debug : "(none)");
    } else {
        if (ret != -1 || q.debug != 42 || strcmp(q.realm, "untouched") != 0)
            fuzz_fail("query realm=\"%s\" debug=\"%s\": taken or out "
                      "param set", realm ? realm : "(none)",
                      debug ? debug : "(none)");
        if (err_len > 0 && (strnlen(err, err_len) == err_len ||
                            (err_len > 1 && err[0] == '\0')))
            fuzz_fail("query: reason not a NUL-terminated line");
    }
    free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_strings fs;
    const char *len_s;
    size_t err_len;

    fuzz_split(data, size, 4, &fs);
    check_timeout(fuzz_str(&fs, 0, ""));
    len_s = fuzz_str(&fs, 3, NULL);
    err_len = len_s != NULL ? (size_t)(unsigned char)len_s[0] : 256;
    check_query(fuzz_str(&fs, 1, NULL), fuzz_str(&fs, 2, NULL), err_len);
    fuzz_strings_free(&fs);
    return 0;
}
