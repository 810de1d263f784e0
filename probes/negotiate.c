/* negotiate: HTTP Negotiate's headers and base64; see negotiate.h. */
#include "probes/negotiate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probes/httperr.h"
#include "probes/krb5err.h"

static const char B64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
negotiate_b64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

void
negotiate_b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i = 0, o = 0;

    for (; i + 2 < n; i += 3) {
        unsigned long v = (unsigned long)in[i] << 16 |
                          (unsigned long)in[i + 1] << 8 | in[i + 2];
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        out[o++] = B64[v >> 6 & 63];
        out[o++] = B64[v & 63];
    }
    if (i < n) {
        unsigned long v = (unsigned long)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned long)in[i + 1] << 8;
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        out[o++] = i + 1 < n ? B64[v >> 6 & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
}

static int
b64_value(char c)
{
    const char *p = c != '\0' ? strchr(B64, c) : NULL;

    return p != NULL ? (int)(p - B64) : -1;
}

int
negotiate_b64_decode(const char *in, size_t len, unsigned char *out,
                     size_t *out_len)
{
    unsigned long acc = 0;
    size_t o = 0, n = 0, pad = 0;

    /* Padding only at the end, at most two, and only where it fits. */
    while (pad < len && pad < 2 && in[len - 1 - pad] == '=')
        pad++;
    if (pad > 0 && len % 4 != 0)
        return -1;
    len -= pad;
    if (len % 4 == 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value(in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (unsigned long)v;
        if (++n == 4) {
            out[o++] = (unsigned char)(acc >> 16);
            out[o++] = (unsigned char)(acc >> 8);
            out[o++] = (unsigned char)acc;
            acc = 0;
            n = 0;
        }
    }
    if (n == 2) {
        if (acc & 0xf)
            return -1;        /* bits that encode nothing must be zero */
        out[o++] = (unsigned char)(acc >> 4);
    } else if (n == 3) {
        if (acc & 0x3)
            return -1;
        out[o++] = (unsigned char)(acc >> 10);
        out[o++] = (unsigned char)(acc >> 2);
    }
    *out_len = o;
    return 0;
}

char *
negotiate_authorization(const unsigned char *token, size_t len)
{
    static const char prefix[] = "Authorization: Negotiate ";
    char *out = malloc(sizeof(prefix) + negotiate_b64_len(len));

    if (out == NULL)
        return NULL;
    memcpy(out, prefix, sizeof(prefix) - 1);
    negotiate_b64_encode(token, len, out + sizeof(prefix) - 1);
    return out;
}

static int
is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110's tchar: the bytes of an auth-scheme. */
static int
is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 9110's token68, without its trailing '='s. */
static int
is_token68(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || strchr("-._~+/", c) != NULL;
}

enum negotiate_found
negotiate_challenge(const char *line, size_t len, const char **token,
                    size_t *token_len)
{
    static const char name[] = "www-authenticate:";
    size_t i = sizeof(name) - 1, end = len;

    if (len < i || strncasecmp(line, name, i) != 0)
        return NEGOTIATE_NOT_HEADER;
    while (end > i && (line[end - 1] == '\r' || line[end - 1] == '\n' ||
                       is_space(line[end - 1])))
        end--;
    while (i < end) {
        size_t scheme, scheme_len;
        int quoted = 0;

        while (i < end && (is_space(line[i]) || line[i] == ','))
            i++;
        scheme = i;
        while (i < end && is_tchar(line[i]))
            i++;
        scheme_len = i - scheme;
        if (scheme_len == 9 && strncasecmp(line + scheme, "negotiate", 9) == 0
            && (i == end || is_space(line[i]) || line[i] == ',')) {
            size_t t;
            while (i < end && is_space(line[i]))
                i++;
            t = i;
            while (i < end && is_token68(line[i]))
                i++;
            while (i < end && line[i] == '=')
                i++;
            *token_len = i - t;
            while (i < end && is_space(line[i]))
                i++;
            /* A token68 is the challenge's whole value. */
            if (*token_len == 0 || (i < end && line[i] != ','))
                return NEGOTIATE_BARE;
            *token = line + t;
            return NEGOTIATE_TOKEN;
        }
        if (scheme_len == 0 && i < end)
            i++;              /* a byte no challenge starts with */
        /* Another scheme: skip its token68 or parameters up to the comma
         * that ends it, past commas inside quoted strings. */
        while (i < end && (quoted || line[i] != ',')) {
            if (quoted && line[i] == '\\' && i + 1 < end)
                i++;
            else if (line[i] == '"')
                quoted = !quoted;
            i++;
        }
    }
    return NEGOTIATE_NONE;
}

struct probe_error
negotiate_gss_error(unsigned long major, unsigned long minor)
{
    /* A krb5 mechanism's minor status is a krb5_error_code in 32 bits. */
    long code = (long)(int32_t)(uint32_t)minor;
    struct probe_error e = krb5err_from_krb5(code);

    if (code != 0 && strcmp(krb5err_name(e.space, e.code), "UNKNOWN") != 0)
        return e;
    return (struct probe_error){ ERR_SPACE_GSS,
                                 (long)httperr_gss_error(major) };
}
