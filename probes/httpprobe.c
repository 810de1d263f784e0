/* httpprobe: service acceptance over HTTP Negotiate; see httpprobe.h. */
#include "probes/httpprobe.h"

#include <errno.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "probes/httperr.h"
#include "probes/httpio.h"
#include "probes/negotiate.h"
#include "probes/resolve.h"

/* ---- GSS-API: the SPNEGO token from the probe's ccache ---- */

/* SPNEGO, 1.3.6.1.5.5.2; MIT's headers export no name for it. */
static gss_OID_desc spnego_oid = { 6, (void *)"\x2b\x06\x01\x05\x05\x02" };

/* The probe's credentials for SPNEGO, limited to krb5 (no NTLM however the
 * host is set up), from the ccache named ccname alone. */
struct gss_session {
    gss_cred_id_t cred;
};

/* The text GSS-API gives a status of one kind, into buf. */
static void
gss_text(OM_uint32 status, int type, const gss_OID mech, char *buf,
         size_t len)
{
    OM_uint32 minor, ctx = 0;
    size_t off = 0;

    buf[0] = '\0';
    do {
        gss_buffer_desc msg = GSS_C_EMPTY_BUFFER;
        if (GSS_ERROR(gss_display_status(&minor, status, type, mech, &ctx,
                                         &msg)))
            break;
        int w = snprintf(buf + off, len - off, "%s%.*s", off ? "; " : "",
                         (int)msg.length, (const char *)msg.value);
        gss_release_buffer(&minor, &msg);
        if (w < 0 || (size_t)w >= len - off)
            break;
        off += (size_t)w;
    } while (ctx != 0);
}

/* "what: GSS_S_X (minor KRB5_Y): text" into why. */
static void
gss_why(const char *what, OM_uint32 major, OM_uint32 minor, char *why,
        size_t len)
{
    char mtext[256], ntext[256];
    struct probe_error me = { ERR_SPACE_GSS, (long)httperr_gss_error(major) };
    struct probe_error ne = krb5err_from_krb5((long)(int32_t)minor);

    gss_text(major, GSS_C_GSS_CODE, GSS_C_NO_OID, mtext, sizeof(mtext));
    ntext[0] = '\0';
    if (minor != 0)
        gss_text(minor, GSS_C_MECH_CODE, (gss_OID)gss_mech_krb5, ntext,
                 sizeof(ntext));
    /* Cut short when it must be: it is a message, not a record. */
    if (snprintf(why, len, "%s: %s (minor %s): %s%s%s", what,
                 krb5err_name(me.space, me.code),
                 minor != 0 ? krb5err_name(ne.space, ne.code) : "0", mtext,
                 ntext[0] != '\0' ? ": " : "", ntext) < 0)
        why[0] = '\0';
}

static int
gss_session_open(const char *ccname, struct gss_session *gs,
                 struct probe_error *err, char *why, size_t why_len)
{
    /* An empty keytab in place of the default client keytab, so that
     * GSS-API can never get initial credentials of its own. */
    gss_key_value_element_desc el[] = {
        { "ccache", ccname },
        { "client_keytab", "MEMORY:krb5_exporter-http-no-keys" },
    };
    gss_key_value_set_desc store = { 2, el };
    gss_OID_set_desc mechs = { 1, &spnego_oid };
    gss_OID_set_desc krb5_only = { 1, (gss_OID)gss_mech_krb5 };
    OM_uint32 major, minor;

    gs->cred = GSS_C_NO_CREDENTIAL;
    major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE,
                                  &mechs, GSS_C_INITIATE, &store, &gs->cred,
                                  NULL, NULL);
    if (!GSS_ERROR(major))
        major = gss_set_neg_mechs(&minor, gs->cred, &krb5_only);
    if (GSS_ERROR(major)) {
        *err = negotiate_gss_error(major, minor);
        gss_why("gss_acquire_cred_from", major, minor, why, why_len);
        return -1;
    }
    return 0;
}

static void
gss_session_close(struct gss_session *gs)
{
    OM_uint32 minor;

    if (gs->cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&minor, &gs->cred);
}

/* ---- the probe ---- */

/* One URL's probe. */
struct url_probe {
    const struct conf_http *conf;     /* borrowed */
    const char *principal;    /* borrowed from res: as issued */
    gss_ctx_id_t ctx;         /* the half-made security context */
    gss_name_t target;        /* the service, for each leg */
    char *authorization;      /* owned, wiped when freed */
    char resolve[600];        /* the CURLOPT_RESOLVE entry, or "" */
    double prep_seconds;
    int ready;                /* the request goes out */
    int address;              /* the URL's host is an IP address */
    struct probe_error error; /* why not, when !ready */
    char why[512];
};

