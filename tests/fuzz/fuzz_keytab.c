/*
 * fuzz_keytab: a keytab file's bytes, as ktparse parses them and credfile
 * turns them into a MEMORY keytab.  Input: the whole file.
 *
 * ktparse must never read out of bounds (ASan watches), every span it
 * gives must lie in its record, and whatever it accepts libkrb5's own FILE
 * keytab must read as the same entries in the same order: the input is
 * written to a file in memory and both keytabs are walked side by side.
 */
#include <krb5/krb5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzzutil.h"
#include "probes/credfile.h"
#include "probes/ktparse.h"

static krb5_context ctx;
static int memfd = -1;
static char file_name[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* No profile: the fuzzer must not depend on this machine's krb5.conf. */
    setenv("KRB5_CONFIG", "/dev/null", 1);
    if (krb5_init_context(&ctx) != 0)
        fuzz_fail("krb5_init_context failed");
    /* libkrb5 reads each input through /proc from a file in memory, so
     * that nothing is left on disk however the fuzzer ends. */
    memfd = memfd_create("fuzz_keytab", MFD_CLOEXEC);
    if (memfd < 0)
        fuzz_fail("memfd_create failed");
    snprintf(file_name, sizeof(file_name), "FILE:/proc/self/fd/%d", memfd);
    return 0;
}

/* Parse it all, checking each entry's spans; the number of entries, or -1
 * when the input is refused. */
static long
parse_all(const uint8_t *data, size_t size)
{
    struct ktparse_cursor cur;
    struct ktparse_entry e;
    krb5_error_code ret;
    long n = 0;

    ret = ktparse_start(&cur, data, size);
    while (ret == 0 && (ret = ktparse_next(&cur, &e)) == 0) {
        struct ktparse_span spans[64], *s = spans;
        size_t prev_end = e.components.off;

        if (e.record_off + 4 > e.realm.off || e.realm.len == 0 ||
            e.realm.off + e.realm.len > e.components.off ||
            e.components.off + e.components.len > e.key.off ||
            e.key.len == 0 || e.key.off + e.key.len > size ||
            e.key.off + e.key.len > cur.pos || e.n_components == 0)
            fuzz_fail("ktparse: entry %ld has spans out of place", n);
        if (e.n_components > 64) {
            s = calloc(e.n_components, sizeof(*s));
            if (s == NULL)
                abort();
        }
        ktparse_components(&cur, &e, s);
        for (size_t i = 0; i < e.n_components; i++) {
            if (s[i].len == 0 || s[i].off != prev_end + 2 ||
                s[i].off + s[i].len > e.components.off + e.components.len)
                fuzz_fail("ktparse: entry %ld component %zu out of place", n,
                          i);
            prev_end = s[i].off + s[i].len;
        }
        if (prev_end != e.components.off + e.components.len)
            fuzz_fail("ktparse: entry %ld components do not fill their span",
                      n);
        if (s != spans)
            free(s);
        n++;
    }
    if (ret == KRB5_KT_END)
        return n;
    if ((ret != KRB5_KEYTAB_BADVNO && ret != KRB5_KT_FORMAT) ||
        cur.why == NULL || cur.why_off > size)
        fuzz_fail("ktparse: refused with %ld, why %s at %zu", (long)ret,
                  cur.why ? cur.why : "(none)", cur.why_off);
    if (ktparse_next(&cur, &e) != ret)
        fuzz_fail("ktparse: the error did not stay");
    return -1;
}

/* libkrb5's FILE reading of the same bytes against the MEMORY keytab. */
static void
compare_with_file(const uint8_t *data, size_t size, krb5_keytab mem,
                  long n_parsed)
{
    krb5_keytab file = NULL;
    krb5_kt_cursor cf, cm;
    krb5_keytab_entry ef, em;
    krb5_error_code rf, rm;
    long n = 0;

    if (ftruncate(memfd, 0) != 0 ||
        (size > 0 && pwrite(memfd, data, size, 0) != (ssize_t)size))
        fuzz_fail("cannot write the input to its memfd");
    if (krb5_kt_resolve(ctx, file_name, &file) != 0 ||
        krb5_kt_start_seq_get(ctx, file, &cf) != 0 ||
        krb5_kt_start_seq_get(ctx, mem, &cm) != 0)
        fuzz_fail("libkrb5 cannot start reading a keytab ktparse took");
    for (;;) {
        rf = krb5_kt_next_entry(ctx, file, &ef, &cf);
        rm = krb5_kt_next_entry(ctx, mem, &em, &cm);
        if (rf != 0 || rm != 0)
            break;
        if (!krb5_principal_compare(ctx, ef.principal, em.principal) ||
            (data[1] == 2 && ef.principal->type != em.principal->type) ||
            ef.timestamp != em.timestamp || ef.vno != em.vno ||
            ef.key.enctype != em.key.enctype ||
            ef.key.length != em.key.length ||
            memcmp(ef.key.contents, em.key.contents, ef.key.length) != 0)
            fuzz_fail("entry %ld differs from libkrb5's FILE reading", n);
        krb5_free_keytab_entry_contents(ctx, &ef);
        krb5_free_keytab_entry_contents(ctx, &em);
        n++;
    }
    if (rf != KRB5_KT_END || rm != KRB5_KT_END)
        fuzz_fail("after %ld entries libkrb5's FILE gave %ld, MEMORY %ld", n,
                  (long)rf, (long)rm);
    if (rf == 0)
        krb5_free_keytab_entry_contents(ctx, &ef);
    if (rm == 0)
        krb5_free_keytab_entry_contents(ctx, &em);
    if (n != n_parsed)
        fuzz_fail("%ld entries in libkrb5, %ld parsed", n, n_parsed);
    krb5_kt_end_seq_get(ctx, file, &cf);
    krb5_kt_end_seq_get(ctx, mem, &cm);
    krb5_kt_close(ctx, file);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    krb5_keytab mem = NULL;
    unsigned char *copy;
    krb5_error_code ret;
    long n;

    n = parse_all(data, size);
    copy = malloc(size ? size : 1);
    if (copy == NULL)
        abort();
    memcpy(copy, data, size);
    ret = credfile_keytab_memory(ctx, "/fuzz/keytab", copy, size, &mem);
    if ((ret == 0) != (n >= 0))
        fuzz_fail("credfile_keytab_memory gave %ld where ktparse found %ld "
                  "entries", (long)ret, n);
    if (ret == 0) {
        compare_with_file(data, size, mem, n);
        credfile_keytab_close(ctx, mem);
    } else {
        const char *msg = krb5_get_error_message(ctx, ret);
        if (strstr(msg, "keytab \"/fuzz/keytab\"") != msg)
            fuzz_fail("the message does not name the keytab: %s", msg);
        krb5_free_error_message(ctx, msg);
    }
    free(copy);
    return 0;
}
