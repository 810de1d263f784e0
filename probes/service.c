/* service: TGS exchange per configured service; see service.h. */
#include "probes/service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/deadline.h"

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
    }
    return 0;
}

/* One TGS exchange.  Sets *principal_out (as issued, or as asked on
 * failure) and *kvno_out. */
static krb5_error_code
get_ticket(struct realm_ctx *rc, krb5_ccache cc, krb5_principal client,
           const char *service, char **principal_out, int *kvno_out)
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
    krb5_free_creds(rc->ctx, out);
    krb5_free_principal(rc->ctx, server);
    return ret;
}

int
service_probe_all(struct realm_ctx *rc, krb5_ccache cc, krb5_principal client,
                  struct realm_result *res)
{
    const struct conf_realm *conf = rc->conf;

    for (size_t i = 0; i < conf->n_services; i++) {
        double start = deadline_now();
        char *principal = NULL, *message = NULL, *target;
        int kvno = -1;
        krb5_error_code ret;

        ret = get_ticket(rc, cc, client, conf->services[i], &principal,
                         &kvno);
        if (ret != 0)
            message = realmctx_message(rc, ret);
        target = principal != NULL
                     ? strdup(principal)
                     : service_default_principal(conf->services[i],
                                                 conf->realm);
        if (target == NULL) {
            free(message);
            free(principal);
            return ENOMEM;
        }
        if (result_add_probe(res, PROBE_SERVICE, target, ret == 0,
                             deadline_now() - start, krb5err_from_krb5(ret),
                             message) != 0) {
            free(principal);
            return ENOMEM;
        }
        if (result_add_service(res, strdup(conf->services[i]), principal,
                               ret == 0 ? kvno : -1) != 0)
            return ENOMEM;
    }
    return 0;
}