/* The service probe's outcome for service index svc: its service_info
 * and probe result, both appended in services order. */
static void
find_service(const struct realm_result *res, size_t svc,
             const struct service_info **info,
             const struct probe_result **probe)
{
    size_t k = 0;

    *info = svc < res->n_services ? &res->services[svc] : NULL;
    *probe = NULL;
    for (size_t i = 0; i < res->n_probes; i++) {
        if (res->probes[i].kind != PROBE_SERVICE)
            continue;
        if (k++ == svc) {
            *probe = &res->probes[i];
            break;
        }
    }
}

/* Is the ticket for principal in cc?  GSS-API would ask a KDC for it
 * itself, through libkrb5's own sendto, if it were not. */
static krb5_error_code
ticket_cached(krb5_context ctx, krb5_ccache cc, const char *principal)
{
    krb5_creds mcreds, creds;
    krb5_principal client = NULL, server = NULL;
    krb5_error_code ret;

    memset(&mcreds, 0, sizeof(mcreds));
    memset(&creds, 0, sizeof(creds));
    ret = krb5_cc_get_principal(ctx, cc, &client);
    if (ret == 0)
        ret = krb5_parse_name(ctx, principal, &server);
    if (ret == 0) {
        mcreds.client = client;
        mcreds.server = server;
        ret = krb5_cc_retrieve_cred(ctx, cc, 0, &mcreds, &creds);
    }
    if (ret == 0)
        krb5_free_cred_contents(ctx, &creds);
    krb5_free_principal(ctx, server);
    krb5_free_principal(ctx, client);
    return ret;
}

/* The first leg: the SPNEGO token, in the Authorization header. */
static int
first_token(struct realm_ctx *rc, struct gss_session *gs,
            struct url_probe *u)
{
    gss_buffer_desc namebuf = { strlen(u->principal),
                               (void *)(uintptr_t)u->principal };
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    OM_uint32 major, minor, flags = 0;

