/*
 * test_httpprobe: the http probe.  Tables for the pure halves: base64 both
 * ways, the Negotiate challenge in WWW-Authenticate headers, the
 * Authorization header, the names of the HTTP, curl and GSS-API codes
 * (every code of the generated tables, and nothing past them), and how a
 * curl or GSS-API failure becomes a probe error.  Then the HTTP exchange
 * over loopback peers of its own: a 200 with a token and one without, a
 * 401, a redirect that is not followed, the address pinned for a name curl
 * may not resolve, a closed port, a peer that hangs up, and a silent peer
 * that the deadline cuts short.  And the URLs recorded untried.
 */
#include <ares.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <gssapi/gssapi.h>
#include <krb5/krb5.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clocks.h"
#include "httperr_table.h"
#include "probes/httperr.h"
#include "probes/httpio.h"
#include "probes/httpprobe.h"
#include "probes/krb5err.h"
#include "probes/negotiate.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- base64 ---- */

static void
test_b64(void **state)
{
    /* RFC 4648's test vectors, and bytes of every value. */
    static const struct {
        const char *raw;
        size_t len;
        const char *b64;
    } cases[] = {
        { "", 0, "" },
        { "f", 1, "Zg==" },
        { "fo", 2, "Zm8=" },
        { "foo", 3, "Zm9v" },
        { "foob", 4, "Zm9vYg==" },
        { "fooba", 5, "Zm9vYmE=" },
        { "foobar", 6, "Zm9vYmFy" },
        { "\x00\xff\xfe\x3e\x3f", 5, "AP/+Pj8=" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        char out[64];
        unsigned char back[64];
        size_t n = 99;

        assert_int_equal(negotiate_b64_len(cases[i].len),
                         strlen(cases[i].b64));
        negotiate_b64_encode((const unsigned char *)cases[i].raw,
                             cases[i].len, out);
        assert_string_equal(out, cases[i].b64);
        assert_int_equal(negotiate_b64_decode(out, strlen(out), back, &n),
                         0);
        assert_int_equal(n, cases[i].len);
        assert_memory_equal(back, cases[i].raw, n);
    }
}

static void
test_b64_decode_rejects(void **state)
{
    static const struct {
        const char *in;
        int ok;
        size_t len;
        const char *why;
    } cases[] = {
        { "Zm9vYg", 1, 4, "padding left out, as some servers do" },
        { "Zm9vYmE", 1, 5, "one '=' left out" },
        { "Zm9v Yg==", 0, 0, "whitespace inside" },
        { "Zm9vYg=", 0, 0, "padding that does not fill the quantum" },
        { "Zm9vY===", 0, 0, "three padding characters" },
        { "Zm=vYg==", 0, 0, "padding in the middle" },
        { "Zm9vY", 0, 0, "one character of a quantum is no byte" },
        { "Zh==", 0, 0, "bits past the last byte must be zero" },
        { "Zm9-", 0, 0, "the URL-safe alphabet is not base64" },
        { "Zm9\x80", 0, 0, "a byte past ASCII" },
        { "====", 0, 0, "padding alone" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        unsigned char out[64];
        size_t n = 0;
        int r = negotiate_b64_decode(cases[i].in, strlen(cases[i].in), out,
                                     &n);

        if ((r == 0) != cases[i].ok || (cases[i].ok && n != cases[i].len))
            fail_msg("%s: \"%s\" gave %d (%zu bytes)", cases[i].why,
                     cases[i].in, r, n);
    }
}

static void
test_authorization(void **state)
{
    char *h = negotiate_authorization((const unsigned char *)"\x60\x01", 2);

    (void)state;
    assert_non_null(h);
    assert_string_equal(h, "Authorization: Negotiate YAE=");
    free(h);
}

/* ---- WWW-Authenticate ---- */

static void
test_challenge(void **state)
{
    static const struct {
        const char *line;
        enum negotiate_found found;
        const char *token;
        const char *why;
    } cases[] = {
        { "WWW-Authenticate: Negotiate oRQwEqADCgEAoQsGCSqGSIb3EgECAg==\r\n",
          NEGOTIATE_TOKEN, "oRQwEqADCgEAoQsGCSqGSIb3EgECAg==",
          "mod_auth_gssapi's final token" },
        { "www-authenticate:negotiate YAE=\r\n", NEGOTIATE_TOKEN, "YAE=",
          "names in any case, no space after the colon" },
        { "WWW-Authenticate: Negotiate\r\n", NEGOTIATE_BARE, NULL,
          "the 401's challenge has no token" },
        { "WWW-Authenticate: Negotiate   \r\n", NEGOTIATE_BARE, NULL,
          "trailing spaces" },
        { "WWW-Authenticate: Basic realm=\"x, Negotiate y\"\r\n",
          NEGOTIATE_NONE, NULL, "Negotiate inside a quoted parameter" },
        { "WWW-Authenticate: Basic realm=\"a\\\"b\", Negotiate YAE=\r\n",
          NEGOTIATE_TOKEN, "YAE=", "after another scheme's parameters" },
        { "WWW-Authenticate: NTLM, Negotiate YAE=, Basic realm=x\r\n",
          NEGOTIATE_TOKEN, "YAE=", "between other schemes" },
        { "WWW-Authenticate: NegotiateX YAE=\r\n", NEGOTIATE_NONE, NULL,
          "a scheme that only starts with Negotiate" },
        { "WWW-Authenticate: Negotiate YA E=\r\n", NEGOTIATE_BARE, NULL,
          "a token with a space inside is no token68" },
        { "WWW-Authenticate: Negotiate YA\"E=\r\n", NEGOTIATE_BARE, NULL,
          "a byte no token68 has" },
        { "WWW-Authenticate: Basic realm=\"x\"\r\n", NEGOTIATE_NONE, NULL,
          "Basic only" },
        { "WWW-Authenticate:\r\n", NEGOTIATE_NONE, NULL, "empty" },
        { "Proxy-Authenticate: Negotiate YAE=\r\n", NEGOTIATE_NOT_HEADER,
          NULL, "another header" },
        { "WWW-Authenticat: Negotiate YAE=\r\n", NEGOTIATE_NOT_HEADER, NULL,
          "a near miss" },
        { "X-WWW-Authenticate: Negotiate YAE=\r\n", NEGOTIATE_NOT_HEADER,
          NULL, "a longer name" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        const char *tok = NULL;
        size_t len = 0;
        enum negotiate_found f = negotiate_challenge(
            cases[i].line, strlen(cases[i].line), &tok, &len);

        if (f != cases[i].found)
            fail_msg("%s: found %d, want %d", cases[i].why, (int)f,
                     (int)cases[i].found);
        if (cases[i].token != NULL &&
            (len != strlen(cases[i].token) ||
             memcmp(tok, cases[i].token, len) != 0))
            fail_msg("%s: token \"%.*s\"", cases[i].why, (int)len, tok);
    }
}

/* ---- code names ---- */

/* Every generated entry is named by krb5err_name() as the table says;
 * curl's table has a name for each code below CURL_LAST. */
static void
test_tables_complete(void **state)
{
    (void)state;
    assert_int_equal(ERRTABLE_CURL_COUNT, CURL_LAST);
    for (long c = 1; c < (long)CURL_LAST; c++) {
        const char *name = krb5err_name(ERR_SPACE_CURL, c);
        if (errtable_curl[c] == NULL || strcmp(name, errtable_curl[c]) != 0)
            fail_msg("CURLcode %ld has no name (%s)", c, name);
        if (strncmp(name, "CURLE_", 6) != 0)
            fail_msg("CURLcode %ld is named %s", c, name);
    }
    assert_true(ERRTABLE_GSS_COUNT >= 21);
    for (size_t i = 0; i < ERRTABLE_GSS_COUNT; i++) {
        const struct code_entry *e = &errtable_gss[i];
        if (strcmp(krb5err_name(ERR_SPACE_GSS, (long)e->code), e->name) != 0)
            fail_msg("%s is named %s", e->name,
                     krb5err_name(ERR_SPACE_GSS, (long)e->code));
    }
    /* Routine errors 1 to 19, each once: RFC 2744's and MIT's. */
    for (unsigned long r = 1; r <= 19; r++)
        if (httperr_name(ERR_SPACE_GSS, (long)(r << 16)) == NULL)
            fail_msg("GSS routine error %lu has no name", r);
    assert_true(ERRTABLE_HTTP_COUNT >= 55);
    for (size_t i = 0; i < ERRTABLE_HTTP_COUNT; i++) {
        const struct code_entry *e = &errtable_http[i];
        if (e->code < 100 || e->code > 599 ||
            (i > 0 && errtable_http[i - 1].code >= e->code))
            fail_msg("HTTP table out of order or range at %s", e->name);
        if (strcmp(krb5err_name(ERR_SPACE_HTTP, (long)e->code), e->name))
            fail_msg("%s is named %s", e->name,
                     krb5err_name(ERR_SPACE_HTTP, (long)e->code));
    }
    /* Every status RFC 9110 defines has its name. */
    static const long rfc9110[] = {
        100, 101, 200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303,
        304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408,
        409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426, 500,
        501, 502, 503, 504, 505,
    };
    for (size_t i = 0; i < COUNT(rfc9110); i++)
        if (httperr_name(ERR_SPACE_HTTP, rfc9110[i]) == NULL)
            fail_msg("HTTP status %ld has no name", rfc9110[i]);
}

static void
test_names(void **state)
{
    static const struct {
        enum err_space space;
        long code;
        const char *name;
        const char *why;
    } cases[] = {
        { ERR_SPACE_HTTP, 401, "HTTP_UNAUTHORIZED", "the stale keytab's 401" },
        { ERR_SPACE_HTTP, 403, "HTTP_FORBIDDEN", "accepted, not allowed" },
        { ERR_SPACE_HTTP, 404, "HTTP_NOT_FOUND", "a wrong URL" },
        { ERR_SPACE_HTTP, 503, "HTTP_SERVICE_UNAVAILABLE", "a 5xx" },
        { ERR_SPACE_HTTP, 499, "UNKNOWN", "no registered status" },
        { ERR_SPACE_HTTP, 0, "NONE", "code 0 is no error in every space" },
        { ERR_SPACE_HTTP, -401, "UNKNOWN", "negative" },
        { ERR_SPACE_CURL, CURLE_PEER_FAILED_VERIFICATION,
          "CURLE_PEER_FAILED_VERIFICATION", "a certificate that fails" },
        { ERR_SPACE_CURL, CURLE_SSL_CONNECT_ERROR, "CURLE_SSL_CONNECT_ERROR",
          "a TLS handshake that fails" },
        { ERR_SPACE_CURL, CURLE_COULDNT_RESOLVE_HOST,
          "CURLE_COULDNT_RESOLVE_HOST", "a lookup curl was refused" },
        { ERR_SPACE_CURL, CURL_LAST, "UNKNOWN", "past the enum" },
        { ERR_SPACE_CURL, -1, "UNKNOWN", "negative" },
        { ERR_SPACE_GSS, (long)GSS_S_DEFECTIVE_TOKEN, "GSS_S_DEFECTIVE_TOKEN",
          "a junk token" },
        { ERR_SPACE_GSS, (long)(GSS_S_FAILURE | GSS_S_CONTINUE_NEEDED),
          "GSS_S_FAILURE", "supplementary bits do not count" },
        { ERR_SPACE_GSS, (long)GSS_S_CALL_BAD_STRUCTURE,
          "GSS_S_CALL_BAD_STRUCTURE", "a calling error" },
        { ERR_SPACE_GSS, (long)GSS_S_CONTINUE_NEEDED, "UNKNOWN",
          "only a supplementary bit is no error" },
        { ERR_SPACE_GSS, 20L << 16, "UNKNOWN", "no such routine error" },
        { ERR_SPACE_GSS, ARES_ENOTFOUND, "UNKNOWN",
          "spaces stay apart: 4 is no GSS status" },
        { ERR_SPACE_ARES, 401, "UNKNOWN", "spaces stay apart: 401 is no "
          "c-ares status" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        const char *got = krb5err_name(cases[i].space, cases[i].code);
        if (strcmp(got, cases[i].name) != 0)
            fail_msg("%s: %ld in space %d is %s, want %s", cases[i].why,
                     cases[i].code, (int)cases[i].space, got, cases[i].name);
    }
    assert_non_null(krb5err_advice(ERR_SPACE_HTTP, 401));
    assert_non_null(krb5err_advice(ERR_SPACE_KRB5, KRB5KRB_AP_ERR_MUT_FAIL));
    assert_non_null(krb5err_advice(ERR_SPACE_CURL,
                                   CURLE_PEER_FAILED_VERIFICATION));
}

static void
test_from_curl_and_gss(void **state)
{
    static const struct {
        long curl, os_errno;
        enum err_space space;
        long code;
        const char *why;
    } curl_cases[] = {
        { CURLE_COULDNT_CONNECT, ECONNREFUSED, ERR_SPACE_ERRNO, ECONNREFUSED,
          "a closed port reads as the kdc probe's would" },
        { CURLE_RECV_ERROR, ECONNRESET, ERR_SPACE_ERRNO, ECONNRESET,
          "a reset" },
        { CURLE_COULDNT_CONNECT, 0, ERR_SPACE_CURL, CURLE_COULDNT_CONNECT,
          "no errno: curl's code" },
        { CURLE_OPERATION_TIMEDOUT, 0, ERR_SPACE_ERRNO, ETIMEDOUT,
          "curl's timeout is the deadline's" },
        { CURLE_PEER_FAILED_VERIFICATION, ECONNRESET, ERR_SPACE_CURL,
          CURLE_PEER_FAILED_VERIFICATION, "TLS stays curl's" },
        { CURLE_GOT_NOTHING, 0, ERR_SPACE_CURL, CURLE_GOT_NOTHING,
          "a hang-up before any answer" },
    };
    static const struct {
        unsigned long major, minor;
        enum err_space space;
        long code;
        const char *why;
    } gss_cases[] = {
        { GSS_S_FAILURE, (unsigned long)(uint32_t)KRB5_CC_NOTFOUND,
          ERR_SPACE_KRB5, KRB5_CC_NOTFOUND, "our own error, its krb5 name" },
        { GSS_S_DEFECTIVE_TOKEN,
          (unsigned long)(uint32_t)KRB5KRB_AP_ERR_MSG_TYPE, ERR_SPACE_KRB5,
          KRB5KRB_AP_ERR_MSG_TYPE, "a token of another type" },
        { GSS_S_DEFECTIVE_TOKEN, 0, ERR_SPACE_GSS,
          (long)GSS_S_DEFECTIVE_TOKEN, "no minor: the major's name" },
        { GSS_S_DEFECTIVE_TOKEN | GSS_S_CONTINUE_NEEDED, 0, ERR_SPACE_GSS,
          (long)GSS_S_DEFECTIVE_TOKEN, "supplementary bits left out" },
        { GSS_S_FAILURE, 0x861b6d00UL /* no krb5 code */, ERR_SPACE_GSS,
          (long)GSS_S_FAILURE, "a minor libkrb5 does not name" },
        { GSS_S_FAILURE, ENOENT, ERR_SPACE_ERRNO, ENOENT,
          "an errno as minor" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(curl_cases); i++) {
        struct probe_error e = httperr_from_curl(curl_cases[i].curl,
                                                 curl_cases[i].os_errno);
        if (e.space != curl_cases[i].space || e.code != curl_cases[i].code)
            fail_msg("%s: space %d code %ld", curl_cases[i].why,
                     (int)e.space, e.code);
    }
    for (size_t i = 0; i < COUNT(gss_cases); i++) {
        struct probe_error e = negotiate_gss_error(gss_cases[i].major,
                                                gss_cases[i].minor);
        if (e.space != gss_cases[i].space || e.code != gss_cases[i].code)
            fail_msg("%s: space %d code %ld", gss_cases[i].why,
                     (int)e.space, e.code);
    }
}

/* ---- the exchange over loopback peers ---- */

enum peer_mode { PEER_ANSWER, PEER_SILENT, PEER_HANGUP };

struct peer {
    int listen_fd;
    unsigned short port;
    enum peer_mode mode;
    const char *answer;       /* the whole response, for PEER_ANSWER */
    char request[4096];       /* what came, up to the blank line */
    size_t request_len;
    int stop_fd;              /* closed by peer_close() to end the wait */
    int stop_pipe[2];
    pthread_t thread;
};

static void *
peer_serve(void *arg)
{
    struct peer *p = arg;
    int fd = accept(p->listen_fd, NULL, NULL);

    if (fd < 0)
        return NULL;
    if (p->mode != PEER_SILENT) {
        /* Read the request's head, then answer or hang up. */
        while (p->request_len < sizeof(p->request) - 1 &&
               strstr(p->request, "\r\n\r\n") == NULL) {
            ssize_t r = read(fd, p->request + p->request_len,
                             sizeof(p->request) - 1 - p->request_len);
            if (r <= 0)
                break;
            p->request_len += (size_t)r;
            p->request[p->request_len] = '\0';
        }
        if (p->mode == PEER_ANSWER)
            (void)!write(fd, p->answer, strlen(p->answer));
    } else {
        char c;
        /* Hold the connection, say nothing, until the test is done. */
        (void)!read(p->stop_pipe[0], &c, 1);
    }
    close(fd);
    return NULL;
}

static void
peer_open(struct peer *p, enum peer_mode mode, const char *answer)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int one = 1;

    memset(p, 0, sizeof(*p));
    p->mode = mode;
    p->answer = answer;
    assert_int_equal(pipe(p->stop_pipe), 0);
    p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(p->listen_fd >= 0);
    setsockopt(p->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(p->listen_fd, (struct sockaddr *)&sa, sizeof(sa)),
                     0);
    assert_int_equal(listen(p->listen_fd, 4), 0);
    assert_int_equal(getsockname(p->listen_fd, (struct sockaddr *)&sa, &len),
                     0);
    p->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&p->thread, NULL, peer_serve, p), 0);
}

static void
peer_close(struct peer *p)
{
    close(p->stop_pipe[1]);
    /* A peer that was never connected to waits in accept(). */
    shutdown(p->listen_fd, SHUT_RDWR);
    pthread_join(p->thread, NULL);
    close(p->listen_fd);
    close(p->stop_pipe[0]);
}

/* A port nothing listens on: bound, then closed. */
static unsigned short
closed_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

#define OK_TOKEN "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n" \
    "WWW-Authenticate: Negotiate oRQwEqADCgEAoQsGCSqGSIb3EgECAg==\r\n\r\nhello"

static void
test_exchange_answers(void **state)
{
    static const struct {
        const char *answer;
        long status;
        const char *token;
        int negotiate;
        const char *why;
    } cases[] = {
        { OK_TOKEN, 200, "oRQwEqADCgEAoQsGCSqGSIb3EgECAg==", 1,
          "200 with the server's token" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, NULL, 0,
          "200 without a token" },
        { "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\n"
          "Content-Length: 0\r\n\r\n", 401, NULL, 1, "401, bare challenge" },
        { "HTTP/1.1 302 Found\r\nLocation: http://elsewhere.invalid/\r\n"
          "WWW-Authenticate: Negotiate YAE=\r\nContent-Length: 0\r\n\r\n",
          302, "YAE=", 1, "a redirect is not followed: its token counts" },
        { "HTTP/1.1 100 Continue\r\nWWW-Authenticate: Negotiate Zm9v\r\n\r\n"
          "HTTP/1.1 204 No Content\r\n\r\n", 204, NULL, 0,
          "an interim response's headers are not the final one's" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
          "WWW-Authenticate: Negotiate YAE=\r\n\r\n10000\r\nxxxxxxxx", 200,
          "YAE=", 1, "a body is not waited for" },
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct peer p;
        struct http_exchange ex;
        char url[64];

        peer_open(&p, PEER_ANSWER, cases[i].answer);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", p.port);
        memset(&ex, 0, sizeof(ex));
        ex.url = url;
        ex.address = 1;
        ex.authorization = "Authorization: Negotiate YAE=";
        assert_int_equal(httpio_exchange_all(&ex, 1, clocks_now() + 5),
                         0);
        peer_close(&p);
        if (ex.error.code != 0 || ex.status != cases[i].status ||
            ex.negotiate != cases[i].negotiate ||
            (cases[i].token == NULL) != (ex.token == NULL) ||
            (ex.token != NULL && strcmp(ex.token, cases[i].token) != 0))
            fail_msg("%s: error %ld (%s), status %ld, negotiate %d, token "
                     "%s", cases[i].why, ex.error.code, ex.why, ex.status,
                     ex.negotiate, ex.token ? ex.token : "(none)");
        /* The header went out as given, and curl added no auth of its own. */
        assert_non_null(strstr(p.request, "\r\nAuthorization: Negotiate "
                                          "YAE=\r\n"));
        assert_non_null(strstr(p.request, "GET /x HTTP/1.1\r\n"));
        assert_null(strstr(p.request, "Proxy-"));
        httpio_exchange_clear(&ex);
    }
}

/* A name curl may not resolve itself: pinned, it reaches our peer; not
 * pinned, curl's own lookup is refused and nothing is sent. */
static void
test_exchange_pinned(void **state)
{
    struct peer p;
    struct http_exchange ex[2];
    char url[80], pin[80];

    (void)state;
    peer_open(&p, PEER_ANSWER, OK_TOKEN);
    snprintf(url, sizeof(url), "http://pinned.invalid:%u/", p.port);
    snprintf(pin, sizeof(pin), "pinned.invalid:%u:127.0.0.1", p.port);
    memset(ex, 0, sizeof(ex));
    ex[0].url = url;
    ex[0].resolve = pin;
    ex[1].url = "http://unpinned.invalid/";
    assert_int_equal(httpio_exchange_all(ex, 2, clocks_now() + 5), 0);
    peer_close(&p);
    assert_int_equal(ex[0].error.code, 0);
    assert_int_equal(ex[0].status, 200);
    assert_non_null(strstr(p.request, "\r\nHost: pinned.invalid:"));
    assert_int_equal(ex[1].error.space, ERR_SPACE_CURL);
    assert_int_equal(ex[1].error.code, CURLE_COULDNT_RESOLVE_HOST);
    httpio_exchange_clear(&ex[0]);
    httpio_exchange_clear(&ex[1]);
}

static void
test_exchange_failures(void **state)
{
    struct peer silent, hangup;
    struct http_exchange ex[3];
    char u0[64], u1[64], u2[64];
    double start;

    (void)state;
    peer_open(&silent, PEER_SILENT, NULL);
    peer_open(&hangup, PEER_HANGUP, NULL);
    snprintf(u0, sizeof(u0), "http://127.0.0.1:%u/", closed_port());
    snprintf(u1, sizeof(u1), "http://127.0.0.1:%u/", silent.port);
    snprintf(u2, sizeof(u2), "http://127.0.0.1:%u/", hangup.port);
    memset(ex, 0, sizeof(ex));
    ex[0].url = u0;
    ex[1].url = u1;
    ex[2].url = u2;
    for (size_t i = 0; i < COUNT(ex); i++)
        ex[i].address = 1;
    start = clocks_now();
    assert_int_equal(httpio_exchange_all(ex, 3, start + 1.0), 0);
    /* The deadline holds: the silent peer costs it once, not more. */
    assert_true(clocks_now() - start < 1.5);
    peer_close(&silent);
    peer_close(&hangup);
    assert_int_equal(ex[0].error.space, ERR_SPACE_ERRNO);
    assert_int_equal(ex[0].error.code, ECONNREFUSED);
    assert_true(ex[0].seconds < 0.5);
    assert_int_equal(ex[1].error.space, ERR_SPACE_ERRNO);
    assert_int_equal(ex[1].error.code, ETIMEDOUT);
    assert_string_equal(ex[1].why, "connected, but no response before the "
                                   "deadline");
    assert_int_equal(ex[2].error.space, ERR_SPACE_CURL);
    assert_int_equal(ex[2].error.code, CURLE_GOT_NOTHING);
    for (size_t i = 0; i < COUNT(ex); i++)
        httpio_exchange_clear(&ex[i]);
}

/* A deadline already past: nothing is started, everything times out. */
static void
test_exchange_no_time(void **state)
{
    struct http_exchange ex;

    (void)state;
    memset(&ex, 0, sizeof(ex));
    ex.url = "http://127.0.0.1:9/";
    ex.address = 1;
    assert_int_equal(httpio_exchange_all(&ex, 1, clocks_now() - 1), 0);
    assert_int_equal(ex.error.code, ETIMEDOUT);
    assert_int_equal(httpio_exchange_all(NULL, 0, clocks_now() + 1), 0);
}

/* ---- untried ---- */

static void
test_record_skipped(void **state)
{
    struct conf_http http[2] = {
        { (char *)"https://sso.example.com/login", (char *)"sso.example.com",
          443, 1, NULL, 0 },
        { (char *)"http://dc1.example.com:5985/wsman",
          (char *)"dc1.example.com", 5985, 0, NULL, 1 },
    };
    struct conf_realm conf;
    struct realm_result res;
    const struct probe_error err = { ERR_SPACE_ERRNO, ETIMEDOUT };

    (void)state;
    memset(&conf, 0, sizeof(conf));
    memset(&res, 0, sizeof(res));
    conf.http = http;
    conf.n_http = 2;
    assert_int_equal(httpprobe_record_skipped(&conf, err, "no time", &res),
                     0);
    assert_int_equal(res.n_probes, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(res.probes[i].kind, PROBE_HTTP);
        assert_string_equal(res.probes[i].target, http[i].url);
        assert_int_equal(res.probes[i].success, 0);
        assert_int_equal(res.probes[i].error.code, ETIMEDOUT);
        assert_string_equal(res.probes[i].message, "no time");
    }
    assert_string_equal(probe_kind_name(PROBE_HTTP), "http");
    result_clear(&res);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64),
        cmocka_unit_test(test_b64_decode_rejects),
        cmocka_unit_test(test_authorization),
        cmocka_unit_test(test_challenge),
        cmocka_unit_test(test_tables_complete),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_from_curl_and_gss),
        cmocka_unit_test(test_exchange_answers),
        cmocka_unit_test(test_exchange_pinned),
        cmocka_unit_test(test_exchange_failures),
        cmocka_unit_test(test_exchange_no_time),
        cmocka_unit_test(test_record_skipped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
