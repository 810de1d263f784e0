/* trace: the debug page's step log; see trace.h. */
#include "probes/trace.h"

#include <ctype.h>
#include <krb5/krb5.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/clocks.h"

void
trace_init(struct trace *t)
{
    pthread_mutex_init(&t->lock, NULL);
    sbuf_init(&t->text);
    t->start = clocks_now();
}

void
trace_free(struct trace *t)
{
    sbuf_free(&t->text);
    pthread_mutex_destroy(&t->lock);
}

void
trace_add(struct trace *t, const char *fmt, ...)
{
    char line[2048];
    va_list ap;

    if (t == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&t->lock);
    sbuf_addf(&t->text, "  +%.3fs  %s\n", clocks_now() - t->start, line);
    pthread_mutex_unlock(&t->lock);
}

/* Is s at a key fingerprint: '/' then exactly four hex digits, ending
 * there?  libkrb5 writes keys in its trace as "ENCTYPE/HHHH". */
static int
fingerprint_at(const char *s)
{
    if (s[0] != '/')
        return 0;
    for (int i = 1; i <= 4; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    }
    return !isalnum((unsigned char)s[5]);
}

/* Length of the run of hex digits at s. */
static size_t
hex_run(const char *s)
{
    size_t n = 0;

    while (isxdigit((unsigned char)s[n]))
        n++;
    return n;
}

/* Shortest hex run taken for data: 8 bytes.  libkrb5 writes encrypted
 * timestamps, their plaintext and other protocol blobs this way, and a
 * ciphertext made with the client's key is enough to guess the password
 * offline; shorter runs are numbers people need (timestamps, nonces). */
#define HEX_BLOB_MIN 16

void
trace_redact(const char *in, char *out, size_t out_len)
{
    size_t o = 0;

    if (out_len == 0)
        return;
    for (size_t i = 0; in[i] != '\0' && o + 1 < out_len; i++) {
        size_t run = hex_run(in + i);
        if (run >= HEX_BLOB_MIN &&
            (i == 0 || !isalnum((unsigned char)in[i - 1])) &&
            !isalnum((unsigned char)in[i + run])) {
            char r[48];
            size_t n = (size_t)snprintf(r, sizeof(r), "<%zu bytes redacted>",
                                        run / 2);
            if (o + n >= out_len)
                break;
            memcpy(out + o, r, n);
            o += n;
            i += run - 1;
            continue;
        }
        if (fingerprint_at(in + i) && i > 0 && isalnum((unsigned char)in[i - 1])) {
            const char *r = "/<redacted>";
            size_t n = strlen(r);
            if (o + n >= out_len)
                break;
            memcpy(out + o, r, n);
            o += n;
            i += 4;
            continue;
        }
        out[o++] = in[i];
    }
    while (o > 0 && (out[o - 1] == '\n' || out[o - 1] == '\r'))
        o--;
    out[o] = '\0';
}

static void KRB5_CALLCONV
on_krb5_trace(krb5_context ctx, const krb5_trace_info *info,
              void *cb_data)
{
    char clean[2048];

    (void)ctx;
    if (info == NULL)
        return;               /* the callback is being replaced */
    trace_redact(info->message, clean, sizeof(clean));
    trace_add(cb_data, "krb5: %s", clean);
}

void
trace_attach_krb5(void *ctx, struct trace *t)
{
    krb5_set_trace_callback(ctx, t != NULL ? on_krb5_trace : NULL, t);
}