    major = gss_import_name(&minor, &namebuf,
                            (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME, &u->target);
    if (GSS_ERROR(major)) {
        u->error = negotiate_gss_error(major, minor);
        gss_why("gss_import_name", major, minor, u->why, sizeof(u->why));
        return -1;
    }
    /* Mutual authentication, and nothing else: no delegation. */
    major = gss_init_sec_context(&minor, gs->cred, &u->ctx, u->target,
                                 &spnego_oid, GSS_C_MUTUAL_FLAG, 0,
                                 GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER,
                                 NULL, &out, &flags, NULL);
    if (GSS_ERROR(major) || out.length == 0) {
        u->error = GSS_ERROR(major)
                       ? negotiate_gss_error(major, minor)
                       : (struct probe_error){ ERR_SPACE_GSS,
                                               (long)GSS_S_FAILURE };
        gss_why("gss_init_sec_context", major, minor, u->why,
                sizeof(u->why));
        gss_release_buffer(&minor, &out);
        return -1;
    }
    u->authorization = negotiate_authorization(out.value, out.length);
    trace_add(rc->trace, "http: %s: SPNEGO token for %s from the probe's "
              "ccache (%zu bytes, not shown; mutual authentication "
              "requested, no delegation)", u->conf->url, u->principal,
              (size_t)out.length);
    explicit_bzero(out.value, out.length);
    gss_release_buffer(&minor, &out);
    if (u->authorization == NULL) {
        u->error = (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM };
        snprintf(u->why, sizeof(u->why), "out of memory");
        return -1;
    }
    return 0;
}

/* The URL's host through our own lookup, pinned for curl. */
static int
pin_address(struct realm_ctx *rc, struct dns_client *dc, struct url_probe *u)
{
    const struct conf_http *h = u->conf;
    struct resolved_addr *addrs = NULL, one;
    size_t n = 0, off;
    char list[512] = "";

    if (resolve_numeric(h->host, h->port, &one) == 0) {
        u->address = 1;       /* an address: curl looks nothing up */
        return 0;
    }
    if (dns_addrs(dc, h->host, h->port, &addrs, &n, NULL, 0, &u->error)
        != 0) {
        snprintf(u->why, sizeof(u->why), "%s does not resolve: %s",
                 h->host, krb5err_name(u->error.space, u->error.code));
        trace_add(rc->trace, "http: %s: %s", h->url, u->why);
        return -1;
    }
    off = 0;
    for (size_t i = 0; i < n; i++) {
        char ip[64], *colon;
        resolve_format(&addrs[i], ip);
        /* "host:port" or "[v6]:port": the address without its port, in
         * brackets for IPv6, as CURLOPT_RESOLVE takes it. */
        colon = strrchr(ip, ':');
        if (colon != NULL)
            *colon = '\0';
        int w = snprintf(list + off, sizeof(list) - off, "%s%s",
                         off ? "," : "", ip);
        if (w < 0 || (size_t)w >= sizeof(list) - off)
            break;
        off += (size_t)w;
    }
    free(addrs);
    snprintf(u->resolve, sizeof(u->resolve), "%s:%u:%s", h->host,
             (unsigned)h->port, list);
    trace_add(rc->trace, "http: %s: %s is %s; curl is pinned to it",
              h->url, h->host, list);
    return 0;
}

/*
 * The second leg: does the server's token complete the context, with the
 * mutual flag?  Sets u->error and u->why when it does not.
 */
static int
mutual_check(struct realm_ctx *rc, struct url_probe *u,
             const struct http_exchange *ex)
{
    size_t cap = strlen(ex->token) * 3 / 4 + 3, len = 0;
    unsigned char *raw = malloc(cap);
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    OM_uint32 major, minor, flags = 0;
    int ok = -1;

    if (raw == NULL) {
        u->error = (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM };
        snprintf(u->why, sizeof(u->why), "out of memory");
        return -1;
    }
    if (negotiate_b64_decode(ex->token, strlen(ex->token), raw, &len) != 0) {
        u->error = (struct probe_error){ ERR_SPACE_GSS,
                                         (long)GSS_S_DEFECTIVE_TOKEN };
        snprintf(u->why, sizeof(u->why), "the server's Negotiate token is "
                 "not base64: the service did not prove that it holds the "
                 "key");
        goto done;
    }
    in.length = len;
    in.value = raw;
    major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &u->ctx,
                                 u->target, &spnego_oid,
                                 GSS_C_MUTUAL_FLAG, 0,
                                 GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out,
                                 &flags, NULL);
    gss_release_buffer(&minor, &out);
    if (GSS_ERROR(major)) {
        char gwhy[400];
        u->error = negotiate_gss_error(major, minor);
        gss_why("gss_init_sec_context", major, minor, gwhy, sizeof(gwhy));
        snprintf(u->why, sizeof(u->why), "the server's Negotiate token does "
                 "not verify (%s): the service did not prove that it holds "
                 "the key", gwhy);
    } else if (major != GSS_S_COMPLETE || !(flags & GSS_C_MUTUAL_FLAG)) {
        u->error = (struct probe_error){ ERR_SPACE_KRB5,
                                         KRB5KRB_AP_ERR_MUT_FAIL };
        snprintf(u->why, sizeof(u->why), "the server's Negotiate token %s: "
                 "the service did not prove that it holds the key",
                 major != GSS_S_COMPLETE
                     ? "does not complete the GSS context"
                     : "completes the GSS context without mutual "
                       "authentication");
    } else {
        ok = 0;
        trace_add(rc->trace, "http: %s: mutual authentication verified: "
                  "the server's token completes the GSS context with the "
                  "mutual flag, so the service holds the key", ex->url);
    }
done:
    explicit_bzero(raw, cap);
    free(raw);
    return ok;
}

/* After a 401 or 403: what the server's error token says, if any. */
static void
explain_refusal(struct url_probe *u, const struct http_exchange *ex,
                char *out, size_t len)
{
    size_t cap, n = 0;
    unsigned char *raw;
    gss_buffer_desc in, tok = GSS_C_EMPTY_BUFFER;
    OM_uint32 major, minor, flags = 0;

    out[0] = '\0';
    if (ex->token == NULL)
        return;
    cap = strlen(ex->token) * 3 / 4 + 3;
    raw = malloc(cap);
    if (raw == NULL)
        return;
    if (negotiate_b64_decode(ex->token, strlen(ex->token), raw, &n) == 0) {
        in.length = n;
        in.value = raw;
        major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &u->ctx,
                                     u->target, &spnego_oid,
                                     GSS_C_MUTUAL_FLAG, 0,
                                     GSS_C_NO_CHANNEL_BINDINGS, &in, NULL,
                                     &tok, &flags, NULL);
        gss_release_buffer(&minor, &tok);
        if (GSS_ERROR(major) && minor != 0) {
            struct probe_error e = krb5err_from_krb5((long)(int32_t)minor);
            snprintf(out, len, "; its Negotiate token says %s",
                     krb5err_name(e.space, e.code));
        }
    }
    explicit_bzero(raw, cap);
    free(raw);
}

