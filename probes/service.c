/* service: TGS exchange per configured service; see service.h. */
#include "probes/service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "probes/enctypes.h"
#include "probes/verify.h"

char *
service_default_principal(const char *service, const char *realm)
{
    char *out = NULL;

    /* An '@' not escaped by a backslash starts the realm. */
    for (const char *p = service; *p != '\0'; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        else if (*p == '@')
            return strdup(service);
    }
    if (asprintf(&out, "%s@%s", service, realm) < 0)
        return NULL;
    return out;
}

/* The service's verify probe, not attempted: it fails with the error that
 * kept its ticket from being had. */
static int
record_verify_skipped(const struct conf_realm *conf, size_t i,
                      struct probe_error error, const char *why,
                      struct realm_result *res)
{
    char *target = service_default_principal(conf->services[i], conf->realm);
    char *message = NULL;

    if (target == NULL)
        return ENOMEM;
    if (asprintf(&message, "not attempted: no service ticket to verify "
                 "(%s)", why ? why : "failed") < 0)
        message = NULL;
    return result_add_probe(res, PROBE_VERIFY, target, 0, 0, error, message);
}

int
service_record_skipped(const struct conf_realm *conf, struct probe_error error,
                       const char *why, struct realm_result *res)
{
    for (size_t i = 0; i < conf->n_services; i++) {
        char *target = service_default_principal(conf->services[i],
                                                 conf->realm);
        char *message = why != NULL ? strdup(why) : NULL;
        if (target == NULL) {
            free(message);
            return ENOMEM;
        }
        if (result_add_probe(res, PROBE_SERVICE, target, 0, 0, error,
                             message) != 0)
            return ENOMEM;
        if (result_add_service(res, strdup(conf->services[i]), NULL, -1) != 0)
            return ENOMEM;
        if (verify_keytab_of(conf, i) != NULL &&
            record_verify_skipped(conf, i, error, why, res) != 0)
            return ENOMEM;
    }
    return 0;
}

/* One TGS exchange.  Sets *principal_out (as issued, or as asked on
 * failure) and *kvno_out; on success also *creds_out, which the caller
 * frees with krb5_free_creds(). */
static krb5_error_code
get_ticket(struct realm_ctx *rc, krb5_ccache cc, krb5_principal client,
           const char *service, char **principal_out, int *kvno_out,
           krb5_creds **creds_out)
{
    krb5_principal server = NULL;
    krb5_creds in, *out = NULL;
    krb5_ticket *ticket = NULL;
    krb5_error_code ret;

    memset(&in, 0, sizeof(in));
    *principal_out = NULL;
    *kvno_out = -1;
    ret = krb5_parse_name(rc->ctx, service, &server);
    if (ret != 0)
        return ret;
    in.client = client;
    in.server = server;
    ret = krb5_get_credentials(rc->ctx, 0, cc, &in, &out);
    if (ret == 0) {
        krb5_error_code r2 = krb5_decode_ticket(&out->ticket, &ticket);
        if (r2 == 0)
            *kvno_out = (int)ticket->enc_part.kvno;
        krb5_free_ticket(rc->ctx, ticket);
    }
    {
        char *name = NULL;
        if (krb5_unparse_name(rc->ctx, ret == 0 ? out->server : server,
                              &name) == 0) {
            *principal_out = strdup(name);
            krb5_free_unparsed_name(rc->ctx, name);
        }
    }
    if (ret == 0)
        *creds_out = out;
    else
        krb5_free_creds(rc->ctx, out);
    krb5_free_principal(rc->ctx, server);
    return ret;
}

/* MIT's name for an enctype, in a new string (NULL: no memory). */
static char *
enctype_string(krb5_enctype enctype)
{
    char name[64];

    enctypes_name(enctype, name, sizeof(name));
    return strdup(name);
}

int
service_record_enctypes(krb5_context ctx, enum probe_kind kind,
                        const char *target, const krb5_creds *creds,
                        struct realm_result *res)
{
    krb5_ticket *ticket = NULL;
    krb5_enctype session = creds->keyblock.enctype, sealed;

    /* A ticket the library accepted decodes; if it did not, nothing is
     * known of its enctype and nothing is reported. */
    if (krb5_decode_ticket(&creds->ticket, &ticket) != 0)
        return 0;
    sealed = ticket->enc_part.enctype;
    krb5_free_ticket(ctx, ticket);
    return result_add_ticket(res, kind, strdup(target),
                             enctype_string(session), enctype_string(sealed),
                             enctypes_weak(session) || enctypes_weak(sealed));
}

int
service_canonical(const struct conf_realm *conf, struct dns_client *dc,
                  const char *service, char **principal_out,
                  struct probe_error *err_out, char *why, size_t why_len)
{
    struct resolved_addr *addrs = NULL;
    char host[256], canon[256], *out;
    size_t n = 0;

