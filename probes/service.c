/* service: TGS exchange per configured service; see service.h. */
#include "probes/service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "probes/enctypes.h"
#include "probes/tgsfan.h"
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

/* A service's name to ask for, or why there is none. */
struct asking {
    char *asked;              /* owned: the principal, canonicalised; NULL:
                                 canonicalisation failed */
    struct probe_error err;   /* when it failed */
    char why[512];
    double seconds;           /* what canonicalisation took */
    size_t ticket;            /* its entry among the tickets asked for */
};

/* Record service i, whose name could not be had (a failed DNS lookup). */
static int
record_unasked(const struct conf_realm *conf, size_t i,
               const struct asking *a, struct realm_result *res)
{
    char *t = service_default_principal(conf->services[i], conf->realm);
    char *m = strdup(a->why);

    if (t == NULL) {
        free(m);
        return ENOMEM;
    }
    if (result_add_probe(res, PROBE_SERVICE, t, 0, a->seconds, a->err, m) != 0 ||
        result_add_service(res, strdup(conf->services[i]), NULL, -1) != 0)
        return ENOMEM;
    if (verify_keytab_of(conf, i) != NULL &&
        record_verify_skipped(conf, i, a->err, a->why, res) != 0)
        return ENOMEM;
    return 0;
}

/*
 * Record service i's ticket t: the service result (its time is its name's
 * and its own exchange's), then what follows from it (after_ticket), then
 * its service_info.  What t owns is taken over or freed.  Returns 0 or
 * ENOMEM.
 */
static int
record_ticket(struct realm_ctx *rc, size_t i, const struct asking *a,
              struct tgsfan_ticket *t, struct realm_result *res)
{
    const struct conf_realm *conf = rc->conf;
    char *target = NULL, *message = t->message;
    int status = 0;

    t->message = NULL;
    if (t->ret == 0)
        trace_add(rc->trace, "service: issued %s, kvno %d",
                  t->principal ? t->principal : "?", t->kvno);
    else
        trace_add(rc->trace, "service: failed: %s (%ld): %s",
                  krb5err_name(krb5err_from_krb5(t->ret).space, t->ret),
                  (long)t->ret, message ? message : "");
    target = t->principal != NULL
                 ? strdup(t->principal)
                 : service_default_principal(conf->services[i], conf->realm);
    if (target == NULL) {
        free(message);
        status = ENOMEM;
        goto cleanup;
    }
    if (result_add_probe(res, PROBE_SERVICE, target, t->ret == 0,
                         a->seconds + t->seconds, krb5err_from_krb5(t->ret),
                         message) != 0) {
        status = ENOMEM;
        goto cleanup;
    }
    if (t->ret != 0)
        res->probes[res->n_probes - 1].status = t->status;
    status = after_ticket(rc, i, t->ret, t->creds, res);
    if (status != 0)
        goto cleanup;
    if (result_add_service(res, strdup(conf->services[i]), t->principal,
                           t->ret == 0 ? t->kvno : -1) != 0)
        status = ENOMEM;
    t->principal = NULL;      /* taken over, even on failure */
cleanup:
    tgsfan_ticket_clear(rc->ctx, t);
    return status;
}

int
service_probe_all(struct realm_ctx *rc, struct dns_client *dc,
                  krb5_ccache cc, krb5_principal client,
                  struct realm_result *res)
{
    const struct conf_realm *conf = rc->conf;
    size_t n = conf->n_services, n_asked = 0;
    struct asking *ask = NULL;
    struct tgsfan_ticket *tickets = NULL;
    struct fanout_stats stats = { 0, 0 };
    int status = verify_keytab_kvnos(rc, res);

    if (status != 0 || n == 0)
        return status;
    ask = calloc(n, sizeof(*ask));
    tickets = calloc(n, sizeof(*tickets));
    if (ask == NULL || tickets == NULL) {
        status = ENOMEM;
        goto cleanup;
    }
    /* The names first, one after another (DNS, when canonicalize says so),
     * then every ticket at once. */
    for (size_t i = 0; i < n; i++) {
        double start = clocks_now();

        if (service_canonical(conf, dc, conf->services[i], &ask[i].asked,
                              &ask[i].err, ask[i].why,
                              sizeof(ask[i].why)) != 0) {
            trace_add(rc->trace, "service: %s: %s", conf->services[i],
                      ask[i].why);
            ask[i].asked = NULL;
        } else {
            trace_add(rc->trace, "service: %s -> asking for %s "
                      "(canonicalize=%s)", conf->services[i], ask[i].asked,
                      conf_canon_name(conf->canonicalize));
            ask[i].ticket = n_asked;
            tickets[n_asked++].asked = ask[i].asked;
        }
        ask[i].seconds = clocks_now() - start;
    }
    if (n_asked > 0) {
        (void)tgsfan_run(rc, cc, client, tickets, n_asked,
                         conf->max_in_flight, &stats);
        trace_add(rc->trace, "service: %zu TGS exchanges at once, at most %u "
                  "in flight (max_in_flight), %zu at the most%s", n_asked,
                  conf->max_in_flight, stats.peak,
                  stats.never_started ? "; the deadline passed before some "
                                        "were sent" : "");
    }
    /* The results in config order. */
    for (size_t i = 0; i < n && status == 0; i++)
        status = ask[i].asked == NULL
                     ? record_unasked(conf, i, &ask[i], res)
                     : record_ticket(rc, i, &ask[i], &tickets[ask[i].ticket],
                                     res);
cleanup:
    for (size_t k = 0; tickets != NULL && k < n_asked; k++)
        tgsfan_ticket_clear(rc->ctx, &tickets[k]);
    for (size_t i = 0; ask != NULL && i < n; i++)
        free(ask[i].asked);
    free(tickets);
    free(ask);
    return status;
}