/* Judge a finished exchange into u->error/why; 0 when it succeeded. */
static int
judge(struct realm_ctx *rc, struct url_probe *u,
      const struct http_exchange *ex)
{
    if (ex->error.code != 0) {
        u->error = ex->error;
        snprintf(u->why, sizeof(u->why), "%s", ex->why);
        trace_add(rc->trace, "http: %s: no response after %.3f s: %s (%s)",
                  ex->url, ex->seconds, krb5err_name(ex->error.space,
                                                     ex->error.code),
                  ex->why);
        return -1;
    }
    trace_add(rc->trace, "http: %s: status %ld after %.3f s, %s", ex->url,
              ex->status, ex->seconds,
              ex->token != NULL ? "with a Negotiate token back"
              : ex->negotiate ? "with a Negotiate challenge but no token"
                              : "with no Negotiate token");
    if (ex->status >= 400) {
        char said[128];
        explain_refusal(u, ex, said, sizeof(said));
        u->error = (struct probe_error){ ERR_SPACE_HTTP, ex->status };
        snprintf(u->why, sizeof(u->why), "the server answered %ld %s%s%s",
                 ex->status, krb5err_name(ERR_SPACE_HTTP, ex->status),
                 ex->status == 401 ? ": it did not accept the ticket" : "",
                 said);
        trace_add(rc->trace, "http: %s: %s", ex->url, u->why);
        return -1;
    }
    if (ex->token == NULL) {
        u->error = (struct probe_error){ ERR_SPACE_KRB5,
                                         KRB5KRB_AP_ERR_MUT_FAIL };
        snprintf(u->why, sizeof(u->why), "the server answered %ld without "
                 "a Negotiate token: the service did not prove that it "
                 "holds the key", ex->status);
        trace_add(rc->trace, "http: %s: %s", ex->url, u->why);
        return -1;
    }
    if (mutual_check(rc, u, ex) != 0) {
        trace_add(rc->trace, "http: %s: %s", ex->url, u->why);
        return -1;
    }
    return 0;
}

/* Record URL k as failed, untried, with the error of whatever kept it. */
static int
add_failed(const struct conf_http *h, struct probe_error error,
           const char *why, double seconds, struct realm_result *res)
{
    char *target = strdup(h->url);
    char *message = why != NULL ? strdup(why) : NULL;

    if (target == NULL || (why != NULL && message == NULL)) {
        free(target);
        free(message);
        return ENOMEM;
    }
    return result_add_probe(res, PROBE_HTTP, target, 0, seconds, error,
                            message);
}

int
httpprobe_record_skipped(const struct conf_realm *conf,
                         struct probe_error error, const char *why,
                         struct realm_result *res)
{
    for (size_t k = 0; k < conf->n_http; k++)
        if (add_failed(&conf->http[k], error, why, 0, res) != 0)
            return ENOMEM;
    return 0;
}

/* Get URL u ready to go out: its service's ticket, the token, the pin. */
static void
prepare(struct realm_ctx *rc, struct dns_client *dc, krb5_ccache cc,
        struct gss_session *gs, const struct realm_result *res,
        struct url_probe *u)
{
    const struct service_info *info;
    const struct probe_result *svc;
    krb5_error_code ret;

    find_service(res, u->conf->service, &info, &svc);
    if (info == NULL || info->principal == NULL || svc == NULL ||
        !svc->success) {
        u->error = svc != NULL ? svc->error
                               : (struct probe_error){ ERR_SPACE_KRB5,
                                                       KRB5_CC_NOTFOUND };
        snprintf(u->why, sizeof(u->why), "not attempted: no service ticket "
                 "for %s (%s)", rc->conf->services[u->conf->service],
                 svc != NULL && svc->message ? svc->message : "failed");
        trace_add(rc->trace, "http: %s: %s", u->conf->url, u->why);
        return;
    }
    u->principal = info->principal;
    ret = ticket_cached(rc->ctx, cc, u->principal);
    if (ret != 0) {
        u->error = krb5err_from_krb5(ret);
        snprintf(u->why, sizeof(u->why), "not attempted: the ticket for %s "
                 "is not in the probe's ccache, and GSS-API would ask a KDC "
                 "for it itself: %s", u->principal,
                 krb5err_name(u->error.space, u->error.code));
        trace_add(rc->trace, "http: %s: %s", u->conf->url, u->why);
        return;
    }
    if (gs->cred == GSS_C_NO_CREDENTIAL) {
        snprintf(u->why, sizeof(u->why), "no GSS-API credentials");
        return;               /* error set by the caller */
    }
    if (pin_address(rc, dc, u) != 0 || first_token(rc, gs, u) != 0) {
        if (u->error.code == 0)
            u->error = (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM };
        return;
    }
    trace_add(rc->trace, "http: %s: GET with Authorization: Negotiate "
              "(credentials not shown)%s", u->conf->url,
              u->conf->ca_file != NULL ? ", trusting the service's ca_file"
                                       : "");
    u->ready = 1;
}

