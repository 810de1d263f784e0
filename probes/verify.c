/* verify: service keytabs against issued tickets; see verify.h. */
#include "probes/verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "probes/ktcache.h"

const char *
verify_keytab_of(const struct conf_realm *conf, size_t i)
{
    if (conf->service_keytabs != NULL && i < conf->n_services &&
        conf->service_keytabs[i] != NULL)
        return conf->service_keytabs[i];
    return conf->service_keytab;
}

/*
 * Present creds to the service side: an AP-REQ made with the ticket and its
 * session key, read back by krb5_rd_req() with the keytab and the ticket's
 * own server principal, as a service that knows its name does.  The
 * server's auth context has no flags, so no replay cache is opened.
 */
static krb5_error_code
accept_ticket(krb5_context ctx, const char *path, krb5_creds *creds)
{
    krb5_auth_context client_ac = NULL, server_ac = NULL;
    krb5_data ap_req = { 0, 0, NULL };
    krb5_keytab kt = NULL;
    krb5_ticket *ticket = NULL;
    krb5_flags ap_options = 0;
    krb5_error_code ret;
    char *name = NULL;

    if (asprintf(&name, "FILE:%s", path) < 0) {
        name = NULL;
        ret = ENOMEM;
        goto cleanup;
    }
    ret = krb5_mk_req_extended(ctx, &client_ac, 0, NULL, creds, &ap_req);
    if (ret == 0)
        ret = krb5_auth_con_init(ctx, &server_ac);
    if (ret == 0)
        ret = krb5_auth_con_setflags(ctx, server_ac, 0);
    if (ret == 0)
        ret = krb5_kt_resolve(ctx, name, &kt);
    if (ret == 0)
        ret = krb5_rd_req(ctx, &server_ac, &ap_req, creds->server, kt,
                          &ap_options, &ticket);
cleanup:
    krb5_free_ticket(ctx, ticket);
    if (kt != NULL)
        krb5_kt_close(ctx, kt);
    krb5_free_data_contents(ctx, &ap_req);
    krb5_auth_con_free(ctx, server_ac);
    krb5_auth_con_free(ctx, client_ac);
    free(name);
    return ret;
}

int
verify_ticket(struct realm_ctx *rc, const char *path, krb5_creds *creds,
              struct realm_result *res)
{
    double start = clocks_now();
    char *target = NULL, *message = NULL, *why = NULL;
    krb5_error_code ret;

    if (krb5_unparse_name(rc->ctx, creds->server, &target) != 0)
        return ENOMEM;
    ret = accept_ticket(rc->ctx, path, creds);
    if (ret != 0) {
        why = realmctx_message(rc, ret);
        if (asprintf(&message, "keytab \"%s\": %s", path,
                     why ? why : "failed") < 0)
            message = NULL;
        free(why);
        trace_add(rc->trace, "verify: %s with keytab \"%s\": failed: %s "
                  "(%ld): %s", target, path,
                  krb5err_name(krb5err_from_krb5(ret).space, ret), (long)ret,
                  message ? message : "");
    } else {
        trace_add(rc->trace, "verify: %s: the keytab \"%s\" opens the "
                  "ticket", target, path);
    }
    {
        char *t = strdup(target);
        krb5_free_unparsed_name(rc->ctx, target);
        if (t == NULL) {
            free(message);
            return ENOMEM;
        }
        return result_add_probe(res, PROBE_VERIFY, t, ret == 0,
                                clocks_now() - start,
                                krb5err_from_krb5(ret), message);
    }
}

int
verify_keytab_kvnos(struct realm_ctx *rc, struct realm_result *res)
{
    const struct conf_realm *conf = rc->conf;

    for (size_t i = 0; i < conf->n_services; i++) {
        const char *path = verify_keytab_of(conf, i);
        struct ktcache_summary sum = { NULL, 0 };
        krb5_error_code ret;
        int seen = 0, was_read = 0;

        if (path == NULL)
            continue;
        for (size_t j = 0; j < i && !seen; j++) {
            const char *other = verify_keytab_of(conf, j);
            seen = other != NULL && strcmp(other, path) == 0;
        }
        if (seen)
            continue;
        ret = ktcache_get(rc->ctx, path, &sum, &was_read);
        if (ret != 0) {
            trace_add(rc->trace, "verify: cannot read keytab \"%s\": %s "
                      "(%ld)", path,
                      krb5err_name(krb5err_from_krb5(ret).space, ret),
                      (long)ret);
            continue;
        }
        trace_add(rc->trace, "verify: keytab \"%s\": %zu principal and "
                  "enctype pairs, %s", path, sum.n,
                  was_read ? "read from disk (new or changed)"
                           : "unchanged since last read");
        for (size_t k = 0; k < sum.n && ret == 0; k++)
            if (result_add_keytab_kvno(res, sum.entries[k].principal,
                                       sum.entries[k].enctype,
                                       sum.entries[k].kvno) != 0)
                ret = ENOMEM;
        ktcache_summary_clear(&sum);
        if (ret != 0)
            return ENOMEM;
    }
    return 0;
}
