/*
 * negotiate: the pure parts of HTTP Negotiate (RFC 4559): base64 both
 * ways, the Authorization header we send, and the Negotiate token in a
 * WWW-Authenticate header the server sends back.  No I/O; nothing here
 * keeps or prints what it is given.
 */
#ifndef KRB5EXP_NEGOTIATE_H
#define KRB5EXP_NEGOTIATE_H

#include <stddef.h>

#include "probes/errspace.h"

/* Bytes of the base64 text of n bytes, without the NUL. */
size_t negotiate_b64_len(size_t n);

/* Write the base64 of in[n] (RFC 4648, with padding) and a NUL into out,
 * which holds negotiate_b64_len(n) + 1 bytes. */
void negotiate_b64_encode(const unsigned char *in, size_t n, char *out);

/*
 * Decode the base64 text in[len] (RFC 4648's alphabet; the padding may be
 * left out, as some servers do; nothing else is accepted, not even
 * whitespace) into out, which holds at least len * 3 / 4 + 1 bytes.
 * Returns 0 and sets *out_len, or -1 when in is not base64.
 */
int negotiate_b64_decode(const char *in, size_t len, unsigned char *out,
                         size_t *out_len);

/*
 * "Authorization: Negotiate <base64 of token>" in a new string (NULL: no
 * memory).  It is a credential: the caller wipes it (explicit_bzero) and
 * frees it, and never logs it.
 */
char *negotiate_authorization(const unsigned char *token, size_t len);

/* What negotiate_challenge() found in one header line. */
enum negotiate_found {
    NEGOTIATE_NOT_HEADER,     /* not a WWW-Authenticate header */
    NEGOTIATE_NONE,           /* WWW-Authenticate without Negotiate */
    NEGOTIATE_BARE,           /* "Negotiate" without a token */
    NEGOTIATE_TOKEN,          /* "Negotiate <token68>" */
};

/*
 * Read one raw header line as curl hands it over ("Name: value\r\n",
 * without a NUL): for a WWW-Authenticate header, find the Negotiate
 * challenge among its comma-separated challenges (scheme and header name
 * compared without case; quoted parameters of other schemes skipped).
 * With NEGOTIATE_TOKEN, *token and *token_len point into line at the
 * token68.  Pure.
 */
enum negotiate_found negotiate_challenge(const char *line, size_t len,
                                         const char **token,
                                         size_t *token_len);

/*
 * A failed GSS-API call as the probe reports it: its minor status when
 * that is a code libkrb5 names (what went wrong inside the krb5 mechanism:
 * KRB5_CC_NOTFOUND, KRB5KRB_AP_ERR_MODIFIED, an errno), else its major
 * status's routine (or calling) error in ERR_SPACE_GSS.
 */
struct probe_error negotiate_gss_error(unsigned long major,
                                       unsigned long minor);

#endif
