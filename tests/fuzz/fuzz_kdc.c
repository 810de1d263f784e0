/*
 * fuzz_kdc: what the exporter does with a KDC's reply before and while
 * handing it to libkrb5 (kdcio_looks_like_reply, kdc_judge_reply), and the
 * redaction of libkrb5's trace lines (trace_redact).  Input: one complete
 * reply, any bytes, as one UDP datagram or one TCP record delivers it; the
 * same bytes are then taken as a trace line.
 */
#include <ctype.h>
#include <krb5/krb5.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzzutil.h"
#include "probes/kdc.h"
#include "probes/kdcio.h"
#include "probes/kdcreply.h"
#include "probes/trace.h"

static krb5_context ctx;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* No profile: the fuzzer must not depend on this machine's krb5.conf. */
    setenv("KRB5_CONFIG", "/dev/null", 1);
    if (krb5_init_context(&ctx) != 0)
        fuzz_fail("krb5_init_context failed");
    return 0;
}

static void
check_judge(const uint8_t *data, size_t size)
{
    int looks = kdcio_looks_like_reply(data, size);
    struct kdc_verdict v = kdc_judge_reply(ctx, "KRBTEST.COM", data, size);
    struct kdcreply_info info;
    int framed = kdcreply_parse(data, size, &info) == 0;

    if (looks != (size >= 2 && (data[0] == 0x6b || data[0] == 0x6d ||
                                data[0] == 0x7e)))
        fuzz_fail("kdcio_looks_like_reply: %d for a %zu-byte reply", looks,
                  size);
    if (v.up && !looks)
        fuzz_fail("kdc_judge_reply: up on a reply that is no reply");
    /* The realm spelt in another case is the realm's KDC, alive (the tgt
     * probe reports the spelling). */
    if (v.up && !(framed && strcasecmp(info.realm, "KRBTEST.COM") == 0))
        fuzz_fail("kdc_judge_reply: up on a reply not framed for the realm");
    if (framed && (info.type != KDCREPLY_AS_REP &&
                   info.type != KDCREPLY_TGS_REP &&
                   info.type != KDCREPLY_ERROR))
        fuzz_fail("kdcreply_parse: message type %d", (int)info.type);
    if (framed && (info.realm[0] == '\0' ||
                   memchr(info.realm, '\0', sizeof(info.realm)) == NULL))
        fuzz_fail("kdcreply_parse: realm not a string");
    if (v.up && v.error.code != 0)
        fuzz_fail("kdc_judge_reply: up with error %ld", v.error.code);
    if (!v.up && v.error.code == 0)
        fuzz_fail("kdc_judge_reply: down without an error");
    if (v.has_skew && (!v.up || data[0] != 0x7e))
        fuzz_fail("kdc_judge_reply: a clock from something not a KRB-ERROR");
    if (v.has_skew && !(v.kdc_time >= 0 && v.kdc_time < 4294967296.0 + 1))
        fuzz_fail("kdc_judge_reply: KDC clock %f out of range", v.kdc_time);
}

/* Length of the hex run at s. */
static size_t
hex_len(const char *s)
{
    size_t n = 0;

    while (isxdigit((unsigned char)s[n]))
        n++;
    return n;
}

/* What trace_redact must never let through: a hex blob of 8 bytes or more
 * standing as a word, or a key fingerprint "enctype/HHHH". */
static void
check_redacted(const char *in, const char *out)
{
    for (size_t i = 0; out[i] != '\0'; i++) {
        size_t run = hex_len(out + i);
        if (run >= 16 && (i == 0 || !isalnum((unsigned char)out[i - 1])) &&
            !isalnum((unsigned char)out[i + run]))
            fuzz_fail("trace_redact: \"%s\" kept a %zu-digit hex blob", in,
                      run);
        if (out[i] == '/' && i > 0 && isalnum((unsigned char)out[i - 1]) &&
            hex_len(out + i + 1) >= 4 && strlen(out + i + 1) >= 4 &&
            !isalnum((unsigned char)out[i + 5]) &&
            isxdigit((unsigned char)out[i + 4]))
            fuzz_fail("trace_redact: \"%s\" kept a key fingerprint", in);
        if (run > 0)
            i += run - 1;
    }
}

static void
check_redact(const uint8_t *data, size_t size)
{
    static const size_t sizes[] = { 1, 2, 12, 17, 64 };
    char *in = fuzz_cstr(data, size);
    size_t full_len = strlen(in) * 2 + 64;
    char *full = malloc(full_len);
    size_t n;

    if (full == NULL)
        abort();
    trace_redact(in, full, full_len);
    n = strlen(full);
    if (n >= full_len)
        fuzz_fail("trace_redact: output overran");
    if (n > 0 && (full[n - 1] == '\n' || full[n - 1] == '\r'))
        fuzz_fail("trace_redact: trailing newline kept");
    check_redacted(in, full);
    /* A short buffer gets a prefix of the same text, never more. */
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        char *small = malloc(sizes[k]);
        if (small == NULL)
            abort();
        trace_redact(in, small, sizes[k]);
        if (strnlen(small, sizes[k]) >= sizes[k] ||
            strncmp(small, full, strlen(small)) != 0)
            fuzz_fail("trace_redact: %zu-byte output \"%s\" is not a prefix "
                      "of \"%s\"", sizes[k], small, full);
        free(small);
    }
    trace_redact(in, NULL, 0);    /* no room: must write nothing */
    free(full);
    free(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_judge(data, size);
    check_redact(data, size);
    return 0;
}
