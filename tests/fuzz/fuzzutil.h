/*
 * fuzzutil: what the fuzz targets share.  A fuzz input is split at NUL
 * bytes into C strings, since every string the exporter handles is one.
 */
#ifndef KRB5EXP_FUZZUTIL_H
#define KRB5EXP_FUZZUTIL_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry points, declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input cut at NUL bytes: n strings in one owned block. */
struct fuzz_strings {
    char *block;              /* owned: the input plus a final NUL */
    char **s;                 /* owned array of n pointers into block */
    size_t n;
};

/* Split data; at most max strings (the last keeps the rest, NULs and all
 * cut off at its first NUL).  Aborts when out of memory. */
void fuzz_split(const uint8_t *data, size_t size, size_t max,
                struct fuzz_strings *out);
void fuzz_strings_free(struct fuzz_strings *fs);

/* The i-th string, or `dflt` past the end. */
const char *fuzz_str(const struct fuzz_strings *fs, size_t i,
                     const char *dflt);

/* A copy of data with a NUL after it.  Aborts when out of memory. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* Print why an invariant broke and abort(), which libFuzzer reports as a
 * crash with this input. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2),
                                                    noreturn));

#endif