int
httpprobe_run(struct realm_ctx *rc, struct dns_client *dc, krb5_ccache cc,
              struct realm_result *res)
{
    const struct conf_realm *conf = rc->conf;
    struct url_probe *us = NULL;
    struct http_exchange *ex = NULL;
    size_t n_ready = 0;
    struct gss_session gs = { GSS_C_NO_CREDENTIAL };
    struct probe_error gss_err = { ERR_SPACE_ERRNO, 0 };
    char gss_why_text[512] = "";
    char *ccname = NULL;
    int status = 0;

    if (conf->n_http == 0)
        return 0;
    us = calloc(conf->n_http, sizeof(*us));
    ex = calloc(conf->n_http, sizeof(*ex));
    if (us == NULL || ex == NULL) {
        status = ENOMEM;
        goto cleanup;
    }
    if (krb5_cc_get_full_name(rc->ctx, cc, &ccname) != 0 ||
        gss_session_open(ccname, &gs, &gss_err, gss_why_text,
                         sizeof(gss_why_text)) != 0) {
        if (gss_err.code == 0)
            gss_err = (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM };
        trace_add(rc->trace, "http: %s", gss_why_text);
    }
    for (size_t k = 0; k < conf->n_http; k++) {
        struct url_probe *u = &us[k];
        double start = clocks_now();

        u->conf = &conf->http[k];
        u->ctx = GSS_C_NO_CONTEXT;
        u->target = GSS_C_NO_NAME;
        prepare(rc, dc, cc, &gs, res, u);
        if (!u->ready && u->error.code == 0) {
            u->error = gss_err;
            snprintf(u->why, sizeof(u->why), "%s", gss_why_text);
        }
        u->prep_seconds = clocks_now() - start;
        if (!u->ready)
            continue;
        ex[n_ready].url = u->conf->url;
        ex[n_ready].resolve = u->resolve[0] != '\0' ? u->resolve : NULL;
        ex[n_ready].ca_file = u->conf->ca_file;
        ex[n_ready].address = u->address;
        ex[n_ready++].authorization = u->authorization;
    }
    if (n_ready > 0)
        status = httpio_exchange_all(ex, n_ready, rc->deadline);
    for (size_t i = 0, r = 0; i < conf->n_http && status == 0; i++) {
        struct url_probe *u = &us[i];
        double seconds = u->prep_seconds;

        if (u->ready) {
            struct http_exchange *x = &ex[r++];
            double start = clocks_now();
            int ok = judge(rc, u, x) == 0;
            seconds += x->seconds + (clocks_now() - start);
            if (ok) {
                char *target = strdup(u->conf->url);
                status = target == NULL
                             ? ENOMEM
                             : result_add_probe(res, PROBE_HTTP, target, 1,
                                                seconds, (struct probe_error){
                                                    ERR_SPACE_HTTP, 0 },
                                                NULL);
                continue;
            }
        }
        status = add_failed(u->conf, u->error, u->why, seconds, res);
    }
cleanup:
    for (size_t k = 0; us != NULL && k < conf->n_http; k++) {
        OM_uint32 minor;
        if (us[k].ctx != GSS_C_NO_CONTEXT)
            gss_delete_sec_context(&minor, &us[k].ctx, GSS_C_NO_BUFFER);
        if (us[k].target != GSS_C_NO_NAME)
            gss_release_name(&minor, &us[k].target);
        if (us[k].authorization != NULL) {
            explicit_bzero(us[k].authorization,
                           strlen(us[k].authorization));
            free(us[k].authorization);
        }
    }
    for (size_t i = 0; ex != NULL && i < n_ready; i++)
        httpio_exchange_clear(&ex[i]);
    gss_session_close(&gs);
    if (ccname != NULL)
        krb5_free_string(rc->ctx, ccname);
    free(ex);
    free(us);
    return status;
}