    if (conf->canonicalize == CANON_NONE ||
        dnsparse_service_host(service, host, sizeof(host)) != 0) {
        out = service_default_principal(service, conf->realm);
        goto done;
    }
    /* Forward: addresses and CNAMEs, as getaddrinfo(AI_CANONNAME) would. */
    if (dns_addrs(dc, host, 0, &addrs, &n, canon, sizeof(canon),
                  err_out) != 0) {
        snprintf(why, why_len, "cannot canonicalize \"%s\": forward lookup "
                 "failed: %s", host,
                 krb5err_name(err_out->space, err_out->code));
        return -1;
    }
    if (conf->canonicalize == CANON_REVERSE) {
        char ip[64];
        resolve_format(&addrs[0], ip);
        if (dns_ptr(dc, &addrs[0], canon, sizeof(canon), err_out) != 0) {
            snprintf(why, why_len, "cannot canonicalize \"%s\": reverse "
                     "lookup of %s failed: %s", host, ip,
                     krb5err_name(err_out->space, err_out->code));
            free(addrs);
            return -1;
        }
    }
    free(addrs);
    out = dnsparse_service_principal(service, canon, conf->realm);
done:
    if (out == NULL) {
        *err_out = (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM };
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    *principal_out = out;
    return 0;
}

/*
 * What follows a TGS exchange for service i: the ticket's enctypes, and the
 * verify probe when the service has a keytab (failed with the exchange's
 * error when there is no ticket).  The service result is the last one in
 * res.  Returns 0 or ENOMEM.
 */
static int
after_ticket(struct realm_ctx *rc, size_t i, krb5_error_code ret,
             krb5_creds *creds, struct realm_result *res)
{
    const struct probe_result *svc = &res->probes[res->n_probes - 1];
    const char *keytab = verify_keytab_of(rc->conf, i);

    if (ret != 0)
        return keytab == NULL ? 0
                              : record_verify_skipped(rc->conf, i, svc->error,
                                                      svc->message, res);
    if (service_record_enctypes(rc->ctx, PROBE_SERVICE, svc->target, creds,
                                res) != 0)
        return ENOMEM;
    return keytab == NULL ? 0 : verify_ticket(rc, keytab, creds, res);
}

int
service_probe_all(struct realm_ctx *rc, struct dns_client *dc,
                  krb5_ccache cc, krb5_principal client,
                  struct realm_result *res)
{
    const struct conf_realm *conf = rc->conf;
    int status = verify_keytab_kvnos(rc, res);

    if (status != 0)
        return status;

    for (size_t i = 0; i < conf->n_services; i++) {
        double start = clocks_now();
        char *principal = NULL, *message = NULL, *target, *asked = NULL;
        struct probe_error canon_err;
        char why[512];
        int kvno = -1;
        krb5_creds *creds = NULL;
        krb5_error_code ret;

        if (service_canonical(conf, dc, conf->services[i], &asked, &canon_err,
                              why, sizeof(why)) != 0) {
            trace_add(rc->trace, "service: %s: %s", conf->services[i], why);
            char *t = service_default_principal(conf->services[i],
                                                conf->realm);
            char *m = strdup(why);
            if (t == NULL) {
                free(m);
                return ENOMEM;
            }
            if (result_add_probe(res, PROBE_SERVICE, t, 0,
                                 clocks_now() - start, canon_err, m) != 0 ||
                result_add_service(res, strdup(conf->services[i]), NULL,
                                   -1) != 0)
                return ENOMEM;
            if (verify_keytab_of(conf, i) != NULL &&
                record_verify_skipped(conf, i, canon_err, why, res) != 0)
                return ENOMEM;
            continue;
        }
        trace_add(rc->trace, "service: %s -> asking for %s (canonicalize=%s)",
                  conf->services[i], asked,
                  conf_canon_name(conf->canonicalize));
        rc->last_status = 0;
        ret = get_ticket(rc, cc, client, asked, &principal, &kvno, &creds);
        free(asked);
        if (ret != 0)
            message = realmctx_message(rc, ret);
        if (ret == 0)
            trace_add(rc->trace, "service: issued %s, kvno %d",
                      principal ? principal : "?", kvno);
        else
            trace_add(rc->trace, "service: failed: %s (%ld): %s",
                      krb5err_name(krb5err_from_krb5(ret).space, ret),
                      (long)ret, message ? message : "");
        target = principal != NULL
                     ? strdup(principal)
                     : service_default_principal(conf->services[i],
                                                 conf->realm);
        if (target == NULL) {
            free(message);
            free(principal);
            krb5_free_creds(rc->ctx, creds);
            return ENOMEM;
        }
        if (result_add_probe(res, PROBE_SERVICE, target, ret == 0,
                             clocks_now() - start, krb5err_from_krb5(ret),
                             message) != 0) {
            free(principal);
            krb5_free_creds(rc->ctx, creds);
            return ENOMEM;
        }
        if (ret != 0)
            res->probes[res->n_probes - 1].status = rc->last_status;
        status = after_ticket(rc, i, ret, creds, res);
        krb5_free_creds(rc->ctx, creds);
        if (status != 0) {
            free(principal);
            return status;
        }
        if (result_add_service(res, strdup(conf->services[i]), principal,
                               ret == 0 ? kvno : -1) != 0)
            return ENOMEM;
    }
    return 0;
}
