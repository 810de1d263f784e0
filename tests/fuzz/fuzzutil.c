/* fuzzutil: helpers shared by the fuzz targets; see fuzzutil.h. */
#include "fuzzutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
fuzz_split(const uint8_t *data, size_t size, size_t max,
           struct fuzz_strings *out)
{
    size_t n = 0;

    out->block = fuzz_cstr(data, size);
    out->s = calloc(max ? max : 1, sizeof(*out->s));
    if (out->s == NULL)
        abort();
    for (size_t i = 0; n < max; ) {
        out->s[n++] = out->block + i;
        while (i < size && out->block[i] != '\0')
            i++;
        if (i >= size)
            break;
        i++;                  /* past the NUL */
    }
    out->n = n;
}

void
fuzz_strings_free(struct fuzz_strings *fs)
{
    free(fs->s);
    free(fs->block);
    memset(fs, 0, sizeof(*fs));
}

const char *
fuzz_str(const struct fuzz_strings *fs, size_t i, const char *dflt)
{
    return i < fs->n ? fs->s[i] : dflt;
}

char *
fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void
fuzz_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("fuzz invariant broken: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
